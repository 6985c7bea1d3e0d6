//! Masking (RFC 6455 section 5.3): XOR with a 4-byte key, in place or while
//! copying.
//!
//! Plain Rust shaped for the vectorizer: the payload is XORed in 32-byte
//! blocks (four `u64` lanes, which the compiler turns into SIMD loads, XORs
//! and stores), then 8-byte words, then single bytes. No intrinsics: on
//! x86-64 with `std`, the same code is also compiled with AVX2 enabled and
//! picked at run time when the CPU has it. Masking's `unsafe` is here:
//! calling that copy, and marking as initialized the spare buffer capacity
//! that `extend_masked` wrote (the crate's other `unsafe` is lending
//! validated text, in `utf8`). The `mask` benchmark measures both against a
//! plain in-place XOR of the same buffer.

use bytes::BytesMut;
use core::mem::MaybeUninit;

/// Bytes XORed per step of the main loop.
const BLOCK: usize = 32;

/// Below this many bytes the portable code is as fast as the AVX2 copy, and
/// checking for AVX2 would cost more than it saves.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
const WIDE: usize = 128;

/// XORs `buf` with `key`, where `buf` starts `offset` bytes into the payload
/// (so a payload can be unmasked in pieces as it arrives).
///
/// ```
/// let mut payload = *b"Hello";
/// rfc6455::mask::apply(&mut payload, [0x37, 0xfa, 0x21, 0x3d], 0);
/// assert_eq!(payload, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
/// ```
#[inline]
pub fn apply(buf: &mut [u8], key: [u8; 4], offset: usize) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if buf.len() >= WIDE && std::is_x86_feature_detected!("avx2") {
        #[allow(unsafe_code)]
        // SAFETY: `apply_avx2` only needs AVX2, which the CPU was just found
        // to support.
        unsafe {
            apply_avx2(buf, key, offset);
        }
        return;
    }
    apply_portable(buf, key, offset);
}

/// [`apply_portable`] compiled for CPUs with AVX2 (32-byte vectors).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
fn apply_avx2(buf: &mut [u8], key: [u8; 4], offset: usize) {
    apply_portable(buf, key, offset);
}

#[inline(always)]
fn apply_portable(buf: &mut [u8], key: [u8; 4], offset: usize) {
    let key = rotate(key, offset);
    let word = key_word(key);
    let mut blocks = buf.chunks_exact_mut(BLOCK);
    for block in &mut blocks {
        for lane in block.chunks_exact_mut(8) {
            xor_word(lane, word);
        }
    }
    let mut words = blocks.into_remainder().chunks_exact_mut(8);
    for lane in &mut words {
        xor_word(lane, word);
    }
    // Whole blocks and words are multiples of 4: the key phase is unchanged.
    for (byte, k) in words.into_remainder().iter_mut().zip(key.iter().cycle()) {
        *byte ^= k;
    }
}

/// Writes `src` XORed with `key` into `dst` (of the same length), where `src`
/// starts `offset` bytes into the payload: masking fused with the copy, one
/// pass over memory instead of two.
///
/// # Panics
///
/// If `src` and `dst` differ in length.
///
/// ```
/// let mut out = [0; 5];
/// rfc6455::mask::apply_copy(b"Hello", &mut out, [0x37, 0xfa, 0x21, 0x3d], 0);
/// assert_eq!(out, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
/// ```
#[inline]
pub fn apply_copy(src: &[u8], dst: &mut [u8], key: [u8; 4], offset: usize) {
    assert_eq!(src.len(), dst.len(), "apply_copy needs equal lengths");
    copy_masked(src, dst, key, offset);
}

/// Appends `src` XORed with `key` to `buf`, where `src` starts `offset`
/// bytes into the payload: written straight into the buffer's spare
/// capacity, so the bytes cross memory once and nothing is zeroed first.
pub(crate) fn extend_masked(buf: &mut BytesMut, src: &[u8], key: [u8; 4], offset: usize) {
    buf.reserve(src.len());
    let start = buf.len();
    copy_masked(src, &mut buf.spare_capacity_mut()[..src.len()], key, offset);
    #[allow(unsafe_code)]
    // SAFETY: `copy_masked` wrote every one of the `src.len()` bytes after
    // `start` (its destination has exactly that length, and it writes each
    // element once), and `reserve` made room for them.
    unsafe {
        buf.set_len(start + src.len());
    }
}

/// A destination byte: initialized, or spare capacity being filled.
trait Slot {
    fn put(&mut self, byte: u8);
}

impl Slot for u8 {
    #[inline(always)]
    fn put(&mut self, byte: u8) {
        *self = byte;
    }
}

impl Slot for MaybeUninit<u8> {
    #[inline(always)]
    fn put(&mut self, byte: u8) {
        self.write(byte);
    }
}

/// Writes every element of `dst` (as long as `src`) with `src` XORed with
/// `key`, picking the AVX2 copy of the code when the CPU has it.
#[inline]
fn copy_masked<T: Slot>(src: &[u8], dst: &mut [T], key: [u8; 4], offset: usize) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if src.len() >= WIDE && std::is_x86_feature_detected!("avx2") {
        #[allow(unsafe_code)]
        // SAFETY: `copy_masked_avx2` only needs AVX2, which the CPU was just
        // found to support.
        unsafe {
            copy_masked_avx2(src, dst, key, offset);
        }
        return;
    }
    copy_masked_portable(src, dst, key, offset);
}

