//! The key hash. Both implementations hash the key's UTF-8 bytes with this exact function, so a
//! key lands in the same slot, and is evicted at the same moment, in Rust and in TypeScript.
//!
//! It is cyrb53's two 32-bit lanes over bytes, kept at the full 64 bits: cheap in JS (only
//! `Math.imul`), good enough dispersion for a probe table. It is NOT a keyed PRF: `seed` makes
//! collisions harder to precompute, it does not make them impossible (see docs/ratelimit.md).

/// The seed spread over all 32 bits (murmur3's `fmix32`; 0 stays 0). The lanes only carry bits
/// upwards, so a raw seed that differed from another in its top bits alone left every key's low
/// bits, and so its home slot in a table of 2^k slots, where the other seed put it.
fn spread(seed: u32) -> u32 {
    let mut s = seed;
    s = (s ^ (s >> 16)).wrapping_mul(0x85eb_ca6b);
    s = (s ^ (s >> 13)).wrapping_mul(0xc2b2_ae35);
    s ^ (s >> 16)
}

/// 64-bit hash of `bytes` (the key's UTF-8 encoding) under `seed`. Never 0 (0 marks an empty slot).
pub fn key_hash(bytes: &[u8], seed: u32) -> u64 {
    let seed = spread(seed);
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
