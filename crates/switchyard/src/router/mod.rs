//! The route matcher: the semantics of docs/router-spec.md, identical to the TypeScript reference
//! `Router` of `@switchyard/core`.
//!
//! Routes are compiled at [`Router::add`] into one segment trie per host group (each exact host,
//! each wildcard suffix, any host). [`Router::find`] canonicalizes the request path into a
//! reusable scratch ([`canonical`]), walks the tries in host rank order and keeps the best-ranked
//! matching route; the winner's params come out as byte spans of the request path
//! ([`Router::params`]), decoded by the caller only when flagged. [`Router::resolve`] tells a
//! miss apart: rejected, no route, or a method not allowed (with the methods that are).

pub mod canonical;
pub mod decode;
mod error;
mod loops;
pub mod path;
pub mod pattern;
mod search;
pub mod spec;
mod table;

use regex::{Regex, RegexBuilder};

pub use canonical::{
    canonicalize_path, Backslash, Canonical, DotSegments, EncodedSlash, PathPolicy, PathScratch,
    Rejected, Rejection,
};
pub use error::RouteError;
pub use search::{ParamSpan, PARAM_DECODE, PARAM_JOINED, PARAM_REPLACEMENT_CHAR};
pub use spec::{ConstraintSpec, HostRule, RouteSpec};

use canonical::{decode_segment_value, is_dot_segment};
use path::{parse_path, segment_regex, Piece, Segment};
use search::{collect_allowed, extract_params, search_trie, Ctx, Scratch};
use spec::{validate_constraints, validate_host, validate_methods, validate_priority};
use table::{Route, SegMatch, Test, Trie};

use crate::seeded::{Seed, SeededMap};

/// Router options, fixed at construction (spec §2, §4).
#[derive(Debug, Clone)]
pub struct RouterOptions {
    pub case_sensitive: bool,
    pub trailing_slash_ignore: bool,
    /// Longest named param value in UTF-8 bytes, 1 to 65536.
    pub max_param_length: u32,
    /// How the request path is canonicalized (spec §4.1).
    pub path: PathPolicy,
    /// Seed of every table a request's text is looked up in (static segments, paths, hosts,
    /// methods). The wrapper draws one per process unless the caller gives one.
    pub seed: u64,
}

impl Default for RouterOptions {
    fn default() -> Self {
        RouterOptions::new()
    }
}

/// Longest `maxParamLength`.
pub const MAX_PARAM_LENGTH_LIMIT: u32 = 65536;

/// Router options as JS spells them; `None` means the default.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsRouterOptions<'a> {
    pub case_sensitive: Option<bool>,
    pub trailing_slash: Option<&'a str>,
    pub max_param_length: Option<f64>,
    pub encoded_slash: Option<&'a str>,
    pub malformed_encoding: Option<&'a str>,
    pub dot_segments: Option<&'a str>,
    pub merge_slashes: Option<bool>,
    pub backslash: Option<&'a str>,
    pub seed: Option<f64>,
}

impl RouterOptions {
    /// The defaults: case-sensitive, strict trailing slash, params up to 256 bytes, and the
    /// default [`PathPolicy`].
    pub fn new() -> Self {
        RouterOptions {
            case_sensitive: true,
            trailing_slash_ignore: false,
            max_param_length: 256,
            path: PathPolicy::default(),
            seed: 0,
        }
    }

