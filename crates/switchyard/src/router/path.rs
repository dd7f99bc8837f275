//! Route path syntax (spec §2): segments, params, patterns, wildcard tail.

use super::decode::{decode_route_text, fold_ascii};
use super::pattern::{push_literal, translate};

/// Segment kinds, in rank order (spec §6.3).
pub const STATIC: u8 = 0;
pub const MIXED: u8 = 1;
pub const PATTERNED: u8 = 2;
pub const PLAIN: u8 = 3;
pub const WILDCARD: u8 = 4;

/// Longest route path, in UTF-16 units (JS string length).
pub const MAX_PATH_LENGTH: usize = 8192;

/// One piece of a segment with params.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Piece {
    /// Literal text, percent-decoded; ASCII-folded when the router is case-insensitive.
    Lit(String),
    /// A param; `pattern` is the source text of its pattern, if any.
    Param { pattern: Option<String> },
}

/// One parsed route segment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment {
    /// Literal text (decoded, folded when case-insensitive).
    Static(String),
    /// Params, possibly with literal text: kind is MIXED, PATTERNED or PLAIN.
    Dynamic { kind: u8, pieces: Vec<Piece> },
    /// `*` as the last segment.
    Wildcard,
}

impl Segment {
    pub fn kind(&self) -> u8 {
        match self {
            Segment::Static(_) => STATIC,
            Segment::Dynamic { kind, .. } => *kind,
            Segment::Wildcard => WILDCARD,
        }
    }
}

/// A parsed route path. Segments compare equal exactly when the paths have the same shape in the
/// sense of spec §7 (param names are kept apart, in `names`).
#[derive(Debug, Clone)]
pub struct ParsedPath {
    pub segments: Vec<Segment>,
    /// Param names in path order; `*` last when the path ends with a wildcard.
    pub names: Vec<String>,
}

/// Parses a route path. `trailing_slash_ignore` strips one trailing `/` first (not from `/`).
pub fn parse_path(
    path: &str,
    case_sensitive: bool,
    trailing_slash_ignore: bool,
) -> Result<ParsedPath, String> {
    let mut text = path;
    if trailing_slash_ignore && text.len() > 1 {
        text = text.strip_suffix('/').unwrap_or(text);
    }
    if text.encode_utf16().count() > MAX_PATH_LENGTH {
        return Err(format!("path longer than {MAX_PATH_LENGTH} characters"));
    }
    if !text.starts_with('/') {
        return Err("path must start with \"/\"".into());
    }
    if text.contains('\0') {
        return Err("path contains NUL".into());
    }
    let chars: Vec<char> = text.chars().collect();
    let mut parsed = ParsedPath {
        segments: Vec::new(),
        names: Vec::new(),
    };
    let mut i = 1;
    loop {
        let (pieces, next, star) = parse_segment(&chars, i, &mut parsed.names)?;
        let last = next >= chars.len();
        if star {
            if !last {
                return Err("`*` is allowed only as the whole last segment".into());
            }
            parsed.names.push("*".into());
            parsed.segments.push(Segment::Wildcard);
            break;
        }
        let segment = build_segment(pieces, case_sensitive)?;
        if !last && segment == Segment::Static(String::new()) {
            return Err("empty segment before the last one".into());
        }
        parsed.segments.push(segment);
        if last {
            break;
        }
        i = next + 1;
    }
    Ok(parsed)
}

/// Raw pieces of one segment starting at `start`: (pieces, index of the `/` or end, is `*`).
type RawPieces = (Vec<RawPiece>, usize, bool);

enum RawPiece {
    Lit(String),
    Param(Option<String>),
}

fn parse_segment(
    chars: &[char],
    start: usize,
    names: &mut Vec<String>,
) -> Result<RawPieces, String> {
    let mut pieces: Vec<RawPiece> = Vec::new();
    let mut i = start;
    while let Some(&c) = chars.get(i) {
        match c {
            '/' => break,
            '*' => {
                let whole = i == start && !matches!(chars.get(i + 1), Some(&n) if n != '/');
                if !whole {
                    return Err(format!("`*` inside a segment at offset {i}"));
                }
                return Ok((pieces, i + 1, true));
            }
            '(' => return Err(format!("`(` not after a param name at offset {i}")),
            '?' => return Err(format!("`?` at offset {i}: use query constraints")),
            ':' if chars.get(i + 1) == Some(&':') => {
                push_lit(&mut pieces, ':');
                i += 2;
            }
            ':' => {
                if matches!(pieces.last(), Some(RawPiece::Param(_))) {
                    return Err(format!(
                        "two params without literal text between them at offset {i}"
                    ));
                }
                let name_start = i + 1;
                let mut j = name_start;
                while let Some(&n) = chars.get(j) {
                    let ok = n == '_'
                        || n.is_ascii_alphabetic()
                        || (j > name_start && n.is_ascii_digit());
                    if !ok {
                        break;
                    }
                    j += 1;
                }
                if j == name_start {
                    return Err(format!("`:` without a param name at offset {i}"));
                }
                let name: String = chars[name_start..j].iter().collect();
                if names.contains(&name) {
                    return Err(format!("param name `{name}` repeated"));
                }
                names.push(name);
                i = j;
                let mut pattern = None;
                if chars.get(i) == Some(&'(') {
                    let end = pattern_end(chars, i)?;
                    pattern = Some(chars[i + 1..end].iter().collect::<String>());
                    i = end + 1;
                }
                pieces.push(RawPiece::Param(pattern));
            }
            _ => {
                push_lit(&mut pieces, c);
                i += 1;
            }
        }
    }
    Ok((pieces, i, false))
}

