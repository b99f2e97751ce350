'use strict';
// Clock-aligned metering (OCPP 1.6 ClockAlignedDataInterval, MeterValuesAlignedData,
// StopTxnAlignedData, StopTxnSampledData) on the real simulator against the bench CSMS.
// A clock-aligned sample belongs to a UTC instant that is a whole multiple of the interval since
// midnight UTC and carries exactly that instant as its timestamp (context Sample.Clock):
//   - idle (connector Available): MeterValues for connector 1 without a transactionId, one per
//     interval;
//   - during a transaction: MeterValues with the transactionId;
//   - StopTransaction.transactionData: Transaction.Begin first, one Sample.Clock entry per
//     aligned instant of the transaction (StopTxnAlignedData measurands), one Sample.Periodic
//     entry per sample interval, Transaction.End last; stamps in order, energy never falling,
//     Begin = meterStart at the start's stamp and End = meterStop at the stop's stamp.
// Second scenario: the interval changed at run time by ChangeConfiguration (on, then off).

const assert = require('node:assert/strict');
const {scenario, ev, delay, checkTransactionCalls} = require('./harness');

const kEnergy = 'Energy.Active.Import.Register';
const kDayMs = 86400000;
const kMsPerSecond = 1000;
const kAlignedS = 2;           // ClockAlignedDataInterval of the first scenario
const kSampleS = 3;            // MeterValueSampleInterval of the first scenario
const kAlignedMeasurands = [kEnergy, 'Voltage'];     // MeterValuesAlignedData
const kStopAlignedMeasurands = [kEnergy];            // StopTxnAlignedData
const kStopSampledMeasurands = [kEnergy];            // StopTxnSampledData (its default)
const kIdleSamples = 2;        // idle aligned MeterValues awaited before the session
const kIdleSamplesAfter = 1;   // and after it
const kTxAlignedSamples = 3;   // aligned MeterValues awaited during the transaction
const kTxPeriodicSamples = 2;  // periodic MeterValues awaited during the transaction
const kMaxLoggedEntries = 10;  // transactionData bound: logged entries + Transaction.End
const kConfig = [
  `ClockAlignedDataInterval=${kAlignedS}`,
  `MeterValuesAlignedData=${kAlignedMeasurands.join(',')}`,
  `StopTxnAlignedData=${kStopAlignedMeasurands.join(',')}`,
  `MeterValueSampleInterval=${kSampleS}`,
];
const kRuntimeAlignedS = 3;  // set by ChangeConfiguration in the second scenario

// ---- reading meter values ----------------------------------------------------------------------

const contextOf = (sv) => sv.context ?? 'Sample.Periodic';  // OCPP 1.6 defaults
const measurandOf = (sv) => sv.measurand ?? kEnergy;

// The one reading context of a meterValue entry (all its sampledValues share it).
function entryContext(entry, what) {
  assert.ok(Array.isArray(entry.sampledValue) && entry.sampledValue.length >= 1, `${what}: no sampledValue`);
  const contexts = [...new Set(entry.sampledValue.map(contextOf))];
  assert.equal(contexts.length, 1, `${what}: mixed contexts ${JSON.stringify(entry)}`);
  return contexts[0];
}

// The energy register of a meterValue entry in Wh; asserts it is there and readable.
function entryEnergyWh(entry, what) {
  const svs = entry.sampledValue.filter((sv) => measurandOf(sv) === kEnergy);
  assert.equal(svs.length, 1, `${what}: ${svs.length} energy register values in ${JSON.stringify(entry)}`);
  const v = Number(svs[0].value);
  assert.ok(Number.isFinite(v), `${what}: unreadable energy value in ${JSON.stringify(entry)}`);
  return svs[0].unit === 'kWh' ? v * 1000 : v;
}

