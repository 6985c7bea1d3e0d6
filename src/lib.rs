//! WebSocket (RFC 6455, RFC 7692): a sans-IO protocol core, with I/O layers
//! on top (`blocking` with the default `std` feature, `tokio` with its own).
//!
//! Bytes go in, events and bytes come out: the core never touches a socket,
//! a clock or a thread. Whoever owns the transport (the layers, std::net,
//! tokio, an HTTP/2 stream, a fuzzer) feeds received bytes to a
//! [`Connection`], handles the [`Event`]s it yields, and writes out the bytes
//! it queues.
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
//! driver, in [`manual`].
//!
//! Errors are typed by who is at fault ([`ProtocolError`]: the peer;
//! [`ConnectionError`]: the connection ended; [`Refused`]: a call the
//! connection would not do; [`handshake::HandshakeError`]: the opening
//! handshake), each call returning the narrowest; [`Error`] holds any of
//! them for `?`.
//!
//! The opening handshake lives in [`handshake`], apart from the connection, so
//! a connection can also start on a stream that something else upgraded.
//!
//! # Features
//!
//! | Feature | What it enables |
//! | --- | --- |
//! | `std` (default) | The I/O layers' shared options (`layer`), the blocking layer (`blocking`) and the default random source `OsRandom` (ChaCha20 seeded from the OS). Without it the crate is `no_std` with `alloc`, and clients take a `RandomSource` of yours. |
//! | `deflate` | permessage-deflate (RFC 7692), with zlib-rs. |
//! | `tokio` | The tokio layer (`rfc6455::tokio`). |
//! | `http` | Handshakes on `http` crate types: HTTP/1.1 upgrades in hyper or axum, extended CONNECT over HTTP/2 and HTTP/3. |
//! | `axum` | `rfc6455::axum::WebSocketUpgrade`, the extractor for axum 0.8 handlers: HTTP/1.1 upgrades and HTTP/2 extended CONNECT, the socket a tokio `WebSocketStream`. Brings `tokio`, `http`, axum-core and hyper (with h2). |
//! | `rustls` | TLS: `rfc6455::tls`, the blocking layer's `wss://` client and `accept_tls_with`. Chooses no crypto provider and no roots: add the features below, or pass configurations. |
//! | `rustls-aws-lc-rs` | rustls' aws-lc-rs crypto provider (rustls' own default, with post-quantum key exchange). Turns on `rustls`. |
//! | `rustls-ring` | rustls' *ring* crypto provider. Turns on `rustls`. With both providers, aws-lc-rs is used. |
//! | `rustls-native-certs` | Clients trust the platform's roots by default (`SSL_CERT_FILE` and `SSL_CERT_DIR` honoured). Turns on `rustls`. |
//! | `webpki-roots` | Clients trust Mozilla's roots, built into the program. Turns on `rustls`. With both root features, both sets. |
//! | `tokio-rustls` | `wss://` on the tokio layer: the client's TLS and `tokio::accept_tls_with`. Turns on `tokio` and `rustls`; still needs a provider. |
//! | `wasm-js` | On `wasm32-unknown-unknown`, the default random source from JavaScript's `crypto.getRandomValues`. Turns on `std`. |
//!
//! The usual sets:
//!
//! ```text
//! cargo add rfc6455                                                               # blocking ws://
//! cargo add rfc6455 --features rustls-aws-lc-rs,rustls-native-certs               # blocking wss://
//! cargo add rfc6455 --features tokio                                              # tokio ws://
//! cargo add rfc6455 --features tokio-rustls,rustls-aws-lc-rs,rustls-native-certs  # tokio wss://
//! cargo add rfc6455 --features tokio,http                                         # hyper or axum front door
//! cargo add rfc6455 --no-default-features                                         # no_std core
//! ```
//!
//! `rustls-ring` in place of `rustls-aws-lc-rs` builds faster, and
//! `webpki-roots` in place of (or with) `rustls-native-certs` suits
//! systems without a CA store (containers from scratch). `tokio` and
//! `rustls` without `tokio-rustls` give TLS to the blocking layer only: the
//! tokio layer then refuses `wss://` with an error that names the feature.
//! The blocking layer's TLS never builds tokio.
#![no_std]
// docs.rs builds with `--cfg docsrs` on nightly: `doc_cfg` badges each
// feature-gated item with the feature it needs (the badges are automatic).
#![cfg_attr(docsrs, feature(doc_cfg))]
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

#[cfg(feature = "axum")]
pub mod axum;
#[cfg(feature = "std")]
pub mod blocking;
mod close;
mod close_code;
mod config;
mod connection;
#[cfg(feature = "deflate")]
pub mod deflate;
mod error;
pub mod frame;
pub mod handshake;
#[cfg(feature = "std")]
pub mod layer;
pub mod manual;
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

pub use close::CloseFrame;
pub use close_code::{CloseCode, MAX_CONTROL_PAYLOAD};
pub use config::Config;
pub use connection::{
    Chunk, Connection, Event, EventRef, MessageRef, PreparedMessage, Role, State, Timestamp,
};
pub use error::{ConnectionError, Error, ProtocolError, Refused, SendError};
pub use message::{DataKind, InvalidUtf8, Message, Utf8Bytes};
pub use output::Output;
#[cfg(feature = "std")]
pub use random::OsRandom;
pub use random::RandomSource;

/// The README's examples are compiled and run as doc tests (they use the
/// tokio layer and the axum extractor).
#[cfg(all(doctest, feature = "tokio", feature = "axum"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
