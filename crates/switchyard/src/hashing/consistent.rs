//! `ConsistentHash`: ring (ketama-style), Maglev, weighted rendezvous and jump hashing behind one
//! API, with health skipping and bounded loads. `packages/core/src/hashing/consistent-hash.ts` is
//! the same algorithm line for line; `docs/hashing.md` is the spec.

use std::collections::HashMap;

use super::error::{js_number, HashingError};
use super::key_hash::{key_hash, KeyHash};
use super::node::Node;
use super::options::{
    check_id, check_weight, duplicate, is_prime, DEFAULT_TABLE_SIZE, DEFAULT_VNODES_PER_WEIGHT,
    MAX_LOAD, MAX_NODES, MAX_RING_POINTS, MAX_TABLE_SIZE, MAX_VNODES_PER_WEIGHT,
};
use super::{jump, maglev, rendezvous};

/// Which consistent-hashing algorithm places the keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// Ketama-style ring: `round(weight * vnodesPerWeight)` points per node.
    Ring,
    /// Maglev lookup table of a prime size, filled in proportion to the weights.
    Maglev,
    /// Weighted highest-random-weight: every node scores every key.
    Rendezvous,
    /// Jump consistent hash over the nodes in insertion order; no weights.
    Jump,
}

impl Algorithm {
    /// Parses `ring`, `maglev`, `rendezvous` or `jump`.
    pub fn parse(name: &str) -> Result<Self, HashingError> {
        match name {
            "ring" => Ok(Algorithm::Ring),
            "maglev" => Ok(Algorithm::Maglev),
            "rendezvous" => Ok(Algorithm::Rendezvous),
            "jump" => Ok(Algorithm::Jump),
            other => Err(HashingError::invalid(
                "options.algorithm",
                format!(
                    "expected \"ring\", \"maglev\", \"rendezvous\" or \"jump\", got \"{other}\""
                ),
            )),
        }
    }
}

/// A node to add: an id and a weight (1 when not given).
#[derive(Clone, Debug, PartialEq)]
pub struct NodeSpec {
    pub id: String,
    pub weight: f64,
}

impl NodeSpec {
    /// A node of weight 1.
    pub fn new(id: impl Into<String>) -> Self {
        NodeSpec {
            id: id.into(),
            weight: 1.0,
        }
    }

    /// A node of the given weight.
    pub fn weighted(id: impl Into<String>, weight: f64) -> Self {
        NodeSpec {
            id: id.into(),
            weight,
        }
    }
}

/// Construction options; see the TSDoc of `ConsistentHashOptions` for each field.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub algorithm: Algorithm,
    pub vnodes_per_weight: f64,
    pub table_size: f64,
    /// `Some(epsilon)` turns on bounded loads.
    pub bounded_load_epsilon: Option<f64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            algorithm: Algorithm::Ring,
            vnodes_per_weight: DEFAULT_VNODES_PER_WEIGHT,
            table_size: f64::from(DEFAULT_TABLE_SIZE),
            bounded_load_epsilon: None,
        }
    }
}

/// A consistent-hash balancer over a set of nodes.
pub struct ConsistentHash {
    algorithm: Algorithm,
    vnodes_per_weight: f64,
    table_size: u32,
    epsilon: Option<f64>,
    nodes: Vec<Node>,
    by_id: HashMap<String, usize>,
    ring: super::ring::Ring,
    table: Vec<u32>,
    equal_weights: bool,
    healthy_count: usize,
    healthy_weight: f64,
    healthy_load: f64,
    scratch: Vec<rendezvous::Candidate>,
    seen: Vec<u32>,
    epoch: u32,
}

