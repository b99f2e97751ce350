'use strict';
// Network resilience: a CSMS slower than the charger's response timeout. The bench answers one
// MeterValues call 35 s late (the charger's call timeout is a fixed 30 s, timing::kCallTimeoutMs).
// The charger must count the timeout as one attempt, send the same message again after
// TransactionMessageRetryInterval, drop the late answer to the first call as unmatched (logged),
// and go on with the queue; the session ends normally with one StopTransaction.
//
// Bounded: one late answer only (the rule is removed as soon as the slow call arrived), so the
// scenario takes about 45 s.

const assert = require('node:assert/strict');
const {scenario, ev, checkTransactionCalls} = require('./harness');

const kId = 'CP-NET-SLOW-1';
const kIdTag = 'NET-SLOW-TAG-1';
const kCallTimeoutMs = 30000;   // the firmware's call timeout (core/ocpp timing.hpp)
const kLateMs = 35000;          // the bench answers this late: beyond the timeout
const kRetryIntervalS = 1;
const kStampSlackMs = 200;      // bench timestamps vs. the charger's timer
const kConfig = [
  'WebSocketPingInterval=2', 'MeterValueSampleInterval=1',
  `TransactionMessageRetryInterval=${kRetryIntervalS}`, 'TransactionMessageAttempts=3',
];

scenario('CSMS slower than the call timeout: the timed-out MeterValues is retried once, the late answer dropped',
  {timeout: 150000}, async (env) => {
    const sim = await env.startBootedSim({id: kId, config: kConfig});
    const timeouts = sim.watchLog(/no answer within/);
    const unmatched = sim.watchLog(/dropped CALL(RESULT|ERROR) for unknown id/);
    const tx = await env.startRemoteTransaction(sim, kIdTag);
    const byTx = (p) => p.transactionId === tx.transactionId;
    byTx.what = `transactionId ${tx.transactionId}`;
    await env.waitCalls(kId, 'MeterValues', {pred: byTx});

    // The next MeterValues is answered late; the rule goes as soon as that call has arrived.
    const {lastSeq} = await env.get(`/api/frames?charger=${kId}`);
    await env.config({behaviour: {[kId]: {MeterValues: {delayMs: kLateMs}}}});
    const [slow] = await env.until(async () => {
      const c = (await env.callsFrom(kId, 'MeterValues')).filter((x) => x.seq > lastSeq);
      return c.length > 0 ? c : null;
    }, 'the slow MeterValues call', {id: kId});
    await env.config({behaviour: {[kId]: {MeterValues: null}}});

    // The same message again after the timeout + retry interval, answered in time.
    const again = await env.until(async () => (await env.callsFrom(kId, 'MeterValues'))
      .find((c) => c.seq > slow.seq && c.msgId !== slow.msgId), 'the retried MeterValues',
    {id: kId, timeoutMs: kCallTimeoutMs + 15000});
    assert.deepEqual(again.payload, slow.payload, 'the message after the timeout is not the timed-out one');
    const gap = Date.parse(again.ts) - Date.parse(slow.ts);
    env.note(`timed-out MeterValues ${slow.msgId} at ${slow.ts}, resent as ${again.msgId} after ${gap} ms`);
    assert.ok(gap >= kCallTimeoutMs + kRetryIntervalS * 1000 - kStampSlackMs,
      `resent ${gap} ms after the first send; the timeout (${kCallTimeoutMs} ms) + retry interval had not passed`);

    // The late answer reaches the charger and is dropped as unmatched.
    await env.until(async () => (await env.frames(kId))
      .some((f) => f.dir === 'out' && f.frame[0] === 3 && f.frame[1] === slow.msgId), 'the late answer sent', {id: kId});
    await env.until(() => unmatched.some((l) => l.includes(slow.msgId)), `the charger dropping the late answer ${slow.msgId}`,
      {id: kId, timeoutMs: 10000});
    assert.ok(timeouts.some((l) => l.includes(slow.msgId)), `no timeout logged for ${slow.msgId}: ${timeouts.join('\n')}`);
    env.note(`charger log: ${timeouts.join(' | ')} | ${unmatched.join(' | ')}`);

    // The queue goes on: MeterValues sampled meanwhile arrive, then a normal stop.
    await env.until(async () => (await env.callsFrom(kId, 'MeterValues')).filter((c) => c.seq > again.seq).length >= 3,
      'MeterValues after the retry', {id: kId});
    const m = sim.mark();
    assert.deepEqual(await env.callOk(kId, 'RemoteStopTransaction', {transactionId: tx.transactionId}), {status: 'Accepted'});
    await sim.waitFor(ev('transaction_stopped', {localId: tx.localId, reason: 'Remote'}), {from: m});
    await env.waitCalls(kId, 'StopTransaction', {pred: byTx, timeoutMs: 30000});
    await env.until(async () => (await sim.statusReport()).queuedTxMessages === 0, 'queue drained', {id: kId});

    // Exactly one duplicate (the retried message, which the bench processed twice: at-least-once
    // delivery after a timeout); everything else once, in order.
    const calls = (await env.callsFrom(kId)).filter((c) => c !== again && c.msgId !== again.msgId);
    checkTransactionCalls(calls, {transactionId: tx.transactionId, idTag: kIdTag});
    const report = await sim.statusReport();
    assert.equal(report.txMessagesDropped, 0, JSON.stringify(report));
    const txs = await env.transactions(kId);
    assert.equal(txs.length, 1);
    assert.equal(txs[0].status, 'ended');
    assert.equal(txs[0].duplicateStops, 0);
    const state = await env.state();
    assert.equal(state.counters.lateResponses, 0);  // the bench's own calls were all answered in time
  });
