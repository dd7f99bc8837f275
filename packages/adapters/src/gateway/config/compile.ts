/**
 * `compileGateway`: a validated config to a {@link CompiledGateway}, built once per load from the
 * primitives of `@switchyard/node`: one Router over the routes, the limiters, one ConsistentHash
 * per consistent-hash service and one WeightedSplit per split route. A reload compiles a new one
 * and swaps it in whole.
 * @module
 */
import { randomInt } from 'node:crypto';
import { ConfigError, type ConfigProblem, type KeyedLimiter } from '@switchyard/core';
import { ConsistentHash, RateLimiter, Router, SlidingWindowLimiter, WeightedSplit } from '@switchyard/node';
import loadIoredis from '#ioredis';
import { type RedisEvalClient, RedisRateLimiter } from '../../redis/index.js';
import { RedisSlidingWindowLimiter } from '../../redis/sliding-window.js';
import type {
  CompiledBalance,
  CompiledGateway,
  CompiledLimitPolicy,
  CompiledRoute,
  CompiledService,
  HeaderEdits,
  SharedLimiter,
} from '../types.js';
import { gatewayDiagnostics } from './check.js';
import { configErrorOf, loadConfig } from './load.js';
import type { GatewayConfig, HeaderEditsConfig, LimitPolicyConfig, RouteConfig } from './model.js';
import { routeProblemOf, routerOptionsOf, routeSpecOf } from './routes.js';
import { problemAt } from './source.js';

/** A Redis client the compiled gateway can use and later close. An ioredis `Redis` is one. */
export interface GatewayRedisClient extends RedisEvalClient {
  /** Closes the connection (ioredis `disconnect`). */
  disconnect?(): void;
}

/** Options of {@link compileGateway}. */
export interface CompileOptions {
  /**
   * Makes the Redis client of `store: redis` policies from `redis.url`. Default: an ioredis
   * `Redis` that connects on first use (so `switchyard check` opens no connection); ioredis is an
   * optional peer dependency, required only then.
   */
  createRedisClient?: (url: string) => GatewayRedisClient;
  /**
   * The state this one replaces on reload: the in-process limiters of policies whose definition
   * did not change are carried over with their budgets, so a reload does not reset limits.
   */
  previous?: CompiledGateway;
  /** Seed of the in-process limiters' key hash (default: random per compile, so keys cannot be chosen to collide). */
  limiterSeed?: number;
}

/** The definition a policy's limiter depends on: equal fingerprints can share a limiter. */
const fingerprints = new WeakMap<CompiledLimitPolicy, string>();

function fingerprintOf(policy: LimitPolicyConfig): string {
  const { position: _position, name: _name, ...definition } = policy;
  return JSON.stringify(definition);
}

function localLimiter(policy: LimitPolicyConfig, seed: number): KeyedLimiter {
  return policy.algorithm === 'token-bucket'
    ? new RateLimiter({ capacity: policy.capacity!, refillPerSecond: policy.refillPerSecond!, seed })
    : new SlidingWindowLimiter({ limit: policy.limit!, windowMs: policy.windowMs!, seed });
}

function defaultRedisClient(url: string): GatewayRedisClient {
  let ioredis: {
    Redis?: new (url: string, options: object) => GatewayRedisClient & { on(e: string, f: () => void): void };
  };
  try {
    ioredis = loadIoredis() as typeof ioredis;
  } catch (error) {
    throw new ConfigError(
      'store: redis needs the ioredis package (an optional peer dependency of @switchyard/adapters): npm install ioredis',
      {},
      { cause: error },
    );
  }
  if (typeof ioredis.Redis !== 'function')
    throw new ConfigError('the installed ioredis has no Redis class (need ioredis 5)');
  // After the first connection, takes are sent only while the client is ready (the limiters check
  // its status), so none waits in the offline queue through an outage; none in flight at a
  // disconnect is resent either: a resent take would be charged after its request was answered
  // by `redis.on_error`.
  const client = new ioredis.Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
  });
  // Errors are answered per take by `redis.on_error` (the limiters listen too); an unhandled
  // 'error' event must not end the process even before a limiter is built.
  client.on('error', () => {});
  return client;
}

