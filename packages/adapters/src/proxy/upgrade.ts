/**
 * Upgraded connections. A WebSocket handshake that the pipeline decided to forward is replayed to
 * the target with node:http; on a `101` that answers the handshake (its `Sec-WebSocket-Accept`
 * checked, else 502) both sockets are piped into each other until either side
 * closes or `idle_ms` passes with no traffic either way. An upstream that refuses the upgrade has
 * its answer passed back as is. Every other upgrade token (`h2c`, ...) is never passed upstream:
 * the request is handed back to the HTTP server without its `Upgrade`, and served as HTTP/1.1.
 */
import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import { UPSTREAM_FAILURE } from '../gateway/pipeline/decide.js';
import { webSocketSwitchProblem } from '../gateway/pipeline/websocket.js';
import type { ForwardDecision, HeaderList, HeaderMap } from '../gateway/types.js';
import type { ForwardOutcome } from './forward.js';

/** Whether the request asks for a WebSocket (RFC 6455 §4.1: an `Upgrade` list naming `websocket`). */
export function wantsWebSocket(headers: HeaderMap): boolean {
  const upgrade = headers.upgrade;
  if (typeof upgrade !== 'string') return false;
  return upgrade.split(',').some((t) => t.trim().toLowerCase() === 'websocket');
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * Writes a complete HTTP/1.1 response on a raw socket and closes it (used where no ServerResponse
 * exists). `headers` carry the answer's own fields, its `X-Request-ID` among them; a
 * `Content-Type` is added only when they have none (a decision's JSON answer has its own).
 */
export function writeRawResponse(socket: Duplex, status: number, headers: HeaderList, body: string): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  let head = `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\n`;
  let typed = false;
  // The connection always closes after a raw answer; a decision's own `connection` and length are not repeated.
  for (const [name, value] of headers) {
    if (name === 'connection' || name === 'content-length') continue;
    if (name === 'content-type') typed = true;
    head += `${name}: ${value}\r\n`;
  }
  if (!typed) head += 'content-type: text/plain; charset=utf-8\r\n';
  head += `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n`;
  socket.end(head + body);
}

function headerBlock(status: number, message: string, headers: HeaderList): string {
  let head = `HTTP/1.1 ${status} ${message}\r\n`;
  for (const [name, value] of headers) head += `${name}: ${sanitize(value)}\r\n`;
  return `${head}\r\n`;
}

/** Header values from an upstream are written raw here; a stray CR/LF must not split the response. */
function sanitize(value: string): string {
  return value.replace(/[\r\n]/g, ' ');
}

/** What {@link forwardWebSocket} needs from the gateway around it. */
export interface UpgradeContext {
  responseHeaders(upstream: HeaderMap, decision: ForwardDecision, status: number): HeaderList;
  done(decision: ForwardDecision, outcome: ForwardOutcome): void;
  /** Registers a live tunnel so that a drain can wait for it (and end it at the deadline). */
  track(socket: Duplex): void;
}

/**
 * Replays the client's WebSocket handshake to `decision.target` and, once the target switches
 * protocols, pipes the two sockets together. Never throws.
 */
export function forwardWebSocket(
  req: IncomingMessage,
  client: Duplex,
  head: Buffer,
  decision: ForwardDecision,
  ctx: UpgradeContext,
): void {
  const { timeouts } = decision;
  let over = false;
  const finish = (outcome: ForwardOutcome) => {
    if (over) return;
    over = true;
    ctx.done(decision, outcome);
  };
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of decision.requestHeaders) {
    const prev = headers[name];
    headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  // The two hop-by-hop fields the handshake is made of: the plan drops them like any other hop-by-hop field.
  headers.connection = 'Upgrade';
  headers.upgrade = 'websocket';
  const url = new URL(decision.target.origin);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const upstream = send({
    protocol: url.protocol,
    hostname: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port,
    method: req.method,
    path: decision.upstreamPath,
    headers,
    agent: false,
  });
  const handshakeMs = timeouts.connectMs + timeouts.headersMs;
  const timer =
    handshakeMs > 0
      ? setTimeout(
          () => upstream.destroy(Object.assign(new Error('handshake timeout'), { code: 'ETIMEDOUT' })),
          handshakeMs,
        )
      : undefined;
  const onClientGone = () => {
    upstream.destroy();
    finish({ kind: 'client-aborted', status: undefined });
  };
  client.once('close', onClientGone);
  client.on('error', () => {});

  upstream.on('upgrade', (res, socket, upHead) => {
    if (timer !== undefined) clearTimeout(timer);
    client.removeListener('close', onClientGone);
    if (client.destroyed) {
      socket.destroy();
      finish({ kind: 'client-aborted', status: 101 });
      return;
    }
    const invalid = webSocketSwitchProblem(req.headers['sec-websocket-key'], res.headers as HeaderMap);
    if (invalid !== undefined) {
      // Not a switch to WebSocket for this handshake: no tunnel, the gateway's own 502.
      socket.destroy();
      writeRawResponse(
        client,
        502,
        [...decision.responseHeaders, ['content-type', UPSTREAM_FAILURE.contentType]],
        UPSTREAM_FAILURE.body(502, decision.service.name),
      );
      finish({
        kind: 'upstream-failed',
        status: 502,
        error: `${invalid.code}: ${invalid.message}`,
        afterHeaders: false,
      });
      return;
    }
    const planned = ctx
      .responseHeaders(res.headers as HeaderMap, decision, 101)
      .filter(([n]) => n !== 'connection' && n !== 'upgrade');
    planned.push(['connection', 'Upgrade'], ['upgrade', 'websocket']);
    client.write(headerBlock(101, 'Switching Protocols', planned));
    if (upHead.length > 0) client.write(upHead);
    if (head.length > 0) socket.write(head);
    tunnel(client, socket, timeouts.idleMs, () => finish({ kind: 'completed', status: 101 }));
    ctx.track(client);
  });
  upstream.on('response', (res) => {
    // The target answered the handshake without switching: pass its answer through, then close.
    if (timer !== undefined) clearTimeout(timer);
    const planned = ctx
      .responseHeaders(res.headers as HeaderMap, decision, res.statusCode ?? 502)
      .filter(([n]) => n !== 'content-length');
    planned.push(['connection', 'close']);
    client.write(headerBlock(res.statusCode ?? 502, res.statusMessage ?? '', planned));
    res.pipe(client);
    res.on('error', () => client.destroy());
    res.on('end', () => finish({ kind: 'completed', status: res.statusCode ?? 502 }));
  });
  upstream.on('error', (err: NodeJS.ErrnoException) => {
    if (timer !== undefined) clearTimeout(timer);
    if (over) return;
    client.removeListener('close', onClientGone);
    const status = err.code === 'ETIMEDOUT' ? 504 : 502;
    writeRawResponse(
      client,
      status,
      [...decision.responseHeaders, ['content-type', UPSTREAM_FAILURE.contentType]],
      UPSTREAM_FAILURE.body(status, decision.service.name),
    );
    finish({ kind: 'upstream-failed', status, error: `${err.code ?? ''} ${err.message}`.trim(), afterHeaders: false });
  });
  upstream.end();
}

/** Pipes `a` and `b` into each other until either closes, errs, or both are idle for `idleMs`. */
function tunnel(a: Duplex, b: Duplex, idleMs: number, closed: () => void): void {
  let done = false;
  const end = () => {
    if (done) return;
    done = true;
    a.destroy();
    b.destroy();
    closed();
  };
  for (const s of [a, b]) {
    s.on('error', end);
    s.on('close', end);
    s.on('end', end);
  }
  if (idleMs > 0) {
    // Traffic in either direction counts: socket timeouts are per socket, so each is reset by the other's reads.
    let last = Date.now();
    const touch = () => {
      last = Date.now();
    };
    a.on('data', touch);
    b.on('data', touch);
    const check = () => {
      if (done) return;
      const left = idleMs - (Date.now() - last);
      if (left <= 0) end();
      else idle = setTimeout(check, left);
    };
    let idle = setTimeout(check, idleMs);
    a.once('close', () => clearTimeout(idle));
  }
  a.pipe(b);
  b.pipe(a);
}

/**
 * Serves an upgrade request for anything but WebSocket as plain HTTP/1.1: rebuilds its head
 * without the `Upgrade` field (and the `upgrade` token of `Connection`), puts it back in front of
 * whatever the client sent after it, and hands the socket back to `server` as a new connection,
 * whose parser then reads it as an ordinary request (body, keep-alive and all).
 */
export function serveAsPlainHttp(server: Server, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  let text = `${req.method} ${req.url} HTTP/${req.httpVersion === '1.0' ? '1.0' : '1.1'}\r\n`;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (lower === 'upgrade' || lower === 'http2-settings') continue;
    let value = raw[i + 1]!;
    if (lower === 'connection') {
      value = value
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== '' && t.toLowerCase() !== 'upgrade' && t.toLowerCase() !== 'http2-settings')
        .join(', ');
      if (value === '') continue;
    }
    text += `${name}: ${value}\r\n`;
  }
  text += '\r\n';
  const bytes = head.length > 0 ? Buffer.concat([Buffer.from(text, 'latin1'), head]) : Buffer.from(text, 'latin1');
  // The new connection's parser reads the socket's handle directly from here on; what was already
  // read (the head, and anything after it) is fed to it as the first 'data' event, before any new read.
  server.emit('connection', socket);
  socket.emit('data', bytes);
}
