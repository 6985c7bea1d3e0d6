//! WebSockets over one HTTP/2 stream (RFC 8441) or one HTTP/3 stream (RFC
//! 9220): the extended CONNECT handshake, sans-IO, on `http` types
//! (feature `http`).
//!
//! The client sends `:method = CONNECT`, `:protocol = websocket`,
//! `:scheme` (`https` for `wss`, `http` for `ws`), `:path`, `:authority`,
//! `sec-websocket-version: 13` and its offers; the server answers `200`.
//! There is no `Sec-WebSocket-Key` or `Sec-WebSocket-Accept` and no
//! `Upgrade` or `Connection` header: the stream itself is the upgrade.
//! Subprotocols and extensions (permessage-deflate included) are negotiated
//! by the same code as the HTTP/1.1 handshake, and the [`Connection`](crate::Connection) that
//! comes of it runs on the stream's data as on a TCP stream: the client
//! still masks. An orderly close ends the stream (`END_STREAM` in HTTP/2, a
//! FIN in HTTP/3).
//!
//! `:protocol` is not a header: HTTP libraries carry it beside the request
//! (`h2::ext::Protocol` or `h3::ext::Protocol` in its extensions, hyper's
//! `hyper::ext::Protocol`). So the server passes its value to
//! [`WebSocketRequest::extended_connect`], and the client inserts it into
//! the request that [`ClientRequest::extended_connect`] builds, as
//! [`PROTOCOL`]. Neither needs this crate to know the HTTP library.
//!
//! Whether the peer allows extended CONNECT at all is a setting
//! (`SETTINGS_ENABLE_CONNECT_PROTOCOL`, RFC 8441 section 3, the same
//! number in HTTP/3): a client passes what its peer advertised, and is
//! refused with [`ResponseError::ConnectProtocolDisabled`] if it did not.
//!
//! [`ResponseError::ConnectProtocolDisabled`]: super::ResponseError::ConnectProtocolDisabled
//!
//! Both sides, as values (use `Version::HTTP_3` for RFC 9220):
//!
//! ```
//! use http::{StatusCode, Version};
//! use rfc6455::handshake::extended_connect::PROTOCOL;
//! use rfc6455::handshake::http_types::WebSocketRequest;
//! use rfc6455::handshake::{Accept, ClientRequest};
//! use rfc6455::{Config, Event, Message};
//!
//! # fn main() -> Result<(), rfc6455::Error> {
//! // The client: the peer's SETTINGS said ENABLE_CONNECT_PROTOCOL = 1.
//! let (request, client) = ClientRequest::new("wss://example.com/chat")?
//!     .protocol("chat")
//!     .extended_connect(Version::HTTP_2, true, Config::default())?;
//! assert_eq!(request.method(), http::Method::CONNECT);
//! assert_eq!(request.uri(), "https://example.com/chat");
//! // With h2: request.extensions_mut().insert(h2::ext::Protocol::from_static(PROTOCOL));
//!
//! // The server, given the request and its `:protocol` by h2:
//! let offer = WebSocketRequest::extended_connect(&request, Some(PROTOCOL), Config::default())?;
//! let (response, mut server) = offer.accept(Accept::default().protocol("chat"))?;
//! assert_eq!(response.status(), StatusCode::OK);
//!
//! // The client, given the response:
//! let mut client = client.finish(&response)?;
//! assert_eq!(client.protocol(), Some("chat"));
//! client.send(Message::from("over one stream"))?;
//! server.receive(&client.take_output());
//! assert!(matches!(server.next_event()?, Some(Event::Message(_))));
//! # Ok(())
//! # }
//! ```

use alloc::boxed::Box;

use http::{HeaderMap, Method, Uri, Version};

use super::client::ClientRequest;
use super::head::PeerFault;
use super::http_types::{HttpHandshake, WebSocketRequest, offers_request};
use super::{HandshakeError, HeaderField, Misuse, RequestError, ResponseError, rules};
use crate::config::Config;
use crate::random::RandomSource;

/// The `:protocol` value that asks for a WebSocket.
pub const PROTOCOL: &str = "websocket";

/// Header fields that HTTP/2 and HTTP/3 forbid (connection-specific, RFC
/// 9113 section 8.2.2) beyond those the handshake refuses by name.
const CONNECTION_SPECIFIC: &[&str] = &["Keep-Alive", "Proxy-Connection", "TE"];

impl WebSocketRequest {
    /// Checks an extended CONNECT request (RFC 8441 section 4 and 5, RFC
    /// 9220) whose `:protocol` pseudo-header is `protocol` (`None` when the
    /// request had none):
    ///
    /// - HTTP/2 or HTTP/3, else [`RequestError::HttpVersion`];
    /// - `:method` CONNECT, else [`RequestError::NotConnect`];
    /// - `:protocol` `websocket` (case-insensitive), else
    ///   [`RequestError::MissingProtocol`];
    /// - an `:authority`, else [`RequestError::MissingHost`]; `:scheme`
    ///   `https` or `http` and a `:path`, else
    ///   [`RequestError::InvalidTarget`];
    /// - no `Sec-WebSocket-Key`, `Sec-WebSocket-Accept`, `Upgrade` or
    ///   `Connection`, else [`RequestError::ForbiddenHeader`];
    /// - `sec-websocket-version: 13` and well-formed offers, as over
    ///   HTTP/1.1.
    ///
    /// [`accept`](Self::accept) then answers `200`.
    pub fn extended_connect<B>(
        request: &http::Request<B>,
        protocol: Option<&str>,
        config: Config,
    ) -> Result<WebSocketRequest, RequestError> {
        extended_connect(
            request.method(),
            request.uri(),
            request.version(),
            request.headers(),
            protocol,
            config,
        )
    }

