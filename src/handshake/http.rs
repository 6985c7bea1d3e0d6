//! Writing HTTP/1.1 heads: status lines, header fields, whole responses.

use alloc::vec::Vec;

use super::error::answer::PLAIN_REFUSAL;
use super::head::{is_field_value, is_token};
use super::{HandshakeError, Misuse, RequestError};

impl RequestError {
    /// The complete HTTP/1.1 response a server sends for this error: the
    /// status line, [`response_headers`](Self::response_headers),
    /// `Content-Length` and [`response_body`](Self::response_body). Close
    /// the transport once it is written.
    ///
    /// ```
    /// use rfc6455::handshake::RequestError;
    ///
    /// let response = RequestError::HttpVersion.response();
    /// let text = String::from_utf8(response).unwrap();
    /// assert!(text.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
    /// assert!(text.contains("\r\nUpgrade: websocket\r\n"));
    /// assert!(text.contains("proxy_http_version 1.1"));
    /// ```
    #[must_use]
    pub fn response(&self) -> Vec<u8> {
        response(
            self.status(),
            self.response_headers(),
            self.response_body().as_bytes(),
        )
    }
}

impl HandshakeError {
    /// The [`RequestError::response`] to send, or `None` if this is not a
    /// request error.
    #[must_use]
    pub fn response(&self) -> Option<Vec<u8>> {
        self.request().map(RequestError::response)
    }
}

/// A complete HTTP/1.1 response rejecting a handshake: the status line (with
/// a standard reason phrase), `Content-Type: text/plain; charset=utf-8`,
/// `Content-Length`, `Connection: close`, and `body`.
///
/// A `status` outside 100..=999 is replaced by 500. Close the transport once
/// the response is written.
///
/// ```
/// let response = rfc6455::handshake::reject(403, b"origin not allowed");
/// assert!(response.starts_with(b"HTTP/1.1 403 Forbidden\r\n"));
/// assert!(response.ends_with(b"\r\n\r\norigin not allowed"));
/// ```
#[must_use]
pub fn reject(status: u16, body: &[u8]) -> Vec<u8> {
    response(status, PLAIN_REFUSAL, body)
}

/// A response with these header fields, which the caller (this crate)
/// guarantees are well formed, then `Content-Length` and `body`.
fn response(status: u16, fields: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let status = if (100..=999).contains(&status) {
        status
    } else {
        500
    };
    let mut out = Vec::with_capacity(160 + body.len());
    status_line(&mut out, status);
    for (name, value) in fields {
        field(&mut out, name, value.as_bytes());
    }
    let mut digits = [0u8; 20];
    field(&mut out, "Content-Length", decimal(body.len(), &mut digits));
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    out
}

