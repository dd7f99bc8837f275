//! Sliding-window counter: counts per fixed window of `windowMs`, and a take is admitted when
//! `prev × (W − e) / W + cur + cost ≤ limit`, `e` being the time elapsed in the current window.
//! Multiplied through by `W` so it is decided on integers: `prev·(W−e) + (cur+cost)·W ≤ limit·W`,
//! with `limit·W ≤ 2^51` so every term stays below 2^53.

use super::limiter::{Limiter, Policy};
use super::table::Packed;
use super::{check_integer, Decision, InvalidArgument, MAX_LIMIT};

/// Largest accepted `limit × windowMs`.
pub const MAX_LIMIT_TIMES_WINDOW: u64 = 1 << 51;

/// Per-key window state: 16 bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WindowState {
    /// Index of the current window (`floor(ms / windowMs)`); never moves backwards.
    pub window: u64,
    /// Cost admitted in the window before it.
    pub prev: u32,
    /// Cost admitted in the current window.
    pub cur: u32,
}

impl Packed for WindowState {
    fn pack(self) -> [u64; 2] {
        [
            self.window,
            (u64::from(self.prev) << 32) | u64::from(self.cur),
        ]
    }

    fn unpack([window, counts]: [u64; 2]) -> Self {
        Self {
            window,
            prev: (counts >> 32) as u32,
            cur: counts as u32,
        }
    }
}

/// Sliding-window rule: `limit` per `window_ms`.
#[derive(Debug, Clone, Copy)]
pub struct SlidingWindowPolicy {
    limit: u64,
    window_ms: u64,
}

impl SlidingWindowPolicy {
    /// `limit` (1..=1e9) per `window_ms` (≥ 1), with `limit × window_ms ≤ 2^51`.
    pub fn new(limit: u64, window_ms: u64) -> Result<Self, InvalidArgument> {
        let limit = check_integer("limit", limit, 1, MAX_LIMIT)?;
        let window_ms = check_integer("windowMs", window_ms, 1, MAX_LIMIT_TIMES_WINDOW / limit)?;
        Ok(Self { limit, window_ms })
    }

    /// The state rolled forward to `now_ms`, and the offset `e` into its window. A clock in an
    /// earlier window than the state's is taken as the start of the state's window (where the
    /// previous window weighs most), so going back never frees capacity.
    fn rolled(&self, s: WindowState, now_ms: u64) -> (WindowState, u64) {
        let w = now_ms / self.window_ms;
        if w < s.window {
            (s, 0)
        } else if w == s.window {
            (s, now_ms - w * self.window_ms)
        } else {
            let prev = if w == s.window + 1 { s.cur } else { 0 };
            let rolled = WindowState {
                window: w,
                prev,
                cur: 0,
            };
            (rolled, now_ms - w * self.window_ms)
        }
    }

    /// Absolute earliest time a take of `cost` is admitted, with no other traffic, from state
    /// `s` at offset `e` where it was denied.
    fn earliest(&self, s: WindowState, cost: u64) -> u64 {
        let (l, w) = (self.limit, self.window_ms);
        let start = s.window * w;
        let (prev, cur) = (u64::from(s.prev), u64::from(s.cur));
        // Later in this window, once the previous window weighs little enough.
        if cur + cost <= l && prev > 0 {
            let e = w.saturating_sub((l - cur - cost) * w / prev);
            if e < w {
                return start + e;
            }
        }
        // In the next window, where `cur` becomes the previous window.
        if cur == 0 {
            return start + w;
        }
        let e = w.saturating_sub((l - cost) * w / cur);
        if e < w {
            start + w + e
        } else {
            start + 2 * w
        }
    }
}

impl Policy for SlidingWindowPolicy {
    type State = WindowState;

    fn limit(&self) -> u64 {
        self.limit
    }

    fn fresh(&self, now_ms: u64) -> WindowState {
        WindowState {
            window: now_ms / self.window_ms,
            prev: 0,
            cur: 0,
        }
    }

    fn is_idle(&self, s: &WindowState, now_ms: u64) -> bool {
        let w = now_ms / self.window_ms;
        w >= s.window
            && (w >= s.window + 2
                || (w == s.window + 1 && s.cur == 0)
                || (s.prev == 0 && s.cur == 0))
    }

    fn decide(&self, state: &mut WindowState, now_ms: u64, cost: u64) -> Decision {
        let (l, w) = (self.limit, self.window_ms);
        let (mut s, e) = self.rolled(*state, now_ms);
        let weighted_prev = u64::from(s.prev) * (w - e);
        let allowed = weighted_prev + (u64::from(s.cur) + cost) * w <= l * w;
        let retry_after_ms = if allowed {
            // cur + cost ≤ limit ≤ 1e9 < 2^32.
            s.cur = (u64::from(s.cur) + cost) as u32;
            0
        } else {
            self.earliest(s, cost) - now_ms
        };
        let used = weighted_prev + u64::from(s.cur) * w;
        let remaining = if used >= l * w { 0 } else { (l * w - used) / w };
        let start = s.window * w;
        let reset_ms = if s.cur > 0 {
            start + 2 * w - now_ms
        } else if s.prev > 0 {
            start + w - now_ms
        } else {
            0
        };
        *state = s;
        Decision {
            allowed,
            limit: l,
            remaining,
            retry_after_ms,
            reset_ms,
        }
    }
}

/// Keyed sliding-window counters.
pub type SlidingWindowLimiter = Limiter<SlidingWindowPolicy>;

impl Limiter<SlidingWindowPolicy> {
    /// A sliding-window limiter of `limit` per `window_ms`.
    pub fn new(
        limit: u64,
        window_ms: u64,
        max_keys: u64,
        seed: u32,
    ) -> Result<Self, InvalidArgument> {
        Limiter::with_policy(SlidingWindowPolicy::new(limit, window_ms)?, max_keys, seed)
    }
}
