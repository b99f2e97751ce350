'use strict';
// TEST FAKE — a minimal OCPP 1.6J charge point in Node (ocpp-rpc client in
// strict mode) used by the bench's own tests when the real simulator
// (EVC_SIM_BIN) is not available. It is not a model of the product.
//
// As a module: new FakeCharger({wsUrl, id, password?, meterIntervalMs?, onEvent?}).
// As a program it speaks the same line protocol as evc-sim:
//   node test/fake-charger.js --csms <wsUrl> --id <id> [--state-dir D] [--password P]
//   stdin: plug | unplug | swipe <idTag> | status | quit
//   stdout: JSON lines such as {"event":"status","connector":1,"status":"Charging"}

const readline = require('readline');
const {RPCClient} = require('ocpp-rpc');

const kDefaultMeterIntervalMs = 500;
const kPowerW = 3300;
const kVoltageV = 60;
const kConnector = 1;
const kMaxBootRetryMs = 5000;
// Simulated charging time runs this many times faster than the wall clock so
// that short tests still show energy moving.
const kTimeScale = 60;

class FakeCharger {
  constructor({wsUrl, id, password, meterIntervalMs = kDefaultMeterIntervalMs, onEvent = () => {}}) {
    this.id = id;
    this.onEvent = onEvent;
    this.meterIntervalMs = meterIntervalMs;
    this.plugged = false;
    this.available = true;
    this.energyWh = 10000;
    this.soc = 40;
    this.tx = null;  // {transactionId, idTag, connectorId}
    this.pendingTag = null;
    this.status = {0: 'Available', [kConnector]: 'Available'};
    this.config = {
      HeartbeatInterval: {value: '60', readonly: false},
      MeterValueSampleInterval: {value: '1', readonly: false},
      NumberOfConnectors: {value: '1', readonly: true},
      AuthorizeRemoteTxRequests: {value: 'false', readonly: false},
    };
    this._timers = new Set();
    this._closed = false;
    this.client = new RPCClient({
      endpoint: wsUrl.replace(/\/+$/, ''),
      identity: id,
      password,
      protocols: ['ocpp1.6'],
      strictMode: true,
      reconnect: false,
    });
    this._installHandlers();
  }

  _emit(ev) {
    this.onEvent(ev);
  }

  _later(ms, fn) {
    const t = setTimeout(() => {
      this._timers.delete(t);
      if (!this._closed) fn();
    }, ms);
    this._timers.add(t);
  }

  async start() {
    await this.client.connect();
    this._emit({event: 'connected'});
    this.client.on('close', () => this._emit({event: 'disconnected'}));
    await this._boot();
  }

  async _boot() {
    const res = await this.client.call('BootNotification', {
      chargePointVendor: 'BenchFake', chargePointModel: 'FakeDC-1', firmwareVersion: 'fake-0.1',
    });
    this._emit({event: 'boot', status: res.status, interval: res.interval});
    if (res.status !== 'Accepted') {
      this._later(Math.min(res.interval * 1000, kMaxBootRetryMs), () => this._boot().catch(() => {}));
      return res;
    }
    await this._setStatus(0, 'Available');
    await this._setStatus(kConnector, this.plugged ? 'Preparing' : 'Available');
    return res;
  }

  async _setStatus(connectorId, status, errorCode = 'NoError') {
    this.status[connectorId] = status;
    await this.client.call('StatusNotification', {connectorId, errorCode, status, timestamp: new Date().toISOString()});
    this._emit({event: 'status', connector: connectorId, status});
  }

