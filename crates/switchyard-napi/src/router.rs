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

// Under `cargo test` the napi registration is compiled out, leaving the free functions unused.
#![cfg_attr(test, allow(dead_code))]

use std::cell::RefCell;
use std::ffi::c_void;
use std::ptr;
use std::rc::Rc;

use napi::bindgen_prelude::{FromNapiValue, Int32Array, Unknown};
use napi::{sys, Env, JsValue};
use napi_derive::napi;
use switchyard::router::{ConstraintSpec, Request, RouteError, RouteSpec, Router, RouterOptions};

use crate::errors::{coded_error, guard};
use crate::raw::{arguments, read_utf8, throw};

/// Int32 slots of the shared output: a count and three per param. A route path has at most 8192
/// characters, so at most 4096 params.
pub const OUTPUT_SLOTS: usize = 1 + 3 * 4097;

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
        let spans = self.router.params();
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
        let count = spans.len().min((self.out_len - 1) / 3);
        // SAFETY: `out_ptr` points to `out_len` i32s of the shared array, kept alive by `_out`;
        // JS runs no code during this call, so nothing else reads or writes the array meanwhile.
        // Every index written is below `1 + 3 * count <= out_len`.
        unsafe {
            *self.out_ptr = count as i32;
            for (i, span) in spans.iter().take(count).enumerate() {
                let base = self.out_ptr.add(1 + 3 * i);
                *base = to_unit(span.start as usize);
                *base.add(1) = to_unit(span.end as usize);
                *base.add(2) = i32::from(span.flags);
            }
        }
        id as i32
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
    pub fn new(
        case_sensitive: Option<bool>,
        trailing_slash: Option<String>,
        max_param_length: Option<f64>,
        encoded_slash: Option<String>,
        malformed_encoding: Option<String>,
        mut out: Int32Array,
    ) -> napi::Result<Self> {
        guard("Router constructor", || {
            let opts = RouterOptions::from_js(
                case_sensitive,
                trailing_slash.as_deref(),
                max_param_length,
                encoded_slash.as_deref(),
                malformed_encoding.as_deref(),
            )
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
