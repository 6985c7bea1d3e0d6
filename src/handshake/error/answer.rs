//! What a server answers a refused request with, as data: the status, the
//! header fields and the body. The HTTP/1.1 writer
//! ([`RequestError::response`]) and the `http` crate front door
//! (`RequestError::to_http_response`) both write this one table.

use alloc::format;
use alloc::string::String;

use super::RequestError;

/// The first line of a 426 body for a request that is not an upgrade.
const NOT_AN_UPGRADE: &str =
    "Upgrade Required: this is a WebSocket endpoint, and the request is not a WebSocket upgrade";

/// The rest of that body: the usual cause when a WebSocket client gets it.
const PROXY_HINT: &str = "If a proxy is in between, it may have dropped the Upgrade and \
    Connection headers or sent the request on as HTTP/1.0. For nginx: \
    proxy_http_version 1.1; proxy_set_header Upgrade $http_upgrade; \
    proxy_set_header Connection \"upgrade\";";

type Field = (&'static str, &'static str);

const TEXT: Field = ("Content-Type", "text/plain; charset=utf-8");
const CLOSE: Field = ("Connection", "close");
const UPGRADE: Field = ("Upgrade", "websocket");
/// RFC 9110 section 7.8: whoever sends `Upgrade` names it in `Connection`.
const UPGRADE_THEN_CLOSE: Field = ("Connection", "upgrade, close");

/// The fields of every plain refusal: a text body, then the close.
pub(crate) const PLAIN_REFUSAL: &[Field] = &[TEXT, CLOSE];

impl RequestError {
    /// The header fields of the answer to this error, in order; the body's
    /// framing (`Content-Length`) is left to the writer.
    ///
    /// Every answer is plain text (`Content-Type`) and closes the
    /// connection (`Connection: close`). A 405 carries `Allow` (`GET`, or
    /// `CONNECT` over HTTP/2 and HTTP/3); every 426 carries
    /// `Upgrade: websocket` and `Connection: upgrade, close` (RFC 9110
    /// sections 15.5.22 and 7.8), and `Sec-WebSocket-Version: 13`, the
    /// version this end speaks (RFC 6455 section 4.4): a client told 426
    /// while it sent version 13 knows that its upgrade headers were lost on
    /// the way.
    ///
    /// ```
    /// use rfc6455::handshake::RequestError;
    ///
    /// let fields = RequestError::MissingUpgrade.response_headers();
    /// assert!(fields.contains(&("Sec-WebSocket-Version", "13")));
    /// assert!(fields.contains(&("Upgrade", "websocket")));
    /// ```
    #[must_use]
    pub fn response_headers(&self) -> &'static [(&'static str, &'static str)] {
        match self {
            RequestError::NotGet => &[("Allow", "GET"), TEXT, CLOSE],
            RequestError::NotConnect => &[("Allow", "CONNECT"), TEXT, CLOSE],
            RequestError::MissingUpgrade
            | RequestError::HttpVersion
            | RequestError::UnsupportedVersion => &[
                UPGRADE,
                UPGRADE_THEN_CLOSE,
                ("Sec-WebSocket-Version", "13"),
                TEXT,
            ],
            _ => PLAIN_REFUSAL,
        }
    }

    /// The plain-text body of the answer: the error's
    /// [`Display`](core::fmt::Display), one line. For a request that is not
    /// an upgrade (no `Upgrade: websocket`, or HTTP/1.0) it also says that
    /// a proxy in between may have dropped the `Upgrade` and `Connection`
    /// headers or downgraded the request to HTTP/1.0, with the nginx
    /// settings that forward an upgrade, since that is the usual cause when
    /// a WebSocket client gets this answer.
    #[must_use]
    pub fn response_body(&self) -> String {
        if self.is_not_an_upgrade() {
            format!("{NOT_AN_UPGRADE} ({self}).\n{PROXY_HINT}\n")
        } else {
            format!("{self}\n")
        }
    }
}
