//! N-API binding for `switchyard`. Thin by design: it converts JS values to Rust and back and
//! never makes a routing decision of its own. Hot calls take primitives and return numbers;
//! structured results go through typed arrays shared once at construction (see DESIGN.md).

mod errors;
mod hashing;
mod ratelimit;
mod raw;
mod router;

use napi_derive::napi;

/// Does nothing; the boundary micro-benchmark measures the bare cost of one N-API call with it.
#[napi]
pub fn noop() -> u32 {
    0
}

/// Panics on purpose, so the tests can show that a panic becomes a typed error, not an abort.
#[napi]
pub fn panic_for_test() -> napi::Result<u32> {
    errors::guard("panic_for_test", || {
        panic!("deliberate panic for the boundary test")
    })
}
