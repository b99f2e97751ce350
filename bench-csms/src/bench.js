'use strict';
// The OCPP side of the bench: an ocpp-rpc server in strict mode, the state it
// records per charger, transactions, the frame ring, the violations list and
// the behaviour knobs used by fault tests.

const crypto = require('crypto');
const fs = require('fs');
const {setTimeout: sleep} = require('timers/promises');
const {RPCServer, createRPCError, NOREPLY} = require('ocpp-rpc');
const {
  CHARGER_ACTIONS, CSMS_ACTIONS, defaultConfig, mergeConfig,
} = require('./config');

const kProtocol = 'ocpp1.6';
const kEndpoint = '/ocpp';
const kFrameRingSize = 5000;
const kMaxViolations = 10000;
const kMaxRefused = 1000;
const kMaxTxMeterValues = 5000;
const kMaxChargerEvents = 100;
const kMaxRawIdsRemembered = 1000;
const kDefaultCallTimeoutMs = 30000;
const kDefaultPingIntervalMs = 30000;
const kTxIdBaseMin = 1000;
const kTxIdBaseMax = 900000;

const MSG_CALL = 2;
const MSG_CALLRESULT = 3;
const MSG_CALLERROR = 4;

function nowIso() {
  return new Date().toISOString();
}

function parseFrame(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// Best-effort message id of a frame that may be malformed.
function frameMessageId(text) {
  const parsed = parseFrame(text);
  if (Array.isArray(parsed) && typeof parsed[1] === 'string') return parsed[1];
  const m = /^\s*\[\s*\d+\s*,\s*"((?:[^"\\]|\\.)*)"/.exec(String(text));
  return m ? m[1] : null;
}

// Turns one SampledValue into {key, value} in the bench's display units, or null.
function sampleSummary(sv) {
  const measurand = sv.measurand || 'Energy.Active.Import.Register';
  const num = Number(sv.value);
  if (!Number.isFinite(num)) return null;
  const unit = sv.unit;
  switch (measurand) {
    case 'Energy.Active.Import.Register':
      return {key: 'energyWh', value: unit === 'kWh' ? num * 1000 : num};
    case 'Power.Active.Import':
      return {key: 'powerW', value: unit === 'kW' ? num * 1000 : num};
    case 'Current.Import':
      return {key: 'currentA', value: num};
    case 'Voltage':
      return {key: 'voltageV', value: num};
    case 'SoC':
      return {key: 'soc', value: num};
    default:
      return null;
  }
}

// Summary of a MeterValue list: the latest value per quantity, preferring
// samples without a phase (totals) over per-phase ones.
function summariseMeterValues(meterValue) {
  const out = {};
  const fromPhase = {};
  for (const mv of meterValue) {
    for (const sv of mv.sampledValue || []) {
      const s = sampleSummary(sv);
      if (!s) continue;
      const phased = sv.phase !== undefined;
      if (out[s.key] === undefined || !phased || fromPhase[s.key]) {
        out[s.key] = s.value;
        fromPhase[s.key] = phased;
      }
    }
  }
  return out;
}

class Bench {
  constructor(options = {}) {
    this._startupConfig = mergeConfig(defaultConfig(), options.config || {});
    this.config = structuredClone(this._startupConfig);
    // Opened synchronously so that a bad --log path fails the start, loudly.
    this._log = options.logFile ? fs.createWriteStream(null, {fd: fs.openSync(options.logFile, 'a')}) : null;
    this._logError = null;
    if (this._log) {
      this._log.on('error', (err) => {
        this._logError = err.message;
        this._info(`frame log error: ${err.message}`);
      });
    }
    this._info = options.info || (() => {});
    this._nextTxId = crypto.randomInt(kTxIdBaseMin, kTxIdBaseMax);
    this._frameSeq = 0;
    this._violationSeq = 0;
    this._refusedSeq = 0;
    this._clearRecords();
    this.chargers = new Map();

    this.server = new RPCServer({
      protocols: [kProtocol],
      strictMode: true,
      callTimeoutMs: kDefaultCallTimeoutMs,
      pingIntervalMs: options.pingIntervalMs ?? kDefaultPingIntervalMs,
      respondWithDetailedErrors: false,
    });
    this.server.auth((accept, reject, handshake) => this._authorizeHandshake(accept, reject, handshake));
    this.server.on('upgradeAborted', (ev) => this._recordRefused(ev));
    this.server.on('client', (client) => this._onClient(client));
    this.server.on('error', (err) => this._info(`ocpp server error: ${err.message}`));
  }

