/**
 * Typed events of the gateway: what happens to each request (start, decision, limits, upstream
 * attempts, end) and to each target (retries, breaker and health changes), defined once here and
 * emitted by every front door (the standalone proxy, Express, Fastify) through one
 * {@link GatewayEvents} hub. Access logs, metrics and traces (`@switchyard/adapters/observe`)
 * subscribe to them; so can anything else.
 *
 * Nobody listening must cost nothing: emit points test {@link GatewayEvents.active} (one field
 * read) before they build an event object, and a hub without listeners never allocates.
 * Listeners run synchronously, in subscription order; one that throws is reported to the hub's
 * `onError` and never reaches the request.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MultiDecision } from '@switchyard/core';
import type { Registry } from 'prom-client';
import type { AttemptResult, RetryReason, RetryVerdict, TargetStateEvent, TargetView } from './resilience/index.js';
import type {
  CompiledService,
  CompiledTarget,
  Decision,
  ForwardDecision,
  GatewayRequest,
  GatewayState,
  HeaderMap,
} from './types.js';

/**
 * One request as the events describe it, built once at arrival (only when someone listens) and
 * passed to every event of that request, so subscribers can key their own per-request data
 * (a span, a start time) on it with a `WeakMap`.
 */
export interface ObservedRequest {
  /** Process-unique, increasing: tells requests apart before the pipeline gave them a request id. */
  readonly seq: number;
  readonly method: string;
  /** The request-target as received (may hold a query string: not for labels or logs as is). */
  readonly target: string;
  readonly headers: HeaderMap;
  /** The TCP peer. */
  readonly remoteAddress: string | undefined;
  readonly httpVersion: string;
  /** Whether the client connection is TLS. */
  readonly encrypted: boolean;
  /** A WebSocket upgrade (tunneled once accepted) rather than a plain HTTP exchange. */
  readonly upgrade: boolean;
  /** The gateway state the request is decided on (config, trusted proxies). */
  readonly state: GatewayState;
  /** `process.hrtime.bigint()` at arrival. */
  readonly startedNs: bigint;
  /** Wall clock (ms since the epoch) at arrival. */
  readonly startedAtMs: number;
}

/** A request arrived. */
export interface RequestStartEvent {
  readonly type: 'request-start';
  readonly request: ObservedRequest;
}

/** The pipeline decided: answer now (`respond`) or forward (`forward`). */
export interface RequestDecidedEvent {
  readonly type: 'request-decided';
  readonly request: ObservedRequest;
  readonly decision: Decision;
}

/** The rate limits of a route were taken (emitted with the decision, only for limited routes). */
export interface LimitDecidedEvent {
  readonly type: 'limit-decided';
  readonly request: ObservedRequest;
  readonly decision: Decision;
  /** Every policy's decision and the binding one; `undefined` when the shared store was unavailable. */
  readonly limits: MultiDecision | undefined;
  /** `admitted`, `rejected` (429), or `unavailable` (the shared store failed: 503). */
  readonly outcome: 'admitted' | 'rejected' | 'unavailable';
  /** The policy that decided: the binding one, or the unavailable one. */
  readonly policy: string | undefined;
}

/** One exchange with an upstream target is about to be sent. */
export interface UpstreamAttemptStartEvent {
  readonly type: 'upstream-attempt-start';
  readonly request: ObservedRequest;
  readonly decision: ForwardDecision;
  readonly service: CompiledService;
  readonly target: CompiledTarget;
  /** 1 for the first attempt, 2 for the first retry, ... */
  readonly attempt: number;
  /**
   * The `traceparent` the upstream will receive (the pipeline's plan). A tracer replaces it with
   * its attempt span's context; the forwarder sends what is here after the listeners ran.
   */
  traceparent: string | undefined;
}

/** How one upstream exchange ended. */
export type AttemptOutcome = 'response' | 'failed' | 'timeout' | 'client-aborted';

/** One exchange with an upstream target is over. */
export interface UpstreamAttemptEndEvent {
  readonly type: 'upstream-attempt-end';
  readonly request: ObservedRequest;
  readonly decision: ForwardDecision;
  readonly service: CompiledService;
  readonly target: CompiledTarget;
  readonly attempt: number;
  /** `response`: the upstream answered (any status) and its body ended; else how it failed. */
  readonly outcome: AttemptOutcome;
  /** The upstream's status, when it sent one. */
  readonly status: number | undefined;
  /** What failed, for `failed` and `timeout`. */
  readonly error: string | undefined;
  /**
   * What the attempt came to as the resilience policies judge it (`connect-error`, `reset`,
   * `timeout`, `response` with its status, ...), for a service with `retries:`, `breaker:` or
   * `health:`; else `undefined`.
   */
  readonly result: AttemptResult | undefined;
  /**
   * The retry verdict of a failed attempt of a service with resilience policies (retried after
   * `delayMs`, or why not: `budget` when the retry budget was empty); else `undefined`.
   */
  readonly retry: RetryVerdict | undefined;
  /** From sending to the end of the exchange, in seconds. */
  readonly durationSeconds: number;
}

