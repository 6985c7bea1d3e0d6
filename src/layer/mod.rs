//! What the I/O layers share: their options, the server's answer to a
//! request, what a client learns from the handshake, and their error type;
//! and, without I/O, the steps both layers run: the proxy tunnel (the
//! proxy chosen from the options or the environment), the opening
//! handshakes.
//!
//! The layers themselves are [`blocking`](crate::blocking) (std::net or any
//! `Read + Write`) and, with the `tokio` feature, [`tokio`](crate::tokio).
//! They hold no protocol logic: every decision is the core's
//! ([`Connection`](crate::Connection), [`handshake`](crate::handshake)).

mod error;
mod options;
mod proxy;
mod steps;

pub use error::Error;
pub use options::{Answer, ClientOptions, ServerOptions};
pub(crate) use proxy::Proxy;
pub(crate) use steps::{AcceptStep, Accepting, Connecting, Then, Tunneling};

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;

use crate::config::Config;
use crate::handshake::Accepted;

/// Fails, before anything is connected, for a `wss://` target when this
/// build has no TLS (the `rustls` feature).
pub(crate) fn check_tls_support(target: &crate::handshake::ClientRequest) -> Result<(), Error> {
    if target.is_secure() && !cfg!(feature = "rustls") {
        return Err(Error::Io(std::io::Error::new(
            std::io::ErrorKind::Unsupported,
            "wss:// needs TLS: enable the rustls feature of rfc6455",
        )));
    }
    Ok(())
}

/// The keepalive interval the layers use by default.
pub const DEFAULT_PING_INTERVAL: Duration = Duration::from_secs(20);
/// How long the layers wait for a keepalive pong by default.
pub const DEFAULT_PING_TIMEOUT: Duration = Duration::from_secs(20);
/// How long the layers wait for the peer to finish closing by default.
pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the layers give the opening handshake by default.
pub const DEFAULT_OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a blocking write may make no progress before the connection
/// is given up on, by default.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// How much output the tokio layer lets wait before a send waits, by
/// default.
pub const DEFAULT_WRITE_LIMIT: usize = 64 << 10;

/// `Config::default()` with the layers' timers on: a ping after 20 s
/// without input, 20 s for its pong, 10 s to finish closing (the defaults
/// of python-websockets).
#[must_use]
pub fn default_config() -> Config {
    Config {
        ping_interval: Some(DEFAULT_PING_INTERVAL),
        ping_timeout: Some(DEFAULT_PING_TIMEOUT),
        close_timeout: Some(DEFAULT_CLOSE_TIMEOUT),
        ..Config::default()
    }
}

/// What the server answered to a client's upgrade, beyond what the
/// connection remembers itself ([`protocol`](crate::Connection::protocol),
/// [`extensions`](crate::Connection::extensions)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerResponse {
    headers: Vec<(String, Vec<u8>)>,
}

impl ServerResponse {
    pub(crate) fn from_accepted(accepted: &Accepted) -> Self {
        ServerResponse {
            headers: accepted
                .headers()
                .map(|(name, value)| (String::from(name), value.to_vec()))
                .collect(),
        }
    }

    /// The value of the first header field called `name` (case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| &v[..])
    }

    /// Every header field of the `101` response, in order.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        self.headers.iter().map(|(n, v)| (n.as_str(), &v[..]))
    }
}

/// A request that reached a WebSocket server but is not an upgrade (see
/// [`HandshakeError::is_plain_http`](crate::handshake::HandshakeError::is_plain_http)):
/// handed back with every byte read, so that one port can serve plain HTTP
/// routes beside the WebSocket ones.
#[derive(Debug)]
pub struct HttpRequest<S> {
    /// The transport, positioned after `bytes`.
    pub stream: S,
    /// Everything read from the transport: the request head, and whatever
    /// followed it in the same reads.
    pub bytes: Vec<u8>,
}

impl<S> HttpRequest<S> {
    /// The request line's method and target, if the head parses.
    #[must_use]
    pub fn method_and_target(&self) -> Option<(&str, &str)> {
        let line_end = self.bytes.iter().position(|&b| b == b'\n')?;
        let line = core::str::from_utf8(&self.bytes[..line_end]).ok()?;
        let mut parts = line.trim_end().split(' ');
        Some((parts.next()?, parts.next()?))
    }
}

/// How a server-side handshake ended, when the request could be served.
#[derive(Debug)]
pub enum Upgrade<W, S> {
    /// The upgrade was accepted: a WebSocket.
    WebSocket(W),
    /// A plain HTTP request, for the caller to serve.
    Http(HttpRequest<S>),
    /// The answer rejected the request; the rejection (with this status)
    /// was written and the transport closed.
    Rejected(u16),
}
