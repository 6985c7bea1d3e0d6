//! The HTTP/1.1 opening handshake (RFC 6455 section 4), apart from the
//! connection.
//!
//! Both sides read the peer's head incrementally: bytes are scanned once, in
//! whatever chunks they arrive, under hard caps on size
//! ([`Config::max_handshake_size`]) and header count ([`Config::max_headers`]).
//! Bytes that arrive after the head (frames pipelined behind it) are kept and
//! handed to the [`Connection`](crate::Connection) the handshake produces.
//!
//! - The server side is [`ServerHandshake`] → [`Request`] →
//!   [`Request::accept`] (or a rejection response, see
//!   [`HandshakeError::response`] and [`Request::reject`]).
//! - The client side is [`ClientRequest`] → [`ClientHandshake`] →
//!   [`Response`]: either [`Accepted`] or a [`Rejection`] (a redirect, a 401,
//!   ...), which is a value, not an error.
//!
//! With the `deflate` feature, both sides negotiate permessage-deflate (RFC
//! 7692) from `Config::deflate`: the client offers it, the server answers
//! the first acceptable offer, the client checks the answer, and both
//! connections compress with the agreed parameters (`Accepted::deflate`,
//! `Request::deflate_offer`). Offering or accepting `permessage-deflate` by
//! hand (with [`ClientRequest::extension`] or [`Accept::extension`]) turns
//! that off for the side that does it.
//!
//! With the `http` feature, the same rules and the same negotiation run on
//! `http` crate types: `http_types` for an HTTP/1.1 upgrade that hyper or
//! axum parsed, and `extended_connect` for WebSockets over one HTTP/2 (RFC
//! 8441) or HTTP/3 (RFC 9220) stream.
//!
//! A whole handshake, in memory, then one message each way:
//!
//! ```
//! use rfc6455::handshake::{Accept, ClientRequest, Response, ServerHandshake};
//! use rfc6455::{Config, Event, Message};
//!
//! # fn main() -> Result<(), rfc6455::Error> {
//! let config = Config::default();
//!
//! // Client: build the request; `start` draws the key from the OS (and the
//! // connection's masking keys later; `start_with_random` takes a source).
//! let request = ClientRequest::new("ws://example.com/chat?room=1")?
//!     .protocol("chat.v2")
//!     .header("Origin", "https://example.com");
//! let (request_bytes, mut client) = request.start(config.clone())?;
//!
//! // Server: read the request, in any chunking.
//! let mut server = ServerHandshake::new(config);
//! let mut request = None;
//! for chunk in request_bytes.chunks(7) {
//!     if let Some(r) = server.receive(chunk)? {
//!         request = Some(r);
//!     }
//! }
//! let request = request.expect("the whole request was fed");
//! assert_eq!(request.path(), "/chat");
//! assert_eq!(request.query(), Some("room=1"));
//! assert_eq!(request.origin(), Some("https://example.com"));
//!
//! let protocol = request.first_protocol_in(&["chat.v3", "chat.v2"]);
//! let mut accept = Accept::default();
//! if let Some(p) = protocol {
//!     accept = accept.protocol(p);
//! }
//! let (response_bytes, mut server_conn) = request.accept(accept)?;
//!
//! // Client: read the response.
//! let accepted = match client.receive(&response_bytes)? {
//!     Some(Response::Accepted(accepted)) => accepted,
//!     other => panic!("unexpected {other:?}"),
//! };
//! assert_eq!(accepted.protocol(), Some("chat.v2"));
//! let mut client_conn = accepted.into_connection();
//! assert_eq!(client_conn.protocol(), Some("chat.v2"));
//!
//! // Messages flow.
//! client_conn.send(Message::from("hello"))?;
//! server_conn.receive(&client_conn.take_output());
//! match server_conn.next_event()? {
//!     Some(Event::Message(Message::Text(text))) => assert_eq!(text, "hello"),
//!     other => panic!("unexpected {other:?}"),
//! }
//! server_conn.send(Message::from("hi"))?;
//! client_conn.receive(&server_conn.take_output());
//! assert!(matches!(client_conn.next_event()?, Some(Event::Message(_))));
//! # Ok(())
//! # }
//! ```
//!
//! [`Config::max_handshake_size`]: crate::Config::max_handshake_size
//! [`Config::max_headers`]: crate::Config::max_headers

use core::fmt;

use alloc::string::String;
use alloc::vec::Vec;
use base64::Engine;
use sha1::{Digest, Sha1};

