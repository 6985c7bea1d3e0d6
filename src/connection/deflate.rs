//! Compressing and decompressing messages (RFC 7692 section 7.2).
//!
//! Each message is a raw DEFLATE stream flushed with a sync flush, whose
//! final empty block (`00 00 ff ff`) is removed by the sender and put back by
//! the receiver. Both zlib states are created on first use, so an idle
//! connection holds no compression memory.

use alloc::vec::Vec;
use bytes::Bytes;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use crate::error::ProtocolError;

/// The empty stored block a sync flush ends with.
const TRAILER: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// The most output produced per inflate step.
const INFLATE_STEP: usize = 32 * 1024;

/// The least output room per inflate step (DEFLATE expands by up to ~1032x,
/// so the first step is sized from the input, not the maximum).
const MIN_INFLATE_STEP: usize = 256;

/// The sending side's compressor.
pub(crate) struct Deflater {
    compress: Option<Compress>,
    level: u32,
    /// `None` when the negotiated window is 8 bits, which zlib cannot honour
    /// (it widens 8 to 9): such messages are always sent uncompressed.
    window_bits: Option<u8>,
    no_context_takeover: bool,
    min_size: usize,
}

impl Deflater {
    pub(crate) fn new(
        level: u32,
        window_bits: u8,
        no_context_takeover: bool,
        min_size: usize,
    ) -> Self {
        Deflater {
            compress: None,
            level: level.min(9),
            window_bits: (9..=15).contains(&window_bits).then_some(window_bits),
            no_context_takeover,
            min_size,
        }
    }

    /// The compressed payload (trailer removed), or `None` to send the
    /// message uncompressed: too short, incompressible, or no usable window.
    ///
    /// An incompressible message has already entered the compressor's
    /// window, but the peer never sees it compressed; the compressor is
    /// reset so that later messages cannot refer to it. Without context
    /// takeover each message gets a fresh compressor ([`Alone`]), so its
    /// memory (hundreds of KiB with zlib-rs) is only held while compressing.
    pub(crate) fn compress(&mut self, payload: &[u8]) -> Option<Bytes> {
        if let Some(alone) = self.alone() {
            return alone.compress(payload);
        }
        let window_bits = self.window_bits?;
        if payload.len() < self.min_size {
            return None;
        }
        let level = self.level;
        let compress = self.compress.get_or_insert_with(|| {
            Compress::new_with_window_bits(Compression::new(level), false, window_bits)
        });
        let compressed = compress_sync(compress, payload);
        let useful = compressed
            .as_ref()
            .is_some_and(|out| out.len() < payload.len());
        if !useful {
            compress.reset();
        }
        compressed.filter(|_| useful).map(Bytes::from)
    }
}

/// How a compressor without context takeover compresses: each message
/// alone, so that equal settings give equal bytes on every connection (what
/// lets a prepared message be compressed once for all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Alone {
    level: u32,
    window_bits: Option<u8>,
    min_size: usize,
}

impl Deflater {
    /// The settings of this compressor if it has no context takeover.
    pub(crate) fn alone(&self) -> Option<Alone> {
        self.no_context_takeover.then_some(Alone {
            level: self.level,
            window_bits: self.window_bits,
            min_size: self.min_size,
        })
    }
}

impl Alone {
    /// `payload` compressed by a fresh compressor (trailer removed), or
    /// `None` to send it uncompressed, as [`Deflater::compress`] says.
    pub(crate) fn compress(self, payload: &[u8]) -> Option<Bytes> {
        let window_bits = self.window_bits?;
        if payload.len() < self.min_size {
            return None;
        }
        let level = Compression::new(self.level);
        let mut compress = Compress::new_with_window_bits(level, false, window_bits);
        let compressed = compress_sync(&mut compress, payload)?;
        (compressed.len() < payload.len()).then(|| Bytes::from(compressed))
    }
}

