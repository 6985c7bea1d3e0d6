//! The opening handshake on `http` crate types (feature `http`), for
//! servers and clients whose HTTP is someone else's: hyper, axum, h2, h3.
//!
//! The rules and the negotiation (subprotocol, extensions,
//! permessage-deflate from [`Config::deflate`](crate::Config)) are those of
//! the HTTP/1.1 handshake's [`ServerHandshake`](super::ServerHandshake) and
//! [`ClientHandshake`](super::ClientHandshake), run over an [`http::HeaderMap`]; only the
//! carrier differs. Two front doors share these types:
//!
//! - an HTTP/1.1 upgrade (`GET` + `Upgrade: websocket`, answered with
//!   `101`): [`WebSocketRequest::upgrade`] on the server,
//!   [`ClientRequest::into_http`] on the client;
//! - extended CONNECT over HTTP/2 (RFC 8441) or HTTP/3 (RFC 9220), answered
//!   with `200`: see [`extended_connect`](super::extended_connect).
//!
//! Either way the result is a [`Connection`] to run over the upgraded
//! stream (for hyper, `hyper::upgrade::on(request)` wrapped in
//! `hyper_util::rt::TokioIo`, under
//! `rfc6455::tokio::WebSocketStream::from_connection`).
//!
//! Both sides, as values:
//!
//! ```
//! use rfc6455::handshake::http_types::WebSocketRequest;
//! use rfc6455::handshake::{Accept, ClientRequest};
//! use rfc6455::{Config, Event, Message};
//!
//! # fn main() -> Result<(), rfc6455::Error> {
//! let (request, client) = ClientRequest::new("ws://example.com/chat")?
//!     .protocol("chat.v2")
//!     .into_http(Config::default())?;
//! assert_eq!(request.headers()["upgrade"], "websocket");
//!
//! // The server, given the request by its HTTP library:
//! let offer = WebSocketRequest::upgrade(&request, Config::default())?;
//! let accept = Accept::default().protocol(offer.first_protocol_in(&["chat.v2"]).unwrap());
//! let (response, mut server) = offer.accept(accept)?;
//! assert_eq!(response.status(), http::StatusCode::SWITCHING_PROTOCOLS);
//!
//! // The client, given the response:
//! let mut client = client.finish(&response)?;
//! assert_eq!(client.protocol(), Some("chat.v2"));
//! client.send(Message::from("hello"))?;
//! server.receive(&client.take_output());
//! assert!(matches!(server.next_event()?, Some(Event::Message(_))));
//! # Ok(())
//! # }
//! ```

use alloc::boxed::Box;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode, Uri, Version};

use super::client::{ClientRequest, Offers};
use super::negotiate::{Agreed, ClientOffer};
use super::{
    Accept, HandshakeError, HeaderField, Misuse, RequestError, ResponseError, accept_key, rules,
};
use crate::config::Config;
use crate::connection::Connection;
use crate::random::RandomSource;

/// A valid WebSocket request, read from `http` types: an HTTP/1.1 upgrade
/// ([`upgrade`](Self::upgrade)) or an extended CONNECT over HTTP/2 or
/// HTTP/3 ([`extended_connect`](Self::extended_connect)).
///
/// Inspect the offers, then [`accept`](Self::accept) it, or answer with a
/// status of your own.
#[derive(Debug, Clone)]
#[must_use = "a request must be accepted or rejected"]
pub struct WebSocketRequest {
    /// The client's key, for an HTTP/1.1 upgrade; extended CONNECT has none.
    pub(super) key: Option<String>,
    pub(super) version: Version,
    pub(super) origin: Option<String>,
    pub(super) protocols: Vec<String>,
    pub(super) extensions: Vec<String>,
    /// The connection's configuration (boxed: requests move by value).
    pub(super) config: Box<Config>,
}

