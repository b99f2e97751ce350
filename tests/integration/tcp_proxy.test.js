'use strict';
// Unit tests of tcp_proxy.js with plain sockets on 127.0.0.1: a target server that records what
// it receives and can answer, clients through the proxy, every mode and the counters.
// "Nothing arrives" is checked by waiting kQuietMs; everything else is awaited (bounded).

const assert = require('node:assert/strict');
const net = require('node:net');
const test = require('node:test');
const {TcpProxy} = require('./tcp_proxy');

const kWaitMs = 5000;   // bound of every awaited condition
const kQuietMs = 400;   // how long "nothing happens" is watched
const kStepMs = 10;

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function until(fn, what, timeoutMs = kWaitMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(kStepMs);
  }
}

// A socket with what it received and how it ended recorded.
function track(sock) {
  const t = {sock, data: '', ended: false, closed: false, error: null};
  sock.setEncoding('utf8');
  sock.on('data', (d) => {
    t.data += d;
  });
  sock.on('end', () => {
    t.ended = true;
  });
  sock.on('error', (err) => {
    t.error = err;
  });
  sock.on('close', () => {
    t.closed = true;
  });
  return t;
}

// Target server: records its connections; echoes when told to.
async function startTarget({echo = true} = {}) {
  const conns = [];
  const server = net.createServer((sock) => {
    const t = track(sock);
    if (echo) sock.on('data', (d) => sock.write(d));
    conns.push(t);
  });
  await new Promise((resolve) => server.listen({host: '127.0.0.1', port: 0}, resolve));
  return {
    server, conns, port: server.address().port,
    close: () => new Promise((resolve) => {
      for (const c of conns) c.sock.destroy();
      server.close(() => resolve());
    }),
  };
}

