'use strict';
// The operator's E-stop and a welded contactor, on the real charger stack. E-stop: the input
// handler (the ISR on hardware) opens the contactor before the next control tick, the tick
// after it switches the module OFF and latches EMERGENCY_STOP; the transaction ends with reason
// EmergencyStop; the fault clears only after release plus an explicit reset. Welded contactor:
// detected when the contactor is commanded open at the end of a session; a Critical fault that
// no reset clears and that refuses new sessions.

const assert = require('node:assert/strict');
const {scenario, ev} = require('./harness');
const {
  kImmediateBoundMs, statusSequence, waitStatusNotification, benchSeq, startCharging, expectFault,
  waitStop, assertInOrder,
} = require('./hw_helpers');

const kSimConfig = ['MeterValueSampleInterval=1'];
const kSafeCurrentA = 1;  // the controller's "no load" current (ControllerConfig::safe_current_a)

scenario('E-stop while charging: contactor opened by the input handler, EMERGENCY_STOP, StopTransaction EmergencyStop, Faulted, reset only after release',
  async (env) => {
    const id = 'CP-ESTOP-1';
    const sim = await env.startBootedSim({id, config: kSimConfig});
    const tx = await startCharging(env, sim, 'ESTOP-TAG-1');
    const seq0 = await benchSeq(env, id);

    let m = sim.mark();
    sim.send('estop');
    const pressed = await sim.waitFor(ev('estop', {pressed: true}), {from: m});
    // The handler ran while the command was handled: the contactor is commanded open already.
    assert.equal(pressed.contactorCommandedClosed, false, JSON.stringify(pressed));
    const open = await sim.waitFor(ev('contactor'), {from: m});
    assert.equal(open.commandedClosed, false, JSON.stringify(open));
    assert.ok(open.t - pressed.t <= kImmediateBoundMs,
      `contactor event ${open.t - pressed.t} ms after the E-stop (bound ${kImmediateBoundMs} ms)`);
    await sim.waitFor(ev('contactor', {commandedClosed: false, feedbackClosed: false}), {from: m});
    // The controller latches the fault and switches the module OFF in the same tick.
    const fault = await expectFault(sim, m, 'EMERGENCY_STOP',
      {code: 150, severity: 'Fault', ocppErrorCode: 'OtherError', vendorErrorCode: 'EVC-150'});
    assert.ok(fault.t - pressed.t <= kImmediateBoundMs,
      `EMERGENCY_STOP (module OFF) ${fault.t - pressed.t} ms after the E-stop (bound ${kImmediateBoundMs} ms)`);
    env.note(`E-stop -> contactor commanded open: in the handler (estop event reports it, t=${pressed.t}); ` +
             `contactor event +${open.t - pressed.t} ms; module OFF tick (fault latched) +${fault.t - pressed.t} ms`);

    const stopped = await sim.waitFor(ev('transaction_stopped', {localId: tx.localId}), {from: m});
    assert.equal(stopped.reason, 'EmergencyStop');
    const stop = (await waitStop(env, id, tx.transactionId)).payload;
    assert.equal(stop.reason, 'EmergencyStop');
    const faulted = await waitStatusNotification(env, id, 1,
      {status: 'Faulted', errorCode: 'OtherError', vendorErrorCode: 'EVC-150'}, {afterSeq: seq0});
    let report = await sim.statusReport();
    assert.equal(report.estopPressed, true, JSON.stringify(report));
    assert.equal(report.contactorClosed, false, JSON.stringify(report));
    assert.ok(report.outputCurrentA < kSafeCurrentA, `module still delivers: ${JSON.stringify(report)}`);

    // Reset while the button is still pressed: refused, the fault stays.
    m = sim.mark();
    sim.send('reset-fault');
    const refused = await sim.waitFor(ev('reset_fault'), {from: m});
    assert.equal(refused.accepted, false);
    report = await sim.statusReport();
    assert.equal(report.fault, 'EMERGENCY_STOP', JSON.stringify(report));

    m = sim.mark();
    sim.send('estop-release');
    await sim.waitFor(ev('estop', {pressed: false}), {from: m});
    sim.send('reset-fault');
    const reset = await sim.waitFor(ev('reset_fault'), {from: m});
    assert.equal(reset.accepted, true);
    await sim.waitFor(ev('fault', {name: 'NONE'}), {from: m});
    const finishing = await waitStatusNotification(env, id, 1, {status: 'Finishing'}, {afterSeq: faulted.seq});
    assert.equal(finishing.payload.errorCode, 'NoError');
    report = await sim.statusReport();
    assert.equal(report.transactionActive, false, JSON.stringify(report));
    assert.equal(report.contactorClosed, false, JSON.stringify(report));

    m = sim.mark();
    sim.send('unplug');
    await sim.waitFor(ev('status', {connector: 1, status: 'Available'}), {from: m});
    await env.waitConnector(id, 1, 'Available');
    const statuses = await statusSequence(env, id, 1);
    assertInOrder(statuses, ['Charging', 'Faulted', 'Finishing', 'Available']);
    assert.equal(statuses.at(-1), 'Available');
    assert.equal((await env.callsFrom(id, 'StartTransaction')).length, 1, 'the session was restarted');
  });