impl WebSocketRequest {
    /// Checks an HTTP/1.1 upgrade request, by the rules of
    /// [`ServerHandshake`](super::ServerHandshake): `GET`, HTTP/1.1, a path,
    /// `Host`, `Upgrade: websocket`, `Connection: upgrade`, no body,
    /// `Sec-WebSocket-Version: 13`, a valid `Sec-WebSocket-Key`, well-formed
    /// subprotocol and extension offers. An HTTP/2 or HTTP/3 request fails
    /// with [`RequestError::HttpVersion`]: those use
    /// [`extended_connect`](Self::extended_connect).
    ///
    /// The request's body is not looked at (hyper hands the request with its
    /// body stream). An accepted request gives its connection `config`.
    pub fn upgrade<B>(
        request: &http::Request<B>,
        config: Config,
    ) -> Result<WebSocketRequest, RequestError> {
        upgrade(
            request.method(),
            request.uri(),
            request.version(),
            request.headers(),
            config,
        )
    }

    /// [`upgrade`](Self::upgrade), from a request's parts.
    pub fn upgrade_parts(
        parts: &http::request::Parts,
        config: Config,
    ) -> Result<WebSocketRequest, RequestError> {
        upgrade(
            &parts.method,
            &parts.uri,
            parts.version,
            &parts.headers,
            config,
        )
    }

    /// Reads the offers every kind of request makes, after its own checks.
    pub(super) fn offers(
        key: Option<String>,
        version: Version,
        headers: &HeaderMap,
        config: Config,
    ) -> Result<WebSocketRequest, RequestError> {
        rules::require_version(headers)?;
        let text = |b: &[u8]| core::str::from_utf8(b).unwrap_or_default().to_string();
        let origin = rules::origin(headers)?.map(text);
        let protocols = rules::offered_protocols(headers)?;
        let extensions = rules::extension_elements(headers, |_| Ok(()))?;
        Ok(WebSocketRequest {
            key,
            version,
            origin,
            protocols: protocols.into_iter().map(text).collect(),
            extensions: extensions.into_iter().map(text).collect(),
            config: Box::new(config),
        })
    }

    /// Gives the accepted connection `config` instead of the one the request
    /// was checked with (the checks do not depend on it).
    pub fn with_config(mut self, config: Config) -> WebSocketRequest {
        *self.config = config;
        self
    }

    /// Whether the request is an extended CONNECT (HTTP/2 or HTTP/3), which
    /// is answered with `200`, rather than an HTTP/1.1 upgrade (`101`).
    #[must_use]
    pub fn is_extended_connect(&self) -> bool {
        self.key.is_none()
    }

