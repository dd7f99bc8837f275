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

/** Builds the pino logger of the access log; returns it with what closing must do. */
export function accessLogger(options: AccessLogOptions): { logger: Logger; close(): Promise<void> } {
  if (options.logger !== undefined) return { logger: options.logger, close: async () => {} };
  const pino = deps.pino();
  const dest = options.destination ?? 'stdout';
  if (typeof dest !== 'string') {
    return { logger: pino({ base: undefined }, dest as DestinationStream), close: async () => {} };
  }
  const std = dest === 'stdout' ? 1 : dest === 'stderr' ? 2 : undefined;
  // A file is opened here, synchronously: a path that cannot be written fails at startup, and
  // the destination is ready before the first line (and before an early exit flushes it).
  let fd = std;
  if (fd === undefined) {
    mkdirSync(dirname(dest), { recursive: true });
    fd = openSync(dest, 'a');
  }
  // Asynchronous and batched (4 KiB): a line costs a buffer append, not a write(2) per request.
  const stream = pino.destination({ dest: fd, sync: false, minLength: 4096 });
  return {
    logger: pino({ base: undefined }, stream),
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

/** The access-log listeners: one line per `request-finished`. */
export function accessLogHandlers(logger: Logger): GatewayEventHandlers {
  const exhausted = new WeakSet<ObservedRequest>();
  /** Breaker state per `service\0target`, as the last `target-state` event said. */
  const breakers = new Map<string, BreakerState>();
  return {
    retry(event: RetryEvent) {
      if (event.outcome === 'budget-exhausted') exhausted.add(event.request);
    },
    'target-state'(event: TargetStateChangeEvent) {
      if (event.current.breaker !== undefined) breakers.set(`${event.service}\0${event.target}`, event.current.breaker);
    },
    'request-finished'(event: RequestFinishedEvent) {
      const decision = event.decision;
      let breaker: BreakerState | undefined;
      if (decision?.kind === 'forward' && decision.service.resilience?.breaker !== undefined)
        breaker = breakers.get(`${decision.service.name}\0${decision.target.id}`) ?? 'closed';
      logger.info(accessLine(event, breaker, exhausted.has(event.request)), 'request');
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
