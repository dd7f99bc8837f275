//! Working memory that an oversized input grew is handed back after the call, so that one
//! 200 MiB path or key does not stay held until the process exits (docs/architecture.md,
//! "Memory"). Only a buffer above its bound is touched: an ordinary call never reallocates.

/// Empties `buffer` and shrinks its capacity to at most `keep_bytes` when it holds more.
pub fn shrink_vec<T>(buffer: &mut Vec<T>, keep_bytes: usize) {
    let keep = keep_bytes / std::mem::size_of::<T>().max(1);
    if buffer.capacity() > keep {
        buffer.clear();
        buffer.shrink_to(keep);
    }
}

/// [`shrink_vec`] for a `String`.
pub fn shrink_string(buffer: &mut String, keep_bytes: usize) {
    if buffer.capacity() > keep_bytes {
        buffer.clear();
        buffer.shrink_to(keep_bytes);
    }
}
