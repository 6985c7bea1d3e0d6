//! Incremental UTF-8 validation that fails as soon as the input is certainly
//! invalid, even when a text message arrives one byte at a time.
//!
//! `core::str::from_utf8` already reports the difference between "invalid"
//! (`error_len() == Some(_)`) and "ends inside a code point" (`None`), and it
//! rejects a bad second byte (overlong forms, surrogates, > U+10FFFF) before
//! asking for the rest. So each chunk is checked once; at most three trailing
//! bytes of an unfinished code point are carried to the next chunk.

use bytes::Bytes;

use crate::error::Error;
use crate::message::Utf8Bytes;

/// Validates a complete string.
pub(crate) fn validate(bytes: Bytes) -> Result<Utf8Bytes, Error> {
    Utf8Bytes::try_from_bytes(bytes)
}

/// Validates text that arrives in pieces.
#[derive(Debug, Clone, Default)]
pub(crate) struct Validator {
    /// The start of a code point that the previous chunk cut off.
    pending: [u8; 4],
    pending_len: u8,
}

impl Validator {
    /// Checks the next piece of text. Fails as soon as the bytes seen so far
    /// cannot be the start of valid UTF-8.
    pub(crate) fn feed(&mut self, mut input: &[u8]) -> Result<(), Error> {
        if self.pending_len > 0 {
            input = self.finish_pending(input)?;
        }
        match core::str::from_utf8(input) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_some() => Err(Error::InvalidUtf8),
            Err(e) => {
                let tail = &input[e.valid_up_to()..];
                self.pending[..tail.len()].copy_from_slice(tail);
                self.pending_len = tail.len() as u8;
                Ok(())
            }
        }
    }

    /// Completes the carried code point from the front of `input` and returns
    /// the rest of `input`.
    fn finish_pending<'a>(&mut self, input: &'a [u8]) -> Result<&'a [u8], Error> {
        let have = usize::from(self.pending_len);
        let take = input.len().min(4 - have);
        let mut joined = self.pending;
        joined[have..have + take].copy_from_slice(&input[..take]);
        match core::str::from_utf8(&joined[..have + take]) {
            Ok(_) => {
                self.pending_len = 0;
                Ok(&input[take..])
            }
            Err(e) if e.error_len().is_some() && e.valid_up_to() == 0 => Err(Error::InvalidUtf8),
            Err(e) if e.valid_up_to() > 0 => {
                // The code point is complete; whatever follows it is checked
                // with the rest of the input.
                self.pending_len = 0;
                Ok(&input[e.valid_up_to() - have..])
            }
            Err(_) => {
                // Still unfinished: all of `input` was used.
                self.pending = joined;
                self.pending_len = (have + take) as u8;
                Ok(&[])
            }
        }
    }

    /// Checks that the text did not end inside a code point.
    pub(crate) fn finish(&mut self) -> Result<(), Error> {
        let complete = self.pending_len == 0;
        self.pending_len = 0;
        if complete {
            Ok(())
        } else {
            Err(Error::InvalidUtf8)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_split(bytes: &[u8], at: &[usize]) -> Result<(), Error> {
        let mut v = Validator::default();
        let mut start = 0;
        for &end in at.iter().chain(core::iter::once(&bytes.len())) {
            v.feed(&bytes[start..end])?;
            start = end;
        }
        v.finish()
    }

    #[test]
    fn accepts_code_points_split_at_every_position() {
        let text = "a€𝄞ö z";
        let bytes = text.as_bytes();
        for i in 0..=bytes.len() {
            for j in i..=bytes.len() {
                assert_eq!(feed_split(bytes, &[i, j]), Ok(()), "split at {i},{j}");
            }
        }
        // One byte at a time.
        let mut v = Validator::default();
        for b in bytes {
            v.feed(core::slice::from_ref(b)).unwrap();
        }
        v.finish().unwrap();
    }

    #[test]
    fn fails_at_the_first_certainly_invalid_byte() {
        let mut v = Validator::default();
        // 0xF4 0x90 would encode a code point above U+10FFFF: invalid after 2 bytes.
        v.feed(b"ok\xf4").unwrap();
        assert_eq!(v.feed(b"\x90"), Err(Error::InvalidUtf8));

        let mut v = Validator::default();
        // Surrogate half U+D800 = ED A0 80: ED then A0 is already invalid.
        v.feed(b"\xed").unwrap();
        assert_eq!(v.feed(b"\xa0"), Err(Error::InvalidUtf8));

        let mut v = Validator::default();
        assert_eq!(v.feed(b"\xc0"), Err(Error::InvalidUtf8));
    }

    #[test]
    fn rejects_text_ending_inside_a_code_point() {
        let mut v = Validator::default();
        v.feed(&"€".as_bytes()[..2]).unwrap();
        assert_eq!(v.finish(), Err(Error::InvalidUtf8));
    }

    #[test]
    fn detects_invalid_byte_right_after_completed_code_point() {
        let mut v = Validator::default();
        v.feed(&[0xe2, 0x82]).unwrap();
        assert_eq!(v.feed(&[0xac, 0xff]), Err(Error::InvalidUtf8));
    }
}