  _clearRecords() {
    this.frames = [];
    this.violations = [];
    this.violationsTotal = 0;
    this.refused = [];
    this.refusedTotal = 0;
    this.transactions = new Map();
    this.counters = {
      connections: 0, framesIn: 0, framesOut: 0, callsIn: 0, callsOut: 0,
      callErrorsSent: 0, droppedCalls: 0, lateResponses: 0,
    };
  }

  // ---- configuration -------------------------------------------------------

  updateConfig(update) {
    this.config = mergeConfig(this.config, update);
    return this.publicConfig();
  }

  publicConfig() {
    const c = structuredClone(this.config);
    // Keys are shown masked: the page and logs must not echo secrets.
    c.authKeys = Object.fromEntries(Object.keys(c.authKeys).map((id) => [id, '***']));
    return c;
  }

  // Clears everything recorded (frames, violations, refusals, transactions,
  // counters, disconnected chargers). Connected chargers stay, with their live
  // connector status, but their boot count and history restart.
  reset({config = false} = {}) {
    this._clearRecords();
    for (const [id, ch] of this.chargers) {
      if (!ch.connected) {
        this.chargers.delete(id);
        continue;
      }
      ch.bootCount = 0;
      ch.counters = {framesIn: 0, framesOut: 0, calls: {}};
      ch.events = [];
    }
    if (config) this.config = structuredClone(this._startupConfig);
  }

  // ---- handshake -----------------------------------------------------------

  _authorizeHandshake(accept, reject, handshake) {
    const {identity, endpoint, protocols, password, headers} = handshake;
    if (endpoint !== kEndpoint) {
      return reject(404, `Unknown endpoint '${endpoint}': chargers connect to ${kEndpoint}/<chargePointId>`);
    }
    if (!identity || identity.length > 255) {
      return reject(400, 'Missing or too long charge point id in the URL');
    }
    // ocpp-rpc accepts a client that offers no subprotocol and then validates
    // nothing, so the bench refuses any client that does not offer ocpp1.6.
    if (!protocols.has(kProtocol)) {
      return reject(400, `Client must offer WebSocket subprotocol '${kProtocol}'`);
    }
    const key = this.config.authKeys[identity];
    if (key !== undefined) {
      const given = password ?? null;
      const expected = Buffer.from(key, 'utf8');
      if (!headers.authorization || given === null || given.length !== expected.length ||
          !crypto.timingSafeEqual(given, expected)) {
        return reject(401, 'Basic authentication failed');
      }
    } else if (this.config.requireAuth) {
      return reject(401, 'No authorization key configured for this charge point and authentication is required');
    }
    accept({identity}, kProtocol);
  }

  _recordRefused({error, request, identity}) {
    const code = error && Number.isInteger(error.code) ? error.code : 500;
    const rec = {
      seq: ++this._refusedSeq,
      ts: nowIso(),
      identity: identity ?? null,
      path: request?.url ?? null,
      remoteAddress: request?.socket?.remoteAddress ?? null,
      protocols: request?.headers?.['sec-websocket-protocol'] ?? null,
      authorization: request?.headers?.authorization ? 'present' : 'absent',
      code,
      reason: error?.message ?? 'unknown',
    };
    this.refusedTotal++;
    this.refused.push(rec);
    if (this.refused.length > kMaxRefused) this.refused.shift();
    this._info(`refused handshake from '${rec.identity}': ${code} ${rec.reason}`);
  }

  // ---- per-connection wiring -----------------------------------------------

