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
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import { type AttemptOutcome, type GatewayEvents, type ObservedRequest, secondsSince } from '../gateway/events.js';
import type { AttemptContext, AttemptPlan, AttemptRecord } from '../gateway/pipeline/attempts.js';
import type { AttemptResult } from '../gateway/resilience/index.js';
import type { ForwardDecision, HeaderList, HeaderMap } from '../gateway/types.js';
import type { Upstreams } from './upstreams.js';

/** How a forwarded request ended, for release, metrics and access logs. */
export type ForwardOutcome = (
  | { kind: 'completed'; status: number }
  | { kind: 'client-aborted'; status: number | undefined }
  | { kind: 'upstream-failed'; status: 502 | 504; error: string; afterHeaders: boolean }
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

/** Whether the client request has a body to stream (RFC 9112 §6.3: a length, or a transfer coding). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** The reason a forward (or one attempt of it) was cut short by the gateway itself. */
class Cut extends Error {
  constructor(readonly why: 'timeout' | 'client-gone' | 'superseded') {
    super(why === 'timeout' ? 'request timeout' : why === 'client-gone' ? 'client went away' : 'attempt superseded');
  }
}

/** Aborts an attempt whose answer the gateway dropped to retry. */
const SUPERSEDED = new Cut('superseded');

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

/** Answers the client the gateway's own 502/504 for a failed upstream. */
export function sendUpstreamError(res: ServerResponse, status: 502 | 504, decision: ForwardDecision): void {
  const text = status === 504 ? 'Gateway Timeout' : 'Bad Gateway';
  const body = `${status} ${text}: upstream ${decision.target.id} of service ${decision.service.name} ${
    status === 504 ? 'did not answer in time' : 'failed'
  }\n`;
  const headers = flattenHeaders(decision.responseHeaders, false);
  headers.push('content-type', 'text/plain; charset=utf-8', 'content-length', String(Buffer.byteLength(body)));
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
  const { timeouts } = first;
  const attempted = ctx.attempted;
  let decision = first;
  let over = false;
  let status: number | undefined;
  let controller: Dispatcher.DispatchController | undefined;
  /** Why the gateway cut the whole exchange itself, if it did. */
  let cut: Cut | undefined;
  /** Attempt number; the handler of an earlier attempt ignores whatever it still hears. */
  let attempt = 1;
  /** Whether the current attempt's request was taken onto a connection (its body may be going up). */
  let started = false;
  /** The wait before the next attempt. */
  let sleeping: NodeJS.Timeout | undefined;
  /** Whether the current attempt's outcome was reported (its response, or its failure). */
  let reported = false;
  const withBody = hasBody(req);
  const records: AttemptRecord[] | undefined = attempted ? [] : undefined;
  const deadline = attempted && timeouts.requestMs > 0 ? performance.now() + timeouts.requestMs : Infinity;
  const observed = ctx.events !== undefined ? ctx.observed : undefined;
  /** When the current attempt was sent, while it is observed and not over. */
  let attemptStartNs: bigint | undefined;
  /** Reports the end of the current attempt, once, when it is observed. */
  const attemptOver = (
    outcome: AttemptOutcome,
    upstreamStatus: number | undefined,
    error: string | undefined,
    record: AttemptRecord | undefined,
  ) => {
    if (attemptStartNs === undefined) return;
    const startNs = attemptStartNs;
    attemptStartNs = undefined;
    attemptEnded(ctx.events!, observed!, decision, attempt, outcome, upstreamStatus, error, record, startNs);
  };

  const finish = (outcome: ForwardOutcome) => {
    if (over) return;
    over = true;
    if (timer !== undefined) clearTimeout(timer);
    if (sleeping !== undefined) clearTimeout(sleeping);
    res.removeListener('close', onClose);
    if (records !== undefined) outcome.attempts = records;
    if (attemptStartNs !== undefined) {
      const last = records?.[records.length - 1];
      const record = last?.attempt === attempt ? last : undefined;
      if (outcome.kind === 'upstream-failed')
        attemptOver(outcome.status === 504 ? 'timeout' : 'failed', status, outcome.error, record);
      else attemptOver(outcome.kind === 'completed' ? 'response' : 'client-aborted', outcome.status, undefined, record);
    }
    ctx.done(decision, outcome);
  };
  const report = (result: AttemptResult, bodySent: boolean): AttemptPlan | undefined => {
    if (attempted === undefined) return undefined;
    reported = true;
    const plan = attempted(decision, result, {
      attempt,
      method: req.method ?? 'GET',
      bodySent,
      remainingMs: deadline - performance.now(),
    });
    records!.push(plan.record);
    return plan;
  };
  const abort = (why: Cut) => {
    cut ??= why;
    if (controller) controller.abort(why);
    // Still queued, connecting or waiting to retry: answer now; a queued exchange is aborted as soon as it starts.
    else if (why.why === 'timeout') fail(why);
  };
  const timer = timeouts.requestMs > 0 ? setTimeout(() => abort(new Cut('timeout')), timeouts.requestMs) : undefined;
  // 'close' also fires after a normal finish; only a response that never finished means the client left.
  const onClose = () => {
    if (!res.writableFinished) {
      // Gone while waiting to retry: nothing was in flight (the release frees the admission).
      // Gone mid-body: the attempt's response was reported already.
      if (!over && sleeping === undefined && !reported) report({ kind: 'client-aborted' }, false);
      abort(new Cut('client-gone'));
      finish({ kind: 'client-aborted', status });
    }
  };
  res.on('close', onClose);

  const fail = (err: unknown) => {
    if (over) return;
    if (cut?.why === 'client-gone' || res.destroyed || (!res.writable && !res.headersSent)) {
      finish({ kind: 'client-aborted', status });
      return;
    }
    const timedOut = isTimeout(cut ?? err);
    const afterHeaders = res.headersSent;
    const waiting = sleeping !== undefined;
    if (waiting) {
      // Cut while waiting to retry: the next attempt never happened, so there is nothing to report
      // (its admission is handed back when the request is released).
      clearTimeout(sleeping);
      sleeping = undefined;
    } else if (attempted !== undefined && !(afterHeaders && cut?.why === 'timeout')) {
      // (A stream the gateway's own deadline cut after a good start is not the target's failure.)
      const error = describe(cut ?? err);
      const connectError = !started || CONNECT_CODES.has(errorCode(err) ?? '');
      const result: AttemptResult = afterHeaders
        ? { kind: 'body-error', error }
        : cut?.why === 'timeout'
          ? { kind: 'timeout', error }
          : connectError
            ? { kind: 'connect-error', error }
            : timedOut
              ? { kind: 'timeout', error }
              : { kind: 'reset', error };
      const plan = report(result, withBody && started && !connectError);
      if (plan?.next !== undefined && !afterHeaders) {
        attemptOver(result.kind === 'timeout' ? 'timeout' : 'failed', undefined, error, plan.record);
        retry(plan);
        return;
      }
    }
    const code: 502 | 504 = timedOut ? 504 : 502;
    // After the status line all that is left is to cut the client off: it sees a truncated body.
    if (afterHeaders) res.destroy();
    else sendUpstreamError(res, code, decision);
    finish({ kind: 'upstream-failed', status: code, error: describe(cut ?? err), afterHeaders });
  };

  const retry = (plan: AttemptPlan) => {
    decision = plan.next!;
    attempt++;
    controller = undefined;
    started = false;
    reported = false;
    sleeping = setTimeout(() => {
      sleeping = undefined;
      if (!over) dispatch();
    }, plan.delayMs);
  };

  const onDrain = () => controller?.resume();

  const dispatch = () => {
    const mine = attempt;
    let headers = flattenHeaders(decision.requestHeaders, true);
    if (observed !== undefined) {
      attemptStartNs = process.hrtime.bigint();
      // Built only when someone listens (a tracer, while a provider is registered): else no event
      // and no header to look for.
      if (ctx.events!.wants('upstream-attempt-start'))
        headers = attemptStarted(ctx.events!, observed, decision, attempt, headers);
    }
    let pool: Dispatcher;
    try {
      pool = ctx.upstreams.pool(decision.target.origin, decision.timeouts.connectMs);
    } catch (err) {
      // A target the pool cannot be built for (an origin undici rejects) is an upstream failure.
      fail(err);
      return;
    }
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        if (mine !== attempt) {
          c.abort(SUPERSEDED);
          return;
        }
        controller = c;
        started = true;
        if (cut) c.abort(cut);
      },
      onResponseStart(c, statusCode, headers) {
        // 1xx interim answers are the gateway's own business with the upstream; the client gets the final one.
        if (mine !== attempt || statusCode < 200) return;
        if (attempted !== undefined) {
          const retryAfter = (headers as HeaderMap)['retry-after'];
          const plan = report(
            {
              kind: 'response',
              status: statusCode,
              retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
            },
            withBody,
          );
          if (plan?.next !== undefined) {
            attemptOver('response', statusCode, undefined, plan.record);
            // The answer is dropped: the client gets the next attempt's. The attempt moves on
            // first, so that the error undici reports for this abort (at once) is ignored.
            retry(plan);
            c.abort(SUPERSEDED);
            return;
          }
        }
        status = statusCode;
        const planned = ctx.responseHeaders(headers as HeaderMap, decision, statusCode);
        writeHead(res, statusCode, flattenHeaders(planned, false));
      },
      onResponseData(c, chunk) {
        if (mine !== attempt) return;
        if (!res.write(chunk)) {
          c.pause();
          res.once('drain', onDrain);
        }
      },
      onResponseEnd() {
        if (mine !== attempt) return;
        res.end();
        finish({ kind: 'completed', status: status ?? 0 });
      },
      onResponseError(_c, err) {
        if (mine !== attempt) return;
        fail(err);
      },
    };
    try {
      pool.dispatch(
        {
          path: decision.upstreamPath,
          method: req.method as Dispatcher.HttpMethod,
          headers,
          body: withBody ? req : null,
          headersTimeout: decision.timeouts.headersMs,
          bodyTimeout: 0,
        },
        handler,
      );
    } catch (err) {
      fail(err);
    }
  };
  dispatch();
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
