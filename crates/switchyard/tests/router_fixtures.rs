//! Golden cases shared with the TypeScript tests: `fixtures/router.json` (the contract's cases)
//! and `fixtures/router-native-extra.json`, each `{ cases: [{ name, options?, routes, addErrors?,
//! requests: [{ req, route, params?, resolve? }] }], canonical?: [{ options?, target, path? ,
//! code? }] }`.

use std::path::PathBuf;

use serde_json::{Map, Value};
use switchyard::router::{
    canonicalize_path, decode_param, Canonical, ConstraintSpec, JsRouterOptions, Outcome,
    PathScratch, Request, RouteError, RouteSpec, Router, RouterOptions, PARAM_DECODE, PARAM_JOINED,
};

fn fixture(name: &str) -> Option<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures")
        .join(name);
    let text = std::fs::read_to_string(path).ok()?;
    Some(serde_json::from_str(&text).expect("fixture is JSON"))
}

fn options(v: Option<&Value>) -> RouterOptions {
    let get = |k: &str| v.and_then(|o| o.get(k));
    RouterOptions::from_js(&JsRouterOptions {
        case_sensitive: get("caseSensitive").and_then(Value::as_bool),
        trailing_slash: get("trailingSlash").and_then(Value::as_str),
        max_param_length: get("maxParamLength").and_then(Value::as_f64),
        encoded_slash: get("encodedSlash").and_then(Value::as_str),
        malformed_encoding: get("malformedEncoding").and_then(Value::as_str),
        dot_segments: get("dotSegments").and_then(Value::as_str),
        merge_slashes: get("mergeSlashes").and_then(Value::as_bool),
        backslash: get("backslash").and_then(Value::as_str),
        seed: get("seed").and_then(Value::as_f64),
    })
    .expect("fixture options are valid")
}

fn constraints(v: Option<&Value>) -> Vec<(String, ConstraintSpec)> {
    let Some(Value::Object(map)) = v else {
        return Vec::new();
    };
    map.iter()
        .map(|(k, c)| {
            let c = match c {
                Value::String(s) => ConstraintSpec::Equals(s.clone()),
                Value::Bool(true) => ConstraintSpec::Present,
                Value::Bool(false) => ConstraintSpec::Absent,
                Value::Object(o) => {
                    ConstraintSpec::Pattern(o["pattern"].as_str().expect("pattern").to_owned())
                }
                other => panic!("bad constraint {other}"),
            };
            (k.clone(), c)
        })
        .collect()
}

fn route_spec(v: &Value) -> RouteSpec {
    RouteSpec {
        path: v["path"].as_str().expect("path").to_owned(),
        methods: match v.get("method") {
            None => None,
            Some(Value::String(m)) => Some(vec![m.clone()]),
            Some(Value::Array(ms)) => Some(
                ms.iter()
                    .map(|m| m.as_str().expect("method").to_owned())
                    .collect(),
            ),
            Some(other) => panic!("bad method {other}"),
        },
        host: v.get("host").and_then(Value::as_str).map(str::to_owned),
        headers: constraints(v.get("headers")),
        query: constraints(v.get("query")),
        priority: v.get("priority").and_then(Value::as_f64).unwrap_or(0.0),
    }
}

fn header_value(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(a) => Some(
            a.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
        ),
        _ => None,
    }
}

