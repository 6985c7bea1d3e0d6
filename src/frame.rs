//! Frame headers (RFC 6455 section 5.2): decoding from as few bytes as have
//! arrived, and encoding with the shortest length form.
//!
//! ```
//! use rfc6455::frame::{Decoded, Header, Opcode};
//!
//! // An unmasked text frame holding "Hi", from the RFC's examples.
//! let wire = [0x81, 0x02, b'H', b'i'];
//! let Ok(Decoded::Complete { header, len }) = Header::decode(&wire) else { panic!() };
//! assert_eq!((header.opcode, header.fin, header.payload_len, len), (Opcode::Text, true, 2, 2));
//! assert_eq!(Header::decode(&wire[..1]), Ok(Decoded::Partial { needed: 1 }));
//! ```

use crate::error::ProtocolError;
use crate::message::DataKind;

/// The longest header: 2 bytes, an 8-byte extended length and a 4-byte mask key.
pub const MAX_HEADER_LEN: usize = 14;

/// The RSV1 bit as it appears in [`Header::rsv`] (permessage-deflate uses it).
pub const RSV1: u8 = 0b100;

/// A frame's opcode. Reserved opcodes are rejected while decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Opcode {
    /// 0x0: continues a fragmented message.
    Continuation,
    /// 0x1: starts a text message.
    Text,
    /// 0x2: starts a binary message.
    Binary,
    /// 0x8: close.
    Close,
    /// 0x9: ping.
    Ping,
    /// 0xA: pong.
    Pong,
}

impl Opcode {
    /// The opcode of a data message's first frame.
    pub(crate) fn data(kind: DataKind) -> Opcode {
        match kind {
            DataKind::Text => Opcode::Text,
            DataKind::Binary => Opcode::Binary,
        }
    }

    /// The 4-bit wire value.
    #[must_use]
    pub fn to_u8(self) -> u8 {
        match self {
            Opcode::Continuation => 0x0,
            Opcode::Text => 0x1,
            Opcode::Binary => 0x2,
            Opcode::Close => 0x8,
            Opcode::Ping => 0x9,
            Opcode::Pong => 0xA,
        }
    }

    /// Parses a 4-bit wire value; reserved values are an error (1002).
    pub fn from_u8(value: u8) -> Result<Opcode, ProtocolError> {
        Ok(match value {
            0x0 => Opcode::Continuation,
            0x1 => Opcode::Text,
            0x2 => Opcode::Binary,
            0x8 => Opcode::Close,
            0x9 => Opcode::Ping,
            0xA => Opcode::Pong,
            other => return Err(ProtocolError::ReservedOpcode(other)),
        })
    }

    /// Whether this is a control opcode (close, ping, pong).
    #[must_use]
    pub fn is_control(self) -> bool {
        matches!(self, Opcode::Close | Opcode::Ping | Opcode::Pong)
    }
}

/// A decoded or to-be-encoded frame header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// Whether this is the final frame of a message.
    pub fin: bool,
    /// RSV1..RSV3 as the low three bits (RSV1 = `0b100`).
    pub rsv: u8,
    /// The opcode.
    pub opcode: Opcode,
    /// The masking key, if the frame is masked.
    pub mask: Option<[u8; 4]>,
    /// The payload length the header declares.
    pub payload_len: u64,
}

/// The result of [`Header::decode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decoded {
    /// More input is needed: at least `needed` more bytes.
    Partial {
        /// How many more bytes the header needs at the least.
        needed: usize,
    },
    /// A whole header was read.
    Complete {
        /// The header.
        header: Header,
        /// How many bytes of input it took.
        len: usize,
    },
}

/// Where a frame's payload starts and how long it is, and its mask key:
/// the length fields of a header, read without any check. The one parser of
/// those fields, shared by [`Header::decode`] and the unmasking walk that
/// runs as bytes arrive (which leaves every check to `decode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Extent {
    /// Bytes of header, the mask key included.
    pub(crate) header_len: usize,
    /// The declared payload length, unchecked.
    pub(crate) payload_len: u64,
    /// The mask key, if the mask bit is set.
    pub(crate) key: Option<[u8; 4]>,
}

impl Extent {
    /// Reads the lengths and key of the header at the start of `buf`, or
    /// `None` if they have not all arrived.
    #[inline]
    pub(crate) fn read(buf: &[u8]) -> Option<Extent> {
        let second = *buf.get(1)?;
        let header_len = extent_len(second);
        let header = buf.get(..header_len)?;
        let payload_len = match second & 0x7F {
            126 => u64::from(u16::from_be_bytes([header[2], header[3]])),
            127 => {
                let mut bytes = [0; 8];
                bytes.copy_from_slice(&header[2..10]);
                u64::from_be_bytes(bytes)
            }
            short => u64::from(short),
        };
        let key = (second & 0x80 != 0).then(|| {
            let at = header_len - 4;
            [header[at], header[at + 1], header[at + 2], header[at + 3]]
        });
        Some(Extent {
            header_len,
            payload_len,
            key,
        })
    }
}

