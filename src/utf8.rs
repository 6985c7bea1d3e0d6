//! Incremental UTF-8 validation that fails as soon as the input is certainly
//! invalid, even when a text message arrives one byte at a time.
//!
//! `core::str::from_utf8` already reports the difference between "invalid"
//! (`error_len() == Some(_)`) and "ends inside a code point" (`None`), and it
//! rejects a bad second byte (overlong forms, surrogates, > U+10FFFF) before
//! asking for the rest. So each chunk is checked once; at most three trailing
//! bytes of an unfinished code point are carried to the next chunk.
//!
//! Chunks of [`SIMD_MIN_LEN`] bytes or more are checked with `simdutf8` (SIMD,
//! chosen at run time with `std`), tens of times faster than the standard
//! library on multi-byte text; only when that check fails is the standard
//! library asked where, so the answer is exactly the standard library's.

use crate::error::ProtocolError;

/// From this length on, the SIMD validator beats the standard library's
/// (which has a fast path for ASCII but checks multi-byte text byte by byte).
pub(crate) const SIMD_MIN_LEN: usize = 64;

/// Whether `bytes` are UTF-8.
pub(crate) fn is_valid(bytes: &[u8]) -> bool {
    as_str(bytes).is_some()
}

/// `bytes` as a `&str`, if they are UTF-8.
pub(crate) fn as_str(bytes: &[u8]) -> Option<&str> {
    if bytes.len() >= SIMD_MIN_LEN {
        simdutf8::basic::from_utf8(bytes).ok()
    } else {
        core::str::from_utf8(bytes).ok()
    }
}

/// `bytes` as a `&str`, without checking them again: only for bytes that
/// this crate has already validated, i.e. the payload of a text message
/// that a [`Validator`] accepted whole, or the contents of a [`Utf8Bytes`](crate::Utf8Bytes).
///
/// Lending text this way saves a second pass over it: on mixed multi-byte
/// text that pass was as long as the first (see `benches/decode.rs`,
/// `text_utf8_*`). Debug builds (tests, fuzzing) check the claim.
#[allow(unsafe_code)]
pub(crate) fn validated_str(bytes: &[u8]) -> &str {
    debug_assert!(is_valid(bytes), "text lent without validation");
    // SAFETY: every caller passes bytes that were validated as UTF-8 when
    // they were received or wrapped, and that were not modified since:
    // - `Utf8Bytes` is immutable and each of its constructors validates, or
    //   starts from a `str`, or (`from_validated`) takes a text message's
    //   payload that the receiver validated or that was copied from a `str`
    //   to be sent;
    // - a lent text message is the part of the read buffer that the
    //   receiver's `Validator` accepted, after `finish`, with no write to it
    //   in between (see `Receiver::read_payload` and `finish_message`).
    unsafe { core::str::from_utf8_unchecked(bytes) }
}

/// Like `core::str::from_utf8(bytes)`, with only the error's details:
/// `(valid_up_to, error_len)`.
///
/// A chunk of a message often ends inside a code point, so the SIMD check
/// covers everything up to the start of the last code point, and the
/// standard library judges the last (at most 4) bytes; a prefix that is
/// valid ends on a boundary, so the whole is valid exactly when that tail is.
/// Only if the prefix is invalid (the connection is about to fail) does the
/// standard library scan it all to say where.
fn check(bytes: &[u8]) -> Result<(), (usize, Option<usize>)> {
    let split = if bytes.len() >= SIMD_MIN_LEN {
        last_code_point_start(bytes)
    } else {
        0
    };
    if split > 0 && simdutf8::basic::from_utf8(&bytes[..split]).is_ok() {
        return core::str::from_utf8(&bytes[split..])
            .map(|_| ())
            .map_err(|e| (split + e.valid_up_to(), e.error_len()));
    }
    core::str::from_utf8(bytes)
        .map(|_| ())
        .map_err(|e| (e.valid_up_to(), e.error_len()))
}