  _charger(id) {
    let ch = this.chargers.get(id);
    if (!ch) {
      ch = {
        id, connected: false, client: null, connectedAt: null, disconnectedAt: null,
        disconnect: null, remoteAddress: null, protocol: null,
        bootCount: 0, boot: null, connectionBootStatus: null, lastHeartbeat: null,
        connectors: new Map(), counters: {framesIn: 0, framesOut: 0, calls: {}},
        events: [], diagnosticsStatus: null, firmwareStatus: null,
        rawIds: new Set(), rawWaiters: [], ourCallIds: new Set(), answeredIds: new Set(),
      };
      this.chargers.set(id, ch);
    }
    return ch;
  }

  _connector(ch, connectorId) {
    let c = ch.connectors.get(connectorId);
    if (!c) {
      c = {connectorId, status: null, errorCode: null, info: null, vendorId: null,
        vendorErrorCode: null, timestamp: null, updatedAt: null, meter: null};
      ch.connectors.set(connectorId, c);
    }
    return c;
  }

  _onClient(client) {
    const id = client.identity;
    const ch = this._charger(id);
    if (ch.client && ch.client !== client) {
      // A new connection replaces a stale one (e.g. half-open after a network cut).
      this._info(`charger '${id}' reconnected: closing its previous connection`);
      ch.client.close({force: true}).catch(() => {});
    }
    ch.client = client;
    ch.connected = true;
    ch.connectedAt = nowIso();
    ch.disconnect = null;
    ch.remoteAddress = client.handshake?.remoteAddress ?? null;
    ch.protocol = client.protocol;
    ch.connectionBootStatus = null;
    ch.rawWaiters = [];
    ch.ourCallIds = new Set();
    this.counters.connections++;
    this._info(`charger '${id}' connected`);

    client.on('message', ({message, outbound}) => this._onFrame(ch, client, String(message), outbound));
    client.on('strictValidationFailure', (ev) => this._onStrictFailure(ch, ev));
    client.on('badMessage', (ev) => this._onBadMessage(ch, ev));
    client.on('callError', (ev) => {
      if (!ev.outbound && ev.error?.rpcErrorCode === 'NotImplemented' && !CHARGER_ACTIONS.includes(ev.method)) {
        this._addViolation(ch, {
          kind: 'unknownAction', dir: 'in', messageType: 'call', action: ev.method,
          messageId: ev.messageId, code: 'NotImplemented',
          message: `'${ev.method}' is not a charger-initiated OCPP 1.6 action`, payload: ev.params,
        });
      }
    });
    client.once('close', ({code, reason}) => {
      if (ch.client !== client) return;
      ch.connected = false;
      ch.client = null;
      ch.disconnectedAt = nowIso();
      ch.disconnect = {code, reason: String(reason ?? '')};
      for (const w of ch.rawWaiters) w.resolve(null);
      ch.rawWaiters = [];
      this._info(`charger '${id}' disconnected (${code})`);
    });

    for (const action of CHARGER_ACTIONS) {
      client.handle(action, (call) => this._dispatch(ch, client, call));
    }
  }

  _onFrame(ch, client, text, outbound) {
    const frame = parseFrame(text);
    const rec = {seq: ++this._frameSeq, ts: nowIso(), chargerId: ch.id, dir: outbound ? 'out' : 'in', frame};
    this.frames.push(rec);
    if (this.frames.length > kFrameRingSize) this.frames.shift();
    if (this._log) {
      this._log.write(JSON.stringify({ts: rec.ts, chargerId: rec.chargerId, dir: rec.dir, frame}) + '\n');
    }
    if (outbound) {
      this.counters.framesOut++;
      ch.counters.framesOut++;
      if (Array.isArray(frame) && frame[0] === MSG_CALL && typeof frame[1] === 'string' &&
          !ch.rawIds.has(frame[1])) {
        ch.ourCallIds.add(frame[1]);
        if (ch.ourCallIds.size > kMaxRawIdsRemembered) {
          ch.ourCallIds.delete(ch.ourCallIds.values().next().value);  // timed-out calls
        }
      }
      return;
    }
    this.counters.framesIn++;
    ch.counters.framesIn++;
    // Replies to raw frames are handed to their waiter here; ocpp-rpc will then
    // see an unknown message id, which is expected and not a violation.
    const isResponse = Array.isArray(frame) && (frame[0] === MSG_CALLRESULT || frame[0] === MSG_CALLERROR);
    if (!isResponse) return;
    const msgId = typeof frame[1] === 'string' ? frame[1] : null;
    if (msgId !== null && ch.ourCallIds.delete(msgId)) {
      ch.answeredIds.add(msgId);
      if (ch.answeredIds.size > kMaxRawIdsRemembered) {
        ch.answeredIds.delete(ch.answeredIds.values().next().value);
      }
      return;
    }
    const idx = ch.rawWaiters.findIndex((w) => (w.exact ? w.msgId === msgId : true));
    if (idx >= 0) {
      const [w] = ch.rawWaiters.splice(idx, 1);
      if (msgId !== null) this._rememberRawId(ch, msgId);
      w.resolve(text);
    }
  }

