//! Request path canonicalization (docs/router-spec.md §4.1): the path part of a request target
//! split into the segments the matcher compares, under an explicit policy for escapes, encoded
//! slashes, backslashes, dot segments and empty segments; and the canonical path written from
//! them. Everything per request lives in a reusable [`PathScratch`]: no allocation once grown.

use super::decode::escape_at;

/// What to do with `%2F` (and, with [`Backslash::Slash`], `%5C`) in a request segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodedSlash {
    /// Decoded into the segment's value; never splits segments.
    Decode,
    /// Left as its three characters, as received.
    Keep,
    /// The request is rejected.
    Reject,
}

/// What to do with dot segments (`.`, `..`, percent-encoded or not, optionally followed by `;`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DotSegments {
    /// The request is rejected.
    Reject,
    /// Removed as RFC 3986 §5.2.4 does (`..` removes the segment before it).
    Resolve,
    /// Ordinary segments, written as received in the canonical path.
    Keep,
}

/// What to do with a backslash, raw `\` or `%5C`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backslash {
    /// The request is rejected.
    Reject,
    /// A raw `\` separates segments like `/`; `%5C` is an escaped slash (see [`EncodedSlash`]).
    Slash,
    /// An ordinary character (`%5C` decodes to it).
    Keep,
}

/// The canonicalization policy (the path options of a router), fixed at construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PathPolicy {
    pub encoded_slash: EncodedSlash,
    /// Keep a segment with a malformed escape or invalid UTF-8 as received instead of rejecting.
    pub malformed_literal: bool,
    pub dot_segments: DotSegments,
    pub merge_slashes: bool,
    pub backslash: Backslash,
}

impl Default for PathPolicy {
    fn default() -> Self {
        PathPolicy {
            encoded_slash: EncodedSlash::Decode,
            malformed_literal: false,
            dot_segments: DotSegments::Reject,
            merge_slashes: false,
            backslash: Backslash::Reject,
        }
    }
}

impl PathPolicy {
    /// Whether the escape of `byte` stays as its three characters in a decoded segment.
    #[inline]
    pub fn keeps_escape(&self, byte: u8) -> bool {
        self.encoded_slash == EncodedSlash::Keep
            && (byte == b'/' || (byte == b'\\' && self.backslash == Backslash::Slash))
    }
}

/// Why a request is rejected by the canonicalization rules. The codes are part of the contract
/// (`RequestRejection` in `@switchyard/core`); the index is how the binding passes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    NotOriginForm = 1,
    MalformedEscape = 2,
    InvalidUtf8 = 3,
    Nul = 4,
    EncodedSlash = 5,
    Backslash = 6,
    DotSegment = 7,
}

impl Rejection {
    /// Every rejection, by index - 1.
    pub const ALL: [Rejection; 7] = [
        Rejection::NotOriginForm,
        Rejection::MalformedEscape,
        Rejection::InvalidUtf8,
        Rejection::Nul,
        Rejection::EncodedSlash,
        Rejection::Backslash,
        Rejection::DotSegment,
    ];

    /// The stable code, as `RequestRejection` in `@switchyard/core` spells it.
    pub fn code(self) -> &'static str {
        match self {
            Rejection::NotOriginForm => "not-origin-form",
            Rejection::MalformedEscape => "malformed-escape",
            Rejection::InvalidUtf8 => "invalid-utf8",
            Rejection::Nul => "nul",
            Rejection::EncodedSlash => "encoded-slash",
            Rejection::Backslash => "backslash",
            Rejection::DotSegment => "dot-segment",
        }
    }

    pub fn index(self) -> i32 {
        self as i32
    }
}

/// A rejection and the 1-based raw segment it was found in (0: the path as a whole).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejected {
    pub rejection: Rejection,
    pub segment: u32,
}

/// Where a segment's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text {
    /// Byte range of the request target itself.
    Raw(usize, usize),
    /// Byte range of [`PathScratch::bytes`] (the decoded segment).
    Decoded(usize, usize),
}

