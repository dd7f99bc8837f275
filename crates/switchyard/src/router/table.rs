//! The compiled route table: one segment trie per host group, routes kept in rank order at each
//! node, so a match walks the request's segments once.

use super::path::{Piece, Segment, WILDCARD};
use crate::seeded::{Seed, SeededMap};
use std::cmp::Ordering;

/// A compiled header or query test.
#[derive(Debug)]
pub enum Test {
    Equals(String),
    Present,
    Absent,
    /// Full match of the regex with this id.
    Pattern(u32),
}

/// How a route reads a request segment when its params are extracted.
#[derive(Debug, Clone, Copy)]
pub enum SegMatch {
    Static,
    Plain,
    /// Mixed or patterned: the regex with this id, one capture group per param.
    Regex(u32),
    Wildcard,
}

/// One route, compiled.
#[derive(Debug)]
pub struct Route {
    /// Interned method ids, sorted; `None` for any method.
    pub methods: Option<Vec<u32>>,
    /// Segment kinds, the path part of the rank.
    pub kinds: Vec<u8>,
    /// Number of header + query constraints.
    pub constraints: u32,
    pub priority: i32,
    /// Header tests by header slot.
    pub headers: Vec<(u32, Test)>,
    pub query: Vec<(String, Test)>,
    pub segments: Vec<SegMatch>,
    /// Param names in path order, `*` last.
    pub names: Vec<String>,
    /// The normalized path of a fully static route without host.
    pub static_key: Option<String>,
}

impl Route {
    pub fn accepts_method(&self, method: i32) -> bool {
        match &self.methods {
            None => true,
            Some(ids) => u32::try_from(method).is_ok_and(|m| ids.contains(&m)),
        }
    }
}

/// Compares two routes of the same host group by rank (spec §6.3 to §6.7); `Less` wins.
pub fn rank_cmp(routes: &[Route], a: u32, b: u32) -> Ordering {
    let (ra, rb) = (&routes[a as usize], &routes[b as usize]);
    ra.kinds
        .cmp(&rb.kinds)
        .then_with(|| rb.methods.is_some().cmp(&ra.methods.is_some()))
        .then_with(|| rb.constraints.cmp(&ra.constraints))
        .then_with(|| rb.priority.cmp(&ra.priority))
        .then_with(|| a.cmp(&b))
}

/// An edge to a child for a dynamic segment; routes with the same segment shape share it.
#[derive(Debug)]
pub struct Edge {
    pub kind: u8,
    pub shape: Segment,
    /// `None` for a plain param.
    pub regex: Option<u32>,
    /// Longest segment (bytes) that can match: literal text plus `maxParamLength` per param.
    /// Longer segments are refused before running the regex.
    pub max_len: usize,
    pub child: u32,
}

/// Past this many static children a node looks them up in its slot table instead of scanning.
const STATIC_LIST_MAX: usize = 8;

#[derive(Debug, Default)]
pub struct Node {
    /// Static segment text (folded when case-insensitive) to child, with the seeded hash of the
    /// whole text, so that a mismatch is rejected without comparing strings. Scanned in order
    /// while short (cheaper than a table for a few entries), found through `static_slots` once
    /// it grows.
    pub static_list: Vec<(u64, Box<str>, u32)>,
    /// Open-addressing table over `static_list` (index + 1, 0 = empty), a power of two at most
    /// half full, placed by the seeded hash of the whole segment: a request cannot aim at a slot
    /// without knowing the seed (docs/architecture.md, "Inputs chosen by an attacker").
    static_slots: Vec<u32>,
    /// Dynamic edges, by kind (mixed, patterned, plain).
    pub dynamics: Vec<Edge>,
    /// Routes whose path ends here, best rank first.
    pub terminal: Vec<u32>,
    /// Routes whose path continues with `*` here, best rank first.
    pub wildcard: Vec<u32>,
    /// `terminal` split by one header's value, once it is long and told apart by that header.
    pub terminal_split: Option<Box<Split>>,
    /// `wildcard` likewise.
    pub wildcard_split: Option<Box<Split>>,
    /// Entries placed in `static_slots` so far (the complexity tests' measure of adding).
    #[cfg(test)]
    placed: usize,
}

