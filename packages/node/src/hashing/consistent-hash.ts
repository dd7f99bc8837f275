import type { ConsistentHashOptions, Contracts, HashAlgorithm, HashNode, NodeInput } from '@switchyard/core';
import { type HashingInternals, hashingInternals } from '@switchyard/core/internal';
import type { NativeBinding, NativeConsistentHashHandle } from '../binding.js';
import { fromNativeError } from '../native-errors.js';

const internals: HashingInternals = hashingInternals;

interface NodeMirror {
  readonly id: string;
  weight: number;
  healthy: boolean;
  load: number;
}

/**
 * `ConsistentHash` backed by the native core: the public API and semantics of
 * `@switchyard/core`'s, with the table and the picks in the Rust core. The wrapper mirrors the
 * node list (ids, weights, health, loads) in core's `NodeList`, so it maps the index a pick
 * returns to its id, answers `nodes` without crossing, and refuses ids with the reference's words.
 * Built for a binding by {@link nativeConsistentHash}.
 * @internal
 */
export class NativeConsistentHash implements Contracts.ConsistentHash {
  readonly algorithm: HashAlgorithm;
  readonly #native: NativeConsistentHashHandle;
  readonly #pick: (key: string) => number;
  readonly #setLoad: (index: number, load: number) => void;
  readonly #list = new internals.NodeList<NodeMirror>();
  #order = new Uint32Array(16);

  constructor(binding: NativeBinding, nodes: Iterable<NodeInput> = [], options: ConsistentHashOptions = {}) {
    const normalized = internals.normalizeHashOptions(options);
    this.algorithm = normalized.algorithm;
    const specs = [];
    let i = 0;
    for (const node of nodes) specs.push(internals.toNodeSpec(node, `nodes[${i++}]`));
    try {
      // The native core checks the node set (duplicates, weights per algorithm, sizes) in the
      // reference's order, so its first error is the reference's.
      this.#native = new binding.NativeConsistentHash(
        specs.map((n) => n.id),
        specs.map((n) => n.weight),
        normalized.algorithm,
        normalized.vnodesPerWeight,
        normalized.tableSize,
        normalized.epsilon ?? null,
      );
    } catch (error) {
      throw fromNativeError(error);
    }
    for (const spec of specs) this.#list.push({ id: spec.id, weight: spec.weight, healthy: true, load: 0 });
    this.#pick = this.#native.pickFunction();
    this.#setLoad = this.#native.setLoadFunction();
  }

  get nodes(): HashNode[] {
    return this.#list.items.map(({ id, weight, healthy, load }) => ({ id, weight, healthy, load }));
  }

  get size(): number {
    return this.#list.size;
  }

  add(node: NodeInput): void {
    const spec = internals.toNodeSpec(node, 'node');
    try {
      this.#native.add(spec.id, spec.weight);
    } catch (error) {
      throw fromNativeError(error);
    }
    this.#list.push({ id: spec.id, weight: spec.weight, healthy: true, load: 0 });
  }

  remove(id: string): void {
    const index = this.#list.indexOf(id);
    try {
      this.#native.remove(index);
    } catch (error) {
      throw fromNativeError(error);
    }
    this.#list.removeAt(index);
  }

  setHealthy(id: string, healthy: boolean): void {
    const index = this.#list.indexOf(id);
    internals.checkBoolean('healthy', healthy);
    this.#native.setHealthy(index, healthy);
    this.#list.items[index]!.healthy = healthy;
  }

  isHealthy(id: string): boolean {
    return this.#list.items[this.#list.indexOf(id)]!.healthy;
  }

  setLoad(id: string, load: number): void {
    const index = this.#list.indexOf(id);
    internals.checkLoad(load);
    this.#setLoad(index, load);
    this.#list.items[index]!.load = load;
  }

  loadCap(id: string): number | undefined {
    const cap = this.#native.loadCap(this.#list.indexOf(id));
    return Number.isNaN(cap) ? undefined : cap;
  }

  pick(key: string): string {
    internals.checkKey(key);
    try {
      return this.#list.items[this.#pick(key)]!.id;
    } catch (error) {
      throw fromNativeError(error);
    }
  }

  pickN(key: string, n: number): string[] {
    internals.checkKey(key);
    internals.checkCount(n);
    if (n === 0) return [];
    const nodes = this.#list.items;
    // At least 1, so an empty set still reaches the native EmptyNodeSetError.
    const want = Math.max(1, Math.min(n, nodes.length));
    if (this.#order.length < want) this.#order = new Uint32Array(Math.max(want, this.#order.length * 2));
    let count: number;
    try {
      count = this.#native.pickN(key, want, this.#order);
    } catch (error) {
      throw fromNativeError(error);
    }
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) out[i] = nodes[this.#order[i]!]!.id;
    return out;
  }
}

/**
 * The native-backed `ConsistentHash` class over `binding`, with `@switchyard/core`'s constructor.
 * @internal
 */
export function nativeConsistentHash(binding: NativeBinding): Contracts.ConsistentHashConstructor {
  return class ConsistentHash extends NativeConsistentHash {
    constructor(nodes?: Iterable<NodeInput>, options?: ConsistentHashOptions) {
      super(binding, nodes, options);
    }
  };
}
