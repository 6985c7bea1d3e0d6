//! The client side: build the upgrade request, then read and check the
//! server's response.
//!
//! ```
//! use rfc6455::handshake::ClientRequest;
//!
//! let request = ClientRequest::new("wss://[::1]/feed?since=0").unwrap()
//!     .protocol("feed.v1")
//!     .header("Authorization", "Bearer abc");
//! // Where to connect, and whether to wrap the stream in TLS first:
//! assert_eq!((request.host(), request.port(), request.is_secure()), ("::1", 443, true));
//! assert_eq!(request.resource(), "/feed?since=0");
//! ```

use core::fmt;
use core::ops::Range;

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use base64::Engine;

use super::head::{
    Head, HeadReader, RawHead, extension_name, is_field_value, is_token, split_quoted_list,
    trim_ows,
};
use super::negotiate::ClientOffer;
use super::rejection::Rejection;
use super::url::WsUrl;
use super::{HandshakeError, HeaderField, Misuse, ResponseError, accept_key, http, rules};
use crate::config::Config;
use crate::connection::Connection;
use crate::random::RandomSource;

/// A client's opening handshake request, before it is sent.
///
/// Made from a `ws://` or `wss://` URL; [`host`](Self::host),
/// [`port`](Self::port) and [`is_secure`](Self::is_secure) say where to
/// connect and whether to use TLS. The builder methods never fail: a refused
/// value makes `start` (with `std`) or
/// [`start_with_random`](Self::start_with_random) fail instead.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[must_use]
pub struct ClientRequest {
    secure: bool,
    host: String,
    ipv6: bool,
    port: u16,
    resource: String,
    protocols: Vec<String>,
    extensions: Vec<String>,
    headers: Vec<(String, String)>,
    error: Option<Misuse>,
}

/// Request headers the handshake writes itself.
pub(super) const RESERVED_REQUEST_HEADERS: &[&str] = &[
    "Host",
    "Upgrade",
    "Connection",
    "Sec-WebSocket-Key",
    "Sec-WebSocket-Version",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
    "Sec-WebSocket-Accept",
    "Content-Length",
    "Transfer-Encoding",
];

impl ClientRequest {
    /// A request for `url`: `ws://host[:port][/path][?query]` or `wss://...`
    /// (scheme case-insensitive). The host is a name, an IPv4 address, or an
    /// IPv6 address in brackets; the port defaults to 80 (`ws`) or 443
    /// (`wss`); the resource defaults to `/`.
    ///
    /// Fails with [`Misuse::UnsupportedScheme`] for other schemes,
    /// [`Misuse::FragmentInUrl`] if the URL has a `#fragment` (RFC
    /// 6455 section 3 forbids it), and [`Misuse::InvalidUrl`]
    /// otherwise (user info, an empty or malformed host, a bad port, spaces
    /// or non-ASCII characters, which must be percent-encoded).
    pub fn new(url: &str) -> Result<ClientRequest, Misuse> {
        let WsUrl {
            secure,
            host,
            ipv6,
            port,
            resource,
        } = WsUrl::parse(url)?;
        Ok(ClientRequest {
            secure,
            host,
            ipv6,
            port,
            resource,
            protocols: Vec::new(),
            extensions: Vec::new(),
            headers: Vec::new(),
            error: None,
        })
    }

    /// The host to connect to (an IPv6 address without its brackets).
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port to connect to.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Whether the URL was `wss://`: connect with TLS.
    #[must_use]
    pub fn is_secure(&self) -> bool {
        self.secure
    }

    /// The resource requested: path and query, at least `/`.
    #[must_use]
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// Offers a subprotocol (`Sec-WebSocket-Protocol`); call once per
    /// protocol, in order of preference. A protocol that is not an HTTP
    /// token, or is offered twice, makes `start` fail with
    /// [`Misuse::InvalidProtocol`].
    pub fn protocol(mut self, protocol: &str) -> Self {
        if !is_token(protocol.as_bytes()) || self.protocols.iter().any(|p| p == protocol) {
            self.error.get_or_insert(Misuse::InvalidProtocol);
        } else {
            self.protocols.push(protocol.to_string());
        }
        self
    }

