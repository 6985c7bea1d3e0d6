//! Bytes waiting to be written to the transport.
//!
//! Headers and small payloads are gathered in one buffer; large unmasked
//! payloads are queued as their own chunk without copying, so a caller can
//! hand everything to `write_vectored` in one go (see [`bytes::Buf`]).

use alloc::collections::VecDeque;
use bytes::{Buf, Bytes, BytesMut};

use crate::frame::{Header, MAX_HEADER_LEN};
use crate::mask;

/// Payloads at least this long are queued by reference instead of copied.
const COPY_LIMIT: usize = 4096;

/// Frames built once for many connections are shared from this length: a
/// copy per connection costs more than a slice in a vectored write.
const SHARE_ENCODED: usize = 256;

/// Masked payloads at least this long are masked while they are copied, so
/// the payload crosses memory once; shorter ones are copied, then masked in
/// place while hot.
const STAGE: usize = 4096;

/// Output waiting for the transport. Implements [`bytes::Buf`]: write
/// [`Buf::chunk`] (or `Buf::chunks_vectored`, with `std`), then
/// [`Buf::advance`] by what was written.
#[derive(Debug, Default)]
pub struct Output {
    /// Every frame's bytes in order, except large unmasked payloads.
    tail: BytesMut,
    /// Large unmasked payloads, each written after the `tail` bytes before
    /// its offset; offsets never decrease.
    inserts: VecDeque<(usize, Bytes)>,
    /// How much of `tail` was already written out. Kept as an index (not
    /// `BytesMut::advance`) so that when everything is written the buffer is
    /// cleared and reused from its start without a reallocation check.
    tail_written: usize,
    /// Total bytes waiting.
    len: usize,
}

impl Output {
    /// Bytes waiting to be written.
    #[must_use]
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing waits.
    #[must_use]
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Removes and returns everything waiting, as one contiguous buffer.
    pub fn take_bytes(&mut self) -> Bytes {
        if self.inserts.is_empty() {
            self.discard_written();
            self.len = 0;
            return self.tail.split().freeze();
        }
        let mut all = BytesMut::with_capacity(self.len);
        while self.has_remaining() {
            all.extend_from_slice(self.chunk());
            self.advance(self.chunk().len());
        }
        all.freeze()
    }

    /// Writes everything waiting to `writer` with vectored writes, advancing
    /// past what each write took, then flushes it. Stops at the first
    /// error (a `WouldBlock` from a non-blocking writer among them): what was
    /// written is gone from the output, the rest waits for the next call.
    /// `Interrupted` writes are retried.
    #[cfg(feature = "std")]
    pub fn write_to<W: std::io::Write + ?Sized>(&mut self, writer: &mut W) -> std::io::Result<()> {
        use std::io::{ErrorKind, IoSlice};
        while self.has_remaining() {
            let mut slices = [IoSlice::new(&[]); 16];
            let count = self.chunks_vectored(&mut slices);
            match writer.write_vectored(&slices[..count]) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(n) => self.advance(n),
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        writer.flush()
    }

    /// Drops the written part of `tail` from the buffer itself.
    fn discard_written(&mut self) {
        let written = core::mem::take(&mut self.tail_written);
        self.tail.advance(written);
        for (at, _) in &mut self.inserts {
            *at -= written;
        }
    }

    /// Queues one frame. A masked header masks a copy of the payload; a
    /// large unmasked payload is queued as it is, without a copy.
    pub(crate) fn push_frame(&mut self, header: &Header, payload: Bytes) {
        if header.mask.is_some() || payload.len() < COPY_LIMIT {
            return self.push_frame_copied(header, &payload);
        }
        let mut head = [0; MAX_HEADER_LEN];
        let head_len = header.encode(&mut head);
        self.tail.extend_from_slice(&head[..head_len]);
        self.len += head_len + payload.len();
        self.inserts.push_back((self.tail.len(), payload));
    }

    /// Queues a whole frame made elsewhere (a prepared message's): shared as
    /// it is, copied only when tiny.
    pub(crate) fn push_encoded(&mut self, frame: Bytes) {
        self.len += frame.len();
        if frame.len() < SHARE_ENCODED {
            self.tail.extend_from_slice(&frame);
        } else {
            self.inserts.push_back((self.tail.len(), frame));
        }
    }

    /// Queues one frame with a copy of `payload`, masked if the header has a
    /// key.
    pub(crate) fn push_frame_copied(&mut self, header: &Header, payload: &[u8]) {
        let mut head = [0; MAX_HEADER_LEN];
        let head_len = header.encode(&mut head);
        let frame_len = head_len + payload.len();
        if self.tail.capacity() - self.tail.len() < frame_len {
            if self.tail_written > 0 {
                // Let the buffer reclaim the written bytes before it grows.
                self.discard_written();
            }
            // One reservation for the whole frame, so neither copy below
            // has to grow the buffer.
            self.tail.reserve(frame_len);
        }
        put_head(&mut self.tail, &head, head_len);
        self.len += frame_len;
        match header.mask {
            Some(key) if payload.len() < STAGE => {
                let start = self.tail.len();
                self.tail.extend_from_slice(payload);
                mask::apply(&mut self.tail[start..], key, 0);
            }
            Some(key) => mask::extend_masked(&mut self.tail, payload, key, 0),
            None => self.tail.extend_from_slice(payload),
        }
    }
}

impl Buf for Output {
    #[inline]
    fn remaining(&self) -> usize {
        self.len
    }

