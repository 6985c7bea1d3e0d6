//! The handshakes: the HTTP/1.1 upgrade of both sides, permessage-deflate's
//! negotiation, the `http` crate front doors (HTTP/1.1 and HTTP/2), extended
//! CONNECT, and CONNECT tunnels through proxies. One binary, a module per
//! topic.

#[path = "../common/mod.rs"]
mod common;
// The h2 example's client and server, and python-websockets, for the
// front doors' tests.
#[cfg(all(feature = "http", feature = "tokio"))]
#[path = "../../examples/h2_echo.rs"]
#[allow(dead_code)] // its `main` and demo
mod h2_echo;
#[cfg(all(feature = "http", feature = "tokio"))]
#[path = "../common/python.rs"]
mod python;

mod axum_extractor;
mod deflate_negotiation;
mod extended_connect;
mod h2_front_door;
mod http_front_door;
mod http_refusals;
mod proxy_connect;
mod rejection_body;
mod upgrade;
