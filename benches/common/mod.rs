//! Shared by the benchmarks: workloads, their wire bytes (generated once, the
//! same bytes for every implementation), in-memory streams, one driver per
//! implementation, and the two ceilings (memcpy and in-place XOR of the
//! payloads).
//!
//! How each implementation is driven (the same for every workload):
//! - the wire bytes come out of an in-memory stream that hands out at most
//!   [`READ_CHUNK`] bytes per read, as a socket read would;
//! - `rfc6455`: `Connection::server`, `receive(chunk)` for each chunk, then
//!   `next_event_ref` until `None` (whole messages lent from the read
//!   buffer, as fastwebsockets lends its frames); `rfc6455_owned` the same
//!   with `next_event` (each message a `Bytes`, as tungstenite hands them
//!   out); automatic pongs are drained from `output()` after each chunk (as
//!   an adapter would write them);
//! - tungstenite: `WebSocket::from_raw_socket(stream, Role::Server, default
//!   config)` over a blocking `Read + Write` stream, `read()` until the stream
//!   reports `WouldBlock` at its end; pongs go to the stream's write side;
//! - fastwebsockets: `FragmentCollector::new(WebSocket::after_handshake(stream,
//!   Role::Server))` over a tokio `AsyncRead + AsyncWrite` stream, on a
//!   current-thread runtime (`block_on` per batch), `read_frame().await` until
//!   the stream's end. The collector is what reassembles fragments and checks
//!   UTF-8 of whole text messages, i.e. what makes it do the same job.
//!
//! Writes go to a sink that counts bytes without copying them, so the copies
//! an implementation makes itself are what is measured.
#![allow(dead_code)] // each bench uses a part

use std::cell::Cell;
use std::io::{self, IoSlice, Read, Write};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};

/// The most bytes one read of an in-memory stream returns (a socket read).
pub const READ_CHUNK: usize = 64 * 1024;

/// Text or binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Binary,
    Text,
}

/// A batch of messages, as a sender would send them.
pub struct Workload {
    pub name: String,
    pub kind: Kind,
    pub payloads: Vec<Vec<u8>>,
    /// Split each message into frames of this many payload bytes.
    pub fragment: Option<usize>,
    /// Put a ping before every n-th message.
    pub ping_every: Option<usize>,
}

/// What a decoder delivered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub messages: usize,
    pub bytes: usize,
}

#[path = "../../tests/common/kit.rs"]
pub mod kit;

/// The kit's deterministic generator (xorshift64), by its benches name.
pub use kit::XorShift as Rng;

/// Printable ASCII text of exactly `n` bytes.
pub fn ascii_text(rng: &mut Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| b' ' + (rng.next_u64() % 95) as u8).collect()
}

/// Mixed text of exactly `n` bytes: code points of 1, 2, 3 and 4 bytes in
/// equal numbers (about 70% of the bytes are in multi-byte sequences).
pub fn mixed_text(rng: &mut Rng, n: usize) -> Vec<u8> {
    let mut out = String::with_capacity(n + 4);
    while out.len() < n {
        let room = n - out.len();
        let c = match (rng.next_u64() % 4, room) {
            (0, _) | (_, 1) => char::from(b'a' + (rng.next_u64() % 26) as u8),
            (1, _) | (_, 2) => char::from_u32(0xA0 + (rng.next_u64() % 0x700) as u32).unwrap(),
            (2, _) | (_, 3) => char::from_u32(0x3041 + (rng.next_u64() % 0x50) as u32).unwrap(),
            _ => char::from_u32(0x1F600 + (rng.next_u64() % 0x40) as u32).unwrap(),
        };
        out.push(c);
    }
    assert_eq!(out.len(), n);
    out.into_bytes()
}

impl Workload {
    pub fn binary(size: usize, count: usize) -> Workload {
        let mut rng = Rng(0x1234_5678_9abc_def1 ^ size as u64);
        Workload {
            name: format!("binary_{}", size_name(size)),
            kind: Kind::Binary,
            payloads: (0..count).map(|_| rng.bytes(size)).collect(),
            fragment: None,
            ping_every: None,
        }
    }

