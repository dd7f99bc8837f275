/**
 * Carries a forward decision out for a plain HTTP request: an undici request on the target's
 * pool, the client body streamed up and the upstream body streamed down with backpressure (undici
 * pauses on `res.write() === false`; the client request is read only as fast as the upstream
 * socket drains), nothing buffered. A client that goes away aborts the upstream request; an
 * upstream that fails answers 502, one that is too slow 504.
 *
 * For a service with `retries:`, `breaker:` or `health:` every attempt's outcome is reported to
 * the pipeline (`ForwardContext.attempted`), which records it against the target's breaker and
 * may plan another attempt: after a connection error, or a 502/503/504 whose answer is then
 * dropped, never once the client has the status line. The front door waits the planned delay
 * and sends the request again, to the target the plan names; the whole-request deadline
 * (`request_ms`) spans every attempt and wait.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Transform, type TransformCallback } from 'node:stream';
import type { Dispatcher } from 'undici';
import { type AttemptOutcome, type GatewayEvents, type ObservedRequest, secondsSince } from '../gateway/events.js';
import type { AttemptContext, AttemptPlan, AttemptRecord } from '../gateway/pipeline/attempts.js';
import { respond, UPSTREAM_FAILURE } from '../gateway/pipeline/decide.js';
import { answerEndsWithHead, upstreamStatusProblem } from '../gateway/pipeline/upstream.js';
import { declaresContent } from '../gateway/pipeline/websocket.js';
import type { AttemptResult } from '../gateway/resilience/index.js';
import type { ForwardDecision, HeaderList, HeaderMap } from '../gateway/types.js';
import type { Upstreams } from './upstreams.js';

/** How a forwarded request ended, for release, metrics and access logs. */
export type ForwardOutcome = (
  | { kind: 'completed'; status: number }
  | { kind: 'client-aborted'; status: number | undefined }
  | { kind: 'upstream-failed'; status: 502 | 504; error: string; afterHeaders: boolean }
  /**
   * The gateway cut the exchange itself: a chunked request body grew past the route's
   * `max_body_bytes` (413, or the upstream's status when its answer had started).
   */
  | { kind: 'responded'; status: number | undefined }
) & {
  /**
   * Every upstream attempt in order, with its result and retry verdict, for a service with
   * `retries:`, `breaker:` or `health:`; absent for other services (one attempt, not recorded).
   */
  attempts?: readonly AttemptRecord[];
};

/** What {@link forwardHttp} needs from the gateway around it. */
export interface ForwardContext {
  upstreams: Upstreams;
  /** The response headers to send the client for an upstream response (hop-by-hop removed, gateway's added). */
  responseHeaders(upstream: HeaderMap, decision: ForwardDecision, status: number): HeaderList;
  /** Called exactly once per forwarded request, when it is over, with the decision of its last attempt. */
  done(decision: ForwardDecision, outcome: ForwardOutcome): void;
  /**
   * Reports how an attempt ended and returns what to do next (the pipeline's `afterAttempt`).
   * Given only for a decision whose service has resilience policies; without it there is one
   * attempt and nothing is reported.
   */
  attempted?: (decision: ForwardDecision, result: AttemptResult, context: AttemptContext) => AttemptPlan;
  /** The request as observed, when someone listens to `events`: each attempt is reported there. */
  observed?: ObservedRequest | undefined;
  events?: GatewayEvents;
}

/** Header names undici refuses to be given (it manages them itself); never sent upstream. */
const UNDICI_MANAGED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'expect']);

/** `[name, value, name, value, ...]` as undici and `writeHead` take it. */
export function flattenHeaders(list: HeaderList, skipManaged: boolean): string[] {
  const flat: string[] = [];
  for (const [name, value] of list) {
    if (skipManaged && UNDICI_MANAGED.has(name)) continue;
    flat.push(name, value);
  }
  return flat;
}

/**
 * `res.writeHead(status, flat)`, keeping repeated fields (`Set-Cookie`) even when headers were
 * already set on `res` (by an Express or Fastify app before the gateway: `X-Powered-By`, limit
 * headers). Node 20's `writeHead` would keep only the last value of a repeated field then; so
 * the planned fields replace earlier ones of their name and are appended one by one instead.
 */
