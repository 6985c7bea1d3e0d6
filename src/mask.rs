//! Masking (RFC 6455 section 5.3): XOR with a 4-byte key, in place or while
//! copying.
//!
//! Safe code only, shaped for the vectorizer: the payload is XORed in 32-byte
//! blocks (four `u64` lanes, which the compiler turns into SIMD loads, XORs
//! and stores), then 8-byte words, then single bytes. The `mask` benchmark
//! shows this at the speed of a plain in-place XOR of the same buffer, so
//! hand-written SIMD (which would need `unsafe`) would not pay.

/// Bytes XORed per step of the main loop.
const BLOCK: usize = 32;

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
    let key = rotate(key, offset);
    let mut block = [0; BLOCK];
    for (b, k) in block.iter_mut().zip(key.iter().cycle()) {
        *b = *k;
    }
    let mut src_blocks = src.chunks_exact(BLOCK);
    let mut dst_blocks = dst.chunks_exact_mut(BLOCK);
    for (s, d) in (&mut src_blocks).zip(&mut dst_blocks) {
        let mut lanes = [0; BLOCK];
        lanes.copy_from_slice(s);
        for (lane, k) in lanes.iter_mut().zip(&block) {
            *lane ^= k;
        }
        d.copy_from_slice(&lanes);
    }
    // Whole blocks are multiples of 4: the key phase is unchanged.
    let tail = src_blocks.remainder().iter().zip(&block);
    for (d, (s, k)) in dst_blocks.into_remainder().iter_mut().zip(tail) {
        *d = s ^ k;
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
