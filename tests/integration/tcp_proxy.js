'use strict';
// A small TCP proxy for network-fault tests: it sits between a charger and the bench CSMS on
// 127.0.0.1 (ephemeral listen port) and forwards bytes to a target host:port, until the test
// tells it to misbehave. Modes and controls:
//
//   forward      (initial) every accepted connection gets its own upstream connection; bytes are
//                copied both ways, half-closes and closes are passed on.
//   cut()        destroys every connection it holds with a TCP reset (RST) on both sides; keeps
//                listening and keeps the current mode.
//   blackhole()  a half-open network: the connections stay open but nothing is forwarded any
//                more in either direction, nothing is read from the sockets, no FIN/RST is passed
//                on (a side that closes is not noticed by the other). Bytes already waiting for
//                a delay() timer are dropped. New connections are accepted by the kernel but get
//                no upstream and no answer.
//   refuse()     new connections are reset as soon as they are accepted (the service is down);
//                the connections already established are left as they are.
//   restore()    back to forward for new connections. Connections black-holed before stay dead:
//                they never forward again and are held (unread) until cut() or close().
//   delay(ms)    adds ms of latency to every chunk in both directions (order is kept); 0 = none.
//   close()      stops listening, destroys every socket and timer; resolves once all is closed.
//
// Counters (proxy.counters): accepted (TCP connections accepted, all modes), refused (reset on
// accept), forwarded (got an upstream), blackholed (connections turned or accepted dead), cuts,
// bytesUp (client -> target), bytesDown (target -> client), active (connections held now).
// proxy.attempts lists the last kMaxAttemptsKept accepted connections as {id, at (ms since the
// epoch), mode}; the 'connection' event fires with the same record.
//
// Everything is bounded: one upstream per accepted connection, timers only for delayed chunks,
// nothing left behind after close().

const assert = require('node:assert/strict');
const {EventEmitter} = require('node:events');
const net = require('node:net');

const kListenHost = '127.0.0.1';
const kMaxAttemptsKept = 1000;   // connection attempt records kept (oldest dropped first)
const kMaxDelayMs = 600000;      // delay() bound: latency beyond this is a test bug

const Mode = Object.freeze({FORWARD: 'forward', BLACKHOLE: 'blackhole', REFUSE: 'refuse'});

// Resets a socket (RST) if it is still open; destroys it otherwise. Never throws.
function resetSocket(sock) {
  if (!sock || sock.destroyed) return;
  try {
    sock.resetAndDestroy();
  } catch {
    sock.destroy();
  }
}

class Pair {
  constructor(proxy, id, client) {
    this.proxy = proxy;
    this.id = id;
    this.client = client;
    this.upstream = null;
    this.dead = false;      // black-holed: never forwards again
    this.closed = false;
    this.timers = new Set();
    this.dueUp = 0;         // last due time of a delayed chunk, per direction (keeps order)
    this.dueDown = 0;
    client.on('error', () => {});  // errors end in 'close', handled below
  }

  // Connects upstream and starts copying. Client bytes that arrive before the upstream is
  // connected wait in the (paused) client stream.
  connect(targetHost, targetPort) {
    const {client} = this;
    client.pause();
    const up = net.connect({host: targetHost, port: targetPort});
    this.upstream = up;
    up.on('error', () => {});
    up.once('connect', () => {
      if (this.dead || this.closed) return;
      client.resume();
      up.resume();
    });
    client.on('data', (chunk) => this.forward(chunk, up, 'Up'));
    up.on('data', (chunk) => this.forward(chunk, client, 'Down'));
    // A half-close or close of one side is passed on to the other, unless black-holed.
    client.once('end', () => this.passEnd(up));
    up.once('end', () => this.passEnd(client));
    client.once('close', (hadError) => this.passClose(up, hadError));
    up.once('close', (hadError) => this.passClose(client, hadError));
  }

  forward(chunk, dst, dir) {
    if (this.dead || this.closed) return;  // black-holed: dropped (nothing is read anyway)
    const ms = this.proxy.delayMs;
    if (ms === 0 && this.timers.size === 0) {
      this.write(chunk, dst, dir);
      return;
    }
    const key = dir === 'Up' ? 'dueUp' : 'dueDown';
    const due = Math.max(Date.now() + ms, this[key]);
    this[key] = due;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.dead && !this.closed) this.write(chunk, dst, dir);
    }, due - Date.now());
    this.timers.add(timer);
  }

  write(chunk, dst, dir) {
    if (dst.destroyed) return;
    dst.write(chunk);
    this.proxy.counters[`bytes${dir}`] += chunk.length;
  }

  passEnd(other) {
    if (this.dead || this.closed || !other || other.destroyed) return;
    if (this.timers.size === 0) {
      other.end();
      return;
    }
    // Delayed bytes still to go: the end follows them.
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.dead && !this.closed && !other.destroyed) other.end();
    }, Math.max(this.dueUp, this.dueDown) - Date.now());
    this.timers.add(timer);
  }

  passClose(other, hadError) {
    if (this.dead) return;  // unnoticed: the other side keeps its half-open socket
    if (other && !other.destroyed) {
      if (hadError) {
        resetSocket(other);
      } else if (this.timers.size === 0) {
        other.destroySoon();  // what was written still leaves, then FIN
      } else {
        this.passEnd(other);
      }
    }
    if ((!this.client || this.client.destroyed) && (!this.upstream || this.upstream.destroyed)) {
      this.finish();
    }
  }

  blackhole() {
    if (this.dead || this.closed) return;
    this.dead = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.client.pause();
    this.upstream?.pause();
    ++this.proxy.counters.blackholed;
  }

  reset() {
    resetSocket(this.client);
    resetSocket(this.upstream);
    this.finish();
  }

  finish() {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.proxy._pairs.delete(this);
    this.proxy.counters.active = this.proxy._pairs.size;
  }
}