scenario('welded contactor: detected at RemoteStop, CONTACTOR_WELDED (Critical), Faulted PowerSwitchFailure, no reset, RemoteStart Rejected',
  async (env) => {
    const id = 'CP-WELD-1';
    const tag = 'WELD-TAG-1';
    const sim = await env.startBootedSim({id, config: kSimConfig});
    const tx = await startCharging(env, sim, tag);
    const seq0 = await benchSeq(env, id);

    let m = sim.mark();
    sim.send('contactor-weld');
    await sim.waitFor(ev('contactor_weld'), {from: m});
    assert.deepEqual(await env.callOk(id, 'RemoteStopTransaction', {transactionId: tx.transactionId}), {status: 'Accepted'});
    const stopped = await sim.waitFor(ev('transaction_stopped', {localId: tx.localId}), {from: m});
    assert.equal(stopped.reason, 'Remote');
    const stop = (await waitStop(env, id, tx.transactionId)).payload;
    assert.equal(stop.reason, 'Remote');

    // Commanded open, feedback still closed: welded.
    const stuck = await sim.waitFor(ev('contactor', {commandedClosed: false, feedbackClosed: true}), {from: m});
    const fault = await expectFault(sim, m, 'CONTACTOR_WELDED',
      {code: 141, severity: 'Critical', ocppErrorCode: 'PowerSwitchFailure', vendorErrorCode: 'EVC-141'});
    env.note(`weld detected ${fault.t - stuck.t} ms after the open command`);
    await waitStatusNotification(env, id, 1,
      {status: 'Faulted', errorCode: 'PowerSwitchFailure', vendorErrorCode: 'EVC-141'}, {afterSeq: seq0});

    // Critical: service only.
    m = sim.mark();
    sim.send('reset-fault');
    const reset = await sim.waitFor(ev('reset_fault'), {from: m});
    assert.equal(reset.accepted, false);
    const start = await env.callOk(id, 'RemoteStartTransaction', {connectorId: 1, idTag: tag});
    assert.deepEqual(start, {status: 'Rejected'});
    const report = await sim.statusReport();
    assert.equal(report.fault, 'CONTACTOR_WELDED', JSON.stringify(report));
    assert.equal(report.connector1, 'Faulted', JSON.stringify(report));
    assert.equal(report.transactionActive, false, JSON.stringify(report));
    assert.equal(sim.matching(ev('transaction_started'), m).length, 0);
    assert.equal((await env.callsFrom(id, 'StartTransaction')).length, 1);
    assert.equal(await env.connectorStatus(id, 1), 'Faulted');
    assertInOrder(await statusSequence(env, id, 1), ['Charging', 'Faulted']);
  });
