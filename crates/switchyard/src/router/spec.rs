//! Route specs and their validation (spec §1): methods, host, constraints, priority.

use super::decode::fold_ascii;
use super::pattern::translate;

/// A header or query constraint as given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConstraintSpec {
    /// The value equals this string exactly.
    Equals(String),
    /// The header or key is present.
    Present,
    /// The header or key is absent.
    Absent,
    /// The value fully matches this pattern (spec §3).
    Pattern(String),
}

/// A route spec with its JS types already checked (`readRouteSpec` in `@switchyard/core`).
#[derive(Debug, Clone, Default)]
pub struct RouteSpec {
    pub path: String,
    /// `None` when omitted.
    pub methods: Option<Vec<String>>,
    /// `None` when omitted.
    pub host: Option<String>,
    pub headers: Vec<(String, ConstraintSpec)>,
    pub query: Vec<(String, ConstraintSpec)>,
    /// As given; must be an integer within int32.
    pub priority: f64,
}

impl RouteSpec {
    /// A spec with only a path (any method, any host, no constraints, priority 0).
    pub fn path(path: &str) -> Self {
        RouteSpec {
            path: path.to_owned(),
            ..RouteSpec::default()
        }
    }
}

/// Which hosts a route accepts, after normalization.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HostRule {
    Exact(String),
    /// `*.suffix`: holds `suffix` (without `*.`).
    Wildcard(String),
    Any,
}

impl HostRule {
    /// Rank of the host dimension (spec §6.1).
    pub fn rank(&self) -> u8 {
        match self {
            HostRule::Exact(_) => 0,
            HostRule::Wildcard(_) => 1,
            HostRule::Any => 2,
        }
    }
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+.^_`|~-".contains(c)
}

/// An HTTP token: `[A-Za-z0-9!#$%&'*+.^_`|~-]+`.
pub fn is_token(text: &str) -> bool {
    !text.is_empty() && text.chars().all(is_token_char)
}

/// Upper-cased, de-duplicated, sorted methods; `None` for any method.
pub fn validate_methods(methods: Option<&[String]>) -> Result<Option<Vec<String>>, String> {
    let Some(methods) = methods else {
        return Ok(None);
    };
    if methods.is_empty() {
        return Err("method list is empty".into());
    }
    if methods.iter().any(|m| m == "*") {
        if methods.len() > 1 {
            return Err("`*` (any method) must stand alone".into());
        }
        return Ok(None);
    }
    let mut out: Vec<String> = Vec::with_capacity(methods.len());
    for m in methods {
        if !is_token(m) {
            return Err(format!("method {m:?} is not an HTTP token"));
        }
        out.push(m.to_ascii_uppercase());
    }
    out.sort();
    out.dedup();
    Ok(Some(out))
}

/// What JS `\s` matches (the reference writes the host check with it).
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{0b}' | '\u{0c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// `text` quoted as JavaScript's `JSON.stringify` quotes a string, so that error messages read
/// the same from both implementations.
pub fn json_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Normalizes and validates a route host.
pub fn validate_host(host: Option<&str>) -> Result<HostRule, String> {
    let host = match host {
        None | Some("*") => return Ok(HostRule::Any),
        Some(h) => h,
    };
    let lower = fold_ascii(host);
    let h = lower.strip_suffix('.').unwrap_or(&lower);
    if h.chars().any(|c| c == '/' || is_js_space(c)) {
        return Err(format!(
            "host {}: must not contain whitespace or \"/\"",
            json_quote(host)
        ));
    }
    if let Some(suffix) = h.strip_prefix("*.") {
        if suffix.is_empty() || suffix.contains('*') {
            return Err(format!(
                "host {}: a wildcard host is \"*.\" followed by a suffix without \"*\"",
                json_quote(host)
            ));
        }
        return Ok(HostRule::Wildcard(suffix.to_owned()));
    }
    if h.is_empty() || h.contains('*') {
        return Err(format!(
            "host {}: must be a host name, \"*.suffix\" or \"*\"",
            json_quote(host)
        ));
    }
    // `:` and digits (or nothing) at the end is a port.
    if let Some(colon) = h.rfind(':') {
        if h[colon + 1..].bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("host {}: must not carry a port", json_quote(host)));
        }
    }
    Ok(HostRule::Exact(h.to_owned()))
}

/// Validates constraints; header names are lower-cased. Returns them sorted (a canonical form).
pub fn validate_constraints(
    given: &[(String, ConstraintSpec)],
    headers: bool,
) -> Result<Vec<(String, ConstraintSpec)>, String> {
    let mut out = Vec::with_capacity(given.len());
    for (name, constraint) in given {
        let name = if headers {
            if !is_token(name) {
                return Err(format!(
                    "header name {} is not an HTTP token",
                    json_quote(name)
                ));
            }
            fold_ascii(name)
        } else {
            if name.is_empty() {
                return Err("query key must not be empty".into());
            }
            name.clone()
        };
        if let ConstraintSpec::Pattern(source) = constraint {
            let field = if headers { "headers" } else { "query" };
            translate(source).map_err(|e| format!("{field}.{name}: {e}"))?;
        }
        if out
            .iter()
            .any(|(seen, _): &(String, ConstraintSpec)| *seen == name)
        {
            let field = if headers { "headers" } else { "query" };
            return Err(format!("{field}.{name} is constrained twice"));
        }
        out.push((name, constraint.clone()));
    }
    out.sort();
    Ok(out)
}

/// An integer within int32.
pub fn validate_priority(priority: f64) -> Result<i32, String> {
    if priority.fract() != 0.0 || !(f64::from(i32::MIN)..=f64::from(i32::MAX)).contains(&priority) {
        return Err(format!(
            "priority {} is not a 32-bit integer",
            crate::hashing::js_number(priority)
        ));
    }
    Ok(priority as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods() {
        assert_eq!(validate_methods(None), Ok(None));
        assert_eq!(validate_methods(Some(&["*".into()])), Ok(None));
        assert!(validate_methods(Some(&["*".into(), "GET".into()])).is_err());
        assert_eq!(
            validate_methods(Some(&["get".into(), "GET".into()])),
            Ok(Some(vec!["GET".into()]))
        );
        assert!(validate_methods(Some(&[])).is_err());
        assert!(validate_methods(Some(&["G T".into()])).is_err());
        assert!(validate_methods(Some(&["".into()])).is_err());
    }

    #[test]
    fn hosts() {
        assert_eq!(
            validate_host(Some("API.Example.com.")),
            Ok(HostRule::Exact("api.example.com".into()))
        );
        assert_eq!(
            validate_host(Some("*.example.com")),
            Ok(HostRule::Wildcard("example.com".into()))
        );
        assert_eq!(validate_host(Some("*")), Ok(HostRule::Any));
        assert_eq!(
            validate_host(Some("[::1]")),
            Ok(HostRule::Exact("[::1]".into()))
        );
        for bad in [
            "",
            ".",
            "*.",
            "a.*.com",
            "*x.com",
            "a b",
            "a/b",
            "a:80",
            "a:",
            "*.*.a",
            "a\u{3000}b",
        ] {
            assert!(validate_host(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn priority() {
        assert_eq!(validate_priority(-2147483648.0), Ok(i32::MIN));
        assert!(validate_priority(2147483648.0).is_err());
        assert!(validate_priority(1.5).is_err());
        assert!(validate_priority(f64::NAN).is_err());
    }
}