    /// The `Origin` header's value, if any. Browsers always send it; check
    /// it to keep other sites' pages from connecting with the user's
    /// cookies.
    #[must_use]
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
    }

    /// The subprotocols the client offered, in order, across all header
    /// lines.
    pub fn protocols(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.protocols.iter().map(String::as_str)
    }

    /// Of the subprotocols in `supported`, the first that the client offered
    /// (so the server's order of preference wins), compared exactly.
    #[must_use]
    pub fn first_protocol_in<'s>(&self, supported: &[&'s str]) -> Option<&'s str> {
        supported
            .iter()
            .copied()
            .find(|s| self.protocols.iter().any(|p| p == s))
    }

    /// The extensions the client offered, each as the raw text of its
    /// element, in order.
    pub fn extensions(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.extensions.iter().map(String::as_str)
    }

    /// The permessage-deflate parameters [`accept`](Self::accept) would
    /// negotiate with `config`, as
    /// [`Request::deflate_offer`](super::Request::deflate_offer) says.
    #[cfg(feature = "deflate")]
    #[must_use]
    pub fn deflate_offer(
        &self,
        config: &crate::deflate::DeflateConfig,
    ) -> Option<crate::deflate::DeflateParams> {
        super::deflate::server_negotiate(config, self.extensions()).map(|(params, _)| params)
    }

    /// Accepts the request: returns the response to send — `101 Switching
    /// Protocols` with `Sec-WebSocket-Accept` for an HTTP/1.1 upgrade,
    /// `200 OK` for an extended CONNECT — and the server's [`Connection`],
    /// which knows the subprotocol and extensions agreed on (and, with the
    /// `deflate` feature, compresses as negotiated), exactly as
    /// [`Request::accept`](super::Request::accept) does.
    ///
    /// Fails with [`Misuse::ProtocolNotOffered`],
    /// [`Misuse::ExtensionNotOffered`] or
    /// [`Misuse::InvalidHeader`] as that method does.
    pub fn accept(self, accept: Accept) -> Result<(http::Response<()>, Connection), Misuse> {
        let protocols: Vec<&str> = self.protocols().collect();
        let extensions: Vec<&str> = self.extensions().collect();
        let agreed = Agreed::new(accept, &protocols, &extensions, &self.config)?;
        let mut response = http::Response::new(());
        *response.version_mut() = self.version;
        match &self.key {
            Some(key) => {
                *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
                let headers = response.headers_mut();
                headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
                headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
                let accept = accept_key(key.as_bytes());
                headers.insert(header::SEC_WEBSOCKET_ACCEPT, value(&accept)?);
            }
            None => *response.status_mut() = StatusCode::OK,
        }
        write_negotiated(
            response.headers_mut(),
            agreed.protocol.as_deref(),
            &agreed.extensions,
            &agreed.headers,
        )?;
        let conn = agreed.server_connection(*self.config);
        Ok((response, conn))
    }
}

impl RequestError {
    /// The answer to this error as an `http::Response`, for a server whose
    /// HTTP is hyper's, axum's or h2's: the status, header fields and body
    /// of the HTTP/1.1 [`response`](Self::response) (426 with
    /// `Upgrade: websocket`, `Sec-WebSocket-Version: 13` for a version
    /// mismatch, ...; see [`response_headers`](Self::response_headers)),
    /// with the body's framing (`Content-Length`) left to the HTTP library.
    ///
    /// Give the request's `version`: over HTTP/2 and HTTP/3 the
    /// connection-specific fields (`Connection`, `Upgrade`), which those
    /// versions forbid (RFC 9113 section 8.2.2), are left out.
    ///
    /// ```
    /// use rfc6455::handshake::http_types::WebSocketRequest;
    /// use rfc6455::Config;
    ///
    /// // A plain GET to the WebSocket route: answer 426.
    /// let request = http::Request::get("/chat").header("host", "example.com").body(()).unwrap();
    /// let error = WebSocketRequest::upgrade(&request, Config::default()).unwrap_err();
    /// let response = error.to_http_response(request.version());
    /// assert_eq!(response.status(), 426);
    /// assert_eq!(response.headers()["upgrade"], "websocket");
    /// ```
    #[must_use]
    pub fn to_http_response(&self, version: Version) -> http::Response<Bytes> {
        let mut response = http::Response::new(Bytes::from(self.response_body()));
        *response.status_mut() =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::BAD_REQUEST);
        let connection_specific = [header::CONNECTION, header::UPGRADE];
        let multiplexed = version >= Version::HTTP_2;
        let headers = response.headers_mut();
        for (name, value) in self.response_headers() {
            let Ok(name) = HeaderName::from_bytes(name.as_bytes()) else {
                continue;
            };
            if multiplexed && connection_specific.contains(&name) {
                continue;
            }
            headers.append(name, HeaderValue::from_static(value));
        }
        response
    }
}

impl HandshakeError {
    /// The [`RequestError::to_http_response`] to send, or `None` if this is
    /// not a request error.
    #[must_use]
    pub fn to_http_response(&self, version: Version) -> Option<http::Response<Bytes>> {
        self.request().map(|e| e.to_http_response(version))
    }
}

