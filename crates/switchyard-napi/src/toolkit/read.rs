//! Reading the arguments of a raw N-API callback, where napi-rs's own argument conversion costs
//! more than the work (see docs/architecture.md, "The N-API boundary and what it costs"): strings are copied into buffers the
//! caller reuses, numbers are read with one call each.

use std::ffi::c_void;
use std::ptr;

use napi::bindgen_prelude::{FromNapiValue, TypeName, ValidateNapiValue, ValueType};
use napi::sys;

use super::errors::{internal, invalid_argument, Hot};

/// An argument of a napi-rs method taken as the raw handle, to be read later with the readers
/// below (a string into a reused buffer, say) instead of napi-rs's allocating conversion.
pub struct Raw {
    /// The environment of the call.
    pub env: sys::napi_env,
    /// The argument.
    pub value: sys::napi_value,
}

impl FromNapiValue for Raw {
    unsafe fn from_napi_value(env: sys::napi_env, value: sys::napi_value) -> napi::Result<Self> {
        Ok(Raw { env, value })
    }
}

impl TypeName for Raw {
    fn type_name() -> &'static str {
        "unknown"
    }

    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl ValidateNapiValue for Raw {}

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

/// [`read_utf8`] as `&str`, or `None` when `value` is not a string. N-API emits UTF-8 (lone
/// surrogates become U+FFFD); checked rather than trusted, ASCII first (a word at a time, most
/// paths and keys), then the full UTF-8 check for the rest.
pub fn read_str(env: sys::napi_env, value: sys::napi_value, buf: &mut Vec<u8>) -> Option<&str> {
    utf8_str(read_utf8(env, value, buf).ok()?)
}

/// `bytes` as `&str` when they are UTF-8: ASCII checked first (a word at a time), the full check
/// only for the rest.
#[inline]
pub fn utf8_str(bytes: &[u8]) -> Option<&str> {
    if bytes.is_ascii() {
        // SAFETY: ASCII bytes, just checked, are valid UTF-8.
        return Some(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    std::str::from_utf8(bytes).ok()
}

/// [`read_utf8`] for a string argument named `argument`, with the error the wrapper maps to
/// `InvalidArgumentError` when it is not a string.
pub fn string_arg<'b>(
    env: sys::napi_env,
    value: sys::napi_value,
    buf: &'b mut Vec<u8>,
    argument: &str,
) -> Hot<&'b [u8]> {
    read_utf8(env, value, buf).map_err(|error| {
        Box::new(match error {
            ReadError::NotAString => invalid_argument(argument, "must be a string"),
            ReadError::Failed(status) => internal(&format!(
                "napi_get_value_string_utf8 failed with status {status}"
            )),
        })
    })
}

/// Reads up to `N` arguments (missing ones arrive as `undefined`) and the function's data pointer.
///
/// `env` and `info` must be the ones N-API passed to the current callback.
pub fn arguments<const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> Hot<([sys::napi_value; N], *mut c_void)> {
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
        Err(Box::new(internal(&format!(
            "napi_get_cb_info failed with status {status}"
        ))))
    }
}

fn double(env: sys::napi_env, value: sys::napi_value) -> Option<f64> {
    let mut number = 0.0;
    // SAFETY: live env; `value` is an argument handle of the current call; `number` is a live
    // local, left alone when the value is not a number.
    let status = unsafe { sys::napi_get_value_double(env, value, &mut number) };
    (status == sys::Status::napi_ok).then_some(number)
}

/// A number argument, or `fallback` when it is not a number (for arguments whose domain check is
/// the pure crate's: the fallback lies outside every domain).
pub fn number_or(env: sys::napi_env, value: sys::napi_value, fallback: f64) -> f64 {
    double(env, value).unwrap_or(fallback)
}

/// An int32 argument, or `fallback` when it is not a number.
pub fn int32_or(env: sys::napi_env, value: sys::napi_value, fallback: i32) -> i32 {
    let mut number = fallback;
    // SAFETY: as in `double`.
    let status = unsafe { sys::napi_get_value_int32(env, value, &mut number) };
    if status == sys::Status::napi_ok {
        number
    } else {
        fallback
    }
}

/// A number argument named `argument`.
pub fn number_arg(env: sys::napi_env, value: sys::napi_value, argument: &str) -> Hot<f64> {
    double(env, value).ok_or_else(|| Box::new(invalid_argument(argument, "must be a number")))
}

/// A non-negative integer index argument; out-of-range values are left to the pure crate's own
/// index check.
pub fn index_arg(env: sys::napi_env, value: sys::napi_value) -> Hot<usize> {
    let index = number_arg(env, value, "index")?;
    if !(index >= 0.0 && index == index.trunc()) {
        return Err(Box::new(invalid_argument(
            "index",
            "must be a non-negative integer",
        )));
    }
    Ok(index as usize)
}
