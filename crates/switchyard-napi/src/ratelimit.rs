//! Binding of the rate limiters. The hot calls (`take`, `peek`) are functions bound to the
//! limiter's state (the toolkit's one binding pattern): they take the key as a raw JS string read
//! into a buffer the limiter reuses (no allocation per call), the time and cost as numbers, and
//! write the decision into the `Float64Array` the wrapper shared once at construction
//! (`DECISION_*` of the layout); the TS wrapper builds the object.
//!
//! Measured here, a napi-rs v3 class method cost ~400 ns per call and a napi-rs function with
//! arguments ~150 ns, against ~35 ns for the bare call: hence the bound raw functions.

// Under `cargo test` the napi registration is compiled out, leaving the exports unused.
#![cfg_attr(test, allow(dead_code))]

use napi::bindgen_prelude::{Float64Array, ObjectFinalize};
use napi::{sys, Env};
use napi_derive::napi;
use switchyard::ratelimit::{Decision, RateLimiter, SlidingWindowLimiter};

use crate::layout::{
    DECISION_ALLOWED, DECISION_FIELDS, DECISION_LIMIT, DECISION_REMAINING, DECISION_RESET_MS,
    DECISION_RETRY_AFTER_MS, LIMITER_SLIDING_WINDOW, LIMITER_TOKEN_BUCKET,
};
use crate::toolkit::bound::{call, JsFunction, Native};
use crate::toolkit::errors::{guard, invalid_argument, to_js, Hot};
use crate::toolkit::out::SharedOut;
use crate::toolkit::read::{number_or, string_arg, Raw};
use crate::toolkit::trim::{trim_buffer, Trim};

/// A JS number the wrapper validated as an integer; anything else maps out of every domain so
/// the core rejects it with a typed error instead of truncating.
fn integer(value: f64) -> u64 {
    if value.is_finite()
        && value >= 0.0
        && value.fract() == 0.0
        && value < 18_446_744_073_709_551_615.0
    {
        value as u64
    } else {
        u64::MAX
    }
}

enum AnyLimiter {
    Bucket(RateLimiter),
    Window(SlidingWindowLimiter),
}

struct LimiterState {
    limiter: AnyLimiter,
    out: SharedOut<Float64Array>,
    /// UTF-8 bytes of the last key, in a buffer reused from call to call (trimmed after an
    /// oversized key).
    key: Vec<u8>,
}

impl Trim for LimiterState {
    fn trim(&mut self) {
        trim_buffer(&mut self.key);
    }
}

impl LimiterState {
    fn decide(
        &mut self,
        env: sys::napi_env,
        key: sys::napi_value,
        now_ms: f64,
        cost: f64,
        take: bool,
    ) -> Hot<()> {
        let bytes = string_arg(env, key, &mut self.key, "key")?;
        let (now, cost) = (integer(now_ms), integer(cost));
        let decision = match (&mut self.limiter, take) {
            (AnyLimiter::Bucket(l), true) => l.take(bytes, now, cost),
            (AnyLimiter::Bucket(l), false) => l.peek(bytes, now, cost),
            (AnyLimiter::Window(l), true) => l.take(bytes, now, cost),
            (AnyLimiter::Window(l), false) => l.peek(bytes, now, cost),
        }
        .map_err(|e| Box::new(to_js(&e)))?;
        write(self.out.elements(), decision);
        Ok(())
    }
}

fn write(out: &mut [f64], decision: Decision) {
    if let Some(fields) = out.get_mut(..DECISION_FIELDS) {
        fields[DECISION_ALLOWED] = f64::from(u8::from(decision.allowed));
        fields[DECISION_LIMIT] = decision.limit as f64;
        fields[DECISION_REMAINING] = decision.remaining as f64;
        fields[DECISION_RETRY_AFTER_MS] = decision.retry_after_ms as f64;
        fields[DECISION_RESET_MS] = decision.reset_ms as f64;
    }
}

