//! tokio-websockets 0.13, features `server`, `client`, `sha1_smol`, `fastrand`
//! (no default features: no TLS, and `sha1_smol` is the SHA-1 backend that
//! pulls no crypto library; the handshake code it serves is not benched).
//!
//! Decode: `ServerBuilder::new().serve(stream)` over the in-memory
//! [`MemStream`] (tokio `AsyncRead + AsyncWrite`; each read hands out at most
//! 64 KiB, and the crate reads into its `FramedRead` buffer, 8 KiB at first,
//! grown to fit the frame it waits for), on a current-thread runtime
//! (`block_on` per batch), `StreamExt::next` until the batch's data messages
//! arrived (its end of input is the stream's end of file, so the batch is not
//! read past, as for fastwebsockets). It reassembles fragments and checks
//! UTF-8 incrementally for text (always on); pings are handed out as messages
//! and their pong is queued and written on the next poll (the crate's own
//! automatic reply). Limits: its defaults (64 MiB payload, above ours).
//!
//! Encode: `ServerBuilder::new().serve(sink)` (unmasked) or
//! `ClientBuilder::new().take_over(sink)` (masked) per batch, then
//! `SinkExt::send(Message::binary/text(Bytes))` for each message (queue and
//! flush: written as sent). Masks come from `fastrand`, the fastest random
//! source it allows on stable (`getrandom` is a system call per mask, `rand`
//! a buffered ChaCha; `nightly` needs a nightly compiler). Masking copies the
//! payload (its `Bytes` is shared), as the crate does.
//!
//! It does the same work on every workload.

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio_websockets::{ClientBuilder, Message, ServerBuilder, WebSocketStream};

use crate::common::{Counts, Feed, Kind, MemStream, runtime};

pub struct Decoder {
    ws: WebSocketStream<MemStream>,
    feed: Feed,
    rt: tokio::runtime::Runtime,
}

impl Decoder {
    pub fn new() -> Self {
        let feed = Feed::default();
        Decoder {
            ws: ServerBuilder::new().serve(MemStream::new(feed.clone())),
            feed,
            rt: runtime(),
        }
    }

    /// Bytes the decoder wrote (its pongs).
    pub fn written(&self) -> usize {
        self.ws.get_ref().written
    }

    /// Reads until `messages` data messages arrived.
    pub fn decode(&mut self, wire: &'static [u8], messages: usize) -> Counts {
        self.feed.set(wire);
        let ws = &mut self.ws;
        self.rt.block_on(async {
            let mut counts = Counts::default();
            while counts.messages < messages {
                let message = ws
                    .next()
                    .await
                    .expect("a message")
                    .expect("tokio-websockets");
                if message.is_text() || message.is_binary() {
                    counts.messages += 1;
                    counts.bytes += message.as_payload().len();
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
    rt.block_on(async {
        let sink = MemStream::default();
        let mut ws = if client {
            ClientBuilder::new().take_over(sink)
        } else {
            ServerBuilder::new().serve(sink)
        };
        for payload in payloads {
            let message = match kind {
                Kind::Binary => Message::binary(payload.clone()),
                Kind::Text => Message::text(payload.clone()),
            };
            ws.send(message).await.expect("send");
        }
        ws.get_ref().written
    })
}
