// Step 4: rate limits all or nothing, their headers (legacy, IETF, the 80% warning), Redis
// limits and redis.on_error.
import { type RateLimitDecision, RateLimiter } from '@switchyard/node';
import { describe, expect, it } from 'vitest';
import { decide } from '../../packages/adapters/src/gateway/pipeline/index.js';
import type {
  Decision,
  ForwardDecision,
  GatewayRequest,
  RespondDecision,
  SharedLimiter,
} from '../../packages/adapters/src/gateway/types.js';
import { RedisRateLimiter } from '../../packages/adapters/src/index.js';
import { freshState, type GatewaySpec, header, headers, inputs, request } from './support/build.js';

function sync(d: Decision | Promise<Decision>): Decision {
  if (d instanceof Promise) throw new Error('expected a synchronous decision');
  return d;
}
const T1 = 'http://127.0.0.1:9001';

const base = (extra: Partial<GatewaySpec> = {}): GatewaySpec => ({
  services: { a: { targets: [T1] }, none: { targets: [] } },
  limits: {
    'per-ip': { algorithm: 'token-bucket', capacity: 10, refillPerSecond: 1, key: 'client-ip' },
    'per-user': { algorithm: 'sliding-window', limit: 3, windowMs: 60_000, key: 'header:x-user-id' },
  },
  routes: [
    { path: '/ip', service: 'a', limits: ['per-ip'] },
    { path: '/both', service: 'a', limits: ['per-user', 'per-ip'] },
    { path: '/empty', service: 'none', limits: ['per-ip'] },
  ],
  ...extra,
});

describe('in-memory limits', () => {
  it('admit up to capacity with X-RateLimit-* on every response, then 429 with Retry-After', () => {
    const state = freshState(base());
    for (let i = 1; i <= 10; i++) {
      const d = sync(decide(request({ target: '/ip' }), state, inputs(5_000)));
      expect(d.kind).toBe('forward');
      const h = (d as ForwardDecision).responseHeaders;
      expect(header(h, 'x-ratelimit-limit')).toBe('10');
      expect(header(h, 'x-ratelimit-remaining')).toBe(String(10 - i));
      expect(header(h, 'x-ratelimit-reset')).toBe(String(i));
      expect(header(h, 'retry-after')).toBeUndefined();
    }
    const denied = sync(decide(request({ target: '/ip' }), state, inputs(5_000))) as RespondDecision;
    expect(denied.status).toBe(429);
    expect(denied.reason).toBe('rate-limited');
    expect(header(denied.headers, 'retry-after')).toBe('1');
    expect(header(denied.headers, 'x-ratelimit-remaining')).toBe('0');
    expect(header(denied.headers, 'x-request-id')).toBe(denied.requestId);
    expect(JSON.parse(denied.body)).toEqual({
      error: 'rate-limited',
      message: 'rate limit "per-ip" exceeded; retry in 1 s',
    });
    // One second later one token is back.
    expect(sync(decide(request({ target: '/ip' }), state, inputs(6_000))).kind).toBe('forward');
  });

  it('warns once 80% of the budget is used, and not before', () => {
    const state = freshState(base());
    const warnings: (string | undefined)[] = [];
    for (let i = 1; i <= 10; i++) {
      const d = sync(decide(request({ target: '/ip' }), state, inputs(5_000))) as ForwardDecision;
      warnings.push(header(d.responseHeaders, 'x-ratelimit-warning'));
    }
    expect(warnings.slice(0, 7)).toEqual(Array(7).fill(undefined));
    expect(warnings.slice(7)).toEqual(['80% of quota used', '90% of quota used', '100% of quota used']);
    const denied = sync(decide(request({ target: '/ip' }), state, inputs(5_000))) as RespondDecision;
    expect(header(denied.headers, 'x-ratelimit-warning')).toBe('100% of quota used');
  });

  it('all or nothing: a request denied by one limit consumes from none', () => {
    const state = freshState(base());
    const user = { 'x-user-id': 'u1' };
    for (let i = 0; i < 3; i++)
      expect(sync(decide(request({ target: '/both', headers: user }), state, inputs())).kind).toBe('forward');
    for (let i = 0; i < 5; i++) {
      expect(
        (sync(decide(request({ target: '/both', headers: user }), state, inputs())) as RespondDecision).status,
      ).toBe(429);
    }
    // per-ip took only the 3 admitted requests: 7 left.
    const d = sync(decide(request({ target: '/ip' }), state, inputs())) as ForwardDecision;
    expect(header(d.responseHeaders, 'x-ratelimit-remaining')).toBe('6');
  });

  it('the binding limit sets the legacy headers: the one with the least share left', () => {
    const state = freshState(base());
    const d = sync(
      decide(request({ target: '/both', headers: { 'x-user-id': 'u9' } }), state, inputs()),
    ) as ForwardDecision;
    expect(header(d.responseHeaders, 'x-ratelimit-limit')).toBe('3');
    expect(header(d.responseHeaders, 'x-ratelimit-remaining')).toBe('2');
    expect(d.limits?.results.map((r) => r.name)).toEqual(['per-user', 'per-ip']);
  });

  it('a request without the policy key is charged per client address', () => {
    const state = freshState(base());
    const req = (remoteAddress: string): GatewayRequest => request({ target: '/both', remoteAddress });
    for (let i = 0; i < 3; i++) expect(sync(decide(req('198.51.100.1'), state, inputs())).kind).toBe('forward');
    expect((sync(decide(req('198.51.100.1'), state, inputs())) as RespondDecision).status).toBe(429);
    expect(sync(decide(req('198.51.100.2'), state, inputs())).kind).toBe('forward');
  });

  it('sends RateLimit and RateLimit-Policy when configured', () => {
    const state = freshState(base({ ietf: true }));
    const d = sync(
      decide(request({ target: '/both', headers: { 'x-user-id': 'u1' } }), state, inputs()),
    ) as ForwardDecision;
    // t of the sliding window: the 20 s left of the current 60 s window (now is 1,000,000 ms)
    // plus the next one, which still counts this request.
    expect(header(d.responseHeaders, 'ratelimit')).toBe('"per-user";r=2;t=80, "per-ip";r=9;t=1');
    expect(header(d.responseHeaders, 'ratelimit-policy')).toBe('"per-ip";q=10;w=10, "per-user";q=3;w=60');
    const plain = sync(decide(request({ target: '/ip' }), freshState(base()), inputs())) as ForwardDecision;
    expect(header(plain.responseHeaders, 'ratelimit')).toBeUndefined();
  });

  it('a 503 for a service without targets still carries the limit headers', () => {
    const d = sync(decide(request({ target: '/empty' }), freshState(base()), inputs())) as RespondDecision;
    expect(d.status).toBe(503);
    expect(header(d.headers, 'x-ratelimit-remaining')).toBe('9');
  });
});