/// The checks of an HTTP/1.1 upgrade request.
fn upgrade(
    method: &Method,
    uri: &Uri,
    version: Version,
    headers: &HeaderMap,
    config: Config,
) -> Result<WebSocketRequest, RequestError> {
    if version != Version::HTTP_11 {
        return Err(RequestError::HttpVersion);
    }
    if method != Method::GET {
        return Err(RequestError::NotGet);
    }
    // Origin form or absolute form, not CONNECT's authority form or `*`.
    if uri.path_and_query().is_none() || !uri.path().starts_with('/') {
        return Err(RequestError::InvalidTarget);
    }
    rules::host(headers)?;
    rules::require_upgrade::<RequestError>(headers)?;
    rules::forbid_body::<RequestError>(headers)?;
    rules::require_version(headers)?;
    let key = core::str::from_utf8(rules::client_key(headers)?)
        .unwrap_or_default()
        .to_string();
    WebSocketRequest::offers(Some(key), version, headers, config)
}

/// Writes the subprotocol, the accepted extensions (or offers) and the extra
/// headers, which the builders checked.
pub(super) fn write_negotiated(
    headers: &mut HeaderMap,
    protocol: Option<&str>,
    extensions: &[String],
    extra: &[(String, String)],
) -> Result<(), Misuse> {
    if let Some(p) = protocol {
        headers.insert(header::SEC_WEBSOCKET_PROTOCOL, value(p)?);
    }
    if !extensions.is_empty() {
        headers.insert(
            header::SEC_WEBSOCKET_EXTENSIONS,
            value(&extensions.join(", "))?,
        );
    }
    for (name, v) in extra {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| Misuse::InvalidHeader)?;
        headers.append(name, value(v)?);
    }
    Ok(())
}

/// A header value from text the builders checked (no CR, LF, NUL).
fn value(text: &str) -> Result<HeaderValue, Misuse> {
    HeaderValue::from_bytes(text.as_bytes()).map_err(|_| Misuse::InvalidHeader)
}

/// What a client checks the server's `http::Response` against, after sending
/// the request [`ClientRequest::into_http`] (or
/// [`ClientRequest::extended_connect`]) made.
#[derive(Debug)]
#[must_use = "check the response with `finish`"]
pub struct HttpHandshake {
    /// The `Sec-WebSocket-Accept` expected, for an HTTP/1.1 upgrade; `None`
    /// for an extended CONNECT.
    pub(super) expected_accept: Option<String>,
    pub(super) offer: ClientOffer,
}

impl HttpHandshake {
    /// Checks the server's response into the client's [`Connection`], by
    /// the rules of [`ClientHandshake`](super::ClientHandshake): for an
    /// HTTP/1.1 upgrade, `101` with `Upgrade: websocket`, `Connection:
    /// upgrade` and the right `Sec-WebSocket-Accept`; for an extended
    /// CONNECT, a 2xx (servers send `200`) without those headers (else
    /// [`ResponseError::ForbiddenHeader`]). Either way at most one offered
    /// subprotocol, only offered extensions, and a permessage-deflate answer
    /// that fits the offer.
    ///
    /// Any other status fails with [`ResponseError::Rejected`]; its headers
    /// (`Location`, `WWW-Authenticate`) are in the response you hold. The
    /// connection masks with the random source the request was made with.
    pub fn finish<B>(self, response: &http::Response<B>) -> Result<Connection, ResponseError> {
        self.finish_parts(response.status(), response.headers())
    }

