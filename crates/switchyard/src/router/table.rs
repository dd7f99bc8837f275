//! The compiled route table: one segment trie per host group, routes kept in rank order at each
//! node, so a match walks the request's segments once.

use std::cmp::Ordering;
use std::collections::HashMap;

use super::path::{Segment, WILDCARD};

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
    /// The normalised path of a fully static route without host.
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
    pub child: u32,
}

#[derive(Debug, Default)]
pub struct Node {
    /// Static segment text (folded when case-insensitive) to child.
    pub statics: HashMap<String, u32>,
    /// Dynamic edges, by kind (mixed, patterned, plain).
    pub dynamics: Vec<Edge>,
    /// Routes whose path ends here, best rank first.
    pub terminal: Vec<u32>,
    /// Routes whose path continues with `*` here, best rank first.
    pub wildcard: Vec<u32>,
}

/// The trie of one host group.
#[derive(Debug)]
pub struct Trie {
    pub nodes: Vec<Node>,
}

impl Default for Trie {
    fn default() -> Self {
        Trie {
            nodes: vec![Node::default()],
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
    ) {
        let mut node = 0usize;
        for (i, segment) in segments.iter().enumerate() {
            node = match segment {
                Segment::Wildcard => {
                    insert_ranked(&mut self.nodes[node].wildcard, routes, id);
                    return;
                }
                Segment::Static(text) => match self.nodes[node].statics.get(text) {
                    Some(&child) => child as usize,
                    None => {
                        let child = self.new_node();
                        self.nodes[node].statics.insert(text.clone(), child);
                        child as usize
                    }
                },
                Segment::Dynamic { kind, .. } => {
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
                            edges.insert(
                                at,
                                Edge {
                                    kind: *kind,
                                    shape: segment.clone(),
                                    regex,
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
