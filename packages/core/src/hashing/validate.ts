import { InvalidArgumentError } from '../errors.js';

/** Default virtual nodes per unit of weight on the ring (ketama's 40 digests x 4 points). */
export const DEFAULT_VNODES_PER_WEIGHT = 160;
/** Default Maglev lookup table size: the prime the Maglev paper uses. */
export const DEFAULT_TABLE_SIZE = 65537;
/** Most nodes one `ConsistentHash` holds. */
export const MAX_NODES = 1 << 20;
/** Largest node or target weight. */
export const MAX_WEIGHT = 1e6;
/** Most points a ring may hold, all nodes together. */
export const MAX_RING_POINTS = 10_000_000;
/** Largest Maglev table size. */
export const MAX_TABLE_SIZE = 16_777_216;
/** Largest load `setLoad` accepts. */
export const MAX_LOAD = 4_294_967_295;

/** A node as given: an id, or an id and a weight (1 when omitted). */
export type NodeInput = string | { readonly id: string; readonly weight?: number };

/** A node id and weight after validation. @internal */
export interface NodeSpec {
  id: string;
  weight: number;
}

function show(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  return typeof value;
}

/** @internal */
export function checkWeight(argument: string, weight: unknown, allowZero: boolean): number {
  const lowOk = typeof weight === 'number' && (allowZero ? weight >= 0 : weight > 0);
  if (typeof weight !== 'number' || !Number.isFinite(weight) || !lowOk || weight > MAX_WEIGHT) {
    throw new InvalidArgumentError(
      `${argument}.weight`,
      `must be a finite number in ${allowZero ? '[0' : '(0'}, 1000000], got ${show(weight)}`,
    );
  }
  return weight;
}

/**
 * Normalizes a node or split target given as a string or `{ id, weight? }`, checking types and
 * domains. `argument` names it in errors (`nodes[3]`, `node`). @internal
 */
export function toNodeSpec(value: unknown, argument: string, allowZero = false): NodeSpec {
  if (typeof value === 'string') return { id: checkId(argument, value), weight: 1 };
  if (typeof value !== 'object' || value === null) {
    throw new InvalidArgumentError(argument, `must be a node id or { id, weight? }, got ${show(value)}`);
  }
  const { id, weight = 1 } = value as { id?: unknown; weight?: unknown };
  return { id: checkId(argument, id), weight: checkWeight(argument, weight, allowZero) };
}

// Ids must be well-formed: two ids differing only in a lone surrogate would hash (and, in the
// native core, compare) equal after the U+FFFD replacement.
const LONE_SURROGATE = /\p{Cs}/u;

function checkId(argument: string, id: unknown): string {
  if (typeof id !== 'string' || id === '') {
    throw new InvalidArgumentError(`${argument}.id`, 'must be a non-empty string');
  }
  if (LONE_SURROGATE.test(id)) {
    throw new InvalidArgumentError(`${argument}.id`, 'must be well-formed UTF-16 (no lone surrogates)');
  }
  return id;
}

/** @internal */
export function duplicateId(argument: string, id: string): InvalidArgumentError {
  return new InvalidArgumentError(`${argument}.id`, `duplicate id "${id}"`);
}

/** @internal */
export function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

/** @internal */
export function checkKey(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new InvalidArgumentError('key', `must be a string, got ${show(key)}`);
}

/** @internal */
export function checkCount(n: unknown): asserts n is number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) {
    throw new InvalidArgumentError('n', `must be a non-negative integer, got ${show(n)}`);
  }
}

/** @internal */
export function checkLoad(load: unknown): asserts load is number {
  if (typeof load !== 'number' || !Number.isInteger(load) || load < 0 || load > MAX_LOAD) {
    throw new InvalidArgumentError('load', `must be an integer in [0, 4294967295], got ${show(load)}`);
  }
}

/** @internal */
export function checkBoolean(argument: string, value: unknown): asserts value is boolean {
  if (typeof value !== 'boolean') throw new InvalidArgumentError(argument, `must be a boolean, got ${show(value)}`);
}
