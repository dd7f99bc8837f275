use super::*;

fn router(opts: RouterOptions, routes: &[RouteSpec]) -> Router {
    let mut r = Router::new(opts);
    for (i, spec) in routes.iter().enumerate() {
        assert_eq!(r.add(spec), Ok(i as u32), "route {i} {spec:?}");
    }
    r
}

fn spec(path: &str) -> RouteSpec {
    RouteSpec::path(path)
}

fn with_method(path: &str, method: &str) -> RouteSpec {
    RouteSpec {
        methods: Some(vec![method.into()]),
        ..RouteSpec::path(path)
    }
}

/// (route, [(name, decoded value)])
fn find(
    r: &mut Router,
    method: Option<&str>,
    path: &str,
    host: Option<&str>,
) -> Option<(u32, Vec<(String, String)>)> {
    let method = method.map_or(-1, |m| r.method_id(m));
    let id = r.find(&Request {
        method,
        path,
        host,
        headers: &[],
    })?;
    let policy = r.options().path;
    let names = r.param_names(id).to_vec();
    let params = names
        .into_iter()
        .zip(r.params())
        .map(|(n, span)| {
            let raw = &path[span.start as usize..span.end as usize];
            let value = if span.flags & PARAM_JOINED != 0 {
                r.joined_param().to_owned()
            } else if span.flags & PARAM_DECODE != 0 {
                decode_param(raw, &policy)
            } else {
                raw.to_owned()
            };
            (n, value)
        })
        .collect();
    Some((id, params))
}

fn id(r: &mut Router, path: &str) -> Option<u32> {
    find(r, Some("GET"), path, None).map(|m| m.0)
}

#[test]
fn ranks_static_before_mixed_before_patterned_before_plain_before_wildcard() {
    let mut r = router(
        RouterOptions::default(),
        &[
            spec("/*"),
            spec("/u/:id"),
            spec(r"/u/:id(\d+)"),
            spec("/u/v:id"),
            spec("/u/v1"),
        ],
    );
    assert_eq!(id(&mut r, "/u/v1"), Some(4));
    assert_eq!(id(&mut r, "/u/v2"), Some(3));
    assert_eq!(id(&mut r, "/u/12"), Some(2));
    assert_eq!(id(&mut r, "/u/x"), Some(1));
    assert_eq!(id(&mut r, "/u/x/y"), Some(0));
    assert_eq!(id(&mut r, "/"), Some(0));
}

#[test]
fn best_rank_among_equal_kind_siblings_is_lexicographic() {
    // Two mixed siblings: the first (in insertion order) leads to a plain param, the second to a
    // static segment. Depth-first "first hit" would answer 0; the rank says 1.
    let mut r = router(
        RouterOptions::default(),
        &[spec("/a:x/:y"), spec("/:x(a.*)/z"), spec("/a:x(.*)b/z")],
    );
    assert_eq!(id(&mut r, "/ab/z"), Some(2));
    assert_eq!(id(&mut r, "/ac/z"), Some(0));
}

#[test]
fn shorter_path_first_and_trailing_slash() {
    let mut r = router(
        RouterOptions {
            trailing_slash_ignore: true,
            ..RouterOptions::default()
        },
        &[spec("/p/*"), spec("/p")],
    );
    assert_eq!(id(&mut r, "/p"), Some(1));
    assert_eq!(id(&mut r, "/p/"), Some(1));
    assert_eq!(
        find(&mut r, None, "/p/a%20b/c", None),
        Some((0, vec![("*".into(), "a b/c".into())]))
    );
    let mut strict = router(RouterOptions::default(), &[spec("/p/*")]);
    assert_eq!(id(&mut strict, "/p"), None);
    assert_eq!(
        find(&mut strict, None, "/p/", None),
        Some((0, vec![("*".into(), String::new())]))
    );
}