// Asserts that a clock-aligned stamp lies exactly on a multiple of intervalS since midnight UTC
// (whole milliseconds .000); returns it in ms.
function alignedStampMs(text, intervalS, what) {
  assert.match(text, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/, `${what}: clock-aligned stamp ${text} not on a whole second`);
  const ms = Date.parse(text);
  assert.equal((ms % kDayMs) % (intervalS * kMsPerSecond), 0,
    `${what}: clock-aligned stamp ${text} is not a multiple of ${intervalS} s since midnight UTC`);
  return ms;
}

// Checks a Sample.Clock entry: context, aligned stamp, measurands among `allowed` (the energy
// register always there); returns {ms, wh, measurands}.
function checkClockEntry(entry, intervalS, allowed, what) {
  assert.equal(entryContext(entry, what), 'Sample.Clock', `${what}: ${JSON.stringify(entry)}`);
  const ms = alignedStampMs(entry.timestamp, intervalS, what);
  const measurands = entry.sampledValue.map(measurandOf);
  for (const m of measurands) {
    assert.ok(allowed.includes(m), `${what}: measurand ${m} not configured (${allowed.join(',')}): ${JSON.stringify(entry)}`);
  }
  assert.equal(new Set(measurands).size, measurands.length, `${what}: a measurand twice: ${JSON.stringify(entry)}`);
  return {ms, wh: entryEnergyWh(entry, what), measurands};
}

// Asserts that stamps (ms, in order) follow each other by exactly one interval: no aligned
// instant missed, none taken twice.
function assertConsecutive(stamps, intervalS, what) {
  for (let i = 1; i < stamps.length; ++i) {
    assert.equal(stamps[i] - stamps[i - 1], intervalS * kMsPerSecond,
      `${what}: ${new Date(stamps[i - 1]).toISOString()} then ${new Date(stamps[i]).toISOString()} ` +
      `(all: ${stamps.map((s) => new Date(s).toISOString()).join(', ')})`);
  }
}

// Idle clock-aligned MeterValues: connector 1, no transactionId, only Sample.Clock entries;
// returns their entries' {ms, wh, measurands} in arrival order.
function checkIdleMeterValues(calls, intervalS, allowed) {
  const out = [];
  for (const c of calls) {
    const what = `idle MeterValues ${JSON.stringify(c.payload)}`;
    assert.equal(c.payload.connectorId, 1, what);
    assert.equal('transactionId' in c.payload, false, what);
    assert.ok(c.payload.meterValue.length >= 1, what);
    for (const entry of c.payload.meterValue) out.push(checkClockEntry(entry, intervalS, allowed, what));
  }
  return out;
}

const noTransaction = (p) => p.transactionId === undefined;
noTransaction.what = 'without transactionId';

// ---- scenarios ---------------------------------------------------------------------------------