/** How a request ended, as a whole. */
export type RequestOutcome =
  /** The gateway answered itself (404, 405, 400, 429, 503). */
  | 'responded'
  /** Forwarded, and the upstream's answer reached the client whole. */
  | 'completed'
  /** The client went away first. */
  | 'client-aborted'
  /** The upstream failed or timed out: the client got 502/504 (or a cut body). */
  | 'upstream-failed'
  /** The gateway itself failed (a bug): the client got 500. */
  | 'failed';

/** A request is over, however it ended. */
export interface RequestFinishedEvent {
  readonly type: 'request-finished';
  readonly request: ObservedRequest;
  /** `undefined` only when the gateway failed before deciding. */
  readonly decision: Decision | undefined;
  readonly outcome: RequestOutcome;
  /** The status the client got (0 when it got none: it went away before the status line). */
  readonly status: number;
  readonly error: string | undefined;
  /** Upstream attempts made (0 for an answer of the gateway's own). */
  readonly attempts: number;
  /** From arrival to the end, in seconds. */
  readonly durationSeconds: number;
}

/**
 * A failed attempt is retried (after `delayMs`), or would have been but the service's retry
 * budget was empty. Emitted right after the attempt's `upstream-attempt-end`.
 */
export interface RetryEvent {
  readonly type: 'retry';
  readonly request: ObservedRequest;
  /** The decision of the attempt that failed. */
  readonly decision: ForwardDecision;
  readonly service: CompiledService;
  /** The attempt that failed (the retry is `attempt + 1`). */
  readonly attempt: number;
  /** `scheduled`: it will be retried; `budget-exhausted`: the retry budget was empty. */
  readonly outcome: 'scheduled' | 'budget-exhausted';
  /** Why the attempt counts as failed. */
  readonly reason: RetryReason;
  /** The wait before the retry (0 when not retried). */
  readonly delayMs: number;
}

/**
 * A target's breaker or health state changed (`previous` and `current` carry both, and whether
 * the balancer may choose the target): the resilience state's own change, republished.
 */
export interface TargetStateChangeEvent extends TargetStateEvent {
  readonly type: 'target-state';
}

/** Every gateway event, by its `type`. */
export interface GatewayEventMap {
  'request-start': RequestStartEvent;
  'request-decided': RequestDecidedEvent;
  'limit-decided': LimitDecidedEvent;
  'upstream-attempt-start': UpstreamAttemptStartEvent;
  'upstream-attempt-end': UpstreamAttemptEndEvent;
  'request-finished': RequestFinishedEvent;
  retry: RetryEvent;
  'target-state': TargetStateChangeEvent;
}

/** The name of a gateway event. */
export type GatewayEventType = keyof GatewayEventMap;

/** Any gateway event. */
export type GatewayEvent = GatewayEventMap[GatewayEventType];

/** A listener of one event type. */
export type GatewayEventListener<K extends GatewayEventType> = (event: GatewayEventMap[K]) => void;

/** Listeners by event type, as {@link GatewayEvents.subscribe} takes them. */
export type GatewayEventHandlers = { readonly [K in GatewayEventType]?: GatewayEventListener<K> };

const EVENT_TYPES: readonly GatewayEventType[] = [
  'request-start',
  'request-decided',
  'limit-decided',
  'upstream-attempt-start',
  'upstream-attempt-end',
  'request-finished',
  'retry',
  'target-state',
];

type ListenerLists = { [K in GatewayEventType]: GatewayEventListener<K>[] };

/**
 * The event hub of one gateway. Front doors emit; subscribers listen. See the module comment for
 * the cost rule emit points follow.
 */