    #[inline]
    fn chunk(&self) -> &[u8] {
        match self.inserts.front() {
            Some((at, payload)) if *at == self.tail_written => payload,
            Some((at, _)) => &self.tail[self.tail_written..*at],
            None => &self.tail[self.tail_written..],
        }
    }

    #[inline]
    fn advance(&mut self, mut cnt: usize) {
        assert!(cnt <= self.len, "advanced past the end of the output");
        self.len -= cnt;
        if self.inserts.is_empty() {
            // Everything is in `tail` (all small frames): no walk.
            self.tail_written += cnt;
            cnt = 0;
        }
        while cnt > 0 {
            match self.inserts.front_mut() {
                Some((at, payload)) if *at == self.tail_written => {
                    let n = cnt.min(payload.len());
                    payload.advance(n);
                    cnt -= n;
                    if payload.is_empty() {
                        self.inserts.pop_front();
                    }
                }
                Some((at, _)) => {
                    let n = cnt.min(*at - self.tail_written);
                    self.tail_written += n;
                    cnt -= n;
                }
                None => {
                    self.tail_written += cnt;
                    cnt = 0;
                }
            }
        }
        if self.len == 0 {
            // Everything is written: reuse the buffer from its start.
            self.tail.clear();
            self.tail_written = 0;
        }
    }