fn run_case(case: &Value) -> usize {
    let name = case["name"].as_str().unwrap_or("?");
    let mut router = Router::new(options(case.get("options")));
    let errors = case
        .get("addErrors")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for (i, spec) in case["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .enumerate()
    {
        let result = router.add(&route_spec(spec));
        let expected = errors
            .iter()
            .find(|e| e["route"].as_u64() == Some(i as u64));
        match (result, expected) {
            (Ok(_), None) => {}
            (Err(err), Some(e)) => {
                assert_eq!(
                    err.code(),
                    e["code"].as_str().expect("code"),
                    "{name}: route {i}: {err}"
                );
                if let RouteError::Conflict { existing } = err {
                    assert_eq!(
                        Some(u64::from(existing)),
                        e["existing"].as_u64(),
                        "{name}: route {i}"
                    );
                }
            }
            (result, expected) => {
                panic!("{name}: route {i}: got {result:?}, expected {expected:?}")
            }
        }
    }
    let policy = router.options().path;
    let requests = case["requests"].as_array().expect("requests");
    for r in requests {
        let req = &r["req"];
        let path = req["path"].as_str().expect("req.path");
        let method = req
            .get("method")
            .and_then(Value::as_str)
            .map_or(-1, |m| router.method_id(m));
        let host = req.get("host").and_then(Value::as_str);
        let given: Map<String, Value> = req
            .get("headers")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let values: Vec<Option<String>> = router
            .header_slots()
            .iter()
            .map(|h| given.get(h).and_then(header_value))
            .collect();
        let slots: Vec<Option<&str>> = values.iter().map(Option::as_deref).collect();
        let found = router.find(&Request {
            method,
            path,
            host,
            headers: &slots,
        });
        let expected = r["route"].as_u64().map(|n| n as u32);
        assert_eq!(found, expected, "{name}: {req}");
        if let (Some(id), Some(Value::Object(params))) = (found, r.get("params")) {
            let mut got = Map::new();
            for (n, span) in router.param_names(id).iter().zip(router.params()) {
                let raw = &path[span.start as usize..span.end as usize];
                let value = if span.flags & PARAM_JOINED != 0 {
                    router.joined_param().to_owned()
                } else if span.flags & PARAM_DECODE != 0 {
                    decode_param(raw, &policy)
                } else {
                    raw.to_owned()
                };
                got.insert(n.clone(), Value::String(value));
            }
            assert_eq!(&got, params, "{name}: {req}");
        }
        if let Some(want) = r.get("resolve") {
            let outcome = router.resolve(&Request {
                method,
                path,
                host,
                headers: &slots,
            });
            assert_eq!(
                &resolution(&mut router, outcome, path),
                want,
                "{name}: resolve {req}"
            );
        }
    }
    requests.len()
}

/// What `resolve` answered, in the fixture's shape.
fn resolution(router: &mut Router, outcome: Outcome, path: &str) -> Value {
    let mut got = Map::new();
    let kind = match outcome {
        Outcome::Matched(_) => "matched",
        Outcome::NoRoute => "no-route",
        Outcome::MethodNotAllowed => "method-not-allowed",
        Outcome::Rejected(_) => "rejected",
    };
    got.insert("outcome".into(), kind.into());
    if let Outcome::Rejected(rejected) = outcome {
        got.insert("code".into(), rejected.rejection.code().into());
        return Value::Object(got);
    }
    if outcome == Outcome::MethodNotAllowed {
        let names = router.method_names().to_vec();
        let allow: Vec<Value> = router
            .allowed_methods()
            .map(|m| Value::String(names[m as usize].clone()))
            .collect();
        got.insert("allow".into(), Value::Array(allow));
    }
    got.insert(
        "path".into(),
        canonical_text(router.canonical_path(path), path).into(),
    );
    Value::Object(got)
}

fn canonical_text(canonical: Canonical, target: &str) -> String {
    match canonical {
        Canonical::Same(end) => target[..end].to_owned(),
        Canonical::Bytes(bytes) => String::from_utf8(bytes.to_vec()).expect("canonical is ASCII"),
    }
}

fn run_canonical(case: &Value) {
    let opts = options(case.get("options"));
    let target = case["target"].as_str().expect("target");
    let mut scratch = PathScratch::default();
    let got = match canonicalize_path(target, &opts.path, &mut scratch) {
        Ok(canonical) => serde_json::json!({ "path": canonical_text(canonical, target) }),
        Err(rejected) => serde_json::json!({ "code": rejected.rejection.code() }),
    };
    let mut want = case.clone();
    if let Value::Object(map) = &mut want {
        map.remove("options");
        map.remove("target");
    }
    assert_eq!(
        got,
        want,
        "canonicalizePath({target:?}, {:?})",
        case.get("options")
    );
}

#[test]
fn golden_cases() {
    let mut files = 0;
    let mut requests = 0;
    for file in ["router.json", "router-native-extra.json"] {
        let Some(doc) = fixture(file) else { continue };
        files += 1;
        for case in doc["cases"].as_array().expect("cases") {
            requests += run_case(case);
        }
        for case in doc
            .get("canonical")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            run_canonical(case);
            requests += 1;
        }
    }
    assert!(files > 0 && requests > 0, "no router fixture found");
}
