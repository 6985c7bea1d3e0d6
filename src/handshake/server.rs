//! The server side: read a client's upgrade request, validate it, answer it.
//!
//! ```
//! use rfc6455::handshake::{Accept, ServerHandshake};
//! use rfc6455::Config;
//!
//! let mut handshake = ServerHandshake::new(Config::default());
//! let request = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
//!     Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
//!     Sec-WebSocket-Version: 13\r\n\r\n";
//! match handshake.receive(request) {
//!     Ok(Some(request)) => {
//!         let (response, _conn) = request.accept(Accept::default()).unwrap();
//!         assert!(response.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
//!     }
//!     Ok(None) => { /* read more bytes */ }
//!     Err(e) => {
//!         // Write this, then close the transport.
//!         let _response = e.response();
//!     }
//! }
//! ```

use core::fmt;
use core::ops::Range;

use super::accept::Accept;
use super::head::{self, Head, HeadReader, RawHead};
use super::negotiate::Agreed;
use super::{HandshakeError, Misuse, RequestError, accept_key, http, rules};
use crate::config::Config;
use crate::connection::Connection;
use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;

/// Reads a client's opening handshake, in whatever chunks it arrives.
///
/// Linear in the bytes received: each byte is scanned once for the end of
/// the head, and the head is parsed once, when it is whole. The head may not
/// exceed [`Config::max_handshake_size`] bytes or [`Config::max_headers`]
/// header fields; crossing either cap fails at once, without waiting for the
/// end of the head.
#[derive(Debug)]
pub struct ServerHandshake {
    reader: HeadReader<RequestError>,
    /// The limits, and the connection's configuration once accepted.
    config: Config,
}

impl ServerHandshake {
    /// A reader with the limits in `config`, which the accepted request
    /// then gives its connection.
    #[must_use]
    pub fn new(config: Config) -> Self {
        ServerHandshake {
            reader: HeadReader::new(config.max_handshake_size, config.max_headers),
            config,
        }
    }

    /// Takes bytes received from the client.
    ///
    /// `Ok(None)`: the request is not complete; feed more. `Ok(Some(request))`:
    /// the request is complete and valid; bytes received after it are kept
    /// in the request and reach the connection that
    /// [`Request::accept`] makes. `Err(HandshakeError::Request(e))`: answer
    /// with [`e.response()`](RequestError::response) and close. Errors
    /// repeat on later calls; after a request was returned, later calls fail
    /// with [`Misuse::AlreadyComplete`] (the only error that is not a
    /// [`RequestError`]).
    pub fn receive(&mut self, bytes: &[u8]) -> Result<Option<Request>, HandshakeError> {
        if self.reader.is_done() {
            return Err(Misuse::AlreadyComplete.into());
        }
        Ok(self.read(bytes)?)
    }

    /// [`receive`](Self::receive) before the end of the request.
    fn read(&mut self, bytes: &[u8]) -> Result<Option<Request>, RequestError> {
        match self.reader.receive(bytes)? {
            None => Ok(None),
            Some(raw) => match Request::from_raw(raw) {
                Ok(mut request) => {
                    request.config = Box::new(self.config.clone());
                    Ok(Some(request))
                }
                Err(e) => Err(self.reader.fail(e)),
            },
        }
    }
}

/// The outcome of [`Request::parse`].
#[derive(Debug, Clone)]
// Made once per request and matched at once: boxing the request would only
// add an allocation.
#[allow(clippy::large_enum_variant)]
pub enum Parsed {
    /// The buffer does not hold a whole request yet.
    Partial,
    /// A whole, valid request.
    Complete {
        /// The request. Its [`leftover`](Request::leftover) is empty: the
        /// bytes after `consumed` still belong to the caller.
        request: Request,
        /// How many bytes of the buffer the request took.
        consumed: usize,
    },
}

