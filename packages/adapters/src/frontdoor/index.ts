/**
 * What the Express and Fastify front doors share, framework-free: the gateway embedded in a
 * server someone else owns (the standalone proxy's own request path, through
 * {@link Gateway.embed}), the one-upstream config of `proxy(options)`, and the limiter seam of
 * `rateLimit(options)`. Neither framework is imported here, so each adapter loads only its own.
 */
import type { IncomingMessage } from 'node:http';
import type { KeyedLimiter, RateLimitDecision, RateLimitHeaderOptions } from '@switchyard/core';
import { InvalidArgumentError, rateLimitHeaders } from '@switchyard/core';
import { parseKeySource } from '../gateway/config/index.js';
import { ClientAddress, keyValue } from '../gateway/pipeline/index.js';
import type { HeaderMap, KeySource } from '../gateway/types.js';
import { createGateway, type Gateway, type GatewayOptions, type ReloadResult } from '../proxy/gateway.js';
import type { ProxyServer } from '../proxy/server.js';

/** A gateway serving requests handed to it by a framework; see {@link embedGateway}. */
export interface EmbeddedGateway {
  /** The standalone proxy's request handler, never bound to a port. */
  readonly handler: ProxyServer;
  /** Compiles `config` and swaps it in; rejects (keeping the old table) when it does not compile. */
  reload(config?: string | object): Promise<ReloadResult>;
  /** Lets requests in flight finish, then closes the upstream pools and what compiling opened. */
  close(): Promise<void>;
  /** The underlying gateway (compiled state, for `/routes` and tests). */
  readonly gateway: Gateway;
}

/** Options of the embedded gateway: those of the standalone one that make sense without a port. */
export type EmbeddedGatewayOptions = Pick<GatewayOptions, 'compile' | 'observe' | 'drainTimeoutMs' | 'log'>;

/**
 * Compiles `config` (a gateway.yaml path or a config object) now, so that a config error throws
 * where the middleware or plugin is created, not on the first request.
 */
export function embedGateway(config: string | object, options: EmbeddedGatewayOptions = {}): EmbeddedGateway {
  if (config === null || (typeof config !== 'string' && typeof config !== 'object'))
    throw new InvalidArgumentError('config', 'expected a gateway.yaml path or a gateway config object');
  // No file watching and no signal handlers: the app that embeds the gateway owns its process.
  const gateway = createGateway(config, { ...options, log: options.log ?? (() => {}), watch: false, signals: false });
  const handler = gateway.embed();
  return {
    handler,
    gateway,
    reload: (next) => gateway.reload(next),
    close: () => gateway.close(),
  };
}

/** Options of `proxy(options)`: every request the middleware sees goes to one upstream. */
export interface ProxyOptions {
  /** The upstream URL, `http://host:port`, optionally with a base path prepended to each request path. */
  target: string;
  /** Removed from the front of the request path before forwarding (where the middleware is mounted). */
  stripPrefix?: string;
  /** Upstream timeouts, in ms, as `services.<name>.timeouts` of gateway.yaml. */
  timeouts?: { connect_ms?: number; headers_ms?: number; request_ms?: number };
  /** CIDR blocks allowed to set `X-Forwarded-*` / `Forwarded`, as `trust_proxies:`. */
  trustProxies?: readonly string[];
  /** Retries of failed attempts, as `services.<name>.retries` of gateway.yaml (off when absent). */
  retries?: {
    attempts?: number;
    backoff_ms?: number;
    max_backoff_ms?: number;
    max_retry_after_ms?: number;
    budget?: { capacity?: number; refill_per_second?: number };
  };
  /** A circuit breaker on the target, as `services.<name>.breaker` (off when absent). */
  breaker?: {
    consecutive_failures?: number;
    failure_rate?: { threshold_percent?: number; window_ms?: number; min_requests?: number };
    cooldown_ms?: number;
    half_open_requests?: number;
    close_after?: number;
  };
  /** Active health checks of the target, as `services.<name>.health` (off when absent). */
  health?: {
    path: string;
    interval_ms?: number;
    timeout_ms?: number;
    healthy_threshold?: number;
    unhealthy_threshold?: number;
  };
}

/**
 * The gateway config of `proxy(options)`: one service, and a catch-all route to it, so that a
 * lone proxy gets the pipeline's header hygiene, forwarding headers and request ids too.
 */
export function proxyConfig(options: ProxyOptions): object {
  if (options === null || typeof options !== 'object' || typeof options.target !== 'string')
    throw new InvalidArgumentError('proxy', 'expected options with a `target` URL string');
  const rewrite = options.stripPrefix ? { rewrite: { strip_prefix: options.stripPrefix } } : {};
  return {
    name: 'proxy',
    ...(options.trustProxies ? { trust_proxies: [...options.trustProxies] } : {}),
    services: {
      upstream: {
        targets: [options.target],
        ...(options.timeouts ? { timeouts: options.timeouts } : {}),
        ...(options.retries ? { retries: options.retries } : {}),
        ...(options.breaker ? { breaker: options.breaker } : {}),
        ...(options.health ? { health: options.health } : {}),
      },
    },
    routes: [
      { path: '/', service: 'upstream', ...rewrite },
      { path: '/*', service: 'upstream', ...rewrite },
    ],
  };
}

