/**
 * Every data-layout constant this package shares with the native addon, once. The Rust side
 * keeps the same set in crates/switchyard-napi/src/layout.rs and exports it; the loader refuses an
 * addon whose set differs ({@link layoutMismatch}), and tests/node/layout.test.ts compares the two.
 * Add a constant here and there, never in a wrapper's file.
 * @internal
 * @module
 */

/** The layout constants, by the names the addon's `layout()` gives them. */
export const LAYOUT = {
  /** Separates the code and the fields of an encoded native error (ASCII unit separator). */
  errorFieldSeparator: 0x1f,
  /** Most params a route can have. */
  routerMaxParams: 4097,
  /** Int32 slots per param in the router's shared output: start, end, flags. */
  routerParamFields: 3,
  /** Int32 slots of the router's shared output: a count, then the params. */
  routerOutputSlots: 1 + 3 * 4097,
  /** Route id of a miss. */
  routerNoRoute: -1,
  /** Method id of a request without method, or with one no route lists. */
  routerNoMethod: -1,
  /** Param flag: percent-decode the value. */
  paramDecode: 1,
  /** Param flag: the value holds U+FFFD that may stand for a lone surrogate. */
  paramReplacementChar: 2,
  /** Constraint kind: equals a string. */
  constraintEquals: 0,
  /** Constraint kind: present. */
  constraintPresent: 1,
  /** Constraint kind: absent. */
  constraintAbsent: 2,
  /** Constraint kind: matches a pattern. */
  constraintPattern: 3,
  /** Limiter kind: token bucket. */
  limiterTokenBucket: 0,
  /** Limiter kind: sliding window. */
  limiterSlidingWindow: 1,
  /** Float64 fields of a rate-limit decision in the shared output. */
  decisionFields: 5,
  /** Decision field: 1 when allowed, else 0. */
  decisionAllowed: 0,
  /** Decision field: the configured limit. */
  decisionLimit: 1,
  /** Decision field: whole units remaining. */
  decisionRemaining: 2,
  /** Decision field: ms until the same take would be admitted. */
  decisionRetryAfterMs: 3,
  /** Decision field: ms until the whole limit is available again. */
  decisionResetMs: 4,
  /** Uint32 fields of a key hash. */
  keyHashFields: 2,
  /** Key hash field: the high 32 bits. */
  keyHashHi: 0,
  /** Key hash field: the low 32 bits. */
  keyHashLo: 1,
} as const;

/** Name of a layout constant. */
export type LayoutName = keyof typeof LAYOUT;

/**
 * Why an addon's layout cannot serve this package (the first differences, named), or `null`
 * when it matches exactly.
 */
export function layoutMismatch(native: Readonly<Record<string, unknown>>): string | null {
  const differences: string[] = [];
  for (const [name, value] of Object.entries(LAYOUT)) {
    if (native[name] !== value) differences.push(`${name} is ${String(native[name])} in the addon, ${value} here`);
  }
  for (const name of Object.keys(native)) {
    if (!(name in LAYOUT)) differences.push(`${name} is unknown here`);
  }
  if (differences.length === 0) return null;
  const shown = differences.slice(0, 3).join('; ');
  return differences.length > 3 ? `${shown}; and ${differences.length - 3} more` : shown;
}
