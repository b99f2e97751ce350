#!/usr/bin/env node
'use strict';
// evc-fleet: a load test. N simulated chargers (one evc-sim process each: libwebsockets allows one
// transport per process) against an in-process bench CSMS, each doing K charging sessions driven
// over its stdin. At the end it prints a report (transactions at the bench, violations, messages
// per second, call round-trip latency, memory per charger, wall time) and exits 0 only if every
// session completed, no transaction was lost and the bench saw no violation.
// Usage: see USAGE below and tools/evc-fleet/README.md.

const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const {spawn} = require('child_process');
const {performance} = require('perf_hooks');
const {startBenchCsms} = require('../../bench-csms/src/server.js');

const kRepoRoot = path.resolve(__dirname, '..', '..');
const kDefaultSim = path.join(kRepoRoot, 'build', 'release', 'apps', 'evc-sim', 'evc-sim');
const kDefaultStepTimeoutMs = 60000;   // one session step (plug → Preparing, …)
const kDefaultBootTimeoutMs = 120000;  // spawn → connector 1 Available
const kTmpfsRoot = '/dev/shm';
const kDefaultMaxRestarts = 3;         // supervisor restarts of one crashed evc-sim
const kDefaultRampMs = 10;             // pause between two process starts
const kDefaultMeterIntervalS = 1;      // MeterValueSampleInterval given to every charger
const kQuitTimeoutMs = 20000;          // "quit" → process exit, then SIGKILL
const kDrainTimeoutMs = 5000;          // before "quit": wait this long for calls in flight
const kDrainPollMs = 20;
const kWindDownPollMs = 500;           // status polling while a failed charger winds down
const kRssSampleIntervalMs = 2000;     // VmRSS / CPU sampling period
const kEventsKept = 30;                // last events kept per charger for error reports
const kStderrLinesKept = 20;
const kStartSoc = 50;                  // battery SoC at each plug-in
const kFullSoc = 100;                  // set once charging: the vehicle ends the session
const kFdsPerCharger = 6;              // 3 pipes in the driver + the bench's socket, with margin
const kSanitizerPattern = /AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:/;
// Charger-initiated actions whose CALL → answer time is measured from evc-sim's "ocpp" events.
const kChargerActions = new Set(['BootNotification', 'StatusNotification', 'Authorize', 'Heartbeat',
  'StartTransaction', 'StopTransaction', 'MeterValues']);

const USAGE = `usage: node tools/evc-fleet/evc-fleet.js --count N --sessions K [options]
  --count N            simulated chargers (default 5)
  --sessions K         charging sessions per charger (default 2)
  --sim PATH           evc-sim executable (default build/release/apps/evc-sim/evc-sim)
  --concurrency M      at most M chargers alive at once (default N: all)
  --ramp-ms MS         pause between two process starts (default ${kDefaultRampMs})
  --meter-interval S   MeterValueSampleInterval of every charger (default ${kDefaultMeterIntervalS})
  --step-timeout-ms MS bound of one session step (default ${kDefaultStepTimeoutMs})
  --boot-timeout-ms MS bound from start to connector Available (default ${kDefaultBootTimeoutMs})
  --max-restarts R     restarts of a crashed charger before it counts as failed (default ${kDefaultMaxRestarts})
  --state-root DIR     where the chargers' state directories go (default /dev/shm if present,
                       else the temp dir)
  --json FILE          also write the report as JSON to FILE
  --keep               keep the chargers' state directories
  --quiet              no progress lines on stderr`;

class UsageError extends Error {}

// The chargers' "flash" (one fsync per write) goes to tmpfs by default: on a shared host disk a
// slow fsync inside the control loop trips the simulator's 200 ms watchdog, which measures the
// host's disk, not the fleet. --state-root /tmp puts the disk back in the picture.
function defaultStateRoot() {
  return fs.existsSync(kTmpfsRoot) ? kTmpfsRoot : os.tmpdir();
}