/// Compresses all of `payload` with a sync flush and strips the trailer.
fn compress_sync(compress: &mut Compress, payload: &[u8]) -> Option<Vec<u8>> {
    let start = compress.total_in();
    let mut out = Vec::with_capacity(payload.len() / 4 + 64);
    loop {
        if out.len() == out.capacity() {
            out.reserve(out.capacity().max(64));
        }
        let consumed = (compress.total_in() - start) as usize;
        compress
            .compress_vec(&payload[consumed..], &mut out, FlushCompress::Sync)
            .ok()?;
        // Done once all input is in and the flush did not fill the buffer.
        if compress.total_in() - start == payload.len() as u64 && out.len() < out.capacity() {
            break;
        }
    }
    out.truncate(out.len() - TRAILER.len() * usize::from(out.ends_with(&TRAILER)));
    shrink_if_sparse(&mut out);
    Some(out)
}

/// The receiving side's decompressor.
pub(crate) struct Inflater {
    decompress: Option<Decompress>,
    /// The peer's negotiated window; 8 is read with 9, which zlib requires
    /// and which decodes any stream an 8-bit window produces.
    window_bits: u8,
    no_context_takeover: bool,
}

impl Inflater {
    pub(crate) fn new(window_bits: u8, no_context_takeover: bool) -> Self {
        Inflater {
            decompress: None,
            window_bits: window_bits.clamp(9, 15),
            no_context_takeover,
        }
    }

    /// Inflates `input`, appending to `out`, which may not grow past `limit`
    /// bytes: producing more fails with [`ProtocolError::MessageTooLarge`] having
    /// allocated at most `limit + 1` bytes. Corrupt input fails with
    /// [`ProtocolError::InvalidCompressedData`].
    pub(crate) fn inflate(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), ProtocolError> {
        let window_bits = self.window_bits;
        let decompress = self
            .decompress
            .get_or_insert_with(|| Decompress::new_with_window_bits(false, window_bits));
        let mut rest = input;
        let mut step = input
            .len()
            .saturating_mul(4)
            .clamp(MIN_INFLATE_STEP, INFLATE_STEP);
        loop {
            let room = limit.saturating_sub(out.len()).saturating_add(1).min(step);
            step = INFLATE_STEP;
            grow_within(out, room, limit);
            let spare = out.capacity() - out.len();
            let (in_before, out_before) = (decompress.total_in(), decompress.total_out());
            let status = decompress
                .decompress_vec(rest, out, FlushDecompress::Sync)
                .map_err(|_| ProtocolError::InvalidCompressedData)?;
            let read = (decompress.total_in() - in_before) as usize;
            let written = (decompress.total_out() - out_before) as usize;
            rest = &rest[read..];
            if out.len() > limit {
                return Err(ProtocolError::MessageTooLarge);
            }
            if status == Status::StreamEnd {
                // A final block ends this stream; the next message starts a new one.
                decompress.reset(false);
                return if rest.is_empty() || rest == TRAILER {
                    Ok(())
                } else {
                    Err(ProtocolError::InvalidCompressedData)
                };
            }
            // Output space left over means the input ran out.
            if rest.is_empty() && written < spare {
                return Ok(());
            }
            if read == 0 && written == 0 {
                return Err(ProtocolError::InvalidCompressedData);
            }
        }
    }

