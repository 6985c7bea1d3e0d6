//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test file uses a different subset

use bytes::Bytes;
use rfc6455::frame::{Header, MAX_HEADER_LEN, Opcode};
use rfc6455::{Config, Connection, Error, Event, RandomSource};

/// A deterministic random source (a xorshift generator): tests need
/// reproducible masks; real clients keep the OS source.
pub struct TestRandom(pub u64);

impl RandomSource for TestRandom {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for byte in dest {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            *byte = self.0 as u8;
        }
    }
}

pub fn client(config: Config) -> Connection {
    Connection::client_with_random(config, Box::new(TestRandom(0x9E37_79B9_7F4A_7C15)))
}

pub fn server(config: Config) -> Connection {
    Connection::server(config)
}

/// Encodes one frame as a peer would send it, masked with `mask` if given.
pub fn frame(fin: bool, rsv: u8, opcode: Opcode, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let header = Header {
        fin,
        rsv,
        opcode,
        mask,
        payload_len: payload.len() as u64,
    };
    let mut head = [0; MAX_HEADER_LEN];
    let n = header.encode(&mut head);
    let mut out = head[..n].to_vec();
    let start = out.len();
    out.extend_from_slice(payload);
    if let Some(key) = mask {
        rfc6455::mask::apply(&mut out[start..], key, 0);
    }
    out
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
pub fn feed(conn: &mut Connection, bytes: &[u8]) -> (Vec<Event>, Option<Error>) {
    conn.receive(bytes);
    drain(conn)
}

/// Collects events until more input is needed or an error.
pub fn drain(conn: &mut Connection) -> (Vec<Event>, Option<Error>) {
    let mut events = Vec::new();
    loop {
        match conn.next_event() {
            Ok(Some(event)) => events.push(event),
            Ok(None) => return (events, None),
            Err(error) => return (events, Some(error)),
        }
    }
}

/// Like [`feed`], taking events with `next_event_ref` and copying what is
/// lent into owned events.
pub fn feed_ref(conn: &mut Connection, bytes: &[u8]) -> (Vec<Event>, Option<Error>) {
    conn.receive(bytes);
    let mut events = Vec::new();
    loop {
        match conn.next_event_ref() {
            Ok(Some(event)) => events.push(event.into_owned()),
            Ok(None) => return (events, None),
            Err(error) => return (events, Some(error)),
        }
    }
}

/// Decodes the frames in `bytes` (a complete sequence) as (header, unmasked payload).
pub fn decode_frames(mut bytes: &[u8]) -> Vec<(Header, Bytes)> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        let Ok(rfc6455::frame::Decoded::Complete { header, len }) = Header::decode(bytes) else {
            panic!("output is not a whole frame sequence");
        };
        let end = len + header.payload_len as usize;
        let mut payload = bytes[len..end].to_vec();
        if let Some(key) = header.mask {
            rfc6455::mask::apply(&mut payload, key, 0);
        }
        frames.push((header, Bytes::from(payload)));
        bytes = &bytes[end..];
    }
    frames
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
    use rfc6455::RandomSource;
    let mut bytes = vec![0; len];
    TestRandom(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1).fill_bytes(&mut bytes);
    bytes
}
