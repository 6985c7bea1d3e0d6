//! The tokio layer: WebSockets over tokio transports, as a
//! [`Stream`](futures_core::Stream) and [`Sink`](futures_sink::Sink) of
//! [`Message`](crate::Message)s (feature `tokio`).
//!
//! - Clients: [`connect`] (a `ws://` or, with the `tokio-rustls` feature,
//!   `wss://` URL), [`connect_with`] (subprotocols, headers, a
//!   [`Config`](crate::Config), the open timeout, a proxy, a TLS
//!   configuration) and [`connect_on`] (a transport you connected
//!   yourself). Forward proxies are asked for a tunnel with `CONNECT`,
//!   from [`ClientOptions::proxy`](crate::layer::ClientOptions::proxy) or
//!   the environment (`wss_proxy`, `https_proxy`, `ws_proxy`,
//!   `http_proxy`, `all_proxy`, `no_proxy`).
//! - Servers: [`accept`] and [`accept_with`] (choose a subprotocol, reject,
//!   or get plain HTTP requests back to serve them yourself), and
//!   `accept_tls_with` for TLS (feature `tokio-rustls`).
//! - A stream upgraded elsewhere (hyper, ...):
//!   [`WebSocketStream::from_connection`].
//!
//! A [`WebSocketStream`] hands out data messages only. It answers pings
//! and the peer's close itself, sends keepalive pings (after 20 s without
//! input; no pong within 20 s fails the connection with
//! [`ConnectionError::KeepaliveTimeout`](crate::ConnectionError::KeepaliveTimeout) and close
//! code 1011), and bounds the close handshake (10 s): the timers of
//! [`Config::default`](crate::Config), which the options and
//! [`WebSocketStream::from_connection`] carry unless told otherwise. Timers run on tokio's clock, so `tokio::time::pause` applies to
//! them, and need a runtime with time enabled. [`WebSocketStream::split`]
//! gives a read half and a write half for two tasks; the read half writes
//! pongs itself, so they go out while only it is polled. A `send` waits
//! until its message is written, a `feed` only while more than the write
//! limit (64 KiB) is unwritten; either gives up on the connection with
//! [`Error::WriteTimeout`] after the
//! write timeout (30 s) without the transport taking anything.
//!
//! The layer only moves bytes and time: every protocol decision is the
//! [`Connection`](crate::Connection)'s, driven as its documentation says,
//! and the handshakes are the [`handshake`](crate::handshake) module's.
//! Errors are [`Error`]s (the type both layers share, re-exported here).
//!
//! An echo server and a client over loopback:
//!
//! ```
//! use rfc6455::Message;
//! use rfc6455::tokio::{accept, connect};
//! use tokio::net::TcpListener;
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let listener = TcpListener::bind("127.0.0.1:0").await?;
//!     let url = format!("ws://{}/echo", listener.local_addr()?);
//!
//!     // The server echoes every message until the client closes. `feed`
//!     // queues the echo and `next` writes it before it waits for input,
//!     // so echoes of messages that arrived together share one write.
//!     let server = tokio::spawn(async move {
//!         let (tcp, _) = listener.accept().await?;
//!         let mut ws = accept(tcp).await?;
//!         while let Some(message) = ws.next().await {
//!             ws.feed(message?).await?;
//!         }
//!         Ok::<_, rfc6455::tokio::Error>(())
//!     });
//!
//!     let (mut ws, _response) = connect(&url).await?;
//!     ws.send(Message::from("Hello")).await?;
//!     assert_eq!(ws.next().await.transpose()?, Some(Message::from("Hello")));
//!     ws.close().await?; // the close handshake, then the TCP close
//!     server.await??;
//!     Ok(())
//! }
//! ```

mod accept;
mod broadcast;
mod connect;
mod driver;
mod split;
mod stream;
mod transport;
mod try_send_error;
mod wakers;

/// What users of this layer name besides its own types, so that one `use`
/// of this module is enough (their home is [`layer`](crate::layer), which
/// both layers share).
pub use crate::layer::{
    Answer, ClientOptions, Error, HttpRequest, ServerOptions, ServerResponse, Upgrade,
};
#[cfg(feature = "tokio-rustls")]
pub use accept::accept_tls_with;
pub use accept::{accept, accept_with};
pub use broadcast::{Lagging, Report, broadcast};
pub use connect::{connect, connect_on, connect_with};
pub use split::{ReadHalf, ReuniteError, WriteHalf};
pub use stream::WebSocketStream;
pub use transport::ClientStream;
#[cfg(feature = "tokio-rustls")]
pub use transport::TlsStream;
pub use try_send_error::TrySendError;
