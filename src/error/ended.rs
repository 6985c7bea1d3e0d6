//! Why a connection ended without a clean close handshake.

use core::fmt;

use super::protocol::ProtocolError;
use crate::close_code::CloseCode;

/// The connection is over, and not cleanly: the peer broke the protocol,
/// the transport ended early, or a timer ran out. Returned by
/// [`Connection::next_event`](crate::Connection::next_event),
/// [`receive_eof`](crate::Connection::receive_eof),
/// [`receive_reset`](crate::Connection::receive_reset) and
/// [`handle_timeout`](crate::Connection::handle_timeout). The close frame
/// it calls for (if any) is already queued: write the output, then close
/// the transport.
///
/// ```
/// use rfc6455::{CloseCode, ConnectionError};
///
/// let error = ConnectionError::UnexpectedEof;
/// assert_eq!(error.close_code(), CloseCode::ABNORMAL);
/// assert!(!error.is_peer_violation());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConnectionError {
    /// The peer broke the protocol (its close code was sent).
    Protocol(ProtocolError),
    /// The transport ended (end of file, reset, read error) before the close
    /// handshake finished: messages in flight may be lost. Close code 1006
    /// (reported locally, never sent).
    UnexpectedEof,
    /// No pong answered a keepalive ping within `Config::ping_timeout`.
    /// Close code 1011 sent.
    KeepaliveTimeout,
    /// The peer did not answer this end's close frame within
    /// `Config::close_timeout`. Close code 1006 (reported locally, never
    /// sent).
    CloseTimeout,
}

impl ConnectionError {
    /// The close code of the ending: the one sent for a protocol
    /// violation or a keepalive timeout, 1006 (never sent) for an ending
    /// without a close frame from the peer.
    #[must_use]
    pub fn close_code(&self) -> CloseCode {
        match self {
            ConnectionError::Protocol(e) => e.close_code(),
            ConnectionError::KeepaliveTimeout => CloseCode::INTERNAL_ERROR,
            ConnectionError::UnexpectedEof | ConnectionError::CloseTimeout => CloseCode::ABNORMAL,
        }
    }

    /// Whether the peer broke the protocol (rather than going silent or
    /// away).
    #[must_use]
    pub fn is_peer_violation(&self) -> bool {
        matches!(self, ConnectionError::Protocol(_))
    }

    /// The violation, if the peer broke the protocol.
    #[must_use]
    pub fn protocol_error(&self) -> Option<ProtocolError> {
        match self {
            ConnectionError::Protocol(e) => Some(*e),
            _ => None,
        }
    }
}

impl fmt::Display for ConnectionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionError::Protocol(e) => fmt::Display::fmt(e, f),
            ConnectionError::UnexpectedEof => f.write_str(
                "the transport ended before the close handshake (the peer went away or the \
                 network failed): messages in flight may be lost",
            ),
            ConnectionError::KeepaliveTimeout => f.write_str(
                "the peer answered no keepalive ping within Config::ping_timeout (it is gone or \
                 too slow; raise the timeout for slow links); close code 1011 sent",
            ),
            ConnectionError::CloseTimeout => f.write_str(
                "the peer did not answer this end's close frame within Config::close_timeout; \
                 the transport can be closed",
            ),
        }
    }
}

/// A protocol violation's Display is the violation's own, so `source` skips
/// it (a chain printer would repeat its message).
impl core::error::Error for ConnectionError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            ConnectionError::Protocol(e) => core::error::Error::source(e),
            _ => None,
        }
    }
}

impl From<ProtocolError> for ConnectionError {
    fn from(e: ProtocolError) -> Self {
        ConnectionError::Protocol(e)
    }
}
