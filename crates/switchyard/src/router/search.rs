//! Request normalization (spec §4) and the search for the best matching route (spec §5, §6).
//! Everything per request lives in a reusable [`Scratch`]: no allocation once it has grown.

use regex::{CaptureLocations, Regex};

use super::decode::{decode_query_part, decode_segment_append, escape_at};
use super::path::{MIXED, PATTERNED, PLAIN};
use super::table::{could_beat, rank_cmp, Edge, Route, SegMatch, Test, Trie, WILDCARD_KIND};
use super::{EncodedSlash, RouterOptions};

/// Bytes `normalize` stops at: `/`, `%`, `?`, NUL, and 0xEF (the lead byte of U+FFFD).
static SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    table[b'/' as usize] = true;
    table[b'%' as usize] = true;
    table[b'?' as usize] = true;
    table[0] = true;
    table[0xEF] = true;
    table
};

/// Param span flag: the raw text holds percent-escapes to decode (per segment, see spec §4).
pub const PARAM_DECODE: u8 = 1;
/// Param span flag: the text holds U+FFFD, which may stand for a lone surrogate in the JS string.
pub const PARAM_REPLACEMENT_CHAR: u8 = 2;

/// A param of the winning route: byte offsets into the request path as given, and flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSpan {
    pub start: u32,
    pub end: u32,
    pub flags: u8,
}

#[derive(Debug, Clone, Copy)]
enum Text {
    /// Byte range of the request path itself.
    Raw(usize, usize),
    /// Byte range of `Scratch::bytes` (the decoded segment).
    Decoded(usize, usize),
}

#[derive(Debug, Clone, Copy)]
struct Seg {
    raw_start: usize,
    raw_end: usize,
    text: Text,
}

/// Per-request working memory, reused between matches.
#[derive(Debug, Default)]
pub struct Scratch {
    bytes: Vec<u8>,
    segs: Vec<Seg>,
    /// End of the normalized path (after removing `?query` and a trailing slash).
    path_end: usize,
    /// No segment was decoded: the segments are the raw path split on `/`.
    all_raw: bool,
    /// The path holds `%` / the UTF-8 of U+FFFD (which may stand for a lone surrogate).
    has_escape: bool,
    has_replacement: bool,
    fold: String,
    pub(crate) host: String,
    pub(crate) locs: Vec<CaptureLocations>,
    kinds: Vec<u8>,
    query_parsed: bool,
    query_bytes: Vec<u8>,
    query: Vec<(usize, usize, usize, usize)>,
    pub(crate) params: Vec<ParamSpan>,
}

/// What a search looks at, besides the scratch.
pub struct Ctx<'a> {
    pub opts: &'a RouterOptions,
    pub routes: &'a [Route],
    pub regexes: &'a [Regex],
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub method: i32,
    pub headers: &'a [Option<&'a str>],
}

impl Scratch {
    /// Splits the request target at its first `?` and the path part into segments, decoding
    /// those with escapes, in one pass over the bytes. Returns where the path part ends (the `?`
    /// or the end), or `None` when the request is rejected as a whole (not origin-form, NUL,
    /// malformed encoding, encoded slash).
    pub fn normalize(&mut self, target: &str, opts: &RouterOptions) -> Option<usize> {
        self.segs.clear();
        self.bytes.clear();
        self.query_parsed = false;
        self.all_raw = true;
        let bytes = target.as_bytes();
        if bytes.first() != Some(&b'/') {
            return None;
        }
        let (mut has_escape, mut has_replacement) = (false, false);
        let mut start = 1;
        let mut query = bytes.len();
        for (i, &b) in bytes.iter().enumerate().skip(1) {
            // Most bytes are ordinary: one table load and a well-predicted branch.
            if !SPECIAL[usize::from(b)] {
                continue;
            }
            match b {
                b'/' => {
                    self.push_raw(start, i);
                    start = i + 1;
                }
                b'%' => has_escape = true,
                b'?' => {
                    query = i;
                    break;
                }
                // A NUL in any segment's value, kept literally or not, rejects the request.
                0 => return None,
                // 0xEF leads U+FFFD in UTF-8; without it there is none.
                0xEF => has_replacement = true,
                _ => {}
            }
        }
        self.push_raw(start, query);
        let mut end = query;
        if opts.trailing_slash_ignore && end > 1 && bytes[end - 1] == b'/' {
            self.segs.pop();
            end -= 1;
        }
        self.path_end = end;
        self.has_escape = has_escape;
        self.has_replacement = has_replacement;
        if has_escape {
            let keep_slash = opts.encoded_slash == EncodedSlash::Keep;
            for i in 0..self.segs.len() {
                let seg = self.segs[i];
                let Text::Raw(a, b) = seg.text else { continue };
                let raw = &bytes[a..b];
                if !raw.contains(&b'%') {
                    continue;
                }
                let from = self.bytes.len();
                if decode_segment_append(raw, keep_slash, &mut self.bytes) {
                    // Only a segment that decodes can hold an encoded slash (a literal one keeps
                    // its escapes as text).
                    if opts.encoded_slash == EncodedSlash::Reject && has_encoded_slash(raw) {
                        return None;
                    }
                    if self.bytes[from..].contains(&0) {
                        return None;
                    }
                    self.segs[i].text = Text::Decoded(from, self.bytes.len());
                    self.all_raw = false;
                } else {
                    self.bytes.truncate(from);
                    if !opts.malformed_literal {
                        return None;
                    }
                }
            }
        }
        Some(query)
    }

