'use strict';
// Scenario 2: the full remote charging cycle. plug -> RemoteStartTransaction -> Charging ->
// MeterValues with the transaction id -> RemoteStopTransaction -> StopTransaction (Remote) ->
// Finishing -> unplug -> Available.

const assert = require('node:assert/strict');
const {scenario, ev} = require('./harness');

const kId = 'CP-REMOTE-1';
const kIdTag = 'REMOTE-TAG-1';
const kMeterSamples = 2;  // MeterValues frames awaited during the transaction

scenario('full cycle: plug, RemoteStart, Charging, MeterValues, RemoteStop, Finishing, unplug, Available',
  async (env) => {
    const sim = await env.startBootedSim({id: kId, config: ['MeterValueSampleInterval=1']});
    await env.waitConnector(kId, 1, 'Available');

    let m = sim.mark();
    sim.send('plug');
    await sim.waitFor(ev('status', {connector: 1, status: 'Preparing'}), {from: m});
    await env.waitConnector(kId, 1, 'Preparing');

    m = sim.mark();
    const start = await env.callOk(kId, 'RemoteStartTransaction', {connectorId: 1, idTag: kIdTag});
    assert.deepEqual(start, {status: 'Accepted'});
    const started = await sim.waitFor(ev('transaction_started', {idTag: kIdTag}), {from: m});
    const {transactionId} = await sim.waitFor(ev('transaction_id', {localId: started.localId}), {from: m});
    await sim.waitFor(ev('status', {connector: 1, status: 'Charging'}), {from: m});

    const [startCall] = await env.waitCalls(kId, 'StartTransaction');
    assert.equal(startCall.payload.connectorId, 1);
    assert.equal(startCall.payload.idTag, kIdTag);
    assert.equal(startCall.payload.meterStart, started.meterStartWh);

    const byTx = (p) => p.transactionId === transactionId;
    byTx.what = `transactionId ${transactionId}`;
    const meters = await env.waitCalls(kId, 'MeterValues', {count: kMeterSamples, pred: byTx});
    for (const mv of meters) {
      assert.equal(mv.payload.connectorId, 1);
      assert.ok(mv.payload.meterValue.length >= 1);
      const energy = mv.payload.meterValue.flatMap((v) => v.sampledValue)
        .filter((s) => (s.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register');
      assert.ok(energy.length >= 1, `no energy register in ${JSON.stringify(mv.payload)}`);
    }
    const txAtBench = (await env.transactions(kId)).find((t) => t.transactionId === transactionId);
    assert.ok(txAtBench, `transaction ${transactionId} unknown at the bench`);
    assert.equal(txAtBench.status, 'active');
    assert.ok(txAtBench.meterValueCount >= kMeterSamples);

    m = sim.mark();
    const stop = await env.callOk(kId, 'RemoteStopTransaction', {transactionId});
    assert.deepEqual(stop, {status: 'Accepted'});
    const stopped = await sim.waitFor(ev('transaction_stopped', {localId: started.localId}), {from: m});
    assert.equal(stopped.reason, 'Remote');
    await sim.waitFor(ev('status', {connector: 1, status: 'Finishing'}), {from: m});
    const [stopCall] = await env.waitCalls(kId, 'StopTransaction');
    assert.equal(stopCall.payload.transactionId, transactionId);
    assert.equal(stopCall.payload.reason, 'Remote');

    // Finishing reaches the bench before the cable is pulled (the core reports only the latest
    // status of a connector once the link is free, so a shorter Finishing would not show).
    await env.waitConnector(kId, 1, 'Finishing');

    m = sim.mark();
    sim.send('unplug');
    await sim.waitFor(ev('status', {connector: 1, status: 'Available'}), {from: m});
    await env.waitConnector(kId, 1, 'Available');

    const txs = await env.transactions(kId);
    assert.equal(txs.length, 1, JSON.stringify(txs));
    const [tx] = txs;
    assert.equal(tx.transactionId, transactionId);
    assert.equal(tx.status, 'ended');
    assert.equal(tx.reason, 'Remote');
    assert.equal(tx.idTag, kIdTag);
    assert.equal(tx.duplicateStarts, 0);
    assert.equal(tx.duplicateStops, 0);
    assert.equal(tx.meterStart, started.meterStartWh);
    assert.equal(tx.meterStop, stopped.meterStopWh);
    assert.ok(tx.meterStop >= tx.meterStart, `meterStop ${tx.meterStop} < meterStart ${tx.meterStart}`);

    // The status sequence the bench saw for connector 1, without repeats.
    const seq = (await env.callsFrom(kId, 'StatusNotification'))
      .filter((c) => c.payload.connectorId === 1).map((c) => c.payload.status)
      .filter((s, i, a) => i === 0 || a[i - 1] !== s);
    assert.deepEqual(seq, ['Available', 'Preparing', 'Charging', 'Finishing', 'Available']);
  });
