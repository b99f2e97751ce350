#!/usr/bin/env node
// The demo: bench CSMS + one simulated charger (evc-sim), driven through a full charging session
// over a real WebSocket, narrated on stdout. Exits 0 when the session completed cleanly and the
// bench CSMS saw no schema violation.
//   node scripts/demo.js --sim <path to evc-sim> [--keep] [--id DEMO-CP-1]
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { startBenchCsms } = require('../bench-csms/src/server.js');

const STEP_TIMEOUT_MS = 20000;     // any single step of the session
const CHARGING_TIME_MS = 8000;     // how long we let it charge
const METER_INTERVAL_S = 2;        // MeterValueSampleInterval for the demo

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const simBin = arg('--sim', 'build/release/apps/evc-sim/evc-sim');
const id = arg('--id', 'DEMO-CP-1');
const keep = process.argv.includes('--keep');

const t0 = Date.now();
const stamp = () => `${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s`;
const say = (who, text) => console.log(`${stamp()}  ${who.padEnd(8)} ${text}`);

async function main() {
  if (!fs.existsSync(simBin)) throw new Error(`simulator not found at ${simBin}`);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'evc-demo-'));
  const bench = await startBenchCsms({
    wsPort: 0, httpPort: 0, quiet: true, log: path.join(workDir, 'frames.jsonl'),
    config: { heartbeatInterval: 30 },
  });
  say('bench', `CSMS listening on ${bench.wsUrl}  (web page: ${bench.httpUrl})`);

  const api = async (method, p, body) => {
    const res = await fetch(bench.httpUrl + p, {
      method, headers: { 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    return res.json();
  };

  const sim = spawn(simBin, ['--csms', bench.wsUrl, '--id', id, '--state-dir',
    path.join(workDir, 'state'), '--config', `MeterValueSampleInterval=${METER_INTERVAL_S}`],
  { stdio: ['pipe', 'pipe', 'pipe'] });
  const simLog = fs.createWriteStream(path.join(workDir, 'evc-sim.log'));
  sim.stderr.pipe(simLog);
  const events = [];
  const waiters = [];
  readline.createInterface({ input: sim.stdout }).on('line', (line) => {
    let ev;
    try { ev = JSON.parse(line); } catch { return; }
    events.push(ev);
    narrate(ev);
    for (const w of [...waiters]) {
      if (w.pred(ev)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(ev); }
    }
  });
  const exited = new Promise((r) => sim.on('exit', r));
  const send = (cmd) => { say('driver', cmd); sim.stdin.write(cmd + '\n'); };
  const waitFor = (what, pred) => {
    const seen = events.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve };
      waiters.push(w);
      setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), STEP_TIMEOUT_MS);
    });
  };

  let ok = false;
  try {
    await waitFor('registration', (e) => e.event === 'registration' && e.status === 'Accepted');
    await waitFor('Available', (e) => e.event === 'status' && e.connector === 1);
    send('plug');
    await waitFor('Preparing', (e) => e.event === 'status' && e.status === 'Preparing');
    say('csms', 'RemoteStartTransaction idTag=DEMO-TAG connectorId=1');
    const start = await api('POST', `/api/chargers/${id}/call`,
      { action: 'RemoteStartTransaction', payload: { idTag: 'DEMO-TAG', connectorId: 1 } });
    say('charger', `answered ${JSON.stringify(start.result || start.error)}`);
    const txEv = await waitFor('transaction id', (e) => e.event === 'transaction_id');
    await waitFor('Charging', (e) => e.event === 'status' && e.status === 'Charging');
    await new Promise((r) => setTimeout(r, CHARGING_TIME_MS));
    say('csms', `RemoteStopTransaction transactionId=${txEv.transactionId}`);
    const stop = await api('POST', `/api/chargers/${id}/call`,
      { action: 'RemoteStopTransaction', payload: { transactionId: txEv.transactionId } });
    say('charger', `answered ${JSON.stringify(stop.result || stop.error)}`);
    const stopped = await waitFor('stop', (e) => e.event === 'transaction_stopped');
    await waitFor('Finishing', (e) => e.event === 'status' && e.status === 'Finishing');
    // The driver pulls the gun once the controller has opened the contactor and unlocked it, as
    // a person would (the simulated gun can be pulled while still locked: a gun-lock fault).
    await waitFor('gun unlocked', (e) => e.event === 'control_phase' && e.phase === 'Idle' &&
      events.indexOf(e) > events.indexOf(stopped));
    send('unplug');

    await waitFor('Available', (e) => e.event === 'status' && e.status === 'Available' &&
      events.indexOf(e) > events.findIndex((x) => x.event === 'unplugged'));
    // Let the last StatusNotification reach the CSMS, then compare both sides.
    await new Promise((r) => setTimeout(r, 500));
    const { transactions } = await api('GET', '/api/transactions');
    const tx = transactions.find((t) => t.transactionId === txEv.transactionId);
    const { violations } = await api('GET', '/api/violations');
    console.log('');
    console.log('Summary (as the CSMS recorded it)');
    console.log(`  transaction ${tx.transactionId}: ${tx.status}, reason ${tx.reason}, ` +
      `meterStart ${tx.meterStart} Wh, meterStop ${tx.meterStop} Wh, ` +
      `${tx.meterValues.length} MeterValues`);
    console.log(`  schema violations: ${violations.length}`);
    const faults = events.filter((e) => e.event === 'fault' && e.code !== 0);
    console.log(`  hardware faults: ${faults.length}${faults.length ? ' (' + faults.map((f) => f.name).join(', ') + ')' : ''}`);
    console.log(`  frames log: ${path.join(workDir, 'frames.jsonl')}`);
    ok = tx.status === 'ended' && tx.reason === 'Remote' && tx.meterStop >= tx.meterStart &&
      tx.meterValues.length > 0 && violations.length === 0 && faults.length === 0;

    if (!ok) console.log('DEMO FAILED: the session did not complete as expected');
    else console.log('Demo completed: boot, remote start, charging with meter values, remote stop.');
  } catch (err) {
    console.log(`DEMO FAILED: ${err.message} (simulator log: ${path.join(workDir, 'evc-sim.log')})`);
  }
  if (keep) {
    console.log(`--keep: bench CSMS stays up at ${bench.httpUrl}; Ctrl-C to end.`);
    await new Promise((r) => process.on('SIGINT', r));
  }
  sim.stdin.write('quit\n');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
  sim.kill('SIGKILL');
  await bench.close();
  process.exit(ok ? 0 : 1);
}

