//! `NativeRouter`: the Rust router behind `Router` of `@switchyard/node`.
//!
//! The crossing follows DESIGN.md: `match` takes the method as a number (an id the wrapper caches,
//! from `methodId`), the path and host as JS strings copied with `napi_get_value_string_utf8` into
//! buffers reused across calls, and returns the route id (or -1). It is a plain N-API callback
//! (`matcher()` makes it, bound to this router): napi-rs's generated glue for a method with
//! arguments (receiver unwrap, borrow scope) measured ~80 ns per call, twice the whole crossing. The winner's params go into the
//! `Int32Array` shared once at construction: `[count, (start, end, flags) x count]`, with `start`
//! and `end` as UTF-16 indices into the JS path string, so the wrapper slices the string it already
//! holds and decodes only flagged params. Nothing here decides anything: the `switchyard` crate does.
//!
//! `resolve` is a second raw function bound the same way (`resolver()`): one crossing returns the
//! route id or -1 and writes the outcome, the rejection, the `Allow` method ids (in the params
//! region) and the canonical path (as "same as the path part, up to this UTF-16 index", or as
//! ASCII bytes in a `Uint8Array` shared at `resolver()`) into the shared arrays; see
//! [`RESOLVE_SLOTS`]. `canonicalizePath` is a third, bound to its own scratch
//! ([`path_canonicalizer`]).

// Under `cargo test` the napi registration is compiled out, leaving the free functions unused.
#![cfg_attr(test, allow(dead_code))]

use std::cell::RefCell;
use std::ffi::c_void;
use std::ptr;
use std::rc::Rc;

use napi::bindgen_prelude::{FromNapiValue, Int32Array, Uint8Array, Unknown};
use napi::{sys, Env, JsValue};
use napi_derive::napi;
use switchyard::router::{
    canonicalize_path, Canonical, ConstraintSpec, JsRouterOptions, Outcome, ParamSpan, PathPolicy,
    PathScratch, Rejection, Request, RouteError, RouteSpec, Router, RouterOptions,
};

use crate::errors::{coded_error, guard};
use crate::raw::{arguments, read_utf8, throw};

/// Int32 slots of the shared output: a count and three per param. A route path has at most 8192
/// characters, so at most 4096 params.
pub const OUTPUT_SLOTS: usize = 1 + 3 * 4097;

/// Int32 slots `resolve` writes after [`OUTPUT_SLOTS`]: the outcome (0 matched, 1 no route,
/// 2 method not allowed, 3 rejected), the rejection's index and 1-based segment, the canonical
/// path (-1: the request's path part, else its length in bytes in the shared `Uint8Array`, written
/// there when it fits), and where the path part ends (UTF-16 index). `Allow` method ids, in name
/// order, go into the params region: `[count, id...]` (at most `OUTPUT_SLOTS - 1` written).
pub const RESOLVE_SLOTS: usize = 5;
const RESOLVE_OUTCOME: usize = OUTPUT_SLOTS;
const RESOLVE_REJECTION: usize = OUTPUT_SLOTS + 1;
const RESOLVE_SEGMENT: usize = OUTPUT_SLOTS + 2;
const RESOLVE_CANONICAL: usize = OUTPUT_SLOTS + 3;
const RESOLVE_PATH_END: usize = OUTPUT_SLOTS + 4;

fn route_error(err: RouteError) -> napi::Error {
    match err {
        RouteError::Invalid { reason } => coded_error("SWITCHYARD_INVALID_ROUTE", &[&reason]),
        RouteError::Conflict { existing } => {
            coded_error("SWITCHYARD_ROUTE_CONFLICT", &[&existing.to_string()])
        }
        RouteError::InvalidOption { argument, reason } => {
            coded_error("SWITCHYARD_INVALID_ARGUMENT", &[argument, &reason])
        }
    }
}