export function writeHead(res: ServerResponse, status: number, flat: string[]): void {
  if (res.getHeaderNames().length === 0) {
    res.writeHead(status, flat);
    return;
  }
  for (let i = 0; i < flat.length; i += 2) res.removeHeader(flat[i]!);
  for (let i = 0; i < flat.length; i += 2) res.appendHeader(flat[i]!, flat[i + 1]!);
  res.writeHead(status);
}

/** Whether the client request has a body to stream (see {@link declaresContent}). */
export function hasBody(req: IncomingMessage): boolean {
  return declaresContent(req.headers);
}

/** The reason a forward (or one attempt of it) was cut short by the gateway itself. */
class Cut extends Error {
  constructor(readonly why: 'timeout' | 'client-gone' | 'superseded' | 'too-large') {
    super(
      why === 'timeout'
        ? 'request timeout'
        : why === 'client-gone'
          ? 'client went away'
          : why === 'too-large'
            ? 'request body larger than the route takes'
            : 'attempt superseded',
    );
  }
}

/**
 * Passes a request body through while it stays within `limit` bytes; past it, calls `over` (which
 * marks the exchange as cut) and fails, so that undici aborts the upstream request. Only for a
 * body of unknown length (chunked): node's parser already holds a `Content-Length` body to its
 * length, and the pipeline answered 413 to a declared length over the limit.
 */
class BodyLimit extends Transform {
  #seen = 0;
  readonly #limit: number;
  readonly #over: () => void;

  constructor(limit: number, over: () => void) {
    super();
    this.#limit = limit;
    this.#over = over;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.#limit) {
      this.#over();
      callback(TOO_LARGE);
      return;
    }
    callback(null, chunk);
  }
}

/**
 * The request body to send upstream: the client's request itself, or, for a chunked body on a
 * route with `max_body_bytes`, that request through a {@link BodyLimit}. Piped, not
 * `pipeline()`d: a body over the limit must leave the client's socket open for the 413.
 */
function bodyOf(req: IncomingMessage, limit: number | undefined, over: () => void): IncomingMessage | BodyLimit {
  if (limit === undefined || limit === 0 || req.headers['content-length'] !== undefined) return req;
  const limited = new BodyLimit(limit, over);
  req.once('error', (err) => limited.destroy(err));
  req.once('aborted', () => limited.destroy(new Cut('client-gone')));
  req.pipe(limited);
  return limited;
}

/** Aborts an attempt whose answer the gateway dropped to retry. */
const SUPERSEDED = new Cut('superseded');
/** Cuts an exchange whose chunked body grew past the route's `max_body_bytes`. */
const TOO_LARGE = new Cut('too-large');

/** Errors that mean no connection was made: nothing of the request went upstream. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'EADDRNOTAVAIL',
]);

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** Short text for an upstream failure (or any error), for logs and events. */
export function describe(err: unknown): string {
  if (err instanceof Cut) return err.message;
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return code ? `${code}: ${message}` : message;
}

function isTimeout(err: unknown): boolean {
  if (err === undefined) return false;
  if (err instanceof Cut) return err.why === 'timeout';
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TIMEOUT_CODES.has(code);
}

/** Answers the client 413 for a chunked body that grew past the route's limit, and ends the connection. */
function sendTooLarge(res: ServerResponse, decision: ForwardDecision): void {
  const limit = decision.route.maxBodyBytes ?? 0;
  const message = `the request body is over this route's limit of ${limit} bytes`;
  // The limit headers of the decision go along; its request id is the one `respond` sets.
  const extra = decision.responseHeaders.filter(([name]) => name !== 'x-request-id');
  const answer = respond('payload-too-large', message, decision.requestId, extra, {
    path: decision.path,
    route: decision.route,
    limits: decision.limits,
  });
  const headers = flattenHeaders(answer.headers, false);
  // The rest of the body is never read: nothing after it on this connection is a request.
  headers.push('content-length', String(Buffer.byteLength(answer.body)), 'connection', 'close');
  writeHead(res, answer.status, headers);
  res.end(answer.body);
}

