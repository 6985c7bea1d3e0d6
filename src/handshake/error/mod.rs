//! Why an opening handshake failed, typed by who was at fault: the client's
//! request ([`RequestError`], which a server answers with an HTTP status),
//! the server's (or a proxy's) response ([`ResponseError`]), or this
//! program's own use of the API ([`Misuse`]). [`HandshakeError`] holds any
//! of the three, for the calls that can fail more than one way.
//!
//! A leaf module: it imports nothing else of the crate.

use core::fmt;

pub(super) mod answer;

/// A header field that the handshake checks by name, as an error names it.
/// (A type of its own rather than a `&'static str`, so that the errors stay
/// a few bytes.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HeaderField {
    /// `Host`.
    Host,
    /// `Origin`.
    Origin,
    /// `Upgrade`.
    Upgrade,
    /// `Connection`.
    Connection,
    /// `Sec-WebSocket-Key`.
    SecWebSocketKey,
    /// `Sec-WebSocket-Version`.
    SecWebSocketVersion,
    /// `Sec-WebSocket-Accept`.
    SecWebSocketAccept,
}

impl HeaderField {
    /// The field's name, as RFC 6455 and RFC 9110 spell it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            HeaderField::Host => "Host",
            HeaderField::Origin => "Origin",
            HeaderField::Upgrade => "Upgrade",
            HeaderField::Connection => "Connection",
            HeaderField::SecWebSocketKey => "Sec-WebSocket-Key",
            HeaderField::SecWebSocketVersion => "Sec-WebSocket-Version",
            HeaderField::SecWebSocketAccept => "Sec-WebSocket-Accept",
        }
    }
}

impl fmt::Display for HeaderField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What was wrong with a client's request, as a server reads it (an
/// HTTP/1.1 head, `http` crate types, or an HTTP/2 or HTTP/3 extended
/// CONNECT).
///
/// Every variant has the HTTP [`status`](Self::status) to answer with, and
/// [`response`](Self::response) writes the whole rejection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestError {
    /// The head was not valid HTTP/1.1, had a body, or a header value that
    /// is not UTF-8. (400)
    InvalidHttp,
    /// The head grew past `Config::max_handshake_size` before it ended. (431)
    TooLarge,
    /// The head had more than `Config::max_headers` header fields. (431)
    TooManyHeaders,
    /// The method was not `GET`. (405, with `Allow: GET`)
    NotGet,
    /// The HTTP version was below 1.1 (or one this parser does not know): an
    /// HTTP/1.0 request cannot upgrade, and is what a reverse proxy sends
    /// upstream unless told otherwise (nginx's default); over `http` types,
    /// a version the front door does not take. (426, with
    /// `Upgrade: websocket` and a hint about proxies)
    HttpVersion,
    /// The request target was not a path (or an absolute URI), or had a
    /// fragment; over HTTP/2 or HTTP/3, `:scheme` or `:path` was bad. (400)
    InvalidTarget,
    /// No (or an empty) `Host` header; over HTTP/2 or HTTP/3, no
    /// `:authority`. (400)
    MissingHost,
    /// A header that may appear only once appeared more than once. (400)
    DuplicateHeader(HeaderField),
    /// `Upgrade` did not contain the token `websocket`: a plain HTTP
    /// request, or an upgrade whose `Upgrade` header a proxy dropped. (426,
    /// with `Upgrade: websocket` and a hint about proxies)
    MissingUpgrade,
    /// `Connection` did not contain the token `upgrade`. (400)
    MissingConnectionUpgrade,
    /// No `Sec-WebSocket-Key`. (400)
    MissingKey,
    /// `Sec-WebSocket-Key` did not decode to 16 bytes of base64. (400)
    InvalidKey,
    /// `Sec-WebSocket-Version` was missing or not 13. (426, with
    /// `Sec-WebSocket-Version: 13`)
    UnsupportedVersion,
    /// `Sec-WebSocket-Protocol` was not a list of tokens. (400)
    InvalidProtocol,
    /// `Sec-WebSocket-Extensions` was malformed (for example, an unclosed
    /// quoted string). (400)
    InvalidExtension,
    /// A header field that this kind of handshake forbids was present:
    /// over HTTP/2 and HTTP/3 (RFC 8441, RFC 9220), `Sec-WebSocket-Key`,
    /// `Sec-WebSocket-Accept`, `Upgrade` and `Connection`. (400)
    ForbiddenHeader(HeaderField),
    /// An HTTP/2 or HTTP/3 request's method was not `CONNECT`. (405)
    NotConnect,
    /// An extended CONNECT had no `:protocol`, or one other than
    /// `websocket`. (400)
    MissingProtocol,
}

