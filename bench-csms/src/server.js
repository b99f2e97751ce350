#!/usr/bin/env node
'use strict';
// bench-csms entry point: command line and the programmatic startBenchCsms().

const fs = require('fs');
const http = require('http');
const https = require('https');
const {Bench, kEndpoint} = require('./bench');
const {createApiServer} = require('./api');
const {BOOT_STATUSES, ConfigError} = require('./config');

const kApiHost = '127.0.0.1';

const USAGE = `usage: node bench-csms/src/server.js [options]
  --ws-port N              OCPP WebSocket port (0 = ephemeral, default 0)
  --http-port N            HTTP API / web page port on 127.0.0.1 (0 = ephemeral, default 0)
  --host H                 address the OCPP port binds to (default 127.0.0.1)
  --tls-cert F --tls-key F serve wss:// with this PEM certificate and key
  --auth ID=KEY            Basic-auth key for charger ID (repeatable)
  --require-auth           refuse chargers without a configured key
  --log FILE               append every frame as JSON lines to FILE
  --boot-status S          BootNotification answer: ${BOOT_STATUSES.join('|')} (default Accepted)
  --boot-accept-after N    answer Accepted from the (N+1)th boot of each charger on
  --heartbeat-interval S   interval given in BootNotification (default 60)
  --ping-interval-ms N     WebSocket ping interval (default 30000, 0 = off)
  --quiet                  no human-readable log on stderr
  --help                   this text`;

class UsageError extends Error {}

function parsePort(name, v) {
  if (!/^\d+$/.test(v ?? '') || Number(v) > 65535) throw new UsageError(`${name} needs a port number 0..65535, got '${v}'`);
  return Number(v);
}

function parseNonNegInt(name, v) {
  if (!/^\d+$/.test(v ?? '')) throw new UsageError(`${name} needs a non-negative integer, got '${v}'`);
  return Number(v);
}

function parseArgs(argv) {
  const o = {config: {}, quiet: false};
  const authKeys = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new UsageError(`${arg} needs a value`);
      return argv[++i];
    };
    switch (arg) {
      case '--ws-port': o.wsPort = parsePort(arg, next()); break;
      case '--http-port': o.httpPort = parsePort(arg, next()); break;
      case '--host': o.host = next(); break;
      case '--tls-cert': o.tlsCert = next(); break;
      case '--tls-key': o.tlsKey = next(); break;
      case '--auth': {
        const v = next();
        const eq = v.indexOf('=');
        if (eq <= 0 || eq === v.length - 1) throw new UsageError(`--auth needs ID=KEY, got '${v}'`);
        authKeys[v.slice(0, eq)] = v.slice(eq + 1);
        break;
      }
      case '--require-auth': o.config.requireAuth = true; break;
      case '--log': o.log = next(); break;
      case '--boot-status': o.config.bootStatus = next(); break;
      case '--boot-accept-after': o.config.bootAcceptAfter = parseNonNegInt(arg, next()); break;
      case '--heartbeat-interval': o.config.heartbeatInterval = parseNonNegInt(arg, next()); break;
      case '--ping-interval-ms': o.pingIntervalMs = parseNonNegInt(arg, next()); break;
      case '--quiet': o.quiet = true; break;
      case '--help': case '-h': o.help = true; break;
      default: throw new UsageError(`unknown option '${arg}'`);
    }
  }
  if (Object.keys(authKeys).length) o.config.authKeys = authKeys;
  return o;
}

function readPem(v, what) {
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string' && v.includes('-----BEGIN')) return v;
  try {
    return fs.readFileSync(v);
  } catch (err) {
    throw new UsageError(`cannot read TLS ${what} '${v}': ${err.message}`);
  }
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({port, host}, () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

function urlHost(host) {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Starts a bench CSMS.
 * options: {wsPort=0, httpPort=0, host='127.0.0.1', tlsCert, tlsKey (file path, PEM string or Buffer),
 *   log (file path), quiet=true, pingIntervalMs, config: {bootStatus, bootAcceptAfter, heartbeatInterval,
 *   bootRetryInterval, requireAuth, authKeys, idTags, dataTransferVendorIds, behaviour}}
 * Resolves with {wsUrl, httpUrl, bench, close()}.
 */
async function startBenchCsms(options = {}) {
  const host = options.host ?? '127.0.0.1';
  const quiet = options.quiet ?? true;
  const info = quiet ? () => {} : (msg) => process.stderr.write(`[bench-csms ${new Date().toISOString()}] ${msg}\n`);
  if (!!options.tlsCert !== !!options.tlsKey) throw new UsageError('--tls-cert and --tls-key go together');
  const tls = options.tlsCert ? {cert: readPem(options.tlsCert, 'certificate'), key: readPem(options.tlsKey, 'key')} : null;

  const bench = new Bench({config: options.config, logFile: options.log, info, pingIntervalMs: options.pingIntervalMs});
  const notFound = (req, res) => {
    res.writeHead(404, {'content-type': 'text/plain'});
    res.end(`OCPP 1.6J endpoint: connect with WebSocket to ${kEndpoint}/<chargePointId>\n`);
  };
  const wsServer = tls ? https.createServer(tls, notFound) : http.createServer(notFound);
  wsServer.on('upgrade', bench.server.handleUpgrade);
  const apiServer = createApiServer(bench);

  let wsPort;
  let httpPort;
  try {
    wsPort = await listen(wsServer, options.wsPort ?? 0, host);
    httpPort = await listen(apiServer, options.httpPort ?? 0, kApiHost);
  } catch (err) {
    wsServer.close();
    apiServer.close();
    await bench.close();
    throw err;
  }
  const wsUrl = `${tls ? 'wss' : 'ws'}://${urlHost(host)}:${wsPort}${kEndpoint}/`;
  const httpUrl = `http://${kApiHost}:${httpPort}`;
  bench.serverInfo = {wsUrl, httpUrl, tls: !!tls};
  info(`OCPP on ${wsUrl}<id>, API and page on ${httpUrl}`);

  let closing = null;
  const close = () => {
    if (!closing) {
      closing = (async () => {
        await bench.close();
        await Promise.all([wsServer, apiServer].map((s) => new Promise((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections?.();
        })));
      })();
    }
    return closing;
  };
  return {wsUrl, httpUrl, bench, close};
}

async function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench-csms: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (opts.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  let handle;
  try {
    handle = await startBenchCsms({...opts, quiet: opts.quiet});
  } catch (err) {
    const usage = err instanceof UsageError || err instanceof ConfigError;
    process.stderr.write(`bench-csms: ${err.message}\n`);
    process.exit(usage ? 2 : 1);
  }
  process.stdout.write(JSON.stringify({event: 'ready', wsUrl: handle.wsUrl, httpUrl: handle.httpUrl}) + '\n');
  const stop = (signal) => {
    if (!opts.quiet) process.stderr.write(`bench-csms: ${signal}, stopping\n`);
    handle.close().then(() => process.exit(0), (err) => {
      process.stderr.write(`bench-csms: error while stopping: ${err.message}\n`);
      process.exit(1);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

if (require.main === module) main();

module.exports = {startBenchCsms, parseArgs};