/** Answers the client the gateway's own 502/504 for a failed upstream. */
export function sendUpstreamError(res: ServerResponse, status: 502 | 504, decision: ForwardDecision): void {
  const body = UPSTREAM_FAILURE.body(status, decision.service.name);
  const headers = flattenHeaders(decision.responseHeaders, false);
  headers.push('content-type', UPSTREAM_FAILURE.contentType, 'content-length', String(Buffer.byteLength(body)));
  writeHead(res, status, headers);
  res.end(body);
}

/**
 * Sends `req` to `decision.target` and streams the answer into `res`. Never throws; every end
 * (completed, client gone, upstream failed) is reported once through `ctx.done`.
 *
 * Written as an undici dispatch handler rather than through `stream()` with an AbortSignal: the
 * handler's controller aborts and pauses the upstream exchange directly, which spares every
 * request an AbortController, an EventTarget listener and a wrapper stream (measured: the
 * signal alone cost a sizeable share of a pass-through request).
 */
export function forwardHttp(
  req: IncomingMessage,
  res: ServerResponse,
  first: ForwardDecision,
  ctx: ForwardContext,
): void {
  new Forwarding(req, res, first, ctx).dispatch();
}

/**
 * One forwarded request, from its first attempt to its end. A class rather than a dozen closures
 * over shared variables: one object per request instead of a context and a function object per
 * callback (about a kilobyte of garbage per request, which sets how often a busy gateway pauses
 * for a scavenge).
 */
class Forwarding {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly ctx: ForwardContext;
  /** The decision of the current attempt. */
  decision: ForwardDecision;
  over = false;
  status: number | undefined = undefined;
  controller: Dispatcher.DispatchController | undefined = undefined;
  /** Why the gateway cut the whole exchange itself, if it did. */
  cut: Cut | undefined = undefined;
  /** Attempt number; the handler of an earlier attempt ignores whatever it still hears. */
  attempt = 1;
  /** Whether the current attempt's request was taken onto a connection (its body may be going up). */
  started = false;
  /** The wait before the next attempt. */
  sleeping: NodeJS.Timeout | undefined = undefined;
  /** Whether the current attempt's outcome was reported (its response, or its failure). */
  reported = false;
  readonly withBody: boolean;
  /** What goes upstream as the body (see {@link bodyOf}); `null` without one. */
  readonly body: IncomingMessage | BodyLimit | null;
  readonly records: AttemptRecord[] | undefined;
  readonly deadline: number;
  readonly observed: ObservedRequest | undefined;
  /** When the current attempt was sent, while it is observed and not over. */
  attemptStartNs: bigint | undefined = undefined;
  readonly timer: NodeJS.Timeout | undefined;
  readonly onClose: () => void;
  /** Resumes the upstream once the client drained; made on the first backpressure. */
  onDrain: (() => void) | undefined = undefined;

  constructor(req: IncomingMessage, res: ServerResponse, first: ForwardDecision, ctx: ForwardContext) {
    this.req = req;
    this.res = res;
    this.ctx = ctx;
    this.decision = first;
    const { timeouts } = first;
    this.withBody = hasBody(req);
    this.body = this.withBody ? bodyOf(req, first.route.maxBodyBytes, () => this.abort(TOO_LARGE)) : null;
    this.records = ctx.attempted ? [] : undefined;
    this.deadline = ctx.attempted && timeouts.requestMs > 0 ? performance.now() + timeouts.requestMs : Infinity;
    this.observed = ctx.events !== undefined ? ctx.observed : undefined;
    this.timer =
      timeouts.requestMs > 0 ? setTimeout(() => this.abort(new Cut('timeout')), timeouts.requestMs) : undefined;
    this.onClose = () => this.closed();
    this.res.on('close', this.onClose);
  }