    /// [`extended_connect`](Self::extended_connect), from a request's parts.
    pub fn extended_connect_parts(
        parts: &http::request::Parts,
        protocol: Option<&str>,
        config: Config,
    ) -> Result<WebSocketRequest, RequestError> {
        extended_connect(
            &parts.method,
            &parts.uri,
            parts.version,
            &parts.headers,
            protocol,
            config,
        )
    }
}

fn extended_connect(
    method: &Method,
    uri: &Uri,
    version: Version,
    headers: &HeaderMap,
    protocol: Option<&str>,
    config: Config,
) -> Result<WebSocketRequest, RequestError> {
    if version != Version::HTTP_2 && version != Version::HTTP_3 {
        return Err(RequestError::HttpVersion);
    }
    if method != Method::CONNECT {
        return Err(RequestError::NotConnect);
    }
    if !protocol.is_some_and(|p| p.eq_ignore_ascii_case(PROTOCOL)) {
        return Err(RequestError::MissingProtocol);
    }
    if uri.authority().is_none_or(|a| a.as_str().is_empty()) {
        return Err(RequestError::MissingHost);
    }
    if !matches!(uri.scheme_str(), Some("https" | "http")) {
        return Err(RequestError::InvalidTarget);
    }
    if uri.path_and_query().is_none() || !uri.path().starts_with('/') {
        return Err(RequestError::InvalidTarget);
    }
    forbid_http1_fields::<RequestError>(headers, HeaderField::SecWebSocketKey)?;
    WebSocketRequest::offers(None, version, headers, config)
}

/// Refuses the fields of the HTTP/1.1 upgrade in an extended CONNECT
/// request or response: `key_field` (`Sec-WebSocket-Key` in a request,
/// `Sec-WebSocket-Accept` in a response), `Upgrade` and `Connection`.
pub(super) fn forbid_http1_fields<E: PeerFault>(
    headers: &HeaderMap,
    key_field: HeaderField,
) -> Result<(), E> {
    rules::forbid(headers, key_field)?;
    rules::forbid(headers, HeaderField::Upgrade)?;
    rules::forbid(headers, HeaderField::Connection)
}

impl ClientRequest {
    /// The extended CONNECT request for this URL, as an `http::Request<()>`
    /// over `version` (`HTTP_2` for RFC 8441, `HTTP_3` for RFC 9220):
    /// method CONNECT, URI `https://authority/path?query` (`http` for a
    /// `ws://` URL; HTTP libraries take `:scheme`, `:authority` and `:path`
    /// from it), `sec-websocket-version: 13`, the offers and extra headers
    /// of the builder and, with the `deflate` feature, permessage-deflate as
    /// [`start`](Self::start) offers it. Insert [`PROTOCOL`] as the HTTP
    /// library's `:protocol` extension before sending it. The connection
    /// masks with keys from the operating system.
    ///
    /// `peer_enabled` is whether the peer's settings had
    /// `SETTINGS_ENABLE_CONNECT_PROTOCOL = 1`; if not, this fails with
    /// [`ResponseError::ConnectProtocolDisabled`] and nothing may be sent.
    /// Also fails with [`Misuse::HttpVersion`] for a version other
    /// than HTTP/2 or HTTP/3, with [`Misuse::InvalidHeader`] for an
    /// extra header that HTTP/2 forbids (`Keep-Alive`, `Proxy-Connection`,
    /// `TE`), and if a builder method was given a refused value.
    pub fn extended_connect(
        self,
        version: Version,
        peer_enabled: bool,
        config: Config,
    ) -> Result<(http::Request<()>, HttpHandshake), HandshakeError> {
        let random = Box::new(crate::random::OsRandom::new());
        self.extended_connect_with_random(version, peer_enabled, config, random)
    }

    /// [`extended_connect`](Self::extended_connect), masking with keys from
    /// `random`.
    pub fn extended_connect_with_random(
        self,
        version: Version,
        peer_enabled: bool,
        config: Config,
        random: Box<dyn RandomSource>,
    ) -> Result<(http::Request<()>, HttpHandshake), HandshakeError> {
        if !peer_enabled {
            return Err(ResponseError::ConnectProtocolDisabled.into());
        }
        if version != Version::HTTP_2 && version != Version::HTTP_3 {
            return Err(Misuse::HttpVersion.into());
        }
        let (offers, offer) = self.prepare(config, random)?;
        let connection_specific = offers.headers.iter().any(|(name, _)| {
            CONNECTION_SPECIFIC
                .iter()
                .any(|c| c.eq_ignore_ascii_case(name))
        });
        if connection_specific {
            return Err(Misuse::InvalidHeader.into());
        }
        let scheme = if offers.secure { "https" } else { "http" };
        let request = offers_request(&offers, Method::CONNECT, version, Some(scheme))?;
        let handshake = HttpHandshake {
            expected_accept: None,
            offer,
        };
        Ok((request, handshake))
    }
}
