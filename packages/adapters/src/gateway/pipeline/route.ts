/**
 * Steps 1 and 2 of the pipeline through the router: the canonical path, and the match with its
 * 404 / 405 / 400 outcomes. The router decides both, so "what path is this" is answered by the
 * same code that matches.
 * @module
 */
import type { CanonicalPath, Explanation, RequestInfo, Resolution, RouterOptions } from '@switchyard/core';
import { canonicalizePath } from '@switchyard/node';
import type { CompiledGateway, CompiledRoute, PathPolicy } from '../types.js';

/** The router operations the pipeline uses, bound to one compiled gateway. */
export interface RouteResolver {
  /** `canonicalizePath` under the gateway's `paths:` policy (the router's path options). */
  canonicalize(pathAndQuery: string): CanonicalPath;
  resolve(req: RequestInfo): Resolution<CompiledRoute>;
  explain(req: RequestInfo): Explanation;
}

/**
 * The router's path options for a `paths:` policy: `escaped_slashes` → `encodedSlash`,
 * `merge_slashes` → `mergeSlashes`, `dot_segments` → `dotSegments` (the mapping the router
 * documents; the config compiler builds the router with the same options).
 */
export function pathOptions(paths: PathPolicy): RouterOptions {
  return { encodedSlash: paths.escapedSlashes, mergeSlashes: paths.mergeSlashes, dotSegments: paths.dotSegments };
}

/** The resolver of a compiled gateway's router. */
export function routeResolver(compiled: CompiledGateway): RouteResolver {
  const router = compiled.router;
  // One options object per gateway: canonicalizePath validates an options object once.
  const options = pathOptions(compiled.paths);
  return {
    canonicalize: (pathAndQuery) => canonicalizePath(pathAndQuery, options),
    resolve: (req) => router.resolve(req),
    explain: (req) => router.explain(req),
  };
}