  _rememberRawId(ch, msgId) {
    ch.rawIds.add(msgId);
    if (ch.rawIds.size > kMaxRawIdsRemembered) {
      ch.rawIds.delete(ch.rawIds.values().next().value);
    }
  }

  _addViolation(ch, v) {
    const rec = {seq: ++this._violationSeq, ts: nowIso(), chargerId: ch.id, ...v};
    this.violationsTotal++;
    this.violations.push(rec);
    if (this.violations.length > kMaxViolations) this.violations.shift();
    this._info(`VIOLATION (${rec.kind}, ${rec.dir}) from '${ch.id}' ${rec.action ?? ''}: ${rec.message}`);
  }

  _onStrictFailure(ch, ev) {
    const err = ev.error || {};
    this._addViolation(ch, {
      kind: 'schema',
      // outbound=true: a message the bench sent (our CALL or our reply).
      dir: ev.outbound ? 'out' : 'in',
      messageType: ev.isCall ? 'call' : 'callResult',
      action: ev.method,
      messageId: ev.messageId,
      code: err.rpcErrorCode ?? 'FormatViolation',
      message: err.message ?? String(err),
      details: err.details?.errors ?? null,
      payload: ev.isCall ? ev.params : ev.result,
    });
  }

  _onBadMessage(ch, ev) {
    const text = String(ev.buffer);
    const msgId = frameMessageId(text);
    if (msgId !== null && ch.rawIds.has(msgId)) return;  // reply to a raw frame
    if (msgId !== null && ch.answeredIds.has(msgId)) {
      // An answer to one of our calls that arrived after its timeout: counted,
      // not a protocol violation.
      ch.answeredIds.delete(msgId);
      this.counters.lateResponses++;
      return;
    }
    this._addViolation(ch, {
      kind: 'malformed', dir: 'in', messageType: null, action: null, messageId: msgId,
      code: ev.error?.rpcErrorCode ?? 'RpcFrameworkError',
      message: ev.error?.message ?? 'Malformed frame', payload: text,
    });
  }

  // ---- charger-initiated calls -----------------------------------------------

  _rule(chargerId, action) {
    const b = this.config.behaviour;
    return b[chargerId]?.[action] ?? b['*']?.[action] ?? null;
  }

  async _dispatch(ch, client, {method, params}) {
    this.counters.callsIn++;
    ch.counters.calls[method] = (ch.counters.calls[method] || 0) + 1;
    if (method !== 'BootNotification' && ch.connectionBootStatus === 'Rejected') {
      this._addViolation(ch, {
        kind: 'sequence', dir: 'in', messageType: 'call', action: method, messageId: null,
        code: 'Sequence', message: `${method} sent after BootNotification was Rejected on this connection`,
        payload: params,
      });
    }
    const rule = this._rule(ch.id, method);
    if (rule?.delayMs) await sleep(rule.delayMs);
    if (rule?.drop) {
      this.counters.droppedCalls++;
      return NOREPLY;
    }
    if (rule?.callError) {
      this.counters.callErrorsSent++;
      throw createRPCError(rule.callError.code, rule.callError.description, {});
    }
    if (ch.client !== client) return NOREPLY;  // connection replaced meanwhile
    return this._answer(ch, method, params);
  }