async function connectTo(port) {
  const sock = net.connect({host: '127.0.0.1', port});
  const t = track(sock);
  await new Promise((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  return t;
}

// Runs fn({target, proxy}) and always closes both.
function withProxy(name, fn, {echo = true} = {}) {
  test(name, {timeout: 30000}, async () => {
    const target = await startTarget({echo});
    const proxy = await TcpProxy.start({targetHost: '127.0.0.1', targetPort: target.port});
    const clients = [];
    const connect = async () => {
      const c = await connectTo(proxy.port);
      clients.push(c);
      return c;
    };
    try {
      await fn({target, proxy, connect});
    } finally {
      for (const c of clients) c.sock.destroy();
      await proxy.close();
      await target.close();
    }
  });
}

withProxy('forward: bytes both ways, counters, attempts, close passed on', async ({target, proxy, connect}) => {
  assert.ok(proxy.port > 0);
  const c = await connect();
  c.sock.write('hello');
  await until(() => c.data === 'hello', 'echo through the proxy');
  assert.equal(target.conns.length, 1);
  assert.equal(target.conns[0].data, 'hello');
  assert.equal(proxy.counters.accepted, 1);
  assert.equal(proxy.counters.forwarded, 1);
  assert.equal(proxy.counters.bytesUp, 5);
  assert.equal(proxy.counters.bytesDown, 5);
  assert.equal(proxy.counters.active, 1);
  assert.equal(proxy.attempts.length, 1);
  assert.equal(proxy.attempts[0].mode, 'forward');

  // The target closes: the client sees its end, and the proxy lets the pair go.
  target.conns[0].sock.end();
  await until(() => c.ended && c.closed, 'client sees the close');
  assert.equal(c.error, null);
  await until(() => proxy.counters.active === 0, 'pair released');

  // The client half-closes: the target sees the end.
  const c2 = await connect();
  await until(() => target.conns.length === 2, 'second upstream');
  c2.sock.end();
  await until(() => target.conns[1].ended, 'target sees the client end');
});

withProxy('urlFor: keeps scheme and path, replaces host and port', async ({proxy}) => {
  assert.equal(proxy.urlFor('ws://localhost:1234/ocpp/'), `ws://127.0.0.1:${proxy.port}/ocpp/`);
  assert.equal(proxy.urlFor('wss://127.0.0.1:9/a/b?x=1'), `wss://127.0.0.1:${proxy.port}/a/b?x=1`);
});

withProxy('cut: every connection reset on both sides, still listening', async ({target, proxy, connect}) => {
  const a = await connect();
  const b = await connect();
  a.sock.write('a');
  b.sock.write('b');
  await until(() => a.data === 'a' && b.data === 'b', 'both echo');
  proxy.cut();
  await until(() => a.closed && b.closed, 'clients closed');
  assert.equal(a.error?.code, 'ECONNRESET');
  assert.equal(b.error?.code, 'ECONNRESET');
  await until(() => target.conns.every((t) => t.closed), 'target sides closed');
  assert.ok(target.conns.every((t) => t.error?.code === 'ECONNRESET'), 'target sides reset');
  assert.equal(proxy.counters.active, 0);
  assert.equal(proxy.counters.cuts, 1);

  const c = await connect();
  c.sock.write('again');
  await until(() => c.data === 'again', 'new connection forwards after cut');
});

withProxy('blackhole: nothing forwarded either way, no FIN/RST passed on, new connections unanswered',
  async ({target, proxy, connect}) => {
    const c = await connect();
    c.sock.write('1');
    await until(() => c.data === '1', 'echo before the black hole');
    const up = target.conns[0];
    const before = {...proxy.counters};

    proxy.blackhole();
    c.sock.write('2');
    up.sock.write('3');
    await sleep(kQuietMs);
    assert.equal(up.data, '1', 'client bytes reached the target through the black hole');
    assert.equal(c.data, '1', 'target bytes reached the client through the black hole');

    // The target goes away: the client must not notice (half-open).
    up.sock.destroy();
    await sleep(kQuietMs);
    assert.equal(c.closed, false, 'client saw a close through the black hole');
    assert.equal(c.ended, false);
    assert.equal(c.error, null);

    // A new connection: the TCP connect succeeds, nothing reaches the target, no answer.
    const d = await connect();
    d.sock.write('4');
    await sleep(kQuietMs);
    assert.equal(target.conns.length, 1, 'a connection reached the target during the black hole');
    assert.equal(d.data, '');
    assert.equal(d.closed, false);
    assert.equal(proxy.counters.bytesUp, before.bytesUp);
    assert.equal(proxy.counters.bytesDown, before.bytesDown);
    assert.equal(proxy.counters.accepted, 2);
    assert.equal(proxy.counters.blackholed, 2);
    assert.equal(proxy.attempts[1].mode, 'blackhole');
  });

withProxy('restore: new connections forward again, black-holed ones stay dead', async ({target, proxy, connect}) => {
  const old = await connect();
  old.sock.write('x');
  await until(() => old.data === 'x', 'echo before');
  proxy.blackhole();
  const held = await connect();  // accepted during the black hole
  proxy.restore();

  const fresh = await connect();
  fresh.sock.write('fresh');
  await until(() => fresh.data === 'fresh', 'new connection forwards after restore');

  old.sock.write('y');
  held.sock.write('z');
  await sleep(kQuietMs);
  assert.equal(old.data, 'x', 'a black-holed connection forwarded after restore');
  assert.equal(held.data, '');
  assert.equal(target.conns.length, 2, 'old + fresh upstreams only');
  assert.equal(target.conns[0].data, 'x');
  assert.equal(old.closed, false);

  // cut() ends the dead ones too.
  proxy.cut();
  await until(() => old.closed && held.closed && fresh.closed, 'all reset by cut');
});

withProxy('refuse: new connections reset on accept, established ones keep working', async ({target, proxy, connect}) => {
  const live = await connect();
  live.sock.write('a');
  await until(() => live.data === 'a', 'echo before');

  proxy.refuse();
  const r = track(net.connect({host: '127.0.0.1', port: proxy.port}));
  await until(() => r.closed, 'refused connection closed');
  assert.equal(r.data, '');
  assert.ok(r.error === null || ['ECONNRESET', 'EPIPE'].includes(r.error.code), String(r.error));
  assert.equal(target.conns.length, 1, 'a refused connection reached the target');
  assert.equal(proxy.counters.refused, 1);
  assert.equal(proxy.attempts.at(-1).mode, 'refuse');

  live.sock.write('b');
  await until(() => live.data === 'ab', 'established connection still forwards');

  proxy.restore();
  const c = await connect();
  c.sock.write('ok');
  await until(() => c.data === 'ok', 'forwarding after restore');
});

withProxy('delay: latency per chunk in both directions, order kept', async ({proxy, connect}) => {
  const kDelayMs = 150;
  const c = await connect();
  proxy.delay(kDelayMs);
  const t0 = Date.now();
  c.sock.write('one');
  await until(() => c.data === 'one', 'delayed echo');
  const rtt = Date.now() - t0;
  // Each direction waits at least kDelayMs (a timer never fires early by more than its 1 ms
  // rounding).
  assert.ok(rtt >= 2 * kDelayMs - 2, `round trip ${rtt} ms < 2 x ${kDelayMs} ms`);

  const parts = Array.from({length: 20}, (_, i) => `<${i}>`);
  for (const p of parts) c.sock.write(p);
  await until(() => c.data === 'one' + parts.join(''), 'all chunks, in order');

  proxy.delay(0);
  c.sock.write('now');
  await until(() => c.data.endsWith('now'), 'undelayed echo');
  assert.throws(() => proxy.delay(-1), /delay/);
  assert.throws(() => proxy.delay(1.5), /delay/);
});

withProxy('close: stops listening, resets every connection, idempotent', async ({target, proxy, connect}) => {
  const c = await connect();
  c.sock.write('q');
  await until(() => c.data === 'q', 'echo');
  proxy.blackhole();
  const held = await connect();
  const port = proxy.port;
  await Promise.all([proxy.close(), proxy.close()]);
  await until(() => c.closed && held.closed, 'clients closed');
  await until(() => target.conns[0].closed, 'upstream closed');
  assert.equal(proxy.counters.active, 0);
  const after = track(net.connect({host: '127.0.0.1', port}));
  await until(() => after.closed, 'connect after close fails');
  assert.equal(after.error?.code, 'ECONNREFUSED');
});

test('bad arguments are refused with a clear error', () => {
  assert.throws(() => new TcpProxy({}), /targetPort/);
  assert.throws(() => new TcpProxy({targetPort: 70000}), /targetPort/);
  assert.throws(() => new TcpProxy({targetPort: '80'}), /targetPort/);
});

test('an upstream that refuses: the client connection is reset', async () => {
  // A port with nothing listening: take an ephemeral one and free it.
  const tmp = net.createServer();
  await new Promise((resolve) => tmp.listen({host: '127.0.0.1', port: 0}, resolve));
  const deadPort = tmp.address().port;
  await new Promise((resolve) => tmp.close(resolve));
  const proxy = await TcpProxy.start(`ws://127.0.0.1:${deadPort}/ocpp/`);
  try {
    const c = await connectTo(proxy.port);
    await until(() => c.closed, 'client closed when the upstream is refused');
    assert.equal(c.data, '');
    await until(() => proxy.counters.active === 0, 'pair released');
  } finally {
    await proxy.close();
  }
});
