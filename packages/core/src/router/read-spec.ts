import { InvalidRouteError } from '../errors.js';
import type { Constraint, RouteSpec } from './types.js';

/** A constraint with its JS type checked; semantics (pattern syntax) are checked by each implementation. */
export type RawConstraint =
  | { readonly kind: 'equals'; readonly value: string }
  | { readonly kind: 'present' }
  | { readonly kind: 'absent' }
  | { readonly kind: 'pattern'; readonly value: string };

/**
 * A route spec after its JS types were checked, before any semantic validation. Shared by the
 * reference and the native wrapper, so that both reject wrong JS types with the same error; what the
 * values mean (path syntax, method tokens, host syntax, priority range) each implementation decides.
 * @internal
 */
export interface RawRoute {
  readonly path: string;
  /** `null` when omitted. */
  readonly methods: readonly string[] | null;
  /** `null` when omitted. */
  readonly host: string | null;
  readonly headers: ReadonlyArray<readonly [string, RawConstraint]>;
  readonly query: ReadonlyArray<readonly [string, RawConstraint]>;
  /** As given (validated as an int32 by each implementation); 0 when omitted. */
  readonly priority: number;
}

/** Every key of a {@link RouteSpec}: any other is an error that names it. */
const SPEC_KEYS: ReadonlySet<string> = new Set(['path', 'method', 'host', 'headers', 'query', 'priority']);
/** What a caller most likely meant by a key that is not a {@link RouteSpec} key. */
const SPEC_KEY_HINTS: Readonly<Record<string, string>> = { methods: 'method', hosts: 'host', header: 'headers' };

/**
 * What an error names the spec by: its path when it is a string, else a description that runs
 * none of the caller's code (no `toString`, no getter: `String()` of an object without a
 * prototype would throw a `TypeError` of its own).
 */
function describe(spec: unknown, path: unknown): string {
  if (typeof path === 'string') return path;
  if ((typeof spec === 'object' && spec !== null) || typeof spec === 'function') {
    return Object.prototype.toString.call(spec);
  }
  return String(spec);
}

/** `name` is what the error calls the spec ({@link describe}). */
function fail(index: number, name: string, reason: string): never {
  throw new InvalidRouteError(index, name, reason);
}

/** Lone surrogates cannot cross into Rust unchanged (they become U+FFFD), so no spec may hold one. */
function wellFormed(index: number, name: string, what: string, value: string): string {
  if (!value.isWellFormed()) fail(index, name, `${what} contains a lone UTF-16 surrogate`);
  return value;
}

/** The constraints of `given` (the spec's `headers` or `query`), each value read once. */
function readConstraints(index: number, name: string, given: unknown, field: 'headers' | 'query') {
  if (given === undefined) return [];
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    fail(index, name, `${field} must be an object of constraints`);
  }
  const out: Array<readonly [string, RawConstraint]> = [];
  const shape = `${field}.%s must be a string, true, false or { pattern: string }`;
  for (const [key, c] of Object.entries(given as Record<string, Constraint>)) {
    wellFormed(index, name, `${field} name`, key);
    if (typeof c === 'string')
      out.push([key, { kind: 'equals', value: wellFormed(index, name, `${field}.${key}`, c) }]);
    else if (c === true) out.push([key, { kind: 'present' }]);
    else if (c === false) out.push([key, { kind: 'absent' }]);
    else if (typeof c === 'object' && c !== null) {
      const pattern: unknown = (c as { pattern?: unknown }).pattern;
      if (typeof pattern !== 'string') fail(index, name, shape.replace('%s', key));
      const extra = Object.keys(c).find((k) => k !== 'pattern');
      if (extra !== undefined)
        fail(index, name, `${field}.${key}: unknown key ${JSON.stringify(extra)} (only "pattern")`);
      out.push([key, { kind: 'pattern', value: wellFormed(index, name, `${field}.${key}`, pattern) }]);
    } else {
      fail(index, name, shape.replace('%s', key));
    }
  }
  return out;
}

/**
 * Checks the JS types of a {@link RouteSpec} and returns its fields in one shape: a copy, each
 * field of the spec read exactly once (a getter is called once; what the spec answers later, or
 * how it is mutated after, changes nothing). Both implementations keep only this copy.
 * @throws InvalidRouteError when a field has the wrong type.
 * @internal
 */
export function readRouteSpec(spec: unknown, index: number): RawRoute {
  if (typeof spec !== 'object' || spec === null)
    fail(index, describe(spec, undefined), 'a route spec must be an object');
  const keys = Object.keys(spec);
  const s = spec as RouteSpec;
  const path: unknown = s.path;
  const name = describe(spec, path);
  for (const key of keys) {
    if (!SPEC_KEYS.has(key)) {
      const hint = Object.hasOwn(SPEC_KEY_HINTS, key) ? ` (did you mean "${SPEC_KEY_HINTS[key]}"?)` : '';
      fail(index, name, `unknown key ${JSON.stringify(key)}${hint}; a route spec has ${[...SPEC_KEYS].join(', ')}`);
    }
  }
  if (typeof path !== 'string') fail(index, name, 'path must be a string');
  wellFormed(index, name, 'path', path);
  const method: unknown = s.method;
  let methods: string[] | null = null;
  if (method !== undefined) {
    const list: unknown[] = typeof method === 'string' ? [method] : Array.isArray(method) ? [...method] : [0];
    if (list.some((m) => typeof m !== 'string')) fail(index, name, 'method must be a string or an array of strings');
    methods = (list as string[]).map((m) => wellFormed(index, name, 'method', m));
  }
  const host: unknown = s.host;
  if (host !== undefined && typeof host !== 'string') fail(index, name, 'host must be a string');
  if (host !== undefined) wellFormed(index, name, 'host', host);
  const headers = readConstraints(index, name, s.headers, 'headers');
  const query = readConstraints(index, name, s.query, 'query');
  const priority: unknown = s.priority;
  if (priority !== undefined && typeof priority !== 'number') fail(index, name, 'priority must be a number');
  return { path, methods, host: host ?? null, headers, query, priority: priority ?? 0 };
}
