// Inputs the hashing suites share; the implementations under test are in tests/support.
import type { HashAlgorithm } from '@switchyard/core';

export const algorithms: HashAlgorithm[] = ['ring', 'maglev', 'rendezvous', 'jump'];

export const keys = (n: number, prefix = 'key-'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

export const nodeIds = (n: number): string[] => Array.from({ length: n }, (_, i) => `node-${i}`);
