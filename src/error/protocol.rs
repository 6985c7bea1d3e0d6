//! The peer's faults: frames and payloads that break RFC 6455 or this
//! end's limits.

use core::fmt;

use crate::close_code::CloseCode;

/// A protocol violation by the peer. Each has the close code this end sent
/// for it ([`close_code`](Self::close_code)); the connection reads no
/// further.
///
/// ```
/// use rfc6455::{CloseCode, ProtocolError};
///
/// let error = ProtocolError::MessageTooLarge;
/// assert_eq!(error.close_code(), CloseCode::MESSAGE_TOO_BIG);
/// assert!(error.to_string().starts_with("the peer sent a message larger than"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProtocolError {
    /// A frame used an opcode that RFC 6455 reserves (3-7, 0xB-0xF). Close code 1002.
    ReservedOpcode(u8),
    /// RSV1, RSV2 or RSV3 was set without an extension that defines it. Close code 1002.
    ReservedBitsSet(u8),
    /// A 64-bit payload length had its most significant bit set. Close code 1002.
    InvalidLength,
    /// A server received an unmasked frame. Close code 1002.
    UnmaskedFrame,
    /// A client received a masked frame. Close code 1002.
    MaskedFrame,
    /// A control frame carried more than 125 bytes of payload. Close code 1002.
    ControlFrameTooLong,
    /// A control frame had FIN clear (control frames may not be fragmented). Close code 1002.
    FragmentedControlFrame,
    /// A continuation frame arrived with no fragmented message in progress. Close code 1002.
    UnexpectedContinuation,
    /// A new text or binary frame arrived while a fragmented message was in progress. Close code 1002.
    ExpectedContinuation,
    /// A close frame had a one-byte payload. Close code 1002.
    InvalidClosePayload,
    /// A close frame carried a code that may not appear on the wire. Close code 1002.
    InvalidCloseCode(u16),
    /// Text (a text message or a close reason) was not valid UTF-8. Close code 1007.
    InvalidUtf8,
    /// A compressed message (permessage-deflate) was not valid DEFLATE data.
    /// Close code 1007.
    InvalidCompressedData,
    /// A frame declared a payload above `Config::max_frame_size`. Close code 1009.
    FrameTooLarge,
    /// A message grew past `Config::max_message_size` (counted after
    /// decompression). Close code 1009.
    MessageTooLarge,
}

impl ProtocolError {
    /// The close code this end sent to the peer for the violation.
    #[must_use]
    pub fn close_code(&self) -> CloseCode {
        match self {
            ProtocolError::InvalidUtf8 | ProtocolError::InvalidCompressedData => {
                CloseCode::INVALID_PAYLOAD
            }
            ProtocolError::FrameTooLarge | ProtocolError::MessageTooLarge => {
                CloseCode::MESSAGE_TOO_BIG
            }
            _ => CloseCode::PROTOCOL_ERROR,
        }
    }
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the peer ")?;
        match self {
            ProtocolError::ReservedOpcode(op) => write!(f, "used reserved opcode {op:#x}"),
            ProtocolError::ReservedBitsSet(bits) => write!(
                f,
                "set reserved bits {bits:#05b} that no negotiated extension defines"
            ),
            ProtocolError::InvalidLength => {
                f.write_str("sent a frame length with its most significant bit set")
            }
            ProtocolError::UnmaskedFrame => f.write_str("(a client) sent an unmasked frame"),
            ProtocolError::MaskedFrame => f.write_str("(a server) sent a masked frame"),
            ProtocolError::ControlFrameTooLong => {
                f.write_str("sent a control frame with over 125 bytes of payload")
            }
            ProtocolError::FragmentedControlFrame => f.write_str("fragmented a control frame"),
            ProtocolError::UnexpectedContinuation => {
                f.write_str("sent a continuation frame with no message in progress")
            }
            ProtocolError::ExpectedContinuation => {
                f.write_str("started a new message before finishing its fragmented one")
            }
            ProtocolError::InvalidClosePayload => {
                f.write_str("sent a close frame with a one-byte payload")
            }
            ProtocolError::InvalidCloseCode(code) => {
                write!(
                    f,
                    "sent close code {code}, which may not appear on the wire"
                )
            }
            ProtocolError::InvalidUtf8 => f.write_str("sent text that is not valid UTF-8"),
            ProtocolError::InvalidCompressedData => {
                f.write_str("sent a compressed message that is not valid DEFLATE data")
            }
            ProtocolError::FrameTooLarge => f.write_str(
                "sent a frame larger than Config::max_frame_size (raise it if such frames are \
                 expected)",
            ),
            ProtocolError::MessageTooLarge => f.write_str(
                "sent a message larger than Config::max_message_size (raise it if such \
                 messages are expected)",
            ),
        }?;
        write!(f, "; close code {} sent", self.close_code())
    }
}

impl core::error::Error for ProtocolError {}
