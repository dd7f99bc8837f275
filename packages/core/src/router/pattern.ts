/**
 * Parser for the safe pattern subset of docs/router-spec.md §3. Everything outside the subset is
 * rejected with a reason, so both implementations accept exactly the same patterns.
 * @module
 */
import { jsLoops } from './loops.js';

/** A set of code points as sorted, disjoint, inclusive ranges. */
export type Ranges = ReadonlyArray<readonly [number, number]>;

/** Pattern syntax tree. Groups do not capture, so they leave no node of their own. */
export type PatternNode =
  | { readonly t: 'set'; readonly ranges: Ranges }
  | { readonly t: 'cat'; readonly items: readonly PatternNode[] }
  | { readonly t: 'alt'; readonly items: readonly PatternNode[] }
  | {
      readonly t: 'rep';
      readonly min: number;
      readonly max: number;
      readonly greedy: boolean;
      readonly item: PatternNode;
    };

/** Largest count allowed in `{n}`, `{n,}`, `{n,m}`. */
export const MAX_REPEAT = 100;
/** Largest expanded size of a pattern (see the spec). */
export const MAX_PATTERN_SIZE = 2000;
const MAX_CODE_POINT = 0x10ffff;

/** Thrown by {@link parsePattern}; the router turns it into an `InvalidRouteError`. */
export class PatternSyntaxError extends Error {}

export const DIGIT: Ranges = [[0x30, 0x39]];
export const WORD: Ranges = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
export const SPACE: Ranges = [
  [0x09, 0x0d],
  [0x20, 0x20],
];
/** `.`: any code point but `\n`. */
export const DOT: Ranges = [
  [0, 0x09],
  [0x0b, MAX_CODE_POINT],
];
/** Any code point (a plain param inside a mixed segment). */
export const ANY: Ranges = [[0, MAX_CODE_POINT]];