function parseArgs(argv) {
  const o = {count: 5, sessions: 2, sim: kDefaultSim, concurrency: 0, rampMs: kDefaultRampMs,
    meterInterval: kDefaultMeterIntervalS, stepTimeoutMs: kDefaultStepTimeoutMs,
    bootTimeoutMs: kDefaultBootTimeoutMs, stateRoot: defaultStateRoot(), maxRestarts: kDefaultMaxRestarts, json: null, keep: false, quiet: false};
  const int = (name, v, min) => {
    if (!/^\d+$/.test(v ?? '') || Number(v) < min) throw new UsageError(`${name} needs an integer >= ${min}, got '${v}'`);
    return Number(v);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--count': o.count = int(a, next(), 1); break;
      case '--sessions': o.sessions = int(a, next(), 1); break;
      case '--sim': o.sim = path.resolve(next()); break;
      case '--concurrency': o.concurrency = int(a, next(), 1); break;
      case '--ramp-ms': o.rampMs = int(a, next(), 0); break;
      case '--meter-interval': o.meterInterval = int(a, next(), 1); break;
      case '--step-timeout-ms': o.stepTimeoutMs = int(a, next(), 1); break;
      case '--boot-timeout-ms': o.bootTimeoutMs = int(a, next(), 1); break;
      case '--max-restarts': o.maxRestarts = int(a, next(), 0); break;
      case '--state-root': o.stateRoot = path.resolve(next()); break;
      case '--json': o.json = next(); break;
      case '--keep': o.keep = true; break;
      case '--quiet': o.quiet = true; break;
      case '--help': case '-h': o.help = true; break;
      default: throw new UsageError(`unknown option '${a}'`);
    }
  }
  if (!o.concurrency || o.concurrency > o.count) o.concurrency = o.count;
  return o;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted, p) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  if (!s.length) return {n: 0};
  const mean = s.reduce((x, y) => x + y, 0) / s.length;
  return {n: s.length, min: s[0], p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1],
    mean: Math.round(mean * 100) / 100};
}

// Reads VmRSS (kB) and utime+stime (clock ticks) of a process; null once it is gone.
function readProc(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {rssKb: m ? Number(m[1]) : null, ticks: Number(fields[11]) + Number(fields[12])};
  } catch {
    return null;
  }
}

function openFileLimit() {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    return m && m[1] !== 'unlimited' ? Number(m[1]) : Infinity;
  } catch {
    return Infinity;
  }
}

class StepError extends Error {}

// One evc-sim process and what the driver learns from its JSON-line events.
class Charger {
  constructor(index, opts, wsUrl, baseDir, latency) {
    this.index = index;
    this.id = `FLEET-${String(index + 1).padStart(4, '0')}`;
    this.opts = opts;
    this.stateDir = path.join(baseDir, this.id);
    this.latency = latency;  // action → [ms], shared by all chargers
    this.pendingOut = new Map();  // action → [t of CALL sent]
    this.connector = null;  // latest status of connector 1
    this.registration = null;  // latest registration status
    this.phase = 'Idle';  // latest charging-controller phase
    this.recent = [];
    this.stderr = [];
    this.sanitizerLines = [];
    this.badLines = 0;
    this.waiters = new Set();
    this.exit = null;
    this.sessionsDone = 0;
    this.txIds = [];
    this.error = null;
    this.peakRssKb = 0;
    this.cpuTicks = 0;

    this.wsUrl = wsUrl;
    this.restarts = 0;
    this.abortReasons = [];
    this.seq = 0;
    this.spawn();
  }

