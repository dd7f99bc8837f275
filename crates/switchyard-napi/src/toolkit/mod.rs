//! The binding's shared plumbing: everything a primitive's file needs besides its own callback
//! layout. Errors and panics ([`errors`]), argument readers ([`read`]), typed-array outputs
//! ([`out`]), the one way to bind a fast function to native state ([`bound`]) and the memory
//! accounting behind it ([`memory`]), and the trimming of reused buffers after an oversized
//! input ([`trim`]).

pub mod bound;
pub mod errors;
pub mod memory;
pub mod out;
pub mod read;
pub mod trim;