/** A shared limiter over an in-process bucket that counts its calls, and can be made to fail. */
class FakeShared implements SharedLimiter {
  calls = 0;
  fail = false;
  readonly #bucket: RateLimiter;
  constructor(capacity: number) {
    this.#bucket = new RateLimiter({ capacity, refillPerSecond: 1 });
  }
  async take(key: string, cost = 1): Promise<RateLimitDecision> {
    this.calls++;
    await new Promise((r) => setTimeout(r, 1));
    if (this.fail) throw new Error('ECONNREFUSED');
    return this.#bucket.take(key, 0, cost);
  }
}

const redisSpec = (shared: SharedLimiter, onError: 'fail-open' | 'fail-closed' | 'local'): GatewaySpec =>
  base({
    limits: {
      'per-ip': { algorithm: 'token-bucket', capacity: 2, refillPerSecond: 1, key: 'client-ip' },
      fleet: { algorithm: 'token-bucket', capacity: 3, refillPerSecond: 1, key: 'header:x-user-id', store: 'redis' },
    },
    routes: [
      { path: '/ip', service: 'a', limits: ['per-ip'] },
      { path: '/fleet', service: 'a', limits: ['per-ip', 'fleet'] },
    ],
    shared: { fleet: shared },
    redis: { onError },
  });

