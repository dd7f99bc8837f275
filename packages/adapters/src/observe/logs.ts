/**
 * Access logs: one JSON line per request through pino, written when the request is over, with
 * what an operator asks of a gateway's log: what came in (method, canonical path, client IP,
 * request id), what the gateway made of it (route, version, service, target, limit outcome) and
 * how it ended (status, latency, upstream attempts, retries, breaker state of the target).
 * @module
 */

import { mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DestinationStream, Logger } from 'pino';
import deps from '#observe-deps';
import type {
  GatewayEventHandlers,
  ObservedRequest,
  RequestFinishedEvent,
  RetryEvent,
  TargetStateChangeEvent,
} from '../gateway/events.js';
import { prepare } from '../gateway/pipeline/prepare.js';
import type { BreakerState } from '../gateway/resilience/index.js';
import type { Decision } from '../gateway/types.js';

/** A stream access lines can be written to: anything with `write(line)` (a pino destination, a file stream). */
export interface LogDestination {
  write(line: string): unknown;
}

/** Options of the access log. */
export interface AccessLogOptions {
  /**
   * Where the lines go: `stdout` (the default), `stderr`, a file path (appended to, written
   * asynchronously in batches), or a stream.
   */
  destination?: 'stdout' | 'stderr' | string | LogDestination;
  /**
   * A pino logger to write the lines through instead (its destination, level and base fields
   * apply); `destination` is then ignored.
   */
  logger?: Logger;
}

/** The limit part of an access line. */
export interface AccessLogLimit {
  /** `admitted`, `rejected` (429) or `unavailable` (the shared store failed). */
  outcome: 'admitted' | 'rejected' | 'unavailable';
  /** The policy that decided: the binding one. */
  policy: string | undefined;
  /** Budget left on the binding policy after this request. */
  remaining: number | undefined;
  limit: number | undefined;
}

/** One access line's fields (besides pino's `level`, `time`, `pid`, `hostname` and `msg`). */
export interface AccessLogLine {
  requestId: string | undefined;
  method: string;
  /** The canonical path (after canonicalization, before rewrite); the raw target when it was rejected. */
  path: string;
  /** The matched route's path pattern. */
  route: string | undefined;
  version: string | undefined;
  service: string | undefined;
  /** The target id (its origin). */
  target: string | undefined;
  status: number;
  /** `responded`, `completed`, `client-aborted`, `upstream-failed` or `failed`. */
  outcome: string;
  /** Why the gateway answered itself (`no-route`, `rate-limited`, ...). */
  reason: string | undefined;
  /** From arrival to the end, in milliseconds. */
  latencyMs: number;
  clientIp: string | undefined;
  rateLimit: AccessLogLimit | undefined;
  /** Upstream attempts made. */
  attempts: number;
  /** Retries made (attempts after the first). */
  retries: number;
  /** Whether a retry was wanted but the service's retry budget was empty. */
  retryBudgetExhausted: boolean;
  /** The circuit breaker state of the target when the request ended (services with `breaker:`). */
  breaker: BreakerState | undefined;
  error: string | undefined;
}

/**
 * The access log as the listeners use it: its pino logger, and where a line the listeners
 * serialize themselves goes (`undefined` when lines must go through `logger.info`: a logger the
 * caller built, whose options — base fields, formatters, redaction — apply to every line).
 */
export interface AccessLog {
  readonly logger: Logger;
  /** Takes one serialized line (newline included), exactly as `logger.info(fields, 'request')` would write it. */
  readonly lines: LogDestination | undefined;
  /** Flushes the lines and closes a file it opened. */
  close(): Promise<void>;
}

/** Size of the buffers lines are encoded into (each line is handed over as a slice of one). */
const SLAB_BYTES = 65_536;

/** A sonic-boom in buffer mode, as {@link SlabLines} uses it. */
interface BufferStream {
  write(chunk: Buffer): unknown;
}

/**
 * Encodes each line once, into a slab, and hands the destination (sonic-boom in buffer mode) a
 * slice of it, which it keeps by reference until it writes a batch. In its string mode sonic-boom
 * appends every line to its pending text and measures that text again (a copy of all that is not
 * yet written, per line: ~7 µs a line at 5-10k requests a second), then encodes it twice more to
 * write it.
 */
class SlabLines implements LogDestination {
  readonly #stream: BufferStream;
  #slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  #end = 0;

  constructor(stream: BufferStream) {
    this.#stream = stream;
  }

  write(line: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const start = this.#room(line.length * 3);
    this.#end += this.#slab.write(line, start);
    this.#stream.write(this.#slab.subarray(start, this.#end));
  }

  /** {@link write} of a line known to be ASCII: copied, not UTF-8 encoded (what accessLineJson writes). */
  writeAscii(line: string): void {
    const start = this.#room(line.length);
    this.#end += this.#slab.write(line, start, 'latin1');
    this.#stream.write(this.#slab.subarray(start, this.#end));
  }

