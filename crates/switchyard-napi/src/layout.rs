//! Every data-layout constant the binding shares with its TS wrapper, and the loader handshake.
//!
//! The TS side keeps the same constants once, in packages/node/src/layout.ts. The addon exports
//! them ([`layout`]) with its version ([`version`]); the loader (packages/node/src/implementation.ts)
//! refuses an addon whose version or layout differs from the package's, and a test compares the
//! two sets (tests/node/layout.test.ts). Add a constant here and there, never in a primitive's file.

// Under `cargo test` the napi registration is compiled out, leaving the exports unused.
#![cfg_attr(test, allow(dead_code))]

use std::collections::HashMap;

use napi_derive::napi;
use switchyard::error::ERROR_CODES;
use switchyard::router::Rejection;

/// Separates the code and the fields of an encoded error message (ASCII unit separator).
pub const FIELD_SEPARATOR: char = '\u{1f}';

/// Most params a route can have: a route path has at most 8192 characters.
pub const ROUTER_MAX_PARAMS: usize = 4097;
/// Int32 slots per param in the router's shared output: start, end (UTF-16 offsets into the
/// request path) and flags.
pub const ROUTER_PARAM_FIELDS: usize = 3;
/// Int32 slots of the params region of the router's shared output: a count, then the params
/// (`resolve` writes the `Allow` method ids there too: a count, then the ids).
pub const ROUTER_PARAM_SLOTS: usize = 1 + ROUTER_PARAM_FIELDS * ROUTER_MAX_PARAMS;
/// Int32 slot where `resolve` writes its outcome (one of the `ROUTER_OUTCOME_*`).
pub const ROUTER_RESOLVE_OUTCOME: usize = ROUTER_PARAM_SLOTS;
/// Int32 slot where `resolve` writes the rejection index (a `REJECTION_*`) of a rejected request.
pub const ROUTER_RESOLVE_REJECTION: usize = ROUTER_PARAM_SLOTS + 1;
/// Int32 slot where `resolve` writes the 1-based segment of a rejection (0: the path as a whole).
pub const ROUTER_RESOLVE_SEGMENT: usize = ROUTER_PARAM_SLOTS + 2;
/// Int32 slot where `resolve` writes the canonical path: [`CANONICAL_SAME`], or its length in
/// bytes in the shared canonical bytes (written there when it fits).
pub const ROUTER_RESOLVE_CANONICAL: usize = ROUTER_PARAM_SLOTS + 3;
/// Int32 slot where `resolve` writes where the request's path part ends (UTF-16 index), with
/// [`CANONICAL_SAME`].
pub const ROUTER_RESOLVE_PATH_END: usize = ROUTER_PARAM_SLOTS + 4;
/// Int32 slots `resolve` writes after the params region.
pub const ROUTER_RESOLVE_SLOTS: usize = 5;
/// Int32 slots of the router's shared output: the params region, then the resolve slots.
pub const ROUTER_OUTPUT_SLOTS: usize = ROUTER_PARAM_SLOTS + ROUTER_RESOLVE_SLOTS;
/// Header values the bound `match`/`resolve` functions with headers take as arguments after the
/// method, path and host (one per header slot, `undefined` = absent): a table whose constraints
/// name more distinct headers goes through `matchWithHeaders` and its array instead.
pub const ROUTER_HEADER_ARGS: usize = 8;
/// Route id the match function returns when no route matches.
pub const ROUTER_NO_ROUTE: i32 = -1;
/// Method id of a request without method, or with one no route lists.
pub const ROUTER_NO_METHOD: i32 = -1;
/// `resolve` outcome: a route matched; its params are in the params region.
pub const ROUTER_OUTCOME_MATCHED: i32 = 0;
/// `resolve` outcome: no route matches, whatever the method.
pub const ROUTER_OUTCOME_NO_ROUTE: i32 = 1;
/// `resolve` outcome: routes match but for their method; the `Allow` ids are in the params region.
pub const ROUTER_OUTCOME_METHOD_NOT_ALLOWED: i32 = 2;
/// `resolve` outcome: the canonicalization rules reject the request.
pub const ROUTER_OUTCOME_REJECTED: i32 = 3;
/// Param flag: the value holds percent-escapes to decode.
pub const PARAM_DECODE: i32 = switchyard::router::PARAM_DECODE as i32;
/// Param flag: the value holds U+FFFD that may stand for a lone surrogate.
pub const PARAM_REPLACEMENT_CHAR: i32 = switchyard::router::PARAM_REPLACEMENT_CHAR as i32;
/// Param flag: the value is not a range of the path (canonicalization joined segments); the
/// wrapper asks for it (`joinedParam`).
pub const PARAM_JOINED: i32 = switchyard::router::PARAM_JOINED as i32;

