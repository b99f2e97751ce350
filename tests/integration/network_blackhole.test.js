'use strict';
// Network resilience: a half-open network under a live session. The charger talks to the bench
// through tcp_proxy.js; the proxy black-holes every connection (nothing forwarded, nothing read,
// no FIN/RST) while the session goes on. The charger must find the dead socket by its WebSocket
// ping within two WebSocketPingInterval periods (CloseReason PingTimeout), keep charging and
// queueing, stop the session locally on the second swipe, and after restore() deliver the queued
// MeterValues and the StopTransaction in order, exactly once, with the real transactionId.

const assert = require('node:assert/strict');
const {scenario, ev, delay, checkTransactionCalls} = require('./harness');

const kId = 'CP-NET-BLACKHOLE-1';
const kIdTag = 'NET-BH-TAG-1';
const kPingIntervalS = 2;
const kBlackholeMs = 10000;        // how long the network stays half-open
const kDetectBoundMs = 2 * kPingIntervalS * 1000;  // the requirement: within two intervals
const kDetectWaitMs = 30000;       // wait bound for the detection (reported, then asserted)
const kDetectSlackMs = 500;       // event delivery: control tick, stdout, node event loop
// The reconnect delay is drawn from [EvcReconnectMinS, ceiling], the ceiling doubling up to
// EvcReconnectMaxS (120 s by default); capped at 30 s here, the backoff has its own test.
const kReconnectMaxS = 30;
const kReconnectWaitMs = 90000;    // connect timeout + the capped delay + slack
const kConfig = [
  `WebSocketPingInterval=${kPingIntervalS}`, 'MeterValueSampleInterval=1',
  'TransactionMessageRetryInterval=1', 'TransactionMessageAttempts=3',
  `EvcReconnectMaxS=${kReconnectMaxS}`,
];

scenario('half-open network during a session: ping timeout, session stopped offline, queue delivered once in order',
  {timeout: 200000}, async (env) => {
    const proxy = await env.startProxy();
    const sim = await env.startBootedSim({id: kId, csms: proxy.wsUrl, config: kConfig});
    const connLog = sim.watchLog(/ ws: | cp: (disconnected|connected)|pong/);
    await env.waitConnector(kId, 1, 'Available');

    // A local session: plug, swipe (Authorize), StartTransaction. (Plugged first: see the
    // report about ConnectionTimeOut for the other order.)
    let m = sim.mark();
    sim.send('plug');
    await sim.waitFor(ev('status', {connector: 1, status: 'Preparing'}), {from: m});
    sim.send(`swipe ${kIdTag}`);
    assert.equal((await sim.waitFor(ev('authorize', {idTag: kIdTag}), {from: m})).status, 'Accepted');
    const started = await sim.waitFor(ev('transaction_started', {idTag: kIdTag}), {from: m});
    const {transactionId} = await sim.waitFor(ev('transaction_id', {localId: started.localId}), {from: m});
    await sim.waitFor(ev('status', {connector: 1, status: 'Charging'}), {from: m});
    const byTx = (p) => p.transactionId === transactionId;
    byTx.what = `transactionId ${transactionId}`;
    await env.waitCalls(kId, 'MeterValues', {pred: byTx, count: 2});

    // Half-open network.
    m = sim.mark();
    const bytesDownBefore = proxy.counters.bytesDown;
    const tHole = Date.now();
    proxy.blackhole();
    const down = await sim.waitFor(ev('connection', {connected: false}), {from: m, timeoutMs: kDetectWaitMs});
    const detectMs = Date.now() - tHole;
    env.note(`half-open detection: ${detectMs} ms after blackhole() (reason ${down.reason}; ` +
             `WebSocketPingInterval ${kPingIntervalS} s, bound ${kDetectBoundMs} ms)`);
    assert.equal(down.reason, 'PingTimeout', JSON.stringify(down));

    // Still charging and metering while offline; the second swipe stops locally.
    const samplesBefore = sim.matching(ev('meter'), m).length;
    const left = kBlackholeMs - (Date.now() - tHole);
    if (left > 0) await delay(left);
    assert.ok(sim.matching(ev('meter'), m).length > samplesBefore, 'no meter samples while offline');
    const m2 = sim.mark();
    sim.send(`swipe ${kIdTag}`);
    const stopped = await sim.waitFor(ev('transaction_stopped', {localId: started.localId}), {from: m2});
    assert.equal(stopped.reason, 'Local');
    await sim.waitFor(ev('status', {connector: 1, status: 'Finishing'}), {from: m2});
    const queued = await sim.statusReport();
    env.note(`queue while black-holed (${Date.now() - tHole} ms): ${queued.queuedTxMessages} transaction messages, ` +
             `connected=${queued.connected}`);
    assert.equal(queued.transactionActive, false);
    assert.ok(queued.queuedTxMessages >= 2, `expected queued MeterValues + Stop: ${JSON.stringify(queued)}`);
    assert.equal(proxy.counters.bytesDown, bytesDownBefore, 'bytes reached the charger through the black hole');

    // The network comes back.
    const tRestore = Date.now();
    const connectsBefore = proxy.counters.forwarded;
    proxy.restore();
    await sim.waitFor(ev('connection', {connected: true}), {from: sim.events.indexOf(down) + 1, timeoutMs: kReconnectWaitMs});
    const reconnectMs = Date.now() - tRestore;
    env.note(`reconnect ${reconnectMs} ms after restore(); proxy connections (ms after blackhole()): ` +
             proxy.attempts.map((a) => `#${a.id} ${a.mode} ${a.at - tHole}`).join(', '));
    env.note(`charger connection log: ${connLog.join(' | ')}`);
    assert.ok(proxy.counters.forwarded > connectsBefore);
    await env.waitCalls(kId, 'StopTransaction', {pred: byTx, timeoutMs: 60000});
    await env.until(async () => (await sim.statusReport()).queuedTxMessages === 0, 'queue drained', {id: kId});

    const calls = await env.callsFrom(kId);
    const {meterValues, stop} = checkTransactionCalls(calls, {transactionId, idTag: kIdTag});
    assert.equal(stop.payload.reason, 'Local');
    assert.equal(stop.payload.idTag, kIdTag);
    // MeterValues sampled while offline reached the bench (their stamps are inside the outage).
    const offline = meterValues.filter((c) => c.payload.meterValue.some((v) => {
      const t = Date.parse(v.timestamp);
      return t > tHole && t < tRestore;
    }));
    env.note(`MeterValues at the bench: ${meterValues.length}, sampled during the outage: ${offline.length}`);
    assert.ok(offline.length > 0, 'no MeterValues sampled during the outage reached the bench');
    const txs = await env.transactions(kId);
    assert.equal(txs.length, 1, JSON.stringify(txs));
    assert.equal(txs[0].status, 'ended');
    assert.equal(txs[0].duplicateStarts, 0);
    assert.equal(txs[0].duplicateStops, 0);
    assert.equal(txs[0].unknownAtStop, false);

    const report = await sim.statusReport();
    assert.equal(report.txMessagesDropped, 0, JSON.stringify(report));
    // Only after the detection bound is every other fact known: asserted last so a slow
    // detection still shows what else happened.
    assert.ok(detectMs <= kDetectBoundMs + kDetectSlackMs,
      `half-open socket detected after ${detectMs} ms; WebSocketPingInterval=${kPingIntervalS} s requires <= ${kDetectBoundMs} ms`);
  });
