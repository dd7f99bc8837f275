export {
  ConsistentHash,
  type ConsistentHashOptions,
  type HashAlgorithm,
  type HashNode,
} from './consistent-hash.js';
export { type KeyHash, keyHash } from './key-hash.js';
export type { NodeInput } from './validate.js';
export { type SplitTarget, WeightedSplit, type WeightedSplitOptions } from './weighted-split.js';