  _installHandlers() {
    const c = this.client;
    c.handle('RemoteStartTransaction', ({params}) => {
      const connectorId = params.connectorId ?? kConnector;
      if (connectorId !== kConnector || this.tx || !this.available) return {status: 'Rejected'};
      this._later(0, () => this._startTransaction(params.idTag).catch((e) => this._error(e)));
      return {status: 'Accepted'};
    });
    c.handle('RemoteStopTransaction', ({params}) => {
      if (!this.tx || this.tx.transactionId !== params.transactionId) return {status: 'Rejected'};
      this._later(0, () => this._stopTransaction('Remote').catch((e) => this._error(e)));
      return {status: 'Accepted'};
    });
    c.handle('Reset', ({params}) => {
      this._later(0, async () => {
        try {
          if (this.tx) await this._stopTransaction(params.type === 'Hard' ? 'HardReset' : 'SoftReset');
          await this._boot();
        } catch (e) {
          this._error(e);
        }
      });
      return {status: 'Accepted'};
    });
    c.handle('ChangeAvailability', ({params}) => {
      if (params.connectorId > kConnector) return {status: 'Rejected'};
      if (this.tx) return {status: 'Scheduled'};
      this.available = params.type === 'Operative';
      this._later(0, () => this._setStatus(params.connectorId === 0 ? kConnector : params.connectorId,
        this.available ? 'Available' : 'Unavailable').catch((e) => this._error(e)));
      return {status: 'Accepted'};
    });
    c.handle('GetConfiguration', ({params}) => {
      const wanted = params.key && params.key.length ? params.key : Object.keys(this.config);
      const configurationKey = [];
      const unknownKey = [];
      for (const key of wanted) {
        const e = this.config[key];
        if (e) configurationKey.push({key, readonly: e.readonly, value: e.value});
        else unknownKey.push(key);
      }
      return unknownKey.length ? {configurationKey, unknownKey} : {configurationKey};
    });
    c.handle('ChangeConfiguration', ({params}) => {
      const e = this.config[params.key];
      if (!e) return {status: 'NotSupported'};
      if (e.readonly) return {status: 'Rejected'};
      e.value = params.value;
      return {status: 'Accepted'};
    });
    c.handle('ClearCache', () => ({status: 'Accepted'}));
    c.handle('UnlockConnector', () => ({status: 'Unlocked'}));
    c.handle('DataTransfer', () => ({status: 'UnknownVendorId'}));
    c.handle('TriggerMessage', ({params}) => {
      if (params.requestedMessage === 'Heartbeat') {
        this._later(0, () => this.client.call('Heartbeat', {}).catch((e) => this._error(e)));
        return {status: 'Accepted'};
      }
      return {status: 'NotImplemented'};
    });
  }

  _error(err) {
    this._emit({event: 'error', message: err.message});
  }

  async _startTransaction(idTag) {
    if (this.tx) return;
    if (!this.plugged) {
      this.plugged = true;
      await this._setStatus(kConnector, 'Preparing');
    }
    const res = await this.client.call('StartTransaction', {
      connectorId: kConnector, idTag, meterStart: Math.round(this.energyWh), timestamp: new Date().toISOString(),
    });
    this.tx = {transactionId: res.transactionId, idTag, connectorId: kConnector};
    this._emit({event: 'transaction', state: 'started', transactionId: res.transactionId, idTagStatus: res.idTagInfo.status});
    if (res.idTagInfo.status !== 'Accepted') {
      await this._stopTransaction('DeAuthorized');
      return;
    }
    await this._setStatus(kConnector, 'Charging');
    this._scheduleMeter();
  }

  _scheduleMeter() {
    this._later(this.meterIntervalMs, async () => {
      if (!this.tx) return;
      this.energyWh += kPowerW * kTimeScale * this.meterIntervalMs / 3600000;
      this.soc = Math.min(100, this.soc + 1);
      const txId = this.tx.transactionId;
      try {
        await this.client.call('MeterValues', {
          connectorId: kConnector,
          transactionId: txId,
          meterValue: [{timestamp: new Date().toISOString(), sampledValue: this._samples()}],
        });
      } catch (e) {
        this._error(e);
      }
      if (this.tx && this.tx.transactionId === txId) this._scheduleMeter();
    });
  }