    pub fn ascii(size: usize, count: usize) -> Workload {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d ^ size as u64);
        Workload {
            name: format!("text_ascii_{}", size_name(size)),
            kind: Kind::Text,
            payloads: (0..count).map(|_| ascii_text(&mut rng, size)).collect(),
            fragment: None,
            ping_every: None,
        }
    }

    pub fn mixed(size: usize, count: usize) -> Workload {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ size as u64);
        Workload {
            name: format!("text_utf8_{}", size_name(size)),
            kind: Kind::Text,
            payloads: (0..count).map(|_| mixed_text(&mut rng, size)).collect(),
            fragment: None,
            ping_every: None,
        }
    }

    pub fn fragmented(mut self, fragment: usize) -> Workload {
        self.name = format!("{}_in_{}_fragments", self.name, size_name(fragment));
        self.fragment = Some(fragment);
        self
    }

    pub fn with_pings(mut self, every: usize) -> Workload {
        self.name = format!("{}_ping_every_{every}", self.name);
        self.ping_every = Some(every);
        self
    }

    /// Total payload bytes of the data messages.
    pub fn payload_bytes(&self) -> usize {
        self.payloads.iter().map(Vec::len).sum()
    }

    pub fn expected(&self) -> Counts {
        Counts {
            messages: self.payloads.len(),
            bytes: self.payload_bytes(),
        }
    }

    /// The wire bytes, masked with varying keys if `masked` (client to server).
    pub fn wire(&self, masked: bool) -> Vec<u8> {
        let mut rng = Rng(0xdead_beef_cafe_f00d);
        let mut out = Vec::with_capacity(self.payload_bytes() + 14 * self.payloads.len());
        let opcode = match self.kind {
            Kind::Binary => 0x2,
            Kind::Text => 0x1,
        };
        for (i, payload) in self.payloads.iter().enumerate() {
            if self.ping_every.is_some_and(|n| i % n == n - 1) {
                write_frame(
                    &mut out,
                    true,
                    0x9,
                    b"ping1234",
                    masked.then(|| key(&mut rng)),
                );
            }
            let size = self.fragment.unwrap_or(payload.len()).max(1);
            let mut pieces = payload.chunks(size).peekable();
            if pieces.peek().is_none() {
                write_frame(&mut out, true, opcode, &[], masked.then(|| key(&mut rng)));
            }
            let mut first = true;
            while let Some(piece) = pieces.next() {
                let fin = pieces.peek().is_none();
                let op = if first { opcode } else { 0x0 };
                write_frame(&mut out, fin, op, piece, masked.then(|| key(&mut rng)));
                first = false;
            }
        }
        out
    }
}

fn key(rng: &mut Rng) -> [u8; 4] {
    (rng.next_u64() as u32).to_ne_bytes()
}

/// One frame, written independently of any implementation under test (by
/// the test kit's encoder), appended to `out`.
pub fn write_frame(
    out: &mut Vec<u8>,
    fin: bool,
    opcode: u8,
    payload: &[u8],
    mask: Option<[u8; 4]>,
) {
    let opcode = rfc6455::frame::Opcode::from_u8(opcode).expect("a defined opcode");
    out.extend_from_slice(&kit::frame(fin, 0, opcode, mask, payload));
}

pub fn size_name(size: usize) -> String {
    match size {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{}MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{}KiB", n >> 10),
        n => format!("{n}B"),
    }
}

/// The decode workloads of the issue, with batch sizes of about 0.25 to 4 MiB.
pub fn decode_workloads() -> Vec<Workload> {
    vec![
        Workload::binary(16, 16384),
        Workload::binary(125, 8192),
        Workload::binary(1024, 1024),
        Workload::binary(64 << 10, 32),
        Workload::binary(1 << 20, 4),
        Workload::ascii(1024, 1024),
        Workload::ascii(1 << 20, 4),
        Workload::mixed(1024, 1024),
        Workload::mixed(1 << 20, 4),
        Workload::binary(1 << 20, 2).fragmented(1024),
        Workload::mixed(1 << 20, 2).fragmented(1024),
        Workload::binary(16, 16384).with_pings(10),
    ]
}

