// compileGateway: the config compiled into one Router, the limiters, one ConsistentHash per
// consistent-hash service and one WeightedSplit per split route; diagnostics; check's output.
import { fileURLToPath } from 'node:url';
import {
  type CompiledGateway,
  compileGateway,
  DIAGNOSTIC_CODES,
  decide,
  formatDiagnostics,
  formatProblems,
  formatRouteTable,
  type GatewayRedisClient,
  parseConfig,
  planResponseHeaders,
  release,
  VERSION_CONSTRAINT_HEADER,
} from '@switchyard/adapters/gateway';
import { ConfigError, type RequestInfo } from '@switchyard/core';
import { describe, expect, it } from 'vitest';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/gateway/${name}`, import.meta.url));
const compileText = (text: string, options = {}) => compileGateway(parseConfig(text, 'g.yaml'), options);

/** The config index of the route a request matches, or null. */
function routeOf(compiled: CompiledGateway, req: RequestInfo, version?: string): number | null {
  const headers = { ...req.headers, ...(version ? { [VERSION_CONSTRAINT_HEADER]: version } : {}) };
  return compiled.router.match({ ...req, headers })?.value.index ?? null;
}

/** A Redis client that records what it is asked and answers a fixed decision. */
function fakeRedis(reply: unknown[] | Error = [1, 5, 4, 0, 100]) {
  const calls: { args: unknown[] }[] = [];
  let disconnected = 0;
  const answer = (...args: unknown[]) => {
    calls.push({ args });
    return reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply);
  };
  const client: GatewayRedisClient = {
    evalsha: (_sha, _n, ...args) => answer(...args),
    eval: (_script, _n, ...args) => answer(...args),
    disconnect: () => {
      disconnected++;
    },
  };
  return { client, calls, disconnected: () => disconnected };
}

describe('routes compile into one router', () => {
  it('the seed: paths, methods and the version constraint', () => {
    const c = compileGateway(fixture('seed.yaml'));
    expect(c.name).toBe('api-gateway');
    expect(c.file).toBe(fixture('seed.yaml'));
    expect(c.router.size).toBe(3);
    expect(routeOf(c, { method: 'GET', path: '/api/v1/users' })).toBe(0);
    expect(routeOf(c, { method: 'PUT', path: '/api/v1/users?x=1' })).toBe(0);
    expect(routeOf(c, { method: 'DELETE', path: '/api/v1/users' })).toBeNull();
    expect(routeOf(c, { method: 'POST', path: '/api/v1/orders' })).toBe(1);
    // A versioned route matches only requests the pipeline resolved to its version.
    expect(routeOf(c, { method: 'GET', path: '/api/v2/items/7' }, 'v2')).toBe(2);
    expect(routeOf(c, { method: 'GET', path: '/api/v2/items/7' }, 'v1')).toBeNull();
    expect(routeOf(c, { method: 'GET', path: '/api/v2/items/7' })).toBeNull();
    const v2 = c.routes[2]!;
    expect(v2).toMatchObject({
      index: 2,
      path: '/api/v2/*',
      methods: null,
      version: 'v2',
      service: 'api-v2',
      split: undefined,
      limits: [],
      position: { file: fixture('seed.yaml'), line: 10, col: 3 },
    });
    expect(c.router.match({ method: 'GET', path: '/api/v1/users' })?.value).toBe(c.routes[0]);
    expect(c.versioning).toBeUndefined();
    expect(c.diagnostics).toEqual([]);
  });

  it('versions tell apart routes that share a path; host and headers constrain', () => {
    const c = compileText(`versioning: { header: X-API-Version, default: v1 }
