//! A sans-IO WebSocket protocol core (RFC 6455).
//!
//! Bytes go in, events and bytes come out: this crate never touches a socket,
//! a clock or a thread. Whoever owns the transport (std::net, tokio, an HTTP/2
//! stream, a fuzzer) feeds received bytes to a [`Connection`], handles the
//! [`Event`]s it yields, and writes out the bytes it queues.
//!
//! ```
//! use rfc6455::{Config, Connection, Event, Message};
//!
//! # fn main() -> Result<(), rfc6455::Error> {
//! let mut client = Connection::client(Config::default());
//! let mut server = Connection::server(Config::default());
//!
//! client.send(Message::from("Hello"))?;
//! server.receive(&client.take_output());
//! match server.next_event()? {
//!     Some(Event::Message(Message::Text(text))) => assert_eq!(text, "Hello"),
//!     other => panic!("unexpected {other:?}"),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! How to drive a connection over a real transport (the order of calls,
//! partial writes, end of file, errors, when to close, and time for the
//! keepalive and close timers) is set out once, with a complete blocking
//! driver, in [`Connection`]'s documentation.
//!
//! The opening handshake lives in [`handshake`], apart from the connection, so
//! a connection can also start on a stream that something else upgraded.
#![no_std]
// `unsafe` is denied everywhere but in `mask` (its AVX2 copy, and writing
// into spare buffer capacity) and in `utf8::validated_str` (lending text
// validated on arrival without a second pass).
#![deny(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;
/// The buffer types of the API ([`bytes::Bytes`] payloads, [`bytes::Buf`]
/// output), re-exported so that callers use the same version.
pub use bytes;
#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "std")]
pub mod blocking;
pub mod close;
mod config;
mod connection;
#[cfg(feature = "deflate")]
pub mod deflate;
mod error;
pub mod frame;
pub mod handshake;
#[cfg(feature = "std")]
pub mod layer;
pub mod mask;
mod message;
mod output;
mod random;
#[cfg(feature = "rustls")]
pub mod tls;
#[cfg(feature = "tokio")]
pub mod tokio;
mod unmasker;
mod utf8;

pub use close::{CloseCode, CloseFrame};
pub use config::Config;
pub use connection::{Chunk, Connection, Event, EventRef, MessageRef, Role, State, Timestamp};
pub use error::{Error, SendError};
pub use message::{DataKind, Message, Utf8Bytes};
pub use output::Output;
#[cfg(feature = "std")]
pub use random::OsRandom;
pub use random::RandomSource;

/// The README's examples are compiled and run as doc tests (its first one
/// is on the tokio layer).
#[cfg(all(doctest, feature = "tokio"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
