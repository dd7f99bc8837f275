/**
 * A Pike VM for the safe pattern subset: anchored full matches with leftmost-first captures (what
 * a backtracking engine would report), in time O(input x program) — no route table can make the
 * reference backtrack catastrophically. The Rust core gets the same answers from the `regex` crate.
 * @module
 */
import { jsLoops } from './loops.js';
import type { PatternNode, Ranges } from './pattern.js';

type Inst =
  | { readonly op: 'set'; readonly ranges: Ranges }
  | { readonly op: 'split'; x: number; y: number }
  | { readonly op: 'jmp'; x: number }
  | { readonly op: 'save'; readonly slot: number }
  | { readonly op: 'match' };

/** A compiled program; `slots` is twice the number of capture groups. */
export interface Program {
  readonly insts: readonly Inst[];
  readonly slots: number;
}

/** A pattern part for {@link compileParts}: a tree, or a capture around a tree. */
export type Part = { readonly capture: boolean; readonly node: PatternNode };

class Compiler {
  readonly insts: Inst[] = [];

  emit(inst: Inst): number {
    this.insts.push(inst);
    return this.insts.length - 1;
  }

  node(n: PatternNode): void {
    switch (n.t) {
      case 'set':
        this.emit({ op: 'set', ranges: n.ranges });
        return;
      case 'cat':
        for (const item of n.items) this.node(item);
        return;
      case 'alt': {
        const jumps: Array<{ op: 'jmp'; x: number }> = [];
        n.items.forEach((item, i) => {
          if (i < n.items.length - 1) {
            const split = { op: 'split' as const, x: this.insts.length + 1, y: 0 };
            this.emit(split);
            this.node(item);
            const jmp = { op: 'jmp' as const, x: 0 };
            this.emit(jmp);
            jumps.push(jmp);
            split.y = this.insts.length;
          } else {
            this.node(item);
          }
        });
        for (const j of jumps) j.x = this.insts.length;
        return;
      }
      case 'rep':
        this.repeat(n.item, n.min, n.max, n.greedy);
        return;
    }
  }

  private star(item: PatternNode, greedy: boolean): void {
    const split = { op: 'split' as const, x: 0, y: 0 };
    const loop = this.emit(split);
    const body = this.insts.length;
    this.node(item);
    this.emit({ op: 'jmp', x: loop });
    const end = this.insts.length;
    split.x = greedy ? body : end;
    split.y = greedy ? end : body;
  }

  private repeat(item: PatternNode, min: number, max: number, greedy: boolean): void {
    for (let i = 0; i < min; i++) this.node(item);
    if (max === Number.POSITIVE_INFINITY) {
      this.star(item, greedy);
      return;
    }
    // x{n,m}: n copies, then (m - n) nested optionals: x(x(x)?)?, so fewer is tried only after more.
    const splits: Array<{ op: 'split'; x: number; y: number }> = [];
    for (let i = min; i < max; i++) {
      const split = { op: 'split' as const, x: 0, y: 0 };
      this.emit(split);
      splits.push(split);
      split.x = this.insts.length;
      this.node(item);
    }
    const end = this.insts.length;
    for (const split of splits) {
      if (greedy) split.y = end;
      else {
        split.y = split.x;
        split.x = end;
      }
    }
  }
}

/** Compiles a sequence of parts; each capturing part gets slots `2k`, `2k+1`. */
export function compileParts(parts: readonly Part[]): Program {
  const c = new Compiler();
  let group = 0;
  for (const part of parts) {
    if (part.capture) c.emit({ op: 'save', slot: 2 * group });
    c.node(jsLoops(part.node));
    if (part.capture) {
      c.emit({ op: 'save', slot: 2 * group + 1 });
      group++;
    }
  }
  c.emit({ op: 'match' });
  return { insts: c.insts, slots: 2 * group };
}

function inRanges(ranges: Ranges, cp: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = ranges[mid] as readonly [number, number];
    if (cp < r[0]) hi = mid - 1;
    else if (cp > r[1]) lo = mid + 1;
    else return true;
  }
  return false;
}

interface Thread {
  pc: number;
  caps: number[];
}

/**
 * Runs `program` anchored at both ends over `input` (code points). Returns the capture slots of
 * the leftmost-first full match (positions are code-point indexes), or null.
 */
