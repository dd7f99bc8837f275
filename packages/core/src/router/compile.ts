/**
 * Validation and compilation of one route spec (docs/router-spec.md §1–§3) into the form the
 * matcher uses, plus what the route's rank (§6) and conflict shape (§7) need.
 * @module
 */
import { InvalidRouteError } from '../errors.js';
import { isDotSegment } from './canonical.js';
import { parseRoutePath, RouteSyntaxError, type Segment, type SegmentPart, SegmentRank } from './path.js';
import { ANY, PatternSyntaxError, parsePattern } from './pattern.js';
import type { RawConstraint, RawRoute } from './read-spec.js';
import { asciiLower, asciiUpper } from './request.js';
import { compileParts, type Part, type Program } from './vm.js';

/** Host dimension of a route. */
export type HostRule = { readonly kind: 'exact' | 'wildcard'; readonly value: string } | { readonly kind: 'any' };

/** A header or query constraint, ready to evaluate. */
export interface CompiledConstraint {
  readonly name: string;
  readonly kind: RawConstraint['kind'];
  readonly value: string;
  readonly program: Program | null;
}

/** A compiled segment: the parsed segment and, for patterned and mixed ones, its program. */
export interface CompiledSegment {
  readonly segment: Segment;
  /** Static text, ASCII-folded when the router is case-insensitive. */
  readonly text: string;
  /**
   * What tells this segment apart from another of its kind for matching and for §7 (names
   * aside): the static text or the mixed segment's literals (folded when case-insensitive), the
   * pattern; empty for a plain param and a wildcard.
   */
  readonly key: string;
  readonly program: Program | null;
  /** Param names in capture order (patterned and mixed segments). */
  readonly names: readonly string[];
}

/** A route as the matcher sees it. */
export interface CompiledRoute {
  readonly id: number;
  readonly path: string;
  readonly host: HostRule;
  /** `null` = any method. */
  readonly methods: ReadonlySet<string> | null;
  readonly segments: readonly CompiledSegment[];
  readonly wildcard: boolean;
  readonly headers: readonly CompiledConstraint[];
  readonly query: readonly CompiledConstraint[];
  readonly priority: number;
  readonly segmentRanks: readonly number[];
  /**
   * Headers, query constraints and priority as one string. With the host rule and the path shape
   * (the route's place in the index), everything §7 compares except methods.
   */
  readonly constraintShape: string;
}

/** Options compilation depends on. */
export interface CompileOptions {
  readonly caseSensitive: boolean;
  readonly trailingSlash: 'strict' | 'ignore';
  readonly dotSegments: 'reject' | 'resolve' | 'keep';
  readonly backslash: 'reject' | 'slash' | 'keep';
}

/**
 * A static segment no canonical request segment can equal is refused: a dot segment unless dot
 * segments are kept, a backslash when backslashes are rejected (docs/router-spec.md §2).
 */
function checkReachable(id: number, path: string, segments: readonly Segment[], options: CompileOptions): void {
  for (const segment of segments) {
    if (segment.kind !== 'static') continue;
    if (options.dotSegments !== 'keep' && isDotSegment(segment.text)) {
      const fate = options.dotSegments === 'resolve' ? 'resolved' : 'rejected';
      throw new InvalidRouteError(
        id,
        path,
        `the dot segment ${JSON.stringify(segment.text)} can never match: requests' dot segments are ${fate} (dotSegments)`,
      );
    }
    if (options.backslash === 'reject' && segment.text.includes('\\')) {
      throw new InvalidRouteError(
        id,
        path,
        `the segment ${JSON.stringify(segment.text)} holds a backslash, which requests may not (backslash: "reject")`,
      );
    }
  }
}

const TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

function fold(text: string, options: CompileOptions): string {
  return options.caseSensitive ? text : asciiLower(text);
}

