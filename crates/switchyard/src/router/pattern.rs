//! The safe pattern subset (spec §3): our own parser, so that both implementations accept exactly
//! the same patterns, emitting `regex`-crate syntax with the ASCII classes spelled out, groups
//! non-capturing and `.` as `[^\n]`. The `regex` crate then matches in linear time.

use std::fmt::Write;

use super::loops::{emit, js_loops, Node};

/// Largest expanded size a pattern may have (spec §3).
pub const MAX_PATTERN_SIZE: u64 = 2000;
/// Largest repetition count.
const MAX_COUNT: u32 = 100;

const DIGIT: &str = "0-9";
const WORD: &str = "A-Za-z0-9_";
const SPACE: &str = "\\t\\n\\x0B\\x0C\\r ";

/// Parses `source` and returns the equivalent `regex`-crate syntax (to be wrapped in a group by
/// the caller), or the reason it is rejected, with the offset (in characters) of the offence.
pub fn translate(source: &str) -> Result<String, String> {
    let chars: Vec<char> = source.chars().collect();
    if chars.is_empty() {
        return Err("empty pattern".into());
    }
    let mut p = Parser {
        chars,
        pos: 0,
        out: String::with_capacity(source.len() * 2),
    };
    let (size, node) = p.alternation()?;
    if p.pos < p.chars.len() {
        // Only an unmatched `)` stops the top-level alternation early.
        return Err(format!("unbalanced parenthesis at offset {}", p.pos));
    }
    if size > MAX_PATTERN_SIZE {
        return Err(format!(
            "pattern too large (expanded size {size}, at most {MAX_PATTERN_SIZE})"
        ));
    }
    // The loop rewrite can grow a pattern whose loops may match empty far past its written size
    // (`((a|){3,}){71}` nested once more: ~160,000 instructions from 721), and matching costs
    // that size per input character: the rewritten pattern is held to the same bound (spec §3).
    let node = js_loops(node);
    let rewritten = size_within(&node, MAX_PATTERN_SIZE);
    if rewritten > MAX_PATTERN_SIZE {
        return Err(format!(
            "pattern too large once its loops are rewritten (size over {MAX_PATTERN_SIZE}): a loop whose body may match nothing is spelled out"
        ));
    }
    let mut out = String::with_capacity(source.len() * 2);
    emit(&node, &mut out);
    Ok(out)
}

/// The expanded size of a (rewritten) pattern as spec §3 counts it, or `cap + 1` as soon as it is
/// known to be larger: counting stops there, so a huge pattern costs no more to measure than the cap.
fn size_within(n: &Node, cap: u64) -> u64 {
    let over = cap.saturating_add(1);
    match n {
        Node::Set(_) => 1,
        Node::Cat(items) | Node::Alt(items) => {
            let mut size: u64 = 1;
            for item in items {
                size = size.saturating_add(size_within(item, cap));
                if size > cap {
                    return over;
                }
            }
            size
        }
        Node::Rep { min, max, item, .. } => {
            let bound = u64::from(max.unwrap_or(*min).max(1));
            size_within(item, cap)
                .saturating_mul(bound)
                .saturating_add(1)
                .min(over)
        }
    }
}

#[derive(Clone, Copy)]
enum ClassAtom {
    Char(char),
    /// An ASCII class escape: its members (regex class syntax) and whether negated.
    Set(&'static str, bool),
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    out: String,
}

type Step<T> = Result<T, String>;

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn fail<T>(&self, what: &str) -> Step<T> {
        Err(format!("{what} at offset {}", self.pos))
    }

    /// alternation := concat ('|' concat)*  — size = sum of the concats + 1 (one concat alone is
    /// not a node of its own).
    fn alternation(&mut self) -> Step<(u64, Node)> {
        let (mut size, first) = self.concat()?;
        let mut branches = vec![first];
        while self.peek() == Some('|') {
            self.pos += 1;
            let (more, branch) = self.concat()?;
            size = size.saturating_add(more);
            branches.push(branch);
        }
        Ok(match branches.pop() {
            Some(only) if branches.is_empty() => (size, only),
            Some(last) => {
                branches.push(last);
                (size.saturating_add(1), Node::Alt(branches))
            }
            None => (size, Node::Cat(Vec::new())),
        })
    }

