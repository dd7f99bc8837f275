import {
  type Contracts,
  ConsistentHash as CoreConsistentHash,
  WeightedSplit as CoreWeightedSplit,
  keyHash as coreKeyHash,
  type KeyHash,
} from '@switchyard/core';
import { hashingInternals } from '@switchyard/core/internal';
import type { NativeBinding } from '../binding.js';
import { choose } from '../implementation.js';
import { LAYOUT } from '../layout.js';
import { fromNativeError } from '../native-errors.js';
import { nativeConsistentHash } from './consistent-hash.js';
import { nativeWeightedSplit } from './weighted-split.js';

/** `@switchyard/core`'s `ConsistentHash`, backed by the native core when it is loaded. */
export const ConsistentHash: Contracts.ConsistentHashConstructor = choose<Contracts.ConsistentHashConstructor>(
  CoreConsistentHash,
  nativeConsistentHash,
);
/** A {@link ConsistentHash} instance. */
export type ConsistentHash = Contracts.ConsistentHash;

/** `@switchyard/core`'s `WeightedSplit`, backed by the native core when it is loaded. */
export const WeightedSplit: Contracts.WeightedSplitConstructor = choose<Contracts.WeightedSplitConstructor>(
  CoreWeightedSplit,
  nativeWeightedSplit,
);
/** A {@link WeightedSplit} instance. */
export type WeightedSplit = Contracts.WeightedSplit;

function nativeKeyHash(binding: NativeBinding): typeof coreKeyHash {
  const hashOut = new Uint32Array(LAYOUT.keyHashFields);
  return (key: string, out: KeyHash = { hi: 0, lo: 0 }): KeyHash => {
    hashingInternals.checkKey(key);
    try {
      binding.hashingKeyHash(key, hashOut);
    } catch (error) {
      throw fromNativeError(error);
    }
    out.hi = hashOut[LAYOUT.keyHashHi]!;
    out.lo = hashOut[LAYOUT.keyHashLo]!;
    return out;
  };
}

/** `@switchyard/core`'s `keyHash`, computed by the native core when it is loaded. */
export const keyHash: typeof coreKeyHash = choose(coreKeyHash, nativeKeyHash);
