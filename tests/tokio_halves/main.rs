//! The tokio layer's split halves, polled by hand over a scripted
//! transport: which half writes what, which wakers fire when the other
//! half or the transport moves, and what a panic under the halves' lock
//! leaves behind. No runtime and no clock: every step is the test's.
#![cfg(feature = "tokio")]

#[path = "../common/mod.rs"]
mod common;
mod interleavings;
mod mock;
mod poison;