function compilePattern(id: number, path: string, where: string, source: string): Program {
  try {
    return compileParts([{ capture: false, node: parsePattern(source) }]);
  } catch (error) {
    if (error instanceof PatternSyntaxError) throw new InvalidRouteError(id, path, `${where}: ${error.message}`);
    throw error;
  }
}

/** A literal as a program part, ASCII-folded when case-insensitive. */
function literalPart(text: string, options: CompileOptions): Part {
  const items = Array.from(text, (ch) => {
    const cp = ch.codePointAt(0) as number;
    const lower = cp | 0x20;
    if (!options.caseSensitive && lower >= 0x61 && lower <= 0x7a) {
      return {
        t: 'set' as const,
        ranges: [
          [lower - 0x20, lower - 0x20],
          [lower, lower],
        ] as const,
      };
    }
    return { t: 'set' as const, ranges: [[cp, cp]] as const };
  });
  return { capture: false, node: { t: 'cat', items } };
}

/** Shared by every segment, constraint list and host rule that has nothing of its own. */
const NO_NAMES: readonly string[] = Object.freeze([]);
const NO_CONSTRAINTS: readonly CompiledConstraint[] = Object.freeze([]);
const ANY_HOST: HostRule = Object.freeze({ kind: 'any' });

/** A mixed segment's key: its literal texts (folded when case-insensitive) and its params' patterns. */
function mixedKey(parts: readonly SegmentPart[], options: CompileOptions): string {
  return JSON.stringify(parts.map((p) => (p.kind === 'literal' ? fold(p.text, options) : [p.pattern])));
}

/** Programs already compiled for a router, by segment: many routes share `:id(\d+)` or `:name.:ext`. */
export type ProgramCache = Map<string, Program>;

function cached(cache: ProgramCache | undefined, key: string, build: () => Program): Program {
  if (!cache) return build();
  let program = cache.get(key);
  if (!program) {
    program = build();
    cache.set(key, program);
  }
  return program;
}

function compileSegment(segment: Segment, options: CompileOptions, cache?: ProgramCache): CompiledSegment {
  switch (segment.kind) {
    case 'static': {
      const text = fold(segment.text, options);
      return { segment, text, key: text, program: null, names: NO_NAMES };
    }
    case 'patterned':
      return {
        segment,
        text: '',
        key: segment.pattern,
        program: cached(cache, `r${segment.pattern}`, () => compileParts([{ capture: true, node: segment.node }])),
        names: [segment.name],
      };
    case 'mixed': {
      const names: string[] = [];
      for (const part of segment.parts) if (part.kind === 'param') names.push(part.name);
      const key = mixedKey(segment.parts, options);
      const program = cached(cache, `m${key}`, () => {
        const parts: Part[] = [];
        for (const part of segment.parts) {
          if (part.kind === 'literal') parts.push(literalPart(part.text, options));
          else {
            const node = part.node ?? {
              t: 'rep' as const,
              min: 1,
              max: Number.POSITIVE_INFINITY,
              greedy: true,
              item: { t: 'set' as const, ranges: ANY },
            };
            parts.push({ capture: true, node });
          }
        }
        return compileParts(parts);
      });
      return { segment, text: '', key, program, names };
    }
    default:
      return {
        segment,
        text: '',
        key: '',
        program: null,
        names: segment.kind === 'plain' ? [segment.name] : NO_NAMES,
      };
  }
}

function compileHost(id: number, path: string, host: string | null): HostRule {
  if (host === null || host === '*') return ANY_HOST;
  let h = asciiLower(host);
  if (h.endsWith('.')) h = h.slice(0, -1);
  const bad = (reason: string): never => {
    throw new InvalidRouteError(id, path, `host ${JSON.stringify(host)}: ${reason}`);
  };
  if (/[\s/]/.test(h)) bad('must not contain whitespace or "/"');
  if (h.startsWith('*.')) {
    const suffix = h.slice(2);
    if (suffix === '' || suffix.includes('*')) bad('a wildcard host is "*." followed by a suffix without "*"');
    return { kind: 'wildcard', value: suffix };
  }
  if (h === '' || h.includes('*')) bad('must be a host name, "*.suffix" or "*"');
  if (/:[0-9]*$/.test(h) && !h.endsWith(']')) bad('must not carry a port');
  return { kind: 'exact', value: h };
}

