'use strict';
// Scenario 7: wss://. A test CA and a server certificate for 127.0.0.1/localhost are made at
// test time with the openssl CLI, in the scenario's temporary directory (never committed). The
// charger trusting that CA connects and boots; trusting an unrelated CA it fails with
// TlsFailure and never reaches BootNotification.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const {scenario, ev, makeCa, makeServerCert} = require('./harness');

// The bench is started by the scenario itself (it needs the certificate first), so these
// scenarios use a bench of their own instead of the default one.
async function tlsBench(env, subjectAltName = undefined) {
  const dir = path.join(env.tmpDir, 'pki');
  fs.mkdirSync(dir, {mode: 0o700});
  const ca = makeCa(dir, 'evc-test-ca');
  const other = makeCa(dir, 'evc-unrelated-ca');
  const server = makeServerCert(dir, ca, 'server', subjectAltName);
  await env.replaceBench({tlsCert: server.cert, tlsKey: server.key});
  assert.match(env.wsUrl, /^wss:\/\/127\.0\.0\.1:\d+\/ocpp\/$/);
  return {ca, other};
}

scenario('TLS: with the test CA the charger connects over wss:// and boots', async (env) => {
  const {ca} = await tlsBench(env);
  const id = 'CP-TLS-GOOD';
  const sim = env.startSim({id, ca: ca.cert});
  await sim.waitFor(ev('connection', {connected: true}));
  await sim.waitFor(ev('registration', {status: 'Accepted'}));
  const [boot] = await env.waitCalls(id, 'BootNotification');
  assert.equal(typeof boot.payload.chargePointModel, 'string');
  const state = await env.state();
  assert.equal(state.server.tls, true);
  assert.equal(state.chargers.find((c) => c.id === id).connected, true);
  await env.waitConnector(id, 1, 'Available');
  assert.equal(sim.matching(ev('connection', {connected: false})).length, 0);
});

async function assertTlsRefused(env, sim) {
  const id = sim.id;
  const first = await sim.waitFor(ev('connection', {connected: false}));
  assert.equal(first.reason, 'TlsFailure');
  // It tries again (backoff) and fails the same way.
  const second = await sim.waitFor(ev('connection', {connected: false}), {from: sim.events.indexOf(first) + 1});
  assert.equal(second.reason, 'TlsFailure');

  assert.equal(sim.matching(ev('connection', {connected: true})).length, 0);
  assert.equal(sim.matching(ev('registration')).length, 0);
  assert.equal(sim.matching(ev('ocpp')).length, 0);
  assert.deepEqual(await env.frames(id), []);
  assert.equal(await env.charger(id), null);
  const state = await env.state();
  assert.equal(state.counters.connections, 0);
  assert.equal(state.counters.framesIn, 0);
}

scenario('TLS: with an unrelated CA the handshake fails (TlsFailure), no BootNotification', async (env) => {
  const {other} = await tlsBench(env);
  await assertTlsRefused(env, env.startSim({id: 'CP-TLS-BAD-CA', ca: other.cert}));
});

scenario('TLS: a certificate from the right CA for another host name fails too (TlsFailure)', async (env) => {
  const {ca} = await tlsBench(env, 'DNS:csms.example.invalid');
  await assertTlsRefused(env, env.startSim({id: 'CP-TLS-BAD-NAME', ca: ca.cert}));
});
