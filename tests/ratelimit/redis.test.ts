// RedisRateLimiter against a real redis-server started here (skipped, with the reason printed,
// when redis-server is not installed).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type RedisEvalClient, RedisRateLimiter } from '@switchyard/adapters';
import {
  InvalidArgumentError,
  RateLimiter,
  StoreTimeoutError,
  StoreUnavailableError,
  SwitchyardError,
} from '@switchyard/core';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { thrownBy } from '../support/errors.js';
import { assertAsyncProperty } from '../support/fast-check.js';
import { useRedis } from '../support/redis-fixture.js';
import { redisUnavailableReason } from '../support/redis-server.mjs';

const unavailable = redisUnavailableReason();
if (unavailable) console.warn(`skipping the Redis rate-limit tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('RedisRateLimiter on a real redis-server', () => {
  const fixture = useRedis('test');

  it('decides exactly like the in-process RateLimiter on the same clock (Lua vs reference)', async () => {
    await assertAsyncProperty(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.array(
          fc.record({
            key: fc.constantFrom('a', 'b', 'é', '{x}'),
            dt: fc.integer({ min: 0, max: 3000 }),
            cost: fc.nat(8),
          }),
          { maxLength: 40 },
        ),
        async (capacity, refill, ops) => {
          const options = { capacity, refillPerSecond: refill / 1000 };
          const redis = new RedisRateLimiter({
            ...options,
            client: fixture.client,
            prefix: fixture.prefix(),
            timeoutMs: 5000,
            onFailure: 'closed',
          });
          const local = new RateLimiter(options);
          let now = 1_700_000_000_000;
          for (const op of ops) {
            now += op.dt;
            redis.clockOverride = now;
            const cost = Math.min(op.cost, capacity);
            const { source, ...got } = await redis.take(op.key, cost);
            expect(source).toBe('redis');
            expect(got).toEqual(local.take(op.key, now, cost));
          }
        },
      ),
      40,
    );
  });

  it('never creates tokens when the clock goes back', async () => {
    const redis = new RedisRateLimiter({
      capacity: 2,
      refillPerSecond: 1,
      client: fixture.client,
      prefix: fixture.prefix(),
    });
    redis.clockOverride = 10_000;
    expect((await redis.take('k', 2)).allowed).toBe(true);
    redis.clockOverride = 5_000;
    const back = await redis.take('k');
    expect(back).toMatchObject({ allowed: false, retryAfterMs: 6_000 });
    redis.clockOverride = 10_999;
    expect((await redis.take('k')).allowed).toBe(false);
    redis.clockOverride = 11_000;
    expect((await redis.take('k')).allowed).toBe(true);
  });

  it('uses the server clock, hash-tagged keys, and expires a bucket once it would be full', async () => {
    const p = fixture.prefix();
    const redis = new RedisRateLimiter({ capacity: 3, refillPerSecond: 10, client: fixture.client, prefix: p });
    expect(redis.redisKey('user:1')).toBe(`${p}{user:1}`);
    const first = await redis.take('user:1', 3);
    expect(first).toMatchObject({ allowed: true, remaining: 0, source: 'redis' });
    expect(first.resetMs).toBe(300);
    expect(await fixture.client.exists(`${p}{user:1}`)).toBe(1);
    const ttl = await fixture.client.pttl(`${p}{user:1}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(301);
    const denied = await redis.take('user:1');
    expect(denied.allowed).toBe(false);
    expect(denied.retryAfterMs).toBeGreaterThan(0);
    expect(denied.retryAfterMs).toBeLessThanOrEqual(100);
    // A take that leaves the bucket full stores nothing.
    await redis.take('idle', 0);
    expect(await fixture.client.exists(`${p}{idle}`)).toBe(0);
  });

  it('reloads the script after SCRIPT FLUSH (NOSCRIPT)', async () => {
    const redis = new RedisRateLimiter({
      capacity: 1,
      refillPerSecond: 1,
      client: fixture.client,
      prefix: fixture.prefix(),
    });
    await fixture.client.script('FLUSH');
    expect(await redis.take('k')).toMatchObject({ allowed: true, source: 'redis' });
    expect(redis.state.status).toBe('ok');
  });

  it('several processes hammering one key admit at most capacity + rate·elapsed in total', async () => {
    const run = promisify(execFile);
    const script = fileURLToPath(new URL('./redis-hammer.mjs', import.meta.url));
    const capacity = 20;
    const rate = 50;
    const key = `${fixture.prefix()}shared`;
    const started = Date.now();
    const outputs = await Promise.all(
      Array.from({ length: 4 }, () =>
        run(process.execPath, [script, fixture.server.url, key, '1200', String(capacity), String(rate)]),
      ),
    );
    const elapsedSeconds = (Date.now() - started) / 1000;
    const results = outputs.map((o) => JSON.parse(o.stdout) as { admitted: number; failed: number });
    const admitted = results.reduce((sum, r) => sum + r.admitted, 0);
    expect(results.every((r) => r.failed === 0)).toBe(true);
    expect(admitted).toBeLessThanOrEqual(capacity + rate * elapsedSeconds);
    // Sanity: the processes did get through, at about the refill rate.
    expect(admitted).toBeGreaterThanOrEqual(capacity + rate * 1);
  }, 30_000);
});

