// One behavioural suite, run against the TS reference and the native-backed classes.
import { EmptyNodeSetError, InvalidArgumentError, UnknownNodeError } from '@switchyard/core';
import { describe, expect, it } from 'vitest';
import { thrownBy } from '../support/errors.js';
import { implementations } from '../support/implementations.js';
import { algorithms, keys, nodeIds } from './helpers.js';

const ks = keys(3000);

describe.each(implementations)('ConsistentHash conformance: $name', ({ ConsistentHash }) => {
  const build = (algorithm: (typeof algorithms)[number], n: number) => new ConsistentHash(nodeIds(n), { algorithm });

  it.each(algorithms)('%s: picks are deterministic and reach every node', (algorithm) => {
    const a = build(algorithm, 10);
    const b = build(algorithm, 10);
    const picks = ks.map((k) => a.pick(k));
    expect(ks.map((k) => b.pick(k))).toEqual(picks);
    expect(new Set(picks).size).toBe(10);
  });

  it.each(['ring', 'rendezvous'] as const)('%s: node order does not matter', (algorithm) => {
    const a = new ConsistentHash(nodeIds(8), { algorithm });
    const b = new ConsistentHash(nodeIds(8).reverse(), { algorithm });
    expect(ks.map((k) => b.pick(k))).toEqual(ks.map((k) => a.pick(k)));
  });

  it.each(algorithms)('%s: pickN gives distinct nodes led by pick', (algorithm) => {
    const hash = build(algorithm, 7);
    for (const key of ks.slice(0, 300)) {
      const all = hash.pickN(key, 10);
      expect(all).toHaveLength(7);
      expect(new Set(all).size).toBe(7);
      expect(all[0]).toBe(hash.pick(key));
      expect(hash.pickN(key, 3)).toEqual(all.slice(0, 3));
    }
    expect(hash.pickN('k', 0)).toEqual([]);
  });

  it.each(algorithms)('%s: an unhealthy node is skipped and no healthy key moves', (algorithm) => {
    const hash = build(algorithm, 10);
    const before = ks.map((k) => hash.pick(k));
    const orders = ks.map((k) => hash.pickN(k, 10));
    hash.setHealthy('node-4', false);
    expect(hash.isHealthy('node-4')).toBe(false);
    ks.forEach((key, i) => {
      const now = hash.pick(key);
      if (before[i] === 'node-4') expect(now).toBe(orders[i]![1]);
      else expect(now).toBe(before[i]);
      expect(hash.pickN(key, 10)).toEqual(orders[i]!.filter((id) => id !== 'node-4'));
    });
    hash.setHealthy('node-4', true);
    expect(ks.map((k) => hash.pick(k))).toEqual(before);
    for (const id of nodeIds(10)) hash.setHealthy(id, false);
    expect(() => hash.pick('k')).toThrow(EmptyNodeSetError);
    expect(() => hash.pickN('k', 2)).toThrow(EmptyNodeSetError);
  });

  const minimal: [string, string][] = [
    ['ring', 'node-5'],
    ['rendezvous', 'node-5'],
    ['jump', 'node-11'],
  ];
  it.each(minimal)('%s: removing %s moves only its keys; adding it back moves them back', (algorithm, victim) => {
    const hash = build(algorithm as 'ring', 12);
    const before = ks.map((k) => hash.pick(k));
    hash.remove(victim);
    expect(hash.size).toBe(11);
    const after = ks.map((k) => hash.pick(k));
    let moved = 0;
    ks.forEach((_, i) => {
      if (before[i] === victim) moved++;
      else expect(after[i]).toBe(before[i]);
    });
    expect(moved).toBeGreaterThan(0);
    expect(after).not.toContain(victim);
    hash.add(victim);
    expect(ks.map((k) => hash.pick(k))).toEqual(before);
  });

  it.each(algorithms)('%s: bounded load never exceeds the cap', (algorithm) => {
    const epsilon = 0.25;
    const hash = new ConsistentHash(nodeIds(6), { algorithm, boundedLoad: { epsilon } });
    const loads = new Map(nodeIds(6).map((id) => [id, 0]));
    let step = 0;
    for (const key of ks.slice(0, 1500)) {
      const total = [...loads.values()].reduce((a, b) => a + b, 0);
      const cap = Math.ceil(((1 + epsilon) * (total + 1)) / 6);
      const id = hash.pick(key);
      expect(hash.loadCap(id)).toBe(cap);
      expect(loads.get(id)!).toBeLessThan(cap);
      loads.set(id, loads.get(id)! + 1);
      hash.setLoad(id, loads.get(id)!);
      // Now and then a request finishes, so loads also go down.
      if (++step % 3 === 0) {
        const done = `node-${step % 6}`;
        if (loads.get(done)! > 0) {
          loads.set(done, loads.get(done)! - 1);
          hash.setLoad(done, loads.get(done)!);
        }
      }
    }
    // Without bounded loads there is no cap.
    expect(build(algorithm, 3).loadCap('node-0')).toBeUndefined();
  });

  it('bounded load keys overflow along their own preference order', () => {
    const hash = new ConsistentHash(nodeIds(5), { algorithm: 'rendezvous', boundedLoad: { epsilon: 0 } });
    const key = 'overflowing-key';
    const order = hash.pickN(key, 5);
    hash.setLoad(order[0]!, 3);
    // L = 3, cap = ceil(4 / 5) = 1: the first choice is full, the second is not.
    expect(hash.pick(key)).toBe(order[1]);
  });

  it.each(['ring', 'maglev', 'rendezvous'] as const)('%s: weights are respected', (algorithm) => {
    const hash = new ConsistentHash(['light', { id: 'heavy', weight: 3 }], { algorithm });
    const heavy = keys(20000).filter((k) => hash.pick(k) === 'heavy').length / 20000;
    expect(heavy).toBeGreaterThan(0.7);
    expect(heavy).toBeLessThan(0.8);
  });

  it('lists nodes, adds and removes', () => {
    const hash = new ConsistentHash(['a', { id: 'b', weight: 2 }]);
    hash.add({ id: 'c', weight: 0.5 });
    hash.remove('a');
    hash.setLoad('b', 7);
    hash.setHealthy('c', false);
    expect(hash.algorithm).toBe('ring');
    expect(hash.nodes).toEqual([
      { id: 'b', weight: 2, healthy: true, load: 7 },
      { id: 'c', weight: 0.5, healthy: false, load: 0 },
    ]);
    expect(hash.size).toBe(2);
  });

  it('throws typed errors', () => {
    const argument = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidArgumentError);
        return (error as InvalidArgumentError).argument;
      }
      return 'no error';
    };
    expect(() => new ConsistentHash().pick('k')).toThrow(EmptyNodeSetError);
    expect(() => new ConsistentHash([], { algorithm: 'maglev' }).pickN('k', 1)).toThrow(EmptyNodeSetError);
    const hash = new ConsistentHash(['a', 'b']);
    expect(() => hash.remove('zz')).toThrow(UnknownNodeError);
    expect(() => hash.setHealthy('zz', false)).toThrow(UnknownNodeError);
    expect(() => hash.setLoad('zz', 1)).toThrow(UnknownNodeError);
    expect(argument(() => new ConsistentHash(['a', 'a']))).toBe('nodes[1].id');
    expect(argument(() => hash.add('a'))).toBe('node.id');
    expect(argument(() => new ConsistentHash([''] as string[]))).toBe('nodes[0].id');
    for (const weight of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, 2e6, '2' as unknown as number]) {
      expect(argument(() => new ConsistentHash([{ id: 'a', weight }]))).toBe('nodes[0].weight');
    }
    expect(argument(() => new ConsistentHash([{ id: 'a', weight: 2 }], { algorithm: 'jump' }))).toBe('nodes[0].weight');
    expect(argument(() => new ConsistentHash([], { algorithm: 'nope' as 'ring' }))).toBe('options.algorithm');
    expect(argument(() => new ConsistentHash([], { tableSize: 65536 }))).toBe('options.tableSize');
    expect(argument(() => new ConsistentHash(nodeIds(5), { algorithm: 'maglev', tableSize: 5 }))).toBe(
      'options.tableSize',
    );
    expect(argument(() => new ConsistentHash([], { vnodesPerWeight: 0 }))).toBe('options.vnodesPerWeight');
    expect(argument(() => new ConsistentHash([], { boundedLoad: { epsilon: -1 } }))).toBe(
      'options.boundedLoad.epsilon',
    );
    expect(argument(() => hash.pick(42 as unknown as string))).toBe('key');
    expect(argument(() => hash.pickN('k', -1))).toBe('n');
    expect(argument(() => hash.setLoad('a', 1.5))).toBe('load');
    expect(argument(() => hash.setHealthy('a', 'no' as unknown as boolean))).toBe('healthy');
  });

  it('rejects an unknown option by name, in options and in boundedLoad', () => {
    const error = thrownBy(() => new ConsistentHash(['a'], { algorithm: 'maglev', tablesize: 7 } as never));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ code: 'SWITCHYARD_INVALID_ARGUMENT', argument: 'options.tablesize' });
    expect(error.message).toBe(
      'invalid options.tablesize: unknown option; expected algorithm, vnodesPerWeight, tableSize or boundedLoad',
    );
    expect(thrownBy(() => new ConsistentHash(['a'], { boundedLoad: { epsilon: 1, eps: 2 } } as never))).toMatchObject({
      argument: 'options.boundedLoad.eps',
    });
    // The known keys still work together.
    const hash = new ConsistentHash(['a', 'b'], {
      algorithm: 'maglev',
      tableSize: 7,
      vnodesPerWeight: 1,
      boundedLoad: { epsilon: 0.5 },
    });
    expect(['a', 'b']).toContain(hash.pick('k'));
  });
});