services: { a: { targets: [http://127.0.0.1:1] }, b: { targets: [http://127.0.0.1:2] } }
routes:
  - { path: /items/:id, service: a, version: v1 }
  - { path: /items/:id, service: b, version: v2 }
  - { path: /items/:id, service: a }
  - { path: /beta, service: b, host: api.example.com, headers: { x-beta: "1", x-off: false } }
`);
    expect(c.versioning).toEqual({ header: 'x-api-version', default: 'v1' });
    expect(routeOf(c, { method: 'GET', path: '/items/1' }, 'v1')).toBe(0);
    expect(routeOf(c, { method: 'GET', path: '/items/1' }, 'v2')).toBe(1);
    expect(routeOf(c, { method: 'GET', path: '/items/1' }, 'v3')).toBe(2);
    const beta = { method: 'GET', path: '/beta', host: 'api.example.com' };
    expect(routeOf(c, { ...beta, headers: { 'x-beta': '1' } })).toBe(3);
    expect(routeOf(c, { ...beta, headers: { 'x-beta': '1', 'x-off': 'y' } })).toBeNull();
    expect(routeOf(c, { ...beta, host: 'other.example.com', headers: { 'x-beta': '1' } })).toBeNull();
  });

  it("paths: maps onto the router's canonicalization (resolve gives the canonical path)", () => {
    const text = (policy: string) =>
      `${policy}services: { s: { targets: [http://127.0.0.1:1] } }\nroutes: [{ path: /f/:name, service: s }, { path: /a/b, service: s }]\n`;
    const byDefault = compileText(text(''));
    expect(byDefault.paths).toEqual({ escapedSlashes: 'reject', mergeSlashes: true, dotSegments: 'resolve' });
    expect(byDefault.router.resolve({ path: '/f/a%2Fb' })).toMatchObject({
      outcome: 'rejected',
      code: 'encoded-slash',
    });
    expect(byDefault.router.resolve({ path: '/a//b' })).toMatchObject({ outcome: 'matched', path: '/a/b' });
    expect(byDefault.router.resolve({ path: '/a/x/../b?q' })).toMatchObject({ outcome: 'matched', path: '/a/b' });
    const strict = compileText(text('paths: { escaped_slashes: keep, merge_slashes: false, dot_segments: reject }\n'));
    expect(strict.router.resolve({ path: '/f/a%2Fb' })).toMatchObject({
      outcome: 'matched',
      match: { params: { name: 'a%2Fb' } },
    });
    expect(strict.router.resolve({ path: '/a//b' })).toMatchObject({ outcome: 'no-route' });
    expect(strict.router.resolve({ path: '/a/x/../b' })).toMatchObject({ outcome: 'rejected', code: 'dot-segment' });
    const decode = compileText(text('paths: { escaped_slashes: decode }\n'));
    expect(decode.router.resolve({ path: '/f/a%2Fb' })).toMatchObject({
      outcome: 'matched',
      match: { params: { name: 'a/b' } },
    });
  });

  it('a path known with other methods resolves to method-not-allowed with Allow', () => {
    const c = compileGateway(fixture('seed.yaml'));
    expect(c.router.resolve({ method: 'DELETE', path: '/api/v1/users' })).toEqual({
      outcome: 'method-not-allowed',
      allow: ['GET', 'POST', 'PUT'],
      path: '/api/v1/users',
    });
  });
});

describe('services, splits and hashing', () => {
  it('targets carry their origin and base path; balances compile', () => {
    const c = compileGateway(fixture('full.yaml'), { createRedisClient: () => fakeRedis().client });
    const users = c.services.get('user-service')!;
    expect(users.targets).toEqual([
      { id: 'http://127.0.0.1:9001', origin: 'http://127.0.0.1:9001', basePath: '', weight: 1 },
      { id: 'http://127.0.0.1:9002', origin: 'http://127.0.0.1:9002', basePath: '', weight: 2 },
    ]);
    expect(users.balance).toEqual({ kind: 'round-robin' });
    expect(users.timeouts).toEqual({ connectMs: 2000, headersMs: 30000, requestMs: 30000, idleMs: 60000 });
    expect(c.services.get('api-v2')!.balance).toEqual({ kind: 'least-requests' });
    const v2 = c.services.get('user-v2')!;
    expect(v2.targets[0]).toMatchObject({ origin: 'http://127.0.0.1:9011', basePath: '/v2' });
    expect(v2.balance.kind).toBe('consistent-hash');
  });

  it("pass_host_header: false gives each target its own Host; the decision sends it, and a retry the next target's", () => {
    const c = compileText(`services:
  vhost: { targets: [http://127.0.0.1:9001, "http://localhost:80/p"], pass_host_header: false }
  plain: { targets: [http://127.0.0.1:9003] }
routes:
  - path: /v
    service: vhost
  - path: /p
    service: plain
`);
    expect(c.services.get('vhost')!.targets.map((t) => t.host)).toEqual(['127.0.0.1:9001', 'localhost']);
    expect(c.services.get('plain')!.targets[0]!.host).toBeUndefined();
    const state = { compiled: c, runtime: { cursors: new Map(), inFlight: new Map() } };
    const req = (target: string) => ({
      method: 'GET',
      target,
      headers: { host: 'api.example.com' },
      rawHeaders: ['Host', 'api.example.com'],
      remoteAddress: '192.0.2.1',
      encrypted: false,
      httpVersion: '1.1',
    });
    const inputs = { nowMs: 0, random: () => 0.5 };
    const sent = (target: string) => {
      const d = decide(req(target), state, inputs);
      if (d instanceof Promise || d.kind !== 'forward') throw new Error('expected a forward');
      release(state, d);
      const field = (name: string) => d.requestHeaders.filter(([n]) => n === name).map(([, v]) => v);
      return { host: field('host'), xfh: field('x-forwarded-host'), forwarded: field('forwarded'), target: d.target };
    };
    const v = sent('/v');
    expect(v.host).toEqual([v.target.host]);
    expect(v.xfh).toEqual(['api.example.com']);
    expect(v.forwarded[0]).toContain('host=api.example.com');
    expect(sent('/p').host).toEqual(['api.example.com']);
  });

  it('request_headers and response_headers edit the planned fields, never those the gateway writes', () => {
    const c = compileText(`services:
  s: { targets: [http://127.0.0.1:9001] }
routes:
  - path: /e
    service: s
    request_headers: { set: { X-Api-Key: k1, User-Agent: gw }, remove: [Cookie, x-drop] }
    response_headers: { set: { X-Frame-Options: DENY }, remove: [Server] }
`);
    const state = { compiled: c, runtime: { cursors: new Map(), inFlight: new Map() } };
    const d = decide(
      {
        method: 'GET',
        target: '/e',
        headers: {},
        rawHeaders: [
          'Host',
          'h',
          'User-Agent',
          'curl',
          'Cookie',
          'a=1',
          'X-Drop',
          '1',
          'X-Api-Key',
          'forged',
          'X-Keep',
          'k',
        ],
        remoteAddress: '192.0.2.1',
        encrypted: false,
        httpVersion: '1.1',
      },
      state,
      { nowMs: 0, random: () => 0.5 },
    );
    if (d instanceof Promise || d.kind !== 'forward') throw new Error('expected a forward');
    release(state, d);
    const sent = Object.fromEntries(
      d.requestHeaders.map(([n]) => [n, d.requestHeaders.filter(([m]) => m === n).map(([, v]) => v)]),
    );
    expect(sent['x-api-key']).toEqual(['k1']);
    expect(sent['user-agent']).toEqual(['gw']);
    expect(sent.cookie).toBeUndefined();
    expect(sent['x-drop']).toBeUndefined();
    expect(sent['x-keep']).toEqual(['k']);
    expect(sent.host).toEqual(['h']);
    expect(sent['x-request-id']).toEqual([d.requestId]);
    expect(sent.via).toHaveLength(1);
    const answer = planResponseHeaders({ server: 'nginx', 'x-frame-options': 'SAMEORIGIN', 'x-up': '1' }, d, {
      status: 200,
    });
    expect(answer.filter(([n]) => n === 'x-frame-options')).toEqual([['x-frame-options', 'DENY']]);
    expect(answer.find(([n]) => n === 'server')).toBeUndefined();
    expect(answer.find(([n]) => n === 'x-up')).toEqual(['x-up', '1']);
    expect(answer.find(([n]) => n === 'x-request-id')).toEqual(['x-request-id', d.requestId]);
  });

  it('one ConsistentHash per consistent-hash service, over the target ids with their weights', () => {
    const c = compileText(`services:
  cache:
    targets: [http://10.0.0.1:80, { url: http://10.0.0.2, weight: 3 }, http://10.0.0.3:8080/x/]
    balance: { consistent-hash: { key: cookie:sid, algorithm: rendezvous } }
routes: [{ path: /c/*, service: cache }]
`);
    const service = c.services.get('cache')!;
    expect(service.targets.map((t) => [t.id, t.basePath])).toEqual([
      ['http://10.0.0.1:80', ''],
      ['http://10.0.0.2:80', ''],
      ['http://10.0.0.3:8080', '/x'],
    ]);
    if (service.balance.kind !== 'consistent-hash') throw new Error('expected consistent-hash');
    expect(service.balance.key).toEqual({ from: 'cookie', name: 'sid' });
    expect(service.balance.algorithm).toBe('rendezvous');
    const hash = service.balance.hash;
    expect(hash.nodes.map((n) => [n.id, n.weight])).toEqual([
      ['http://10.0.0.1:80', 1],
      ['http://10.0.0.2:80', 3],
      ['http://10.0.0.3:8080', 1],
    ]);
    const counts = new Map<string, number>();
    for (let i = 0; i < 5000; i++) {
      const node = hash.pick(`user-${i}`);
      expect(hash.pick(`user-${i}`)).toBe(node);
      counts.set(node, (counts.get(node) ?? 0) + 1);
    }
    // Weighted 1:3:1 within a few percent over 5000 keys.
    expect(counts.get('http://10.0.0.2:80')! / 5000).toBeGreaterThan(0.55);
    expect(counts.get('http://10.0.0.2:80')! / 5000).toBeLessThan(0.65);
  });

  it('one WeightedSplit per split route, deterministic per key and within tolerance', () => {
    const c = compileGateway(fixture('full.yaml'), { createRedisClient: () => fakeRedis().client });
    const split = c.routes[2]!.split!;
    expect(split.services).toEqual(['user-service', 'user-v2']);
    expect(split.weights).toEqual([95, 5]);
    expect(c.routes[2]!.sticky).toEqual({ from: 'header', name: 'x-user-id' });
    let canary = 0;
    for (let i = 0; i < 20000; i++) {
      const pick = split.picker.pick(`u${i}`);
      expect(split.picker.pick(`u${i}`)).toBe(pick);
      if (pick === 'user-v2') canary++;
    }
    expect(canary / 20000).toBeGreaterThan(0.04);
    expect(canary / 20000).toBeLessThan(0.06);
  });

  it('a primitive that refuses its input becomes a positioned ConfigError', () => {
    try {
      compileText(`services:
  big:
    targets: [{ url: http://10.0.0.1, weight: 1000000 }, http://10.0.0.2]
    balance: { consistent-hash: { key: path, algorithm: ring } }
routes: [{ path: /, service: big }]
`);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect(formatProblems(error)).toMatch(/^g\.yaml:4:14: services\.big\.balance: .*ring/);
    }
  });
});

describe('rate limits compile into limiters', () => {
  const text = `services: { s: { targets: [http://127.0.0.1:1] } }
rate_limits:
  burst: { capacity: 3, refill_per_second: 0.5, key: header:x-user }
  window: { algorithm: sliding-window, limit: 2, window_ms: 1000, key: path }
routes:
  - { path: /a, service: s, rate_limit: [burst, window] }
  - { path: /b, service: s, rate_limit: { algorithm: sliding-window, limit: 1, window_ms: 500 } }
  - { path: /c, service: s, rate_limit: window }
`;

  it('store memory: a token bucket or sliding window with its decision shape', () => {
    const c = compileText(text, { limiterSeed: 7 });
    expect(c.routes.map((r) => r.limits)).toEqual([['burst', 'window'], ['route:1'], ['window']]);
    const burst = c.limits.get('burst')!;
    expect(burst).toMatchObject({
      name: 'burst',
      algorithm: 'token-bucket',
      key: { from: 'header', name: 'x-user' },
      store: 'memory',
      limit: 3,
      windowMs: 6000,
      shared: undefined,
    });
    expect([1, 2, 3, 4].map(() => burst.local.take('k', 1000).allowed)).toEqual([true, true, true, false]);
    expect(burst.local.take('k', 3000).allowed).toBe(true);
    const window = c.limits.get('window')!;
    expect(window).toMatchObject({ algorithm: 'sliding-window', limit: 2, windowMs: 1000, key: { from: 'path' } });
    expect([0, 1, 2].map(() => window.local.take('/a', 5000))).toMatchObject([
      { allowed: true, remaining: 1 },
      { allowed: true, remaining: 0 },
      // The previous window's 2 weigh 1 at 6500: the earliest a third fits.
      { allowed: false, remaining: 0, retryAfterMs: 1500 },
    ]);
    expect(c.limits.get('route:1')).toMatchObject({ limit: 1, windowMs: 500, key: { from: 'client-ip' } });
    expect(c.rateLimitHeaders).toEqual({ ietf: false });
    expect(compileText(`rate_limit_headers: { ietf: true }\n${text}`).rateLimitHeaders).toEqual({ ietf: true });
  });

  it('a reload carries over the limiters of unchanged memory policies, not of changed ones', () => {
    const first = compileText(text);
    first.limits.get('burst')!.local.take('k', 1000, 3);
    const second = compileText(text.replace('limit: 2,', 'limit: 3,'), { previous: first });
    expect(second.limits.get('burst')!.local).toBe(first.limits.get('burst')!.local);
    expect(second.limits.get('burst')!.local.peek('k', 1000).allowed).toBe(false);
    expect(second.limits.get('route:1')!.local).toBe(first.limits.get('route:1')!.local);
    expect(second.limits.get('window')!.local).not.toBe(first.limits.get('window')!.local);
  });

  it('store redis: one client from redis.url, a shared limiter per policy with the local one as fallback', async () => {
    const urls: string[] = [];
    const fake = fakeRedis();
    const c = compileGateway(fixture('full.yaml'), {
      createRedisClient: (url) => {
        urls.push(url);
        return fake.client;
      },
    });
    expect(urls).toEqual(['redis://127.0.0.1:6379']);
    expect(c.redis).toEqual({ url: 'redis://127.0.0.1:6379', onError: 'fail-open', timeoutMs: 100 });
    const perUser = c.limits.get('per-user')!;
    expect(perUser).toMatchObject({ store: 'redis', algorithm: 'sliding-window', limit: 600, windowMs: 60000 });
    expect(c.limits.get('per-ip')!.shared).toBeUndefined();
    const decision = await perUser.shared!.take('alice');
    expect(decision).toMatchObject({ allowed: true, limit: 5, remaining: 4, source: 'redis' });
    // Key, limit, window, cost, clock: per-policy prefix, hash-tagged key.
    expect(fake.calls[0]!.args).toEqual(['sy:rl:per-user:{alice}', 600, 60000, 1, '']);
    await c.close?.();
    expect(fake.disconnected()).toBe(1);
  });

  it('redis.on_error decides what a failing Redis gives', async () => {
    const modes = { 'fail-open': true, 'fail-closed': false } as const;
    for (const [mode, allowed] of Object.entries(modes)) {
      const c = compileText(
        `services: { s: { targets: [http://127.0.0.1:1] } }
redis: { url: redis://127.0.0.1:1, on_error: ${mode} }
rate_limits: { p: { capacity: 1, refill_per_second: 1, store: redis } }
routes: [{ path: /, service: s, rate_limit: p }]
`,
        { createRedisClient: () => fakeRedis(new Error('ECONNREFUSED')).client },
      );
      expect(await c.limits.get('p')!.shared!.take('k')).toMatchObject({ allowed });
    }
    const local = compileText(
      `services: { s: { targets: [http://127.0.0.1:1] } }
redis: { url: redis://127.0.0.1:1 }
rate_limits: { p: { capacity: 1, refill_per_second: 0.001, store: redis } }
routes: [{ path: /, service: s, rate_limit: p }]
`,
      { createRedisClient: () => fakeRedis(new Error('ECONNREFUSED')).client },
    );
    const p = local.limits.get('p')!;
    expect(await p.shared!.take('k')).toMatchObject({ allowed: true, source: 'local' });
    expect(await p.shared!.take('k')).toMatchObject({ allowed: false, source: 'local' });
    // The fallback is the policy's own local limiter: the budget it spent is visible there.
    expect(p.local.peek('k').allowed).toBe(false);
  });

  it('the default client is ioredis, connecting only on first use (check opens no connection)', async () => {
    const c = compileText(`services: { s: { targets: [http://127.0.0.1:1] } }
redis: { url: "redis://127.0.0.1:1", on_error: fail-closed }
rate_limits: { p: { capacity: 1, refill_per_second: 1, store: redis } }
routes: [{ path: /, service: s, rate_limit: p }]
`);
    expect(c.limits.get('p')!.shared).toBeDefined();
    await c.close?.();
  });
});

describe('diagnostics', () => {
  it("router findings and the gateway's own, positioned", () => {
    const c = compileText(`services:
  s: { targets: [http://127.0.0.1:1] }
  spare: { targets: [http://127.0.0.1:2] }
  j: { targets: [http://127.0.0.1:3, http://127.0.0.1:4], balance: { consistent-hash: { key: path, algorithm: jump } } }
rate_limits:
  unused: { capacity: 1, refill_per_second: 1 }
  used: { capacity: 1, refill_per_second: 1 }
routes:
  - { path: /a/:x, service: s, headers: { x-a: true } }
  - { path: /a/:y, service: s, headers: { x-a: "1" } }
  - { path: /n/:x(\\d+), service: s }
  - { path: '/n/:y([0-9]+)', service: s }
  - { path: /s, service: s, sticky: cookie:sid, rate_limit: used }
  - { path: /one, split: [{ service: j, weight: 1 }] }
  - { path: /api/users, service: s, rewrite: { strip_prefix: /v1 } }
  - { path: /items, service: s, version: v2 }
`);
    expect(c.diagnostics.map((d) => [d.severity, d.code, d.position?.line, d.position?.col])).toEqual([
      ['warning', 'route-unreachable', 10, 5],
      ['warning', 'route-conflict', 12, 5],
      ['warning', 'sticky-without-split', 13, 37],
      ['info', 'split-of-one', 14, 26],
      ['warning', 'rewrite-never-applies', 15, 46],
      ['info', 'version-from-path-only', 16, 42],
      ['warning', 'unused-service', 3, 3],
      ['warning', 'unused-policy', 6, 3],
      ['info', 'per-process-limits', undefined, undefined],
    ]);
    expect(c.diagnostics[0]!.message).toBe(
      'routes[1] (/a/:y) never matches: routes[0] (/a/:x) takes every request it would',
    );
    for (const d of c.diagnostics) expect(Object.keys(DIAGNOSTIC_CODES)).toContain(d.code);
    expect(compileText('routes: []\n').diagnostics.map((d) => d.code)).toEqual(['no-routes']);
  });

  it('formatDiagnostics prints compiler-style lines, errors first, then warnings, then notes', () => {
    const c = compileText(`services: { s: { targets: [http://127.0.0.1:1] }, spare: { targets: [http://127.0.0.1:2] } }
routes:
  - { path: /s, service: s, sticky: cookie:sid, rate_limit: { capacity: 1, refill_per_second: 1 } }
`);
    expect(formatDiagnostics(c.diagnostics, 'g.yaml')).toBe(
      [
        'g.yaml:1:51: warning: service spare is defined but no route uses it [unused-service]',
        'g.yaml:3:37: warning: routes[0]: sticky has no effect without a split (to keep a key on one target, use balance: { consistent-hash: ... } on the service) [sticky-without-split]',
        'g.yaml: note: rate limits route:0 use store: memory: each process keeps its own budget, so with serve --workers N (or several gateways) a key may get up to N times the limit; store: redis shares one budget [per-process-limits]',
        '',
      ].join('\n'),
    );
    expect(formatDiagnostics([])).toBe('no findings\n');
  });
});

describe('what switchyard check prints', () => {
  it('the route table of the seed', () => {
    const c = compileGateway(fixture('seed.yaml'));
    expect(
      formatRouteTable(c).replace(fixture('seed.yaml'), 'seed.yaml'),
    ).toBe(`api-gateway: 3 routes, 3 services (seed.yaml)

#  METHODS       HOST  PATH            VERSION  UPSTREAM       LIMITS  REWRITE
0  GET,POST,PUT  *     /api/v1/users   -        user-service   -       -
1  GET,POST      *     /api/v1/orders  -        order-service  -       -
2  *             *     /api/v2/*       v2       api-v2         -       -

SERVICE        BALANCE      TARGETS
user-service   round-robin  http://127.0.0.1:9001
order-service  round-robin  http://127.0.0.1:9002
api-v2         round-robin  http://127.0.0.1:9003
`);
  });

  it('splits, limits and rewrites in the table', () => {
    const c = compileGateway(fixture('full.yaml'), { createRedisClient: () => fakeRedis().client });
    const table = formatRouteTable(c);
    expect(table).toContain(
      '2  *             api.example.com  /api/users/*   -        split user-service 95%, user-v2 5% (sticky header:x-user-id)  per-ip, per-user  strip /api',
    );
    expect(table).toContain('user-v2       consistent-hash maglev by header:x-user-id  http://127.0.0.1:9011/v2');
    expect(table).toContain('per-user    sliding-window 600 per 60000 ms         header:x-user-id  redis');
  });

  it('formatProblems: one file:line:col line per problem; other errors by message', () => {
    try {
      compileGateway(fixture('broken.yaml'));
      expect.unreachable();
    } catch (error) {
      const lines = formatProblems(error).trimEnd().split('\n');
      expect(lines).toHaveLength(11);
      for (const line of lines) expect(line.startsWith(`${fixture('broken.yaml')}:`)).toBe(true);
    }
    expect(formatProblems(new Error('boom'))).toBe('boom\n');
  });
});