/// Copies a JS string into `buf` (reused; grown only when a longer string arrives) and returns
/// it, or `None` when `raw` is not a string.
fn read_string(env: sys::napi_env, raw: sys::napi_value, buf: &mut Vec<u8>) -> Option<&str> {
    // N-API emits UTF-8 (lone surrogates become U+FFFD); checked rather than trusted.
    read_utf8(env, raw, buf)
        .ok()
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
}

/// UTF-16 length of `bytes` (valid UTF-8): one unit per character, two for 4-byte characters.
fn utf16_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .map(|&b| usize::from(b & 0xC0 != 0x80) + usize::from(b >= 0xF0))
        .sum()
}

fn constraints(
    names: Vec<String>,
    kinds: Vec<u32>,
    values: Vec<String>,
) -> napi::Result<Vec<(String, ConstraintSpec)>> {
    let mut out = Vec::with_capacity(names.len());
    for ((name, kind), value) in names.into_iter().zip(kinds).zip(values) {
        let c = match kind {
            0 => ConstraintSpec::Equals(value),
            1 => ConstraintSpec::Present,
            2 => ConstraintSpec::Absent,
            3 => ConstraintSpec::Pattern(value),
            _ => {
                return Err(coded_error(
                    "SWITCHYARD_INTERNAL",
                    &["unknown constraint kind"],
                ))
            }
        };
        out.push((name, c));
    }
    Ok(out)
}

/// What the class and its `match` function share.
struct Shared {
    router: Router,
    /// Holds a reference to the shared output array, so `out_ptr` stays valid.
    _out: Int32Array,
    out_ptr: *mut i32,
    out_len: usize,
    path_buf: Vec<u8>,
    host_buf: Vec<u8>,
    /// The canonical-path output of `resolve`, set by `resolver()`; keeps `bytes_ptr` valid.
    bytes: Option<Uint8Array>,
    bytes_ptr: *mut u8,
    bytes_len: usize,
}

/// Writes `value` at `index` of an `i32` array of `len` elements at `ptr`, when in bounds.
fn put(ptr: *mut i32, len: usize, index: usize, value: i32) {
    if index < len {
        // SAFETY: `ptr` points to `len` i32s of a shared array its owner keeps alive (a field
        // next to the pointer); JS runs no code during a native call, so nothing else touches the
        // array meanwhile; `index < len` was checked.
        unsafe { *ptr.add(index) = value };
    }
}

/// Copies `src` to the start of a byte array of `len` bytes at `ptr`, when it fits.
fn put_bytes(ptr: *mut u8, len: usize, src: &[u8]) {
    if src.len() <= len && !ptr.is_null() {
        // SAFETY: `ptr` points to `len` bytes of a shared array its owner keeps alive; `src` fits
        // and, being Rust-owned, does not overlap the JS buffer.
        unsafe { ptr::copy_nonoverlapping(src.as_ptr(), ptr, src.len()) };
    }
}

/// Writes param spans as `[count, (start, end, flags) x count]`, offsets converted from bytes of
/// `path` to UTF-16 indices.
fn write_params(ptr: *mut i32, len: usize, spans: &[ParamSpan], path: &str) {
    let ascii = path.is_ascii();
    let bytes = path.as_bytes();
    let (mut cursor_byte, mut cursor_unit) = (0usize, 0usize);
    let mut to_unit = |byte: usize| -> i32 {
        if ascii {
            return byte as i32;
        }
        if byte < cursor_byte {
            cursor_byte = 0;
            cursor_unit = 0;
        }
        cursor_unit += utf16_len(bytes.get(cursor_byte..byte).unwrap_or(&[]));
        cursor_byte = byte;
        cursor_unit as i32
    };
    let count = spans.len().min(len.saturating_sub(1) / 3);
    put(ptr, len, 0, count as i32);
    for (i, span) in spans.iter().take(count).enumerate() {
        let base = 1 + 3 * i;
        put(ptr, len, base, to_unit(span.start as usize));
        put(ptr, len, base + 1, to_unit(span.end as usize));
        put(ptr, len, base + 2, i32::from(span.flags));
    }
}