/// The canonical path is the request's own path part, up to the path-end index written with it.
pub const CANONICAL_SAME: i32 = -1;
/// Fewest bytes of a shared canonical-path array; the wrapper starts with this many and doubles.
pub const CANONICAL_BYTES_MIN: usize = 4096;
/// Int32 slots of `canonicalizePath`'s shared output.
pub const CANONICAL_OUTPUT_SLOTS: usize = 3;
/// `canonicalizePath` output slot: [`CANONICAL_SAME`] or the length of the canonical bytes.
pub const CANONICAL_LENGTH: usize = 0;
/// `canonicalizePath` output slot: where the target's path part ends, with [`CANONICAL_SAME`].
pub const CANONICAL_PATH_END: usize = 1;
/// `canonicalizePath` output slot: the 1-based segment of a rejection.
pub const CANONICAL_SEGMENT: usize = 2;

/// What `canonicalizePath` returns for an accepted path (else a `REJECTION_*` index).
pub const REJECTION_NONE: i32 = 0;
/// Rejection index of `not-origin-form`.
pub const REJECTION_NOT_ORIGIN_FORM: i32 = Rejection::NotOriginForm as i32;
/// Rejection index of `malformed-escape`.
pub const REJECTION_MALFORMED_ESCAPE: i32 = Rejection::MalformedEscape as i32;
/// Rejection index of `invalid-utf8`.
pub const REJECTION_INVALID_UTF8: i32 = Rejection::InvalidUtf8 as i32;
/// Rejection index of `nul`.
pub const REJECTION_NUL: i32 = Rejection::Nul as i32;
/// Rejection index of `encoded-slash`.
pub const REJECTION_ENCODED_SLASH: i32 = Rejection::EncodedSlash as i32;
/// Rejection index of `backslash`.
pub const REJECTION_BACKSLASH: i32 = Rejection::Backslash as i32;
/// Rejection index of `dot-segment`.
pub const REJECTION_DOT_SEGMENT: i32 = Rejection::DotSegment as i32;
/// Number of rejections (their indexes are 1 to this).
pub const REJECTION_COUNT: usize = Rejection::ALL.len();

/// The path options of `canonicalizePath` packed into one number (one primitive per call instead
/// of five values): each three-way option at its shift, [`POLICY_FIELD_MASK`] wide; each on/off
/// option one bit at its shift.
pub const POLICY_FIELD_MASK: u32 = 3;
/// Policy field: `encodedSlash`, one of `ENCODED_SLASH_*`.
pub const POLICY_ENCODED_SLASH_SHIFT: u32 = 0;
/// Policy field: 1 when `malformedEncoding` is `'literal'`.
pub const POLICY_MALFORMED_LITERAL_SHIFT: u32 = 2;
/// Policy field: `dotSegments`, one of `DOT_SEGMENTS_*`.
pub const POLICY_DOT_SEGMENTS_SHIFT: u32 = 3;
/// Policy field: 1 when `mergeSlashes` is on.
pub const POLICY_MERGE_SLASHES_SHIFT: u32 = 5;
/// Policy field: `backslash`, one of `BACKSLASH_*`.
pub const POLICY_BACKSLASH_SHIFT: u32 = 6;
/// Bits above the last policy field: none may be set.
pub const POLICY_BITS: u32 = 8;
/// `encodedSlash: 'decode'`.
pub const ENCODED_SLASH_DECODE: u32 = 0;
/// `encodedSlash: 'keep'`.
pub const ENCODED_SLASH_KEEP: u32 = 1;
/// `encodedSlash: 'reject'`.
pub const ENCODED_SLASH_REJECT: u32 = 2;
/// `dotSegments: 'reject'`.
pub const DOT_SEGMENTS_REJECT: u32 = 0;
/// `dotSegments: 'resolve'`.
pub const DOT_SEGMENTS_RESOLVE: u32 = 1;
/// `dotSegments: 'keep'`.
pub const DOT_SEGMENTS_KEEP: u32 = 2;
/// `backslash: 'reject'`.
pub const BACKSLASH_REJECT: u32 = 0;
/// `backslash: 'slash'`.
pub const BACKSLASH_SLASH: u32 = 1;
/// `backslash: 'keep'`.
pub const BACKSLASH_KEEP: u32 = 2;

