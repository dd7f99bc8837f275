export {
  ConsistentHash,
  type ConsistentHashOptions,
  type HashAlgorithm,
  type HashNode,
  type NormalizedHashOptions,
  normalizeHashOptions,
} from './consistent-hash.js';
export { fmix32, jumpBucket, type KeyHash, keyHash, mixBlock, murmur3, negLnUnit, pairHash } from './key-hash.js';
export {
  DEFAULT_TABLE_SIZE,
  DEFAULT_VNODES_PER_WEIGHT,
  MAX_WEIGHT,
  type NodeInput,
  type NodeSpec,
  toNodeSpec,
} from './validate.js';
export {
  checkRandom,
  normalizeTargets,
  type SplitTarget,
  WeightedSplit,
  type WeightedSplitOptions,
} from './weighted-split.js';
