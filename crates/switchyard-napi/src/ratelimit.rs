//! Binding of the rate limiters. The hot calls (`take`, `peek`) take the key as a raw JS string
//! read straight into a buffer the limiter reuses (no allocation per call), the time and cost as
//! numbers, and write the decision into a `Float64Array` the wrapper shared once at construction:
//! `[allowed (0|1), limit, remaining, retryAfterMs, resetMs]`. The TS wrapper builds the object.

use napi::bindgen_prelude::{Float64Array, FromNapiValue, TypeName, ValidateNapiValue, ValueType};
use napi::sys;
use napi_derive::napi;
use switchyard::ratelimit::{
    Decision, InvalidArgument, Limiter, Policy, RateLimiter, SlidingWindowLimiter,
};

use crate::errors::{coded_error, guard};

/// Fields of the shared decision array.
const DECISION_FIELDS: usize = 5;

/// A JS value taken as is; read as a string by [`KeyBuffer::read`] without a napi-rs `String`.
pub struct RawKey {
    env: sys::napi_env,
    value: sys::napi_value,
}

impl TypeName for RawKey {
    fn type_name() -> &'static str {
        "string"
    }

    fn value_type() -> ValueType {
        ValueType::String
    }
}

impl ValidateNapiValue for RawKey {}

impl FromNapiValue for RawKey {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        Ok(Self { env, value })
    }
}

/// UTF-8 bytes of the last key, in a buffer that only grows.
struct KeyBuffer {
    bytes: Vec<u8>,
}

impl KeyBuffer {
    fn new() -> Self {
        Self {
            bytes: vec![0; 256],
        }
    }

    fn copy(&mut self, key: &RawKey) -> napi::Result<usize> {
        let mut written = 0usize;
        // SAFETY: `env` and `value` come from the current call's arguments, still on the stack
        // of this synchronous call; the buffer pointer and length describe `self.bytes`, which
        // N-API writes at most `len` bytes into (NUL included).
        let status = unsafe {
            sys::napi_get_value_string_utf8(
                key.env,
                key.value,
                self.bytes.as_mut_ptr().cast(),
                self.bytes.len(),
                &mut written,
            )
        };
        match status {
            sys::Status::napi_ok => Ok(written),
            sys::Status::napi_string_expected => Err(coded_error(
                "SWITCHYARD_INVALID_ARGUMENT",
                &["key", "expected a string"],
            )),
            other => Err(coded_error(
                "SWITCHYARD_INTERNAL",
                &[&format!(
                    "napi_get_value_string_utf8 failed with status {other}"
                )],
            )),
        }
    }

    /// The key's UTF-8 bytes (a lone surrogate becomes U+FFFD, as in the TS hash).
    fn read(&mut self, key: &RawKey) -> napi::Result<&[u8]> {
        let mut written = self.copy(key)?;
        // V8 writes whole characters only, so a string that did not fit stopped within 4 bytes
        // (the longest character) of the end; only then ask for the full length and grow.
        if written + 5 > self.bytes.len() {
            let mut full = 0usize;
            // SAFETY: a null buffer asks N-API for the length only; `key` is valid as above.
            let status = unsafe {
                sys::napi_get_value_string_utf8(
                    key.env,
                    key.value,
                    std::ptr::null_mut(),
                    0,
                    &mut full,
                )
            };
            if status != sys::Status::napi_ok {
                return Err(coded_error(
                    "SWITCHYARD_INTERNAL",
                    &["could not measure the key"],
                ));
            }
            if full + 1 > self.bytes.len() {
                self.bytes.resize(full + 1, 0);
                written = self.copy(key)?;
            }
        }
        Ok(self.bytes.get(..written).unwrap_or_default())
    }
}

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

fn invalid(error: InvalidArgument) -> napi::Error {
    coded_error(error.code(), &[error.argument, &error.reason])
}

fn check_out(out: &Float64Array) -> napi::Result<()> {
    if out.len() < DECISION_FIELDS {
        return Err(coded_error(
            "SWITCHYARD_INVALID_ARGUMENT",
            &[
                "decisions",
                "expected a Float64Array of at least 5 elements",
            ],
        ));
    }
    Ok(())
}

/// The state shared by both classes: core limiter, decision array, key buffer.
struct Bound<P: Policy> {
    limiter: Limiter<P>,
    out: Float64Array,
    key: KeyBuffer,
}

impl<P: Policy> Bound<P> {
    fn write(&mut self, decision: Decision) -> u32 {
        // SAFETY: JS runs on this one thread and is suspended during this call; the wrapper reads
        // the array only after the call returns. The length was checked at construction.
        let out = unsafe { self.out.as_mut() };
        if let Some(fields) = out.get_mut(..DECISION_FIELDS) {
            fields.copy_from_slice(&[
                f64::from(u8::from(decision.allowed)),
                decision.limit as f64,
                decision.remaining as f64,
                decision.retry_after_ms as f64,
                decision.reset_ms as f64,
            ]);
        }
        u32::from(decision.allowed)
    }

    fn take(&mut self, key: &RawKey, now_ms: f64, cost: f64) -> napi::Result<u32> {
        let bytes = self.key.read(key)?;
        let decision = self
            .limiter
            .take(bytes, integer(now_ms), integer(cost))
            .map_err(invalid)?;
        Ok(self.write(decision))
    }

