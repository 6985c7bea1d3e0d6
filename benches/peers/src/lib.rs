//! Drivers of the peer crates for the codec benches (`benches/decode.rs`,
//! `benches/encode.rs` here): the main crate's shared bench module (wire
//! bytes, in-memory streams, the rfc6455, tungstenite and fastwebsockets
//! drivers, the ceilings), and one module per added peer, whose doc says how
//! that peer is driven and what it cannot do the same way.

// Shared with the main crate's benches, where it is a private module (so
// lints about public items do not apply there).
#[path = "../../common/mod.rs"]
#[allow(clippy::new_without_default, clippy::should_implement_trait)]
pub mod common;

pub mod sockudo_peer;
pub mod tokio_websockets_peer;
pub mod wtx_peer;
pub mod yawc_peer;