/// One segment after canonicalization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seg {
    /// Byte range of the raw segment in the target (empty for the segment a final dot segment leaves).
    pub raw_start: usize,
    pub raw_end: usize,
    pub text: Text,
    /// `SEG_*` bits: what the scan saw in the raw segment, and whether the canonical path writes
    /// it as received.
    pub flags: u8,
}

/// [`Seg::flags`]: the raw segment holds `%`.
const SEG_ESCAPED: u8 = 1;
/// The raw segment holds a NUL.
const SEG_NUL: u8 = 2;
/// The raw segment holds a backslash (not a separator).
const SEG_BACKSLASH: u8 = 4;
/// Written as received in the canonical path (a segment kept literally, a kept dot segment).
const SEG_VERBATIM: u8 = 8;

impl Seg {
    /// Whether the canonical path writes this segment as received.
    #[inline]
    pub fn verbatim(&self) -> bool {
        self.flags & SEG_VERBATIM != 0
    }
}

/// Bits of what [`PathScratch::split`] saw while scanning.
const SEEN_ESCAPE: u32 = 1;
const SEEN_NUL: u32 = 2;
const SEEN_BACKSLASH: u32 = 4;
const SEEN_REPLACEMENT: u32 = 8;
const SEEN_ENCODED: u32 = 16;
const SEEN_MAY_DOT: u32 = 32;
const SEEN_INNER_EMPTY: u32 = 64;
/// A raw backslash separated segments (`backslash: 'slash'`).
const SEEN_SEPARATOR: u32 = 128;

/// RFC 3986 `pchar` without `%`: unreserved, sub-delims, `:` and `@`. These bytes stand for
/// themselves in a canonical path; every other byte of a value is percent-encoded.
pub const fn is_pchar(b: u8) -> bool {
    matches!(b,
        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9'
        | b'-' | b'.' | b'_' | b'~'
        | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'='
        | b':' | b'@')
}

/// Bytes the scan stops at: every byte but a pchar (`/`, `%`, `?`, NUL, `\\`, the lead byte of
/// U+FFFD, and every byte a canonical path percent-encodes).
static SPECIAL: [bool; 256] = {
    let mut table = [true; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = !is_pchar(b as u8);
        b += 1;
    }
    table
};

/// Whether a segment value is a dot segment: `.` or `..`, alone or before a `;`.
pub fn is_dot_segment(value: &[u8]) -> bool {
    let head = value
        .iter()
        .position(|&b| b == b';')
        .map_or(value, |semi| &value[..semi]);
    head == b"." || head == b".."
}

fn is_double_dot(value: &[u8]) -> bool {
    value.starts_with(b"..")
}

/// What decoding a segment found besides its bytes.
#[derive(Debug, Clone, Copy, Default)]
struct Escapes {
    slash: bool,
    backslash: bool,
}

#[derive(Debug, Clone, Copy)]
enum BadEscape {
    Malformed,
    Utf8,
}

/// Percent-decodes a request segment, appending to `out` (escapes the policy keeps stay as
/// their three characters). A malformed escape anywhere wins over invalid UTF-8.
fn decode_into(raw: &[u8], policy: &PathPolicy, out: &mut Vec<u8>) -> Result<Escapes, BadEscape> {
    let from = out.len();
    let mut found = Escapes::default();
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        if b != b'%' {
            out.push(b);
            i += 1;
            continue;
        }
        let byte = escape_at(raw, i).ok_or(BadEscape::Malformed)?;
        match byte {
            b'/' => found.slash = true,
            b'\\' => found.backslash = true,
            _ => {}
        }
        if policy.keeps_escape(byte) {
            out.extend_from_slice(&raw[i..i + 3]);
        } else {
            out.push(byte);
        }
        i += 3;
    }
    match std::str::from_utf8(&out[from..]) {
        Ok(_) => Ok(found),
        Err(_) => Err(BadEscape::Utf8),
    }
}

/// Decodes one segment of a param value the way the matcher decoded it (spec §4.1): into `out`
/// (cleared first); false when it does not decode (it was kept as received).
pub fn decode_segment_value(raw: &[u8], policy: &PathPolicy, out: &mut Vec<u8>) -> bool {
    out.clear();
    decode_into(raw, policy, out).is_ok()
}

