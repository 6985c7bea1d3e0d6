//! Messages: fragmentation, UTF-8 (fail fast), streaming mode, sending.

use crate::common;

use bytes::{Buf, Bytes};
use common::*;
use rfc6455::frame::Opcode;
use rfc6455::{
    Chunk, Config, DataKind, Event, EventRef, Message, MessageRef, ProtocolError, Refused, State,
};

fn streaming() -> Config {
    let mut config = Config::default();
    config.streaming = true;
    config
}

#[test]
fn reassembles_fragments_with_control_frames_between_them() {
    let mut conn = server(Config::default());
    let mut bytes = client_frame(false, Opcode::Text, b"Hel");
    bytes.extend(client_frame(true, Opcode::Ping, b"p"));
    bytes.extend(client_frame(false, Opcode::Continuation, b"lo, "));
    bytes.extend(client_frame(true, Opcode::Pong, b"q"));
    bytes.extend(client_frame(true, Opcode::Continuation, b"world"));
    let (events, error) = feed(&mut conn, &bytes);
    assert_eq!(error, None);
    assert_eq!(
        events,
        vec![
            Event::Ping(Bytes::from_static(b"p")),
            Event::Pong(Bytes::from_static(b"q")),
            Event::Message("Hello, world".into()),
        ]
    );
}

#[test]
fn rejects_continuation_without_a_started_message_with_1002() {
    let mut conn = server(Config::default());
    let (_, error) = feed(&mut conn, &client_frame(true, Opcode::Continuation, b"x"));
    assert_eq!(error, Some(ProtocolError::UnexpectedContinuation.into()));
    assert_eq!(close_code_sent(&conn.take_output()), Some(1002));
}

#[test]
fn rejects_new_data_frame_during_fragmented_message_with_1002() {
    let mut conn = server(Config::default());
    let mut bytes = client_frame(false, Opcode::Binary, b"a");
    bytes.extend(client_frame(true, Opcode::Text, b"b"));
    let (_, error) = feed(&mut conn, &bytes);
    assert_eq!(error, Some(ProtocolError::ExpectedContinuation.into()));
    assert_eq!(close_code_sent(&conn.take_output()), Some(1002));
}

#[test]
fn rejects_message_over_max_message_size_across_fragments_with_1009() {
    let mut config = Config::default();
    config.max_message_size = 10;
    let mut conn = server(config);
    let mut bytes = client_frame(false, Opcode::Binary, &[0; 6]);
    bytes.extend(client_frame(true, Opcode::Continuation, &[0; 5]));
    let (_, error) = feed(&mut conn, &bytes);
    assert_eq!(error, Some(ProtocolError::MessageTooLarge.into()));
    assert_eq!(close_code_sent(&conn.take_output()), Some(1009));
}

#[test]
fn accepts_message_exactly_at_max_message_size() {
    let mut config = Config::default();
    config.max_message_size = 11;
    let mut conn = server(config);
    let mut bytes = client_frame(false, Opcode::Binary, &[0; 6]);
    bytes.extend(client_frame(true, Opcode::Continuation, &[0; 5]));
    let (events, error) = feed(&mut conn, &bytes);
    assert_eq!(error, None);
    assert_eq!(
        events,
        vec![Event::Message(Message::Binary(vec![0; 11].into()))]
    );
}

#[test]
fn invalid_utf8_fails_with_1007_inside_a_partially_received_frame() {
    let mut conn = server(Config::default());
    let mut payload = b"valid text, then ".to_vec();
    payload.extend_from_slice(&[0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE]);
    payload.extend_from_slice(&[0xB5, 0xED, 0xA0, 0x80]); // a surrogate: invalid
    payload.extend_from_slice(&[b'x'; 100]);
    let bytes = client_frame(true, Opcode::Text, &payload);
    // Everything up to and including the first certainly-bad byte (0xA0).
    let bad_at = bytes.len() - 100 - 1;
    let (_, error) = feed(&mut conn, &bytes[..bad_at - 1]);
    assert_eq!(error, None, "valid prefix must not fail");
    let (_, error) = feed(&mut conn, &bytes[bad_at - 1..bad_at]);
    assert_eq!(error, Some(ProtocolError::InvalidUtf8.into()));
    assert_eq!(close_code_sent(&conn.take_output()), Some(1007));
}

