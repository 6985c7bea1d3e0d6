//! Unmasking the read buffer as bytes arrive.
//!
//! `Connection::receive` copies input into its read buffer a few KiB at a
//! time and lets the [`Unmasker`] walk what was added: it skips headers and
//! XORs masked payloads in place while those bytes are still in L1 cache.
//! Unmasking later, when a frame is parsed, would read the whole payload
//! from memory a second time. The walk reads only the lengths and the mask
//! key of each header; every check is left to the connection, which decodes
//! the same headers from the same bytes when it turns them into events (and
//! drops the buffer at the first bad one). Both read the length fields with
//! the same parser, [`Extent::read`].

use bytes::BytesMut;

use crate::frame::Extent;
use crate::mask;

/// Input is appended this much at a time: small enough to stay in L1 cache
/// between the copy and the XOR.
const PIECE: usize = 4096;

/// How far into the read buffer the bytes are unmasked.
#[derive(Debug, Default)]
pub(crate) struct Unmasker {
    /// Bytes at the start of the buffer already walked: headers passed and
    /// payloads unmasked.
    ready: usize,
    /// Payload bytes of the frame being walked that have not arrived yet.
    payload_left: u64,
    /// That frame's mask key, turned to the phase of its next byte.
    key: Option<[u8; 4]>,
}

impl Unmasker {
    /// Bytes at the start of the buffer that are ready to hand out: headers
    /// and unmasked payloads.
    pub(crate) fn ready(&self) -> usize {
        self.ready
    }

    /// Appends `bytes` to `buf`, walking them as they go in. The payload of
    /// a masked frame whose earlier bytes are all walked is unmasked while it
    /// is copied; anything else is copied, then walked while still in cache.
    pub(crate) fn append(&mut self, buf: &mut BytesMut, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let piece = bytes.len().min(PIECE);
            match self.key {
                Some(key) if self.ready == buf.len() && self.payload_left > 0 => {
                    // Less than `piece`, so it fits in usize.
                    let n = self.payload_left.min(piece as u64) as usize;
                    mask::extend_masked(buf, &bytes[..n], key, 0);
                    self.key = Some(mask::rotate(key, n));
                    self.ready += n;
                    self.payload_left -= n as u64;
                    bytes = &bytes[n..];
                }
                _ => {
                    buf.extend_from_slice(&bytes[..piece]);
                    bytes = &bytes[piece..];
                    self.walk(buf);
                }
            }
        }
    }

    /// Walks the bytes of `buf` past those already walked.
    fn walk(&mut self, buf: &mut [u8]) {
        while self.ready < buf.len() {
            if self.payload_left > 0 {
                let available = buf.len() - self.ready;
                // Less than `available`, so it fits in usize.
                let n = self.payload_left.min(available as u64) as usize;
                let payload = &mut buf[self.ready..self.ready + n];
                if let Some(key) = self.key.as_mut() {
                    mask::apply(payload, *key, 0);
                    *key = mask::rotate(*key, n);
                }
                self.ready += n;
                self.payload_left -= n as u64;
                continue;
            }
            let Some(extent) = Extent::read(&buf[self.ready..]) else {
                return;
            };
            self.ready += extent.header_len;
            self.payload_left = extent.payload_len;
            self.key = extent.key;
        }
    }

    /// The connection took `n` walked bytes off the front of the buffer.
    pub(crate) fn consume(&mut self, n: usize) {
        debug_assert!(n <= self.ready, "only walked bytes are handed out");
        self.ready -= n.min(self.ready);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::Header;
    use alloc::vec::Vec;

    fn masked_frame(payload: &[u8], key: [u8; 4]) -> Vec<u8> {
        let header = Header {
            fin: true,
            rsv: 0,
            opcode: crate::frame::Opcode::Binary,
            mask: Some(key),
            payload_len: payload.len() as u64,
        };
        let mut head = [0; crate::frame::MAX_HEADER_LEN];
        let n = header.encode(&mut head);
        let mut frame = head[..n].to_vec();
        frame.extend(payload.iter().zip(key.iter().cycle()).map(|(b, k)| b ^ k));
        frame
    }

    #[test]
    fn unmasks_frames_arriving_one_byte_at_a_time() {
        let first: Vec<u8> = (0..200u8).collect();
        let second = b"hello".to_vec();
        let mut wire = masked_frame(&first, [1, 2, 3, 4]);
        let first_len = wire.len();
        wire.extend(masked_frame(&second, [9, 8, 7, 6]));
        let mut buf = BytesMut::new();
        let mut unmasker = Unmasker::default();
        for byte in &wire {
            unmasker.append(&mut buf, &[*byte]);
        }
        assert_eq!(unmasker.ready(), wire.len());
        assert_eq!(&buf[first_len - 200..first_len], &first[..]);
        assert_eq!(&buf[wire.len() - 5..], b"hello");
    }

    #[test]
    fn stops_before_a_partial_header() {
        let mut buf = BytesMut::new();
        let mut unmasker = Unmasker::default();
        unmasker.append(&mut buf, &masked_frame(b"abc", [1, 1, 1, 1]));
        let frame_len = buf.len();
        // Half a header, then one whose key has not all arrived.
        for partial in [&[0x82][..], &[0x80 | 126, 0, 200, 1, 2]] {
            unmasker.append(&mut buf, partial);
            assert_eq!(unmasker.ready(), frame_len);
        }
        unmasker.append(&mut buf, &[3, 4]);
        assert_eq!(unmasker.ready(), buf.len());
    }

    #[test]
    #[cfg_attr(miri, ignore = "pure parsing of large frames: slow under Miri")]
    fn reads_every_length_form() {
        for len in [0, 125, 126, 65535, 65536, 70000] {
            let payload = alloc::vec![7u8; len];
            let frame = masked_frame(&payload, [1, 2, 3, 4]);
            let extent = Extent::read(&frame).expect("a whole header");
            assert_eq!(extent.payload_len, len as u64);
            assert_eq!(extent.header_len, frame.len() - len);
            assert_eq!(extent.key, Some([1, 2, 3, 4]));
        }
    }

    #[test]
    fn consume_moves_the_walked_mark() {
        let mut buf = BytesMut::new();
        let mut unmasker = Unmasker::default();
        unmasker.append(&mut buf, &masked_frame(b"abcdef", [5, 6, 7, 8]));
        unmasker.consume(4);
        assert_eq!(unmasker.ready(), buf.len() - 4);
    }
}
