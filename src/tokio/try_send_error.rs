//! Why a prepared message was not queued without waiting.

use core::fmt;

use crate::State;

/// Why a message was not queued by `try_send_prepared`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrySendError {
    /// More than the write limit of output is waiting (`queued` bytes): the
    /// peer reads slower than messages come, or not at all. Nothing was
    /// queued; the connection is otherwise fine.
    Lagging {
        /// Bytes of output waiting when the message came.
        queued: usize,
    },
    /// The connection is past open (closing, closed or failed): nothing
    /// will be sent on it again, so drop it.
    NotOpen(State),
}

impl fmt::Display for TrySendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrySendError::Lagging { queued } => write!(
                f,
                "not queued: {queued} bytes already wait for the peer to read them (over the \
                 write limit); the peer reads too slowly"
            ),
            TrySendError::NotOpen(state) => {
                write!(f, "not queued: the connection is {state}; drop it")
            }
        }
    }
}

impl std::error::Error for TrySendError {}
