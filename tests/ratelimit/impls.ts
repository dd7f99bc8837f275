// The two implementations every rate-limit suite runs against: the TS reference and the
// native-backed wrapper. The native one must really be native here (the addon is built by
// `npm test`), or the differential tests would compare the reference with itself.
import * as core from '@switchyard/core';
import * as node from '@switchyard/node';

export interface Impl {
  name: 'reference' | 'native';
  RateLimiter: core.Contracts.RateLimiterConstructor;
  SlidingWindowLimiter: core.Contracts.SlidingWindowLimiterConstructor;
}

export const reference: Impl = {
  name: 'reference',
  RateLimiter: core.RateLimiter,
  SlidingWindowLimiter: core.SlidingWindowLimiter,
};

export const native: Impl = {
  name: 'native',
  RateLimiter: node.RateLimiter,
  SlidingWindowLimiter: node.SlidingWindowLimiter,
};

export const impls: Impl[] = [reference, native];

export const isNative = node.implementation === 'native' && node.RateLimiter !== core.RateLimiter;
