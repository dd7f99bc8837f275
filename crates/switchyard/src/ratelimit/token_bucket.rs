//! Token bucket. State is kept in micro-tokens (millionths of a token) and the refill rate in
//! micro-tokens per millisecond, which is `refillPerSecond × 1000` — so any rate with at most
//! three decimals (0.001 to 1e9 tokens per second) is exact, and a refill over `t` ms adds exactly
//! `t × rate` micro-tokens, never rounded.

use super::limiter::{Limiter, Policy};
use super::table::Packed;
use super::{ceil_div, check_integer, Decision, InvalidArgument, MAX_LIMIT, MICRO};

/// Largest refill rate, in micro-tokens per millisecond (1e9 tokens per second).
pub const MAX_REFILL_MICRO_PER_MS: u64 = 1_000_000_000_000;

/// Per-key token-bucket state: 16 bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BucketState {
    /// Micro-tokens in the bucket at `last_ms`.
    pub tokens: u64,
    /// Latest time the bucket was brought up to date; never moves backwards.
    pub last_ms: u64,
}

impl Packed for BucketState {
    fn pack(self) -> [u64; 2] {
        [self.tokens, self.last_ms]
    }

    fn unpack([tokens, last_ms]: [u64; 2]) -> Self {
        Self { tokens, last_ms }
    }
}

/// Token-bucket rule: `capacity` tokens, refilled continuously at `refill` micro-tokens per ms.
#[derive(Debug, Clone, Copy)]
pub struct TokenBucketPolicy {
    capacity: u64,
    full: u64,
    refill: u64,
}

impl TokenBucketPolicy {
    /// `capacity` in whole tokens (1..=1e9); `refill_micro_per_ms` = `refillPerSecond × 1000`
    /// (1..=1e12).
    pub fn new(capacity: u64, refill_micro_per_ms: u64) -> Result<Self, InvalidArgument> {
        let capacity = check_integer("capacity", capacity, 1, MAX_LIMIT)?;
        let refill = check_integer(
            "refillPerSecond",
            refill_micro_per_ms,
            1,
            MAX_REFILL_MICRO_PER_MS,
        )?;
        Ok(Self {
            capacity,
            full: capacity * MICRO,
            refill,
        })
    }

    /// Brings `state` up to `now_ms`. A clock behind `last_ms` adds nothing and leaves `last_ms`.
    #[inline(always)]
    fn refilled(&self, state: BucketState, now_ms: u64) -> BucketState {
        if now_ms <= state.last_ms {
            return state;
        }
        let elapsed = now_ms - state.last_ms;
        let deficit = self.full.saturating_sub(state.tokens);
        // Compare before multiplying: elapsed × refill could pass 2^53, the deficit cannot.
        let tokens = if elapsed >= ceil_div(deficit, self.refill) {
            self.full
        } else {
            state.tokens + elapsed * self.refill
        };
        BucketState {
            tokens,
            last_ms: now_ms,
        }
    }
}

impl Policy for TokenBucketPolicy {
    type State = BucketState;

    fn limit(&self) -> u64 {
        self.capacity
    }

    fn fresh(&self, now_ms: u64) -> BucketState {
        BucketState {
            tokens: self.full,
            last_ms: now_ms,
        }
    }

    fn is_idle(&self, state: &BucketState, now_ms: u64) -> bool {
        now_ms >= state.last_ms && self.refilled(*state, now_ms).tokens == self.full
    }

    #[inline(always)]
    fn decide(&self, state: &mut BucketState, now_ms: u64, cost: u64) -> Decision {
        let mut s = self.refilled(*state, now_ms);
        // Time the clock is behind the bucket's own: nothing refills until it has passed.
        let behind = s.last_ms - now_ms.min(s.last_ms);
        let need = cost * MICRO;
        let allowed = s.tokens >= need;
        let retry_after_ms = if allowed {
            s.tokens -= need;
            0
        } else {
            behind + ceil_div(need - s.tokens, self.refill)
        };
        let reset_ms = if s.tokens == self.full {
            0
        } else {
            behind + ceil_div(self.full - s.tokens, self.refill)
        };
        *state = s;
        Decision {
            allowed,
            limit: self.capacity,
            remaining: s.tokens / MICRO,
            retry_after_ms,
            reset_ms,
        }
    }
}

/// Keyed token buckets.
pub type RateLimiter = Limiter<TokenBucketPolicy>;

impl Limiter<TokenBucketPolicy> {
    /// A token-bucket limiter; see [`TokenBucketPolicy::new`] for the units.
    pub fn new(
        capacity: u64,
        refill_micro_per_ms: u64,
        max_keys: u64,
        seed: u32,
    ) -> Result<Self, InvalidArgument> {
        Limiter::with_policy(
            TokenBucketPolicy::new(capacity, refill_micro_per_ms)?,
            max_keys,
            seed,
        )
    }
}