/// Constraint kind: the header or query value equals a string.
pub const CONSTRAINT_EQUALS: u32 = 0;
/// Constraint kind: the header or query key is present.
pub const CONSTRAINT_PRESENT: u32 = 1;
/// Constraint kind: the header or query key is absent.
pub const CONSTRAINT_ABSENT: u32 = 2;
/// Constraint kind: the header or query value matches a pattern.
pub const CONSTRAINT_PATTERN: u32 = 3;

/// Limiter kind: token bucket (`a` = capacity, `b` = refill in micro-tokens per ms).
pub const LIMITER_TOKEN_BUCKET: u32 = 0;
/// Limiter kind: sliding window (`a` = limit, `b` = windowMs).
pub const LIMITER_SLIDING_WINDOW: u32 = 1;
/// Float64 fields of a rate-limit decision in the shared output.
pub const DECISION_FIELDS: usize = 5;
/// Decision field: 1 when allowed, else 0.
pub const DECISION_ALLOWED: usize = 0;
/// Decision field: the configured limit.
pub const DECISION_LIMIT: usize = 1;
/// Decision field: whole units remaining.
pub const DECISION_REMAINING: usize = 2;
/// Decision field: ms until the same take would be admitted (0 when allowed).
pub const DECISION_RETRY_AFTER_MS: usize = 3;
/// Decision field: ms until the whole limit is available again.
pub const DECISION_RESET_MS: usize = 4;

/// Uint32 fields of a key hash written by `hashingKeyHash`.
pub const KEY_HASH_FIELDS: usize = 2;
/// Key hash field: the high 32 bits.
pub const KEY_HASH_HI: usize = 0;
/// Key hash field: the low 32 bits.
pub const KEY_HASH_LO: usize = 1;

