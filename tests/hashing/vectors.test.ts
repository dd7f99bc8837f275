import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HashAlgorithm } from '@switchyard/core';
import { murmur3 } from '@switchyard/core/internal';
import { implementation } from '@switchyard/node';
import { describe, expect, it } from 'vitest';
import { implementations } from '../support/implementations.js';

interface Fixtures {
  seeds: { hi: number; lo: number };
  keys: { name: string; utf16: number[]; utf8: string; hi: number; lo: number }[];
  picks: { algorithm: HashAlgorithm; nodes: [string, number][]; keys: string[]; picks: string[]; pickN: string[][] }[];
}

const fixtures: Fixtures = JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'hashing.json'), 'utf8'));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('fixtures/hashing.json', () => {
  it('runs against the native core, not the fallback', () => {
    expect(implementation).toBe('native');
  });

  it('encodes keys as TextEncoder does (lone surrogates become U+FFFD)', () => {
    const encoder = new TextEncoder();
    for (const v of fixtures.keys) {
      expect(hex(encoder.encode(String.fromCharCode(...v.utf16))), v.name).toBe(v.utf8);
    }
    expect(fixtures.keys.some((v) => v.utf8.includes('efbfbd'))).toBe(true);
  });

  it('hi and lo are MurmurHash3 x86_32 of the UTF-8 bytes with the two seeds', () => {
    for (const v of fixtures.keys) {
      const bytes = new Uint8Array(Buffer.from(v.utf8, 'hex'));
      expect([murmur3(bytes, fixtures.seeds.hi), murmur3(bytes, fixtures.seeds.lo)], v.name).toEqual([v.hi, v.lo]);
    }
  });

  for (const impl of implementations) {
    it(`${impl.name}: keyHash matches every golden vector`, () => {
      for (const v of fixtures.keys) {
        expect(impl.keyHash(String.fromCharCode(...v.utf16)), v.name).toEqual({ hi: v.hi, lo: v.lo });
      }
    });

    it(`${impl.name}: picks match the golden picks of every algorithm`, () => {
      expect(fixtures.picks.map((p) => p.algorithm).sort()).toEqual(['jump', 'maglev', 'rendezvous', 'ring']);
      for (const p of fixtures.picks) {
        const hash = new impl.ConsistentHash(
          p.nodes.map(([id, weight]) => ({ id, weight })),
          { algorithm: p.algorithm },
        );
        expect(
          p.keys.map((k) => hash.pick(k)),
          p.algorithm,
        ).toEqual(p.picks);
        expect(
          p.keys.map((k) => hash.pickN(k, 3)),
          p.algorithm,
        ).toEqual(p.pickN);
      }
    });
  }
});
