'use strict';
// Connection loss while charging: the CSMS closes the WebSocket; the charger reconnects by
// itself, reports its connectors again and the transaction goes on under the same id (no second
// StartTransaction, MeterValues resume), then ends normally.

const assert = require('node:assert/strict');
const {scenario, ev} = require('./harness');

const kId = 'CP-RECONNECT-1';
const kIdTag = 'RC-TAG-1';

scenario('CSMS closes the connection during a transaction: reconnect, same transaction continues',
  async (env) => {
    const sim = await env.startBootedSim({id: kId, config: ['MeterValueSampleInterval=1']});
    const tx = await env.startRemoteTransaction(sim, kIdTag);
    const byTx = (p) => p.transactionId === tx.transactionId;
    byTx.what = `transactionId ${tx.transactionId}`;
    await env.waitCalls(kId, 'MeterValues', {pred: byTx});

    const m = sim.mark();
    const r = await env.post(`/api/chargers/${kId}/disconnect`, {code: 1000, reason: 'test'});
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const {lastSeq: seqAtDrop} = await env.get(`/api/frames?charger=${kId}`);
    const down = await sim.waitFor(ev('connection', {connected: false}), {from: m});
    assert.equal(down.reason, 'PeerClosed');
    await sim.waitFor(ev('connection', {connected: true}), {from: sim.events.indexOf(down) + 1});
    await env.until(async () => (await env.charger(kId))?.connected, 'reconnected at the bench', {id: kId});

    // Connector status reported again; metering goes on for the same transaction.
    await env.until(async () => (await env.callsFrom(kId, 'StatusNotification'))
      .some((c) => c.seq > seqAtDrop && c.payload.connectorId === 1 && c.payload.status === 'Charging'),
    'Charging reported after the reconnect', {id: kId});
    await env.until(async () => (await env.callsFrom(kId, 'MeterValues'))
      .some((c) => c.seq > seqAtDrop && byTx(c.payload)),
    'MeterValues for the same transaction after the reconnect', {id: kId});
    const report = await sim.statusReport();
    assert.equal(report.transactionActive, true);
    assert.equal(report.transactionId, tx.transactionId);

    const m2 = sim.mark();
    assert.deepEqual(await env.callOk(kId, 'RemoteStopTransaction', {transactionId: tx.transactionId}), {status: 'Accepted'});
    await sim.waitFor(ev('transaction_stopped', {localId: tx.localId, reason: 'Remote'}), {from: m2});
    await env.waitCalls(kId, 'StopTransaction');

    assert.equal((await env.callsFrom(kId, 'StartTransaction')).length, 1);
    const txs = await env.transactions(kId);
    assert.equal(txs.length, 1, JSON.stringify(txs));
    assert.equal(txs[0].status, 'ended');
    assert.equal(txs[0].reason, 'Remote');
    assert.ok(txs[0].meterStop >= txs[0].meterStart);
    assert.equal(sim.matching(ev('connection', {connected: false})).length, 1);
  });
