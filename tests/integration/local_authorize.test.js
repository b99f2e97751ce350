'use strict';
// Scenario 3: local authorization. A swiped tag is authorized at the CSMS, plugging in starts
// the transaction, the same tag again stops it (reason Local). Tags the CSMS reports Invalid or
// Blocked start nothing.

const assert = require('node:assert/strict');
const {scenario, ev} = require('./harness');

const kGoodTag = 'LOCAL-TAG-1';
const kInvalidTag = 'INVALID-TAG-1';
const kBlockedTag = 'BLOCKED-TAG-1';
const kBench = {config: {idTags: {invalid: [kInvalidTag], blocked: [kBlockedTag]}}};

scenario('local authorize: swipe, Authorize, plug, StartTransaction, swipe again, StopTransaction Local',
  {bench: kBench}, async (env) => {
    const id = 'CP-LOCAL-1';
    const sim = await env.startBootedSim({id});
    await env.waitConnector(id, 1, 'Available');

    let m = sim.mark();
    sim.send(`swipe ${kGoodTag}`);
    const auth = await sim.waitFor(ev('authorize', {idTag: kGoodTag}), {from: m});
    assert.equal(auth.status, 'Accepted');
    assert.equal(auth.offline, false);
    const [authCall] = await env.waitCalls(id, 'Authorize');
    assert.deepEqual(authCall.payload, {idTag: kGoodTag});

    m = sim.mark();
    sim.send('plug');
    const started = await sim.waitFor(ev('transaction_started', {idTag: kGoodTag}), {from: m});
    const {transactionId} = await sim.waitFor(ev('transaction_id', {localId: started.localId}), {from: m});
    await sim.waitFor(ev('status', {connector: 1, status: 'Charging'}), {from: m});
    const [startCall] = await env.waitCalls(id, 'StartTransaction');
    assert.equal(startCall.payload.idTag, kGoodTag);
    assert.equal(startCall.payload.connectorId, 1);

    m = sim.mark();
    sim.send(`swipe ${kGoodTag}`);
    const stopped = await sim.waitFor(ev('transaction_stopped', {localId: started.localId}), {from: m});
    assert.equal(stopped.reason, 'Local');
    const [stopCall] = await env.waitCalls(id, 'StopTransaction');
    assert.equal(stopCall.payload.transactionId, transactionId);
    assert.equal(stopCall.payload.reason, 'Local');
    assert.equal(stopCall.payload.idTag, kGoodTag);
    await sim.waitFor(ev('status', {connector: 1, status: 'Finishing'}), {from: m});

    const txs = await env.transactions(id);
    assert.equal(txs.length, 1, JSON.stringify(txs));
    assert.equal(txs[0].status, 'ended');
    assert.equal(txs[0].reason, 'Local');
    assert.ok(txs[0].meterStop >= txs[0].meterStart);
    assert.equal((await env.callsFrom(id, 'StartTransaction')).length, 1);

    m = sim.mark();
    sim.send('unplug');
    await sim.waitFor(ev('status', {connector: 1, status: 'Available'}), {from: m});
  });

scenario('local authorize: Invalid and Blocked tags start nothing; an accepted tag afterwards does',
  {bench: kBench}, async (env) => {
    const id = 'CP-LOCAL-2';
    const sim = await env.startBootedSim({id});
    await env.waitConnector(id, 1, 'Available');

    let m = sim.mark();
    sim.send(`swipe ${kInvalidTag}`);
    const invalid = await sim.waitFor(ev('authorize', {idTag: kInvalidTag}), {from: m});
    assert.equal(invalid.status, 'Invalid');

    m = sim.mark();
    sim.send('plug');
    await sim.waitFor(ev('status', {connector: 1, status: 'Preparing'}), {from: m});

    m = sim.mark();
    sim.send(`swipe ${kBlockedTag}`);
    const blocked = await sim.waitFor(ev('authorize', {idTag: kBlockedTag}), {from: m});
    assert.equal(blocked.status, 'Blocked');

    // Both answers have been handled; nothing may have started.
    const report = await sim.statusReport();
    assert.equal(report.transactionActive, false, JSON.stringify(report));
    assert.equal(report.connector1, 'Preparing');
    assert.equal(sim.matching(ev('transaction_started')).length, 0);
    assert.deepEqual((await env.callsFrom(id, 'Authorize')).map((c) => c.payload.idTag), [kInvalidTag, kBlockedTag]);
    assert.equal((await env.callsFrom(id, 'StartTransaction')).length, 0);
    assert.deepEqual(await env.transactions(id), []);

    // Positive control: the same charger, still plugged, starts with an accepted tag.
    m = sim.mark();
    sim.send(`swipe ${kGoodTag}`);
    const started = await sim.waitFor(ev('transaction_started'), {from: m});
    assert.equal(started.idTag, kGoodTag);
    await sim.waitFor(ev('transaction_id', {localId: started.localId}), {from: m});
    const starts = await env.waitCalls(id, 'StartTransaction');
    assert.deepEqual(starts.map((c) => c.payload.idTag), [kGoodTag]);
    assert.equal(sim.matching(ev('transaction_started')).length, 1);

    m = sim.mark();
    sim.send(`swipe ${kGoodTag}`);
    const stopped = await sim.waitFor(ev('transaction_stopped', {localId: started.localId}), {from: m});
    assert.equal(stopped.reason, 'Local');
    await env.waitCalls(id, 'StopTransaction');
  });
