/**
 * The standalone proxy's HTTP front door: a node:http server that turns each request into a
 * {@link GatewayRequest}, asks the engine for a decision on the state current at arrival, and
 * answers or forwards. The state is one reference, swapped whole by {@link ProxyServer.swap}, so a
 * request finishes on the state it started with. No client input can throw out of here: parse
 * errors become 400 (`clientError`), handler errors 500 for that one request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { CLIENT_TIMEOUTS } from '../gateway/config/schema.js';
import { GatewayEvents, type ObservedRequest, type RequestOutcome } from '../gateway/events.js';
import type { AttemptContext, AttemptPlan } from '../gateway/pipeline/attempts.js';
import { newRequestId, requestIdOf } from '../gateway/pipeline/headers.js';
import type { AttemptResult } from '../gateway/resilience/index.js';
import type {
  Decision,
  DecisionInputs,
  ForwardDecision,
  GatewayRequest,
  GatewayState,
  HeaderList,
  HeaderMap,
  RespondDecision,
} from '../gateway/types.js';
import {
  describe,
  type ForwardContext,
  type ForwardOutcome,
  flattenHeaders,
  forwardHttp,
  writeHead,
} from './forward.js';
import { forwardWebSocket, serveAsPlainHttp, wantsWebSocket, writeRawResponse } from './upgrade.js';
import { Upstreams } from './upstreams.js';

/** The decisions and header plans the proxy carries out; the gateway pipeline behind a seam. */
export interface DecisionEngine {
  decide(req: GatewayRequest, state: GatewayState, inputs: DecisionInputs): Decision | Promise<Decision>;
  /** Response headers for the client, from the upstream's (hop-by-hop removed, gateway's own added). */
  responseHeaders(upstream: HeaderMap, decision: ForwardDecision, status: number): HeaderList;
  /** The forwarded request is over: give back what `decide` took (in-flight counts). */
  release(state: GatewayState, decision: ForwardDecision): void;
  /**
   * How an upstream attempt of a decision whose service has resilience policies ended (the
   * pipeline's `afterAttempt`): records it, and plans the retry, if any. Without it every
   * request gets one attempt.
   */
  attempted?(
    state: GatewayState,
    decision: ForwardDecision,
    result: AttemptResult,
    context: AttemptContext,
    inputs: DecisionInputs,
  ): AttemptPlan;
}

/** Options of {@link ProxyServer}. */
export interface ProxyServerOptions {
  engine: DecisionEngine;
  state: GatewayState;
  /** Where the proxy emits its request events (default: a hub of its own, {@link ProxyServer.events}). */
  events?: GatewayEvents;
  /** Wall clock for decisions (default `Date.now`). */
  now?: () => number;
  /** Random source for decisions (default `Math.random`). */
  random?: () => number;
  /** How long {@link ProxyServer.close} waits for in-flight requests before cutting them (default 30 s). */
  drainTimeoutMs?: number;
  /** Keep-alive timeout of client connections (default 5 s, Node's). */
  keepAliveTimeoutMs?: number;
  /**
   * How long a client may take to send a request's head (default 20 s): bounds slowloris
   * connections that trickle header bytes (nginx's `client_header_timeout` is 60 s, Node's 60 s).
   * Answered 408 and closed.
   */
  headersTimeoutMs?: number;
  /**
   * How long a client may take to send a whole request, head and body (default 300 s, Node's):
   * bounds slow uploads. `0` turns it off. Answered 408 (or cut, once an answer started).
   */
  requestTimeoutMs?: number;
}

/** The defaults of {@link ProxyServerOptions}' client timeouts. */
export const CLIENT_TIMEOUT_DEFAULTS = {
  keepAliveTimeoutMs: CLIENT_TIMEOUTS.fields.keep_alive_ms!.default as number,
  headersTimeoutMs: CLIENT_TIMEOUTS.fields.headers_ms!.default as number,
  requestTimeoutMs: CLIENT_TIMEOUTS.fields.request_ms!.default as number,
};

