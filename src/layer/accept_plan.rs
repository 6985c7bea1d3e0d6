//! The server's way to an open WebSocket, without I/O: TLS (for servers
//! that use it), the request, the answer, as [`AcceptAction`]s that a
//! layer carries out with its own I/O and answers with an [`Input`].
//!
//! The plan owns the decisions: what a plain HTTP request gets (handed
//! back, or answered and refused, as [`PlainRequests`] says), what an end
//! of file means, and the open timeout, one [`Deadline`] over the whole
//! opening (TLS and a slow request included).

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::time::Duration;
use std::io;

use super::error::Error;
use super::opening::{self, Deadline, Input, Peer};
use super::options::{Answer, ServerOptions};
use super::steps::{AcceptStep, Accepting, Then};
use crate::connection::Connection;
use crate::handshake::{HandshakeError, Request};

/// What a server does with a request that is not an upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PlainRequests {
    /// Hands it back with its bytes, for the caller to serve
    /// (`accept_with`).
    HandBack,
    /// Answers it with the handshake's error response (426, 405, ...),
    /// closes the transport and fails with the handshake's error
    /// (`accept`).
    Refuse,
}

/// What the layer does next.
#[derive(Debug)]
pub(crate) enum AcceptAction {
    /// Run a TLS server handshake over the transport, then [`Input::Done`].
    StartTls,
    /// Read once, at most [`HANDSHAKE_READ`](opening::HANDSHAKE_READ)
    /// bytes, then [`Input::Read`] (empty at end of file).
    Read,
    /// Write (and flush) all of these bytes, then [`Input::Done`].
    Write(Vec<u8>),
    /// The WebSocket is open.
    Open(Box<Connection>),
    /// A plain HTTP request: hand the transport back with every byte read.
    HandBack(Vec<u8>),
    /// Shut the transport down, then end as this says.
    Close(Ending),
}

/// How a handshake that closes the transport ends.
#[derive(Debug)]
pub(crate) enum Ending {
    /// The answer rejected the request with this status
    /// ([`Upgrade::Rejected`](super::outcome::Upgrade::Rejected)).
    Rejected(u16),
    /// The request was broken, or not an upgrade: this error.
    Failed(Error),
}

enum Stage {
    /// The TLS handshake, then the request.
    Tls(Accepting),
    Request(Accepting),
    /// The response is being written; then this.
    Respond(Then),
    /// A plain request's refusal is being written; then this error.
    RefusePlain(HandshakeError),
    Over,
}

/// A server's accept, from transport to open WebSocket.
pub(crate) struct AcceptPlan {
    stage: Stage,
    plain: PlainRequests,
    deadline: Deadline,
}

impl AcceptPlan {
    /// The handshake on a plain transport.
    pub(crate) fn new(options: &ServerOptions, plain: PlainRequests) -> Self {
        AcceptPlan {
            stage: Stage::Request(Accepting::new(options.config.clone())),
            plain,
            deadline: Deadline::new(options.open_timeout),
        }
    }

    /// TLS first, then the handshake, both within the open timeout.
    #[cfg_attr(not(feature = "rustls"), allow(dead_code, reason = "TLS servers only"))]
    pub(crate) fn over_tls(options: &ServerOptions, plain: PlainRequests) -> Self {
        AcceptPlan {
            stage: Stage::Tls(Accepting::new(options.config.clone())),
            plain,
            deadline: Deadline::new(options.open_timeout),
        }
    }

    /// What is left of the open timeout `elapsed` after the start, or
    /// [`Error::OpenTimeout`].
    pub(crate) fn time_left(&self, elapsed: Duration) -> Result<Option<Duration>, Error> {
        self.deadline.left(elapsed)
    }