    /// concat := (atom quantifier?)*  — size = sum of the parts + 1 (one part alone is not a node
    /// of its own; an empty concat counts 1).
    fn concat(&mut self) -> Step<(u64, Node)> {
        let mut size: u64 = 0;
        let mut parts = Vec::new();
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            let (more, part) = self.quantifier(atom)?;
            size = size.saturating_add(more);
            parts.push(part);
        }
        Ok(match parts.pop() {
            Some(only) if parts.is_empty() => (size, only),
            Some(last) => {
                parts.push(last);
                (size.saturating_add(1), Node::Cat(parts))
            }
            None => (1, Node::Cat(Vec::new())),
        })
    }

    /// A single-character atom written to `out` by `write`, taken back as a `Set`.
    fn set(&mut self, write: impl FnOnce(&mut Self) -> Step<()>) -> Step<(u64, Node)> {
        let start = self.out.len();
        write(self)?;
        Ok((1, Node::Set(self.out.split_off(start))))
    }

    fn atom(&mut self) -> Step<(u64, Node)> {
        let Some(c) = self.peek() else {
            return self.fail("unexpected end");
        };
        match c {
            '(' => self.group(),
            '[' => self.set(|p| p.class().map(|_| ())),
            '\\' => self.set(|p| {
                p.pos += 1;
                let atom = p.escape()?;
                p.push_atom(atom);
                Ok(())
            }),
            '.' => self.set(|p| {
                p.pos += 1;
                p.out.push_str("[^\\n]");
                Ok(())
            }),
            '*' | '+' | '?' => self.fail("quantifier with nothing to repeat"),
            '{' => {
                if self.counted().is_ok() {
                    self.fail("quantifier with nothing to repeat")
                } else {
                    self.fail("`{` not forming a valid quantifier")
                }
            }
            '}' => self.fail("lone `}`"),
            ']' => self.fail("lone `]`"),
            '^' | '$' => self.fail("anchor"),
            _ => self.set(|p| {
                p.pos += 1;
                push_literal(&mut p.out, c);
                Ok(())
            }),
        }
    }

    fn group(&mut self) -> Step<(u64, Node)> {
        self.pos += 1;
        if self.peek() == Some('?') {
            match (self.peek_at(1), self.peek_at(2)) {
                (Some(':'), _) => self.pos += 2,
                (Some('=' | '!'), _) => return self.fail("lookahead is not allowed"),
                (Some('<'), Some('=' | '!')) => return self.fail("lookbehind is not allowed"),
                (Some('<'), _) => return self.fail("named group"),
                _ => return self.fail("inline flags or an unknown group"),
            }
        }
        let inner = self.alternation()?;
        if self.peek() != Some(')') {
            return self.fail("unbalanced parenthesis");
        }
        self.pos += 1;
        Ok(inner)
    }

    /// `\` already consumed: a single character or one of the ASCII class escapes.
    fn escape(&mut self) -> Step<ClassAtom> {
        let Some(c) = self.peek() else {
            return self.fail("`\\` at the end of the pattern");
        };
        self.pos += 1;
        Ok(match c {
            't' => ClassAtom::Char('\t'),
            'n' => ClassAtom::Char('\n'),
            'r' => ClassAtom::Char('\r'),
            'f' => ClassAtom::Char('\u{0c}'),
            'v' => ClassAtom::Char('\u{0b}'),
            'd' => ClassAtom::Set(DIGIT, false),
            'D' => ClassAtom::Set(DIGIT, true),
            'w' => ClassAtom::Set(WORD, false),
            'W' => ClassAtom::Set(WORD, true),
            's' => ClassAtom::Set(SPACE, false),
            'S' => ClassAtom::Set(SPACE, true),
            _ if c.is_ascii_punctuation() => ClassAtom::Char(c),
            '0'..='9' | 'k' => {
                self.pos -= 1;
                return self.fail("backreferences are not allowed");
            }
            _ => {
                self.pos -= 1;
                return self.fail(&format!("escape `\\{c}` is not in the safe subset"));
            }
        })
    }

    /// Writes a class atom; inside a class a nested class is a union in the regex crate's syntax.
    fn push_atom(&mut self, atom: ClassAtom) {
        match atom {
            ClassAtom::Char(c) => push_literal(&mut self.out, c),
            ClassAtom::Set(set, negated) => {
                self.out.push_str(if negated { "[^" } else { "[" });
                self.out.push_str(set);
                self.out.push(']');
            }
        }
    }

    /// classatom := any character but `]` `\` `[` | escape
    fn class_atom(&mut self) -> Step<ClassAtom> {
        match self.peek() {
            Some('\\') => {
                self.pos += 1;
                self.escape()
            }
            Some('[') => self.fail("`[` must be escaped inside a class"),
            Some(c) => {
                self.pos += 1;
                Ok(ClassAtom::Char(c))
            }
            None => self.fail("unterminated class"),
        }
    }

    /// class := '[' '^'? item+ ']'    item := classatom | char '-' char
    fn class(&mut self) -> Step<u64> {
        self.pos += 1;
        self.out.push('[');
        if self.peek() == Some('^') {
            self.pos += 1;
            self.out.push('^');
        }
        let mut items = 0;
        loop {
            match self.peek() {
                None => return self.fail("unterminated class"),
                Some(']') => break,
                Some(_) => {}
            }
            let low = self.class_atom()?;
            if self.peek() == Some('-') && !matches!(self.peek_at(1), None | Some(']')) {
                self.pos += 1;
                let high = self.class_atom()?;
                let (ClassAtom::Char(lo), ClassAtom::Char(hi)) = (low, high) else {
                    return self.fail("a class escape cannot be a range end");
                };
                if hi < lo {
                    return self.fail("class range out of order");
                }
                push_literal(&mut self.out, lo);
                self.out.push('-');
                push_literal(&mut self.out, hi);
            } else {
                self.push_atom(low);
            }
            items += 1;
        }
        if items == 0 {
            return self.fail("empty class");
        }
        self.pos += 1;
        self.out.push(']');
        Ok(1)
    }

    /// Reads `{n}`, `{n,}` or `{n,m}` at the cursor without consuming it: (lower, upper, length).
    fn counted(&self) -> Step<(u32, Option<u32>, usize)> {
        let mut i = self.pos + 1;
        let number = |i: &mut usize| -> Option<u32> {
            let start = *i;
            let mut value: u32 = 0;
            while let Some(d) = self.chars.get(*i).and_then(|c| c.to_digit(10)) {
                value = value.saturating_mul(10).saturating_add(d);
                *i += 1;
            }
            (*i > start).then_some(value)
        };
        let invalid = || Err("`{` not forming a valid quantifier".to_string());
        let Some(lower) = number(&mut i) else {
            return invalid();
        };
        let upper = match self.chars.get(i) {
            Some('}') => Some(lower),
            Some(',') => {
                i += 1;
                if self.chars.get(i) == Some(&'}') {
                    None
                } else {
                    let Some(upper) = number(&mut i) else {
                        return invalid();
                    };
                    if self.chars.get(i) != Some(&'}') {
                        return invalid();
                    }
                    Some(upper)
                }
            }
            _ => return invalid(),
        };
        Ok((lower, upper, i + 1 - self.pos))
    }

    /// Applies an optional quantifier to an atom (size, node).
    fn quantifier(&mut self, atom: (u64, Node)) -> Step<(u64, Node)> {
        let (lower, upper) = match self.peek() {
            Some(q @ ('*' | '+' | '?')) => {
                self.pos += 1;
                if q == '+' {
                    (1, None)
                } else {
                    (0, (q == '?').then_some(1))
                }
            }
            Some('{') => {
                let (lower, upper, len) = match self.counted() {
                    Ok(q) => q,
                    Err(e) => return self.fail(&e),
                };
                if lower > MAX_COUNT || upper.is_some_and(|u| u > MAX_COUNT) {
                    return self.fail("repetition count above 100");
                }
                if upper.is_some_and(|u| u < lower) {
                    return self.fail("repetition range out of order");
                }
                self.pos += len;
                (lower, upper)
            }
            _ => return Ok(atom),
        };
        let greedy = self.peek() != Some('?');
        if !greedy {
            self.pos += 1;
        }
        if matches!(self.peek(), Some('*' | '+' | '?')) {
            return self.fail("quantifier with nothing to repeat");
        }
        if self.peek() == Some('{') {
            return if self.counted().is_ok() {
                self.fail("quantifier with nothing to repeat")
            } else {
                self.fail("`{` not forming a valid quantifier")
            };
        }
        let times = u64::from(upper.unwrap_or(lower).max(1));
        let (size, item) = atom;
        let node = Node::Rep {
            min: lower,
            max: upper,
            greedy,
            item: Box::new(item),
        };
        Ok((size.saturating_mul(times).saturating_add(1), node))
    }
}