const ERROR_BODY = '500 Internal Server Error: the gateway failed on this request\n';

/** The node:http server of the standalone proxy; see the module comment. */
export class ProxyServer {
  readonly server: Server;
  readonly upstreams = new Upstreams();
  /** The request events of this proxy: access logs, metrics and traces subscribe here. */
  readonly events: GatewayEvents;
  #state: GatewayState;
  readonly #engine: DecisionEngine;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #drainTimeoutMs: number;
  #inFlight = 0;
  /** Requests in flight per state, so a swapped-out state can be released once its last one ends. */
  readonly #perState = new Map<GatewayState, { count: number; idle: (() => void) | undefined }>();
  #draining = false;
  #drained: (() => void) | undefined;
  readonly #tunnels = new Set<Duplex>();
  /** The engine's response header plan, bound once rather than per request. */
  readonly #responseHeaders: ForwardContext['responseHeaders'] = (upstream, d, status) =>
    this.#engine.responseHeaders(upstream, d, status);
  /**
   * Connections whose last answer said `Connection: close` because the request's head was not
   * trusted: requests Node's parser already read behind it (pipelined, or smuggled by framing the
   * gateway refused) are neither decided nor forwarded; the connection closes after that answer.
   */
  readonly #closing = new WeakSet<object>();
  /**
   * Requests that sent `Expect: 100-continue` and wait for the `100 Continue` this server gives
   * only to a request it forwards: one it answers itself (413, 429, 404, ...) is
   * answered before the client sends a body it would not read.
   */
  readonly #awaitingContinue = new WeakSet<IncomingMessage>();