  // Starts (or, after a crash, restarts) the process on the same state directory.
  spawn() {
    const opts = this.opts;
    this.exit = null;
    this.pendingOut = new Map();
    this.connector = null;
    this.registration = null;
    this.phase = 'Idle';
    const args = ['--csms', this.wsUrl, '--id', this.id, '--state-dir', this.stateDir,
      '--config', `MeterValueSampleInterval=${opts.meterInterval}`, '--soc', String(kStartSoc)];
    this.child = spawn(opts.sim, args, {stdio: ['pipe', 'pipe', 'pipe']});
    this.pid = this.child.pid;
    this.child.stdin.on('error', () => {});
    readline.createInterface({input: this.child.stdout}).on('line', (l) => this._onLine(l));
    readline.createInterface({input: this.child.stderr}).on('line', (l) => {
      this.stderr.push(l);
      if (this.stderr.length > kStderrLinesKept) this.stderr.shift();
      if (kSanitizerPattern.test(l)) this.sanitizerLines.push(l);
    });
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => {
        this.error = this.error || `spawn: ${err.message}`;
      });
      this.child.once('close', (code, signal) => {
        this.exit = {code, signal};
        for (const w of this.waiters) w.fail(new StepError(`evc-sim exited (code ${code}, signal ${signal})`));
        resolve(this.exit);
      });
    });
  }

  _onLine(line) {
    let e;
    try {
      e = JSON.parse(line);
    } catch {
      this.badLines++;
      return;
    }
    e.seq = ++this.seq;
    this.recent.push(e);
    if (this.recent.length > kEventsKept) this.recent.shift();
    if (e.event === 'status' && e.connector === 1) this.connector = e.status;
    if (e.event === 'registration') this.registration = e.status;
    if (e.event === 'control_phase') this.phase = e.phase;
    if (e.event === 'ocpp' && kChargerActions.has(e.action)) {
      // The core keeps one call in flight at a time, so an answer pairs with the oldest send.
      let q = this.pendingOut.get(e.action);
      if (e.dir === 'out') {
        if (!q) this.pendingOut.set(e.action, q = []);
        q.push(e.t);
      } else if (q && q.length) {
        const sent = q.shift();
        let list = this.latency.get(e.action);
        if (!list) this.latency.set(e.action, list = []);
        list.push(e.t - sent);
      }
    }
    for (const w of [...this.waiters]) {
      if (w.pred(e)) w.done(e);
    }
  }

  send(line) {
    if (this.exit) throw new StepError(`evc-sim exited before '${line}'`);
    this.child.stdin.write(line + '\n');
  }

  // Resolves with the first event matching pred from now on, or fails after timeoutMs.
  // With fromSeq, an event already received after that mark also counts (several events may
  // arrive in one read, before the caller had a chance to wait for the second one).
  waitFor(what, pred, timeoutMs, fromSeq = null) {
    if (fromSeq !== null) {
      const seen = this.recent.find((e) => e.seq > fromSeq && pred(e));
      if (seen) return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      if (this.exit) {
        reject(new StepError(`evc-sim exited while waiting for ${what}`));
        return;
      }
      const w = {
        pred,
        done: (e) => { cleanup(); resolve(e); },
        fail: (err) => { cleanup(); reject(err); },
      };
      const timer = setTimeout(() => w.fail(new StepError(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters.delete(w);
      };
      this.waiters.add(w);
    });
  }

  waitConnector(status, timeoutMs) {
    if (this.connector === status) return Promise.resolve();
    return this.waitFor(`connector 1 ${status}`, (e) => e.event === 'status' && e.connector === 1 && e.status === status,
      timeoutMs);
  }

  sample() {
    const p = this.exit ? null : readProc(this.pid);
    if (!p) return;
    if (p.rssKb !== null) this.peakRssKb = Math.max(this.peakRssKb, p.rssKb);
    this.cpuTicks = p.ticks;
  }

  callsInFlight() {
    let n = 0;
    for (const q of this.pendingOut.values()) n += q.length;
    return n;
  }

  async quit() {
    if (!this.exit) {
      this.sample();
      // Let the last calls be answered first: quitting with an answer unread makes the kernel
      // reset the connection, which the bench records as an aborted handshake.
      const deadline = performance.now() + kDrainTimeoutMs;
      while (this.callsInFlight() > 0 && performance.now() < deadline && !this.exit) await sleep(kDrainPollMs);
      try {
        this.send('quit');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => this.child.kill('SIGKILL'), kQuitTimeoutMs);
      await this.exited;
      clearTimeout(timer);
    }
  }
}

