//! The key hash. Both implementations hash the key's UTF-8 bytes with this exact function, so a
//! key lands in the same slot, and is evicted at the same moment, in Rust and in TypeScript.
//!
//! It is cyrb53's two 32-bit lanes over bytes, kept at the full 64 bits: cheap in JS (only
//! `Math.imul`), good enough dispersion for a probe table. It is NOT a keyed PRF: `seed` makes
//! collisions harder to precompute, it does not make them impossible (see docs/ratelimit.md).

/// 64-bit hash of `bytes` (the key's UTF-8 encoding) under `seed`. Never 0 (0 marks an empty slot).
pub fn key_hash(bytes: &[u8], seed: u32) -> u64 {
    let mut h1: u32 = 0xdead_beef ^ seed;
    let mut h2: u32 = 0x41c6_ce57 ^ seed;
    for &byte in bytes {
        let b = u32::from(byte);
        h1 = (h1 ^ b).wrapping_mul(2_654_435_761);
        h2 = (h2 ^ b).wrapping_mul(1_597_334_677);
    }
    h1 = (h1 ^ (h1 >> 16)).wrapping_mul(2_246_822_507);
    h1 ^= (h2 ^ (h2 >> 13)).wrapping_mul(3_266_489_909);
    h2 = (h2 ^ (h2 >> 16)).wrapping_mul(2_246_822_507);
    h2 ^= (h1 ^ (h1 >> 13)).wrapping_mul(3_266_489_909);
    let hash = (u64::from(h2) << 32) | u64::from(h1);
    if hash == 0 {
        1
    } else {
        hash
    }
}
