/**
 * Step 6 of the pipeline: the path the upstream sees. Prefixes are matched on segment
 * boundaries only: `/api` strips `/api/x` and `/api`, never `/apix`.
 * @module
 */
import type { Rewrite } from '../types.js';

/** A prefix without its trailing slash (`/api/` is `/api`; `/` is the empty prefix). */
function trimPrefix(prefix: string): string {
  let p = prefix;
  while (p.endsWith('/')) p = p.slice(0, -1);
  return p;
}

/** The rest of `path` after `prefix` when `prefix` ends on a segment boundary of it, else `undefined`. */
function restAfter(path: string, prefix: string): string | undefined {
  if (prefix === '') return path;
  if (!path.startsWith(prefix)) return undefined;
  if (path.length === prefix.length) return '';
  return path.charCodeAt(prefix.length) === 0x2f ? path.slice(prefix.length) : undefined;
}

/**
 * Applies a route's `rewrite:` to a canonical path. `strip_prefix` removes the prefix;
 * `replace_prefix` puts `to` in its place. A path the prefix does not cover is left as is, and
 * the result is never empty: what would be `''` is `/`.
 */
export function rewritePath(path: string, rewrite: Rewrite | undefined): string {
  if (rewrite === undefined) return path;
  const from = trimPrefix('stripPrefix' in rewrite ? rewrite.stripPrefix : rewrite.replacePrefix.from);
  const rest = restAfter(path, from);
  if (rest === undefined) return path;
  const to = 'stripPrefix' in rewrite ? '' : trimPrefix(rewrite.replacePrefix.to);
  const out = to === '' ? rest : to.startsWith('/') ? to + rest : `/${to}${rest}`;
  return out === '' ? '/' : out;
}

/**
 * The request-target sent upstream: the target's base path, the rewritten path and the query
 * exactly as the client sent it (`query` is what followed the first `?`, `undefined` when there
 * was no `?`).
 */
export function upstreamTarget(basePath: string, path: string, query: string | undefined): string {
  const base = trimPrefix(basePath);
  const joined = base === '' ? path : base + path;
  return query === undefined ? joined : `${joined}?${query}`;
}
