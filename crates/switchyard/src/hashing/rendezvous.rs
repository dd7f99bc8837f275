//! Weighted rendezvous (highest random weight): node `i` scores a key `w_i / -ln(u)` with
//! `u = (pair_hash + 0.5) / 2^32` (an exponential race, so node `i` wins with probability
//! `w_i / sum w`). `-ln(u)` is `neg_ln_unit`, built from basic IEEE operations so both
//! implementations agree to the bit. When all weights are equal the score is monotone in the pair
//! hash, so the hash itself is compared. Ties: higher pair hash, then lower index.

use std::cmp::Ordering;

use super::key_hash::{neg_ln_unit, pair_hash, KeyHash};
use super::node::Node;

#[derive(Clone, Copy, Debug)]
pub(crate) struct Candidate {
    score: f64,
    hash: u32,
    pub(crate) index: u32,
}

#[inline]
pub(crate) fn score(weight: f64, hash: u32, equal_weights: bool) -> f64 {
    if equal_weights {
        f64::from(hash)
    } else {
        weight / neg_ln_unit(hash)
    }
}

fn rank(a: &Candidate, b: &Candidate) -> Ordering {
    b.score
        .total_cmp(&a.score)
        .then(b.hash.cmp(&a.hash))
        .then(a.index.cmp(&b.index))
}

/// The best-scoring node among those where `ok` holds.
pub(crate) fn best(
    nodes: &[Node],
    key: KeyHash,
    equal_weights: bool,
    ok: impl Fn(usize) -> bool,
) -> Option<usize> {
    let mut best: Option<Candidate> = None;
    for (i, node) in nodes.iter().enumerate() {
        if !ok(i) {
            continue;
        }
        let hash = pair_hash(key, node.hash);
        let candidate = Candidate {
            score: score(node.weight, hash, equal_weights),
            hash,
            index: i as u32,
        };
        let better = match &best {
            None => true,
            Some(b) => rank(&candidate, b) == Ordering::Less,
        };
        if better {
            best = Some(candidate);
        }
    }
    best.map(|b| b.index as usize)
}

/// The healthy nodes other than `exclude`, best first, into `out`.
pub(crate) fn ranked(
    nodes: &[Node],
    key: KeyHash,
    equal_weights: bool,
    exclude: usize,
    out: &mut Vec<Candidate>,
) {
    out.clear();
    for (i, node) in nodes.iter().enumerate() {
        if i == exclude || !node.healthy {
            continue;
        }
        let hash = pair_hash(key, node.hash);
        out.push(Candidate {
            score: score(node.weight, hash, equal_weights),
            hash,
            index: i as u32,
        });
    }
    out.sort_unstable_by(rank);
}