// K sessions on one charger: plug, start (local swipe or RemoteStart from the bench, alternately),
// charge until the first meter sample, SoC to 100 % (the vehicle ends it), Finishing, controller
// back to Idle, unplug.
async function runSessions(ch, opts, bench, remoteLatency) {
  const t = opts.stepTimeoutMs;
  // Before the CSMS accepts the BootNotification the firmware ignores a presented card.
  if (ch.registration !== 'Accepted') {
    await ch.waitFor('registration Accepted', (e) => e.event === 'registration' && e.status === 'Accepted',
      opts.bootTimeoutMs);
  }
  await ch.waitConnector('Available', t);
  while (ch.sessionsDone < opts.sessions) {
    const s = ch.sessionsDone;
    const tag = `F${ch.index + 1}-${s + 1}`;  // ≤ 20 characters for any sane count
    let mark = ch.seq;
    ch.send(`soc ${kStartSoc}`);
    await ch.waitFor('soc', (e) => e.event === 'soc', t, mark);
    ch.send('plug');
    await ch.waitConnector('Preparing', t);
    mark = ch.seq;
    if (s % 2 === 0) {
      ch.send(`swipe ${tag}`);
    } else {
      const t0 = performance.now();
      const r = await bench.call(ch.id, 'RemoteStartTransaction', {connectorId: 1, idTag: tag}, t);
      remoteLatency.push(performance.now() - t0);
      if (!r.ok || r.result.status !== 'Accepted') throw new StepError(`RemoteStartTransaction: ${JSON.stringify(r)}`);
    }
    const st = await ch.waitFor(`transaction_started ${tag}`,
      (e) => e.event === 'transaction_started' && e.idTag === tag, t, mark);
    const idEv = await ch.waitFor('transaction_id',
      (e) => e.event === 'transaction_id' && e.localId === st.localId, t, mark);
    ch.txIds.push(idEv.transactionId);
    await ch.waitConnector('Charging', t);
    mark = ch.seq;
    await ch.waitFor('meter sample', (e) => e.event === 'meter', t, mark);
    mark = ch.seq;
    ch.send(`soc ${kFullSoc}`);
    await ch.waitFor('transaction_stopped',
      (e) => e.event === 'transaction_stopped' && e.localId === st.localId, t, mark);
    await ch.waitConnector('Finishing', t);
    // The driver unplugs once the controller has opened the contactor and unlocked the gun, as a
    // person would (the simulated gun can be pulled while it is still locked).
    if (ch.phase !== 'Idle') {
      await ch.waitFor('control phase Idle', (e) => e.event === 'control_phase' && e.phase === 'Idle', t, mark);
    }
    ch.send('unplug');
    await ch.waitConnector('Available', t);
    ch.sessionsDone++;
  }
}

// After a failure: leave no transaction open at the CSMS. A crashed process is started once more
// on its state directory (the firmware then closes the interrupted transaction itself); a live
// one is unplugged. Then wait, bounded, until the firmware has no transaction and nothing queued.
async function windDown(ch, opts) {
  try {
    if (ch.exit) {
      ch.spawn();
      await ch.waitFor('registration Accepted', (e) => e.event === 'registration' && e.status === 'Accepted',
        opts.bootTimeoutMs);
    } else {
      ch.send('unplug');
    }
    const deadline = performance.now() + opts.stepTimeoutMs;
    while (performance.now() < deadline) {
      const mark = ch.seq;
      ch.send('status');
      const r = await ch.waitFor('status_report', (e) => e.event === 'status_report', opts.stepTimeoutMs, mark);
      if (!r.transactionActive && r.queuedTxMessages === 0) return;
      await sleep(kWindDownPollMs);
    }
  } catch (err) {
    ch.error += `; wind-down: ${err.message}`;
  }
}

