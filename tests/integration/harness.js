'use strict';
// Shared harness for the integration tests: the real simulator (evc-sim) against the bench CSMS
// (bench-csms), in-process, over real sockets on 127.0.0.1 with ephemeral ports.
//
// Every scenario runs through scenario(): it gets a fresh bench and a fresh temporary directory,
// and, whatever happens, all simulator processes are killed, the bench is closed and the
// directory is removed afterwards. A scenario that passes its own assertions is then checked for:
//   - no violations at the bench (GET /api/violations is empty),
//   - no refused handshakes other than the ones the scenario declared with allowRefused()
//     (a TCP reset of an already accepted connection, which ocpp-rpc lists as a refusal with
//     code 500, is reported as a diagnostic, not counted: see assertNoUnexpectedRefusals()),
//   - simulators still running stop on "quit" with exit code 0 (so sanitizer reports, including
//     leaks, fail the test), print only JSON lines on stdout and no sanitizer report on stderr.
//
// Environment: EVC_SIM_BIN (path of evc-sim, required), EVC_REPO_ROOT (default: two levels up).
// Waits are bounded (kWaitMs unless told otherwise); nothing sleeps a fixed time where an event
// can be awaited.

const assert = require('node:assert/strict');
const {spawn, execFileSync} = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const test = require('node:test');

const REPO_ROOT = process.env.EVC_REPO_ROOT || path.resolve(__dirname, '..', '..');
const SIM_BIN = process.env.EVC_SIM_BIN || '';
if (!fs.existsSync(path.join(REPO_ROOT, 'bench-csms', 'node_modules', 'ocpp-rpc'))) {
  throw new Error(`bench-csms dependencies missing: run 'cd ${path.join(REPO_ROOT, 'bench-csms')} && npm ci'`);
}
const {startBenchCsms} = require(path.join(REPO_ROOT, 'bench-csms', 'src', 'server.js'));

const kWaitMs = 20000;             // default bound of every wait
const kPollMs = 50;                // bench API polling step
const kQuitMs = 10000;             // a simulator must exit this long after "quit"
const kScenarioTimeoutMs = 120000;  // hard bound of one scenario (node:test timeout)
const kEventsShown = 40;           // events printed when a wait fails
const kStderrLinesKept = 400;      // simulator log lines kept for failure messages
const kStderrLinesShown = 30;
const kApiCallTimeoutMs = 15000;   // timeoutMs passed to POST /api/chargers/:id/call
const kLogWatchMaxLines = 1000;    // lines kept by one Sim.watchLog()
const kBenchRestartAttempts = 20;  // listen attempts on the old port when the bench comes back
const kBenchRestartStepMs = 250;

const kSocketResetPattern = /^(read|write) (ECONNRESET|EPIPE)$/;
const kSanitizerPattern = /AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:/;

// ---- small utilities ---------------------------------------------------------------------------

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(pred) {
  return pred.what || pred.name || String(pred).slice(0, 200);
}

// Builds a predicate on simulator events: ev('status', {connector: 1, status: 'Charging'}).
function ev(name, fields = {}) {
  const p = (e) => e.event === name && Object.entries(fields).every(([k, v]) => e[k] === v);
  p.what = `${name} ${JSON.stringify(fields)}`;
  return p;
}

// A random 40-hex-digit AuthorizationKey (OCPP: 16..20 bytes as hex).
function randomHexKey(bytes = 20) {
  return require('node:crypto').randomBytes(bytes).toString('hex');
}

// ---- the simulator process ---------------------------------------------------------------------

// Simulators of this process that still run. evc-sim keeps running when its stdin closes (its
// headless mode), so if the test process ends early (error, SIGTERM/SIGINT from CTest or a
// user) the children are killed here rather than left behind.
const liveChildren = new Set();
const liveTmpDirs = new Set();
function emergencyCleanup() {
  for (const c of liveChildren) c.kill('SIGKILL');
  for (const d of liveTmpDirs) fs.rmSync(d, {recursive: true, force: true});
}
process.on('exit', emergencyCleanup);
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.once(sig, () => {
    emergencyCleanup();
    process.kill(process.pid, sig);
  });
}