/// The encode workloads: the same sizes.
pub fn encode_workloads() -> Vec<Workload> {
    vec![
        Workload::binary(16, 16384),
        Workload::binary(125, 8192),
        Workload::binary(1024, 1024),
        Workload::binary(64 << 10, 32),
        Workload::binary(1 << 20, 4),
        Workload::mixed(1024, 1024),
        Workload::mixed(1 << 20, 4),
    ]
}

// ---------------------------------------------------------------------------
// Ceilings.

/// The payloads back to back, and where each starts.
pub struct Flat {
    pub bytes: Vec<u8>,
    pub ranges: Vec<std::ops::Range<usize>>,
}

impl Flat {
    pub fn new(workload: &Workload) -> Flat {
        let mut bytes = Vec::with_capacity(workload.payload_bytes());
        let mut ranges = Vec::new();
        for p in &workload.payloads {
            ranges.push(bytes.len()..bytes.len() + p.len());
            bytes.extend_from_slice(p);
        }
        Flat { bytes, ranges }
    }
}

/// Adds both ceilings for `workload` to `group`, beside the implementations.
pub fn bench_ceilings(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    workload: &Workload,
) {
    let flat = Flat::new(workload);
    let mut dst = vec![0u8; flat.bytes.len()];
    group.bench_function("ceiling_memcpy", |b| {
        b.iter(|| ceiling_memcpy(std::hint::black_box(&flat), std::hint::black_box(&mut dst)))
    });
    let mut buf = Flat::new(workload);
    let key = [0x37, 0xfa, 0x21, 0x3d];
    group.bench_function("ceiling_xor", |b| {
        b.iter(|| ceiling_xor(std::hint::black_box(&mut buf), std::hint::black_box(key)))
    });
}

/// Ceiling 1: copy every payload, message by message.
pub fn ceiling_memcpy(src: &Flat, dst: &mut [u8]) {
    for r in &src.ranges {
        dst[r.clone()].copy_from_slice(&src.bytes[r.clone()]);
    }
}

/// Ceiling 2: unmask every payload in place, message by message, with a plain
/// XOR over 32-byte blocks (which the compiler vectorizes) and a byte tail.
pub fn ceiling_xor(buf: &mut Flat, key: [u8; 4]) {
    let mut block = [0u8; 32];
    for (i, b) in block.iter_mut().enumerate() {
        *b = key[i % 4];
    }
    for r in &buf.ranges {
        let payload = &mut buf.bytes[r.clone()];
        let mut chunks = payload.chunks_exact_mut(32);
        for chunk in &mut chunks {
            for (b, k) in chunk.iter_mut().zip(block.iter()) {
                *b ^= k;
            }
        }
        for (b, k) in chunks.into_remainder().iter_mut().zip(block.iter()) {
            *b ^= k;
        }
    }
}

// ---------------------------------------------------------------------------
// In-memory streams.

/// Where an in-memory stream reads from; the bench refills it between batches
/// so that a decoder (and its buffers) lives across batches, as on a
/// long-lived connection.
#[derive(Clone, Default)]
pub struct Feed(Rc<Cell<&'static [u8]>>);

impl Feed {
    pub fn set(&self, input: &'static [u8]) {
        self.0.set(input);
    }

    /// Takes at most `max` bytes (at most [`READ_CHUNK`]): one socket read.
    pub fn take(&self, max: usize) -> &'static [u8] {
        let input = self.0.get();
        let n = max.min(READ_CHUNK).min(input.len());
        self.0.set(&input[n..]);
        &input[..n]
    }
}

/// Reads from its [`Feed`] at most `READ_CHUNK` bytes at a time (then
/// `WouldBlock`, or end of file for tokio); counts and drops what is written.
#[derive(Default)]
pub struct MemStream {
    pub feed: Feed,
    pub written: usize,
}

impl MemStream {
    pub fn new(feed: Feed) -> Self {
        MemStream { feed, written: 0 }
    }
}