function compileMethods(id: number, path: string, methods: readonly string[] | null): Set<string> | null {
  if (methods === null) return null;
  if (methods.length === 0) throw new InvalidRouteError(id, path, 'method list is empty');
  if (methods.includes('*')) {
    if (methods.length > 1) throw new InvalidRouteError(id, path, '"*" (any method) must stand alone');
    return null;
  }
  for (const m of methods) {
    if (!TOKEN.test(m)) throw new InvalidRouteError(id, path, `method ${JSON.stringify(m)} is not an HTTP token`);
  }
  return new Set(methods.map(asciiUpper));
}

function compileConstraints(
  id: number,
  path: string,
  field: 'headers' | 'query',
  given: RawRoute['headers'],
): readonly CompiledConstraint[] {
  if (given.length === 0) return NO_CONSTRAINTS;
  const seen = new Set<string>();
  return given.map(([rawName, c]) => {
    const name = field === 'headers' ? asciiLower(rawName) : rawName;
    if (field === 'headers' && !TOKEN.test(rawName)) {
      throw new InvalidRouteError(id, path, `header name ${JSON.stringify(rawName)} is not an HTTP token`);
    }
    if (field === 'query' && rawName === '') throw new InvalidRouteError(id, path, 'query key must not be empty');
    if (seen.has(name)) throw new InvalidRouteError(id, path, `${field}.${name} is constrained twice`);
    seen.add(name);
    const value = c.kind === 'equals' || c.kind === 'pattern' ? c.value : '';
    const program = c.kind === 'pattern' ? compilePattern(id, path, `${field}.${name}`, c.value) : null;
    return { name, kind: c.kind, value, program };
  });
}

/** A string with its length in front, so that concatenations of them are never ambiguous. */
function counted(text: string): string {
  return `${text.length}:${text}`;
}

function constraintsShape(list: readonly CompiledConstraint[]): string {
  if (list.length === 0) return '0:';
  const keys = list.map((c) => `${counted(c.name)}${c.kind}${counted(c.value)}`).sort();
  return `${keys.length}:${keys.join('')}`;
}

/**
 * Validates a raw route and compiles it.
 * @throws InvalidRouteError naming the route and what is wrong.
 */
export function compileRoute(
  id: number,
  raw: RawRoute,
  options: CompileOptions,
  programs?: ProgramCache,
): CompiledRoute {
  let path = raw.path;
  if (options.trailingSlash === 'ignore' && path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  let segments: Segment[];
  try {
    segments = parseRoutePath(path);
  } catch (error) {
    if (error instanceof RouteSyntaxError) throw new InvalidRouteError(id, raw.path, error.message);
    throw error;
  }
  checkReachable(id, raw.path, segments, options);
  const methods = compileMethods(id, raw.path, raw.methods);
  const host = compileHost(id, raw.path, raw.host);
  const headers = compileConstraints(id, raw.path, 'headers', raw.headers);
  const query = compileConstraints(id, raw.path, 'query', raw.query);
  const priority = raw.priority;
  if (!Number.isInteger(priority) || priority < -(2 ** 31) || priority > 2 ** 31 - 1) {
    throw new InvalidRouteError(id, raw.path, `priority ${priority} is not a 32-bit integer`);
  }
  const compiled = segments.map((s) => compileSegment(s, options, programs));
  return {
    id,
    path: raw.path,
    host,
    methods,
    segments: compiled,
    wildcard: segments[segments.length - 1]?.kind === 'wildcard',
    headers,
    query,
    priority,
    segmentRanks: segments.map((s) => SegmentRank[s.kind]),
    constraintShape: constraintsShape(headers) + constraintsShape(query) + String(priority),
  };
}
