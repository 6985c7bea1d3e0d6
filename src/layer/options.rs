//! Options for the layers' clients and servers, and a server's answer.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::time::Duration;

use super::defaults::{DEFAULT_OPEN_TIMEOUT, DEFAULT_WRITE_LIMIT, DEFAULT_WRITE_TIMEOUT};
use super::proxy::{self, Proxy, ProxySetting};
use crate::config::Config;
use crate::handshake::{Accept, ClientRequest};

/// What a client connects to and how: the URL, the subprotocols to offer,
/// extra headers, the connection's [`Config`] and the open timeout.
///
/// ```
/// use rfc6455::layer::ClientOptions;
///
/// let options = ClientOptions::new("ws://127.0.0.1:8080/echo")
///     .protocols(["soap", "xmpp"])
///     .header("Origin", "http://127.0.0.1:8080");
/// assert_eq!(options.url(), "ws://127.0.0.1:8080/echo");
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct ClientOptions {
    pub(crate) url: String,
    pub(crate) protocols: Vec<String>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) config: Config,
    pub(crate) open_timeout: Option<Duration>,
    pub(crate) write_limit: usize,
    pub(crate) write_timeout: Option<Duration>,
    pub(crate) proxy: ProxySetting,
    #[cfg(feature = "rustls")]
    pub(crate) tls: Option<alloc::sync::Arc<rustls::ClientConfig>>,
}

impl ClientOptions {
    /// Options for `url` (`ws://` or `wss://`), with `Config::default()`
    /// (timers on), a 10 s open timeout, a 30 s write timeout, a 64 KiB
    /// write limit and the proxy from the environment.
    pub fn new(url: &str) -> Self {
        ClientOptions {
            url: url.to_string(),
            protocols: Vec::new(),
            headers: Vec::new(),
            config: Config::default(),
            open_timeout: Some(DEFAULT_OPEN_TIMEOUT),
            write_limit: DEFAULT_WRITE_LIMIT,
            write_timeout: Some(DEFAULT_WRITE_TIMEOUT),
            proxy: ProxySetting::Environment,
            #[cfg(feature = "rustls")]
            tls: None,
        }
    }

    /// How much output may wait unwritten before a `feed` waits for the
    /// transport (the tokio layer; a `send` waits until all is written).
    /// Default 64 KiB.
    pub fn write_limit(mut self, bytes: usize) -> Self {
        self.write_limit = bytes;
        self
    }

    /// How long a write may wait on a transport that takes nothing (a
    /// peer that does not read) before the connection is given up on with
    /// [`Error::WriteTimeout`](super::error::Error::WriteTimeout); `None` waits
    /// forever. Default 30 s. Blocking: each write to the transport. Tokio:
    /// a send, feed or flush waiting on the transport (closing is bounded
    /// by the close timeout instead).
    pub fn write_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// Goes through this forward proxy: `http://[user:password@]host[:port]`
    /// (user and password percent-encoded; sent as `Proxy-Authorization:
    /// Basic`). The client asks it for a tunnel with `CONNECT`, for `ws://`
    /// as for `wss://` (TLS then runs inside the tunnel).
    ///
    /// Without this or [`no_proxy`](Self::no_proxy), the proxy comes from
    /// the environment, as curl reads it: `wss_proxy` then `https_proxy`
    /// for `wss://`, `ws_proxy` then `http_proxy` for `ws://`, then
    /// `all_proxy` (each in lower, then upper case; never `HTTP_PROXY`),
    /// unless `no_proxy` lists the host (`*`, names that cover their
    /// subdomains, `.domain`, addresses, `host:port`).
    pub fn proxy(mut self, url: &str) -> Self {
        self.proxy = ProxySetting::Url(url.to_string());
        self
    }

    /// Connects directly, whatever the environment says.
    pub fn no_proxy(mut self) -> Self {
        self.proxy = ProxySetting::Off;
        self
    }

    /// The TLS configuration for `wss://` (roots, client certificates,
    /// ALPN). Default: [`tls::client_config`](crate::tls::client_config),
    /// the roots of the features `rustls-native-certs` and `webpki-roots`.
    #[cfg(feature = "rustls")]
    pub fn tls_config(mut self, config: alloc::sync::Arc<rustls::ClientConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// Offers one more subprotocol (in order of preference).
    pub fn protocol(mut self, protocol: &str) -> Self {
        self.protocols.push(protocol.to_string());
        self
    }

    /// Offers these subprotocols, after any already offered.
    pub fn protocols<'a>(mut self, protocols: impl IntoIterator<Item = &'a str>) -> Self {
        self.protocols
            .extend(protocols.into_iter().map(str::to_string));
        self
    }

