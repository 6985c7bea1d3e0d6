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
//!   [`RequestError::response`] and [`Request::reject`]).
//! - The client side is [`ClientRequest`] → [`ClientHandshake`] →
//!   [`Response`]: either [`Accepted`] or a [`Rejection`] (a redirect, a 401,
//!   ...), which is a value, not an error.
//!
//! Errors say whose fault a failure was: a [`RequestError`] is the client's
//! (and carries the HTTP status to refuse it with), a [`ResponseError`] the
//! server's or a proxy's, a [`Misuse`] this program's (a bad URL or builder
//! argument, an answer that breaks the offer, a call after the end). Each
//! call returns the narrowest of them; the incremental readers return a
//! [`HandshakeError`], which holds any of the three.
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

mod accept;
mod client;
#[cfg(feature = "deflate")]
pub(crate) mod deflate;
mod error;
#[cfg(feature = "http")]
pub mod extended_connect;
pub(crate) mod head;
mod http;
#[cfg(feature = "http")]
pub mod http_types;
mod key;
mod negotiate;
mod proxy;
mod rejection;
mod rules;
mod server;
mod url;

pub use accept::Accept;
pub use client::{Accepted, ClientHandshake, ClientRequest, Response};
pub use error::{HandshakeError, HeaderField, Misuse, RequestError, ResponseError};
pub use http::reject;
pub use key::accept_key;
pub use proxy::{ConnectHandshake, ConnectRequest, ProxyResponse, Tunnel};
pub use rejection::Rejection;
pub use server::{Parsed, Request, ServerHandshake};