impl ConsistentHash {
    /// Builds the balancer; an empty node set is allowed (picks fail until a node is added).
    pub fn new(nodes: Vec<NodeSpec>, options: Options) -> Result<Self, HashingError> {
        let vnodes = options.vnodes_per_weight;
        if !(vnodes.is_finite() && vnodes > 0.0 && vnodes <= MAX_VNODES_PER_WEIGHT) {
            return Err(HashingError::invalid(
                "options.vnodesPerWeight",
                format!(
                    "must be a finite number in (0, 10000], got {}",
                    js_number(vnodes)
                ),
            ));
        }
        let size = options.table_size;
        if !(size.is_finite()
            && size == size.trunc()
            && (3.0..=MAX_TABLE_SIZE).contains(&size)
            && is_prime(size as u32))
        {
            return Err(HashingError::invalid(
                "options.tableSize",
                format!(
                    "must be a prime integer in [3, 16777216], got {}",
                    js_number(size)
                ),
            ));
        }
        if let Some(epsilon) = options.bounded_load_epsilon {
            if !(epsilon.is_finite() && epsilon >= 0.0) {
                return Err(HashingError::invalid(
                    "options.boundedLoad.epsilon",
                    format!("must be a finite number >= 0, got {}", js_number(epsilon)),
                ));
            }
        }
        let mut hash = ConsistentHash {
            algorithm: options.algorithm,
            vnodes_per_weight: vnodes,
            table_size: size as u32,
            epsilon: options.bounded_load_epsilon,
            nodes: Vec::with_capacity(nodes.len()),
            by_id: HashMap::with_capacity(nodes.len()),
            ring: super::ring::Ring::default(),
            table: Vec::new(),
            equal_weights: true,
            healthy_count: 0,
            healthy_weight: 0.0,
            healthy_load: 0.0,
            scratch: Vec::new(),
            seen: Vec::new(),
            epoch: 0,
        };
        let mut ring_points = 0usize;
        for (i, spec) in nodes.into_iter().enumerate() {
            let argument = format!("nodes[{i}]");
            hash.check_new(&argument, &spec, ring_points)?;
            ring_points += hash.vnodes_of(spec.weight);
            hash.push(spec);
        }
        match hash.algorithm {
            Algorithm::Ring => {
                hash.ring = super::ring::Ring::build(&hash.nodes, hash.vnodes_per_weight)
            }
            Algorithm::Maglev => hash.table = maglev::build(&hash.nodes, hash.table_size),
            Algorithm::Rendezvous | Algorithm::Jump => {}
        }
        hash.refresh_aggregates();
        Ok(hash)
    }

    fn vnodes_of(&self, weight: f64) -> usize {
        super::ring::vnodes(weight, self.vnodes_per_weight)
    }

    fn check_new(
        &self,
        argument: &str,
        spec: &NodeSpec,
        ring_points: usize,
    ) -> Result<(), HashingError> {
        check_id(argument, &spec.id)?;
        check_weight(argument, spec.weight, false)?;
        if self.algorithm == Algorithm::Jump && spec.weight != 1.0 {
            return Err(HashingError::invalid(
                format!("{argument}.weight"),
                format!(
                    "algorithm \"jump\" does not support weights (its buckets are equal), got {}",
                    js_number(spec.weight)
                ),
            ));
        }
        if self.by_id.contains_key(&spec.id) {
            return Err(duplicate(argument, &spec.id));
        }
        if self.nodes.len() >= MAX_NODES {
            return Err(HashingError::invalid("nodes", "at most 1048576 nodes"));
        }
        if self.algorithm == Algorithm::Maglev && self.nodes.len() + 1 >= self.table_size as usize {
            return Err(HashingError::invalid(
                "options.tableSize",
                format!(
                    "must be larger than the node count ({}); pick a prime well above it",
                    self.nodes.len() + 1
                ),
            ));
        }
        if self.algorithm == Algorithm::Ring {
            let total = ring_points + self.vnodes_of(spec.weight);
            if total > MAX_RING_POINTS {
                return Err(HashingError::invalid(
                    "nodes",
                    format!(
                        "the ring would have {total} points, more than 10000000: lower the weights or options.vnodesPerWeight"
                    ),
                ));
            }
        }
        Ok(())
    }

    fn push(&mut self, spec: NodeSpec) {
        let hash = key_hash(spec.id.as_bytes());
        self.by_id.insert(spec.id.clone(), self.nodes.len());
        self.nodes.push(Node {
            id: spec.id,
            weight: spec.weight,
            hash,
            healthy: true,
            load: 0.0,
        });
    }

    /// Health, weight and load sums, recomputed in index order so both implementations add the
    /// same floats in the same order.
    fn refresh_aggregates(&mut self) {
        let first = self.nodes.first().map(|n| n.weight);
        self.equal_weights = self.nodes.iter().all(|n| Some(n.weight) == first);
        self.healthy_count = 0;
        self.healthy_weight = 0.0;
        self.healthy_load = 0.0;
        for node in self.nodes.iter().filter(|n| n.healthy) {
            self.healthy_count += 1;
            self.healthy_weight += node.weight;
            self.healthy_load += node.load;
        }
        if self.seen.len() != self.nodes.len() {
            self.seen = vec![0; self.nodes.len()];
            self.epoch = 0;
        }
    }

    /// Adds a node at the end of the set (jump's next bucket).
    pub fn add(&mut self, spec: NodeSpec) -> Result<(), HashingError> {
        self.check_new("node", &spec, self.ring.len())?;
        let index = self.nodes.len();
        self.push(spec);
        match self.algorithm {
            Algorithm::Ring => self
                .ring
                .insert(&self.nodes[index], index, self.vnodes_per_weight),
            Algorithm::Maglev => self.table = maglev::build(&self.nodes, self.table_size),
            Algorithm::Rendezvous | Algorithm::Jump => {}
        }
        self.refresh_aggregates();
        Ok(())
    }

