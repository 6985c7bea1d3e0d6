//! wtx 0.46.1 (the newest that builds on stable 1.95), feature `web-socket`
//! only (no default features). Its optional `simdutf8` feature is left off,
//! as the brief asks for the least features, so it checks UTF-8 with
//! `core::str::from_utf8` (the others use simdutf8).
//!
//! wtx reads and writes through its own `wtx::stream::StreamReader` and
//! `StreamWriter` traits (async `read` into a slice, `write_all`,
//! `write_all_vectored`); the driver implements them for the in-memory
//! [`MemStream`]: a read hands out at most 64 KiB from the [`Feed`] (0, end of
//! file, once the feed is empty), writes are counted and dropped.
//!
//! Decode: `WebSocket::<(), Xorshift64, MemStream, WebSocketBuffer, false>::new`
//! (no compression, masking on, i.e. a server expecting masked frames; its
//! default 64 MiB payload limit), on a current-thread runtime (`block_on`
//! per batch), `read_frame(&mut buffer, WebSocketPayloadOrigin::Adaptive)`
//! until the batch's data messages arrived (end of file is an error to it, so
//! the batch is not read past). `Adaptive` lends an unfragmented message from
//! its network buffer (unmasked in place, as rfc6455 lends them) and
//! reassembles fragments into `buffer`. UTF-8 of text is always checked
//! (incrementally across fragments). Pings are answered inside `read_frame`:
//! the crate writes the pong at once (its automatic reply) and hands out the
//! ping frame.
//!
//! Encode: `WebSocket::new` over the sink per batch, `IS_CLIENT` true or false,
//! then `write_frame(&mut Frame::new_fin(op, payload))` for each message: a
//! vectored write of header and payload, no copy. As a client it masks the
//! payload *in place* in the caller's buffer (its API takes the payload
//! mutably), so the driver gives it a private copy of the payloads, made once
//! and scrambled by every masked batch (the byte count is what is checked); a
//! caller that must keep its payload would copy it first. Client masks come
//! from `Xorshift64` (the caller picks wtx's random source; this is its
//! fastest).
//!
//! It does the same work on every workload.

use wtx::collection::Vector;
use wtx::rng::Xorshift64;
use wtx::stream::{StreamReader, StreamWriter};
use wtx::web_socket::{Frame, OpCode, WebSocket, WebSocketBuffer, WebSocketPayloadOrigin};

use crate::common::{Counts, Feed, Kind, MemStream, runtime};

impl StreamReader for MemStream {
    async fn read(&mut self, bytes: &mut [u8]) -> wtx::Result<usize> {
        let piece = self.feed.take(bytes.len());
        bytes[..piece.len()].copy_from_slice(piece);
        Ok(piece.len())
    }
}

impl StreamWriter for MemStream {
    async fn write_all(&mut self, bytes: &[u8]) -> wtx::Result<()> {
        self.written += bytes.len();
        Ok(())
    }

    async fn write_all_vectored(&mut self, bytes: &[&[u8]]) -> wtx::Result<()> {
        self.written += bytes.iter().map(|b| b.len()).sum::<usize>();
        Ok(())
    }
}

type ServerSocket = WebSocket<(), Xorshift64, MemStream, WebSocketBuffer, false>;

pub struct Decoder {
    ws: ServerSocket,
    buffer: Vector<u8>,
    feed: Feed,
    rt: tokio::runtime::Runtime,
}

impl Decoder {
    pub fn new() -> Self {
        let feed = Feed::default();
        let ws = WebSocket::new(
            (),
            false,
            Xorshift64::new(0x9e37_79b9_7f4a_7c15),
            MemStream::new(feed.clone()),
            WebSocketBuffer::new(),
        );
        Decoder {
            ws,
            buffer: Vector::new(),
            feed,
            rt: runtime(),
        }
    }

    /// Reads until `messages` data messages arrived.
    pub fn decode(&mut self, wire: &'static [u8], messages: usize) -> Counts {
        self.feed.set(wire);
        let (ws, buffer) = (&mut self.ws, &mut self.buffer);
        self.rt.block_on(async {
            let mut counts = Counts::default();
            while counts.messages < messages {
                let frame = ws
                    .read_frame(buffer, WebSocketPayloadOrigin::Adaptive)
                    .await
                    .expect("wtx");
                if matches!(frame.op_code(), OpCode::Text | OpCode::Binary) {
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

/// The payloads, owned by the encoder (a client masks them in place).
pub struct Outgoing {
    payloads: Vec<Vec<u8>>,
    op: OpCode,
}

impl Outgoing {
    pub fn new(payloads: &[bytes::Bytes], kind: Kind) -> Outgoing {
        Outgoing {
            payloads: payloads.iter().map(|p| p.to_vec()).collect(),
            op: match kind {
                Kind::Binary => OpCode::Binary,
                Kind::Text => OpCode::Text,
            },
        }
    }
}

/// Sends every payload on a new connection; returns the bytes written.
pub fn encode(rt: &tokio::runtime::Runtime, out: &mut Outgoing, client: bool) -> usize {
    let mut sink = MemStream::default();
    rt.block_on(async {
        if client {
            send_all::<true>(&mut sink, out).await;
        } else {
            send_all::<false>(&mut sink, out).await;
        }
    });
    sink.written
}

/// Writes every payload on one new connection; `IS_CLIENT` (a type
/// parameter in wtx) masks.
async fn send_all<const IS_CLIENT: bool>(sink: &mut MemStream, out: &mut Outgoing) {
    let rng = Xorshift64::new(0x2545_f491_4f6c_dd1d);
    let mut ws =
        WebSocket::<_, _, _, _, IS_CLIENT>::new((), false, rng, sink, WebSocketBuffer::new());
    for payload in &mut out.payloads {
        let mut frame = Frame::new_fin(out.op, payload.as_mut_slice());
        ws.write_frame(&mut frame).await.expect("write_frame");
    }
}