#[test]
fn mixed_params_are_leftmost_first_greedy() {
    let mut r = router(
        RouterOptions::default(),
        &[spec("/files/:name.:ext"), spec(r"/x/:id(\d+)-:slug")],
    );
    assert_eq!(
        find(&mut r, None, "/files/archive.tar.gz", None),
        Some((
            0,
            vec![
                ("name".into(), "archive.tar".into()),
                ("ext".into(), "gz".into())
            ]
        ))
    );
    assert_eq!(
        find(&mut r, None, "/x/12-a-b", None),
        Some((
            1,
            vec![("id".into(), "12".into()), ("slug".into(), "a-b".into())]
        ))
    );
    assert_eq!(find(&mut r, None, "/x/a-b", None), None);
}

#[test]
fn params_are_decoded_and_spans_map_back_to_the_raw_path() {
    let mut r = router(
        RouterOptions::default(),
        &[spec("/f/:name.:ext"), spec("/u/:id")],
    );
    assert_eq!(
        find(&mut r, None, "/f/caf%C3%A9.t%78t", None),
        Some((
            0,
            vec![("name".into(), "café".into()), ("ext".into(), "txt".into())]
        ))
    );
    assert_eq!(
        find(&mut r, None, "/u/a%2Fb", None),
        Some((1, vec![("id".into(), "a/b".into())]))
    );
    assert_eq!(id(&mut r, "/u/a%zz"), None);
    assert_eq!(id(&mut r, "/u/a%00"), None);
    assert_eq!(id(&mut r, "/u/a\0"), None);
    assert_eq!(id(&mut r, "u/a"), None);
    let mut literal = router(
        RouterOptions {
            path: PathPolicy {
                malformed_literal: true,
                encoded_slash: EncodedSlash::Keep,
                ..PathPolicy::default()
            },
            ..RouterOptions::default()
        },
        &[spec("/u/:id")],
    );
    assert_eq!(
        find(&mut literal, None, "/u/%zz%41", None),
        Some((0, vec![("id".into(), "%zz%41".into())]))
    );
    assert_eq!(
        find(&mut literal, None, "/u/a%2fb%41", None),
        Some((0, vec![("id".into(), "a%2fbA".into())]))
    );
    let mut reject = router(
        RouterOptions {
            path: PathPolicy {
                encoded_slash: EncodedSlash::Reject,
                ..PathPolicy::default()
            },
            ..RouterOptions::default()
        },
        &[spec("/u/:id")],
    );
    assert_eq!(id(&mut reject, "/u/a%2Fb"), None);
}

#[test]
fn max_param_length_makes_that_route_fail_only() {
    let mut r = router(
        RouterOptions {
            max_param_length: 3,
            ..RouterOptions::default()
        },
        &[spec("/u/:id"), spec("/u/*")],
    );
    assert_eq!(id(&mut r, "/u/abc"), Some(0));
    assert_eq!(id(&mut r, "/u/abcd"), Some(1));
    assert_eq!(id(&mut r, "/u/%C3%A9%C3%A9"), Some(1)); // 4 UTF-8 bytes
}

#[test]
fn hosts_rank_exact_then_longest_wildcard_then_any() {
    let host = |h: &str, p: &str| RouteSpec {
        host: Some(h.into()),
        ..spec(p)
    };
    let mut r = router(
        RouterOptions::default(),
        &[
            spec("/a"),
            host("*.example.com", "/:x"),
            host("*.b.example.com", "/:x"),
            host("api.b.example.com", "/*"),
        ],
    );
    assert_eq!(
        find(&mut r, None, "/a", Some("API.b.example.com.:8080")).map(|m| m.0),
        Some(3)
    );
    assert_eq!(
        find(&mut r, None, "/a", Some("x.b.example.com")).map(|m| m.0),
        Some(2)
    );
    assert_eq!(
        find(&mut r, None, "/a", Some("b.example.com")).map(|m| m.0),
        Some(1)
    );
    assert_eq!(
        find(&mut r, None, "/a", Some("example.com")).map(|m| m.0),
        Some(0)
    );
    assert_eq!(find(&mut r, None, "/a", None).map(|m| m.0), Some(0));
}

