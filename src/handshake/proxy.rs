//! The HTTP CONNECT preamble (RFC 9110 section 9.3.6) that a client runs
//! through a forward proxy before anything else: ask the proxy for a tunnel
//! to the server's host and port, read its answer, then run TLS (for
//! `wss://`) and the WebSocket handshake inside the tunnel.
//!
//! `ws://` tunnels too: forward proxies drop the hop-by-hop `Upgrade`
//! header of a request they forward, so only a tunnel carries an upgrade
//! through them.
//!
//! Like the opening handshake, this is a state machine without I/O: the
//! request's bytes out, the proxy's answer in, in any chunking, under a
//! size and header-count cap.
//!
//! ```
//! use rfc6455::handshake::{ConnectRequest, ProxyResponse};
//!
//! # fn main() -> Result<(), rfc6455::handshake::HandshakeError> {
//! let (request, mut reading) = ConnectRequest::new("example.com", 443)
//!     .basic_auth("user", "secret")
//!     .start()?;
//! assert!(request.starts_with(b"CONNECT example.com:443 HTTP/1.1\r\n"));
//!
//! // The proxy's answer, with the first bytes of the tunnel behind it.
//! let answer = b"HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01";
//! match reading.receive(answer)? {
//!     Some(ProxyResponse::Tunnel(tunnel)) => assert_eq!(tunnel.leftover(), b"\x16\x03\x01"),
//!     other => panic!("unexpected {other:?}"),
//! }
//! # Ok(())
//! # }
//! ```

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use base64::Engine;

use super::head::HeadReader;
use super::{HandshakeError, Misuse, Rejection, ResponseError, http};

/// Request headers the CONNECT request writes itself.
const RESERVED_HEADERS: &[&str] = &["Host", "Proxy-Authorization", "Content-Length"];

/// Default cap on the proxy's response head, in bytes.
const DEFAULT_MAX_SIZE: usize = 16 << 10;

/// Default cap on the proxy's response header fields.
const DEFAULT_MAX_HEADERS: usize = 64;

/// A CONNECT request for a tunnel to `host:port`, before it is sent.
///
/// The builder methods never fail: a refused value makes
/// [`start`](Self::start) fail instead, as with
/// [`ClientRequest`](super::ClientRequest).
#[derive(Clone, PartialEq, Eq, Hash)]
#[must_use]
pub struct ConnectRequest {
    /// `host:port`, IPv6 in brackets: the request target and `Host`.
    authority: String,
    /// The `Proxy-Authorization` value.
    authorization: Option<String>,
    headers: Vec<(String, String)>,
    max_size: usize,
    max_headers: usize,
    error: Option<Misuse>,
}

impl core::fmt::Debug for ConnectRequest {
    /// Leaves the credentials out.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ConnectRequest")
            .field("authority", &self.authority)
            .field("authorization", &self.authorization.as_ref().map(|_| ".."))
            .field("headers", &self.headers.len())
            .finish_non_exhaustive()
    }
}

