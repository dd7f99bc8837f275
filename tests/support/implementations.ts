// The implementations every suite runs against: the TS reference (@switchyard/core) and the
// native-backed classes of @switchyard/node. `npm test` builds the addon, so the native one must
// really be native here (`isNative`, asserted by each suite), or the differential tests would
// compare the reference with itself.
import * as core from '@switchyard/core';
import * as node from '@switchyard/node';

export interface Implementation {
  name: 'reference' | 'native';
  Router: core.Contracts.RouterConstructor;
  canonicalizePath: core.Contracts.CanonicalizePath;
  RateLimiter: core.Contracts.RateLimiterConstructor;
  SlidingWindowLimiter: core.Contracts.SlidingWindowLimiterConstructor;
  ConsistentHash: core.Contracts.ConsistentHashConstructor;
  WeightedSplit: core.Contracts.WeightedSplitConstructor;
  keyHash: typeof core.keyHash;
}

export const reference: Implementation = {
  name: 'reference',
  Router: core.Router,
  canonicalizePath: core.canonicalizePath,
  RateLimiter: core.RateLimiter,
  SlidingWindowLimiter: core.SlidingWindowLimiter,
  ConsistentHash: core.ConsistentHash,
  WeightedSplit: core.WeightedSplit,
  keyHash: core.keyHash,
};

export const native: Implementation = {
  name: 'native',
  Router: node.Router,
  canonicalizePath: node.canonicalizePath,
  RateLimiter: node.RateLimiter,
  SlidingWindowLimiter: node.SlidingWindowLimiter,
  ConsistentHash: node.ConsistentHash,
  WeightedSplit: node.WeightedSplit,
  keyHash: node.keyHash,
};

export const implementations: readonly Implementation[] = [reference, native];

/** Whether `native` is backed by the addon rather than the reference classes themselves. */
export const isNative =
  node.implementation === 'native' &&
  native.Router !== reference.Router &&
  native.canonicalizePath !== reference.canonicalizePath &&
  native.RateLimiter !== reference.RateLimiter &&
  native.ConsistentHash !== reference.ConsistentHash &&
  native.WeightedSplit !== reference.WeightedSplit;