#[test]
fn methods_constraints_priority_and_insertion_order() {
    let mut r = Router::new(RouterOptions::default());
    let hdr = RouteSpec {
        headers: vec![("X-V".into(), ConstraintSpec::Equals("2".into()))],
        ..spec("/a")
    };
    assert_eq!(r.add(&spec("/a")), Ok(0));
    assert_eq!(r.add(&with_method("/a", "get")), Ok(1));
    assert_eq!(r.add(&hdr), Ok(2));
    assert_eq!(
        r.add(&RouteSpec {
            priority: 5.0,
            ..with_method("/a", "POST")
        }),
        Ok(3)
    );
    assert_eq!(r.add(&with_method("/a", "POST")), Ok(4));
    let get = r.method_id("get");
    let post = r.method_id("POST");
    assert_eq!(
        r.find(&Request {
            method: get,
            path: "/a",
            host: None,
            headers: &[]
        }),
        Some(1)
    );
    assert_eq!(
        r.find(&Request {
            method: post,
            path: "/a",
            host: None,
            headers: &[]
        }),
        Some(3)
    );
    assert_eq!(
        r.find(&Request {
            method: -1,
            path: "/a",
            host: None,
            headers: &[Some("2")]
        }),
        Some(2)
    );
    assert_eq!(
        r.find(&Request {
            method: -1,
            path: "/a",
            host: None,
            headers: &[Some("3")]
        }),
        Some(0)
    );
    assert_eq!(r.header_slots(), ["x-v"]);
    assert_eq!(r.method_id("constructor"), -1);
}

#[test]
fn query_constraints_are_parsed_lazily() {
    let q = |c: ConstraintSpec| RouteSpec {
        query: vec![("k".into(), c)],
        ..spec("/s")
    };
    let mut r = router(
        RouterOptions::default(),
        &[
            q(ConstraintSpec::Equals("a b".into())),
            q(ConstraintSpec::Pattern(r"\d+".into())),
            q(ConstraintSpec::Absent),
            spec("/s"),
        ],
    );
    assert_eq!(id(&mut r, "/s?x=1&k=a+b"), Some(0));
    assert_eq!(id(&mut r, "/s?k=x&k=42"), Some(1));
    assert_eq!(id(&mut r, "/s?kk=1"), Some(2));
    assert_eq!(id(&mut r, "/s?k=%zz"), Some(3));
}

#[test]
fn case_insensitive_folds_ascii_only() {
    let mut r = router(
        RouterOptions {
            case_sensitive: false,
            ..RouterOptions::default()
        },
        &[spec("/Users/É"), spec("/v:x/a")],
    );
    assert_eq!(id(&mut r, "/users/É"), Some(0));
    assert_eq!(id(&mut r, "/USERS/é"), None);
    assert_eq!(
        find(&mut r, None, "/V2/A", None),
        Some((1, vec![("x".into(), "2".into())]))
    );
}

#[test]
fn conflicts_name_the_existing_route() {
    let mut r = router(
        RouterOptions::default(),
        &[with_method("/u/:id", "GET"), spec(r"/u/:id(\d+)")],
    );
    assert_eq!(
        r.add(&with_method("/u/:name", "get")),
        Err(RouteError::Conflict { existing: 0 })
    );
    assert_eq!(
        r.add(&spec(r"/u/:x(\d+)")),
        Err(RouteError::Conflict { existing: 1 })
    );
    assert_eq!(r.add(&with_method("/u/:name", "POST")), Ok(2));
    assert_eq!(
        r.add(&RouteSpec {
            priority: 1.0,
            ..spec(r"/u/:x(\d+)")
        }),
        Ok(3)
    );
    assert!(matches!(
        r.add(&spec("/u/:a(?=x)")),
        Err(RouteError::Invalid { .. })
    ));
    assert_eq!(r.len(), 4);
}

