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

/// Masked payloads at least this long are masked while they are copied, so
/// the payload crosses memory once; shorter ones are copied, then masked in
/// place while hot.
const STAGE: usize = 4096;

/// Output waiting for the transport. Implements [`bytes::Buf`]: write
/// [`Buf::chunk`] (or [`Buf::chunks_vectored`]), then [`Buf::advance`] by
/// what was written.
#[derive(Debug, Default)]
pub struct Output {
    /// Sealed chunks, in order, written before `tail`.
    sealed: VecDeque<Bytes>,
    /// Where new small frames are appended.
    tail: BytesMut,
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
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing waits.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Removes and returns everything waiting, as one contiguous buffer.
    pub fn take_bytes(&mut self) -> Bytes {
        self.discard_written();
        let len = core::mem::take(&mut self.len);
        if self.sealed.is_empty() {
            return self.tail.split().freeze();
        }
        let mut all = BytesMut::with_capacity(len);
        for chunk in self.sealed.drain(..) {
            all.extend_from_slice(&chunk);
        }
        all.extend_from_slice(&self.tail.split());
        all.freeze()
    }

    /// Drops the written part of `tail` from the buffer itself.
    fn discard_written(&mut self) {
        self.tail.advance(core::mem::take(&mut self.tail_written));
    }

    /// Queues one frame. A masked header masks a copy of the payload; a
    /// large unmasked payload is queued as it is, without a copy.
    pub(crate) fn push_frame(&mut self, header: &Header, payload: Bytes) {
        if header.mask.is_some() || payload.len() < COPY_LIMIT {
            return self.push_frame_copied(header, &payload);
        }
        let mut head = [0; MAX_HEADER_LEN];
        let head_len = header.encode(&mut head);
        self.discard_written();
        self.tail.extend_from_slice(&head[..head_len]);
        self.len += head_len + payload.len();
        self.sealed.push_back(self.tail.split().freeze());
        self.sealed.push_back(payload);
    }

    /// Queues one frame with a copy of `payload`, masked if the header has a
    /// key.
    pub(crate) fn push_frame_copied(&mut self, header: &Header, payload: &[u8]) {
        let mut head = [0; MAX_HEADER_LEN];
        let head_len = header.encode(&mut head);
        if self.tail_written > 0
            && self.tail.capacity() - self.tail.len() < head_len + payload.len()
        {
            // Let the buffer reclaim the written bytes before it grows.
            self.discard_written();
        }
        self.tail.extend_from_slice(&head[..head_len]);
        self.len += head_len + payload.len();
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
    fn remaining(&self) -> usize {
        self.len
    }

    fn chunk(&self) -> &[u8] {
        match self.sealed.front() {
            Some(chunk) => chunk,
            None => &self.tail[self.tail_written..],
        }
    }

    fn advance(&mut self, mut cnt: usize) {
        assert!(cnt <= self.len, "advanced past the end of the output");
        self.len -= cnt;
        while cnt > 0 {
            match self.sealed.front_mut() {
                Some(front) if front.len() <= cnt => {
                    cnt -= front.len();
                    self.sealed.pop_front();
                }
                Some(front) => {
                    front.advance(cnt);
                    return;
                }
                None => {
                    self.tail_written += cnt;
                    if self.tail_written == self.tail.len() {
                        self.tail.clear();
                        self.tail_written = 0;
                    }
                    return;
                }
            }
        }
        // Drop empty sealed chunks so `chunk` never returns an empty slice early.
        while self.sealed.front().is_some_and(Bytes::is_empty) {
            self.sealed.pop_front();
        }
    }

    #[cfg(feature = "std")]
    fn chunks_vectored<'a>(&'a self, dst: &mut [std::io::IoSlice<'a>]) -> usize {
        let tail = &self.tail[self.tail_written..];
        if self.sealed.is_empty() {
            // The common case: only small frames wait.
            return match dst.first_mut() {
                Some(slot) if !tail.is_empty() => {
                    *slot = std::io::IoSlice::new(tail);
                    1
                }
                _ => 0,
            };
        }
        let chunks = self
            .sealed
            .iter()
            .map(|c| &c[..])
            .chain(core::iter::once(tail))
            .filter(|c| !c.is_empty());
        let mut n = 0;
        for (slot, chunk) in dst.iter_mut().zip(chunks) {
            *slot = std::io::IoSlice::new(chunk);
            n += 1;
        }
        n
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
