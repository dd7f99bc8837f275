/**
 * Steps 1 and 2 of the pipeline through the router: the canonical path, and the match with its
 * 404 / 405 / 400 outcomes. The router decides both, so "what path is this" is answered once,
 * by the same code that matches.
 * @module
 */
import type { Explanation, Match, RequestInfo } from '@switchyard/core';
import type { CompiledGateway, CompiledRoute } from '../types.js';

/** What `Router.resolve` answers (docs/router-spec.md): the match, or why there is none. */
export type ResolveOutcome<T> =
  | { outcome: 'matched'; match: Match<T>; path: string }
  | { outcome: 'no-route'; path: string }
  | { outcome: 'method-not-allowed'; allow: readonly string[]; path: string }
  | { outcome: 'rejected'; code: string; reason: string };

/** The canonical path of a request-target, or why the canonicalizer rejects it. */
export type CanonicalPath = { ok: true; path: string } | { ok: false; code: string; reason: string };

/** The router operations the pipeline uses. */
export interface RouteResolver {
  canonicalize(pathAndQuery: string): CanonicalPath;
  resolve(req: RequestInfo): ResolveOutcome<CompiledRoute>;
  explain(req: RequestInfo): Explanation;
}

interface ResolvingRouter {
  resolve(req: RequestInfo): ResolveOutcome<CompiledRoute>;
  explain(req: RequestInfo): Explanation;
}

/** The resolver of a compiled gateway's router. */
export function routeResolver(compiled: CompiledGateway): RouteResolver {
  const router = compiled.router as unknown as ResolvingRouter;
  return {
    canonicalize(pathAndQuery) {
      const r = router.resolve({ path: pathAndQuery });
      return r.outcome === 'rejected' ? { ok: false, code: r.code, reason: r.reason } : { ok: true, path: r.path };
    },
    resolve: (req) => router.resolve(req),
    explain: (req) => router.explain(req),
  };
}
