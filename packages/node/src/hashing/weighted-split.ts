import type { Contracts, SplitTarget, WeightedSplitOptions } from '@switchyard/core';
import { type HashingInternals, hashingInternals } from '@switchyard/core/internal';
import type { NativeBinding, NativeWeightedSplitHandle } from '../binding.js';
import { fromNativeError } from '../native-errors.js';

const internals: HashingInternals = hashingInternals;

interface TargetMirror {
  readonly id: string;
  weight: number;
}

/**
 * `WeightedSplit` backed by the native core: `@switchyard/core`'s API and semantics with the
 * keyed pick in the Rust core. A random pick calls the injected source here in JS and hands the
 * number to the core. Targets are mirrored in core's `NodeList`. Built for a binding by
 * {@link nativeWeightedSplit}.
 * @internal
 */
export class NativeWeightedSplit implements Contracts.WeightedSplit {
  readonly #native: NativeWeightedSplitHandle;
  readonly #pickKey: (key: string) => number;
  readonly #pickRandom: (random: number) => number;
  readonly #list: ReturnType<typeof internals.NodeList.of<TargetMirror>>;
  readonly #random: () => number;

  constructor(binding: NativeBinding, targets: Iterable<SplitTarget>, options: WeightedSplitOptions = {}) {
    this.#random = internals.normalizeSplitOptions(options).random;
    this.#list = internals.NodeList.of(internals.normalizeTargets(targets));
    try {
      this.#native = new binding.NativeWeightedSplit(
        this.#list.items.map((t) => t.id),
        this.#list.items.map((t) => t.weight),
      );
    } catch (error) {
      throw fromNativeError(error);
    }
    this.#pickKey = this.#native.pickKeyFunction();
    this.#pickRandom = this.#native.pickRandomFunction();
  }

  get targets(): SplitTarget[] {
    return this.#list.items.map(({ id, weight }) => ({ id, weight }));
  }

  setWeight(id: string, weight: number): void {
    const index = this.#list.targetIndex(id);
    const checked = internals.checkWeight('target', weight, true);
    try {
      this.#native.setWeight(index, checked);
    } catch (error) {
      throw fromNativeError(error);
    }
    this.#list.items[index]!.weight = checked;
  }

  pick(key?: string): string {
    let index: number;
    if (key === undefined) {
      // The caller's own source runs outside the try: what it throws reaches the caller as is.
      const random = this.#random();
      internals.checkRandom(random);
      try {
        index = this.#pickRandom(random);
      } catch (error) {
        throw fromNativeError(error);
      }
    } else {
      internals.checkKey(key);
      try {
        index = this.#pickKey(key);
      } catch (error) {
        throw fromNativeError(error);
      }
    }
    return this.#list.items[index]!.id;
  }
}

/**
 * The native-backed `WeightedSplit` class over `binding`, with `@switchyard/core`'s constructor.
 * @internal
 */
export function nativeWeightedSplit(binding: NativeBinding): Contracts.WeightedSplitConstructor {
  return class WeightedSplit extends NativeWeightedSplit {
    constructor(targets: Iterable<SplitTarget>, options?: WeightedSplitOptions) {
      super(binding, targets, options);
    }
  };
}