impl Read for MemStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let piece = self.feed.take(buf.len());
        if piece.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        buf[..piece.len()].copy_from_slice(piece);
        Ok(piece.len())
    }
}

impl Write for MemStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.written += buf.len();
        Ok(buf.len())
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let n = bufs.iter().map(|b| b.len()).sum();
        self.written += n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl tokio::io::AsyncRead for MemStream {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        buf.put_slice(self.feed.take(buf.remaining()));
        Poll::Ready(Ok(()))
    }
}

impl tokio::io::AsyncWrite for MemStream {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().written += buf.len();
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let n = bufs.iter().map(|b| b.len()).sum();
        self.get_mut().written += n;
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

// ---------------------------------------------------------------------------
// Decoders (server side: masked input). Each lives across batches; `decode`
// feeds one batch of wire bytes and returns what was delivered.

pub struct OursDecoder {
    pub conn: rfc6455::Connection,
    /// Borrow whole messages (`next_event_ref`) instead of taking them.
    lend: bool,
}

impl OursDecoder {
    /// Takes messages with `next_event` (each one a `Bytes`).
    pub fn new() -> Self {
        OursDecoder {
            conn: rfc6455::Connection::server(rfc6455::Config::default()),
            lend: false,
        }
    }

    /// Borrows messages with `next_event_ref`.
    pub fn lending() -> Self {
        OursDecoder {
            lend: true,
            ..OursDecoder::new()
        }
    }

    pub fn decode(&mut self, wire: &[u8]) -> Counts {
        let conn = &mut self.conn;
        let mut counts = Counts::default();
        // `receive` is this crate's read(): the one copy out of the "socket"
        // (the wire), as the other decoders' reads into their own buffers.
        for piece in wire.chunks(READ_CHUNK) {
            conn.receive(piece);
            if self.lend {
                while let Some(event) = conn.next_event_ref().expect("valid input") {
                    let len = match event {
                        rfc6455::EventRef::Message(message) => message.as_bytes().len(),
                        _ => continue,
                    };
                    counts.messages += 1;
                    counts.bytes += len;
                }
            } else {
                while let Some(event) = conn.next_event().expect("valid input") {
                    if let rfc6455::Event::Message(message) = event {
                        counts.messages += 1;
                        counts.bytes += message.len();
                    }
                }
            }
            // Automatic pongs, written out as an adapter would.
            let output = conn.output();
            output.advance(output.remaining());
        }
        counts
    }
}

pub struct TungsteniteDecoder {
    ws: tungstenite::WebSocket<MemStream>,
    feed: Feed,
}

impl TungsteniteDecoder {
    pub fn new() -> Self {
        let feed = Feed::default();
        let stream = MemStream::new(feed.clone());
        TungsteniteDecoder {
            ws: tungstenite::WebSocket::from_raw_socket(
                stream,
                tungstenite::protocol::Role::Server,
                None,
            ),
            feed,
        }
    }

    pub fn decode(&mut self, wire: &'static [u8]) -> Counts {
        self.feed.set(wire);
        let mut counts = Counts::default();
        loop {
            match self.ws.read() {
                Ok(tungstenite::Message::Text(t)) => {
                    counts.messages += 1;
                    counts.bytes += t.len();
                }
                Ok(tungstenite::Message::Binary(b)) => {
                    counts.messages += 1;
                    counts.bytes += b.len();
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e)) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => panic!("tungstenite: {e}"),
            }
        }
        counts
    }
}

pub struct FastwebsocketsDecoder {
    ws: fastwebsockets::FragmentCollector<MemStream>,
    feed: Feed,
    rt: tokio::runtime::Runtime,
}

impl FastwebsocketsDecoder {
    pub fn new() -> Self {
        let feed = Feed::default();
        let stream = MemStream::new(feed.clone());
        let ws = fastwebsockets::WebSocket::after_handshake(stream, fastwebsockets::Role::Server);
        FastwebsocketsDecoder {
            ws: fastwebsockets::FragmentCollector::new(ws),
            feed,
            rt: runtime(),
        }
    }

