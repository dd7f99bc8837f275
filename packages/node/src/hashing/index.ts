import {
  ConsistentHash as CoreConsistentHash,
  WeightedSplit as CoreWeightedSplit,
  keyHash as coreKeyHash,
  type KeyHash,
} from '@switchyard/core';
import { nativeBinding } from '../implementation.js';
import { nativeConsistentHash } from './consistent-hash.js';
import { nativeWeightedSplit } from './weighted-split.js';

/** `@switchyard/core`'s `ConsistentHash`, backed by the native core when it is loaded. */
export const ConsistentHash: typeof CoreConsistentHash = nativeBinding
  ? nativeConsistentHash(nativeBinding)
  : CoreConsistentHash;
export type ConsistentHash = CoreConsistentHash;

/** `@switchyard/core`'s `WeightedSplit`, backed by the native core when it is loaded. */
export const WeightedSplit: typeof CoreWeightedSplit = nativeBinding
  ? nativeWeightedSplit(nativeBinding)
  : CoreWeightedSplit;
export type WeightedSplit = CoreWeightedSplit;

const hashOut = new Uint32Array(2);

/** `@switchyard/core`'s `keyHash`, computed by the native core when it is loaded. */
export function keyHash(key: string, out: KeyHash = { hi: 0, lo: 0 }): KeyHash {
  if (!nativeBinding) return coreKeyHash(key, out);
  nativeBinding.hashingKeyHash(key, hashOut);
  out.hi = hashOut[0]!;
  out.lo = hashOut[1]!;
  return out;
}