const FAILURE_MODES = { 'fail-open': 'open', 'fail-closed': 'closed', local: 'local' } as const;

/**
 * Compiles a config (a path, an object, or what {@link loadConfig} returned) into the immutable
 * state the pipeline decides with. `compiled.diagnostics` holds `switchyard check`'s findings.
 * @throws ConfigError listing every problem (a config that does not validate, or a route the
 *   router rejects, positioned at the route).
 */
export function compileGateway(config: GatewayConfig | string | object, options: CompileOptions = {}): CompiledGateway {
  const cfg = loadConfig(config);
  const problems: ConfigProblem[] = [];
  const fail = (path: (string | number)[], message: string) =>
    problems.push(problemAt(cfg.locate(path), message, cfg.file));
  const seed = options.limiterSeed ?? randomInt(0, 2 ** 32);

  // Services.
  const services = new Map<string, CompiledService>();
  for (const s of cfg.services) {
    let balance: CompiledBalance;
    if (s.balance.kind === 'consistent-hash') {
      try {
        const hash = new ConsistentHash(
          s.targets.map((t) => ({ id: t.origin, weight: t.weight })),
          { algorithm: s.balance.algorithm },
        );
        balance = { kind: 'consistent-hash', key: s.balance.key, algorithm: s.balance.algorithm, hash };
      } catch (error) {
        fail(['services', s.name, 'balance'], `services.${s.name}.balance: ${(error as Error).message}`);
        continue;
      }
    } else balance = { kind: s.balance.kind };
    services.set(s.name, {
      name: s.name,
      targets: s.targets.map((t) => ({
        id: t.origin,
        origin: t.origin,
        basePath: t.basePath,
        weight: t.weight,
        ...(s.passHostHeader ? {} : { host: new URL(t.origin).host }),
      })),
      balance,
      timeouts: s.timeouts,
      resilience:
        s.retries || s.breaker || s.health ? { retries: s.retries, breaker: s.breaker, health: s.health } : undefined,
      position: s.position,
    });
  }

  // Limit policies: named ones, then inline ones, each with its limiter.
  let redisClient: GatewayRedisClient | undefined;
  const previous = new Map<string, CompiledLimitPolicy>();
  for (const p of options.previous?.limits.values() ?? []) {
    const fp = fingerprints.get(p);
    if (fp !== undefined && p.store === 'memory') previous.set(`${p.name}\0${fp}`, p);
  }
  const limits = new Map<string, CompiledLimitPolicy>();
  const policies = [...cfg.rateLimits, ...cfg.routes.flatMap((r) => (r.inlineLimit ? [r.inlineLimit] : []))];
  for (const p of policies) {
    const fp = fingerprintOf(p);
    const kept = previous.get(`${p.name}\0${fp}`);
    const at = p.name.startsWith('route:')
      ? ['routes', Number(p.name.slice(6)), 'rate_limit']
      : ['rate_limits', p.name];
    try {
      const local = kept?.local ?? localLimiter(p, seed);
      let shared: SharedLimiter | undefined;
      if (p.store === 'redis' && cfg.redis) {
        redisClient ??= (options.createRedisClient ?? defaultRedisClient)(cfg.redis.url);
        const common = {
          client: redisClient,
          prefix: `sy:rl:${p.name}:`,
          onFailure: FAILURE_MODES[cfg.redis.onError],
          timeoutMs: cfg.redis.timeoutMs,
          local,
        };
        shared =
          p.algorithm === 'token-bucket'
            ? new RedisRateLimiter({ ...common, capacity: p.capacity!, refillPerSecond: p.refillPerSecond! })
            : new RedisSlidingWindowLimiter({ ...common, limit: p.limit!, windowMs: p.windowMs! });
      }
      const compiled: CompiledLimitPolicy = {
        name: p.name,
        algorithm: p.algorithm,
        key: p.key,
        store: p.store,
        limit: p.algorithm === 'token-bucket' ? p.capacity! : p.limit!,
        windowMs: p.algorithm === 'token-bucket' ? Math.ceil((p.capacity! / p.refillPerSecond!) * 1000) : p.windowMs!,
        local,
        shared,
      };
      fingerprints.set(compiled, fp);
      limits.set(p.name, compiled);
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      fail(
        at,
        `${at[0] === 'routes' ? `routes[${at[1]}].rate_limit` : `rate_limits.${p.name}`}: ${(error as Error).message}`,
      );
    }
  }

  // Routes: one router, values are the compiled routes; ids equal config indexes.
  const router = new Router<CompiledRoute>(routerOptionsOf(cfg.paths));
  const routes: CompiledRoute[] = [];
  const indexOf: number[] = [];
  for (const r of cfg.routes) {
    const route = compileRoute(r, cfg.maxBodyBytes, fail);
    if (route === undefined) continue;
    try {
      router.add(routeSpecOf(r), route);
      indexOf.push(r.index);
      routes.push(route);
    } catch (error) {
      const problem = routeProblemOf(error, r.index, (id) => indexOf[id] ?? id);
      fail(problem.path, problem.message);
    }
  }

  if (problems.length > 0) {
    redisClient?.disconnect?.();
    throw configErrorOf(problems, cfg.file);
  }
  const compiled: CompiledGateway = {
    name: cfg.name,
    file: cfg.file,
    listen: cfg.listen,
    admin: cfg.admin,
    trustProxies: cfg.trustProxies,
    paths: cfg.paths,
    versioning: cfg.versioning,
    router,
    routes,
    services,
    limits,
    redis: cfg.redis,
    diagnostics: [],
    rateLimitHeaders: cfg.rateLimitHeaders,
    observability: cfg.observability,
    async close() {
      redisClient?.disconnect?.();
    },
  };
  return { ...compiled, diagnostics: gatewayDiagnostics(cfg, compiled) };
}