#[test]
fn invalid_utf8_fails_with_1007_in_a_middle_fragment_before_the_message_ends() {
    let mut conn = server(Config::default());
    let mut bytes = client_frame(false, Opcode::Text, "κόσμε".as_bytes());
    bytes.extend(client_frame(
        false,
        Opcode::Continuation,
        &[0xF4, 0x90, 0x80, 0x80],
    ));
    let (events, error) = feed(&mut conn, &bytes);
    assert!(events.is_empty());
    assert_eq!(error, Some(ProtocolError::InvalidUtf8.into()));
    assert_eq!(close_code_sent(&conn.take_output()), Some(1007));
}

#[test]
fn code_point_split_across_fragments_is_accepted() {
    let mut conn = server(Config::default());
    let euro = "€".as_bytes();
    let mut bytes = client_frame(false, Opcode::Text, &euro[..1]);
    bytes.extend(client_frame(false, Opcode::Continuation, &euro[1..2]));
    bytes.extend(client_frame(true, Opcode::Continuation, &euro[2..]));
    let (events, error) = feed(&mut conn, &bytes);
    assert_eq!((events, error), (vec![Event::Message("€".into())], None));
}

#[test]
fn text_ending_inside_a_code_point_fails_with_1007() {
    let mut conn = server(Config::default());
    let (_, error) = feed(
        &mut conn,
        &client_frame(true, Opcode::Text, &"€".as_bytes()[..2]),
    );
    assert_eq!(error, Some(ProtocolError::InvalidUtf8.into()));
    assert_eq!(close_code_sent(&conn.take_output()), Some(1007));
}

#[test]
fn binary_messages_are_not_checked_for_utf8() {
    let mut conn = server(Config::default());
    let (events, error) = feed(
        &mut conn,
        &client_frame(true, Opcode::Binary, &[0xFF, 0xC0]),
    );
    assert_eq!(error, None);
    assert_eq!(
        events,
        vec![Event::Message(Message::Binary(vec![0xFF, 0xC0].into()))]
    );
}

#[test]
fn streaming_delivers_partial_frames_marked_with_message_start_and_end() {
    let mut conn = server(streaming());
    let mut bytes = client_frame(false, Opcode::Binary, b"abcdef");
    bytes.extend(client_frame(true, Opcode::Continuation, b"gh"));
    let (first, _) = feed(&mut conn, &bytes[..2 + 4 + 3]);
    let (rest, error) = feed(&mut conn, &bytes[9..]);
    assert_eq!(error, None);
    let chunk = |payload: &'static [u8], is_first, is_last| {
        Event::Chunk(Chunk {
            kind: DataKind::Binary,
            payload: Bytes::from_static(payload),
            is_first,
            is_last,
        })
    };
    assert_eq!(first, vec![chunk(b"abc", true, false)]);
    assert_eq!(
        rest,
        vec![chunk(b"def", false, false), chunk(b"gh", false, true)]
    );
}

#[test]
fn streaming_marks_an_empty_message_as_first_and_last() {
    let mut conn = server(streaming());
    let (events, _) = feed(&mut conn, &client_frame(true, Opcode::Text, b""));
    assert_eq!(
        events,
        vec![Event::Chunk(Chunk {
            kind: DataKind::Text,
            payload: Bytes::new(),
            is_first: true,
            is_last: true,
        })]
    );
}

#[test]
fn streaming_validates_utf8_across_chunks() {
    let mut conn = server(streaming());
    let text = "añb€c𝄞".as_bytes();
    let bytes = client_frame(true, Opcode::Text, text);
    let mut received = Vec::new();
    for byte in &bytes {
        let (events, error) = feed(&mut conn, std::slice::from_ref(byte));
        assert_eq!(error, None);
        for event in events {
            let Event::Chunk(chunk) = event else {
                panic!("{event:?}")
            };
            received.extend_from_slice(&chunk.payload);
        }
    }
    assert_eq!(received, text);

    let mut conn = server(streaming());
    let (_, error) = feed(&mut conn, &client_frame(true, Opcode::Text, b"ok\xFF"));
    assert_eq!(error, Some(ProtocolError::InvalidUtf8.into()));
}

