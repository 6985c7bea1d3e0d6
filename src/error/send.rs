//! A refused send that gives the message back.

use core::fmt;

use super::refused::Refused;
use crate::message::Message;

/// A refused [`Connection::send`](crate::Connection::send): why, and the
/// message, given back unsent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    refused: Refused,
    message: Message,
}

impl SendError {
    pub(crate) fn new(refused: Refused, message: Message) -> Self {
        SendError { refused, message }
    }

    /// Why the send was refused.
    #[must_use]
    pub fn refused(&self) -> Refused {
        self.refused
    }

    /// The message that was not sent.
    #[must_use]
    pub fn into_message(self) -> Message {
        self.message
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "message of {} bytes not sent: {}",
            self.message.len(),
            self.refused
        )
    }
}

/// The Display ends with why the send was refused, so `source` skips that
/// reason (a chain printer would repeat it).
impl core::error::Error for SendError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        core::error::Error::source(&self.refused)
    }
}

impl From<SendError> for Refused {
    fn from(e: SendError) -> Self {
        e.refused
    }
}
