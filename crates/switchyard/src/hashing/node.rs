//! The node record every placement algorithm reads. It lives apart from `consistent.rs` so that
//! the algorithms (`ring`, `maglev`, `rendezvous`) depend on it alone and `consistent.rs` depends
//! on them: dependencies run one way, from the balancer down to the algorithms and this module.

use super::key_hash::KeyHash;

/// One member of a `ConsistentHash` node set, as the algorithms see it.
pub(crate) struct Node {
    pub(crate) id: String,
    pub(crate) weight: f64,
    /// The id's key hash, computed once when the node is added.
    pub(crate) hash: KeyHash,
    pub(crate) healthy: bool,
    pub(crate) load: f64,
}