/// The length of a header whose second byte is `second`.
#[inline]
fn extent_len(second: u8) -> usize {
    let extended = match second & 0x7F {
        126 => 2,
        127 => 8,
        _ => 0,
    };
    2 + extended + if second & 0x80 != 0 { 4 } else { 0 }
}

impl Header {
    /// Decodes a header from the start of `buf`, reading nothing past it.
    ///
    /// Rejects reserved opcodes, a 64-bit length with its top bit set, and
    /// control frames that are fragmented or longer than 125 bytes (all 1002).
    /// RSV bits and masking are left for the caller, who knows the role and
    /// the negotiated extensions.
    #[inline]
    pub fn decode(buf: &[u8]) -> Result<Decoded, ProtocolError> {
        let [b0, b1, ..] = *buf else {
            return Ok(Decoded::Partial {
                needed: 2 - buf.len(),
            });
        };
        let fin = b0 & 0x80 != 0;
        let rsv = (b0 >> 4) & 0b111;
        let opcode = Opcode::from_u8(b0 & 0x0F)?;
        let short_len = b1 & 0x7F;
        if opcode.is_control() {
            if short_len > 125 {
                return Err(ProtocolError::ControlFrameTooLong);
            }
            if !fin {
                return Err(ProtocolError::FragmentedControlFrame);
            }
        }
        let Some(extent) = Extent::read(buf) else {
            return Ok(Decoded::Partial {
                needed: extent_len(b1) - buf.len(),
            });
        };
        if extent.payload_len >> 63 != 0 {
            return Err(ProtocolError::InvalidLength);
        }
        let (len, payload_len, mask) = (extent.header_len, extent.payload_len, extent.key);
        Ok(Decoded::Complete {
            header: Header {
                fin,
                rsv,
                opcode,
                mask,
                payload_len,
            },
            len,
        })
    }

    /// Writes the header into `out` using the shortest length form and returns
    /// how many bytes it took.
    pub fn encode(&self, out: &mut [u8; MAX_HEADER_LEN]) -> usize {
        out[0] = (u8::from(self.fin) << 7) | ((self.rsv & 0b111) << 4) | self.opcode.to_u8();
        let mask_bit = if self.mask.is_some() { 0x80 } else { 0 };
        let mut len = match self.payload_len {
            n @ 0..=125 => {
                out[1] = mask_bit | n as u8;
                2
            }
            n @ 126..=0xFFFF => {
                out[1] = mask_bit | 126;
                out[2..4].copy_from_slice(&(n as u16).to_be_bytes());
                4
            }
            n => {
                out[1] = mask_bit | 127;
                out[2..10].copy_from_slice(&n.to_be_bytes());
                10
            }
        };
        if let Some(key) = self.mask {
            out[len..len + 4].copy_from_slice(&key);
            len += 4;
        }
        len
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(opcode: Opcode, payload_len: u64, mask: Option<[u8; 4]>) -> Header {
        Header {
            fin: true,
            rsv: 0,
            opcode,
            mask,
            payload_len,
        }
    }

    #[test]
    fn encodes_shortest_length_form_and_round_trips() {
        for (len, header_len) in [
            (0, 2),
            (125, 2),
            (126, 4),
            (0xFFFF, 4),
            (0x1_0000, 10),
            (u64::MAX >> 1, 10),
        ] {
            for mask in [None, Some([9, 8, 7, 6])] {
                let h = header(Opcode::Binary, len, mask);
                let mut out = [0; MAX_HEADER_LEN];
                let n = h.encode(&mut out);
                let expected = header_len + if mask.is_some() { 4 } else { 0 };
                assert_eq!(n, expected, "len {len}");
                assert_eq!(
                    Header::decode(&out[..n]),
                    Ok(Decoded::Complete { header: h, len: n })
                );
                // Every proper prefix is partial, asking for exactly the rest.
                for cut in 0..n {
                    match Header::decode(&out[..cut]) {
                        Ok(Decoded::Partial { needed }) => assert!(cut + needed <= n),
                        other => panic!("prefix {cut}: {other:?}"),
                    }
                }
            }
        }
    }

    #[test]
    fn rejects_length_with_top_bit_set() {
        let wire = [0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(Header::decode(&wire), Err(ProtocolError::InvalidLength));
    }

    #[test]
    fn rejects_reserved_opcodes() {
        for op in [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] {
            assert_eq!(
                Header::decode(&[0x80 | op, 0]),
                Err(ProtocolError::ReservedOpcode(op))
            );
        }
    }

    #[test]
    fn rejects_long_or_fragmented_control_frames() {
        assert_eq!(
            Header::decode(&[0x89, 126, 0, 126]),
            Err(ProtocolError::ControlFrameTooLong)
        );
        assert_eq!(
            Header::decode(&[0x09, 0]),
            Err(ProtocolError::FragmentedControlFrame)
        );
    }

    #[test]
    fn reads_rsv_bits_and_mask() {
        let wire = [0xC1, 0x80, 1, 2, 3, 4];
        let Ok(Decoded::Complete { header, len }) = Header::decode(&wire) else {
            panic!("incomplete")
        };
        assert_eq!(len, 6);
        assert_eq!(header.rsv, RSV1);
        assert_eq!(header.mask, Some([1, 2, 3, 4]));
    }
}