/// The UTF-16 length of the first `end` bytes of `text`.
fn utf16_index(text: &str, end: usize) -> i32 {
    let head = text.as_bytes().get(..end).unwrap_or(text.as_bytes());
    if text.is_ascii() {
        head.len() as i32
    } else {
        utf16_len(head) as i32
    }
}

impl Shared {
    /// Matches and writes the winner's param spans (as UTF-16 offsets) into the shared array.
    fn run(
        &mut self,
        env: sys::napi_env,
        method: i32,
        path: sys::napi_value,
        host: sys::napi_value,
        headers: &[Option<&str>],
    ) -> i32 {
        let Some(path) = read_string(env, path, &mut self.path_buf) else {
            return -1;
        };
        let host = if self.router.has_host_routes() {
            read_string(env, host, &mut self.host_buf)
        } else {
            None
        };
        let Some(id) = self.router.find(&Request {
            method,
            path,
            host,
            headers,
        }) else {
            return -1;
        };
        write_params(self.out_ptr, self.out_len, self.router.params(), path);
        id as i32
    }

    /// Resolves and writes the outcome (see [`RESOLVE_SLOTS`]); returns the route id or -1.
    fn resolve(
        &mut self,
        env: sys::napi_env,
        method: i32,
        path: sys::napi_value,
        host: sys::napi_value,
        headers: &[Option<&str>],
    ) -> i32 {
        let (out, len) = (self.out_ptr, self.out_len);
        let Some(path) = read_string(env, path, &mut self.path_buf) else {
            put(out, len, RESOLVE_OUTCOME, 3);
            put(
                out,
                len,
                RESOLVE_REJECTION,
                Rejection::NotOriginForm.index(),
            );
            put(out, len, RESOLVE_SEGMENT, 0);
            return -1;
        };
        let host = if self.router.has_host_routes() {
            read_string(env, host, &mut self.host_buf)
        } else {
            None
        };
        let outcome = self.router.resolve(&Request {
            method,
            path,
            host,
            headers,
        });
        let id = match outcome {
            Outcome::Matched(id) => {
                write_params(out, len, self.router.params(), path);
                put(out, len, RESOLVE_OUTCOME, 0);
                id as i32
            }
            Outcome::NoRoute => {
                put(out, len, RESOLVE_OUTCOME, 1);
                -1
            }
            Outcome::MethodNotAllowed => {
                let mut count = 0usize;
                for m in self.router.allowed_methods() {
                    if 1 + count < OUTPUT_SLOTS {
                        put(out, len, 1 + count, m as i32);
                    }
                    count += 1;
                }
                put(out, len, 0, count as i32);
                put(out, len, RESOLVE_OUTCOME, 2);
                -1
            }
            Outcome::Rejected(rejected) => {
                put(out, len, RESOLVE_OUTCOME, 3);
                put(out, len, RESOLVE_REJECTION, rejected.rejection.index());
                put(out, len, RESOLVE_SEGMENT, rejected.segment as i32);
                return -1;
            }
        };
        let (bytes_ptr, bytes_len) = (self.bytes_ptr, self.bytes_len);
        match self.router.canonical_path(path) {
            Canonical::Same(end) => {
                put(out, len, RESOLVE_CANONICAL, -1);
                put(out, len, RESOLVE_PATH_END, utf16_index(path, end));
            }
            Canonical::Bytes(canonical) => {
                put(out, len, RESOLVE_CANONICAL, canonical.len() as i32);
                put_bytes(bytes_ptr, bytes_len, canonical);
            }
        }
        id
    }
}

/// The native router. Internal: `Router` of `@switchyard/node` wraps it.
#[napi]
pub struct NativeRouter {
    shared: Rc<RefCell<Shared>>,
}