impl RequestError {
    /// The HTTP status a server answers with:
    ///
    /// - 400 for a malformed upgrade (no `Host`, no `Connection: upgrade`, a
    ///   bad key, ...);
    /// - 405 for a method other than GET (or CONNECT over HTTP/2 and 3);
    /// - 426 (Upgrade Required) for a request that is not a WebSocket
    ///   upgrade at all: no `Upgrade: websocket`, or an HTTP version below
    ///   1.1, which is how an upgrade looks after a reverse proxy that does
    ///   not forward it; and for a missing or unsupported
    ///   `Sec-WebSocket-Version`;
    /// - 431 for a head too large or with too many headers.
    ///
    /// ```
    /// use rfc6455::handshake::RequestError;
    ///
    /// assert_eq!(RequestError::HttpVersion.status(), 426);
    /// assert_eq!(RequestError::MissingConnectionUpgrade.status(), 400);
    /// ```
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            RequestError::InvalidHttp
            | RequestError::InvalidTarget
            | RequestError::MissingHost
            | RequestError::DuplicateHeader(_)
            | RequestError::MissingConnectionUpgrade
            | RequestError::MissingKey
            | RequestError::InvalidKey
            | RequestError::InvalidProtocol
            | RequestError::InvalidExtension
            | RequestError::ForbiddenHeader(_)
            | RequestError::MissingProtocol => 400,
            RequestError::NotGet | RequestError::NotConnect => 405,
            RequestError::MissingUpgrade
            | RequestError::HttpVersion
            | RequestError::UnsupportedVersion => 426,
            RequestError::TooLarge | RequestError::TooManyHeaders => 431,
        }
    }

    /// Whether the head was a whole HTTP request that is simply not a
    /// WebSocket upgrade: another method than GET, no `Upgrade: websocket`,
    /// or HTTP/1.0; over HTTP/2 or HTTP/3, another method than CONNECT or a
    /// CONNECT without `:protocol: websocket`. A server that shares its port
    /// with plain HTTP routes can serve such a request itself (the bytes it
    /// read are the request); any other error is a broken upgrade, answered
    /// with [`response`](Self::response).
    #[must_use]
    pub fn is_plain_http(&self) -> bool {
        matches!(
            self,
            RequestError::NotGet
                | RequestError::MissingUpgrade
                | RequestError::HttpVersion
                | RequestError::NotConnect
                | RequestError::MissingProtocol
        )
    }

    /// Whether the request was not an upgrade at all (its 426 body carries
    /// the hint about proxies).
    pub(crate) fn is_not_an_upgrade(&self) -> bool {
        matches!(
            self,
            RequestError::MissingUpgrade | RequestError::HttpVersion
        )
    }

    /// What was wrong, without who or what to do: the server's answer body
    /// and [`Display`](fmt::Display) both start from it.
    fn what(&self) -> &'static str {
        match self {
            RequestError::InvalidHttp => "is not valid HTTP/1.1",
            RequestError::TooLarge => "head is too large",
            RequestError::TooManyHeaders => "has too many header fields",
            RequestError::NotGet => "method is not GET",
            RequestError::HttpVersion => "HTTP version is not 1.1 or later",
            RequestError::InvalidTarget => "target is not a path or absolute URI",
            RequestError::MissingHost => "has no Host header (or :authority)",
            RequestError::DuplicateHeader(_) => "repeats a header that may appear once:",
            RequestError::MissingUpgrade => "Upgrade header does not contain \"websocket\"",
            RequestError::MissingConnectionUpgrade => {
                "Connection header does not contain \"upgrade\""
            }
            RequestError::MissingKey => "has no Sec-WebSocket-Key",
            RequestError::InvalidKey => "Sec-WebSocket-Key is not 16 bytes of base64",
            RequestError::UnsupportedVersion => "Sec-WebSocket-Version is missing or not 13",
            RequestError::InvalidProtocol => "Sec-WebSocket-Protocol is not a list of tokens",
            RequestError::InvalidExtension => "Sec-WebSocket-Extensions is malformed",
            RequestError::ForbiddenHeader(_) => "has a header forbidden over HTTP/2 and HTTP/3:",
            RequestError::NotConnect => "method is not CONNECT",
            RequestError::MissingProtocol => ":protocol is missing or not \"websocket\"",
        }
    }

    /// What to do about it, from the client's side.
    fn remedy(&self) -> &'static str {
        match self {
            RequestError::TooLarge | RequestError::TooManyHeaders => {
                "send fewer or shorter headers, or raise the server's limits"
            }
            RequestError::NotGet
            | RequestError::MissingUpgrade
            | RequestError::HttpVersion
            | RequestError::NotConnect
            | RequestError::MissingProtocol => {
                "it is not a WebSocket upgrade, or a proxy did not forward the upgrade"
            }
            RequestError::MissingConnectionUpgrade | RequestError::MissingKey => {
                "it is not a WebSocket client, or a proxy stripped the header"
            }
            RequestError::UnsupportedVersion => "speak WebSocket version 13 (RFC 6455)",
            _ => "fix the client (or the proxy in between)",
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the client's request {}", self.what())?;
        if let RequestError::DuplicateHeader(name) | RequestError::ForbiddenHeader(name) = self {
            write!(f, " {name}")?;
        }
        write!(f, " ({}): {}", self.status(), self.remedy())
    }
}

