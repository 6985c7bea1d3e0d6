//! Errors, typed by who is at fault.
//!
//! - [`ProtocolError`]: the peer broke RFC 6455 (or this end's limits);
//!   it always has the close code that was sent.
//! - [`ConnectionError`]: the connection ended without a clean close: a
//!   protocol violation, the transport's early end, a timeout.
//! - [`Refused`]: this end asked for something the connection would not do
//!   (nothing was queued); [`SendError`] gives the message back too.
//! - [`HandshakeError`]: the opening handshake failed (by side and fault).
//!
//! Each call returns the narrowest of these. [`Error`] holds any of them,
//! for `?` in code that does not tell them apart.
//!
//! Every error type here is a leaf: it imports only leaf types, never the
//! connection or the handshake that return it.

mod ended;
mod protocol;
mod refused;
mod send;

use core::fmt;

pub use ended::ConnectionError;
pub use protocol::ProtocolError;
pub use refused::Refused;
pub use send::SendError;

use crate::handshake::{HandshakeError, Misuse, RequestError, ResponseError};

/// Any of this crate's errors, for `?` where the kind does not matter.
///
/// ```
/// use rfc6455::{Config, Connection, Message};
///
/// fn echo_once(server: &mut Connection, client: &mut Connection) -> Result<(), rfc6455::Error> {
///     client.send(Message::from("hi"))?; // a SendError
///     server.receive(&client.take_output());
///     if let Some(rfc6455::Event::Message(m)) = server.next_event()? { // a ConnectionError
///         server.send(m)?;
///     }
///     Ok(())
/// }
/// echo_once(&mut Connection::server(Config::default()), &mut Connection::client(Config::default())).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The connection ended without a clean close.
    Connection(ConnectionError),
    /// A call the connection refused.
    Refused(Refused),
    /// The opening handshake failed.
    Handshake(HandshakeError),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Connection(e) => fmt::Display::fmt(e, f),
            Error::Refused(e) => fmt::Display::fmt(e, f),
            Error::Handshake(e) => fmt::Display::fmt(e, f),
        }
    }
}

/// Transparent: the Display is the inner error's, so `source` skips the
/// inner error (a chain printer would repeat its message) and goes on to its
/// source.
impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Error::Connection(e) => core::error::Error::source(e),
            Error::Refused(e) => core::error::Error::source(e),
            Error::Handshake(e) => core::error::Error::source(e),
        }
    }
}

impl From<ConnectionError> for Error {
    fn from(e: ConnectionError) -> Self {
        Error::Connection(e)
    }
}

impl From<ProtocolError> for Error {
    fn from(e: ProtocolError) -> Self {
        Error::Connection(e.into())
    }
}

impl From<Refused> for Error {
    fn from(e: Refused) -> Self {
        Error::Refused(e)
    }
}

impl From<SendError> for Error {
    fn from(e: SendError) -> Self {
        Error::Refused(e.refused())
    }
}

impl From<HandshakeError> for Error {
    fn from(e: HandshakeError) -> Self {
        Error::Handshake(e)
    }
}

impl From<RequestError> for Error {
    fn from(e: RequestError) -> Self {
        Error::Handshake(e.into())
    }
}

impl From<ResponseError> for Error {
    fn from(e: ResponseError) -> Self {
        Error::Handshake(e.into())
    }
}

impl From<Misuse> for Error {
    fn from(e: Misuse) -> Self {
        Error::Handshake(e.into())
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;

    use super::*;
    use crate::close_code::CloseCode;
    use crate::connection::State;

    const PEER: [ProtocolError; 15] = [
        ProtocolError::ReservedOpcode(3),
        ProtocolError::ReservedBitsSet(0b010),
        ProtocolError::InvalidLength,
        ProtocolError::UnmaskedFrame,
        ProtocolError::MaskedFrame,
        ProtocolError::ControlFrameTooLong,
        ProtocolError::FragmentedControlFrame,
        ProtocolError::UnexpectedContinuation,
        ProtocolError::ExpectedContinuation,
        ProtocolError::InvalidClosePayload,
        ProtocolError::InvalidCloseCode(1005),
        ProtocolError::InvalidUtf8,
        ProtocolError::InvalidCompressedData,
        ProtocolError::FrameTooLarge,
        ProtocolError::MessageTooLarge,
    ];

    #[test]
    fn every_protocol_error_blames_the_peer_and_names_the_code_sent() {
        for error in PEER {
            let text = error.to_string();
            assert!(text.starts_with("the peer "), "{text}");
            let code = error.close_code();
            assert!(code.is_sendable(), "{error:?} maps to unsendable {code}");
            assert!(
                text.ends_with(&alloc::format!("close code {code} sent")),
                "{text}"
            );
        }
    }

    #[test]
    fn close_codes_follow_the_kind_of_violation() {
        let code = |e: ProtocolError| e.close_code();
        assert_eq!(code(ProtocolError::MaskedFrame), CloseCode::PROTOCOL_ERROR);
        assert_eq!(code(ProtocolError::InvalidUtf8), CloseCode::INVALID_PAYLOAD);
        assert_eq!(
            code(ProtocolError::InvalidCompressedData),
            CloseCode::INVALID_PAYLOAD
        );
        assert_eq!(
            code(ProtocolError::FrameTooLarge),
            CloseCode::MESSAGE_TOO_BIG
        );
        assert_eq!(
            code(ProtocolError::MessageTooLarge),
            CloseCode::MESSAGE_TOO_BIG
        );
    }

    #[test]
    fn endings_say_what_happened_and_carry_their_code() {
        let ended = [
            (ConnectionError::UnexpectedEof, 1006, "transport ended"),
            (ConnectionError::KeepaliveTimeout, 1011, "keepalive"),
            (ConnectionError::CloseTimeout, 1006, "close_timeout"),
        ];
        for (error, code, words) in ended {
            assert_eq!(error.close_code(), CloseCode(code));
            assert!(!error.is_peer_violation());
            assert!(error.to_string().contains(words), "{error}");
        }
        let violation = ConnectionError::from(ProtocolError::InvalidUtf8);
        assert!(violation.is_peer_violation());
        assert_eq!(violation.protocol_error(), Some(ProtocolError::InvalidUtf8));
        assert_eq!(
            violation.to_string(),
            ProtocolError::InvalidUtf8.to_string()
        );
    }

    #[test]
    fn refusals_say_nothing_was_queued_or_what_to_do() {
        let refusals = [
            (Refused::NotOpen(State::Closing), "nothing was queued"),
            (Refused::OutputBufferFull, "write it out, then retry"),
            (Refused::FragmentedSendInProgress, "send its last fragment"),
            (Refused::ControlPayloadTooLong, "125 bytes"),
            (Refused::UnsendableCloseCode(1006), "3000-4999"),
        ];
        for (refused, words) in refusals {
            let text = refused.to_string();
            assert!(text.starts_with("refused: "), "{text}");
            assert!(text.contains(words), "{text}");
            assert_eq!(
                refused.is_backpressure(),
                refused == Refused::OutputBufferFull
            );
        }
    }

    #[test]
    fn the_umbrella_keeps_the_kind() {
        assert_eq!(
            Error::from(ProtocolError::FrameTooLarge),
            Error::Connection(ConnectionError::Protocol(ProtocolError::FrameTooLarge))
        );
        let unsent = SendError::new(Refused::OutputBufferFull, crate::Message::from("x"));
        assert_eq!(
            Error::from(unsent),
            Error::Refused(Refused::OutputBufferFull)
        );
    }
}
