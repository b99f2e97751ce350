'use strict';
// Sessions driven by the simulated hardware (GB/T vehicle, InfyPower module, contactor) through
// the real charger stack: the vehicle ends a session by itself when its battery is full; a
// remote start/stop; a power cut (SIGKILL) while charging.

const assert = require('node:assert/strict');
const {scenario, ev, checkTransactionCalls} = require('./harness');
const {statusSequence, energyRegisterWh, startCharging, waitStop} = require('./hw_helpers');

// The battery model (sim/include/evc/sim/sim_gbt_bms.hpp: 2 kWh, OCV 54..67.2 V, 0.1 ohm, BST
// when the constant-voltage current falls to 1.5 A) starts at 97 %: constant voltage, ~4 A,
// ~0.1 % per 30 s of real time, so reaching the cut-off from there would take ~13 minutes.
// Once the session has metered energy, the SoC is moved to 98.85 %, where the CV current is
// ~1.52 A, just above the cut-off: the current tapers for some seconds and the vehicle stops
// the session itself (BST "SoC target reached").
const kInitialSocPercent = 97;
const kNearFullSocPercent = 98.85;
const kEnergyBeforeFullWh = 1;     // metered before the SoC is moved (meterStop > meterStart)
const kVehicleStopWaitMs = 60000;  // bound of the taper (measured: ~10 s)

