/**
 * Real upstream servers for the gateway's end-to-end tests: node:http on 127.0.0.1, each saying
 * who it is and what it received, with paths that misbehave on purpose (stall, reset, garbage),
 * and a count of the TCP connections open to it (to prove the gateway leaves none behind).
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';

/** What an echo upstream answers: who it is and what it got. */
export interface Echo {
  service: string;
  instance: string;
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  bodyBytes: number;
}

/** A running test upstream. */
export interface TestUpstream {
  service: string;
  instance: string;
  port: number;
  origin: string;
  server: Server;
  /** TCP connections open now. */
  readonly openConnections: number;
  /** Requests received. */
  readonly requests: number;
  /** Requests whose body ended early (the client, i.e. the gateway, went away mid-upload). */
  readonly abortedUploads: number;
  /** Downloads whose response was cut before it finished. */
  readonly abortedDownloads: number;
  /** Requests received for exactly this request-target (path and query), health probes included. */
  hits(url: string): number;
  /** Requests received whose path starts with `prefix`. */
  hitsUnder(prefix: string): number;
  /** What `/__health` answers (200 or 503), and whether every other request gets 500. */
  setHealthy(healthy: boolean): void;
  close(): Promise<void>;
}

/** Options of {@link startUpstream}. */
export interface UpstreamOptions {
  /** Also accept WebSocket upgrades (echoing messages back prefixed with the instance). */
  websocket?: boolean;
  /** Answer every request but `/__health` with 500 (a broken target). */
  failing?: boolean;
}

interface Stats {
  aborted: number;
  abortedDown: number;
  requests: number;
  byUrl: Map<string, number>;
  healthy: boolean;
  failing: boolean;
}

function handle(service: string, instance: string, stats: Stats) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://upstream');
    const p = url.pathname;
    let bodyBytes = 0;
    const q = (name: string) => Number(url.searchParams.get(name) ?? '0');
    if (p.endsWith('/__health')) {
      res.writeHead(stats.healthy ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(stats.healthy ? 'ok' : 'down');
      return;
    }
    if (stats.failing || !stats.healthy) {
      req.resume();
      res.writeHead(500, { 'content-type': 'text/plain', 'x-instance': instance });
      res.end(`${instance} is failing`);
      return;
    }
    if (p.endsWith('/__flaky')) {
      // 503 with `Retry-After: after` for the first `n` requests of this URL, then an echo.
      if ((stats.byUrl.get(req.url ?? '') ?? 0) <= q('n')) {
        req.resume();
        res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': String(q('after')) });
        res.end('busy');
        return;
      }
    }
    if (p.endsWith('/__reset-mid')) {
      // Headers and part of the body, then the connection is cut.
      req.resume();
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '100000' });
      res.write(Buffer.alloc(1000, 98));
      setTimeout(() => req.socket.destroy(), 20);
      return;
    }
    if (p.endsWith('/__sse')) {
      // Server-Sent Events: `events` events, `gap` ms apart, then the end.
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      let sent = 0;
      const tick = setInterval(() => {
        res.write(`id: ${sent}\ndata: ${instance} ${sent}\n\n`);
        if (++sent >= q('events')) {
          clearInterval(tick);
          res.end();
        }
      }, q('gap'));
      res.on('close', () => clearInterval(tick));
      return;
    }
    if (p.endsWith('/__reset')) {
      req.socket.destroy();
      return;
    }
    if (p.endsWith('/__malformed')) {
      req.socket.end('HTTP/1.1 2xx Nope\r\nbroken header line\r\n\r\n');
      return;
    }
    if (p.endsWith('/__hang')) return; // never answers
    if (p.endsWith('/__slow')) {
      const t = setTimeout(() => sendEcho(), q('ms'));
      res.on('close', () => clearTimeout(t));
      req.resume();
      return;
    }
    if (p.endsWith('/__download')) {
      // Streams `bytes` bytes in 64 KiB chunks, honoring backpressure.
      let left = q('bytes');
      const chunk = Buffer.alloc(64 * 1024, 97);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(left) });
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, chunk.length);
          left -= n;
          if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      res.on('close', () => {
        if (!res.writableFinished) stats.abortedDown++;
      });
      pump();
      return;
    }
    if (p.endsWith('/__upload')) {
      let bytes = 0;
      req.on('data', (c: Buffer) => {
        bytes += c.length;
      });
      req.on('aborted', () => stats.aborted++);
      req.on('error', () => {});
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ bytes }));
      });
      return;
    }
    if (p.endsWith('/__pipe')) {
      // Echoes the body straight back, streamed.
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
      req.on('aborted', () => stats.aborted++);
      return;
    }
    if (p.endsWith('/__headers')) {
      // Sends back hop-by-hop and Connection-named fields that must not reach the client.
      res.writeHead(200, [
        ['content-type', 'application/json'],
        ['connection', 'x-upstream-private, keep-alive'],
        ['x-upstream-private', 'secret'],
        ['keep-alive', 'timeout=5'],
        ['proxy-authenticate', 'Basic'],
        ['x-upstream-public', 'yes'],
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
      ] as unknown as Record<string, string>);
      res.end('{}');
      return;
    }
    req.on('data', (c: Buffer) => {
      bodyBytes += c.length;
    });
    req.on('end', sendEcho);
    function sendEcho() {
      const echo: Echo = {
        service,
        instance,
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        bodyBytes,
      };
      const body = JSON.stringify(echo);
      res.writeHead(200, { 'content-type': 'application/json', 'x-instance': instance });
      res.end(body);
    }
  };
}

