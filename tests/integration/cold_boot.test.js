'use strict';
// Scenario 1: cold boot. BootNotification accepted, StatusNotification for connectors 0 and 1,
// then a Heartbeat at the interval the CSMS gave in BootNotification.conf.

const assert = require('node:assert/strict');
const {scenario, ev} = require('./harness');

const kId = 'CP-COLD-1';
const kHeartbeatIntervalS = 1;  // the bench's answer to BootNotification

scenario('cold boot: BootNotification accepted, status of connectors 0 and 1, then Heartbeat',
  {bench: {config: {heartbeatInterval: kHeartbeatIntervalS}}}, async (env) => {
    const sim = env.startSim({id: kId});
    await sim.waitFor(ev('boot'));
    await sim.waitFor(ev('connection', {connected: true}));
    await sim.waitFor(ev('registration', {status: 'Accepted'}));

    const [boot] = await env.waitCalls(kId, 'BootNotification');
    assert.equal(typeof boot.payload.chargePointVendor, 'string');
    assert.equal(typeof boot.payload.chargePointModel, 'string');
    const ch = await env.until(async () => {
      const c = await env.charger(kId);
      return c && c.boot && c.connectors.length >= 2 && c.connectors.every((k) => k.status) && c;
    }, 'boot and connector status at the bench', {id: kId});
    assert.equal(ch.connected, true);
    assert.equal(ch.bootCount, 1);
    assert.equal(ch.boot.status, 'Accepted');
    assert.equal(ch.boot.interval, kHeartbeatIntervalS);
    assert.deepEqual(ch.connectors.map((c) => [c.connectorId, c.status, c.errorCode]),
      [[0, 'Available', 'NoError'], [1, 'Available', 'NoError']]);

    // Status notifications come after the accepted boot, heartbeats after both.
    const status = await env.waitCalls(kId, 'StatusNotification', {count: 2});
    assert.deepEqual(status.map((c) => c.payload.connectorId).sort(), [0, 1]);
    for (const c of status) assert.ok(c.seq > boot.seq, 'StatusNotification before BootNotification');
    const [hb] = await env.waitCalls(kId, 'Heartbeat');
    assert.deepEqual(hb.payload, {});
    assert.ok(hb.seq > boot.seq);
    await env.until(async () => (await env.charger(kId)).lastHeartbeat, 'lastHeartbeat at the bench');

    // The simulator saw the same things.
    assert.ok(sim.matching(ev('status', {connector: 0, status: 'Available'})).length >= 1);
    assert.ok(sim.matching(ev('status', {connector: 1, status: 'Available'})).length >= 1);
    await sim.waitFor(ev('ocpp', {dir: 'in', action: 'Heartbeat'}));
    assert.equal(sim.matching(ev('connection', {connected: false})).length, 0, 'the connection dropped');
  });
