//! The ketama-style ring: each node owns `max(1, floor(weight * vnodesPerWeight + 0.5))` points,
//! sorted by (point, node index); a key goes to the first point at or after its hash, wrapping.

use super::consistent::Node;
use super::key_hash::ring_point;

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
        Ring {
            points: entries.iter().map(|e| (e >> 32) as u32).collect(),
            owners: entries.iter().map(|e| *e as u32).collect(),
        }
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
    }

    fn start(&self, point: u32) -> usize {
        let at = self.points.partition_point(|&p| p < point);
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