scenario('clock-aligned data: idle MeterValues on the boundary, aligned MeterValues and StopTransaction.transactionData in a session',
  async (env) => {
    const id = 'CP-ALIGNED-1';
    const idTag = 'ALIGNED-TAG-1';
    const sim = await env.startBootedSim({id, config: kConfig});
    await env.waitConnector(id, 1, 'Available');

    // Idle: clock-aligned MeterValues without a transaction, one per interval.
    const idleBefore = await env.waitCalls(id, 'MeterValues', {count: kIdleSamples, pred: noTransaction});
    const idleEntries = checkIdleMeterValues(idleBefore, kAlignedS, kAlignedMeasurands);
    assertConsecutive(idleEntries.map((e) => e.ms), kAlignedS, 'idle clock-aligned stamps');
    for (const e of idleEntries) {
      assert.ok(e.measurands.includes(kEnergy));
    }
    assert.equal((await env.callsFrom(id, 'MeterValues')).filter((c) => !noTransaction(c.payload)).length, 0,
      'MeterValues with a transactionId before any transaction');

    // A session: plug, RemoteStart, charge until aligned and periodic samples were sent, RemoteStop.
    const tx = await env.startRemoteTransaction(sim, idTag);
    const {transactionId} = tx;
    const inTx = (context) => {
      const p = (payload) => payload.transactionId === transactionId &&
        payload.meterValue.some((entry) => entry.sampledValue.some((sv) => contextOf(sv) === context));
      p.what = `transactionId ${transactionId}, ${context}`;
      return p;
    };
    await env.waitCalls(id, 'MeterValues', {count: kTxAlignedSamples, pred: inTx('Sample.Clock')});
    await env.waitCalls(id, 'MeterValues', {count: kTxPeriodicSamples, pred: inTx('Sample.Periodic')});

    let m = sim.mark();
    assert.deepEqual(await env.callOk(id, 'RemoteStopTransaction', {transactionId}), {status: 'Accepted'});
    const stopped = await sim.waitFor(ev('transaction_stopped', {localId: tx.localId}), {from: m});
    assert.equal(stopped.reason, 'Remote');
    await sim.waitFor(ev('status', {connector: 1, status: 'Finishing'}), {from: m});
    const byTx = (p) => p.transactionId === transactionId;
    byTx.what = `transactionId ${transactionId}`;
    await env.waitCalls(id, 'StopTransaction', {pred: byTx});
    await env.waitConnector(id, 1, 'Finishing');

    m = sim.mark();
    sim.send('unplug');
    await sim.waitFor(ev('status', {connector: 1, status: 'Available'}), {from: m});
    await env.waitConnector(id, 1, 'Available');
    // Idle again: clock-aligned MeterValues without a transactionId come back.
    const availableSeq = (await env.frames(id)).at(-1).seq;
    const idleAfter = await env.until(async () => {
      const found = (await env.callsFrom(id, 'MeterValues')).filter((c) => c.seq > availableSeq && noTransaction(c.payload));
      return found.length >= kIdleSamplesAfter ? found : null;
    }, `${kIdleSamplesAfter} idle MeterValues after Available`, {id});

    // The transaction's messages: one Start, its MeterValues, one Stop, stamps in order.
    const calls = await env.callsFrom(id);
    const {start, meterValues, stop} = checkTransactionCalls(calls, {transactionId, idTag});
    const startMs = Date.parse(start.payload.timestamp);
    const stopMs = Date.parse(stop.payload.timestamp);
    assert.equal(start.payload.meterStart, tx.meterStartWh);
    assert.equal(stop.payload.reason, 'Remote');
    assert.equal(stop.payload.meterStop, stopped.meterStopWh);

    // MeterValues during the transaction: Sample.Clock entries on the boundaries (with the
    // transactionId), Sample.Periodic entries; nothing else.
    const txClock = [];
    const txPeriodic = [];
    for (const mv of meterValues) {
      const what = `MeterValues ${JSON.stringify(mv.payload)}`;
      assert.equal(mv.payload.connectorId, 1, what);
      for (const entry of mv.payload.meterValue) {
        const context = entryContext(entry, what);
        if (context === 'Sample.Clock') {
          txClock.push(checkClockEntry(entry, kAlignedS, kAlignedMeasurands, what));
        } else {
          assert.equal(context, 'Sample.Periodic', what);
          txPeriodic.push({ms: Date.parse(entry.timestamp), wh: entryEnergyWh(entry, what)});
        }
      }
    }
    assert.ok(txClock.length >= kTxAlignedSamples, `${txClock.length} aligned samples in the transaction`);
    assert.ok(txPeriodic.length >= kTxPeriodicSamples, `${txPeriodic.length} periodic samples in the transaction`);
    const txClockMs = txClock.map((e) => e.ms);
    assertConsecutive(txClockMs, kAlignedS, 'clock-aligned stamps in the transaction');
    assert.ok(txClockMs[0] >= startMs && txClockMs.at(-1) <= stopMs,
      `aligned samples outside the transaction ${start.payload.timestamp}..${stop.payload.timestamp}: ` +
      txClockMs.map((s) => new Date(s).toISOString()).join(', '));

    // Idle MeterValues (before and after): none stamped inside the transaction.
    const idleAll = (await env.callsFrom(id, 'MeterValues')).filter((c) => noTransaction(c.payload));
    const idleAllEntries = checkIdleMeterValues(idleAll, kAlignedS, kAlignedMeasurands);
    for (const e of idleAllEntries) {
      assert.ok(!(e.ms > startMs && e.ms < stopMs),
        `idle MeterValues stamped ${new Date(e.ms).toISOString()} inside the transaction ` +
        `${start.payload.timestamp}..${stop.payload.timestamp}`);
    }
    const idleAfterEntries = checkIdleMeterValues(idleAfter, kAlignedS, kAlignedMeasurands);
    assert.ok(idleAfterEntries.every((e) => e.ms >= stopMs), 'idle MeterValues after the session stamped before its stop');

    // StopTransaction.transactionData: Begin, the logged samples in order, End.
    const td = stop.payload.transactionData;
    const showTd = () => JSON.stringify(td, null, 1);
    assert.ok(Array.isArray(td) && td.length >= 2, `transactionData: ${JSON.stringify(td)}`);
    assert.ok(td.length <= kMaxLoggedEntries + 1, `transactionData over its bound: ${td.length} entries`);
    const contexts = td.map((entry, i) => entryContext(entry, `transactionData[${i}]`));
    assert.equal(contexts[0], 'Transaction.Begin', showTd());
    assert.equal(contexts.at(-1), 'Transaction.End', showTd());
    for (const c of contexts.slice(1, -1)) {
      assert.ok(['Sample.Clock', 'Sample.Periodic'].includes(c), `context ${c} between Begin and End:\n${showTd()}`);
    }
    const tdMs = td.map((entry) => Date.parse(entry.timestamp));
    const tdWh = td.map((entry, i) => entryEnergyWh(entry, `transactionData[${i}]`));
    for (let i = 1; i < td.length; ++i) {
      assert.ok(tdMs[i] >= tdMs[i - 1], `transactionData stamps not in order at #${i}:\n${showTd()}`);
      assert.ok(tdWh[i] >= tdWh[i - 1], `transactionData energy falls at #${i}:\n${showTd()}`);
    }
    assert.ok(tdMs[0] >= startMs && tdMs.at(-1) <= stopMs,
      `transactionData outside ${start.payload.timestamp}..${stop.payload.timestamp}:\n${showTd()}`);
    assert.equal(td[0].timestamp, start.payload.timestamp, `Transaction.Begin not stamped with the start:\n${showTd()}`);
    assert.equal(td.at(-1).timestamp, stop.payload.timestamp, `Transaction.End not stamped with the stop:\n${showTd()}`);
    assert.equal(tdWh[0], start.payload.meterStart, `Transaction.Begin energy != meterStart:\n${showTd()}`);
    assert.equal(tdWh.at(-1), stop.payload.meterStop, `Transaction.End energy != meterStop:\n${showTd()}`);
    for (const i of [0, td.length - 1]) {
      assert.deepEqual(td[i].sampledValue.map(measurandOf), kStopSampledMeasurands, `StopTxnSampledData:\n${showTd()}`);
    }

    // One Sample.Clock entry per aligned instant of the transaction: the instants of the aligned
    // MeterValues, with the StopTxnAlignedData measurands and the same energy.
    const tdClock = td.filter((entry, i) => contexts[i] === 'Sample.Clock')
      .map((entry, i) => checkClockEntry(entry, kAlignedS, kStopAlignedMeasurands, `transactionData Sample.Clock #${i}`));
    for (const e of tdClock) {
      assert.deepEqual(e.measurands, kStopAlignedMeasurands, `StopTxnAlignedData:\n${showTd()}`);
    }
    assert.deepEqual(tdClock.map((e) => new Date(e.ms).toISOString()), txClockMs.map((s) => new Date(s).toISOString()),
      `transactionData Sample.Clock entries vs the aligned MeterValues of the transaction:\n${showTd()}`);
    tdClock.forEach((e, i) => assert.equal(e.wh, txClock[i].wh,
      `aligned energy at ${new Date(e.ms).toISOString()}: ${e.wh} Wh in transactionData, ${txClock[i].wh} Wh in MeterValues`));

    // One Sample.Periodic entry per sample interval: the periodic MeterValues' stamps.
    const tdPeriodic = td.filter((entry, i) => contexts[i] === 'Sample.Periodic');
    for (const entry of tdPeriodic) {
      assert.deepEqual(entry.sampledValue.map(measurandOf), kStopSampledMeasurands, `StopTxnSampledData:\n${showTd()}`);
    }
    assert.deepEqual(tdPeriodic.map((entry) => new Date(Date.parse(entry.timestamp)).toISOString()),
      txPeriodic.map((e) => new Date(e.ms).toISOString()),
      `transactionData Sample.Periodic entries vs the periodic MeterValues of the transaction:\n${showTd()}`);

    const txs = await env.transactions(id);
    assert.equal(txs.length, 1, JSON.stringify(txs));
    assert.equal(txs[0].status, 'ended');
    assert.equal(txs[0].meterStart, start.payload.meterStart);
    assert.equal(txs[0].meterStop, stop.payload.meterStop);
    env.note(`idle aligned MeterValues: ${idleAll.length}; in the transaction: ${txClock.length} Sample.Clock, ` +
             `${txPeriodic.length} Sample.Periodic; transactionData: ${contexts.join(' ')}`);
  });