/// A valid WebSocket upgrade request.
///
/// Inspect it (path, origin, offered subprotocols and extensions, any
/// header), then [`accept`](Self::accept) it or answer with
/// [`reject`](Self::reject).
#[derive(Clone)]
#[must_use = "a request must be accepted or rejected"]
pub struct Request {
    head: Head,
    target: Range<usize>,
    host: Range<usize>,
    origin: Option<Range<usize>>,
    key: Range<usize>,
    protocols: Vec<Range<usize>>,
    extensions: Vec<Range<usize>>,
    leftover: Vec<u8>,
    /// The configuration the connection gets (boxed: requests move around
    /// by value).
    config: Box<Config>,
}

impl Request {
    /// Parses a request from the start of `buf` without keeping state.
    ///
    /// This rescans `buf` from its start on every call: calling it again
    /// each time more bytes arrive costs time quadratic in the request size.
    /// Prefer [`ServerHandshake`], which never rescans. The limits in
    /// `config` apply as there, and an accepted request gives the
    /// connection `config`.
    pub fn parse(buf: &[u8], config: &Config) -> Result<Parsed, RequestError> {
        match ServerHandshake::new(config.clone()).read(buf)? {
            None => Ok(Parsed::Partial),
            Some(mut request) => {
                let consumed = buf.len() - request.leftover.len();
                request.leftover = Vec::new();
                Ok(Parsed::Complete { request, consumed })
            }
        }
    }

    fn from_raw(raw: RawHead) -> Result<Request, RequestError> {
        let RawHead {
            head: bytes,
            leftover,
            lines,
        } = raw;
        let mut slots = vec![httparse::EMPTY_HEADER; lines.max(1)];
        let mut parsed = httparse::Request::new(&mut slots);
        match parsed.parse(&bytes).map_err(head::httparse_error)? {
            httparse::Status::Complete(n) if n == bytes.len() => {}
            _ => return Err(RequestError::InvalidHttp),
        }
        if parsed.version != Some(1) {
            return Err(RequestError::HttpVersion);
        }
        if parsed.method != Some("GET") {
            return Err(RequestError::NotGet);
        }
        let target = parsed.path.unwrap_or_default();
        if !valid_target(target) {
            return Err(RequestError::InvalidTarget);
        }
        let target = head::range_in(&bytes, target.as_bytes());
        let fields = head::index(&bytes, parsed.headers);
        validate(Head::new(bytes, fields), target, leftover)
    }

    /// The request target exactly as sent (path and query, or an absolute
    /// URI).
    #[must_use]
    pub fn target(&self) -> &str {
        self.head.str(&self.target)
    }

    /// The path of the request target, without the query (`/chat` for
    /// `/chat?room=1`). For an absolute-form target (`http://host/chat`),
    /// the path part; `/` if it has none.
    #[must_use]
    pub fn path(&self) -> &str {
        split_target(self.target()).0
    }

    /// The query of the request target (after `?`), if it has one.
    #[must_use]
    pub fn query(&self) -> Option<&str> {
        split_target(self.target()).1
    }

    /// The `Host` header's value (present, single, non-empty).
    #[must_use]
    pub fn host(&self) -> &str {
        self.head.str(&self.host)
    }

