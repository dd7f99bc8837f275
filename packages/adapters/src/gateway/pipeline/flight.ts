/**
 * What the pipeline remembers about a forwarded request until the front door gives it back:
 * the in-flight key of its target, and for a service with resilience policies the state an
 * attempt's outcome is recorded against. Kept on the decision itself (a symbol-keyed field,
 * invisible to `JSON.stringify` and `Object.keys`) and in a `WeakMap`, so a decision a front
 * door drops without `release` costs nothing but its count.
 * @module
 */
import type { Admission } from '../resilience/index.js';
import type { ForwardDecision } from '../types.js';
import type { PreparedService } from './balance.js';

/**
 * The field holding a forward decision's in-flight key until it is released. On the decision
 * rather than in a `WeakMap`: a `WeakMap` entry set and deleted per request cost its table a
 * rehash and every scavenge an ephemeron table to walk.
 */
export const FLIGHT: unique symbol = Symbol('switchyard.inFlight');

/** A forward decision with its in-flight key (the prepared, interned string), until released. */
export type Flighted = ForwardDecision & { [FLIGHT]?: string | undefined };

/** Marks `decision` as in flight on the target whose in-flight key is `key`. */
export function setFlight(decision: ForwardDecision, key: string): void {
  (decision as Flighted)[FLIGHT] = key;
}

/** The in-flight key of `decision`, once: a second call answers `undefined`. */
export function takeFlight(decision: ForwardDecision): string | undefined {
  const d = decision as Flighted;
  const key = d[FLIGHT];
  if (key !== undefined) d[FLIGHT] = undefined;
  return key;
}

/** A forwarded request of a service with `retries:`, `breaker:` or `health:`. */
export interface Tracked {
  prepared: PreparedService;
  /** Index of the decision's target in its service. */
  index: number;
  /** The consistent-hash key, so that a retry follows the key's preference order. */
  key: string | undefined;
  /** The breaker admission not yet handed back (an outcome recorded, or the request released). */
  admission: Admission | undefined;
  /** Indexes of the targets tried so far, this one last. */
  tried: number[];
}

/** The resilience bookkeeping of each forward decision that has some. */
export const tracked = new WeakMap<ForwardDecision, Tracked>();
