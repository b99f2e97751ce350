'use strict';
// Network resilience: the reconnect schedule. tcp_proxy.js refuses every connection for 60 s
// and records when the charger tries; the delays must follow exponential backoff with full
// jitter: the n-th delay after the loss lies in [floor, min(cap, floor * 2^n)] (the firmware's
// defaults: floor 1 s, cap 120 s), so there is no tight loop and the charger keeps trying. After
// restore() it connects again by itself. The observed schedule is printed.

const assert = require('node:assert/strict');
const {scenario, ev, delay} = require('./harness');

const kId = 'CP-NET-BACKOFF-1';
const kRefuseMs = 60000;
const kFloorMs = 1000;            // firmware default minimum reconnect delay
const kCapMs = 120000;            // firmware default maximum reconnect delay
const kEarlyMs = 150;             // an attempt may come this much before its drawn delay (tick, stamps)
const kLateMs = 1500;             // or this much after its ceiling (a refused attempt takes time to fail)
const kMinAttempts = 5;           // ceilings 1+2+4+8+16 s = 31 s: at least five tries in 60 s
const kReconnectWaitMs = kCapMs + 10000;
const kConfig = ['WebSocketPingInterval=2', 'HeartbeatInterval=30'];

scenario('reconnect backoff while the CSMS refuses for 60 s: exponential with jitter, no tight loop',
  {timeout: 240000}, async (env) => {
    const proxy = await env.startProxy();
    const sim = await env.startBootedSim({id: kId, csms: proxy.wsUrl, config: kConfig});
    await env.waitConnector(kId, 1, 'Available');

    const m = sim.mark();
    proxy.refuse();
    const tCut = Date.now();
    proxy.cut();
    await sim.waitFor(ev('connection', {connected: false}), {from: m});
    await delay(kRefuseMs - (Date.now() - tCut));
    const attempts = proxy.attemptsSince(tCut).filter((a) => a.mode === 'refuse').map((a) => a.at);
    const delays = attempts.map((t, i) => t - (i === 0 ? tCut : attempts[i - 1]));
    env.note(`connection attempts while refused (${attempts.length} in ${kRefuseMs} ms), ` +
             `ms after the cut: ${attempts.map((t) => t - tCut).join(', ')}`);
    env.note(`delays between attempts (ms): ${delays.join(', ')}`);
    env.note(`ceilings (ms): ${delays.map((_, n) => Math.min(kCapMs, kFloorMs * 2 ** n)).join(', ')}`);

    assert.ok(attempts.length >= kMinAttempts, `only ${attempts.length} attempts in ${kRefuseMs} ms`);
    assert.ok(attempts.length <= kRefuseMs / kFloorMs, `${attempts.length} attempts in ${kRefuseMs} ms: a tight loop`);
    delays.forEach((d, n) => {
      const ceiling = Math.min(kCapMs, kFloorMs * 2 ** n);
      assert.ok(d >= kFloorMs - kEarlyMs, `delay #${n} = ${d} ms is below the floor ${kFloorMs} ms (${delays.join(', ')})`);
      assert.ok(d <= ceiling + kLateMs, `delay #${n} = ${d} ms is above its ceiling ${ceiling} ms (${delays.join(', ')})`);
    });
    // Jitter: the delays are not simply the ceilings (2^n exactly) every time.
    assert.ok(delays.some((d, n) => Math.abs(d - Math.min(kCapMs, kFloorMs * 2 ** n)) > kLateMs),
      `no jitter visible: ${delays.join(', ')}`);
    // The last attempt is not long ago: the charger still tries (at least once per ceiling).
    const sinceLast = Date.now() - attempts.at(-1);
    assert.ok(sinceLast <= Math.min(kCapMs, kFloorMs * 2 ** delays.length) + kLateMs, `no attempt for ${sinceLast} ms`);

    const tRestore = Date.now();
    proxy.restore();
    await sim.waitFor(ev('connection', {connected: true}), {from: m, timeoutMs: kReconnectWaitMs});
    env.note(`reconnected ${Date.now() - tRestore} ms after restore()`);
    await env.until(async () => (await env.charger(kId))?.connected, 'connected at the bench', {id: kId});
    const report = await sim.statusReport();
    assert.equal(report.connected, true);
    assert.equal(report.registration, 'Accepted');
  });