    /// Offers an extension, as the raw text of its element
    /// (`permessage-deflate; client_max_window_bits`); call once per offer.
    /// Text that is not a valid header value, has an unclosed quoted string,
    /// or has an extension name that is not a token makes
    /// `start` fail with [`Misuse::InvalidExtension`].
    ///
    /// With the `deflate` feature, `start` offers
    /// permessage-deflate itself when `Config::deflate` is enabled, after
    /// the offers made here, and checks the server's answer. Offering
    /// `permessage-deflate` here instead turns that off: the offer is sent
    /// as written, the server's answer is only listed in
    /// [`Accepted::extensions`], and the connection does not compress.
    pub fn extension(mut self, offer: &str) -> Self {
        let mut elements = 0;
        let valid = is_field_value(offer.as_bytes())
            && split_quoted_list(offer.as_bytes(), (), |element| {
                elements += 1;
                if is_token(extension_name(element)) {
                    Ok(())
                } else {
                    Err(())
                }
            })
            .is_ok()
            && elements > 0;
        if valid {
            self.extensions.push(offer.to_string());
        } else {
            self.error.get_or_insert(Misuse::InvalidExtension);
        }
        self
    }

    /// Adds a request header (`Origin`, `Authorization`, `Cookie`, ...).
    ///
    /// Refused, so that `start` fails with
    /// [`Misuse::InvalidHeader`], when `name` is not an HTTP token,
    /// when `value` contains CR, LF, NUL or another control character other
    /// than tab (which could inject headers), or when `name` is one the
    /// handshake writes itself (`Host`, `Upgrade`, `Connection`, the
    /// `Sec-WebSocket-*` headers, `Content-Length`, `Transfer-Encoding`).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match http::check_extra_header(name, value, RESERVED_REQUEST_HEADERS) {
            Ok(()) => self.headers.push((name.to_string(), value.to_string())),
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// Writes the request, with a fresh `Sec-WebSocket-Key` from the
    /// operating system's random source. Returns the bytes to send and the
    /// state that reads the response.
    ///
    /// Fails if a builder method was given a refused value.
    ///
    /// The connection the handshake makes gets `config` and masks with keys
    /// from the operating system.
    #[cfg(feature = "std")]
    pub fn start(self, config: Config) -> Result<(Vec<u8>, ClientHandshake), Misuse> {
        // The key is one 16-byte read; the connection's keys come in blocks.
        let mut nonce = [0u8; 16];
        crate::random::OsRandomOnce.fill_bytes(&mut nonce);
        self.write_request(nonce, config, Box::new(crate::random::OsRandom::new()))
    }

    /// Writes the request, with a `Sec-WebSocket-Key` of 16 bytes from
    /// `random`. Returns the bytes to send and the state that reads the
    /// response, under the limits in `config`. The connection the handshake
    /// makes gets `config` and masks with keys from `random`.
    ///
    /// With the `deflate` feature and `config.deflate.enabled`, the request
    /// also offers permessage-deflate as `deflate::client_offer` writes it,
    /// last among the extensions, unless [`extension`](Self::extension)
    /// already offered it.
    ///
    /// Fails if a builder method was given a refused value.
    pub fn start_with_random(
        self,
        config: Config,
        mut random: Box<dyn RandomSource>,
    ) -> Result<(Vec<u8>, ClientHandshake), Misuse> {
        let mut nonce = [0u8; 16];
        random.fill_bytes(&mut nonce);
        self.write_request(nonce, config, random)
    }