/** Sorts and merges ranges. */
export function normalizeRanges(input: Iterable<readonly [number, number]>): Ranges {
  const sorted = [...input].sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** Complement within all code points. */
export function negateRanges(ranges: Ranges): Ranges {
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [lo, hi] of ranges) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

const PUNCTUATION = new Set(Array.from('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', (c) => c.codePointAt(0) as number));
const SIMPLE_ESCAPES: Record<string, number> = { t: 0x09, n: 0x0a, r: 0x0d, f: 0x0c, v: 0x0b };
const CLASS_ESCAPES: Record<string, Ranges> = {
  d: DIGIT,
  D: negateRanges(DIGIT),
  w: WORD,
  W: negateRanges(WORD),
  s: SPACE,
  S: negateRanges(SPACE),
};

class Parser {
  private pos = 0;
  private readonly cps: number[];

  constructor(readonly source: string) {
    this.cps = Array.from(source, (c) => c.codePointAt(0) as number);
  }

  parse(): PatternNode {
    if (this.cps.length === 0) throw new PatternSyntaxError('empty pattern');
    const node = this.alternation();
    if (this.pos < this.cps.length) this.fail('unbalanced ")"');
    const size = patternSize(node);
    if (size > MAX_PATTERN_SIZE) {
      throw new PatternSyntaxError(`pattern too large (expanded size ${size} > ${MAX_PATTERN_SIZE})`);
    }
    // The loop rewrite can grow a pattern whose loops may match empty far past its written size
    // (`((a|){3,}){71}` nested once more: ~160,000 VM instructions from 721), and matching costs
    // that size per input character: the rewritten pattern is held to the same bound (spec §3).
    if (sizeWithin(jsLoops(node), MAX_PATTERN_SIZE) > MAX_PATTERN_SIZE) {
      throw new PatternSyntaxError(
        `pattern too large once its loops are rewritten (size over ${MAX_PATTERN_SIZE}): a loop whose body may match nothing is spelled out`,
      );
    }
    return node;
  }

  private fail(reason: string): never {
    throw new PatternSyntaxError(`${reason} at offset ${this.pos}`);
  }

  private peek(offset = 0): string | undefined {
    const cp = this.cps[this.pos + offset];
    return cp === undefined ? undefined : String.fromCodePoint(cp);
  }

  private alternation(): PatternNode {
    const items = [this.concat()];
    while (this.peek() === '|') {
      this.pos++;
      items.push(this.concat());
    }
    return items.length === 1 ? (items[0] as PatternNode) : { t: 'alt', items };
  }

  private concat(): PatternNode {
    const items: PatternNode[] = [];
    for (let c = this.peek(); c !== undefined && c !== '|' && c !== ')'; c = this.peek()) {
      const atom = this.atom();
      items.push(this.quantified(atom));
    }
    return items.length === 1 ? (items[0] as PatternNode) : { t: 'cat', items };
  }

  private atom(): PatternNode {
    const c = this.peek() as string;
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return this.charClass();
      case '.':
        this.pos++;
        return { t: 'set', ranges: DOT };
      case '\\':
        return this.escape(false);
      case '^':
      case '$':
        this.fail(`anchor "${c}" is not allowed (params are anchored already)`);
        break;
      case '*':
      case '+':
      case '?':
        this.fail(`quantifier "${c}" has nothing to repeat`);
        break;
      case '{':
        if (this.readCount() !== null) this.fail('quantifier "{" has nothing to repeat');
        this.fail('"{" must be escaped when it is not a quantifier');
        break;
      case '}':
      case ']':
        this.fail(`"${c}" must be escaped`);
        break;
    }
    this.pos++;
    const cp = c.codePointAt(0) as number;
    return { t: 'set', ranges: [[cp, cp]] };
  }

  private group(): PatternNode {
    this.pos++; // (
    if (this.peek() === '?') {
      const next = this.peek(1);
      if (next === ':') this.pos += 2;
      else if (next === '=' || next === '!') this.fail('lookahead is not allowed');
      else if (next === '<' && (this.peek(2) === '=' || this.peek(2) === '!')) this.fail('lookbehind is not allowed');
      else if (next === '<' || next === 'P') this.fail('named groups are not allowed');
      else this.fail('inline flags and other group kinds are not allowed');
    }
    const inner = this.alternation();
    if (this.peek() !== ')') this.fail('unbalanced "("');
    this.pos++;
    return inner;
  }

  private escape(inClass: boolean): PatternNode {
    this.pos++; // backslash
    const c = this.peek();
    if (c === undefined) this.fail('pattern ends with "\\"');
    const cls = CLASS_ESCAPES[c];
    const simple = SIMPLE_ESCAPES[c];
    const cp = c.codePointAt(0) as number;
    if (cls) {
      this.pos++;
      return { t: 'set', ranges: cls };
    }
    if (simple !== undefined) {
      this.pos++;
      return { t: 'set', ranges: [[simple, simple]] };
    }
    if (PUNCTUATION.has(cp)) {
      this.pos++;
      return { t: 'set', ranges: [[cp, cp]] };
    }
    if (c >= '0' && c <= '9') this.fail(inClass ? `escape "\\${c}" is not allowed` : 'backreferences are not allowed');
    if (c === 'k') this.fail('backreferences are not allowed');
    if (c === 'b' || c === 'B') this.fail(`"\\${c}" is not allowed`);
    return this.fail(`escape "\\${c}" is not allowed`);
  }

  private charClass(): PatternNode {
    this.pos++; // [
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.pos++;
    }
    const parts: Array<readonly [number, number]> = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail('unterminated "["');
      if (c === ']') {
        if (first) this.fail('empty character class');
        this.pos++;
        break;
      }
      first = false;
      const lo = this.classAtom();
      if (this.peek() === '-' && this.peek(1) !== undefined && this.peek(1) !== ']') {
        this.pos++; // -
        const hi = this.classAtom();
        if (lo.length !== 1 || hi.length !== 1 || lo[0]?.[0] !== lo[0]?.[1] || hi[0]?.[0] !== hi[0]?.[1]) {
          this.fail('a class escape cannot be a range end');
        }
        const from = (lo[0] as readonly [number, number])[0];
        const to = (hi[0] as readonly [number, number])[0];
        if (from > to) this.fail('class range out of order');
        parts.push([from, to]);
      } else {
        parts.push(...lo);
      }
    }
    const ranges = normalizeRanges(parts);
    return { t: 'set', ranges: negated ? negateRanges(ranges) : ranges };
  }

  /** One class member: a code point or a class escape, as ranges. */
  private classAtom(): Ranges {
    const c = this.peek() as string;
    if (c === '\\') return (this.escape(true) as { ranges: Ranges }).ranges;
    if (c === '[') this.fail('"[" must be escaped inside a class');
    this.pos++;
    const cp = c.codePointAt(0) as number;
    return [[cp, cp]];
  }

  /** Reads `{n}`, `{n,}` or `{n,m}` at the cursor without consuming; null if it is not one. */
  private readCount(): { min: number; max: number; length: number } | null {
    let i = this.pos + 1;
    const digits = () => {
      const start = i;
      while (i < this.cps.length && (this.cps[i] as number) >= 0x30 && (this.cps[i] as number) <= 0x39) i++;
      return i > start ? Number(String.fromCodePoint(...this.cps.slice(start, i))) : null;
    };
    const min = digits();
    if (min === null) return null;
    let max = min;
    if (this.cps[i] === 0x2c) {
      i++;
      const upper = digits();
      max = upper ?? Number.POSITIVE_INFINITY;
    }
    if (this.cps[i] !== 0x7d) return null;
    return { min, max, length: i + 1 - this.pos };
  }

  private quantified(atom: PatternNode): PatternNode {
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === '*' || c === '+' || c === '?') {
      this.pos++;
      min = c === '+' ? 1 : 0;
      max = c === '?' ? 1 : Number.POSITIVE_INFINITY;
    } else if (c === '{') {
      const count = this.readCount();
      if (count === null) this.fail('"{" must be escaped when it is not a quantifier');
      if (count.min > MAX_REPEAT || (count.max !== Number.POSITIVE_INFINITY && count.max > MAX_REPEAT)) {
        this.fail(`repetition count above ${MAX_REPEAT}`);
      }
      if (count.max < count.min) this.fail('repetition range out of order');
      this.pos += count.length;
      min = count.min;
      max = count.max;
    } else {
      return atom;
    }
    let greedy = true;
    if (this.peek() === '?') {
      greedy = false;
      this.pos++;
    }
    const after = this.peek();
    if (after === '*' || after === '+' || after === '?' || (after === '{' && this.readCount() !== null)) {
      this.fail(`quantifier "${after}" has nothing to repeat`);
    }
    return { t: 'rep', min, max, greedy, item: atom };
  }
}

/** Expanded size, as the spec defines it (bounds memory and time in both implementations). */
export function patternSize(node: PatternNode): number {
  return sizeWithin(node, Number.POSITIVE_INFINITY);
}

/**
 * The expanded size of a pattern as the spec counts it, or `cap + 1` as soon as it is known to be
 * larger: the loop rewrite shares repeated parts, so counting them out in full could take as long
 * as the blow-up it is there to refuse.
 */
export function sizeWithin(node: PatternNode, cap: number): number {
  switch (node.t) {
    case 'set':
      return 1;
    case 'cat':
    case 'alt': {
      let size = 1;
      for (const item of node.items) {
        size += sizeWithin(item, cap);
        if (size > cap) return cap + 1;
      }
      return size;
    }
    case 'rep': {
      const bound = node.max === Number.POSITIVE_INFINITY ? node.min : node.max;
      return Math.min(cap + 1, sizeWithin(node.item, cap) * Math.max(1, bound) + 1);
    }
  }
}

/**
 * Parses a pattern of the safe subset.
 * @throws PatternSyntaxError with the reason and the offset (in code points).
 */
export function parsePattern(source: string): PatternNode {
  return new Parser(source).parse();
}