    #[cfg(feature = "std")]
    #[inline]
    fn chunks_vectored<'a>(&'a self, dst: &mut [std::io::IoSlice<'a>]) -> usize {
        if self.inserts.is_empty() {
            // Only small frames: one slice.
            if dst.is_empty() || self.tail_written == self.tail.len() {
                return 0;
            }
            dst[0] = std::io::IoSlice::new(&self.tail[self.tail_written..]);
            return 1;
        }
        // The tail up to each insert, then the insert; then the rest.
        let mut n = 0;
        let mut from = self.tail_written;
        for (at, payload) in &self.inserts {
            for piece in [&self.tail[from..*at], &payload[..]] {
                if n == dst.len() {
                    return n;
                }
                if !piece.is_empty() {
                    dst[n] = std::io::IoSlice::new(piece);
                    n += 1;
                }
            }
            from = *at;
        }
        if n < dst.len() && from < self.tail.len() {
            dst[n] = std::io::IoSlice::new(&self.tail[from..]);
            n += 1;
        }
        n
    }
}

/// Appends a frame header of `len` bytes from `head`. Each arm copies a
/// constant length, which compiles to a few moves where a copy of a
/// variable length calls `memcpy` (about 30 instructions for 2 bytes).
#[inline(always)]
fn put_head(tail: &mut BytesMut, head: &[u8; MAX_HEADER_LEN], len: usize) {
    match len {
        2 => tail.extend_from_slice(&head[..2]),
        4 => tail.extend_from_slice(&head[..4]),
        6 => tail.extend_from_slice(&head[..6]),
        8 => tail.extend_from_slice(&head[..8]),
        10 => tail.extend_from_slice(&head[..10]),
        _ => tail.extend_from_slice(&head[..len]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::Opcode;

    fn header(len: usize) -> Header {
        Header {
            fin: true,
            rsv: 0,
            opcode: Opcode::Binary,
            mask: None,
            payload_len: len as u64,
        }
    }

    #[test]
    fn large_payload_is_queued_without_copy_and_drains_in_order() {
        let mut out = Output::default();
        out.push_frame(&header(3), Bytes::from_static(b"abc"));
        let big = Bytes::from(alloc::vec![7u8; COPY_LIMIT]);
        out.push_frame(&header(big.len()), big.clone());
        out.push_frame(&header(1), Bytes::from_static(b"z"));
        assert_eq!(out.len(), 5 + 4 + COPY_LIMIT + 3);

        let mut drained = alloc::vec::Vec::new();
        while out.has_remaining() {
            let n = out.chunk().len().min(1000);
            assert!(n > 0);
            drained.extend_from_slice(&out.chunk()[..n]);
            out.advance(n);
        }
        let mut expected = alloc::vec![0x82, 3];
        expected.extend_from_slice(b"abc");
        expected.extend_from_slice(&[0x82, 126, 0x10, 0x00]);
        expected.extend_from_slice(&big);
        expected.extend_from_slice(&[0x82, 1, b'z']);
        assert_eq!(drained, expected);
        assert!(out.is_empty());
    }

    #[test]
    fn masked_frames_of_every_size_class_unmask_to_the_payload() {
        for len in [0, 1, 5, 125, STAGE - 1, STAGE, STAGE + 3, 3 * STAGE + 1] {
            let payload: alloc::vec::Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let mut out = Output::default();
            let key = [0xa1, 0xb2, 0xc3, 0xd4];
            let mut h = header(len);
            h.mask = Some(key);
            out.push_frame(&h, Bytes::from(payload.clone()));
            let wire = out.take_bytes();
            let head = wire.len() - len;
            let mut body = wire[head..].to_vec();
            mask::apply(&mut body, key, 0);
            assert_eq!(body, payload, "len {len}");
            assert_eq!(&wire[head - 4..head], &key);
        }
    }

    #[test]
    fn partial_writes_interleaved_with_new_frames_keep_the_byte_stream() {
        let mut out = Output::default();
        let mut expected = alloc::vec::Vec::new();
        let mut drained = alloc::vec::Vec::new();
        for i in 0..200usize {
            let len = [0, 3, 100, COPY_LIMIT, 5000][i % 5];
            let payload = Bytes::from(alloc::vec![i as u8; len]);
            let mut h = header(len);
            if i % 3 == 0 {
                h.mask = Some([1, 2, 3, 4]);
            }
            out.push_frame(&h, payload.clone());
            let mut head = [0; MAX_HEADER_LEN];
            let n = h.encode(&mut head);
            expected.extend_from_slice(&head[..n]);
            let mut body = payload.to_vec();
            if let Some(key) = h.mask {
                mask::apply(&mut body, key, 0);
            }
            expected.extend_from_slice(&body);
            // Write a little, sometimes everything.
            let mut budget = if i % 7 == 0 { usize::MAX } else { 61 };
            while out.has_remaining() && budget > 0 {
                let n = out.chunk().len().min(budget);
                assert!(n > 0);
                drained.extend_from_slice(&out.chunk()[..n]);
                out.advance(n);
                budget -= n;
            }
            assert_eq!(out.len() + drained.len(), expected.len());
        }
        drained.extend_from_slice(&out.take_bytes());
        assert_eq!(drained, expected);
    }

    #[cfg(feature = "std")]
    #[test]
    fn chunks_vectored_lists_the_stream_in_order_from_any_point() {
        use std::io::IoSlice;
        let mut out = Output::default();
        let mut expected = alloc::vec::Vec::new();
        for (i, len) in [3, COPY_LIMIT, 0, COPY_LIMIT + 9, 7, 5000]
            .into_iter()
            .enumerate()
        {
            let payload = Bytes::from(alloc::vec![i as u8; len]);
            out.push_frame(&header(len), payload.clone());
            let mut head = [0; MAX_HEADER_LEN];
            let n = header(len).encode(&mut head);
            expected.extend_from_slice(&head[..n]);
            expected.extend_from_slice(&payload);
        }
        let mut written = 0;
        for step in [0, 1, 4, COPY_LIMIT - 3, 2, 5, COPY_LIMIT + 1] {
            out.advance(step);
            written += step;
            for slots in [1, 2, 3, 16] {
                let mut dst = [IoSlice::new(&[]); 16];
                let count = out.chunks_vectored(&mut dst[..slots]);
                let listed: alloc::vec::Vec<u8> = dst[..count]
                    .iter()
                    .flat_map(|s| s.iter().copied())
                    .collect();
                assert!(dst[..count].iter().all(|s| !s.is_empty()));
                assert_eq!(&listed[..], &expected[written..written + listed.len()]);
                assert_eq!(&dst[0][..], out.chunk());
                if slots == 16 {
                    assert_eq!(listed.len(), expected.len() - written);
                }
            }
        }
    }

    #[test]
    fn take_concatenates_everything() {
        let mut out = Output::default();
        let big = Bytes::from(alloc::vec![1u8; COPY_LIMIT + 1]);
        out.push_frame(&header(big.len()), big);
        out.push_frame(&header(0), Bytes::new());
        let all = out.take_bytes();
        assert_eq!(all.len(), 4 + COPY_LIMIT + 1 + 2);
        assert!(out.is_empty() && out.take_bytes().is_empty());
    }
}