    /// Writes the request with `nonce` as its key.
    fn write_request(
        self,
        nonce: [u8; 16],
        config: Config,
        random: Box<dyn RandomSource>,
    ) -> Result<(Vec<u8>, ClientHandshake), Misuse> {
        let (offers, offer) = self.prepare(config, random)?;
        let key = base64::engine::general_purpose::STANDARD.encode(nonce);

        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(b"GET ");
        out.extend_from_slice(offers.resource.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\n");
        http::field(&mut out, "Host", offers.authority.as_bytes());
        http::field(&mut out, "Upgrade", b"websocket");
        http::field(&mut out, "Connection", b"Upgrade");
        http::field(&mut out, "Sec-WebSocket-Key", key.as_bytes());
        http::field(&mut out, "Sec-WebSocket-Version", b"13");
        http::list_field(&mut out, "Sec-WebSocket-Protocol", &offers.protocols);
        http::list_field(&mut out, "Sec-WebSocket-Extensions", &offers.extensions);
        for (name, value) in &offers.headers {
            http::field(&mut out, name, value.as_bytes());
        }
        out.extend_from_slice(b"\r\n");

        let handshake = ClientHandshake {
            reader: HeadReader::new(offer.config.max_handshake_size, offer.config.max_headers),
            expected_accept: accept_key(key.as_bytes()),
            offer: Some(offer),
        };
        Ok((out, handshake))
    }

    /// What the request says, whatever carries it, and the offer to check
    /// the answer against. Fails if a builder method was given a refused
    /// value.
    ///
    /// With the `deflate` feature and `config.deflate.enabled`, the offers
    /// end with permessage-deflate, unless the caller offered it by hand.
    pub(super) fn prepare(
        mut self,
        config: Config,
        random: Box<dyn RandomSource>,
    ) -> Result<(Offers, ClientOffer), Misuse> {
        if let Some(e) = self.error {
            return Err(e);
        }
        #[cfg_attr(not(feature = "deflate"), allow(unused_mut))]
        let mut extensions = core::mem::take(&mut self.extensions);
        let mut extension_names = Vec::new();
        for offer in &extensions {
            // Validated by `extension`.
            let _ = split_quoted_list(offer.as_bytes(), (), |element| {
                extension_names.push(extension_name(element).to_vec());
                Ok(())
            });
        }
        #[cfg(feature = "deflate")]
        let deflate = {
            use super::deflate::{PERMESSAGE_DEFLATE, client_offer};
            let by_hand = extension_names
                .iter()
                .any(|n| n.eq_ignore_ascii_case(PERMESSAGE_DEFLATE.as_bytes()));
            if config.deflate.enabled && !by_hand {
                extensions.push(client_offer(&config.deflate));
                extension_names.push(PERMESSAGE_DEFLATE.as_bytes().to_vec());
                Some(config.deflate.clone())
            } else {
                None
            }
        };
        let offer = ClientOffer {
            protocols: self.protocols.clone(),
            extension_names,
            #[cfg(feature = "deflate")]
            deflate,
            config,
            random,
        };
        let offers = Offers {
            authority: self.host_header(),
            #[cfg(feature = "http")]
            secure: self.secure,
            resource: self.resource,
            protocols: self.protocols,
            extensions,
            headers: self.headers,
        };
        Ok((offers, offer))
    }

    /// The `Host` header: brackets around IPv6, the port if not the default.
    fn host_header(&self) -> String {
        let mut h = String::with_capacity(self.host.len() + 8);
        if self.ipv6 {
            h.push('[');
            h.push_str(&self.host);
            h.push(']');
        } else {
            h.push_str(&self.host);
        }
        if self.port != if self.secure { 443 } else { 80 } {
            h.push(':');
            h.push_str(&self.port.to_string());
        }
        h
    }
}

/// What a client's request says, before it is written as an HTTP/1.1 head
/// or as `http` types.
#[derive(Debug)]
pub(super) struct Offers {
    /// `host[:port]`, the port only if not the scheme's default.
    pub authority: String,
    /// For extended CONNECT's `:scheme`.
    #[cfg(feature = "http")]
    pub secure: bool,
    /// Path and query, at least `/`.
    pub resource: String,
    pub protocols: Vec<String>,
    /// Extension offers, permessage-deflate's last.
    pub extensions: Vec<String>,
    pub headers: Vec<(String, String)>,
}

/// Reads the server's response to the request a [`ClientRequest`] wrote
/// (`start` or `start_with_random`), in whatever chunks it arrives.
///
/// Linear in the bytes received, under the same caps as the server side
/// ([`Config::max_handshake_size`], [`Config::max_headers`]).
#[derive(Debug)]
pub struct ClientHandshake {
    reader: HeadReader<ResponseError>,
    expected_accept: String,
    /// What was offered; handed to [`Accepted`].
    offer: Option<ClientOffer>,
}

impl ClientHandshake {
    /// Takes bytes received from the server.
    ///
    /// `Ok(None)`: the response head is not complete; feed more.
    /// `Ok(Some(Response::Accepted(_)))`: a valid `101`; make the connection
    /// with [`Accepted::into_connection`]. `Ok(Some(Response::Rejected(_)))`:
    /// any other status, which is the server's answer, not an error (a
    /// redirect, `401` with `WWW-Authenticate`, ...). `Err(_)`: a `101` that
    /// breaks the rules (including, with the `deflate` feature, a
    /// permessage-deflate answer that does not fit the offer:
    /// [`ResponseError::InvalidDeflateParams`]), or a malformed or
    /// oversized head; close the transport. Errors repeat on later calls;
    /// after a response was returned, later calls fail with
    /// [`Misuse::AlreadyComplete`] (the only error that is not a
    /// [`ResponseError`]).
    pub fn receive(&mut self, bytes: &[u8]) -> Result<Option<Response>, HandshakeError> {
        if self.reader.is_done() {
            return Err(Misuse::AlreadyComplete.into());
        }
        match self.reader.receive(bytes)? {
            None => Ok(None),
            Some(raw) => match self.read_response(raw) {
                Err(HandshakeError::Response(e)) => Err(self.reader.fail(e).into()),
                other => other.map(Some),
            },
        }
    }