    /// Builds options from their JS spellings.
    pub fn from_js(js: &JsRouterOptions) -> Result<Self, RouteError> {
        let bad =
            |argument: &'static str, reason: String| RouteError::InvalidOption { argument, reason };
        let mut o = RouterOptions {
            case_sensitive: js.case_sensitive.unwrap_or(true),
            ..RouterOptions::new()
        };
        o.trailing_slash_ignore = match js.trailing_slash.unwrap_or("strict") {
            "strict" => false,
            "ignore" => true,
            other => {
                return Err(bad(
                    "options.trailingSlash",
                    format!("expected 'strict' or 'ignore', got {other:?}"),
                ))
            }
        };
        if let Some(n) = js.max_param_length {
            if n.fract() != 0.0 || !(1.0..=f64::from(MAX_PARAM_LENGTH_LIMIT)).contains(&n) {
                return Err(bad(
                    "options.maxParamLength",
                    format!("expected an integer from 1 to 65536, got {n}"),
                ));
            }
            o.max_param_length = n as u32;
        }
        o.path.encoded_slash = match js.encoded_slash.unwrap_or("decode") {
            "decode" => EncodedSlash::Decode,
            "keep" => EncodedSlash::Keep,
            "reject" => EncodedSlash::Reject,
            other => {
                return Err(bad(
                    "options.encodedSlash",
                    format!("expected 'decode', 'keep' or 'reject', got {other:?}"),
                ))
            }
        };
        o.path.malformed_literal = match js.malformed_encoding.unwrap_or("reject") {
            "reject" => false,
            "literal" => true,
            other => {
                return Err(bad(
                    "options.malformedEncoding",
                    format!("expected 'reject' or 'literal', got {other:?}"),
                ))
            }
        };
        o.path.dot_segments = match js.dot_segments.unwrap_or("reject") {
            "reject" => DotSegments::Reject,
            "resolve" => DotSegments::Resolve,
            "keep" => DotSegments::Keep,
            other => {
                return Err(bad(
                    "options.dotSegments",
                    format!("expected 'reject', 'resolve' or 'keep', got {other:?}"),
                ))
            }
        };
        o.path.merge_slashes = js.merge_slashes.unwrap_or(false);
        if let Some(n) = js.seed {
            if n.fract() != 0.0 || !(0.0..=f64::from(u32::MAX)).contains(&n) {
                return Err(bad(
                    "options.seed",
                    format!("expected an integer from 0 to 4294967295, got {n}"),
                ));
            }
            o.seed = n as u64;
        }
        o.path.backslash = match js.backslash.unwrap_or("reject") {
            "reject" => Backslash::Reject,
            "slash" => Backslash::Slash,
            "keep" => Backslash::Keep,
            other => {
                return Err(bad(
                    "options.backslash",
                    format!("expected 'reject', 'slash' or 'keep', got {other:?}"),
                ))
            }
        };
        Ok(o)
    }
}

/// What [`Router::resolve`] found (spec §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// This route wins; its params are in [`Router::params`].
    Matched(u32),
    /// No route matches, whatever the method.
    NoRoute,
    /// Routes match but for their method; [`Router::allowed_methods`] lists the methods.
    MethodNotAllowed,
    /// The canonicalization rules reject the request.
    Rejected(Rejected),
}

/// What identifies a route for conflict detection (spec §7), besides its methods.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Identity {
    host: HostRule,
    shape: Vec<Segment>,
    headers: Vec<(String, ConstraintSpec)>,
    query: Vec<(String, ConstraintSpec)>,
    priority: i32,
}

/// The routes of one [`Identity`] by the methods they claim (spec §7): a route with every
/// method conflicts with `any`, one with methods with the routes claiming one of them.
#[derive(Debug, Default)]
struct Claims {
    any: Option<u32>,
    by_method: std::collections::BTreeMap<u32, u32>,
}

/// A request as the router reads it. `method` is an id from [`Router::method_id`] (-1: absent or
/// a method no route lists); `headers` are values by header slot ([`Router::header_slots`]).
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: i32,
    pub path: &'a str,
    pub host: Option<&'a str>,
    pub headers: &'a [Option<&'a str>],
}

/// Most routes at one static path that [`Router::static_answers`] answers for.
const STATIC_ANSWERS_MAX: usize = 64;

/// Per method (`None` = no method), the route a fully static path gives; see [`Router::static_answers`].
pub type StaticAnswers = Vec<(Option<String>, u32)>;

/// The route matcher. See the module documentation.
#[derive(Debug)]
pub struct Router {
    opts: RouterOptions,
    routes: Vec<Route>,
    regexes: Vec<Regex>,
    regex_ids: SeededMap<String, u32>,
    methods: SeededMap<String, u32>,
    /// Method names by id.
    method_names: Vec<String>,
    /// Method ids in name order (the order of `Allow`); brought up to date by the first
    /// `resolve` that needs it after a method was added, so adding N methods is not N sorts.
    method_order: Vec<u32>,
    header_slots: Vec<String>,
    /// Slot of each header name in `header_slots`.
    header_slot_ids: SeededMap<String, u32>,
    exact: SeededMap<String, Trie>,
    wildcard: SeededMap<String, Trie>,
    /// Lengths (bytes) of the wildcard suffixes, longest first.
    wildcard_lengths: Vec<usize>,
    any: Trie,
    /// The routes of each identity, by method: a new route is checked against them in time
    /// proportional to its own methods, not to the routes already there.
    identities: SeededMap<Identity, Claims>,
    /// Per fully static route path (no host), the route ids there: for the wrapper's fast path.
    static_paths: SeededMap<String, Vec<u32>>,
    seed: Seed,
    scratch: Option<Box<Scratch>>,
    method_buf: String,
}