scenario('battery full: plug, swipe, Charging, taper, vehicle ends the session (Local), Finishing, unplug, Available',
  async (env) => {
    const id = 'CP-HWFULL-1';
    const tag = 'HW-FULL-TAG-1';
    const sim = await env.startBootedSim({
      id, config: ['MeterValueSampleInterval=1'], extraArgs: ['--soc', String(kInitialSocPercent)],
    });
    await env.waitConnector(id, 1, 'Available');

    let m = sim.mark();
    sim.send('plug');
    await sim.waitFor(ev('status', {connector: 1, status: 'Preparing'}), {from: m});
    await env.waitConnector(id, 1, 'Preparing');

    m = sim.mark();
    sim.send(`swipe ${tag}`);
    const auth = await sim.waitFor(ev('authorize', {idTag: tag}), {from: m});
    assert.equal(auth.status, 'Accepted');
    const started = await sim.waitFor(ev('transaction_started', {idTag: tag}), {from: m});
    const {transactionId} = await sim.waitFor(ev('transaction_id', {localId: started.localId}), {from: m});
    const charging = await sim.waitFor(ev('status', {connector: 1, status: 'Charging'}), {from: m});
    await env.waitConnector(id, 1, 'Charging');
    // Energy flows through the real stack: GB/T charging phase, contactor closed.
    assert.ok(sim.matching(ev('control_phase', {phase: 'Charging'}), m).length >= 1);
    assert.ok(sim.matching(ev('contactor', {commandedClosed: true, feedbackClosed: true}), m).length >= 1);
    env.note(`swipe -> Charging: ${charging.t - sim.events[m].t} ms`);

    const [authCall] = await env.waitCalls(id, 'Authorize');
    assert.deepEqual(authCall.payload, {idTag: tag});
    const [startCall] = await env.waitCalls(id, 'StartTransaction');
    assert.equal(startCall.payload.idTag, tag);
    assert.equal(startCall.payload.meterStart, started.meterStartWh);
    assert.ok(authCall.seq < startCall.seq);
    // No SuspendedEV while the vehicle negotiates: Available, Preparing, Charging.
    assert.deepEqual(await statusSequence(env, id, 1), ['Available', 'Preparing', 'Charging']);

    const enough = (e) => e.event === 'meter' && e.energyWh >= started.meterStartWh + kEnergyBeforeFullWh;
    enough.what = `a meter sample >= ${started.meterStartWh + kEnergyBeforeFullWh} Wh`;
    const before = await sim.waitFor(enough, {from: m});

    m = sim.mark();
    sim.send(`soc ${kNearFullSocPercent}`);
    await sim.waitFor(ev('soc'), {from: m});
    // The vehicle ends it (BST): the GB/T session goes to its ending phase, nothing faulted.
    const ending = (e) => e.event === 'control_phase' && ['Ending', 'Ended'].includes(e.gbt);
    ending.what = 'control_phase with the GB/T session Ending or Ended';
    await sim.waitFor(ending, {from: m, timeoutMs: kVehicleStopWaitMs});
    const stopped = await sim.waitFor(ev('transaction_stopped', {localId: started.localId}), {from: m});
    assert.equal(stopped.reason, 'Local');
    const faults = sim.matching(ev('fault')).filter((f) => !['NONE', 'VEHICLE_STOP'].includes(f.name));
    assert.deepEqual(faults, []);
    // The current tapered: the last sample before the stop drew less power than at 97 %.
    const samples = sim.matching(ev('meter'), m).filter((e) => e.t <= stopped.t);
    assert.ok(samples.length >= 1, 'no meter sample during the taper');
    assert.ok(samples.at(-1).powerW < before.powerW,
      `no taper: ${before.powerW} W at ${before.soc} %, ${samples.at(-1).powerW} W at ${samples.at(-1).soc} %`);
    env.note(`taper: ${before.powerW} W at ${before.soc} % -> ${samples.at(-1).powerW} W at ${samples.at(-1).soc} %; ` +
             `vehicle stop ${stopped.t - sim.events[m].t} ms after 'soc ${kNearFullSocPercent}'`);

    await sim.waitFor(ev('status', {connector: 1, status: 'Finishing'}), {from: m});
    const stop = (await waitStop(env, id, transactionId)).payload;
    assert.equal(stop.reason, 'Local');
    assert.ok(stop.meterStop > startCall.payload.meterStart,
      `meterStop ${stop.meterStop} <= meterStart ${startCall.payload.meterStart}`);
    assert.equal(stop.meterStop, stopped.meterStopWh);
    await env.waitConnector(id, 1, 'Finishing');
    // The controller winds down (module OFF, current decays) and opens the contactor.
    await sim.waitFor(ev('contactor', {commandedClosed: false, feedbackClosed: false}), {from: m});
    const report = await sim.statusReport();
    assert.equal(report.contactorClosed, false, JSON.stringify(report));
    assert.equal(report.transactionActive, false, JSON.stringify(report));

    m = sim.mark();
    sim.send('unplug');
    await sim.waitFor(ev('status', {connector: 1, status: 'Available'}), {from: m});
    await env.waitConnector(id, 1, 'Available');

    assert.deepEqual(await statusSequence(env, id, 1), ['Available', 'Preparing', 'Charging', 'Finishing', 'Available']);
    checkTransactionCalls(await env.callsFrom(id), {transactionId, idTag: tag});
    const txs = await env.transactions(id);
    assert.equal(txs.length, 1, JSON.stringify(txs));
    assert.equal(txs[0].status, 'ended');
    assert.equal(txs[0].reason, 'Local');
    assert.equal(txs[0].duplicateStarts, 0);
    assert.equal(txs[0].duplicateStops, 0);
  });

scenario('remote start and stop on the real stack: contactor closes for Charging, opens after RemoteStop',
  async (env) => {
    const id = 'CP-HWREMOTE-1';
    const tag = 'HW-REMOTE-TAG-1';
    const sim = await env.startBootedSim({id, config: ['MeterValueSampleInterval=1']});
    const tx = await startCharging(env, sim, tag);

    const m = sim.mark();
    assert.deepEqual(await env.callOk(id, 'RemoteStopTransaction', {transactionId: tx.transactionId}), {status: 'Accepted'});
    const stopped = await sim.waitFor(ev('transaction_stopped', {localId: tx.localId}), {from: m});
    assert.equal(stopped.reason, 'Remote');
    const open = await sim.waitFor(ev('contactor', {commandedClosed: false, feedbackClosed: false}), {from: m});
    await sim.waitFor(ev('status', {connector: 1, status: 'Finishing'}), {from: m});
    const stop = (await waitStop(env, id, tx.transactionId)).payload;
    assert.equal(stop.reason, 'Remote');
    assert.ok(stop.meterStop >= tx.meterStartWh);
    await env.waitConnector(id, 1, 'Finishing');
    assert.deepEqual(sim.matching(ev('fault'), m).filter((f) => f.name !== 'NONE'), []);
    env.note(`RemoteStop: contactor open ${open.t - stopped.t} ms after transaction_stopped`);

    const u = sim.mark();
    sim.send('unplug');
    await sim.waitFor(ev('status', {connector: 1, status: 'Available'}), {from: u});
    await env.waitConnector(id, 1, 'Available');
    assert.deepEqual(await statusSequence(env, id, 1), ['Available', 'Preparing', 'Charging', 'Finishing', 'Available']);
    checkTransactionCalls(await env.callsFrom(id), {transactionId: tx.transactionId, idTag: tag});
  });