    fn read_response(&mut self, raw: RawHead) -> Result<Response, HandshakeError> {
        let response = raw.into_response()?;
        if response.status != 101 {
            return Ok(Response::Rejected(Rejection::from_head(response)));
        }
        if response.version != 1 {
            return Err(ResponseError::HttpVersion.into());
        }
        self.validate(response.head, response.leftover)
            .map(Response::Accepted)
    }

    /// Checks a 101; a missing offer means the handshake already ended.
    fn validate(&mut self, head: Head, leftover: Vec<u8>) -> Result<Accepted, HandshakeError> {
        rules::require_upgrade::<ResponseError>(&head)?;
        let accept = rules::single::<ResponseError>(&head, HeaderField::SecWebSocketAccept)?
            .ok_or(ResponseError::InvalidAcceptKey)?;
        if trim_ows(accept) != self.expected_accept.as_bytes() {
            return Err(ResponseError::InvalidAcceptKey.into());
        }
        let offer = self.offer.as_ref().ok_or(Misuse::AlreadyComplete)?;
        let answer = offer.check_answer(&head)?;
        let protocol = answer.protocol.map(|p| head.range_of(p));
        let extensions = answer.extensions.iter().map(|e| head.range_of(e)).collect();
        #[cfg(feature = "deflate")]
        let deflate = answer.deflate;
        let offer = self.offer.take().ok_or(Misuse::AlreadyComplete)?;
        Ok(Accepted {
            head,
            protocol,
            extensions,
            leftover,
            #[cfg(feature = "deflate")]
            deflate,
            offer: Box::new(offer),
        })
    }
}

/// The server's answer to a client's handshake.
#[derive(Debug)]
#[must_use]
pub enum Response {
    /// A valid `101 Switching Protocols`: the connection is open.
    Accepted(Accepted),
    /// Any other status: the server declined to upgrade.
    Rejected(Rejection),
}

/// A valid `101 Switching Protocols` response.
#[must_use = "turn it into a connection with `into_connection`"]
pub struct Accepted {
    head: Head,
    protocol: Option<Range<usize>>,
    extensions: Vec<Range<usize>>,
    leftover: Vec<u8>,
    #[cfg(feature = "deflate")]
    deflate: Option<crate::deflate::DeflateParams>,
    /// Boxed: it holds the connection's configuration, which would make
    /// [`Response::Accepted`] much larger than [`Response::Rejected`].
    offer: Box<ClientOffer>,
}

impl Accepted {
    /// The subprotocol the server selected (one of those offered), if any.
    #[must_use]
    pub fn protocol(&self) -> Option<&str> {
        self.protocol.as_ref().map(|r| self.head.str(r))
    }

    /// The extensions the server accepted, each as its raw text, in order.
    /// Each one's name was among those offered.
    pub fn extensions(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.extensions.iter().map(|r| self.head.str(r))
    }

    /// The permessage-deflate parameters negotiated, if the handshake
    /// offered the extension (from `Config::deflate`) and the server
    /// accepted it. [`into_connection`](Self::into_connection) turns
    /// compression on with them.
    ///
    /// `None` if the caller offered permessage-deflate by hand with
    /// [`ClientRequest::extension`]: the response element is then only
    /// listed in [`extensions`](Self::extensions), unchecked, and running
    /// the extension is the caller's business.
    #[cfg(feature = "deflate")]
    #[must_use]
    pub fn deflate(&self) -> Option<crate::deflate::DeflateParams> {
        self.deflate
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

    /// Bytes the server sent after the response (its first frames).
    /// [`into_connection`](Self::into_connection) hands them to the
    /// connection.
    #[must_use]
    pub fn leftover(&self) -> &[u8] {
        &self.leftover
    }

    /// The client's [`Connection`], with the configuration and random
    /// source given to `ClientRequest::start` (or `start_with_random`),
    /// having already received the bytes that followed the response. It
    /// knows the subprotocol and extensions agreed on; with
    /// permessage-deflate negotiated (`Accepted::deflate`), it compresses.
    #[must_use]
    pub fn into_connection(self) -> Connection {
        let mut conn = self.offer.connection(
            self.protocol.as_ref().map(|r| self.head.str(r)),
            self.extensions.iter().map(|r| self.head.str(r)),
            #[cfg(feature = "deflate")]
            self.deflate,
        );
        conn.receive(&self.leftover);
        conn
    }
}

impl fmt::Debug for Accepted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Accepted");
        d.field("protocol", &self.protocol())
            .field("extensions", &self.extensions().collect::<Vec<_>>());
        #[cfg(feature = "deflate")]
        d.field("deflate", &self.deflate);
        d.field("leftover", &self.leftover.len())
            .finish_non_exhaustive()
    }
}
