// Builds CompiledGateway values for the pipeline tests straight from @switchyard/node's
// primitives, so the pipeline is tested without the config compiler. The shape mirrors
// gateway.yaml closely enough that a test reads like the config it stands for. Limiter tables
// are allocated up front, so tests that build many states keep them small (1024 keys).
import {
  ConsistentHash,
  type HashAlgorithm,
  type KeyedLimiter,
  RateLimiter,
  Router,
  SlidingWindowLimiter,
  WeightedSplit,
} from '@switchyard/node';
import { routerOptionsOf } from '../../../packages/adapters/src/gateway/config/routes.js';
import type {
  CompiledBalance,
  CompiledGateway,
  CompiledLimitPolicy,
  CompiledRoute,
  CompiledService,
  CompiledTarget,
  DecisionInputs,
  GatewayRequest,
  GatewayState,
  KeySource,
  Rewrite,
  SharedLimiter,
  Timeouts,
} from '../../../packages/adapters/src/gateway/types.js';
import { VERSION_CONSTRAINT_HEADER } from '../../../packages/adapters/src/gateway/types.js';

/** `header:NAME`, `cookie:NAME`, `query:NAME`, `client-ip` or `path`, as gateway.yaml writes it. */
export function keySource(text: string): KeySource {
  if (text === 'client-ip') return { from: 'client-ip' };
  if (text === 'path') return { from: 'path' };
  const colon = text.indexOf(':');
  const from = text.slice(0, colon);
  const name = text.slice(colon + 1);
  if (from === 'header' || from === 'cookie' || from === 'query') return { from, name };
  throw new Error(`bad key source ${text}`);
}

export type BalanceSpec =
  | 'round-robin'
  | 'least-requests'
  | 'random'
  | { consistentHash: { key: string; algorithm?: HashAlgorithm } };

export interface ServiceSpec {
  targets: (string | { url: string; weight: number })[];
  balance?: BalanceSpec;
  timeouts?: Partial<Timeouts>;
}

export type LimitSpec =
  | { algorithm: 'token-bucket'; capacity: number; refillPerSecond: number; key: string; store?: 'memory' | 'redis' }
  | { algorithm: 'sliding-window'; limit: number; windowMs: number; key: string; store?: 'memory' | 'redis' };

export interface RouteSpecT {
  path: string;
  methods?: string[];
  host?: string;
  headers?: Record<string, string | boolean>;
  version?: string;
  service?: string;
  split?: { service: string; weight: number }[];
  sticky?: string;
  limits?: string[];
  rewrite?: Rewrite;
  timeoutMs?: number;
  maxBodyBytes?: number;
}

export interface GatewaySpec {
  name?: string;
  trustProxies?: string[];
  versioning?: { header: string; default: string };
  services: Record<string, ServiceSpec>;
  limits?: Record<string, LimitSpec>;
  routes: RouteSpecT[];
  /** Shared limiters by policy name, for `store: redis` policies. */
  shared?: Record<string, SharedLimiter>;
  redis?: { onError: 'fail-open' | 'fail-closed' | 'local' };
  ietf?: boolean;
}

const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 2000, headersMs: 30000, requestMs: 30000, idleMs: 60000 };

function target(t: string | { url: string; weight: number }): CompiledTarget {
  const url = new URL(typeof t === 'string' ? t : t.url);
  const basePath = url.pathname === '/' ? '' : url.pathname;
  return { id: url.origin, origin: url.origin, basePath, weight: typeof t === 'string' ? 1 : t.weight };
}

function service(name: string, spec: ServiceSpec): CompiledService {
  const targets = spec.targets.map(target);
  let balance: CompiledBalance;
  const b = spec.balance ?? 'round-robin';
  if (typeof b === 'string') balance = { kind: b };
  else {
    const algorithm = b.consistentHash.algorithm ?? 'maglev';
    balance = {
      kind: 'consistent-hash',
      key: keySource(b.consistentHash.key),
      algorithm,
      hash: new ConsistentHash(
        targets.map((t) => ({ id: t.id, weight: t.weight })),
        { algorithm },
      ),
    };
  }
  return { name, targets, balance, timeouts: { ...DEFAULT_TIMEOUTS, ...spec.timeouts }, position: undefined };
}

