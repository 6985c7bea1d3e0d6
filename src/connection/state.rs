//! The one lifecycle of a connection.

use core::fmt;

/// Where a connection is in its life. Every call checks it: sends are
/// refused outside [`Open`](State::Open), reading stops at
/// [`Closed`](State::Closed) or [`Failed`](State::Failed), and a state never
/// comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum State {
    /// Messages flow both ways.
    Open,
    /// This end sent its close frame and waits for the peer's; data that
    /// arrives meanwhile is discarded.
    Closing,
    /// Both close frames were exchanged (the close handshake is complete).
    Closed,
    /// A protocol violation, the transport's end before the close
    /// handshake, or a timeout ended the connection.
    Failed,
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Open => "open",
            State::Closing => "closing (this end sent its close frame)",
            State::Closed => "closed",
            State::Failed => "failed",
        })
    }
}
