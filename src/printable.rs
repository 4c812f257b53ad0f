//! Text that ends up in logs and terminals (error messages, codes, Request-IDs): one printable
//! line of bounded size, so that a hostile response cannot forge log lines, move the cursor,
//! reorder what is shown (bidi overrides) or flood memory.

/// Longest string an error hands out, in bytes (the C API promises this for the message).
pub(crate) const MAX_TEXT_BYTES: usize = 1024;

const CUT_MARK: char = '…';

/// `text` as one printable line of at most `MAX_TEXT_BYTES` bytes: line breaks and tabs become
/// spaces, other control characters (C0, DEL, C1) and the bidi embedding, override and isolate
/// characters become U+FFFD, and a longer text is cut on a character boundary and ends in `…`.
pub(crate) fn printable_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_TEXT_BYTES));
    // The last character boundary that leaves room for the mark, should the text not fit.
    let mut cut_at = 0;
    for c in text.chars() {
        let shown = match c {
            '\n' | '\r' | '\t' => ' ',
            c if is_unprintable(c) => char::REPLACEMENT_CHARACTER,
            c => c,
        };
        if out.len() + shown.len_utf8() > MAX_TEXT_BYTES {
            out.truncate(cut_at);
            out.push(CUT_MARK);
            return out;
        }
        out.push(shown);
        if out.len() + CUT_MARK.len_utf8() <= MAX_TEXT_BYTES {
            cut_at = out.len();
        }
    }
    out
}

/// Control characters and the Unicode bidi overrides (U+202A–U+202E, U+2066–U+2069).
pub(crate) fn is_unprintable(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_spaces_or_replacement_characters() {
        assert_eq!(printable_line("a\nb\r\tc"), "a b  c");
        assert_eq!(
            printable_line("x\u{1b}[2J\u{7f}\u{85}\u{202E}\u{2066}\u{0}y"),
            "x\u{FFFD}[2J\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}y"
        );
        assert_eq!(printable_line("南山中学 ok"), "南山中学 ok");
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary_with_a_mark() {
        let exact = "x".repeat(MAX_TEXT_BYTES);
        assert_eq!(
            printable_line(&exact),
            exact,
            "a text that fits is kept whole"
        );
        let cut = printable_line(&"x".repeat(MAX_TEXT_BYTES + 1));
        assert!(
            cut.len() <= MAX_TEXT_BYTES && cut.ends_with(CUT_MARK),
            "{}",
            cut.len()
        );
        let wide = printable_line(&"错".repeat(1000));
        assert!(wide.len() <= MAX_TEXT_BYTES && wide.ends_with(CUT_MARK));
        assert!(wide.trim_end_matches(CUT_MARK).chars().all(|c| c == '错'));
    }
}