    /// Ends a message: inflates the trailer the sender removed, trims the
    /// message's spare capacity, and drops the window if the peer does not
    /// keep context between messages.
    pub(crate) fn finish_message(
        &mut self,
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(), ProtocolError> {
        self.inflate(&TRAILER, out, limit)?;
        shrink_if_sparse(out);
        if self.no_context_takeover {
            self.decompress = None;
        }
        Ok(())
    }
}

/// Gives back capacity a finished buffer does not use, when that is most of it.
fn shrink_if_sparse(out: &mut Vec<u8>) {
    if out.capacity() > 2 * out.len() + 64 {
        out.shrink_to_fit();
    }
}

/// Makes room for `room` more bytes in `out` without letting its capacity
/// pass `limit + 1` (no doubling past the budget).
fn grow_within(out: &mut Vec<u8>, room: usize, limit: usize) {
    let needed = out.len() + room;
    if needed > out.capacity() {
        let target = (out.capacity() * 2).clamp(needed, limit.saturating_add(1).max(needed));
        out.reserve_exact(target - out.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(deflater: &mut Deflater, inflater: &mut Inflater, message: &[u8]) -> bool {
        let compressed = deflater.compress(message);
        let wire = compressed
            .clone()
            .unwrap_or_else(|| Bytes::copy_from_slice(message));
        if compressed.is_some() {
            let mut out = Vec::new();
            inflater.inflate(&wire, &mut out, 1 << 20).unwrap();
            inflater.finish_message(&mut out, 1 << 20).unwrap();
            assert_eq!(out, message);
        }
        compressed.is_some()
    }

    #[test]
    fn round_trips_with_and_without_context_takeover() {
        for no_takeover in [false, true] {
            let mut deflater = Deflater::new(6, 15, no_takeover, 0);
            let mut inflater = Inflater::new(15, no_takeover);
            for i in 0..20 {
                let message =
                    alloc::format!("message {i}: the same words again and again and again");
                assert!(round_trip(&mut deflater, &mut inflater, message.as_bytes()));
            }
        }
    }

    #[test]
    fn incompressible_message_between_compressible_ones_keeps_windows_in_step() {
        let mut deflater = Deflater::new(6, 15, false, 0);
        let mut inflater = Inflater::new(15, false);
        let text = b"compressible compressible compressible compressible";
        assert!(round_trip(&mut deflater, &mut inflater, text));
        // Pseudo-random bytes do not shrink: sent raw, never shown to the inflater.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let noise: Vec<u8> = (0..4000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        assert!(!round_trip(&mut deflater, &mut inflater, &noise));
        assert!(round_trip(&mut deflater, &mut inflater, text));
    }

    #[test]
    fn window_of_8_bits_sends_uncompressed() {
        let mut deflater = Deflater::new(6, 8, false, 0);
        assert_eq!(deflater.compress(&[b'a'; 1000]), None);
    }

    #[test]
    fn bomb_stops_at_the_limit_having_allocated_at_most_the_limit() {
        let mut deflater = Deflater::new(9, 15, false, 0);
        let zeros = alloc::vec![0u8; 4 << 20];
        let bomb = deflater.compress(&zeros).unwrap();
        assert!(bomb.len() < 8 * 1024, "{}", bomb.len());
        let mut inflater = Inflater::new(15, false);
        let mut out = Vec::new();
        let limit = 100_000;
        assert_eq!(
            inflater.inflate(&bomb, &mut out, limit),
            Err(ProtocolError::MessageTooLarge)
        );
        assert!(out.capacity() <= limit + 1, "{}", out.capacity());
    }

    #[test]
    fn message_exactly_at_the_limit_is_accepted() {
        let mut deflater = Deflater::new(6, 15, false, 0);
        let message = alloc::vec![7u8; 50_000];
        let compressed = deflater.compress(&message).unwrap();
        let mut inflater = Inflater::new(15, false);
        let mut out = Vec::new();
        inflater.inflate(&compressed, &mut out, 50_000).unwrap();
        inflater.finish_message(&mut out, 50_000).unwrap();
        assert_eq!(out.len(), 50_000);
    }

    #[test]
    fn corrupt_data_is_an_error() {
        let mut inflater = Inflater::new(15, false);
        let mut out = Vec::new();
        // 0xff starts a block of the reserved type 3.
        assert_eq!(
            inflater.inflate(&[0xff, 0xff, 0xff], &mut out, 1000),
            Err(ProtocolError::InvalidCompressedData)
        );
    }
}