/// Slot of a hash in a table of `mask + 1` slots.
#[inline]
fn slot_of(hash: u64, mask: usize) -> usize {
    (hash >> 32) as usize & mask
}

/// Whether `a` and `b` are the same bytes, for the short texts of path segments: up to 16 bytes
/// two overlapping word loads each (as [`Seed::hash`] reads them), no call into `memcmp`.
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let len = a.len();
    if len != b.len() {
        return false;
    }
    if (8..=16).contains(&len) {
        let word = |t: &[u8], at: usize| {
            t.get(at..at + 8)
                .and_then(|w| w.first_chunk::<8>())
                .map(|w| u64::from_le_bytes(*w))
        };
        return word(a, 0) == word(b, 0) && word(a, len - 8) == word(b, len - 8);
    }
    a == b
}

impl Node {
    /// The child for static segment text `text` (bytes of a UTF-8 text).
    // The lookup of every static step of a match: the seeded hash, then its slot (or, while the
    // node has few children, a scan comparing hashes), then the bytes.
    #[inline]
    pub fn static_child(&self, seed: &Seed, text: &[u8]) -> Option<u32> {
        let hash = seed.hash(text);
        if self.static_slots.is_empty() {
            return self
                .static_list
                .iter()
                .find(|(h, t, _)| *h == hash && same_bytes(t.as_bytes(), text))
                .map(|e| e.2);
        }
        let mask = self.static_slots.len() - 1;
        let mut at = slot_of(hash, mask);
        // At most half full: the probe meets an empty slot.
        for _ in 0..=mask {
            let index = *self.static_slots.get(at)?;
            let (h, t, child) = self.static_list.get(index.checked_sub(1)? as usize)?;
            if *h == hash && same_bytes(t.as_bytes(), text) {
                return Some(*child);
            }
            at = (at + 1) & mask;
        }
        None
    }

    /// The child for `text` and how many entries the lookup compared (for the complexity tests,
    /// which hold [`Node::static_child`] to the same answers).
    #[cfg(test)]
    pub fn static_probe(&self, seed: &Seed, text: &str) -> (Option<u32>, usize) {
        let hash = seed.hash(text.as_bytes());
        let same = |&(h, ref t, _): &(u64, Box<str>, u32)| h == hash && **t == *text;
        if self.static_slots.is_empty() {
            let found = self.static_list.iter().position(same);
            let probes = found.map_or(self.static_list.len(), |i| i + 1);
            return (
                found.and_then(|i| self.static_list.get(i)).map(|e| e.2),
                probes,
            );
        }
        let mask = self.static_slots.len() - 1;
        let mut at = slot_of(hash, mask);
        // At most half full: the probe meets an empty slot.
        for probes in 1..=mask + 1 {
            let Some(&index) = self.static_slots.get(at) else {
                return (None, probes);
            };
            let Some(entry) = index
                .checked_sub(1)
                .and_then(|i| self.static_list.get(i as usize))
            else {
                return (None, probes);
            };
            if same(entry) {
                return (Some(entry.2), probes);
            }
            at = (at + 1) & mask;
        }
        (None, mask + 1)
    }

    pub fn has_statics(&self) -> bool {
        !self.static_list.is_empty()
    }

    fn add_static(&mut self, seed: &Seed, text: &str, child: u32) {
        self.static_list
            .push((seed.hash(text.as_bytes()), text.into(), child));
        let len = self.static_list.len();
        if len <= STATIC_LIST_MAX {
            return;
        }
        if len * 2 > self.static_slots.len() {
            // Doubled, and every entry placed again: amortized constant time per child.
            self.static_slots = vec![0; (len * 2).next_power_of_two()];
            for i in 0..len {
                self.place(i);
            }
        } else {
            self.place(len - 1);
        }
    }