    /// Index of a node id (its position in [`Self::nodes`]).
    pub fn index_of(&self, id: &str) -> Result<usize, HashingError> {
        self.by_id
            .get(id)
            .copied()
            .ok_or_else(|| HashingError::UnknownNode(id.to_owned()))
    }

    fn check_index(&self, index: usize) -> Result<(), HashingError> {
        if index >= self.nodes.len() {
            return Err(HashingError::invalid(
                "index",
                format!(
                    "no node at index {index} (the set has {})",
                    self.nodes.len()
                ),
            ));
        }
        Ok(())
    }

    /// Removes a node; the nodes after it move down one index.
    pub fn remove(&mut self, id: &str) -> Result<(), HashingError> {
        let index = self.index_of(id)?;
        self.remove_at(index)
    }

    /// Removes the node at `index`.
    pub fn remove_at(&mut self, index: usize) -> Result<(), HashingError> {
        self.check_index(index)?;
        let removed = self.nodes.remove(index);
        self.by_id.remove(&removed.id);
        for (i, node) in self.nodes.iter().enumerate().skip(index) {
            self.by_id.insert(node.id.clone(), i);
        }
        match self.algorithm {
            Algorithm::Ring => self.ring.remove(index),
            Algorithm::Maglev => self.table = maglev::build(&self.nodes, self.table_size),
            Algorithm::Rendezvous | Algorithm::Jump => {}
        }
        self.refresh_aggregates();
        Ok(())
    }

    /// Marks a node healthy or not. Unhealthy nodes are skipped by `pick`/`pick_n` without
    /// rebuilding anything, so the keys of healthy nodes stay where they are.
    pub fn set_healthy(&mut self, id: &str, healthy: bool) -> Result<(), HashingError> {
        let index = self.index_of(id)?;
        self.set_healthy_at(index, healthy)
    }

    /// [`Self::set_healthy`] by index.
    pub fn set_healthy_at(&mut self, index: usize, healthy: bool) -> Result<(), HashingError> {
        self.check_index(index)?;
        if self.nodes[index].healthy != healthy {
            self.nodes[index].healthy = healthy;
            self.refresh_aggregates();
        }
        Ok(())
    }

    /// Sets a node's current load (in-flight requests), which bounded-load picks compare to the
    /// cap. An integer in `[0, 2^32 - 1]`.
    pub fn set_load(&mut self, id: &str, load: f64) -> Result<(), HashingError> {
        let index = self.index_of(id)?;
        self.set_load_at(index, load)
    }

    /// [`Self::set_load`] by index.
    pub fn set_load_at(&mut self, index: usize, load: f64) -> Result<(), HashingError> {
        self.check_index(index)?;
        if !(load.is_finite() && load == load.trunc() && (0.0..=MAX_LOAD).contains(&load)) {
            return Err(HashingError::invalid(
                "load",
                format!(
                    "must be an integer in [0, 4294967295], got {}",
                    js_number(load)
                ),
            ));
        }
        let node = &mut self.nodes[index];
        if node.healthy {
            // Integers below 2^53: the running sum stays exact.
            self.healthy_load += load - node.load;
        }
        node.load = load;
        Ok(())
    }