pub mod client;
#[cfg(feature = "http")]
pub mod extended_connect;
pub(crate) mod head;
mod http;
#[cfg(feature = "http")]
pub mod http_types;
mod negotiate;
pub mod proxy;
mod rules;
pub mod server;

pub use client::{Accepted, ClientHandshake, ClientRequest, Rejection, Response};
pub use http::reject;
pub use proxy::{ConnectHandshake, ConnectRequest, ProxyResponse, Tunnel};
pub use server::{Accept, Parsed, Request, ServerHandshake};

/// The GUID that RFC 6455 appends to the client's key.
const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// The `Sec-WebSocket-Accept` value for a `Sec-WebSocket-Key`:
/// base64(SHA-1(key ++ GUID)), RFC 6455 section 4.2.2.
///
/// ```
/// assert_eq!(
///     rfc6455::handshake::accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
///     "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
/// );
/// ```
#[must_use]
pub fn accept_key(key: &[u8]) -> String {
    let mut sha = Sha1::new();
    sha.update(key);
    sha.update(GUID);
    base64::engine::general_purpose::STANDARD.encode(sha.finalize())
}

/// The first line of a 426 body for a request that is not an upgrade.
const NOT_AN_UPGRADE: &str =
    "Upgrade Required: this is a WebSocket endpoint, and the request is not a WebSocket upgrade";

/// The rest of that body: the usual cause when a WebSocket client gets it.
const PROXY_HINT: &str = "If a proxy is in between, it may have dropped the Upgrade and \
    Connection headers or sent the request on as HTTP/1.0. For nginx: \
    proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; \
    proxy_set_header Connection \"upgrade\";";