    /// Puts entry `i` of `static_list` into the slot table (which has an empty slot).
    fn place(&mut self, i: usize) {
        let mask = self.static_slots.len() - 1;
        let Some(&(hash, _, _)) = self.static_list.get(i) else {
            return;
        };
        #[cfg(test)]
        {
            self.placed += 1;
        }
        let mut at = slot_of(hash, mask);
        while self.static_slots.get(at).is_some_and(|&s| s != 0) {
            at = (at + 1) & mask;
        }
        if let Some(slot) = self.static_slots.get_mut(at) {
            *slot = i as u32 + 1;
        }
    }
}

/// The trie of one host group, and its fully static routes by path (one hash for the whole path).
#[derive(Debug)]
pub struct Trie {
    pub nodes: Vec<Node>,
    /// Normalized path of fully static routes -> their ids, best rank first.
    pub static_paths: SeededMap<Box<str>, Vec<u32>>,
    /// The router's seed, for the static children tables.
    pub seed: Seed,
    /// Bit `n` set when some static path is `n` bytes long (bit 63: 63 or more), so that most
    /// requests that cannot be static skip hashing their path.
    static_lengths: u64,
}

impl Trie {
    /// Whether a static path of `len` bytes may exist here.
    #[inline]
    pub fn may_hold_static(&self, len: usize) -> bool {
        self.static_lengths & (1 << len.min(63)) != 0
    }
}

impl Trie {
    /// An empty trie hashing with `seed`.
    pub fn new(seed: Seed) -> Self {
        Trie {
            nodes: vec![Node::default()],
            static_paths: SeededMap::with_hasher(seed.build()),
            seed,
            static_lengths: 0,
        }
    }
}

fn insert_ranked(list: &mut Vec<u32>, routes: &[Route], id: u32) {
    let at = list.partition_point(|&other| rank_cmp(routes, other, id) == Ordering::Less);
    list.insert(at, id);
}

/// Lists longer than this are split by header when one header tells enough of them apart (the
/// reference's `DISPATCH_AFTER`, packages/core/src/router/route-index.ts).
pub const SPLIT_AFTER: usize = 8;

/// One list of a node split by the value of one request header or query key: the routes with an
/// `equals` test on it, by its value, and the others. A request can only match the routes of its
/// own value and of `rest`, so a lookup among 50,000 routes on one path told apart by `x-tenant`
/// (or `?tenant=`) tries a handful, not all. Every list is in rank order.
#[derive(Debug)]
pub struct Split {
    pub on: SplitOn,
    pub by_value: SeededMap<Box<str>, Vec<u32>>,
    pub rest: Vec<u32>,
}

/// What a list is split by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SplitOn {
    /// The header of this slot.
    Header(u32),
    /// This query key.
    Query(Box<str>),
}

/// The value route `id`'s `equals` test on `on` asks for, if it has one.
fn equals_value<'r>(routes: &'r [Route], id: u32, on: &SplitOn) -> Option<&'r str> {
    let route = routes.get(id as usize)?;
    let equals = |test: &'r Test| match test {
        Test::Equals(value) => Some(value.as_str()),
        _ => None,
    };
    match on {
        SplitOn::Header(slot) => route
            .headers
            .iter()
            .find(|(s, _)| s == slot)
            .and_then(|(_, t)| equals(t)),
        SplitOn::Query(key) => route
            .query
            .iter()
            .find(|(k, _)| **k == **key)
            .and_then(|(_, t)| equals(t)),
    }
}

