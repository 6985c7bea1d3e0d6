//! What the connect and accept plans share: the read size, the open
//! timeout as one deadline over the whole opening, the input a layer
//! gives back after an action, and how an I/O failure during the opening
//! reads (one wording for both layers).

use core::time::Duration;
use std::io;

use super::error::Error;

/// Bytes a layer reads at a time while opening.
pub(crate) const HANDSHAKE_READ: usize = 4096;

/// The open timeout, counted from the start of the opening: every step
/// (TCP, tunnel, TLS, upgrade) gets what is left of it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    open_timeout: Option<Duration>,
}

impl Deadline {
    pub(crate) fn new(open_timeout: Option<Duration>) -> Self {
        Deadline { open_timeout }
    }

    /// What is left `elapsed` after the start (`None`: no limit), or
    /// [`Error::OpenTimeout`] once nothing is.
    pub(crate) fn left(&self, elapsed: Duration) -> Result<Option<Duration>, Error> {
        match self.open_timeout {
            None => Ok(None),
            Some(limit) => match limit.checked_sub(elapsed) {
                Some(left) if !left.is_zero() => Ok(Some(left)),
                _ => Err(Error::OpenTimeout),
            },
        }
    }
}

/// How the layer's last action went (a failure goes to
/// the plan's `fail` instead).
#[derive(Debug)]
pub(crate) enum Input<'a> {
    /// Nothing done yet: the first call.
    Start,
    /// The action is done.
    Done,
    /// These bytes were read (none: end of file).
    Read(&'a [u8]),
}

/// Who is at the other end of a step of the opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Peer {
    Server,
    Client,
    Proxy,
}

/// The end of file that cuts a step short: one message for both layers.
pub(crate) fn closed_early(peer: Peer, during: &str) -> Error {
    let who = match peer {
        Peer::Server => "server",
        Peer::Client => "client",
        Peer::Proxy => "proxy",
    };
    Error::Io(io::Error::new(
        io::ErrorKind::UnexpectedEof,
        std::format!("the {who} closed the connection during {during}"),
    ))
}

/// A failed step's I/O error as the layers report it: a timeout is the
/// open timeout running out (a blocking read timeout, a tokio timer); an
/// end of file is [`closed_early`]; anything else as it is (TLS errors
/// become [`Error::Tls`]).
pub(crate) fn io_failure(error: io::Error, peer: Peer, during: &str) -> Error {
    match error.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Error::OpenTimeout,
        io::ErrorKind::UnexpectedEof => closed_early(peer, during),
        _ => Error::from(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    #[test]
    fn the_deadline_gives_what_is_left_then_times_out() {
        let deadline = Deadline::new(Some(Duration::from_secs(2)));
        let left = deadline.left(Duration::from_millis(500)).unwrap();
        assert_eq!(left, Some(Duration::from_millis(1500)));
        assert!(matches!(
            deadline.left(Duration::from_secs(2)),
            Err(Error::OpenTimeout)
        ));
        assert!(matches!(
            deadline.left(Duration::from_secs(3)),
            Err(Error::OpenTimeout)
        ));
        assert_eq!(Deadline::new(None).left(Duration::MAX).unwrap(), None);
    }

    #[test]
    fn timeouts_and_ends_of_file_read_the_same_whatever_the_layer_said() {
        for kind in [io::ErrorKind::TimedOut, io::ErrorKind::WouldBlock] {
            let error = io_failure(io::Error::from(kind), Peer::Server, "the upgrade");
            assert!(matches!(error, Error::OpenTimeout), "{kind:?}");
        }
        let error = io_failure(
            io::Error::new(io::ErrorKind::UnexpectedEof, "tls handshake eof"),
            Peer::Server,
            "the TLS handshake",
        );
        assert_eq!(
            error.to_string(),
            "transport error: the server closed the connection during the TLS handshake"
        );
    }
}
