'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('fs');
const os = require('os');
const path = require('path');
const {withBench, waitFor, bootPayload} = require('./helpers');

test('control API call round trip: RemoteStartTransaction answered by the charger', () => withBench({}, async (t) => {
  const c = await t.client('CP-1');
  let seen = null;
  c.handle('RemoteStartTransaction', ({params}) => {
    seen = params;
    return {status: 'Accepted'};
  });
  const r = await t.post('/api/chargers/CP-1/call', {action: 'RemoteStartTransaction', payload: {idTag: 'T1', connectorId: 1}});
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, {ok: true, result: {status: 'Accepted'}});
  assert.deepEqual(seen, {idTag: 'T1', connectorId: 1});
}));

test('control API call: CALLERROR and timeout from the charger come back as ok:false', () => withBench({}, async (t) => {
  const c = await t.client('CP-1');
  c.handle('Reset', () => {
    const {createRPCError} = require('ocpp-rpc');
    throw createRPCError('NotSupported', 'no reset here');
  });
  c.handle('ClearCache', () => new Promise(() => {}));  // never answers
  let r = await t.post('/api/chargers/CP-1/call', {action: 'Reset', payload: {type: 'Hard'}});
  assert.equal(r.body.ok, false);
  assert.equal(r.body.error.code, 'NotSupported');
  assert.equal(r.body.error.message, 'no reset here');
  r = await t.post('/api/chargers/CP-1/call', {action: 'ClearCache', timeoutMs: 200});
  assert.equal(r.body.ok, false);
  assert.equal(r.body.error.code, 'Timeout');
  assert.deepEqual((await t.get('/api/violations')).body.violations, []);
}));

test('a response that arrives after the call timed out is counted, not a violation', () => withBench({}, async (t) => {
  const c = await t.client('CP-LATE');
  let answered = null;
  const done = new Promise((resolve) => { answered = resolve; });
  c.handle('ClearCache', () => new Promise((resolve) => setTimeout(() => {
    resolve({status: 'Accepted'});
    answered();
  }, 400)));
  const r = await t.post('/api/chargers/CP-LATE/call', {action: 'ClearCache', timeoutMs: 100});
  assert.equal(r.body.error.code, 'Timeout');
  await done;
  await waitFor(async () => (await t.get('/api/state')).body.counters.lateResponses === 1, 'late response counted');
  assert.deepEqual((await t.get('/api/violations')).body.violations, []);
}));

test('control API call: bad input is 400, unknown or offline charger is 409', () => withBench({}, async (t) => {
  await t.client('CP-1');
  const bad = [
    {action: 'BootNotification', payload: {}},
    {action: 'NoSuchThing'},
    {payload: {}},
    {action: 'Reset', payload: 'Soft'},
    {action: 'Reset', payload: {type: 'Soft'}, timeoutMs: -5},
    {action: 'Reset', payload: {type: 'Soft'}, extra: 1},
  ];
  for (const body of bad) {
    const r = await t.post('/api/chargers/CP-1/call', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.body.ok, false);
    assert.ok(r.body.error.message.length > 0);
  }
  const off = await t.post('/api/chargers/NOPE/call', {action: 'Reset', payload: {type: 'Soft'}});
  assert.equal(off.status, 409);
  assert.equal(off.body.error.code, 'NotConnected');
  assert.equal((await t.post('/api/chargers/CP-1/call', '{not json')).status, 400);
  assert.equal((await t.get('/api/nothing')).status, 404);
  assert.equal((await t.get('/api/reset')).status, 405);
}));

test('an outgoing call that fails the schema is refused and listed as an outbound violation', () => withBench({}, async (t) => {
  await t.client('CP-1');
  const r = await t.post('/api/chargers/CP-1/call', {action: 'RemoteStartTransaction', payload: {connectorId: 1}});
  assert.equal(r.body.ok, false);
  assert.match(r.body.error.code, /Occur+enceConstraintViolation/);
  const v = (await t.get('/api/violations')).body.violations;
  assert.equal(v.length, 1);
  assert.deepEqual([v[0].kind, v[0].dir, v[0].messageType, v[0].action], ['schema', 'out', 'call', 'RemoteStartTransaction']);
  // nothing was sent to the charger
  assert.ok(!(await t.get('/api/frames')).body.frames.some((f) => f.dir === 'out'));
}));