impl Split {
    /// The split of a ranked list by the header or query key most of its routes test with
    /// `equals`, if at least two and a quarter of them do.
    fn of(list: &[u32], routes: &[Route], seed: &Seed) -> Option<Box<Split>> {
        let mut counts: SeededMap<SplitOn, usize> = SeededMap::with_hasher(seed.build());
        let mut best: Option<(SplitOn, usize)> = None;
        for &id in list {
            let Some(route) = routes.get(id as usize) else {
                continue;
            };
            let headers = route
                .headers
                .iter()
                .map(|(slot, t)| (SplitOn::Header(*slot), t));
            let query = route
                .query
                .iter()
                .map(|(key, t)| (SplitOn::Query(key.as_str().into()), t));
            for (on, test) in headers.chain(query) {
                if let Test::Equals(_) = test {
                    let n = counts.entry(on.clone()).or_default();
                    *n += 1;
                    if best.as_ref().map_or(true, |(_, most)| *n > *most) {
                        best = Some((on, *n));
                    }
                }
            }
        }
        let (on, most) = best?;
        if most < 2 || most * 4 < list.len() {
            return None;
        }
        let mut split = Split {
            on,
            by_value: SeededMap::with_hasher(seed.build()),
            rest: Vec::new(),
        };
        for &id in list {
            split.insert(routes, id);
        }
        Some(Box::new(split))
    }

    /// Inserts `id` in rank order into its list.
    fn insert(&mut self, routes: &[Route], id: u32) {
        match equals_value(routes, id, &self.on) {
            Some(value) => {
                insert_ranked(self.by_value.entry(value.into()).or_default(), routes, id)
            }
            None => insert_ranked(&mut self.rest, routes, id),
        }
    }

    /// The ranked routes filed under `value` (none for no value); with `rest`, all a request
    /// with that value of the split key may match.
    pub fn hit(&self, value: Option<&str>) -> &[u32] {
        value
            .and_then(|v| self.by_value.get(v))
            .map_or(&[][..], |l| &l[..])
    }
}

/// Inserts route `id` into a node's list (ranked) and its split. A list without a split is
/// considered for one as it passes `SPLIT_AFTER` and each power of two after it, so that adding
/// n routes to one list costs O(n) countings in all.
fn insert_listed(
    list: &mut Vec<u32>,
    split: &mut Option<Box<Split>>,
    routes: &[Route],
    id: u32,
    seed: &Seed,
) {
    insert_ranked(list, routes, id);
    match split {
        Some(split) => split.insert(routes, id),
        None => {
            let n = list.len();
            if n == SPLIT_AFTER + 1 || (n > SPLIT_AFTER && n.is_power_of_two()) {
                *split = Split::of(list, routes, seed);
            }
        }
    }
}

impl Trie {
    /// Adds route `id` (already pushed to `routes`) along `segments`; `regex_of` gives the
    /// regex id of a dynamic segment.
    pub fn insert(
        &mut self,
        routes: &[Route],
        id: u32,
        segments: &[Segment],
        regex_of: &[Option<u32>],
        max_param: usize,
    ) {
        let mut node = 0usize;
        for (i, segment) in segments.iter().enumerate() {
            node = match segment {
                Segment::Wildcard => {
                    let at = &mut self.nodes[node];
                    insert_listed(
                        &mut at.wildcard,
                        &mut at.wildcard_split,
                        routes,
                        id,
                        &self.seed,
                    );
                    return;
                }
                Segment::Static(text) => {
                    match self.nodes[node].static_child(&self.seed, text.as_bytes()) {
                        Some(child) => child as usize,
                        None => {
                            let child = self.new_node();
                            let seed = self.seed;
                            self.nodes[node].add_static(&seed, text, child);
                            child as usize
                        }
                    }
                }
                Segment::Dynamic { kind, pieces } => {
                    let found = self.nodes[node]
                        .dynamics
                        .iter()
                        .find(|e| &e.shape == segment)
                        .map(|e| e.child);
                    match found {
                        Some(child) => child as usize,
                        None => {
                            let child = self.new_node();
                            let edges = &mut self.nodes[node].dynamics;
                            let at = edges.partition_point(|e| e.kind <= *kind);
                            let regex = regex_of.get(i).copied().flatten();
                            let max_len = pieces
                                .iter()
                                .map(|p| match p {
                                    Piece::Lit(text) => text.len(),
                                    Piece::Param { .. } => max_param,
                                })
                                .fold(0usize, usize::saturating_add);
                            edges.insert(
                                at,
                                Edge {
                                    kind: *kind,
                                    shape: segment.clone(),
                                    regex,
                                    max_len,
                                    child,
                                },
                            );
                            child as usize
                        }
                    }
                }
            };
        }
        let at = &mut self.nodes[node];
        insert_listed(
            &mut at.terminal,
            &mut at.terminal_split,
            routes,
            id,
            &self.seed,
        );
        if segments.iter().all(|s| matches!(s, Segment::Static(_))) {
            let texts: Vec<&str> = segments
                .iter()
                .map(|s| {
                    if let Segment::Static(t) = s {
                        t.as_str()
                    } else {
                        ""
                    }
                })
                .collect();
            let key = format!("/{}", texts.join("/")).into_boxed_str();
            self.static_lengths |= 1 << key.len().min(63);
            insert_ranked(self.static_paths.entry(key).or_default(), routes, id);
        }
    }