/// Per-request working memory of canonicalization.
#[derive(Debug, Default)]
pub struct PathScratch {
    /// The segments the matcher compares, in order.
    pub segs: Vec<Seg>,
    /// Decoded segment values.
    pub bytes: Vec<u8>,
    /// Where the path part of the target ends: its first `?`, or its end.
    pub query_at: usize,
    /// Where the matched path ends when `all_raw` (the `?`, or one before a removed trailing `/`).
    pub path_end: usize,
    /// The segments are exactly the path part split on `/`, every value as received.
    pub all_raw: bool,
    /// The segments are not the path part split on `/`: dot segments or empty segments were
    /// removed, a backslash separated two segments, or a final dot segment left an empty one.
    pub restructured: bool,
    /// What the scan saw (`SEEN_*` bits); see [`PathScratch::has_escape`] and friends.
    seen: u32,
    /// One trailing empty segment was removed for matching (`trailingSlash: 'ignore'`); the
    /// canonical path keeps it.
    pub trailing_removed: bool,
    canon: Vec<u8>,
    /// `canon` holds the canonical path, which differs from the path part of the target.
    canon_differs: bool,
}

/// The canonical path of the last request: the target's own path part, or written bytes (ASCII).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canonical<'a> {
    /// Equal to `target[..end]` (bytes).
    Same(usize),
    Bytes(&'a [u8]),
}

impl PathScratch {
    /// Gives back memory above `keep_bytes` per buffer that an oversized path made it take.
    pub fn shrink(&mut self, keep_bytes: usize) {
        crate::shrink::shrink_vec(&mut self.segs, keep_bytes);
        crate::shrink::shrink_vec(&mut self.bytes, keep_bytes);
        crate::shrink::shrink_vec(&mut self.canon, keep_bytes);
    }
}

impl PathScratch {
    /// Splits the path part of `target` into canonical segments (spec §4.1). On success the
    /// segments, `query_at` and the flags describe the request; the canonical path is written by
    /// [`PathScratch::canonicalize`] only when asked for.
    // Always inlined into its two callers: a call here measured on every match.
    #[inline(always)]
    pub fn split(&mut self, target: &str, policy: &PathPolicy) -> Result<(), Rejected> {
        self.segs.clear();
        self.bytes.clear();
        self.all_raw = true;
        self.restructured = false;
        self.trailing_removed = false;
        self.canon_differs = false;
        let bytes = target.as_bytes();
        let slash_mode = policy.backslash == Backslash::Slash;
        let first_ok = match bytes.first() {
            Some(b'/') => true,
            Some(b'\\') => slash_mode,
            _ => false,
        };
        if !first_ok {
            self.query_at = bytes.iter().position(|&b| b == b'?').unwrap_or(bytes.len());
            return Err(Rejected {
                rejection: Rejection::NotOriginForm,
                segment: 0,
            });
        }
        if bytes.first() == Some(&b'\\') {
            self.restructured = true;
        }
        // What the scan saw, as bits of one register (the loop stays tight with few live values).
        let mut seen = 0u32;
        // What the current segment holds, so that the per-segment pass need not search again.
        let mut seg_flags = 0u8;
        let mut start = 1;
        let mut query = bytes.len();
        for (i, &b) in bytes.iter().enumerate().skip(1) {
            // Most bytes are ordinary: one table load and a well-predicted branch.
            if !SPECIAL[usize::from(b)] {
                continue;
            }
            match b {
                b'/' => {
                    seen |= self.push_raw(bytes, start, i, SEEN_INNER_EMPTY, seg_flags);
                    seg_flags = 0;
                    start = i + 1;
                }
                b'%' => {
                    seen |= SEEN_ESCAPE;
                    seg_flags |= SEG_ESCAPED;
                }
                b'?' => {
                    query = i;
                    break;
                }
                0 => {
                    seen |= SEEN_NUL;
                    seg_flags |= SEG_NUL;
                }
                b'\\' if slash_mode => {
                    seen |= self.push_raw(bytes, start, i, SEEN_INNER_EMPTY, seg_flags);
                    seen |= SEEN_SEPARATOR;
                    seg_flags = 0;
                    start = i + 1;
                }
                b'\\' => {
                    seen |= SEEN_BACKSLASH | SEEN_ENCODED;
                    seg_flags |= SEG_BACKSLASH;
                }
                // 0xEF leads U+FFFD in UTF-8 (which may stand for a lone surrogate in JS).
                0xEF => seen |= SEEN_REPLACEMENT | SEEN_ENCODED,
                _ => seen |= SEEN_ENCODED,
            }
        }
        // The last segment may be empty (a trailing slash) without being merged away.
        seen |= self.push_raw(bytes, start, query, 0, seg_flags);
        self.query_at = query;
        self.path_end = query;
        self.seen = seen;
        if seen & SEEN_SEPARATOR != 0 {
            self.restructured = true;
        }
        let mut needs_pass = SEEN_ESCAPE | SEEN_NUL | SEEN_BACKSLASH | SEEN_MAY_DOT;
        if policy.merge_slashes {
            needs_pass |= SEEN_INNER_EMPTY;
        }
        if seen & needs_pass != 0 {
            self.rework(bytes, policy)?;
        }
        // Segments split at a backslash are not the path split on `/`.
        if self.restructured {
            self.all_raw = false;
        }
        Ok(())
    }

