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
//! let mut client = Connection::client_with_random(Config::default(), Box::new(Counter(0)));
//! let mut server = Connection::server(Config::default());
//!
//! client.send(Message::from("Hello")).unwrap();
//! server.receive(&client.take_output());
//! match server.next_event().unwrap() {
//!     Some(Event::Message(Message::Text(text))) => assert_eq!(text, "Hello"),
//!     other => panic!("unexpected {other:?}"),
//! }
//!
//! // A deterministic random source, for the example only: real clients keep
//! // the default (the OS) so that masking keys are unpredictable.
//! struct Counter(u8);
//! impl rfc6455::RandomSource for Counter {
//!     fn fill_bytes(&mut self, dest: &mut [u8]) {
//!         for b in dest { self.0 = self.0.wrapping_add(1); *b = self.0; }
//!     }
//! }
//! ```
//!
//! The opening handshake lives in [`handshake`], apart from the connection, so
//! a connection can also start on a stream that something else upgraded.
#![no_std]
// `unsafe` is denied everywhere but in `mask` (its AVX2 copy, and writing
// into spare buffer capacity).
#![deny(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod close;
mod config;
mod connection;
#[cfg(feature = "deflate")]
pub mod deflate;
mod error;
pub mod frame;
pub mod handshake;
pub mod mask;
mod message;
mod output;
mod random;
mod unmasker;
mod utf8;

pub use close::{CloseCode, CloseFrame};
pub use config::Config;
pub use connection::{Chunk, Connection, Event, EventRef, Role};
pub use error::Error;
pub use message::{DataKind, Message, Utf8Bytes};
pub use output::Output;
#[cfg(feature = "std")]
pub use random::OsRandom;
pub use random::RandomSource;

/// The README's examples are compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
