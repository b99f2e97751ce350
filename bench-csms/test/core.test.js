'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const {withBench, waitFor, bootPayload} = require('./helpers');

const now = () => new Date().toISOString();

test('BootNotification Accepted with the configured heartbeat interval', () => withBench(
  {config: {heartbeatInterval: 42}}, async (t) => {
    const c = await t.client('CP-1');
    const res = await c.call('BootNotification', {...bootPayload, firmwareVersion: '1.2.3'});
    assert.equal(res.status, 'Accepted');
    assert.equal(res.interval, 42);
    assert.ok(!Number.isNaN(Date.parse(res.currentTime)));
    const hb = await c.call('Heartbeat', {});
    assert.ok(!Number.isNaN(Date.parse(hb.currentTime)));
    const ch = (await t.get('/api/state')).body.chargers[0];
    assert.equal(ch.id, 'CP-1');
    assert.equal(ch.connected, true);
    assert.equal(ch.boot.status, 'Accepted');
    assert.equal(ch.boot.params.firmwareVersion, '1.2.3');
    assert.equal(ch.bootCount, 1);
    assert.ok(ch.lastHeartbeat);
    assert.deepEqual((await t.get('/api/violations')).body.violations, []);
  }));

test('default heartbeat interval is 60 s', () => withBench({}, async (t) => {
  const c = await t.client('CP-1');
  assert.equal((await c.call('BootNotification', bootPayload)).interval, 60);
}));

test('BootNotification Pending, then Accepted after bootAcceptAfter boots', () => withBench(
  {config: {bootStatus: 'Pending', bootAcceptAfter: 2, bootRetryInterval: 3}}, async (t) => {
    const c = await t.client('CP-P');
    const first = await c.call('BootNotification', bootPayload);
    assert.deepEqual([first.status, first.interval], ['Pending', 3]);
    assert.equal((await c.call('BootNotification', bootPayload)).status, 'Pending');
    const third = await c.call('BootNotification', bootPayload);
    assert.deepEqual([third.status, third.interval], ['Accepted', 60]);
    // boots are counted per charger
    const other = await t.client('CP-Q');
    assert.equal((await other.call('BootNotification', bootPayload)).status, 'Pending');
  }));

test('BootNotification Rejected, and a message after a rejection is a sequence violation', () => withBench(
  {config: {bootStatus: 'Rejected'}}, async (t) => {
    const c = await t.client('CP-R');
    assert.equal((await c.call('BootNotification', bootPayload)).status, 'Rejected');
    await c.call('Heartbeat', {});
    const v = (await t.get('/api/violations')).body.violations;
    assert.equal(v.length, 1);
    assert.equal(v[0].kind, 'sequence');
    assert.equal(v[0].action, 'Heartbeat');
    // switching the boot status through the API takes effect on the next boot
    await t.post('/api/config', {bootStatus: 'Accepted'});
    assert.equal((await c.call('BootNotification', bootPayload)).status, 'Accepted');
  }));

test('Authorize follows the configured idTag lists', () => withBench(
  {config: {idTags: {blocked: ['BLK']}}}, async (t) => {
    const r = await t.post('/api/config', {idTags: {invalid: ['INV'], expired: ['EXP'], concurrentTx: ['CTX']}});
    assert.equal(r.status, 200);
    const c = await t.client('CP-A');
    const status = async (idTag) => (await c.call('Authorize', {idTag})).idTagInfo.status;
    assert.equal(await status('BLK'), 'Blocked');
    assert.equal(await status('INV'), 'Invalid');
    assert.equal(await status('EXP'), 'Expired');
    assert.equal(await status('CTX'), 'ConcurrentTx');
    assert.equal(await status('ANYONE'), 'Accepted');
    // replacing a list removes the old entries
    await t.post('/api/config', {idTags: {blocked: []}});
    assert.equal(await status('BLK'), 'Accepted');
  }));