  constructor(options: ProxyServerOptions) {
    this.#engine = options.engine;
    this.#state = options.state;
    this.events = options.events ?? new GatewayEvents();
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#drainTimeoutMs = options.drainTimeoutMs ?? 30_000;
    this.server = createServer(clientTimeouts(options), (req, res) => this.#onRequest(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.#onUpgrade(req, socket, head),
    );
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) =>
      onClientError(err, socket, this.#random),
    );
    this.server.on('connect', (req: IncomingMessage, socket: Duplex) => refuseConnect(socket, req, this.#random));
    // Without a listener node:http sends `100 Continue` to every such request before it is decided.
    this.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      this.#awaitingContinue.add(req);
      this.#onRequest(req, res);
    });
  }

  /** The state new requests are decided on. */
  get state(): GatewayState {
    return this.#state;
  }

  /** Requests (and WebSocket tunnels) in flight now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /**
   * Makes `state` the one new requests use; requests already in flight finish on theirs. Resolves
   * once no request is left on the old state (at once when none was), when it can be released.
   */
  swap(state: GatewayState): Promise<GatewayState> {
    const old = this.#state;
    if (state === old) return Promise.resolve(old);
    this.#state = state;
    const entry = this.#perState.get(old);
    if (entry === undefined || entry.count === 0) {
      this.#perState.delete(old);
      return Promise.resolve(old);
    }
    return new Promise((resolve) => {
      entry.idle = () => resolve(old);
    });
  }

  /** Starts listening; resolves with the bound address. */
  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.removeListener('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /**
   * Drains: stops accepting, lets requests in flight finish (closing each keep-alive connection
   * as it goes idle), then closes the upstream pools. Past `drainTimeoutMs` whatever is left is cut.
   */
  async close(): Promise<void> {
    if (!this.#draining) {
      this.#draining = true;
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      this.server.closeIdleConnections();
      if (this.#inFlight > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => {
            this.#drained = resolve;
          }),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, this.#drainTimeoutMs);
            timer.unref();
          }),
        ]);
        clearTimeout(timer);
      }
      for (const t of this.#tunnels) t.destroy();
      this.server.closeAllConnections();
      await closed;
      await this.upstreams.close();
    }
  }

  #begin(state: GatewayState): void {
    this.#inFlight++;
    const entry = this.#perState.get(state);
    if (entry) entry.count++;
    else this.#perState.set(state, { count: 1, idle: undefined });
  }

  #end(state: GatewayState): void {
    this.#inFlight--;
    const entry = this.#perState.get(state);
    // The current state's entry stays at 0 rather than being deleted and made again by the next
    // request (as the in-flight counts, pipeline/balance.ts `releaseFlight`); an old state's
    // goes once its last request ends, which is when `swap` learns the old state is idle.
    if (entry && --entry.count === 0 && state !== this.#state) {
      this.#perState.delete(state);
      entry.idle?.();
    }
    if (this.#draining) {
      this.server.closeIdleConnections();
      if (this.#inFlight === 0) this.#drained?.();
    }
  }

  #gatewayRequest(req: IncomingMessage): GatewayRequest {
    const socket = req.socket as Socket & { encrypted?: boolean };
    return {
      method: req.method ?? 'GET',
      target: req.url ?? '/',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      remoteAddress: socket.remoteAddress,
      encrypted: socket.encrypted === true,
      httpVersion: req.httpVersion,
    };
  }

  /**
   * Decides and carries out one request that arrived on a server this proxy does not own (the
   * Express and Fastify front doors): the same path as the proxy's own requests. A failure of the
   * handler itself (a bug, never client input) goes to `onError` when given and no byte of the
   * answer was sent yet (Express's `next(err)`); otherwise it is answered 500 here.
   */
  handle(req: IncomingMessage, res: ServerResponse, onError?: (err: unknown) => void): void {
    this.#onRequest(req, res, onError);
  }

  /**
   * Serves one `upgrade` event of a server this proxy does not own: WebSockets are routed and
   * tunneled, any other upgrade is served as plain HTTP/1.1 by `server` (the one that emitted it).
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, server: Server): void {
    this.#onUpgrade(req, socket, head, server);
  }

  #onRequest(req: IncomingMessage, res: ServerResponse, onError?: (err: unknown) => void): void {
    // A client that resets mid-body makes `req` emit 'error'; the forwarder sees it through undici.
    req.on('error', noop);
    if (this.#closing.has(req.socket)) {
      req.resume();
      res.shouldKeepAlive = false;
      return;
    }
    const state = this.#state;
    this.#begin(state);
    let ended = false;
    const end = () => {
      if (!ended) {
        ended = true;
        this.#end(state);
      }
    };
    if (this.#draining) res.shouldKeepAlive = false;
    let observed: ObservedRequest | undefined;
    try {
      const gr = this.#gatewayRequest(req);
      if (this.events.active) observed = this.events.start(gr, false, state, process.hrtime.bigint());
      const decision = this.#engine.decide(gr, state, { nowMs: this.#now(), random: this.#random });
      if (decision instanceof Promise) {
        decision.then(
          (d) => this.#carryOut(req, res, d, state, observed, end, onError),
          (err) => this.#fail(res, err, end, onError, observed),
        );
      } else {
        this.#carryOut(req, res, decision, state, observed, end, onError);
      }
    } catch (err) {
      this.#fail(res, err, end, onError, observed);
    }
  }

  #carryOut(
    req: IncomingMessage,
    res: ServerResponse,
    decision: Decision,
    state: GatewayState,
    observed: ObservedRequest | undefined,
    end: () => void,
    onError: ((err: unknown) => void) | undefined,
  ): void {
    try {
      if (observed !== undefined) this.events.decided(observed, decision);
      if (decision.kind === 'respond') {
        if (closes(decision)) {
          this.#closing.add(req.socket);
          res.shouldKeepAlive = false;
        }
        respond(res, decision);
        // The request body, if any, is not wanted; drain it so keep-alive stays usable.
        req.resume();
        if (observed === undefined) res.once('close', end);
        else
          res.once('close', () => {
            end();
            const whole = res.writableFinished;
            this.events.finished(
              observed,
              decision,
              whole ? 'responded' : 'client-aborted',
              decision.status,
              undefined,
              0,
            );
          });
        return;
      }
      const engine = this.#engine;
      // undici does not take `Expect`: the gateway asks for the body itself, now that it will read it.
      if (this.#awaitingContinue.has(req)) res.writeContinue();
      forwardHttp(req, res, decision, {
        upstreams: this.upstreams,
        responseHeaders: this.#responseHeaders,
        done: (d, outcome) => {
          engine.release(state, d);
          end();
          if (observed !== undefined) this.#forwardFinished(observed, d, outcome);
        },
        attempted:
          decision.service.resilience !== undefined && engine.attempted !== undefined
            ? (d, result, context) =>
                engine.attempted!(state, d, result, context, { nowMs: this.#now(), random: this.#random })
            : undefined,
        observed,
        events: this.events,
      });
    } catch (err) {
      this.#fail(res, err, end, onError, observed);
    }
  }

  #forwardFinished(observed: ObservedRequest, decision: ForwardDecision, outcome: ForwardOutcome): void {
    const error = outcome.kind === 'upstream-failed' ? outcome.error : undefined;
    this.events.finished(observed, decision, outcome.kind, outcome.status ?? 0, error, outcome.attempts?.length ?? 1);
  }

  #fail(
    res: ServerResponse,
    err: unknown,
    end: () => void,
    onError?: (err: unknown) => void,
    observed?: ObservedRequest,
  ): void {
    if (observed !== undefined) this.events.finished(observed, undefined, 'failed', 500, describe(err), 0);
    if (onError !== undefined && !res.headersSent) {
      end();
      onError(err);
      return;
    }
    if (!res.headersSent) {
      res.writeHead(500, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': ERROR_BODY.length,
        'x-request-id': requestIdOf(res.req?.headers['x-request-id'], this.#random),
      });
      res.end(ERROR_BODY);
    } else {
      res.destroy();
    }
    end();
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, server: Server = this.server): void {
    socket.on('error', noop);
    if (!wantsWebSocket(req.headers)) {
      serveAsPlainHttp(server, req, socket, head);
      return;
    }
    if (this.#draining) {
      writeRawResponse(
        socket,
        503,
        [['x-request-id', requestIdOf(req.headers['x-request-id'], this.#random)]],
        '503 Service Unavailable: the gateway is shutting down\n',
      );
      return;
    }
    const state = this.#state;
    this.#begin(state);
    let ended = false;
    const end = () => {
      if (!ended) {
        ended = true;
        this.#end(state);
      }
    };
    let observed: ObservedRequest | undefined;
    const finished = (decision: Decision | undefined, outcome: RequestOutcome, status: number, error?: string) => {
      if (observed !== undefined) this.events.finished(observed, decision, outcome, status, error, 0);
    };
    const carry = (decision: Decision) => {
      if (observed !== undefined) this.events.decided(observed, decision);
      if (decision.kind === 'respond') {
        writeRawResponse(socket, decision.status, decision.headers, decision.body);
        end();
        finished(decision, 'responded', decision.status);
        return;
      }
      if (!decision.websocket) {
        // The pipeline did not see a WebSocket where the proxy did; serve the request as plain HTTP.
        end();
        finished(decision, 'responded', 0);
        serveAsPlainHttp(server, req, socket, head);
        return;
      }
      forwardWebSocket(req, socket, head, decision, {
        responseHeaders: (upstream, d, status) => this.#engine.responseHeaders(upstream, d, status),
        track: (s) => {
          this.#tunnels.add(s);
          s.once('close', () => this.#tunnels.delete(s));
        },
        done: (d, outcome) => {
          this.#engine.release(state, d);
          end();
          if (observed !== undefined) this.#forwardFinished(observed, d, outcome);
        },
      });
    };
    const fail = (err: unknown) => {
      finished(undefined, 'failed', 500, describe(err));
      writeRawResponse(
        socket,
        500,
        [['x-request-id', requestIdOf(req.headers['x-request-id'], this.#random)]],
        ERROR_BODY,
      );
      end();
    };
    try {
      const gr = this.#gatewayRequest(req);
      if (this.events.active) observed = this.events.start(gr, true, state, process.hrtime.bigint());
      const decision = this.#engine.decide(gr, state, { nowMs: this.#now(), random: this.#random });
      if (decision instanceof Promise) decision.then(carry, fail);
      else carry(decision);
    } catch (err) {
      fail(err);
    }
  }
}

function noop(): void {}

/** Whether a decision the gateway answers itself ends the connection. */
function closes(decision: RespondDecision): boolean {
  for (const [name, value] of decision.headers) if (name === 'connection' && value === 'close') return true;
  return false;
}