export function runProgram(program: Program, input: readonly number[]): number[] | null {
  const { insts } = program;
  let current: Thread[] = [];
  let next: Thread[] = [];
  let seen = new Uint32Array(insts.length);
  let generation = 1;
  let matched: number[] | null = null;

  // Follows jumps, splits and saves in priority order, queuing the threads that wait on input.
  const add = (list: Thread[], pc: number, caps: number[], pos: number): void => {
    const stack: Array<[number, number[]]> = [[pc, caps]];
    while (stack.length > 0) {
      const [p, c] = stack.pop() as [number, number[]];
      if (seen[p] === generation) continue;
      seen[p] = generation;
      const inst = insts[p] as Inst;
      switch (inst.op) {
        case 'jmp':
          stack.push([inst.x, c]);
          break;
        case 'split':
          stack.push([inst.y, c], [inst.x, c]);
          break;
        case 'save': {
          const copy = c.slice();
          copy[inst.slot] = pos;
          stack.push([p + 1, copy]);
          break;
        }
        default:
          list.push({ pc: p, caps: c });
      }
    }
  };

  add(current, 0, new Array(program.slots).fill(-1), 0);
  for (let pos = 0; pos <= input.length && current.length > 0; pos++) {
    generation++;
    if (generation === 0xffffffff) {
      seen = new Uint32Array(insts.length);
      generation = 1;
    }
    const cp = input[pos];
    for (const thread of current) {
      const inst = insts[thread.pc] as Inst;
      if (inst.op === 'match') {
        if (pos === input.length) {
          matched = thread.caps;
          break; // lower-priority threads cannot win any more
        }
      } else if (inst.op === 'set' && cp !== undefined && inRanges(inst.ranges, cp)) {
        add(next, thread.pc + 1, thread.caps, pos + 1);
      }
    }
    [current, next] = [next, []];
  }
  return matched;
}

/** Reused working memory of {@link matchesProgram}, per program (sized to it). */
interface Scan {
  current: Int32Array;
  next: Int32Array;
  stack: Int32Array;
  seen: Uint32Array;
  generation: number;
}

const scans = new WeakMap<Program, Scan>();

/**
 * Whether `program` matches `input` (code points) in full: {@link runProgram}'s answer without
 * its captures. With no captures to carry, a thread is only its instruction, so the state lists
 * are typed arrays reused from call to call and a step allocates nothing, which is what a header
 * or query pattern, and a segment pattern tried while walking the route trie, need.
 */
export function matchesProgram(program: Program, input: readonly number[]): boolean {
  const { insts } = program;
  let scan = scans.get(program);
  if (scan === undefined) {
    const n = insts.length;
    // A state is visited once per step and pushes at most two more: 2n + 1 bounds the stack.
    scan = {
      current: new Int32Array(n),
      next: new Int32Array(n),
      stack: new Int32Array(2 * n + 1),
      seen: new Uint32Array(n),
      generation: 0,
    };
    scans.set(program, scan);
  }
  const { stack, seen } = scan;
  let current = scan.current;
  let next = scan.next;
  const step = (): number => {
    scan.generation++;
    if (scan.generation === 0xffffffff) {
      seen.fill(0);
      scan.generation = 1;
    }
    return scan.generation;
  };
  // Follows jumps, splits and saves from `pc`, appending the states that wait on input to `list`.
  const add = (list: Int32Array, length: number, pc: number, generation: number): number => {
    let sp = 0;
    stack[sp++] = pc;
    while (sp > 0) {
      const p = stack[--sp] as number;
      if (seen[p] === generation) continue;
      seen[p] = generation;
      const inst = insts[p] as Inst;
      switch (inst.op) {
        case 'jmp':
          stack[sp++] = inst.x;
          break;
        case 'split':
          stack[sp++] = inst.y;
          stack[sp++] = inst.x;
          break;
        case 'save':
          stack[sp++] = p + 1;
          break;
        default:
          list[length++] = p;
      }
    }
    return length;
  };
  let length = add(current, 0, 0, step());
  for (let pos = 0; pos <= input.length && length > 0; pos++) {
    const generation = step();
    const cp = input[pos];
    let nextLength = 0;
    for (let i = 0; i < length; i++) {
      const pc = current[i] as number;
      const inst = insts[pc] as Inst;
      if (inst.op === 'match') {
        if (pos === input.length) return true;
      } else if (inst.op === 'set' && cp !== undefined && inRanges(inst.ranges, cp)) {
        nextLength = add(next, nextLength, pc + 1, generation);
      }
    }
    [current, next] = [next, current];
    length = nextLength;
  }
  return false;
}

/** Code points of a string (which the router has made well-formed). */
export function codePoints(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const cp = s.codePointAt(i) as number;
    out.push(cp);
    if (cp > 0xffff) i++;
  }
  return out;
}

/** Code points of a string with the UTF-16 index of each (and the length at the end). */
export interface CodePoints {
  readonly points: number[];
  readonly offsets: number[];
}

/** {@link codePoints}, plus where each code point starts in the string. */
export function codePointsWithOffsets(s: string): CodePoints {
  const points: number[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const cp = s.codePointAt(i) as number;
    points.push(cp);
    offsets.push(i);
    if (cp > 0xffff) i++;
  }
  offsets.push(s.length);
  return { points, offsets };
}