scenario('power cut while charging: restart with the same state, StopTransaction PowerLoss with meterStop >= last metered energy',
  async (env) => {
    const id = 'CP-HWPOWERLOSS-1';
    const tag = 'HW-PL-TAG-1';
    const kEnergyWh = 2;  // metered and reported to the bench before the cut
    const opts = {id, stateDir: env.stateDir('hw-powerloss'), config: ['MeterValueSampleInterval=1']};
    const sim1 = await env.startBootedSim(opts);
    const tx = await startCharging(env, sim1, tag);

    await env.until(async () => (await energyRegisterWh(env, id, tx.transactionId))
      .some((wh) => wh >= tx.meterStartWh + kEnergyWh),
    `MeterValues of transaction ${tx.transactionId} with >= ${tx.meterStartWh + kEnergyWh} Wh at the bench`, {id});

    const killed = await sim1.kill();
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(sim1.matching(ev('transaction_stopped')).length, 0);
    // Everything the bench got before the cut.
    const metered = await energyRegisterWh(env, id, tx.transactionId);
    const highestWh = Math.max(...metered);

    const sim2 = env.startSim(opts);
    await sim2.waitFor(ev('registration', {status: 'Accepted'}));
    const stop = (await waitStop(env, id, tx.transactionId)).payload;
    assert.equal(stop.reason, 'PowerLoss');
    assert.ok(stop.meterStop >= highestWh,
      `PowerLoss meterStop ${stop.meterStop} Wh < ${highestWh} Wh already reported in MeterValues (${metered.join(', ')})`);
    env.note(`meterStart ${tx.meterStartWh} Wh, highest MeterValues energy ${highestWh} Wh (${metered.length} samples), ` +
             `PowerLoss meterStop ${stop.meterStop} Wh`);

    // One StartTransaction, its MeterValues, one StopTransaction, stamps in order across the cut.
    // SIGKILL may land between a MeterValues going out and its answer: it is resent once.
    checkTransactionCalls(await env.callsFrom(id),
      {transactionId: tx.transactionId, idTag: tag, inFlightResends: 1});
    const starts = await env.callsFrom(id, 'StartTransaction');
    assert.equal(starts.length, 1, JSON.stringify(starts));
    const txs = await env.transactions(id);
    assert.equal(txs.length, 1, JSON.stringify(txs));
    assert.equal(txs[0].status, 'ended');
    assert.equal(txs[0].reason, 'PowerLoss');
    assert.equal(txs[0].duplicateStarts, 0);
    assert.equal(txs[0].duplicateStops, 0);
    assert.equal(txs[0].unknownAtStop, false);

    // The new process has no vehicle plugged in: the connector is free again.
    await sim2.waitFor(ev('status', {connector: 1, status: 'Available'}));
    await env.waitConnector(id, 1, 'Available');
    const report = await sim2.statusReport();
    assert.equal(report.transactionActive, false, JSON.stringify(report));
    assert.equal(report.contactorClosed, false, JSON.stringify(report));
    assert.equal(report.queuedTxMessages, 0, JSON.stringify(report));
  });
