/**
 * Interim, until `Router.resolve` (issue 8, the `router` branch: Rust core done, TS wrapper not
 * yet) is merged: gives a compiled router without `resolve` one built from `match` and `explain`,
 * with the outcome shape issue 8 specifies, so the proxy and the CLI run end to end now. The
 * pipeline's own tests use the same stand-in (tests/gateway/support/resolve.ts). Delete this
 * file and its two call sites when the router branch lands; nothing else depends on it.
 */
import type { RequestInfo } from '@switchyard/core';
import type { ResolveOutcome } from '../gateway/pipeline/index.js';
import type { CompiledGateway, CompiledRoute } from '../gateway/types.js';

const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

/** Returns `compiled` with `compiled.router.resolve` present (the router's own when it has one). */
export function withInterimResolve(compiled: CompiledGateway): CompiledGateway {
  const router = compiled.router as CompiledGateway['router'] & {
    resolve?: (req: RequestInfo) => ResolveOutcome<CompiledRoute>;
  };
  if (typeof router.resolve === 'function') return compiled;
  router.resolve = (req: RequestInfo): ResolveOutcome<CompiledRoute> => {
    const q = req.path.indexOf('?');
    const path = q < 0 ? req.path : req.path.slice(0, q);
    // A rejected request never matches, so the costly explain runs only when match finds nothing.
    const match = router.match(req);
    if (match) return { outcome: 'matched', match, path };
    const rejected = router.explain(req).rejected;
    if (rejected) return { outcome: 'rejected', code: rejected, reason: `rejected: ${rejected}` };
    const allow = METHODS.filter((method) => router.match({ ...req, method }) !== null);
    if (allow.length > 0) return { outcome: 'method-not-allowed', allow, path };
    return { outcome: 'no-route', path };
  };
  return compiled;
}
