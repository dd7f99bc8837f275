//! The matcher on any route table and any request: adding never panics (a bad route is an
//! error), and for every request `find` and `resolve` agree: `find` gives the route `resolve`
//! matched, and nothing when `resolve` says no route, method not allowed, or rejected.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use switchyard::router::{ConstraintSpec, Outcome, Request, Router, RouterOptions, RouteSpec};

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];

#[derive(Debug, Arbitrary)]
struct Route {
    path: String,
    methods: Option<Vec<u8>>,
    host: Option<String>,
    header: Option<(String, String, bool)>,
    priority: i8,
}

#[derive(Debug, Arbitrary)]
struct Req {
    method: u8,
    path: String,
    host: Option<String>,
    header: Option<String>,
}

#[derive(Debug, Arbitrary)]
struct Input {
    case_sensitive: bool,
    trailing_slash_ignore: bool,
    merge_slashes: bool,
    routes: Vec<Route>,
    requests: Vec<Req>,
}

fn spec(route: &Route) -> RouteSpec {
    RouteSpec {
        path: route.path.clone(),
        methods: route.methods.as_ref().map(|ms| {
            ms.iter()
                .take(3)
                .map(|&m| METHODS[usize::from(m) % METHODS.len()].to_owned())
                .collect()
        }),
        host: route.host.clone(),
        headers: route
            .header
            .iter()
            .map(|(name, value, pattern)| {
                let test = if *pattern {
                    ConstraintSpec::Pattern(value.clone())
                } else {
                    ConstraintSpec::Equals(value.clone())
                };
                (name.clone(), test)
            })
            .collect(),
        query: Vec::new(),
        priority: f64::from(route.priority),
    }
}

fuzz_target!(|input: Input| {
    let mut options = RouterOptions::new();
    options.case_sensitive = input.case_sensitive;
    options.trailing_slash_ignore = input.trailing_slash_ignore;
    options.path.merge_slashes = input.merge_slashes;
    let mut router = Router::new(options);
    for route in input.routes.iter().take(24) {
        let _ = router.add(&spec(route));
    }
    let slots = router.header_slots().len();
    for req in input.requests.iter().take(24) {
        let method = router.method_id(METHODS[usize::from(req.method) % METHODS.len()]);
        let headers: Vec<Option<&str>> = (0..slots).map(|_| req.header.as_deref()).collect();
        let request = Request {
            method,
            path: &req.path,
            host: req.host.as_deref(),
            headers: &headers,
        };
        let outcome = router.resolve(&request);
        let found = router.find(&request);
        match outcome {
            Outcome::Matched(id) => assert_eq!(found, Some(id), "resolve matched, find differs"),
            _ => assert_eq!(found, None, "find matched where resolve did not: {outcome:?}"),
        }
    }
});