impl ConnectRequest {
    /// A request for a tunnel to `host` (a name, an IPv4 address, or an
    /// IPv6 address without brackets) and `port`: what
    /// [`ClientRequest::host`](super::ClientRequest::host) and
    /// [`port`](super::ClientRequest::port) say for the WebSocket URL.
    ///
    /// A host that is empty, or holds a space, a control character, `/`,
    /// `@`, `?` or `#`, makes [`start`](Self::start) fail with
    /// [`Misuse::InvalidUrl`].
    pub fn new(host: &str, port: u16) -> Self {
        let valid = if host.contains(':') {
            host.parse::<core::net::Ipv6Addr>().is_ok()
        } else {
            !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !b"/@?#[]".contains(&b))
        };
        let mut authority = String::with_capacity(host.len() + 8);
        if host.contains(':') {
            authority.push('[');
            authority.push_str(host);
            authority.push(']');
        } else {
            authority.push_str(host);
        }
        authority.push(':');
        authority.push_str(&port.to_string());
        ConnectRequest {
            authority,
            authorization: None,
            headers: Vec::new(),
            max_size: DEFAULT_MAX_SIZE,
            max_headers: DEFAULT_MAX_HEADERS,
            error: (!valid).then_some(Misuse::InvalidUrl),
        }
    }

    /// Sends `Proxy-Authorization: Basic` with these credentials (RFC
    /// 7617), as a proxy URL's user info gives them (already
    /// percent-decoded).
    pub fn basic_auth(mut self, user: &str, password: &str) -> Self {
        let mut pair = String::with_capacity(user.len() + password.len() + 1);
        pair.push_str(user);
        pair.push(':');
        pair.push_str(password);
        let mut value = String::from("Basic ");
        base64::engine::general_purpose::STANDARD.encode_string(pair, &mut value);
        self.authorization = Some(value);
        self
    }

    /// Adds a header to the CONNECT request (`User-Agent`, ...). Refused
    /// like [`ClientRequest::header`](super::ClientRequest::header), and
    /// for `Host`, `Proxy-Authorization` and `Content-Length`, which this
    /// request writes itself.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match http::check_extra_header(name, value, RESERVED_HEADERS) {
            Ok(()) => self.headers.push((name.to_string(), value.to_string())),
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }

    /// Caps the proxy's response head: `max_size` bytes and `max_headers`
    /// header fields (defaults 16 KiB and 64). Past them, reading fails
    /// with [`ResponseError::TooLarge`] or
    /// [`ResponseError::TooManyHeaders`].
    pub fn limits(mut self, max_size: usize, max_headers: usize) -> Self {
        self.max_size = max_size;
        self.max_headers = max_headers;
        self
    }

    /// Writes the request. Returns the bytes to send to the proxy and the
    /// state that reads its answer. Fails if a builder method was given a
    /// refused value.
    pub fn start(self) -> Result<(Vec<u8>, ConnectHandshake), Misuse> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut out = Vec::with_capacity(128);
        out.extend_from_slice(b"CONNECT ");
        out.extend_from_slice(self.authority.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\n");
        http::field(&mut out, "Host", self.authority.as_bytes());
        if let Some(authorization) = &self.authorization {
            http::field(&mut out, "Proxy-Authorization", authorization.as_bytes());
        }
        for (name, value) in &self.headers {
            http::field(&mut out, name, value.as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        let reading = ConnectHandshake {
            reader: HeadReader::new(self.max_size, self.max_headers),
        };
        Ok((out, reading))
    }
}

/// Reads a proxy's answer to a CONNECT request.
#[derive(Debug)]
pub struct ConnectHandshake {
    reader: HeadReader<ResponseError>,
}

impl ConnectHandshake {
    /// Takes bytes received from the proxy.
    ///
    /// `Ok(None)`: the answer's head is not complete; feed more.
    /// `Ok(Some(ProxyResponse::Tunnel(_)))`: a 2xx (HTTP/1.1 or 1.0); the
    /// transport is now a tunnel to the server, and any bytes the proxy sent
    /// behind its answer are the tunnel's first
    /// ([`Tunnel::leftover`]). `Ok(Some(ProxyResponse::Refused(_)))`: any
    /// other status (407 asks for credentials, 403 or 502 refuse the
    /// target), with its headers and the start of its body. `Err(_)`: a
    /// malformed or oversized head; close the transport. Errors repeat on
    /// later calls; after an answer was returned, later calls fail with
    /// [`Misuse::AlreadyComplete`] (the only error that is not a
    /// [`ResponseError`]).
    pub fn receive(&mut self, bytes: &[u8]) -> Result<Option<ProxyResponse>, HandshakeError> {
        if self.reader.is_done() {
            return Err(Misuse::AlreadyComplete.into());
        }
        let Some(raw) = self.reader.receive(bytes)? else {
            return Ok(None);
        };
        // Any HTTP/1.x answer is read (proxies often answer in 1.0), so a
        // version the parser does not know is just malformed.
        let response = raw.into_response().map_err(|e| {
            self.reader.fail(match e {
                ResponseError::HttpVersion => ResponseError::InvalidHttp,
                other => other,
            })
        })?;
        Ok(Some(if (200..300).contains(&response.status) {
            ProxyResponse::Tunnel(Tunnel {
                status: response.status,
                leftover: response.leftover,
            })
        } else {
            ProxyResponse::Refused(Rejection::from_head(response))
        }))
    }
}

/// A proxy's answer to a CONNECT request.
#[derive(Debug)]
#[must_use]
pub enum ProxyResponse {
    /// A 2xx: the tunnel is open.
    Tunnel(Tunnel),
    /// Any other status: the proxy refused (407 Proxy Authentication
    /// Required carries `Proxy-Authenticate`).
    Refused(Rejection),
}

/// An open tunnel: the proxy's status and the bytes it sent after its
/// answer, which belong to the tunnel (the server's first bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tunnel {
    status: u16,
    leftover: Vec<u8>,
}

impl Tunnel {
    /// The proxy's status (200, or another 2xx).
    #[must_use]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// Bytes received after the proxy's answer: feed them to whatever runs
    /// in the tunnel (TLS, or the WebSocket handshake) before reading more.
    #[must_use]
    pub fn leftover(&self) -> &[u8] {
        &self.leftover
    }

    /// The bytes received after the proxy's answer, owned.
    #[must_use]
    pub fn into_leftover(self) -> Vec<u8> {
        self.leftover
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request_text(request: ConnectRequest) -> String {
        String::from_utf8(request.start().unwrap().0).unwrap()
    }

    #[test]
    fn the_request_names_the_target_in_authority_form() {
        assert_eq!(
            request_text(ConnectRequest::new("example.com", 80)),
            "CONNECT example.com:80 HTTP/1.1\r\nHost: example.com:80\r\n\r\n"
        );
        assert_eq!(
            request_text(ConnectRequest::new("::1", 8443)),
            "CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n"
        );
    }

    #[test]
    fn basic_auth_is_base64_of_user_colon_password() {
        // RFC 7617's example.
        let text = request_text(ConnectRequest::new("h", 1).basic_auth("Aladdin", "open sesame"));
        assert!(text.contains("\r\nProxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n"));
        let debug = alloc::format!("{:?}", ConnectRequest::new("h", 1).basic_auth("u", "p"));
        assert!(!debug.contains("Basic"), "{debug}");
    }

    #[test]
    fn refused_hosts_and_headers_fail_at_start() {
        for host in ["", "a:b", "a b", "a/b", "u@h", "h?x", "[::1]", "a\r\nX: y"] {
            assert_eq!(
                ConnectRequest::new(host, 1).start().unwrap_err(),
                Misuse::InvalidUrl,
                "{host:?}"
            );
        }
        for (name, value) in [("Host", "x"), ("proxy-authorization", "x"), ("X", "a\nb")] {
            let request = ConnectRequest::new("h", 1).header(name, value);
            assert_eq!(request.start().unwrap_err(), Misuse::InvalidHeader);
        }
    }
}