  /** Where `bytes` more fit: in the slab, or at the start of a fresh one. */
  #room(bytes: number): number {
    // Handed-over slices stay the destination's until written: a full slab is left to them, never reused.
    if (this.#slab.length - this.#end < bytes) {
      this.#slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, bytes));
      this.#end = 0;
    }
    return this.#end;
  }
}

/** Bytes the destination collects before it writes them (one write(2) per ~70 lines). */
const BATCH_BYTES = 32_768;
/** How often whatever is collected is written anyway (a quiet gateway's lines appear within this). */
const FLUSH_MS = 1000;

/** Builds the access log of `options`; see {@link AccessLog}. */
export function accessLogger(options: AccessLogOptions): AccessLog {
  if (options.logger !== undefined) return { logger: options.logger, lines: undefined, close: async () => {} };
  const pino = deps.pino();
  const dest = options.destination ?? 'stdout';
  if (typeof dest !== 'string') {
    return { logger: pino({ base: undefined }, dest as DestinationStream), lines: dest, close: async () => {} };
  }
  const std = dest === 'stdout' ? 1 : dest === 'stderr' ? 2 : undefined;
  // A file is opened here, synchronously: a path that cannot be written fails at startup, and
  // the destination is ready before the first line (and before an early exit flushes it).
  let fd = std;
  if (fd === undefined) {
    mkdirSync(dirname(dest), { recursive: true });
    fd = openSync(dest, 'a');
  }
  // Asynchronous and batched (32 KiB, or each second): a line costs its encoding into a buffer,
  // not a write(2) per request (each write(2) also wakes a libuv thread and then the loop).
  const stream = pino.destination({
    dest: fd,
    sync: false,
    contentMode: 'buffer',
    minLength: BATCH_BYTES,
    maxWrite: 2 * BATCH_BYTES,
    periodicFlush: FLUSH_MS,
  });
  // In buffer mode sonic-boom takes buffers (its typings know only its string mode).
  const lines = new SlabLines(stream as unknown as BufferStream);
  return {
    // The logger writes through the same slabs: its lines and the access lines stay in order.
    logger: pino({ base: undefined }, lines),
    lines,
    close: () =>
      new Promise<void>((resolve) => {
        stream.flush(() => {
          // stdout and stderr stay open for the rest of the process.
          if (std !== undefined) resolve();
          else {
            stream.once('close', () => resolve());
            stream.end();
          }
        });
      }),
  };
}

/** pino's number of the `info` level, which access lines are written at. */
const INFO = 30;

/** The access-log listeners: one line per `request-finished`. */
export function accessLogHandlers(log: AccessLog): GatewayEventHandlers {
  const { logger, lines } = log;
  const write =
    lines instanceof SlabLines
      ? (line: string) => lines.writeAscii(line)
      : lines !== undefined
        ? (line: string) => lines.write(line)
        : undefined;
  const exhausted = new WeakSet<ObservedRequest>();
  /** Whether any retry budget ran out yet (until then no request needs looking up). */
  let anyExhausted = false;
  /** Breaker state per `service\0target`, as the last `target-state` event said. */
  const breakers = new Map<string, BreakerState>();
  return {
    retry(event: RetryEvent) {
      if (event.outcome !== 'budget-exhausted') return;
      exhausted.add(event.request);
      anyExhausted = true;
    },
    'target-state'(event: TargetStateChangeEvent) {
      if (event.current.breaker !== undefined) breakers.set(`${event.service}\0${event.target}`, event.current.breaker);
    },
    'request-finished'(event: RequestFinishedEvent) {
      const decision = event.decision;
      let breaker: BreakerState | undefined;
      if (decision?.kind === 'forward' && decision.service.resilience?.breaker !== undefined)
        breaker = breakers.get(`${decision.service.name}\0${decision.target.id}`) ?? 'closed';
      const budget = anyExhausted && exhausted.has(event.request);
      // The line is serialized here, as pino would (its generic object walk costs ~3 µs more),
      // unless the logger is the caller's own; the logger's level still decides. Its time is the
      // end of the request: arrival plus duration, without another clock read.
      if (write === undefined) logger.info(accessLine(event, breaker, budget), 'request');
      else if (logger.levelVal <= INFO) {
        const endMs = Math.round(event.request.startedAtMs + event.durationSeconds * 1e3);
        write(accessLineJson(event, breaker, budget, endMs));
      }
    },
  };
}

