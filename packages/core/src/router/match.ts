/**
 * The one class of a router's match, shared by the reference and the native router (through
 * `@switchyard/core/internal`), so that both answer with the same shape.
 * @module
 */
import type { Constraint, Match, Params, RouteSpec } from './types.js';

/**
 * A frozen deep copy of a validated route spec, taken at `add`: what {@link Match.spec} gives
 * back must be the route as it was added, whatever the caller does with its object afterwards.
 * @internal
 */
export function copyRouteSpec(spec: RouteSpec): RouteSpec {
  const copy: { -readonly [K in keyof RouteSpec]: RouteSpec[K] } = { path: spec.path };
  if (spec.method !== undefined) {
    copy.method = typeof spec.method === 'string' ? spec.method : Object.freeze([...spec.method]);
  }
  if (spec.host !== undefined) copy.host = spec.host;
  if (spec.headers !== undefined) copy.headers = copyConstraints(spec.headers);
  if (spec.query !== undefined) copy.query = copyConstraints(spec.query);
  if (spec.priority !== undefined) copy.priority = spec.priority;
  return Object.freeze(copy);
}

function copyConstraints(constraints: Readonly<Record<string, Constraint>>): Readonly<Record<string, Constraint>> {
  const copy: Record<string, Constraint> = {};
  for (const [name, constraint] of Object.entries(constraints)) {
    copy[name] = typeof constraint === 'object' ? Object.freeze({ pattern: constraint.pattern }) : constraint;
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
