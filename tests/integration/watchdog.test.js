'use strict';
// The watchdog restart path: the control loop of a charging simulator stops checking in; the
// software watchdog runs the fail-safe (contactor first), aborts the process; started again with
// the same state directory, the charger closes the interrupted transaction with reason Reboot
// (the fail-safe left the reset reason behind, as esp_reset_reason() does on the device).

const assert = require('node:assert/strict');
const {scenario, ev} = require('./harness');

const kId = 'CP-WATCHDOG-1';
const kIdTag = 'WDT-TAG-1';
const kStallMs = 2000;  // far beyond the 200 ms control-loop deadline

scenario('watchdog: a stalled control loop trips the fail-safe, aborts, and the restart closes the transaction with Reboot',
  async (env) => {
    const stateDir = env.stateDir('watchdog');
    const opts = {id: kId, stateDir, config: ['MeterValueSampleInterval=1']};
    const sim1 = await env.startBootedSim(opts);
    const tx = await env.startRemoteTransaction(sim1, kIdTag);
    await sim1.waitFor(ev('contactor', {feedbackClosed: true}));

    sim1.send(`debug-stall ${kStallMs}`);
    await sim1.waitFor(ev('failsafe'));
    const exit = await sim1.exited;
    assert.equal(exit.signal, 'SIGABRT', JSON.stringify(exit));
    // The fail-safe opened the contactor before the process died (its first action).
    assert.ok(sim1.stderrLines.some((l) => /CONTROL_LOOP missed its deadline/.test(l)),
      'the watchdog logged the missed deadline');
    assert.equal(sim1.matching(ev('transaction_stopped')).length, 0);

    const sim2 = env.startSim(opts);
    const boot = await sim2.waitFor(ev('boot'));
    env.note(`boot after the watchdog abort: ${JSON.stringify(boot)}`);
    await sim2.waitFor(ev('registration', {status: 'Accepted'}));
    const stops = await env.waitCalls(kId, 'StopTransaction');
    assert.equal(stops.length, 1, JSON.stringify(stops));
    assert.equal(stops[0].payload.transactionId, tx.transactionId);
    assert.equal(stops[0].payload.reason, 'Reboot');
    const starts = await env.callsFrom(kId, 'StartTransaction');
    assert.equal(starts.length, 1, JSON.stringify(starts));

    // A plain kill afterwards is a power loss again: the marker was consumed.
    const report = await sim2.statusReport();
    assert.equal(report.transactionActive, false, JSON.stringify(report));
  });
