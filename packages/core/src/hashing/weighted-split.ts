import type * as Contract from '../contracts.js';
import { EmptyNodeSetError, InvalidArgumentError } from '../errors.js';
import { checkKnownKeys } from '../options.js';
import { type KeyHash, keyHash, negLnUnit, pairHash } from './key-hash.js';
import { NodeList } from './node-list.js';
import { checkKey, checkWeight, duplicateId, toNodeSpec } from './validate.js';

/** A target of a {@link WeightedSplit}: an id and a weight (0 takes no traffic). */
export interface SplitTarget {
  readonly id: string;
  readonly weight: number;
}

/** Options of {@link WeightedSplit}. */
export interface WeightedSplitOptions {
  /**
   * Source of randomness for {@link WeightedSplit.pick} without a key: returns a number in [0, 1).
   * Default `Math.random`. Inject a seeded generator for reproducible picks.
   */
  random?: () => number;
}

interface TargetState {
  id: string;
  weight: number;
  hash: KeyHash;
}

/** {@link WeightedSplitOptions} validated, with the default filled in. @internal */
export interface NormalizedSplitOptions {
  random: () => number;
}

/** Validates {@link WeightedSplitOptions}; also used by `@switchyard/node`. @internal */
export function normalizeSplitOptions(options: WeightedSplitOptions = {}): NormalizedSplitOptions {
  checkKnownKeys(options, ['random'], 'options');
  const random = options.random ?? Math.random;
  if (typeof random !== 'function') {
    throw new InvalidArgumentError('options.random', 'must be a function returning a number in [0, 1)');
  }
  return { random };
}

/** Validates split targets; also used by `@switchyard/node`. @internal */
export function normalizeTargets(targets: Iterable<SplitTarget>): { id: string; weight: number }[] {
  const out: { id: string; weight: number }[] = [];
  const seen = new Set<string>();
  let i = 0;
  for (const target of targets) {
    const argument = `targets[${i++}]`;
    const spec = toNodeSpec(target, argument, true);
    if (seen.has(spec.id)) throw duplicateId(argument, spec.id);
    seen.add(spec.id);
    out.push(spec);
  }
  if (out.length === 0) throw new EmptyNodeSetError('a WeightedSplit needs at least one target');
  if (!(totalOf(out) > 0)) throw new InvalidArgumentError('targets', 'at least one target needs a weight above 0');
  return out;
}

// Summed in index order, the same float additions as the Rust side.
function totalOf(targets: readonly { weight: number }[]): number {
  let total = 0;
  for (const t of targets) total += t.weight;
  return total;
}

/** Checks a random number from the injected source. @internal */
export function checkRandom(random: unknown): asserts random is number {
  if (typeof random !== 'number' || !(random >= 0 && random < 1)) {
    throw new InvalidArgumentError('random', `the random source must return a number in [0, 1), got ${String(random)}`);
  }
}

/**
 * A canary or blue-green traffic split.
 *
 * A keyed pick is weighted rendezvous over the targets: target `i` scores `w_i / -ln(u_i)`, `u_i`
 * from the (key, target) pair hash, and the highest score wins, so a target gets a share `w_i / W`
 * of the keys and a key keeps its target while the weights stay the same. Raising a target's
 * weight raises only that target's scores, so keys only move *towards* it: ramping a canary from
 * 5% to 25% keeps every user already on the canary there (a cumulative threshold over one hash,
 * `hash % 100 < percent`, has this property only for the first or last target). A pick without a
 * key draws from the injected random source.
 *
 * ```ts
 * const split = new WeightedSplit([{ id: 'stable', weight: 95 }, { id: 'canary', weight: 5 }]);
 * split.pick('user-42'); // the same target every time
 * split.setWeight('canary', 25); // users on the canary stay there
 * ```
 */
export class WeightedSplit implements Contract.WeightedSplit {
  readonly #list: NodeList<TargetState>;
  /** `#list.items`, the live array. */
  readonly #targets: TargetState[];
  #total: number;
  readonly #random: () => number;
  readonly #key: KeyHash = { hi: 0, lo: 0 };

  /**
   * @param targets at least one; unique non-empty ids; weights in [0, 1e6], at least one above 0.
   * @throws EmptyNodeSetError with no target; InvalidArgumentError on a bad target or weight.
   */
  constructor(targets: Iterable<SplitTarget>, options: WeightedSplitOptions = {}) {
    this.#random = normalizeSplitOptions(options).random;
    this.#list = NodeList.of(normalizeTargets(targets).map((t) => ({ ...t, hash: keyHash(t.id) })));
    this.#targets = this.#list.items;
    this.#total = totalOf(this.#targets);
  }

  /** The targets and their current weights. */
  get targets(): SplitTarget[] {
    return this.#targets.map(({ id, weight }) => ({ id, weight }));
  }

  /**
   * Changes one target's weight (a ramp step). Keys move only towards a target whose weight rose
   * and only away from one whose weight fell.
   * @throws UnknownNodeError for an unknown id; InvalidArgumentError for a bad weight or when
   * every weight would be 0 (nothing changes then).
   */
  setWeight(id: string, weight: number): void {
    const index = this.#list.targetIndex(id);
    const checked = checkWeight('target', weight, true);
    const target = this.#targets[index]!;
    const previous = target.weight;
    target.weight = checked;
    const total = totalOf(this.#targets);
    if (!(total > 0)) {
      target.weight = previous;
      throw new InvalidArgumentError('targets', 'at least one target needs a weight above 0');
    }
    this.#total = total;
  }

  /**
   * With a key: its target, deterministic (the same key, the same weights, the same target, in
   * every process, native or not). Without a key: a random target, with probability proportional
   * to its weight, from the injected random source.
   * @throws InvalidArgumentError when the key is not a string or the random source returns a
   * number outside [0, 1).
   */
  pick(key?: string): string {
    if (key === undefined) return this.#targets[this.#randomIndex(this.#random())]!.id;
    checkKey(key);
    const hash = keyHash(key, this.#key);
    let bestIndex = 0;
    let bestScore = Number.NEGATIVE_INFINITY;
    let bestHash = 0;
    for (let i = 0; i < this.#targets.length; i++) {
      const target = this.#targets[i]!;
      if (target.weight <= 0) continue;
      const h = pairHash(hash, target.hash);
      const score = target.weight / negLnUnit(h);
      if (score > bestScore || (score === bestScore && h > bestHash)) {
        bestIndex = i;
        bestScore = score;
        bestHash = h;
      }
    }
    return this.#targets[bestIndex]!.id;
  }

  #randomIndex(random: number): number {
    checkRandom(random);
    const point = random * this.#total;
    let cumulative = 0;
    let last = 0;
    for (let i = 0; i < this.#targets.length; i++) {
      const weight = this.#targets[i]!.weight;
      if (weight <= 0) continue;
      cumulative += weight;
      last = i;
      if (point < cumulative) return i;
    }
    // Rounding can leave `point` at the total: the last target with weight takes it.
    return last;
  }
}