scenario('ClockAlignedDataInterval changed at run time: aligned idle MeterValues start on the new boundaries and stop at 0',
  async (env) => {
    const id = 'CP-ALIGNED-2';
    const sim = await env.startBootedSim({id});
    await env.waitConnector(id, 1, 'Available');
    const {configurationKey} = await env.callOk(id, 'GetConfiguration', {key: ['ClockAlignedDataInterval']});
    assert.deepEqual(configurationKey, [{key: 'ClockAlignedDataInterval', readonly: false, value: '0'}]);
    assert.equal((await env.callsFrom(id, 'MeterValues')).length, 0, 'MeterValues with ClockAlignedDataInterval=0');

    assert.deepEqual(await env.callOk(id, 'ChangeConfiguration', {key: 'ClockAlignedDataInterval', value: String(kRuntimeAlignedS)}),
      {status: 'Accepted'});
    const idle = await env.waitCalls(id, 'MeterValues', {count: kIdleSamples, pred: noTransaction});
    // MeterValuesAlignedData left at its default: the energy register only.
    const entries = checkIdleMeterValues(idle, kRuntimeAlignedS, [kEnergy]);
    assertConsecutive(entries.map((e) => e.ms), kRuntimeAlignedS, 'idle clock-aligned stamps');

    // Off again: at most the instant that was due while the change was on its way, then nothing.
    const lastBeforeOff = checkIdleMeterValues(await env.callsFrom(id, 'MeterValues'), kRuntimeAlignedS, [kEnergy]).at(-1);
    assert.deepEqual(await env.callOk(id, 'ChangeConfiguration', {key: 'ClockAlignedDataInterval', value: '0'}),
      {status: 'Accepted'});
    await delay(2 * kRuntimeAlignedS * kMsPerSecond);  // absence cannot be awaited: two intervals
    const after = checkIdleMeterValues(await env.callsFrom(id, 'MeterValues'), kRuntimeAlignedS, [kEnergy]);
    for (const e of after) {
      assert.ok(e.ms <= lastBeforeOff.ms + kRuntimeAlignedS * kMsPerSecond,
        `aligned MeterValues stamped ${new Date(e.ms).toISOString()} after ClockAlignedDataInterval=0 ` +
        `(last before: ${new Date(lastBeforeOff.ms).toISOString()})`);
    }
    assert.ok(sim.running);
    env.note(`runtime interval ${kRuntimeAlignedS} s: ${after.length} idle aligned MeterValues in all`);
  });