function narrate(ev) {
  switch (ev.event) {
    case 'connection':
      say('charger', ev.connected ? 'WebSocket connected (subprotocol ocpp1.6)'
        : `disconnected: ${ev.reason}`);
      break;
    case 'registration': say('charger', `BootNotification -> ${ev.status}`); break;
    case 'status': say('charger', `connector ${ev.connector} is ${ev.status}`); break;
    case 'transaction_started':
      say('charger', `transaction started for ${ev.idTag}, meterStart ${ev.meterStartWh} Wh`);
      break;
    case 'transaction_id': say('csms', `assigned transactionId ${ev.transactionId}`); break;
    case 'meter':
      say('meter', `${String(ev.energyWh).padStart(4)} Wh   ${ev.powerW} W   SoC ${ev.soc} %`);
      break;
    case 'transaction_stopped':
      say('charger', `transaction stopped (${ev.reason}), meterStop ${ev.meterStopWh} Wh`);
      break;
    case 'control_phase':
      say('hardware', `controller ${ev.phase} (GB/T ${ev.gbt})`);
      break;
    case 'contactor':
      say('hardware', `contactor ${ev.feedbackClosed ? 'closed' : 'open'} (feedback)`);
      break;
    case 'fault':
      say('hardware', ev.code === 0 ? 'fault cleared' : `fault ${ev.name} (${ev.vendorErrorCode})`);
      break;
    case 'error': say('charger', `error: ${ev.message}`); break;

    default: break;
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
