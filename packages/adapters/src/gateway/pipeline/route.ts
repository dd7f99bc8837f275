/**
 * Steps 1 and 2 of the pipeline through the router: the canonical path, and the match with its
 * 404 / 405 / 400 outcomes. The router decides both, so "what path is this" is answered by the
 * same code that matches.
 * @module
 */
import type { CanonicalPath, Explanation, RequestInfo, Resolution } from '@switchyard/core';
import { canonicalizePath } from '@switchyard/node';
import { routerOptionsOf } from '../config/routes.js';
import type { CompiledGateway, CompiledRoute } from '../types.js';

/** The router operations the pipeline uses, bound to one compiled gateway. */
export interface RouteResolver {
  /** `canonicalizePath` under the gateway's `paths:` policy (the router's path options). */
  canonicalize(pathAndQuery: string): CanonicalPath;
  resolve(req: RequestInfo): Resolution<CompiledRoute>;
  explain(req: RequestInfo): Explanation;
}

/** The resolver of a compiled gateway's router. */
export function routeResolver(compiled: CompiledGateway): RouteResolver {
  const router = compiled.router;
  // The options the config compiler built the router with, so both canonicalize alike; one
  // object per gateway, because canonicalizePath validates an options object once.
  const options = routerOptionsOf(compiled.paths);
  return {
    canonicalize: (pathAndQuery) => canonicalizePath(pathAndQuery, options),
    resolve: (req) => router.resolve(req),
    explain: (req) => router.explain(req),
  };
}
