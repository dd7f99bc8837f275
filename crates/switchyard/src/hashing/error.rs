use std::fmt;

/// Why a hashing call failed. Each variant has a stable code shared with `@switchyard/core`.
#[derive(Clone, Debug, PartialEq)]
pub enum HashingError {
    /// Nothing to pick from: no node at all, or none healthy.
    EmptyNodeSet(String),
    /// A node id that is not in the set.
    UnknownNode(String),
    /// An argument or option outside its domain: `argument` names it, `reason` says why.
    InvalidArgument { argument: String, reason: String },
}

impl HashingError {
    pub(crate) fn invalid(argument: impl Into<String>, reason: impl Into<String>) -> Self {
        HashingError::InvalidArgument {
            argument: argument.into(),
            reason: reason.into(),
        }
    }

    /// Stable code, the same as the TypeScript error class's `code` (see [`crate::error`]).
    pub fn code(&self) -> &'static str {
        crate::error::Coded::code(self)
    }
}

impl fmt::Display for HashingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HashingError::EmptyNodeSet(message) => f.write_str(message),
            HashingError::UnknownNode(id) => write!(f, "unknown node {id:?}"),
            HashingError::InvalidArgument { argument, reason } => {
                write!(f, "invalid {argument}: {reason}")
            }
        }
    }
}

impl std::error::Error for HashingError {}

/// Formats a number the way JavaScript's `String(n)` does for the values errors quote.
pub(crate) fn js_number(n: f64) -> String {
    if n.is_nan() {
        "NaN".to_owned()
    } else if n.is_infinite() {
        if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else if n == 0.0 {
        "0".to_owned()
    } else if n == n.trunc() && n.abs() < 1e21 {
        format!("{n:.0}")
    } else {
        format!("{n}")
    }
}