fn busy() -> napi::Error {
    coded_error("SWITCHYARD_INTERNAL", &["native router re-entered"])
}

#[napi]
impl NativeRouter {
    /// Options as their JS values (`undefined` = default), and the shared output array (at least
    /// `1 + 3 * 4097` elements).
    #[napi(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        case_sensitive: Option<bool>,
        trailing_slash: Option<String>,
        max_param_length: Option<f64>,
        encoded_slash: Option<String>,
        malformed_encoding: Option<String>,
        dot_segments: Option<String>,
        merge_slashes: Option<bool>,
        backslash: Option<String>,
        mut out: Int32Array,
    ) -> napi::Result<Self> {
        guard("Router constructor", || {
            let opts = RouterOptions::from_js(&JsRouterOptions {
                case_sensitive,
                trailing_slash: trailing_slash.as_deref(),
                max_param_length,
                encoded_slash: encoded_slash.as_deref(),
                malformed_encoding: malformed_encoding.as_deref(),
                dot_segments: dot_segments.as_deref(),
                merge_slashes,
                backslash: backslash.as_deref(),
            })
            .map_err(route_error)?;
            // SAFETY: the slice is only used for its pointer and length; `out` keeps a reference
            // to the array, so its buffer (never detached by the wrapper) outlives this object.
            let slice = unsafe { out.as_mut() };
            if slice.len() < OUTPUT_SLOTS {
                return Err(coded_error(
                    "SWITCHYARD_INTERNAL",
                    &["router output array too small"],
                ));
            }
            let (out_ptr, out_len) = (slice.as_mut_ptr(), slice.len());
            let shared = Shared {
                router: Router::new(opts),
                _out: out,
                out_ptr,
                out_len,
                path_buf: Vec::with_capacity(1024),
                host_buf: Vec::with_capacity(256),
                bytes: None,
                bytes_ptr: ptr::null_mut(),
                bytes_len: 0,
            };
            Ok(NativeRouter {
                shared: Rc::new(RefCell::new(shared)),
            })
        })
    }

    /// Adds a route (fields as `readRouteSpec` returns them; constraints as parallel arrays with
    /// kinds 0 equals, 1 present, 2 absent, 3 pattern). Returns the route id.
    #[napi]
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &self,
        path: String,
        methods: Option<Vec<String>>,
        host: Option<String>,
        header_names: Vec<String>,
        header_kinds: Vec<u32>,
        header_values: Vec<String>,
        query_keys: Vec<String>,
        query_kinds: Vec<u32>,
        query_values: Vec<String>,
        priority: f64,
    ) -> napi::Result<u32> {
        guard("Router.add", || {
            let spec = RouteSpec {
                path,
                methods,
                host,
                headers: constraints(header_names, header_kinds, header_values)?,
                query: constraints(query_keys, query_kinds, query_values)?,
                priority,
            };
            let mut shared = self.shared.try_borrow_mut().map_err(|_| busy())?;
            shared.router.add(&spec).map_err(route_error)
        })
    }

    /// Param names of a route, in the order of the shared output.
    #[napi]
    pub fn param_names(&self, route: u32) -> napi::Result<Vec<String>> {
        guard("Router.paramNames", || {
            Ok(self
                .shared
                .try_borrow()
                .map_err(|_| busy())?
                .router
                .param_names(route)
                .to_vec())
        })
    }

    /// Header names (lower case) constraints refer to, by slot.
    #[napi]
    pub fn header_slots(&self) -> napi::Result<Vec<String>> {
        guard("Router.headerSlots", || {
            Ok(self
                .shared
                .try_borrow()
                .map_err(|_| busy())?
                .router
                .header_slots()
                .to_vec())
        })
    }

    /// Whether some route has an exact or wildcard host.
    #[napi]
    pub fn has_host_routes(&self) -> napi::Result<bool> {
        guard("Router.hasHostRoutes", || {
            Ok(self
                .shared
                .try_borrow()
                .map_err(|_| busy())?
                .router
                .has_host_routes())
        })
    }

    /// Id of a request method, -1 when no route lists it (then only any-method routes match).
    #[napi]
    pub fn method_id(&self, method: String) -> napi::Result<i32> {
        guard("Router.methodId", || {
            Ok(self
                .shared
                .try_borrow_mut()
                .map_err(|_| busy())?
                .router
                .method_id(&method))
        })
    }

    /// For the wrapper's static fast path: `[key, method, route, method, route, ...]` for a
    /// fully static route (method `""` = a request without method), or `[]`.
    #[napi]
    pub fn static_answers(&self, route: u32) -> napi::Result<Vec<String>> {
        guard("Router.staticAnswers", || {
            let shared = self.shared.try_borrow().map_err(|_| busy())?;
            let mut out = Vec::new();
            if let Some((key, answers)) = shared.router.static_answers(route) {
                out.push(key.to_owned());
                for (method, id) in answers {
                    out.push(method.unwrap_or_default());
                    out.push(id.to_string());
                }
            }
            Ok(out)
        })
    }

    /// The hot call as a plain N-API function bound to this router:
    /// `(methodId, path, host?) => routeId | -1`, params in the shared output.
    #[napi]
    pub fn matcher<'e>(&self, env: &'e Env) -> napi::Result<Unknown<'e>> {
        guard("Router.matcher", || {
            let data = Box::into_raw(Box::new(Rc::clone(&self.shared)));
            raw_function(
                env,
                c"match",
                Some(raw_match),
                data.cast::<c_void>(),
                Some(drop_shared),
            )
        })
    }

    /// As `match`, with the values of the headers in `headerSlots()` order (`undefined` = absent).
    /// Only tables with header constraints take this (slower, allocating) path.
    #[napi]
    pub fn match_with_headers(
        &self,
        env: Env,
        method: i32,
        path: Unknown,
        host: Unknown,
        headers: Vec<Option<String>>,
    ) -> napi::Result<i32> {
        guard("Router.matchWithHeaders", || {
            let slots: Vec<Option<&str>> = headers.iter().map(Option::as_deref).collect();
            let mut shared = self.shared.try_borrow_mut().map_err(|_| busy())?;
            Ok(shared.run(env.raw(), method, path.raw(), host.raw(), &slots))
        })
    }
}

