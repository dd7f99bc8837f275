//! `WeightedSplit`: canary and blue-green traffic splits.
//!
//! A keyed pick is weighted rendezvous over the targets: target `i` scores `w_i / -ln(u_i)` with
//! `u_i` from the (key, target) pair hash, and the highest score wins. Raising one target's weight
//! raises only that target's scores, so a key can only move *to* it: a ramp from 5% to 25% keeps
//! every user already on the canary there. (Cumulative thresholds over one hash point, the usual
//! `hash % 100 < percent`, are monotonic only for the first or last target.) A random pick walks
//! cumulative weights with a number from the caller's source.

use std::collections::HashMap;

use super::error::{js_number, HashingError};
use super::key_hash::{key_hash, neg_ln_unit, pair_hash, KeyHash};
use super::options::{check_id, check_weight, duplicate};

/// A target of the split and its weight (0 disables it).
#[derive(Clone, Debug, PartialEq)]
pub struct SplitTarget {
    pub id: String,
    pub weight: f64,
}

struct Target {
    id: String,
    weight: f64,
    hash: KeyHash,
}

/// A weighted split over targets.
pub struct WeightedSplit {
    targets: Vec<Target>,
    by_id: HashMap<String, usize>,
    total: f64,
}

impl WeightedSplit {
    /// Needs at least one target, unique non-empty ids, weights in `[0, 1e6]`, one of them > 0.
    pub fn new(targets: Vec<SplitTarget>) -> Result<Self, HashingError> {
        if targets.is_empty() {
            return Err(HashingError::EmptyNodeSet(
                "a WeightedSplit needs at least one target".to_owned(),
            ));
        }
        let mut split = WeightedSplit {
            targets: Vec::with_capacity(targets.len()),
            by_id: HashMap::with_capacity(targets.len()),
            total: 0.0,
        };
        for (i, target) in targets.into_iter().enumerate() {
            let argument = format!("targets[{i}]");
            check_id(&argument, &target.id)?;
            check_weight(&argument, target.weight, true)?;
            if split.by_id.contains_key(&target.id) {
                return Err(duplicate(&argument, &target.id));
            }
            split.by_id.insert(target.id.clone(), i);
            split.targets.push(Target {
                hash: key_hash(target.id.as_bytes()),
                id: target.id,
                weight: target.weight,
            });
        }
        split.refresh_total()?;
        Ok(split)
    }

    fn refresh_total(&mut self) -> Result<(), HashingError> {
        let total = self.targets.iter().fold(0.0, |sum, t| sum + t.weight);
        if total <= 0.0 {
            return Err(HashingError::invalid(
                "targets",
                "at least one target needs a weight above 0",
            ));
        }
        self.total = total;
        Ok(())
    }

    /// Index of a target id.
    pub fn index_of(&self, id: &str) -> Result<usize, HashingError> {
        self.by_id
            .get(id)
            .copied()
            .ok_or_else(|| HashingError::UnknownNode(id.to_owned()))
    }

    /// Changes one target's weight (a ramp step). Fails, changing nothing, if every weight would
    /// be 0.
    pub fn set_weight(&mut self, id: &str, weight: f64) -> Result<(), HashingError> {
        let index = self.index_of(id)?;
        self.set_weight_at(index, weight)
    }

    /// [`Self::set_weight`] by index.
    pub fn set_weight_at(&mut self, index: usize, weight: f64) -> Result<(), HashingError> {
        check_weight("target", weight, true)?;
        let Some(target) = self.targets.get_mut(index) else {
            return Err(HashingError::invalid(
                "index",
                format!("no target at index {index}"),
            ));
        };
        let previous = std::mem::replace(&mut target.weight, weight);
        if let Err(error) = self.refresh_total() {
            self.targets[index].weight = previous;
            return Err(error);
        }
        Ok(())
    }

    /// The targets as `(id, weight)`.
    pub fn targets(&self) -> impl Iterator<Item = (&str, f64)> {
        self.targets.iter().map(|t| (t.id.as_str(), t.weight))
    }

    /// The target of a key (its UTF-8 bytes), as an index. Deterministic: a user stays on one
    /// version while the weights stay the same, and moves only towards a target whose weight rose.
    pub fn pick_key_index(&self, key: &[u8]) -> usize {
        let key = key_hash(key);
        let mut best = (0usize, f64::NEG_INFINITY, 0u32);
        for (i, target) in self.targets.iter().enumerate() {
            if target.weight <= 0.0 {
                continue;
            }
            let hash = pair_hash(key, target.hash);
            let score = target.weight / neg_ln_unit(hash);
            if score > best.1 || (score == best.1 && hash > best.2) {
                best = (i, score, hash);
            }
        }
        best.0
    }

    /// The target of a key, as an id.
    pub fn pick_key(&self, key: &str) -> &str {
        self.targets[self.pick_key_index(key.as_bytes())]
            .id
            .as_str()
    }

    /// A random pick: `random` in `[0, 1)` from the caller's source, scaled by the total weight
    /// and looked up in the cumulative weights (index order).
    pub fn pick_random_index(&self, random: f64) -> Result<usize, HashingError> {
        if !(0.0..1.0).contains(&random) {
            return Err(HashingError::invalid(
                "random",
                format!(
                    "the random source must return a number in [0, 1), got {}",
                    js_number(random)
                ),
            ));
        }
        let point = random * self.total;
        let mut cumulative = 0.0;
        let mut last = 0;
        for (i, target) in self.targets.iter().enumerate() {
            if target.weight <= 0.0 {
                continue;
            }
            cumulative += target.weight;
            last = i;
            if point < cumulative {
                return Ok(i);
            }
        }
        // Rounding can leave `point` at the total: the last target with weight takes it.
        Ok(last)
    }
}
