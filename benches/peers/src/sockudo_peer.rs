//! sockudo-ws 3.1, features `simd` and `fastrand` (no default features: no
//! tokio runtime layer, no permessage-deflate), driven through its sans-IO
//! core, `sockudo_ws::protocol::Protocol`.
//!
//! Decode: `Protocol::new(Role::Server, 16 MiB, 64 MiB)` (the frame and
//! message limits of its `Config::default()`, which are also ours); UTF-8
//! validation of text is on (`Protocol::new`'s default, as in its `Config`).
//! Reads go into a `BytesMut` the way its own stream reads: 64 KiB reserved
//! whenever less than 4 KiB is free, then one read of at most the free room
//! (at most 64 KiB) from the [`Feed`], appended; then
//! `process_into(&mut buf, &mut messages)`, which parses, unmasks, validates
//! and reassembles fragments, handing out whole messages as `Bytes` split
//! off the read buffer (no copy for unfragmented ones). Pings come out as
//! `Message::Ping`: the sans-IO core leaves the reply to its caller, so the
//! driver does what the crate's stream does, `encode_pong(payload, &mut out)`
//! and a write of `out` to the counting sink. The messages are dropped after
//! each read (as a reader that has handled them), so the buffer can be
//! reused.
//!
//! Encode: `Protocol::new(role, ...)` per batch, `encode_message(&message,
//! &mut buf)` for each message (prebuilt `Message::Binary/Text(Bytes)`; the
//! frame header and payload are copied, and masked as a client, into `buf`),
//! then `buf` written to the counting sink and cleared. Its tokio stream can
//! instead write a large payload's header and payload with one vectored write
//! (`encode_frame_header`), which the sans-IO `encode_message` does not do.
//! Client masks come from `fastrand` (its default source).
//!
//! It does the same work on every workload.

use std::io::Write;

use bytes::{Bytes, BytesMut};
use sockudo_ws::protocol::{Message, Protocol, Role};

use crate::common::{Counts, Feed, Kind, MemStream};

/// Its `Config::default()` limits.
const MAX_FRAME: usize = 16 << 20;
const MAX_MESSAGE: usize = 64 << 20;
/// Its stream's read window (`sockudo_ws::RECV_BUFFER_SIZE`).
const RECV_BUFFER: usize = 64 << 10;

pub struct Decoder {
    protocol: Protocol,
    buf: BytesMut,
    messages: Vec<Message>,
    out: BytesMut,
    sink: MemStream,
    feed: Feed,
}

impl Decoder {
    pub fn new() -> Self {
        Decoder {
            protocol: Protocol::new(Role::Server, MAX_FRAME, MAX_MESSAGE),
            buf: BytesMut::with_capacity(RECV_BUFFER),
            messages: Vec::new(),
            out: BytesMut::new(),
            sink: MemStream::default(),
            feed: Feed::default(),
        }
    }

    /// Bytes the decoder wrote (its pongs).
    pub fn written(&self) -> usize {
        self.sink.written
    }

    pub fn decode(&mut self, wire: &'static [u8]) -> Counts {
        self.feed.set(wire);
        let mut counts = Counts::default();
        loop {
            if self.buf.capacity() - self.buf.len() < 4096 {
                self.buf.reserve(RECV_BUFFER);
            }
            let piece = self.feed.take(self.buf.capacity() - self.buf.len());
            if piece.is_empty() {
                break;
            }
            self.buf.extend_from_slice(piece);
            self.protocol
                .process_into(&mut self.buf, &mut self.messages)
                .expect("sockudo-ws");
            for message in self.messages.drain(..) {
                match message {
                    Message::Text(payload) | Message::Binary(payload) => {
                        counts.messages += 1;
                        counts.bytes += payload.len();
                    }
                    Message::Ping(payload) => self.protocol.encode_pong(&payload, &mut self.out),
                    Message::Pong(_) | Message::Close(_) => {}
                }
            }
            if !self.out.is_empty() {
                self.sink.write_all(&self.out).expect("sink");
                self.out.clear();
            }
        }
        counts
    }
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

/// The messages to send, built once.
pub fn messages(payloads: &[Bytes], kind: Kind) -> Vec<Message> {
    payloads
        .iter()
        .map(|payload| match kind {
            Kind::Binary => Message::Binary(payload.clone()),
            Kind::Text => Message::Text(payload.clone()),
        })
        .collect()
}

/// Sends every message on a new connection; returns the bytes written.
pub fn encode(messages: &[Message], client: bool) -> usize {
    let role = if client { Role::Client } else { Role::Server };
    let mut protocol = Protocol::new(role, MAX_FRAME, MAX_MESSAGE);
    let mut buf = BytesMut::new();
    let mut sink = MemStream::default();
    for message in messages {
        protocol.encode_message(message, &mut buf).expect("encode");
        sink.write_all(&buf).expect("sink");
        buf.clear();
    }
    sink.written
}
