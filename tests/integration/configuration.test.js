'use strict';
// Scenario 5: ChangeConfiguration / GetConfiguration from the CSMS. A new HeartbeatInterval
// takes effect at once; GetConfiguration reports it; invalid values are Rejected, unknown keys
// NotSupported, and neither changes anything.

const assert = require('node:assert/strict');
const {scenario, ev} = require('./harness');

const kId = 'CP-CONFIG-1';
const kBootIntervalS = 3600;  // from BootNotification.conf: no Heartbeat during the test
const kNewIntervalS = 1;
const kHeartbeatsAwaited = 3;

async function getKey(env, key) {
  const r = await env.callOk(kId, 'GetConfiguration', {key: [key]});
  return r;
}

scenario('ChangeConfiguration HeartbeatInterval takes effect; GetConfiguration reports it; bad input refused',
  {bench: {config: {heartbeatInterval: kBootIntervalS}}}, async (env) => {
    const sim = await env.startBootedSim({id: kId});
    await env.waitConnector(kId, 1, 'Available');

    // The interval from BootNotification.conf is what GetConfiguration reports at first.
    let r = await getKey(env, 'HeartbeatInterval');
    assert.deepEqual(r.configurationKey, [{key: 'HeartbeatInterval', readonly: false, value: String(kBootIntervalS)}]);
    assert.ok(!r.unknownKey || r.unknownKey.length === 0, JSON.stringify(r));
    assert.equal((await env.callsFrom(kId, 'Heartbeat')).length, 0);

    // Invalid values: Rejected, value unchanged.
    for (const value of ['abc', '-5', '1.5', '', ' 7', '99999999999', '86401']) {
      const res = await env.callOk(kId, 'ChangeConfiguration', {key: 'HeartbeatInterval', value});
      assert.deepEqual(res, {status: 'Rejected'}, `HeartbeatInterval='${value}'`);
    }
    r = await getKey(env, 'HeartbeatInterval');
    assert.equal(r.configurationKey[0].value, String(kBootIntervalS));

    // A read-only key: Rejected. An unknown key: NotSupported (and unknown to GetConfiguration).
    assert.deepEqual(await env.callOk(kId, 'ChangeConfiguration', {key: 'NumberOfConnectors', value: '2'}),
      {status: 'Rejected'});
    assert.deepEqual(await env.callOk(kId, 'ChangeConfiguration', {key: 'NoSuchKeyAtAll', value: '1'}),
      {status: 'NotSupported'});
    r = await getKey(env, 'NoSuchKeyAtAll');
    assert.deepEqual(r.unknownKey, ['NoSuchKeyAtAll']);
    assert.ok(!r.configurationKey || r.configurationKey.length === 0, JSON.stringify(r));

    // The new interval: Accepted, reported, and heartbeats follow (none would come for an hour).
    const before = (await env.callsFrom(kId, 'Heartbeat')).length;
    assert.equal(before, 0);
    const m = sim.mark();
    assert.deepEqual(await env.callOk(kId, 'ChangeConfiguration', {key: 'HeartbeatInterval', value: String(kNewIntervalS)}),
      {status: 'Accepted'});
    r = await getKey(env, 'HeartbeatInterval');
    assert.deepEqual(r.configurationKey, [{key: 'HeartbeatInterval', readonly: false, value: String(kNewIntervalS)}]);
    const hbs = await env.waitCalls(kId, 'Heartbeat', {count: kHeartbeatsAwaited});
    assert.ok(hbs.length >= kHeartbeatsAwaited);
    await sim.waitFor(ev('ocpp', {dir: 'in', action: 'Heartbeat'}), {from: m});

    // The full list includes the key with the new value, exactly once.
    r = await env.callOk(kId, 'GetConfiguration', {});
    const hb = r.configurationKey.filter((k) => k.key === 'HeartbeatInterval');
    assert.deepEqual(hb, [{key: 'HeartbeatInterval', readonly: false, value: String(kNewIntervalS)}]);
    assert.equal(new Set(r.configurationKey.map((k) => k.key)).size, r.configurationKey.length, 'duplicate keys');
    // The write-only AuthorizationKey is listed without a value (docs/configuration-keys.md).
    for (const k of r.configurationKey.filter((c) => c.key === 'AuthorizationKey')) {
      assert.equal(k.value, undefined, `AuthorizationKey value reported: ${JSON.stringify(k)}`);
    }
    assert.equal(sim.matching(ev('connection', {connected: false})).length, 0);
  });
