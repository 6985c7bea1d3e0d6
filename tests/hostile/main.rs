//! Hostile peers against the layers: clients that are slow, flood, never
//! read, vanish or pile up against the blocking and tokio servers, and
//! servers that stall, go silent, never close or bomb against both
//! clients. All on 127.0.0.1, raw TCP on the hostile side.
//!
//! Every case asserts three things: a control client gets its echo during
//! the attack; memory stays under a stated bound (heap bytes counted by the
//! global allocator of this binary, [`support::Counting`], and the
//! process's RSS where thread stacks matter); and the attacked connection
//! ends with a clear error (the variant or the close code is asserted), no
//! panic. The cases run one at a time ([`support::serial`]) so that each
//! measures only itself, each bounded in time ([`support::case`]).
//!
//! The counts are scaled down by default (the suite takes well under three
//! minutes in a debug build on two cores). The full counts (1,000 slowloris
//! connections, 100,000 pings, 10,000 idle connections, a 1 GiB deflate
//! bomb) run with:
//!
//! ```sh
//! RFC6455_HOSTILE_FULL=1 cargo test --all-features --test hostile -- --nocapture
//! ```
//!
//! `--nocapture` shows the figures each case measures (lines starting with
//! `hostile:`). 10,000 idle connections need 20,000 sockets in this one
//! process: the case raises its soft file limit to the hard one and scales
//! the count down to what the hard limit allows, saying so.

#[path = "../common/mod.rs"]
mod common;
mod support;
#[cfg(feature = "tokio")]
mod tokio_support;

#[cfg(feature = "tokio")]
mod broadcast;
mod clients;
mod flow;
mod frames;
#[cfg(feature = "axum")]
mod h2;
#[cfg(feature = "axum")]
#[path = "../../examples/h2_echo.rs"]
#[allow(dead_code)] // its `main` and demo
mod h2_echo;
mod handshake;
mod idle;

#[global_allocator]
static ALLOCATOR: support::Counting = support::Counting;
