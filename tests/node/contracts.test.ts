// Both implementations of each primitive have one surface, the contract core declares
// (packages/core/src/contracts.ts). `implements` makes tsc check that each class has every member
// of its contract; the type-level equalities below make it check that neither has a public member
// the contract lacks, and the runtime test does the same on the classes @switchyard/node exports.

import type { Contracts } from '@switchyard/core';
import * as core from '@switchyard/core';
import * as node from '@switchyard/node';
import { describe, expect, it } from 'vitest';
import type { NativeConsistentHash } from '../../packages/node/src/hashing/consistent-hash.js';
import type { NativeWeightedSplit } from '../../packages/node/src/hashing/weighted-split.js';
import type { NativeRateLimiter, NativeSlidingWindowLimiter } from '../../packages/node/src/ratelimit/index.js';
import type { NativeRouter } from '../../packages/node/src/router/native-router.js';

/** `true` only when A and B are the same set of keys. */
type SameKeys<A, B> = [Exclude<A, B> | Exclude<B, A>] extends [never] ? true : false;

const surfaces: Record<string, true> = {
  coreRouter: true satisfies SameKeys<keyof core.Router<unknown>, keyof Contracts.Router<unknown>>,
  nativeRouter: true satisfies SameKeys<keyof NativeRouter<unknown>, keyof Contracts.Router<unknown>>,
  coreRateLimiter: true satisfies SameKeys<keyof core.RateLimiter, keyof Contracts.RateLimiter>,
  nativeRateLimiter: true satisfies SameKeys<keyof NativeRateLimiter, keyof Contracts.RateLimiter>,
  coreSlidingWindow: true satisfies SameKeys<keyof core.SlidingWindowLimiter, keyof Contracts.SlidingWindowLimiter>,
  nativeSlidingWindow: true satisfies SameKeys<keyof NativeSlidingWindowLimiter, keyof Contracts.SlidingWindowLimiter>,
  coreConsistentHash: true satisfies SameKeys<keyof core.ConsistentHash, keyof Contracts.ConsistentHash>,
  nativeConsistentHash: true satisfies SameKeys<keyof NativeConsistentHash, keyof Contracts.ConsistentHash>,
  coreWeightedSplit: true satisfies SameKeys<keyof core.WeightedSplit, keyof Contracts.WeightedSplit>,
  nativeWeightedSplit: true satisfies SameKeys<keyof NativeWeightedSplit, keyof Contracts.WeightedSplit>,
};

/** Public names an instance answers to: own fields and the prototype chain's members. */
function surface(instance: object): string[] {
  const names = new Set(Object.keys(instance));
  for (let proto = Object.getPrototypeOf(instance); proto && proto !== Object.prototype; ) {
    for (const name of Object.getOwnPropertyNames(proto)) if (name !== 'constructor') names.add(name);
    proto = Object.getPrototypeOf(proto);
  }
  return [...names].sort();
}

describe('one surface per primitive', () => {
  it('type-checks: every class has exactly its contract’s public members', () => {
    expect(Object.values(surfaces).every((ok) => ok)).toBe(true);
  });

  it('@switchyard/node exports native-backed classes whose instances answer to the reference’s names', () => {
    expect(node.implementation).toBe('native');
    const pairs: Array<[string, object, object]> = [
      ['Router', new core.Router(), new node.Router()],
      [
        'RateLimiter',
        new core.RateLimiter({ capacity: 1, refillPerSecond: 1 }),
        new node.RateLimiter({ capacity: 1, refillPerSecond: 1 }),
      ],
      [
        'SlidingWindowLimiter',
        new core.SlidingWindowLimiter({ limit: 1, windowMs: 1 }),
        new node.SlidingWindowLimiter({ limit: 1, windowMs: 1 }),
      ],
      ['ConsistentHash', new core.ConsistentHash(['a']), new node.ConsistentHash(['a'])],
      [
        'WeightedSplit',
        new core.WeightedSplit([{ id: 'a', weight: 1 }]),
        new node.WeightedSplit([{ id: 'a', weight: 1 }]),
      ],
    ];
    for (const [name, reference, native] of pairs) {
      expect(native.constructor, name).not.toBe(reference.constructor);
      expect(native.constructor.name).toBe(name);
      expect(surface(native), name).toEqual(surface(reference));
    }
  });
});
