//! WebSockets in axum 0.8 handlers (feature `axum`): the
//! [`WebSocketUpgrade`] extractor, whose socket is this crate's tokio
//! [`WebSocketStream`].
//!
//! It takes both ways a client asks for a WebSocket over HTTP: the
//! HTTP/1.1 upgrade (`GET`, answered `101`) and, over HTTP/2, the extended
//! CONNECT of RFC 8441 (answered `200`; `axum::serve` enables it). Either
//! way the socket is the same type and runs the connection the handshake
//! negotiated (subprotocol, permessage-deflate with the `deflate` feature),
//! with the layer's defaults: keepalive and close timers on (from
//! [`Config::default`]), a 64 KiB write limit and a 30 s write timeout.
//!
//! ```no_run
//! use axum::{Router, response::Response, routing::any};
//! use rfc6455::axum::{WebSocket, WebSocketUpgrade};
//!
//! async fn echo(ws: WebSocketUpgrade) -> Response {
//!     ws.protocols(["soap", "xmpp"]).on_upgrade(|mut socket: WebSocket| async move {
//!         while let Some(Ok(message)) = socket.next().await {
//!             if socket.send(message).await.is_err() {
//!                 break;
//!             }
//!         }
//!     })
//! }
//!
//! # async fn run() -> std::io::Result<()> {
//! // `any`, not `get`: over HTTP/2 the request is a CONNECT.
//! let app = Router::new().route("/echo", any(echo));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:9001").await?;
//! axum::serve(listener, app).await
//! # }
//! ```
//!
//! A request that is not a valid WebSocket request is refused, before the
//! handler runs, with the answer the byte-level handshake writes (426 with
//! `Upgrade: websocket` for a plain `GET`, 400 for a broken upgrade, ...):
//! the extractor's rejection is a [`WebSocketUpgradeRejection`]. Take
//! `Result<WebSocketUpgrade, WebSocketUpgradeRejection>` to answer it
//! yourself.
//!
//! Check [`origin`](WebSocketUpgrade::origin) before upgrading when the
//! server relies on cookies: browsers let any site's page open a WebSocket
//! to any server, with the user's cookies.

mod rejection;

use alloc::boxed::Box;
use alloc::string::String;
use core::future::Future;
use core::time::Duration;

use axum_core::body::Body;
use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, StatusCode, Version};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;

pub use rejection::WebSocketUpgradeRejection;

use crate::config::Config;
use crate::handshake::Accept;
use crate::handshake::http_types::WebSocketRequest;
use crate::layer::{DEFAULT_WRITE_LIMIT, DEFAULT_WRITE_TIMEOUT};
use crate::tokio::WebSocketStream;

/// The socket a handler gets: the tokio layer's stream over the connection
/// (HTTP/1.1) or stream (HTTP/2) hyper hands over.
pub type WebSocket = WebSocketStream<TokioIo<Upgraded>>;

/// The reading half of a split [`WebSocket`].
pub type ReadHalf = crate::tokio::ReadHalf<TokioIo<Upgraded>>;

/// The writing half of a split [`WebSocket`] (what a room keeps to
/// [`broadcast`](crate::tokio::broadcast) to).
pub type WriteHalf = crate::tokio::WriteHalf<TokioIo<Upgraded>>;

/// What is called when hyper could not hand over the connection after the
/// response went out (the client went away first, ...).
type FailedUpgrade = Box<dyn FnOnce(hyper::Error) + Send>;

/// An extractor for a WebSocket request: the request checked and its offers
/// read; [`on_upgrade`](Self::on_upgrade) answers it and runs the socket.
#[must_use = "call on_upgrade to answer the request"]
pub struct WebSocketUpgrade {
    request: WebSocketRequest,
    headers: HeaderMap,
    version: Version,
    on_upgrade: OnUpgrade,
    selected: Option<String>,
    write_limit: usize,
    write_timeout: Option<Duration>,
    on_failed_upgrade: Option<FailedUpgrade>,
}