  /** Reports the end of the current attempt, once, when it is observed. */
  attemptOver(
    outcome: AttemptOutcome,
    upstreamStatus: number | undefined,
    error: string | undefined,
    record: AttemptRecord | undefined,
  ): void {
    if (this.attemptStartNs === undefined) return;
    const startNs = this.attemptStartNs;
    this.attemptStartNs = undefined;
    attemptEnded(
      this.ctx.events!,
      this.observed!,
      this.decision,
      this.attempt,
      outcome,
      upstreamStatus,
      error,
      record,
      startNs,
    );
  }

  finish(outcome: ForwardOutcome): void {
    if (this.over) return;
    this.over = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.sleeping !== undefined) clearTimeout(this.sleeping);
    this.res.removeListener('close', this.onClose);
    const records = this.records;
    if (records !== undefined) outcome.attempts = records;
    if (this.attemptStartNs !== undefined) {
      const last = records?.[records.length - 1];
      const record = last?.attempt === this.attempt ? last : undefined;
      if (outcome.kind === 'upstream-failed')
        this.attemptOver(outcome.status === 504 ? 'timeout' : 'failed', this.status, outcome.error, record);
      else
        this.attemptOver(
          outcome.kind === 'completed' ? 'response' : 'client-aborted',
          outcome.status,
          undefined,
          record,
        );
    }
    this.ctx.done(this.decision, outcome);
  }

  report(result: AttemptResult, bodySent: boolean): AttemptPlan | undefined {
    const attempted = this.ctx.attempted;
    if (attempted === undefined) return undefined;
    this.reported = true;
    const plan = attempted(this.decision, result, {
      attempt: this.attempt,
      method: this.req.method ?? 'GET',
      bodySent,
      remainingMs: this.deadline - performance.now(),
    });
    this.records!.push(plan.record);
    return plan;
  }

  abort(why: Cut): void {
    this.cut ??= why;
    if (this.controller) this.controller.abort(why);
    // Still queued, connecting or waiting to retry: answer now; a queued exchange is aborted as soon as it starts.
    else if (why.why === 'timeout') this.fail(why);
  }

  /** The client's response closed: 'close' also fires after a normal finish; only one that never finished means the client left. */
  closed(): void {
    if (this.res.writableFinished) return;
    // Gone while waiting to retry: nothing was in flight (the release frees the admission).
    // Gone mid-body: the attempt's response was reported already.
    if (!this.over && this.sleeping === undefined && !this.reported) this.report({ kind: 'client-aborted' }, false);
    this.abort(new Cut('client-gone'));
    this.finish({ kind: 'client-aborted', status: this.status });
  }

  fail(err: unknown): void {
    if (this.over) return;
    const { res, cut } = this;
    if (cut?.why === 'client-gone' || res.destroyed || (!res.writable && !res.headersSent)) {
      this.finish({ kind: 'client-aborted', status: this.status });
      return;
    }
    const afterHeaders = res.headersSent;
    if (cut?.why === 'too-large') {
      // The client's doing, not the target's: reported (for the breaker) as a client that left.
      if (this.sleeping === undefined && !this.reported) this.report({ kind: 'client-aborted' }, this.started);
      if (afterHeaders) res.destroy();
      else sendTooLarge(res, this.decision);
      this.finish({ kind: 'responded', status: afterHeaders ? this.status : 413 });
      return;
    }
    const timedOut = isTimeout(cut ?? err);
    const waiting = this.sleeping !== undefined;
    if (waiting) {
      // Cut while waiting to retry: the next attempt never happened, so there is nothing to report
      // (its admission is handed back when the request is released).
      clearTimeout(this.sleeping);
      this.sleeping = undefined;
    } else if (this.ctx.attempted !== undefined && !(afterHeaders && cut?.why === 'timeout')) {
      // (A stream the gateway's own deadline cut after a good start is not the target's failure.)
      const error = describe(cut ?? err);
      const connectError = !this.started || CONNECT_CODES.has(errorCode(err) ?? '');
      const result: AttemptResult = afterHeaders
        ? { kind: 'body-error', error }
        : cut?.why === 'timeout'
          ? { kind: 'timeout', error }
          : connectError
            ? { kind: 'connect-error', error }
            : timedOut
              ? { kind: 'timeout', error }
              : { kind: 'reset', error };
      const plan = this.report(result, this.withBody && this.started && !connectError);
      if (plan?.next !== undefined && !afterHeaders) {
        this.attemptOver(result.kind === 'timeout' ? 'timeout' : 'failed', undefined, error, plan.record);
        this.retry(plan);
        return;
      }
    }
    const code: 502 | 504 = timedOut ? 504 : 502;
    // After the status line all that is left is to cut the client off: it sees a truncated body.
    if (afterHeaders) res.destroy();
    else sendUpstreamError(res, code, this.decision);
    this.finish({ kind: 'upstream-failed', status: code, error: describe(cut ?? err), afterHeaders });
  }

  /**
   * Passes an upstream's 103 Early Hints on: its `Link` fields only (what the hints are for; the
   * other fields are the upstream's and are not planned like a final answer's). Never to an
   * HTTP/1.0 client (RFC 9110 §15.2), nor once the final answer started; a `Link` value node
   * refuses is dropped rather than failing the exchange.
   */
  earlyHints(link: string | string[] | undefined): void {
    const { req, res } = this;
    if (link === undefined || res.headersSent || this.over) return;
    if (req.httpVersionMajor < 1 || (req.httpVersionMajor === 1 && req.httpVersionMinor < 1)) return;
    try {
      res.writeEarlyHints({ link });
    } catch {
      // An invalid Link: the hints are an optimization, the answer still comes.
    }
  }

  retry(plan: AttemptPlan): void {
    this.decision = plan.next!;
    this.attempt++;
    this.controller = undefined;
    this.started = false;
    this.reported = false;
    this.sleeping = setTimeout(() => {
      this.sleeping = undefined;
      if (!this.over) this.dispatch();
    }, plan.delayMs);
  }

  dispatch(): void {
    const decision = this.decision;
    let headers = flattenHeaders(decision.requestHeaders, true);
    if (this.observed !== undefined) {
      this.attemptStartNs = process.hrtime.bigint();
      // Built only when someone listens (a tracer, while a provider is registered): else no event
      // and no header to look for.
      if (this.ctx.events!.wants('upstream-attempt-start'))
        headers = attemptStarted(this.ctx.events!, this.observed, decision, this.attempt, headers);
    }
    let pool: Dispatcher;
    try {
      pool = this.ctx.upstreams.pool(decision.target.origin, decision.timeouts.connectMs);
    } catch (err) {
      // A target the pool cannot be built for (an origin undici rejects) is an upstream failure.
      this.fail(err);
      return;
    }
    try {
      pool.dispatch(
        {
          path: decision.upstreamPath,
          method: this.req.method as Dispatcher.HttpMethod,
          headers,
          body: this.body,
          headersTimeout: decision.timeouts.headersMs,
          bodyTimeout: 0,
        },
        new AttemptHandler(this, this.attempt),
      );
    } catch (err) {
      this.fail(err);
    }
  }
}