impl core::error::Error for RequestError {}

/// What was wrong with a server's response to our opening handshake (or a
/// proxy's answer to our CONNECT), as a client reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResponseError {
    /// The head was not valid HTTP/1.1 (or had a body, or a header value that
    /// is not UTF-8).
    InvalidHttp,
    /// The head grew past the size limit before it ended.
    TooLarge,
    /// The head had more header fields than the limit.
    TooManyHeaders,
    /// A 101 response's HTTP version was below 1.1.
    HttpVersion,
    /// A header that may appear only once appeared more than once.
    DuplicateHeader(HeaderField),
    /// `Upgrade` did not contain the token `websocket`.
    MissingUpgrade,
    /// `Connection` did not contain the token `upgrade`.
    MissingConnectionUpgrade,
    /// `Sec-WebSocket-Accept` was missing or did not match our key.
    InvalidAcceptKey,
    /// `Sec-WebSocket-Protocol` was not one token (malformed, or more than
    /// one protocol).
    InvalidProtocol,
    /// The server selected a subprotocol we had not offered.
    ProtocolNotOffered,
    /// `Sec-WebSocket-Extensions` was malformed.
    InvalidExtension,
    /// The server accepted an extension we had not offered.
    ExtensionNotOffered,
    /// The server accepted permessage-deflate (RFC 7692) in a way the
    /// client must refuse: malformed, unknown or repeated parameters, a
    /// window size that is not 8 to 15 or is larger than offered, a missing
    /// `server_no_context_takeover` that we asked for, or the extension
    /// accepted twice. Only with the `deflate` feature.
    InvalidDeflateParams,
    /// A header field that an HTTP/2 or HTTP/3 response must not carry
    /// (`Sec-WebSocket-Accept`, `Upgrade`, `Connection`).
    ForbiddenHeader(HeaderField),
    /// The server answered with this status instead of accepting (a
    /// response given as `http` types; the HTTP/1.1 reader returns a
    /// [`Rejection`](crate::handshake::Rejection) instead, with the headers).
    Rejected(u16),
    /// The HTTP/2 or HTTP/3 peer did not advertise
    /// `SETTINGS_ENABLE_CONNECT_PROTOCOL` (RFC 8441 section 3), so an
    /// extended CONNECT must not be tried.
    ConnectProtocolDisabled,
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NOT_RFC6455: &str = "the server (or a proxy) does not speak RFC 6455";
        match self {
            ResponseError::InvalidHttp => {
                write!(
                    f,
                    "the server's response is not valid HTTP/1.1: {NOT_RFC6455}"
                )
            }
            ResponseError::TooLarge => {
                f.write_str("the server's response head is too large: raise our max_handshake_size")
            }
            ResponseError::TooManyHeaders => f.write_str(
                "the server's response has too many header fields: raise our max_headers",
            ),
            ResponseError::HttpVersion => write!(
                f,
                "the server answered 101 in an HTTP version below 1.1: {NOT_RFC6455}"
            ),
            ResponseError::DuplicateHeader(name) => {
                write!(f, "the server's response repeats {name}: {NOT_RFC6455}")
            }
            ResponseError::MissingUpgrade => write!(
                f,
                "the server's Upgrade header does not contain \"websocket\": {NOT_RFC6455}"
            ),
            ResponseError::MissingConnectionUpgrade => write!(
                f,
                "the server's Connection header does not contain \"upgrade\": {NOT_RFC6455}"
            ),
            ResponseError::InvalidAcceptKey => write!(
                f,
                "the server's Sec-WebSocket-Accept does not match our key: {NOT_RFC6455}"
            ),
            ResponseError::InvalidProtocol => write!(
                f,
                "the server's Sec-WebSocket-Protocol is not one token: {NOT_RFC6455}"
            ),
            ResponseError::ProtocolNotOffered => f.write_str(
                "the server selected a subprotocol we did not offer: fix the server, \
                 or offer that protocol",
            ),
            ResponseError::InvalidExtension => write!(
                f,
                "the server's Sec-WebSocket-Extensions is malformed: {NOT_RFC6455}"
            ),
            ResponseError::ExtensionNotOffered => {
                f.write_str("the server accepted an extension we did not offer: fix the server")
            }
            ResponseError::InvalidDeflateParams => f.write_str(
                "the server accepted permessage-deflate with parameters RFC 7692 refuses: \
                 fix the server, or turn deflate off",
            ),
            ResponseError::ForbiddenHeader(name) => write!(
                f,
                "the server's HTTP/2 or HTTP/3 response has {name}, which RFC 8441 forbids: \
                 fix the server"
            ),
            ResponseError::Rejected(status) => write!(
                f,
                "the server answered {status} instead of accepting the WebSocket: \
                 check the URL, credentials and origin"
            ),
            ResponseError::ConnectProtocolDisabled => f.write_str(
                "the server did not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL: \
                 no WebSocket over this HTTP/2 or HTTP/3 connection, use HTTP/1.1",
            ),
        }
    }
}

