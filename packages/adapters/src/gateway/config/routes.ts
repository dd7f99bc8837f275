/**
 * How a route of the config becomes a router `RouteSpec`, and `paths:` becomes router options:
 * one mapping, used by the validator (to report invalid and conflicting routes with the other
 * problems of a file) and by the compiler.
 * @module
 */
import {
  type Constraint,
  InvalidRouteError,
  RouteConflictError,
  type RouterOptions,
  type RouteSpec,
} from '@switchyard/core';
import { type PathPolicy, VERSION_CONSTRAINT_HEADER } from '../types.js';
import type { RouteConfig } from './model.js';

/**
 * The router spec of a route: `methods` → `method`, string headers → equals constraints, and
 * `version` → an equals constraint on {@link VERSION_CONSTRAINT_HEADER}, which the pipeline sets
 * to the version it resolved, so versioned routes sharing a path are told apart by the router.
 */
export function routeSpecOf(route: RouteConfig): RouteSpec {
  const headers: Record<string, Constraint> = { ...route.headers };
  if (route.version !== undefined) headers[VERSION_CONSTRAINT_HEADER] = route.version;
  return {
    path: route.path,
    ...(route.methods ? { method: route.methods } : {}),
    ...(route.host !== undefined ? { host: route.host } : {}),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
  };
}

/**
 * Router options for a `paths:` policy: `escaped_slashes` → `encodedSlash`, `merge_slashes` →
 * `mergeSlashes`, `dot_segments` → `dotSegments`, so `Router.resolve` canonicalizes every
 * request path once by the file's policy. Backslashes keep the router's default (rejected).
 */
export function routerOptionsOf(paths: PathPolicy): RouterOptions {
  return { encodedSlash: paths.escapedSlashes, mergeSlashes: paths.mergeSlashes, dotSegments: paths.dotSegments };
}

/** A router error at `add`, as a problem of a route: which key it is about and what to say. */
export interface RouteProblem {
  /** Key path of the offending value. */
  path: (string | number)[];
  message: string;
}

/**
 * Explains an error of `Router.add` for the route at config index `index`. `indexOf` maps a
 * router id to its config index (they differ once an earlier route failed to add).
 */
export function routeProblemOf(error: unknown, index: number, indexOf: (id: number) => number): RouteProblem {
  if (error instanceof RouteConflictError) {
    const other = indexOf(error.existingIndex);
    return {
      path: ['routes', index],
      message: `routes[${index}]: no request can tell it apart from routes[${other}] (same path shape, host, headers and version, and a method in common); remove one, or tell them apart by method, host, a header or version`,
    };
  }
  if (error instanceof InvalidRouteError) {
    const prefix = `invalid route #${error.routeIndex} ${JSON.stringify(error.path)}: `;
    const reason = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    const key = /\bhost\b/.test(reason)
      ? 'host'
      : /\bheaders?\b/.test(reason)
        ? 'headers'
        : /\bmethods?\b/.test(reason)
          ? 'methods'
          : 'path';
    return { path: ['routes', index, key], message: `routes[${index}].${key}: ${reason}` };
  }
  const text = error instanceof Error ? error.message : String(error);
  return { path: ['routes', index], message: `routes[${index}]: ${text}` };
}
