'use strict';
// Bench configuration: defaults, validation and merging of partial updates
// (CLI options, startBenchCsms() options and POST /api/config share this code).

const BOOT_STATUSES = ['Accepted', 'Pending', 'Rejected'];

// OCPP-J 1.6 CALLERROR codes a behaviour rule may answer with. ocpp-rpc
// rewrites the spelling of two of them on the wire as the 1.6J errata asks.
const CALL_ERROR_CODES = [
  'NotImplemented', 'NotSupported', 'InternalError', 'ProtocolError',
  'SecurityError', 'FormationViolation', 'PropertyConstraintViolation',
  'OccurenceConstraintViolation', 'OccurrenceConstraintViolation',
  'TypeConstraintViolation', 'GenericError',
];

// Charger-initiated actions of OCPP 1.6 (Core, firmware/diagnostics and the
// security extension, all of which have schemas in ocpp-rpc).
const CHARGER_ACTIONS = [
  'Authorize', 'BootNotification', 'DataTransfer',
  'DiagnosticsStatusNotification', 'FirmwareStatusNotification', 'Heartbeat',
  'MeterValues', 'StartTransaction', 'StatusNotification', 'StopTransaction',
  'SecurityEventNotification', 'SignCertificate', 'LogStatusNotification',
  'SignedFirmwareStatusNotification',
];

// Central-system-initiated actions that POST /api/chargers/:id/call accepts.
const CSMS_ACTIONS = [
  'CancelReservation', 'ChangeAvailability', 'ChangeConfiguration',
  'ClearCache', 'ClearChargingProfile', 'DataTransfer', 'GetCompositeSchedule',
  'GetConfiguration', 'GetDiagnostics', 'GetLocalListVersion',
  'RemoteStartTransaction', 'RemoteStopTransaction', 'ReserveNow', 'Reset',
  'SendLocalList', 'SetChargingProfile', 'TriggerMessage', 'UnlockConnector',
  'UpdateFirmware', 'CertificateSigned', 'DeleteCertificate',
  'ExtendedTriggerMessage', 'GetInstalledCertificateIds', 'GetLog',
  'InstallCertificate', 'SignedUpdateFirmware',
];

const ID_TAG_LISTS = ['blocked', 'invalid', 'expired', 'concurrentTx'];

const kDefaultHeartbeatIntervalS = 60;
const kMaxIntervalS = 7 * 24 * 3600;
const kMaxDelayMs = 10 * 60 * 1000;
const kMaxIdTagLength = 20;  // CiString20Type in OCPP 1.6
const kMaxIdentityLength = 255;

class ConfigError extends Error {}