describe('Redis limits', () => {
  const fleet = (ip = '198.51.100.1') =>
    request({ target: '/fleet', remoteAddress: ip, headers: { 'x-user-id': 'u1' } });

  it('make decide asynchronous only where they apply', async () => {
    const state = freshState(redisSpec(new FakeShared(3), 'fail-open'));
    expect(decide(request({ target: '/ip' }), state, inputs())).not.toBeInstanceOf(Promise);
    const p = decide(fleet(), state, inputs());
    expect(p).toBeInstanceOf(Promise);
    expect((await p).kind).toBe('forward');
  });

  it('are taken after the in-memory peek, and a memory deny never reaches Redis', async () => {
    const shared = new FakeShared(100);
    const state = freshState(redisSpec(shared, 'fail-open'));
    expect((await decide(fleet(), state, inputs())).kind).toBe('forward');
    expect((await decide(fleet(), state, inputs())).kind).toBe('forward');
    expect(shared.calls).toBe(2);
    const denied = (await decide(fleet(), state, inputs())) as RespondDecision;
    expect(denied.status).toBe(429);
    expect(shared.calls).toBe(2);
  });

  it('a Redis deny is a 429 that leaves the in-memory budgets alone', async () => {
    const shared = new FakeShared(3);
    const state = freshState(redisSpec(shared, 'fail-open'));
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3'])
      expect((await decide(fleet(ip), state, inputs())).kind).toBe('forward');
    const denied = (await decide(fleet('198.51.100.4'), state, inputs())) as RespondDecision;
    expect(denied.status).toBe(429);
    expect(header(denied.headers, 'retry-after')).toBe('1');
    expect(denied.limits?.binding?.name).toBe('fleet');
    const after = sync(
      decide(request({ target: '/ip', remoteAddress: '198.51.100.4' }), state, inputs()),
    ) as ForwardDecision;
    expect(header(after.responseHeaders, 'x-ratelimit-remaining')).toBe('1');
  });

  it('on_error fail-open admits and leaves the failed limit out of the decision', async () => {
    const shared = new FakeShared(3);
    shared.fail = true;
    const d = (await decide(fleet(), freshState(redisSpec(shared, 'fail-open')), inputs())) as ForwardDecision;
    expect(d.kind).toBe('forward');
    expect(d.limits?.results.map((r) => r.name)).toEqual(['per-ip']);
  });

  it('on_error fail-closed answers 503 with Retry-After: 1 and consumes no in-memory budget', async () => {
    const shared = new FakeShared(3);
    shared.fail = true;
    const state = freshState(redisSpec(shared, 'fail-closed'));
    const d = (await decide(fleet(), state, inputs())) as RespondDecision;
    expect(d.status).toBe(503);
    expect(d.reason).toBe('limit-store-unavailable');
    expect(headers(d.headers, 'retry-after')).toEqual(['1']);
    // The in-memory limit peeked before Redis admitted: its state is in the headers.
    expect(header(d.headers, 'x-ratelimit-limit')).toBe('2');
    expect(header(d.headers, 'x-ratelimit-remaining')).toBe('1');
    expect(JSON.parse(d.body).error).toBe('limit-store-unavailable');
    const after = sync(
      decide(request({ target: '/ip', remoteAddress: '198.51.100.1' }), state, inputs()),
    ) as ForwardDecision;
    expect(header(after.responseHeaders, 'x-ratelimit-remaining')).toBe('1');
  });

  it("on_error local decides with the policy's in-process limiter", async () => {
    const shared = new FakeShared(3);
    shared.fail = true;
    const state = freshState(redisSpec(shared, 'local'));
    const kinds: string[] = [];
    for (const ip of ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4'])
      kinds.push((await decide(fleet(ip), state, inputs())).kind);
    expect(kinds).toEqual(['forward', 'forward', 'forward', 'respond']);
  });

  it("a RedisRateLimiter's own fail-closed fallback counts as a Redis failure", async () => {
    const client = {
      evalsha: () => Promise.reject(new Error('ECONNREFUSED')),
      eval: () => Promise.reject(new Error('ECONNREFUSED')),
    };
    const redis = new RedisRateLimiter({ client, capacity: 3, refillPerSecond: 1, onFailure: 'closed', timeoutMs: 50 });
    const closed = (await decide(fleet(), freshState(redisSpec(redis, 'fail-closed')), inputs())) as RespondDecision;
    expect(closed.status).toBe(503);
    const open = await decide(fleet(), freshState(redisSpec(redis, 'fail-open')), inputs());
    expect(open.kind).toBe('forward');
  });
});
