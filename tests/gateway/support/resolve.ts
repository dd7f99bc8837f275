// Interim: `Router.resolve` is being added on the `router` branch (issue 8). Until it is merged
// here, the tests give the router a resolve built from `match` and `explain` with the outcome
// shape issue 8 specifies, so the pipeline can be tested end to end. Removed at the merge.

import type { RequestInfo, Router } from '@switchyard/node';
import type { ResolveOutcome } from '../../../packages/adapters/src/gateway/pipeline/route.js';
import type { CompiledRoute } from '../../../packages/adapters/src/gateway/types.js';

const METHODS = ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT'];

export function withResolve(router: Router<CompiledRoute>): Router<CompiledRoute> {
  const resolve = (req: RequestInfo): ResolveOutcome<CompiledRoute> => {
    const q = req.path.indexOf('?');
    const path = q < 0 ? req.path : req.path.slice(0, q);
    const rejected = router.explain(req).rejected;
    if (rejected) return { outcome: 'rejected', code: rejected, reason: `rejected: ${rejected}` };
    const match = router.match(req);
    if (match) return { outcome: 'matched', match, path };
    const allow = METHODS.filter((method) => router.match({ ...req, method }) !== null);
    if (allow.length > 0) return { outcome: 'method-not-allowed', allow, path };
    return { outcome: 'no-route', path };
  };
  return Object.assign(router, { resolve });
}
