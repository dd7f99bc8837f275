// RedisSlidingWindowLimiter against a real redis-server started here (skipped, with the reason
// printed, when redis-server is not installed): the Lua script decides exactly as core's
// SlidingWindowLimiter on the same clock, expires what it no longer needs, and a gateway config
// with `algorithm: sliding-window, store: redis` compiles to it.
import { RedisSlidingWindowLimiter } from '@switchyard/adapters';
import { compileGateway, parseConfig } from '@switchyard/adapters/gateway';
import { SlidingWindowLimiter } from '@switchyard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertAsyncProperty } from '../support/fast-check.js';
import { useRedis } from '../support/redis-fixture.js';
import { redisUnavailableReason } from '../support/redis-server.mjs';

const unavailable = redisUnavailableReason();
if (unavailable) console.warn(`skipping the Redis sliding-window tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('RedisSlidingWindowLimiter on a real redis-server', () => {
  const fixture = useRedis('sw');

  it('decides exactly like the in-process SlidingWindowLimiter on the same clock (Lua vs reference)', async () => {
    await assertAsyncProperty(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.array(
          fc.record({
            key: fc.constantFrom('a', 'b', 'é', '{x}'),
            // Mostly forward, sometimes back (a clock that goes back must free nothing).
            dt: fc.integer({ min: -500, max: 4000 }),
            cost: fc.nat(8),
          }),
          { maxLength: 40 },
        ),
        async (limit, windowMs, ops) => {
          const redis = new RedisSlidingWindowLimiter({
            limit,
            windowMs,
            client: fixture.client,
            prefix: fixture.prefix(),
            timeoutMs: 5000,
            onFailure: 'closed',
          });
          const local = new SlidingWindowLimiter({ limit, windowMs });
          let now = 1_700_000_000_000;
          for (const op of ops) {
            now += op.dt;
            redis.clockOverride = now;
            const cost = Math.min(op.cost, limit);
            const { source, ...got } = await redis.take(op.key, cost);
            expect(source).toBe('redis');
            expect(got).toEqual(local.take(op.key, now, cost));
          }
        },
      ),
      60,
    );
  });

  it('large limits and windows stay exact (limit × window near 2^51)', async () => {
    const limit = 1_000_000_000;
    const windowMs = 2_000_000;
    const redis = new RedisSlidingWindowLimiter({
      limit,
      windowMs,
      client: fixture.client,
      prefix: fixture.prefix(),
      onFailure: 'closed',
    });
    const local = new SlidingWindowLimiter({ limit, windowMs });
    let now = 1_700_000_123_457;
    for (const [dt, cost] of [
      [0, 999_999_999],
      [1, 2],
      [1_999_999, 7],
      [3, 1_000_000_000],
      [777_777, 333_333_333],
    ] as const) {
      now += dt;
      redis.clockOverride = now;
      const { source: _source, ...got } = await redis.take('big', cost);
      expect(got).toEqual(local.take('big', now, cost));
    }
  });

  it('uses the server clock and hash-tagged keys, and expires a key once both windows passed', async () => {
    const p = fixture.prefix();
    const redis = new RedisSlidingWindowLimiter({ limit: 2, windowMs: 400, client: fixture.client, prefix: p });
    expect(redis.redisKey('user:1')).toBe(`${p}{user:1}`);
    expect(await redis.take('user:1')).toMatchObject({ allowed: true, remaining: 1, limit: 2, source: 'redis' });
    expect(await redis.take('user:1')).toMatchObject({ allowed: true, remaining: 0 });
    const denied = await redis.take('user:1');
    expect(denied.allowed).toBe(false);
    expect(denied.retryAfterMs).toBeGreaterThan(0);
    expect(denied.retryAfterMs).toBeLessThanOrEqual(800);
    const ttl = await fixture.client.pttl(`${p}{user:1}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(801);
    // A take of 0 on a fresh key stores nothing.
    await redis.take('idle', 0);
    expect(await fixture.client.exists(`${p}{idle}`)).toBe(0);
  });

  it('reloads the script after SCRIPT FLUSH (NOSCRIPT)', async () => {
    const redis = new RedisSlidingWindowLimiter({
      limit: 1,
      windowMs: 1000,
      client: fixture.client,
      prefix: fixture.prefix(),
    });
    await fixture.client.script('FLUSH');
    expect(await redis.take('k')).toMatchObject({ allowed: true, source: 'redis' });
    expect(redis.state.status).toBe('ok');
  });

  it('falls back to a local sliding window when Redis fails', async () => {
    const failing = {
      evalsha: () => Promise.reject(new Error('ECONNREFUSED')),
      eval: () => Promise.reject(new Error('ECONNREFUSED')),
    };
    const redis = new RedisSlidingWindowLimiter({ limit: 1, windowMs: 60_000, client: failing });
    expect(await redis.take('k')).toMatchObject({ allowed: true, source: 'local' });
    expect(await redis.take('k')).toMatchObject({ allowed: false, source: 'local' });
    expect(redis.state).toMatchObject({ status: 'degraded', failures: 2 });
  });

  it('a gateway config with sliding-window + store: redis shares one budget between two compiled gateways', async () => {
    const text = `services: { s: { targets: [http://127.0.0.1:1] } }
redis: { url: "${fixture.server.url}", on_error: fail-closed }
rate_limits:
  per-user: { algorithm: sliding-window, limit: 3, window_ms: 60000, key: header:x-user-id, store: redis }
routes: [{ path: /, service: s, rate_limit: per-user }]
`;
    const a = compileGateway(parseConfig(text, 'a.yaml'));
    const b = compileGateway(parseConfig(text, 'b.yaml'));
    const user = `user-${Date.now()}`;
    const takes = [];
    for (const g of [a, b, a, b]) takes.push(await g.limits.get('per-user')!.shared!.take(user));
    expect(takes.map((t) => [t.allowed, t.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
    ]);
    await a.close?.();
    await b.close?.();
  });
});
