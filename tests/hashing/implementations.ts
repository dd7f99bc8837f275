// The two implementations every hashing test runs against: the TS reference and the
// native-backed classes of @switchyard/node (the tests require the addon to be built).
import * as core from '@switchyard/core';
import * as node from '@switchyard/node';

export interface Implementation {
  name: string;
  ConsistentHash: core.Contracts.ConsistentHashConstructor;
  WeightedSplit: core.Contracts.WeightedSplitConstructor;
  keyHash: typeof core.keyHash;
}

export const reference: Implementation = {
  name: 'reference',
  ConsistentHash: core.ConsistentHash,
  WeightedSplit: core.WeightedSplit,
  keyHash: core.keyHash,
};

export const native: Implementation = {
  name: 'native',
  ConsistentHash: node.ConsistentHash,
  WeightedSplit: node.WeightedSplit,
  keyHash: node.keyHash,
};

export const implementations: Implementation[] = [reference, native];

export const algorithms: core.HashAlgorithm[] = ['ring', 'maglev', 'rendezvous', 'jump'];

export const keys = (n: number, prefix = 'key-'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

export const nodeIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `node-${i}`);
