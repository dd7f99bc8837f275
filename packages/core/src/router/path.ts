/**
 * Route path syntax (docs/router-spec.md §2): parsing a route path into segments.
 * @module
 */
import { decodePercent } from './decode.js';
import type { PatternNode } from './pattern.js';
import { PatternSyntaxError, parsePattern } from './pattern.js';

/** Segment kinds, numbered by rank (smaller ranks first, spec §6). */
export const SegmentRank = { static: 0, mixed: 1, patterned: 2, plain: 3, wildcard: 4 } as const;

/** One piece of a mixed or param segment. */
export type SegmentPart =
  | { readonly kind: 'literal'; readonly text: string }
  | {
      readonly kind: 'param';
      readonly name: string;
      readonly pattern: string | null;
      readonly node: PatternNode | null;
    };

/** A parsed route segment. */
export type Segment =
  | { readonly kind: 'static'; readonly text: string }
  | { readonly kind: 'plain'; readonly name: string }
  | { readonly kind: 'patterned'; readonly name: string; readonly pattern: string; readonly node: PatternNode }
  | { readonly kind: 'mixed'; readonly parts: readonly SegmentPart[] }
  | { readonly kind: 'wildcard' };

/** Thrown while parsing a route path; the router wraps the reason into an `InvalidRouteError`. */
export class RouteSyntaxError extends Error {}

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
/** Longest route path accepted, in UTF-16 code units. */
export const MAX_ROUTE_PATH_LENGTH = 8192;

/** Finds the `)` closing the pattern that starts at `start` (just after `(`); -1 if none. */
function patternEnd(path: string, start: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = start; i < path.length; i++) {
    const c = path[i];
    if (c === '\\') i++;
    else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

function decodeLiteral(text: string): string {
  if (!text.includes('%')) return text;
  const decoded = decodePercent(text, false);
  if (decoded === null) throw new RouteSyntaxError(`malformed percent-escape in ${JSON.stringify(text)}`);
  if (decoded.slash) throw new RouteSyntaxError('an encoded slash (%2F) is not allowed in a route path');
  return decoded.value;
}

/** A character that gives a segment more structure than literal text. */
const SYNTAX = /[:*(?]/;

/** Splits a raw segment into literal text and params. */
function parseParts(path: string, from: number, to: number, names: Set<string>): SegmentPart[] {
  // Most segments are plain text: one slice instead of the character-by-character walk below.
  const raw = path.slice(from, to);
  if (!SYNTAX.test(raw)) return raw === '' ? [] : [{ kind: 'literal', text: decodeLiteral(raw) }];
  const parts: SegmentPart[] = [];
  let literal = '';
  const flush = () => {
    if (literal !== '') parts.push({ kind: 'literal', text: decodeLiteral(literal) });
    literal = '';
  };
  let i = from;
  while (i < to) {
    const c = path[i] as string;
    if (c === ':' && path[i + 1] === ':') {
      literal += ':';
      i += 2;
    } else if (c === ':') {
      if (!NAME_START.test(path[i + 1] ?? '')) throw new RouteSyntaxError(`":" at offset ${i} must start a param name`);
      let j = i + 2;
      while (j < to && NAME_CHAR.test(path[j] as string)) j++;
      const name = path.slice(i + 1, j);
      if (names.has(name)) throw new RouteSyntaxError(`param name "${name}" is used twice`);
      names.add(name);
      const previous = parts[parts.length - 1];
      if (literal === '' && previous?.kind === 'param') {
        throw new RouteSyntaxError(`params "${previous.name}" and "${name}" must be separated by literal text`);
      }
      flush();
      let pattern: string | null = null;
      let node: PatternNode | null = null;
      if (path[j] === '(') {
        const end = patternEnd(path, j + 1);
        if (end < 0 || end >= to) throw new RouteSyntaxError(`unterminated pattern of param "${name}"`);
        pattern = path.slice(j + 1, end);
        try {
          node = parsePattern(pattern);
        } catch (error) {
          if (error instanceof PatternSyntaxError) {
            throw new RouteSyntaxError(`pattern of param "${name}": ${error.message}`);
          }
          throw error;
        }
        j = end + 1;
      }
      parts.push({ kind: 'param', name, pattern, node });
      i = j;
    } else if (c === '*') {
      throw new RouteSyntaxError(`"*" at offset ${i} is only allowed as the whole last segment`);
    } else if (c === '(') {
      throw new RouteSyntaxError(`"(" at offset ${i} must follow a param name`);
    } else if (c === '?') {
      throw new RouteSyntaxError(`"?" at offset ${i} is not allowed in a path (use query constraints)`);
    } else {
      literal += c;
      i++;
    }
  }
  flush();
  return parts;
}

/** Finds where the segment starting at `from` ends (the next `/` outside a pattern). */
function segmentEnd(path: string, from: number): number {
  let i = from;
  while (i < path.length && path[i] !== '/') {
    if (path[i] === ':' && path[i + 1] !== ':') {
      let j = i + 1;
      while (j < path.length && NAME_CHAR.test(path[j] as string)) j++;
      if (path[j] === '(') {
        const end = patternEnd(path, j + 1);
        if (end < 0) throw new RouteSyntaxError(`unterminated pattern at offset ${j}`);
        i = end + 1;
        continue;
      }
      i = j;
    } else if (path[i] === ':') i += 2;
    else i++;
  }
  return i;
}

/**
 * Parses a route path (after trailing-slash normalization).
 * @throws RouteSyntaxError with the reason.
 */
export function parseRoutePath(path: string): Segment[] {
  if (path.length > MAX_ROUTE_PATH_LENGTH) {
    throw new RouteSyntaxError(`path longer than ${MAX_ROUTE_PATH_LENGTH} characters`);
  }
  if (!path.startsWith('/')) throw new RouteSyntaxError('path must start with "/"');
  if (path.includes('\0')) throw new RouteSyntaxError('path contains NUL');
  const segments: Segment[] = [];
  const names = new Set<string>();
  let start = 1;
  for (;;) {
    const end = segmentEnd(path, start);
    const last = end >= path.length;
    const raw = path.slice(start, end);
    if (raw === '' && !last) throw new RouteSyntaxError(`empty segment at offset ${start}`);
    if (raw === '*') {
      if (!last) throw new RouteSyntaxError('"*" is only allowed as the whole last segment');
      segments.push({ kind: 'wildcard' });
    } else {
      const parts = parseParts(path, start, end, names);
      segments.push(classify(parts));
    }
    if (last) break;
    start = end + 1;
  }
  return segments;
}

function classify(parts: SegmentPart[]): Segment {
  const only = parts[0];
  if (parts.length === 0) return { kind: 'static', text: '' };
  if (parts.length === 1 && only?.kind === 'literal') {
    if (only.text.includes('\0')) throw new RouteSyntaxError('path contains NUL');
    return { kind: 'static', text: only.text };
  }
  if (parts.length === 1 && only?.kind === 'param') {
    if (only.pattern === null || only.node === null) return { kind: 'plain', name: only.name };
    return { kind: 'patterned', name: only.name, pattern: only.pattern, node: only.node };
  }
  for (const part of parts) {
    if (part.kind === 'literal' && part.text.includes('\0')) throw new RouteSyntaxError('path contains NUL');
  }
  return { kind: 'mixed', parts };
}