    /// Reads until `messages` data messages arrived (fastwebsockets treats
    /// the end of its input as an error, so the batch is not read past).
    pub fn decode(&mut self, wire: &'static [u8], messages: usize) -> Counts {
        use fastwebsockets::OpCode;
        self.feed.set(wire);
        let ws = &mut self.ws;
        self.rt.block_on(async {
            let mut counts = Counts::default();
            while counts.messages < messages {
                let frame = ws.read_frame().await.expect("fastwebsockets");
                if matches!(frame.opcode, OpCode::Text | OpCode::Binary) {
                    counts.messages += 1;
                    counts.bytes += frame.payload.len();
                }
            }
            counts
        })
    }
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime")
}

// ---------------------------------------------------------------------------
// Encoders: every message is written to the (counting) stream as it is sent.

/// Messages ready to send, built once.
pub struct Outgoing {
    pub ours: Vec<rfc6455::Message>,
    pub tungstenite: Vec<tungstenite::Message>,
    pub raw: Vec<Bytes>,
    /// The payloads as strings, for text workloads (empty for binary).
    pub text: Vec<String>,
    pub kind: Kind,
}

impl Outgoing {
    pub fn new(workload: &Workload) -> Outgoing {
        let raw: Vec<Bytes> = workload
            .payloads
            .iter()
            .map(|p| Bytes::from(p.clone()))
            .collect();
        let ours = raw
            .iter()
            .map(|b| match workload.kind {
                Kind::Binary => rfc6455::Message::Binary(b.clone()),
                Kind::Text => rfc6455::Message::Text(
                    rfc6455::Utf8Bytes::try_from_bytes(b.clone()).expect("UTF-8"),
                ),
            })
            .collect();
        let tungstenite = raw
            .iter()
            .map(|b| match workload.kind {
                Kind::Binary => tungstenite::Message::Binary(b.clone()),
                Kind::Text => tungstenite::Message::Text(
                    tungstenite::Utf8Bytes::try_from(b.clone()).expect("UTF-8"),
                ),
            })
            .collect();
        let text = match workload.kind {
            Kind::Text => raw
                .iter()
                .map(|b| String::from_utf8(b.to_vec()).expect("UTF-8"))
                .collect(),
            Kind::Binary => Vec::new(),
        };
        Outgoing {
            ours,
            tungstenite,
            raw,
            text,
            kind: workload.kind,
        }
    }
}

/// Payloads at least this long are sent as owned `Bytes` (queued without a
/// copy); shorter ones from a borrowed slice (copied into the output, no
/// reference count to touch), as the crate's docs advise.
pub const SEND_OWNED_FROM: usize = 4096;

/// Sends every message and writes the output after each, the way an adapter
/// that writes eagerly would. Returns the bytes written.
pub fn encode_ours(out: &Outgoing, client: bool) -> usize {
    let config = rfc6455::Config::default();
    let mut conn = if client {
        rfc6455::Connection::client(config)
    } else {
        rfc6455::Connection::server(config)
    };
    let mut sink = MemStream::default();
    for (i, message) in out.ours.iter().enumerate() {
        match out.kind {
            _ if message.len() >= SEND_OWNED_FROM => conn.send(message.clone()).map_err(Into::into),
            Kind::Text => conn.send_text(&out.text[i]),
            Kind::Binary => conn.send_binary(&out.raw[i]),
        }
        .expect("send");
        let output = conn.output();
        while output.has_remaining() {
            let mut slices = [IoSlice::new(&[]); 4];
            let count = output.chunks_vectored(&mut slices);
            let n = sink.write_vectored(&slices[..count]).expect("sink");
            output.advance(n);
        }
    }
    sink.written
}

pub fn encode_tungstenite(messages: &[tungstenite::Message], client: bool) -> usize {
    use tungstenite::protocol::{Role, WebSocket};
    let role = if client { Role::Client } else { Role::Server };
    let mut ws = WebSocket::from_raw_socket(MemStream::default(), role, None);
    for message in messages {
        ws.send(message.clone()).expect("send");
    }
    ws.get_ref().written
}

