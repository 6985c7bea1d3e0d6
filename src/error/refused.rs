//! What this end asked for and the connection would not do.

use core::fmt;

use crate::connection::State;

/// A send, ping, pong or close that the connection refused: nothing was
/// queued, and the connection is as it was. Either the call was wrong (a
/// misuse) or the output is full (back-pressure: write, then retry).
///
/// ```
/// use rfc6455::{Config, Connection, Refused, State};
///
/// let mut conn = Connection::server(Config::default());
/// conn.close(None).unwrap();
/// assert_eq!(conn.send_text("late"), Err(Refused::NotOpen(State::Closing)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Refused {
    /// The connection is past [`State::Open`]: this end closed, or it
    /// failed, or the close handshake is over.
    NotOpen(State),
    /// The send would take the queued output past
    /// `Config::max_output_buffer`: write the output, then try again.
    OutputBufferFull,
    /// A whole message was sent while a message sent in fragments was
    /// unfinished, or a fragment continued a message of the other kind.
    FragmentedSendInProgress,
    /// A ping, pong or close payload was over 125 bytes (close: code plus
    /// reason).
    ControlPayloadTooLong,
    /// A close code that may not be sent (below 1000, 1004-1006, 1015, ...)
    /// was passed to `Connection::close`.
    UnsendableCloseCode(u16),
}

impl Refused {
    /// Whether waiting helps: the output is full, and writing it out makes
    /// room. Every other refusal is a mistake in the call.
    #[must_use]
    pub fn is_backpressure(&self) -> bool {
        matches!(self, Refused::OutputBufferFull)
    }
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::NotOpen(state) => write!(
                f,
                "refused: the connection's state is {state}, and it sends only while open; \
                 nothing was queued"
            ),
            Refused::OutputBufferFull => f.write_str(
                "refused: the output is at Config::max_output_buffer; write it out, then retry",
            ),
            Refused::FragmentedSendInProgress => f.write_str(
                "refused: a message sent in fragments is unfinished; send its last fragment \
                 first (with the same kind)",
            ),
            Refused::ControlPayloadTooLong => f.write_str(
                "refused: a ping, pong or close payload may hold at most 125 bytes (a close \
                 reason at most 123)",
            ),
            Refused::UnsendableCloseCode(code) => write!(
                f,
                "refused: close code {code} may not be sent; use 1000-1003, 1007-1014 or \
                 3000-4999"
            ),
        }
    }
}

impl core::error::Error for Refused {}