/** A limiter whose state lives outside the process, such as `RedisRateLimiter`. */
export interface RateLimitStore {
  take(key: string, cost?: number): Promise<RateLimitDecision>;
}

/** Options of `rateLimit(options)`: exactly one of `limiter` and `store`. */
export interface RateLimitOptions {
  /** An in-process limiter (`TokenBucketLimiter`, `SlidingWindowLimiter` of `@switchyard/core`/`node`). */
  limiter?: KeyedLimiter;
  /** A shared store (`RedisRateLimiter`); a store that fails makes the middleware fail (its `onFailure` decides first). */
  store?: RateLimitStore;
  /**
   * Whose budget a request takes from: a key source as in gateway.yaml (`client-ip`, default;
   * `header:NAME`, `cookie:NAME`, `query:NAME`, `path`), or a function of the request.
   */
  key?: string | ((req: IncomingMessage) => string | undefined);
  /** Units a request costs (default 1). */
  cost?: number;
  /** Which header families to send and the warning share (default: `X-RateLimit-*`, `Retry-After`, the IETF pair). */
  headers?: RateLimitHeaderOptions;
  /** CIDR blocks allowed to set `X-Forwarded-For` for the `client-ip` key. */
  trustProxies?: readonly string[];
}

/** What a limit check says about one request: the headers to send, and the 429 body when denied. */
export interface LimitVerdict {
  allowed: boolean;
  /** `X-RateLimit-*` (and the IETF pair, `Retry-After` when denied, the warning), by name. */
  headers: Record<string, string>;
  /** Text of the 429 answer (`''` when admitted). */
  body: string;
}

/** A limit check over a node:http request, built once from {@link RateLimitOptions}. */
export type LimitCheck = (req: IncomingMessage) => LimitVerdict | Promise<LimitVerdict>;

/** Normalizes {@link RateLimitOptions} once (throws `InvalidArgumentError` naming the bad option). */
export function limitCheck(options: RateLimitOptions): LimitCheck {
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError('rateLimit', 'expected an options object');
  const { limiter, store } = options;
  if ((limiter === undefined) === (store === undefined))
    throw new InvalidArgumentError('rateLimit', 'give exactly one of `limiter` (in-process) and `store` (shared)');
  const cost = options.cost ?? 1;
  if (!Number.isInteger(cost) || cost < 1)
    throw new InvalidArgumentError('rateLimit.cost', `expected a positive integer, got ${cost}`);
  const addresses = new ClientAddress(options.trustProxies ?? []);
  const keyOf = keyFunction(options.key ?? 'client-ip', addresses);
  const headerOptions = options.headers ?? {};
  // Checked now: a bad warnAt should fail at construction, not on the first request.
  rateLimitHeaders({ allowed: true, limit: 1, remaining: 1, retryAfterMs: 0, resetMs: 0 }, headerOptions);

  const verdict = (d: RateLimitDecision): LimitVerdict => {
    const { headers } = rateLimitHeaders(d, headerOptions);
    return {
      allowed: d.allowed,
      headers,
      body: d.allowed ? '' : `429 Too Many Requests: retry in ${Math.ceil(d.retryAfterMs / 1000)} s\n`,
    };
  };

  return (req) => {
    const key = keyOf(req);
    if (limiter) return verdict(limiter.take(key, undefined, cost));
    return (store as RateLimitStore).take(key, cost).then(verdict);
  };
}

function keyFunction(
  key: string | ((req: IncomingMessage) => string | undefined),
  addresses: ClientAddress,
): (req: IncomingMessage) => string {
  const clientKey = (req: IncomingMessage) => addresses.limitKey(req.socket.remoteAddress, req.headers as HeaderMap);
  if (typeof key === 'function') return (req) => key(req) ?? clientKey(req);
  const source = parseKeySource(key);
  if (typeof source === 'string') throw new InvalidArgumentError('rateLimit.key', source);
  if (source.from === 'client-ip') return clientKey;
  const ks: KeySource = source;
  return (req) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const v = keyValue(ks, {
      headers: req.headers as HeaderMap,
      query: q < 0 ? undefined : url.slice(q + 1),
      path: q < 0 ? url : url.slice(0, q),
      clientIp: () => addresses.clientIp(req.socket.remoteAddress, req.headers as HeaderMap),
    });
    // A request without the key shares its client's budget rather than escaping the limit.
    return v === undefined ? clientKey(req) : `${source.from}:${v}`;
  };
}
