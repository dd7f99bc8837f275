//! JS loop semantics on the `regex` crate. A backtracking engine with JS rules (and the reference's
//! Pike VM) never takes an iteration that matches nothing once the minimum count is reached: in
//! `(|a)*` the empty branch is refused and `a` is taken. The `regex` crate, like PCRE, takes the
//! empty iteration and leaves the loop, so `:x((|a)*)a:y(a*)` on `aaaa` would split differently.
//! Rewriting every optional iteration to a body that cannot match empty, keeping the order in
//! which its other matches are preferred, makes both engines agree.

/// A parsed pattern. `Set` holds `regex`-crate syntax for one character (literal, class, escape).
#[derive(Debug, Clone)]
pub enum Node {
    Set(String),
    Cat(Vec<Node>),
    Alt(Vec<Node>),
    Rep {
        min: u32,
        max: Option<u32>,
        greedy: bool,
        item: Box<Node>,
    },
}

fn nullable(n: &Node) -> bool {
    match n {
        Node::Set(_) => false,
        Node::Cat(items) => items.iter().all(nullable),
        Node::Alt(items) => items.iter().any(nullable),
        Node::Rep { min, item, .. } => *min == 0 || nullable(item),
    }
}

fn cat(mut items: Vec<Node>) -> Node {
    if items.len() == 1 {
        items.pop().unwrap_or(Node::Cat(Vec::new()))
    } else {
        Node::Cat(items)
    }
}

fn alt(mut items: Vec<Node>) -> Option<Node> {
    match items.len() {
        0 => None,
        1 => items.pop(),
        _ => Some(Node::Alt(items)),
    }
}

/// `count` copies of `item` in a row.
fn repeat(item: &Node, count: u32) -> Node {
    cat((0..count).map(|_| item.clone()).collect())
}

/// Rewrites every loop so that iterations past the minimum cannot match empty (see the module doc).
pub fn js_loops(n: Node) -> Node {
    match n {
        Node::Set(_) => n,
        Node::Cat(items) => Node::Cat(items.into_iter().map(js_loops).collect()),
        Node::Alt(items) => Node::Alt(items.into_iter().map(js_loops).collect()),
        Node::Rep {
            min,
            max,
            greedy,
            item,
        } => {
            let item = js_loops(*item);
            if !nullable(&item) || max == Some(min) {
                return Node::Rep {
                    min,
                    max,
                    greedy,
                    item: Box::new(item),
                };
            }
            // Mandatory iterations may be empty; optional ones must not.
            let mandatory = repeat(&item, min);
            let Some(body) = non_empty(&item) else {
                return mandatory;
            };
            let optional = Node::Rep {
                min: 0,
                max: max.map(|m| m - min),
                greedy,
                item: Box::new(body),
            };
            if min == 0 {
                optional
            } else {
                Node::Cat(vec![mandatory, optional])
            }
        }
    }
}

/// The non-empty matches of `n`, in the order `n` prefers them; `None` when it only matches empty.
fn non_empty(n: &Node) -> Option<Node> {
    if !nullable(n) {
        return Some(n.clone());
    }
    let (before, after) = split(n);
    alt(before.into_iter().chain(after).collect())
}

/// For a nullable node: its non-empty matches preferred to its (first) empty match, and those
/// after it, each in order.
fn split(n: &Node) -> (Option<Node>, Option<Node>) {
    match n {
        Node::Set(_) => (Some(n.clone()), None),
        Node::Alt(items) => {
            let Some(i) = items.iter().position(nullable) else {
                return (alt(items.clone()), None);
            };
            let (pre, post) = split(&items[i]);
            let before = alt(items[..i].iter().cloned().chain(pre).collect());
            let after = alt(post
                .into_iter()
                .chain(items[i + 1..].iter().filter_map(non_empty))
                .collect());
            (before, after)
        }
        Node::Cat(items) => {
            let Some((first, rest)) = items.split_first() else {
                return (None, None);
            };
            if rest.is_empty() {
                return split(first);
            }
            let tail = cat(rest.to_vec());
            // Matches are tried as (first's choice, then tail's choice): the first empty one is
            // (empty, empty). Before it: first's earlier choices with any tail, then empty + the
            // tail's earlier choices; after it: empty + the tail's later choices, then first's
            // later choices with any tail.
            let (pre_first, post_first) = split(first);
            let (pre_tail, post_tail) = split(&tail);
            let with_tail = |head: Option<Node>| head.map(|h| cat(vec![h, tail.clone()]));
            (
                alt(with_tail(pre_first).into_iter().chain(pre_tail).collect()),
                alt(post_tail.into_iter().chain(with_tail(post_first)).collect()),
            )
        }
        Node::Rep {
            min,
            max,
            greedy,
            item,
        } => {
            if nullable(item) {
                // Only fixed counts are left with a nullable body (see `js_loops`).
                return split(&repeat(item, *min));
            }
            if max == &Some(0) {
                return (None, None);
            }
            // `min` is 0: the loop either runs (at least once) or is skipped, greedy preferring to run.
            let runs = Node::Rep {
                min: 1,
                max: *max,
                greedy: *greedy,
                item: item.clone(),
            };
            if *greedy {
                (Some(runs), None)
            } else {
                (None, Some(runs))
            }
        }
    }
}

/// Writes `n` in `regex`-crate syntax (groups non-capturing).
pub fn emit(n: &Node, out: &mut String) {
    match n {
        Node::Set(text) => out.push_str(text),
        Node::Cat(items) if items.is_empty() => out.push_str("(?:)"),
        Node::Cat(items) => items.iter().for_each(|item| emit(item, out)),
        Node::Alt(items) => {
            out.push_str("(?:");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push('|');
                }
                emit(item, out);
            }
            out.push(')');
        }
        Node::Rep {
            min,
            max,
            greedy,
            item,
        } => {
            out.push_str("(?:");
            emit(item, out);
            out.push(')');
            match (min, max) {
                (0, None) => out.push('*'),
                (1, None) => out.push('+'),
                (m, None) => out.push_str(&format!("{{{m},}}")),
                (m, Some(x)) if m == x => out.push_str(&format!("{{{m}}}")),
                (m, Some(x)) => out.push_str(&format!("{{{m},{x}}}")),
            }
            if !greedy {
                out.push('?');
            }
        }
    }
}
