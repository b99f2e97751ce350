'use strict';
// Helpers for the scenarios that drive the simulated hardware (hardware_session, safety_faults,
// estop_contactor): StatusNotification details as the bench received them, the energy register
// in MeterValues, and the timing of simulator events read from their "t" (ms since the
// simulator started). They build on harness.js (Env, Sim, ev) and add no state of their own.

const assert = require('node:assert/strict');
const {ev} = require('./harness');

const kEnergyRegister = 'Energy.Active.Import.Register';
// What "at once" means for an event caused by a stdin command: the control tick is 10 ms
// (apps/evc-sim), so the reaction comes in the same or the next tick; the bound leaves room for
// a loaded 2-core machine running the simulator under sanitizers.
const kImmediateBoundMs = 100;

// StatusNotification CALLs of connector n from charger id, in order: [{seq, ts, payload}].
async function statusNotifications(env, id, n) {
  return (await env.callsFrom(id, 'StatusNotification')).filter((c) => c.payload.connectorId === n);
}

// The statuses connector n reported to the bench, consecutive repeats removed.
async function statusSequence(env, id, n) {
  return (await statusNotifications(env, id, n)).map((c) => c.payload.status)
    .filter((s, i, a) => i === 0 || a[i - 1] !== s);
}

// Waits until charger id sent a StatusNotification for connector n whose payload has all of
// `fields` (e.g. {status: 'Faulted', errorCode: 'OtherError', vendorErrorCode: 'EVC-103'}),
// after bench frame `afterSeq`; resolves with that call.
async function waitStatusNotification(env, id, n, fields, {afterSeq = -1, timeoutMs} = {}) {
  const match = (c) => c.seq > afterSeq && Object.entries(fields).every(([k, v]) => c.payload[k] === v);
  return env.until(async () => (await statusNotifications(env, id, n)).find(match),
    `StatusNotification connector ${n} ${JSON.stringify(fields)} after frame ${afterSeq}`,
    {id, ...(timeoutMs ? {timeoutMs} : {})});
}

// The bench's latest frame number for charger id (-1 when none): "after now" for the waits above.
async function benchSeq(env, id) {
  const frames = await env.frames(id);
  return frames.length ? frames.at(-1).seq : -1;
}

// Every Energy.Active.Import.Register value (in Wh) the bench received in MeterValues for
// transactionId, in arrival order.
async function energyRegisterWh(env, id, transactionId) {
  const out = [];
  for (const c of await env.callsFrom(id, 'MeterValues')) {
    if (c.payload.transactionId !== transactionId) continue;
    for (const mv of c.payload.meterValue) {
      for (const sv of mv.sampledValue) {
        if ((sv.measurand ?? kEnergyRegister) !== kEnergyRegister) continue;
        const v = Number(sv.value);
        assert.ok(Number.isFinite(v), `unreadable energy value in ${JSON.stringify(c.payload)}`);
        out.push(sv.unit === 'kWh' ? v * 1000 : v);
      }
    }
  }
  return out;
}

// Starts a transaction with RemoteStartTransaction (plugging in first) and waits until energy
// flows: Charging at the simulator and at the bench, contactor closed with feedback.
// Resolves with the transaction as env.startRemoteTransaction() gives it.
async function startCharging(env, sim, idTag) {
  const tx = await env.startRemoteTransaction(sim, idTag);
  await env.waitConnector(sim.id, 1, 'Charging');
  const report = await sim.statusReport();
  assert.equal(report.contactorClosed, true, JSON.stringify(report));
  assert.equal(report.controlPhase, 'Charging', JSON.stringify(report));
  return tx;
}

// Waits for the fault event named `name` after event index `from` and checks it against the
// expected table row {code, severity, ocppErrorCode, vendorErrorCode}.
async function expectFault(sim, from, name, row) {
  const fault = await sim.waitFor(ev('fault', {name}), {from});
  for (const [k, v] of Object.entries(row)) {
    assert.equal(fault[k], v, `fault event ${JSON.stringify(fault)}: ${k}`);
  }
  return fault;
}

// Waits for the StopTransaction of transactionId at the bench and resolves with its payload.
async function waitStop(env, id, transactionId) {
  const byTx = (p) => p.transactionId === transactionId;
  byTx.what = `transactionId ${transactionId}`;
  const stops = await env.waitCalls(id, 'StopTransaction', {pred: byTx});
  assert.equal(stops.length, 1, JSON.stringify(stops));
  return stops[0];
}

// Asserts that `statuses` (connector statuses in order) contain `wanted` in this order, each
// after the previous one (other statuses may lie between).
function assertInOrder(statuses, wanted) {
  let i = 0;
  for (const w of wanted) {
    const j = statuses.indexOf(w, i);
    assert.ok(j >= 0, `status ${w} missing (in this order: ${wanted.join(', ')}) from ${statuses.join(', ')}`);
    i = j + 1;
  }
}

module.exports = {
  kImmediateBoundMs, statusNotifications, statusSequence, waitStatusNotification, benchSeq,
  energyRegisterWh, startCharging, expectFault, waitStop, assertInOrder,
};