    fn peek(&mut self, key: &RawKey, now_ms: f64, cost: f64) -> napi::Result<u32> {
        let bytes = self.key.read(key)?;
        let decision = self
            .limiter
            .peek(bytes, integer(now_ms), integer(cost))
            .map_err(invalid)?;
        Ok(self.write(decision))
    }

    fn slot_of(&mut self, key: &RawKey) -> napi::Result<i64> {
        let bytes = self.key.read(key)?;
        Ok(self.limiter.slot_of(bytes).map_or(-1, |i| i as i64))
    }

    fn reset(&mut self, key: &RawKey) -> napi::Result<bool> {
        let bytes = self.key.read(key)?;
        Ok(self.limiter.reset(bytes))
    }
}

/// Native keyed token buckets. Internal: use `RateLimiter` from `@switchyard/node`.
#[napi]
pub struct NativeRateLimiter {
    bound: Bound<switchyard::ratelimit::TokenBucketPolicy>,
}

#[napi]
impl NativeRateLimiter {
    /// `refill_micro_per_ms` = `refillPerSecond × 1000`, normalised by the wrapper.
    #[napi(constructor)]
    pub fn new(
        capacity: f64,
        refill_micro_per_ms: f64,
        max_keys: f64,
        seed: u32,
        decisions: Float64Array,
    ) -> napi::Result<Self> {
        guard("NativeRateLimiter.new", || {
            check_out(&decisions)?;
            let limiter = RateLimiter::new(
                integer(capacity),
                integer(refill_micro_per_ms),
                integer(max_keys),
                seed,
            )
            .map_err(invalid)?;
            Ok(Self {
                bound: Bound {
                    limiter,
                    out: decisions,
                    key: KeyBuffer::new(),
                },
            })
        })
    }

    /// Takes and writes the decision; returns `allowed` as 0 or 1.
    #[napi]
    pub fn take(&mut self, key: RawKey, now_ms: f64, cost: f64) -> napi::Result<u32> {
        guard("RateLimiter.take", || self.bound.take(&key, now_ms, cost))
    }

    /// Writes the decision a take would make, changing nothing.
    #[napi]
    pub fn peek(&mut self, key: RawKey, now_ms: f64, cost: f64) -> napi::Result<u32> {
        guard("RateLimiter.peek", || self.bound.peek(&key, now_ms, cost))
    }

    /// Forgets the key; whether it was stored.
    #[napi]
    pub fn reset(&mut self, key: RawKey) -> napi::Result<bool> {
        guard("RateLimiter.reset", || self.bound.reset(&key))
    }

    /// Slot of the key in the table, or -1 (layout introspection for the differential test).
    #[napi]
    pub fn slot_of(&mut self, key: RawKey) -> napi::Result<i64> {
        guard("RateLimiter.slotOf", || self.bound.slot_of(&key))
    }

    /// Keys stored.
    #[napi(getter)]
    pub fn size(&self) -> napi::Result<u32> {
        guard("RateLimiter.size", || Ok(self.bound.limiter.size() as u32))
    }
}

/// Native keyed sliding-window counters. Internal: use `SlidingWindowLimiter` from `@switchyard/node`.
#[napi]
pub struct NativeSlidingWindowLimiter {
    bound: Bound<switchyard::ratelimit::SlidingWindowPolicy>,
}

#[napi]
impl NativeSlidingWindowLimiter {
    /// `limit` per `window_ms`.
    #[napi(constructor)]
    pub fn new(
        limit: f64,
        window_ms: f64,
        max_keys: f64,
        seed: u32,
        decisions: Float64Array,
    ) -> napi::Result<Self> {
        guard("NativeSlidingWindowLimiter.new", || {
            check_out(&decisions)?;
            let limiter = SlidingWindowLimiter::new(
                integer(limit),
                integer(window_ms),
                integer(max_keys),
                seed,
            )
            .map_err(invalid)?;
            Ok(Self {
                bound: Bound {
                    limiter,
                    out: decisions,
                    key: KeyBuffer::new(),
                },
            })
        })
    }

    /// Takes and writes the decision; returns `allowed` as 0 or 1.
    #[napi]
    pub fn take(&mut self, key: RawKey, now_ms: f64, cost: f64) -> napi::Result<u32> {
        guard("SlidingWindowLimiter.take", || {
            self.bound.take(&key, now_ms, cost)
        })
    }

    /// Writes the decision a take would make, changing nothing.
    #[napi]
    pub fn peek(&mut self, key: RawKey, now_ms: f64, cost: f64) -> napi::Result<u32> {
        guard("SlidingWindowLimiter.peek", || {
            self.bound.peek(&key, now_ms, cost)
        })
    }

    /// Forgets the key; whether it was stored.
    #[napi]
    pub fn reset(&mut self, key: RawKey) -> napi::Result<bool> {
        guard("SlidingWindowLimiter.reset", || self.bound.reset(&key))
    }

    /// Slot of the key in the table, or -1 (layout introspection for the differential test).
    #[napi]
    pub fn slot_of(&mut self, key: RawKey) -> napi::Result<i64> {
        guard("SlidingWindowLimiter.slotOf", || self.bound.slot_of(&key))
    }

    /// Keys stored.
    #[napi(getter)]
    pub fn size(&self) -> napi::Result<u32> {
        guard("SlidingWindowLimiter.size", || {
            Ok(self.bound.limiter.size() as u32)
        })
    }
}
