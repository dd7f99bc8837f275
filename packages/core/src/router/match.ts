/**
 * The one class of a router's match, shared by the reference and the native router (through
 * `@switchyard/core/internal`), so that both answer with the same shape.
 * @module
 */
import type { RawRoute } from './read-spec.js';
import type { Constraint, Match, Params, RouteSpec } from './types.js';

/**
 * The route spec as added, frozen: built from what `add` read (once) from the caller's object, so
 * what {@link Match.spec} gives back is the route the router matches, whatever the caller's
 * object does afterwards (getters included). Omitted fields stay omitted; `method` is a list.
 * @internal
 */
export function copyRouteSpec(raw: RawRoute): RouteSpec {
  const copy: { -readonly [K in keyof RouteSpec]: RouteSpec[K] } = { path: raw.path };
  if (raw.methods !== null) copy.method = Object.freeze([...raw.methods]);
  if (raw.host !== null) copy.host = raw.host;
  if (raw.headers.length > 0) copy.headers = copyConstraints(raw.headers);
  if (raw.query.length > 0) copy.query = copyConstraints(raw.query);
  if (raw.priority !== 0) copy.priority = raw.priority;
  return Object.freeze(copy);
}

function copyConstraints(constraints: RawRoute['headers']): Readonly<Record<string, Constraint>> {
  // No prototype: a header named `__proto__` is an ordinary key, as it was given.
  const copy: Record<string, Constraint> = Object.create(null);
  for (const [name, c] of constraints) {
    copy[name] =
      c.kind === 'equals' ? c.value : c.kind === 'pattern' ? Object.freeze({ pattern: c.value }) : c.kind === 'present';
  }
  return Object.freeze(copy);
}

/**
 * A {@link Match}: `value`, `route` and `params` are its own fields; `spec` and `pattern` are read
 * from the router's table of added specs on demand, so a match costs no more to build than the
 * three fields.
 * @internal
 */
export class RouteMatch<T> implements Match<T> {
  readonly value: T;
  readonly route: number;
  readonly params: Params;
  readonly #specs: readonly RouteSpec[];

  constructor(value: T, route: number, params: Params, specs: readonly RouteSpec[]) {
    this.value = value;
    this.route = route;
    this.params = params;
    this.#specs = specs;
  }

  get spec(): RouteSpec {
    return this.#specs[this.route] as RouteSpec;
  }

  get pattern(): string {
    return (this.#specs[this.route] as RouteSpec).path;
  }
}