pub fn encode_fastwebsockets(
    rt: &tokio::runtime::Runtime,
    payloads: &[Bytes],
    kind: Kind,
    client: bool,
) -> usize {
    use fastwebsockets::{Frame, Payload, Role, WebSocket};
    let role = if client { Role::Client } else { Role::Server };
    rt.block_on(async {
        let mut ws = WebSocket::after_handshake(MemStream::default(), role);
        for payload in payloads {
            let payload = Payload::Borrowed(payload);
            let frame = match kind {
                Kind::Binary => Frame::binary(payload),
                Kind::Text => Frame::text(payload),
            };
            ws.write_frame(frame).await.expect("write_frame");
        }
        ws.into_inner().written
    })
}

// ---------------------------------------------------------------------------
// Handshakes.

/// The upgrade request Chromium sends for `new WebSocket("ws://localhost:9001/echo")`
/// from a page on the same origin (header order and values as Chromium writes them).
pub const BROWSER_REQUEST: &[u8] = b"GET /echo HTTP/1.1\r\n\
Host: localhost:9001\r\n\
Connection: Upgrade\r\n\
Pragma: no-cache\r\n\
Cache-Control: no-cache\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36\r\n\
Upgrade: websocket\r\n\
Origin: http://localhost:9001\r\n\
Sec-WebSocket-Version: 13\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Accept-Language: en-US,en;q=0.9\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\
\r\n";

/// A minimal server's 101 answer to `request` (whatever client wrote it).
pub fn stub_response(request: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(request).expect("ASCII request");
    let key = text
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("sec-websocket-key")
                .then(|| value.trim())
        })
        .expect("a key");
    format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        rfc6455::handshake::accept_key(key.as_bytes())
    )
    .into_bytes()
}

/// A stream for a client handshake: keeps what the client writes, and once a
/// whole request is there answers it with [`stub_response`].
#[derive(Default)]
pub struct StubServer {
    request: Vec<u8>,
    response: Vec<u8>,
    read: usize,
}

impl Read for StubServer {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.response.is_empty() && self.request.ends_with(b"\r\n\r\n") {
            self.response = stub_response(&self.request);
        }
        let rest = &self.response[self.read..];
        if rest.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.read += n;
        Ok(n)
    }
}

impl Write for StubServer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.request.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Server handshake: read the browser's request, accept it, make the connection.
pub fn handshake_server_ours(config: &rfc6455::Config) -> (Vec<u8>, rfc6455::Connection) {
    use rfc6455::handshake::{Accept, ServerHandshake};
    let mut handshake = ServerHandshake::new(config.clone());
    let request = handshake
        .receive(BROWSER_REQUEST)
        .expect("valid")
        .expect("complete");
    request.accept(Accept::default()).expect("accepted")
}

pub fn handshake_server_tungstenite() -> tungstenite::WebSocket<MemStream> {
    let feed = Feed::default();
    feed.set(BROWSER_REQUEST);
    tungstenite::accept(MemStream::new(feed)).expect("accepted")
}

/// Client handshake: build the request, get the stub's answer, validate it,
/// make the connection. `random` is the OS source, as in real use.
pub fn handshake_client_ours(config: &rfc6455::Config) -> rfc6455::Connection {
    use rfc6455::handshake::{ClientRequest, Response};
    let request = ClientRequest::new("ws://localhost:9001/echo")
        .expect("URL")
        .header("Origin", "http://localhost:9001");
    let (bytes, mut handshake) = request.start(config.clone()).expect("request");
    let response = stub_response(&bytes);
    match handshake.receive(&response).expect("valid response") {
        Some(Response::Accepted(accepted)) => accepted.into_connection(),
        _ => panic!("not accepted"),
    }
}

pub fn handshake_client_tungstenite() -> tungstenite::WebSocket<StubServer> {
    use tungstenite::client::IntoClientRequest;
    let mut request = "ws://localhost:9001/echo"
        .into_client_request()
        .expect("URL");
    request
        .headers_mut()
        .insert("Origin", "http://localhost:9001".parse().expect("header"));
    tungstenite::client(request, StubServer::default())
        .expect("accepted")
        .0
}

