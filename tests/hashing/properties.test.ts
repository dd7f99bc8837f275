// Invariants over random node sets, for both implementations: minimal disruption, health
// skipping, pickN, bounded loads.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertProperty } from '../support/fast-check.js';
import { implementations } from '../support/implementations.js';
import { algorithms } from './helpers.js';

const nodesArb = fc.uniqueArray(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }), {
  minLength: 2,
  maxLength: 15,
});
const weightsArb = fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 15, maxLength: 15 });
const keysArb = fc.array(fc.string({ unit: 'binary', maxLength: 10 }), { minLength: 20, maxLength: 60 });

describe.each(implementations)('hashing properties: $name', ({ ConsistentHash }) => {
  it.each(['ring', 'rendezvous'] as const)('%s: removing any node moves only its keys', (algorithm) => {
    assertProperty(
      fc.property(nodesArb, weightsArb, keysArb, fc.nat(), (ids, weights, keys, at) => {
        const hash = new ConsistentHash(
          ids.map((id, i) => ({ id, weight: weights[i]! })),
          { algorithm },
        );
        const before = keys.map((k) => hash.pick(k));
        const victim = ids[at % ids.length]!;
        hash.remove(victim);
        keys.forEach((k, i) => {
          if (before[i] !== victim) expect(hash.pick(k)).toBe(before[i]);
        });
      }),
      60,
    );
  });

  it('jump: removing the last node moves only its keys', () => {
    assertProperty(
      fc.property(nodesArb, keysArb, (ids, keys) => {
        const hash = new ConsistentHash(ids, { algorithm: 'jump' });
        const before = keys.map((k) => hash.pick(k));
        const last = ids[ids.length - 1]!;
        hash.remove(last);
        keys.forEach((k, i) => {
          if (before[i] !== last) expect(hash.pick(k)).toBe(before[i]);
        });
      }),
      60,
    );
  });

  it.each(algorithms)('%s: health skipping keeps healthy keys and pickN is distinct', (algorithm) => {
    assertProperty(
      fc.property(nodesArb, keysArb, fc.array(fc.boolean(), { minLength: 15, maxLength: 15 }), (ids, keys, down) => {
        const hash = new ConsistentHash(ids, { algorithm });
        const before = keys.map((k) => hash.pick(k));
        const unhealthy = new Set(ids.filter((_, i) => down[i]));
        if (unhealthy.size === ids.length) unhealthy.delete(ids[0]!);
        for (const id of unhealthy) hash.setHealthy(id, false);
        keys.forEach((k, i) => {
          const now = hash.pick(k);
          expect(unhealthy.has(now)).toBe(false);
          if (!unhealthy.has(before[i]!)) expect(now).toBe(before[i]);
          const order = hash.pickN(k, ids.length);
          expect(order).toHaveLength(ids.length - unhealthy.size);
          expect(new Set(order).size).toBe(order.length);
          expect(order[0]).toBe(now);
        });
      }),
      40,
    );
  });

  it.each(algorithms)('%s: bounded load never picks a node at or above its cap', (algorithm) => {
    assertProperty(
      fc.property(
        nodesArb,
        keysArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.nat({ max: 6 }), { minLength: 15, maxLength: 15 }),
        (ids, keys, epsilon, initial) => {
          const hash = new ConsistentHash(ids, { algorithm, boundedLoad: { epsilon } });
          const loads = new Map(ids.map((id, i) => [id, initial[i]!]));
          for (const [id, load] of loads) hash.setLoad(id, load);
          for (const key of keys) {
            const total = [...loads.values()].reduce((a, b) => a + b, 0);
            const id = hash.pick(key);
            const cap = Math.ceil(((1 + epsilon) * (total + 1)) / ids.length);
            expect(loads.get(id)!).toBeLessThan(cap);
            loads.set(id, loads.get(id)! + 1);
            hash.setLoad(id, loads.get(id)!);
          }
        },
      ),
      40,
    );
  });
});
