//! How deeply a policy file's lint conditions nest, measured before pest parses it.
//!
//! pest parses `(…)` and `not …` by recursion, one Rust stack frame chain per level, so a file
//! with thousands of them overflows the stack (an abort no caller can catch) before the parser
//! returns. This scan walks the text once, without recursion, and finds the first place where a
//! condition nests deeper than [`MAX_CONDITION_DEPTH`]; the parser then refuses the file with
//! MCC3014 instead of calling pest. Everything past the parser (lowering, evaluation) recurses
//! on the same tree, so the bound protects it too.

/// The deepest a lint condition may nest: parentheses and `not`s together. Real conditions
/// stay under ten; this leaves room while keeping every recursion over the tree shallow.
pub const MAX_CONDITION_DEPTH: usize = 64;

/// The byte range of the first `(` or `not` that nests a condition deeper than the limit.
pub fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut scan = Scan::default();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        match c {
            '#' => while chars.next_if(|&(_, c)| c != '\n').is_some() {},
            '"' => {
                // A string ends at its closing quote, or at the end of the line (a syntax error
                // the parser reports).
                while let Some((_, c)) = chars.next_if(|&(_, c)| c != '\n') {
                    if c == '\\' {
                        chars.next_if(|&(_, c)| c != '\n');
                    } else if c == '"' {
                        break;
                    }
                }
                scan.operand();
            }
            '(' | ')' | '{' | '}' | ',' => {
                if scan.punctuation(c) {
                    return Some((start, start + 1));
                }
            }
            c if c.is_whitespace() => {}
            _ => {
                let mut end = start + c.len_utf8();
                while let Some((i, c)) = chars.next_if(|&(_, c)| !is_word_end(c)) {
                    end = i + c.len_utf8();
                }
                if scan.word(&text[start..end]) {
                    return Some((start, end));
                }
            }
        }
    }
    None
}

fn is_word_end(c: char) -> bool {
    c.is_whitespace() || "(){},\"#".contains(c)
}

/// The nesting inside the current condition. The depth is the number of open parentheses plus
/// every `not` still waiting for its operand, at any level.
#[derive(Default)]
struct Scan {
    /// Whether the words seen are a condition: from `when` to the next brace.
    in_condition: bool,
    /// The waiting `not`s of each level: the condition's top level first, then one entry per
    /// open parenthesis.
    pending_nots: Vec<usize>,
}

impl Scan {
    fn depth(&self) -> usize {
        self.pending_nots.len().saturating_sub(1) + self.pending_nots.iter().sum::<usize>()
    }

    /// A glob, string or test word: the `not`s before it have their operand.
    fn operand(&mut self) {
        if let Some(nots) = self.pending_nots.last_mut() {
            *nots = 0;
        }
    }

    /// Returns whether this word nests too deeply.
    fn word(&mut self, word: &str) -> bool {
        if word == "when" && !self.in_condition {
            self.in_condition = true;
            self.pending_nots = vec![0];
            return false;
        }
        if !self.in_condition {
            return false;
        }
        if word == "not" {
            *self.pending_nots.last_mut().expect("a condition has a top level") += 1;
            return self.depth() > MAX_CONDITION_DEPTH;
        }
        self.operand();
        false
    }

    /// Returns whether this punctuation nests too deeply.
    fn punctuation(&mut self, c: char) -> bool {
        if !self.in_condition {
            return false;
        }
        match c {
            '(' => {
                self.pending_nots.push(0);
                self.depth() > MAX_CONDITION_DEPTH
            }
            ')' => {
                if self.pending_nots.len() > 1 {
                    self.pending_nots.pop();
                }
                // The parenthesised condition answers the `not`s before it.
                self.operand();
                false
            }
            _ => {
                self.in_condition = false;
                self.pending_nots.clear();
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_parentheses_and_nots() {
        let parenthesised = |depth: usize| format!("{}file{}", "(".repeat(depth), ")".repeat(depth));
        assert_eq!(too_deep(&format!("when {}", parenthesised(MAX_CONDITION_DEPTH))), None);
        assert!(too_deep(&format!("when {}", parenthesised(MAX_CONDITION_DEPTH + 1))).is_some());
        assert_eq!(too_deep(&format!("when not {}", parenthesised(MAX_CONDITION_DEPTH - 1))), None);
        assert!(too_deep(&format!("when not {}", parenthesised(MAX_CONDITION_DEPTH))).is_some());
        assert_eq!(too_deep(&format!("when {}file", "not ".repeat(MAX_CONDITION_DEPTH))), None);
        let nested = format!("when {}file", "not (".repeat(MAX_CONDITION_DEPTH / 2 + 1));
        assert_eq!(too_deep(&nested).map(|(start, end)| &nested[start..end]), Some("not"));
    }

    #[test]
    fn parentheses_outside_conditions_are_not_counted() {
        let text = format!("layout x {{ place /a{} in var }}", "(".repeat(500));
        assert_eq!(too_deep(&text), None);
    }

    #[test]
    fn strings_and_comments_hide_parentheses() {
        let text = format!("when path \"{}\" # {}\n", "(".repeat(500), "(".repeat(500));
        assert_eq!(too_deep(&text), None);
    }

    #[test]
    fn nots_answered_by_a_test_do_not_add_up() {
        let text = format!("when {}", "not file and ".repeat(1_000));
        assert_eq!(too_deep(&text), None);
    }
}