function policy(name: string, spec: LimitSpec, shared: SharedLimiter | undefined): CompiledLimitPolicy {
  const local: KeyedLimiter =
    spec.algorithm === 'token-bucket'
      ? new RateLimiter({ capacity: spec.capacity, refillPerSecond: spec.refillPerSecond, maxKeys: 1024 })
      : new SlidingWindowLimiter({ limit: spec.limit, windowMs: spec.windowMs, maxKeys: 1024 });
  const store = spec.store ?? 'memory';
  return {
    name,
    algorithm: spec.algorithm,
    key: keySource(spec.key),
    store,
    limit: spec.algorithm === 'token-bucket' ? spec.capacity : spec.limit,
    windowMs:
      spec.algorithm === 'token-bucket' ? Math.ceil((spec.capacity / spec.refillPerSecond) * 1000) : spec.windowMs,
    local,
    shared: store === 'redis' ? shared : undefined,
  };
}

/** A CompiledGateway from a spec: fresh primitives every call (fresh budgets, fresh tables). */
export function buildGateway(spec: GatewaySpec): CompiledGateway {
  const services = new Map(Object.entries(spec.services).map(([n, s]) => [n, service(n, s)] as const));
  const limits = new Map(
    Object.entries(spec.limits ?? {}).map(([n, l]) => [n, policy(n, l, spec.shared?.[n])] as const),
  );
  const paths = { escapedSlashes: 'reject', mergeSlashes: true, dotSegments: 'resolve' } as const;
  const router = new Router<CompiledRoute>(routerOptionsOf(paths));
  const routes = spec.routes.map((r, index): CompiledRoute => {
    const route: CompiledRoute = {
      index,
      path: r.path,
      methods: r.methods ?? null,
      host: r.host,
      version: r.version,
      service: r.service,
      split: r.split
        ? {
            services: r.split.map((s) => s.service),
            weights: r.split.map((s) => s.weight),
            picker: new WeightedSplit(r.split.map((s) => ({ id: s.service, weight: s.weight }))),
          }
        : undefined,
      sticky: r.sticky ? keySource(r.sticky) : undefined,
      limits: r.limits ?? [],
      rewrite: r.rewrite,
      timeoutMs: r.timeoutMs,
      ...(r.maxBodyBytes !== undefined ? { maxBodyBytes: r.maxBodyBytes } : {}),
      position: undefined,
    };
    const headers: Record<string, string | boolean> = { ...r.headers };
    if (r.version !== undefined) headers[VERSION_CONSTRAINT_HEADER] = r.version;
    router.add(
      {
        path: r.path,
        ...(r.methods ? { method: r.methods } : {}),
        ...(r.host ? { host: r.host } : {}),
        ...(Object.keys(headers).length ? { headers } : {}),
      },
      route,
    );
    return route;
  });
  return {
    name: spec.name ?? 'api-gateway',
    file: undefined,
    listen: { host: '127.0.0.1', port: 8080 },
    admin: undefined,
    trustProxies: spec.trustProxies ?? [],
    paths,
    versioning: spec.versioning,
    router,
    routes,
    services,
    limits,
    redis: spec.redis ? { url: 'redis://127.0.0.1:6379', onError: spec.redis.onError, timeoutMs: 100 } : undefined,
    diagnostics: [],
    ...(spec.ietf ? { rateLimitHeaders: { ietf: true } } : {}),
  };
}

/** A fresh state (compiled gateway and empty runtime) from a spec. */
export function freshState(spec: GatewaySpec): GatewayState {
  return { compiled: buildGateway(spec), runtime: { cursors: new Map(), inFlight: new Map() } };
}

/** A request with defaults: `GET /`, peer 192.0.2.10, plain HTTP/1.1, `Host: api.example.com`. */
export function request(partial: Partial<GatewayRequest> & { target?: string } = {}): GatewayRequest {
  return {
    method: 'GET',
    target: '/',
    remoteAddress: '192.0.2.10',
    encrypted: false,
    httpVersion: '1.1',
    ...partial,
    headers: { host: 'api.example.com', ...partial.headers },
  };
}

/** mulberry32: a small seeded generator in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Decision inputs at `nowMs` with a seeded random source. */
export function inputs(nowMs = 1_000_000, seed = 1): DecisionInputs {
  return { nowMs, random: seeded(seed) };
}

/** A header's value in a header list (the first), or undefined. */
export function header(list: [string, string][], name: string): string | undefined {
  return list.find(([n]) => n === name)?.[1];
}

/** Every value of a header in a header list. */
export function headers(list: [string, string][], name: string): string[] {
  return list.filter(([n]) => n === name).map(([, v]) => v);
}