class Sim {
  // opts: {id, stateDir, csms, provision, ca, config: ['K=V'], extraArgs: []}
  constructor(opts) {
    assert.ok(SIM_BIN, 'EVC_SIM_BIN must name the evc-sim executable');
    assert.ok(fs.existsSync(SIM_BIN), `EVC_SIM_BIN=${SIM_BIN} does not exist`);
    this.opts = opts;
    this.id = opts.id;
    this.events = [];
    this.badLines = [];
    this.stderrLines = [];
    this.sanitizerLines = [];
    this.exit = null;  // {code, signal} once exited
    this._waiters = new Set();
    this._logWatches = [];

    const args = ['--id', opts.id, '--state-dir', opts.stateDir];
    if (opts.csms) args.push('--csms', opts.csms);
    if (opts.provision) args.push('--provision', opts.provision);
    if (opts.ca) args.push('--ca', opts.ca);
    for (const kv of opts.config || []) args.push('--config', kv);
    args.push(...(opts.extraArgs || []));
    this.args = args;

    this.child = spawn(SIM_BIN, args, {stdio: ['pipe', 'pipe', 'pipe']});
    liveChildren.add(this.child);
    this.child.stdin.on('error', () => {});  // writing to a dead process is reported elsewhere
    readline.createInterface({input: this.child.stdout}).on('line', (line) => this._onLine(line));
    readline.createInterface({input: this.child.stderr}).on('line', (line) => {
      this.stderrLines.push(line);
      if (this.stderrLines.length > kStderrLinesKept) this.stderrLines.shift();
      if (kSanitizerPattern.test(line)) this.sanitizerLines.push(line);
      for (const w of this._logWatches) {
        if (w.pattern.test(line) && w.lines.length < kLogWatchMaxLines) w.lines.push(line);
      }
    });
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        liveChildren.delete(this.child);
        this.exit = {code, signal};
        for (const w of this._waiters) w.onExit();
        resolve(this.exit);
      });
    });
  }

  get running() {
    return this.exit === null;
  }

  _onLine(line) {
    let e;
    try {
      e = JSON.parse(line);
    } catch {
      this.badLines.push(line);
      return;
    }
    if (e === null || typeof e !== 'object' || typeof e.event !== 'string') {
      this.badLines.push(line);
      return;
    }
    this.events.push(e);
    for (const w of this._waiters) w.check();
  }

  // Collects every stderr line matching `pattern` from now on (at most kLogWatchMaxLines) into
  // the returned array; unlike stderrLines it is not limited to the recent lines.
  watchLog(pattern) {
    const w = {pattern, lines: []};
    this._logWatches.push(w);
    return w.lines;
  }

  // Index of the next event; pass it as `from` to wait for something that happens after now.
  mark() {
    return this.events.length;
  }

  // Events from index `from` on that match pred.
  matching(pred, from = 0) {
    return this.events.slice(from).filter(pred);
  }

  send(line) {
    assert.ok(this.running, `evc-sim ${this.id} is not running (exit ${JSON.stringify(this.exit)}); cannot send '${line}'`);
    this.child.stdin.write(line + '\n');
  }

  // Resolves with the first event at index >= from that matches pred; rejects after timeoutMs
  // (or when the process exits) with the last events and log lines in the message.
  waitFor(pred, {from = 0, timeoutMs = kWaitMs, what} = {}) {
    const label = what || describe(pred);
    return new Promise((resolve, reject) => {
      let scanned = from;
      const w = {
        check: () => {
          for (; scanned < this.events.length; ++scanned) {
            if (pred(this.events[scanned])) {
              finish();
              resolve(this.events[scanned]);
              return;
            }
          }
        },
        onExit: () => {
          w.check();
          if (!this._waiters.has(w)) return;
          finish();
          reject(new Error(`evc-sim ${this.id} exited (${JSON.stringify(this.exit)}) while waiting for ${label}\n${this.dump()}`));
        },
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${label}\n${this.dump()}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this._waiters.delete(w);
      };
      this._waiters.add(w);
      w.check();
      if (this._waiters.has(w) && !this.running) w.onExit();
    });
  }

  // Sends "status" and resolves with the status_report it produces.
  async statusReport() {
    const from = this.mark();
    this.send('status');
    return this.waitFor(ev('status_report'), {from});
  }

  dump() {
    const evs = this.events.slice(-kEventsShown).map((e) => '  ' + JSON.stringify(e)).join('\n');
    const logs = this.stderrLines.slice(-kStderrLinesShown).map((l) => '  ' + l).join('\n');
    return `last ${Math.min(kEventsShown, this.events.length)} of ${this.events.length} events of evc-sim ${this.id}:\n${evs}\n` +
           `last log lines (stderr):\n${logs}`;
  }

  // SIGKILL (power cut): no shutdown code runs. Resolves once the process is gone.
  async kill() {
    if (this.running) this.child.kill('SIGKILL');
    return this.exited;
  }

  // Orderly stop through the "quit" command; asserts exit code 0 (sanitizers fail it otherwise).
  async quit() {
    if (!this.running) return this.exit;
    this.child.stdin.write('quit\n');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), kQuitMs);
    const exit = await this.exited;
    clearTimeout(timer);
    assert.deepEqual(exit, {code: 0, signal: null}, `evc-sim ${this.id} did not exit cleanly on quit\n${this.dump()}`);
    return exit;
  }
}

