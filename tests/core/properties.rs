//! Property tests: round trips in both directions, chunking invariance, and
//! no panic on arbitrary input.

use crate::common;

use bytes::Bytes;
use common::*;
use proptest::prelude::*;
use rfc6455::frame::Opcode;
use rfc6455::{Config, Connection, DataKind, Event, Message, ProtocolError};

/// One thing a sender does.
#[derive(Debug, Clone)]
enum Op {
    Send(Message),
    /// A message sent in caller-chosen fragments (text may split code points).
    Fragmented(DataKind, Vec<Bytes>),
    Ping(Bytes),
    Pong(Bytes),
}

impl Op {
    fn apply(&self, conn: &mut Connection) {
        match self.clone() {
            Op::Send(message) => conn.send(message).unwrap(),
            Op::Fragmented(kind, pieces) => {
                let last = pieces.len() - 1;
                for (i, piece) in pieces.into_iter().enumerate() {
                    conn.send_fragment(kind, piece, i == last).unwrap();
                }
            }
            Op::Ping(payload) => conn.ping(&payload).unwrap(),
            Op::Pong(payload) => conn.pong(&payload).unwrap(),
        }
    }

    /// What the receiving end reports.
    fn expected_event(&self) -> Event {
        match self.clone() {
            Op::Send(message) => Event::Message(message),
            Op::Fragmented(kind, pieces) => {
                let whole: Vec<u8> = pieces.concat();
                Event::Message(match kind {
                    DataKind::Text => Message::Text(String::from_utf8(whole).unwrap().into()),
                    DataKind::Binary => Message::Binary(whole.into()),
                })
            }
            Op::Ping(payload) => Event::Ping(payload),
            Op::Pong(payload) => Event::Pong(payload),
        }
    }
}

fn payload(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => proptest::collection::vec(any::<u8>(), 0..200),
        1 => proptest::collection::vec(any::<u8>(), 0..=max),
    ]
}

fn text(max_chars: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        8 => proptest::collection::vec(any::<char>(), 0..60),
        1 => proptest::collection::vec(any::<char>(), 0..=max_chars),
    ]
    .prop_map(|chars| chars.into_iter().collect())
}

fn op(max: usize) -> impl Strategy<Value = Op> {
    let cuts = proptest::collection::vec(any::<usize>(), 0..5);
    prop_oneof![
        4 => text(max / 4).prop_map(|t| Op::Send(Message::from(t))),
        4 => payload(max).prop_map(|p| Op::Send(Message::Binary(p.into()))),
        2 => (text(max / 4), cuts.clone())
            .prop_map(|(t, cuts)| Op::Fragmented(DataKind::Text, cut(t.as_bytes(), &cuts))),
        2 => (payload(max), cuts)
            .prop_map(|(p, cuts)| Op::Fragmented(DataKind::Binary, cut(&p, &cuts))),
        1 => proptest::collection::vec(any::<u8>(), 0..=125).prop_map(|p| Op::Ping(p.into())),
        1 => proptest::collection::vec(any::<u8>(), 0..=125).prop_map(|p| Op::Pong(p.into())),
    ]
}

/// Sends `ops` from `sender`, feeds the bytes to `receiver` in pieces of the
/// given sizes, and returns what arrived.
fn transfer(
    ops: &[Op],
    sender: &mut Connection,
    receiver: &mut Connection,
    sizes: &[usize],
) -> Vec<Event> {
    for op in ops {
        op.apply(sender);
    }
    let wire = sender.take_output();
    let mut events = Vec::new();
    for chunk in common::pieces(&wire, sizes) {
        let (new, error) = feed(receiver, chunk);
        assert_eq!(error, None);
        events.extend(new);
    }
    events
}

/// What a client with `config` writes for `ops`, with one byte XORed with
/// another if `corrupt` says where.
fn client_wire(config: Config, ops: &[Op], corrupt: Option<(usize, u8)>) -> Vec<u8> {
    let mut sender = client(config);
    for op in ops {
        op.apply(&mut sender);
    }
    let mut wire = sender.take_output().to_vec();
    if let Some((at, byte)) = corrupt {
        let at = at % wire.len();
        wire[at] ^= byte;
    }
    wire
}

