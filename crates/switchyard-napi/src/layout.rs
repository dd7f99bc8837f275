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

/// Separates the code and the fields of an encoded error message (ASCII unit separator).
pub const FIELD_SEPARATOR: char = '\u{1f}';

/// Most params a route can have: a route path has at most 8192 characters.
pub const ROUTER_MAX_PARAMS: usize = 4097;
/// Int32 slots per param in the router's shared output: start, end (UTF-16 offsets into the
/// request path) and flags.
pub const ROUTER_PARAM_FIELDS: usize = 3;
/// Int32 slots of the router's shared output: a count, then the params.
pub const ROUTER_OUTPUT_SLOTS: usize = 1 + ROUTER_PARAM_FIELDS * ROUTER_MAX_PARAMS;
/// Route id the match function returns when no route matches.
pub const ROUTER_NO_ROUTE: i32 = -1;
/// Method id of a request without method, or with one no route lists.
pub const ROUTER_NO_METHOD: i32 = -1;
/// Param flag: the value holds percent-escapes to decode.
pub const PARAM_DECODE: i32 = switchyard::router::PARAM_DECODE as i32;
/// Param flag: the value holds U+FFFD that may stand for a lone surrogate.
pub const PARAM_REPLACEMENT_CHAR: i32 = switchyard::router::PARAM_REPLACEMENT_CHAR as i32;
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
pub const LAYOUT: [(&str, i64); 23] = [
    ("errorFieldSeparator", FIELD_SEPARATOR as i64),
    ("routerMaxParams", ROUTER_MAX_PARAMS as i64),
    ("routerParamFields", ROUTER_PARAM_FIELDS as i64),
    ("routerOutputSlots", ROUTER_OUTPUT_SLOTS as i64),
    ("routerNoRoute", ROUTER_NO_ROUTE as i64),
    ("routerNoMethod", ROUTER_NO_METHOD as i64),
    ("paramDecode", PARAM_DECODE as i64),
    ("paramReplacementChar", PARAM_REPLACEMENT_CHAR as i64),
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
