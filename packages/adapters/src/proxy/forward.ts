/**
 * Carries a forward decision out for a plain HTTP request: one undici request on the target's
 * pool, the client body streamed up and the upstream body streamed down with backpressure (undici
 * pauses on `res.write() === false`; the client request is read only as fast as the upstream
 * socket drains), nothing buffered. A client that goes away aborts the upstream request; an
 * upstream that fails answers 502, one that is too slow 504.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
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

/** Short text for an upstream failure, for the 502/504 body and logs. */
function describe(err: unknown): string {
  if (err instanceof Cut) return err.message;
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return code ? `${code}: ${message}` : message;
}

function isTimeout(err: unknown): boolean {
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
  res.writeHead(status, headers);
  res.end(body);
}

/**
 * Sends `req` to `decision.target` and streams the answer into `res`. Never throws; every end
 * (completed, client gone, upstream failed) is reported once through `ctx.done`.
 */
export function forwardHttp(
  req: IncomingMessage,
  res: ServerResponse,
  decision: ForwardDecision,
  ctx: ForwardContext,
): void {
  const { timeouts } = decision;
  const controller = new AbortController();
  let over = false;
  let status: number | undefined;
  const finish = (outcome: ForwardOutcome) => {
    if (over) return;
    over = true;
    if (timer !== undefined) clearTimeout(timer);
    res.removeListener('close', onClose);
    ctx.done(decision, outcome);
  };
  const timer =
    timeouts.requestMs > 0 ? setTimeout(() => controller.abort(new Cut('timeout')), timeouts.requestMs) : undefined;
  // 'close' also fires after a normal finish; only a response that never finished means the client left.
  const onClose = () => {
    if (!res.writableFinished) {
      controller.abort(new Cut('client-gone'));
      finish({ kind: 'client-aborted', status });
    }
  };
  res.on('close', onClose);

  let pool: Dispatcher;
  try {
    pool = ctx.upstreams.pool(decision.target.origin, timeouts.connectMs);
  } catch (err) {
    // A target the pool cannot be built for (an origin undici rejects) is an upstream failure.
    if (!res.headersSent) sendUpstreamError(res, 502, decision);
    finish({ kind: 'upstream-failed', status: 502, error: describe(err), afterHeaders: false });
    return;
  }
  const options: Dispatcher.RequestOptions = {
    path: decision.upstreamPath,
    method: req.method as Dispatcher.HttpMethod,
    headers: flattenHeaders(decision.requestHeaders, true),
    body: hasBody(req) ? req : null,
    signal: controller.signal,
    headersTimeout: timeouts.headersMs,
    bodyTimeout: 0,
  };
  pool.stream(
    options,
    ({ statusCode, headers }) => {
      status = statusCode;
      const planned = ctx.responseHeaders(headers as HeaderMap, decision, statusCode);
      res.writeHead(statusCode, flattenHeaders(planned, false));
      return res;
    },
    (err) => {
      if (!err) {
        finish({ kind: 'completed', status: status ?? 0 });
        return;
      }
      const reason = (err as { cause?: unknown }).cause ?? err;
      if (controller.signal.reason instanceof Cut && controller.signal.reason.why === 'client-gone') {
        finish({ kind: 'client-aborted', status });
        return;
      }
      if (res.destroyed || (!res.writable && !res.headersSent)) {
        finish({ kind: 'client-aborted', status });
        return;
      }
      const timedOut = isTimeout(err) || (controller.signal.aborted && isTimeout(controller.signal.reason));
      const code: 502 | 504 = timedOut ? 504 : 502;
      const afterHeaders = res.headersSent;
      if (afterHeaders) {
        // The status line is gone; all that is left is to cut the client off so it sees a truncated body.
        res.destroy();
      } else {
        sendUpstreamError(res, code, decision);
      }
      finish({ kind: 'upstream-failed', status: code, error: describe(reason), afterHeaders });
    },
  );
}
