//! Binding of the rate limiters. The hot calls (`take`, `peek`) take the key as a raw JS string
//! read straight into a per-thread buffer that is reused (no allocation per call), the time and
//! cost as numbers, and write the decision into a `Float64Array` the wrapper shared once at
//! construction: `[allowed (0|1), limit, remaining, retryAfterMs, resetMs]`. The TS wrapper builds
//! the object.
//!
//! Limiters are functions over a numeric handle into a per-thread registry, not napi-rs classes,
//! and the two hot functions are raw N-API callbacks installed once by `rateLimiterInstall`:
//! measured here, a napi-rs v3 class method cost ~400 ns per call and a napi-rs function with
//! arguments ~150 ns, against ~35 ns for the bare call. The wrapper frees its handle from a
//! `FinalizationRegistry`.

// In the unit-test build nothing registers the exported functions with N-API, so they look unused.
#![cfg_attr(test, allow(dead_code))]

use std::cell::RefCell;

use napi::bindgen_prelude::{Float64Array, FromNapiValue, TypeName, ValidateNapiValue, ValueType};
use napi::sys;
use napi_derive::napi;
use switchyard::ratelimit::{Decision, InvalidArgument, RateLimiter, SlidingWindowLimiter};

use crate::errors::{coded_error, guard};
use crate::raw::{read_utf8, throw, ReadError};

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

    /// The key's UTF-8 bytes (a lone surrogate becomes U+FFFD, as in the TS hash).
    fn read(&mut self, key: &RawKey) -> Hot<&[u8]> {
        read_utf8(key.env, key.value, &mut self.bytes).map_err(|error| {
            Box::new(match error {
                ReadError::NotAString => {
                    coded_error("SWITCHYARD_INVALID_ARGUMENT", &["key", "expected a string"])
                }
                ReadError::Failed(status) => coded_error(
                    "SWITCHYARD_INTERNAL",
                    &[&format!(
                        "napi_get_value_string_utf8 failed with status {status}"
                    )],
                ),
            })
        })
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

enum AnyLimiter {
    Bucket(RateLimiter),
    Window(SlidingWindowLimiter),
}

struct Entry {
    limiter: AnyLimiter,
    out: Float64Array,
}

#[derive(Default)]
struct Registry {
    entries: Vec<Option<Entry>>,
    free: Vec<u32>,
}

thread_local! {
    // One per JS thread: handles never cross threads, as the wrapper objects cannot.
    static REGISTRY: RefCell<Registry> = RefCell::new(Registry::default());
    static KEY: RefCell<KeyBuffer> = RefCell::new(KeyBuffer::new());
}

/// Result of the hot path: the error boxed, so `Ok` travels in registers (a `napi::Result` is
/// moved through the stack, which perf showed costing store-forwarding stalls on every take).
type Hot<T> = Result<T, Box<napi::Error>>;

/// [`guard`] for the hot path: same panic-to-`SWITCHYARD_INTERNAL` conversion (the payload is
/// handed to `guard` itself), without widening the `Ok` path to a `napi::Result`.
fn guard_hot<T>(what: &str, body: impl FnOnce() -> Hot<T>) -> Hot<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => match guard(what, || -> napi::Result<()> {
            std::panic::resume_unwind(payload)
        }) {
            Err(error) => Err(Box::new(error)),
            Ok(()) => Err(Box::new(coded_error("SWITCHYARD_INTERNAL", &["panic"]))),
        },
    }
}

fn freed(handle: u32) -> napi::Error {
    coded_error(
        "SWITCHYARD_INTERNAL",
        &[&format!("rate limiter handle {handle} is not live")],
    )
}

/// Runs `body` on the live entry `handle`.
fn with_entry<T>(handle: u32, body: impl FnOnce(&mut Entry) -> Hot<T>) -> Hot<T> {
    REGISTRY.with(|registry| {
        let mut registry = registry.borrow_mut();
        match registry.entries.get_mut(handle as usize) {
            Some(Some(entry)) => body(entry),
            _ => Err(Box::new(freed(handle))),
        }
    })
}