    /// The next action, given how the last one went; `answer` decides on a
    /// whole upgrade request.
    pub(crate) fn step(
        &mut self,
        input: Input<'_>,
        answer: &mut dyn FnMut(&Request) -> Answer,
    ) -> Result<AcceptAction, Error> {
        let stage = core::mem::replace(&mut self.stage, Stage::Over);
        match (stage, input) {
            (Stage::Tls(accepting), Input::Start) => {
                self.stage = Stage::Tls(accepting);
                Ok(AcceptAction::StartTls)
            }
            (Stage::Tls(accepting), Input::Done) => {
                self.stage = Stage::Request(accepting);
                Ok(AcceptAction::Read)
            }
            (Stage::Request(accepting), Input::Start) => {
                self.stage = Stage::Request(accepting);
                Ok(AcceptAction::Read)
            }
            (Stage::Request(mut accepting), Input::Read(bytes)) => {
                if bytes.is_empty() {
                    return Err(opening::closed_early(Peer::Client, REQUEST));
                }
                Ok(match accepting.receive(bytes, answer) {
                    AcceptStep::More => {
                        self.stage = Stage::Request(accepting);
                        AcceptAction::Read
                    }
                    AcceptStep::Plain { bytes, .. } if self.plain == PlainRequests::HandBack => {
                        AcceptAction::HandBack(bytes)
                    }
                    AcceptStep::Plain { error, .. } => {
                        let response = error.response().unwrap_or_default();
                        self.stage = Stage::RefusePlain(error);
                        AcceptAction::Write(response)
                    }
                    AcceptStep::Respond { response, then } => {
                        self.stage = Stage::Respond(then);
                        AcceptAction::Write(response)
                    }
                })
            }
            (Stage::Respond(then), Input::Done) => Ok(match then {
                Then::Open(conn) => AcceptAction::Open(conn),
                Then::Rejected(status) => AcceptAction::Close(Ending::Rejected(status)),
                Then::Fail(error) => AcceptAction::Close(Ending::Failed(error)),
            }),
            (Stage::RefusePlain(error), Input::Done) => {
                Ok(AcceptAction::Close(Ending::Failed(error.into())))
            }
            _ => Err(Error::Io(io::Error::other(
                "the accept plan was driven out of order",
            ))),
        }
    }

    /// The error to report for the last action's I/O failure (the
    /// transport is then shut down): the open timeout, the step's
    /// end-of-file message, or the error; while a refusal is written, the
    /// refusal's reason, which says more than the write's failure.
    pub(crate) fn fail(&mut self, error: io::Error) -> Error {
        match core::mem::replace(&mut self.stage, Stage::Over) {
            Stage::Tls(_) => opening::io_failure(error, Peer::Client, "the TLS handshake"),
            Stage::RefusePlain(refusal) => refusal.into(),
            Stage::Respond(Then::Fail(refusal)) => refusal,
            _ => opening::io_failure(error, Peer::Client, REQUEST),
        }
    }
}

const REQUEST: &str = "the opening handshake";

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    const PLAIN: &[u8] = b"GET /page HTTP/1.1\r\nHost: h\r\n\r\n";

    fn accept(_: &Request) -> Answer {
        Answer::accept()
    }

    #[test]
    fn accept_answers_a_plain_request_and_fails_with_its_reason() {
        let mut plan = AcceptPlan::new(&ServerOptions::default(), PlainRequests::Refuse);
        assert!(matches!(
            plan.step(Input::Start, &mut accept),
            Ok(AcceptAction::Read)
        ));
        match plan.step(Input::Read(PLAIN), &mut accept).unwrap() {
            AcceptAction::Write(response) => assert!(response.starts_with(b"HTTP/1.1 426 ")),
            other => panic!("{other:?}"),
        }
        let ending = plan.step(Input::Done, &mut accept).unwrap();
        assert!(
            matches!(ending, AcceptAction::Close(Ending::Failed(_))),
            "{ending:?}"
        );
    }

    #[test]
    fn accept_with_hands_a_plain_request_back_whole() {
        let mut plan = AcceptPlan::new(&ServerOptions::default(), PlainRequests::HandBack);
        plan.step(Input::Start, &mut accept).unwrap();
        match plan.step(Input::Read(PLAIN), &mut accept).unwrap() {
            AcceptAction::HandBack(bytes) => assert_eq!(bytes, PLAIN),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_client_that_leaves_mid_request_is_one_end_of_file() {
        let mut plan = AcceptPlan::new(&ServerOptions::default(), PlainRequests::HandBack);
        plan.step(Input::Start, &mut accept).unwrap();
        plan.step(Input::Read(b"GET / HTTP/1.1\r\n"), &mut accept)
            .unwrap();
        let error = plan.step(Input::Read(b""), &mut accept).unwrap_err();
        assert_eq!(
            error.to_string(),
            "transport error: the client closed the connection during the opening handshake"
        );
    }

    #[test]
    fn a_tls_server_runs_tls_before_it_reads_and_times_out_alike() {
        let mut plan = AcceptPlan::over_tls(&ServerOptions::default(), PlainRequests::HandBack);
        assert!(matches!(
            plan.step(Input::Start, &mut accept),
            Ok(AcceptAction::StartTls)
        ));
        assert!(matches!(
            plan.fail(io::ErrorKind::WouldBlock.into()),
            Error::OpenTimeout
        ));
    }
}
