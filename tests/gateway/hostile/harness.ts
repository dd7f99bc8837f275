// The hostile-input suite's tools: a recording upstream that keeps every byte the gateway sends
// it (a TCP tap in front of a node:http server, so both the raw bytes and what a real HTTP parser
// made of them are known), a raw-socket client that writes requests exactly as given (byte by
// byte where framing is the point), a strict HTTP/1.1 response reader, and leak accounting.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, createServer as createNetServer, type Socket } from 'node:net';
import { expect } from 'vitest';
import type { RunningDoor } from '../e2e/front-doors.js';

/** One request as the upstream's own node:http parser read it. */
export interface Received {
  method: string;
  url: string;
  rawHeaders: string[];
  headers: IncomingMessage['headers'];
  body: Buffer;
  /** The request's body ended early (the gateway cut the upload). */
  aborted: boolean;
}

/** The upstream every hostile case is forwarded to; see the module comment. */
export interface RecordingUpstream {
  origin: string;
  /** Every request the upstream parsed, in arrival order. */
  readonly received: Received[];
  /** Every byte the gateway wrote to the upstream, all connections, latin1. */
  rawText(): string;
  /** TCP connections from the gateway open now. */
  readonly openConnections: number;
  /** TCP connections the gateway ever opened. */
  readonly totalConnections: number;
  /** Requests whose response has not finished or been cut. */
  readonly inFlight: number;
  /** Downloads cut before their last byte (a slow reader or an aborted client). */
  readonly abortedDownloads: number;
  /** Bytes written into download responses, all of them. */
  readonly downloadBytesWritten: number;
  /** Requests that mention `marker` anywhere in method, target, headers or body. */
  find(marker: string): Received[];
  close(): Promise<void>;
}

/** The hop-by-hop fields an upstream answers with in `/hop` (RFC 9110 §7.6.1, plus legacy ones). */
export const RESPONSE_HOP_FIELDS: [string, string][] = [
  ['Connection', 'x-up-private, Keep-Alive'],
  ['Keep-Alive', 'timeout=5, max=100'],
  ['Proxy-Connection', 'keep-alive'],
  ['TE', 'trailers'],
  ['Trailer', 'x-trailer'],
  ['Upgrade', 'h2c'],
  ['Proxy-Authenticate', 'Basic realm="up"'],
  ['Proxy-Authorization', 'Basic dXA6dXA='],
  ['HTTP2-Settings', 'AAMAAABkAAQAAP__'],
  ['X-Up-Private', 'named-in-connection'],
];

function upstreamHandler(stats: {
  received: Received[];
  inFlight: number;
  abortedDownloads: number;
  downloadBytes: number;
}) {
  return (req: IncomingMessage, res: ServerResponse) => {
    stats.inFlight++;
    let done = false;
    const over = () => {
      if (!done) {
        done = true;
        stats.inFlight--;
      }
    };
    res.on('close', over);
    const record: Received = {
      method: req.method ?? '',
      url: req.url ?? '',
      rawHeaders: req.rawHeaders,
      headers: req.headers,
      body: Buffer.alloc(0),
      aborted: false,
    };
    stats.received.push(record);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', () => {
      record.aborted = true;
    });
    req.on('aborted', () => {
      record.aborted = true;
    });
    const url = new URL(req.url ?? '/', 'http://upstream');
    const path = url.pathname;
    const num = (name: string) => Number(url.searchParams.get(name) ?? '0');
    if (path.includes('/__download')) {
      // Streams `bytes` bytes honoring backpressure, counting what it managed to write.
      let left = num('bytes');
      const chunk = Buffer.alloc(16 * 1024, 0x61);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(left) });
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, chunk.length);
          left -= n;
          stats.downloadBytes += n;
          if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      res.on('close', () => {
        if (!res.writableFinished) stats.abortedDownloads++;
      });
      req.resume();
      pump();
      return;
    }
    req.on('end', () => {
      record.body = Buffer.concat(chunks);
      if (path.includes('/__hop')) {
        const flat: string[] = [];
        for (const [n, v] of RESPONSE_HOP_FIELDS) flat.push(n, v);
        flat.push('Content-Type', 'application/json', 'X-Up-Public', 'yes');
        res.writeHead(200, flat);
        res.end('{"hop":true}');
        return;
      }
      const body = JSON.stringify({ method: record.method, url: record.url, bytes: record.body.length });
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'recording' });
      res.end(body);
    });
  };
}

