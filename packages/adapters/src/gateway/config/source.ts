/**
 * Reads `gateway.yaml` (or JSON, which the YAML parser reads too, positions included) into a
 * small tree of {@link SourceNode}s that keeps where every key and value came from, and turns a
 * plain object given in code into the same tree without positions. The validator works on this
 * tree only, so files and objects are checked by the same code.
 * @module
 */
import type { ConfigProblem } from '@switchyard/core';
import { isAlias, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { SourcePosition } from '../types.js';

/** A value of the config with where it came from (`undefined` for an object given in code). */
export type SourceNode =
  | { kind: 'map'; pos: SourcePosition | undefined; entries: SourceEntry[] }
  | { kind: 'seq'; pos: SourcePosition | undefined; items: SourceNode[] }
  | { kind: 'scalar'; pos: SourcePosition | undefined; value: unknown };

/** A key of a map, its position and its value. */
export interface SourceEntry {
  key: string;
  keyPos: SourcePosition | undefined;
  value: SourceNode;
}

/** Most nodes one file may expand to (aliases included): a bound on YAML alias bombs. */
const MAX_NODES = 200_000;
/** Most YAML syntax errors reported, one per line. */
const MAX_SYNTAX_ERRORS = 10;

/** A problem at a position (or none), in the shape `ConfigError.problems` holds. */
export function problemAt(pos: SourcePosition | undefined, message: string, file?: string): ConfigProblem {
  return { file: pos?.file ?? file, line: pos?.line, col: pos?.col, message };
}

/**
 * For a `.json` file the YAML parser's words ("flow sequence", "block collection") describe a
 * language the author did not write: JSON's own error, at its position, when `JSON.parse` has one
 * (text JSON accepts but YAML refuses, such as a repeated key, keeps the YAML problems).
 */
function jsonSyntaxProblem(
  text: string,
  file: string,
  at: (offset: number) => SourcePosition,
): ConfigProblem[] | undefined {
  if (!file.toLowerCase().endsWith('.json')) return undefined;
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const offset = /position (\d+)/.exec(message)?.[1];
    const clean = message.replace(/ in JSON at position \d+.*$/s, '').replace(/ at position \d+.*$/s, '');
    return [problemAt(at(offset === undefined ? 0 : Math.min(Number(offset), text.length)), `JSON: ${clean}`)];
  }
}

/**
 * Parses YAML (or JSON) text. Syntax errors come back as problems with their positions; the tree
 * is `undefined` when the text could not be read at all.
 */
export function parseSource(text: string, file: string): { root: SourceNode | undefined; problems: ConfigProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: ConfigProblem[] = [];
  const at = (offset: number): SourcePosition => {
    const { line, col } = lineCounter.linePos(offset);
    return { file, line, col };
  };
  const lines = new Set<number>();
  for (const error of doc.errors) {
    // One syntax error makes the parser report a cascade on the lines after it: the first error
    // of a line says what is wrong there, and ten lines of them are enough to start fixing.
    const pos = at(error.pos[0]);
    if (lines.has(pos.line)) continue;
    if (lines.size === MAX_SYNTAX_ERRORS) break;
    lines.add(pos.line);
    // The parser's message ends with " at line L, column C" plus a code frame: the position is
    // given in our own format instead.
    const message = error.message.replace(/ at line \d+, column \d+[\s\S]*$/, '');
    problems.push(problemAt(pos, `YAML: ${message}`));
  }
  if (problems.length > 0) return { root: undefined, problems: jsonSyntaxProblem(text, file, at) ?? problems };
  let budget = MAX_NODES;
  const anchors = new Map<object, unknown>();
  let exhausted = false;
  const convert = (node: unknown, depth: number): SourceNode => {
    const n = node as Node | null;
    const pos = n?.range ? at(n.range[0]) : undefined;
    if (--budget < 0 || depth > 64) {
      exhausted = true;
      return { kind: 'scalar', pos, value: null };
    }
    if (n === null || n === undefined) return { kind: 'scalar', pos, value: null };
    if (isAlias(n)) {
      // Resolving searches the document; an alias node is resolved once however often it repeats.
      let target = anchors.get(n);
      if (target === undefined) {
        target = n.resolve(doc) ?? null;
        anchors.set(n, target);
      }
      return target ? convert(target, depth + 1) : { kind: 'scalar', pos, value: null };
    }
    if (isScalar(n)) return { kind: 'scalar', pos, value: n.value };
    if (isSeq(n)) return { kind: 'seq', pos, items: n.items.map((item) => convert(item, depth + 1)) };
    if (isMap(n)) {
      const entries: SourceEntry[] = [];
      for (const pair of n.items) {
        const keyNode = pair.key as Node | null;
        const keyPos = keyNode?.range ? at(keyNode.range[0]) : pos;
        const key = isScalar(keyNode) ? keyNode.value : undefined;
        if (key === null || key === undefined || typeof key === 'object') {
          problems.push(problemAt(keyPos, 'expected a plain key (a name), got a complex or empty key'));
          continue;
        }
        entries.push({ key: String(key), keyPos, value: convert(pair.value, depth + 1) });
      }
      return { kind: 'map', pos, entries };
    }
    return { kind: 'scalar', pos, value: null };
  };
  const root = convert(doc.contents, 0);
  if (exhausted) {
    problems.push(
      problemAt(
        { file, line: 1, col: 1 },
        `the document is too large or too deep once its aliases are expanded (at most ${MAX_NODES} values, 64 levels)`,
      ),
    );
    return { root: undefined, problems };
  }
  return { root, problems };
}

