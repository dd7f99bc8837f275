//! Request normalization (spec §4) and the search for the best matching route (spec §5, §6).
//! Everything per request lives in a reusable [`Scratch`]: no allocation once it has grown.

use regex::{CaptureLocations, Regex};

use super::canonical::{segment_bytes, segment_text, PathPolicy, PathScratch, Rejected, Seg, Text};
use super::decode::{decode_query_part, escape_at};
use super::path::{MIXED, PATTERNED, PLAIN};
use crate::seeded::Seed;

use super::table::{
    could_beat, rank_cmp, Edge, Node, Route, SegMatch, Split, SplitOn, Test, Trie, SPLIT_AFTER,
    WILDCARD_KIND,
};
use super::RouterOptions;

/// Param span flag: the raw text holds percent-escapes to decode (per segment, see spec §4).
pub const PARAM_DECODE: u8 = 1;
/// Param span flag: the text holds U+FFFD, which may stand for a lone surrogate in the JS string.
pub const PARAM_REPLACEMENT_CHAR: u8 = 2;
/// Param span flag: the value is not one range of the target (a wildcard over segments that
/// canonicalization joined: dot segments removed, slashes merged, backslash separators); it is
/// in [`Router::joined_param`](super::Router::joined_param), already decoded.
pub const PARAM_JOINED: u8 = 4;

/// A param of the winning route: byte offsets into the request path as given, and flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamSpan {
    pub start: u32,
    pub end: u32,
    pub flags: u8,
}

/// Per-request working memory, reused between matches.
#[derive(Debug, Default)]
pub struct Scratch {
    pub(crate) path: PathScratch,
    fold: String,
    pub(crate) host: String,
    pub(crate) locs: Vec<CaptureLocations>,
    kinds: Vec<u8>,
    query_parsed: bool,
    query_bytes: Vec<u8>,
    query: Vec<(usize, usize, usize, usize)>,
    pub(crate) params: Vec<ParamSpan>,
    /// The value of a [`PARAM_JOINED`] param.
    pub(crate) joined: String,
    /// Bit per method id: the methods some route matching but for its method lists.
    pub(crate) allowed_bits: Vec<u64>,
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
    /// The router's seed, for the static children tables.
    pub seed: &'a Seed,
}

impl Scratch {
    /// Gives back memory above `keep_bytes` per buffer that an oversized request made it take.
    /// The param spans stay readable (they are small), and so does the joined param of the last
    /// match, which the caller reads after the call: it is shrunk by the next call without one.
    /// True when that joined param was kept above `keep_bytes` (a later call must shrink it).
    pub(crate) fn shrink(&mut self, keep_bytes: usize) -> bool {
        use crate::shrink::{shrink_string, shrink_vec};
        self.path.shrink(keep_bytes);
        shrink_string(&mut self.fold, keep_bytes);
        shrink_string(&mut self.host, keep_bytes);
        shrink_vec(&mut self.kinds, keep_bytes);
        shrink_vec(&mut self.query_bytes, keep_bytes);
        shrink_vec(&mut self.query, keep_bytes);
        if !self.params.iter().any(|p| p.flags & PARAM_JOINED != 0) {
            shrink_vec(&mut self.params, keep_bytes);
            shrink_string(&mut self.joined, keep_bytes);
            return false;
        }
        self.joined.capacity() > keep_bytes
    }
}

impl Scratch {
    /// Canonicalizes the path part of the target into segments (spec §4.1) and applies the
    /// trailing-slash rule; the query is parsed lazily.
    pub fn normalize(&mut self, target: &str, opts: &RouterOptions) -> Result<(), Rejected> {
        self.query_parsed = false;
        self.path.split(target, &opts.path)?;
        if opts.trailing_slash_ignore {
            self.path.remove_trailing_empty();
        }
        Ok(())
    }

    #[inline]
    fn text<'a>(&'a self, path: &'a str, seg: &Seg) -> &'a str {
        self.path.text(path, seg)
    }
}

