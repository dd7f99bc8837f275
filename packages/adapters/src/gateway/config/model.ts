/**
 * A validated `gateway.yaml`, defaults filled in, names in camelCase: what {@link loadConfig}
 * returns and `compileGateway` takes. Plain data, except {@link GatewayConfig.locate}.
 * @module
 */
import type { Constraint } from '@switchyard/core';
import type { BreakerPolicy, HealthPolicy, RetryMode, RetryPolicy } from '../resilience/index.js';
import type {
  ClientTimeouts,
  KeySource,
  ObservabilitySettings,
  PathPolicy,
  Rewrite,
  RouteTimeouts,
  SourcePosition,
  Timeouts,
} from '../types.js';

/** A target of a service, its URL split into what a connection pool and a path need. */
export interface TargetConfig {
  /** Index in the service's `targets:`. */
  index: number;
  /** The URL as written. */
  url: string;
  /** `http://host:port`, the target's id within its service. */
  origin: string;
  /** Path of the URL without a trailing `/` (`''` when none). */
  basePath: string;
  weight: number;
  position: SourcePosition | undefined;
}

/** `balance:` of a service. */
export type BalanceConfig =
  | { kind: 'round-robin' | 'least-requests' | 'random' }
  | { kind: 'consistent-hash'; key: KeySource; algorithm: 'ring' | 'maglev' | 'rendezvous' | 'jump' };

/** One entry of `services:`. */
export interface ServiceConfig {
  name: string;
  targets: TargetConfig[];
  balance: BalanceConfig;
  timeouts: Timeouts;
  /** `pass_host_header:` (default `true`): the client's `Host` goes upstream, else the target's. */
  passHostHeader: boolean;
  /** `retries:`; `undefined` when absent (no retries). */
  retries: RetryPolicy | undefined;
  /** `breaker:`; `undefined` when absent (no breaker). */
  breaker: BreakerPolicy | undefined;
  /** `health:`; `undefined` when absent (no active checks). */
  health: HealthPolicy | undefined;
  position: SourcePosition | undefined;
}

/** One entry of `rate_limits:`, or a route's inline policy (named `route:<index>`). */
export interface LimitPolicyConfig {
  name: string;
  algorithm: 'token-bucket' | 'sliding-window';
  /** Token bucket: capacity. */
  capacity: number | undefined;
  /** Token bucket: tokens per second. */
  refillPerSecond: number | undefined;
  /** Sliding window: requests per window. */
  limit: number | undefined;
  /** Sliding window: window in ms. */
  windowMs: number | undefined;
  key: KeySource;
  store: 'memory' | 'redis';
  position: SourcePosition | undefined;
}

/** `request_headers:` or `response_headers:` of a route as written (names in their own case). */
export interface HeaderEditsConfig {
  /** `[name, value]` in the order given. */
  set: [string, string][];
  remove: string[];
}

/** One entry of `routes:`. */
export interface RouteConfig {
  /** 0-based index in `routes:`. */
  index: number;
  path: string;
  /** Upper-cased, without duplicates; `null` for any method. */
  methods: string[] | null;
  host: string | undefined;
  /** Header constraints, names lower-cased. */
  headers: Record<string, Constraint> | undefined;
  version: string | undefined;
  service: string | undefined;
  split: { service: string; weight: number }[] | undefined;
  sticky: KeySource | undefined;
  /** Policy names in order; an inline policy is named `route:<index>` and is in `inlineLimit`. */
  rateLimit: string[];
  inlineLimit: LimitPolicyConfig | undefined;
  rewrite: Rewrite | undefined;
  timeoutMs: number | undefined;
  /** `timeouts:` of the route, `undefined` when absent. */
  timeouts: RouteTimeouts | undefined;
  /** `retry:` (default `idempotent`). */
  retry: RetryMode;
  /** `request_headers:` as written; `undefined` when absent. */
  requestHeaders: HeaderEditsConfig | undefined;
  /** `response_headers:` as written; `undefined` when absent. */
  responseHeaders: HeaderEditsConfig | undefined;
  /** `max_body_bytes:` of the route (`0`: no limit), `undefined` when absent. */
  maxBodyBytes: number | undefined;
  position: SourcePosition | undefined;
}

/** A validated gateway configuration. */
export interface GatewayConfig {
  /** The file it was read from; `undefined` for an object given in code. */
  file: string | undefined;
  name: string;
  listen: { host: string; port: number; clientTimeouts: ClientTimeouts };
  admin: { host: string; port: number } | undefined;
  /** Top-level `max_body_bytes:` (`0`: no limit). */
  maxBodyBytes: number;
  trustProxies: string[];
  paths: PathPolicy;
  /** Header name lower-cased. */
  versioning: { header: string; default: string } | undefined;
  services: ServiceConfig[];
  rateLimits: LimitPolicyConfig[];
  redis: { url: string; onError: 'fail-open' | 'fail-closed' | 'local'; timeoutMs: number } | undefined;
  /** `rate_limit_headers:`: whether the IETF pair is sent too. */
  rateLimitHeaders: { ietf: boolean };
  /** `observability:`: what is on. */
  observability: ObservabilitySettings;
  routes: RouteConfig[];
  /**
   * Where the value at a key path was written (`['routes', 2, 'split']`), or with `'key'` its
   * key, else its nearest written ancestor; `undefined` for an object given in code.
   */
  locate(path: readonly (string | number)[], at?: 'value' | 'key'): SourcePosition | undefined;
}
