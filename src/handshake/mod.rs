//! The HTTP/1.1 opening handshake (RFC 6455 section 4).
//! (Being written: see client.rs and server.rs.)

use core::fmt;

/// Why an opening handshake failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The request or response head was not valid HTTP/1.1.
    InvalidHttp,
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::InvalidHttp => f.write_str("malformed HTTP"),
        }
    }
}

impl core::error::Error for HandshakeError {}
