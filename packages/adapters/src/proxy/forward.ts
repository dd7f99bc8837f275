/**
 * Carries a forward decision out for a plain HTTP request: one undici request on the target's
 * pool, the client body streamed up and the upstream body streamed down with backpressure (undici
 * pauses on `res.write() === false`; the client request is read only as fast as the upstream
 * socket drains), nothing buffered. A client that goes away aborts the upstream request; an
 * upstream that fails answers 502, one that is too slow 504.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { type GatewayEvents, type ObservedRequest, secondsSince } from '../gateway/events.js';
import type { ForwardDecision, HeaderList, HeaderMap } from '../gateway/types.js';
import type { Upstreams } from './upstreams.js';

/** How a forwarded request ended, for release and (later) metrics and access logs. */
export type ForwardOutcome =
  | { kind: 'completed'; status: number }
  | { kind: 'client-aborted'; status: number | undefined }
  | { kind: 'upstream-failed'; status: 502 | 504; error: string; afterHeaders: boolean };

/** What {@link forwardHttp} needs from the gateway around it. */
export interface ForwardContext {
  upstreams: Upstreams;
  /** The response headers to send the client for an upstream response (hop-by-hop removed, gateway's added). */
  responseHeaders(upstream: HeaderMap, decision: ForwardDecision, status: number): HeaderList;
  /** Called exactly once per forwarded request, when it is over. */
  done(decision: ForwardDecision, outcome: ForwardOutcome): void;
  /** The request as observed, when someone listens to `events`: the attempt is reported there. */
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

/** The reason a forward was cut short by the gateway itself. */
class Cut extends Error {
  constructor(readonly why: 'timeout' | 'client-gone') {
    super(why === 'timeout' ? 'request timeout' : 'client went away');
  }
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
  decision: ForwardDecision,
  ctx: ForwardContext,
): void {
  const { timeouts } = decision;
  let over = false;
  let status: number | undefined;
  let controller: Dispatcher.DispatchController | undefined;
  /** Why the gateway cut the exchange itself, if it did. */
  let cut: Cut | undefined;
  const finish = (outcome: ForwardOutcome) => {
    if (over) return;
    over = true;
    if (timer !== undefined) clearTimeout(timer);
    res.removeListener('close', onClose);
    if (attemptStartNs !== undefined) attemptEnded(ctx, decision, outcome, attemptStartNs);
    ctx.done(decision, outcome);
  };
  const abort = (why: Cut) => {
    cut ??= why;
    if (controller) controller.abort(why);
    // Still queued or connecting: answer now; the exchange is aborted as soon as it starts.
    else if (why.why === 'timeout') fail(why);
  };
  const timer = timeouts.requestMs > 0 ? setTimeout(() => abort(new Cut('timeout')), timeouts.requestMs) : undefined;
  // 'close' also fires after a normal finish; only a response that never finished means the client left.
  const onClose = () => {
    if (!res.writableFinished) {
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
    const code: 502 | 504 = isTimeout(cut ?? err) ? 504 : 502;
    const afterHeaders = res.headersSent;
    // After the status line all that is left is to cut the client off: it sees a truncated body.
    if (afterHeaders) res.destroy();
    else sendUpstreamError(res, code, decision);
    finish({ kind: 'upstream-failed', status: code, error: describe(cut ?? err), afterHeaders });
  };

  let headers = flattenHeaders(decision.requestHeaders, true);
  let attemptStartNs: bigint | undefined;
  if (ctx.observed !== undefined && ctx.events !== undefined) {
    attemptStartNs = process.hrtime.bigint();
    headers = attemptStarted(ctx.events, ctx.observed, decision, headers);
  }
  let pool: Dispatcher;
  try {
    pool = ctx.upstreams.pool(decision.target.origin, timeouts.connectMs);
  } catch (err) {
    // A target the pool cannot be built for (an origin undici rejects) is an upstream failure.
    fail(err);
    return;
  }
  const onDrain = () => controller?.resume();
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(c) {
      controller = c;
      if (cut) c.abort(cut);
    },
    onResponseStart(_c, statusCode, headers) {
      // 1xx interim answers are the gateway's own business with the upstream; the client gets the final one.
      if (statusCode < 200) return;
      status = statusCode;
      const planned = ctx.responseHeaders(headers as HeaderMap, decision, statusCode);
      writeHead(res, statusCode, flattenHeaders(planned, false));
    },
    onResponseData(c, chunk) {
      if (!res.write(chunk)) {
        c.pause();
        res.once('drain', onDrain);
      }
    },
    onResponseEnd() {
      res.end();
      finish({ kind: 'completed', status: status ?? 0 });
    },
    onResponseError(_c, err) {
      fail(err);
    },
  };
  try {
    pool.dispatch(
      {
        path: decision.upstreamPath,
        method: req.method as Dispatcher.HttpMethod,
        headers,
        body: hasBody(req) ? req : null,
        headersTimeout: timeouts.headersMs,
        bodyTimeout: 0,
      },
      handler,
    );
  } catch (err) {
    fail(err);
  }
}

/** Emits `upstream-attempt-start`; returns the headers to send, with the `traceparent` a listener chose. */
function attemptStarted(
  events: GatewayEvents,
  request: ObservedRequest,
  decision: ForwardDecision,
  headers: string[],
): string[] {
  const at = headers.indexOf('traceparent');
  const planned = at >= 0 && at % 2 === 0 ? headers[at + 1] : undefined;
  const event = {
    type: 'upstream-attempt-start' as const,
    request,
    decision,
    service: decision.service,
    target: decision.target,
    attempt: 1,
    traceparent: planned,
  };
  events.emit(event);
  if (event.traceparent === planned || event.traceparent === undefined) return headers;
  if (at >= 0 && at % 2 === 0) headers[at + 1] = event.traceparent;
  else headers.push('traceparent', event.traceparent);
  return headers;
}

/** Emits `upstream-attempt-end` for the one attempt of a forwarded request. */
function attemptEnded(ctx: ForwardContext, decision: ForwardDecision, outcome: ForwardOutcome, startNs: bigint): void {
  ctx.events!.emit({
    type: 'upstream-attempt-end',
    request: ctx.observed!,
    decision,
    service: decision.service,
    target: decision.target,
    attempt: 1,
    outcome:
      outcome.kind === 'completed'
        ? 'response'
        : outcome.kind === 'client-aborted'
          ? 'client-aborted'
          : outcome.status === 504
            ? 'timeout'
            : 'failed',
    status: outcome.kind === 'upstream-failed' ? undefined : outcome.status,
    error: outcome.kind === 'upstream-failed' ? outcome.error : undefined,
    durationSeconds: secondsSince(startNs),
  });
}
