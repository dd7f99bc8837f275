//! Rate limiting: keyed token buckets ([`RateLimiter`]) and sliding-window counters
//! ([`SlidingWindowLimiter`]) over one compact, bounded open-addressing table.
//!
//! All arithmetic is on integers that stay below 2^53, so the TypeScript reference
//! (`packages/core/src/ratelimit/`) reproduces every decision exactly with plain JS numbers,
//! including which key is evicted and when the shared overflow bucket is charged.
//! The specification is the TSDoc of the reference and `docs/ratelimit.md`.

mod hash;
mod limiter;
mod sliding_window;
mod table;
mod token_bucket;

pub use hash::key_hash;
pub use limiter::{Limiter, Policy};
pub use sliding_window::{SlidingWindowLimiter, SlidingWindowPolicy, WindowState};
pub use table::{Packed, SWEEP_LIMIT};
pub use token_bucket::{BucketState, RateLimiter, TokenBucketPolicy};

/// Largest accepted `nowMs` (exclusive): 2^50 ms, about 35,000 years. Keeps every sum of times
/// and durations below 2^53.
pub const MAX_NOW_MS: u64 = 1 << 50;
/// Largest accepted `capacity` / `limit` / `cost`.
pub const MAX_LIMIT: u64 = 1_000_000_000;
/// Largest accepted `maxKeys`.
pub const MAX_KEYS: u64 = 1 << 26;
/// Micro-tokens per token: token-bucket state is kept in millionths of a token.
pub const MICRO: u64 = 1_000_000;

/// What one `take` or `peek` decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request is admitted (and, for `take`, its cost consumed).
    pub allowed: bool,
    /// The configured limit: `capacity` for a token bucket, `limit` for a window.
    pub limit: u64,
    /// Whole units still available after this decision; never negative.
    pub remaining: u64,
    /// 0 when allowed; otherwise the smallest wait after which the same take, with no other
    /// traffic on the key, is admitted.
    pub retry_after_ms: u64,
    /// Milliseconds from `nowMs` until, with no further traffic, the key's whole limit is
    /// available again (0 when it already is).
    pub reset_ms: u64,
}

/// An argument outside its documented domain. `code()` is the stable code of the TS class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidArgument {
    /// Name of the argument, e.g. `capacity` or `cost`.
    pub argument: &'static str,
    /// Why it was rejected.
    pub reason: String,
}

impl InvalidArgument {
    pub(crate) fn new(argument: &'static str, reason: impl Into<String>) -> Self {
        Self {
            argument,
            reason: reason.into(),
        }
    }

    /// Stable error code, shared with `@switchyard/core`'s `InvalidArgumentError`.
    pub fn code(&self) -> &'static str {
        crate::error::INVALID_ARGUMENT
    }
}

impl std::fmt::Display for InvalidArgument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid {}: {}", self.argument, self.reason)
    }
}

impl std::error::Error for InvalidArgument {}

/// `ceil(a / b)` for `b > 0`.
pub(crate) fn ceil_div(a: u64, b: u64) -> u64 {
    a / b + u64::from(a % b != 0)
}

pub(crate) fn check_integer(
    argument: &'static str,
    value: u64,
    min: u64,
    max: u64,
) -> Result<u64, InvalidArgument> {
    if value < min || value > max {
        return Err(InvalidArgument::new(
            argument,
            format!("expected an integer in [{min}, {max}], got {value}"),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests;
