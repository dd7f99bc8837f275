//! Stable error codes, defined once for the whole Rust side.
//!
//! Each code is the `code` of one error class of `@switchyard/core` (`ErrorCodes` in
//! `packages/core/src/errors.ts`); a test (`tests/error_codes.rs`) holds [`ERROR_CODES`] equal to
//! that object, key for key. The binding builds every JS error from these constants and from
//! [`Coded`], so no code string is typed twice.

use std::borrow::Cow;

use crate::hashing::HashingError;
use crate::ratelimit::InvalidArgument;
use crate::router::RouteError;

/// A route spec that cannot be compiled (`InvalidRouteError`).
pub const INVALID_ROUTE: &str = "SWITCHYARD_INVALID_ROUTE";
/// Two routes no request can tell apart (`RouteConflictError`).
pub const ROUTE_CONFLICT: &str = "SWITCHYARD_ROUTE_CONFLICT";
/// An argument or option outside its domain (`InvalidArgumentError`).
pub const INVALID_ARGUMENT: &str = "SWITCHYARD_INVALID_ARGUMENT";
/// A configuration that cannot be used (`ConfigError`); only the TS side raises it today.
pub const CONFIG: &str = "SWITCHYARD_CONFIG";
/// Nothing to pick from (`EmptyNodeSetError`).
pub const EMPTY_NODE_SET: &str = "SWITCHYARD_EMPTY_NODE_SET";
/// A node id that is not in the set (`UnknownNodeError`).
pub const UNKNOWN_NODE: &str = "SWITCHYARD_UNKNOWN_NODE";
/// The native addon is missing or does not match its package (`NativeUnavailableError`); raised
/// by the TS loader, listed here so that the two sets stay one.
pub const NATIVE_UNAVAILABLE: &str = "SWITCHYARD_NATIVE_UNAVAILABLE";
/// A shared store (Redis) did not answer in time (`StoreTimeoutError`); raised by the TS adapters,
/// listed here so that the two sets stay one.
pub const STORE_TIMEOUT: &str = "SWITCHYARD_STORE_TIMEOUT";
/// A shared store (Redis) failed or answered nonsense (`StoreUnavailableError`); raised by the TS
/// adapters, listed here so that the two sets stay one.
pub const STORE_UNAVAILABLE: &str = "SWITCHYARD_STORE_UNAVAILABLE";
/// A bug: a panic or a broken invariant (`InternalError`).
pub const INTERNAL: &str = "SWITCHYARD_INTERNAL";

/// Every code, under the key `ErrorCodes` gives it in `@switchyard/core`.
pub const ERROR_CODES: [(&str, &str); 10] = [
    ("invalidRoute", INVALID_ROUTE),
    ("routeConflict", ROUTE_CONFLICT),
    ("invalidArgument", INVALID_ARGUMENT),
    ("config", CONFIG),
    ("emptyNodeSet", EMPTY_NODE_SET),
    ("unknownNode", UNKNOWN_NODE),
    ("nativeUnavailable", NATIVE_UNAVAILABLE),
    ("storeTimeout", STORE_TIMEOUT),
    ("storeUnavailable", STORE_UNAVAILABLE),
    ("internal", INTERNAL),
];

/// An error that crosses to JavaScript: its stable code and the fields the TS error class of that
/// code is constructed from, in order (see `packages/node/src/native-errors.ts`).
pub trait Coded {
    /// One of the constants of this module.
    fn code(&self) -> &'static str;
    /// Constructor arguments of the TS class, as text.
    fn fields(&self) -> Vec<Cow<'_, str>>;
}

impl Coded for HashingError {
    fn code(&self) -> &'static str {
        match self {
            HashingError::EmptyNodeSet(_) => EMPTY_NODE_SET,
            HashingError::UnknownNode(_) => UNKNOWN_NODE,
            HashingError::InvalidArgument { .. } => INVALID_ARGUMENT,
        }
    }

    fn fields(&self) -> Vec<Cow<'_, str>> {
        match self {
            HashingError::EmptyNodeSet(message) => vec![message.into()],
            HashingError::UnknownNode(id) => vec![id.into()],
            HashingError::InvalidArgument { argument, reason } => {
                vec![argument.into(), reason.into()]
            }
        }
    }
}

impl Coded for InvalidArgument {
    fn code(&self) -> &'static str {
        INVALID_ARGUMENT
    }

    fn fields(&self) -> Vec<Cow<'_, str>> {
        vec![self.argument.into(), (&self.reason).into()]
    }
}

impl Coded for RouteError {
    fn code(&self) -> &'static str {
        RouteError::code(self)
    }

    fn fields(&self) -> Vec<Cow<'_, str>> {
        match self {
            RouteError::Invalid { reason } => vec![reason.into()],
            RouteError::Conflict { existing } => vec![existing.to_string().into()],
            RouteError::InvalidOption { argument, reason } => {
                vec![(*argument).into(), reason.into()]
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_prefixed() {
        let mut seen = std::collections::HashSet::new();
        for (key, code) in ERROR_CODES {
            assert!(code.starts_with("SWITCHYARD_"), "{key}: {code}");
            assert!(seen.insert(code), "{code} listed twice");
        }
    }

    #[test]
    fn every_error_type_reports_a_listed_code() {
        let listed = |code: &str| ERROR_CODES.iter().any(|(_, c)| *c == code);
        let errors: Vec<Box<dyn Coded>> = vec![
            Box::new(HashingError::EmptyNodeSet("none".into())),
            Box::new(HashingError::UnknownNode("a".into())),
            Box::new(HashingError::InvalidArgument {
                argument: "n".into(),
                reason: "bad".into(),
            }),
            Box::new(InvalidArgument {
                argument: "cost",
                reason: "bad".into(),
            }),
            Box::new(RouteError::Invalid {
                reason: "bad".into(),
            }),
            Box::new(RouteError::Conflict { existing: 3 }),
            Box::new(RouteError::InvalidOption {
                argument: "options.x",
                reason: "bad".into(),
            }),
        ];
        for error in &errors {
            assert!(listed(error.code()), "{}", error.code());
            assert!(!error.fields().is_empty());
        }
        assert_eq!(errors[5].fields(), vec!["3"]);
    }
}
