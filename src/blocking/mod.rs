//! The blocking I/O layer: a WebSocket over `std::net` (or any [`Transport`]),
//! one call at a time, for threads.
//!
//! It drives the core exactly as [`Connection`](crate::Connection)'s documentation says, and
//! holds no protocol logic: it reads, writes, and hands the core the time.
//! Automatic pongs and close replies are written during [`WebSocket::read`];
//! the keepalive and close timers are honoured with the transport's read
//! timeout (the defaults of [`Config`](crate::Config):
//! ping after 20 s without input, 20 s for its pong, 10 s to finish
//! closing; 10 s for the opening handshake). A write that makes no
//! progress for the write timeout (30 s by default,
//! `ServerOptions::write_timeout`, `ClientOptions::write_timeout`) ends the
//! connection with [`Error::WriteTimeout`]:
//! a peer that never reads cannot hold the thread.
//!
//! Clients connect with [`connect`] and [`connect_with`]: to `ws://` URLs,
//! to `wss://` with the `rustls` feature (see `rfc6455::tls`), and through
//! forward proxies (`CONNECT`), from
//! [`ClientOptions::proxy`](crate::layer::ClientOptions::proxy) or the
//! environment. Servers accept with [`accept`], [`accept_with`] and, over
//! TLS, `accept_tls_with`.
//!
//! ```
//! use std::net::TcpListener;
//! use rfc6455::blocking;
//! use rfc6455::Message;
//!
//! # fn main() -> Result<(), rfc6455::blocking::Error> {
//! let listener = TcpListener::bind("127.0.0.1:0")?;
//! let url = format!("ws://{}/echo", listener.local_addr()?);
//! let server = std::thread::spawn(move || -> Result<(), rfc6455::blocking::Error> {
//!     let (stream, _) = listener.accept()?;
//!     let mut ws = blocking::accept(stream)?;
//!     while let Some(message) = ws.read()? {
//!         ws.send(message)?;
//!     }
//!     Ok(())
//! });
//!
//! let (mut ws, _response) = blocking::connect(&url)?;
//! ws.send(Message::from("Hello"))?;
//! assert_eq!(ws.read()?, Some(Message::from("Hello")));
//! ws.close()?;
//! server.join().unwrap()?;
//! # Ok(())
//! # }
//! ```

mod handshake;
mod stream;
mod websocket;

/// What users of this layer name besides its own types, so that one `use`
/// of this module is enough (their home is [`layer`](crate::layer), which
/// both layers share).
pub use crate::layer::{
    Answer, ClientOptions, Error, HttpRequest, ServerOptions, ServerResponse, Upgrade,
};
#[cfg(feature = "rustls")]
pub use handshake::accept_tls_with;
pub use handshake::{accept, accept_with, connect, connect_on, connect_with};
pub use stream::ClientStream;
#[cfg(feature = "rustls")]
pub use stream::TlsStream;
pub use websocket::{Transport, WebSocket};
