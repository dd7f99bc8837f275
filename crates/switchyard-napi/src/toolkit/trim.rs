//! Reused buffers hand back what an oversized input made them take. Every hot call reads its
//! strings into buffers that live in the instance (no allocation per call); one 200 MiB path or
//! key would otherwise keep 200 MiB in each primitive that saw it until the process exits. So
//! [`super::bound::call`] trims the state after every call: a buffer above [`KEEP_BYTES`] shrinks
//! back to it, and an ordinary call (every buffer within its bound) changes nothing.

/// What a reused buffer keeps between calls: paths and keys up to this many bytes (and the
/// router's working memory for them) cost no allocation on later calls.
pub const KEEP_BYTES: usize = 64 * 1024;

/// Native state whose buffers hot calls reuse.
pub trait Trim {
    /// Shrinks every buffer above [`KEEP_BYTES`] back to it.
    fn trim(&mut self);
}

/// Shrinks one reused buffer above [`KEEP_BYTES`] back to it.
pub fn trim_buffer(buffer: &mut Vec<u8>) {
    switchyard::shrink::shrink_vec(buffer, KEEP_BYTES);
}
