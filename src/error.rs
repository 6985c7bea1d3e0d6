//! The crate's one error type.
//!
//! Every protocol violation knows the close code it maps to ([`Error::close_code`]);
//! errors that describe a local misuse of the API, or a failed handshake, have none.

use core::fmt;

use crate::close::CloseCode;
use crate::connection::State;
use crate::handshake::HandshakeError;
use crate::message::Message;

/// Everything that can go wrong in this crate.
///
/// Cheap to move (no heap data). Protocol errors carry the close code that was
/// queued for the peer; see [`Error::close_code`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
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
    /// A message grew past `Config::max_message_size`. Close code 1009.
    MessageTooLarge,
    /// The transport ended before the close handshake finished. Close code 1006
    /// (reported locally, never sent).
    UnexpectedEof,
    /// No pong answered a keepalive ping within `Config::ping_timeout`.
    /// Close code 1011.
    KeepaliveTimeout,
    /// The peer did not answer this end's close frame within
    /// `Config::close_timeout`. Close code 1006 (reported locally, never
    /// sent).
    CloseTimeout,
    /// A send or close was attempted in a state that does not allow it
    /// (anything but [`State::Open`]). Local misuse: nothing was queued.
    NotOpen(State),
    /// A send would take the queued output past `Config::max_output_buffer`.
    /// Nothing was queued; drain the output and try again.
    OutputBufferFull,
    /// A whole message was sent while a message sent in fragments was unfinished,
    /// or a fragment continued a message of the other kind.
    FragmentedSendInProgress,
    /// A ping, pong or close payload was over 125 bytes (close: code plus reason).
    ControlPayloadTooLong,
    /// A close code that may not be sent was passed to `Connection::close`.
    UnsendableCloseCode(u16),
    /// The opening handshake failed.
    Handshake(HandshakeError),
}

impl Error {
    /// The close code this error sends to the peer, or `None` for errors that
    /// are not protocol violations (local misuse, handshake failures).
    ///
    /// [`Error::UnexpectedEof`] reports 1006, which is never sent on the wire.
    #[must_use]
    pub fn close_code(&self) -> Option<CloseCode> {
        Some(match self {
            Error::ReservedOpcode(_)
            | Error::ReservedBitsSet(_)
            | Error::InvalidLength
            | Error::UnmaskedFrame
            | Error::MaskedFrame
            | Error::ControlFrameTooLong
            | Error::FragmentedControlFrame
            | Error::UnexpectedContinuation
            | Error::ExpectedContinuation
            | Error::InvalidClosePayload
            | Error::InvalidCloseCode(_) => CloseCode::PROTOCOL_ERROR,
            Error::InvalidUtf8 | Error::InvalidCompressedData => CloseCode::INVALID_PAYLOAD,
            Error::FrameTooLarge | Error::MessageTooLarge => CloseCode::MESSAGE_TOO_BIG,
            Error::KeepaliveTimeout => CloseCode::INTERNAL_ERROR,
            Error::UnexpectedEof | Error::CloseTimeout => CloseCode::ABNORMAL,
            Error::NotOpen(_)
            | Error::OutputBufferFull
            | Error::FragmentedSendInProgress
            | Error::ControlPayloadTooLong
            | Error::UnsendableCloseCode(_)
            | Error::Handshake(_) => return None,
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ReservedOpcode(op) => write!(f, "frame uses reserved opcode {op:#x}"),
            Error::ReservedBitsSet(bits) => {
                write!(
                    f,
                    "frame sets reserved bits {bits:#05b} without a negotiated extension"
                )
            }
            Error::InvalidLength => f.write_str("frame length has its most significant bit set"),
            Error::UnmaskedFrame => f.write_str("client sent an unmasked frame"),
            Error::MaskedFrame => f.write_str("server sent a masked frame"),
            Error::ControlFrameTooLong => f.write_str("control frame payload is over 125 bytes"),
            Error::FragmentedControlFrame => f.write_str("control frame is fragmented"),
            Error::UnexpectedContinuation => {
                f.write_str("continuation frame without a message in progress")
            }
            Error::ExpectedContinuation => {
                f.write_str("new data frame while a fragmented message is in progress")
            }
            Error::InvalidClosePayload => f.write_str("close frame payload is one byte long"),
            Error::InvalidCloseCode(code) => write!(f, "close code {code} may not be sent"),
            Error::InvalidUtf8 => f.write_str("text is not valid UTF-8"),
            Error::InvalidCompressedData => {
                f.write_str("compressed message is not valid DEFLATE data")
            }
            Error::FrameTooLarge => f.write_str("frame payload exceeds the configured maximum"),
            Error::MessageTooLarge => f.write_str("message exceeds the configured maximum"),
            Error::UnexpectedEof => f.write_str("connection ended before the close handshake"),
            Error::KeepaliveTimeout => {
                f.write_str("no pong answered the keepalive ping within the ping timeout")
            }
            Error::CloseTimeout => {
                f.write_str("the peer did not finish the close handshake within the close timeout")
            }
            Error::NotOpen(state) => write!(f, "cannot send: the connection is {state}"),
            Error::OutputBufferFull => f.write_str("output buffer is full"),
            Error::FragmentedSendInProgress => {
                f.write_str("a message sent in fragments is still unfinished")
            }
            Error::ControlPayloadTooLong => f.write_str("control payload is over 125 bytes"),
            Error::UnsendableCloseCode(code) => write!(f, "close code {code} may not be sent"),
            Error::Handshake(e) => write!(f, "handshake failed: {e}"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Error::Handshake(e) => Some(e),
            _ => None,
        }
    }
}

/// A refused [`Connection::send`](crate::Connection::send): why, and the
/// message, given back unsent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    error: Error,
    message: Message,
}

impl SendError {
    pub(crate) fn new(error: Error, message: Message) -> Self {
        SendError { error, message }
    }

    /// Why the send was refused ([`Error::OutputBufferFull`],
    /// [`Error::NotOpen`], [`Error::FragmentedSendInProgress`]).
    #[must_use]
    pub fn error(&self) -> Error {
        self.error
    }

    /// The message that was not sent.
    #[must_use]
    pub fn into_message(self) -> Message {
        self.message
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "message not sent: {}", self.error)
    }
}

impl core::error::Error for SendError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        Some(&self.error)
    }
}

impl From<SendError> for Error {
    fn from(e: SendError) -> Self {
        e.error
    }
}

impl From<HandshakeError> for Error {
    fn from(e: HandshakeError) -> Self {
        Error::Handshake(e)
    }
}
