// native == reference: random node sets, options and add/remove/health/load sequences, with
// keys from the whole UTF-16 range (lone surrogates included); every pick, pickN and error agrees.
import type { Contracts, HashAlgorithm, NodeInput } from '@switchyard/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertProperty } from '../support/fast-check.js';
import { native, reference } from '../support/implementations.js';
import { algorithms } from './helpers.js';

type ConsistentHash = Contracts.ConsistentHash;

const idArb = fc.oneof(
  fc.constantFrom('a', 'b', 'c', 'node-1', 'node-2', '10.0.0.1:8080', 'ñodo', '节点', '🚀'),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
);
const weightArb = fc.oneof(
  fc.constant(1),
  fc.integer({ min: 1, max: 20 }),
  fc.double({ min: 0.01, max: 50, noNaN: true }),
);
const keyArb = fc.oneof(
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);
const opArb = fc.oneof(
  fc.record({ op: fc.constant('add' as const), id: idArb, weight: weightArb }),
  fc.record({ op: fc.constant('remove' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('health' as const), at: fc.nat(), healthy: fc.boolean() }),
  fc.record({ op: fc.constant('load' as const), at: fc.nat(), load: fc.nat({ max: 50 }) }),
);

/** Runs `f`; returns its result or the error's class, code and message, so outcomes compare. */
function outcome<T>(f: () => T): T | { error: string } {
  try {
    return f();
  } catch (error) {
    const e = error as Error & { code?: string };
    return { error: `${e.constructor.name} ${e.code} ${e.message}` };
  }
}

function same<T>(f: (hash: ConsistentHash) => T, a: ConsistentHash, b: ConsistentHash): void {
  expect(outcome(() => f(b))).toEqual(outcome(() => f(a)));
}

describe('ConsistentHash: native == reference', () => {
  it.each(algorithms)('%s: same picks through add/remove/health/load sequences', (algorithm: HashAlgorithm) => {
    assertProperty(
      fc.property(
        fc.uniqueArray(fc.record({ id: idArb, weight: weightArb }), { selector: (n) => n.id, maxLength: 12 }),
        fc.option(fc.double({ min: 0, max: 2, noNaN: true }), { nil: undefined }),
        fc.array(opArb, { maxLength: 10 }),
        fc.array(keyArb, { minLength: 1, maxLength: 12 }),
        (nodes, epsilon, ops, keys) => {
          const weightless = algorithm === 'jump';
          const input: NodeInput[] = nodes.map((n) => (weightless ? n.id : n));
          const options = { algorithm, tableSize: 251, boundedLoad: epsilon === undefined ? undefined : { epsilon } };
          const ref = outcome(() => new reference.ConsistentHash(input, options));
          const nat = outcome(() => new native.ConsistentHash(input, options));
          if ('error' in ref || 'error' in nat) {
            expect(nat).toEqual(ref);
            return;
          }
          const check = () => {
            expect(nat.nodes).toEqual(ref.nodes);
            for (const key of keys) {
              same((h) => h.pick(key), ref, nat);
              same((h) => h.pickN(key, 3), ref, nat);
            }
          };
          check();
          for (const op of ops) {
            const ids = ref.nodes.map((n) => n.id);
            const target = ids.length > 0 && 'at' in op ? ids[op.at % ids.length]! : 'missing';
            if (op.op === 'add') {
              const node = weightless ? op.id : { id: op.id, weight: op.weight };
              same((h) => h.add(node), ref, nat);
            } else if (op.op === 'remove') same((h) => h.remove(target), ref, nat);
            else if (op.op === 'health') same((h) => h.setHealthy(target, op.healthy), ref, nat);
            else same((h) => h.setLoad(target, op.load), ref, nat);
            check();
          }
        },
      ),
      150,
    );
  });

  it('same errors for bad input', () => {
    const bad: [unknown, unknown][] = [
      [[{ id: 'a', weight: -2 }], {}],
      [['a', 'a'], {}],
      [['a\ud800'], {}],
      [[{ id: 'a', weight: 3 }], { algorithm: 'jump' }],
      [[], { tableSize: 100 }],
      [['a', 'b', 'c'], { algorithm: 'maglev', tableSize: 3 }],
      [[], { algorithm: 'spiral' }],
      [[], { vnodesPerWeight: 1e9 }],
      [[7], {}],
    ];
    for (const [nodes, options] of bad) {
      const make = (impl: typeof reference) => () =>
        new impl.ConsistentHash(nodes as NodeInput[], options as { algorithm: HashAlgorithm });
      const expected = outcome(make(reference));
      expect(expected).toHaveProperty('error');
      expect(outcome(make(native))).toEqual(expected);
    }
  });
});

describe('WeightedSplit: native == reference', () => {
  it('same keyed and random picks through weight changes', () => {
    assertProperty(
      fc.property(
        fc.uniqueArray(fc.record({ id: idArb, weight: fc.oneof(fc.constant(0), weightArb) }), {
          selector: (t) => t.id,
          minLength: 1,
          maxLength: 6,
        }),
        fc.array(fc.record({ at: fc.nat(), weight: fc.oneof(fc.constant(0), weightArb) }), { maxLength: 5 }),
        fc.array(keyArb, { minLength: 1, maxLength: 10 }),
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { minLength: 1, maxLength: 5 }),
        (targets, changes, keys, draws) => {
          const randomFrom = (values: number[]) => {
            let i = 0;
            return () => values[i++ % values.length]!;
          };
          const ref = outcome(() => new reference.WeightedSplit(targets, { random: randomFrom(draws) }));
          const nat = outcome(() => new native.WeightedSplit(targets, { random: randomFrom(draws) }));
          if ('error' in ref || 'error' in nat) {
            expect(nat).toEqual(ref);
            return;
          }
          const check = () => {
            for (const key of keys) expect(nat.pick(key)).toBe(ref.pick(key));
            for (const _ of draws) expect(outcome(() => nat.pick())).toEqual(outcome(() => ref.pick()));
          };
          check();
          for (const change of changes) {
            const id = targets[change.at % targets.length]!.id;
            expect(outcome(() => nat.setWeight(id, change.weight))).toEqual(
              outcome(() => ref.setWeight(id, change.weight)),
            );
            expect(nat.targets).toEqual(ref.targets);
            check();
          }
        },
      ),
      200,
    );
  });
});
