//! Errors of the router, with the stable codes shared with `@switchyard/core`.

use std::fmt;

/// Why `add` (or the router options) were refused. The code is part of the contract; the text is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteError {
    /// `SWITCHYARD_INVALID_ROUTE`: the spec cannot be compiled; `reason` says what and where.
    Invalid { reason: String },
    /// `SWITCHYARD_ROUTE_CONFLICT`: no request can tell the new route from route `existing`.
    Conflict { existing: u32 },
    /// `SWITCHYARD_INVALID_ARGUMENT`: a router option outside its domain.
    InvalidOption {
        argument: &'static str,
        reason: String,
    },
}

impl RouteError {
    /// The stable code of this error, as `ErrorCodes` in `@switchyard/core` spells it.
    pub fn code(&self) -> &'static str {
        match self {
            RouteError::Invalid { .. } => crate::error::INVALID_ROUTE,
            RouteError::Conflict { .. } => crate::error::ROUTE_CONFLICT,
            RouteError::InvalidOption { .. } => crate::error::INVALID_ARGUMENT,
        }
    }

    pub(crate) fn invalid(reason: impl Into<String>) -> Self {
        RouteError::Invalid {
            reason: reason.into(),
        }
    }
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RouteError::Invalid { reason } => write!(f, "{}: {reason}", self.code()),
            RouteError::Conflict { existing } => {
                write!(f, "{}: conflicts with route #{existing}", self.code())
            }
            RouteError::InvalidOption { argument, reason } => {
                write!(f, "{}: {argument}: {reason}", self.code())
            }
        }
    }
}

impl std::error::Error for RouteError {}
