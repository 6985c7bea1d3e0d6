//! yawc 0.5, feature `simd` (simdutf8 for the UTF-8 check; no default
//! features: no TLS).
//!
//! Decode: `WebSocket::from_stream(stream, Role::Server, options)` over the
//! in-memory [`MemStream`] (tokio `AsyncRead + AsyncWrite`; each read hands
//! out at most 64 KiB, into yawc's read buffer of its default 8 KiB initial
//! capacity, grown to fit a large frame), on a current-thread runtime
//! (`block_on` per batch), `next_frame().await` until the batch's data
//! messages arrived, then one more poll of `poll_next_frame`, which finds
//! the stream empty (`Pending`, as a drained socket) and returns. That last
//! poll matters: yawc queues the pong of a ping and writes its queued replies
//! only when a read would block (or when the application writes), so a
//! stream that is never `Pending` would never get its pongs (they would pile
//! up in memory); the driver's stream is therefore `Pending`, not at end of
//! file, when the batch is consumed. `WebSocket` (not its `Streaming` layer)
//! reassembles fragments; `Options::with_utf8()` turns on its UTF-8 check of
//! whole text messages (off by default). Limits: its default
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

use std::cell::Cell;
use std::future::poll_fn;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::SinkExt;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use yawc::{Frame, OpCode, Options, Role, WebSocket};

use crate::common::{Counts, Feed, Kind, MemStream, runtime};

/// A socket with nothing to read once its feed is consumed (`Pending`, not
/// end of file), whose written bytes stay countable from outside.
pub struct Socket {
    feed: Feed,
    written: Rc<Cell<usize>>,
}

impl AsyncRead for Socket {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let piece = self.feed.take(buf.remaining());
        if piece.is_empty() {
            // No waker is kept: the driver polls once and stops there.
            return Poll::Pending;
        }
        buf.put_slice(piece);
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.written.set(self.written.get() + buf.len());
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let n = bufs.iter().map(|b| b.len()).sum();
        self.written.set(self.written.get() + n);
        Poll::Ready(Ok(n))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

pub struct Decoder {
    ws: WebSocket<Socket>,
    feed: Feed,
    written: Rc<Cell<usize>>,
    rt: tokio::runtime::Runtime,
}

impl Decoder {
    pub fn new() -> Self {
        let feed = Feed::default();
        let written = Rc::new(Cell::new(0));
        let socket = Socket {
            feed: feed.clone(),
            written: written.clone(),
        };
        let options = Options::default()
            .with_utf8()
            .with_limits(16 << 20, 64 << 20);
        let ws = WebSocket::from_stream(socket, Role::Server, options).expect("yawc");
        Decoder {
            ws,
            feed,
            written,
            rt: runtime(),
        }
    }

    /// Bytes the decoder wrote (its pongs).
    pub fn written(&self) -> usize {
        self.written.get()
    }

    /// Reads until `messages` data messages arrived, then until the stream
    /// would block (when yawc writes its queued pongs).
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
            poll_fn(|cx| match ws.poll_next_frame(cx) {
                Poll::Pending => Poll::Ready(()),
                Poll::Ready(Ok(_)) => panic!("yawc: a frame past the batch"),
                Poll::Ready(Err(e)) => panic!("yawc: {e}"),
            })
            .await;
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