/** Starts the recording upstream on 127.0.0.1: a TCP tap on one port, node:http behind it. */
export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const stats = { received: [] as Received[], inFlight: 0, abortedDownloads: 0, downloadBytes: 0 };
  const backend: Server = createServer(upstreamHandler(stats));
  await new Promise<void>((resolve) => backend.listen(0, '127.0.0.1', resolve));
  const backendPort = (backend.address() as AddressInfo).port;
  const raw: Buffer[] = [];
  const open = new Set<Socket>();
  let total = 0;
  const tap = createNetServer((front) => {
    total++;
    open.add(front);
    const back = connect(backendPort, '127.0.0.1');
    const gone = () => {
      open.delete(front);
      front.destroy();
      back.destroy();
    };
    front.on('data', (d: Buffer) => {
      raw.push(d);
      if (!back.write(d)) front.pause();
    });
    back.on('drain', () => front.resume());
    back.on('data', (d: Buffer) => {
      if (!front.write(d)) back.pause();
    });
    front.on('drain', () => back.resume());
    front.on('end', () => back.end());
    back.on('end', () => front.end());
    front.on('close', gone);
    back.on('close', gone);
    front.on('error', gone);
    back.on('error', gone);
  });
  await new Promise<void>((resolve) => tap.listen(0, '127.0.0.1', resolve));
  const port = (tap.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    received: stats.received,
    rawText: () => Buffer.concat(raw).toString('latin1'),
    get openConnections() {
      return open.size;
    },
    get totalConnections() {
      return total;
    },
    get inFlight() {
      return stats.inFlight;
    },
    get abortedDownloads() {
      return stats.abortedDownloads;
    },
    get downloadBytesWritten() {
      return stats.downloadBytes;
    },
    find(marker: string) {
      const m = marker.toLowerCase();
      return stats.received.filter(
        (r) =>
          r.url.toLowerCase().includes(m) ||
          r.method.toLowerCase().includes(m) ||
          r.rawHeaders.some((h) => h.toLowerCase().includes(m)) ||
          r.body.toString('latin1').toLowerCase().includes(m),
      );
    },
    close: async () => {
      for (const s of open) s.destroy();
      await Promise.all([
        new Promise<void>((resolve) => tap.close(() => resolve())),
        new Promise<void>((resolve) => {
          backend.closeAllConnections();
          backend.close(() => resolve());
        }),
      ]);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The raw client

/** One HTTP/1.1 response as read off the wire. */
export interface RawResponse {
  status: number;
  /** Field lines as received, names lower-cased. */
  headers: [string, string][];
  body: Buffer;
  /** The whole body arrived (by its length or last chunk; a body read until close never is). */
  complete: boolean;
  header(name: string): string | undefined;
}

/** What one raw exchange produced. */
export interface Exchange {
  /** Every byte the server sent. */
  raw: Buffer;
  /** The responses those bytes hold, in order (interim 1xx included). */
  responses: RawResponse[];
  /** The first final response's status, or 0 when there was none. */
  status: number;
  /** The server closed the connection (rather than the client's deadline ending the exchange). */
  closedByServer: boolean;
  /** Milliseconds from connecting to the first byte of the server's answer (-1 when none came). */
  answeredAfterMs: number;
}

/** How {@link exchange} writes and waits (it never half-closes: node:http aborts a request on a client FIN). */
export interface ExchangeOptions {
  /** Write one byte at a time, each in its own TCP segment (framing attacks live between bytes). */
  byteByByte?: boolean;
  /** Pause between the given parts, in ms (slow senders). */
  gapMs?: number;
  /**
   * Stop once this many final (non-1xx) responses arrived complete (default 1), after `settleMs`
   * more to catch any answer that should not be there. `0`: read until the server closes.
   */
  responses?: number;
  /** How long to keep listening after the expected responses (default 0). */
  settleMs?: number;
  /** Give up waiting after this long (default 5 s); the socket is then destroyed. */
  timeoutMs?: number;
  /** Destroy the socket once this many bytes arrived (an aborted download). */
  abortAfterBytes?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Opens a connection to a door (`http://127.0.0.1:PORT`). */
export function open(url: string): Promise<Socket> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/**
 * Writes `parts` to a fresh connection exactly as given and collects what comes back until the
 * expected responses arrived, the server closes, or the deadline. Parts are strings (latin1, so any byte can be written) or buffers.
 */
export async function exchange(
  url: string,
  parts: string | Buffer | (string | Buffer)[],
  options: ExchangeOptions = {},
): Promise<Exchange> {
  const socket = await open(url);
  socket.setNoDelay(true);
  socket.on('error', () => {});
  const got: Buffer[] = [];
  const started = Date.now();
  let answeredAfterMs = -1;
  let bytes = 0;
  let closedByServer = false;
  const closed = new Promise<void>((resolve) => {
    const want = options.responses ?? 1;
    let settling = false;
    socket.on('data', (d: Buffer) => {
      if (answeredAfterMs < 0) answeredAfterMs = Date.now() - started;
      got.push(d);
      bytes += d.length;
      if (options.abortAfterBytes !== undefined && bytes >= options.abortAfterBytes) socket.destroy();
      if (want > 0 && !settling) {
        const done = parseResponses(Buffer.concat(got)).filter((r) => r.status >= 200 && r.complete).length;
        if (done >= want) {
          settling = true;
          setTimeout(() => socket.destroy(), options.settleMs ?? 0);
        }
      }
    });
    socket.on('close', () => resolve());
    socket.on('end', () => {
      closedByServer = true;
    });
  });
  const timer = setTimeout(() => socket.destroy(), options.timeoutMs ?? 5_000);
  const list = Array.isArray(parts) ? parts : [parts];
  try {
    for (const [i, part] of list.entries()) {
      // A server that answered and closed has decided; writing on would only measure the client.
      if (socket.destroyed || closedByServer) break;
      const buf = typeof part === 'string' ? Buffer.from(part, 'latin1') : part;
      if (options.byteByByte) {
        for (let j = 0; j < buf.length && !socket.destroyed; j++) {
          socket.write(buf.subarray(j, j + 1));
          await new Promise((r) => setImmediate(r));
        }
      } else if (!socket.destroyed) socket.write(buf);
      if (options.gapMs && i < list.length - 1) await sleep(options.gapMs);
    }
  } catch {
    // The server may close mid-write (it rejected the head); what it answered is still read.
  }
  await closed;
  clearTimeout(timer);
  const raw = Buffer.concat(got);
  const responses = parseResponses(raw);
  const final = responses.find((r) => r.status >= 200);
  return { raw, responses, status: final?.status ?? 0, closedByServer, answeredAfterMs };
}

/** Splits a byte stream into HTTP/1.1 responses (RFC 9112 §6: length, chunked, or until close). */
export function parseResponses(raw: Buffer): RawResponse[] {
  const out: RawResponse[] = [];
  let at = 0;
  while (at < raw.length) {
    const headEnd = raw.indexOf('\r\n\r\n', at, 'latin1');
    if (headEnd < 0) break;
    const lines = raw.subarray(at, headEnd).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (!m) break;
    const status = Number(m[1]);
    const headers: [string, string][] = lines.slice(1).map((l) => {
      const c = l.indexOf(':');
      return [l.slice(0, c).toLowerCase(), l.slice(c + 1).trim()];
    });
    const get = (n: string) => headers.find(([k]) => k === n)?.[1];
    let bodyStart = headEnd + 4;
    let body: Buffer;
    let complete = true;
    if (status < 200 || status === 204 || status === 304) body = Buffer.alloc(0);
    else if (get('transfer-encoding')?.toLowerCase().includes('chunked')) {
      const parts: Buffer[] = [];
      for (;;) {
        const lineEnd = raw.indexOf('\r\n', bodyStart, 'latin1');
        if (lineEnd < 0) {
          complete = false;
          break;
        }
        const size = Number.parseInt(raw.subarray(bodyStart, lineEnd).toString('latin1'), 16);
        bodyStart = lineEnd + 2;
        if (!(size > 0)) {
          const trailerEnd = raw.indexOf('\r\n', bodyStart, 'latin1');
          complete = trailerEnd >= 0;
          bodyStart = trailerEnd < 0 ? raw.length : trailerEnd + 2;
          break;
        }
        parts.push(raw.subarray(bodyStart, bodyStart + size));
        bodyStart += size + 2;
      }
      body = Buffer.concat(parts);
    } else if (get('content-length') !== undefined) {
      const n = Number(get('content-length'));
      body = raw.subarray(bodyStart, bodyStart + n);
      complete = body.length === n;
      bodyStart += n;
    } else {
      body = raw.subarray(bodyStart);
      complete = false;
      bodyStart = raw.length;
    }
    out.push({ status, headers, body, complete, header: get });
    at = bodyStart;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Outcomes and leaks

/** Polls `check` until it holds or `timeoutMs` passes; returns the last result. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await sleep(20);
  }
  return check();
}

/** Client connections open on a door's server now. */
export function connections(door: RunningDoor): Promise<number> {
  return new Promise((resolve, reject) => door.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}

/** Sockets and servers of this thread, by kind (`process.getActiveResourcesInfo`). */
export function handleCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo())
    if (kind.startsWith('TCP') || kind === 'PipeWrap') counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/**
 * No socket or server handle beyond those of `before` (a count may be lower: handles of an earlier
 * batch may still have been closing when `before` was taken).
 */
export async function expectNoNewHandles(before: Record<string, number>): Promise<void> {
  const grown = () => Object.entries(handleCounts()).filter(([kind, n]) => n > (before[kind] ?? 0));
  await eventually(() => grown().length === 0);
  expect(Object.fromEntries(grown()), 'socket and server handles left after close').toEqual({});
}

/**
 * After a batch of cases on a door: nothing in flight in the gateway or the upstream, no client
 * connection left open on the door, and the upstream connections within what the gateway's pool
 * may keep idle (`poolLimit`); the door still answers a plain request.
 */
export async function expectQuiet(door: RunningDoor, up: RecordingUpstream, poolLimit: number): Promise<void> {
  expect(await eventually(() => door.inFlight() === 0), 'gateway requests in flight').toBe(true);
  expect(await eventually(() => up.inFlight === 0), 'upstream requests in flight').toBe(true);
  expect(await eventually(async () => (await connections(door)) === 0), 'client connections left open').toBe(true);
  expect(await eventually(() => up.openConnections <= poolLimit), 'upstream connections left open').toBe(true);
  const alive = await exchange(door.url, 'GET /api/alive HTTP/1.1\r\nHost: gw.test\r\n\r\n');
  expect(alive.status, 'the door still serves').toBe(200);
}

/** A unique marker for one case, so concurrent cases can find their own requests upstream. */
let serial = 0;
export function marker(tag: string): string {
  serial++;
  return `${tag}-${process.pid}-${serial}`;
}

/** Host every case sends unless it is about `Host`. */
export const HOST = 'gw.test';

/**
 * The gateway the suite attacks: one recording upstream behind a few routes (plain, prefix
 * rewrites, a short request deadline), the default `paths:` policy, and a `trust_proxies` that
 * does not include 127.0.0.1 (the suite's own address), so every forwarding header it sends is
 * spoofed; `trusted` makes 127.0.0.1 a trusted proxy instead.
 */
export function hostileConfig(up: RecordingUpstream, trusted = false): object {
  const timeouts = { connect_ms: 1000, headers_ms: 3000, request_ms: 5000 };
  return {
    name: 'hostile',
    trust_proxies: trusted ? ['127.0.0.1/32'] : ['10.0.0.0/8'],
    services: {
      up: { targets: [up.origin], timeouts },
      short: { targets: [up.origin], timeouts: { ...timeouts, request_ms: 700 } },
    },
    routes: [
      { path: '/api', service: 'up' },
      { path: '/api/*', service: 'up' },
      { path: '/rw/*', service: 'up', rewrite: { replace_prefix: { from: '/rw', to: '/internal' } } },
      { path: '/strip/*', service: 'up', rewrite: { strip_prefix: '/strip' } },
      { path: '/short/*', service: 'short' },
    ],
  };
}

/**
 * Client deadlines for cases that are not about time: long enough for dozens of byte-by-byte
 * writers at once on a loaded machine, short enough that a hung case fails fast.
 */
export const ROOMY_DEADLINES = { headersTimeoutMs: 4_000, requestTimeoutMs: 8_000, keepAliveTimeoutMs: 2_000 };

/** Short client deadlines, so the slow-client cases take about a second. */
export const SHORT_DEADLINES = { headersTimeoutMs: 600, requestTimeoutMs: 1_500, keepAliveTimeoutMs: 500 };

/** A plain request head (HTTP/1.1, `Host`, the case marker) with extra field lines. */
export function head(method: string, target: string, id: string, ...fields: string[]): string {
  return `${method} ${target} HTTP/1.1\r\nHost: ${HOST}\r\nX-Case: ${id}\r\n${fields.map((f) => `${f}\r\n`).join('')}\r\n`;
}

/** Parses the upstream's JSON echo of a case. */
export function only(up: RecordingUpstream, id: string): Received {
  const found = up.find(id);
  expect(found.length, `requests of ${id} upstream`).toBe(1);
  return found[0]!;
}

/** The values of a field in a received request, in order. */
export function fieldValues(r: Received, name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < r.rawHeaders.length; i += 2)
    if (r.rawHeaders[i]!.toLowerCase() === name) out.push(r.rawHeaders[i + 1]!);
  return out;
}
