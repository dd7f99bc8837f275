//! Consistent hashing (`ring`, `maglev`, `rendezvous`, `jump`, with health skipping and bounded
//! loads) and weighted splits (canary, blue-green). See `docs/hashing.md` for the spec both
//! implementations follow.

mod consistent;
mod error;
mod jump;
pub mod key_hash;
mod maglev;
mod node;
mod options;
mod rendezvous;
mod ring;
mod split;

pub use consistent::{Algorithm, ConsistentHash, NodeSpec, Options};
pub(crate) use error::js_number;
pub use error::HashingError;
pub use key_hash::{key_hash, KeyHash};
pub use options::{
    DEFAULT_TABLE_SIZE, DEFAULT_VNODES_PER_WEIGHT, MAX_LOAD, MAX_NODES, MAX_RING_POINTS,
    MAX_TABLE_SIZE, MAX_VNODES_PER_WEIGHT, MAX_WEIGHT,
};
pub use split::{SplitTarget, WeightedSplit};