// ---- one scenario's environment ----------------------------------------------------------------

class Env {
  constructor(bench, tmpDir) {
    this.bench = bench;
    this.wsUrl = bench.wsUrl;
    this.httpUrl = bench.httpUrl;
    this.tmpDir = tmpDir;
    this.sims = [];
    this._refusedAllowed = [];
    this.ignoredRefusals = [];  // see assertNoUnexpectedRefusals()
    this.notes = [];            // printed as TAP diagnostics after the scenario
    this.benchOptions = {};
    this.proxies = [];          // TcpProxy instances, closed by cleanup()
    this.retiredBenches = [];   // records of benches stopped by stopBench()
  }

  static async create(benchOptions = {}) {
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'evc-integ-'));
    liveTmpDirs.add(tmpDir);
    let bench;
    try {
      bench = await startBenchCsms({quiet: true, ...benchOptions});
    } catch (err) {
      fs.rmSync(tmpDir, {recursive: true, force: true});
      liveTmpDirs.delete(tmpDir);
      throw err;
    }
    const env = new Env(bench, tmpDir);
    env.benchOptions = benchOptions;
    return env;
  }

  // A TCP proxy (tcp_proxy.js) in front of the bench's OCPP port; proxy.wsUrl is the bench's
  // ws URL through the proxy (pass it as `csms` to startSim). Closed by cleanup().
  async startProxy() {
    const {TcpProxy} = require('./tcp_proxy');
    const proxy = await TcpProxy.start(this.wsUrl);
    proxy.wsUrl = proxy.urlFor(this.wsUrl);
    this.proxies.push(proxy);
    return proxy;
  }

  // Stops the bench as a crash would look from the network (every connection dropped without a
  // close frame) and keeps what it recorded: {frames, violations, violationsTotal, refused,
  // transactions} in retiredBenches (finish() checks their violations too). Its OCPP port stays
  // known for startBenchAgain().
  async stopBench() {
    assert.ok(this.bench, 'stopBench(): no bench running');
    const b = this.bench.bench;
    this._oldWsPort = Number(new URL(this.wsUrl).port);
    await this.bench.close();
    // Taken after close, so frames that arrived while closing are in.
    const rec = {
      frames: [...b.frames], violations: [...b.violations], violationsTotal: b.violationsTotal,
      refused: [...b.refused], transactions: [...b.transactions.values()].map((t) => structuredClone(t)),
    };
    this.retiredBenches.push(rec);
    this.bench = null;
    return rec;
  }

  // Starts a new bench (same options as at create()) on the OCPP port of the bench stopped by
  // stopBench(); retries while the port is still in use.
  async startBenchAgain() {
    assert.equal(this.bench, null, 'startBenchAgain(): a bench is running');
    for (let attempt = 1; ; ++attempt) {
      try {
        this.bench = await startBenchCsms({quiet: true, ...this.benchOptions, wsPort: this._oldWsPort});
        break;
      } catch (err) {
        if (err.code !== 'EADDRINUSE' || attempt >= kBenchRestartAttempts) throw err;
        await delay(kBenchRestartStepMs);
      }
    }
    this.wsUrl = this.bench.wsUrl;
    this.httpUrl = this.bench.httpUrl;
    return this.bench;
  }

  // CALLs charger `id` sent to the benches stopped before and to the current one, in order:
  // [{bench (index, the current one last), seq, ts, msgId, action, payload}].
  async callsAcrossBenches(id, action) {
    const pick = (frames, bench) => frames
      .filter((f) => f.chargerId === id && f.dir === 'in' && Array.isArray(f.frame) && f.frame[0] === 2 &&
                     (!action || f.frame[2] === action))
      .map((f) => ({bench, seq: f.seq, ts: f.ts, msgId: f.frame[1], action: f.frame[2], payload: f.frame[3]}));
    const out = [];
    this.retiredBenches.forEach((r, i) => out.push(...pick(r.frames, i)));
    if (this.bench) {
      out.push(...(await this.callsFrom(id, action)).map((c) => ({bench: this.retiredBenches.length, ...c})));
    }
    return out;
  }

  // Closes the scenario's bench and starts another with these options (e.g. TLS material that
  // is made inside the scenario). Only before any simulator is started.
  async replaceBench(benchOptions) {
    assert.equal(this.sims.length, 0, 'replaceBench() after a simulator was started');
    await this.bench.close();
    this.bench = await startBenchCsms({quiet: true, ...benchOptions});
    this.benchOptions = benchOptions;
    this.wsUrl = this.bench.wsUrl;
    this.httpUrl = this.bench.httpUrl;
  }

  // A fresh (or, given the same name, the same) state directory inside the scenario's temp dir.
  stateDir(name = 'state') {
    return path.join(this.tmpDir, name);
  }

  // Starts evc-sim. opts: {id, stateDir?, csms? (default: the bench), provision, ca, config}.
  startSim(opts) {
    const o = {stateDir: this.stateDir(`state-${opts.id}`), ...opts};
    if (o.csms === undefined && !o.provision) o.csms = this.wsUrl;
    const sim = new Sim(o);
    this.sims.push(sim);
    return sim;
  }

  // Starts evc-sim and waits until the CSMS accepted its BootNotification.
  async startBootedSim(opts) {
    const sim = this.startSim(opts);
    await sim.waitFor(ev('registration', {status: 'Accepted'}));
    return sim;
  }

  // A line for the test report (TAP diagnostic), e.g. a measured count.
  note(text) {
    this.notes.push(text);
  }

  // ---- bench HTTP API ----

  async get(p) {
    const res = await fetch(this.httpUrl + p);
    const body = await res.json();
    assert.equal(res.status, 200, `GET ${p} -> ${res.status} ${JSON.stringify(body)}`);
    return body;
  }

  async post(p, body) {
    const res = await fetch(this.httpUrl + p, {
      method: 'POST',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify(body ?? {}),
    });
    return {status: res.status, body: await res.json()};
  }

  async config(update) {
    const r = await this.post('/api/config', update);
    assert.equal(r.status, 200, `POST /api/config ${JSON.stringify(update)} -> ${JSON.stringify(r.body)}`);
    return r.body.config;
  }

  // A CSMS-initiated call through the bench; resolves with the API answer {ok, result|error}.
  async call(id, action, payload, timeoutMs = kApiCallTimeoutMs) {
    const r = await this.post(`/api/chargers/${encodeURIComponent(id)}/call`, {action, payload, timeoutMs});
    assert.equal(r.status, 200, `call ${action} to ${id}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  // A call that must succeed; resolves with the charger's result payload.
  async callOk(id, action, payload) {
    const r = await this.call(id, action, payload);
    assert.ok(r.ok, `${action} ${JSON.stringify(payload)} to ${id} failed: ${JSON.stringify(r.error)}`);
    return r.result;
  }

  // Sends a raw text frame; resolves with {sent, reply, replyFrame}.
  async raw(id, text, timeoutMs = kApiCallTimeoutMs) {
    const r = await this.post(`/api/chargers/${encodeURIComponent(id)}/raw`, {text, timeoutMs});
    assert.equal(r.status, 200, `raw frame to ${id}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    assert.ok(r.body.ok, `raw frame to ${id} failed: ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async state() {
    return this.get('/api/state');
  }

  async charger(id) {
    const s = await this.state();
    return s.chargers.find((c) => c.id === id) || null;
  }

  // Status of connector n of charger id as last reported to the bench (null if none yet).
  async connectorStatus(id, n) {
    const ch = await this.charger(id);
    return ch?.connectors.find((c) => c.connectorId === n)?.status ?? null;
  }

  // Waits until the bench shows connector n of charger id in one of the given statuses.
  async waitConnector(id, n, ...statuses) {
    return this.until(async () => {
      const s = await this.connectorStatus(id, n);
      return statuses.includes(s) && s;
    }, `connector ${n} of ${id} in ${statuses.join('|')} at the bench`, {id});
  }

  async transactions(id) {
    const {transactions} = await this.get('/api/transactions?meterValues=false');
    return id ? transactions.filter((t) => t.chargerId === id) : transactions;
  }

  async frames(id) {
    return (await this.get(`/api/frames?charger=${encodeURIComponent(id)}`)).frames;
  }

  // CALLs the charger sent, in order: [{seq, ts, msgId, action, payload}].
  async callsFrom(id, action) {
    return (await this.frames(id))
      .filter((f) => f.dir === 'in' && Array.isArray(f.frame) && f.frame[0] === 2 &&
                     (!action || f.frame[2] === action))
      .map((f) => ({seq: f.seq, ts: f.ts, msgId: f.frame[1], action: f.frame[2], payload: f.frame[3]}));
  }

  // Polls fn (sync or async) until it returns a truthy value; rejects after timeoutMs with
  // `what` and the recent frames of charger `id` (when given).
  async until(fn, what, {timeoutMs = kWaitMs, id = null} = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > deadline) {
        let extra = '';
        if (id) {
          const frames = (await this.frames(id)).slice(-kEventsShown);
          extra = `\nlast bench frames of ${id}:\n` + frames.map((f) => `  ${f.dir} ${JSON.stringify(f.frame)}`).join('\n');
          const sim = this.sims.filter((s) => s.id === id).pop();
          if (sim) extra += '\n' + sim.dump();
        }
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${extra}`);
      }
      await delay(kPollMs);
    }
  }

  // Waits until charger `id` sent at least `count` CALLs of `action` matching pred (on the
  // payload) and resolves with them.
  async waitCalls(id, action, {count = 1, pred = () => true, timeoutMs = kWaitMs} = {}) {
    return this.until(async () => {
      const calls = (await this.callsFrom(id, action)).filter((c) => pred(c.payload));
      return calls.length >= count ? calls : null;
    }, `${count} x ${action} from ${id}${pred.what ? ' ' + pred.what : ''}`, {timeoutMs, id});
  }

  // Plugs the vehicle in (if not yet), starts a transaction with RemoteStartTransaction and
  // waits until it charges with a transaction id from the CSMS.
  // Resolves with {localId, transactionId, meterStartWh, idTag}.
  async startRemoteTransaction(sim, idTag) {
    await this.waitConnector(sim.id, 1, 'Available', 'Preparing');
    let m = sim.mark();
    if ((await this.connectorStatus(sim.id, 1)) === 'Available') {
      sim.send('plug');
      await sim.waitFor(ev('status', {connector: 1, status: 'Preparing'}), {from: m});
      m = sim.mark();
    }
    const r = await this.callOk(sim.id, 'RemoteStartTransaction', {connectorId: 1, idTag});
    assert.deepEqual(r, {status: 'Accepted'});
    const started = await sim.waitFor(ev('transaction_started', {idTag}), {from: m});
    const {transactionId} = await sim.waitFor(ev('transaction_id', {localId: started.localId}), {from: m});
    await sim.waitFor(ev('status', {connector: 1, status: 'Charging'}), {from: m});
    return {localId: started.localId, transactionId, meterStartWh: started.meterStartWh, idTag};
  }

  // ---- end-of-scenario checks ----

  // Declares refused handshakes as expected: pred(refusedRecord) -> true.
  allowRefused(pred) {
    this._refusedAllowed.push(pred);
  }

  async assertNoViolations() {
    for (const [i, r] of this.retiredBenches.entries()) {
      assert.equal(r.violationsTotal, 0,
        `stopped bench #${i} recorded ${r.violationsTotal} violation(s):\n${JSON.stringify(r.violations, null, 2)}`);
    }
    const {violations, total} = await this.get('/api/violations');
    assert.equal(total, 0, `bench recorded ${total} violation(s):\n${JSON.stringify(violations, null, 2)}`);
  }

  async assertNoUnexpectedRefusals() {
    const {refused} = await this.get('/api/refused');
    const frames = (await this.get('/api/frames')).frames;
    const unexpected = refused.filter((r) => {
      if (this._refusedAllowed.some((p) => p(r))) return false;
      // ocpp-rpc 2.2.1 keeps its handshake 'error' listener on the socket after a successful
      // upgrade, so a TCP reset of an ACCEPTED connection (a simulator that exits or restarts
      // while an answer is unread) is listed as a refused handshake with code 500. Such a
      // record is not a refusal: it is recognised by code 500 + a socket reset error, for a
      // charger that had exchanged frames with the bench before.
      if (r.code === 500 && kSocketResetPattern.test(r.reason) &&
          frames.some((f) => f.chargerId === r.identity && f.ts <= r.ts)) {
        this.ignoredRefusals.push(r);
        return false;
      }
      return true;
    });
    assert.deepEqual(unexpected, [], 'unexpected refused handshakes at the bench');
  }

  // Stops the simulators that still run (exit code 0 required), then checks the bench.
  async finish() {
    for (const sim of this.sims) {
      if (sim.running) await sim.quit();
    }
    for (const sim of this.sims) {
      assert.deepEqual(sim.badLines, [], `evc-sim ${sim.id} printed non-JSON lines on stdout`);
      assert.deepEqual(sim.sanitizerLines, [], `evc-sim ${sim.id} printed sanitizer reports`);
    }
    try {
      await this.assertNoViolations();
      await this.assertNoUnexpectedRefusals();
    } catch (err) {
      err.message += '\n' + this.sims.map((s) => s.dump()).join('\n');
      throw err;
    }
  }

  async cleanup() {
    await Promise.all(this.sims.map((s) => s.kill()));
    await Promise.all(this.proxies.map((p) => p.close()));
    if (this.bench) await this.bench.close().catch(() => {});
    fs.rmSync(this.tmpDir, {recursive: true, force: true});
    liveTmpDirs.delete(this.tmpDir);
  }
}