/** The same tree for a plain object given in code (no positions). */
export function fromValue(value: unknown, depth = 0): SourceNode {
  if (depth > 64) return { kind: 'scalar', pos: undefined, value: null };
  if (Array.isArray(value)) return { kind: 'seq', pos: undefined, items: value.map((v) => fromValue(v, depth + 1)) };
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return {
      kind: 'map',
      pos: undefined,
      entries: Object.entries(value).map(([key, v]) => ({ key, keyPos: undefined, value: fromValue(v, depth + 1) })),
    };
  }
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === null) {
    return fromValue({ ...value }, depth);
  }
  return { kind: 'scalar', pos: undefined, value };
}

/** The node at a key path (`['routes', 2, 'service']`), or `undefined`. */
export function nodeAt(root: SourceNode | undefined, path: readonly (string | number)[]): SourceNode | undefined {
  let node = root;
  for (const part of path) {
    if (node === undefined) return undefined;
    if (typeof part === 'number') node = node.kind === 'seq' ? node.items[part] : undefined;
    else node = node.kind === 'map' ? node.entries.find((e) => e.key === part)?.value : undefined;
  }
  return node;
}

/** Position of the value at a key path, else of its nearest ancestor that has one. */
export function positionAt(
  root: SourceNode | undefined,
  path: readonly (string | number)[],
): SourcePosition | undefined {
  for (let n = path.length; n >= 0; n--) {
    const pos = nodeAt(root, path.slice(0, n))?.pos;
    if (pos) return pos;
  }
  return undefined;
}

/** Position of a key itself (for unknown or misplaced keys). */
export function keyPositionAt(
  root: SourceNode | undefined,
  path: readonly (string | number)[],
): SourcePosition | undefined {
  const parent = nodeAt(root, path.slice(0, -1));
  const last = path[path.length - 1];
  if (parent?.kind === 'map' && typeof last === 'string') {
    const entry = parent.entries.find((e) => e.key === last);
    if (entry?.keyPos) return entry.keyPos;
  }
  return positionAt(root, path);
}

/** `routes[2].split[0].service`, the key path as messages print it. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const part of path) {
    // Keys that could be misread (dots aside, which names may hold) are quoted: a header name
    // with a newline must not break the `file:line:col: message` line.
    if (typeof part === 'number') out += `[${part}]`;
    else if (!/^[A-Za-z0-9_.:*-]+$/.test(part)) out += `[${JSON.stringify(part)}]`;
    else out += out === '' ? part : `.${part}`;
  }
  return out === '' ? '(top level)' : out;
}