function compileRoute(
  r: RouteConfig,
  defaultMaxBodyBytes: number,
  fail: (path: (string | number)[], message: string) => void,
): CompiledRoute | undefined {
  let split: CompiledRoute['split'];
  if (r.split) {
    try {
      const picker = new WeightedSplit(r.split.map((s) => ({ id: s.service, weight: s.weight })));
      split = { services: r.split.map((s) => s.service), weights: r.split.map((s) => s.weight), picker };
    } catch (error) {
      fail(['routes', r.index, 'split'], `routes[${r.index}].split: ${(error as Error).message}`);
      return undefined;
    }
  }
  return {
    index: r.index,
    path: r.path,
    methods: r.methods,
    host: r.host,
    version: r.version,
    service: r.service,
    split,
    sticky: r.sticky,
    limits: r.rateLimit,
    rewrite: r.rewrite,
    timeoutMs: r.timeoutMs,
    ...(r.timeouts ? { timeouts: r.timeouts } : {}),
    retry: r.retry,
    maxBodyBytes: r.maxBodyBytes ?? defaultMaxBodyBytes,
    ...(r.requestHeaders ? { requestEdits: compileEdits(r.requestHeaders) } : {}),
    ...(r.responseHeaders ? { responseEdits: compileEdits(r.responseHeaders) } : {}),
    position: r.position,
  };
}

/** A route's header edits as the pipeline applies them: names lower-cased, `set` names dropped too. */
function compileEdits(edits: HeaderEditsConfig): HeaderEdits {
  const set = edits.set.map(([name, value]) => [name.toLowerCase(), value] as const);
  return { set, drop: new Set([...set.map(([name]) => name), ...edits.remove.map((n) => n.toLowerCase())]) };
}
