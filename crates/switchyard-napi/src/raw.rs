//! Raw N-API helpers shared by the primitives' hot paths, where napi-rs's own argument conversion
//! costs more than the work (see DESIGN.md and the boundary benchmark).

use napi::sys;
use std::ffi::{c_void, CString};
use std::ptr;

use crate::errors::coded_error;

/// Why a JS value could not be read as a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadError {
    /// The value is not a string.
    NotAString,
    /// N-API failed with this status.
    Failed(sys::napi_status),
}

/// Longest UTF-8 encoding of one character: a string that did not fit in the buffer stops short
/// of its end by less than this (V8 writes whole characters only).
const MAX_CHAR_BYTES: usize = 4;

/// Copies `value` (a JS string) as UTF-8 into `buf`, which is reused across calls and grown only
/// when a longer string arrives, and returns the bytes. Lone surrogates arrive as U+FFFD.
///
/// `env` and `value` must be handles N-API passed to the current, still running callback.
pub fn read_utf8(
    env: sys::napi_env,
    value: sys::napi_value,
    buf: &mut Vec<u8>,
) -> Result<&[u8], ReadError> {
    if buf.len() < 256 {
        buf.resize(256, 0);
    }
    let mut written = copy(env, value, buf)?;
    if written + 1 + MAX_CHAR_BYTES > buf.len() {
        let mut full = 0usize;
        // SAFETY: a null buffer asks N-API for the length only; the handles are live (contract).
        let status =
            unsafe { sys::napi_get_value_string_utf8(env, value, ptr::null_mut(), 0, &mut full) };
        if status != sys::Status::napi_ok {
            return Err(ReadError::Failed(status));
        }
        if full + 1 > buf.len() {
            buf.resize(full + 1 + MAX_CHAR_BYTES, 0);
            written = copy(env, value, buf)?;
        }
    }
    Ok(buf.get(..written).unwrap_or_default())
}

fn copy(env: sys::napi_env, value: sys::napi_value, buf: &mut [u8]) -> Result<usize, ReadError> {
    let mut written = 0usize;
    // SAFETY: `buf` is initialised memory of `buf.len()` bytes; N-API writes at most that many
    // bytes (its NUL terminator included) and reports how many it wrote before the NUL. The
    // handles are live for the current callback (contract of `read_utf8`).
    let status = unsafe {
        sys::napi_get_value_string_utf8(
            env,
            value,
            buf.as_mut_ptr().cast(),
            buf.len(),
            &mut written,
        )
    };
    match status {
        sys::Status::napi_ok => Ok(written),
        sys::Status::napi_string_expected => Err(ReadError::NotAString),
        other => Err(ReadError::Failed(other)),
    }
}

/// Throws `error` as a JS `Error` with its reason as message (see errors.rs for the encoding) and
/// returns the null value a raw callback hands back after throwing.
pub fn throw(env: sys::napi_env, error: &napi::Error) -> sys::napi_value {
    // A NUL would end the C string early; no reason holds one, but a key echoed into it might.
    let message = CString::new(error.reason.replace('\0', "\u{fffd}")).unwrap_or_default();
    // SAFETY: `env` is the live environment of the current callback; `message` is NUL-terminated
    // and outlives the call (N-API copies it).
    unsafe { sys::napi_throw_error(env, ptr::null(), message.as_ptr()) };
    ptr::null_mut()
}

/// Reads up to `N` arguments (missing ones arrive as `undefined`) and the function's data pointer.
///
/// `env` and `info` must be the ones N-API passed to the current callback.
#[inline]
pub fn arguments<const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> napi::Result<([sys::napi_value; N], *mut c_void)> {
    let mut argc = N;
    let mut argv = [ptr::null_mut(); N];
    let mut data = ptr::null_mut();
    // SAFETY: the out-pointers are live locals; `argv` has room for `argc` values.
    let status = unsafe {
        sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            argv.as_mut_ptr(),
            ptr::null_mut(),
            &mut data,
        )
    };
    if status == sys::Status::napi_ok {
        Ok((argv, data))
    } else {
        Err(coded_error(
            "SWITCHYARD_INTERNAL",
            &[&format!("napi_get_cb_info failed with status {status}")],
        ))
    }
}