    /// Pushes the raw segment `start..stop` (holding `flags`) and returns what it shows:
    /// [`SEEN_MAY_DOT`] when it may be a dot segment, `if_empty` when it is empty.
    #[inline]
    fn push_raw(
        &mut self,
        bytes: &[u8],
        start: usize,
        stop: usize,
        if_empty: u32,
        flags: u8,
    ) -> u32 {
        self.segs.push(Seg {
            raw_start: start,
            raw_end: stop,
            text: Text::Raw(start, stop),
            flags,
        });
        // A dot segment starts with `.`; the per-segment pass tells `.well-known` apart.
        match bytes.get(start) {
            _ if start == stop => if_empty,
            Some(b'.') => SEEN_MAY_DOT,
            _ => 0,
        }
    }

    /// The per-segment pass, for paths with escapes, NUL, backslashes, dot segments or empty
    /// segments to merge: checks every raw segment in order (the first failing check of the
    /// first failing segment decides), decodes, and removes what the policy removes. Each
    /// segment's flags (from the scan) spare searching it again.
    fn rework(&mut self, bytes: &[u8], policy: &PathPolicy) -> Result<(), Rejected> {
        let reject_backslash = policy.backslash == Backslash::Reject;
        let count = self.segs.len();
        let mut kept = 0usize;
        for k in 0..count {
            let seg = self.segs[k];
            let (a, b) = (seg.raw_start, seg.raw_end);
            let raw = &bytes[a..b];
            let reject = |rejection| {
                Err(Rejected {
                    rejection,
                    segment: k as u32 + 1,
                })
            };
            if reject_backslash && seg.flags & SEG_BACKSLASH != 0 {
                return reject(Rejection::Backslash);
            }
            let mut text = Text::Raw(a, b);
            let mut verbatim = false;
            if seg.flags & SEG_ESCAPED != 0 {
                let from = self.bytes.len();
                match decode_into(raw, policy, &mut self.bytes) {
                    Ok(found) => {
                        if found.slash && policy.encoded_slash == EncodedSlash::Reject {
                            return reject(Rejection::EncodedSlash);
                        }
                        if found.backslash {
                            match (policy.backslash, policy.encoded_slash) {
                                (Backslash::Reject, _) => return reject(Rejection::Backslash),
                                (Backslash::Slash, EncodedSlash::Reject) => {
                                    return reject(Rejection::EncodedSlash)
                                }
                                _ => {}
                            }
                        }
                        text = Text::Decoded(from, self.bytes.len());
                        self.all_raw = false;
                    }
                    Err(bad) => {
                        self.bytes.truncate(from);
                        if !policy.malformed_literal {
                            return reject(match bad {
                                BadEscape::Malformed => Rejection::MalformedEscape,
                                BadEscape::Utf8 => Rejection::InvalidUtf8,
                            });
                        }
                        verbatim = true;
                    }
                }
            }
            let (value, may_nul) = match text {
                Text::Raw(x, y) => (&bytes[x..y], seg.flags & SEG_NUL != 0),
                Text::Decoded(x, y) => (&self.bytes[x..y], true),
            };
            if may_nul && value.contains(&0) {
                return reject(Rejection::Nul);
            }
            let last = k + 1 == count;
            if value.first() == Some(&b'.') && is_dot_segment(value) {
                match policy.dot_segments {
                    DotSegments::Reject => return reject(Rejection::DotSegment),
                    DotSegments::Keep => verbatim = true,
                    DotSegments::Resolve => {
                        self.restructured = true;
                        if is_double_dot(value) {
                            kept = kept.saturating_sub(1);
                        }
                        if last {
                            // `/a/.` is `/a/`: a final dot segment leaves an empty segment.
                            self.segs[kept] = Seg {
                                raw_start: b,
                                raw_end: b,
                                text: Text::Raw(b, b),
                                flags: 0,
                            };
                            kept += 1;
                        }
                        continue;
                    }
                }
            }
            if policy.merge_slashes && a == b && !last {
                self.restructured = true;
                continue;
            }
            // Most segments stay as the scan left them: written back only when changed.
            if kept != k || text != seg.text || verbatim {
                self.segs[kept] = Seg {
                    text,
                    flags: if verbatim {
                        seg.flags | SEG_VERBATIM
                    } else {
                        seg.flags
                    },
                    ..seg
                };
            }
            kept += 1;
        }
        self.segs.truncate(kept);
        Ok(())
    }

