//! Structured round trips: one end sends a fuzz-chosen sequence of messages
//! (whole, or in caller-chosen fragments that may split code points), pings
//! and pongs; the other receives the bytes in fuzz-chosen pieces.
//!
//! Checks: each operation writes the frames it should (fragmented by
//! `fragment_size` for whole messages, one frame per fragment otherwise);
//! everything arrives equal and in order, whole-message or streaming; the
//! receiver's automatic pongs answer the latest pings and reach the sender.
#![no_main]

use std::num::NonZeroUsize;

use arbitrary::Arbitrary;
use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use rfc6455::frame::Opcode;
use rfc6455::{Config, Connection, DataKind, Event, Message, Role};
use rfc6455_fuzz::{
    Delivered, Frame, connection, cut, drain, normalize, peer_role, pieces, split_frames,
};

/// Payloads of generated large messages stay under this (the 64-bit length form
/// starts at 65536).
const MAX_LARGE: u32 = 70_000;
/// Bytes of generated large messages per input, to keep runs fast.
const LARGE_BUDGET: usize = 200_000;

#[derive(Arbitrary, Debug)]
enum Op {
    Text(String),
    Binary(Vec<u8>),
    /// A binary message of `len % MAX_LARGE` copies of `byte` (while the
    /// input's `LARGE_BUDGET` lasts).
    LargeBinary {
        byte: u8,
        len: u32,
    },
    /// A text message sent with `send_fragment`, cut at `cuts` (anywhere,
    /// also inside a code point), with an optional ping before the last fragment.
    TextFragments {
        text: String,
        cuts: Vec<u16>,
        ping: Option<Vec<u8>>,
    },
    BinaryFragments {
        data: Vec<u8>,
        cuts: Vec<u16>,
        ping: Option<Vec<u8>>,
    },
    Ping(Vec<u8>),
    Pong(Vec<u8>),
    /// Sent from borrowed data with `send_text` / `send_binary`.
    BorrowedText(String),
    BorrowedBinary(Vec<u8>),
}

#[derive(Arbitrary, Debug)]
struct Input {
    client_to_server: bool,
    fragment_size: Option<u16>,
    streaming: bool,
    /// The receiver's max_pending_pongs, modulo 20.
    max_pending_pongs: u8,
    /// Sizes of the pieces the receiver gets, cycled (each plus one).
    piece_sizes: Vec<u8>,
    ops: Vec<Op>,
}

/// A control payload as sent: at most 125 bytes.
fn control(payload: &[u8]) -> Bytes {
    Bytes::copy_from_slice(&payload[..payload.len().min(125)])
}

/// The sending end, keeping everything it wrote.
struct Sender {
    conn: Connection,
    role: Role,
    fragment_size: Option<usize>,
    wire: Vec<u8>,
    /// What is left of `LARGE_BUDGET`.
    large_budget: usize,
}

impl Sender {
    /// Takes what the last operation wrote, keeps it, and returns its frames.
    fn frames(&mut self) -> Vec<Frame> {
        let output = self.conn.take_output();
        self.wire.extend_from_slice(&output);
        split_frames(&output, self.role)
    }

    /// Sends one operation, checks the frames it wrote, and returns what the
    /// receiver should deliver.
    fn apply(&mut self, op: &Op) -> Vec<Delivered> {
        match op {
            Op::Text(text) => self.send(Message::from(text.as_str()), false),
            Op::Binary(data) => self.send(Message::Binary(Bytes::copy_from_slice(data)), false),
            Op::BorrowedText(text) => self.send(Message::from(text.as_str()), true),
            Op::BorrowedBinary(data) => {
                self.send(Message::Binary(Bytes::copy_from_slice(data)), true)
            }
            Op::LargeBinary { byte, len } => {
                let len = ((len % MAX_LARGE) as usize).min(self.large_budget);
                self.large_budget -= len;
                self.send(Message::Binary(vec![*byte; len].into()), false)
            }
            Op::TextFragments { text, cuts, ping } => {
                self.send_fragments(DataKind::Text, text.as_bytes(), cuts, ping.as_deref())
            }
            Op::BinaryFragments { data, cuts, ping } => {
                self.send_fragments(DataKind::Binary, data, cuts, ping.as_deref())
            }
            Op::Ping(payload) => {
                self.conn.ping(&control(payload)).unwrap();
                self.control_frame(Opcode::Ping, control(payload));
                vec![Delivered::Ping(control(payload))]
            }
            Op::Pong(payload) => {
                self.conn.pong(&control(payload)).unwrap();
                self.control_frame(Opcode::Pong, control(payload));
                vec![Delivered::Pong(control(payload))]
            }
        }
    }

    fn control_frame(&mut self, opcode: Opcode, payload: Bytes) {
        let frames = self.frames();
        assert_eq!(frames.len(), 1);
        assert_eq!(
            (frames[0].header.opcode, frames[0].header.fin),
            (opcode, true)
        );
        assert_eq!(frames[0].payload, payload);
    }

