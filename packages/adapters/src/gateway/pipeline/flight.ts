/**
 * What the pipeline remembers about a forwarded request until the front door gives it back:
 * the in-flight key of its target, and for a service with resilience policies the state an
 * attempt's outcome is recorded against. Kept beside the decision in `WeakMap`s, so a decision
 * a front door drops without `release` costs nothing but its count.
 * @module
 */
import type { Admission } from '../resilience/index.js';
import type { ForwardDecision } from '../types.js';
import type { PreparedService } from './balance.js';

/** In-flight key of each forward decision not yet released (the prepared, interned string). */
export const flights = new WeakMap<ForwardDecision, string>();

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