describe('RedisRateLimiter when Redis fails or hangs', () => {
  const hanging: RedisEvalClient = { evalsha: () => new Promise(() => {}), eval: () => new Promise(() => {}) };
  const failing: RedisEvalClient = {
    evalsha: () => Promise.reject(new Error('ECONNREFUSED')),
    eval: () => Promise.reject(new Error('ECONNREFUSED')),
  };

  it('answers within the timeout: fail open, fail closed, or a local limiter; state is reported', async () => {
    const states: string[] = [];
    const open = new RedisRateLimiter({
      capacity: 1,
      refillPerSecond: 1,
      client: hanging,
      timeoutMs: 30,
      onFailure: 'open',
    });
    const closed = new RedisRateLimiter({
      capacity: 1,
      refillPerSecond: 1,
      client: hanging,
      timeoutMs: 30,
      onFailure: 'closed',
    });
    const local = new RedisRateLimiter({
      capacity: 1,
      refillPerSecond: 0.001,
      client: failing,
      onFailure: 'local',
      onStateChange: (s) => states.push(s.status),
    });
    const started = Date.now();
    expect(await open.take('k')).toMatchObject({ allowed: true, source: 'fail-open' });
    expect(await closed.take('k')).toMatchObject({ allowed: false, source: 'fail-closed', retryAfterMs: 30 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(open.state).toMatchObject({ status: 'degraded', failures: 1 });
    expect(open.state.lastError).toBeInstanceOf(StoreTimeoutError);
    expect(open.state.lastError).toMatchObject({ code: 'SWITCHYARD_STORE_TIMEOUT', store: 'Redis', timeoutMs: 30 });
    expect(open.state.lastError?.message).toBe('Redis did not answer within 30 ms');
    // The local insurance still limits: one token, then denied.
    expect(await local.take('k')).toMatchObject({ allowed: true, source: 'local' });
    expect(await local.take('k')).toMatchObject({ allowed: false, source: 'local' });
    expect(states).toEqual(['degraded']);
    // A client error is reported as a coded store error carrying the client's own error.
    const failure = local.state.lastError;
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect(failure).toMatchObject({ code: 'SWITCHYARD_STORE_UNAVAILABLE', message: 'Redis failed: ECONNREFUSED' });
    expect(failure?.cause).toMatchObject({ message: 'ECONNREFUSED' });
  });

  it('a reply that is not the five integers of the script degrades to the failure mode with a coded error', async () => {
    for (const reply of [null, 'OK', [1, 1, 0, 0], [1, 1, 'x', 0, 0]]) {
      const odd: RedisEvalClient = { evalsha: () => Promise.resolve(reply), eval: () => Promise.resolve(reply) };
      const limiter = new RedisRateLimiter({ capacity: 1, refillPerSecond: 1, client: odd, onFailure: 'closed' });
      expect(await limiter.take('k')).toMatchObject({ allowed: false, source: 'fail-closed' });
      expect(limiter.state.lastError).toBeInstanceOf(StoreUnavailableError);
      expect(limiter.state.lastError?.message).toMatch(/^Redis failed: unexpected reply to the rate-limit script/);
    }
  });

  it('a real client pointed at a dead port does not hang the request', async () => {
    const client = new Redis({
      port: 1,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => {});
    const limiter = new RedisRateLimiter({
      capacity: 1,
      refillPerSecond: 1,
      client,
      timeoutMs: 200,
      onFailure: 'closed',
    });
    expect(await limiter.take('k')).toMatchObject({ allowed: false, source: 'fail-closed' });
    client.disconnect();
  });

  it('recovers to ok when Redis answers again', async () => {
    let down = true;
    const flaky: RedisEvalClient = {
      evalsha: () => (down ? Promise.reject(new Error('down')) : Promise.resolve([1, 1, 0, 0, 1000])),
      eval: () => Promise.reject(new Error('unused')),
    };
    const states: string[] = [];
    const limiter = new RedisRateLimiter({
      capacity: 1,
      refillPerSecond: 1,
      client: flaky,
      onFailure: 'open',
      onStateChange: (s) => states.push(s.status),
    });
    await limiter.take('k');
    down = false;
    expect(await limiter.take('k')).toMatchObject({ source: 'redis', allowed: true });
    expect(states).toEqual(['degraded', 'ok']);
  });

  it('rejects bad options', () => {
    expect(() => new RedisRateLimiter({ capacity: 1, refillPerSecond: 1, client: failing, timeoutMs: 0 })).toThrow(
      /timeoutMs/,
    );
    expect(() => new RedisRateLimiter({ capacity: 0, refillPerSecond: 1, client: failing })).toThrow(/capacity/);
    expect(
      () => new RedisRateLimiter({ capacity: 1, refillPerSecond: 1, client: failing, onFailure: 'maybe' as never }),
    ).toThrow(/onFailure/);
    const base = { capacity: 1, refillPerSecond: 1, client: failing };
    for (const [extra, argument] of [
      [{ prefix: 7 }, 'prefix'],
      [{ local: {} }, 'local'],
      [{ onStateChange: 'log' }, 'onStateChange'],
      [{ capacity: 1.5 }, 'capacity'],
    ] as const) {
      const error = thrownBy(() => new RedisRateLimiter({ ...base, ...extra } as never));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect(error).toMatchObject({ argument });
    }
  });

  it('rejects an unknown option by name (a misspelt timeout would otherwise wait 100 ms)', () => {
    const error = thrownBy(
      () => new RedisRateLimiter({ capacity: 1, refillPerSecond: 1, client: failing, timeout: 20 } as never),
    );
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ code: 'SWITCHYARD_INVALID_ARGUMENT', argument: 'options.timeout' });
    expect(error.message).toMatch(/^invalid options\.timeout: unknown option; expected capacity, refillPerSecond/);
    // seed is a RateLimiter option, not a Redis one: every process must hash keys alike.
    expect(
      thrownBy(() => new RedisRateLimiter({ capacity: 1, refillPerSecond: 1, client: failing, seed: 5 } as never)),
    ).toMatchObject({ argument: 'options.seed' });
    const limiter = new RedisRateLimiter({ capacity: 3, refillPerSecond: 2, maxKeys: 9, client: failing });
    expect(limiter.options).toMatchObject({ capacity: 3, refillPerSecond: 2, maxKeys: 9, seed: 0, timeoutMs: 100 });
  });

  it('every error it throws or reports is a SwitchyardError with a code', async () => {
    const limiter = new RedisRateLimiter({ capacity: 1, refillPerSecond: 1, client: failing, onFailure: 'open' });
    await expect(limiter.take(42 as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    // Keys are checked as the in-process limiters check them: objects are not stringified into
    // one shared "[object Object]" bucket.
    for (const key of [{}, { a: 1 }, null, undefined, ['k']]) {
      await expect(limiter.take(key as never)).rejects.toMatchObject({
        code: 'SWITCHYARD_INVALID_ARGUMENT',
        argument: 'key',
      });
    }
    await expect(limiter.take('k', 2)).rejects.toMatchObject({ code: 'SWITCHYARD_INVALID_ARGUMENT', argument: 'cost' });
    await limiter.take('k');
    expect(limiter.state.lastError).toBeInstanceOf(SwitchyardError);
  });
});
