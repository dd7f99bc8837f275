//! Percent-decoding of route text (spec §2) and query parts (spec §4), and ASCII case folding.
//! Request path segments are decoded by `canonical.rs`.

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The byte encoded by the escape starting at `at` (which holds `%`), if well-formed.
pub fn escape_at(bytes: &[u8], at: usize) -> Option<u8> {
    let hi = hex(*bytes.get(at + 1)?)?;
    let lo = hex(*bytes.get(at + 2)?)?;
    Some(hi << 4 | lo)
}

/// Lower-cases ASCII letters only (`É` and `é` stay distinct).
pub fn fold_ascii(text: &str) -> String {
    text.to_ascii_lowercase()
}

/// Decodes literal route text: a malformed escape, invalid UTF-8, `%2F` or NUL is an error.
pub fn decode_route_text(text: &str) -> Result<String, String> {
    if !text.contains('%') {
        return Ok(text.to_owned());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b != b'%' {
            out.push(b);
            i += 1;
            continue;
        }
        match escape_at(bytes, i) {
            None => return Err(format!("malformed percent-escape in `{text}`")),
            Some(b'/') => return Err("`%2F` (encoded slash) in a route path".into()),
            Some(0) => return Err("`%00` (NUL) in a route path".into()),
            Some(decoded) => out.push(decoded),
        }
        i += 3;
    }
    String::from_utf8(out).map_err(|_| format!("percent-escapes in `{text}` are not valid UTF-8"))
}

/// Decodes a query key or value (`+` is a space) into `out`; false when malformed or not UTF-8.
pub fn decode_query_part(raw: &[u8], out: &mut Vec<u8>) -> bool {
    let mut i = 0;
    let start = out.len();
    while let Some(&b) = raw.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => match escape_at(raw, i) {
                None => return false,
                Some(decoded) => {
                    out.push(decoded);
                    i += 2;
                }
            },
            _ => out.push(b),
        }
        i += 1;
    }
    std::str::from_utf8(&out[start..]).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_text() {
        assert_eq!(decode_route_text("caf%C3%A9").as_deref(), Ok("café"));
        assert!(decode_route_text("%2f").is_err());
        assert!(decode_route_text("%ZZ").is_err());
        assert!(decode_route_text("%FF").is_err());
    }

    #[test]
    fn query_parts() {
        let mut out = Vec::new();
        assert!(decode_query_part(b"a+b%21", &mut out));
        assert_eq!(out, b"a b!");
        out.clear();
        assert!(!decode_query_part(b"a%2", &mut out));
    }
}