    fn push_raw(&mut self, start: usize, stop: usize) {
        self.segs.push(Seg {
            raw_start: start,
            raw_end: stop,
            text: Text::Raw(start, stop),
        });
    }

    fn text<'a>(&'a self, path: &'a str, seg: &Seg) -> &'a str {
        segment_text(&self.bytes, path, seg)
    }
}

/// A segment's text: a range of the request path, or of the decoded bytes. A free function so
/// callers can hold other fields of the scratch mutably while reading it.
fn segment_text<'a>(decoded: &'a [u8], path: &'a str, seg: &Seg) -> &'a str {
    match seg.text {
        Text::Raw(a, b) => path.get(a..b).unwrap_or(""),
        Text::Decoded(a, b) => decoded
            .get(a..b)
            .and_then(|s| std::str::from_utf8(s).ok())
            .unwrap_or(""),
    }
}

/// Searches `trie` for the best route (spec §6.3 onwards), improving on `best`.
pub fn search_trie(ctx: &Ctx, trie: &Trie, s: &mut Scratch, best: &mut Option<u32>) {
    // A fully static route at exactly this path outranks every other route of the trie, so when
    // one matches the walk is not needed. The path must be as received (nothing decoded).
    if s.all_raw && trie.may_hold_static(s.path_end) {
        let body = ctx.path.get(..s.path_end).unwrap_or("");
        let list = if ctx.opts.case_sensitive {
            trie.static_paths.get(body)
        } else {
            let mut fold = std::mem::take(&mut s.fold);
            fold.clear();
            fold.push_str(body);
            fold.make_ascii_lowercase();
            let list = trie.static_paths.get(fold.as_str());
            s.fold = fold;
            list
        };
        if let Some(list) = list {
            let before = *best;
            offer(ctx, list, s, best);
            if *best != before {
                return;
            }
        }
    }
    s.kinds.clear();
    visit(ctx, trie, 0, 0, s, best);
}

fn prune(ctx: &Ctx, s: &Scratch, best: &Option<u32>) -> bool {
    match best {
        Some(b) => !could_beat(&ctx.routes[*b as usize].kinds, &s.kinds),
        None => false,
    }
}

fn offer(ctx: &Ctx, list: &[u32], s: &mut Scratch, best: &mut Option<u32>) {
    for &id in list {
        if let Some(b) = *best {
            if rank_cmp(ctx.routes, b, id).is_lt() {
                return; // the list is in rank order: nothing further can win
            }
        }
        if constraints_hold(ctx, &ctx.routes[id as usize], s) {
            *best = Some(id);
            return;
        }
    }
}