/// Writes `HTTP/1.1 <status> <reason>\r\n`.
pub(crate) fn status_line(out: &mut Vec<u8>, status: u16) {
    out.extend_from_slice(b"HTTP/1.1 ");
    let mut digits = [0u8; 20];
    out.extend_from_slice(decimal(usize::from(status), &mut digits));
    out.push(b' ');
    out.extend_from_slice(reason(status).as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Writes `name: value\r\n`.
pub(crate) fn field(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

/// Writes `name: a, b, c\r\n`, or nothing if `values` is empty.
pub(crate) fn list_field<S: AsRef<str>>(out: &mut Vec<u8>, name: &str, values: &[S]) {
    if values.is_empty() {
        return;
    }
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(v.as_ref().as_bytes());
    }
    out.extend_from_slice(b"\r\n");
}

/// Checks a header a caller wants to add: `name` must be a token not in
/// `reserved` (compared case-insensitively), `value` must not contain CR,
/// LF, NUL or other control characters except HTAB.
pub(crate) fn check_extra_header(name: &str, value: &str, reserved: &[&str]) -> Result<(), Misuse> {
    let ok = is_token(name.as_bytes())
        && is_field_value(value.as_bytes())
        && !reserved.iter().any(|r| r.eq_ignore_ascii_case(name));
    if ok {
        Ok(())
    } else {
        Err(Misuse::InvalidHeader)
    }
}

/// `n` in decimal, written into the end of `buf`.
fn decimal(mut n: usize, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    &buf[i..]
}

/// The standard reason phrase for `status`, or a generic one for its class.
fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Content Too Large",
        414 => "URI Too Long",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => match status / 100 {
            1 => "Informational",
            2 => "Success",
            3 => "Redirection",
            4 => "Client Error",
            _ => "Server Error",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    #[test]
    fn reject_writes_a_complete_response() {
        let r = reject(404, b"nope");
        assert_eq!(
            r,
            b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\n\
              Connection: close\r\nContent-Length: 4\r\n\r\nnope"
        );
    }

    #[test]
    fn out_of_range_status_becomes_500() {
        assert!(reject(0, b"").starts_with(b"HTTP/1.1 500 Internal Server Error\r\n"));
        assert!(reject(1000, b"").starts_with(b"HTTP/1.1 500 "));
        assert!(reject(599, b"").starts_with(b"HTTP/1.1 599 Server Error\r\n"));
    }

    #[test]
    fn decimal_formats_extremes() {
        let mut buf = [0u8; 20];
        assert_eq!(decimal(0, &mut buf), b"0");
        assert_eq!(decimal(65536, &mut buf), b"65536");
    }

    #[test]
    fn extra_headers_refuse_injection_and_reserved_names() {
        assert!(check_extra_header("Set-Cookie", "a=b", &[]).is_ok());
        assert!(check_extra_header("X", "a\r\nEvil: 1", &[]).is_err());
        assert!(check_extra_header("Bad Name", "a", &[]).is_err());
        assert!(check_extra_header("upgrade", "h2c", &["Upgrade"]).is_err());
    }

    fn response_text(error: RequestError) -> String {
        String::from_utf8(error.response()).unwrap()
    }

    #[test]
    fn every_response_has_its_status_and_connection_close() {
        let text = response_text(RequestError::UnsupportedVersion);
        assert!(text.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
        assert!(text.contains("\r\nSec-WebSocket-Version: 13\r\n"));
        assert!(response_text(RequestError::NotGet).contains("\r\nAllow: GET\r\n"));
        assert!(response_text(RequestError::TooLarge).starts_with("HTTP/1.1 431 "));
        assert_eq!(
            HandshakeError::from(Misuse::AlreadyComplete).response(),
            None
        );
    }

    #[test]
    fn requests_that_are_not_upgrades_get_426_with_upgrade_websocket_and_a_proxy_hint() {
        for (error, named) in [
            (RequestError::MissingUpgrade, "Upgrade header"),
            (RequestError::HttpVersion, "HTTP version"),
        ] {
            let text = response_text(error);
            assert!(
                text.starts_with("HTTP/1.1 426 Upgrade Required\r\n"),
                "{text}"
            );
            assert!(text.contains("\r\nUpgrade: websocket\r\n"), "{text}");
            assert!(
                text.contains("\r\nConnection: upgrade, close\r\n"),
                "{text}"
            );
            // The version this end speaks, so a client that sent it knows
            // its upgrade was lost on the way.
            assert!(text.contains("\r\nSec-WebSocket-Version: 13\r\n"), "{text}");
            let body = &text[text.find("\r\n\r\n").unwrap() + 4..];
            assert!(
                body.starts_with("Upgrade Required: this is a WebSocket endpoint"),
                "{body}"
            );
            assert!(body.contains(named), "{body}");
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
    fn a_missing_connection_upgrade_stays_400_with_its_display_as_the_body() {
        let error = RequestError::MissingConnectionUpgrade;
        let text = response_text(error);
        assert!(text.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{text}");
        assert!(!text.contains("Upgrade: websocket"), "{text}");
        assert!(
            text.ends_with(&alloc::format!("\r\n\r\n{error}\n")),
            "{text}"
        );
    }
}