/// Runs `body` with the key's bytes, read into the per-thread buffer.
fn with_key<T>(key: &RawKey, body: impl FnOnce(&[u8]) -> Hot<T>) -> Hot<T> {
    KEY.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        let bytes = buffer.read(key)?;
        body(bytes)
    })
}

fn write(out: &mut Float64Array, decision: Decision) -> u32 {
    // SAFETY: JS runs on this one thread and is suspended during this call; the wrapper reads
    // the array only after the call returns. The length was checked at creation.
    let fields = unsafe { out.as_mut() };
    if let Some(fields) = fields.get_mut(..DECISION_FIELDS) {
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

fn decide(handle: u32, key: &RawKey, now_ms: f64, cost: f64, take: bool) -> Hot<u32> {
    with_key(key, |bytes| {
        with_entry(handle, |entry| {
            let (now, cost) = (integer(now_ms), integer(cost));
            let decision = match (&mut entry.limiter, take) {
                (AnyLimiter::Bucket(l), true) => l.take(bytes, now, cost),
                (AnyLimiter::Bucket(l), false) => l.peek(bytes, now, cost),
                (AnyLimiter::Window(l), true) => l.take(bytes, now, cost),
                (AnyLimiter::Window(l), false) => l.peek(bytes, now, cost),
            }
            .map_err(|e| Box::new(invalid(e)))?;
            Ok(write(&mut entry.out, decision))
        })
    })
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

/// Creates a limiter and returns its handle. `kind` 0: token bucket (`a` = capacity, `b` =
/// refill in micro-tokens per ms); 1: sliding window (`a` = limit, `b` = windowMs).
#[napi]
pub fn rate_limiter_create(
    kind: u32,
    a: f64,
    b: f64,
    max_keys: f64,
    seed: u32,
    decisions: Float64Array,
) -> napi::Result<u32> {
    guard("rateLimiterCreate", || {
        check_out(&decisions)?;
        let (a, b, max_keys) = (integer(a), integer(b), integer(max_keys));
        let limiter = match kind {
            0 => AnyLimiter::Bucket(RateLimiter::new(a, b, max_keys, seed).map_err(invalid)?),
            1 => AnyLimiter::Window(
                SlidingWindowLimiter::new(a, b, max_keys, seed).map_err(invalid)?,
            ),
            _ => {
                return Err(coded_error(
                    "SWITCHYARD_INVALID_ARGUMENT",
                    &["kind", "expected 0 or 1"],
                ))
            }
        };
        let (addr, len) = match &limiter {
            AnyLimiter::Bucket(l) => l.table_region(),
            AnyLimiter::Window(l) => l.table_region(),
        };
        advise_huge_pages(addr, len);
        let entry = Entry {
            limiter,
            out: decisions,
        };
        REGISTRY.with(|registry| {
            let mut registry = registry.borrow_mut();
            if let Some(handle) = registry.free.pop() {
                if let Some(slot) = registry.entries.get_mut(handle as usize) {
                    *slot = Some(entry);
                    return Ok(handle);
                }
            }
            registry.entries.push(Some(entry));
            Ok((registry.entries.len() - 1) as u32)
        })
    })
}

/// Body of the raw `take(handle, key, nowMs, cost)` / `peek(...)` callbacks: reads the four
/// arguments with plain N-API calls, decides, writes the decision array, returns `undefined`
/// (the wrapper reads the array) or throws the coded error.
///
/// # Safety
/// `env` and `info` must be the ones N-API passed to the callback.
unsafe fn raw_decide(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    take: bool,
) -> sys::napi_value {
    let mut argc = 4usize;
    let mut argv: [sys::napi_value; 4] = [std::ptr::null_mut(); 4];
    let mut handle = u32::MAX;
    let (mut now_ms, mut cost) = (f64::NAN, f64::NAN);
    // SAFETY: `argv` has room for `argc` values; a missing or non-number argument leaves the
    // defaults above (an invalid handle, NaN), which the core rejects with a typed error.
    unsafe {
        sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            argv.as_mut_ptr(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        );
        sys::napi_get_value_uint32(env, argv[0], &mut handle);
        sys::napi_get_value_double(env, argv[2], &mut now_ms);
        sys::napi_get_value_double(env, argv[3], &mut cost);
    }
    let key = RawKey {
        env,
        value: argv[1],
    };
    let what = if take {
        "RateLimiter.take"
    } else {
        "RateLimiter.peek"
    };
    if let Err(error) = guard_hot(what, || decide(handle, &key, now_ms, cost, take)) {
        return throw(env, &error);
    }
    std::ptr::null_mut()
}

unsafe extern "C" fn raw_take(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: called by N-API with its own env and callback info.
    unsafe { raw_decide(env, info, true) }
}

unsafe extern "C" fn raw_peek(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: called by N-API with its own env and callback info.
    unsafe { raw_decide(env, info, false) }
}

/// Puts the hot functions on `target` as raw N-API callbacks: `rateLimiterTake(handle, key,
/// nowMs, cost)` and `rateLimiterPeek(...)`, each writing the decision array and returning
/// `undefined`.
#[napi]
pub fn rate_limiter_install(target: RawKey) -> napi::Result<()> {
    guard("rateLimiterInstall", || {
        let callbacks: [(&std::ffi::CStr, sys::napi_callback); 2] = [
            (c"rateLimiterTake", Some(raw_take)),
            (c"rateLimiterPeek", Some(raw_peek)),
        ];
        for (name, callback) in callbacks {
            let mut function = std::ptr::null_mut();
            // SAFETY: `target` holds this call's env and an argument value; the name is a
            // NUL-terminated static string and `callback` a function with the N-API signature.
            let status = unsafe {
                let created = sys::napi_create_function(
                    target.env,
                    name.as_ptr(),
                    name.to_bytes().len() as _,
                    callback,
                    std::ptr::null_mut(),
                    &mut function,
                );
                if created == sys::Status::napi_ok {
                    sys::napi_set_named_property(target.env, target.value, name.as_ptr(), function)
                } else {
                    created
                }
            };
            if status != sys::Status::napi_ok {
                return Err(coded_error(
                    "SWITCHYARD_INTERNAL",
                    &["could not install the rate-limit callbacks"],
                ));
            }
        }
        Ok(())
    })
}

/// Forgets the key; whether it was stored.
#[napi]
pub fn rate_limiter_reset(handle: u32, key: RawKey) -> napi::Result<bool> {
    guard("RateLimiter.reset", || {
        with_key(&key, |bytes| {
            with_entry(handle, |entry| {
                Ok(match &mut entry.limiter {
                    AnyLimiter::Bucket(l) => l.reset(bytes),
                    AnyLimiter::Window(l) => l.reset(bytes),
                })
            })
        })
        .map_err(|e| *e)
    })
}

/// Slot of the key in the table, or -1 (layout introspection for the differential test).
#[napi]
pub fn rate_limiter_slot_of(handle: u32, key: RawKey) -> napi::Result<i64> {
    guard("RateLimiter.slotOf", || {
        with_key(&key, |bytes| {
            with_entry(handle, |entry| {
                let slot = match &entry.limiter {
                    AnyLimiter::Bucket(l) => l.slot_of(bytes),
                    AnyLimiter::Window(l) => l.slot_of(bytes),
                };
                Ok(slot.map_or(-1, |i| i as i64))
            })
        })
        .map_err(|e| *e)
    })
}

/// Keys stored.
#[napi]
pub fn rate_limiter_size(handle: u32) -> napi::Result<u32> {
    guard("RateLimiter.size", || {
        with_entry(handle, |entry| {
            Ok(match &entry.limiter {
                AnyLimiter::Bucket(l) => l.size(),
                AnyLimiter::Window(l) => l.size(),
            } as u32)
        })
        .map_err(|e| *e)
    })
}

/// Frees the limiter (its table and its hold on the decision array); the handle may be reused.
#[napi]
pub fn rate_limiter_free(handle: u32) -> napi::Result<()> {
    guard("rateLimiterFree", || {
        REGISTRY.with(|registry| {
            let mut registry = registry.borrow_mut();
            let taken = registry
                .entries
                .get_mut(handle as usize)
                .and_then(Option::take);
            if taken.is_some() {
                registry.free.push(handle);
            }
            Ok(())
        })
    })
}
