//! `NativeRouter`: the Rust router behind `Router` of `@switchyard/node`.
//!
//! The crossing follows docs/architecture.md: `match` takes the method as a number (an id the wrapper caches,
//! from `methodId`), the path and host as JS strings copied with `napi_get_value_string_utf8` into
//! buffers reused across calls, and returns the route id (or -1). It is a plain N-API callback
//! (`matcher()` makes it, bound to this router): napi-rs's generated glue for a method with
//! arguments (receiver unwrap, borrow scope) measured ~80 ns per call, twice the whole crossing. The winner's params go into the
//! `Int32Array` shared once at construction: `[count, (start, end, flags) x count]`, with `start`
//! and `end` as UTF-16 indices into the JS path string, so the wrapper slices the string it already
//! holds and decodes only flagged params. Nothing here decides anything: the `switchyard` crate does.
//! The binding pattern (state in a `Native`, the match function bound to it) is the toolkit's.

// Under `cargo test` the napi registration is compiled out, leaving the free functions unused.
#![cfg_attr(test, allow(dead_code))]

use napi::bindgen_prelude::{Int32Array, ObjectFinalize, Unknown};
use napi::{sys, Env, JsValue};
use napi_derive::napi;
use switchyard::router::{ConstraintSpec, Request, RouteError, RouteSpec, Router, RouterOptions};

use crate::layout::{
    CONSTRAINT_ABSENT, CONSTRAINT_EQUALS, CONSTRAINT_PATTERN, CONSTRAINT_PRESENT, ROUTER_NO_METHOD,
    ROUTER_NO_ROUTE, ROUTER_OUTPUT_SLOTS, ROUTER_PARAM_FIELDS,
};
use crate::toolkit::bound::{call, JsFunction, Native};
use crate::toolkit::errors::{guard, internal, to_js};
use crate::toolkit::out::SharedOut;
use crate::toolkit::read::{int32_or, read_str as read_string};

fn route_error(err: RouteError) -> napi::Error {
    to_js(&err)
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
            CONSTRAINT_EQUALS => ConstraintSpec::Equals(value),
            CONSTRAINT_PRESENT => ConstraintSpec::Present,
            CONSTRAINT_ABSENT => ConstraintSpec::Absent,
            CONSTRAINT_PATTERN => ConstraintSpec::Pattern(value),
            _ => return Err(internal("unknown constraint kind")),
        };
        out.push((name, c));
    }
    Ok(out)
}

/// What the class and its `match` function share.
struct Shared {
    router: Router,
    out: SharedOut<Int32Array>,
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
            return ROUTER_NO_ROUTE;
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
            return ROUTER_NO_ROUTE;
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
        let out = self.out.elements();
        let count = spans.len().min((out.len() - 1) / ROUTER_PARAM_FIELDS);
        let (head, fields) = out.split_at_mut(1);
        head[0] = count as i32;
        for (span, slots) in spans
            .iter()
            .zip(fields.chunks_exact_mut(ROUTER_PARAM_FIELDS))
        {
            slots[0] = to_unit(span.start as usize);
            slots[1] = to_unit(span.end as usize);
            slots[2] = i32::from(span.flags);
        }
        id as i32
    }
}

/// The native router. Internal: `Router` of `@switchyard/node` wraps it.
#[napi(custom_finalize)]
pub struct NativeRouter {
    shared: Native<Shared>,
}

impl ObjectFinalize for NativeRouter {
    fn finalize(self, env: Env) -> napi::Result<()> {
        self.shared.release(env.raw());
        Ok(())
    }
}

#[napi]
impl NativeRouter {
    /// Options as their JS values (`undefined` = default), and the shared output array (at least
    /// `1 + 3 * 4097` elements).
    #[napi(constructor)]
    pub fn new(
        env: Env,
        case_sensitive: Option<bool>,
        trailing_slash: Option<String>,
        max_param_length: Option<f64>,
        encoded_slash: Option<String>,
        malformed_encoding: Option<String>,
        out: Int32Array,
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
            let out = SharedOut::new(out, ROUTER_OUTPUT_SLOTS, "router output")?;
            let shared = Native::new(env.raw(), || {
                Ok(Shared {
                    router: Router::new(opts),
                    out,
                    path_buf: Vec::with_capacity(1024),
                    host_buf: Vec::with_capacity(256),
                })
            })?;
            Ok(NativeRouter { shared })
        })
    }

    /// Adds a route (fields as `readRouteSpec` returns them; constraints as parallel arrays with
    /// kinds 0 equals, 1 present, 2 absent, 3 pattern). Returns the route id.
    #[napi]
    #[allow(clippy::too_many_arguments)]
    pub fn add(
        &self,
        env: Env,
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
            self.shared
                .update(env.raw(), |shared| shared.router.add(&spec))?
                .map_err(route_error)
        })
    }

    /// Param names of a route, in the order of the shared output.
    #[napi]
    pub fn param_names(&self, route: u32) -> napi::Result<Vec<String>> {
        guard("Router.paramNames", || {
            self.shared
                .read(|shared| shared.router.param_names(route).to_vec())
        })
    }

    /// Header names (lower case) constraints refer to, by slot.
    #[napi]
    pub fn header_slots(&self) -> napi::Result<Vec<String>> {
        guard("Router.headerSlots", || {
            self.shared
                .read(|shared| shared.router.header_slots().to_vec())
        })
    }

    /// Whether some route has an exact or wildcard host.
    #[napi]
    pub fn has_host_routes(&self) -> napi::Result<bool> {
        guard("Router.hasHostRoutes", || {
            self.shared.read(|shared| shared.router.has_host_routes())
        })
    }

    /// Id of a request method, -1 when no route lists it (then only any-method routes match).
    #[napi]
    pub fn method_id(&self, env: Env, method: String) -> napi::Result<i32> {
        guard("Router.methodId", || {
            self.shared
                .update(env.raw(), |shared| shared.router.method_id(&method))
        })
    }

    /// For the wrapper's static fast path: `[key, method, route, method, route, ...]` for a
    /// fully static route (method `""` = a request without method), or `[]`.
    #[napi]
    pub fn static_answers(&self, route: u32) -> napi::Result<Vec<String>> {
        guard("Router.staticAnswers", || {
            self.shared.read(|shared| {
                let mut out = Vec::new();
                if let Some((key, answers)) = shared.router.static_answers(route) {
                    out.push(key.to_owned());
                    for (method, id) in answers {
                        out.push(method.unwrap_or_default());
                        out.push(id.to_string());
                    }
                }
                out
            })
        })
    }

    /// The hot call as a plain N-API function bound to this router:
    /// `(methodId, path, host?) => routeId | -1`, params in the shared output.
    #[napi]
    pub fn matcher(&self, env: Env) -> napi::Result<JsFunction> {
        guard("Router.matcher", || {
            self.shared.bind(env.raw(), c"match", raw_match)
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
            self.shared.update(env.raw(), |shared| {
                shared.run(env.raw(), method, path.raw(), host.raw(), &slots)
            })
        })
    }
}

unsafe extern "C" fn raw_match(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> sys::napi_value {
    // SAFETY: `matcher` binds this callback to a `Native<Shared>`.
    unsafe {
        call(
            env,
            info,
            "Router.match",
            |shared: &mut Shared, [method, path, host]| {
                let method = int32_or(env, method, ROUTER_NO_METHOD);
                Ok(shared.run(env, method, path, host, &[]))
            },
        )
    }
}