#[napi]
impl NativeRouter {
    /// The `resolve` hot call as a plain N-API function bound to this router, like `matcher()`:
    /// `(methodId, path, host?) => routeId | -1`, the outcome in the shared output (see
    /// [`RESOLVE_SLOTS`]) and a canonical path that differs from the request's in `bytes`, which
    /// this router writes from now on (a later call replaces it, e.g. with a larger array).
    #[napi]
    pub fn resolver<'e>(&self, env: &'e Env, mut bytes: Uint8Array) -> napi::Result<Unknown<'e>> {
        guard("Router.resolver", || {
            let mut shared = self.shared.try_borrow_mut().map_err(|_| busy())?;
            if shared.out_len < OUTPUT_SLOTS + RESOLVE_SLOTS {
                return Err(coded_error(
                    "SWITCHYARD_INTERNAL",
                    &["router output array too small for resolve"],
                ));
            }
            // SAFETY: the slice is only used for its pointer and length; `shared.bytes` keeps a
            // reference to the array, so its buffer (never detached by the wrapper) stays valid
            // as long as the pointer is used.
            let slice = unsafe { bytes.as_mut() };
            shared.bytes_ptr = slice.as_mut_ptr();
            shared.bytes_len = slice.len();
            shared.bytes = Some(bytes);
            drop(shared);
            let data = Box::into_raw(Box::new(Rc::clone(&self.shared)));
            raw_function(
                env,
                c"resolve",
                Some(raw_resolve),
                data.cast::<c_void>(),
                Some(drop_shared),
            )
        })
    }

    /// As `resolve`, with the values of the headers in `headerSlots()` order.
    #[napi]
    pub fn resolve_with_headers(
        &self,
        env: Env,
        method: i32,
        path: Unknown,
        host: Unknown,
        headers: Vec<Option<String>>,
    ) -> napi::Result<i32> {
        guard("Router.resolveWithHeaders", || {
            let slots: Vec<Option<&str>> = headers.iter().map(Option::as_deref).collect();
            let mut shared = self.shared.try_borrow_mut().map_err(|_| busy())?;
            Ok(shared.resolve(env.raw(), method, path.raw(), host.raw(), &slots))
        })
    }

    /// The value of the param the last match flagged as joined (a wildcard over segments that
    /// canonicalization moved together). Rare: only requests with resolved dot segments, merged
    /// slashes or backslash separators take it.
    #[napi]
    pub fn joined_param(&self) -> napi::Result<String> {
        guard("Router.joinedParam", || {
            Ok(self
                .shared
                .try_borrow()
                .map_err(|_| busy())?
                .router
                .joined_param()
                .to_owned())
        })
    }

    /// The methods of the last `resolve` that answered "method not allowed", in name order: for
    /// a table with more distinct methods than the shared output holds.
    #[napi]
    pub fn allowed_methods(&self) -> napi::Result<Vec<String>> {
        guard("Router.allowedMethods", || {
            let shared = self.shared.try_borrow().map_err(|_| busy())?;
            let names = shared.router.method_names();
            Ok(shared
                .router
                .allowed_methods()
                .filter_map(|m| names.get(m as usize).cloned())
                .collect())
        })
    }

    /// Method names by id, as `methodId` numbers them.
    #[napi]
    pub fn method_names(&self) -> napi::Result<Vec<String>> {
        guard("Router.methodNames", || {
            Ok(self
                .shared
                .try_borrow()
                .map_err(|_| busy())?
                .router
                .method_names()
                .to_vec())
        })
    }
}

