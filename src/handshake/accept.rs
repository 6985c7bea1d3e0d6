//! The server's answer to a request it accepts: the subprotocol and
//! extensions selected, and extra response headers.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::error::Misuse;
use super::head::is_field_value;
use super::http;

/// How to accept a request: the subprotocol and extensions selected, and
/// any extra response headers.
///
/// ```
/// let accept = rfc6455::handshake::Accept::default()
///     .protocol("xmpp")
///     .header("Set-Cookie", "session=1; HttpOnly");
/// ```
///
/// The builder methods never fail; a refused value makes
/// [`Request::accept`](super::Request::accept) fail instead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
#[must_use]
pub struct Accept {
    pub(super) protocol: Option<String>,
    pub(super) extensions: Vec<String>,
    pub(super) headers: Vec<(String, String)>,
    pub(super) error: Option<Misuse>,
}

/// Response headers the handshake writes itself.
pub(super) const RESERVED_RESPONSE_HEADERS: &[&str] = &[
    "Upgrade",
    "Connection",
    "Sec-WebSocket-Accept",
    "Sec-WebSocket-Protocol",
    "Sec-WebSocket-Extensions",
    "Sec-WebSocket-Version",
    "Content-Length",
    "Transfer-Encoding",
];

impl Accept {
    /// Selects `protocol`, which must be one the client offered (else
    /// [`Request::accept`](super::Request::accept) fails with [`Misuse::ProtocolNotOffered`]).
    /// A later call replaces an earlier one.
    pub fn protocol(mut self, protocol: &str) -> Self {
        self.protocol = Some(protocol.to_string());
        self
    }

    /// Adds an accepted extension, as the raw text of its response element
    /// (`permessage-deflate; server_no_context_takeover`). Its name must be
    /// one the client offered (else [`Misuse::ExtensionNotOffered`]);
    /// text that is not a valid header value or has a malformed name fails
    /// with [`Misuse::InvalidHeader`].
    ///
    /// This only writes the header: running the extension is the caller's
    /// business. With the `deflate` feature, permessage-deflate is
    /// negotiated by [`Request::accept`](super::Request::accept) itself (from `Config::deflate`);
    /// passing a `permessage-deflate` element here turns that off, and the
    /// connection then does not compress.
    pub fn extension(mut self, element: &str) -> Self {
        if !is_field_value(element.as_bytes()) {
            self.error.get_or_insert(Misuse::InvalidHeader);
        }
        self.extensions.push(element.to_string());
        self
    }

    /// Adds a response header (`Set-Cookie`, ...).
    ///
    /// Refused, so that [`Request::accept`](super::Request::accept) fails with
    /// [`Misuse::InvalidHeader`], when `name` is not an HTTP token,
    /// when `value` contains CR, LF, NUL or another control character other
    /// than tab (which could inject headers), or when `name` is one the
    /// handshake writes itself (`Upgrade`, `Connection`,
    /// `Sec-WebSocket-Accept`, `Sec-WebSocket-Protocol`,
    /// `Sec-WebSocket-Extensions`, `Sec-WebSocket-Version`, `Content-Length`,
    /// `Transfer-Encoding`): use [`protocol`](Self::protocol) and
    /// [`extension`](Self::extension) instead.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match http::check_extra_header(name, value, RESERVED_RESPONSE_HEADERS) {
            Ok(()) => self.headers.push((name.to_string(), value.to_string())),
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
        self
    }
}
