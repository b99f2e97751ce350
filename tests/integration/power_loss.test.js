'use strict';
// Scenario 8: power loss. A charging simulator is killed with SIGKILL and started again with
// the same state directory: the interrupted transaction is closed with StopTransaction reason
// PowerLoss, exactly once, never started twice, and the connector is usable again.

const assert = require('node:assert/strict');
const {scenario, ev} = require('./harness');

const kId = 'CP-POWERLOSS-1';
const kIdTag = 'PL-TAG-1';
const kEnergyWh = 1;  // charged before the power cut (the simulated LEV takes ~1.2 kW)

scenario('power loss: SIGKILL while charging, restart with the same state: StopTransaction PowerLoss',
  async (env) => {
    const stateDir = env.stateDir('powerloss');
    const opts = {id: kId, stateDir, config: ['MeterValueSampleInterval=1']};
    const sim1 = await env.startBootedSim(opts);
    const tx = await env.startRemoteTransaction(sim1, kIdTag);

    // Meter samples, seen by the simulator and by the bench, until some energy has flowed.
    const moved = (e) => e.event === 'meter' && e.energyWh >= tx.meterStartWh + kEnergyWh;
    moved.what = `a meter sample >= ${tx.meterStartWh + kEnergyWh} Wh`;
    await sim1.waitFor(moved);
    const byTx = (p) => p.transactionId === tx.transactionId;
    byTx.what = `transactionId ${tx.transactionId}`;
    await env.waitCalls(kId, 'MeterValues', {pred: byTx});
    await env.until(async () => (await env.transactions(kId))[0].lastMeter?.energyWh >= tx.meterStartWh + kEnergyWh,
      'the energy at the bench', {id: kId});
    const [startCall] = await env.waitCalls(kId, 'StartTransaction');

    const killed = await sim1.kill();
    assert.equal(killed.signal, 'SIGKILL');
    assert.equal(sim1.matching(ev('transaction_stopped')).length, 0);

    const sim2 = env.startSim(opts);
    const boot = await sim2.waitFor(ev('boot'));
    env.note(`boot after SIGKILL: ${JSON.stringify(boot)}`);
    await sim2.waitFor(ev('registration', {status: 'Accepted'}));
    const stops = await env.waitCalls(kId, 'StopTransaction');
    assert.equal(stops.length, 1, JSON.stringify(stops));
    const stop = stops[0].payload;
    assert.equal(stop.transactionId, tx.transactionId);
    assert.equal(stop.reason, 'PowerLoss');
    assert.ok(stop.meterStop >= startCall.payload.meterStart, `meterStop ${stop.meterStop} < meterStart ${startCall.payload.meterStart}`);

    const lastMeter = (await env.transactions(kId))[0].lastMeter;
    env.note(`meterStart ${startCall.payload.meterStart} Wh, last MeterValues energy ${lastMeter?.energyWh} Wh, ` +
             `PowerLoss meterStop ${stop.meterStop} Wh`);

    // The connector is usable again (the vehicle of the new process is not plugged in).
    await sim2.waitFor(ev('status', {connector: 1, status: 'Available'}));
    await env.waitConnector(kId, 1, 'Available', 'Preparing');
    const report = await sim2.statusReport();
    assert.equal(report.transactionActive, false, JSON.stringify(report));
    assert.equal(report.queuedTxMessages, 0, JSON.stringify(report));

    // Exactly one StartTransaction for it, and one transaction, ended once.
    const starts = await env.callsFrom(kId, 'StartTransaction');
    assert.equal(starts.length, 1, JSON.stringify(starts));
    const txs = await env.transactions(kId);
    assert.equal(txs.length, 1, JSON.stringify(txs));
    const [rec] = txs;
    assert.equal(rec.transactionId, tx.transactionId);
    assert.equal(rec.status, 'ended');
    assert.equal(rec.reason, 'PowerLoss');
    assert.equal(rec.unknownAtStop, false);
    assert.equal(rec.duplicateStarts, 0);
    assert.equal(rec.duplicateStops, 0);
    assert.ok(rec.meterStop >= rec.meterStart);
    assert.equal((await env.callsFrom(kId, 'BootNotification')).length, 2);

    // The restarted charger can charge again: a new transaction with a new id.
    const tx2 = await env.startRemoteTransaction(sim2, kIdTag);
    assert.notEqual(tx2.transactionId, tx.transactionId);
    const m = sim2.mark();
    assert.deepEqual(await env.callOk(kId, 'RemoteStopTransaction', {transactionId: tx2.transactionId}), {status: 'Accepted'});
    await sim2.waitFor(ev('transaction_stopped', {localId: tx2.localId}), {from: m});
    await env.until(async () => (await env.transactions(kId)).filter((t) => t.status === 'ended').length === 2,
      'second transaction ended at the bench', {id: kId});
  });