/** Starts an echo upstream on 127.0.0.1 (a free port unless `port` is given). */
export async function startUpstream(
  service: string,
  instance: string,
  port = 0,
  options: UpstreamOptions = {},
): Promise<TestUpstream> {
  const stats: Stats = {
    aborted: 0,
    abortedDown: 0,
    requests: 0,
    byUrl: new Map(),
    healthy: true,
    failing: options.failing === true,
  };
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    stats.requests++;
    const url = req.url ?? '';
    stats.byUrl.set(url, (stats.byUrl.get(url) ?? 0) + 1);
    handle(service, instance, stats)(req, res);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  if (options.websocket) {
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws, req) => {
      stats.requests++;
      ws.send(JSON.stringify({ service, instance, url: req.url, headers: req.headers }));
      ws.on('message', (data) => ws.send(`${instance}:${data.toString()}`));
    });
  }
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    service,
    instance,
    port: actual,
    origin: `http://127.0.0.1:${actual}`,
    server,
    get openConnections() {
      return sockets.size;
    },
    get requests() {
      return stats.requests;
    },
    get abortedUploads() {
      return stats.aborted;
    },
    get abortedDownloads() {
      return stats.abortedDown;
    },
    hits: (url) => stats.byUrl.get(url) ?? 0,
    hitsUnder: (prefix) => {
      let n = 0;
      for (const [url, count] of stats.byUrl) if (url.startsWith(prefix)) n += count;
      return n;
    },
    setHealthy: (healthy) => {
      stats.healthy = healthy;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns the last result. */
export async function eventually(check: () => boolean, timeoutMs = 5_000, stepMs = 20): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return check();
}

/** Ports {@link closedPort} handed out in this process: never handed out twice. */
const handedOut = new Set<number>();

/** The first port the OS gives listeners on port 0 (Linux's `ip_local_port_range`; else IANA's). */
function ephemeralStart(): number {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 2048 ? first : 49152;
  } catch {
    return 49152;
  }
}

/** Whether `port` could be bound on 127.0.0.1 just now (it is released again). */
function bindable(port: number): Promise<boolean> {
  const s = createServer();
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/**
 * A port nothing listens on: bound then released, and taken below the range the OS hands port-0
 * listeners from. A port released from that range was sometimes given to a later test server of
 * the same run, and a "dead" target then answered 200 (seen once in CI: four scenarios failed).
 */
export async function closedPort(): Promise<number> {
  const top = ephemeralStart();
  const bottom = Math.max(1024, top - 16_384);
  for (let attempt = 0; attempt < 64; attempt++) {
    const port = bottom + Math.floor(Math.random() * (top - bottom));
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`closedPort: no free port found in ${bottom}-${top - 1}`);
}