impl Router {
    pub fn new(opts: RouterOptions) -> Self {
        let seed = Seed::new(opts.seed);
        let state = seed.build();
        Router {
            opts,
            routes: Vec::new(),
            regexes: Vec::new(),
            regex_ids: SeededMap::with_hasher(state),
            methods: SeededMap::with_hasher(state),
            method_names: Vec::new(),
            method_order: Vec::new(),
            header_slots: Vec::new(),
            header_slot_ids: SeededMap::with_hasher(state),
            exact: SeededMap::with_hasher(state),
            wildcard: SeededMap::with_hasher(state),
            wildcard_lengths: Vec::new(),
            any: Trie::new(seed),
            identities: SeededMap::with_hasher(state),
            static_paths: SeededMap::with_hasher(state),
            seed,
            scratch: Some(Box::default()),
            method_buf: String::new(),
        }
    }

    pub fn options(&self) -> &RouterOptions {
        &self.opts
    }

    /// Number of routes.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// True when some route has an exact or wildcard host (the request host matters).
    pub fn has_host_routes(&self) -> bool {
        !self.exact.is_empty() || !self.wildcard.is_empty()
    }

    /// Lower-cased header names that constraints refer to, by slot.
    pub fn header_slots(&self) -> &[String] {
        &self.header_slots
    }

    /// Param names of a route, in the order of [`Router::params`].
    pub fn param_names(&self, route: u32) -> &[String] {
        self.routes
            .get(route as usize)
            .map_or(&[], |r| r.names.as_slice())
    }

    /// The id of a request method (upper-cased here), or -1 when no route lists it.
    pub fn method_id(&mut self, method: &str) -> i32 {
        self.method_buf.clear();
        self.method_buf.push_str(method);
        self.method_buf.make_ascii_uppercase();
        self.methods
            .get(self.method_buf.as_str())
            .map_or(-1, |&id| id as i32)
    }

    fn regex(&mut self, source: String) -> Result<u32, String> {
        if let Some(&id) = self.regex_ids.get(&source) {
            return Ok(id);
        }
        let re = RegexBuilder::new(&source)
            .size_limit(1 << 26)
            .build()
            .map_err(|e| format!("pattern cannot be compiled: {e}"))?;
        let id = self.regexes.len() as u32;
        self.scratch
            .get_or_insert_with(Box::default)
            .locs
            .push(re.capture_locations());
        self.regexes.push(re);
        self.regex_ids.insert(source, id);
        Ok(id)
    }

    fn test(&mut self, constraint: &ConstraintSpec) -> Result<Test, String> {
        Ok(match constraint {
            ConstraintSpec::Equals(v) => Test::Equals(v.clone()),
            ConstraintSpec::Present => Test::Present,
            ConstraintSpec::Absent => Test::Absent,
            ConstraintSpec::Pattern(p) => {
                Test::Pattern(self.regex(format!("^(?:{})$", pattern::translate(p)?))?)
            }
        })
    }