export class GatewayEvents {
  /**
   * Whether anyone listens to any event. Emit points read it before building an event; it is a
   * plain field so that the check is one load.
   */
  active = false;
  readonly #lists: ListenerLists = {
    'request-start': [],
    'request-decided': [],
    'limit-decided': [],
    'upstream-attempt-start': [],
    'upstream-attempt-end': [],
    'request-finished': [],
    retry: [],
    'target-state': [],
  };
  readonly #onError: (error: unknown, type: GatewayEventType) => void;
  #seq = 0;

  /** @param onError - where a listener's exception goes (default: dropped; it never reaches a request). */
  constructor(onError?: (error: unknown, type: GatewayEventType) => void) {
    this.#onError = onError ?? (() => {});
  }

  /** Listens to one event type; returns the function that stops listening. */
  on<K extends GatewayEventType>(type: K, listener: GatewayEventListener<K>): () => void {
    return this.subscribe({ [type]: listener } as GatewayEventHandlers);
  }

  /** Listens to several event types at once; returns the function that stops all of them. */
  subscribe(handlers: GatewayEventHandlers): () => void {
    const added: [GatewayEventType, GatewayEventListener<never>][] = [];
    for (const type of EVENT_TYPES) {
      const listener = handlers[type] as GatewayEventListener<never> | undefined;
      if (listener === undefined) continue;
      (this.#lists[type] as GatewayEventListener<never>[]).push(listener);
      added.push([type, listener]);
    }
    this.#refresh();
    let done = false;
    return () => {
      if (done) return;
      done = true;
      for (const [type, listener] of added) {
        const list = this.#lists[type] as GatewayEventListener<never>[];
        const i = list.indexOf(listener);
        if (i >= 0) list.splice(i, 1);
      }
      this.#refresh();
    };
  }

  #refresh(): void {
    this.active = EVENT_TYPES.some((type) => this.#lists[type].length > 0);
  }

  /** Whether anyone listens to `type` (for emit points whose event is costly to build). */
  wants(type: GatewayEventType): boolean {
    return this.#lists[type].length > 0;
  }

  /** Delivers `event` to the listeners of its type. */
  emit<K extends GatewayEventType>(event: GatewayEventMap[K]): void {
    const list = this.#lists[event.type as K];
    for (let i = 0; i < list.length; i++) {
      try {
        list[i]!(event);
      } catch (error) {
        this.#onError(error, event.type);
      }
    }
  }

  /**
   * Starts observing a request: builds its {@link ObservedRequest} and emits `request-start`.
   * Call only when {@link GatewayEvents.active}.
   */
  start(req: GatewayRequest, upgrade: boolean, state: GatewayState, startedNs: bigint): ObservedRequest {
    const request: ObservedRequest = {
      seq: ++this.#seq,
      method: req.method,
      target: req.target,
      headers: req.headers,
      remoteAddress: req.remoteAddress,
      httpVersion: req.httpVersion,
      encrypted: req.encrypted,
      upgrade,
      state,
      startedNs,
      startedAtMs: Date.now(),
    };
    if (this.#lists['request-start'].length > 0) this.emit({ type: 'request-start', request });
    return request;
  }

  /** Emits `request-decided`, and `limit-decided` when limits applied to the request. */
  decided(request: ObservedRequest, decision: Decision): void {
    if (this.#lists['request-decided'].length > 0) this.emit({ type: 'request-decided', request, decision });
    const limits = decision.limits;
    const unavailable = decision.kind === 'respond' && decision.reason === 'limit-store-unavailable';
    if (limits === undefined && !unavailable) return;
    if (this.#lists['limit-decided'].length === 0) return;
    const outcome = unavailable ? 'unavailable' : limits?.allowed === false ? 'rejected' : 'admitted';
    const policy = unavailable ? unavailablePolicy(request.state, decision) : limits?.binding?.name;
    this.emit({ type: 'limit-decided', request, decision, limits, outcome, policy });
  }

  /** Emits `request-finished`. */
  finished(
    request: ObservedRequest,
    decision: Decision | undefined,
    outcome: RequestOutcome,
    status: number,
    error: string | undefined,
    attempts: number,
  ): void {
    this.emit({
      type: 'request-finished',
      request,
      decision,
      outcome,
      status,
      error,
      attempts,
      durationSeconds: secondsSince(request.startedNs),
    });
  }
}

/** The policy an unavailable-store answer is about: its route's first one kept in a shared store. */
function unavailablePolicy(state: GatewayState, decision: Decision): string | undefined {
  return decision.route?.limits.find((name) => state.compiled.limits.get(name)?.shared !== undefined);
}

/** Seconds from `startNs` (a `process.hrtime.bigint()`) to now. */
export function secondsSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

/** Connection-pool figures of one upstream origin, read when metrics are scraped. */
export interface UpstreamConnections {
  origin: string;
  /** Open TCP connections. */
  connected: number;
  /** Requests being processed on them. */
  running: number;
  /** Requests waiting for a connection. */
  pending: number;
}

/**
 * A gateway as an observer sees it: its event hub, and what it can be asked at any time (read
 * when metrics are scraped, so requests pay nothing for them).
 */
export interface ObservedGateway {
  readonly events: GatewayEvents;
  /** The state new requests are decided on (`undefined` before the first compile). */
  state(): GatewayState | undefined;
  /** Connections and requests per upstream origin now. */
  upstreams(): readonly UpstreamConnections[];
  /** Breaker and health state of every target of a service with resilience policies, now. */
  targets(): readonly TargetView[];
}

/**
 * Something that watches gateways (access logs, metrics, traces: `@switchyard/adapters/observe`).
 * The gateway attaches it when it starts serving and calls the returned function when it closes.
 */
export interface GatewayObserver {
  attach(gateway: ObservedGateway): () => void;
  /** Endpoints the standalone proxy serves on its admin listener (`/metrics`), by path. */
  readonly endpoints?: Readonly<Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>>>;
  /**
   * The prom-client registry behind its `/metrics` endpoint, if it has one: `serve --workers`
   * sums the workers' registries into one exposition.
   */
  readonly registry?: Registry | undefined;
}
