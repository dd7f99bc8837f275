import { checkKey, checkTake, type KeyedLimiter, type RateLimitDecision, type TableOptions } from './decision.js';
import { hashKeyInto } from './hash.js';
import { KeyTable } from './table.js';

/**
 * The decision rule of one kind of limiter over `width` numbers of per-key state at
 * `state[at..]`. Mirrors the Rust `Policy` trait.
 * @internal
 */
export interface Policy {
  readonly limit: number;
  readonly width: number;
  /** Writes the state of a key first seen at `nowMs`. */
  fresh(state: Float64Array, at: number, nowMs: number): void;
  /** Whether forgetting the key now is indistinguishable from keeping it (see {@link KeyedTable}). */
  isIdle(state: Float64Array, at: number, nowMs: number): boolean;
  /** Decides a take of `cost`, updating the state as a take does. */
  decide(state: Float64Array, at: number, nowMs: number, cost: number): RateLimitDecision;
}

/**
 * Keyed limiter over a bounded table of `maxKeys` keys. Eviction policy (the same in the native
 * core): a key is forgotten only when it is idle — its bucket is full again or its windows have
 * expired, and the clock is not behind its own time — so forgetting it gives its client nothing.
 * When a new key arrives at a full table, the sweep examines up to 32 slots from a cursor and
 * reuses the first idle one; when none is idle, the take is charged to one shared overflow bucket
 * with the same limits. So spraying keys cannot reset a client's own bucket; it can only drain the
 * overflow bucket, which new keys share while every slot is busy.
 *
 * The public limiters hold one of these rather than extend it, so that a user's editor and the API
 * reference show `RateLimiter.take`, not the name of an internal class.
 * @internal
 */
export class KeyedTable implements KeyedLimiter {
  readonly #policy: Policy;
  readonly #seed: number;
  readonly #table: KeyTable;
  readonly #hash = new Uint32Array(2);
  readonly #overflow: Float64Array;
  #overflowUsed = false;
  readonly #scratch: Float64Array;

  constructor(policy: Policy, options: TableOptions) {
    this.#policy = policy;
    this.#seed = options.seed;
    this.#table = new KeyTable(options.maxKeys, policy.width);
    this.#overflow = new Float64Array(policy.width);
    this.#scratch = new Float64Array(policy.width);
  }

  /** Keys currently stored (idle keys stay until a new key needs their slot, or `reset`). */
  get size(): number {
    return this.#table.size;
  }

  /** `capacity` or `limit`. */
  get limit(): number {
    return this.#policy.limit;
  }

  #hashKey(key: string): void {
    checkKey(key);
    hashKeyInto(key, this.#seed, this.#hash);
  }

  /** Slot of the key, or -1 when it is new and fits (after reclaiming `reclaim`), or -2 for overflow. */
  #locate(nowMs: number): { slot: number; reclaim: number } {
    const table = this.#table;
    const slot = table.find(this.#hash[0]!, this.#hash[1]!);
    if (slot >= 0 || !table.full) return { slot, reclaim: -1 };
    const policy = this.#policy;
    const reclaim = table.findIdle((at) => policy.isIdle(table.state, at, nowMs));
    return { slot: reclaim >= 0 ? -1 : -2, reclaim };
  }

  /**
   * Takes `cost` (integer, 0 to the limit; default 1) from `key`'s budget at `nowMs` (integer ms;
   * default: the monotonic clock) if the budget holds it, and says what happened. A key not seen
   * before starts full. Throws `InvalidArgumentError` for a non-string key or an out-of-domain
   * `nowMs`/`cost`.
   */
  take(key: string, nowMs?: number, cost = 1): RateLimitDecision {
    const policy = this.#policy;
    const now = checkTake(nowMs, cost, policy.limit);
    this.#hashKey(key);
    const table = this.#table;
    let { slot, reclaim } = this.#locate(now);
    if (slot === -2) {
      table.advanceCursor(-1);
      if (!this.#overflowUsed) {
        policy.fresh(this.#overflow, 0, now);
        this.#overflowUsed = true;
      }
      return policy.decide(this.#overflow, 0, now, cost);
    }
    if (slot === -1) {
      if (table.full) table.advanceCursor(reclaim);
      if (reclaim >= 0) table.removeAt(reclaim);
      slot = table.insert(this.#hash[0]!, this.#hash[1]!);
      policy.fresh(table.state, slot * policy.width, now);
    }
    return policy.decide(table.state, slot * policy.width, now, cost);
  }

  /** The decision {@link take} would make with the same arguments, changing nothing. */
  peek(key: string, nowMs?: number, cost = 1): RateLimitDecision {
    const policy = this.#policy;
    const now = checkTake(nowMs, cost, policy.limit);
    this.#hashKey(key);
    const { slot } = this.#locate(now);
    const scratch = this.#scratch;
    if (slot >= 0) scratch.set(this.#table.state.subarray(slot * policy.width, slot * policy.width + policy.width));
    else if (slot === -2 && this.#overflowUsed) scratch.set(this.#overflow);
    else policy.fresh(scratch, 0, now);
    return policy.decide(scratch, 0, now, cost);
  }

  /**
   * Slot index where `key` is stored, or -1. Exposes the table layout so the differential test
   * can hold it identical between implementations.
   * @internal
   */
  slotOf(key: string): number {
    this.#hashKey(key);
    return this.#table.find(this.#hash[0]!, this.#hash[1]!);
  }

  /** Forgets `key` (its next take starts full); returns whether it was stored. */
  reset(key: string): boolean {
    this.#hashKey(key);
    const slot = this.#table.find(this.#hash[0]!, this.#hash[1]!);
    if (slot < 0) return false;
    this.#table.removeAt(slot);
    return true;
  }
}