/**
 * node:http server options for the client timeouts. Node checks head and request deadlines only
 * every `connectionsCheckingInterval` (30 s by default), so a 1 s deadline could take 31 s to
 * fire: the interval follows the shortest deadline (a quarter of it, 50 ms to 1 s).
 */
export function clientTimeouts(options: {
  keepAliveTimeoutMs?: number | undefined;
  headersTimeoutMs?: number | undefined;
  requestTimeoutMs?: number | undefined;
}): { keepAliveTimeout: number; headersTimeout: number; requestTimeout: number; connectionsCheckingInterval: number } {
  const keepAliveTimeout = options.keepAliveTimeoutMs ?? CLIENT_TIMEOUT_DEFAULTS.keepAliveTimeoutMs;
  const requestTimeout = options.requestTimeoutMs ?? CLIENT_TIMEOUT_DEFAULTS.requestTimeoutMs;
  let headersTimeout = options.headersTimeoutMs ?? CLIENT_TIMEOUT_DEFAULTS.headersTimeoutMs;
  // Node refuses a head deadline longer than the whole request's.
  if (requestTimeout > 0 && headersTimeout > requestTimeout) headersTimeout = requestTimeout;
  const shortest = Math.min(headersTimeout, requestTimeout > 0 ? requestTimeout : headersTimeout);
  const connectionsCheckingInterval = Math.min(1_000, Math.max(50, Math.floor(shortest / 4)));
  return { keepAliveTimeout, headersTimeout, requestTimeout, connectionsCheckingInterval };
}