    /// The `Origin` header's value, if any. Browsers always send it; check
    /// it to keep other sites' pages from connecting with the user's
    /// cookies.
    #[must_use]
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_ref().map(|r| self.head.str(r))
    }

    /// The client's `Sec-WebSocket-Key` (base64 of 16 bytes).
    #[must_use]
    pub fn key(&self) -> &str {
        self.head.str(&self.key)
    }

    /// The subprotocols the client offered (`Sec-WebSocket-Protocol`), in
    /// order, across all header lines.
    pub fn protocols(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.protocols.iter().map(|r| self.head.str(r))
    }

    /// Of the subprotocols in `supported`, the first that the client offered
    /// (so the server's order of preference wins), compared exactly.
    ///
    /// ```
    /// # use rfc6455::handshake::{Accept, ServerHandshake};
    /// # let request = ServerHandshake::new(rfc6455::Config::default()).receive(b"GET / HTTP/1.1\r\nHost: a\r\n\
    /// #   Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\
    /// #   Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
    /// #   Sec-WebSocket-Protocol: chat, superchat\r\n\r\n").unwrap().unwrap();
    /// let chosen = request.first_protocol_in(&["superchat", "chat"]);
    /// assert_eq!(chosen, Some("superchat"));
    /// let accept = Accept::default().protocol(chosen.unwrap());
    /// let (response, _conn) = request.accept(accept).unwrap();
    /// ```
    #[must_use]
    pub fn first_protocol_in<'s>(&self, supported: &[&'s str]) -> Option<&'s str> {
        supported
            .iter()
            .copied()
            .find(|s| self.protocols().any(|p| p == *s))
    }

    /// The extensions the client offered (`Sec-WebSocket-Extensions`), each
    /// as its raw text (`permessage-deflate; client_max_window_bits`), in
    /// order, across all header lines. Commas inside quoted parameter values
    /// do not split.
    pub fn extensions(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.extensions.iter().map(|r| self.head.str(r))
    }

    /// The value of the first header field called `name` (case-insensitive).
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.head.value(name)
    }

    /// Every header field, in order, as (name, value).
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> + '_ {
        self.head.fields()
    }

    /// The request head's bytes, exactly as received.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8] {
        self.head.bytes()
    }

    /// Bytes the client sent after the request (frames it pipelined).
    /// [`accept`](Self::accept) hands them to the connection.
    #[must_use]
    pub fn leftover(&self) -> &[u8] {
        &self.leftover
    }

    /// Accepts the request: returns the `101 Switching Protocols` response to
    /// write, and the server's [`Connection`], which has already received
    /// any bytes that followed the request, and which knows the subprotocol
    /// and extensions agreed on. The connection's configuration is the one
    /// the [`ServerHandshake`] was made with.
    ///
    /// With the `deflate` feature and `config.deflate.enabled`, it also
    /// negotiates permessage-deflate: the first acceptable offer (see
    /// `deflate::server_negotiate`) is answered in `Sec-WebSocket-Extensions`,
    /// after the extensions in `accept`, and the connection compresses with
    /// the parameters that `Request::deflate_offer` returns. If `accept` already
    /// carries a `permessage-deflate` element (see [`Accept::extension`]),
    /// that element is sent as written and the connection does not
    /// compress.
    ///
    /// Fails with [`Misuse::ProtocolNotOffered`] if `accept` selects
    /// a subprotocol the client did not offer,
    /// [`Misuse::ExtensionNotOffered`] for an extension the client
    /// did not offer, and [`Misuse::InvalidHeader`] if an extra
    /// header was refused (see [`Accept::header`]).
    pub fn accept(self, accept: Accept) -> Result<(Vec<u8>, Connection), Misuse> {
        let protocols: Vec<&str> = self.protocols().collect();
        let extensions: Vec<&str> = self.extensions().collect();
        let agreed = Agreed::new(accept, &protocols, &extensions, &self.config)?;
        let mut out = Vec::with_capacity(160);
        http::status_line(&mut out, 101);
        http::field(&mut out, "Upgrade", b"websocket");
        http::field(&mut out, "Connection", b"Upgrade");
        http::field(
            &mut out,
            "Sec-WebSocket-Accept",
            accept_key(self.key().as_bytes()).as_bytes(),
        );
        if let Some(p) = &agreed.protocol {
            http::field(&mut out, "Sec-WebSocket-Protocol", p.as_bytes());
        }
        http::list_field(&mut out, "Sec-WebSocket-Extensions", &agreed.extensions);
        for (name, value) in &agreed.headers {
            http::field(&mut out, name, value.as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        let mut conn = agreed.server_connection(*self.config);
        conn.receive(&self.leftover);
        Ok((out, conn))
    }

    /// The permessage-deflate parameters [`accept`](Self::accept) would
    /// negotiate with `config` (given an [`Accept`] without a
    /// `permessage-deflate` element of its own): those of the first
    /// acceptable offer, or `None` if `config.enabled` is false or no offer
    /// is acceptable. See [`server_negotiate`](crate::deflate::server_negotiate).
    #[cfg(feature = "deflate")]
    #[must_use]
    pub fn deflate_offer(
        &self,
        config: &crate::deflate::DeflateConfig,
    ) -> Option<crate::deflate::DeflateParams> {
        super::deflate::server_negotiate(config, self.extensions()).map(|(params, _)| params)
    }

    /// A complete response refusing this request with `status` (a reason
    /// phrase, `Content-Length`, `Connection: close`) and `body`; see
    /// [`reject`](super::reject). Close the transport once it is written.
    #[must_use]
    pub fn reject(&self, status: u16, body: &[u8]) -> Vec<u8> {
        http::reject(status, body)
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("target", &self.target())
            .field("host", &self.host())
            .field("origin", &self.origin())
            .field("protocols", &self.protocols().collect::<Vec<_>>())
            .field("extensions", &self.extensions().collect::<Vec<_>>())
            .field("leftover", &self.leftover.len())
            .finish_non_exhaustive()
    }
}

/// Checks the WebSocket rules on a parsed GET request.
fn validate(head: Head, target: Range<usize>, leftover: Vec<u8>) -> Result<Request, RequestError> {
    let host = head.range_of(rules::host(&head)?);
    rules::require_upgrade(&head)?;
    rules::forbid_body(&head)?;
    rules::require_version(&head)?;
    let key = head.range_of(rules::client_key(&head)?);
    let origin = rules::origin(&head)?.map(|o| head.range_of(o));
    let protocols = rules::offered_protocols(&head)?
        .into_iter()
        .map(|p| head.range_of(p))
        .collect();
    let extensions = rules::extension_elements(&head, |_| Ok(()))?
        .into_iter()
        .map(|e| head.range_of(e))
        .collect();

    Ok(Request {
        head,
        target,
        host,
        origin,
        key,
        protocols,
        extensions,
        leftover,
        config: Box::default(),
    })
}

/// Whether a request target is one a WebSocket request may use: an
/// origin-form path (`/chat?x`) or an absolute URI (`http://host/chat`),
/// without a fragment.
fn valid_target(target: &str) -> bool {
    if target.contains('#') {
        return false;
    }
    if target.starts_with('/') {
        return true;
    }
    match target.split_once("://") {
        Some((scheme, _)) => {
            scheme
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic())
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        }
        None => false,
    }
}