/** undici's handler for one attempt of a {@link Forwarding}; an attempt that was superseded hears nothing. */
class AttemptHandler implements Dispatcher.DispatchHandler {
  readonly #f: Forwarding;
  readonly #attempt: number;

  constructor(forwarding: Forwarding, attempt: number) {
    this.#f = forwarding;
    this.#attempt = attempt;
  }

  onRequestStart(c: Dispatcher.DispatchController): void {
    const f = this.#f;
    if (this.#attempt !== f.attempt) {
      c.abort(SUPERSEDED);
      return;
    }
    f.controller = c;
    f.started = true;
    if (f.cut) c.abort(f.cut);
  }

  onResponseStart(c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    const f = this.#f;
    if (this.#attempt !== f.attempt) return;
    if (statusCode < 200) {
      // Interim answers: 103 Early Hints are passed on (RFC 9110 §15.2: a proxy forwards 1xx);
      // 100 is undici's own business, 101 never reaches here, others say nothing to a client.
      if (statusCode === 103) f.earlyHints(headers.link);
      return;
    }
    const invalid = upstreamStatusProblem(statusCode);
    if (invalid !== undefined) {
      // Answered 502 through the error path, as any other malformed answer (undici's parser
      // refuses the rest): the exchange is aborted, and `onResponseError` gets this reason.
      c.abort(invalid);
      return;
    }
    if (f.ctx.attempted !== undefined) {
      const retryAfter = (headers as HeaderMap)['retry-after'];
      const plan = f.report(
        {
          kind: 'response',
          status: statusCode,
          retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
        },
        f.withBody,
      );
      if (plan?.next !== undefined) {
        f.attemptOver('response', statusCode, undefined, plan.record);
        // The answer is dropped: the client gets the next attempt's. The attempt moves on
        // first, so that the error undici reports for this abort (at once) is ignored.
        f.retry(plan);
        c.abort(SUPERSEDED);
        return;
      }
    }
    f.status = statusCode;
    const planned = f.ctx.responseHeaders(headers as HeaderMap, f.decision, statusCode);
    writeHead(f.res, statusCode, flattenHeaders(planned, false));
    if (answerEndsWithHead(f.req.method ?? 'GET', statusCode)) {
      // RFC 9112 §6.3 rule 1: the answer is whole. undici would otherwise fail a 304 (or a 204)
      // whose Content-Length announces bytes that cannot follow, after the head was committed,
      // and the client would get a closed connection instead of its answer.
      f.res.end();
      f.finish({ kind: 'completed', status: statusCode });
    }
  }

  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer): void {
    const f = this.#f;
    if (this.#attempt !== f.attempt || f.over) return;
    if (!f.res.write(chunk)) {
      c.pause();
      f.onDrain ??= () => f.controller?.resume();
      f.res.once('drain', f.onDrain);
    }
  }

  onResponseEnd(): void {
    const f = this.#f;
    if (this.#attempt !== f.attempt || f.over) return;
    f.res.end();
    f.finish({ kind: 'completed', status: f.status ?? 0 });
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    const f = this.#f;
    if (this.#attempt !== f.attempt) return;
    f.fail(err);
  }
}

/** Emits `upstream-attempt-start`; returns the headers to send, with the `traceparent` a listener chose. */
function attemptStarted(
  events: GatewayEvents,
  request: ObservedRequest,
  decision: ForwardDecision,
  attempt: number,
  headers: string[],
): string[] {
  let at = -1;
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === 'traceparent') at = i;
  const planned = at >= 0 ? headers[at + 1] : undefined;
  const event = {
    type: 'upstream-attempt-start' as const,
    request,
    decision,
    service: decision.service,
    target: decision.target,
    attempt,
    traceparent: planned,
  };
  events.emit(event);
  if (event.traceparent === planned || event.traceparent === undefined) return headers;
  if (at >= 0) headers[at + 1] = event.traceparent;
  else headers.push('traceparent', event.traceparent);
  return headers;
}

/** Emits `upstream-attempt-end` for one attempt. */
function attemptEnded(
  events: GatewayEvents,
  request: ObservedRequest,
  decision: ForwardDecision,
  attempt: number,
  outcome: AttemptOutcome,
  status: number | undefined,
  error: string | undefined,
  record: AttemptRecord | undefined,
  startNs: bigint,
): void {
  const retry = record?.retry;
  events.emit({
    type: 'upstream-attempt-end',
    request,
    decision,
    service: decision.service,
    target: decision.target,
    attempt,
    outcome,
    status,
    error,
    result: record?.result,
    retry,
    durationSeconds: secondsSince(startNs),
  });
  if (retry === undefined || retry.reason === undefined || !(retry.retry || retry.why === 'budget')) return;
  events.emit({
    type: 'retry',
    request,
    decision,
    service: decision.service,
    attempt,
    outcome: retry.retry ? 'scheduled' : 'budget-exhausted',
    reason: retry.reason,
    delayMs: retry.retry ? retry.delayMs : 0,
  });
}