/** Writes a decision the gateway answers itself. */
export function respond(res: ServerResponse, decision: RespondDecision): void {
  const headers = flattenHeaders(decision.headers, false);
  if (!decision.headers.some(([n]) => n === 'content-type')) headers.push('content-type', 'text/plain; charset=utf-8');
  headers.push('content-length', String(Buffer.byteLength(decision.body)));
  writeHead(res, decision.status, headers);
  res.end(decision.body);
}

const CONNECT_BODY = '400 Bad Request: CONNECT is not served; this gateway is not a forward proxy\n';

/**
 * Answers a `CONNECT` (authority-form, RFC 9110 §9.3.6) 400 and closes. Without a `connect`
 * listener node:http drops such a connection without a word; the gateway routes paths and never
 * opens tunnels to arbitrary hosts. Front doors on servers the gateway does not own use it too.
 */
export function refuseConnect(socket: Duplex, req: IncomingMessage, random: () => number = Math.random): void {
  socket.on('error', noop);
  writeRawResponse(socket, 400, [['x-request-id', requestIdOf(req.headers['x-request-id'], random)]], CONNECT_BODY);
}

/** A request the HTTP parser rejected (bad syntax, oversized head): answer it, never throw. */
function onClientError(err: NodeJS.ErrnoException, socket: Duplex, random: () => number): void {
  // An answer already under way on this connection (a timeout firing mid-upload after the upstream
  // answered, a malformed pipelined request): a second status line would corrupt it, so only cut.
  const current = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || current?.headersSent === true) {
    socket.destroy();
    return;
  }
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const reason =
    status === 431 ? 'request head too large' : status === 408 ? 'request took too long' : 'malformed request';
  // The head did not parse, so there is no client id to keep: a new one, as for every answer.
  writeRawResponse(socket, status, [['x-request-id', newRequestId(random)]], `${status} ${reason}\n`);
}