#[test]
fn hostile_requests_do_not_hang_or_panic() {
    let mut r = router(RouterOptions::default(), &[spec("/:a/:b(x*y)"), spec("/*")]);
    let long = format!("/{}", "x".repeat(100_000));
    assert_eq!(id(&mut r, &long), Some(1));
    let many = "/a".repeat(50_000);
    assert_eq!(id(&mut r, &many), Some(1));
    assert_eq!(id(&mut r, &format!("/a/{}", "x".repeat(100_000))), Some(1));
}

#[test]
fn static_answers_only_when_nothing_else_can_decide() {
    let hdr = RouteSpec {
        headers: vec![("x".into(), ConstraintSpec::Present)],
        ..with_method("/a", "POST")
    };
    let r = router(
        RouterOptions::default(),
        &[with_method("/a", "GET"), hdr, spec("/a"), spec("/:x")],
    );
    let answers = r.static_answers(0);
    assert_eq!(
        answers,
        Some(("/a", vec![(Some("GET".into()), 0), (None, 2)]))
    );
    assert!(r.static_answers(3).is_none());
}

/// (outcome, allowed method names, canonical path)
fn resolve(
    r: &mut Router,
    method: &str,
    path: &str,
    host: Option<&str>,
    headers: &[Option<&str>],
) -> (Outcome, Vec<String>, Option<String>) {
    let method = r.method_id(method);
    let outcome = r.resolve(&Request {
        method,
        path,
        host,
        headers,
    });
    let allowed = r
        .allowed_methods()
        .map(|m| r.method_names()[m as usize].clone())
        .collect();
    let canonical = match outcome {
        Outcome::Rejected(_) => None,
        _ => Some(match r.canonical_path(path) {
            Canonical::Same(end) => path[..end].to_owned(),
            Canonical::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        }),
    };
    let allowed = if outcome == Outcome::MethodNotAllowed {
        allowed
    } else {
        Vec::new()
    };
    (outcome, allowed, canonical)
}

#[test]
fn resolve_tells_rejected_no_route_and_method_not_allowed_apart() {
    let mut r = router(
        RouterOptions::default(),
        &[
            with_method("/u/:id", "PUT"),
            with_method("/u/:id", "GET"),
            RouteSpec {
                methods: Some(vec!["POST".into()]),
                headers: vec![("x-a".into(), ConstraintSpec::Present)],
                ..spec("/u/:id")
            },
            RouteSpec {
                methods: Some(vec!["DELETE".into()]),
                host: Some("*.a.com".into()),
                ..spec("/u/:id")
            },
            with_method("/u/:id(\\d+)", "PATCH"),
            spec("/any/*"),
        ],
    );
    let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        resolve(&mut r, "TRACE", "/u/x", None, &[None]),
        (
            Outcome::MethodNotAllowed,
            names(&["GET", "PUT"]),
            Some("/u/x".into())
        )
    );
    assert_eq!(
        resolve(&mut r, "TRACE", "/u/7?q", Some("b.a.com"), &[Some("1")]).1,
        names(&["DELETE", "GET", "PATCH", "POST", "PUT"])
    );
    assert_eq!(
        resolve(&mut r, "get", "/u/x", None, &[None]).0,
        Outcome::Matched(1)
    );
    assert_eq!(
        resolve(&mut r, "GET", "/nothing", None, &[None]),
        (Outcome::NoRoute, vec![], Some("/nothing".into()))
    );
    assert_eq!(
        resolve(&mut r, "GET", "/any/../u/%7e", None, &[None]).0,
        Outcome::Rejected(Rejected {
            rejection: Rejection::DotSegment,
            segment: 2
        })
    );
    assert_eq!(
        resolve(&mut r, "GET", "/u/%zz", None, &[None]).0,
        Outcome::Rejected(Rejected {
            rejection: Rejection::MalformedEscape,
            segment: 2
        })
    );
}