    /// Adds a route and returns its id, or why it cannot be added (nothing is added then).
    pub fn add(&mut self, spec: &RouteSpec) -> Result<u32, RouteError> {
        let parsed = parse_path(
            &spec.path,
            self.opts.case_sensitive,
            self.opts.trailing_slash_ignore,
        )
        .map_err(RouteError::invalid)?;
        self.check_reachable(&parsed.segments)
            .map_err(RouteError::invalid)?;
        let methods = validate_methods(spec.methods.as_deref()).map_err(RouteError::invalid)?;
        let host = validate_host(spec.host.as_deref()).map_err(RouteError::invalid)?;
        let headers = validate_constraints(&spec.headers, true).map_err(RouteError::invalid)?;
        let query = validate_constraints(&spec.query, false).map_err(RouteError::invalid)?;
        let priority = validate_priority(spec.priority).map_err(RouteError::invalid)?;

        let identity = Identity {
            host: host.clone(),
            shape: parsed.segments.clone(),
            headers,
            query,
            priority,
        };
        if let Some(claims) = self.identities.get(&identity) {
            let existing = match &methods {
                None => claims.any,
                // The first of the existing routes (by id) that claims one of these methods.
                Some(list) => list
                    .iter()
                    .filter_map(|m| claims.by_method.get(self.methods.get(m)?))
                    .min()
                    .copied(),
            };
            if let Some(existing) = existing {
                return Err(RouteError::Conflict { existing });
            }
        }

        // Compile everything that can fail before touching the table.
        let mut regex_of = Vec::with_capacity(parsed.segments.len());
        let mut segments = Vec::with_capacity(parsed.segments.len());
        for segment in &parsed.segments {
            match segment {
                Segment::Static(_) => {
                    regex_of.push(None);
                    segments.push(SegMatch::Static);
                }
                Segment::Wildcard => {
                    regex_of.push(None);
                    segments.push(SegMatch::Wildcard);
                }
                Segment::Dynamic { pieces, .. }
                    if matches!(pieces.as_slice(), [Piece::Param { pattern: None }]) =>
                {
                    regex_of.push(None);
                    segments.push(SegMatch::Plain);
                }
                Segment::Dynamic { pieces, .. } => {
                    let source = segment_regex(pieces, self.opts.case_sensitive)
                        .map_err(RouteError::invalid)?;
                    let id = self.regex(source).map_err(RouteError::invalid)?;
                    regex_of.push(Some(id));
                    segments.push(SegMatch::Regex(id));
                }
            }
        }
        let mut header_tests = Vec::with_capacity(identity.headers.len());
        for (name, c) in &identity.headers {
            let test = self.test(c).map_err(RouteError::invalid)?;
            let next = self.header_slots.len() as u32;
            let slot = *self.header_slot_ids.entry(name.clone()).or_insert(next);
            if slot == next {
                self.header_slots.push(name.clone());
            }
            header_tests.push((slot, test));
        }
        let mut query_tests = Vec::with_capacity(identity.query.len());
        for (key, c) in &identity.query {
            query_tests.push((key.clone(), self.test(c).map_err(RouteError::invalid)?));
        }
        let method_ids = methods.as_ref().map(|list| {
            let mut ids: Vec<u32> = list
                .iter()
                .map(|m| {
                    let next = self.methods.len() as u32;
                    *self.methods.entry(m.clone()).or_insert_with(|| {
                        self.method_names.push(m.clone());
                        next
                    })
                })
                .collect();
            ids.sort_unstable();
            ids
        });

        let id = self.routes.len() as u32;
        let fully_static = parsed
            .segments
            .iter()
            .all(|s| matches!(s, Segment::Static(_)));
        let static_key = (fully_static && host == HostRule::Any).then(|| {
            let texts: Vec<&str> = parsed
                .segments
                .iter()
                .map(|s| {
                    if let Segment::Static(t) = s {
                        t.as_str()
                    } else {
                        ""
                    }
                })
                .collect();
            format!("/{}", texts.join("/"))
        });
        if let Some(key) = &static_key {
            self.static_paths.entry(key.clone()).or_default().push(id);
        }
        self.routes.push(Route {
            methods: method_ids,
            kinds: parsed.segments.iter().map(Segment::kind).collect(),
            constraints: (header_tests.len() + query_tests.len()) as u32,
            priority,
            headers: header_tests,
            query: query_tests,
            segments,
            names: parsed.names,
            static_key,
        });
        let seed = self.seed;
        let trie = match &host {
            HostRule::Exact(h) => self
                .exact
                .entry(h.clone())
                .or_insert_with(|| Trie::new(seed)),
            HostRule::Wildcard(suffix) => {
                if !self.wildcard_lengths.contains(&suffix.len()) {
                    self.wildcard_lengths.push(suffix.len());
                    self.wildcard_lengths.sort_unstable_by(|a, b| b.cmp(a));
                }
                self.wildcard
                    .entry(suffix.clone())
                    .or_insert_with(|| Trie::new(seed))
            }
            HostRule::Any => &mut self.any,
        };
        trie.insert(
            &self.routes,
            id,
            &parsed.segments,
            &regex_of,
            self.opts.max_param_length as usize,
        );
        let claims = self.identities.entry(identity).or_default();
        match &self.routes[id as usize].methods {
            None => claims.any = Some(id),
            Some(ids) => {
                for &m in ids {
                    claims.by_method.entry(m).or_insert(id);
                }
            }
        }
        Ok(id)
    }

