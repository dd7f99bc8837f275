//! The compiled route table: one segment trie per host group, routes kept in rank order at each
//! node, so a match walks the request's segments once.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::path::{Piece, Segment, WILDCARD};

/// FxHash (as in rustc): much cheaper than SipHash on short keys. Flooding is not a concern: the
/// keys are route text from the operator, requests only look up.
#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A `HashMap` with [`FxHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

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

/// The first 8 bytes of `text`, zero-padded: two texts of the same length up to 8 bytes are
/// equal exactly when their head words are.
#[inline]
fn head_word(text: &str) -> u64 {
    let bytes = text.as_bytes();
    // Built in a register: a `memcpy` into a stack array then read as one word stalls on
    // store forwarding, which measured as most of the lookup.
    if let Some(first) = bytes.first_chunk::<8>() {
        return u64::from_le_bytes(*first);
    }
    bytes
        .iter()
        .enumerate()
        .fold(0, |word, (i, &b)| word | u64::from(b) << (8 * i))
}

/// Past this many static children a node looks them up in its slot table instead of scanning.
const STATIC_LIST_MAX: usize = 8;

#[derive(Debug, Default)]
pub struct Node {
    /// Static segment text (folded when case-insensitive) to child, with [`head_word`] of the
    /// text, so that a mismatch is rejected without comparing strings. Scanned in order while
    /// short (cheaper than hashing a few entries), found through `static_slots` once it grows.
    pub static_list: Vec<(u64, Box<str>, u32)>,
    /// Open-addressing table over `static_list` (index + 1, 0 = empty), a power of two at
    /// most half full, hashed from the head word and length alone: one multiply per lookup.
    static_slots: Vec<u32>,
    /// Dynamic edges, by kind (mixed, patterned, plain).
    pub dynamics: Vec<Edge>,
    /// Routes whose path ends here, best rank first.
    pub terminal: Vec<u32>,
    /// Routes whose path continues with `*` here, best rank first.
    pub wildcard: Vec<u32>,
}

/// Slot of a (head word, length) pair in a table of `mask + 1` slots.
#[inline]
fn slot_of(head: u64, len: usize, mask: usize) -> usize {
    let h = (head ^ (len as u64).rotate_right(7)).wrapping_mul(SEED);
    (h >> 32) as usize & mask
}

impl Node {
    /// The child for static segment text `text`.
    #[inline]
    pub fn static_child(&self, text: &str) -> Option<u32> {
        let head = head_word(text);
        let same = |&(h, ref t, _): &(u64, Box<str>, u32)| {
            h == head && t.len() == text.len() && (text.len() <= 8 || **t == *text)
        };
        if self.static_slots.is_empty() {
            return self.static_list.iter().find(|e| same(e)).map(|e| e.2);
        }
        let mask = self.static_slots.len() - 1;
        let mut at = slot_of(head, text.len(), mask);
        // At most half full: the probe meets an empty slot.
        for _ in 0..=mask {
            let index = *self.static_slots.get(at)?;
            let entry = self.static_list.get(index.checked_sub(1)? as usize)?;
            if same(entry) {
                return Some(entry.2);
            }
            at = (at + 1) & mask;
        }
        None
    }

    pub fn has_statics(&self) -> bool {
        !self.static_list.is_empty()
    }

    fn add_static(&mut self, text: &str, child: u32) {
        self.static_list.push((head_word(text), text.into(), child));
        if self.static_list.len() <= STATIC_LIST_MAX {
            return;
        }
        // Rebuilt on every add: adding routes is rare next to matching them.
        let size = (self.static_list.len() * 2).next_power_of_two();
        let mask = size - 1;
        self.static_slots = vec![0; size];
        for (i, (head, text, _)) in self.static_list.iter().enumerate() {
            let mut at = slot_of(*head, text.len(), mask);
            while self.static_slots[at] != 0 {
                at = (at + 1) & mask;
            }
            self.static_slots[at] = i as u32 + 1;
        }
    }
}

/// The trie of one host group, and its fully static routes by path (one hash for the whole path).
#[derive(Debug)]
pub struct Trie {
    pub nodes: Vec<Node>,
    /// Normalized path of fully static routes -> their ids, best rank first.
    pub static_paths: FastMap<Box<str>, Vec<u32>>,
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

impl Default for Trie {
    fn default() -> Self {
        Trie {
            nodes: vec![Node::default()],
            static_paths: FastMap::default(),
            static_lengths: 0,
        }
    }
}

fn insert_ranked(list: &mut Vec<u32>, routes: &[Route], id: u32) {
    let at = list.partition_point(|&other| rank_cmp(routes, other, id) == Ordering::Less);
    list.insert(at, id);
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
                    insert_ranked(&mut self.nodes[node].wildcard, routes, id);
                    return;
                }
                Segment::Static(text) => match self.nodes[node].static_child(text) {
                    Some(child) => child as usize,
                    None => {
                        let child = self.new_node();
                        self.nodes[node].add_static(text, child);
                        child as usize
                    }
                },
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
        insert_ranked(&mut self.nodes[node].terminal, routes, id);
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
        for (i, text) in texts.iter().enumerate() {
            node.add_static(text, i as u32);
            for (j, seen) in texts.iter().enumerate().take(i + 1) {
                assert_eq!(
                    node.static_child(seen),
                    Some(j as u32),
                    "{seen:?} after {i}"
                );
            }
            for missing in ["repository-9", "repositor", "r", "repository-0x", "é"] {
                if !texts[..=i].iter().any(|t| t == missing) {
                    assert_eq!(node.static_child(missing), None, "{missing:?} after {i}");
                }
            }
        }
    }
}
