//! Jump consistent hash (Lamping & Veach, 2014) drawing from mulberry32 seeded with the key's
//! low hash instead of the paper's 64-bit LCG, so TypeScript computes it without 64-bit integers.
//! The jump `floor((b + 1) * (2^31 / (r + 1)))` is one IEEE division, one product and a floor.

use super::key_hash::mulberry32;

/// The bucket in `[0, buckets)` of a key; `buckets` is at least 1.
pub(crate) fn bucket(seed: u32, buckets: usize) -> usize {
    let n = buckets as f64;
    let mut state = seed;
    let mut b = 0.0f64;
    let mut j = 0.0f64;
    while j < n {
        b = j;
        let r = mulberry32(&mut state) >> 1;
        j = ((b + 1.0) * (2_147_483_648.0 / (f64::from(r) + 1.0))).floor();
    }
    b as usize
}
