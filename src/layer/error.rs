//! The layers' error: the transport's, the protocol's, or the peer's
//! answer.

use alloc::boxed::Box;
use core::fmt;

use crate::handshake::{HandshakeError, Rejection};

/// Why a layer call failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The transport failed (connect, read, write; TLS too).
    Io(std::io::Error),
    /// The WebSocket protocol: a violation by the peer (with the close
    /// code that was sent, see [`crate::Error::close_code`]), a failed
    /// handshake, a keepalive or close timeout, or a call the state refuses.
    Protocol(crate::Error),
    /// The server answered the upgrade with another status than 101 (a
    /// redirect, 401, 404, ...): its status, reason, headers and the start
    /// of its body.
    Rejected(Box<Rejection>),
    /// The opening handshake did not finish within the open timeout.
    OpenTimeout,
}

impl Error {
    /// The rejection, if the server refused the upgrade.
    #[must_use]
    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            Error::Rejected(rejection) => Some(rejection),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "transport error: {e}"),
            Error::Protocol(e) => write!(f, "{e}"),
            Error::Rejected(r) => {
                write!(
                    f,
                    "server refused the upgrade: {} {}",
                    r.status(),
                    r.reason()
                )
            }
            Error::OpenTimeout => {
                f.write_str("the opening handshake did not finish within the open timeout")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            Error::Protocol(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

impl From<crate::Error> for Error {
    fn from(e: crate::Error) -> Self {
        Error::Protocol(e)
    }
}

impl From<crate::SendError> for Error {
    fn from(e: crate::SendError) -> Self {
        Error::Protocol(e.error())
    }
}

impl From<HandshakeError> for Error {
    fn from(e: HandshakeError) -> Self {
        Error::Protocol(crate::Error::Handshake(e))
    }
}