    /// The path part holds `%`.
    #[inline]
    pub fn has_escape(&self) -> bool {
        self.seen & SEEN_ESCAPE != 0
    }

    /// The path part holds the UTF-8 of U+FFFD (which may stand for a lone surrogate in JS).
    #[inline]
    pub fn has_replacement(&self) -> bool {
        self.seen & SEEN_REPLACEMENT != 0
    }

    /// Removes one trailing empty segment for matching (`trailingSlash: 'ignore'`), unless it is
    /// the only one; the canonical path keeps it.
    pub fn remove_trailing_empty(&mut self) {
        if self.segs.len() > 1 && self.segs.last().is_some_and(|s| s.raw_start == s.raw_end) {
            self.segs.pop();
            self.trailing_removed = true;
            if self.all_raw {
                self.path_end = self.path_end.saturating_sub(1);
            }
        }
    }

    /// A segment's value: a range of the target, or of the decoded bytes.
    #[inline]
    pub fn text<'a>(&'a self, target: &'a str, seg: &Seg) -> &'a str {
        segment_text(&self.bytes, target, seg)
    }

    /// Writes the canonical path of the last [`PathScratch::split`] of `target` (spec §4.1), unless
    /// it equals the target's path part, and returns it.
    pub fn canonicalize<'a>(&'a mut self, target: &str, policy: &PathPolicy) -> Canonical<'a> {
        let bytes = target.as_bytes();
        let path = bytes.get(..self.query_at).unwrap_or(bytes);
        if !self.restructured && self.seen & (SEEN_ESCAPE | SEEN_ENCODED) == 0 {
            return Canonical::Same(self.query_at);
        }
        let mut canon = std::mem::take(&mut self.canon);
        canon.clear();
        for seg in &self.segs {
            canon.push(b'/');
            let raw = bytes.get(seg.raw_start..seg.raw_end).unwrap_or(&[]);
            if seg.verbatim() {
                encode_verbatim(raw, &mut canon);
            } else {
                encode_value(raw, policy, &mut canon);
            }
        }
        if self.trailing_removed {
            canon.push(b'/');
        }
        self.canon = canon;
        self.canon_differs = self.canon.as_slice() != path;
        if self.canon_differs {
            Canonical::Bytes(&self.canon)
        } else {
            Canonical::Same(self.query_at)
        }
    }
}

