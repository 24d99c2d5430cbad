//! Text from a server or a file on its way to a terminal: control characters out (an
//! ESC or OSC sequence in a verified name must not clear the screen or retitle the
//! window), and long server messages cut to a length a person reads.
//!
//! JSON and CSV outputs do not go through here: they keep the data exact (JSON escapes
//! control characters itself).

use std::borrow::Cow;

/// Longest server text quoted in an operator sentence, in characters.
pub const READABLE_CHARS: usize = 300;

/// Whether a character may reach a terminal inside one line: no C0 or C1 control
/// character (ESC, CSI, OSC, BEL, CR, ...), no DEL, and no newline or tab either.
fn is_line_safe(c: char) -> bool {
    !c.is_control()
}

/// `text` with every control character replaced by `�` (newline and tab included), so it
/// stays on one line and can never drive the terminal. Borrowed when already clean.
pub fn one_line(text: &str) -> Cow<'_, str> {
    if text.chars().all(is_line_safe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if is_line_safe(c) { c } else { '\u{FFFD}' })
            .collect(),
    )
}

/// `text` with control characters replaced by `�`, except newline and tab, for
/// multi-line text shown on a terminal (reports). Borrowed when already clean.
pub fn multi_line(text: &str) -> Cow<'_, str> {
    let safe = |c: char| is_line_safe(c) || c == '\n' || c == '\t';
    if text.chars().all(safe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if safe(c) { c } else { '\u{FFFD}' })
            .collect(),
    )
}

/// Server text for a sentence: one line, control characters replaced, and cut after
/// `max_chars` with `(… N bytes more)` so a 5 MB message stays readable.
pub fn readable(text: &str, max_chars: usize) -> String {
    let cut_at = text
        .char_indices()
        .nth(max_chars)
        .map_or(text.len(), |(i, _)| i);
    let mut shown = one_line(&text[..cut_at]).into_owned();
    if cut_at < text.len() {
        shown.push_str(&format!(" (… {} bytes more)", text.len() - cut_at));
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_never_survive_and_clean_text_is_borrowed() {
        let hostile = "Shop\x1b]0;pwned\x07\x1b[2J\u{9b}31m\r\nname\x7f";
        let line = one_line(hostile);
        assert!(line.chars().all(|c| !c.is_control()), "{line:?}");
        assert!(line.starts_with("Shop\u{FFFD}]0;pwned"));
        assert!(matches!(one_line("Jasper's Market"), Cow::Borrowed(_)));
        let multi = multi_line("a\tb\nc\x1b[2J");
        assert_eq!(multi, "a\tb\nc\u{FFFD}[2J");
    }

    #[test]
    fn long_server_text_is_cut_with_the_bytes_left_out() {
        let message = "é".repeat(1000);
        let shown = readable(&message, 10);
        assert_eq!(shown, format!("{} (… 1980 bytes more)", "é".repeat(10)));
        assert_eq!(readable("short", 10), "short");
    }
}
