// The Redis limiters while a real redis-server is killed and restarted under load: every take is
// answered within `timeoutMs` (by the failure mode during the outage), no take made during the
// outage is queued and replayed when Redis is back, connection errors reach the limiter (its
// state and its 'error' event), never the console, and processes sharing a key keep the shared
// bound across the restart. Also a Redis down when the client starts, and one frozen (SIGSTOP)
// with the connection open, where only the take that timed out and the probes are sent.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  type RedisFailureMode,
  type RedisRateLimitDecision,
  RedisRateLimiter,
  RedisSlidingWindowLimiter,
} from '@switchyard/adapters';
import { StoreTimeoutError, StoreUnavailableError } from '@switchyard/core';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type RedisServer, redisUnavailableReason, startRedis } from '../support/redis-server.mjs';

const unavailable = redisUnavailableReason();
if (unavailable) console.warn(`skipping the Redis outage tests: ${unavailable}`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const FALLBACK_SOURCE = { open: 'fail-open', closed: 'fail-closed', local: 'local' } as const;
const TIMEOUT_MS = 100;
// Slack over `timeoutMs` for a loaded, shared CI machine; a take queued until Redis is back
// would wait for the whole outage (OUTAGE_MS), far beyond it.
const SLACK_MS = 600;
const OUTAGE_MS = 1_500;

describe.skipIf(unavailable !== undefined)('Redis limiters when redis-server is killed and restarted', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    vi.restoreAllMocks();
  });

  async function server(): Promise<RedisServer> {
    const started = await startRedis({ persist: true });
    cleanups.push(() => started.stop());
    return started;
  }

  function client(url: string): Redis {
    // ioredis's defaults: an offline queue and resend on reconnect, which the limiter must defeat.
    const made = new Redis(url);
    cleanups.push(() => made.disconnect());
    return made;
  }

  for (const mode of ['open', 'closed', 'local'] as const satisfies readonly RedisFailureMode[]) {
    it(`onFailure '${mode}': answered within timeoutMs, nothing replayed, errors reported`, async () => {
      const redis = await server();
      const consoleError = vi.spyOn(console, 'error');
      const errors: unknown[] = [];
      const states: string[] = [];
      const limiter = new RedisRateLimiter({
        client: client(redis.url),
        capacity: 10_000,
        refillPerSecond: 10_000,
        timeoutMs: TIMEOUT_MS,
        onFailure: mode,
        prefix: `outage-${mode}:`,
        onStateChange: (state) => states.push(state.status),
      });
      limiter.on('error', (error) => errors.push(error));

      // Steady load on one key from four loops, each timing every take.
      const latencies: number[] = [];
      const sources = new Set<string>();
      let running = true;
      const loop = async () => {
        while (running) {
          const started = performance.now();
          const decision = await limiter.take('live');
          latencies.push(performance.now() - started);
          sources.add(decision.source);
          await sleep(2);
        }
      };
      const loops = Array.from({ length: 4 }, loop);

      await sleep(300);
      expect(sources).toEqual(new Set(['redis']));
      await redis.kill();
      await sleep(100);
      // During the outage: a key no take touched before, answered at once by the failure mode.
      const during: RedisRateLimitDecision[] = [];
      const outageStarted = performance.now();
      for (let i = 0; i < 20; i++) {
        during.push(await limiter.take('outage-only'));
        await sleep(OUTAGE_MS / 40);
      }
      expect(performance.now() - outageStarted).toBeLessThan(OUTAGE_MS * 2);
      await redis.restart();
      // Back: takes reach Redis again once the client has reconnected.
      const deadline = Date.now() + 10_000;
      while ((await limiter.take('probe')).source !== 'redis') {
        expect(Date.now()).toBeLessThan(deadline);
        await sleep(20);
      }
      await sleep(300); // when replays happen, they happen right after the reconnect
      running = false;
      await Promise.all(loops);

      expect(during.every((d) => d.source === FALLBACK_SOURCE[mode])).toBe(true);
      if (mode === 'open') expect(during.every((d) => d.allowed)).toBe(true);
      if (mode === 'closed') expect(during.every((d) => !d.allowed && d.retryAfterMs === TIMEOUT_MS)).toBe(true);
      if (mode === 'local') expect(during.filter((d) => d.allowed).length).toBe(20); // a fresh local bucket of 10,000
      expect(Math.max(...latencies)).toBeLessThan(TIMEOUT_MS + SLACK_MS);
      expect(sources).toEqual(new Set(['redis', FALLBACK_SOURCE[mode]]));

      // Nothing taken during the outage reached Redis later.
      const check = client(redis.url);
      expect(await check.exists(limiter.redisKey('outage-only'))).toBe(0);

      // The outage was reported: state, onStateChange, and the 'error' event; not the console.
      const trail = `states ${states.join(',')}; errors ${errors.map(String).join(' | ')}`;
      expect(states[0], trail).toBe('degraded');
      expect(states.slice(1), trail).toContain('ok');
      // A take Redis answers leaves the limiter ok (one answered late after the restart on a busy
      // machine may have left it degraded a moment ago).
      expect((await limiter.take('final')).source).toBe('redis');
      expect(limiter.state.status).toBe('ok');
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) {
        expect(error instanceof StoreUnavailableError || error instanceof StoreTimeoutError).toBe(true);
      }
      const printed = consoleError.mock.calls.map((args) => args.map(String).join(' '));
      expect(printed.filter((line) => line.includes('Unhandled error event'))).toEqual([]);
    }, 30_000);
  }

  it('the sliding-window limiter is gated the same way', async () => {
    const redis = await server();
    const limiter = new RedisSlidingWindowLimiter({
      client: client(redis.url),
      limit: 5,
      windowMs: 60_000,
      timeoutMs: TIMEOUT_MS,
      onFailure: 'closed',
      prefix: 'outage-sw:',
    });
    expect((await limiter.take('k')).source).toBe('redis');
    await redis.kill();
    await sleep(100);
    for (let i = 0; i < 10; i++) expect(await limiter.take('gone')).toMatchObject({ source: 'fail-closed' });
    await redis.restart();
    const deadline = Date.now() + 10_000;
    while ((await limiter.take('k')).source !== 'redis') {
      expect(Date.now()).toBeLessThan(deadline);
      await sleep(20);
    }
    await sleep(300);
    expect(await client(redis.url).exists(limiter.redisKey('gone'))).toBe(0);
  }, 30_000);

  it('Redis down at start-up: once the first connection attempt failed, takes are answered at once and never replayed', async () => {
    const redis = await server();
    await redis.kill();
    const limiter = new RedisRateLimiter({
      client: client(redis.url),
      capacity: 1_000,
      refillPerSecond: 1,
      timeoutMs: TIMEOUT_MS,
      onFailure: 'open',
      prefix: 'down-at-start:',
    });
    limiter.on('error', () => {});
    // The first attempt to connect fails at once (nothing listens); from then on it is an outage.
    const deadline = Date.now() + 5_000;
    while (limiter.state.status !== 'degraded') {
      expect(Date.now()).toBeLessThan(deadline);
      await sleep(10);
    }
    // As often as the event loop turns, so that some takes fall while the client is `connecting`
    // again (each of its retries), not only while it waits to retry.
    const slowest: number[] = [];
    const downUntil = performance.now() + OUTAGE_MS;
    while (performance.now() < downUntil) {
      const started = performance.now();
      expect((await limiter.take('while-down')).source).toBe('fail-open');
      slowest.push(performance.now() - started);
      await new Promise(setImmediate);
    }
    // Answered without waiting for timeoutMs: none was handed to the client to queue.
    expect(Math.max(...slowest)).toBeLessThan(TIMEOUT_MS * 0.9);
    await redis.restart();
    while ((await limiter.take('probe')).source !== 'redis') {
      expect(Date.now()).toBeLessThan(deadline + 10_000);
      await sleep(20);
    }
    await sleep(300);
    expect(await client(redis.url).exists(limiter.redisKey('while-down'))).toBe(0);
  }, 30_000);

  it('Redis frozen (connected, not answering): after one take times out the rest are not sent, so few are applied late', async () => {
    const redis = await server();
    const limiter = new RedisRateLimiter({
      client: client(redis.url),
      capacity: 1_000,
      refillPerSecond: 1,
      timeoutMs: TIMEOUT_MS,
      onFailure: 'closed',
      prefix: 'frozen:',
    });
    limiter.on('error', () => {});
    expect((await limiter.take('k')).source).toBe('redis'); // connected; 999 left
    redis.freeze();
    const latencies: number[] = [];
    let takes = 0;
    const frozenUntil = performance.now() + OUTAGE_MS;
    try {
      while (performance.now() < frozenUntil) {
        const started = performance.now();
        expect((await limiter.take('k')).source).toBe('fail-closed');
        latencies.push(performance.now() - started);
        takes++;
        await sleep(10);
      }
    } finally {
      redis.thaw();
    }
    // Sent: the first take (it timed out), and a probe every probeIntervalMs (1 s here): at most
    // 3 over the 1.5 s; every other take was answered at once.
    expect(takes).toBeGreaterThan(50);
    expect(latencies.filter((ms) => ms >= TIMEOUT_MS * 0.9).length).toBeLessThanOrEqual(3);
    expect(Math.max(...latencies)).toBeLessThan(TIMEOUT_MS + SLACK_MS);
    // Redis answers what it was sent while frozen: those few, not every take.
    const deadline = Date.now() + 10_000;
    let back = await limiter.take('k');
    while (back.source !== 'redis') {
      expect(Date.now()).toBeLessThan(deadline);
      await sleep(20);
      back = await limiter.take('k');
    }
    expect(back.remaining).toBeGreaterThanOrEqual(999 - 1 - 3);
  }, 30_000);

  it('processes sharing a key keep capacity + rate × elapsed across a restart (fail-closed)', async () => {
    const redis = await server();
    const script = fileURLToPath(new URL('./redis-hammer.mjs', import.meta.url));
    const capacity = 20;
    const rate = 50;
    const started = Date.now();
    const hammers = Array.from({ length: 2 }, () => {
      const child = spawn(process.execPath, [
        script,
        redis.url,
        'shared',
        '3000',
        String(capacity),
        String(rate),
        'closed',
        // Shorter than the outage: a take in flight when Redis dies is answered by the failure
        // mode, not by Redis once it is back.
        '300',
      ]);
      let stdout = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      // Each hammer says on stderr when its first take is answered: the outage must fall
      // inside both runs, however slowly a loaded machine starts them.
      const first = new Promise<void>((resolve) => child.stderr.once('data', () => resolve()));
      const done = new Promise<{ admitted: number; failed: number }>((resolve, reject) =>
        child.once('exit', (code) =>
          code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`hammer exited with ${code}: ${stdout}`)),
        ),
      );
      return { first, done };
    });
    await Promise.all(hammers.map((h) => h.first));
    await sleep(300);
    await redis.kill();
    await sleep(600);
    await redis.restart();
    const results = await Promise.all(hammers.map((h) => h.done));
    const elapsedSeconds = (Date.now() - started) / 1000;
    const admitted = results.reduce((sum, r) => sum + r.admitted, 0);
    expect(admitted).toBeLessThanOrEqual(capacity + rate * elapsedSeconds);
    // The outage was seen (answered fail-closed), and Redis admitted again after it.
    expect(results.every((r) => r.failed > 0)).toBe(true);
    expect(admitted).toBeGreaterThanOrEqual(capacity + rate * 1);
  }, 30_000);
});
