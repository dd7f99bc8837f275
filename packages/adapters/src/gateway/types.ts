/**
 * The contract between the three parts of a gateway: the config compiler (`compile.ts`), which
 * turns a validated `gateway.yaml` into a {@link CompiledGateway}; the request pipeline
 * (`pipeline.ts`), a pure function of (request, state, now, random) that returns a
 * {@link Decision}; and the front doors (standalone proxy, Express, Fastify), which translate
 * their request into a {@link GatewayRequest} and carry the decision out. Nothing here does I/O.
 */
import type { KeyedLimiter, MultiDecision, RateLimitDecision } from '@switchyard/core';
import type { ConsistentHash, Router, WeightedSplit } from '@switchyard/node';
import type { BreakerPolicy, HealthPolicy, ResilienceRuntime, RetryMode, RetryPolicy } from './resilience/index.js';

/** `listen.client_timeouts`: deadlines for the proxy's clients, in ms (`requestMs` 0: none). */
export interface ClientTimeouts {
  keepAliveMs: number;
  headersMs: number;
  requestMs: number;
}

// ---------------------------------------------------------------------------------------------
// Config as written (after schema validation), with where each part came from.

/** A place in a config file: 1-based line and column. */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

/**
 * Where a request-derived key comes from: `header:NAME`, `cookie:NAME`, `query:NAME`,
 * `client-ip` or `path` (the canonical path), as written in gateway.yaml.
 */
export type KeySource =
  | { from: 'header'; name: string }
  | { from: 'cookie'; name: string }
  | { from: 'query'; name: string }
  | { from: 'client-ip' }
  | { from: 'path' };

/** Canonicalization policy of gateway.yaml's `paths:` block. */
export interface PathPolicy {
  escapedSlashes: 'reject' | 'keep' | 'decode';
  mergeSlashes: boolean;
  dotSegments: 'resolve' | 'reject';
}

/** Per-service upstream timeouts, in ms (0 = none). */
export interface Timeouts {
  connectMs: number;
  headersMs: number;
  requestMs: number;
  /** WebSocket (and other upgraded connections): close after this long with no traffic. */
  idleMs: number;
}

// ---------------------------------------------------------------------------------------------
// Compiled state: built once per config load, swapped atomically on reload.

/** One upstream of a service. */
export interface CompiledTarget {
  /** Stable id, the target's origin: `http://127.0.0.1:9001`. Unique within its service. */
  id: string;
  /** `protocol//host:port` of the upstream, what an HTTP pool is keyed by. */
  origin: string;
  /** Path prefix of the target URL (`''` when none), prepended to the upstream path. */
  basePath: string;
  weight: number;
  /**
   * The `Host` requests to this target carry instead of the client's: its own `host[:port]`, for
   * a service with `pass_host_header: false`; absent (the client's `Host` goes on) otherwise.
   */
  host?: string;
}

/** How a service spreads requests over its targets. */
export type CompiledBalance =
  | { kind: 'round-robin' }
  | { kind: 'least-requests' }
  | { kind: 'random' }
  | { kind: 'consistent-hash'; key: KeySource; algorithm: string; hash: ConsistentHash };

/** A service's resilience policies (`retries:`, `breaker:`, `health:`), each `undefined` when off. */
export interface CompiledResilience {
  retries: RetryPolicy | undefined;
  breaker: BreakerPolicy | undefined;
  health: HealthPolicy | undefined;
}

export interface CompiledService {
  name: string;
  targets: CompiledTarget[];
  balance: CompiledBalance;
  timeouts: Timeouts;
  /**
   * Retries, circuit breaker and active health checks; `undefined` (or absent, in a service
   * built in code) when none is configured, which keeps such a service's requests on the
   * one-attempt path with no per-target bookkeeping.
   */
  resilience?: CompiledResilience;
  position: SourcePosition | undefined;
}

/** A rate-limit policy, named (`rate_limits:`) or inline on a route (named `route:<index>`). */
export interface CompiledLimitPolicy {
  name: string;
  algorithm: 'token-bucket' | 'sliding-window';
  key: KeySource;
  store: 'memory' | 'redis';
  /** Requests admitted per window / bucket capacity, for headers. */
  limit: number;
  /** Window (sliding window) or time to refill fully (token bucket), in ms, for `RateLimit-Policy`. */
  windowMs: number;
  /** The in-process limiter (`store: memory`), or the local fallback of a Redis store. */
  local: KeyedLimiter;
  /** The shared limiter when `store: redis`. */
  shared: SharedLimiter | undefined;
}

