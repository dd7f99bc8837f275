// What only the native binding can get wrong: the reused key buffer, the raw pick functions'
// lifetime, and errors thrown from them.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { EmptyNodeSetError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { native, reference } from '../support/implementations.js';
import { algorithms, nodeIds } from './helpers.js';

describe('native hashing boundary', () => {
  it('reads keys of every length into its reused buffer, including where it has to grow', () => {
    const lengths = [0, 1, 250, 251, 252, 253, 254, 255, 256, 257, 300, 1000, 20_000];
    const units = ['a', 'é', '€', '🚀', '\ud800'];
    for (const algorithm of algorithms) {
      const n = new native.ConsistentHash(nodeIds(9), { algorithm });
      const r = new reference.ConsistentHash(nodeIds(9), { algorithm });
      for (const length of lengths) {
        for (const unit of units) {
          const key = unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
          expect(n.pick(key), `${algorithm} ${length} ${JSON.stringify(unit)}`).toBe(r.pick(key));
          // A short key right after a long one must not see the long one's bytes.
          expect(n.pick('k')).toBe(r.pick('k'));
        }
      }
    }
  });

  it('a raw pick function keeps its instance alive after the instance is unreachable', () => {
    const code = `
      const b = require('./switchyard.node');
      const pick = new b.NativeConsistentHash(['a', 'b', 'c'], [1, 1, 1], 'ring', 160, 65537, null).pickFunction();
      for (let i = 0; i < 5; i++) { globalThis.gc(); for (let j = 0; j < 1e4; j++) new Array(100); }
      const seen = new Set();
      for (let i = 0; i < 3000; i++) seen.add(pick('k' + i));
      console.log([...seen].sort().join(','));
    `;
    const result = spawnSync(process.execPath, ['--expose-gc', '-e', code], {
      cwd: join(__dirname, '..', '..', 'packages', 'node'),
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('0,1,2');
  });

  it('errors thrown inside a raw pick function arrive typed', () => {
    const hash = new native.ConsistentHash(['a']);
    hash.setHealthy('a', false);
    expect(() => hash.pick('k')).toThrow(EmptyNodeSetError);
    expect(() => hash.pick('k')).toThrow('all 1 nodes are unhealthy');
  });
});

describe('@switchyard/node hashing exports', () => {
  const load = (env: string) =>
    spawnSync(
      process.execPath,
      [
        '-e',
        `const n = require('@switchyard/node'); const c = require('@switchyard/core');
         const h = new n.ConsistentHash(['a', 'b']);
         console.log(n.implementation, n.ConsistentHash === c.ConsistentHash, n.WeightedSplit === c.WeightedSplit, n.ConsistentHash.name, h.pick('user-42'));`,
      ],
      {
        cwd: join(__dirname, '..', '..', 'packages', 'node'),
        env: { ...process.env, SWITCHYARD_IMPLEMENTATION: env },
        encoding: 'utf8',
      },
    ).stdout.trim();

  it('are the core classes themselves under the fallback, native-backed wrappers otherwise', () => {
    const fallback = load('fallback');
    const nativeRun = load('native');
    expect(fallback).toMatch(/^fallback true true ConsistentHash /);
    expect(nativeRun).toMatch(/^native false false ConsistentHash /);
    // Same key, same node, whichever implementation runs.
    expect(nativeRun.split(' ').at(-1)).toBe(fallback.split(' ').at(-1));
  });
});
