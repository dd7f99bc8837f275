import {
  type ConsistentHashOptions,
  type ConsistentHash as CoreConsistentHash,
  type HashAlgorithm,
  type HashNode,
  InvalidArgumentError,
  type NodeInput,
  UnknownNodeError,
} from '@switchyard/core';
import { type HashingInternals, hashingInternals } from '@switchyard/core/internal';
import type { NativeBinding, NativeConsistentHashHandle } from '../binding.js';
import { fromNativeError } from '../native-errors.js';

const internals: HashingInternals = hashingInternals;

interface NodeMirror {
  id: string;
  weight: number;
  healthy: boolean;
  load: number;
}

/**
 * Builds the native-backed `ConsistentHash`: the public API and semantics of
 * `@switchyard/core`'s, with the table and the picks in the Rust core. The wrapper mirrors the
 * node list (ids, weights, health, loads) so it can map the index a pick returns to its id and
 * answer `nodes` without crossing the boundary.
 * @internal
 */
export function nativeConsistentHash(binding: NativeBinding): typeof CoreConsistentHash {
  class ConsistentHash {
    readonly algorithm: HashAlgorithm;
    readonly #native: NativeConsistentHashHandle;
    readonly #pick: (key: string) => number;
    readonly #setLoad: (index: number, load: number) => number;
    readonly #nodes: NodeMirror[];
    readonly #byId = new Map<string, number>();
    #order = new Uint32Array(16);

    constructor(nodes: Iterable<NodeInput> = [], options: ConsistentHashOptions = {}) {
      const normalized = internals.normalizeHashOptions(options);
      this.algorithm = normalized.algorithm;
      let i = 0;
      this.#nodes = [];
      for (const node of nodes) {
        const spec = internals.toNodeSpec(node, `nodes[${i++}]`);
        this.#nodes.push({ id: spec.id, weight: spec.weight, healthy: true, load: 0 });
      }
      try {
        this.#native = new binding.NativeConsistentHash(
          this.#nodes.map((n) => n.id),
          this.#nodes.map((n) => n.weight),
          normalized.algorithm,
          normalized.vnodesPerWeight,
          normalized.tableSize,
          normalized.epsilon ?? null,
        );
      } catch (error) {
        throw fromNativeError(error);
      }
      this.#pick = this.#native.pickFunction();
      this.#setLoad = this.#native.setLoadFunction();
      this.#nodes.forEach((n, index) => {
        this.#byId.set(n.id, index);
      });
    }

    #indexOf(id: string): number {
      if (typeof id !== 'string') {
        throw new InvalidArgumentError('id', `must be a string, got ${typeof id}`);
      }
      const index = this.#byId.get(id);
      if (index === undefined) throw new UnknownNodeError(id);
      return index;
    }

    get nodes(): HashNode[] {
      return this.#nodes.map(({ id, weight, healthy, load }) => ({ id, weight, healthy, load }));
    }

    get size(): number {
      return this.#nodes.length;
    }

    add(node: NodeInput): void {
      const spec = internals.toNodeSpec(node, 'node');
      try {
        this.#native.add(spec.id, spec.weight);
      } catch (error) {
        throw fromNativeError(error);
      }
      this.#byId.set(spec.id, this.#nodes.length);
      this.#nodes.push({ id: spec.id, weight: spec.weight, healthy: true, load: 0 });
    }

    remove(id: string): void {
      const index = this.#indexOf(id);
      try {
        this.#native.remove(index);
      } catch (error) {
        throw fromNativeError(error);
      }
      this.#nodes.splice(index, 1);
      this.#byId.delete(id);
      for (let i = index; i < this.#nodes.length; i++) this.#byId.set(this.#nodes[i]!.id, i);
    }

    setHealthy(id: string, healthy: boolean): void {
      const index = this.#indexOf(id);
      internals.checkBoolean('healthy', healthy);
      this.#native.setHealthy(index, healthy);
      this.#nodes[index]!.healthy = healthy;
    }

    isHealthy(id: string): boolean {
      return this.#nodes[this.#indexOf(id)]!.healthy;
    }

    setLoad(id: string, load: number): void {
      const index = this.#indexOf(id);
      internals.checkLoad(load);
      this.#setLoad(index, load);
      this.#nodes[index]!.load = load;
    }

    loadCap(id: string): number | undefined {
      const cap = this.#native.loadCap(this.#indexOf(id));
      return Number.isNaN(cap) ? undefined : cap;
    }

    pick(key: string): string {
      internals.checkKey(key);
      try {
        return this.#nodes[this.#pick(key)]!.id;
      } catch (error) {
        throw fromNativeError(error);
      }
    }

    pickN(key: string, n: number): string[] {
      internals.checkKey(key);
      internals.checkCount(n);
      if (n === 0) return [];
      // At least 1, so an empty set still reaches the native EmptyNodeSetError.
      const want = Math.max(1, Math.min(n, this.#nodes.length));
      if (this.#order.length < want) this.#order = new Uint32Array(Math.max(want, this.#order.length * 2));
      let count: number;
      try {
        count = this.#native.pickN(key, want, this.#order);
      } catch (error) {
        throw fromNativeError(error);
      }
      const out = new Array<string>(count);
      for (let i = 0; i < count; i++) out[i] = this.#nodes[this.#order[i]!]!.id;
      return out;
    }
  }
  Object.defineProperty(ConsistentHash, 'name', { value: 'ConsistentHash' });
  return ConsistentHash as unknown as typeof CoreConsistentHash;
}
