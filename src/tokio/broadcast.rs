//! One message to many connections without waiting on any of them: a
//! [`PreparedMessage`] queued on each write half, a connection that reads
//! too slowly skipped or closed instead of stalling the others.

use std::vec::Vec;

use super::WriteHalf;
use super::try_send_error::TrySendError;
use crate::{CloseCode, PreparedMessage};

/// What [`broadcast`] does with a connection that is [lagging](TrySendError::Lagging).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lagging {
    /// Skip it for this message: it misses the message and stays open. Its
    /// memory stays bounded by its write limit.
    #[default]
    Skip,
    /// Close it with this code (1008 policy violation or 1013 try again
    /// later are the usual ones): its close frame follows what is queued,
    /// and the close timeout bounds the wait for a peer that never reads.
    /// A code that may not be sent ([`CloseCode::is_sendable`]) closes
    /// nothing: the connection is then only skipped.
    Close(CloseCode),
}

/// What happened to each connection a [`broadcast`] went to. The vectors
/// hold positions in the order the write halves were given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// How many connections queued the message.
    pub queued: usize,
    /// Connections that were lagging: skipped, or closed (as [`Lagging`]
    /// says).
    pub lagging: Vec<usize>,
    /// Connections no longer open: drop their halves
    /// ([`remove_not_open`](Self::remove_not_open) does it).
    pub not_open: Vec<usize>,
}

impl Report {
    /// Removes the connections no longer open from `writers`, the
    /// collection the broadcast went to (in the same order), and returns
    /// them. The others stay, though not all in their places: each removal
    /// moves the last one into the hole (`Vec::swap_remove`).
    pub fn remove_not_open<T>(&self, writers: &mut Vec<T>) -> Vec<T> {
        // From the last position, so each removal leaves the positions
        // still to remove where they were.
        self.not_open
            .iter()
            .rev()
            .map(|&position| writers.swap_remove(position))
            .collect()
    }
}

/// Queues `message` on every write half without waiting on any: each
/// connection's read half (or its next `send` or `flush`) writes it, so one
/// slow peer never holds up the others. A connection with more than its
/// write limit queued is handled as `lagging` says, so a peer that never
/// reads holds at most its write limit (plus one message) in memory.
///
/// The message is framed (and, without context takeover, compressed) once
/// for all of them; see [`PreparedMessage`].
///
/// ```no_run
/// use rfc6455::tokio::{broadcast, Lagging, WriteHalf};
/// use rfc6455::{CloseCode, PreparedMessage};
/// # fn room(writers: &mut Vec<WriteHalf<tokio::net::TcpStream>>) {
/// let message = PreparedMessage::new("the score is 2-1");
/// let report = broadcast(writers.iter(), &message, Lagging::Close(CloseCode::TRY_AGAIN_LATER));
/// // Forget the connections that are over.
/// report.remove_not_open(writers);
/// # }
/// ```
pub fn broadcast<'a, S>(
    writers: impl IntoIterator<Item = &'a WriteHalf<S>>,
    message: &PreparedMessage,
    lagging: Lagging,
) -> Report
where
    S: 'a,
{
    let mut report = Report::default();
    for (position, writer) in writers.into_iter().enumerate() {
        match writer.try_send_prepared(message) {
            Ok(()) => report.queued += 1,
            Err(TrySendError::Lagging { .. }) => {
                if let Lagging::Close(code) = lagging {
                    writer.start_close(crate::CloseFrame::new(code, "too far behind"));
                }
                report.lagging.push(position);
            }
            Err(TrySendError::NotOpen(_)) => report.not_open.push(position),
        }
    }
    report
}
