//! The I/O layers over real sockets on 127.0.0.1: the blocking layer, the
//! tokio layer, the two against each other, what a dropped handle does,
//! TLS, proxies, the examples, and python-websockets as an independent
//! peer, and the layer-conformance suite ([`conformance`]: one table of
//! cases run against both layers). One binary, a module per topic.

// TLS tests need the TLS code and a crypto provider to make configurations.
#[path = "../../examples/support/certs.rs"]
#[cfg(all(
    feature = "rustls",
    any(feature = "rustls-ring", feature = "rustls-aws-lc-rs")
))]
mod certs;
#[path = "../common/mod.rs"]
mod common;
#[path = "../common/examples.rs"]
mod examples;
#[path = "../common/net.rs"]
mod net;

mod blocking_layer;
mod chat_example;
#[cfg(feature = "tokio")]
mod conformance;
mod cross_layer;
mod dropping;
mod error_chains;
mod examples_loopback;
mod forward_proxy;
mod python_interop;
mod refusals;
mod reverse_proxy;
mod tls;
mod tokio_layer;