#[test]
fn send_splits_messages_at_the_configured_fragment_size() {
    let mut config = Config::default();
    config.fragment_size = std::num::NonZeroUsize::new(4);
    let mut conn = server(config);
    conn.send(Message::from("0123456789")).unwrap();
    let frames = decode_frames(&conn.take_output());
    let shape: Vec<_> = frames
        .iter()
        .map(|(h, p)| (h.fin, h.opcode, p.len()))
        .collect();
    assert_eq!(
        shape,
        vec![
            (false, Opcode::Text, 4),
            (false, Opcode::Continuation, 4),
            (true, Opcode::Continuation, 2),
        ]
    );
}

#[test]
fn send_fragment_lets_the_caller_choose_fragments() {
    let mut conn = server(Config::default());
    conn.send_fragment(DataKind::Binary, Bytes::from_static(b"ab"), false)
        .unwrap();
    let refused = conn.send(Message::from("x")).unwrap_err();
    assert_eq!(refused.refused(), Refused::FragmentedSendInProgress);
    assert_eq!(refused.into_message(), Message::from("x"));
    assert_eq!(
        conn.send_fragment(DataKind::Text, Bytes::from_static(b"x"), true),
        Err(Refused::FragmentedSendInProgress)
    );
    conn.ping(b"between").unwrap();
    conn.send_fragment(DataKind::Binary, Bytes::from_static(b"cd"), true)
        .unwrap();
    conn.send(Message::from("next")).unwrap();

    let mut peer = client(Config::default());
    let (events, error) = feed(&mut peer, &conn.take_output());
    assert_eq!(error, None);
    assert_eq!(
        events,
        vec![
            Event::Ping(Bytes::from_static(b"between")),
            Event::Message(Message::Binary(Bytes::from_static(b"abcd"))),
            Event::Message("next".into()),
        ]
    );
}

#[test]
fn send_refuses_to_grow_output_past_its_limit() {
    let mut config = Config::default();
    config.max_output_buffer = 100;
    let mut conn = server(config);
    conn.send(Message::Binary(vec![0; 90].into())).unwrap();
    let refused = conn.send(Message::Binary(vec![0; 20].into())).unwrap_err();
    assert_eq!(refused.refused(), Refused::OutputBufferFull);
    assert!(refused.refused().is_backpressure());
    assert_eq!(refused.into_message(), Message::Binary(vec![0; 20].into()));
    conn.take_output();
    conn.send(Message::Binary(vec![0; 20].into())).unwrap();
}

#[test]
fn control_payloads_over_125_bytes_are_refused_when_sending() {
    let mut conn = server(Config::default());
    let long = [0; 126];
    assert_eq!(conn.ping(&long), Err(Refused::ControlPayloadTooLong));
    assert_eq!(conn.pong(&long), Err(Refused::ControlPayloadTooLong));
    assert!(conn.take_output().is_empty());
}

#[test]
fn borrowed_sends_write_the_same_frames_as_owned_ones() {
    let text: String = "héllo wörld ".repeat(600);
    for len in [0, 1, 125, 126, 4095, 4096, 70_000] {
        let binary: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
        // The longest prefix of at most `len` bytes that is whole characters
        // (`str::floor_char_boundary` needs Rust 1.91, past the MSRV).
        let end = (0..=len).rev().find(|&i| text.is_char_boundary(i));
        let text = &text[..end.unwrap()];
        for fragment_size in [None, std::num::NonZeroUsize::new(1000)] {
            let mut config = Config::default();
            config.fragment_size = fragment_size;
            // Clients with the same key sequence, so masked bytes compare too.
            for make in [server, client] {
                let (mut owned, mut borrowed) = (make(config.clone()), make(config.clone()));
                owned.send(Message::Binary(binary.clone().into())).unwrap();
                owned.send(Message::from(text)).unwrap();
                borrowed.send_binary(&binary).unwrap();
                borrowed.send_text(text).unwrap();
                assert_eq!(
                    borrowed.take_output(),
                    owned.take_output(),
                    "{len} bytes, {fragment_size:?}"
                );
            }
        }
    }
}

