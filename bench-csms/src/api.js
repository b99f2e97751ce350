'use strict';
// HTTP control API (JSON) and the static web page, served on 127.0.0.1 only.

const fs = require('fs');
const http = require('http');
const path = require('path');
const {CSMS_ACTIONS, ConfigError, isPlainObject} = require('./config');

const kMaxBodyBytes = 1024 * 1024;
const kMaxTimeoutMs = 10 * 60 * 1000;
const kDefaultCallTimeoutMs = 30000;
const kDefaultRawTimeoutMs = 2000;
const kPublicDir = path.join(__dirname, 'public');
const kStaticFiles = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/index.html': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
};

const kErrorCodes = {400: 'BadRequest', 404: 'NotFound', 405: 'MethodNotAllowed', 413: 'PayloadTooLarge', 500: 'InternalError'};

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store'});
  res.end(text);
}

async function readJsonBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > kMaxBodyBytes) throw new ApiError(413, `request body larger than ${kMaxBodyBytes} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError(400, `request body is not valid JSON: ${err.message}`);
  }
}

function requireObject(body) {
  if (!isPlainObject(body)) throw new ApiError(400, 'request body must be a JSON object');
  return body;
}

function checkKeys(body, allowed) {
  for (const k of Object.keys(body)) {
    if (!allowed.includes(k)) throw new ApiError(400, `unknown field '${k}' (allowed: ${allowed.join(', ')})`);
  }
}

function timeoutParam(body, def) {
  if (body.timeoutMs === undefined) return def;
  const t = body.timeoutMs;
  if (!Number.isInteger(t) || t < 0 || t > kMaxTimeoutMs) {
    throw new ApiError(400, `timeoutMs must be an integer in [0, ${kMaxTimeoutMs}]`);
  }
  return t;
}

function intQuery(url, name, def) {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return def;
  if (!/^\d+$/.test(v)) throw new ApiError(400, `query parameter '${name}' must be a non-negative integer`);
  return Number(v);
}

function createApiServer(bench) {
  const routes = [
    ['GET', /^\/api\/state$/, () => bench.stateView()],
    ['GET', /^\/api\/config$/, () => bench.publicConfig()],
    ['GET', /^\/api\/transactions$/, (req, url) => {
      const meter = url.searchParams.get('meterValues');
      if (meter !== null && meter !== 'true' && meter !== 'false') {
        throw new ApiError(400, "query parameter 'meterValues' must be true or false");
      }
      return {transactions: bench.transactionsView({withMeterValues: meter !== 'false'})};
    }],
    ['GET', /^\/api\/frames$/, (req, url) => {
      const charger = url.searchParams.get('charger');
      return bench.framesView(charger === '' ? null : charger, intQuery(url, 'since', 0));
    }],
    ['GET', /^\/api\/violations$/, () => ({violations: bench.violations, total: bench.violationsTotal})],
    ['GET', /^\/api\/refused$/, () => ({refused: bench.refused, total: bench.refusedTotal})],
    ['POST', /^\/api\/config$/, async (req) => {
      const body = requireObject(await readJsonBody(req));
      try {
        return {ok: true, config: bench.updateConfig(body)};
      } catch (err) {
        if (err instanceof ConfigError) throw new ApiError(400, err.message);
        throw err;
      }
    }],
    ['POST', /^\/api\/reset$/, async (req) => {
      const body = requireObject(await readJsonBody(req));
      checkKeys(body, ['config']);
      if (body.config !== undefined && typeof body.config !== 'boolean') {
        throw new ApiError(400, "'config' must be a boolean");
      }
      bench.reset({config: body.config === true});
      return {ok: true};
    }],
    ['POST', /^\/api\/chargers\/([^/]+)\/call$/, async (req, url, [id]) => {
      const body = requireObject(await readJsonBody(req));
      checkKeys(body, ['action', 'payload', 'timeoutMs']);
      if (typeof body.action !== 'string' || !CSMS_ACTIONS.includes(body.action)) {
        throw new ApiError(400, `'action' must be one of the central-system-initiated actions: ${CSMS_ACTIONS.join(', ')}`);
      }
      const payload = body.payload === undefined ? {} : body.payload;
      if (!isPlainObject(payload)) throw new ApiError(400, "'payload' must be a JSON object");
      const timeoutMs = timeoutParam(body, kDefaultCallTimeoutMs);
      if (timeoutMs === 0) throw new ApiError(400, 'timeoutMs must be positive for a call');
      const out = await bench.call(id, body.action, payload, timeoutMs);
      return out.ok || out.error.code !== 'NotConnected' ? out : [409, out];
    }],
    ['POST', /^\/api\/chargers\/([^/]+)\/raw$/, async (req, url, [id]) => {
      const body = requireObject(await readJsonBody(req));
      checkKeys(body, ['text', 'timeoutMs']);
      if (typeof body.text !== 'string' || body.text.length === 0) {
        throw new ApiError(400, "'text' must be a non-empty string (the frame to send as is)");
      }
      const out = await bench.sendRaw(id, body.text, timeoutParam(body, kDefaultRawTimeoutMs));
      return out.ok ? out : [409, out];
    }],
    ['POST', /^\/api\/chargers\/([^/]+)\/disconnect$/, async (req, url, [id]) => {
      const body = requireObject(await readJsonBody(req));
      checkKeys(body, ['code', 'reason', 'force']);
      const opts = {};
      if (body.code !== undefined) {
        if (!Number.isInteger(body.code) || !(body.code === 1000 || (body.code >= 3000 && body.code <= 4999))) {
          throw new ApiError(400, "'code' must be 1000 or in [3000, 4999]");
        }
        opts.code = body.code;
      }
      if (body.reason !== undefined) {
        if (typeof body.reason !== 'string' || Buffer.byteLength(body.reason) > 123) {
          throw new ApiError(400, "'reason' must be a string of at most 123 bytes");
        }
        opts.reason = body.reason;
      }
      if (body.force !== undefined) {
        if (typeof body.force !== 'boolean') throw new ApiError(400, "'force' must be a boolean");
        opts.force = body.force;
      }
      const done = await bench.disconnect(id, opts);
      return done ? {ok: true} : [409, {ok: false, error: {code: 'NotConnected', message: `charger '${id}' is not connected`, details: {}}}];
    }],
  ];

  async function handle(req, res) {
    const url = new URL(req.url, 'http://localhost');
    const staticFile = kStaticFiles[url.pathname];
    if (staticFile && req.method === 'GET') {
      const [file, type] = staticFile;
      const body = await fs.promises.readFile(path.join(kPublicDir, file));
      res.writeHead(200, {'content-type': type, 'cache-control': 'no-store'});
      res.end(body);
      return;
    }
    let pathMatched = false;
    for (const [method, re, fn] of routes) {
      const m = re.exec(url.pathname);
      if (!m) continue;
      pathMatched = true;
      if (method !== req.method) continue;
      let params;
      try {
        params = m.slice(1).map(decodeURIComponent);
      } catch {
        throw new ApiError(400, 'bad percent-encoding in the URL');
      }
      const out = await fn(req, url, params);
      if (Array.isArray(out)) sendJson(res, out[0], out[1]);
      else sendJson(res, 200, out);
      return;
    }
    if (pathMatched) throw new ApiError(405, `method ${req.method} not allowed on ${url.pathname}`);
    throw new ApiError(404, `no such endpoint: ${req.method} ${url.pathname}`);
  }

  return http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      const status = err instanceof ApiError ? err.status : 500;
      const code = kErrorCodes[status] ?? 'BadRequest';
      if (!res.headersSent) sendJson(res, status, {ok: false, error: {code, message: err.message}});
      else res.destroy();
    });
  });
}

module.exports = {createApiServer};
