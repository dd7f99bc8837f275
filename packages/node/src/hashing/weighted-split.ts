import {
  type WeightedSplit as CoreWeightedSplit,
  type SplitTarget,
  UnknownNodeError,
  type WeightedSplitOptions,
} from '@switchyard/core';
import { type HashingInternals, hashingInternals } from '@switchyard/core/internal';
import type { NativeBinding, NativeWeightedSplitHandle } from '../binding.js';
import { fromNativeError } from '../native-errors.js';

const internals: HashingInternals = hashingInternals;

/**
 * Builds the native-backed `WeightedSplit`: `@switchyard/core`'s API and semantics with the
 * keyed pick in the Rust core. A random pick calls the injected source here in JS and hands the
 * number to the core.
 * @internal
 */
export function nativeWeightedSplit(binding: NativeBinding): typeof CoreWeightedSplit {
  class WeightedSplit {
    readonly #native: NativeWeightedSplitHandle;
    readonly #pickKey: (key: string) => number;
    readonly #pickRandom: (random: number) => number;
    readonly #targets: { id: string; weight: number }[];
    readonly #byId = new Map<string, number>();
    readonly #random: () => number;

    constructor(targets: Iterable<SplitTarget>, options: WeightedSplitOptions = {}) {
      this.#random = internals.normalizeSplitOptions(options).random;
      this.#targets = internals.normalizeTargets(targets);
      try {
        this.#native = new binding.NativeWeightedSplit(
          this.#targets.map((t) => t.id),
          this.#targets.map((t) => t.weight),
        );
      } catch (error) {
        throw fromNativeError(error);
      }
      this.#pickKey = this.#native.pickKeyFunction();
      this.#pickRandom = this.#native.pickRandomFunction();
      this.#targets.forEach((t, i) => {
        this.#byId.set(t.id, i);
      });
    }

    get targets(): SplitTarget[] {
      return this.#targets.map(({ id, weight }) => ({ id, weight }));
    }

    setWeight(id: string, weight: number): void {
      const index = this.#byId.get(id);
      if (index === undefined) throw new UnknownNodeError(String(id));
      const checked = internals.checkWeight('target', weight, true);
      try {
        this.#native.setWeight(index, checked);
      } catch (error) {
        throw fromNativeError(error);
      }
      this.#targets[index]!.weight = checked;
    }

    pick(key?: string): string {
      try {
        if (key === undefined) {
          const random = this.#random();
          internals.checkRandom(random);
          return this.#targets[this.#pickRandom(random)]!.id;
        }
        internals.checkKey(key);
        return this.#targets[this.#pickKey(key)]!.id;
      } catch (error) {
        throw error instanceof Error && 'code' in error ? error : fromNativeError(error);
      }
    }
  }
  Object.defineProperty(WeightedSplit, 'name', { value: 'WeightedSplit' });
  return WeightedSplit as unknown as typeof CoreWeightedSplit;
}