#[test]
fn borrowed_sends_keep_the_rules_of_send() {
    let mut config = Config::default();
    config.max_output_buffer = 100;
    let mut conn = server(config);
    // Automatic pongs waiting go out first.
    feed(&mut conn, &client_frame(true, Opcode::Ping, b"p"));
    conn.send_binary(&[1; 90]).unwrap();
    assert_eq!(conn.send_text("too much"), Err(Refused::OutputBufferFull));
    let frames = decode_frames(&conn.take_output());
    let opcodes: Vec<_> = frames.iter().map(|(h, _)| h.opcode).collect();
    assert_eq!(opcodes, vec![Opcode::Pong, Opcode::Binary]);

    conn.send_fragment(DataKind::Text, Bytes::from_static(b"a"), false)
        .unwrap();
    assert_eq!(
        conn.send_binary(b"x"),
        Err(Refused::FragmentedSendInProgress)
    );
    conn.send_fragment(DataKind::Text, Bytes::from_static(b"b"), true)
        .unwrap();
    conn.close(None).unwrap();
    assert_eq!(
        conn.send_text("late"),
        Err(Refused::NotOpen(State::Closing))
    );
}

#[test]
fn lent_events_in_streaming_mode_are_the_owned_chunks() {
    let mut wire = client_frame(false, Opcode::Text, b"he");
    wire.extend(client_frame(true, Opcode::Continuation, b"llo"));
    wire.extend(client_frame(true, Opcode::Ping, b"p"));
    let (mut owned, mut lent) = (server(streaming()), server(streaming()));
    let expected = feed(&mut owned, &wire);
    assert_eq!(expected.0.len(), 3);
    assert_eq!(feed_ref(&mut lent, &wire), expected);
}

#[test]
fn a_lent_message_stays_until_the_next_call() {
    let mut conn = server(Config::default());
    let wire = client_frame(true, Opcode::Binary, b"lent");
    conn.receive(&wire);
    match conn.next_event_ref() {
        Ok(Some(EventRef::Message(MessageRef::Binary(bytes)))) => assert_eq!(bytes, b"lent"),
        other => panic!("expected a binary message, got {other:?}"),
    }
    assert_eq!(conn.buffered_len(), 0);
    // Receiving drops it first; the next message comes out whole.
    conn.receive(&client_frame(true, Opcode::Text, b"next"));
    assert_eq!(
        conn.next_event_ref(),
        Ok(Some(EventRef::Message(MessageRef::Text("next"))))
    );
    assert_eq!(conn.next_event_ref(), Ok(None));
}

/// A driver that handles a round of events (echoing a message, which
/// queues output) and then writes what `output()` holds must send the pong
/// of a ping from the same round too, not leave it for a later round.
#[test]
fn a_pong_queued_behind_an_echo_goes_out_with_it() {
    let mut conn = server(Config::default());
    let mut input = client_frame(true, Opcode::Text, b"echo me");
    input.extend(client_frame(true, Opcode::Ping, b"are you there"));
    conn.receive(&input);
    while let Some(event) = conn.next_event().unwrap() {
        if let Event::Message(message) = event {
            conn.send(message).unwrap();
        }
    }
    let output = conn.output();
    let written = output.copy_to_bytes(output.remaining());
    let frames = decode_frames(&written);
    let opcodes: Vec<_> = frames.iter().map(|(header, _)| header.opcode).collect();
    assert_eq!(opcodes, [Opcode::Text, Opcode::Pong]);
    assert_eq!(&frames[1].1[..], b"are you there");
    assert!(!conn.wants_write());
}