// Registers a node:test test that runs fn(env) in a fresh Env, then env.finish() (violations,
// refusals, clean simulator exits) and always env.cleanup().
// options: {bench: startBenchCsms options, timeout}
function scenario(name, options, fn) {
  if (typeof options === 'function') {
    fn = options;
    options = {};
  }
  test(name, {timeout: options.timeout ?? kScenarioTimeoutMs}, async (t) => {
    const env = await Env.create(options.bench || {});
    try {
      await fn(env);
      await env.finish();
    } finally {
      for (const n of env.notes) t.diagnostic(n);
      for (const r of env.ignoredRefusals) {
        t.diagnostic(`ignored bench artefact: socket reset of an accepted connection listed as refused: ${JSON.stringify(r)}`);
      }
      await env.cleanup();
    }
  });
}

// ---- transaction message checks -----------------------------------------------------------------

const kEarliestPlausibleMs = Date.parse('2020-01-01T00:00:00Z');  // a stamp before: clock unset

// Checks the transaction messages of one transaction among `calls` (CALLs of one charger in
// arrival order, as callsFrom() or callsAcrossBenches() give them): exactly one StartTransaction
// (with idTag), then its MeterValues, then exactly one StopTransaction, all MeterValues and the
// Stop carrying `transactionId` (the id the CSMS assigned), no MeterValues sent twice, meter
// timestamps strictly increasing, every timestamp plausible (not before 2020, none in the
// future beyond a minute) and Start <= MeterValues <= Stop. No other transactionId may appear
// in any MeterValues or StopTransaction (a placeholder id would). Returns
// {start, meterValues, stop}.
// `inFlightResends`: how many times a transaction message may arrive twice, identical and
// back to back. Only for scenarios that kill the charger or the CSMS while a message is on the
// wire: its answer is lost, so delivery across the cut is at least once (OCPP demands that
// nothing is lost; the charger cannot know the CSMS got it). Any other repeat still fails.
function checkTransactionCalls(calls, {transactionId, idTag, inFlightResends = 0}) {
  const txCalls = calls.filter((c) => ['StartTransaction', 'MeterValues', 'StopTransaction'].includes(c.action));
  const show = () => txCalls.map((c) => `  ${c.ts} ${c.action} ${JSON.stringify(c.payload)}`).join('\n');
  const starts = txCalls.filter((c) => c.action === 'StartTransaction' && c.payload.idTag === idTag);
  assert.equal(starts.length, 1, `StartTransaction for ${idTag} sent ${starts.length} times:\n${show()}`);
  for (const c of txCalls) {
    if (c.action !== 'StartTransaction' && c.payload.transactionId !== undefined) {
      assert.ok(c.payload.transactionId > 0, `${c.action} with a placeholder transactionId:\n${show()}`);
    }
  }
  const mine = txCalls.filter((c) => c === starts[0] || c.payload.transactionId === transactionId);
  // Drop identical back-to-back repeats (within the allowance) before the checks below.
  let resends = 0;
  for (let i = mine.length - 1; i > 0; --i) {
    if (mine[i].action === mine[i - 1].action &&
        JSON.stringify(mine[i].payload) === JSON.stringify(mine[i - 1].payload)) {
      assert.ok(++resends <= inFlightResends,
        `${mine[i].action} resent ${resends} times (allowed ${inFlightResends}):\n${show()}`);
      mine.splice(i, 1);
    }
  }
  const stops = mine.filter((c) => c.action === 'StopTransaction');
  assert.equal(stops.length, 1, `StopTransaction for ${transactionId} sent ${stops.length} times:\n${show()}`);
  assert.equal(mine[0], starts[0], `a message of transaction ${transactionId} before its StartTransaction:\n${show()}`);
  assert.equal(mine.at(-1), stops[0], `a message of transaction ${transactionId} after its StopTransaction:\n${show()}`);
  const meterValues = mine.filter((c) => c.action === 'MeterValues');
  const stamps = [];
  const plausible = (text, what) => {
    const ms = Date.parse(text);
    assert.ok(Number.isFinite(ms), `${what}: unreadable timestamp ${text}`);
    assert.ok(ms >= kEarliestPlausibleMs, `${what}: implausible (unset clock) timestamp ${text}\n${show()}`);
    assert.ok(ms <= Date.now() + 60000, `${what}: timestamp in the future ${text}`);
    return ms;
  };
  const startMs = plausible(starts[0].payload.timestamp, 'StartTransaction');
  const seen = new Set();
  for (const mv of meterValues) {
    const key = JSON.stringify(mv.payload);
    assert.ok(!seen.has(key), `MeterValues sent twice: ${key}\n${show()}`);
    seen.add(key);
    for (const v of mv.payload.meterValue) stamps.push(plausible(v.timestamp, 'MeterValues'));
  }
  for (let i = 1; i < stamps.length; ++i) {
    assert.ok(stamps[i] > stamps[i - 1],
      `MeterValues timestamps not increasing at #${i}: ${new Date(stamps[i - 1]).toISOString()} then ${new Date(stamps[i]).toISOString()}\n${show()}`);
  }
  const stopMs = plausible(stops[0].payload.timestamp, 'StopTransaction');
  if (stamps.length > 0) {
    assert.ok(stamps[0] >= startMs, `MeterValues stamped before the StartTransaction\n${show()}`);
    assert.ok(stamps.at(-1) <= stopMs, `MeterValues stamped after the StopTransaction\n${show()}`);
  }
  assert.ok(stopMs >= startMs, `StopTransaction stamped before StartTransaction\n${show()}`);
  return {start: starts[0], meterValues, stop: stops[0]};
}