fn big_config() -> Config {
    let mut config = Config::default();
    config.fragment_size = None;
    config
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn messages_round_trip_client_to_server_and_back(
        ops in proptest::collection::vec(op(1 << 20), 1..12),
        pieces in proptest::collection::vec(1usize..5000, 1..8),
        fragment_size in proptest::option::of(1usize..3000),
    ) {
        let mut config = big_config();
        config.fragment_size = fragment_size.and_then(std::num::NonZeroUsize::new);
        let expected: Vec<Event> = ops.iter().map(Op::expected_event).collect();

        let mut client = client(config.clone());
        let mut server = server(config);
        prop_assert_eq!(&transfer(&ops, &mut client, &mut server, &pieces), &expected);
        // The server's automatic pongs reach the client before the reverse run.
        let (pongs, error) = feed(&mut client, &server.take_output());
        prop_assert_eq!(error, None);
        prop_assert!(pongs.iter().all(|e| matches!(e, Event::Pong(_))));
        prop_assert_eq!(&transfer(&ops, &mut server, &mut client, &pieces), &expected);
    }

    #[test]
    fn any_chunking_gives_the_same_events_and_output(
        ops in proptest::collection::vec(op(5000), 1..12),
        corrupt in proptest::option::of((any::<usize>(), any::<u8>())),
        pieces in proptest::collection::vec(1usize..64, 1..8),
    ) {
        let wire = client_wire(Config::default(), &ops, corrupt);

        let mut whole = server(Config::default());
        let whole_result = feed(&mut whole, &wire);
        let whole_output = whole.take_output();

        let mut chunked = server(Config::default());
        let mut events = Vec::new();
        let mut error = None;
        for chunk in common::pieces(&wire, &pieces) {
            let (new, e) = feed(&mut chunked, chunk);
            events.extend(new);
            error = e;
            if error.is_some() {
                break;
            }
        }
        prop_assert_eq!(whole_result, (events, error));
        prop_assert_eq!(whole_output, chunked.take_output());
    }

    #[test]
    fn lent_events_equal_owned_ones(
        ops in proptest::collection::vec(op(5000), 1..12),
        corrupt in proptest::option::of((any::<usize>(), any::<u8>())),
        pieces in proptest::collection::vec(1usize..3000, 1..8),
        fragment_size in proptest::option::of(1usize..3000),
    ) {
        let mut config = Config::default();
        config.fragment_size = fragment_size.and_then(std::num::NonZeroUsize::new);
        let wire = client_wire(config, &ops, corrupt);
        let mut owned = server(Config::default());
        let mut lent = server(Config::default());
        for chunk in common::pieces(&wire, &pieces) {
            prop_assert_eq!(feed(&mut owned, chunk), feed_ref(&mut lent, chunk));
            prop_assert_eq!(owned.buffered_len(), lent.buffered_len());
        }
        prop_assert_eq!(owned.take_output(), lent.take_output());
    }

    /// Text is validated once, as it arrives, and lent without a second
    /// check: what is lent must be exactly `std::str::from_utf8` of the
    /// payload, and a payload that is not UTF-8 must fail the connection.
    #[test]
    fn lent_text_is_exactly_the_payload_or_invalid_utf8(
        payload in prop_oneof![
            2 => text(400).prop_map(String::into_bytes),
            1 => proptest::collection::vec(any::<u8>(), 0..400),
            2 => (text(400), any::<usize>(), any::<u8>()).prop_map(|(t, at, byte)| {
                let mut bytes = t.into_bytes();
                if !bytes.is_empty() {
                    let at = at % bytes.len();
                    bytes[at] = byte;
                }
                bytes
            }),
        ],
        cuts in proptest::collection::vec(any::<usize>(), 0..4),
        piece in 1usize..300,
    ) {
        let fragments = cut(&payload, &cuts);
        let last = fragments.len() - 1;
        let mut wire = Vec::new();
        for (i, fragment) in fragments.iter().enumerate() {
            let opcode = if i == 0 { Opcode::Text } else { Opcode::Continuation };
            wire.extend(client_frame(i == last, opcode, fragment));
        }
        let mut conn = server(Config::default());
        let (mut events, mut error) = (Vec::new(), None);
        for chunk in wire.chunks(piece) {
            let (more, failed) = feed_ref(&mut conn, chunk);
            events.extend(more);
            if failed.is_some() {
                error = failed;
                break;
            }
        }
        match std::str::from_utf8(&payload) {
            Ok(text) => {
                prop_assert_eq!(error, None);
                prop_assert_eq!(events.len(), 1);
                let Event::Message(Message::Text(lent)) = &events[0] else {
                    panic!("not a text message: {:?}", events[0]);
                };
                prop_assert_eq!(lent.as_str(), text);
            }
            Err(_) => {
                prop_assert!(events.is_empty());
                prop_assert_eq!(error, Some(ProtocolError::InvalidUtf8.into()));
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_errors_carry_close_codes(
        bytes in proptest::collection::vec(any::<u8>(), 0..4000),
        pieces in proptest::collection::vec(1usize..300, 1..6),
        streaming in any::<bool>(),
    ) {
        let mut config = Config::default();
        config.max_frame_size = 1000;
        config.max_message_size = 3000;
        config.streaming = streaming;
        for mut conn in [server(config.clone()), client(config)] {
            for chunk in common::pieces(&bytes, &pieces) {
                let (_, error) = feed(&mut conn, chunk);
                if let Some(error) = error {
                    prop_assert!(error.close_code().0 >= 1000);
                    prop_assert!(conn.is_closed());
                }
                prop_assert!(conn.buffered_len() <= 1000 + 3000 + 14 + chunk.len());
            }
            let output = conn.take_output();
            // Whatever was written is a valid frame sequence ending in at most one close.
            let frames = decode_frames(&output);
            prop_assert!(frames.iter().filter(|(h, _)| h.opcode == rfc6455::frame::Opcode::Close).count() <= 1);
        }
    }
}

#[test]
fn client_and_server_exchange_ten_thousand_random_messages() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config as RunnerConfig, RngAlgorithm, TestRng, TestRunner};

    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]);
    let mut runner = TestRunner::new_with_rng(RunnerConfig::default(), rng);
    let strategy = op(4000);
    let mut client = client(Config::default());
    let mut server = server(Config::default());
    let mut count = 0;
    for round in 0..100 {
        let ops: Vec<Op> = (0..100)
            .map(|_| strategy.new_tree(&mut runner).unwrap().current())
            .collect();
        let expected: Vec<Event> = ops.iter().map(Op::expected_event).collect();
        let (from, to) = if round % 2 == 0 {
            (&mut client, &mut server)
        } else {
            (&mut server, &mut client)
        };
        assert_eq!(transfer(&ops, from, to, &[1400]), expected);
        // The receiver's automatic pongs go back to the sender.
        let replies = to.take_output();
        let (events, error) = feed(from, &replies);
        assert_eq!(error, None);
        assert!(events.iter().all(|e| matches!(e, Event::Pong(_))));
        count += ops.len();
    }
    assert_eq!(count, 10_000);
    assert!(!client.is_closed() && !server.is_closed());
}