describe.each(implementations)('WeightedSplit conformance: $name', ({ WeightedSplit }) => {
  const split = (canary: number) =>
    new WeightedSplit([
      { id: 'stable', weight: 100 - canary },
      { id: 'canary', weight: canary },
    ]);
  const users = keys(20000, 'user-');

  it('ramping the canary from 5% to 25% only moves users onto it', () => {
    const ramp = split(5);
    const at5 = users.map((u) => ramp.pick(u));
    ramp.setWeight('stable', 75);
    ramp.setWeight('canary', 25);
    const at25 = users.map((u) => ramp.pick(u));
    expect(users.map((u) => split(25).pick(u))).toEqual(at25);
    users.forEach((_, i) => {
      if (at5[i] === 'canary') expect(at25[i]).toBe('canary');
    });
    const share = (picks: string[]) => picks.filter((p) => p === 'canary').length / picks.length;
    expect(share(at5)).toBeGreaterThan(0.04);
    expect(share(at5)).toBeLessThan(0.06);
    expect(share(at25)).toBeGreaterThan(0.235);
    expect(share(at25)).toBeLessThan(0.265);
  });

  it('a middle target that grows only gains keys (three targets)', () => {
    const three = (b: number) =>
      new WeightedSplit([
        { id: 'a', weight: 30 },
        { id: 'b', weight: b },
        { id: 'c', weight: 30 },
      ]);
    const before = three(10);
    const after = three(40);
    for (const u of users.slice(0, 5000)) {
      if (before.pick(u) === 'b') expect(after.pick(u)).toBe('b');
      if (after.pick(u) !== 'b') expect(after.pick(u)).toBe(before.pick(u));
    }
  });

  it('blue-green: a weight of 0 takes no traffic, and the switch moves everyone', () => {
    const blueGreen = new WeightedSplit([
      { id: 'blue', weight: 1 },
      { id: 'green', weight: 0 },
    ]);
    expect(new Set(users.slice(0, 500).map((u) => blueGreen.pick(u)))).toEqual(new Set(['blue']));
    blueGreen.setWeight('green', 1);
    blueGreen.setWeight('blue', 0);
    expect(new Set(users.slice(0, 500).map((u) => blueGreen.pick(u)))).toEqual(new Set(['green']));
    expect(blueGreen.targets).toEqual([
      { id: 'blue', weight: 0 },
      { id: 'green', weight: 1 },
    ]);
  });

  it('a keyless pick draws from the injected random source', () => {
    const draws = [0, 0.5, 0.74, 0.75, 0.999];
    const random = () => draws.shift()!;
    const s = new WeightedSplit(
      [
        { id: 'a', weight: 1 },
        { id: 'off', weight: 0 },
        { id: 'b', weight: 3 },
      ],
      { random },
    );
    expect([s.pick(), s.pick(), s.pick(), s.pick(), s.pick()]).toEqual(['a', 'b', 'b', 'b', 'b']);
    const t = new WeightedSplit([{ id: 'a', weight: 1 }], { random: () => 1 });
    expect(() => t.pick()).toThrow(InvalidArgumentError);
  });

  it('throws typed errors', () => {
    expect(() => new WeightedSplit([])).toThrow(EmptyNodeSetError);
    expect(() => new WeightedSplit([{ id: 'a', weight: 0 }])).toThrow(InvalidArgumentError);
    expect(() => new WeightedSplit([{ id: 'a', weight: -1 }])).toThrow(InvalidArgumentError);
    expect(
      () =>
        new WeightedSplit([
          { id: 'a', weight: 1 },
          { id: 'a', weight: 1 },
        ]),
    ).toThrow(InvalidArgumentError);
    const s = split(5);
    expect(() => s.setWeight('nope', 1)).toThrow(UnknownNodeError);
    s.setWeight('stable', 0);
    expect(() => s.setWeight('canary', 0)).toThrow(InvalidArgumentError);
    expect(s.targets).toEqual([
      { id: 'stable', weight: 0 },
      { id: 'canary', weight: 5 },
    ]);
    expect(() => s.pick(7 as unknown as string)).toThrow(InvalidArgumentError);
  });

  it('rejects an unknown option by name', () => {
    const error = thrownBy(() => new WeightedSplit([{ id: 'a', weight: 1 }], { rng: () => 0.5 } as never));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(error).toMatchObject({ argument: 'options.rng' });
    expect(error.message).toBe('invalid options.rng: unknown option; expected random');
    expect(thrownBy(() => new WeightedSplit([{ id: 'a', weight: 1 }], { random: 0.5 } as never))).toMatchObject({
      argument: 'options.random',
    });
    expect(new WeightedSplit([{ id: 'a', weight: 1 }], { random: () => 0.5 }).pick()).toBe('a');
  });
});