/// Makes a JS function from a plain N-API callback, with `data` passed to each call and handed
/// to `finalize` when the function is collected.
fn raw_function<'e>(
    env: &'e Env,
    name: &std::ffi::CStr,
    callback: sys::napi_callback,
    data: *mut c_void,
    finalize: sys::napi_finalize,
) -> napi::Result<Unknown<'e>> {
    let mut function = ptr::null_mut();
    // SAFETY: `name` is NUL-terminated; `data` stays valid until `finalize` runs (below).
    let status = unsafe {
        sys::napi_create_function(env.raw(), name.as_ptr(), -1, callback, data, &mut function)
    };
    if status == sys::Status::napi_ok && finalize.is_some() {
        // SAFETY: ties `data` to the function's lifetime; the finalizer frees it exactly once.
        let status = unsafe {
            sys::napi_add_finalizer(
                env.raw(),
                function,
                data,
                finalize,
                ptr::null_mut(),
                ptr::null_mut(),
            )
        };
        if status != sys::Status::napi_ok {
            return Err(coded_error(
                "SWITCHYARD_INTERNAL",
                &["napi_add_finalizer failed"],
            ));
        }
    }
    if status != sys::Status::napi_ok {
        return Err(coded_error(
            "SWITCHYARD_INTERNAL",
            &["napi_create_function failed"],
        ));
    }
    // SAFETY: `function` is a live JS value of this env.
    unsafe { Unknown::from_napi_value(env.raw(), function) }
}

unsafe extern "C" fn drop_shared(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
    // SAFETY: `data` came from `Box::into_raw` in `matcher` and is finalized once.
    drop(unsafe { Box::from_raw(data.cast::<Rc<RefCell<Shared>>>()) });
}

fn int32(env: sys::napi_env, value: i32) -> sys::napi_value {
    let mut out = ptr::null_mut();
    // SAFETY: creating a number in a live env.
    unsafe { sys::napi_create_int32(env, value, &mut out) };
    out
}