// Runs one charger to the end, restarting its process on the same state directory when it dies
// from a signal (the watchdog's abort), as the device's supervisor would. The interrupted
// session is done again; the firmware closes the interrupted transaction itself after the restart.
async function superviseCharger(ch, opts, bench, remoteLatency, progress) {
  for (;;) {
    try {
      await runSessions(ch, opts, bench, remoteLatency);
      return;
    } catch (err) {
      const crashed = ch.exit && ch.exit.signal;
      if (crashed && ch.restarts < opts.maxRestarts) {
        const why = ch.stderr.find((l) => /fatal:/.test(l)) || `signal ${ch.exit.signal}`;
        ch.abortReasons.push(why);
        ch.restarts++;
        progress(`${ch.id}: ${err.message} (${why}); restarting it (${ch.restarts})`);
        ch.stderr = [];
        ch.spawn();
        continue;
      }
      throw err;
    }
  }
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`evc-fleet: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  if (!fs.existsSync(opts.sim)) {
    process.stderr.write(`evc-fleet: evc-sim not found at ${opts.sim} (build it, or pass --sim)\n`);
    process.exit(2);
  }
  const progress = (msg) => {
    if (!opts.quiet) process.stderr.write(`evc-fleet: ${msg}\n`);
  };
  const fdLimit = openFileLimit();
  if (opts.concurrency * kFdsPerCharger > fdLimit) {
    progress(`warning: ${opts.concurrency} chargers may need ~${opts.concurrency * kFdsPerCharger} file descriptors; ` +
      `the limit is ${fdLimit} (raise it with 'ulimit -n')`);
  }

  const baseDir = fs.mkdtempSync(path.join(opts.stateRoot, 'evc-fleet-'));
  // Long heartbeats keep the traffic that of the sessions; pings off: the chargers ping.
  const csms = await startBenchCsms({quiet: true, pingIntervalMs: 0, config: {heartbeatInterval: 300}});
  const {bench} = csms;
  progress(`bench on ${csms.wsUrl}; ${opts.count} chargers × ${opts.sessions} sessions, ` +
    `at most ${opts.concurrency} at once, sim ${opts.sim}`);

  const latency = new Map();
  const remoteLatency = [];
  const chargers = [];
  const live = new Set();
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const frames0 = bench.counters.framesIn + bench.counters.framesOut;

  const sampler = setInterval(() => {
    for (const ch of live) ch.sample();
  }, kRssSampleIntervalMs);
  let lastProgress = 0;
  const report = () => {
    const now = performance.now();
    if (now - lastProgress < 5000) return;
    lastProgress = now;
    const done = chargers.reduce((n, c) => n + c.sessionsDone, 0);
    progress(`${((now - t0) / 1000).toFixed(0)} s: ${chargers.length} started, ${live.size} alive, ` +
      `${done}/${opts.count * opts.sessions} sessions, bench: ${bench.counters.framesIn + bench.counters.framesOut} frames, ` +
      `${bench.violationsTotal} violations`);
  };
  const progressTimer = setInterval(report, 1000);

  let nextIndex = 0;
  const runOne = async () => {
    while (nextIndex < opts.count) {
      const ch = new Charger(nextIndex++, opts, csms.wsUrl, baseDir, latency);
      chargers.push(ch);
      live.add(ch);
      try {
        await superviseCharger(ch, opts, bench, remoteLatency, progress);
      } catch (err) {
        ch.error = err.message;
        await windDown(ch, opts);
        progress(`${ch.id}: ${err.message}; last events: ${ch.recent.slice(-5).map((e) => JSON.stringify(e)).join(' ')}` +
          (ch.stderr.length ? `; stderr: ${ch.stderr.slice(-3).join(' | ')}` : ''));
      }
      await ch.quit();
      live.delete(ch);
    }
  };
  // Workers start staggered by rampMs so that the bench does not see every handshake at once.
  process.once('exit', () => {
    for (const ch of live) ch.child.kill('SIGKILL');  // an abort must not leave processes behind
  });
  const workers = [];
  for (let i = 0; i < opts.concurrency; i++) {
    workers.push(runOne());
    if (opts.rampMs) await sleep(opts.rampMs);
  }
  await Promise.all(workers);
  const wallS = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  clearInterval(progressTimer);
  // Late frames (the last StatusNotification answers) are counted before the bench is read.
  await sleep(200);

  // ---- the verdict, from the bench's records ------------------------------------------------
  const txs = [...bench.transactions.values()];
  const ended = txs.filter((x) => x.status === 'ended');
  const active = txs.filter((x) => x.status === 'active');
  const unknownAtStop = txs.filter((x) => x.unknownAtStop);
  const sum = (f) => txs.reduce((n, x) => n + f(x), 0);
  let startCalls = 0;
  let stopCalls = 0;
  for (const ch of bench.chargers.values()) {
    startCalls += ch.counters.calls.StartTransaction || 0;
    stopCalls += ch.counters.calls.StopTransaction || 0;
  }
  const chargerTxIds = chargers.flatMap((c) => c.txIds);
  const notAtBench = chargerTxIds.filter((id) => !bench.transactions.has(id));
  const frames = bench.counters.framesIn + bench.counters.framesOut - frames0;
  const rss = chargers.filter((c) => c.peakRssKb > 0).map((c) => c.peakRssKb / 1024);
  const cpu = chargers.map((c) => c.cpuTicks / 100);  // USER_HZ is 100 on Linux
  const failed = chargers.filter((c) => c.error);
  const badExits = chargers.filter((c) => !c.exit || c.exit.code !== 0);
  const sanitized = chargers.filter((c) => c.sanitizerLines.length);
  const lat = {};
  for (const [action, list] of [...latency.entries()].sort()) lat[action] = stats(list);
  const allCharger = stats([...latency.values()].flat());
  const round = (v) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v);
  const roundStats = (s) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, round(v)]));

  const result = {
    chargers: opts.count,
    sessionsPerCharger: opts.sessions,
    concurrency: opts.concurrency,
    sessionsCompleted: chargers.reduce((n, c) => n + c.sessionsDone, 0),
    sessionsPlanned: opts.count * opts.sessions,
    chargersFailed: failed.length,
    failures: failed.slice(0, 10).map((c) => ({id: c.id, error: c.error})),
    transactions: {
      atBench: txs.length, ended: ended.length, active: active.length, unknownAtStop: unknownAtStop.length,
      startTransactionCalls: startCalls, stopTransactionCalls: stopCalls,
      duplicateStarts: sum((x) => x.duplicateStarts), duplicateStops: sum((x) => x.duplicateStops),
      seenByChargers: chargerTxIds.length, seenByChargersNotAtBench: notAtBench.length,
    },
    violations: bench.violationsTotal,
    violationSamples: bench.violations.slice(0, 5),
    refusedHandshakes: bench.refusedTotal,
    refusedSamples: bench.refused.slice(0, 3),
    frames: {total: frames, in: bench.counters.framesIn, out: bench.counters.framesOut,
      perSecond: round(frames / wallS)},
    latencyMs: {
      chargerInitiated: {
        measured: 'evc-sim "ocpp" out → in event times per action (charger side; 1 ms clock, ' +
          'answers are read once per 10 ms control tick)',
        all: roundStats(allCharger),
        byAction: Object.fromEntries(Object.entries(lat).map(([k, v]) => [k, roundStats(v)])),
      },
      csmsInitiated: {
        measured: 'RemoteStartTransaction: bench call() → CALLRESULT, in the bench process',
        all: roundStats(stats(remoteLatency)),
      },
    },
    memoryPerChargerMiB: {measured: 'peak VmRSS of each evc-sim, sampled every 2 s',
      ...roundStats(stats(rss))},
    cpuSecondsPerCharger: roundStats(stats(cpu)),
    driverAndBenchRssMiB: round(process.memoryUsage().rss / 1048576),
    restarts: {total: chargers.reduce((n, c) => n + c.restarts, 0),
      chargers: chargers.filter((c) => c.restarts).length,
      reasons: [...new Set(chargers.flatMap((c) => c.abortReasons.map((r) => r.replace(/^\[[\d.]+\] /, ''))))].slice(0, 5)},
    stopReasons: txs.reduce((m, x) => ({...m, [x.reason]: (m[x.reason] || 0) + 1}), {}),
    badExits: badExits.length,
    sanitizerReports: sanitized.length,
    startedAt,
    wallSeconds: round(wallS),
    sim: opts.sim,
    stateRoot: opts.stateRoot,
  };
  result.ok = result.sessionsCompleted === result.sessionsPlanned && result.violations === 0 &&
    active.length === 0 && unknownAtStop.length === 0 && notAtBench.length === 0 &&
    startCalls - result.transactions.duplicateStarts === stopCalls - result.transactions.duplicateStops &&
    result.badExits === 0 && result.sanitizerReports === 0;

  await csms.close();
  if (!opts.keep) fs.rmSync(baseDir, {recursive: true, force: true});
  const text = JSON.stringify(result, null, 2);
  process.stdout.write(text + '\n');
  if (opts.json) fs.writeFileSync(opts.json, text + '\n');
  process.exit(result.ok ? 0 : 1);
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`evc-fleet: ${err.stack || err}\n`);
    process.exit(1);
  });
}

module.exports = {parseArgs, percentile, stats};