/// Where the last code point of `bytes` starts, looking back at most 3
/// bytes for a byte that is not a continuation byte (`len - 4` if none).
fn last_code_point_start(bytes: &[u8]) -> usize {
    let len = bytes.len();
    (1..=3)
        .map(|back| len.saturating_sub(back))
        .find(|&i| bytes.get(i).is_some_and(|b| b & 0xC0 != 0x80))
        .unwrap_or(len.saturating_sub(4))
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
    pub(crate) fn feed(&mut self, mut input: &[u8]) -> Result<(), ProtocolError> {
        if self.pending_len > 0 {
            input = self.finish_pending(input)?;
        }
        match check(input) {
            Ok(()) => Ok(()),
            Err((_, Some(_))) => Err(ProtocolError::InvalidUtf8),
            Err((valid_up_to, None)) => {
                let tail = &input[valid_up_to..];
                self.pending[..tail.len()].copy_from_slice(tail);
                self.pending_len = tail.len() as u8;
                Ok(())
            }
        }
    }

    /// Completes the carried code point from the front of `input` and returns
    /// the rest of `input`.
    fn finish_pending<'a>(&mut self, input: &'a [u8]) -> Result<&'a [u8], ProtocolError> {
        let have = usize::from(self.pending_len);
        let take = input.len().min(4 - have);
        let mut joined = self.pending;
        joined[have..have + take].copy_from_slice(&input[..take]);
        match core::str::from_utf8(&joined[..have + take]) {
            Ok(_) => {
                self.pending_len = 0;
                Ok(&input[take..])
            }
            Err(e) if e.error_len().is_some() && e.valid_up_to() == 0 => {
                Err(ProtocolError::InvalidUtf8)
            }
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
    pub(crate) fn finish(&mut self) -> Result<(), ProtocolError> {
        let complete = self.pending_len == 0;
        self.pending_len = 0;
        if complete {
            Ok(())
        } else {
            Err(ProtocolError::InvalidUtf8)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    fn feed_split(bytes: &[u8], at: &[usize]) -> Result<(), ProtocolError> {
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
    fn chunks_cut_inside_code_points_agree_with_std() {
        let text = "aé€𝄞".repeat(100);
        let bytes = text.as_bytes();
        for end in SIMD_MIN_LEN..bytes.len() {
            for start in 0..8 {
                let piece = &bytes[start..end];
                let std = core::str::from_utf8(piece).map_err(|e| (e.valid_up_to(), e.error_len()));
                assert_eq!(check(piece), std.map(|_| ()), "{start}..{end}");
            }
        }
        // Invalid bytes before the last code point, and inside it.
        let mut broken = bytes[..200].to_vec();
        broken[150] = 0xff;
        assert_eq!(check(&broken), Err((150, Some(1))));
        let mut broken = bytes[..200].to_vec();
        broken[199] = 0xc0;
        let std = core::str::from_utf8(&broken).unwrap_err();
        assert_eq!(check(&broken), Err((std.valid_up_to(), std.error_len())));
    }

    #[test]
    fn simd_and_scalar_paths_agree_around_the_threshold() {
        let text = "aé€𝄞".repeat(40);
        let bytes = text.as_bytes();
        for len in 0..bytes.len() {
            let piece = &bytes[..len];
            let std = core::str::from_utf8(piece).map_err(|e| (e.valid_up_to(), e.error_len()));
            assert_eq!(check(piece), std.map(|_| ()), "len {len}");
            assert_eq!(is_valid(piece), std.is_ok());
        }
    }

    #[test]
    fn fails_at_the_first_certainly_invalid_byte() {
        let mut v = Validator::default();
        // 0xF4 0x90 would encode a code point above U+10FFFF: invalid after 2 bytes.
        v.feed(b"ok\xf4").unwrap();
        assert_eq!(v.feed(b"\x90"), Err(ProtocolError::InvalidUtf8));

        let mut v = Validator::default();
        // Surrogate half U+D800 = ED A0 80: ED then A0 is already invalid.
        v.feed(b"\xed").unwrap();
        assert_eq!(v.feed(b"\xa0"), Err(ProtocolError::InvalidUtf8));

        let mut v = Validator::default();
        assert_eq!(v.feed(b"\xc0"), Err(ProtocolError::InvalidUtf8));
    }

    #[test]
    fn rejects_text_ending_inside_a_code_point() {
        let mut v = Validator::default();
        v.feed(&"€".as_bytes()[..2]).unwrap();
        assert_eq!(v.finish(), Err(ProtocolError::InvalidUtf8));
    }

    /// Under Miri too: the one `unsafe` of this module.
    #[test]
    fn lent_and_owned_text_is_the_payload_in_every_piece_size() {
        use crate::frame::{Header, MAX_HEADER_LEN, Opcode};
        use crate::{Config, Connection, Event, EventRef, MessageRef};
        let text = "aé€𝄞".repeat(30);
        let (first, rest) = text.as_bytes().split_at(7);
        let mut wire = alloc::vec::Vec::new();
        for (opcode, fin, payload) in [
            (Opcode::Text, false, first),
            (Opcode::Continuation, true, rest),
        ]
        .into_iter()
        .chain([(Opcode::Text, true, text.as_bytes())])
        {
            let key = [9, 8, 7, 6];
            let header = Header {
                fin,
                rsv: 0,
                opcode,
                mask: Some(key),
                payload_len: payload.len() as u64,
            };
            let mut head = [0; MAX_HEADER_LEN];
            let head_len = header.encode(&mut head);
            wire.extend_from_slice(&head[..head_len]);
            let start = wire.len();
            wire.extend_from_slice(payload);
            crate::mask::apply(&mut wire[start..], key, 0);
        }
        for piece in [1, 5, 64, wire.len()] {
            let mut lent = Connection::server(Config::default());
            let mut owned = Connection::server(Config::default());
            let (mut lent_texts, mut owned_texts) = (0, 0);
            for chunk in wire.chunks(piece) {
                lent.receive(chunk);
                while let Some(event) = lent.next_event_ref().unwrap() {
                    assert!(matches!(event, EventRef::Message(MessageRef::Text(t)) if t == text));
                    lent_texts += 1;
                }
                owned.receive(chunk);
                while let Some(event) = owned.next_event().unwrap() {
                    assert!(
                        matches!(event, Event::Message(Message::Text(t)) if t.as_str() == text)
                    );
                    owned_texts += 1;
                }
            }
            assert_eq!((lent_texts, owned_texts), (2, 2), "pieces of {piece}");
        }
    }

    #[test]
    fn detects_invalid_byte_right_after_completed_code_point() {
        let mut v = Validator::default();
        v.feed(&[0xe2, 0x82]).unwrap();
        assert_eq!(v.feed(&[0xac, 0xff]), Err(ProtocolError::InvalidUtf8));
    }
}
