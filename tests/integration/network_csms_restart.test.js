'use strict';
// Network resilience: the CSMS dies in the middle of a session (every connection dropped, no
// close frame) and a new one comes up on the same port 30 s later. The charger keeps charging,
// queues its MeterValues, reconnects by itself, and every transaction message reaches a CSMS
// exactly once, in order (StartTransaction at the first bench, MeterValues..., StopTransaction
// at the second), with the real transactionId and plausible, increasing timestamps.

const assert = require('node:assert/strict');
const {scenario, ev, delay, checkTransactionCalls} = require('./harness');

const kId = 'CP-NET-RESTART-1';
const kIdTag = 'NET-RS-TAG-1';
const kDownMs = 30000;            // the CSMS is away this long
// The reconnect delay is drawn from [EvcReconnectMinS, ceiling]; the ceiling doubles per attempt
// up to EvcReconnectMaxS (120 s by default: a wait at tUp could then last up to 120 s, longer than
// this test is about). Capped at 30 s here; network_backoff.test.js covers the backoff itself.
const kReconnectMaxS = 30;
const kReconnectWaitMs = 90000;   // the capped delay + connect + slack
const kConfig = [
  'WebSocketPingInterval=2', 'MeterValueSampleInterval=1',
  'TransactionMessageRetryInterval=1', 'TransactionMessageAttempts=3',
  `EvcReconnectMaxS=${kReconnectMaxS}`,
];

scenario('CSMS killed mid-session and restarted 30 s later: every transaction message once, in order',
  {timeout: 200000}, async (env) => {
    const sim = await env.startBootedSim({id: kId, config: kConfig});
    const tx = await env.startRemoteTransaction(sim, kIdTag);
    const byTx = (p) => p.transactionId === tx.transactionId;
    byTx.what = `transactionId ${tx.transactionId}`;
    await env.waitCalls(kId, 'MeterValues', {pred: byTx, count: 2});

    // Die right after a MeterValues was answered, so no transaction message is in flight (a
    // message the CSMS took but could not answer is legitimately sent again).
    let m = sim.mark();
    await sim.waitFor((e) => e.event === 'ocpp' && e.dir === 'in' && e.action === 'MeterValues', {from: m});
    m = sim.mark();
    const tDown = Date.now();
    const old = await env.stopBench();
    const down = await sim.waitFor(ev('connection', {connected: false}), {from: m});
    env.note(`CSMS gone: charger saw ${down.reason} after ${Date.now() - tDown} ms`);

    await delay(kDownMs - (Date.now() - tDown));
    const during = await sim.statusReport();
    env.note(`after ${Date.now() - tDown} ms down: ${during.queuedTxMessages} transaction messages queued, ` +
             `${sim.matching(ev('connection', {connected: false}), m).length} disconnect event(s)`);
    assert.equal(during.transactionActive, true);
    assert.equal(during.connected, false);
    assert.ok(during.queuedTxMessages > 0, JSON.stringify(during));

    const tUp = Date.now();
    await env.startBenchAgain();
    await sim.waitFor(ev('connection', {connected: true}), {from: m, timeoutMs: kReconnectWaitMs});
    const reconnectMs = Date.now() - tUp;
    env.note(`reconnected ${reconnectMs} ms after the CSMS came back (outage ${tUp - tDown} ms)`);
    await env.until(async () => (await env.charger(kId))?.connected, 'connected at the new bench', {id: kId});
    await env.until(async () => (await sim.statusReport()).queuedTxMessages <= 1, 'backlog sent', {id: kId, timeoutMs: 60000});

    // The session goes on under the same id; the new CSMS stops it.
    await env.waitCalls(kId, 'MeterValues', {pred: byTx});
    m = sim.mark();
    assert.deepEqual(await env.callOk(kId, 'RemoteStopTransaction', {transactionId: tx.transactionId}), {status: 'Accepted'});
    await sim.waitFor(ev('transaction_stopped', {localId: tx.localId, reason: 'Remote'}), {from: m});
    await env.waitCalls(kId, 'StopTransaction', {pred: byTx});
    await env.until(async () => (await sim.statusReport()).queuedTxMessages === 0, 'queue drained', {id: kId});

    const calls = await env.callsAcrossBenches(kId);
    const {start, meterValues, stop} = checkTransactionCalls(calls,
      {transactionId: tx.transactionId, idTag: kIdTag, inFlightResends: 1});  // CSMS killed mid-exchange
    assert.equal(start.bench, 0);
    assert.equal(stop.bench, 1);
    assert.equal(stop.payload.reason, 'Remote');
    const outage = meterValues.filter((c) => c.payload.meterValue.some((v) => {
      const t = Date.parse(v.timestamp);
      return t > tDown && t < tUp;
    }));
    env.note(`MeterValues: ${meterValues.filter((c) => c.bench === 0).length} to the first CSMS, ` +
             `${meterValues.filter((c) => c.bench === 1).length} to the second, ${outage.length} sampled during the outage`);
    assert.ok(outage.length > 0, 'no MeterValues sampled during the outage reached the new CSMS');
    assert.ok(meterValues.some((c) => c.bench === 0));
    // No second BootNotification: a reconnect is not a reboot.
    assert.equal(calls.filter((c) => c.action === 'BootNotification').length, 1);
    // Bench records: started at the first, ended at the second (which never saw the start).
    const first = old.transactions.find((t) => t.transactionId === tx.transactionId);
    assert.equal(first.status, 'active');
    assert.equal(first.duplicateStarts, 0);
    const [second] = await env.transactions(kId);
    assert.equal(second.transactionId, tx.transactionId);
    assert.equal(second.status, 'ended');
    assert.equal(second.duplicateStops, 0);
    const report = await sim.statusReport();
    assert.equal(report.txMessagesDropped, 0, JSON.stringify(report));
  });
