/**
 * `Router.check()`: static diagnostics of a route table (docs/router-spec.md §8), decided
 * structurally and conservatively.
 * @module
 */
import type { CompiledConstraint, CompiledRoute, CompiledSegment, HostRule } from './compile.js';
import { utf8Length } from './decode.js';
import { compareRank, structurallyTied } from './evaluate.js';
import type { RouteDiagnostic } from './types.js';

interface CheckOptions {
  readonly maxParamLength: number;
  readonly trailingSlash: 'strict' | 'ignore';
}

function hostCovers(a: HostRule, r: HostRule): boolean {
  if (a.kind === 'any') return true;
  if (r.kind === 'any') return false;
  if (a.kind === 'exact') return r.kind === 'exact' && r.value === a.value;
  if (r.kind === 'exact') return r.value.length > a.value.length + 1 && r.value.endsWith(`.${a.value}`);
  return r.value === a.value || r.value.endsWith(`.${a.value}`);
}

function hostsOverlap(a: HostRule, b: HostRule): boolean {
  return hostCovers(a, b) || hostCovers(b, a);
}

function sameSegment(a: CompiledSegment, r: CompiledSegment): boolean {
  const x = a.segment;
  const y = r.segment;
  if (x.kind !== y.kind) return false;
  if (x.kind === 'static') return a.text === r.text;
  if (x.kind === 'patterned' && y.kind === 'patterned') return x.pattern === y.pattern;
  if (x.kind === 'mixed' && y.kind === 'mixed') {
    return (
      x.parts.length === y.parts.length &&
      x.parts.every((p, i) => {
        const q = y.parts[i];
        if (p.kind === 'literal') return q?.kind === 'literal' && q.text === p.text;
        return q?.kind === 'param' && q.pattern === p.pattern;
      })
    );
  }
  return true;
}

function segmentCovers(a: CompiledSegment, r: CompiledSegment, options: CheckOptions): boolean {
  if (a.segment.kind === 'plain') {
    if (r.segment.kind === 'plain') return true;
    return r.segment.kind === 'static' && r.text !== '' && utf8Length(r.text) <= options.maxParamLength;
  }
  return sameSegment(a, r);
}

function pathCovers(a: CompiledRoute, r: CompiledRoute, options: CheckOptions): boolean {
  const as = a.segments;
  const rs = r.segments;
  const wildcardAt = a.wildcard ? as.length - 1 : -1;
  if (wildcardAt < 0) {
    if (r.wildcard || as.length !== rs.length) return false;
  } else {
    const min = options.trailingSlash === 'ignore' ? wildcardAt : wildcardAt + 1;
    // R's segments from the wildcard on may be anything, but R must always have enough of them.
    const rMin = r.wildcard && options.trailingSlash === 'ignore' ? rs.length - 1 : rs.length;
    if (rMin < min) return false;
  }
  const n = wildcardAt < 0 ? as.length : wildcardAt;
  for (let i = 0; i < n; i++) {
    const ri = rs[i];
    if (!ri || ri.segment.kind === 'wildcard' || !segmentCovers(as[i] as CompiledSegment, ri, options)) return false;
  }
  return true;
}

function implies(r: readonly CompiledConstraint[], c: CompiledConstraint): boolean {
  return r.some(
    (x) =>
      x.name === c.name &&
      ((x.kind === c.kind && x.value === c.value) || (c.kind === 'present' && x.kind !== 'absent')),
  );
}

function methodsCover(a: CompiledRoute, r: CompiledRoute): boolean {
  if (a.methods === null) return true;
  if (r.methods === null) return false;
  return [...r.methods].every((m) => a.methods?.has(m));
}

/** A matches every request R matches. */
function covers(a: CompiledRoute, r: CompiledRoute, options: CheckOptions): boolean {
  return (
    hostCovers(a.host, r.host) &&
    methodsCover(a, r) &&
    pathCovers(a, r, options) &&
    a.headers.every((c) => implies(r.headers, c)) &&
    a.query.every((c) => implies(r.query, c))
  );
}

function contradicts(a: readonly CompiledConstraint[], b: readonly CompiledConstraint[]): boolean {
  return a.some((x) =>
    b.some(
      (y) =>
        x.name === y.name &&
        ((x.kind === 'absent') !== (y.kind === 'absent') ||
          (x.kind === 'equals' && y.kind === 'equals' && x.value !== y.value)),
    ),
  );
}

/** Tied routes (same segment kinds) that some request could match both. */
function mayOverlap(a: CompiledRoute, b: CompiledRoute): boolean {
  if (!hostsOverlap(a.host, b.host)) return false;
  if (a.methods !== null && b.methods !== null && ![...a.methods].some((m) => b.methods?.has(m))) return false;
  const staticClash = a.segments.some((s, i) => {
    const t = b.segments[i];
    return s.segment.kind === 'static' && t?.segment.kind === 'static' && s.text !== t.text;
  });
  if (staticClash) return false;
  return !contradicts(a.headers, b.headers) && !contradicts(a.query, b.query);
}

/** Diagnostics for a table, in route id order. */
export function checkRoutes(routes: readonly CompiledRoute[], options: CheckOptions): RouteDiagnostic[] {
  const out: RouteDiagnostic[] = [];
  for (const r of routes) {
    const coveredBy = routes.find((a) => a !== r && compareRank(a, r) < 0 && covers(a, r, options));
    if (coveredBy) {
      out.push({
        kind: 'unreachable',
        route: r.id,
        by: coveredBy.id,
        message: `route #${r.id} ${r.path} can never win: route #${coveredBy.id} ${coveredBy.path} matches every request it matches and ranks first`,
      });
      continue;
    }
    const tied = routes.find((a) => a !== r && compareRank(a, r) < 0 && structurallyTied(a, r) && mayOverlap(a, r));
    if (tied) {
      const byPriority = tied.priority !== r.priority;
      out.push({
        kind: byPriority ? 'shadowed' : 'conflict',
        route: r.id,
        by: tied.id,
        message: byPriority
          ? `route #${r.id} ${r.path} and route #${tied.id} ${tied.path} can match the same requests; only priority decides (#${tied.id} wins)`
          : `route #${r.id} ${r.path} and route #${tied.id} ${tied.path} can match the same requests; only insertion order decides (#${tied.id} wins)`,
      });
    }
  }
  return out;
}