/// Why an opening handshake failed.
///
/// Errors found in a client's request know the HTTP response a server should
/// answer with: [`http_status`](Self::http_status) and
/// [`response`](Self::response).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The request or response head was not valid HTTP/1.1. (400)
    InvalidHttp,
    /// The head grew past `Config::max_handshake_size` before it ended. (431)
    TooLarge,
    /// The head had more than `Config::max_headers` header fields. (431)
    TooManyHeaders,
    /// The request method was not `GET`. (405)
    NotGet,
    /// The HTTP version was below 1.1 (or not one this parser knows): an
    /// HTTP/1.0 request cannot upgrade, and is what a reverse proxy sends
    /// upstream unless told otherwise (nginx's default). (426, with
    /// `Upgrade: websocket` and a hint about proxies)
    HttpVersion,
    /// The request target was not a path (or an absolute URI), or had a
    /// fragment; or a client URL was malformed. (400)
    InvalidUri,
    /// A client URL's scheme was not `ws` or `wss`.
    UnsupportedScheme,
    /// A client URL had a fragment (`#...`), which RFC 6455 forbids.
    FragmentInUri,
    /// The request had no (or an empty) `Host` header; over HTTP/2 or
    /// HTTP/3, no `:authority`. (400)
    MissingHost,
    /// A header that may appear only once appeared more than once. (400)
    DuplicateHeader(&'static str),
    /// `Upgrade` did not contain the token `websocket`: a plain HTTP
    /// request, or an upgrade whose `Upgrade` header a proxy dropped. (426,
    /// with `Upgrade: websocket` and a hint about proxies)
    MissingUpgrade,
    /// `Connection` did not contain the token `upgrade`. (400)
    MissingConnectionUpgrade,
    /// The request had no `Sec-WebSocket-Key`. (400)
    MissingKey,
    /// `Sec-WebSocket-Key` did not decode to 16 bytes of base64. (400)
    InvalidKey,
    /// `Sec-WebSocket-Version` was missing or not 13. (426, with
    /// `Sec-WebSocket-Version: 13`)
    UnsupportedVersion,
    /// `Sec-WebSocket-Protocol` was malformed (not a list of tokens; or, in a
    /// response, more than one). (400)
    InvalidProtocol,
    /// `Sec-WebSocket-Extensions` was malformed (for example, an unclosed
    /// quoted string). (400)
    InvalidExtension,
    /// A subprotocol was selected that the client had not offered.
    ProtocolNotOffered,
    /// An extension was accepted that the client had not offered.
    ExtensionNotOffered,
    /// The server accepted permessage-deflate (RFC 7692) in a way the
    /// client must refuse: malformed, unknown or repeated parameters, a
    /// window size that is not 8 to 15 or is larger than offered, a missing
    /// `server_no_context_takeover` that the client asked for, or the
    /// extension accepted twice. Only with the `deflate` feature.
    InvalidDeflateParams,
    /// The response's `Sec-WebSocket-Accept` was missing or did not match the
    /// key the client sent.
    InvalidAcceptKey,
    /// A header name or value passed to a builder was not allowed: the name
    /// is not an HTTP token, the value contains CR, LF or NUL, or the header
    /// is one the handshake sets itself.
    InvalidHeader,
    /// `receive` was called again after the handshake had produced its
    /// result.
    AlreadyComplete,
    /// A header field that this kind of handshake forbids was present:
    /// over HTTP/2 and HTTP/3 (RFC 8441, RFC 9220), `Sec-WebSocket-Key`,
    /// `Sec-WebSocket-Accept`, `Upgrade` and `Connection`. (400)
    ForbiddenHeader(&'static str),
    /// An HTTP/2 or HTTP/3 request's method was not `CONNECT`. (405)
    NotConnect,
    /// An extended CONNECT request had no `:protocol`, or one other than
    /// `websocket`. (400)
    MissingProtocol,
    /// The server answered with this status instead of accepting (a
    /// response given as `http` types; the HTTP/1.1 reader returns a
    /// [`Rejection`] instead, with the headers).
    Rejected(u16),
    /// The HTTP/2 or HTTP/3 peer did not advertise
    /// `SETTINGS_ENABLE_CONNECT_PROTOCOL` (RFC 8441 section 3), so an
    /// extended CONNECT must not be tried.
    ConnectProtocolDisabled,
}

impl HandshakeError {
    /// The HTTP status a server answers with when a request fails this way,
    /// or `None` for errors that do not come from a request (client-side
    /// errors, local misuse).
    ///
    /// - 400 for a malformed upgrade (no `Host`, no `Connection: upgrade`, a
    ///   bad key, ...);
    /// - 405 for a method other than GET;
    /// - 426 (Upgrade Required) for a request that is not a WebSocket
    ///   upgrade at all: no `Upgrade: websocket`, or an HTTP version below
    ///   1.1, which is how an upgrade looks after a reverse proxy that does
    ///   not forward it; and for a missing or unsupported
    ///   `Sec-WebSocket-Version`;
    /// - 431 for a head too large or with too many headers.
    ///
    /// ```
    /// use rfc6455::handshake::HandshakeError;
    ///
    /// assert_eq!(HandshakeError::HttpVersion.http_status(), Some(426));
    /// assert_eq!(HandshakeError::MissingUpgrade.http_status(), Some(426));
    /// assert_eq!(HandshakeError::MissingConnectionUpgrade.http_status(), Some(400));
    /// assert_eq!(HandshakeError::InvalidAcceptKey.http_status(), None);
    /// ```
    #[must_use]
    pub fn http_status(&self) -> Option<u16> {
        Some(match self {
            HandshakeError::InvalidHttp
            | HandshakeError::InvalidUri
            | HandshakeError::MissingHost
            | HandshakeError::DuplicateHeader(_)
            | HandshakeError::MissingConnectionUpgrade
            | HandshakeError::MissingKey
            | HandshakeError::InvalidKey
            | HandshakeError::InvalidProtocol
            | HandshakeError::InvalidExtension
            | HandshakeError::ForbiddenHeader(_)
            | HandshakeError::MissingProtocol => 400,
            HandshakeError::NotGet | HandshakeError::NotConnect => 405,
            HandshakeError::MissingUpgrade
            | HandshakeError::HttpVersion
            | HandshakeError::UnsupportedVersion => 426,
            HandshakeError::TooLarge | HandshakeError::TooManyHeaders => 431,
            HandshakeError::UnsupportedScheme
            | HandshakeError::FragmentInUri
            | HandshakeError::ProtocolNotOffered
            | HandshakeError::ExtensionNotOffered
            | HandshakeError::InvalidDeflateParams
            | HandshakeError::InvalidAcceptKey
            | HandshakeError::InvalidHeader
            | HandshakeError::AlreadyComplete
            | HandshakeError::Rejected(_)
            | HandshakeError::ConnectProtocolDisabled => return None,
        })
    }

    /// Whether the head was a whole HTTP request that is simply not a
    /// WebSocket upgrade: another method than GET, no `Upgrade: websocket`,
    /// or HTTP/1.0; over HTTP/2 or HTTP/3, another method than CONNECT or a
    /// CONNECT without `:protocol: websocket`. A server that shares its port with plain HTTP routes can
    /// serve such a request itself (the bytes it read are the request);
    /// any other error is a broken upgrade, answered with
    /// [`response`](Self::response).
    #[must_use]
    pub fn is_plain_http(&self) -> bool {
        matches!(
            self,
            HandshakeError::NotGet
                | HandshakeError::MissingUpgrade
                | HandshakeError::HttpVersion
                | HandshakeError::NotConnect
                | HandshakeError::MissingProtocol
        )
    }

    /// The complete HTTP response a server sends for this error (status
    /// line, headers, a short plain-text body), or `None` if the error has no
    /// [`http_status`](Self::http_status).
    ///
    /// A 405 carries `Allow: GET`; every 426 carries `Upgrade: websocket`
    /// (RFC 9110 section 15.5.22), and the one for a missing or unsupported
    /// version also `Sec-WebSocket-Version: 13`. Every response carries
    /// `Connection: close`: close the transport once it is written.
    ///
    /// The body names what was wrong. For a request that is not an upgrade
    /// (no `Upgrade: websocket`, or HTTP/1.0) it also says that a proxy in
    /// between may have dropped the `Upgrade` and `Connection` headers or
    /// downgraded the request to HTTP/1.0, with the nginx settings that
    /// forward an upgrade, since that is the usual cause when a WebSocket
    /// client gets this answer.
    ///
    /// ```
    /// use rfc6455::handshake::HandshakeError;
    ///
    /// let response = HandshakeError::HttpVersion.response().unwrap();
    /// let text = String::from_utf8(response).unwrap();
    /// assert!(text.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
    /// assert!(text.contains("\r\nUpgrade: websocket\r\n"));
    /// assert!(text.contains("proxy_http_version 1.1"));
    /// ```
    #[must_use]
    pub fn response(&self) -> Option<Vec<u8>> {
        let status = self.http_status()?;
        // The headers, and whether the request was not an upgrade at all.
        let (extra, not_an_upgrade): (&[(&str, &str)], bool) = match self {
            HandshakeError::NotGet => (&[("Allow", "GET")], false),
            HandshakeError::MissingUpgrade | HandshakeError::HttpVersion => {
                (&[("Upgrade", "websocket")], true)
            }
            HandshakeError::UnsupportedVersion => (
                &[("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13")],
                false,
            ),
            _ => (&[], false),
        };
        let mut body = String::new();
        // Writing to a String cannot fail.
        let _ = if not_an_upgrade {
            fmt::write(
                &mut body,
                format_args!("{NOT_AN_UPGRADE} ({self}).\n{PROXY_HINT}\n"),
            )
        } else {
            fmt::write(&mut body, format_args!("{self}\n"))
        };
        Some(http::response(status, extra, body.as_bytes()))
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::InvalidHttp => f.write_str("malformed HTTP head"),
            HandshakeError::TooLarge => f.write_str("handshake head is too large"),
            HandshakeError::TooManyHeaders => f.write_str("handshake has too many header fields"),
            HandshakeError::NotGet => f.write_str("request method is not GET"),
            HandshakeError::HttpVersion => f.write_str("HTTP version is not 1.1 or later"),
            HandshakeError::InvalidUri => f.write_str("malformed request target or URL"),
            HandshakeError::UnsupportedScheme => f.write_str("URL scheme is not ws or wss"),
            HandshakeError::FragmentInUri => f.write_str("URL has a fragment"),
            HandshakeError::MissingHost => f.write_str("missing Host header (or :authority)"),
            HandshakeError::DuplicateHeader(name) => write!(f, "{name} header appears twice"),
            HandshakeError::MissingUpgrade => {
                f.write_str("Upgrade header does not contain \"websocket\"")
            }
            HandshakeError::MissingConnectionUpgrade => {
                f.write_str("Connection header does not contain \"upgrade\"")
            }
            HandshakeError::MissingKey => f.write_str("missing Sec-WebSocket-Key header"),
            HandshakeError::InvalidKey => {
                f.write_str("Sec-WebSocket-Key is not 16 bytes of base64")
            }
            HandshakeError::UnsupportedVersion => {
                f.write_str("Sec-WebSocket-Version is missing or not 13")
            }
            HandshakeError::InvalidProtocol => f.write_str("malformed Sec-WebSocket-Protocol"),
            HandshakeError::InvalidExtension => f.write_str("malformed Sec-WebSocket-Extensions"),
            HandshakeError::ProtocolNotOffered => {
                f.write_str("selected subprotocol was not offered by the client")
            }
            HandshakeError::ExtensionNotOffered => {
                f.write_str("accepted extension was not offered by the client")
            }
            HandshakeError::InvalidDeflateParams => {
                f.write_str("server accepted permessage-deflate with unacceptable parameters")
            }
            HandshakeError::InvalidAcceptKey => {
                f.write_str("Sec-WebSocket-Accept is missing or does not match the key")
            }
            HandshakeError::InvalidHeader => {
                f.write_str("header name or value is not allowed (bad token, CR/LF, or reserved)")
            }
            HandshakeError::AlreadyComplete => f.write_str("the handshake has already completed"),
            HandshakeError::ForbiddenHeader(name) => {
                write!(f, "{name} header is not allowed in this handshake")
            }
            HandshakeError::NotConnect => f.write_str("request method is not CONNECT"),
            HandshakeError::MissingProtocol => {
                f.write_str(":protocol pseudo-header is missing or not \"websocket\"")
            }
            HandshakeError::Rejected(status) => {
                write!(
                    f,
                    "server answered with status {status} instead of accepting"
                )
            }
            HandshakeError::ConnectProtocolDisabled => f.write_str(
                "peer did not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL: \
                 no WebSocket over this HTTP/2 or HTTP/3 connection",
            ),
        }
    }
}