/** What the pipeline needs from a limiter that lives outside the process (Redis). */
export interface SharedLimiter {
  take(key: string, cost?: number): Promise<RateLimitDecision>;
}

export type Rewrite = { stripPrefix: string } | { replacePrefix: { from: string; to: string } };

/** A route as the router's value: everything the pipeline needs once the route matched. */
export interface CompiledRoute {
  /** Index in `routes:` (0-based). */
  index: number;
  /** The route's path as written, for logs and `/routes`. */
  path: string;
  methods: readonly string[] | null;
  host: string | undefined;
  /** `version:` of the route; only requests of that version (header, path or default) match. */
  version: string | undefined;
  /** The one service, or the split over several. */
  service: string | undefined;
  split:
    | {
        services: readonly string[];
        weights: readonly number[];
        /** Over `services` as ids. */
        picker: WeightedSplit;
      }
    | undefined;
  sticky: KeySource | undefined;
  /** Policy names, in order; inline policies are named `route:<index>`. */
  limits: readonly string[];
  rewrite: Rewrite | undefined;
  /** Overrides the service's `requestMs`. */
  timeoutMs: number | undefined;
  /** `timeouts:` of the route: each given one overrides the service's (absent: none given). */
  timeouts?: RouteTimeouts;
  /** `retry:` of the route: which methods the service's `retries:` may retry (absent: `idempotent`). */
  retry?: RetryMode;
  /**
   * Largest request body forwarded, in bytes: the route's `max_body_bytes`, else the top-level
   * one; `0` or absent: no limit.
   */
  maxBodyBytes?: number;
  /** `request_headers:` of the route (absent: none). */
  requestEdits?: HeaderEdits;
  /** `response_headers:` of the route (absent: none). */
  responseEdits?: HeaderEdits;
  position: SourcePosition | undefined;
}

/** `request_headers:` or `response_headers:` of a route: fields to set (one value each) and to remove. */
export interface HeaderEdits {
  /** `[name, value]`, names lower-cased, in the order given. */
  readonly set: readonly (readonly [string, string])[];
  /** Lower-cased names of the fields `set` replaces and `remove` drops. */
  readonly drop: ReadonlySet<string>;
}

/** A route's own timeouts, in ms; each overrides the service's. */
export interface RouteTimeouts {
  connectMs?: number;
  headersMs?: number;
  requestMs?: number;
}

/** A static finding of `switchyard check`: the router's own plus the gateway's. */
export interface GatewayDiagnostic {
  severity: 'error' | 'warning' | 'info';
  code: string;
  message: string;
  position: SourcePosition | undefined;
}

/** Everything one config load compiles to. Immutable once built, except the primitives' own state. */
export interface CompiledGateway {
  name: string;
  /** The file it was loaded from, or `undefined` for an object given in code. */
  file: string | undefined;
  /** `clientTimeouts` is set by the config compiler; absent, the proxy's defaults apply. */
  listen: { host: string; port: number; clientTimeouts?: ClientTimeouts };
  admin: { host: string; port: number } | undefined;
  /** CIDR blocks as written; `ClientIpResolver` is built from them. */
  trustProxies: readonly string[];
  paths: PathPolicy;
  versioning: { header: string; default: string } | undefined;
  router: Router<CompiledRoute>;
  routes: readonly CompiledRoute[];
  services: ReadonlyMap<string, CompiledService>;
  limits: ReadonlyMap<string, CompiledLimitPolicy>;
  redis: { url: string; onError: 'fail-open' | 'fail-closed' | 'local'; timeoutMs: number } | undefined;
  diagnostics: readonly GatewayDiagnostic[];
  /**
   * Rate-limit response headers beyond the `X-RateLimit-*` set (and `Retry-After`) that every
   * limited route sends: `ietf: true` adds the IETF `RateLimit` / `RateLimit-Policy` pair.
   * Absent: `X-RateLimit-*` only.
   */
  rateLimitHeaders?: { ietf: boolean };
  /** What `observability:` turns on; absent (a state built by hand): nothing. */
  observability?: ObservabilitySettings;
  /**
   * Releases what compiling opened (the Redis connection of `store: redis` policies). Call it
   * once the state has been swapped out and the requests still using it have finished. Optional
   * so that a state built by hand (in a test) needs none.
   */
  close?(): Promise<void>;
}

