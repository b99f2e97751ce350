'use strict';
// Scenario 4: Reset Soft and Reset Hard from the CSMS. With a transaction running, the charger
// stops it (reason SoftReset / HardReset) before it reboots; without one it just reboots. A
// reboot shows as a new BootNotification at the bench.

const assert = require('node:assert/strict');
const {scenario, ev} = require('./harness');

for (const type of ['Soft', 'Hard']) {
  const reason = `${type}Reset`;
  const hard = type === 'Hard';

  scenario(`Reset ${type} with a running transaction: StopTransaction ${reason}, then a new BootNotification`,
    async (env) => {
      const id = `CP-RESET-${type.toUpperCase()}-TX`;
      const sim = await env.startBootedSim({id, config: ['MeterValueSampleInterval=1']});
      const tx = await env.startRemoteTransaction(sim, `TAG-${type.toUpperCase()}`);
      assert.equal((await env.callsFrom(id, 'BootNotification')).length, 1);

      const m = sim.mark();
      assert.deepEqual(await env.callOk(id, 'Reset', {type}), {status: 'Accepted'});
      const stopped = await sim.waitFor(ev('transaction_stopped', {localId: tx.localId}), {from: m});
      assert.equal(stopped.reason, reason);
      const reboot = await sim.waitFor(ev('reboot'), {from: m});
      assert.equal(reboot.hard, hard);
      const restarting = await sim.waitFor(ev('restarting'), {from: m});
      assert.equal(restarting.hard, hard);
      const boot = await sim.waitFor(ev('boot'), {from: m});
      assert.equal(boot.recovered, 'clean');
      await sim.waitFor(ev('registration', {status: 'Accepted'}), {from: sim.events.indexOf(boot)});

      const [stopCall] = await env.waitCalls(id, 'StopTransaction');
      assert.equal(stopCall.payload.transactionId, tx.transactionId);
      assert.equal(stopCall.payload.reason, reason);
      const boots = await env.waitCalls(id, 'BootNotification', {count: 2});
      assert.equal(boots.length, 2);
      if (!hard) {
        // OCPP 1.6 lets a hard reset send the StopTransaction after the reboot; a soft one not.
        assert.ok(stopCall.seq < boots[1].seq, 'the transaction must be stopped before the reboot');
      }

      const txs = await env.transactions(id);
      assert.equal(txs.length, 1, JSON.stringify(txs));
      assert.equal(txs[0].status, 'ended');
      assert.equal(txs[0].reason, reason);
      assert.equal(txs[0].duplicateStops, 0);
      assert.ok(txs[0].meterStop >= txs[0].meterStart);

      // After the reboot no transaction runs and no StopTransaction is sent again.
      const report = await sim.statusReport();
      assert.equal(report.transactionActive, false, JSON.stringify(report));
      assert.equal(report.registration, 'Accepted');
      await env.waitConnector(id, 1, 'Preparing', 'Available', 'Finishing');
      assert.equal((await env.callsFrom(id, 'StopTransaction')).length, 1);
      assert.equal((await env.callsFrom(id, 'StartTransaction')).length, 1);
    });

  scenario(`Reset ${type} without a transaction: just the reboot`, async (env) => {
    const id = `CP-RESET-${type.toUpperCase()}-IDLE`;
    const sim = await env.startBootedSim({id});
    await env.waitConnector(id, 1, 'Available');

    const m = sim.mark();
    assert.deepEqual(await env.callOk(id, 'Reset', {type}), {status: 'Accepted'});
    const reboot = await sim.waitFor(ev('reboot'), {from: m});
    assert.equal(reboot.hard, hard);
    await sim.waitFor(ev('restarting', {hard}), {from: m});
    const boot = await sim.waitFor(ev('boot'), {from: m});
    await sim.waitFor(ev('registration', {status: 'Accepted'}), {from: sim.events.indexOf(boot)});
    await env.waitCalls(id, 'BootNotification', {count: 2});
    await env.until(async () => (await env.charger(id))?.bootCount === 2, 'bootCount 2 at the bench', {id});
    // The charger reports its connectors again after the reboot.
    await env.until(async () => {
      const boots = await env.callsFrom(id, 'BootNotification');
      const status = await env.callsFrom(id, 'StatusNotification');
      return status.filter((c) => c.seq > boots[1].seq && c.payload.connectorId === 1).length >= 1;
    }, 'StatusNotification for connector 1 after the second boot', {id});

    assert.equal(sim.matching(ev('transaction_stopped')).length, 0);
    assert.equal((await env.callsFrom(id, 'StopTransaction')).length, 0);
    assert.deepEqual(await env.transactions(id), []);
  });
}
