'use strict';
// Shared helpers for the bench's own tests (not a test file itself).

const {RPCClient} = require('ocpp-rpc');
const {startBenchCsms} = require('../src/server');

const kWaitStepMs = 25;
const kDefaultWaitMs = 5000;

async function withBench(options, fn) {
  const bench = await startBenchCsms({quiet: true, ...options});
  const clients = [];
  const t = {
    ...bench,
    get: (path) => getJson(bench.httpUrl + path),
    post: (path, body) => postJson(bench.httpUrl + path, body),
    // A fake charge point; strict (validating) unless strict:false is given.
    client: async (id, opts = {}) => {
      const {connect = true, strict = true, ...rest} = opts;
      const c = new RPCClient({
        endpoint: bench.wsUrl.replace(/\/$/, ''),
        identity: id,
        protocols: ['ocpp1.6'],
        strictMode: strict,
        reconnect: false,
        ...rest,
      });
      clients.push(c);
      if (connect) await c.connect();
      return c;
    },
  };
  try {
    return await fn(t);
  } finally {
    await Promise.all(clients.map((c) => c.close({force: true}).catch(() => {})));
    await bench.close();
  }
}

async function getJson(url) {
  const res = await fetch(url);
  return {status: res.status, body: await res.json()};
}

async function postJson(url, body) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {'content-type': 'application/json'},
    body: typeof body === 'string' ? body : JSON.stringify(body ?? {}),
  });
  return {status: res.status, body: await res.json()};
}

// Polls fn until it returns a truthy value; throws with `what` after timeoutMs.
async function waitFor(fn, what, timeoutMs = kDefaultWaitMs) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, kWaitStepMs));
  }
}

const bootPayload = {chargePointVendor: 'TestVendor', chargePointModel: 'TestModel'};

module.exports = {withBench, getJson, postJson, waitFor, bootPayload};
