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
  /** Int32 slots of the params region of the router's shared output: a count, then the params (or `Allow` ids). */
  routerParamSlots: 1 + 3 * 4097,
  /** Router output slot: the outcome of `resolve` (a `routerOutcome*`). */
  routerResolveOutcome: 1 + 3 * 4097,
  /** Router output slot: the rejection index (a `rejection*`) of a rejected request. */
  routerResolveRejection: 1 + 3 * 4097 + 1,
  /** Router output slot: the 1-based segment of a rejection (0: the path as a whole). */
  routerResolveSegment: 1 + 3 * 4097 + 2,
  /** Router output slot: `canonicalSame`, or the length of the canonical path in the shared bytes. */
  routerResolveCanonical: 1 + 3 * 4097 + 3,
  /** Router output slot: where the request's path part ends (UTF-16 index), with `canonicalSame`. */
  routerResolvePathEnd: 1 + 3 * 4097 + 4,
  /** Int32 slots `resolve` writes after the params region. */
  routerResolveSlots: 5,
  /** Int32 slots of the router's shared output: the params region, then the resolve slots. */
  routerOutputSlots: 1 + 3 * 4097 + 5,
  /** Header values the bound match/resolve functions with headers take as arguments (more: the array path). */
  routerHeaderArgs: 8,
  /** Route id of a miss. */
  routerNoRoute: -1,
  /** Method id of a request without method, or with one no route lists. */
  routerNoMethod: -1,
  /** `resolve` outcome: a route matched. */
  routerOutcomeMatched: 0,
  /** `resolve` outcome: no route, whatever the method. */
  routerOutcomeNoRoute: 1,
  /** `resolve` outcome: routes match but for their method; `Allow` ids in the params region. */
  routerOutcomeMethodNotAllowed: 2,
  /** `resolve` outcome: the canonicalization rules reject the request. */
  routerOutcomeRejected: 3,
  /** Param flag: percent-decode the value. */
  paramDecode: 1,
  /** Param flag: the value holds U+FFFD that may stand for a lone surrogate. */
  paramReplacementChar: 2,
  /** Param flag: the value is not a range of the path; ask the native core (`joinedParam`). */
  paramJoined: 4,
  /** The canonical path is the request's own path part, up to the path-end index. */
  canonicalSame: -1,
  /** Fewest bytes of a shared canonical-path array: the first one's size (grown by doubling). */
  canonicalBytesMin: 4096,
  /** Int32 slots of `canonicalizePath`'s shared output. */
  canonicalOutputSlots: 3,
  /** `canonicalizePath` output slot: `canonicalSame` or the length of the canonical bytes. */
  canonicalLength: 0,
  /** `canonicalizePath` output slot: where the target's path part ends, with `canonicalSame`. */
  canonicalPathEnd: 1,
  /** `canonicalizePath` output slot: the 1-based segment of a rejection. */
  canonicalSegment: 2,
  /** What the native `canonicalizePath` returns for an accepted path (else a rejection index). */
  rejectionNone: 0,
  /** Rejection index of `not-origin-form`. */
  rejectionNotOriginForm: 1,
  /** Rejection index of `malformed-escape`. */
  rejectionMalformedEscape: 2,
  /** Rejection index of `invalid-utf8`. */
  rejectionInvalidUtf8: 3,
  /** Rejection index of `nul`. */
  rejectionNul: 4,
  /** Rejection index of `encoded-slash`. */
  rejectionEncodedSlash: 5,
  /** Rejection index of `backslash`. */
  rejectionBackslash: 6,
  /** Rejection index of `dot-segment`. */
  rejectionDotSegment: 7,
  /** Number of rejections (indexes 1 to this). */
  rejectionCount: 7,
  /** Mask of a three-way field of a packed path policy (an on/off field is one bit). */
  policyFieldMask: 3,
  /** Packed policy field: `encodedSlash` (an `encodedSlash*`). */
  policyEncodedSlashShift: 0,
  /** Packed policy field: 1 for `malformedEncoding: 'literal'`. */
  policyMalformedLiteralShift: 2,
  /** Packed policy field: `dotSegments` (a `dotSegments*`). */
  policyDotSegmentsShift: 3,
  /** Packed policy field: 1 for `mergeSlashes: true`. */
  policyMergeSlashesShift: 5,
  /** Packed policy field: `backslash` (a `backslash*`). */
  policyBackslashShift: 6,
  /** Bits of a packed policy; none above may be set. */
  policyBits: 8,
  /** `encodedSlash: 'decode'`. */
  encodedSlashDecode: 0,
  /** `encodedSlash: 'keep'`. */
  encodedSlashKeep: 1,
  /** `encodedSlash: 'reject'`. */
  encodedSlashReject: 2,
  /** `dotSegments: 'reject'`. */
  dotSegmentsReject: 0,
  /** `dotSegments: 'resolve'`. */
  dotSegmentsResolve: 1,
  /** `dotSegments: 'keep'`. */
  dotSegmentsKeep: 2,
  /** `backslash: 'reject'`. */
  backslashReject: 0,
  /** `backslash: 'slash'`. */
  backslashSlash: 1,
  /** `backslash: 'keep'`. */
  backslashKeep: 2,
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
