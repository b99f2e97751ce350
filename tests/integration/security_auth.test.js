'use strict';
// Scenario 6: security profile 1 (HTTP Basic Auth). With the right AuthorizationKey from the
// provisioning file the charger connects; with a wrong one the bench refuses the handshake
// (401), the charger reports HandshakeRejected and keeps retrying with backoff, not in a loop.

const assert = require('node:assert/strict');
const {scenario, ev, delay, randomHexKey, writeProvisioning} = require('./harness');

// Reconnect backoff of the firmware: core/ocpp/include/evc/ocpp/timing.hpp (kReconnectMinMs).
const kReconnectFloorMs = 1000;
const kObserveMs = 8000;
const kMinRetries = 2;  // in kObserveMs: it does retry

function provisioning(env, id, key) {
  return writeProvisioning(env.tmpDir, {
    csmsUrl: env.wsUrl, chargePointId: id, securityProfile: 1, authorizationKey: key,
  });
}

const kGoodId = 'CP-AUTH-GOOD';
const kBadId = 'CP-AUTH-BAD';
const kGoodKey = randomHexKey();
const kBadKey = randomHexKey();
const kBench = {config: {requireAuth: true, authKeys: {[kGoodId]: kGoodKey, [kBadId]: kGoodKey}}};

scenario('security profile 1: the right AuthorizationKey connects and boots', {bench: kBench}, async (env) => {
  const sim = env.startSim({id: kGoodId, provision: provisioning(env, kGoodId, kGoodKey)});
  await sim.waitFor(ev('connection', {connected: true}));
  await sim.waitFor(ev('registration', {status: 'Accepted'}));
  const ch = await env.charger(kGoodId);
  assert.equal(ch.connected, true);
  assert.equal(ch.bootCount, 1);
  assert.equal(sim.matching(ev('connection', {connected: false})).length, 0);

  // The key went into the configuration store, which never reads it back.
  const r = await env.callOk(kGoodId, 'GetConfiguration', {key: ['AuthorizationKey', 'SecurityProfile']});
  const text = JSON.stringify(r);
  assert.ok(!text.toLowerCase().includes(kGoodKey.toLowerCase()), `AuthorizationKey read back: ${text}`);
  assert.ok(!sim.stderrLines.some((l) => l.toLowerCase().includes(kGoodKey.toLowerCase())), 'key in the log');
  const {refused} = await env.get('/api/refused');
  assert.deepEqual(refused, []);
});

scenario('security profile 1: a wrong AuthorizationKey is refused (401, HandshakeRejected), retried with backoff',
  {bench: kBench}, async (env) => {
    const refusedFor = (r) => r.identity === kBadId && r.code === 401;
    env.allowRefused(refusedFor);
    const sim = env.startSim({id: kBadId, provision: provisioning(env, kBadId, kBadKey)});
    const first = await sim.waitFor(ev('connection', {connected: false}));
    const t0 = Date.now();  // just after the first refusal
    assert.equal(first.reason, 'HandshakeRejected');

    const refusals = async () => (await env.get('/api/refused')).refused.filter(refusedFor);
    const firstRefusals = await env.until(async () => {
      const r = await refusals();
      return r.length >= 1 && r;
    }, 'a 401 refusal at the bench');
    assert.equal(firstRefusals[0].authorization, 'present');
    assert.equal(firstRefusals[0].path, `/ocpp/${kBadId}`);

    // Count the retries in a fixed window after the first refusal. The backoff (1 s floor,
    // ceiling doubling from 1 s, full jitter) puts the 2nd and 3rd attempt within 6 s of the
    // 1st, and no two attempts closer than 1 s.
    await delay(kObserveMs);  // a measurement window, not a wait for an event
    const elapsed = Date.now() - t0;
    const retries = (await refusals()).length - 1;
    const maxRetries = Math.floor(elapsed / kReconnectFloorMs) + 1;
    env.note(`${retries} retries refused in ${elapsed} ms after the first refusal (backoff floor ${kReconnectFloorMs} ms)`);
    assert.ok(retries >= kMinRetries, `only ${retries} retries in ${elapsed} ms: the charger stopped retrying`);
    assert.ok(retries <= maxRetries, `${retries} retries in ${elapsed} ms: faster than the 1 s backoff floor`);

    // Every failed attempt is reported as HandshakeRejected; never connected, never booted.
    const closes = sim.matching(ev('connection'));
    assert.ok(closes.length >= 1 + kMinRetries);
    assert.ok(closes.every((e) => e.connected === false && e.reason === 'HandshakeRejected'), JSON.stringify(closes));
    assert.equal(sim.matching(ev('registration')).length, 0);
    assert.equal((await env.frames(kBadId)).length, 0);
    const ch = await env.charger(kBadId);
    assert.equal(ch, null, 'the bench must not know a charger it refused');
    const {refused} = await env.get('/api/refused');
    assert.ok(refused.every(refusedFor), JSON.stringify(refused));
  });
