//! The sans-IO core: frames, messages, closing, the connection's life and
//! timers, permessage-deflate, allocations, the SIMD paths against their
//! references, text as users write it, and the public types' traits. One
//! binary, a module per topic.

#[path = "../common/mod.rs"]
mod common;

mod allocations;
mod closing;
mod deflate;
mod framing;
mod lifecycle;
mod messages;
mod prepared;
mod properties;
mod simd_reference;
mod text;
mod timers;
mod traits;