test('a schema-invalid BootNotification from a non-strict charger is a violation and gets a CALLERROR', () => withBench({}, async (t) => {
  const c = await t.client('CP-BAD', {strict: false});
  await assert.rejects(c.call('BootNotification', {chargePointVendor: 'V'}),
    (err) => /Occur+enceConstraintViolation/.test(err.rpcErrorCode));
  const {violations, total} = (await t.get('/api/violations')).body;
  assert.equal(total, 1);
  const v = violations[0];
  assert.deepEqual([v.kind, v.dir, v.messageType, v.action, v.chargerId], ['schema', 'in', 'call', 'BootNotification', 'CP-BAD']);
  assert.match(v.message, /chargePointModel/);
  assert.ok(Array.isArray(v.details) && v.details.length > 0);
  assert.deepEqual(v.payload, {chargePointVendor: 'V'});
  // the bad boot was not taken as a boot
  assert.equal((await t.get('/api/state')).body.chargers[0].bootCount, 0);
}));

test('a schema-invalid response from the charger is a violation', () => withBench({}, async (t) => {
  const c = await t.client('CP-BAD', {strict: false});
  c.handle('Reset', () => ({status: 'Maybe'}));
  const r = await t.post('/api/chargers/CP-BAD/call', {action: 'Reset', payload: {type: 'Soft'}});
  assert.equal(r.body.ok, false);
  const v = (await t.get('/api/violations')).body.violations;
  assert.deepEqual([v[0].kind, v[0].dir, v[0].messageType, v[0].action], ['schema', 'in', 'callResult', 'Reset']);
  assert.deepEqual(v[0].payload, {status: 'Maybe'});
}));

test('malformed frames and unknown actions from the charger are violations', () => withBench({}, async (t) => {
  const c = await t.client('CP-M', {strict: false});
  c.sendRaw('this is not json');
  await assert.rejects(c.call('Reset', {type: 'Soft'}), (err) => err.rpcErrorCode === 'NotImplemented');
  const v = await waitFor(async () => {
    const list = (await t.get('/api/violations')).body.violations;
    return list.length === 2 && list;
  }, 'two violations');
  const kinds = v.map((x) => x.kind).sort();
  assert.deepEqual(kinds, ['malformed', 'unknownAction']);
  assert.equal(v.find((x) => x.kind === 'malformed').payload, 'this is not json');
}));

test('raw frame endpoint: well-formed and malformed frames, replies returned, no violations', () => withBench({}, async (t) => {
  const c = await t.client('CP-RAW');
  c.handle('Reset', ({params}) => ({status: params.type === 'Soft' ? 'Accepted' : 'Rejected'}));
  let r = await t.post('/api/chargers/CP-RAW/raw', {text: '[2,"raw-1","Reset",{"type":"Soft"}]'});
  assert.equal(r.status, 200);
  assert.equal(r.body.ok, true);
  assert.deepEqual(r.body.replyFrame, [3, 'raw-1', {status: 'Accepted'}]);
  assert.equal(typeof r.body.reply, 'string');

  // schema-invalid payload sent raw: the (strict) charger answers with a CALLERROR
  r = await t.post('/api/chargers/CP-RAW/raw', {text: '[2,"raw-2","Reset",{"type":"Sideways"}]'});
  assert.equal(r.body.replyFrame[0], 4);
  assert.equal(r.body.replyFrame[1], 'raw-2');

  // not even JSON
  r = await t.post('/api/chargers/CP-RAW/raw', {text: '[2,"raw-3","Reset",{'});
  assert.equal(r.body.replyFrame[0], 4);
  assert.equal(r.body.replyFrame[2], 'RpcFrameworkError');

  // fire and forget
  r = await t.post('/api/chargers/CP-RAW/raw', {text: '[3,"nobody-asked",{}]', timeoutMs: 0});
  assert.deepEqual([r.body.ok, r.body.reply], [true, null]);

  assert.equal((await t.post('/api/chargers/CP-RAW/raw', {text: ''})).status, 400);
  assert.equal((await t.post('/api/chargers/GONE/raw', {text: '[]'})).status, 409);
  // the charger's answers to raw frames are expected, not violations
  assert.deepEqual((await t.get('/api/violations')).body.violations, []);
  // normal calls still work afterwards
  r = await t.post('/api/chargers/CP-RAW/call', {action: 'Reset', payload: {type: 'Soft'}});
  assert.deepEqual(r.body, {ok: true, result: {status: 'Accepted'}});
}));