    /// The nodes as `(id, weight, healthy, load)`, in index order.
    pub fn nodes(&self) -> impl Iterator<Item = (&str, f64, bool, f64)> {
        self.nodes
            .iter()
            .map(|n| (n.id.as_str(), n.weight, n.healthy, n.load))
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// True when there is no node.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The id of the node at `index`.
    pub fn id_at(&self, index: usize) -> Option<&str> {
        self.nodes.get(index).map(|n| n.id.as_str())
    }

    fn check_pickable(&self) -> Result<(), HashingError> {
        if self.nodes.is_empty() {
            return Err(HashingError::EmptyNodeSet(
                "no node to pick from: the node set is empty".to_owned(),
            ));
        }
        if self.healthy_count == 0 {
            return Err(HashingError::EmptyNodeSet(format!(
                "no node to pick from: all {} nodes are unhealthy",
                self.nodes.len()
            )));
        }
        Ok(())
    }

    /// The bounded-load cap of node `index`: `ceil((1 + epsilon) * (L + 1) * w / W)` over the
    /// healthy nodes, where `L` is their total load and `W` their total weight.
    pub fn load_cap(&self, index: usize) -> Option<f64> {
        let epsilon = self.epsilon?;
        let node = self.nodes.get(index)?;
        Some(
            ((1.0 + epsilon) * (self.healthy_load + 1.0) * node.weight / self.healthy_weight)
                .ceil(),
        )
    }

    fn under_cap(&self, index: usize) -> bool {
        match self.load_cap(index) {
            Some(cap) => self.nodes[index].load < cap,
            None => true,
        }
    }

    /// Picks the node for `key` (its UTF-8 bytes): the first node of the key's preference order
    /// that is healthy and, in bounded-load mode, below its cap. Returns the node's index.
    pub fn pick_index(&self, key: &[u8]) -> Result<usize, HashingError> {
        self.check_pickable()?;
        let key = key_hash(key);
        let eligible = |i: usize| self.nodes[i].healthy && self.under_cap(i);
        if let Some(index) = self.first_where(key, eligible) {
            return Ok(index);
        }
        // Unreachable by the cap arithmetic (the caps sum to more than the total load), kept so a
        // rounding corner can never fail a pick: ignore the loads.
        self.first_where(key, |i| self.nodes[i].healthy)
            .ok_or_else(|| HashingError::EmptyNodeSet("no node to pick from".to_owned()))
    }

    /// Picks the node for `key` and returns its id.
    pub fn pick(&self, key: &str) -> Result<&str, HashingError> {
        let index = self.pick_index(key.as_bytes())?;
        Ok(self.nodes[index].id.as_str())
    }

    fn first_where(&self, key: KeyHash, ok: impl Fn(usize) -> bool) -> Option<usize> {
        let n = self.nodes.len();
        match self.algorithm {
            Algorithm::Ring => self.ring.first_where(key.hi, &ok),
            Algorithm::Rendezvous => rendezvous::best(&self.nodes, key, self.equal_weights, &ok),
            Algorithm::Maglev | Algorithm::Jump => {
                let primary = if self.algorithm == Algorithm::Maglev {
                    self.table[(key.lo % self.table_size) as usize] as usize
                } else {
                    jump::bucket(key.lo, n)
                };
                if ok(primary) {
                    Some(primary)
                } else {
                    rendezvous::best(&self.nodes, key, self.equal_weights, &ok)
                }
            }
        }
    }

    /// The first `n` healthy nodes of the key's preference order (loads are ignored), as indices
    /// into `out` (cleared first). Fewer when fewer nodes are healthy.
    pub fn pick_n_into(
        &mut self,
        key: &[u8],
        n: usize,
        out: &mut Vec<u32>,
    ) -> Result<(), HashingError> {
        out.clear();
        if n == 0 {
            return Ok(());
        }
        self.check_pickable()?;
        let want = n.min(self.healthy_count);
        let key = key_hash(key);
        match self.algorithm {
            Algorithm::Ring => {
                self.epoch = self.epoch.wrapping_add(1);
                if self.epoch == 0 {
                    self.seen.fill(0);
                    self.epoch = 1;
                }
                let (nodes, seen, epoch) = (&self.nodes, &mut self.seen, self.epoch);
                self.ring.walk(key.hi, |owner| {
                    if nodes[owner].healthy && seen[owner] != epoch {
                        seen[owner] = epoch;
                        out.push(owner as u32);
                    }
                    out.len() < want
                });
            }
            Algorithm::Rendezvous => {
                rendezvous::ranked(
                    &self.nodes,
                    key,
                    self.equal_weights,
                    usize::MAX,
                    &mut self.scratch,
                );
                out.extend(self.scratch.iter().take(want).map(|c| c.index));
            }
            Algorithm::Maglev | Algorithm::Jump => {
                let primary = if self.algorithm == Algorithm::Maglev {
                    self.table[(key.lo % self.table_size) as usize] as usize
                } else {
                    jump::bucket(key.lo, self.nodes.len())
                };
                if self.nodes[primary].healthy {
                    out.push(primary as u32);
                }
                rendezvous::ranked(
                    &self.nodes,
                    key,
                    self.equal_weights,
                    primary,
                    &mut self.scratch,
                );
                let rest = want - out.len();
                out.extend(self.scratch.iter().take(rest).map(|c| c.index));
            }
        }
        Ok(())
    }

    /// [`Self::pick_n_into`] returning ids.
    pub fn pick_n(&mut self, key: &str, n: usize) -> Result<Vec<&str>, HashingError> {
        let mut out = Vec::new();
        self.pick_n_into(key.as_bytes(), n, &mut out)?;
        Ok(out
            .iter()
            .map(|&i| self.nodes[i as usize].id.as_str())
            .collect())
    }

    /// The Maglev lookup table (node index per slot); empty for other algorithms.
    pub fn maglev_table(&self) -> &[u32] {
        &self.table
    }
}
