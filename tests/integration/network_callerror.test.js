'use strict';
// Network resilience: a CSMS that answers StopTransaction with a CALLERROR every time. The
// charger must retry it exactly TransactionMessageAttempts times, waiting
// TransactionMessageRetryInterval x attempt between them, then drop it (counted as
// txMessagesDropped) and carry on: its other messages still flow (status, heartbeat).

const assert = require('node:assert/strict');
const {scenario, ev, delay} = require('./harness');

const kId = 'CP-NET-CALLERROR-1';
const kIdTag = 'NET-CE-TAG-1';
const kAttempts = 3;
const kRetryIntervalS = 1;
const kRetrySlackLowMs = 200;    // a retry may come this much "early" (tick + stamp resolution)
const kRetrySlackHighMs = 3000;  // and this much late (loose: a loaded machine)
const kAfterDropWatchMs = 5000;  // no further attempt may follow the drop within this
const kHeartbeatS = 2;
const kConfig = [
  'WebSocketPingInterval=2', 'MeterValueSampleInterval=1',
  `TransactionMessageRetryInterval=${kRetryIntervalS}`, `TransactionMessageAttempts=${kAttempts}`,
];
const kBench = {config: {behaviour: {[kId]: {StopTransaction: {callError: 'InternalError'}}}}};

scenario('StopTransaction answered with CALLERROR every time: retried TransactionMessageAttempts times, then dropped',
  {bench: kBench, timeout: 120000}, async (env) => {
    const sim = await env.startBootedSim({id: kId, config: kConfig});
    const tx = await env.startRemoteTransaction(sim, kIdTag);
    const byTx = (p) => p.transactionId === tx.transactionId;
    byTx.what = `transactionId ${tx.transactionId}`;
    await env.waitCalls(kId, 'MeterValues', {pred: byTx});

    const m = sim.mark();
    assert.deepEqual(await env.callOk(kId, 'RemoteStopTransaction', {transactionId: tx.transactionId}), {status: 'Accepted'});
    await sim.waitFor(ev('transaction_stopped', {localId: tx.localId, reason: 'Remote'}), {from: m});

    const stops = await env.waitCalls(kId, 'StopTransaction', {count: kAttempts, pred: byTx, timeoutMs: 30000});
    await env.until(async () => (await sim.statusReport()).txMessagesDropped >= 1, 'the Stop dropped', {id: kId});
    await delay(kAfterDropWatchMs);
    const all = await env.callsFrom(kId, 'StopTransaction');
    env.note(`StopTransaction attempts at the bench: ${all.map((c) => c.ts).join(', ')}`);
    assert.equal(all.length, kAttempts, `expected exactly ${kAttempts} attempts:\n${JSON.stringify(all, null, 1)}`);
    // The same message each time (same transaction, meter and time), a new message id each time.
    for (const s of stops) assert.deepEqual(s.payload, stops[0].payload);
    assert.equal(new Set(stops.map((s) => s.msgId)).size, kAttempts);
    // Each was answered with a CALLERROR by the bench.
    const frames = await env.frames(kId);
    for (const s of stops) {
      assert.ok(frames.some((f) => f.dir === 'out' && f.frame[0] === 4 && f.frame[1] === s.msgId),
        `no CALLERROR for StopTransaction ${s.msgId}`);
    }
    // Waits: interval x attempt after each failure.
    const gaps = [];
    for (let i = 1; i < stops.length; ++i) {
      const gap = Date.parse(stops[i].ts) - Date.parse(stops[i - 1].ts);
      gaps.push(gap);
      const want = kRetryIntervalS * 1000 * i;
      assert.ok(gap >= want - kRetrySlackLowMs && gap <= want + kRetrySlackHighMs,
        `attempt ${i + 1} came ${gap} ms after attempt ${i}; expected about ${want} ms`);
    }
    env.note(`gaps between attempts: ${gaps.join(' ms, ')} ms (expected ${gaps.map((_, i) => (i + 1) * kRetryIntervalS * 1000).join(', ')})`);

    const report = await sim.statusReport();
    assert.equal(report.txMessagesDropped, 1, JSON.stringify(report));
    assert.equal(report.queuedTxMessages, 0, JSON.stringify(report));
    assert.equal(report.transactionActive, false);
    assert.equal(report.connected, true);

    // The charger moves on: its status and heartbeat reach the CSMS after the drop.
    const {lastSeq} = await env.get(`/api/frames?charger=${kId}`);
    assert.deepEqual(await env.callOk(kId, 'ChangeConfiguration', {key: 'HeartbeatInterval', value: String(kHeartbeatS)}),
      {status: 'Accepted'});
    await env.until(async () => (await env.callsFrom(kId, 'Heartbeat')).some((c) => c.seq > lastSeq),
      'a Heartbeat after the drop', {id: kId});
    const m2 = sim.mark();
    sim.send('unplug');
    await sim.waitFor(ev('status', {connector: 1, status: 'Available'}), {from: m2});
    await env.waitConnector(kId, 1, 'Available');
    // Nothing else was retried or dropped meanwhile.
    assert.equal((await env.callsFrom(kId, 'StopTransaction')).length, kAttempts);
    assert.equal((await sim.statusReport()).txMessagesDropped, 1);
    assert.equal((await env.callsFrom(kId, 'StartTransaction')).length, 1);
  });