    fn new_node(&mut self) -> u32 {
        self.nodes.push(Node::default());
        (self.nodes.len() - 1) as u32
    }
}

/// Whether a route whose kinds start with `prefix` could still rank before `best` (kinds only):
/// false when `best` is smaller than every sequence starting with `prefix`.
pub fn could_beat(best: &[u8], prefix: &[u8]) -> bool {
    for (b, p) in best.iter().zip(prefix) {
        match b.cmp(p) {
            Ordering::Less => return false,
            Ordering::Greater => return true,
            Ordering::Equal => {}
        }
    }
    // Equal on the common part: a shorter `best` is a proper prefix, so it ranks first.
    best.len() >= prefix.len()
}

/// Kind used for a wildcard step when pruning.
pub const WILDCARD_KIND: u8 = WILDCARD;

#[cfg(test)]
mod tests {
    use super::Node;
    use crate::seeded::Seed;

    #[test]
    fn static_children_are_found_by_scan_and_by_slot_table() {
        // Texts sharing their first 8 bytes, texts of equal length, the empty text and a
        // multi-byte one: each must find its own child and nothing else, at every table size.
        let texts: Vec<String> = (0..40)
            .map(|i| match i % 4 {
                0 => format!("repository-{i}"),
                1 => format!("r{i}"),
                2 => format!("repositor{i}"),
                _ => format!("é{i}"),
            })
            .chain([String::new(), "repository-".to_string()])
            .collect();
        let mut node = Node::default();
        let seed = Seed::new(7);
        for (i, text) in texts.iter().enumerate() {
            node.add_static(&seed, text, i as u32);
            for (j, seen) in texts.iter().enumerate().take(i + 1) {
                assert_eq!(
                    node.static_child(&seed, seen.as_bytes()),
                    Some(j as u32),
                    "{seen:?} after {i}"
                );
            }
            for missing in ["repository-9", "repositor", "r", "repository-0x", "é"] {
                if !texts[..=i].iter().any(|t| t == missing) {
                    assert_eq!(
                        node.static_child(&seed, missing.as_bytes()),
                        None,
                        "{missing:?} after {i}"
                    );
                }
            }
        }
    }

    #[test]
    fn same_bytes_tells_every_short_text_apart() {
        // Every length across the word-load cases (0-7, 8-16, longer), with one byte changed at
        // each position: the overlapping loads must see every byte.
        for len in 0..40usize {
            let base: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            assert!(super::same_bytes(&base, &base.clone()));
            for i in 0..len {
                let mut changed = base.clone();
                changed[i] ^= 0x20;
                assert!(!super::same_bytes(&base, &changed), "len {len}, byte {i}");
            }
            let longer = [base.as_slice(), b"x"].concat();
            assert!(!super::same_bytes(&base, &longer));
        }
    }

