import { normalizeHashOptions } from './consistent-hash.js';
import { jumpBucket, negLnUnit, pairHash } from './key-hash.js';
import { NodeList } from './node-list.js';
import { checkBoolean, checkCount, checkKey, checkLoad, checkWeight, toNodeSpec } from './validate.js';
import { checkRandom, normalizeTargets } from './weighted-split.js';

export {
  ConsistentHash,
  type ConsistentHashOptions,
  type HashAlgorithm,
  type HashNode,
} from './consistent-hash.js';
export { type KeyHash, keyHash, murmur3 } from './key-hash.js';
export type { NodeInput } from './validate.js';
export { type SplitTarget, WeightedSplit, type WeightedSplitOptions } from './weighted-split.js';

/** Type of {@link hashingInternals}. @internal */
export interface HashingInternals {
  checkBoolean: typeof checkBoolean;
  checkCount: typeof checkCount;
  checkKey: typeof checkKey;
  checkLoad: typeof checkLoad;
  checkRandom: typeof checkRandom;
  checkWeight: typeof checkWeight;
  jumpBucket: typeof jumpBucket;
  negLnUnit: typeof negLnUnit;
  NodeList: typeof NodeList;
  normalizeHashOptions: typeof normalizeHashOptions;
  normalizeTargets: typeof normalizeTargets;
  pairHash: typeof pairHash;
  toNodeSpec: typeof toNodeSpec;
}

/**
 * Validation and hashing helpers, and the node list, shared with `@switchyard/node`'s
 * native-backed wrappers, so both packages check arguments with the same words. Not part of the
 * public API.
 * @internal
 */
export const hashingInternals: HashingInternals = {
  checkBoolean,
  checkCount,
  checkKey,
  checkLoad,
  checkRandom,
  checkWeight,
  jumpBucket,
  negLnUnit,
  NodeList,
  normalizeHashOptions,
  normalizeTargets,
  pairHash,
  toNodeSpec,
};