  _idTagInfo(idTag) {
    const t = this.config.idTags;
    if (t.blocked.includes(idTag)) return {status: 'Blocked'};
    if (t.expired.includes(idTag)) return {status: 'Expired'};
    if (t.invalid.includes(idTag)) return {status: 'Invalid'};
    if (t.concurrentTx.includes(idTag)) return {status: 'ConcurrentTx'};
    return {status: 'Accepted'};
  }

  _event(ch, type, params) {
    ch.events.push({ts: nowIso(), type, params});
    if (ch.events.length > kMaxChargerEvents) ch.events.shift();
  }

  _answer(ch, method, p) {
    const now = nowIso();
    switch (method) {
      case 'BootNotification': {
        ch.bootCount++;
        const cfg = this.config;
        let status = cfg.bootStatus;
        if (cfg.bootAcceptAfter !== null && ch.bootCount > cfg.bootAcceptAfter) status = 'Accepted';
        const interval = status === 'Accepted' ? cfg.heartbeatInterval : (cfg.bootRetryInterval ?? cfg.heartbeatInterval);
        ch.boot = {ts: now, status, interval, count: ch.bootCount, params: p};
        ch.connectionBootStatus = status;
        return {status, currentTime: now, interval};
      }
      case 'Heartbeat':
        ch.lastHeartbeat = now;
        return {currentTime: now};
      case 'Authorize':
        return {idTagInfo: this._idTagInfo(p.idTag)};
      case 'StartTransaction':
        return this._startTransaction(ch, p);
      case 'StopTransaction':
        return this._stopTransaction(ch, p);
      case 'MeterValues':
        this._meterValues(ch, p.connectorId, p.transactionId, p.meterValue);
        return {};
      case 'StatusNotification': {
        const c = this._connector(ch, p.connectorId);
        Object.assign(c, {
          status: p.status, errorCode: p.errorCode, info: p.info ?? null, vendorId: p.vendorId ?? null,
          vendorErrorCode: p.vendorErrorCode ?? null, timestamp: p.timestamp ?? null, updatedAt: now,
        });
        return {};
      }
      case 'DataTransfer':
        this._event(ch, 'DataTransfer', p);
        return {status: this.config.dataTransferVendorIds.includes(p.vendorId) ? 'Accepted' : 'UnknownVendorId'};
      case 'DiagnosticsStatusNotification':
        ch.diagnosticsStatus = {ts: now, status: p.status};
        return {};
      case 'FirmwareStatusNotification':
        ch.firmwareStatus = {ts: now, status: p.status};
        return {};
      case 'SignCertificate':
        // The bench has no certificate authority.
        this._event(ch, method, p);
        return {status: 'Rejected'};
      default:  // SecurityEventNotification, LogStatusNotification, SignedFirmwareStatusNotification
        this._event(ch, method, p);
        return {};
    }
  }

  _findActiveTx(chargerId, connectorId) {
    for (const tx of this.transactions.values()) {
      if (tx.chargerId === chargerId && tx.connectorId === connectorId && tx.status === 'active') return tx;
    }
    return null;
  }

  _startTransaction(ch, p) {
    const idTagInfo = this._idTagInfo(p.idTag);
    const active = this._findActiveTx(ch.id, p.connectorId);
    if (active && active.idTag === p.idTag && active.meterStart === p.meterStart &&
        active.startTimestamp === p.timestamp) {
      // A retry whose first answer was lost: same transaction, same id.
      active.duplicateStarts++;
      return {transactionId: active.transactionId, idTagInfo};
    }
    if (active) {
      this._addViolation(ch, {
        kind: 'sequence', dir: 'in', messageType: 'call', action: 'StartTransaction', messageId: null,
        code: 'Sequence',
        message: `StartTransaction on connector ${p.connectorId} while transaction ${active.transactionId} is still active`,
        payload: p,
      });
    }
    const transactionId = this._nextTxId++;
    this.transactions.set(transactionId, {
      transactionId, chargerId: ch.id, connectorId: p.connectorId, idTag: p.idTag,
      idTagStatus: idTagInfo.status, reservationId: p.reservationId ?? null,
      meterStart: p.meterStart, startTimestamp: p.timestamp, startedAt: nowIso(),
      meterStop: null, stopTimestamp: null, stoppedAt: null, stopIdTag: null, reason: null,
      status: 'active', unknownAtStop: false, duplicateStarts: 0, duplicateStops: 0,
      meterValues: [], meterValuesDropped: 0, lastMeter: null,
    });
    return {transactionId, idTagInfo};
  }

