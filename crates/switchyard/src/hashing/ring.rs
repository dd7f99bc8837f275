//! The ketama-style ring: each node owns `max(1, floor(weight * vnodesPerWeight + 0.5))` points,
//! sorted by (point, node index); a key goes to the first point at or after its hash, wrapping.

use super::key_hash::ring_point;
use super::node::Node;

/// Virtual nodes of a node of `weight`.
pub(crate) fn vnodes(weight: f64, per_weight: f64) -> usize {
    let v = (weight * per_weight + 0.5).floor();
    if v < 1.0 {
        1
    } else {
        v as usize
    }
}

#[derive(Default)]
pub(crate) struct Ring {
    points: Vec<u32>,
    owners: Vec<u32>,
    /// `buckets[b]` = first position whose point has its top `bucket_bits` bits >= `b`: a lookup
    /// reads one bucket and scans a couple of points instead of binary-searching a ring that, at
    /// 1000 nodes, is 160,000 points and mostly out of cache. Same answer as the binary search.
    buckets: Vec<u32>,
    bucket_bits: u32,
}

fn entries_of(node: &Node, index: usize, per_weight: f64, out: &mut Vec<u64>) {
    for i in 0..vnodes(node.weight, per_weight) {
        out.push((u64::from(ring_point(node.hash, i as u32)) << 32) | index as u64);
    }
}

impl Ring {
    pub(crate) fn build(nodes: &[Node], per_weight: f64) -> Self {
        let mut entries = Vec::new();
        for (index, node) in nodes.iter().enumerate() {
            entries_of(node, index, per_weight, &mut entries);
        }
        entries.sort_unstable();
        let mut ring = Ring {
            points: entries.iter().map(|e| (e >> 32) as u32).collect(),
            owners: entries.iter().map(|e| *e as u32).collect(),
            buckets: Vec::new(),
            bucket_bits: 0,
        };
        ring.index();
        ring
    }

    /// Rebuilds `buckets`: about one bucket per point, at most 2^16 of them.
    fn index(&mut self) {
        let len = self.points.len();
        let bits = (usize::BITS - len.leading_zeros()).clamp(1, 16);
        let count = 1usize << bits;
        let shift = 32 - bits;
        self.bucket_bits = bits;
        self.buckets.clear();
        self.buckets.reserve(count + 1);
        let mut at = 0usize;
        for bucket in 0..count {
            while at < len && ((self.points[at] >> shift) as usize) < bucket {
                at += 1;
            }
            self.buckets.push(at as u32);
        }
        self.buckets.push(len as u32);
    }

    pub(crate) fn len(&self) -> usize {
        self.points.len()
    }

    /// Merges the points of a node appended at `index` (the largest), giving the order a full
    /// rebuild would.
    pub(crate) fn insert(&mut self, node: &Node, index: usize, per_weight: f64) {
        let mut fresh = Vec::new();
        entries_of(node, index, per_weight, &mut fresh);
        fresh.sort_unstable();
        let mut points = Vec::with_capacity(self.points.len() + fresh.len());
        let mut owners = Vec::with_capacity(points.capacity());
        let mut old = 0;
        for entry in fresh {
            let point = (entry >> 32) as u32;
            // Existing owners all have smaller indices, so they go first on equal points.
            while old < self.points.len() && self.points[old] <= point {
                points.push(self.points[old]);
                owners.push(self.owners[old]);
                old += 1;
            }
            points.push(point);
            owners.push(entry as u32);
        }
        points.extend_from_slice(&self.points[old..]);
        owners.extend_from_slice(&self.owners[old..]);
        self.points = points;
        self.owners = owners;
        self.index();
    }

    /// Drops the points of node `index` and renumbers the nodes after it; order is preserved.
    pub(crate) fn remove(&mut self, index: usize) {
        let index = index as u32;
        let mut kept = 0;
        for i in 0..self.points.len() {
            let owner = self.owners[i];
            if owner != index {
                self.points[kept] = self.points[i];
                self.owners[kept] = if owner > index { owner - 1 } else { owner };
                kept += 1;
            }
        }
        self.points.truncate(kept);
        self.owners.truncate(kept);
        self.index();
    }

    fn start(&self, point: u32) -> usize {
        // `bucket_bits` is 0 only for the empty default ring: no shift by 32, no bucket.
        let bucket = point.checked_shr(32 - self.bucket_bits).unwrap_or(0) as usize;
        let (Some(&from), Some(&to)) = (self.buckets.get(bucket), self.buckets.get(bucket + 1))
        else {
            return 0;
        };
        let (from, to) = (from as usize, to as usize);
        // Every point of an earlier bucket is < `point`, every point of a later one is > it.
        let at = from
            + self
                .points
                .get(from..to)
                .map_or(0, |within| within.partition_point(|&p| p < point));
        if at == self.points.len() {
            0
        } else {
            at
        }
    }

    /// The first owner clockwise from `point` for which `ok` holds.
    pub(crate) fn first_where(&self, point: u32, ok: impl Fn(usize) -> bool) -> Option<usize> {
        let len = self.points.len();
        let start = self.start(point);
        (0..len)
            .map(|step| self.owners[(start + step) % len] as usize)
            .find(|&owner| ok(owner))
    }

    /// Calls `visit` with each owner clockwise from `point` (once per point) until it returns
    /// false or the ring has been walked once.
    pub(crate) fn walk(&self, point: u32, mut visit: impl FnMut(usize) -> bool) {
        let len = self.points.len();
        let start = self.start(point);
        for step in 0..len {
            if !visit(self.owners[(start + step) % len] as usize) {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hashing::key_hash::{fmix32, key_hash};

    fn node(id: &str, weight: f64) -> Node {
        Node {
            id: id.to_owned(),
            weight,
            hash: key_hash(id.as_bytes()),
            healthy: true,
            load: 0.0,
        }
    }

    fn plain_start(ring: &Ring, point: u32) -> usize {
        let at = ring.points.partition_point(|&p| p < point);
        if at == ring.points.len() {
            0
        } else {
            at
        }
    }

    #[test]
    fn bucketed_lookup_equals_binary_search_through_inserts_and_removes() {
        let mut nodes: Vec<Node> = (0..3).map(|i| node(&format!("n{i}"), 1.0)).collect();
        let mut ring = Ring::build(&nodes, 0.01);
        for round in 0..40u32 {
            let mut probes = vec![0, 1, u32::MAX, u32::MAX - 1];
            probes.extend(
                ring.points
                    .iter()
                    .flat_map(|&p| [p, p.wrapping_add(1), p.wrapping_sub(1)]),
            );
            probes.extend((0..500).map(|i| fmix32(i ^ round.wrapping_mul(7919))));
            for point in probes {
                assert_eq!(
                    ring.start(point),
                    plain_start(&ring, point),
                    "point {point}"
                );
            }
            if round % 3 == 2 && nodes.len() > 1 {
                nodes.remove(1);
                ring.remove(1);
            } else {
                nodes.push(node(&format!("m{round}"), f64::from(round % 5 + 1)));
                let index = nodes.len() - 1;
                ring.insert(&nodes[index], index, 40.0);
            }
        }
        assert!(ring.len() > 1000);
    }
}