// ---------------------------------------------------------------------------
// permessage-deflate (the `deflate` feature).

/// JSON-like text of exactly `n` bytes: an array of event records whose keys
/// repeat and whose values vary (ids, timestamps, names, numbers), the kind
/// of payload permessage-deflate is used for. ASCII, so any cut is UTF-8.
pub fn json_text(rng: &mut Rng, n: usize) -> Vec<u8> {
    const USERS: [&str; 8] = [
        "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi",
    ];
    const EVENTS: [&str; 6] = ["click", "view", "scroll", "purchase", "login", "logout"];
    const PAGES: [&str; 5] = ["/", "/cart", "/search", "/product", "/account/settings"];
    let mut out = String::with_capacity(n + 256);
    out.push('[');
    while out.len() < n {
        let user = USERS[(rng.next_u64() % 8) as usize];
        let event = EVENTS[(rng.next_u64() % 6) as usize];
        let page = PAGES[(rng.next_u64() % 5) as usize];
        out.push_str(&format!(
            "{{\"id\":{},\"user\":\"{user}_{}\",\"event\":\"{event}\",\"page\":\"{page}\",\
             \"ts\":{},\"value\":{}.{:02},\"ok\":{},\"tags\":[\"t{}\",\"t{}\"]}},",
            rng.next_u64() % 1_000_000,
            rng.next_u64() % 100,
            1_732_000_000_000 + rng.next_u64() % 100_000_000,
            rng.next_u64() % 1000,
            rng.next_u64() % 100,
            rng.next_u64().is_multiple_of(2),
            rng.next_u64() % 20,
            rng.next_u64() % 20,
        ));
    }
    out.truncate(n);
    out.into_bytes()
}

/// The same window and context-takeover setting in both directions.
#[cfg(feature = "deflate")]
pub fn deflate_params(
    window_bits: u8,
    no_context_takeover: bool,
) -> rfc6455::deflate::DeflateParams {
    rfc6455::deflate::DeflateParams {
        server_no_context_takeover: no_context_takeover,
        client_no_context_takeover: no_context_takeover,
        server_max_window_bits: window_bits,
        client_max_window_bits: window_bits,
    }
}

/// A client with deflate on and a deterministic masking source (so the wire
/// bytes it writes are the same on every run).
#[cfg(feature = "deflate")]
pub fn deflate_client(
    config: rfc6455::Config,
    params: rfc6455::deflate::DeflateParams,
) -> rfc6455::Connection {
    rfc6455::Connection::client_with_random(config, Box::new(Rng(0x9e37_79b9_7f4a_7c15)))
        .with_deflate(params)
}

/// Sends every message on `conn` and drops its output after each (as if
/// written); returns the wire bytes produced.
pub fn send_all(conn: &mut rfc6455::Connection, messages: &[rfc6455::Message]) -> usize {
    let mut written = 0;
    for message in messages {
        conn.send(message.clone()).expect("send");
        let output = conn.output();
        written += output.remaining();
        output.advance(output.remaining());
    }
    written
}

/// The wire bytes of `messages` sent by `conn`, back to back.
pub fn wire_of(conn: &mut rfc6455::Connection, messages: &[rfc6455::Message]) -> Vec<u8> {
    let mut wire = Vec::new();
    for message in messages {
        conn.send(message.clone()).expect("send");
        wire.extend_from_slice(&conn.take_output());
    }
    wire
}

/// Feeds `wire` to `conn` in socket-sized reads and calls `each` with every
/// message delivered.
pub fn receive_all(
    conn: &mut rfc6455::Connection,
    wire: &[u8],
    mut each: impl FnMut(rfc6455::Message),
) {
    for piece in wire.chunks(READ_CHUNK) {
        conn.receive(piece);
        while let Some(event) = conn.next_event().expect("valid input") {
            if let rfc6455::Event::Message(message) = event {
                each(message);
            }
        }
    }
}
