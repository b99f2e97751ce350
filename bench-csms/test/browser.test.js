'use strict';
// Browser test: bench + a charging charger + Debian's chromium driven by
// playwright-core. The charger is the real simulator when EVC_SIM_BIN is set,
// otherwise the Node test fake (test/fake-charger.js), both driven through the
// same stdin/stdout line protocol.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const {spawn} = require('child_process');
const {chromium} = require('playwright-core');
const {startBenchCsms} = require('../src/server');
const {getJson, postJson, waitFor} = require('./helpers');

const kChromium = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
const kArtifactDir = process.env.EVC_ARTIFACT_DIR || path.join(__dirname, '..', 'test-artifacts');
const kSimBin = process.env.EVC_SIM_BIN || null;
const kChargerId = 'BROWSER-CP1';
const kIdTag = 'BROWSER-TAG';
const kTestTimeoutMs = 180000;
const kBootTimeoutMs = 30000;
const kChargingTimeoutMs = 60000;
const kStopTimeoutMs = 30000;
const kMeterTimeoutMs = 20000;
const kQuitTimeoutMs = 10000;
const kChromiumArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// Runs the charger program and collects its JSON-line events.
function startCharger(wsUrl, stateDir) {
  const [cmd, args] = kSimBin
    ? [kSimBin, []]
    : [process.execPath, [path.join(__dirname, 'fake-charger.js')]];
  const child = spawn(cmd, [...args, '--csms', wsUrl, '--id', kChargerId, '--state-dir', stateDir],
    {stdio: ['pipe', 'pipe', 'pipe']});
  const events = [];
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  readline.createInterface({input: child.stdout}).on('line', (line) => {
    try {
      events.push(JSON.parse(line));
    } catch {
      events.push({event: 'unparsed', line});
    }
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({code, signal})));
  return {
    child, events, exited,
    stderr: () => stderr,
    send: (line) => child.stdin.write(line + '\n'),
    async quit() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin.write('quit\n');
      const timer = setTimeout(() => child.kill('SIGKILL'), kQuitTimeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitForText(locator, expected, what, timeoutMs) {
  return waitFor(async () => {
    const text = (await locator.count()) ? (await locator.first().textContent()).trim() : null;
    return (typeof expected === 'function' ? expected(text) : text === expected) && text;
  }, what, timeoutMs);
}

test('web page: remote start via API, Charging shown, RemoteStop button ends the transaction', {timeout: kTestTimeoutMs}, async () => {
  assert.ok(fs.existsSync(kChromium), `chromium not found at ${kChromium} (apt-get install -y chromium)`);
  fs.mkdirSync(kArtifactDir, {recursive: true});
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-browser-'));
  const bench = await startBenchCsms({quiet: true, log: path.join(kArtifactDir, 'browser-frames.jsonl')});
  let charger = null;
  let context = null;
  try {
    fs.mkdirSync(path.join(tmp, 'state'));
    charger = startCharger(bench.wsUrl, path.join(tmp, 'state'));
    const api = (p) => getJson(bench.httpUrl + p);
    try {
      await waitFor(async () => {
        const ch = (await api('/api/state')).body.chargers.find((c) => c.id === kChargerId);
        return ch && ch.connected && ch.boot?.status === 'Accepted';
      }, 'the charger to connect and boot', kBootTimeoutMs);
    } catch (err) {
      err.message += `\ncharger events: ${JSON.stringify(charger.events)}\ncharger stderr: ${charger.stderr()}`;
      throw err;
    }

    context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
      executablePath: kChromium,
      headless: true,
      args: kChromiumArgs,
      viewport: {width: 1440, height: 960},
    });
    const page = context.pages()[0] || await context.newPage();
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(bench.httpUrl + '/');
    await page.getByTestId(`charger-${kChargerId}`).waitFor({timeout: kBootTimeoutMs});
    await waitForText(page.getByTestId(`charger-connected-${kChargerId}`), 'connected', 'connected badge', kBootTimeoutMs);

    charger.send('plug');
    const start = await postJson(`${bench.httpUrl}/api/chargers/${kChargerId}/call`,
      {action: 'RemoteStartTransaction', payload: {idTag: kIdTag, connectorId: 1}});
    assert.deepEqual(start.body, {ok: true, result: {status: 'Accepted'}});

    await waitForText(page.getByTestId(`connector-status-${kChargerId}-1`), 'Charging', 'Charging on the page', kChargingTimeoutMs);
    const tx = await waitFor(async () => (await api('/api/transactions')).body.transactions
      .find((x) => x.chargerId === kChargerId && x.status === 'active'), 'an active transaction', kChargingTimeoutMs);
    assert.equal(tx.idTag, kIdTag);
    await waitForText(page.getByTestId(`tx-status-${tx.transactionId}`), 'active', 'active transaction row', kChargingTimeoutMs);
    // meter values reach the page (the fake sends them every 500 ms)
    await waitForText(page.getByTestId(`meter-energy-${kChargerId}-1`), (t) => t && t !== '—', 'energy on the page',
      kMeterTimeoutMs).catch((err) => {
      if (!kSimBin) throw err;
    });

    if (!kSimBin) {
      await waitFor(async () => (await api('/api/transactions')).body.transactions
        .find((x) => x.transactionId === tx.transactionId && x.meterValueCount >= 3), 'three meter values', kMeterTimeoutMs);
    }
    await page.waitForTimeout(1200);  // one more poll of the page
    await page.screenshot({path: path.join(kArtifactDir, 'browser-charging.png'), fullPage: true});

    await page.getByTestId(`remote-stop-${tx.transactionId}`).click();
    await waitForText(page.getByTestId(`tx-status-${tx.transactionId}`), 'ended', 'ended transaction row', kStopTimeoutMs);
    await waitForText(page.getByTestId(`tx-reason-${tx.transactionId}`), 'Remote', 'stop reason on the page', kStopTimeoutMs);
    await waitForText(page.getByTestId(`connector-status-${kChargerId}-1`), (t) => t && t !== 'Charging',
      'connector leaves Charging', kStopTimeoutMs);
    await waitForText(page.getByTestId(`cmd-result-${kChargerId}`), 'RemoteStopTransaction: Accepted', 'command result', kStopTimeoutMs);
    assert.equal(await page.getByTestId(`remote-stop-${tx.transactionId}`).count(), 0, 'no stop button on an ended transaction');

    const ended = (await api('/api/transactions')).body.transactions.find((x) => x.transactionId === tx.transactionId);
    assert.equal(ended.status, 'ended');
    assert.equal(ended.reason, 'Remote');
    assert.ok(Number.isInteger(ended.meterStop) && ended.meterStop >= ended.meterStart);

    // ChangeConfiguration, then GetConfiguration from the page (result table).
    await page.getByTestId(`change-config-key-${kChargerId}`).fill('MeterValueSampleInterval');
    await page.getByTestId(`change-config-value-${kChargerId}`).fill('5');
    await page.getByTestId(`change-config-${kChargerId}`).click();
    await waitForText(page.getByTestId(`cmd-result-${kChargerId}`),
      (t) => /^ChangeConfiguration: (Accepted|Rejected|RebootRequired|NotSupported)$/.test(t || ''),
      'ChangeConfiguration result', kStopTimeoutMs);
    await page.getByTestId(`get-config-${kChargerId}`).click();
    await page.getByTestId('config-row-HeartbeatInterval').waitFor({timeout: kStopTimeoutMs});
    if (!kSimBin) {
      assert.match(await page.getByTestId('config-row-MeterValueSampleInterval').textContent(), /MeterValueSampleInterval5no/);
    }
    await waitForText(page.getByTestId(`cmd-result-${kChargerId}`), (t) => /^GetConfiguration: \d+ keys$/.test(t || ''),
      'GetConfiguration result', kStopTimeoutMs);

    // Let one more poll render the final state, then keep the picture.
    await page.waitForTimeout(1200);
    await page.screenshot({path: path.join(kArtifactDir, 'browser-remote-stop.png'), fullPage: true});

    assert.deepEqual(pageErrors, []);
    const violations = (await api('/api/violations')).body;
    assert.equal(violations.total, 0, JSON.stringify(violations.violations, null, 2));
    assert.equal((await api('/api/refused')).body.total, 0);
  } finally {
    if (context) await context.close().catch(() => {});
    if (charger) await charger.quit();
    await bench.close();
    fs.rmSync(tmp, {recursive: true, force: true});
  }
});
