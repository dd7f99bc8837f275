//! Errors crossing the boundary. The pure crate's errors carry a stable code
//! ([`switchyard::error`]); here they become a JS error whose message is
//! `CODE\x1ffield\x1ffield...`, which the TS wrapper (packages/node/src/native-errors.ts) turns
//! back into the matching typed class. A panic is caught before it can unwind into Node and becomes
//! an `INTERNAL` error.

use std::any::Any;
use std::ffi::CString;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use napi::sys;
use switchyard::error::{Coded, INTERNAL, INVALID_ARGUMENT};

use crate::layout::FIELD_SEPARATOR;

/// Result of a hot call: the error boxed, so `Ok` travels in registers (a `napi::Result` is moved
/// through the stack, which perf showed costing store-forwarding stalls on every rate-limit take).
pub type Hot<T> = Result<T, Box<napi::Error>>;

/// Builds a JS error from a stable code (a constant of [`switchyard::error`]) and its fields.
/// Private: a primitive's file reaches codes only through [`to_js`], [`internal`] and
/// [`invalid_argument`], so no code string is typed outside the pure crate.
fn coded_error(code: &'static str, fields: &[&str]) -> napi::Error {
    let mut reason = String::from(code);
    for field in fields {
        reason.push(FIELD_SEPARATOR);
        reason.push_str(field);
    }
    napi::Error::new(napi::Status::GenericFailure, reason)
}

/// An error of the pure crate, as the JS error its TS class is rebuilt from.
pub fn to_js<E: Coded + ?Sized>(error: &E) -> napi::Error {
    let fields = error.fields();
    let fields: Vec<&str> = fields.iter().map(AsRef::as_ref).collect();
    coded_error(error.code(), &fields)
}

/// A broken invariant of the binding itself (`InternalError` in JS).
pub fn internal(message: &str) -> napi::Error {
    coded_error(INTERNAL, &[message])
}

/// An argument the wrapper should not have passed (`InvalidArgumentError` in JS).
pub fn invalid_argument(argument: &str, reason: &str) -> napi::Error {
    coded_error(INVALID_ARGUMENT, &[argument, reason])
}

fn panicked(what: &str, payload: &(dyn Any + Send)) -> napi::Error {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    internal(&format!("native core panicked in {what}: {detail}"))
}

/// Runs `body`, turning a panic into an `INTERNAL` error instead of aborting Node.
///
/// Every exported function and method of the binding goes through this (or [`guard_hot`]).
/// Unwinding is cheap when nothing panics, so hot calls use it too.
pub fn guard<T>(what: &str, body: impl FnOnce() -> napi::Result<T>) -> napi::Result<T> {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => Err(panicked(what, payload.as_ref())),
    }
}

/// [`guard`] for the hot path, without widening `Ok` to a `napi::Result`.
pub fn guard_hot<T>(what: &str, body: impl FnOnce() -> Hot<T>) -> Hot<T> {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => Err(Box::new(panicked(what, payload.as_ref()))),
    }
}

/// Throws `error` as a JS `Error` with its reason as message and returns the null value a raw
/// callback hands back after throwing.
pub fn throw(env: sys::napi_env, error: &napi::Error) -> sys::napi_value {
    // A NUL would end the C string early; no reason holds one, but a key echoed into it might.
    let message = CString::new(error.reason.replace('\0', "\u{fffd}")).unwrap_or_default();
    // SAFETY: `env` is the live environment of the current callback; `message` is NUL-terminated
    // and outlives the call (N-API copies it).
    unsafe { sys::napi_throw_error(env, ptr::null(), message.as_ptr()) };
    ptr::null_mut()
}