    /// A static route segment no canonical request segment can equal is refused at add: a dot
    /// segment unless dot segments are kept, a backslash when backslashes are rejected.
    fn check_reachable(&self, segments: &[Segment]) -> Result<(), String> {
        for segment in segments {
            let Segment::Static(text) = segment else {
                continue;
            };
            if self.opts.path.dot_segments != DotSegments::Keep && is_dot_segment(text.as_bytes()) {
                return Err(format!(
                    "the dot segment `{text}` can never match: requests' dot segments are {} (dotSegments)",
                    if self.opts.path.dot_segments == DotSegments::Resolve {
                        "resolved"
                    } else {
                        "rejected"
                    }
                ));
            }
            if self.opts.path.backslash == Backslash::Reject && text.contains('\\') {
                return Err(format!(
                    "the segment `{text}` holds a backslash, which requests may not (backslash: 'reject')"
                ));
            }
        }
        Ok(())
    }

    /// Finds the winning route for a request; its params are then in [`Router::params`].
    pub fn find(&mut self, req: &Request) -> Option<u32> {
        // The scratch is boxed so that taking it out for the search moves a pointer only.
        let mut scratch = self.scratch.take().unwrap_or_default();
        scratch.params.clear();
        let found = match scratch.normalize(req.path, &self.opts) {
            Ok(()) => {
                let q = scratch.path.query_at;
                let (path, query) = (&req.path[..q], req.path.get(q + 1..));
                self.find_in(req, path, query, &mut scratch)
            }
            Err(_) => None,
        };
        self.scratch = Some(scratch);
        found
    }

    /// What a gateway asks (spec §8): the winning route, or why there is none. After
    /// [`Outcome::Matched`] the params are in [`Router::params`]; after
    /// [`Outcome::MethodNotAllowed`] the methods are in [`Router::allowed_methods`]; unless
    /// rejected, [`Router::canonical_path`] gives the canonical path.
    pub fn resolve(&mut self, req: &Request) -> Outcome {
        let mut scratch = self.scratch.take().unwrap_or_default();
        scratch.params.clear();
        let outcome = match scratch.normalize(req.path, &self.opts) {
            Err(rejected) => Outcome::Rejected(rejected),
            Ok(()) => {
                let q = scratch.path.query_at;
                let (path, query) = (&req.path[..q], req.path.get(q + 1..));
                match self.find_in(req, path, query, &mut scratch) {
                    Some(id) => Outcome::Matched(id),
                    None if self.collect_allowed(req, path, query, &mut scratch) => {
                        self.sort_methods();
                        Outcome::MethodNotAllowed
                    }
                    None => Outcome::NoRoute,
                }
            }
        };
        self.scratch = Some(scratch);
        outcome
    }

    /// Brings `method_order` up to date with the methods added since it was last sorted.
    fn sort_methods(&mut self) {
        if self.method_order.len() == self.method_names.len() {
            return;
        }
        let names = &self.method_names;
        self.method_order = (0..names.len() as u32).collect();
        self.method_order
            .sort_by(|&a, &b| names[a as usize].cmp(&names[b as usize]));
    }