    /// Adds a header to the request (`Origin`, `Authorization`, ...).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// The connection's configuration (limits, deflate, timers). Start
    /// from `Config::default()` to keep the default timers.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// How long connecting and the opening handshake may take together;
    /// `None` waits forever. Default 10 s.
    pub fn open_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.open_timeout = timeout;
        self
    }

    /// The URL.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The proxy to go through for `target`, if any.
    pub(crate) fn proxy_for(&self, target: &ClientRequest) -> std::io::Result<Option<Proxy>> {
        proxy::choose(&self.proxy, target)
    }

    /// The TLS configuration for `wss://`.
    #[cfg(feature = "rustls")]
    pub(crate) fn tls_config_or_default(
        &self,
    ) -> std::io::Result<alloc::sync::Arc<rustls::ClientConfig>> {
        match &self.tls {
            Some(config) => Ok(alloc::sync::Arc::clone(config)),
            None => crate::tls::client_config().map_err(std::io::Error::from),
        }
    }

    /// The upgrade request to `target` (these options' URL, parsed once)
    /// with these options' subprotocols and headers.
    pub(crate) fn request_for(&self, target: ClientRequest) -> ClientRequest {
        let with_protocols = self
            .protocols
            .iter()
            .fold(target, |request, protocol| request.protocol(protocol));
        self.headers
            .iter()
            .fold(with_protocols, |request, (name, value)| {
                request.header(name, value)
            })
    }
}

/// How a server accepts: the connection's [`Config`] (which also bounds the
/// request head) and the open timeout.
#[derive(Debug, Clone)]
#[must_use]
pub struct ServerOptions {
    pub(crate) config: Config,
    pub(crate) open_timeout: Option<Duration>,
    pub(crate) write_limit: usize,
    pub(crate) write_timeout: Option<Duration>,
}

impl Default for ServerOptions {
    /// `Config::default()` (timers on), a 10 s open timeout, a 30 s write
    /// timeout and a 64 KiB write limit.
    fn default() -> Self {
        ServerOptions {
            config: Config::default(),
            open_timeout: Some(DEFAULT_OPEN_TIMEOUT),
            write_limit: DEFAULT_WRITE_LIMIT,
            write_timeout: Some(DEFAULT_WRITE_TIMEOUT),
        }
    }
}

impl ServerOptions {
    /// The connection's configuration (limits, deflate, timers). Start
    /// from `Config::default()` to keep the default timers.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// How much output may wait unwritten before a `feed` waits for the
    /// transport (the tokio layer; a `send` waits until all is written).
    /// Default 64 KiB.
    pub fn write_limit(mut self, bytes: usize) -> Self {
        self.write_limit = bytes;
        self
    }

    /// How long a write may wait on a transport that takes nothing (a
    /// peer that does not read) before the connection is given up on with
    /// [`Error::WriteTimeout`](super::error::Error::WriteTimeout); `None` waits
    /// forever. Default 30 s. Blocking: each write to the transport. Tokio:
    /// a send, feed or flush waiting on the transport (closing is bounded
    /// by the close timeout instead).
    pub fn write_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// How long the client may take to send its whole request; `None`
    /// waits forever. Default 10 s.
    pub fn open_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.open_timeout = timeout;
        self
    }
}

/// A server's answer to an upgrade request, from the callback given to a
/// layer's `accept_with`.
#[derive(Debug, Clone)]
pub enum Answer {
    /// Upgrade, with this subprotocol, extensions and headers.
    Accept(Accept),
    /// Refuse with this status and plain-text body.
    Reject {
        /// The HTTP status (403, 404, ...).
        status: u16,
        /// The response body.
        body: Vec<u8>,
    },
}

impl Answer {
    /// Accepts with no subprotocol.
    #[must_use]
    pub fn accept() -> Self {
        Answer::Accept(Accept::default())
    }

    /// Accepts, selecting `protocol` (which must be one the client offered).
    #[must_use]
    pub fn accept_protocol(protocol: &str) -> Self {
        Answer::Accept(Accept::default().protocol(protocol))
    }

    /// Rejects with `status` and `body`.
    #[must_use]
    pub fn reject(status: u16, body: &str) -> Self {
        Answer::Reject {
            status,
            body: body.as_bytes().to_vec(),
        }
    }
}
