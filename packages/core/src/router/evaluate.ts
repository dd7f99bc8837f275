/**
 * Matching one compiled route against one normalized request (docs/router-spec.md §5), and the
 * rank order between routes (§6).
 * @module
 */
import type { CompiledConstraint, CompiledRoute } from './compile.js';
import { utf8Length } from './decode.js';
import { asciiLower, type NormalizedRequest, parseQuery, readHeader } from './request.js';
import type { ExplainReason, Params } from './types.js';
import { type CodePoints, codePoints, codePointsWithOffsets, matchesProgram, runProgram } from './vm.js';

/** Per-request caches shared by every route tried for one request. */
export class RequestContext {
  private folded: string[] | undefined;
  private cps: Map<number, CodePoints> | undefined;
  private query: Map<string, string[]> | undefined;

  constructor(
    readonly req: NormalizedRequest,
    readonly caseSensitive: boolean,
    readonly maxParamLength: number,
    readonly ignoreTrailingSlash: boolean,
  ) {}

  /** Segment `i` as static text compares against it. */
  foldedSegment(i: number): string {
    const segments = this.req.segments as readonly string[];
    if (this.caseSensitive) return segments[i] as string;
    this.folded ??= segments.map(asciiLower);
    return this.folded[i] as string;
  }

  segmentCodePoints(i: number): CodePoints {
    this.cps ??= new Map();
    let cps = this.cps.get(i);
    if (!cps) {
      cps = codePointsWithOffsets((this.req.segments as readonly string[])[i] as string);
      this.cps.set(i, cps);
    }
    return cps;
  }

  queryValues(): Map<string, string[]> {
    this.query ??= parseQuery(this.req.rawQuery ?? '');
    return this.query;
  }
}

function hostMatches(route: CompiledRoute, host: string | null): boolean {
  const rule = route.host;
  if (rule.kind === 'any') return true;
  if (host === null) return false;
  if (rule.kind === 'exact') return host === rule.value;
  return host.length > rule.value.length + 1 && host.endsWith(`.${rule.value}`);
}

function constraintHolds(c: CompiledConstraint, value: string | undefined, values?: readonly string[]): boolean {
  const all = values ?? (value === undefined ? [] : [value]);
  switch (c.kind) {
    case 'present':
      return all.length > 0;
    case 'absent':
      return all.length === 0;
    case 'equals':
      return all.some((v) => v === c.value);
    case 'pattern':
      return all.some((v) => matchesProgram(c.program!, codePoints(v)));
  }
}

/** The cheap part of the path check: segment count and static segments. */
function staticsMatch(route: CompiledRoute, ctx: RequestContext): boolean {
  const segments = ctx.req.segments as readonly string[];
  const count = route.segments.length;
  if (route.wildcard) {
    const min = ctx.ignoreTrailingSlash ? count - 1 : count;
    if (segments.length < min) return false;
  } else if (segments.length !== count) return false;
  for (let i = 0; i < count; i++) {
    const compiled = route.segments[i]!;
    if (compiled.segment.kind === 'static' && ctx.foldedSegment(i) !== compiled.text) return false;
  }
  return true;
}

/**
 * The rest of the path check, once {@link staticsMatch} passed: params, filled into `params`.
 * Unless `reasons`, a patterned segment longer than `maxParamLength` fails at once: its param
 * would be the whole segment, too long whether the pattern matches or not, and the pattern's cost
 * grows with the segment (the native router skips it the same way). `explain` asks for reasons:
 * there such a segment is `path` when the pattern fails and `param-too-long` when it matches.
 */
function paramsMatch(route: CompiledRoute, ctx: RequestContext, params: Params, reasons: boolean): boolean {
  const segments = ctx.req.segments as readonly string[];
  for (let i = 0; i < route.segments.length; i++) {
    const compiled = route.segments[i]!;
    const seg = compiled.segment;
    switch (seg.kind) {
      case 'static':
        break;
      case 'plain': {
        const value = segments[i] as string;
        if (value === '') return false;
        params[seg.name] = value;
        break;
      }
      case 'wildcard':
        params['*'] = segments.slice(i).join('/');
        break;
      default: {
        if (!reasons && seg.kind === 'patterned' && utf8Length(segments[i] as string) > ctx.maxParamLength)
          return false;
        const { points, offsets } = ctx.segmentCodePoints(i);
        const caps = runProgram(compiled.program!, points);
        if (caps === null) return false;
        const value = segments[i] as string;
        compiled.names.forEach((name, k) => {
          params[name] = value.slice(offsets[caps[2 * k] as number], offsets[caps[2 * k + 1] as number]);
        });
      }
    }
  }
  return true;
}

/**
 * Evaluates one route: its params when it matches, else the first failing dimension in the
 * order host, method, path, param length, header, query. With `ignoreMethod`, the method is not
 * looked at (what `resolve` asks to list the methods a request would match with). Without
 * `reasons` (a match, not `explain`) a failure may be told as `path` where `explain` would say
 * `param-too-long`: both are "no match", and the cheaper one is found first.
 */
export function evaluateRoute(
  route: CompiledRoute,
  ctx: RequestContext,
  ignoreMethod = false,
  reasons = false,
): Params | ExplainReason {
  const req = ctx.req;
  if (!hostMatches(route, req.host)) return 'host';
  if (!ignoreMethod && route.methods !== null && (req.method === null || !route.methods.has(req.method))) {
    return 'method';
  }
  if (!staticsMatch(route, ctx)) return 'path';
  const params: Params = Object.create(null);
  if (!paramsMatch(route, ctx, params, reasons)) return 'path';
  for (const name in params) {
    if (name !== '*' && utf8Length(params[name] as string) > ctx.maxParamLength) return 'param-too-long';
  }
  for (const c of route.headers) {
    if (!constraintHolds(c, readHeader(req.headers, c.name))) return 'header';
  }
  if (route.query.length > 0) {
    const query = ctx.queryValues();
    for (const c of route.query) {
      if (!constraintHolds(c, undefined, query.get(c.name) ?? [])) return 'query';
    }
  }
  return params;
}

const HOST_RANK = { exact: 0, wildcard: 1, any: 2 } as const;

/** Negative when `a` wins over `b` (spec §6). */
export function compareRank(a: CompiledRoute, b: CompiledRoute): number {
  const structure = compareStructure(a, b);
  if (structure !== 0) return structure;
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.id - b.id;
}

/** §6's structural fields (1 to 5: host, segments, method, constraints), before priority and id. */
function compareStructure(a: CompiledRoute, b: CompiledRoute): number {
  const host = HOST_RANK[a.host.kind] - HOST_RANK[b.host.kind];
  if (host !== 0) return host;
  if (a.host.kind === 'wildcard' && b.host.kind === 'wildcard') {
    const suffix = b.host.value.length - a.host.value.length;
    if (suffix !== 0) return suffix;
  }
  const n = Math.min(a.segmentRanks.length, b.segmentRanks.length);
  for (let i = 0; i < n; i++) {
    const d = (a.segmentRanks[i] as number) - (b.segmentRanks[i] as number);
    if (d !== 0) return d;
  }
  if (a.segmentRanks.length !== b.segmentRanks.length) return a.segmentRanks.length - b.segmentRanks.length;
  const method = (a.methods === null ? 1 : 0) - (b.methods === null ? 1 : 0);
  if (method !== 0) return method;
  return b.headers.length + b.query.length - (a.headers.length + a.query.length);
}

/** Whether `a` and `b` tie on every structural field of §6 (1 to 5). */
export function structurallyTied(a: CompiledRoute, b: CompiledRoute): boolean {
  return compareStructure(a, b) === 0;
}