/// Searches `trie` for the best route (spec §6.3 onwards), improving on `best`.
pub fn search_trie(ctx: &Ctx, trie: &Trie, s: &mut Scratch, best: &mut Option<u32>) {
    // A fully static route at exactly this path outranks every other route of the trie, so when
    // one matches the walk is not needed. The path must be as received (nothing decoded).
    if s.path.all_raw && trie.may_hold_static(s.path.path_end) {
        let body = ctx.path.get(..s.path.path_end).unwrap_or("");
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
        // A long list (many routes on one static path, told apart by a header) is left to the
        // walk, which reaches the same routes through the node's split.
        if let Some(list) = list.filter(|l| l.len() <= SPLIT_AFTER) {
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

/// The request's routes of a split list: those of its value of the split key (none when it has
/// none), or `None` when it has several (a query key given twice), where the whole list is tried.
fn split_hit<'a>(ctx: &Ctx, split: &'a Split, s: &mut Scratch) -> Option<&'a [u32]> {
    match &split.on {
        SplitOn::Header(slot) => {
            let value = ctx.headers.get(*slot as usize).copied().flatten();
            Some(split.hit(value))
        }
        SplitOn::Query(key) => {
            parse_query(ctx, s);
            let mut values = query_values(s, key);
            let value = values.next();
            if values.next().is_some() {
                return None;
            }
            Some(split.hit(value))
        }
    }
}

/// Offers a node's list, or for a split list the routes of the request's value merged in rank
/// order with the rest (the others cannot match: their `equals` test wants another value).
fn offer_list(
    ctx: &Ctx,
    list: &[u32],
    split: Option<&Split>,
    s: &mut Scratch,
    best: &mut Option<u32>,
) {
    let Some((split, hit)) = split.and_then(|split| Some((split, split_hit(ctx, split, s)?)))
    else {
        offer(ctx, list, s, best);
        return;
    };
    let rest = &split.rest[..];
    let (mut i, mut j) = (0, 0);
    loop {
        let id = match (hit.get(i), rest.get(j)) {
            (Some(&a), Some(&b)) if rank_cmp(ctx.routes, a, b).is_lt() => {
                i += 1;
                a
            }
            (_, Some(&b)) => {
                j += 1;
                b
            }
            (Some(&a), None) => {
                i += 1;
                a
            }
            (None, None) => return,
        };
        if let Some(b) = *best {
            if rank_cmp(ctx.routes, b, id).is_lt() {
                return; // both lists are in rank order: nothing further can win
            }
        }
        if constraints_hold(ctx, &ctx.routes[id as usize], s) {
            *best = Some(id);
            return;
        }
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

/// The static child of `node` for `seg`, shared by the search and by `collect_allowed` so both
/// walk the same edges. A case-insensitive table compares the segment lowercased in the reused
/// `s.fold`: no allocation once it has grown.
#[inline]
fn static_child(ctx: &Ctx, node: &Node, seg: &Seg, s: &mut Scratch) -> Option<u32> {
    if ctx.opts.case_sensitive {
        return node.static_child(ctx.seed, segment_bytes(&s.path.bytes, ctx.path, seg));
    }
    let mut fold = std::mem::take(&mut s.fold);
    fold.clear();
    fold.push_str(s.text(ctx.path, seg));
    fold.make_ascii_lowercase();
    let child = node.static_child(ctx.seed, fold.as_bytes());
    s.fold = fold;
    child
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
    let count = s.path.segs.len();
    if depth == count {
        offer_list(ctx, &node.terminal, node.terminal_split.as_deref(), s, best);
    }
    if depth < count {
        let seg = s.path.segs[depth];
        if node.has_statics() {
            if let Some(child) = static_child(ctx, node, &seg, s) {
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
            offer_list(ctx, &node.wildcard, node.wildcard_split.as_deref(), s, best);
        }
        s.kinds.truncate(depth);
    }
}

/// Sets in `s.allowed_bits` the methods of every route of `trie` that matches the request but
/// for its method (spec §8, `resolve`). Any-method routes add nothing: when one matches, so does
/// the request. No ranking and no pruning: every matching route counts.
pub fn collect_allowed(ctx: &Ctx, trie: &Trie, s: &mut Scratch) {
    collect_in(ctx, trie, 0, 0, s);
}

fn collect_in(ctx: &Ctx, trie: &Trie, node_id: u32, depth: usize, s: &mut Scratch) {
    let Some(node) = trie.nodes.get(node_id as usize) else {
        return;
    };
    let count = s.path.segs.len();
    if depth == count {
        allow_list(ctx, &node.terminal, node.terminal_split.as_deref(), s);
    }
    if depth < count {
        let seg = s.path.segs[depth];
        if node.has_statics() {
            if let Some(child) = static_child(ctx, node, &seg, s) {
                collect_in(ctx, trie, child, depth + 1, s);
            }
        }
        for edge in &node.dynamics {
            if segment_matches(ctx, edge, &seg, s) {
                collect_in(ctx, trie, edge.child, depth + 1, s);
            }
        }
    }
    if !node.wildcard.is_empty() && (depth < count || ctx.opts.trailing_slash_ignore) {
        allow_list(ctx, &node.wildcard, node.wildcard_split.as_deref(), s);
    }
}

/// [`allow_routes`] of a node's list, or of a split list's routes the request may match.
fn allow_list(ctx: &Ctx, list: &[u32], split: Option<&Split>, s: &mut Scratch) {
    match split {
        None => allow_routes(ctx, list, s),
        Some(split) => match split_hit(ctx, split, s) {
            Some(hit) => {
                allow_routes(ctx, hit, s);
                allow_routes(ctx, &split.rest, s);
            }
            None => allow_routes(ctx, list, s),
        },
    }
}

fn allow_routes(ctx: &Ctx, list: &[u32], s: &mut Scratch) {
    for &id in list {
        let route = &ctx.routes[id as usize];
        let Some(methods) = &route.methods else {
            continue;
        };
        // Cheap first: a route whose methods are all allowed already changes nothing.
        let new = methods.iter().any(|&m| {
            s.allowed_bits
                .get(m as usize / 64)
                .is_some_and(|w| w & 1 << (m % 64) == 0)
        });
        if new && constraints_but_method_hold(ctx, route, s) {
            for &m in methods {
                if let Some(word) = s.allowed_bits.get_mut(m as usize / 64) {
                    *word |= 1 << (m % 64);
                }
            }
        }
    }
}

// Always inlined: it is the inner step of both walks, and a call per edge measured.
#[inline(always)]
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
            let text = segment_text(&s.path.bytes, ctx.path, seg);
            if re.captures_read(locs, text).is_none() {
                return false;
            }
            (1..locs.len()).all(|g| locs.get(g).is_some_and(|(a, b)| b - a <= max))
        }
        _ => false,
    }
}

#[inline]
fn constraints_hold(ctx: &Ctx, route: &Route, s: &mut Scratch) -> bool {
    route.accepts_method(ctx.method) && constraints_but_method_hold(ctx, route, s)
}

/// Header and query constraints (spec §5), the method left aside.
#[inline(always)]
fn constraints_but_method_hold(ctx: &Ctx, route: &Route, s: &mut Scratch) -> bool {
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

/// The values of query key `key` in the parsed query, in order.
fn query_values<'s>(s: &'s Scratch, key: &'s str) -> impl Iterator<Item = &'s str> + 's {
    let text = |a: usize, b: usize| {
        s.query_bytes
            .get(a..b)
            .and_then(|t| std::str::from_utf8(t).ok())
            .unwrap_or("")
    };
    s.query
        .iter()
        .filter(move |q| text(q.0, q.1) == key)
        .map(move |q| text(q.2, q.3))
}

fn query_holds(ctx: &Ctx, s: &Scratch, key: &str, test: &Test) -> bool {
    let mut values = query_values(s, key);
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
// Always inlined (one call site per walk): the call measured on every match with params.
#[inline(always)]
pub fn extract_params(ctx: &Ctx, id: u32, s: &mut Scratch) {
    s.params.clear();
    let Some(route) = ctx.routes.get(id as usize) else {
        return;
    };
    let policy = &ctx.opts.path;
    let path = ctx.path.as_bytes();
    let marks = (s.path.has_escape(), s.path.has_replacement());
    for (i, seg_match) in route.segments.iter().enumerate() {
        let seg = s.path.segs.get(i).copied();
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
                let text = segment_text(&s.path.bytes, ctx.path, &seg);
                if re.captures_read(locs, text).is_none() {
                    continue;
                }
                let raw = &path[seg.raw_start..seg.raw_end];
                for g in 1..locs.len() {
                    let Some((a, b)) = locs.get(g) else { continue };
                    let (a, b) = if decoded {
                        (raw_offset(raw, policy, a), raw_offset(raw, policy, b))
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
            (SegMatch::Wildcard, _) => {
                let span = wildcard_span(ctx, i, s, marks);
                s.params.push(span);
            }
            _ => {}
        }
    }
}

/// The `*` param over segments `from..`: one range of the target when those segments are
/// consecutive in it, separated by single `/`s; otherwise their values joined with `/` into
/// `s.joined` (flag [`PARAM_JOINED`]).
fn wildcard_span(ctx: &Ctx, from: usize, s: &mut Scratch, marks: (bool, bool)) -> ParamSpan {
    let path = ctx.path.as_bytes();
    let segs = s.path.segs.get(from..).unwrap_or(&[]);
    let (Some(first), Some(last)) = (segs.first(), segs.last()) else {
        let at = s.path.path_end as u32;
        return ParamSpan {
            start: at,
            end: at,
            flags: 0,
        };
    };
    let contiguous = !s.path.restructured
        || segs
            .windows(2)
            .all(|w| w[1].raw_start == w[0].raw_end + 1 && path.get(w[0].raw_end) == Some(&b'/'));
    if contiguous {
        let (start, end) = (first.raw_start, last.raw_end);
        return ParamSpan {
            start: start as u32,
            end: end as u32,
            flags: span_flags(marks, path, start, end, true),
        };
    }
    let mut joined = std::mem::take(&mut s.joined);
    joined.clear();
    for (k, seg) in segs.iter().enumerate() {
        if k > 0 {
            joined.push('/');
        }
        joined.push_str(segment_text(&s.path.bytes, ctx.path, seg));
    }
    s.joined = joined;
    ParamSpan {
        start: 0,
        end: 0,
        flags: PARAM_JOINED,
    }
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
fn raw_offset(raw: &[u8], policy: &PathPolicy, target: usize) -> usize {
    let (mut j, mut d) = (0, 0);
    while d < target && j < raw.len() {
        if raw[j] == b'%' {
            if let Some(byte) = escape_at(raw, j) {
                d += if policy.keeps_escape(byte) { 3 } else { 1 };
                j += 3;
                continue;
            }
        }
        d += 1;
        j += 1;
    }
    j
}
