//! Yank (`y`, `Y`): copying the number or id in front to the operator's clipboard with
//! the OSC 52 escape sequence. The terminal, not this machine, owns the clipboard, so a
//! copy works over SSH and inside tmux (with `set -g set-clipboard on`), with no X or
//! Wayland on the host. The sequence is xterm's "Manipulate Selection Data" (`OSC 52 ;
//! Pc ; Pd`, base64 data; see the notes at
//! <https://philippe-carphin.ca/~pcarphin/OSC52.html>, quoting xterm's ctlseqs).
//! `update` decides what to copy ([`Effect::Copy`]); the event loop
//! writes the sequence between two frames.
//!
//! [`Effect::Copy`]: super::action::Effect::Copy

use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Longest text sent: terminals cap OSC 52 payloads (xterm's default is about 100 kB of
/// base64); ids and numbers are far below it.
const MAX_COPY_BYTES: usize = 4096;

/// What was copied, for the sentence on screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// What the text is ("number", "phone number id", "migration id", ...).
    pub what: &'static str,
    pub text: String,
}

/// The OSC 52 sequence that puts `text` on the clipboard (`c`): `ESC ] 52 ; c ;
/// base64(text) BEL`. Control characters are removed first, so nothing copied can end
/// the sequence early or reach the terminal as a command.
pub fn osc52(text: &str) -> String {
    let clean: String = text.chars().filter(|c| !c.is_control()).collect();
    let mut end = clean.len().min(MAX_COPY_BYTES);
    while !clean.is_char_boundary(end) {
        end -= 1;
    }
    format!("\x1b]52;c;{}\x07", STANDARD.encode(&clean[..end]))
}

/// Writes the sequence for `text` to the terminal.
pub fn copy_to_terminal(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    out.write_all(osc52(text).as_bytes())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn osc52_wraps_the_base64_of_the_text_for_the_clipboard() {
        assert_eq!(osc52("+16315550101"), "\x1b]52;c;KzE2MzE1NTUwMTAx\x07");
        assert_eq!(osc52(""), "\x1b]52;c;\x07");
        // Non-ASCII text is encoded as UTF-8.
        assert_eq!(osc52("é"), "\x1b]52;c;w6k=\x07");
    }

    #[test]
    fn control_characters_cannot_end_the_sequence_or_reach_the_terminal() {
        let sequence = osc52("12\x07\x1b]0;pwned\x1b\\34\n");
        assert_eq!(sequence, osc52("12]0;pwned\\34"));
        let payload = &sequence["\x1b]52;c;".len()..sequence.len() - 1];
        assert!(!payload.contains(['\x07', '\x1b']));
    }

    #[test]
    fn a_long_text_is_cut_on_a_character_boundary() {
        let long = "é".repeat(MAX_COPY_BYTES);
        let sequence = osc52(&long);
        let payload = &sequence["\x1b]52;c;".len()..sequence.len() - 1];
        let decoded = STANDARD.decode(payload).unwrap();
        assert!(decoded.len() <= MAX_COPY_BYTES);
        assert!(String::from_utf8(decoded).is_ok());
    }

    #[test]
    fn copy_to_terminal_writes_the_sequence() {
        let mut out = Vec::new();
        copy_to_terminal(&mut out, "104996122399160").unwrap();
        assert_eq!(out, osc52("104996122399160").as_bytes());
    }
}