    /// Collects into the scratch the methods of every route that matches the request but for its
    /// method, in every host group the request may use; true when there is one.
    fn collect_allowed(
        &self,
        req: &Request,
        path: &str,
        query: Option<&str>,
        s: &mut Scratch,
    ) -> bool {
        s.allowed_bits.clear();
        if self.method_names.is_empty() {
            return false;
        }
        s.allowed_bits
            .resize(self.method_names.len().div_ceil(64), 0);
        let ctx = self.ctx(req, path, query);
        if let (Some(host), true) = (req.host, self.has_host_routes()) {
            let mut h = std::mem::take(&mut s.host);
            normalize_host(host, &mut h);
            if let Some(trie) = self.exact.get(h.as_str()) {
                collect_allowed(&ctx, trie, s);
            }
            for &len in &self.wildcard_lengths {
                let Some(suffix) = host_suffix(&h, len) else {
                    continue;
                };
                if let Some(trie) = self.wildcard.get(suffix) {
                    collect_allowed(&ctx, trie, s);
                }
            }
            s.host = h;
        }
        collect_allowed(&ctx, &self.any, s);
        s.allowed_bits.iter().any(|&w| w != 0)
    }

    /// The methods of the last [`Outcome::MethodNotAllowed`], as ids in name order.
    pub fn allowed_methods(&self) -> impl Iterator<Item = u32> + '_ {
        let bits = self
            .scratch
            .as_ref()
            .map_or(&[][..], |s| s.allowed_bits.as_slice());
        self.method_order.iter().copied().filter(move |&m| {
            bits.get(m as usize / 64)
                .is_some_and(|w| w & 1 << (m % 64) != 0)
        })
    }

    /// Method names by id (upper case), as [`Router::method_id`] numbers them.
    pub fn method_names(&self) -> &[String] {
        &self.method_names
    }

    /// The canonical path of the last request given to [`Router::resolve`] or [`Router::find`]
    /// (`target` is that request's path), unless it was rejected (spec §4.1).
    pub fn canonical_path(&mut self, target: &str) -> Canonical<'_> {
        let policy = self.opts.path;
        match self.scratch.as_mut() {
            Some(s) => s.path.canonicalize(target, &policy),
            None => Canonical::Same(0),
        }
    }

    /// The value of the param flagged [`PARAM_JOINED`] by the last match.
    pub fn joined_param(&self) -> &str {
        self.scratch.as_ref().map_or("", |s| s.joined.as_str())
    }

    /// What a search over this table needs of one request. Always inlined, like `find_in`, its
    /// hot caller: it only gathers references.
    #[inline(always)]
    fn ctx<'a>(&'a self, req: &Request<'a>, path: &'a str, query: Option<&'a str>) -> Ctx<'a> {
        Ctx {
            opts: &self.opts,
            routes: &self.routes,
            regexes: &self.regexes,
            path,
            query,
            method: req.method,
            headers: req.headers,
            seed: &self.seed,
        }
    }

    // Always inlined into `find` and `resolve`: a call here measured on every match.
    #[inline(always)]
    fn find_in(
        &self,
        req: &Request,
        path: &str,
        query: Option<&str>,
        s: &mut Scratch,
    ) -> Option<u32> {
        let ctx = self.ctx(req, path, query);
        let mut best = None;
        if let (Some(host), true) = (req.host, self.has_host_routes()) {
            let mut h = std::mem::take(&mut s.host);
            normalize_host(host, &mut h);
            if let Some(trie) = self.exact.get(h.as_str()) {
                search_trie(&ctx, trie, s, &mut best);
            }
            if best.is_none() && !self.wildcard.is_empty() {
                // Longest suffix first. Only the lengths some wildcard suffix has are tried, so a
                // long host with many labels costs one lookup per distinct suffix length.
                for &len in &self.wildcard_lengths {
                    let Some(suffix) = host_suffix(&h, len) else {
                        continue;
                    };
                    if let Some(trie) = self.wildcard.get(suffix) {
                        search_trie(&ctx, trie, s, &mut best);
                        if best.is_some() {
                            break;
                        }
                    }
                }
            }
            s.host = h;
        }
        if best.is_none() {
            search_trie(&ctx, &self.any, s, &mut best);
        }
        if let Some(id) = best.filter(|&id| !self.routes[id as usize].names.is_empty()) {
            extract_params(&ctx, id, s);
        }
        best
    }

    /// Gives back the working memory above `keep_bytes` per buffer that an oversized request
    /// made the router take (its params and joined param with it: call after reading them).
    /// True when it kept the joined param of the last match above `keep_bytes`, because the
    /// caller may still read it: a later call must shrink it.
    pub fn shrink_scratch(&mut self, keep_bytes: usize) -> bool {
        crate::shrink::shrink_string(&mut self.method_buf, keep_bytes);
        self.scratch
            .as_mut()
            .is_some_and(|scratch| scratch.shrink(keep_bytes))
    }

    /// Param spans of the last successful [`Router::find`], in [`Router::param_names`] order.
    pub fn params(&self) -> &[ParamSpan] {
        self.scratch.as_ref().map_or(&[], |s| s.params.as_slice())
    }

    /// For the wrapper's fast path: when route `route` is fully static and no route has a host,
    /// its normalized path (decoded, folded when case-insensitive) and the answer the full search
    /// gives at exactly that path for each method it can answer without looking at anything else
    /// (method `None` = a request without a method). A method left out must go through
    /// [`Router::find`]. Only routes with this same static path can outrank the route found.
    pub fn static_answers(&self, route: u32) -> Option<(&str, StaticAnswers)> {
        if self.has_host_routes() {
            return None;
        }
        let key = self.routes.get(route as usize)?.static_key.as_deref()?;
        let list = self.static_paths.get(key)?;
        let mut out = Vec::new();
        if list.len() > STATIC_ANSWERS_MAX {
            // So many routes at one path: it goes through the search, and adding them stays linear.
            return Some((key, out));
        }
        let mut ranked = list.clone();
        ranked.sort_by(|&a, &b| table::rank_cmp(&self.routes, a, b));
        // Every method the router knows, while they are few; past that only the methods of the
        // routes here (a method left out goes through the search), so adding stays linear.
        let mut ids: Vec<u32> = if self.method_names.len() <= STATIC_ANSWERS_MAX {
            (0..self.method_names.len() as u32).collect()
        } else {
            ranked
                .iter()
                .filter_map(|&r| self.routes[r as usize].methods.as_deref())
                .flatten()
                .copied()
                .collect()
        };
        ids.sort_unstable_by(|&a, &b| {
            self.method_names[a as usize].cmp(&self.method_names[b as usize])
        });
        ids.dedup();
        for (name, mid) in ids
            .into_iter()
            .map(|i| (Some(self.method_names[i as usize].clone()), i as i32))
            .chain([(None, -1)])
        {
            // The first route in rank order that takes the method decides, if it has no constraints.
            if let Some(&first) = ranked
                .iter()
                .find(|&&r| self.routes[r as usize].accepts_method(mid))
            {
                if self.routes[first as usize].constraints == 0 {
                    out.push((name, first));
                }
            }
        }
        Some((key, out))
    }
}

