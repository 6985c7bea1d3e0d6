//! yawc 0.5, feature `simd` (simdutf8 for the UTF-8 check; no default
//! features: no TLS).
//!
//! Decode: `WebSocket::from_stream(stream, Role::Server, options)` over the
//! in-memory [`MemStream`] (tokio `AsyncRead + AsyncWrite`; each read hands
//! out at most 64 KiB, into yawc's read buffer of its default 8 KiB initial
//! capacity, grown to fit a large frame), on a current-thread runtime
//! (`block_on` per batch), `next_frame().await` until the batch's data
//! messages arrived (its end of input is end of file, so the batch is not
//! read past). `WebSocket` (not its `Streaming` layer) reassembles fragments;
//! `Options::with_utf8()` turns on its UTF-8 check of whole text messages (off
//! by default). Pings are handed out as frames and their pong is queued and
//! written by the crate on the next poll. Limits: its default
//! `max_payload_read` is 1 MiB *exclusive* (a 1 MiB message is refused), so
//! it is raised with `with_limits(16 MiB, 64 MiB)`: our frame and message
//! limits (payload per frame, and the fragment reassembly buffer).
//!
//! Encode: `WebSocket::from_stream(sink, role, Options::default())` per
//! batch, then `SinkExt::send(Frame::binary/text(Bytes))` for each message
//! (queued in its write buffer, masked there as a client, and flushed: written
//! as sent). Client masks come from `rand` 0.8's thread RNG (its only source).
//!
//! It does the same work on every workload.

use bytes::Bytes;
use futures_util::SinkExt;
use yawc::{Frame, OpCode, Options, Role, WebSocket};

use crate::common::{Counts, Feed, Kind, MemStream, runtime};

pub struct Decoder {
    ws: WebSocket<MemStream>,
    feed: Feed,
    rt: tokio::runtime::Runtime,
}

impl Decoder {
    pub fn new() -> Self {
        let feed = Feed::default();
        let options = Options::default()
            .with_utf8()
            .with_limits(16 << 20, 64 << 20);
        let ws = WebSocket::from_stream(MemStream::new(feed.clone()), Role::Server, options)
            .expect("yawc");
        Decoder {
            ws,
            feed,
            rt: runtime(),
        }
    }

    /// Reads until `messages` data messages arrived.
    pub fn decode(&mut self, wire: &'static [u8], messages: usize) -> Counts {
        self.feed.set(wire);
        let ws = &mut self.ws;
        self.rt.block_on(async {
            let mut counts = Counts::default();
            while counts.messages < messages {
                let frame = ws.next_frame().await.expect("yawc");
                if matches!(frame.opcode(), OpCode::Text | OpCode::Binary) {
                    counts.messages += 1;
                    counts.bytes += frame.payload().len();
                }
            }
            counts
        })
    }
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

/// Sends every payload on a new connection; returns the bytes written.
pub fn encode(rt: &tokio::runtime::Runtime, payloads: &[Bytes], kind: Kind, client: bool) -> usize {
    let role = if client { Role::Client } else { Role::Server };
    let mut sink = MemStream::default();
    rt.block_on(async {
        let mut ws = WebSocket::from_stream(&mut sink, role, Options::default()).expect("yawc");
        for payload in payloads {
            let frame = match kind {
                Kind::Binary => Frame::binary(payload.clone()),
                Kind::Text => Frame::text(payload.clone()),
            };
            ws.send(frame).await.expect("send");
        }
    });
    sink.written
}
