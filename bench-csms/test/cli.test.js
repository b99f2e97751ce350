'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const readline = require('readline');
const {spawn} = require('child_process');
const {once} = require('events');
const {RPCClient} = require('ocpp-rpc');
const {getJson, bootPayload} = require('./helpers');

const kServer = path.join(__dirname, '..', 'src', 'server.js');
const kStartTimeoutMs = 10000;

function startCli(args) {
  const child = spawn(process.execPath, [kServer, ...args], {stdio: ['ignore', 'pipe', 'pipe']});
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const lines = readline.createInterface({input: child.stdout});
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line; stderr: ${stderr}`)), kStartTimeoutMs);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line));
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before ready; stderr: ${stderr}`)));
  });
  return {child, ready, stderr: () => stderr};
}

test('CLI prints one ready line, serves OCPP and the API, and stops on SIGTERM', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cli-'));
  const log = path.join(dir, 'frames.jsonl');
  const cli = startCli(['--ws-port', '0', '--http-port', '0', '--host', '127.0.0.1', '--auth', 'CP-CLI=k3y=with=equals',
    '--boot-status', 'Pending', '--heartbeat-interval', '30', '--log', log, '--quiet']);
  try {
    const ready = await cli.ready;
    assert.equal(ready.event, 'ready');
    assert.match(ready.wsUrl, /^ws:\/\/127\.0\.0\.1:\d+\/ocpp\/$/);
    assert.match(ready.httpUrl, /^http:\/\/127\.0\.0\.1:\d+$/);

    const c = new RPCClient({endpoint: ready.wsUrl.replace(/\/$/, ''), identity: 'CP-CLI', password: 'k3y=with=equals',
      protocols: ['ocpp1.6'], strictMode: true, reconnect: false});
    await c.connect();
    const boot = await c.call('BootNotification', bootPayload);
    assert.equal(boot.status, 'Pending');
    assert.equal(boot.interval, 30);
    await c.close();

    const state = await getJson(`${ready.httpUrl}/api/state`);
    assert.equal(state.status, 200);
    assert.equal(state.body.chargers[0].id, 'CP-CLI');
    const page = await fetch(`${ready.httpUrl}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /bench-csms/);

    cli.child.kill('SIGTERM');
    const [code] = await once(cli.child, 'exit');
    assert.equal(code, 0);
    assert.equal(cli.stderr(), '', '--quiet prints nothing on stderr');
    assert.equal(fs.readFileSync(log, 'utf8').trim().split('\n').length, 2);
  } finally {
    cli.child.kill('SIGKILL');
    fs.rmSync(dir, {recursive: true, force: true});
  }
});

test('CLI rejects bad options with exit code 2 and a message', async () => {
  for (const args of [['--ws-port', 'x'], ['--boot-status', 'Maybe'], ['--auth', 'nokey'], ['--tls-cert', 'a.pem'], ['--bogus']]) {
    const child = spawn(process.execPath, [kServer, ...args], {stdio: ['ignore', 'pipe', 'pipe']});
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const [code] = await once(child, 'exit');
    assert.equal(code, 2, args.join(' '));
    assert.match(stderr, /bench-csms: /);
  }
});