impl core::fmt::Debug for WebSocketUpgrade {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WebSocketUpgrade")
            .field("version", &self.version)
            .field("offered", &self.request)
            .field("selected", &self.selected)
            .finish_non_exhaustive()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for WebSocketUpgrade {
    type Rejection = WebSocketUpgradeRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let checked = if parts.version <= Version::HTTP_11 {
            WebSocketRequest::upgrade_parts(parts, Config::default())
        } else {
            let protocol = parts.extensions.get::<hyper::ext::Protocol>();
            WebSocketRequest::extended_connect_parts(
                parts,
                protocol.map(hyper::ext::Protocol::as_str),
                Config::default(),
            )
        };
        let request =
            checked.map_err(|error| WebSocketUpgradeRejection::invalid(error, parts.version))?;
        // Checked after the request: hyper offers an upgrade only to
        // requests that ask for one, and a plain GET deserves its 426.
        let on_upgrade = parts
            .extensions
            .remove::<OnUpgrade>()
            .ok_or_else(WebSocketUpgradeRejection::not_upgradable)?;
        Ok(WebSocketUpgrade {
            request,
            headers: parts.headers.clone(),
            version: parts.version,
            on_upgrade,
            selected: None,
            write_limit: DEFAULT_WRITE_LIMIT,
            write_timeout: Some(DEFAULT_WRITE_TIMEOUT),
            on_failed_upgrade: None,
        })
    }
}

impl WebSocketUpgrade {
    /// Selects the subprotocol: of `supported`, in the server's order of
    /// preference, the first the client offered (none if it offered none
    /// of them, and the handshake goes on without one, as RFC 6455 section
    /// 4.2.2 says; refuse in the handler if that will not do).
    pub fn protocols<I>(mut self, supported: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        self.selected = supported
            .into_iter()
            .find(|s| self.request.protocols().any(|p| p == s.as_ref()))
            .map(|s| String::from(s.as_ref()));
        self
    }

    /// The subprotocol [`protocols`](Self::protocols) selected, if any.
    #[must_use]
    pub fn selected_protocol(&self) -> Option<&str> {
        self.selected.as_deref()
    }

    /// The subprotocols the client offered, in its order.
    pub fn offered_protocols(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.request.protocols()
    }

    /// The `Origin` header's value, if any (browsers always send it).
    #[must_use]
    pub fn origin(&self) -> Option<&str> {
        self.request.origin()
    }

    /// The request's header fields.
    #[must_use]
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The request's HTTP version: `HTTP_11` for an upgrade, `HTTP_2` for an
    /// extended CONNECT on an HTTP/2 stream.
    #[must_use]
    pub fn version(&self) -> Version {
        self.version
    }

    /// The connection's configuration: limits, timers, permessage-deflate
    /// (negotiated from it when the client offers it). Default
    /// [`Config::default`].
    pub fn config(mut self, config: Config) -> Self {
        self.request = self.request.with_config(config);
        self
    }

    /// As [`WebSocketStream::with_write_limit`]. Default 64 KiB.
    pub fn write_limit(mut self, bytes: usize) -> Self {
        self.write_limit = bytes;
        self
    }

    /// As [`WebSocketStream::with_write_timeout`]. Default 30 s.
    pub fn write_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.write_timeout = timeout;
        self
    }

    /// Called, instead of the [`on_upgrade`](Self::on_upgrade) callback,
    /// when hyper cannot hand over the connection after the response (the
    /// client went away first). By default the failure is dropped.
    pub fn on_failed_upgrade(
        mut self,
        callback: impl FnOnce(hyper::Error) + Send + 'static,
    ) -> Self {
        self.on_failed_upgrade = Some(Box::new(callback));
        self
    }

    /// Answers the request (`101` over HTTP/1.1, `200` over HTTP/2, with the
    /// agreed subprotocol and extensions) and, once hyper has sent that
    /// answer and handed over the connection, runs `callback` with the
    /// socket on a task of its own.
    ///
    /// The socket's connection ends when `callback` returns; dropping it
    /// sends no close frame, so close it (or let the peer close) first.
    pub fn on_upgrade<C, Fut>(self, callback: C) -> Response
    where
        C: FnOnce(WebSocket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let accept = match &self.selected {
            Some(protocol) => Accept::default().protocol(protocol),
            None => Accept::default(),
        };
        let (response, conn) = match self.request.accept(accept) {
            Ok(accepted) => accepted,
            // The server's own configuration made a header field that
            // cannot be sent (the client's offers were checked already).
            Err(e) => {
                let body = alloc::format!("server error: the WebSocket answer: {e}\n");
                return (StatusCode::INTERNAL_SERVER_ERROR, body).into_response();
            }
        };
        let (write_limit, write_timeout) = (self.write_limit, self.write_timeout);
        let on_failed_upgrade = self.on_failed_upgrade;
        let on_upgrade = self.on_upgrade;
        ::tokio::spawn(async move {
            match on_upgrade.await {
                Ok(upgraded) => {
                    let socket = WebSocketStream::from_connection(TokioIo::new(upgraded), conn)
                        .with_write_limit(write_limit)
                        .with_write_timeout(write_timeout);
                    callback(socket).await;
                }
                Err(e) => {
                    if let Some(report) = on_failed_upgrade {
                        report(e);
                    }
                }
            }
        });
        response.map(|()| Body::empty())
    }
}