/// Splits a valid target into path and query.
fn split_target(target: &str) -> (&str, Option<&str>) {
    let rest = match target.split_once("://") {
        // Absolute form: skip the authority.
        Some((_, after)) if !target.starts_with('/') => {
            let end = after.find(['/', '?']).unwrap_or(after.len());
            &after[end..]
        }
        _ => target,
    };
    let (path, query) = match rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (rest, None),
    };
    (if path.is_empty() { "/" } else { path }, query)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_target_handles_origin_and_absolute_forms() {
        assert_eq!(split_target("/a/b?x=1"), ("/a/b", Some("x=1")));
        assert_eq!(split_target("/"), ("/", None));
        assert_eq!(split_target("/?"), ("/", Some("")));
        assert_eq!(split_target("http://h:1/p?q"), ("/p", Some("q")));
        assert_eq!(split_target("ws://h"), ("/", None));
        assert_eq!(split_target("ws://h?q"), ("/", Some("q")));
        assert_eq!(split_target("/r?u=http://x"), ("/r", Some("u=http://x")));
    }

    #[test]
    fn valid_target_refuses_fragments_and_other_forms() {
        assert!(valid_target("/chat"));
        assert!(valid_target("http://example.com/chat"));
        assert!(!valid_target("/chat#frag"));
        assert!(!valid_target("*"));
        assert!(!valid_target("example.com:443"));
        assert!(!valid_target("://x"));
    }
}