test('a transaction is recorded from start, meter values and stop', () => withBench({}, async (t) => {
  const c = await t.client('CP-T');
  await c.call('BootNotification', bootPayload);
  await c.call('StatusNotification', {connectorId: 1, errorCode: 'NoError', status: 'Preparing'});
  const start = await c.call('StartTransaction', {connectorId: 1, idTag: 'TAG1', meterStart: 1000, timestamp: now()});
  assert.equal(start.idTagInfo.status, 'Accepted');
  assert.ok(Number.isInteger(start.transactionId));
  await c.call('StatusNotification', {connectorId: 1, errorCode: 'NoError', status: 'Charging'});
  await c.call('MeterValues', {connectorId: 1, transactionId: start.transactionId, meterValue: [{
    timestamp: now(),
    sampledValue: [
      {value: '1.5', measurand: 'Energy.Active.Import.Register', unit: 'kWh'},
      {value: '2000', measurand: 'Power.Active.Import', unit: 'W'},
      {value: '30.5', measurand: 'Current.Import', unit: 'A'},
      {value: '65.5', measurand: 'Voltage', unit: 'V'},
      {value: '55', measurand: 'SoC', unit: 'Percent'},
    ],
  }]});

  let state = (await t.get('/api/state')).body;
  const conn = state.chargers[0].connectors.find((x) => x.connectorId === 1);
  assert.equal(conn.status, 'Charging');
  assert.equal(conn.errorCode, 'NoError');
  assert.deepEqual(
    [conn.meter.energyWh, conn.meter.powerW, conn.meter.currentA, conn.meter.voltageV, conn.meter.soc],
    [1500, 2000, 30.5, 65.5, 55]);
  assert.equal(conn.meter.transactionId, start.transactionId);
  assert.equal(state.counters.transactionsActive, 1);

  let tx = (await t.get('/api/transactions')).body.transactions[0];
  assert.equal(tx.status, 'active');
  assert.equal(tx.meterValues.length, 1);

  const stop = await c.call('StopTransaction', {transactionId: start.transactionId, meterStop: 1600, timestamp: now(),
    reason: 'EVDisconnected', idTag: 'TAG1'});
  assert.equal(stop.idTagInfo.status, 'Accepted');
  tx = (await t.get('/api/transactions')).body.transactions[0];
  assert.equal(tx.transactionId, start.transactionId);
  assert.equal(tx.chargerId, 'CP-T');
  assert.equal(tx.connectorId, 1);
  assert.equal(tx.idTag, 'TAG1');
  assert.equal(tx.meterStart, 1000);
  assert.equal(tx.meterStop, 1600);
  assert.equal(tx.reason, 'EVDisconnected');
  assert.equal(tx.status, 'ended');
  assert.ok(tx.startTimestamp && tx.stopTimestamp);

  // ids increase
  const next = await c.call('StartTransaction', {connectorId: 1, idTag: 'TAG2', meterStart: 1600, timestamp: now()});
  assert.equal(next.transactionId, start.transactionId + 1);
  state = (await t.get('/api/state')).body;
  assert.equal(state.counters.transactionsEnded, 1);
  assert.deepEqual((await t.get('/api/violations')).body.violations, []);
}));

test('a retried StartTransaction gets the same id; a stop of an unknown id is recorded', () => withBench({}, async (t) => {
  const c = await t.client('CP-D');
  const req = {connectorId: 1, idTag: 'TAG', meterStart: 5, timestamp: now()};
  const a = await c.call('StartTransaction', req);
  const b = await c.call('StartTransaction', req);
  assert.equal(a.transactionId, b.transactionId);
  const txs = (await t.get('/api/transactions')).body.transactions;
  assert.equal(txs.length, 1);
  assert.equal(txs[0].duplicateStarts, 1);

  const res = await c.call('StopTransaction', {transactionId: 7, meterStop: 9, timestamp: now()});
  assert.deepEqual(res, {});
  const unknown = (await t.get('/api/transactions')).body.transactions.find((x) => x.transactionId === 7);
  assert.equal(unknown.unknownAtStop, true);
  assert.equal(unknown.status, 'ended');
  assert.equal(unknown.reason, 'Local');
}));

test('a second StartTransaction on a busy connector is a sequence violation', () => withBench({}, async (t) => {
  const c = await t.client('CP-S');
  await c.call('StartTransaction', {connectorId: 1, idTag: 'A', meterStart: 0, timestamp: now()});
  await c.call('StartTransaction', {connectorId: 1, idTag: 'B', meterStart: 10, timestamp: now()});
  const v = (await t.get('/api/violations')).body.violations;
  assert.equal(v.length, 1);
  assert.equal(v[0].kind, 'sequence');
  assert.equal(v[0].action, 'StartTransaction');
}));

