// Native buffers shrink after an oversized input (crates/switchyard-napi/src/toolkit/trim.rs):
// every hot call reads its strings into buffers the instance reuses, and one 16 MiB path or key
// must not stay held by the addon afterwards. Measured with the addon's own allocation count
// (`allocatedBytes`, a `testing` export: allocated less freed on this thread), so the check is
// exact and does not depend on the garbage collector or on RSS.
import { describe, expect, it } from 'vitest';
import { testingExports } from '../../packages/node/src/binding.js';
import { nativeBinding } from '../../packages/node/src/implementation.js';
import { isNative, native } from '../support/implementations.js';

const MiB = 2 ** 20;
const HUGE = 16 * MiB;
/** Most an oversized call may leave behind: the trimmed buffers' bound is 64 KiB each. */
const LEFT_BEHIND_MAX = 1 * MiB;

const addon = testingExports(nativeBinding);

/** Net native bytes that `call` leaves allocated, after a warm-up call of ordinary size. */
function leftBehind(warmUp: () => unknown, call: () => unknown): number {
  warmUp();
  const before = addon.allocatedBytes();
  call();
  call();
  return addon.allocatedBytes() - before;
}

describe('native buffers after an oversized input', () => {
  it('runs against the addon', () => {
    expect(isNative).toBe(true);
  });

  const hugePath = `/files/${'x'.repeat(HUGE)}`;
  const hugeEscaped = `/files/${'%7E'.repeat(HUGE / 3)}`;
  const hugeKey = 'k'.repeat(HUGE);

  it('Router.match and resolve give back the path and their working memory', () => {
    const router = new native.Router<string>();
    router.add({ path: '/files/:name' }, 'file');
    router.add({ path: '/tail/*' }, 'tail');
    const left = {
      match: leftBehind(
        () => router.match({ method: 'GET', path: '/files/a' }),
        () => expect(router.match({ method: 'GET', path: hugePath })).toBeNull(),
      ),
      wildcard: leftBehind(
        () => router.match({ path: '/tail/a/b' }),
        () => expect(router.match({ path: `/tail${hugePath}` })?.value).toBe('tail'),
      ),
      resolve: leftBehind(
        () => router.resolve({ path: '/files/%7E' }),
        () => expect(router.resolve({ path: hugeEscaped }).outcome).toBe('no-route'),
      ),
    };
    expect(left.match).toBeLessThan(LEFT_BEHIND_MAX);
    expect(left.wildcard).toBeLessThan(LEFT_BEHIND_MAX);
    expect(left.resolve).toBeLessThan(LEFT_BEHIND_MAX);
  });

  it('Router.match gives back a joined wildcard param once the next call has read it', () => {
    // The joined value is kept past the call that made it (the wrapper reads it after the
    // crossing); the next call, however small its path, must give it back.
    const router = new native.Router<string>({ mergeSlashes: true });
    router.add({ path: '/tail/*' }, 'tail');
    const hugeJoined = `/tail/${'a//'.repeat(HUGE / 3)}`;
    const left = leftBehind(
      () => router.match({ path: '/tail/a' }),
      () => {
        expect(router.match({ path: hugeJoined })?.params['*']?.length).toBeGreaterThan(HUGE / 2);
        expect(router.match({ path: '/tail/a' })?.params['*']).toBe('a');
      },
    );
    expect(left).toBeLessThan(LEFT_BEHIND_MAX);
  });

  it('Router.match gives back a header value (the bound call with header arguments)', () => {
    const router = new native.Router<string>();
    router.add({ path: '/v', headers: { 'x-api-version': 'v1' } }, 'v1');
    router.add({ path: '/v' }, 'any');
    const hugeValue = 'v'.repeat(HUGE);
    const left = leftBehind(
      () => router.match({ method: 'GET', path: '/v', headers: { 'x-api-version': 'v1' } }),
      () => expect(router.match({ path: '/v', headers: { 'x-api-version': hugeValue } })?.value).toBe('any'),
    );
    expect(left).toBeLessThan(LEFT_BEHIND_MAX);
  });

  it('canonicalizePath gives back the target', () => {
    const left = leftBehind(
      () => native.canonicalizePath('/a/%7E'),
      () => expect(native.canonicalizePath(hugeEscaped).ok).toBe(true),
    );
    expect(left).toBeLessThan(LEFT_BEHIND_MAX);
  });

  it('the limiters give back the key', () => {
    const bucket = new native.RateLimiter({ capacity: 5, refillPerSecond: 1, maxKeys: 16, seed: 1 });
    const window = new native.SlidingWindowLimiter({ limit: 5, windowMs: 1000, maxKeys: 16, seed: 1 });
    for (const limiter of [bucket, window]) {
      const left = leftBehind(
        () => limiter.take('k', 0),
        () => expect(limiter.take(hugeKey, 0).limit).toBe(5),
      );
      expect(left).toBeLessThan(LEFT_BEHIND_MAX);
    }
  });

  it('ConsistentHash, WeightedSplit and keyHash give back the key', () => {
    const hash = new native.ConsistentHash(['a', 'b', 'c'], { algorithm: 'maglev' });
    const split = new native.WeightedSplit([
      { id: 'a', weight: 1 },
      { id: 'b', weight: 1 },
    ]);
    const left = {
      pick: leftBehind(
        () => hash.pick('k'),
        () => hash.pick(hugeKey),
      ),
      split: leftBehind(
        () => split.pick('k'),
        () => split.pick(hugeKey),
      ),
      keyHash: leftBehind(
        () => native.keyHash('k'),
        () => native.keyHash(hugeKey),
      ),
    };
    expect(left.pick).toBeLessThan(LEFT_BEHIND_MAX);
    expect(left.split).toBeLessThan(LEFT_BEHIND_MAX);
    expect(left.keyHash).toBeLessThan(LEFT_BEHIND_MAX);
  });
});
