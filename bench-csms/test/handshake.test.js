'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const {execFileSync} = require('child_process');
const {withBench, bootPayload} = require('./helpers');

async function connectError(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('connection was expected to be refused');
}

test('a client that offers no subprotocol is refused with 400 and recorded', () => withBench({}, async (t) => {
  const c = await t.client('CP-NOPROTO', {connect: false, protocols: [], strict: false});
  const err = await connectError(c.connect());
  assert.equal(err.code, 400);
  const refused = (await t.get('/api/refused')).body;
  assert.equal(refused.total, 1);
  assert.equal(refused.refused[0].identity, 'CP-NOPROTO');
  assert.equal(refused.refused[0].code, 400);
  assert.match(refused.refused[0].reason, /ocpp1\.6/);
  const state = (await t.get('/api/state')).body;
  assert.equal(state.counters.refusedHandshakes, 1);
  assert.equal(state.chargers.length, 0);
}));

test('a client offering only another OCPP version is refused', () => withBench({}, async (t) => {
  const c = await t.client('CP-201', {connect: false, protocols: ['ocpp2.0.1'], strict: false});
  const err = await connectError(c.connect());
  assert.equal(err.code, 400);
}));

test('a client offering ocpp1.6 among others gets ocpp1.6', () => withBench({}, async (t) => {
  const c = await t.client('CP-MULTI', {protocols: ['ocpp2.0.1', 'ocpp1.6'], strict: false});
  assert.equal(c.protocol, 'ocpp1.6');
}));

test('a wrong endpoint path is refused with 404', () => withBench({}, async (t) => {
  const {RPCClient} = require('ocpp-rpc');
  const c = new RPCClient({endpoint: t.wsUrl.replace('/ocpp/', '/other'), identity: 'CP-X', protocols: ['ocpp1.6'], reconnect: false});
  const err = await connectError(c.connect());
  assert.equal(err.code, 404);
  assert.equal((await t.get('/api/refused')).body.refused[0].code, 404);
}));

test('basic auth: configured key required, wrong or missing password refused with 401', () => withBench(
  {config: {authKeys: {'CP-AUTH': 's3cret-key'}}}, async (t) => {
    let err = await connectError((await t.client('CP-AUTH', {connect: false})).connect());
    assert.equal(err.code, 401);
    err = await connectError((await t.client('CP-AUTH', {connect: false, password: 'wrong-key!'})).connect());
    assert.equal(err.code, 401);
    err = await connectError((await t.client('CP-AUTH', {connect: false, password: 's3cret-ke'})).connect());
    assert.equal(err.code, 401);

    const good = await t.client('CP-AUTH', {password: 's3cret-key'});
    const boot = await good.call('BootNotification', bootPayload);
    assert.equal(boot.status, 'Accepted');

    // A charger without a configured key is accepted without auth.
    const open = await t.client('CP-OPEN');
    assert.equal(open.protocol, 'ocpp1.6');

    const refused = (await t.get('/api/refused')).body;
    assert.equal(refused.total, 3);
    assert.ok(refused.refused.every((r) => r.code === 401 && r.identity === 'CP-AUTH'));
    // keys are never echoed by the API
    assert.deepEqual((await t.get('/api/config')).body.authKeys, {'CP-AUTH': '***'});
  }));

test('requireAuth refuses chargers without a configured key', () => withBench({config: {requireAuth: true}}, async (t) => {
  const err = await connectError((await t.client('CP-NOKEY', {connect: false, password: 'anything'})).connect());
  assert.equal(err.code, 401);
  // and keys added through the API take effect for the next handshake
  assert.equal((await t.post('/api/config', {authKeys: {'CP-NOKEY': 'abc'}})).status, 200);
  const c = await t.client('CP-NOKEY', {password: 'abc'});
  assert.equal(c.protocol, 'ocpp1.6');
}));

test('wss with a certificate generated at test time', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-tls-'));
  try {
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1'], {stdio: 'ignore'});
    await withBench({tlsCert: cert, tlsKey: key}, async (t) => {
      assert.match(t.wsUrl, /^wss:\/\/127\.0\.0\.1:\d+\/ocpp\/$/);
      // The client verifies the server certificate against the test CA (no check is switched off).
      const c = await t.client('CP-TLS', {wsOpts: {ca: fs.readFileSync(cert)}});
      const boot = await c.call('BootNotification', bootPayload);
      assert.equal(boot.status, 'Accepted');
      const state = (await t.get('/api/state')).body;
      assert.equal(state.server.tls, true);
      assert.equal(state.chargers[0].connected, true);

      // A client that does not trust the certificate cannot connect.
      const untrusting = await t.client('CP-TLS2', {connect: false});
      await assert.rejects(untrusting.connect());
    });
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
  }
});