function defaultConfig() {
  return {
    bootStatus: 'Accepted',
    bootAcceptAfter: null,
    heartbeatInterval: kDefaultHeartbeatIntervalS,
    bootRetryInterval: null,
    requireAuth: false,
    authKeys: {},
    idTags: {blocked: [], invalid: [], expired: [], concurrentTx: []},
    dataTransferVendorIds: [],
    behaviour: {},
  };
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkInt(name, v, min, max) {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(`${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

function checkStringList(name, v, maxLen) {
  if (!Array.isArray(v)) throw new ConfigError(`${name} must be an array of strings`);
  for (const s of v) {
    if (typeof s !== 'string' || s.length === 0 || s.length > maxLen) {
      throw new ConfigError(`${name} entries must be non-empty strings of at most ${maxLen} characters, got ${JSON.stringify(s)}`);
    }
  }
  return [...new Set(v)];
}

function checkIdentity(name, id) {
  if (typeof id !== 'string' || id.length === 0 || id.length > kMaxIdentityLength || id.includes('/')) {
    throw new ConfigError(`${name}: charger id must be a non-empty string without '/', got ${JSON.stringify(id)}`);
  }
}

// One behaviour rule: {callError?: code | {code, description}, delayMs?, drop?}.
function checkRule(where, rule) {
  if (!isPlainObject(rule)) throw new ConfigError(`${where} must be an object or null`);
  const out = {};
  for (const [k, v] of Object.entries(rule)) {
    if (k === 'callError') {
      if (v === null) continue;
      const spec = typeof v === 'string' ? {code: v} : v;
      if (!isPlainObject(spec) || !CALL_ERROR_CODES.includes(spec.code)) {
        throw new ConfigError(`${where}.callError must be one of ${CALL_ERROR_CODES.join(', ')} (or {code, description})`);
      }
      if (spec.description !== undefined && typeof spec.description !== 'string') {
        throw new ConfigError(`${where}.callError.description must be a string`);
      }
      out.callError = {code: spec.code, description: spec.description ?? 'Injected by bench-csms behaviour rule'};
    } else if (k === 'delayMs') {
      out.delayMs = checkInt(`${where}.delayMs`, v, 0, kMaxDelayMs);
    } else if (k === 'drop') {
      if (typeof v !== 'boolean') throw new ConfigError(`${where}.drop must be a boolean`);
      if (v) out.drop = true;
    } else {
      throw new ConfigError(`${where}: unknown field '${k}' (expected callError, delayMs, drop)`);
    }
  }
  if (out.drop && out.callError) {
    throw new ConfigError(`${where}: drop and callError exclude each other`);
  }
  return out;
}

// Applies a partial update to a copy of `base` and returns the new config.
// Throws ConfigError on the first bad field; `base` is never modified.
function mergeConfig(base, update) {
  if (!isPlainObject(update)) throw new ConfigError('config update must be a JSON object');
  const cfg = structuredClone(base);
  for (const [key, value] of Object.entries(update)) {
    switch (key) {
      case 'bootStatus':
        if (!BOOT_STATUSES.includes(value)) {
          throw new ConfigError(`bootStatus must be one of ${BOOT_STATUSES.join(', ')}`);
        }
        cfg.bootStatus = value;
        break;
      case 'bootAcceptAfter':
        cfg.bootAcceptAfter = value === null ? null : checkInt('bootAcceptAfter', value, 0, 1e6);
        break;
      case 'heartbeatInterval':
        cfg.heartbeatInterval = checkInt('heartbeatInterval', value, 0, kMaxIntervalS);
        break;
      case 'bootRetryInterval':
        cfg.bootRetryInterval = value === null ? null : checkInt('bootRetryInterval', value, 0, kMaxIntervalS);
        break;
      case 'requireAuth':
        if (typeof value !== 'boolean') throw new ConfigError('requireAuth must be a boolean');
        cfg.requireAuth = value;
        break;
      case 'authKeys':
        if (!isPlainObject(value)) throw new ConfigError('authKeys must be an object {chargerId: key|null}');
        for (const [id, k] of Object.entries(value)) {
          checkIdentity('authKeys', id);
          if (k === null) {
            delete cfg.authKeys[id];
          } else if (typeof k !== 'string' || k.length === 0) {
            throw new ConfigError(`authKeys.${id} must be a non-empty string or null`);
          } else {
            cfg.authKeys[id] = k;
          }
        }
        break;
      case 'idTags':
        if (!isPlainObject(value)) throw new ConfigError(`idTags must be an object with lists ${ID_TAG_LISTS.join(', ')}`);
        for (const [list, tags] of Object.entries(value)) {
          if (!ID_TAG_LISTS.includes(list)) {
            throw new ConfigError(`idTags: unknown list '${list}' (expected ${ID_TAG_LISTS.join(', ')})`);
          }
          cfg.idTags[list] = checkStringList(`idTags.${list}`, tags, kMaxIdTagLength);
        }
        break;
      case 'dataTransferVendorIds':
        cfg.dataTransferVendorIds = checkStringList('dataTransferVendorIds', value, 255);
        break;
      case 'behaviour':
        if (!isPlainObject(value)) {
          throw new ConfigError("behaviour must be an object {'*'|chargerId: {Action: rule|null} | null}");
        }
        for (const [scope, rules] of Object.entries(value)) {
          if (scope !== '*') checkIdentity('behaviour', scope);
          if (rules === null) {
            delete cfg.behaviour[scope];
            continue;
          }
          if (!isPlainObject(rules)) throw new ConfigError(`behaviour['${scope}'] must be an object or null`);
          const merged = {...(cfg.behaviour[scope] || {})};
          for (const [action, rule] of Object.entries(rules)) {
            if (!CHARGER_ACTIONS.includes(action)) {
              throw new ConfigError(`behaviour['${scope}']: '${action}' is not a charger-initiated OCPP 1.6 action`);
            }
            if (rule === null) {
              delete merged[action];
            } else {
              const r = checkRule(`behaviour['${scope}'].${action}`, rule);
              if (Object.keys(r).length === 0) delete merged[action];
              else merged[action] = r;
            }
          }
          if (Object.keys(merged).length === 0) delete cfg.behaviour[scope];
          else cfg.behaviour[scope] = merged;
        }
        break;
      default:
        throw new ConfigError(`unknown config field '${key}'`);
    }
  }
  return cfg;
}

module.exports = {
  BOOT_STATUSES,
  CALL_ERROR_CODES,
  CHARGER_ACTIONS,
  CSMS_ACTIONS,
  ConfigError,
  defaultConfig,
  mergeConfig,
  isPlainObject,
  kDefaultHeartbeatIntervalS,
};