/// The suffix of the normalized `host` that a wildcard host pattern of `len` bytes would match:
/// its last `len` bytes, when a `.` stands right before them and at least one byte before that
/// (a wildcard covers one label or more, never the bare suffix). Shared by the search and by
/// `collect_allowed` so both try the same host groups.
#[inline]
fn host_suffix(host: &str, len: usize) -> Option<&str> {
    let dot = host.len().checked_sub(len + 1).filter(|&d| d > 0)?;
    if host.as_bytes()[dot] != b'.' || !host.is_char_boundary(dot + 1) {
        return None;
    }
    host.get(dot + 1..)
}

/// Host normalization (spec §4.5) into `out`: ASCII lower case; `[v6]` keeps only the brackets'
/// content, otherwise a trailing `:digits` port goes; then one trailing `.`.
pub fn normalize_host(host: &str, out: &mut String) {
    out.clear();
    out.push_str(host);
    out.make_ascii_lowercase();
    if out.starts_with('[') {
        if let Some(close) = out.find(']') {
            out.truncate(close + 1);
        }
    } else if let Some(colon) = out.rfind(':') {
        let port = &out[colon + 1..];
        if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) {
            out.truncate(colon);
        }
    }
    if out.ends_with('.') {
        out.pop();
    }
}

/// Decodes a param's raw text the way the wrapper does (spec §4): per `/`-separated segment,
/// percent-decoded, a segment that does not decode kept as received.
pub fn decode_param(raw: &str, policy: &PathPolicy) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut buf = Vec::new();
    for (i, part) in raw.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        if decode_segment_value(part.as_bytes(), policy, &mut buf) {
            out.push_str(std::str::from_utf8(&buf).unwrap_or(part));
        } else {
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests;