  _stopTransaction(ch, p) {
    let tx = this.transactions.get(p.transactionId);
    if (tx && tx.status === 'ended' && tx.meterStop === p.meterStop && tx.stopTimestamp === p.timestamp) {
      tx.duplicateStops++;
    } else {
      if (!tx) {
        // Unknown id (e.g. started before a bench reset): recorded so it is visible.
        tx = {
          transactionId: p.transactionId, chargerId: ch.id, connectorId: null, idTag: null,
          idTagStatus: null, reservationId: null, meterStart: null, startTimestamp: null, startedAt: null,
          status: 'active', unknownAtStop: true, duplicateStarts: 0, duplicateStops: 0,
          meterValues: [], meterValuesDropped: 0, lastMeter: null,
        };
        this.transactions.set(p.transactionId, tx);
      }
      Object.assign(tx, {
        meterStop: p.meterStop, stopTimestamp: p.timestamp, stoppedAt: nowIso(),
        stopIdTag: p.idTag ?? null, reason: p.reason ?? 'Local', status: 'ended',
      });
      if (p.transactionData) this._appendTxMeterValues(tx, p.transactionData);
    }
    return p.idTag !== undefined ? {idTagInfo: this._idTagInfo(p.idTag)} : {};
  }

  _appendTxMeterValues(tx, meterValue) {
    for (const mv of meterValue) {
      if (tx.meterValues.length >= kMaxTxMeterValues) {
        tx.meterValuesDropped++;
      } else {
        tx.meterValues.push(mv);
      }
    }
    tx.lastMeter = {...(tx.lastMeter || {}), ...summariseMeterValues(meterValue)};
  }

  _meterValues(ch, connectorId, transactionId, meterValue) {
    const c = this._connector(ch, connectorId);
    c.meter = {
      updatedAt: nowIso(), transactionId: transactionId ?? null,
      timestamp: meterValue[meterValue.length - 1]?.timestamp ?? null,
      ...(c.meter && c.meter.transactionId === (transactionId ?? null) ? pickSummary(c.meter) : {}),
      ...summariseMeterValues(meterValue),
      sampledValue: meterValue[meterValue.length - 1]?.sampledValue ?? [],
    };
    if (transactionId !== undefined) {
      const tx = this.transactions.get(transactionId);
      if (tx) this._appendTxMeterValues(tx, meterValue);
    }
  }

  // ---- central-system-initiated calls ------------------------------------------

  connectedClient(chargerId) {
    const ch = this.chargers.get(chargerId);
    return ch && ch.connected ? ch : null;
  }

  // Returns {ok:true,result} or {ok:false,error:{code,message,details}}.
  async call(chargerId, action, payload, timeoutMs) {
    if (!CSMS_ACTIONS.includes(action)) throw new Error(`unsupported action '${action}'`);
    const ch = this.connectedClient(chargerId);
    if (!ch) return {ok: false, error: {code: 'NotConnected', message: `charger '${chargerId}' is not connected`, details: {}}};
    this.counters.callsOut++;
    try {
      const result = await ch.client.call(action, payload, {callTimeoutMs: timeoutMs ?? kDefaultCallTimeoutMs});
      return {ok: true, result};
    } catch (err) {
      let code = err.rpcErrorCode ?? null;
      if (!code) code = err.name === 'TimeoutError' || err.constructor?.name === 'TimeoutError' ? 'Timeout' : 'Error';
      return {ok: false, error: {code, message: err.message || String(err), details: err.details ?? {}}};
    }
  }

