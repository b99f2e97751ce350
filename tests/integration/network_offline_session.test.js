'use strict';
// Network resilience: a whole session while the CSMS cannot be reached (tcp_proxy.js refuses
// every connection). With AllowOfflineTxForUnknownId the charger starts on a swipe, charges,
// stops on the second swipe; after restore() StartTransaction, the MeterValues and
// StopTransaction are delivered in order, the MeterValues and the Stop carry the transactionId
// the CSMS gave to that Start, no placeholder id (0 or negative) and no 1970 date reaches it.
// Second scenario: the same from a cold boot that never reached the CSMS (the clock was never
// set: every stamp is corrected when the time becomes known).

const assert = require('node:assert/strict');
const {scenario, ev, delay, checkTransactionCalls} = require('./harness');

const kChargeMs = 5000;           // charging while offline
// The reconnect delay is drawn from [EvcReconnectMinS, ceiling], the ceiling doubling up to
// EvcReconnectMaxS (120 s by default); capped at 30 s here, the backoff has its own test.
const kReconnectMaxS = 30;
const kReconnectWaitMs = 90000;   // the capped delay + connect + slack
const kConfig = [
  'WebSocketPingInterval=2', 'MeterValueSampleInterval=1',
  'TransactionMessageRetryInterval=1', 'TransactionMessageAttempts=3',
  `EvcReconnectMaxS=${kReconnectMaxS}`,
  'AllowOfflineTxForUnknownId=true',
];

// Plug, swipe (offline authorisation), charge, swipe again; resolves with the local session.
async function offlineSession(env, sim, idTag) {
  let m = sim.mark();
  sim.send('plug');
  await sim.waitFor(ev('status', {connector: 1, status: 'Preparing'}), {from: m});
  sim.send(`swipe ${idTag}`);
  const auth = await sim.waitFor(ev('authorize', {idTag}), {from: m});
  assert.equal(auth.status, 'Accepted', JSON.stringify(auth));
  assert.equal(auth.offline, true, JSON.stringify(auth));
  const started = await sim.waitFor(ev('transaction_started', {idTag}), {from: m});
  await sim.waitFor(ev('status', {connector: 1, status: 'Charging'}), {from: m});
  const meterFrom = sim.mark();
  await delay(kChargeMs);
  assert.ok(sim.matching(ev('meter'), meterFrom).length >= 2, 'no metering while offline');
  m = sim.mark();
  sim.send(`swipe ${idTag}`);
  const stopped = await sim.waitFor(ev('transaction_stopped', {localId: started.localId}), {from: m});
  assert.equal(stopped.reason, 'Local');
  assert.equal(sim.matching(ev('transaction_id', {localId: started.localId})).length, 0,
    'a transaction id known while offline');
  const report = await sim.statusReport();
  env.note(`queued after the offline session: ${report.queuedTxMessages} transaction messages ` +
           `(meter ${started.meterStartWh} -> ${stopped.meterStopWh} Wh)`);
  assert.equal(report.connected, false);
  assert.ok(report.queuedTxMessages >= 3, `Start, MeterValues and Stop expected in the queue: ${JSON.stringify(report)}`);
  return {started, stopped};
}

// Restores the network, waits for the delivery; checks the messages; resolves with the id.
async function deliverAndCheck(env, sim, proxy, id, idTag, started) {
  const m = sim.mark();
  const tRestore = Date.now();
  proxy.restore();
  await sim.waitFor(ev('connection', {connected: true}), {from: m, timeoutMs: kReconnectWaitMs});
  env.note(`reconnected ${Date.now() - tRestore} ms after restore()`);
  const {transactionId} = await sim.waitFor(ev('transaction_id', {localId: started.localId}), {from: m, timeoutMs: 30000});
  assert.ok(transactionId > 0, `transaction id ${transactionId}`);
  const byTx = (p) => p.transactionId === transactionId;
  byTx.what = `transactionId ${transactionId}`;
  await env.waitCalls(id, 'StopTransaction', {pred: byTx, timeoutMs: 30000});
  await env.until(async () => (await sim.statusReport()).queuedTxMessages === 0, 'queue drained', {id});

  const calls = await env.callsFrom(id);
  const {start, meterValues, stop} = checkTransactionCalls(calls, {transactionId, idTag});
  assert.equal(start.payload.meterStart, started.meterStartWh);
  assert.equal(stop.payload.reason, 'Local');
  assert.ok(meterValues.length >= 2, `${meterValues.length} MeterValues delivered`);
  assert.ok(stop.payload.meterStop >= start.payload.meterStart);
  const sent = Date.parse(start.ts);
  const startedAt = Date.parse(start.payload.timestamp);
  env.note(`delivered: Start (stamped ${start.payload.timestamp}, arrived ${start.ts}), ${meterValues.length} MeterValues, ` +
           `Stop ${stop.payload.timestamp}; id ${transactionId}`);
  assert.ok(startedAt < tRestore && startedAt <= sent, 'the Start is stamped with the time it happened, not when sent');
  const txs = await env.transactions(id);
  assert.equal(txs.length, 1, JSON.stringify(txs));
  assert.equal(txs[0].status, 'ended');
  assert.equal(txs[0].unknownAtStop, false);
  assert.equal(txs[0].duplicateStarts, 0);
  assert.equal(txs[0].duplicateStops, 0);
  assert.equal((await sim.statusReport()).txMessagesDropped, 0);
  return transactionId;
}

scenario('whole session offline after registration: Start, MeterValues, Stop delivered after reconnect with the real id',
  {timeout: 200000}, async (env) => {
    const id = 'CP-NET-OFFLINE-1';
    const idTag = 'NET-OFF-TAG-1';
    const proxy = await env.startProxy();
    const sim = await env.startBootedSim({id, csms: proxy.wsUrl, config: kConfig});
    await env.waitConnector(id, 1, 'Available');

    const m = sim.mark();
    proxy.refuse();
    proxy.cut();
    await sim.waitFor(ev('connection', {connected: false}), {from: m});
    const {started} = await offlineSession(env, sim, idTag);
    await deliverAndCheck(env, sim, proxy, id, idTag, started);
    assert.equal((await env.callsFrom(id, 'BootNotification')).length, 1);
  });

scenario('whole session offline from a cold boot (clock never set): delivered with corrected, plausible times',
  {timeout: 200000}, async (env) => {
    const id = 'CP-NET-OFFLINE-2';
    const idTag = 'NET-OFF-TAG-2';
    const proxy = await env.startProxy();
    proxy.refuse();
    const sim = env.startSim({id, csms: proxy.wsUrl, config: kConfig});
    await sim.waitFor(ev('boot'));
    await proxy.nextConnection(10000);  // it tried, and was refused
    const {started} = await offlineSession(env, sim, idTag);
    await deliverAndCheck(env, sim, proxy, id, idTag, started);
    const boots = await env.callsFrom(id, 'BootNotification');
    assert.equal(boots.length, 1);
    assert.equal(sim.matching(ev('registration', {status: 'Accepted'})).length, 1);
  });
