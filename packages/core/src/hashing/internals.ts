import { normalizeHashOptions } from './consistent-hash.js';
import { jumpBucket, negLnUnit, pairHash } from './key-hash.js';
import { NodeList } from './node-list.js';
import { checkBoolean, checkCount, checkKey, checkLoad, checkWeight, toNodeSpec } from './validate.js';
import { checkRandom, normalizeSplitOptions, normalizeTargets } from './weighted-split.js';

/** Type of {@link hashingInternals}. */
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
  normalizeSplitOptions: typeof normalizeSplitOptions;
  normalizeTargets: typeof normalizeTargets;
  pairHash: typeof pairHash;
  toNodeSpec: typeof toNodeSpec;
}

/**
 * Validation and hashing helpers shared with `@switchyard/node`'s native-backed wrappers, so
 * both packages check arguments with the same words. One object rather than flat exports,
 * because its `checkKey` (a hashing key) is not the rate limiters' `checkKey`.
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
  normalizeSplitOptions,
  normalizeTargets,
  pairHash,
  toNodeSpec,
};