impl core::error::Error for ResponseError {}

/// What this program asked of the handshake API that it cannot do: a bad
/// URL or builder argument, an answer that breaks the client's offer, a
/// call after the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Misuse {
    /// A client URL (or a proxy target's host and port) was malformed.
    InvalidUrl,
    /// A client URL's scheme was not `ws` or `wss`.
    UnsupportedScheme,
    /// A client URL had a fragment (`#...`), which RFC 6455 forbids.
    FragmentInUrl,
    /// A header name or value passed to a builder was not allowed: the name
    /// is not an HTTP token, the value contains CR, LF or NUL, or the header
    /// is one the handshake sets itself.
    InvalidHeader,
    /// A subprotocol given to a builder was not an HTTP token.
    InvalidProtocol,
    /// An extension offer or answer given to a builder was malformed.
    InvalidExtension,
    /// An [`Accept`](crate::handshake::Accept) selected a subprotocol the
    /// client had not offered.
    ProtocolNotOffered,
    /// An [`Accept`](crate::handshake::Accept) accepted an extension the
    /// client had not offered.
    ExtensionNotOffered,
    /// An extended CONNECT was asked for over an HTTP version other than
    /// HTTP/2 or HTTP/3.
    HttpVersion,
    /// `receive` was called again after the handshake had produced its
    /// result.
    AlreadyComplete,
}