    /// [`finish`](Self::finish), from a response's parts.
    pub fn finish_parts(
        self,
        status: StatusCode,
        headers: &HeaderMap,
    ) -> Result<Connection, ResponseError> {
        match &self.expected_accept {
            Some(expected) => {
                if status != StatusCode::SWITCHING_PROTOCOLS {
                    return Err(ResponseError::Rejected(status.as_u16()));
                }
                rules::require_upgrade::<ResponseError>(headers)?;
                let accept =
                    rules::single::<ResponseError>(headers, HeaderField::SecWebSocketAccept)?
                        .ok_or(ResponseError::InvalidAcceptKey)?;
                if super::head::trim_ows(accept) != expected.as_bytes() {
                    return Err(ResponseError::InvalidAcceptKey);
                }
            }
            None => {
                // RFC 8441 section 5 counts any 2xx; servers send 200.
                if !status.is_success() {
                    return Err(ResponseError::Rejected(status.as_u16()));
                }
                super::extended_connect::forbid_http1_fields::<ResponseError>(
                    headers,
                    HeaderField::SecWebSocketAccept,
                )?;
            }
        }
        let answer = self.offer.check_answer(headers)?;
        Ok(self.offer.into_connection(&answer))
    }
}

impl ClientRequest {
    /// The HTTP/1.1 upgrade request as an `http::Request<()>` (`GET`,
    /// HTTP/1.1, `Host`, `Upgrade`, `Connection`, a fresh
    /// `Sec-WebSocket-Key` from the operating system, version 13, the offers
    /// and extra headers of the builder, permessage-deflate as
    /// [`start`](Self::start) offers it), and what checks the response.
    ///
    /// Its URI is the resource (origin form), as hyper's HTTP/1.1 client
    /// wants it. Fails if a builder method was given a refused value.
    pub fn into_http(self, config: Config) -> Result<(http::Request<()>, HttpHandshake), Misuse> {
        let mut nonce = [0u8; 16];
        crate::random::OsRandomOnce.fill_bytes(&mut nonce);
        self.http_request(nonce, config, Box::new(crate::random::OsRandom::new()))
    }

    /// [`into_http`](Self::into_http), with the key and the connection's
    /// masking keys from `random`.
    pub fn into_http_with_random(
        self,
        config: Config,
        mut random: Box<dyn RandomSource>,
    ) -> Result<(http::Request<()>, HttpHandshake), Misuse> {
        let mut nonce = [0u8; 16];
        random.fill_bytes(&mut nonce);
        self.http_request(nonce, config, random)
    }

    fn http_request(
        self,
        nonce: [u8; 16],
        config: Config,
        random: Box<dyn RandomSource>,
    ) -> Result<(http::Request<()>, HttpHandshake), Misuse> {
        let (offers, offer) = self.prepare(config, random)?;
        let key = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, nonce);
        let mut request = offers_request(&offers, Method::GET, Version::HTTP_11, None)?;
        let headers = request.headers_mut();
        headers.insert(header::HOST, value(&offers.authority)?);
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        headers.insert(header::SEC_WEBSOCKET_KEY, value(&key)?);
        let handshake = HttpHandshake {
            expected_accept: Some(accept_key(key.as_bytes())),
            offer,
        };
        Ok((request, handshake))
    }
}

/// A request with the offers every front door sends: `Sec-WebSocket-Version`,
/// the subprotocols, the extensions and the extra headers. The URI is the
/// resource, or the whole target with `scheme` (extended CONNECT).
pub(super) fn offers_request(
    offers: &Offers,
    method: Method,
    version: Version,
    scheme: Option<&str>,
) -> Result<http::Request<()>, Misuse> {
    let uri = match scheme {
        None => Uri::try_from(offers.resource.as_str()).ok(),
        Some(scheme) => Uri::builder()
            .scheme(scheme)
            .authority(offers.authority.as_str())
            .path_and_query(offers.resource.as_str())
            .build()
            .ok(),
    }
    .ok_or(Misuse::InvalidUrl)?;
    let mut request = http::Request::new(());
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.version_mut() = version;
    let headers = request.headers_mut();
    headers.insert(
        header::SEC_WEBSOCKET_VERSION,
        HeaderValue::from_static("13"),
    );
    let protocols = offers.protocols.join(", ");
    write_negotiated(
        headers,
        (!protocols.is_empty()).then_some(protocols.as_str()),
        &offers.extensions,
        &offers.headers,
    )?;
    Ok(request)
}
