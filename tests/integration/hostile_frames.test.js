'use strict';
// Scenario 9: hostile frames from the CSMS, sent as raw text through the bench. The charger
// answers each one as OCPP-J 1.6 requires (or drops what has no readable message id) and stays
// connected: no reconnect, no crash, and it still works afterwards.

const assert = require('node:assert/strict');
const {scenario, ev} = require('./harness');

const kId = 'CP-HOSTILE-1';
const kRawReplyMs = 10000;

// Checks a reply frame: a CALLERROR [4, id, code, description, details].
function assertCallError(reply, id, code) {
  assert.ok(Array.isArray(reply.replyFrame), `no (parsable) reply to ${reply.sent}: ${JSON.stringify(reply)}`);
  const f = reply.replyFrame;
  assert.equal(f.length, 5, JSON.stringify(f));
  assert.equal(f[0], 4, JSON.stringify(f));
  assert.equal(f[1], id);
  assert.equal(f[2], code, `${reply.sent} -> ${JSON.stringify(f)}`);
  assert.equal(typeof f[3], 'string');
  assert.ok(f[4] !== null && typeof f[4] === 'object' && !Array.isArray(f[4]), JSON.stringify(f));
}

scenario('hostile CSMS frames: each answered correctly, the charger stays connected', async (env) => {
  const sim = await env.startBootedSim({id: kId});
  await env.waitConnector(kId, 1, 'Available');
  const connections = () => sim.matching(ev('connection'));
  assert.equal(connections().length, 1);
  const before = await sim.statusReport();

  // Text that is not OCPP-J at all has no message id to answer under: it is dropped and counted.
  for (const text of ['this is not json', '{"not":"an array"}', '[2,"unterminated"']) {
    const r = await env.raw(kId, text, 0);
    assert.equal(r.sent, text);
  }
  await env.until(async () => (await sim.statusReport()).framesDroppedUnreadable >= before.framesDroppedUnreadable + 3,
    'three unreadable frames counted by the charger', {id: kId});

  // An action the charger does not know: NotImplemented.
  assertCallError(await env.raw(kId, '[2,"h-unknown","FlyToTheMoon",{}]', kRawReplyMs), 'h-unknown', 'NotImplemented');

  // Reset without the required "type": OccurenceConstraintViolation (1.6 spelling), no reset.
  assertCallError(await env.raw(kId, '[2,"h-reset","Reset",{}]', kRawReplyMs), 'h-reset', 'OccurenceConstraintViolation');

  // RemoteStartTransaction with a 21-character idTag (CiString20): PropertyConstraintViolation.
  const longTag = 'X'.repeat(21);
  assertCallError(await env.raw(kId, JSON.stringify([2, 'h-long', 'RemoteStartTransaction', {idTag: longTag}]), kRawReplyMs),
    'h-long', 'PropertyConstraintViolation');

  // The same call with a 20-character idTag is fine: the limit is exactly 20.
  const ok = await env.raw(kId, JSON.stringify([2, 'h-ok20', 'RemoteStartTransaction', {idTag: 'Y'.repeat(20)}]), kRawReplyMs);
  assert.deepEqual(ok.replyFrame?.slice(0, 2), [3, 'h-ok20'], JSON.stringify(ok));
  assert.ok(['Accepted', 'Rejected'].includes(ok.replyFrame[2].status), JSON.stringify(ok.replyFrame));

  // Still the same connection, nothing rebooted, nothing started for the bad frames.
  assert.deepEqual(connections().map((e) => e.connected), [true], JSON.stringify(connections()));
  assert.equal(sim.matching(ev('reboot')).length, 0);
  assert.equal(sim.matching(ev('restarting')).length, 0);
  assert.equal(sim.matching(ev('transaction_started', {idTag: longTag})).length, 0);
  const ch = await env.charger(kId);
  assert.equal(ch.connected, true);
  assert.equal(ch.bootCount, 1);
  assert.equal((await env.state()).counters.connections, 1);
  const after = await sim.statusReport();
  assert.equal(after.connected, true);
  assert.equal(after.registration, 'Accepted');
  assert.ok(after.callErrorsSent >= before.callErrorsSent + 3, JSON.stringify(after));

  // And it still answers ordinary calls.
  const cfg = await env.callOk(kId, 'GetConfiguration', {key: ['HeartbeatInterval']});
  assert.equal(cfg.configurationKey.length, 1);
});