unsafe extern "C" fn raw_match(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    let result = guard("Router.match", || {
        let ([method, path, host], data) = arguments::<3>(env, info)?;
        if data.is_null() {
            return Err(coded_error(
                "SWITCHYARD_INTERNAL",
                &["match called without its router"],
            ));
        }
        // SAFETY: `data` is the `Rc` boxed by `matcher`, alive until this function is finalized.
        let shared = unsafe { &*data.cast::<Rc<RefCell<Shared>>>() };
        let mut method_id = -1;
        // SAFETY: reading a number; a non-number leaves -1 (absent).
        unsafe { sys::napi_get_value_int32(env, method, &mut method_id) };
        let mut shared = shared.try_borrow_mut().map_err(|_| busy())?;
        Ok(shared.run(env, method_id, path, host, &[]))
    });
    match result {
        Ok(id) => int32(env, id),
        Err(error) => {
            throw(env, &error);
            ptr::null_mut()
        }
    }
}

unsafe extern "C" fn raw_resolve(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    let result = guard("Router.resolve", || {
        let ([method, path, host], data) = arguments::<3>(env, info)?;
        if data.is_null() {
            return Err(coded_error(
                "SWITCHYARD_INTERNAL",
                &["resolve called without its router"],
            ));
        }
        // SAFETY: `data` is the `Rc` boxed by `resolver`, alive until this function is finalized.
        let shared = unsafe { &*data.cast::<Rc<RefCell<Shared>>>() };
        let mut method_id = -1;
        // SAFETY: reading a number; a non-number leaves -1 (absent).
        unsafe { sys::napi_get_value_int32(env, method, &mut method_id) };
        let mut shared = shared.try_borrow_mut().map_err(|_| busy())?;
        Ok(shared.resolve(env, method_id, path, host, &[]))
    });
    match result {
        Ok(id) => int32(env, id),
        Err(error) => {
            throw(env, &error);
            ptr::null_mut()
        }
    }
}

/// State of a `canonicalizePath` function: its scratch, its string buffer and its shared output:
/// `[canonical, pathEnd, segment]` (as [`RESOLVE_SLOTS`] describes them) and the bytes.
struct Canonicalizer {
    scratch: PathScratch,
    buf: Vec<u8>,
    _out: Int32Array,
    out_ptr: *mut i32,
    out_len: usize,
    _bytes: Uint8Array,
    bytes_ptr: *mut u8,
    bytes_len: usize,
}

/// `canonicalizePath` as a plain N-API function with its own scratch:
/// `(policyBits, target) => 0 | rejection index`, writing `out` (at least 3 slots) and `bytes`.
/// The policy comes packed ([`PathPolicy::bits`]), so a call takes two primitives.
#[napi]
pub fn path_canonicalizer<'e>(
    env: &'e Env,
    mut out: Int32Array,
    mut bytes: Uint8Array,
) -> napi::Result<Unknown<'e>> {
    guard("pathCanonicalizer", || {
        // SAFETY: only pointers and lengths are kept; the state owns both arrays' references.
        let out_slice = unsafe { out.as_mut() };
        if out_slice.len() < 3 {
            return Err(coded_error(
                "SWITCHYARD_INTERNAL",
                &["canonicalizePath output array too small"],
            ));
        }
        let (out_ptr, out_len) = (out_slice.as_mut_ptr(), out_slice.len());
        // SAFETY: as above.
        let bytes_slice = unsafe { bytes.as_mut() };
        let (bytes_ptr, bytes_len) = (bytes_slice.as_mut_ptr(), bytes_slice.len());
        let state = Canonicalizer {
            scratch: PathScratch::default(),
            buf: Vec::with_capacity(1024),
            _out: out,
            out_ptr,
            out_len,
            _bytes: bytes,
            bytes_ptr,
            bytes_len,
        };
        let data = Box::into_raw(Box::new(RefCell::new(state)));
        raw_function(
            env,
            c"canonicalizePath",
            Some(raw_canonicalize),
            data.cast::<c_void>(),
            Some(drop_canonicalizer),
        )
    })
}