impl fmt::Display for Misuse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Misuse::InvalidUrl => {
                "malformed WebSocket URL: give ws://host[:port]/path or wss://..."
            }
            Misuse::UnsupportedScheme => "URL scheme is not ws or wss: use one of those",
            Misuse::FragmentInUrl => {
                "ws URL has a fragment (#...): remove it (RFC 6455 forbids fragments)"
            }
            Misuse::InvalidHeader => {
                "header given to the builder is not allowed (not a token, CR/LF in the value, \
                 or one the handshake sets itself): fix or drop it"
            }
            Misuse::InvalidProtocol => {
                "subprotocol given to the builder is not an HTTP token: fix its name"
            }
            Misuse::InvalidExtension => {
                "extension given to the builder is malformed: check its syntax (RFC 6455 9.1)"
            }
            Misuse::ProtocolNotOffered => {
                "Accept selects a subprotocol the client did not offer: pick one of \
                 Request::protocols()"
            }
            Misuse::ExtensionNotOffered => {
                "Accept answers an extension the client did not offer: answer only \
                 Request::extensions()"
            }
            Misuse::HttpVersion => "extended CONNECT needs HTTP/2 or HTTP/3: pass one of those",
            Misuse::AlreadyComplete => {
                "receive called after the handshake completed: use its result instead"
            }
        })
    }
}

impl core::error::Error for Misuse {}

/// Why an opening handshake failed: the client's request, the server's
/// response, or this program's misuse of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HandshakeError {
    /// The client's request was refused (a server's view).
    Request(RequestError),
    /// The server's response was refused (a client's view).
    Response(ResponseError),
    /// This program called the API wrongly.
    Misuse(Misuse),
}

impl HandshakeError {
    /// The HTTP status to answer a request with: `Some` only for a
    /// [`RequestError`].
    ///
    /// ```
    /// use rfc6455::handshake::{HandshakeError, RequestError, ResponseError};
    ///
    /// assert_eq!(HandshakeError::from(RequestError::MissingUpgrade).http_status(), Some(426));
    /// assert_eq!(HandshakeError::from(ResponseError::InvalidAcceptKey).http_status(), None);
    /// ```
    #[must_use]
    pub fn http_status(&self) -> Option<u16> {
        self.request().map(RequestError::status)
    }

    /// Whether this is a [`RequestError`] that
    /// [is plain HTTP](RequestError::is_plain_http).
    #[must_use]
    pub fn is_plain_http(&self) -> bool {
        self.request().is_some_and(RequestError::is_plain_http)
    }

    /// The request error inside, if this is one.
    #[must_use]
    pub fn request(&self) -> Option<&RequestError> {
        match self {
            HandshakeError::Request(e) => Some(e),
            _ => None,
        }
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HandshakeError::Request(e) => e.fmt(f),
            HandshakeError::Response(e) => e.fmt(f),
            HandshakeError::Misuse(e) => e.fmt(f),
        }
    }
}

impl core::error::Error for HandshakeError {}

impl From<RequestError> for HandshakeError {
    fn from(e: RequestError) -> Self {
        HandshakeError::Request(e)
    }
}

impl From<ResponseError> for HandshakeError {
    fn from(e: ResponseError) -> Self {
        HandshakeError::Response(e)
    }
}

impl From<Misuse> for HandshakeError {
    fn from(e: Misuse) -> Self {
        HandshakeError::Misuse(e)
    }
}

#[cfg(test)]
mod tests;