    /// `send` (or, if `borrowed`, `send_text` / `send_binary`): one frame, or
    /// frames of exactly `fragment_size` bytes but the last.
    fn send(&mut self, message: Message, borrowed: bool) -> Vec<Delivered> {
        let expected = Delivered::Message(message.kind(), message.as_bytes().to_vec());
        let len = message.len();
        let opcode = data_opcode(message.kind());
        match message {
            Message::Text(text) if borrowed => self.conn.send_text(text.as_str()),
            Message::Binary(data) if borrowed => self.conn.send_binary(&data),
            message => self.conn.send(message).map_err(rfc6455::Refused::from),
        }
        .unwrap();
        let frames = self.frames();
        let size = self
            .fragment_size
            .filter(|&s| len > s)
            .unwrap_or(len.max(1));
        assert_eq!(
            frames.len(),
            len.div_ceil(size).max(1),
            "wrong number of fragments"
        );
        for (i, frame) in frames.iter().enumerate() {
            let last = i + 1 == frames.len();
            assert_eq!(frame.header.fin, last);
            assert_eq!(
                frame.header.opcode,
                if i == 0 { opcode } else { Opcode::Continuation }
            );
            assert!(
                last || frame.payload.len() == size,
                "a fragment of the wrong size"
            );
        }
        vec![expected]
    }

    /// `send_fragment`: one frame per fragment, as given.
    fn send_fragments(
        &mut self,
        kind: DataKind,
        data: &[u8],
        cuts: &[u16],
        ping: Option<&[u8]>,
    ) -> Vec<Delivered> {
        let fragments = cut(data, cuts);
        let last = fragments.len() - 1;
        // The ping goes between fragments, so only when there are two or more.
        let ping = ping.filter(|_| last > 0).map(control);
        let mut expected = Vec::new();
        for (i, fragment) in fragments.iter().enumerate() {
            if i == last
                && let Some(ping) = &ping
            {
                self.conn.ping(ping).unwrap();
                expected.push(Delivered::Ping(ping.clone()));
            }
            self.conn
                .send_fragment(kind, fragment.clone(), i == last)
                .unwrap();
        }
        let frames = self.frames();
        assert_eq!(frames.len(), fragments.len() + usize::from(ping.is_some()));
        let data_frames = frames.iter().filter(|f| f.header.opcode != Opcode::Ping);
        for (i, (frame, fragment)) in data_frames.zip(&fragments).enumerate() {
            assert_eq!(frame.header.fin, i == last);
            assert_eq!(
                frame.header.opcode,
                if i == 0 {
                    data_opcode(kind)
                } else {
                    Opcode::Continuation
                }
            );
            assert_eq!(frame.payload, fragment[..]);
        }
        expected.push(Delivered::Message(kind, data.to_vec()));
        expected
    }
}

fn data_opcode(kind: DataKind) -> Opcode {
    match kind {
        DataKind::Text => Opcode::Text,
        DataKind::Binary => Opcode::Binary,
    }
}

fuzz_target!(|input: Input| {
    let role = if input.client_to_server {
        Role::Client
    } else {
        Role::Server
    };
    let fragment_size = input
        .fragment_size
        .and_then(|s| NonZeroUsize::new(s.into()));
    let mut sender_config = Config::default();
    sender_config.fragment_size = fragment_size;
    let mut receiver_config = Config::default();
    receiver_config.streaming = input.streaming;
    receiver_config.max_pending_pongs = usize::from(input.max_pending_pongs % 20);
    let mut sender = Sender {
        conn: connection(role, sender_config),
        role,
        fragment_size: fragment_size.map(NonZeroUsize::get),
        wire: Vec::new(),
        large_budget: LARGE_BUDGET,
    };
    let mut receiver = connection(peer_role(role), receiver_config);

    let mut expected = Vec::new();
    for op in &input.ops {
        expected.extend(sender.apply(op));
    }

    let sizes: Vec<usize> = input
        .piece_sizes
        .iter()
        .map(|&s| usize::from(s) + 1)
        .collect();
    let mut events = Vec::new();
    for piece in pieces(&sender.wire, &sizes) {
        receiver.receive(piece);
        let (new, error) = drain(&mut receiver);
        assert_eq!(error, None, "the receiver failed");
        events.extend(new);
    }
    assert_eq!(
        normalize(&events),
        expected,
        "what arrived differs from what was sent"
    );
    assert_eq!(receiver.buffered_len(), 0);

    // The receiver's automatic pongs (the latest max_pending_pongs pings, in
    // order) go back to the sender.
    let pings: Vec<Event> = expected
        .iter()
        .filter_map(|d| match d {
            Delivered::Ping(p) => Some(Event::Pong(p.clone())),
            _ => None,
        })
        .collect();
    let cap = receiver.config().max_pending_pongs.max(1);
    sender.conn.receive(&receiver.take_output());
    let (replies, error) = drain(&mut sender.conn);
    assert_eq!(error, None);
    assert_eq!(replies, pings[pings.len().saturating_sub(cap)..]);
    assert!(!sender.conn.is_closed() && !receiver.is_closed());
});
