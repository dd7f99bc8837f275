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

function fail(index: number, spec: unknown, reason: string): never {
  const path = typeof spec === 'object' && spec !== null && typeof (spec as RouteSpec).path === 'string';
  throw new InvalidRouteError(index, path ? (spec as RouteSpec).path : String(spec), reason);
}

/** Lone surrogates cannot cross into Rust unchanged (they become U+FFFD), so no spec may hold one. */
function wellFormed(index: number, spec: unknown, what: string, value: string): string {
  if (!value.isWellFormed()) fail(index, spec, `${what} contains a lone UTF-16 surrogate`);
  return value;
}

function readConstraints(index: number, spec: RouteSpec, field: 'headers' | 'query') {
  const given = spec[field];
  if (given === undefined) return [];
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    fail(index, spec, `${field} must be an object of constraints`);
  }
  const out: Array<readonly [string, RawConstraint]> = [];
  for (const [name, c] of Object.entries(given as Record<string, Constraint>)) {
    wellFormed(index, spec, `${field} name`, name);
    if (typeof c === 'string')
      out.push([name, { kind: 'equals', value: wellFormed(index, spec, `${field}.${name}`, c) }]);
    else if (c === true) out.push([name, { kind: 'present' }]);
    else if (c === false) out.push([name, { kind: 'absent' }]);
    else if (typeof c === 'object' && c !== null && typeof (c as { pattern?: unknown }).pattern === 'string') {
      const extra = Object.keys(c).find((k) => k !== 'pattern');
      if (extra !== undefined)
        fail(index, spec, `${field}.${name}: unknown key ${JSON.stringify(extra)} (only "pattern")`);
      const pattern = wellFormed(index, spec, `${field}.${name}`, (c as { pattern: string }).pattern);
      out.push([name, { kind: 'pattern', value: pattern }]);
    } else {
      fail(index, spec, `${field}.${name} must be a string, true, false or { pattern: string }`);
    }
  }
  return out;
}

/**
 * Checks the JS types of a {@link RouteSpec} and returns its fields in one shape.
 * @throws InvalidRouteError when a field has the wrong type.
 * @internal
 */
export function readRouteSpec(spec: unknown, index: number): RawRoute {
  if (typeof spec !== 'object' || spec === null) fail(index, spec, 'a route spec must be an object');
  const s = spec as RouteSpec;
  for (const key of Object.keys(s)) {
    if (!SPEC_KEYS.has(key)) {
      const hint = Object.hasOwn(SPEC_KEY_HINTS, key) ? ` (did you mean "${SPEC_KEY_HINTS[key]}"?)` : '';
      fail(index, spec, `unknown key ${JSON.stringify(key)}${hint}; a route spec has ${[...SPEC_KEYS].join(', ')}`);
    }
  }
  if (typeof s.path !== 'string') fail(index, spec, 'path must be a string');
  wellFormed(index, spec, 'path', s.path);
  let methods: string[] | null = null;
  if (s.method !== undefined) {
    const list: unknown[] = typeof s.method === 'string' ? [s.method] : Array.isArray(s.method) ? [...s.method] : [0];
    if (list.some((m) => typeof m !== 'string')) fail(index, spec, 'method must be a string or an array of strings');
    methods = (list as string[]).map((m) => wellFormed(index, spec, 'method', m));
  }
  if (s.host !== undefined && typeof s.host !== 'string') fail(index, spec, 'host must be a string');
  if (s.host !== undefined) wellFormed(index, spec, 'host', s.host);
  if (s.priority !== undefined && typeof s.priority !== 'number') fail(index, spec, 'priority must be a number');
  return {
    path: s.path,
    methods,
    host: s.host ?? null,
    headers: readConstraints(index, s, 'headers'),
    query: readConstraints(index, s, 'query'),
    priority: s.priority ?? 0,
  };
}