  // Sends an arbitrary text frame; resolves with the reply text or null.
  async sendRaw(chargerId, text, timeoutMs) {
    const ch = this.connectedClient(chargerId);
    if (!ch) return {ok: false, error: {code: 'NotConnected', message: `charger '${chargerId}' is not connected`, details: {}}};
    const msgId = frameMessageId(text);
    if (msgId !== null) this._rememberRawId(ch, msgId);
    // A well-formed frame is answered under its own id; the answer to a frame
    // that is not valid JSON carries whatever id the charger could make out.
    const parsed = parseFrame(text);
    const exact = Array.isArray(parsed) && typeof parsed[1] === 'string';
    let waiter = null;
    const replyPromise = new Promise((resolve) => {
      waiter = {msgId, exact, resolve};
    });
    if (timeoutMs > 0) ch.rawWaiters.push(waiter);
    try {
      ch.client.sendRaw(text);
    } catch (err) {
      ch.rawWaiters = ch.rawWaiters.filter((w) => w !== waiter);
      return {ok: false, error: {code: 'SendFailed', message: err.message, details: {}}};
    }
    if (!(timeoutMs > 0)) return {ok: true, sent: text, reply: null, replyFrame: null};
    const timer = setTimeout(() => waiter.resolve(null), timeoutMs);
    const reply = await replyPromise;
    clearTimeout(timer);
    ch.rawWaiters = ch.rawWaiters.filter((w) => w !== waiter);
    return {ok: true, sent: text, reply, replyFrame: reply === null ? null : parseFrame(reply)};
  }

  async disconnect(chargerId, {code = 1000, reason = 'Disconnected by bench-csms', force = false} = {}) {
    const ch = this.connectedClient(chargerId);
    if (!ch) return false;
    await ch.client.close({code, reason, force});
    return true;
  }

  // ---- views for the API --------------------------------------------------------

  chargerView(ch) {
    const connectors = [...ch.connectors.values()].sort((a, b) => a.connectorId - b.connectorId);
    return {
      id: ch.id, connected: ch.connected, connectedAt: ch.connectedAt, disconnectedAt: ch.disconnectedAt,
      disconnect: ch.disconnect, remoteAddress: ch.remoteAddress, protocol: ch.protocol,
      bootCount: ch.bootCount, boot: ch.boot, lastHeartbeat: ch.lastHeartbeat,
      diagnosticsStatus: ch.diagnosticsStatus, firmwareStatus: ch.firmwareStatus,
      connectors, counters: ch.counters, events: ch.events,
    };
  }

  stateView() {
    const txs = [...this.transactions.values()];
    return {
      now: nowIso(),
      server: this.serverInfo ?? null,
      counters: {
        ...this.counters,
        chargersConnected: [...this.chargers.values()].filter((c) => c.connected).length,
        refusedHandshakes: this.refusedTotal,
        violations: this.violationsTotal,
        transactionsActive: txs.filter((t) => t.status === 'active').length,
        transactionsEnded: txs.filter((t) => t.status === 'ended').length,
      },
      logError: this._logError,
      chargers: [...this.chargers.values()].map((ch) => this.chargerView(ch)),
    };
  }

  transactionsView({withMeterValues = true} = {}) {
    return [...this.transactions.values()].map((tx) => {
      const v = {...tx, meterValueCount: tx.meterValues.length};
      if (!withMeterValues) delete v.meterValues;
      return v;
    });
  }

  framesView(chargerId, since) {
    const frames = this.frames.filter((f) => f.seq > since && (chargerId === null || f.chargerId === chargerId));
    return {frames, lastSeq: this._frameSeq, oldestSeq: this.frames.length ? this.frames[0].seq : null};
  }

  // ---- lifecycle ---------------------------------------------------------------

  async close() {
    await this.server.close({code: 1001, reason: 'bench-csms stopping', force: true});
    if (this._log) {
      await new Promise((resolve) => this._log.end(resolve));
      this._log = null;
    }
  }
}

function pickSummary(meter) {
  const out = {};
  for (const k of ['energyWh', 'powerW', 'currentA', 'voltageV', 'soc']) {
    if (meter[k] !== undefined) out[k] = meter[k];
  }
  return out;
}

module.exports = {Bench, kEndpoint, kProtocol, summariseMeterValues};
