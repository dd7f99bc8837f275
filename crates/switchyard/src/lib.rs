//! Switchyard: pure routing primitives for API gateways.
//!
//! This crate knows nothing of Node.js: no N-API, no I/O, no clock, no randomness. Time and
//! randomness are inputs, so every decision is reproducible and identical to the TypeScript
//! reference implementation in `@switchyard/core`.
//!
//! No `unsafe` here: the only unsafe code of the project is the N-API binding's.
#![forbid(unsafe_code)]

pub mod error;
pub mod hashing;
pub mod ratelimit;
pub mod router;
pub mod seeded;