test('frames ring with sequence numbers, charger filter, and the JSON-lines log', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-log-'));
  const logFile = path.join(dir, 'frames.jsonl');
  try {
    await withBench({log: logFile}, async (t) => {
      const a = await t.client('CP-A');
      const b = await t.client('CP-B');
      await a.call('BootNotification', bootPayload);
      await b.call('Heartbeat', {});
      const all = (await t.get('/api/frames')).body;
      assert.equal(all.frames.length, 4);
      assert.ok(all.frames.every((f, i) => i === 0 || f.seq > all.frames[i - 1].seq));
      const onlyB = (await t.get('/api/frames?charger=CP-B')).body.frames;
      assert.deepEqual(onlyB.map((f) => f.dir), ['in', 'out']);
      assert.equal(onlyB[0].frame[2], 'Heartbeat');
      const since = (await t.get(`/api/frames?since=${all.frames[1].seq}`)).body.frames;
      assert.equal(since.length, 2);
      assert.equal((await t.get('/api/frames?since=abc')).status, 400);
    });
    const lines = fs.readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 4);
    for (const l of lines) {
      assert.ok(!Number.isNaN(Date.parse(l.ts)));
      assert.ok(['in', 'out'].includes(l.dir));
      assert.ok(Array.isArray(l.frame));
    }
    assert.deepEqual(lines.filter((l) => l.chargerId === 'CP-A').map((l) => [l.dir, l.frame[0]]), [['in', 2], ['out', 3]]);
  } finally {
    fs.rmSync(dir, {recursive: true, force: true});
  }
});

test('disconnect endpoint closes the charger connection', () => withBench({}, async (t) => {
  const c = await t.client('CP-DC');
  const closed = new Promise((resolve) => c.once('close', resolve));
  const r = await t.post('/api/chargers/CP-DC/disconnect', {code: 4000, reason: 'test'});
  assert.deepEqual(r.body, {ok: true});
  const ev = await closed;
  assert.equal(ev.code, 4000);
  const ch = await waitFor(async () => {
    const x = (await t.get('/api/state')).body.chargers[0];
    return !x.connected && x;
  }, 'charger marked disconnected');
  assert.equal(ch.disconnect.code, 4000);
  assert.equal((await t.post('/api/chargers/CP-DC/disconnect', {})).status, 409);
  assert.equal((await t.post('/api/chargers/CP-DC/disconnect', {code: 1006})).status, 400);
}));

test('config validation rejects bad input with a clear message and keeps the old config', () => withBench({}, async (t) => {
  const bad = [
    {bootStatus: 'Maybe'},
    {heartbeatInterval: -1},
    {heartbeatInterval: 1.5},
    {nosuch: 1},
    {idTags: {vip: ['A']}},
    {idTags: {blocked: ['X'.repeat(21)]}},
    {behaviour: {'*': {Reset: {drop: true}}}},
    {behaviour: {'*': {Heartbeat: {callError: 'Oops'}}}},
    {behaviour: {'*': {Heartbeat: {drop: true, callError: 'InternalError'}}}},
    {behaviour: {'*': {Heartbeat: {delayMs: 'soon'}}}},
    [1, 2],
  ];
  for (const body of bad) {
    const r = await t.post('/api/config', body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.ok(r.body.error.message.length > 5);
  }
  const cfg = (await t.get('/api/config')).body;
  assert.equal(cfg.bootStatus, 'Accepted');
  assert.deepEqual(cfg.behaviour, {});
}));

test('reset clears recorded state; config reset restores startup config', () => withBench(
  {config: {heartbeatInterval: 10}}, async (t) => {
    const c = await t.client('CP-1');
    await c.call('BootNotification', bootPayload);
    await c.call('StartTransaction', {connectorId: 1, idTag: 'T', meterStart: 0, timestamp: new Date().toISOString()});
    const bad = await t.client('CP-2', {strict: false});
    await assert.rejects(bad.call('Heartbeat', {extra: true}));
    await t.post('/api/config', {heartbeatInterval: 99});
    assert.equal((await t.post('/api/reset', {})).status, 200);
    assert.deepEqual((await t.get('/api/transactions')).body.transactions, []);
    assert.deepEqual((await t.get('/api/violations')).body, {violations: [], total: 0});
    assert.deepEqual((await t.get('/api/frames')).body.frames, []);
    const state = (await t.get('/api/state')).body;
    assert.equal(state.chargers.length, 2, 'connected chargers stay');
    assert.ok(state.chargers.every((x) => x.bootCount === 0));
    assert.equal((await t.get('/api/config')).body.heartbeatInterval, 99);
    await t.post('/api/reset', {config: true});
    assert.equal((await t.get('/api/config')).body.heartbeatInterval, 10);
    assert.equal((await t.post('/api/reset', {config: 'yes'})).status, 400);
  }));

test('a charger that reconnects replaces its previous connection', () => withBench({}, async (t) => {
  const first = await t.client('CP-RE');
  const closed = new Promise((resolve) => first.once('close', resolve));
  const second = await t.client('CP-RE');
  await closed;
  await second.call('Heartbeat', {});
  const state = (await t.get('/api/state')).body;
  assert.equal(state.chargers.length, 1);
  assert.equal(state.chargers[0].connected, true);
  assert.equal(state.counters.connections, 2);
}));
