//! The test kit shared by the integration tests, the fuzz targets and the
//! benchmarks: deterministic random sources, an encoder and decoder of
//! frames written apart from the crate's own (so a bug in one is not
//! mirrored in the other), event draining, chunk cutting, a handshake
//! fixture and a pair of connected connections on a simulated clock.
//!
//! It needs only `rfc6455` and `bytes`. Tests reach it through
//! `tests/common/mod.rs`; fuzz/ and benches/ with
//! `#[path = ".../tests/common/kit.rs"] mod kit;`.
#![allow(dead_code)] // each user takes a part

use std::time::Duration;

use bytes::Bytes;
use rfc6455::frame::{Header, Opcode};
use rfc6455::{Config, Connection, ConnectionError, Event, RandomSource, Timestamp};

/// A deterministic random source (xorshift64): tests, fuzzing and benches
/// need reproducible masks, nonces and payloads; real clients keep the OS
/// source.
pub struct XorShift(pub u64);

impl XorShift {
    /// A generator started from `seed` (zero is replaced: xorshift needs a
    /// set bit).
    #[must_use]
    pub fn new(seed: u64) -> Self {
        XorShift(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// `n` bytes, one per step (the low byte of each).
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = vec![0; n];
        self.fill_bytes(&mut out);
        out
    }
}

impl RandomSource for XorShift {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for byte in dest {
            *byte = self.next_u64() as u8;
        }
    }
}

/// Deterministic bytes 1, 2, 3, ... (wrapping): a handshake key that is
/// known in advance ([`COUNTER_KEY`] from `Counter(0)`).
pub struct Counter(pub u8);

impl RandomSource for Counter {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for b in dest {
            self.0 = self.0.wrapping_add(1);
            *b = self.0;
        }
    }
}

/// The key `Counter(0)` yields: base64 of bytes 1..=16.
pub const COUNTER_KEY: &str = "AQIDBAUGBwgJCgsMDQ4PEA==";

/// Encodes one frame byte by byte from RFC 6455 section 5.2 (not with the
/// crate's `Header::encode`), masked with `mask` if given.
#[must_use]
pub fn frame(fin: bool, rsv: u8, opcode: Opcode, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![(u8::from(fin) << 7) | ((rsv & 0b111) << 4) | opcode.to_u8()];
    let mask_bit = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        len @ 0..=125 => out.push(mask_bit | len as u8),
        len @ 126..=0xFFFF => {
            out.push(mask_bit | 126);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        len => {
            out.push(mask_bit | 127);
            out.extend_from_slice(&(len as u64).to_be_bytes());
        }
    }
    match mask {
        Some(key) => {
            out.extend_from_slice(&key);
            out.extend(payload.iter().zip(key.iter().cycle()).map(|(b, k)| b ^ k));
        }
        None => out.extend_from_slice(payload),
    }
    out
}

/// Decodes `bytes`, a complete frame sequence, into (header, unmasked
/// payload), parsing the wire format itself (not with `Header::decode`).
/// Panics on anything but whole frames.
#[must_use]
pub fn decode_frames(mut bytes: &[u8]) -> Vec<(Header, Bytes)> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        assert!(bytes.len() >= 2, "output is not a whole frame sequence");
        let (first, second) = (bytes[0], bytes[1]);
        let mut at = 2;
        let payload_len = match second & 0x7F {
            126 => {
                at += 2;
                u64::from(u16::from_be_bytes([bytes[2], bytes[3]]))
            }
            127 => {
                at += 8;
                u64::from_be_bytes(bytes[2..10].try_into().expect("8 length bytes"))
            }
            len => u64::from(len),
        };
        let mask = (second & 0x80 != 0).then(|| {
            let key: [u8; 4] = bytes[at..at + 4].try_into().expect("4 key bytes");
            at += 4;
            key
        });
        let end = at + payload_len as usize;
        assert!(end <= bytes.len(), "output is not a whole frame sequence");
        let payload: Vec<u8> = match mask {
            Some(key) => bytes[at..end]
                .iter()
                .zip(key.iter().cycle())
                .map(|(b, k)| b ^ k)
                .collect(),
            None => bytes[at..end].to_vec(),
        };
        let header = Header {
            fin: first & 0x80 != 0,
            rsv: (first >> 4) & 0b111,
            opcode: Opcode::from_u8(first & 0x0F).expect("a defined opcode"),
            mask,
            payload_len,
        };
        frames.push((header, Bytes::from(payload)));
        bytes = &bytes[end..];
    }
    frames
}

/// Takes events until more input is needed or an error.
pub fn drain(conn: &mut Connection) -> (Vec<Event>, Option<ConnectionError>) {
    let mut events = Vec::new();
    loop {
        match conn.next_event() {
            Ok(Some(event)) => events.push(event),
            Ok(None) => return (events, None),
            Err(error) => return (events, Some(error)),
        }
    }
}