fn visit(
    ctx: &Ctx,
    trie: &Trie,
    node_id: u32,
    depth: usize,
    s: &mut Scratch,
    best: &mut Option<u32>,
) {
    let Some(node) = trie.nodes.get(node_id as usize) else {
        return;
    };
    let count = s.segs.len();
    if depth == count {
        offer(ctx, &node.terminal, s, best);
    }
    if depth < count {
        let seg = s.segs[depth];
        if node.has_statics() {
            let child = if ctx.opts.case_sensitive {
                node.static_child(s.text(ctx.path, &seg))
            } else {
                let mut fold = std::mem::take(&mut s.fold);
                fold.clear();
                fold.push_str(s.text(ctx.path, &seg));
                fold.make_ascii_lowercase();
                let child = node.static_child(&fold);
                s.fold = fold;
                child
            };
            if let Some(child) = child {
                s.kinds.push(0);
                if !prune(ctx, s, best) {
                    visit(ctx, trie, child, depth + 1, s, best);
                }
                s.kinds.truncate(depth);
            }
        }
        for edge in &node.dynamics {
            s.kinds.push(edge.kind);
            let skip = prune(ctx, s, best);
            s.kinds.truncate(depth);
            if skip {
                // Edges are sorted by kind: later ones rank no better.
                break;
            }
            if segment_matches(ctx, edge, &seg, s) {
                s.kinds.push(edge.kind);
                visit(ctx, trie, edge.child, depth + 1, s, best);
                s.kinds.truncate(depth);
            }
        }
    }
    if !node.wildcard.is_empty() && (depth < count || ctx.opts.trailing_slash_ignore) {
        s.kinds.push(WILDCARD_KIND);
        if !prune(ctx, s, best) {
            offer(ctx, &node.wildcard, s, best);
        }
        s.kinds.truncate(depth);
    }
}

fn segment_matches(ctx: &Ctx, edge: &Edge, seg: &Seg, s: &mut Scratch) -> bool {
    let max = ctx.opts.max_param_length as usize;
    let text = s.text(ctx.path, seg);
    if text.len() > edge.max_len {
        return false;
    }
    match (edge.kind, edge.regex) {
        (PLAIN, _) => !text.is_empty() && text.len() <= max,
        (MIXED | PATTERNED, Some(id)) => {
            let (Some(re), Some(locs)) =
                (ctx.regexes.get(id as usize), s.locs.get_mut(id as usize))
            else {
                return false;
            };
            let text = segment_text(&s.bytes, ctx.path, seg);
            if re.captures_read(locs, text).is_none() {
                return false;
            }
            (1..locs.len()).all(|g| locs.get(g).is_some_and(|(a, b)| b - a <= max))
        }
        _ => false,
    }
}

fn constraints_hold(ctx: &Ctx, route: &Route, s: &mut Scratch) -> bool {
    if !route.accepts_method(ctx.method) {
        return false;
    }
    for (slot, test) in &route.headers {
        let value = ctx.headers.get(*slot as usize).copied().flatten();
        let ok = match (test, value) {
            (Test::Present, v) => v.is_some(),
            (Test::Absent, v) => v.is_none(),
            (_, None) => false,
            (Test::Equals(want), Some(v)) => want == v,
            (Test::Pattern(id), Some(v)) => ctx
                .regexes
                .get(*id as usize)
                .is_some_and(|re| re.is_match(v)),
        };
        if !ok {
            return false;
        }
    }
    if !route.query.is_empty() {
        parse_query(ctx, s);
        for (key, test) in &route.query {
            if !query_holds(ctx, s, key, test) {
                return false;
            }
        }
    }
    true
}

fn parse_query(ctx: &Ctx, s: &mut Scratch) {
    if s.query_parsed {
        return;
    }
    s.query_parsed = true;
    s.query.clear();
    s.query_bytes.clear();
    let Some(query) = ctx.query else { return };
    for part in query
        .as_bytes()
        .split(|&b| b == b'&')
        .filter(|p| !p.is_empty())
    {
        let (key, value) = match part.iter().position(|&b| b == b'=') {
            Some(eq) => (&part[..eq], &part[eq + 1..]),
            None => (part, &part[part.len()..]),
        };
        let k0 = s.query_bytes.len();
        let ok_key = decode_query_part(key, &mut s.query_bytes);
        let k1 = s.query_bytes.len();
        let ok_value = ok_key && decode_query_part(value, &mut s.query_bytes);
        let v1 = s.query_bytes.len();
        if ok_key && ok_value {
            s.query.push((k0, k1, k1, v1));
        } else {
            // Malformed: the part is kept as received.
            s.query_bytes.truncate(k0);
            s.query_bytes.extend_from_slice(key);
            let k1 = s.query_bytes.len();
            s.query_bytes.extend_from_slice(value);
            s.query.push((k0, k1, k1, s.query_bytes.len()));
        }
    }
}