/// Every constant above, by the name packages/node/src/layout.ts gives it.
pub const LAYOUT: [(&str, i64); 67] = [
    ("errorFieldSeparator", FIELD_SEPARATOR as i64),
    ("routerMaxParams", ROUTER_MAX_PARAMS as i64),
    ("routerParamFields", ROUTER_PARAM_FIELDS as i64),
    ("routerParamSlots", ROUTER_PARAM_SLOTS as i64),
    ("routerResolveOutcome", ROUTER_RESOLVE_OUTCOME as i64),
    ("routerResolveRejection", ROUTER_RESOLVE_REJECTION as i64),
    ("routerResolveSegment", ROUTER_RESOLVE_SEGMENT as i64),
    ("routerResolveCanonical", ROUTER_RESOLVE_CANONICAL as i64),
    ("routerResolvePathEnd", ROUTER_RESOLVE_PATH_END as i64),
    ("routerResolveSlots", ROUTER_RESOLVE_SLOTS as i64),
    ("routerOutputSlots", ROUTER_OUTPUT_SLOTS as i64),
    ("routerHeaderArgs", ROUTER_HEADER_ARGS as i64),
    ("routerNoRoute", ROUTER_NO_ROUTE as i64),
    ("routerNoMethod", ROUTER_NO_METHOD as i64),
    ("routerOutcomeMatched", ROUTER_OUTCOME_MATCHED as i64),
    ("routerOutcomeNoRoute", ROUTER_OUTCOME_NO_ROUTE as i64),
    (
        "routerOutcomeMethodNotAllowed",
        ROUTER_OUTCOME_METHOD_NOT_ALLOWED as i64,
    ),
    ("routerOutcomeRejected", ROUTER_OUTCOME_REJECTED as i64),
    ("paramDecode", PARAM_DECODE as i64),
    ("paramReplacementChar", PARAM_REPLACEMENT_CHAR as i64),
    ("paramJoined", PARAM_JOINED as i64),
    ("canonicalSame", CANONICAL_SAME as i64),
    ("canonicalBytesMin", CANONICAL_BYTES_MIN as i64),
    ("canonicalOutputSlots", CANONICAL_OUTPUT_SLOTS as i64),
    ("canonicalLength", CANONICAL_LENGTH as i64),
    ("canonicalPathEnd", CANONICAL_PATH_END as i64),
    ("canonicalSegment", CANONICAL_SEGMENT as i64),
    ("rejectionNone", REJECTION_NONE as i64),
    ("rejectionNotOriginForm", REJECTION_NOT_ORIGIN_FORM as i64),
    (
        "rejectionMalformedEscape",
        REJECTION_MALFORMED_ESCAPE as i64,
    ),
    ("rejectionInvalidUtf8", REJECTION_INVALID_UTF8 as i64),
    ("rejectionNul", REJECTION_NUL as i64),
    ("rejectionEncodedSlash", REJECTION_ENCODED_SLASH as i64),
    ("rejectionBackslash", REJECTION_BACKSLASH as i64),
    ("rejectionDotSegment", REJECTION_DOT_SEGMENT as i64),
    ("rejectionCount", REJECTION_COUNT as i64),
    ("policyFieldMask", POLICY_FIELD_MASK as i64),
    ("policyEncodedSlashShift", POLICY_ENCODED_SLASH_SHIFT as i64),
    (
        "policyMalformedLiteralShift",
        POLICY_MALFORMED_LITERAL_SHIFT as i64,
    ),
    ("policyDotSegmentsShift", POLICY_DOT_SEGMENTS_SHIFT as i64),
    ("policyMergeSlashesShift", POLICY_MERGE_SLASHES_SHIFT as i64),
    ("policyBackslashShift", POLICY_BACKSLASH_SHIFT as i64),
    ("policyBits", POLICY_BITS as i64),
    ("encodedSlashDecode", ENCODED_SLASH_DECODE as i64),
    ("encodedSlashKeep", ENCODED_SLASH_KEEP as i64),
    ("encodedSlashReject", ENCODED_SLASH_REJECT as i64),
    ("dotSegmentsReject", DOT_SEGMENTS_REJECT as i64),
    ("dotSegmentsResolve", DOT_SEGMENTS_RESOLVE as i64),
    ("dotSegmentsKeep", DOT_SEGMENTS_KEEP as i64),
    ("backslashReject", BACKSLASH_REJECT as i64),
    ("backslashSlash", BACKSLASH_SLASH as i64),
    ("backslashKeep", BACKSLASH_KEEP as i64),
    ("constraintEquals", CONSTRAINT_EQUALS as i64),
    ("constraintPresent", CONSTRAINT_PRESENT as i64),
    ("constraintAbsent", CONSTRAINT_ABSENT as i64),
    ("constraintPattern", CONSTRAINT_PATTERN as i64),
    ("limiterTokenBucket", LIMITER_TOKEN_BUCKET as i64),
    ("limiterSlidingWindow", LIMITER_SLIDING_WINDOW as i64),
    ("decisionFields", DECISION_FIELDS as i64),
    ("decisionAllowed", DECISION_ALLOWED as i64),
    ("decisionLimit", DECISION_LIMIT as i64),
    ("decisionRemaining", DECISION_REMAINING as i64),
    ("decisionRetryAfterMs", DECISION_RETRY_AFTER_MS as i64),
    ("decisionResetMs", DECISION_RESET_MS as i64),
    ("keyHashFields", KEY_HASH_FIELDS as i64),
    ("keyHashHi", KEY_HASH_HI as i64),
    ("keyHashLo", KEY_HASH_LO as i64),
];

/// The crate version, which the loader requires to equal the `@switchyard/node` package version.
#[napi]
pub fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The data-layout constants, `{ name: value }` (see [`LAYOUT`]).
#[napi]
pub fn layout() -> HashMap<&'static str, i64> {
    LAYOUT.into_iter().collect()
}

/// The stable error codes of the Rust side, `{ key: code }` as `ErrorCodes` of `@switchyard/core`
/// spells them.
#[napi]
pub fn error_codes() -> HashMap<&'static str, &'static str> {
    ERROR_CODES.into_iter().collect()
}

/// The cargo features this addon was built with (`testing` adds the test-only exports).
#[napi]
pub fn features() -> Vec<&'static str> {
    let mut out = Vec::new();
    if cfg!(feature = "testing") {
        out.push("testing");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = LAYOUT.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), LAYOUT.len());
    }
}