/// Asks Linux to back a large table with transparent huge pages (it is fresh, untouched memory,
/// so they are used from the first fault): a take at a million keys is one random access into
/// tens of MB, and with 4 KiB pages most of its cost is the TLB miss. A hint only; ignored if
/// the kernel says no.
#[cfg(target_os = "linux")]
fn advise_huge_pages(addr: usize, len: usize) {
    const HUGE_PAGE: usize = 2 << 20;
    let start = addr.next_multiple_of(HUGE_PAGE);
    let end = (addr + len) / HUGE_PAGE * HUGE_PAGE;
    if end > start {
        // SAFETY: [start, end) lies inside the table's live allocation (rounded inwards to whole
        // huge pages); MADV_HUGEPAGE changes no contents, only how pages are backed.
        unsafe {
            libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_addr: usize, _len: usize) {}

/// Body of the bound `take(key, nowMs, cost)` / `peek(...)` functions: decides, writes the
/// decision array, returns `undefined` (the wrapper reads the array) or throws the coded error.
/// A missing or non-number time or cost arrives as NaN, which the core rejects with a typed error.
///
/// # Safety
/// As [`call`]: `env` and `info` of a function bound to a `Native<LimiterState>`.
unsafe fn raw_decide(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    what: &str,
    take: bool,
) -> sys::napi_value {
    // SAFETY: forwarded contract.
    unsafe {
        call(
            env,
            info,
            what,
            |state: &mut LimiterState, [key, now_ms, cost]| {
                let now_ms = number_or(env, now_ms, f64::NAN);
                let cost = number_or(env, cost, f64::NAN);
                state.decide(env, key, now_ms, cost, take)
            },
        )
    }
}

unsafe extern "C" fn raw_take(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: `take_function` binds this callback to a `Native<LimiterState>`.
    unsafe { raw_decide(env, info, "RateLimiter.take", true) }
}

unsafe extern "C" fn raw_peek(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: `peek_function` binds this callback to a `Native<LimiterState>`.
    unsafe { raw_decide(env, info, "RateLimiter.peek", false) }
}

/// A token bucket or sliding window limiter (`kind`, see the layout's `LIMITER_*`).
#[napi(custom_finalize)]
pub struct NativeRateLimiter {
    state: Native<LimiterState>,
}

impl ObjectFinalize for NativeRateLimiter {
    fn finalize(self, env: Env) -> napi::Result<()> {
        self.state.release(env.raw());
        Ok(())
    }
}

#[napi]
impl NativeRateLimiter {
    /// `kind` token bucket: `a` = capacity, `b` = refill in micro-tokens per ms; sliding window:
    /// `a` = limit, `b` = windowMs. `decisions` receives each decision (`DECISION_FIELDS`).
    #[napi(constructor)]
    pub fn new(
        env: Env,
        kind: u32,
        a: f64,
        b: f64,
        max_keys: f64,
        seed: u32,
        decisions: Float64Array,
    ) -> napi::Result<Self> {
        guard("RateLimiter constructor", || {
            let out = SharedOut::new(decisions, DECISION_FIELDS, "rate-limit decisions")?;
            let (a, b, max_keys) = (integer(a), integer(b), integer(max_keys));
            let state = Native::new(env.raw(), || {
                let limiter = match kind {
                    LIMITER_TOKEN_BUCKET => AnyLimiter::Bucket(
                        RateLimiter::new(a, b, max_keys, seed).map_err(|e| to_js(&e))?,
                    ),
                    LIMITER_SLIDING_WINDOW => AnyLimiter::Window(
                        SlidingWindowLimiter::new(a, b, max_keys, seed).map_err(|e| to_js(&e))?,
                    ),
                    _ => return Err(invalid_argument("kind", "unknown limiter kind")),
                };
                let (addr, len) = match &limiter {
                    AnyLimiter::Bucket(l) => l.table_region(),
                    AnyLimiter::Window(l) => l.table_region(),
                };
                advise_huge_pages(addr, len);
                Ok(LimiterState {
                    limiter,
                    out,
                    key: vec![0; 256],
                })
            })?;
            Ok(NativeRateLimiter { state })
        })
    }

    /// `(key, nowMs, cost) => undefined`, the decision in the shared array; it keeps the native
    /// state alive. Call once and reuse.
    #[napi]
    pub fn take_function(&self, env: Env) -> napi::Result<JsFunction> {
        guard("RateLimiter.takeFunction", || {
            self.state.bind(env.raw(), c"take", raw_take)
        })
    }

    /// As `take_function`, deciding without changing anything.
    #[napi]
    pub fn peek_function(&self, env: Env) -> napi::Result<JsFunction> {
        guard("RateLimiter.peekFunction", || {
            self.state.bind(env.raw(), c"peek", raw_peek)
        })
    }

    /// Forgets the key; whether it was stored.
    #[napi]
    pub fn reset(&self, env: Env, key: Raw) -> napi::Result<bool> {
        guard("RateLimiter.reset", || {
            self.state.update(env.raw(), |state| {
                let bytes =
                    string_arg(key.env, key.value, &mut state.key, "key").map_err(|e| *e)?;
                Ok(match &mut state.limiter {
                    AnyLimiter::Bucket(l) => l.reset(bytes),
                    AnyLimiter::Window(l) => l.reset(bytes),
                })
            })?
        })
    }

    /// Slot of the key in the table, or -1 (layout introspection for the differential test).
    #[napi]
    pub fn slot_of(&self, env: Env, key: Raw) -> napi::Result<i64> {
        guard("RateLimiter.slotOf", || {
            self.state.update(env.raw(), |state| {
                let bytes =
                    string_arg(key.env, key.value, &mut state.key, "key").map_err(|e| *e)?;
                let slot = match &state.limiter {
                    AnyLimiter::Bucket(l) => l.slot_of(bytes),
                    AnyLimiter::Window(l) => l.slot_of(bytes),
                };
                Ok(slot.map_or(-1, |i| i as i64))
            })?
        })
    }

    /// Keys stored.
    #[napi]
    pub fn size(&self) -> napi::Result<u32> {
        guard("RateLimiter.size", || {
            self.state.read(|state| match &state.limiter {
                AnyLimiter::Bucket(l) => l.size() as u32,
                AnyLimiter::Window(l) => l.size() as u32,
            })
        })
    }
}
