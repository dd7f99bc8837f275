//! Validation shared by `ConsistentHash` and `WeightedSplit`. The messages are the same words
//! the TypeScript reference uses, so a caller sees one error whichever implementation runs.

use super::error::{js_number, HashingError};

/// Default virtual nodes per unit of weight on the ring (ketama's 40 digests x 4 points).
pub const DEFAULT_VNODES_PER_WEIGHT: f64 = 160.0;
/// Default Maglev lookup table size: the prime the Maglev paper uses.
pub const DEFAULT_TABLE_SIZE: u32 = 65_537;
/// Most nodes one `ConsistentHash` holds (node indices fit the ring's sort key).
pub const MAX_NODES: usize = 1 << 20;
/// Largest node or target weight.
pub const MAX_WEIGHT: f64 = 1e6;
/// Largest `vnodesPerWeight`.
pub const MAX_VNODES_PER_WEIGHT: f64 = 10_000.0;
/// Most points a ring may hold, all nodes together.
pub const MAX_RING_POINTS: usize = 10_000_000;
/// Largest Maglev table size.
pub const MAX_TABLE_SIZE: f64 = 16_777_216.0;
/// Largest load `setLoad` accepts (in-flight requests, an unsigned 32-bit count).
pub const MAX_LOAD: f64 = 4_294_967_295.0;

pub(crate) fn check_id(argument: &str, id: &str) -> Result<(), HashingError> {
    if id.is_empty() {
        return Err(HashingError::invalid(
            format!("{argument}.id"),
            "must be a non-empty string",
        ));
    }
    Ok(())
}

pub(crate) fn check_weight(
    argument: &str,
    weight: f64,
    allow_zero: bool,
) -> Result<(), HashingError> {
    let low_ok = if allow_zero {
        weight >= 0.0
    } else {
        weight > 0.0
    };
    if !(weight.is_finite() && low_ok && weight <= MAX_WEIGHT) {
        let range = if allow_zero { "[0" } else { "(0" };
        return Err(HashingError::invalid(
            format!("{argument}.weight"),
            format!(
                "must be a finite number in {range}, 1000000], got {}",
                js_number(weight)
            ),
        ));
    }
    Ok(())
}

pub(crate) fn duplicate(argument: &str, id: &str) -> HashingError {
    HashingError::invalid(format!("{argument}.id"), format!("duplicate id \"{id}\""))
}

pub(crate) fn is_prime(n: u32) -> bool {
    if n < 2 {
        return false;
    }
    let mut d = 2u32;
    while d.saturating_mul(d) <= n {
        if n % d == 0 {
            return false;
        }
        d += 1;
    }
    true
}