fn push_lit(pieces: &mut Vec<RawPiece>, c: char) {
    if let Some(RawPiece::Lit(text)) = pieces.last_mut() {
        text.push(c);
    } else {
        pieces.push(RawPiece::Lit(c.to_string()));
    }
}

/// Index of the `)` closing the `(` at `open`: `\` escapes, parentheses nest, `[...]` may hold
/// unescaped parentheses.
fn pattern_end(chars: &[char], open: usize) -> Result<usize, String> {
    let mut depth = 0usize;
    let mut i = open;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => i += 1,
            '[' => {
                i += 1;
                while let Some(&k) = chars.get(i) {
                    if k == '\\' {
                        i += 1;
                    } else if k == ']' {
                        break;
                    }
                    i += 1;
                }
            }
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    Err(format!(
        "unbalanced parenthesis in the pattern starting at offset {open}"
    ))
}

fn build_segment(raw: Vec<RawPiece>, case_sensitive: bool) -> Result<Segment, String> {
    let mut pieces = Vec::with_capacity(raw.len());
    for piece in raw {
        pieces.push(match piece {
            RawPiece::Lit(text) => {
                let decoded = decode_route_text(&text)?;
                Piece::Lit(if case_sensitive {
                    decoded
                } else {
                    fold_ascii(&decoded)
                })
            }
            RawPiece::Param(pattern) => {
                if let Some(source) = &pattern {
                    translate(source).map_err(|e| format!("pattern `{source}`: {e}"))?;
                }
                Piece::Param { pattern }
            }
        });
    }
    Ok(match pieces.as_slice() {
        [] => Segment::Static(String::new()),
        [Piece::Lit(text)] => Segment::Static(text.clone()),
        [Piece::Param { pattern: None }] => Segment::Dynamic {
            kind: PLAIN,
            pieces,
        },
        [Piece::Param { pattern: Some(_) }] => Segment::Dynamic {
            kind: PATTERNED,
            pieces,
        },
        _ => Segment::Dynamic {
            kind: MIXED,
            pieces,
        },
    })
}

/// The anchored `regex`-crate source matching a dynamic segment, one capture group per param.
pub fn segment_regex(pieces: &[Piece], case_sensitive: bool) -> Result<String, String> {
    let mut out = String::from("^");
    for piece in pieces {
        match piece {
            Piece::Lit(text) => {
                for c in text.chars() {
                    if !case_sensitive && c.is_ascii_alphabetic() {
                        out.push('[');
                        out.push(c.to_ascii_lowercase());
                        out.push(c.to_ascii_uppercase());
                        out.push(']');
                    } else {
                        push_literal(&mut out, c);
                    }
                }
            }
            Piece::Param { pattern: None } => out.push_str("((?s:.+))"),
            Piece::Param {
                pattern: Some(source),
            } => {
                out.push_str("((?:");
                out.push_str(&translate(source)?);
                out.push_str("))");
            }
        }
    }
    out.push('$');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(p: &str) -> Vec<u8> {
        match parse_path(p, true, false) {
            Ok(parsed) => parsed.segments.iter().map(Segment::kind).collect(),
            Err(e) => panic!("{p}: {e}"),
        }
    }

    #[test]
    fn segment_kinds() {
        assert_eq!(kinds("/"), vec![STATIC]);
        assert_eq!(kinds("/a/"), vec![STATIC, STATIC]);
        assert_eq!(kinds("/api/v:version/*"), vec![STATIC, MIXED, WILDCARD]);
        assert_eq!(
            kinds(r"/u/:id(\d+)/:name.:ext"),
            vec![STATIC, PATTERNED, MIXED]
        );
        assert_eq!(kinds("/a::b/:x"), vec![STATIC, PLAIN]);
        assert_eq!(kinds("/:id([)/])"), vec![PATTERNED]);
    }

    #[test]
    fn rejects_bad_paths() {
        for p in [
            "a", "//a", "/a//b", "/a*", "/*/a", "/:a:b", "/:", "/:1", "/(x)", "/:a/:a", "/%zz",
            "/%2F", "/%00", "/%C3", "/\0", "/:a(", "/:a(?=x)", "/a?b",
        ] {
            assert!(parse_path(p, true, false).is_err(), "{p:?}");
        }
    }

    #[test]
    fn decodes_static_text_and_folds_case() {
        let parsed = parse_path("/Caf%C3%A9", false, false).expect("valid");
        assert_eq!(parsed.segments, vec![Segment::Static("café".into())]);
    }
}
