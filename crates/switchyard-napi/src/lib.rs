//! N-API binding for `switchyard`. Thin by design: it converts JS values to Rust and back and
//! never makes a routing decision of its own. Hot calls take primitives and return numbers;
//! structured results go through typed arrays shared once at construction (see docs/architecture.md).
//!
//! Each primitive's file holds only its own callback layout; the plumbing they share is in
//! [`toolkit`], the constants shared with the TS wrapper in [`layout`].

mod hashing;
mod layout;
mod ratelimit;
mod router;
#[cfg(feature = "testing")]
mod testing;
mod toolkit;