    #[test]
    fn the_lookup_and_the_counting_probe_agree() {
        let seed = Seed::new(3);
        for n in [3, 8, 9, 100] {
            let node = siblings(&seed, n);
            for i in 0..n + 20 {
                for text in [
                    format!("customer-{i:06}"),
                    format!("customer-{i}"),
                    format!("c{i}"),
                ] {
                    assert_eq!(
                        node.static_child(&seed, text.as_bytes()),
                        node.static_probe(&seed, &text).0,
                        "{text:?} among {n}"
                    );
                }
            }
        }
    }

    /// Mean probes of looking up each of `texts` in `node`.
    fn mean_probes(node: &Node, seed: &Seed, texts: &[String]) -> f64 {
        let total: usize = texts.iter().map(|t| node.static_probe(seed, t).1).sum();
        total as f64 / texts.len() as f64
    }

    fn siblings(seed: &Seed, n: usize) -> Node {
        let mut node = Node::default();
        for i in 0..n {
            node.add_static(seed, &format!("customer-{i:06}"), i as u32);
        }
        node
    }

    #[test]
    fn adding_siblings_is_linear_and_shared_prefixes_do_not_collide() {
        // Before: the slot came from the first 8 bytes and the length only, so these 5,000
        // siblings shared one slot, and the table was rebuilt on every add (13.9 s to add).
        const N: usize = 5000;
        let seed = Seed::new(0);
        let node = siblings(&seed, N);
        assert!(
            node.placed <= 3 * N,
            "{} placements for {N} adds",
            node.placed
        );
        let members: Vec<String> = (0..N).map(|i| format!("customer-{i:06}")).collect();
        for (i, text) in members.iter().enumerate() {
            assert_eq!(node.static_child(&seed, text.as_bytes()), Some(i as u32));
        }
        // Misses of the same length and prefix, the old attack: as cheap as any lookup.
        let misses: Vec<String> = (0..N).map(|i| format!("customer-x{i:05}")).collect();
        for texts in [&members, &misses] {
            let mean = mean_probes(&node, &seed, texts);
            assert!(mean <= 3.0, "{mean} probes per lookup");
        }
    }

    #[test]
    fn misses_crafted_against_one_seed_cost_what_ordinary_misses_cost_under_another() {
        // An attacker who knows seed 0 picks, out of many candidates, the request segments
        // whose lookups probe longest (they start in the longest run of occupied slots). Under
        // another seed they are ordinary segments. Counted in probes, so it cannot flake.
        const N: usize = 5000;
        let attacked_seed = Seed::new(0);
        let attacked = siblings(&attacked_seed, N);
        let mut candidates: Vec<(usize, String)> = (0..200_000)
            .map(|i| {
                let text = format!("probe-{i}");
                (attacked.static_probe(&attacked_seed, &text).1, text)
            })
            .collect();
        candidates.sort_by_key(|c| std::cmp::Reverse(c.0));
        let crafted: Vec<String> = candidates.iter().take(500).map(|c| c.1.clone()).collect();
        let ordinary: Vec<String> = (0..500).map(|i| format!("ordinary-{i}")).collect();
        let (worst, usual) = (
            mean_probes(&attacked, &attacked_seed, &crafted),
            mean_probes(&attacked, &attacked_seed, &ordinary),
        );
        println!("seed 0: crafted {worst:.2} vs ordinary {usual:.2} probes per miss");
        assert!(
            worst > 2.0 * usual,
            "crafted {worst} vs ordinary {usual} under seed 0"
        );
        for seed in [1, 0x9e37_79b9_7f4a_7c15, u64::MAX] {
            let seed = Seed::new(seed);
            let node = siblings(&seed, N);
            let (worst, usual) = (
                mean_probes(&node, &seed, &crafted),
                mean_probes(&node, &seed, &ordinary),
            );
            println!("crafted {worst:.2} vs ordinary {usual:.2} probes per miss");
            assert!(worst <= 3.0 * usual, "crafted {worst} vs ordinary {usual}");
        }
    }
}