  _samples() {
    return [
      {value: this.energyWh.toFixed(1), measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic'},
      {value: String(kPowerW), measurand: 'Power.Active.Import', unit: 'W'},
      {value: (kPowerW / kVoltageV).toFixed(1), measurand: 'Current.Import', unit: 'A'},
      {value: kVoltageV.toFixed(1), measurand: 'Voltage', unit: 'V'},
      {value: this.soc.toFixed(0), measurand: 'SoC', unit: 'Percent', location: 'EV'},
    ];
  }

  async _stopTransaction(reason) {
    const tx = this.tx;
    if (!tx) return;
    this.tx = null;
    await this.client.call('StopTransaction', {
      transactionId: tx.transactionId, meterStop: Math.round(this.energyWh), timestamp: new Date().toISOString(), reason,
    });
    this._emit({event: 'transaction', state: 'stopped', transactionId: tx.transactionId, reason});
    await this._setStatus(kConnector, this.plugged ? 'Finishing' : 'Available');
  }

  // ---- the evc-sim style commands ----------------------------------------------

  async plug() {
    if (this.plugged) return;
    this.plugged = true;
    await this._setStatus(kConnector, 'Preparing');
    if (this.pendingTag) {
      const tag = this.pendingTag;
      this.pendingTag = null;
      await this._startTransaction(tag);
    }
  }

  async unplug() {
    if (!this.plugged) return;
    this.plugged = false;
    if (this.tx) await this._stopTransaction('EVDisconnected');
    else await this._setStatus(kConnector, 'Available');
  }

  async swipe(idTag) {
    if (this.tx) {
      if (this.tx.idTag === idTag) await this._stopTransaction('Local');
      return;
    }
    const res = await this.client.call('Authorize', {idTag});
    this._emit({event: 'authorize', idTag, status: res.idTagInfo.status});
    if (res.idTagInfo.status !== 'Accepted') return;
    if (this.plugged) await this._startTransaction(idTag);
    else this.pendingTag = idTag;
  }

  statusEvent() {
    return {event: 'state', plugged: this.plugged, connectors: this.status, transactionId: this.tx?.transactionId ?? null};
  }

  async stop() {
    this._closed = true;
    for (const t of this._timers) clearTimeout(t);
    this._timers.clear();
    await this.client.close({force: true}).catch(() => {});
  }
}

async function main() {
  const args = process.argv.slice(2);
  const opt = {};
  for (let i = 0; i < args.length; i += 2) {
    const [k, v] = [args[i], args[i + 1]];
    if (!['--csms', '--id', '--state-dir', '--password'].includes(k) || v === undefined) {
      process.stderr.write(`fake-charger: bad argument '${k}'\nusage: fake-charger.js --csms URL --id ID [--state-dir D] [--password P]\n`);
      process.exit(2);
    }
    opt[k.slice(2)] = v;
  }
  if (!opt.csms || !opt.id) {
    process.stderr.write('fake-charger: --csms and --id are required\n');
    process.exit(2);
  }
  const out = (ev) => process.stdout.write(JSON.stringify(ev) + '\n');
  const fc = new FakeCharger({wsUrl: opt.csms, id: opt.id, password: opt.password, onEvent: out});
  try {
    await fc.start();
  } catch (err) {
    out({event: 'error', message: `cannot connect: ${err.message}`});
    process.exit(1);
  }
  const rl = readline.createInterface({input: process.stdin});
  const quit = async () => {
    await fc.stop();
    process.exit(0);
  };
  for await (const line of rl) {
    const [cmd, ...rest] = line.trim().split(/\s+/);
    try {
      if (cmd === 'plug') await fc.plug();
      else if (cmd === 'unplug') await fc.unplug();
      else if (cmd === 'swipe' && rest.length === 1) await fc.swipe(rest[0]);
      else if (cmd === 'status') out(fc.statusEvent());
      else if (cmd === 'quit') return quit();
      else if (cmd) out({event: 'error', message: `unknown command '${line.trim()}'`});
    } catch (err) {
      out({event: 'error', message: err.message});
    }
  }
  await quit();
}

if (require.main === module) main();

module.exports = {FakeCharger};
