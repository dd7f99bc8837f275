//! Errors crossing the boundary. The pure crate's errors carry a stable code; here they become a
//! JS error whose message is `CODE\x1ffield\x1ffield...`, which the TS wrapper
//! (packages/node/src/native-errors.ts) turns back into the matching typed class. A panic is caught
//! before it can unwind into Node and becomes `SWITCHYARD_INTERNAL`.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Separates the code and the fields of an encoded error (ASCII unit separator).
pub const FIELD_SEPARATOR: char = '\u{1f}';

/// Builds a JS error from a stable code and its fields.
pub fn coded_error(code: &str, fields: &[&str]) -> napi::Error {
    let mut reason = String::from(code);
    for field in fields {
        reason.push(FIELD_SEPARATOR);
        reason.push_str(field);
    }
    napi::Error::new(napi::Status::GenericFailure, reason)
}

/// Runs `body`, turning a panic into a `SWITCHYARD_INTERNAL` error instead of aborting Node.
///
/// Every exported function and method of the binding goes through this. Unwinding is cheap when
/// nothing panics, so hot calls use it too.
pub fn guard<T>(what: &str, body: impl FnOnce() -> napi::Result<T>) -> napi::Result<T> {
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(result) => result,
        Err(payload) => {
            let detail = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            Err(coded_error(
                "SWITCHYARD_INTERNAL",
                &[&format!("native core panicked in {what}: {detail}")],
            ))
        }
    }
}
