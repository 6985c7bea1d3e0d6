//! What the I/O layers share: their options, the server's answer to a
//! request, what a client learns from the handshake, and their error type;
//! and, without I/O, the two plans both layers interpret: the connect plan
//! (URL → proxy, chosen from the options or the environment → TCP →
//! tunnel → TLS → upgrade) and the accept plan (TLS → request → answer),
//! built from the single exchanges in `steps`.
//!
//! The layers themselves are [`blocking`](crate::blocking) (std::net or any
//! `Read + Write`) and, with the `tokio` feature, `rfc6455::tokio`.
//! They hold no protocol logic: every decision is the core's
//! ([`Connection`](crate::Connection), [`handshake`](crate::handshake)).

mod accept_plan;
mod connect_plan;
mod defaults;
mod error;
mod excerpt;
mod opening;
mod options;
mod outcome;
mod proxy;
mod steps;

pub(crate) use accept_plan::{AcceptAction, AcceptPlan, Ending, PlainRequests};
pub(crate) use connect_plan::{ConnectAction, ConnectPlan};
pub use defaults::{DEFAULT_OPEN_TIMEOUT, DEFAULT_WRITE_LIMIT, DEFAULT_WRITE_TIMEOUT};
pub use error::Error;
pub(crate) use opening::{HANDSHAKE_READ, Input};
pub use options::{Answer, ClientOptions, ServerOptions};
pub use outcome::{HttpRequest, ServerResponse, Upgrade};
