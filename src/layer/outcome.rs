//! What an opening handshake hands back beyond the WebSocket: the server's
//! response to a client, and to a server the outcome of a request (a
//! WebSocket, a plain HTTP request, a rejection).

use alloc::string::String;
use alloc::vec::Vec;

use super::error::Error;
use crate::handshake::Accepted;

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

impl<W, S> Upgrade<W, S> {
    /// The WebSocket of a layer's `accept`, which refuses plain requests
    /// itself and accepts every upgrade; anything else is a missing
    /// upgrade, in both layers alike.
    pub(crate) fn into_websocket(self) -> Result<W, Error> {
        match self {
            Upgrade::WebSocket(ws) => Ok(ws),
            Upgrade::Http(_) | Upgrade::Rejected(_) => {
                Err(crate::handshake::RequestError::MissingUpgrade.into())
            }
        }
    }
}
