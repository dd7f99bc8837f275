//! Maglev's lookup table (Eisenbud et al., NSDI 2016) with weights as Envoy fills it: every
//! round, a node takes its next preferred free slot when `round * weight >= target`, then its
//! target grows by the largest weight, so a node fills `weight / max weight` slots per round.
//! Basic float operations only (products and sums), identical in both implementations.

use super::node::Node;

pub(crate) fn build(nodes: &[Node], size: u32) -> Vec<u32> {
    if nodes.is_empty() {
        return Vec::new();
    }
    let m = size as usize;
    let mut table = vec![u32::MAX; m];
    // Permutation of node j: offset_j, offset_j + skip_j, ... (mod M); M prime, so every slot.
    let mut next: Vec<u32> = nodes.iter().map(|n| n.hash.lo % size).collect();
    let skip: Vec<u32> = nodes.iter().map(|n| n.hash.hi % (size - 1) + 1).collect();
    let mut target = vec![0.0f64; nodes.len()];
    let max_weight = nodes.iter().map(|n| n.weight).fold(0.0, f64::max);
    let mut filled = 0usize;
    let mut round = 0.0f64;
    loop {
        for (j, node) in nodes.iter().enumerate() {
            if round * node.weight < target[j] {
                continue;
            }
            target[j] += max_weight;
            loop {
                let slot = next[j] as usize;
                let advanced = next[j] + skip[j];
                next[j] = if advanced >= size {
                    advanced - size
                } else {
                    advanced
                };
                if table[slot] == u32::MAX {
                    table[slot] = j as u32;
                    filled += 1;
                    break;
                }
            }
            if filled == m {
                return table;
            }
        }
        round += 1.0;
    }
}