/** `observability:` of gateway.yaml: access logs, metrics and traces, each off when absent. */
export interface ObservabilitySettings {
  /** JSON access log lines, one per request, to `stdout`, `stderr` or a file path. */
  accessLog: { destination: string } | undefined;
  /** Prometheus metrics on the admin listener's `/metrics`; `process`: Node's own (CPU, memory, event loop). */
  metrics: { process: boolean } | undefined;
  /** `traceparent` spans through `@opentelemetry/api` when a tracer provider is registered. */
  traces: boolean;
}

// ---------------------------------------------------------------------------------------------
// One request in, one decision out.

/** Header map in Node's `IncomingMessage.headers` shape: lower-case names. */
export type HeaderMap = Record<string, string | string[] | undefined>;

/** A request as every front door can describe it, before any decision. */
export interface GatewayRequest {
  method: string;
  /** The request-target exactly as received (origin-form `/p?q`, or absolute-form). */
  target: string;
  headers: HeaderMap;
  /** Raw header list as received (`IncomingMessage.rawHeaders`), when the front door has it. */
  rawHeaders?: readonly string[];
  /** The TCP peer. */
  remoteAddress: string | undefined;
  /** Whether the client connection is TLS (for `X-Forwarded-Proto`). */
  encrypted: boolean;
  /** `1.1`, `1.0`, `2.0`. */
  httpVersion: string;
}

/**
 * Mutable per-process state the pipeline reads and updates: balancer cursors and in-flight
 * counts. Kept apart from the compiled config so that a reload can carry it over or not.
 */
export interface GatewayRuntime {
  /** Round-robin cursor per service. */
  cursors: Map<string, number>;
  /**
   * Requests in flight per `service\0targetId`; front doors decrement via `release`. A target
   * with none has no entry or an entry at 0 (kept to spare the map a shrink per request).
   */
  inFlight: Map<string, number>;
  /**
   * Breakers, health and retry budgets per service and target (services with `retries:`,
   * `breaker:` or `health:` only); created on first use when absent.
   */
  resilience?: ResilienceRuntime;
}

/** The whole state a decision depends on. */
export interface GatewayState {
  compiled: CompiledGateway;
  runtime: GatewayRuntime;
}

/** Ordered header list: `[name, value]` pairs, names lower-case. */
export type HeaderList = Array<[string, string]>;

/** Why the gateway answered itself. */
export type RespondReason =
  | 'no-route'
  | 'method-not-allowed'
  | 'rejected'
  | 'too-many-fields'
  | 'payload-too-large'
  | 'rate-limited'
  | 'limit-store-unavailable'
  | 'no-target';

/** Answer the client now, without an upstream. */
export interface RespondDecision {
  kind: 'respond';
  status: number;
  headers: HeaderList;
  body: string;
  reason: RespondReason;
  requestId: string;
  /** Canonical path, when the canonicalizer accepted the request. */
  path: string | undefined;
  route: CompiledRoute | undefined;
  limits: MultiDecision | undefined;
}

/** Send the request to an upstream. */
export interface ForwardDecision {
  kind: 'forward';
  requestId: string;
  route: CompiledRoute;
  /** Canonical request path (before rewrite). */
  path: string;
  version: string | undefined;
  service: CompiledService;
  target: CompiledTarget;
  /** Path and query to send upstream: target base path + rewritten canonical path + `?query`. */
  upstreamPath: string;
  /** Exactly the headers to send upstream (hop-by-hop removed, forwarding headers planned). */
  requestHeaders: HeaderList;
  /** Headers the gateway adds to the client's response (request id, rate-limit headers). */
  responseHeaders: HeaderList;
  timeouts: Timeouts;
  /** The limits taken for this request. */
  limits: MultiDecision | undefined;
  /** The request asked for a WebSocket upgrade (the only upgrade ever passed upstream). */
  websocket: boolean;
}

export type Decision = RespondDecision | ForwardDecision;

/** Injected sources of nondeterminism: the only ones the pipeline uses. */
export interface DecisionInputs {
  /** Wall-clock ms (for limiters and headers). */
  nowMs: number;
  /** Uniform in [0, 1): random balancing, unsticky splits, new request ids. */
  random: () => number;
}

/**
 * A route's `version:` is compiled into the router as an `equals` constraint on this header, and
 * the pipeline sets it on the router's view of every request to the version it resolved (header,
 * then `/v{n}/` path segment, then the default) before matching, overwriting whatever a client
 * sent under that name. So versioned routes that share a path are told apart by the router itself,
 * and 404/405 stay right. The name never reaches an upstream.
 */
export const VERSION_CONSTRAINT_HEADER = 'x-switchyard-route-version';