/// The bytes of a segment's value: those of [`segment_text`], without the checks that make them
/// a `&str` (the static children compare bytes; a decoded value is valid UTF-8, or the split
/// rejected the request or kept the segment as received).
#[inline]
pub fn segment_bytes<'a>(decoded: &'a [u8], target: &'a str, seg: &Seg) -> &'a [u8] {
    match seg.text {
        Text::Raw(a, b) => target.as_bytes().get(a..b).unwrap_or_default(),
        Text::Decoded(a, b) => decoded.get(a..b).unwrap_or_default(),
    }
}

/// A segment's value: a range of the request target, or of the decoded bytes. A free function so
/// callers can hold other fields of a scratch mutably while reading it.
#[inline]
pub fn segment_text<'a>(decoded: &'a [u8], target: &'a str, seg: &Seg) -> &'a str {
    match seg.text {
        Text::Raw(a, b) => target.get(a..b).unwrap_or(""),
        Text::Decoded(a, b) => decoded
            .get(a..b)
            .and_then(|s| std::str::from_utf8(s).ok())
            .unwrap_or(""),
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

#[inline]
fn push_escape(b: u8, out: &mut Vec<u8>) {
    out.extend_from_slice(&[b'%', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
}

/// The canonical form of a decoded segment, from its raw text: every byte of the value that is
/// not a pchar percent-encoded (upper-case hex), every pchar as itself; escapes the policy keeps
/// stay as received.
fn encode_value(raw: &[u8], policy: &PathPolicy, out: &mut Vec<u8>) {
    let mut i = 0;
    while let Some(&c) = raw.get(i) {
        if c == b'%' {
            if let Some(byte) = escape_at(raw, i) {
                if policy.keeps_escape(byte) {
                    out.extend_from_slice(&raw[i..i + 3]);
                } else if is_pchar(byte) {
                    out.push(byte);
                } else {
                    push_escape(byte, out);
                }
                i += 3;
                continue;
            }
        }
        if is_pchar(c) {
            out.push(c);
        } else {
            push_escape(c, out);
        }
        i += 1;
    }
}

/// A segment written as received: `%` and pchars as themselves, every other byte encoded.
fn encode_verbatim(raw: &[u8], out: &mut Vec<u8>) {
    for &c in raw {
        if c == b'%' || is_pchar(c) {
            out.push(c);
        } else {
            push_escape(c, out);
        }
    }
}

/// The canonical path of `target` under `policy` (spec §4.1), using `scratch`.
pub fn canonicalize_path<'a>(
    target: &str,
    policy: &PathPolicy,
    scratch: &'a mut PathScratch,
) -> Result<Canonical<'a>, Rejected> {
    scratch.split(target, policy)?;
    Ok(scratch.canonicalize(target, policy))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(target: &str, policy: PathPolicy) -> Result<String, &'static str> {
        let mut s = PathScratch::default();
        match canonicalize_path(target, &policy, &mut s) {
            Ok(Canonical::Same(end)) => Ok(target[..end].to_owned()),
            Ok(Canonical::Bytes(b)) => Ok(String::from_utf8(b.to_vec()).unwrap_or_default()),
            Err(r) => Err(r.rejection.code()),
        }
    }

    fn resolve() -> PathPolicy {
        PathPolicy {
            dot_segments: DotSegments::Resolve,
            ..PathPolicy::default()
        }
    }

    #[test]
    fn resolves_dot_segments_as_rfc_3986() {
        let p = resolve();
        for (input, want) in [
            ("/a/b/../c", "/a/c"),
            ("/a/./b", "/a/b"),
            ("/a/b/..", "/a/"),
            ("/a/b/.", "/a/b/"),
            ("/..", "/"),
            ("/../a", "/a"),
            ("/a/%2e%2E/b", "/b"),
            ("/a/.%2e/b", "/b"),
            ("/a/..;x/b", "/b"),
            ("/a/.;x", "/a/"),
            ("/a/%252e%252e/b", "/a/%252e%252e/b"),
            ("/a/.../b", "/a/.../b"),
            ("/a/..x/b", "/a/..x/b"),
            ("/a//../b", "/a/b"),
            ("/api../x", "/api../x"),
        ] {
            assert_eq!(canon(input, p).as_deref(), Ok(want), "{input}");
        }
    }

    #[test]
    fn rejects_by_default_in_segment_order() {
        let p = PathPolicy::default();
        assert_eq!(canon("/a/../b", p), Err("dot-segment"));
        assert_eq!(canon("/a/%2e", p), Err("dot-segment"));
        assert_eq!(canon("/a\\b", p), Err("backslash"));
        assert_eq!(canon("/a%5cb", p), Err("backslash"));
        assert_eq!(canon("/%zz/\0", p), Err("malformed-escape"));
        assert_eq!(canon("/\0/%zz", p), Err("nul"));
        assert_eq!(canon("/%C3%zz", p), Err("malformed-escape"));
        assert_eq!(canon("/%C3/a", p), Err("invalid-utf8"));
        assert_eq!(canon("a/b", p), Err("not-origin-form"));
        assert_eq!(canon("", p), Err("not-origin-form"));
    }

    #[test]
    fn writes_canonical_escapes() {
        let p = PathPolicy::default();
        assert_eq!(canon("/a%41/%c3%a9", p).as_deref(), Ok("/aA/%C3%A9"));
        assert_eq!(canon("/café", p).as_deref(), Ok("/caf%C3%A9"));
        assert_eq!(canon("/a b?x", p).as_deref(), Ok("/a%20b"));
        assert_eq!(canon("/a%2fb", p).as_deref(), Ok("/a%2Fb"));
        assert_eq!(canon("/a/b?c", p), Ok("/a/b".into()));
        let keep = PathPolicy {
            encoded_slash: EncodedSlash::Keep,
            ..p
        };
        assert_eq!(canon("/a%2fb%41", keep).as_deref(), Ok("/a%2fbA"));
        let literal = PathPolicy {
            malformed_literal: true,
            ..p
        };
        assert_eq!(
            canon("/%zz é%41", literal).as_deref(),
            Ok("/%zz%20%C3%A9%41")
        );
    }

    #[test]
    fn merges_slashes_and_treats_backslash_as_slash() {
        let merge = PathPolicy {
            merge_slashes: true,
            ..resolve()
        };
        assert_eq!(canon("//a//b//", merge).as_deref(), Ok("/a/b/"));
        assert_eq!(canon("//", merge).as_deref(), Ok("/"));
        assert_eq!(canon("/a//", PathPolicy::default()).as_deref(), Ok("/a//"));
        let slash = PathPolicy {
            backslash: Backslash::Slash,
            ..merge
        };
        assert_eq!(canon("\\a\\..\\b", slash).as_deref(), Ok("/b"));
        assert_eq!(canon("/a%5Cb", slash).as_deref(), Ok("/a%5Cb"));
        let keep = PathPolicy {
            backslash: Backslash::Keep,
            ..PathPolicy::default()
        };
        assert_eq!(canon("/a\\b%5c", keep).as_deref(), Ok("/a%5Cb%5C"));
    }

    #[test]
    fn decodes_segment_values_keeping_what_the_policy_keeps() {
        let mut out = Vec::new();
        let p = PathPolicy::default();
        assert!(decode_segment_value(b"a%2Fb%20", &p, &mut out));
        assert_eq!(out, b"a/b ");
        let keep = PathPolicy {
            encoded_slash: EncodedSlash::Keep,
            backslash: Backslash::Slash,
            ..p
        };
        assert!(decode_segment_value(b"a%2fb%5c%41", &keep, &mut out));
        assert_eq!(out, b"a%2fb%5cA");
        assert!(!decode_segment_value(b"a%2", &p, &mut out));
        assert!(!decode_segment_value(b"%C3", &p, &mut out));
    }
}