/// Writes one character so that the regex crate reads it literally, in or out of a class.
pub fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_alphanumeric() || c == '_' {
        out.push(c);
    } else {
        let _ = write!(out, "\\x{{{:X}}}", c as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::translate;

    fn ok(p: &str) -> String {
        match translate(p) {
            Ok(s) => s,
            Err(e) => panic!("{p:?} rejected: {e}"),
        }
    }

    #[test]
    fn accepts_the_safe_subset() {
        for p in [
            r"\d+",
            r"[a-z]{2,5}",
            r"(foo|bar)?",
            r"(?:a|b)*?",
            r"[^/]+",
            r"\.",
            r"[\d\-_]",
            r"a{3}",
            r"a{0,}",
            r"[]]]",
            r"a|",
            r"()",
            r"é+",
            r"[(]",
            r"\w\W\s\S\t\n\r\f\v",
        ] {
            if p == r"[]]]" {
                assert!(translate(p).is_err());
                continue;
            }
            let src = ok(p);
            assert!(
                regex::Regex::new(&format!("^(?:{src})$")).is_ok(),
                "{p} -> {src}"
            );
        }
    }

    #[test]
    fn rejects_everything_else() {
        for p in [
            "", "(?=a)", "(?!a)", "(?<=a)", "(?<!a)", r"(a)\1", r"\k<x>", "(?<n>a)", "(?i)a", "^a",
            "a$", r"\b", r"\B", r"\p{L}", r"\u0041", r"\x41", r"\cA", r"\0", r"\q", "a*+", "a**",
            "*a", "+", "?", "[]", "[^]", "[z-a]", "a{", "a{1", "a{,3}", "a{101}", "a{1,101}",
            "a{3,2}", "(a", "a)", "[a", "a}", "]", "a{2}{3}", "a??+", r"[\d-z]", r"[a-\d]", "[[]",
        ] {
            assert!(translate(p).is_err(), "{p:?} should be rejected");
        }
    }

    #[test]
    fn limits_the_expanded_size() {
        // a{100} = 1*100+1 = 101; x19 + 1 = 1920 fits; x20 + 1 = 2021 does not.
        assert!(translate("(a{100}){19}").is_ok());
        assert!(translate("(a{100}){20}").is_err());
        // Two parts: 1 + 1999... a{100}b{99}: 101 + 100 + 1 = 202.
        assert!(translate("(?:a{100}b{99}){9}").is_ok()); // 202*9+1 = 1819
        assert!(translate("(?:a{100}b{99}){10}").is_err()); // 2021
    }

    #[test]
    fn limits_the_size_after_the_loop_rewrite() {
        // Written size 721, but each loop over a body that may match nothing is spelled out by the
        // rewrite: ~160,000 instructions, which every character of a header value would pay.
        let err =
            translate("((((((a|)){3,}){71}){1,})+((.)*){3,})").expect_err("too large rewritten");
        assert!(err.contains("loops are rewritten"), "{err}");
        // Loops over bodies that cannot match empty are not rewritten: the written bound decides.
        assert!(translate("(a{100}){19}").is_ok());
        assert!(translate("((a|){3,}){71}").is_ok());
    }

    #[test]
    fn dot_excludes_only_newline_and_classes_are_ascii() {
        let re = regex::Regex::new(&format!("^(?:{})$", ok(r"\d.\w"))).expect("valid");
        assert!(re.is_match("1éa"));
        assert!(!re.is_match("١xa")); // Arabic-Indic digit is not \d
        assert!(!re.is_match("1\na"));
    }

    #[test]
    fn loops_never_take_an_empty_iteration_past_the_minimum() {
        // (pattern, subject, expected capture of the pattern): what JS (and the reference) give.
        for (p, subject, want) in [
            ("(|a)*", "aaaa", "aaa"),
            ("(a??)+", "aaa", "aa"),
            ("(a*?)*", "aaa", "aa"),
            ("(|a){2,}", "aaaa", "aaa"),
            ("(|a)*?", "aaaa", ""),
            ("(?:(|a)b?)*", "abaa", "aba"),
            ("(|a){2}", "aa", ""),
        ] {
            let re = regex::Regex::new(&format!("^((?:{}))a(a*)$", ok(p))).expect("valid");
            let caps = re.captures(subject).expect("matches");
            assert_eq!(
                caps.get(1).map(|m| m.as_str()),
                Some(want),
                "{p} on {subject}"
            );
        }
    }
}
