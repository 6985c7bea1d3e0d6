//! Text a peer sent, made safe for an error message.

use core::fmt;

/// Text a peer sent, made safe to show in a message: invalid UTF-8 and
/// control characters (ANSI escapes, bidirectional overrides) become
/// `�`, runs of white space one space, and past `max` characters it is cut
/// with `…`.
pub(crate) struct Excerpt<'a>(pub(crate) &'a [u8]);

impl Excerpt<'_> {
    /// The characters of a body or header value shown in an error.
    pub(crate) const MAX: usize = 200;
}

impl fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = 0;
        let mut space = false;
        for chunk in self.0.trim_ascii().utf8_chunks() {
            let invalid = (!chunk.invalid().is_empty()).then_some(char::REPLACEMENT_CHARACTER);
            for c in chunk.valid().chars().chain(invalid) {
                if c.is_whitespace() {
                    space = true;
                    continue;
                }
                let pending = usize::from(space);
                if shown + pending + 1 > Self::MAX {
                    return f.write_str("…");
                }
                if space {
                    f.write_str(" ")?;
                    space = false;
                }
                let shown_char = if is_unsafe(c) {
                    char::REPLACEMENT_CHARACTER
                } else {
                    c
                };
                fmt::Write::write_char(f, shown_char)?;
                shown += pending + 1;
            }
        }
        Ok(())
    }
}

/// A character that must not reach a terminal as it is: a control
/// character, or one that reorders the text around it.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}