#[test]
fn resolved_dot_segments_and_merged_slashes_join_the_wildcard() {
    let mut r = router(
        RouterOptions {
            path: PathPolicy {
                dot_segments: DotSegments::Resolve,
                merge_slashes: true,
                backslash: Backslash::Slash,
                ..PathPolicy::default()
            },
            ..RouterOptions::default()
        },
        &[spec("/s/*"), spec("/u/:id")],
    );
    let star = |v: &str| Some((0, vec![("*".to_string(), v.to_string())]));
    assert_eq!(find(&mut r, None, "/s/a//b", None), star("a/b"));
    assert_eq!(find(&mut r, None, "/s/a/./b%20c", None), star("a/b c"));
    assert_eq!(find(&mut r, None, "/s/a\\b", None), star("a/b"));
    // A static route with a backslash is reached through `%5C` only, never split at a raw `\`.
    let mut statics = router(
        RouterOptions {
            path: PathPolicy {
                backslash: Backslash::Slash,
                ..PathPolicy::default()
            },
            ..RouterOptions::default()
        },
        &[spec("/a\\b")],
    );
    assert_eq!(id(&mut statics, "/a\\b"), None);
    assert_eq!(id(&mut statics, "/a%5Cb"), Some(0));
    assert_eq!(find(&mut r, None, "/x/../s/a/b", None), star("a/b"));
    assert_eq!(find(&mut r, None, "/s/a/b/..", None), star("a/"));
    assert_eq!(
        find(&mut r, None, "/u/..%2f/../v", None),
        Some((1, vec![("id".to_string(), "v".to_string())]))
    );
    assert_eq!(
        resolve(&mut r, "GET", "\\s\\a\\%2e%2E\\b", None, &[]).2,
        Some("/s/b".into())
    );
}

#[test]
fn unreachable_static_segments_are_refused_at_add() {
    let mut r = Router::new(RouterOptions::default());
    assert!(r.add(&spec("/a/../b")).is_err());
    assert!(r.add(&spec("/a/%2e")).is_err());
    assert!(r.add(&spec("/a\\b")).is_err());
    assert!(r.add(&spec("/a/.well-known")).is_ok());
    let mut keep = Router::new(RouterOptions {
        path: PathPolicy {
            dot_segments: DotSegments::Keep,
            backslash: Backslash::Keep,
            ..PathPolicy::default()
        },
        ..RouterOptions::default()
    });
    assert_eq!(keep.add(&spec("/a/../b")), Ok(0));
    assert_eq!(keep.add(&spec("/a\\b")), Ok(1));
    assert_eq!(id(&mut keep, "/a/%2E%2e/b"), Some(0));
    assert_eq!(id(&mut keep, "/a%5cb"), Some(1));
}

#[test]
fn working_memory_shrinks_back_after_an_oversized_path() {
    const KEEP: usize = 64 * 1024;
    let mut r = router(
        RouterOptions::default(),
        &[spec("/files/:name"), spec("/tail/*")],
    );
    let huge = format!("/tail/{}", "%7E/".repeat(1 << 20));
    let scratch_bytes = |r: &Router| {
        r.scratch.as_ref().map_or(0, |s| {
            s.path.segs.capacity() * std::mem::size_of::<canonical::Seg>() + s.path.bytes.capacity()
        })
    };
    assert!(find(&mut r, None, &huge, None).is_some());
    let grown = scratch_bytes(&r);
    assert!(
        grown > 1 << 20,
        "the oversized path grew the scratch to {grown}"
    );
    r.shrink_scratch(KEEP);
    let kept = scratch_bytes(&r);
    assert!(kept <= 2 * KEEP, "{kept} bytes kept");
    // And it still works, from the shrunk buffers.
    assert!(find(&mut r, None, "/files/a", None).is_some());
}