/// Like [`drain`], with `next_event_ref`: lent messages are copied into
/// owned events so the two ways of reading can be compared.
pub fn drain_lent(conn: &mut Connection) -> (Vec<Event>, Option<ConnectionError>) {
    let mut events = Vec::new();
    loop {
        match conn.next_event_ref() {
            Ok(Some(event)) => events.push(event.into_owned()),
            Ok(None) => return (events, None),
            Err(error) => return (events, Some(error)),
        }
    }
}

/// Splits `bytes` into consecutive pieces whose sizes cycle through `sizes`
/// (each at least 1; an empty `sizes` gives one piece).
pub fn pieces<'a>(bytes: &'a [u8], sizes: &'a [usize]) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut rest = bytes;
    let mut sizes = sizes.iter().cycle();
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let n = sizes.next().map_or(rest.len(), |&n| n.clamp(1, rest.len()));
        let (piece, tail) = rest.split_at(n);
        rest = tail;
        Some(piece)
    })
}

/// Cuts `bytes` at the given positions (taken modulo `len + 1`, sorted;
/// repeats give empty pieces). Always at least one piece.
#[must_use]
pub fn cut<C: Copy + Into<usize>>(bytes: &[u8], cuts: &[C]) -> Vec<Bytes> {
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c.into() % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    let mut pieces = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for at in cuts {
        pieces.push(Bytes::copy_from_slice(&bytes[start..at]));
        start = at;
    }
    pieces.push(Bytes::copy_from_slice(&bytes[start..]));
    pieces
}

/// The sample key of RFC 6455 section 1.3.
pub const SAMPLE_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";

/// The accept value RFC 6455 section 1.3 derives from [`SAMPLE_KEY`].
pub const SAMPLE_ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// A valid client upgrade request carrying [`SAMPLE_KEY`].
pub const CLIENT_REQUEST: &str = "GET /echo HTTP/1.1\r\n\
Host: 127.0.0.1\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
Sec-WebSocket-Version: 13\r\n\r\n";

/// The server's valid answer to [`CLIENT_REQUEST`].
pub const SERVER_RESPONSE: &str = "HTTP/1.1 101 Switching Protocols\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

/// The seed of every client the kit makes (any odd constant would do).
pub const CLIENT_SEED: u64 = 0x9E37_79B9_7F4A_7C15;

/// A client masking with a [`XorShift`] from [`CLIENT_SEED`].
#[must_use]
pub fn client(config: Config) -> Connection {
    Connection::client_with_random(config, Box::new(XorShift::new(CLIENT_SEED)))
}

/// One end of a [`Pair`]: its connection and what it has delivered so far.
pub struct End {
    pub conn: Connection,
    pub events: Vec<Event>,
    /// The first error its `next_event` or `handle_timeout` returned.
    pub error: Option<ConnectionError>,
}

impl End {
    fn new(conn: Connection) -> Self {
        End {
            conn,
            events: Vec::new(),
            error: None,
        }
    }

    fn take_events(&mut self) {
        let (events, error) = drain(&mut self.conn);
        self.events.extend(events);
        self.error = self.error.take().or(error);
    }
}

/// A client and a server, already upgraded, joined by memory and sharing a
/// simulated clock (as quinn-proto's test pair): nothing moves until asked.
pub struct Pair {
    pub client: End,
    pub server: End,
    /// Time since the clock's origin.
    pub now: Duration,
}

impl Pair {
    /// Both ends with `config`, at time zero.
    #[must_use]
    pub fn new(config: Config) -> Self {
        Pair {
            client: End::new(client(config.clone())),
            server: End::new(Connection::server(config)),
            now: Duration::ZERO,
        }
    }

    /// Moves each end's waiting output to the other once, and takes the
    /// events it caused. Whether any byte moved.
    pub fn step(&mut self) -> bool {
        let to_server = self.client.conn.take_output();
        let to_client = self.server.conn.take_output();
        if !to_server.is_empty() {
            self.server.conn.receive(&to_server);
        }
        if !to_client.is_empty() {
            self.client.conn.receive(&to_client);
        }
        self.server.take_events();
        self.client.take_events();
        !to_server.is_empty() || !to_client.is_empty()
    }

    /// Steps until no byte moves.
    pub fn drive(&mut self) {
        while self.step() {}
    }

    /// Moves the clock on by `by` and hands the new time to both ends
    /// (errors kept in each [`End`]), without moving bytes.
    pub fn advance(&mut self, by: Duration) {
        self.now += by;
        let now = Timestamp::from_duration(self.now);
        for end in [&mut self.client, &mut self.server] {
            if let Err(error) = end.conn.handle_timeout(now) {
                end.error.get_or_insert(error);
            }
        }
    }
}