fn query_holds(ctx: &Ctx, s: &Scratch, key: &str, test: &Test) -> bool {
    let text = |a: usize, b: usize| {
        s.query_bytes
            .get(a..b)
            .and_then(|t| std::str::from_utf8(t).ok())
            .unwrap_or("")
    };
    let mut values = s
        .query
        .iter()
        .filter(|q| text(q.0, q.1) == key)
        .map(|q| text(q.2, q.3));
    match test {
        Test::Present => values.next().is_some(),
        Test::Absent => values.next().is_none(),
        Test::Equals(want) => values.any(|v| v == want),
        Test::Pattern(id) => ctx
            .regexes
            .get(*id as usize)
            .is_some_and(|re| values.any(|v| re.is_match(v))),
    }
}

/// Fills `s.params` with the spans of route `id`'s params for the normalized request.
pub fn extract_params(ctx: &Ctx, id: u32, s: &mut Scratch) {
    s.params.clear();
    let Some(route) = ctx.routes.get(id as usize) else {
        return;
    };
    let keep_slash = ctx.opts.encoded_slash == EncodedSlash::Keep;
    let path = ctx.path.as_bytes();
    let marks = (s.has_escape, s.has_replacement);
    for (i, seg_match) in route.segments.iter().enumerate() {
        let seg = s.segs.get(i).copied();
        match (seg_match, seg) {
            (SegMatch::Static, _) => {}
            (SegMatch::Plain, Some(seg)) => {
                let flags = span_flags(
                    marks,
                    path,
                    seg.raw_start,
                    seg.raw_end,
                    matches!(seg.text, Text::Decoded(..)),
                );
                s.params.push(ParamSpan {
                    start: seg.raw_start as u32,
                    end: seg.raw_end as u32,
                    flags,
                });
            }
            (SegMatch::Regex(re_id), Some(seg)) => {
                let (Some(re), Some(locs)) = (
                    ctx.regexes.get(*re_id as usize),
                    s.locs.get_mut(*re_id as usize),
                ) else {
                    continue;
                };
                let decoded = matches!(seg.text, Text::Decoded(..));
                let text = segment_text(&s.bytes, ctx.path, &seg);
                if re.captures_read(locs, text).is_none() {
                    continue;
                }
                let raw = &path[seg.raw_start..seg.raw_end];
                for g in 1..locs.len() {
                    let Some((a, b)) = locs.get(g) else { continue };
                    let (a, b) = if decoded {
                        (
                            raw_offset(raw, keep_slash, a),
                            raw_offset(raw, keep_slash, b),
                        )
                    } else {
                        (a, b)
                    };
                    let (start, end) = (seg.raw_start + a, seg.raw_start + b);
                    let flags = span_flags(marks, path, start, end, decoded);
                    s.params.push(ParamSpan {
                        start: start as u32,
                        end: end as u32,
                        flags,
                    });
                }
            }
            (SegMatch::Wildcard, seg) => {
                let start = seg.map_or(s.path_end, |seg| seg.raw_start);
                let end = s.path_end.max(start);
                let flags = span_flags(marks, path, start, end, true);
                s.params.push(ParamSpan {
                    start: start as u32,
                    end: end as u32,
                    flags,
                });
            }
            _ => {}
        }
    }
}

fn has_encoded_slash(raw: &[u8]) -> bool {
    raw.windows(3)
        .any(|w| w[0] == b'%' && w[1] == b'2' && (w[2] == b'F' || w[2] == b'f'))
}

/// `marks`: whether the path holds `%` and U+FFFD at all.
fn span_flags(marks: (bool, bool), path: &[u8], start: usize, end: usize, decodes: bool) -> u8 {
    let (has_escape, has_replacement) = marks;
    if !has_escape && !has_replacement {
        return 0;
    }
    let text = path.get(start..end).unwrap_or(&[]);
    let mut flags = 0;
    if decodes && has_escape && text.contains(&b'%') {
        flags |= PARAM_DECODE;
    }
    if has_replacement && text.windows(3).any(|w| w == "\u{FFFD}".as_bytes()) {
        flags |= PARAM_REPLACEMENT_CHAR;
    }
    flags
}

/// The offset in the raw segment that corresponds to offset `target` of its decoded text.
fn raw_offset(raw: &[u8], keep_slash: bool, target: usize) -> usize {
    let (mut j, mut d) = (0, 0);
    while d < target && j < raw.len() {
        if raw[j] == b'%' {
            if let Some(byte) = escape_at(raw, j) {
                d += if keep_slash && byte == b'/' { 3 } else { 1 };
                j += 3;
                continue;
            }
        }
        d += 1;
        j += 1;
    }
    j
}