test('StartTransaction with a blocked tag still gets an id, with status Blocked', () => withBench(
  {config: {idTags: {blocked: ['BAD']}}}, async (t) => {
    const c = await t.client('CP-B');
    const res = await c.call('StartTransaction', {connectorId: 1, idTag: 'BAD', meterStart: 0, timestamp: now()});
    assert.equal(res.idTagInfo.status, 'Blocked');
    assert.ok(Number.isInteger(res.transactionId));
    assert.equal((await t.get('/api/transactions')).body.transactions[0].idTagStatus, 'Blocked');
  }));

test('DataTransfer: UnknownVendorId unless the vendor is configured', () => withBench({}, async (t) => {
  const c = await t.client('CP-DT');
  assert.equal((await c.call('DataTransfer', {vendorId: 'acme', data: 'x'})).status, 'UnknownVendorId');
  await t.post('/api/config', {dataTransferVendorIds: ['acme']});
  assert.equal((await c.call('DataTransfer', {vendorId: 'acme', data: 'x'})).status, 'Accepted');
}));

test('firmware/diagnostics status and security events are answered and kept', () => withBench({}, async (t) => {
  const c = await t.client('CP-F');
  assert.deepEqual(await c.call('FirmwareStatusNotification', {status: 'Installed'}), {});
  assert.deepEqual(await c.call('DiagnosticsStatusNotification', {status: 'Idle'}), {});
  assert.deepEqual(await c.call('SecurityEventNotification', {type: 'StartupOfTheDevice', timestamp: now()}), {});
  const ch = (await t.get('/api/state')).body.chargers[0];
  assert.equal(ch.firmwareStatus.status, 'Installed');
  assert.equal(ch.diagnosticsStatus.status, 'Idle');
  assert.equal(ch.events[0].type, 'SecurityEventNotification');
}));

test('behaviour: CALLERROR answer, per charger or global', () => withBench({}, async (t) => {
  const r = await t.post('/api/config', {behaviour: {
    'CP-E': {Heartbeat: {callError: 'InternalError'}},
    '*': {Authorize: {callError: {code: 'NotSupported', description: 'nope'}}},
  }});
  assert.equal(r.status, 200);
  const e = await t.client('CP-E');
  const other = await t.client('CP-O');
  await assert.rejects(e.call('Heartbeat', {}), (err) => err.rpcErrorCode === 'InternalError');
  assert.ok((await other.call('Heartbeat', {})).currentTime);
  await assert.rejects(other.call('Authorize', {idTag: 'X'}),
    (err) => err.rpcErrorCode === 'NotSupported' && err.message === 'nope');
  // removing the rule restores normal answers
  await t.post('/api/config', {behaviour: {'CP-E': {Heartbeat: null}}});
  assert.ok((await e.call('Heartbeat', {})).currentTime);
  assert.equal((await t.get('/api/state')).body.counters.callErrorsSent, 2);
}));

test('behaviour: drop never answers, delay answers later', () => withBench({}, async (t) => {
  await t.post('/api/config', {behaviour: {'*': {Heartbeat: {drop: true}, StatusNotification: {delayMs: 1500}}}});
  const c = await t.client('CP-X');
  await assert.rejects(c.call('Heartbeat', {}, {callTimeoutMs: 300}), (err) => err.message === 'Call timeout');
  const delayedShort = c.call('StatusNotification', {connectorId: 0, errorCode: 'NoError', status: 'Available'}, {callTimeoutMs: 200});
  await assert.rejects(delayedShort, (err) => err.message === 'Call timeout');
  const delayed = await c.call('StatusNotification', {connectorId: 0, errorCode: 'NoError', status: 'Available'}, {callTimeoutMs: 10000});
  assert.deepEqual(delayed, {});
  const frames = (await t.get('/api/frames?charger=CP-X')).body.frames;
  const hbCall = frames.find((f) => f.dir === 'in' && f.frame[2] === 'Heartbeat');
  assert.ok(hbCall);
  assert.ok(!frames.some((f) => f.dir === 'out' && f.frame[1] === hbCall.frame[1]), 'dropped call must get no reply');
  await waitFor(async () => (await t.get('/api/state')).body.counters.droppedCalls === 1, 'drop counter');
}));
