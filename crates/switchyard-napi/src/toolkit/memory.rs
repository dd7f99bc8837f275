//! Native memory the engine can see. V8 schedules garbage collection by the size of its own heap;
//! a router or a rate-limit table lives outside it, so without help V8 sees a few small wrapper
//! objects, collects them rarely, and a program that creates and drops large tables grows without
//! bound. Each native state therefore reports its size with `napi_adjust_external_memory` when it
//! grows and when it is freed ([`super::bound::Native`]).
//!
//! The size is measured, not estimated: the binding's global allocator keeps a per-thread net
//! count of bytes allocated, and a mutation of native state is bracketed by [`measure`], so what
//! the pure crate allocated (tables, tries, compiled regexes) is attributed to the state it went
//! into, whatever its shape.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use napi::sys;

/// The system allocator, counting.
pub struct Counting;

thread_local! {
    // Net bytes allocated on this thread since it started; only differences are used.
    static NET: Cell<isize> = const { Cell::new(0) };
}

fn count(bytes: isize) {
    // `try_with`: an allocation during thread teardown must not panic in the allocator.
    let _ = NET.try_with(|net| net.set(net.get().wrapping_add(bytes)));
}

fn signed(size: usize) -> isize {
    isize::try_from(size).unwrap_or(isize::MAX)
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so `System`'s
// guarantees are this allocator's; the counting touches only a thread-local `Cell`, which neither
// allocates nor re-enters the allocator.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded contract of `GlobalAlloc::alloc`.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            count(signed(layout.size()));
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded contract of `GlobalAlloc::alloc_zeroed`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            count(signed(layout.size()));
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded contract of `GlobalAlloc::dealloc`.
        unsafe { System.dealloc(ptr, layout) };
        count(-signed(layout.size()));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: forwarded contract of `GlobalAlloc::realloc`.
        let moved = unsafe { System.realloc(ptr, layout, new_size) };
        if !moved.is_null() {
            count(signed(new_size) - signed(layout.size()));
        }
        moved
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `body` and returns its result with the net bytes it left allocated on this thread
/// (negative when it freed more than it allocated).
pub fn measure<R>(body: impl FnOnce() -> R) -> (R, i64) {
    let net = || NET.try_with(Cell::get).unwrap_or(0);
    let before = net();
    let result = body();
    let after = net();
    (
        result,
        i64::try_from(after.wrapping_sub(before)).unwrap_or(0),
    )
}

/// Net bytes this thread's allocations hold (allocated less freed, since the addon loaded). For
/// the buffer tests, which see an oversized input's memory handed back.
#[cfg(feature = "testing")]
pub fn net_bytes() -> i64 {
    i64::try_from(NET.try_with(Cell::get).unwrap_or(0)).unwrap_or(i64::MAX)
}

/// What V8 has been told so far: the isolate's total of externally allocated memory, in bytes
/// (array buffers included). For the memory tests.
#[cfg(feature = "testing")]
pub fn reported_total(env: sys::napi_env) -> i64 {
    let mut total = 0i64;
    // SAFETY: a change of 0 only reads the total; `env` is live, `total` a live local.
    unsafe { sys::napi_adjust_external_memory(env, 0, &mut total) };
    total
}

/// Tells V8 that `change` bytes of native memory became (or, negative, stopped being) reachable
/// through JS objects. A failure only loses a hint, so it is ignored.
pub fn report(env: sys::napi_env, change: i64) {
    if change == 0 {
        return;
    }
    let mut total = 0i64;
    // SAFETY: `env` is the live environment of the current callback or finalizer; `total` is a
    // live local.
    unsafe { sys::napi_adjust_external_memory(env, change, &mut total) };
}

#[cfg(test)]
mod tests {
    use super::measure;

    #[test]
    fn measures_what_a_body_leaves_allocated() {
        let (kept, bytes) = measure(|| vec![7u8; 100_000]);
        assert_eq!(bytes, 100_000);
        let ((), freed) = measure(|| drop(kept));
        assert_eq!(freed, -100_000);
        let (grown, bytes) = measure(|| {
            let mut v: Vec<u64> = Vec::with_capacity(10);
            v.resize(1000, 1);
            v
        });
        assert_eq!(bytes, 8 * grown.capacity() as i64);
    }
}