unsafe extern "C" fn drop_canonicalizer(
    _env: sys::napi_env,
    data: *mut c_void,
    _hint: *mut c_void,
) {
    // SAFETY: `data` came from `Box::into_raw` in `path_canonicalizer` and is finalized once.
    drop(unsafe { Box::from_raw(data.cast::<RefCell<Canonicalizer>>()) });
}

unsafe extern "C" fn raw_canonicalize(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    let result = guard("canonicalizePath", || {
        let ([bits, target], data) = arguments::<2>(env, info)?;
        if data.is_null() {
            return Err(coded_error(
                "SWITCHYARD_INTERNAL",
                &["canonicalizePath called without its state"],
            ));
        }
        // SAFETY: `data` is the state boxed by `path_canonicalizer`, alive until finalized.
        let cell = unsafe { &*data.cast::<RefCell<Canonicalizer>>() };
        let mut raw_bits = u32::MAX;
        // SAFETY: reading a number; a non-number leaves an invalid value, refused below.
        unsafe { sys::napi_get_value_uint32(env, bits, &mut raw_bits) };
        let policy = PathPolicy::from_bits(raw_bits).ok_or_else(|| {
            coded_error(
                "SWITCHYARD_INTERNAL",
                &["canonicalizePath: bad policy bits"],
            )
        })?;
        let mut state = cell.try_borrow_mut().map_err(|_| busy())?;
        let Canonicalizer {
            scratch,
            buf,
            out_ptr,
            out_len,
            bytes_ptr,
            bytes_len,
            ..
        } = &mut *state;
        let (out, len) = (*out_ptr, *out_len);
        let Some(target) = read_string(env, target, buf) else {
            put(out, len, 2, 0);
            return Ok(Rejection::NotOriginForm.index());
        };
        Ok(match canonicalize_path(target, &policy, scratch) {
            Ok(Canonical::Same(end)) => {
                put(out, len, 0, -1);
                put(out, len, 1, utf16_index(target, end));
                0
            }
            Ok(Canonical::Bytes(canonical)) => {
                put(out, len, 0, canonical.len() as i32);
                put_bytes(*bytes_ptr, *bytes_len, canonical);
                0
            }
            Err(rejected) => {
                put(out, len, 2, rejected.segment as i32);
                rejected.rejection.index()
            }
        })
    });
    match result {
        Ok(code) => int32(env, code),
        Err(error) => {
            throw(env, &error);
            ptr::null_mut()
        }
    }
}

/// Boundary micro-benchmark: a plain N-API function that reads a JS string into a reused buffer
/// and returns its length in bytes (the crossing `match` pays before any routing).
#[napi]
pub fn path_toucher(env: &Env) -> napi::Result<Unknown<'_>> {
    guard("pathToucher", || {
        raw_function(
            env,
            c"touchPath",
            Some(raw_touch_path),
            ptr::null_mut(),
            None,
        )
    })
}

unsafe extern "C" fn raw_touch_path(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    thread_local! {
        static BUF: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(1024));
    }
    let result = guard("touchPath", || {
        let ([path], _) = arguments::<1>(env, info)?;
        Ok(BUF.with(|buf| {
            read_string(env, path, &mut buf.borrow_mut()).map_or(0, |s| s.len() as i32)
        }))
    });
    match result {
        Ok(n) => int32(env, n),
        Err(error) => {
            throw(env, &error);
            ptr::null_mut()
        }
    }
}

/// Boundary micro-benchmark: the same through napi-rs's `String` conversion (allocates).
#[napi]
pub fn touch_path_string(path: String) -> napi::Result<u32> {
    guard("touchPathString", || Ok(path.len() as u32))
}
