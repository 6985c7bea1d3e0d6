//! Helpers shared by the integration tests: the kit (`kit.rs`, shared with
//! fuzz/ and benches/), a few shorthands on it, and what a test does when a
//! program it talks to is missing (`peers.rs`).
#![allow(dead_code)] // each test file uses a different subset

use rfc6455::frame::Opcode;
use rfc6455::{Config, Connection, ConnectionError, Event, RandomSource};

mod kit;
pub mod peers;

pub use kit::*;

/// The tests' name for the kit's generator.
pub use kit::XorShift as TestRandom;

pub fn server(config: Config) -> Connection {
    Connection::server(config)
}

/// A frame as a client sends it to a server (masked).
pub fn client_frame(fin: bool, opcode: Opcode, payload: &[u8]) -> Vec<u8> {
    frame(fin, 0, opcode, Some([0xA1, 0xB2, 0xC3, 0xD4]), payload)
}

/// A frame as a server sends it to a client (unmasked).
pub fn server_frame(fin: bool, opcode: Opcode, payload: &[u8]) -> Vec<u8> {
    frame(fin, 0, opcode, None, payload)
}

/// Feeds `bytes` and collects events until more input is needed or an error.
pub fn feed(conn: &mut Connection, bytes: &[u8]) -> (Vec<Event>, Option<ConnectionError>) {
    conn.receive(bytes);
    drain(conn)
}

/// Like [`feed`], taking events with `next_event_ref` and copying what is
/// lent into owned events.
pub fn feed_ref(conn: &mut Connection, bytes: &[u8]) -> (Vec<Event>, Option<ConnectionError>) {
    conn.receive(bytes);
    drain_lent(conn)
}

/// The single close frame in `bytes`, as (code, reason); panics otherwise.
pub fn close_code_sent(bytes: &[u8]) -> Option<u16> {
    let frames = decode_frames(bytes);
    let (header, payload) = frames.last().expect("no frame was sent");
    assert_eq!(
        header.opcode,
        Opcode::Close,
        "last frame sent is not a close"
    );
    (payload.len() >= 2).then(|| u16::from_be_bytes([payload[0], payload[1]]))
}

/// `len` pseudo-random bytes (incompressible, should permessage-deflate be
/// on).
pub fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    TestRandom(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1).fill_bytes(&mut bytes);
    bytes
}