impl core::error::Error for HandshakeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_key_matches_rfc_example() {
        assert_eq!(
            accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn request_errors_have_responses_and_local_errors_do_not() {
        let r = HandshakeError::UnsupportedVersion.response().unwrap();
        let text = core::str::from_utf8(&r).unwrap();
        assert!(text.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
        assert!(text.contains("\r\nSec-WebSocket-Version: 13\r\n"));
        let r = HandshakeError::NotGet.response().unwrap();
        assert!(
            core::str::from_utf8(&r)
                .unwrap()
                .contains("\r\nAllow: GET\r\n")
        );
        assert_eq!(HandshakeError::InvalidAcceptKey.response(), None);
        assert_eq!(HandshakeError::TooLarge.http_status(), Some(431));
    }

    fn response_text(error: HandshakeError) -> String {
        String::from_utf8(error.response().unwrap()).unwrap()
    }

    #[test]
    fn requests_that_are_not_upgrades_get_426_with_upgrade_websocket_and_a_proxy_hint() {
        for (error, named) in [
            (HandshakeError::MissingUpgrade, "Upgrade header"),
            (HandshakeError::HttpVersion, "HTTP version"),
        ] {
            assert_eq!(error.http_status(), Some(426));
            let text = response_text(error);
            assert!(
                text.starts_with("HTTP/1.1 426 Upgrade Required\r\n"),
                "{text}"
            );
            assert!(text.contains("\r\nUpgrade: websocket\r\n"), "{text}");
            assert!(text.contains("\r\nConnection: close\r\n"), "{text}");
            // Sec-WebSocket-Version is for a version mismatch only.
            assert!(!text.contains("Sec-WebSocket-Version"), "{text}");
            let body = &text[text.find("\r\n\r\n").unwrap() + 4..];
            assert!(body.contains(named), "{body}");
            assert!(body.contains("proxy"), "{body}");
            assert!(body.contains("HTTP/1.0"), "{body}");
            assert!(body.contains("proxy_http_version 1.1;"), "{body}");
            assert!(
                body.contains("proxy_set_header Upgrade $http_upgrade;"),
                "{body}"
            );
            assert!(
                body.contains("proxy_set_header Connection \"upgrade\";"),
                "{body}"
            );
        }
    }

    #[test]
    fn a_missing_connection_upgrade_stays_400_without_the_proxy_hint() {
        assert_eq!(
            HandshakeError::MissingConnectionUpgrade.http_status(),
            Some(400)
        );
        let text = response_text(HandshakeError::MissingConnectionUpgrade);
        assert!(text.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{text}");
        assert!(!text.contains("Upgrade: websocket"), "{text}");
        assert!(text.ends_with("\r\n\r\nConnection header does not contain \"upgrade\"\n"));
    }

    #[test]
    fn only_requests_that_are_not_upgrades_count_as_plain_http() {
        assert!(HandshakeError::MissingUpgrade.is_plain_http());
        assert!(HandshakeError::NotGet.is_plain_http());
        assert!(HandshakeError::HttpVersion.is_plain_http());
        assert!(!HandshakeError::MissingKey.is_plain_http());
        assert!(!HandshakeError::TooLarge.is_plain_http());
    }
}