/** The fields of one access line. */
export function accessLine(
  event: RequestFinishedEvent,
  breaker: BreakerState | undefined,
  retryBudgetExhausted: boolean,
): AccessLogLine {
  const { request, decision } = event;
  const forward = decision?.kind === 'forward' ? decision : undefined;
  return {
    requestId: decision?.requestId,
    method: request.method,
    path: decision?.path ?? request.target,
    route: decision?.route?.path,
    version: forward?.version,
    service: forward?.service.name,
    target: forward?.target.id,
    status: event.status,
    outcome: event.outcome,
    reason: decision?.kind === 'respond' ? decision.reason : undefined,
    latencyMs: Math.round(event.durationSeconds * 1e6) / 1e3,
    clientIp: clientIp(request),
    rateLimit: limitOf(decision),
    attempts: event.attempts,
    retries: Math.max(0, event.attempts - 1),
    retryBudgetExhausted,
    breaker,
    error: event.error,
  };
}

/** The client's address as the gateway sees it (`X-Forwarded-For` from trusted proxies only). */
function clientIp(request: ObservedRequest): string | undefined {
  return prepare(request.state.compiled).address.clientIp(request.remoteAddress, request.headers);
}

function limitOf(decision: Decision | undefined): AccessLogLimit | undefined {
  if (decision === undefined) return undefined;
  if (decision.kind === 'respond' && decision.reason === 'limit-store-unavailable')
    return { outcome: 'unavailable', policy: undefined, remaining: undefined, limit: undefined };
  const limits = decision.limits;
  if (limits === undefined) return undefined;
  const binding = limits.binding;
  return {
    outcome: limits.allowed ? 'admitted' : 'rejected',
    policy: binding?.name,
    remaining: binding?.decision.remaining,
    limit: binding?.decision.limit,
  };
}

/** A JSON number (`null` for what JSON cannot hold, as JSON.stringify writes it). */
function num(n: number): number | string {
  return Number.isFinite(n) ? n : 'null';
}

/**
 * The inside of a JSON string literal of `s`, in ASCII (anything else as `\\uXXXX`, so that a
 * line is copied into the slab rather than UTF-8 encoded); the common case, nothing to escape,
 * is `s` itself.
 */
function esc(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s).slice(1, -1).replace(NON_ASCII, unicodeEscape) : s;
}
/** What a JSON string literal in ASCII cannot hold as is. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\uffff]/;
const NON_ASCII = /[\u007f-\uffff]/g;
function unicodeEscape(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/**
 * The access line of `event` as pino writes `logger.info(accessLine(...), 'request')` with
 * `base: undefined` (level, time, the fields that have a value, msg), built without the
 * intermediate object, in ASCII (characters beyond escaped); {@link accessLine} holds the fields'
 * definitions, and a test holds the two equal once parsed. Built by concatenation: against an
 * array of parts joined once, 1.4–1.9 µs of CPU a line instead of 2.1–2.6 (with its slab copy),
 * for 1,960 bytes of young garbage instead of 1,600 (the intermediate strings of the rope).
 */
export function accessLineJson(
  event: RequestFinishedEvent,
  breaker: BreakerState | undefined,
  retryBudgetExhausted: boolean,
  timeMs: number,
): string {
  const { request, decision } = event;
  let line = `{"level":30,"time":${timeMs}`;
  if (decision !== undefined) line += `,"requestId":"${esc(decision.requestId)}"`;
  line += `,"method":"${esc(request.method)}","path":"${esc(decision?.path ?? request.target)}"`;
  const route = decision?.route;
  if (route !== undefined) line += `,"route":"${esc(route.path)}"`;
  if (decision?.kind === 'forward') {
    if (decision.version !== undefined) line += `,"version":"${esc(decision.version)}"`;
    line += `,"service":"${esc(decision.service.name)}","target":"${esc(decision.target.id)}"`;
  }
  line += `,"status":${event.status},"outcome":"${event.outcome}"`;
  if (decision?.kind === 'respond') line += `,"reason":"${decision.reason}"`;
  line += `,"latencyMs":${Math.round(event.durationSeconds * 1e6) / 1e3}`;
  const ip = clientIp(request);
  if (ip !== undefined) line += `,"clientIp":"${esc(ip)}"`;
  if (decision !== undefined) {
    if (decision.kind === 'respond' && decision.reason === 'limit-store-unavailable')
      line += ',"rateLimit":{"outcome":"unavailable"}';
    else if (decision.limits !== undefined) {
      const binding = decision.limits.binding;
      line += `,"rateLimit":{"outcome":"${decision.limits.allowed ? 'admitted' : 'rejected'}"`;
      if (binding !== undefined) {
        line += `,"policy":"${esc(binding.name)}"`;
        if (binding.decision.remaining !== undefined) line += `,"remaining":${num(binding.decision.remaining)}`;
        if (binding.decision.limit !== undefined) line += `,"limit":${num(binding.decision.limit)}`;
      }
      line += '}';
    }
  }
  line += `,"attempts":${event.attempts},"retries":${Math.max(0, event.attempts - 1)}`;
  line += `,"retryBudgetExhausted":${retryBudgetExhausted}`;
  if (breaker !== undefined) line += `,"breaker":"${breaker}"`;
  if (event.error !== undefined) line += `,"error":"${esc(event.error)}"`;
  return `${line},"msg":"request"}\n`;
}