// ---- files the scenarios need ------------------------------------------------------------------

// Writes a provisioning file (mode 0600, as the loader requires) and returns its path.
function writeProvisioning(dir, fields) {
  const file = path.join(dir, `provisioning-${fields.chargePointId}.json`);
  fs.writeFileSync(file, JSON.stringify(fields, null, 2), {mode: 0o600});
  fs.chmodSync(file, 0o600);
  return file;
}

function openssl(args, cwd) {
  execFileSync('openssl', args, {cwd, stdio: ['ignore', 'pipe', 'pipe']});
}

// Creates a self-signed test CA in dir: {cert, key}. Test material only, in a temp dir.
function makeCa(dir, name) {
  const cert = path.join(dir, `${name}.pem`);
  const key = path.join(dir, `${name}.key`);
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  return {cert, key};
}

// Creates a server certificate signed by ca, by default for 127.0.0.1 / localhost: {cert, key}.
function makeServerCert(dir, ca, name = 'server', subjectAltName = 'IP:127.0.0.1,DNS:localhost') {
  const key = path.join(dir, `${name}.key`);
  const csr = path.join(dir, `${name}.csr`);
  const cert = path.join(dir, `${name}.pem`);
  const ext = path.join(dir, `${name}.ext`);
  fs.writeFileSync(ext, [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${subjectAltName}`,
  ].join('\n') + '\n');
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', csr, '-subj', `/CN=${name}`], dir);
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial',
    '-out', cert, '-days', '2', '-extfile', ext], dir);
  return {cert, key};
}

module.exports = {
  REPO_ROOT, SIM_BIN, kWaitMs, Env, Sim, scenario, ev, delay, randomHexKey, writeProvisioning,
  makeCa, makeServerCert, checkTransactionCalls,
};