/// [`copy_masked_portable`] compiled for CPUs with AVX2 (32-byte vectors).
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
fn copy_masked_avx2<T: Slot>(src: &[u8], dst: &mut [T], key: [u8; 4], offset: usize) {
    copy_masked_portable(src, dst, key, offset);
}

#[inline(always)]
fn copy_masked_portable<T: Slot>(src: &[u8], dst: &mut [T], key: [u8; 4], offset: usize) {
    debug_assert_eq!(src.len(), dst.len());
    let key = rotate(key, offset);
    let mut block = [0; BLOCK];
    for (b, k) in block.iter_mut().zip(key.iter().cycle()) {
        *b = *k;
    }
    let mut src_blocks = src.chunks_exact(BLOCK);
    let mut dst_blocks = dst.chunks_exact_mut(BLOCK);
    for (s, d) in (&mut src_blocks).zip(&mut dst_blocks) {
        for ((d, s), k) in d.iter_mut().zip(s).zip(&block) {
            d.put(s ^ k);
        }
    }
    // Whole blocks are multiples of 4: the key phase is unchanged.
    let tail = src_blocks.remainder().iter().zip(&block);
    for (d, (s, k)) in dst_blocks.into_remainder().iter_mut().zip(tail) {
        d.put(s ^ k);
    }
}

/// The key repeated over a `u64`, in memory order.
#[inline]
fn key_word(key: [u8; 4]) -> u64 {
    let half = u64::from(u32::from_ne_bytes(key));
    (half << 32) | half
}

#[inline(always)]
fn xor_word(lane: &mut [u8], word: u64) {
    let mut bytes = [0; 8];
    bytes.copy_from_slice(lane);
    lane.copy_from_slice(&(u64::from_ne_bytes(bytes) ^ word).to_ne_bytes());
}

/// The key as seen from `offset` bytes into the payload.
#[inline]
pub(crate) fn rotate(key: [u8; 4], offset: usize) -> [u8; 4] {
    u32::from_le_bytes(key)
        .rotate_right(8 * (offset % 4) as u32)
        .to_le_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(buf: &mut [u8], key: [u8; 4], offset: usize) {
        for (i, byte) in buf.iter_mut().enumerate() {
            *byte ^= key[(offset + i) % 4];
        }
    }

    #[test]
    fn matches_bytewise_reference_for_all_lengths_and_offsets() {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        for len in 0..140 {
            for offset in 0..8 {
                let data: alloc::vec::Vec<u8> = (0..len as u8).collect();
                let mut fast = data.clone();
                let mut slow = data.clone();
                apply(&mut fast, key, offset);
                reference(&mut slow, key, offset);
                assert_eq!(fast, slow, "len {len} offset {offset}");
            }
        }
    }

    #[test]
    fn apply_copy_matches_bytewise_reference_for_all_lengths_and_offsets() {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        for len in 0..140 {
            for offset in 0..8 {
                let data: alloc::vec::Vec<u8> = (0..len as u8).map(|b| b.wrapping_mul(7)).collect();
                let mut copied = alloc::vec![0u8; len];
                apply_copy(&data, &mut copied, key, offset);
                let mut slow = data.clone();
                reference(&mut slow, key, offset);
                assert_eq!(copied, slow, "len {len} offset {offset}");
            }
        }
    }

    /// Also run under Miri (with and without AVX2; see `.ci/run`): every
    /// byte `extend_masked` claims to have written must be initialized.
    #[test]
    fn extend_masked_appends_every_byte_masked() {
        let key = [0x37, 0xfa, 0x21, 0x3d];
        for len in [0, 1, 3, 31, 32, 33, 127, 128, 129, 200] {
            for offset in 0..4 {
                let data: alloc::vec::Vec<u8> = (0..len).map(|i| (i * 13) as u8).collect();
                let mut buf = BytesMut::from(&b"head"[..]);
                extend_masked(&mut buf, &data, key, offset);
                let mut expected = data.clone();
                reference(&mut expected, key, offset);
                assert_eq!(&buf[..4], b"head");
                assert_eq!(&buf[4..], &expected[..], "len {len} offset {offset}");
                let mut in_place = data;
                apply(&mut in_place, key, offset);
                assert_eq!(in_place, expected, "len {len} offset {offset}");
            }
        }
    }

    #[test]
    fn masking_in_pieces_equals_masking_whole() {
        let key = [1, 2, 3, 4];
        let data: alloc::vec::Vec<u8> = (0..=255).collect();
        let mut whole = data.clone();
        apply(&mut whole, key, 0);
        let mut pieces = data;
        let (a, rest) = pieces.split_at_mut(5);
        let (b, c) = rest.split_at_mut(77);
        apply(a, key, 0);
        apply(b, key, 5);
        apply(c, key, 82);
        assert_eq!(whole, pieces);
    }

    #[test]
    fn rfc_example_hello() {
        // RFC 6455 section 5.7: "Hello" masked with 37 fa 21 3d.
        let mut payload = *b"Hello";
        apply(&mut payload, [0x37, 0xfa, 0x21, 0x3d], 0);
        assert_eq!(payload, [0x7f, 0x9f, 0x4d, 0x51, 0x58]);
    }
}