class TcpProxy extends EventEmitter {
  // options: {targetHost = '127.0.0.1', targetPort (required), listenPort = 0}
  constructor({targetHost = kListenHost, targetPort, listenPort = 0} = {}) {
    super();
    assert.ok(Number.isInteger(targetPort) && targetPort > 0 && targetPort < 65536,
      `TcpProxy: targetPort must be a TCP port, got ${targetPort}`);
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.listenPort = listenPort;
    this.mode = Mode.FORWARD;
    this.delayMs = 0;
    this.counters = {accepted: 0, refused: 0, forwarded: 0, blackholed: 0, cuts: 0,
      bytesUp: 0, bytesDown: 0, active: 0};
    this.attempts = [];
    this._pairs = new Set();
    this._nextId = 1;
    this._server = null;
    this._closing = null;
  }

  // Starts a proxy to target {host, port} or a URL string (ws://host:port/...).
  static async start(target, options = {}) {
    let t = target;
    if (typeof target === 'string') {
      const u = new URL(target);
      t = {targetHost: u.hostname, targetPort: Number(u.port)};
    }
    const p = new TcpProxy({...t, ...options});
    await p.listen();
    return p;
  }

  listen() {
    assert.equal(this._server, null, 'TcpProxy.listen() called twice');
    this._server = net.createServer({pauseOnConnect: true}, (sock) => this._onConnection(sock));
    this._server.on('error', (err) => this.emit('error', err));
    return new Promise((resolve, reject) => {
      this._server.once('error', reject);
      this._server.listen({host: kListenHost, port: this.listenPort}, () => {
        this._server.off('error', reject);
        resolve(this.port);
      });
    });
  }

  get port() {
    return this._server?.address()?.port ?? null;
  }

  // The URL `url` with host and port replaced by the proxy's (e.g. the bench's ws URL).
  urlFor(url) {
    const u = new URL(url);
    u.hostname = kListenHost;
    u.port = String(this.port);
    return u.toString();
  }

  _onConnection(sock) {
    const id = this._nextId++;
    ++this.counters.accepted;
    const rec = {id, at: Date.now(), mode: this.mode};
    this.attempts.push(rec);
    if (this.attempts.length > kMaxAttemptsKept) this.attempts.shift();
    if (this._closing || this.mode === Mode.REFUSE) {
      ++this.counters.refused;
      sock.on('error', () => {});
      resetSocket(sock);
      this.emit('connection', rec);
      return;
    }
    const pair = new Pair(this, id, sock);
    this._pairs.add(pair);
    this.counters.active = this._pairs.size;
    if (this.mode === Mode.BLACKHOLE) {
      pair.blackhole();  // accepted, never answered, never forwarded; kept until cut()/close()
    } else {
      ++this.counters.forwarded;
      pair.connect(this.targetHost, this.targetPort);
    }
    this.emit('connection', rec);
  }

  cut() {
    ++this.counters.cuts;
    for (const p of [...this._pairs]) p.reset();
  }

  blackhole() {
    this.mode = Mode.BLACKHOLE;
    for (const p of this._pairs) p.blackhole();
  }

  refuse() {
    this.mode = Mode.REFUSE;
  }

  restore() {
    this.mode = Mode.FORWARD;
  }

  delay(ms) {
    assert.ok(Number.isInteger(ms) && ms >= 0 && ms <= kMaxDelayMs,
      `TcpProxy.delay: ms must be an integer in 0..${kMaxDelayMs}, got ${ms}`);
    this.delayMs = ms;
  }

  // Connection attempts accepted since `sinceMs` (ms since the epoch).
  attemptsSince(sinceMs) {
    return this.attempts.filter((a) => a.at >= sinceMs);
  }

  // Resolves with the next connection record accepted after now (bounded by timeoutMs).
  nextConnection(timeoutMs) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('connection', on);
        reject(new Error(`TcpProxy: no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      const on = (rec) => {
        clearTimeout(timer);
        resolve(rec);
      };
      this.once('connection', on);
    });
  }

  close() {
    if (!this._closing) {
      this._closing = new Promise((resolve) => {
        for (const p of [...this._pairs]) p.reset();
        if (!this._server) {
          resolve();
          return;
        }
        this._server.close(() => resolve());
      });
    }
    return this._closing;
  }
}

module.exports = {TcpProxy, Mode};
