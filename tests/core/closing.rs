//! The close handshake and ping/pong (RFC 6455 sections 5.5 and 7).

use crate::common;

use bytes::Bytes;
use common::*;
use rfc6455::frame::Opcode;
use rfc6455::{
    CloseCode, CloseFrame, Config, ConnectionError, Event, Message, ProtocolError, Refused, Role,
    State,
};

fn close_payload(code: u16, reason: &[u8]) -> Vec<u8> {
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(reason);
    payload
}

#[test]
fn received_close_queues_an_echo_of_its_code_and_closes() {
    let mut conn = server(Config::default());
    let bytes = client_frame(true, Opcode::Close, &close_payload(1001, b"going"));
    let (events, error) = feed(&mut conn, &bytes);
    assert_eq!(error, None);
    assert_eq!(
        events,
        vec![Event::Close(Some(CloseFrame::new(
            CloseCode::GOING_AWAY,
            "going"
        )))]
    );
    assert!(conn.is_closed() && !conn.is_failed());
    assert!(
        !conn.should_close_transport(),
        "the reply is not written yet"
    );
    let frames = decode_frames(&conn.take_output());
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0].0.opcode, Opcode::Close);
    assert_eq!(frames[0].1.as_ref(), &1001u16.to_be_bytes());
    // The server closes the TCP connection first.
    assert!(conn.should_close_transport());
}

#[test]
fn empty_close_is_answered_with_empty_close() {
    let mut conn = server(Config::default());
    let (events, _) = feed(&mut conn, &client_frame(true, Opcode::Close, b""));
    assert_eq!(events, vec![Event::Close(None)]);
    assert_eq!(close_code_sent(&conn.take_output()), None);
}

#[test]
fn client_waits_for_the_server_to_close_the_transport() {
    let mut conn = client(Config::default());
    conn.close(Some(CloseFrame::new(CloseCode::NORMAL, "bye")))
        .unwrap();
    assert!(conn.is_closing() && !conn.is_closed());
    assert_eq!(close_code_sent(&conn.take_output()), Some(1000));
    let (events, error) = feed(
        &mut conn,
        &server_frame(true, Opcode::Close, &close_payload(1000, b"")),
    );
    assert_eq!(error, None);
    assert_eq!(
        events,
        vec![Event::Close(Some(CloseFrame::new(CloseCode::NORMAL, "")))]
    );
    assert!(conn.is_closed());
    assert!(conn.take_output().is_empty(), "no second close frame");
    assert_eq!(conn.role(), Role::Client);
    assert!(!conn.should_close_transport());
    assert_eq!(conn.receive_eof(), Ok(()));
    // The server's end of file ends the wait: now the client closes too.
    assert!(conn.should_close_transport());
}

#[test]
fn after_sending_close_data_sends_fail_and_incoming_data_is_discarded() {
    let mut conn = server(Config::default());
    conn.close(None).unwrap();
    let refused = conn.send(Message::from("no")).unwrap_err();
    assert_eq!(refused.refused(), Refused::NotOpen(State::Closing));
    assert_eq!(refused.into_message(), Message::from("no"));
    let first_close = conn.take_output();
    // Closing again is a no-op: nothing more is queued, the state stays.
    assert_eq!(conn.close(None), Ok(()));
    assert_eq!(
        conn.close(Some(CloseFrame::new(CloseCode(4000), "again"))),
        Ok(())
    );
    assert!(conn.take_output().is_empty());
    assert_eq!(close_code_sent(&first_close), None);
    assert_eq!(conn.state(), State::Closing);
    let mut bytes = client_frame(true, Opcode::Text, b"discarded");
    bytes.extend(client_frame(true, Opcode::Close, &close_payload(1000, b"")));
    let (events, error) = feed(&mut conn, &bytes);
    assert_eq!(error, None);
    assert_eq!(
        events,
        vec![Event::Close(Some(CloseFrame::new(CloseCode::NORMAL, "")))]
    );
    assert!(conn.is_closed());
}

#[test]
fn rejects_one_byte_close_payload_with_1002() {
    let mut conn = server(Config::default());
    let (_, error) = feed(&mut conn, &client_frame(true, Opcode::Close, b"\x03"));
    assert_eq!(error, Some(ProtocolError::InvalidClosePayload.into()));
    assert_eq!(close_code_sent(&conn.take_output()), Some(1002));
}

#[test]
fn rejects_close_codes_that_may_not_appear_on_the_wire_with_1002() {
    for code in [
        0u16, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535,
    ] {
        let mut conn = server(Config::default());
        let (_, error) = feed(
            &mut conn,
            &client_frame(true, Opcode::Close, &close_payload(code, b"")),
        );
        assert_eq!(
            error,
            Some(ProtocolError::InvalidCloseCode(code).into()),
            "code {code}"
        );
        assert_eq!(close_code_sent(&conn.take_output()), Some(1002));
    }
}

#[test]
fn accepts_every_sendable_close_code() {
    for code in [
        1000u16, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999,
    ] {
        let mut conn = server(Config::default());
        let (events, error) = feed(
            &mut conn,
            &client_frame(true, Opcode::Close, &close_payload(code, b"")),
        );
        assert_eq!(error, None, "code {code}");
        assert_eq!(
            events,
            vec![Event::Close(Some(CloseFrame::new(CloseCode(code), "")))]
        );
    }
}

#[test]
fn rejects_invalid_utf8_close_reason_with_1007() {
    let mut conn = server(Config::default());
    let bytes = client_frame(
        true,
        Opcode::Close,
        &close_payload(1000, b"\xCE\xBA\xE1\xBD"),
    );
    let (_, error) = feed(&mut conn, &bytes);
    assert_eq!(error, Some(ProtocolError::InvalidUtf8.into()));
    assert_eq!(close_code_sent(&conn.take_output()), Some(1007));
}

#[test]
fn close_refuses_unsendable_codes_and_long_reasons() {
    let mut conn = server(Config::default());
    assert_eq!(
        conn.close(Some(CloseFrame::new(CloseCode::ABNORMAL, ""))),
        Err(Refused::UnsendableCloseCode(1006))
    );
    let long = "x".repeat(124);
    assert_eq!(
        conn.close(Some(CloseFrame::new(CloseCode::NORMAL, long.as_str()))),
        Err(Refused::ControlPayloadTooLong)
    );
    assert!(!conn.is_closing());
    conn.close(Some(CloseFrame::new(CloseCode::NORMAL, &long[..123])))
        .unwrap();
    // Once closing, a frame that could never be sent is still refused; a
    // good one is ignored (the close already started).
    assert_eq!(
        conn.close(Some(CloseFrame::new(CloseCode::ABNORMAL, ""))),
        Err(Refused::UnsendableCloseCode(1006))
    );
    assert_eq!(conn.close(None), Ok(()));
}

#[test]
fn ping_queues_a_pong_with_the_same_payload() {
    let mut conn = server(Config::default());
    let (events, _) = feed(
        &mut conn,
        &client_frame(true, Opcode::Ping, b"are you there"),
    );
    assert_eq!(
        events,
        vec![Event::Ping(Bytes::from_static(b"are you there"))]
    );
    assert!(conn.wants_write());
    let frames = decode_frames(&conn.take_output());
    assert_eq!(frames.len(), 1);
    assert_eq!(
        (frames[0].0.opcode, frames[0].1.as_ref()),
        (Opcode::Pong, &b"are you there"[..])
    );
}

#[test]
fn every_ping_gets_a_pong_while_the_queue_has_room() {
    let mut conn = server(Config::default());
    let mut bytes = Vec::new();
    for i in 0..10u8 {
        bytes.extend(client_frame(true, Opcode::Ping, &[i]));
    }
    feed(&mut conn, &bytes);
    let payloads: Vec<_> = decode_frames(&conn.take_output())
        .into_iter()
        .map(|(_, p)| p[0])
        .collect();
    assert_eq!(payloads, (0..10).collect::<Vec<u8>>());
}

#[test]
fn pongs_for_unanswered_pings_are_replaced_past_the_bound_not_piled_up() {
    let mut config = Config::default();
    config.max_pending_pongs = 4;
    let mut conn = server(config);
    let mut bytes = Vec::new();
    for i in 0..1000u32 {
        bytes.extend(client_frame(true, Opcode::Ping, &i.to_be_bytes()));
    }
    let (events, error) = feed(&mut conn, &bytes);
    assert_eq!((events.len(), error), (1000, None));
    let frames = decode_frames(&conn.take_output());
    let payloads: Vec<_> = frames.iter().map(|(_, p)| p.clone()).collect();
    let newest: Vec<_> = (996..1000u32)
        .map(|i| Bytes::copy_from_slice(&i.to_be_bytes()))
        .collect();
    assert_eq!(payloads, newest);
}

#[test]
fn pong_goes_out_before_a_message_sent_after_the_ping() {
    let mut conn = server(Config::default());
    feed(&mut conn, &client_frame(true, Opcode::Ping, b"p"));
    conn.send(Message::from("after")).unwrap();
    let opcodes: Vec<_> = decode_frames(&conn.take_output())
        .iter()
        .map(|(h, _)| h.opcode)
        .collect();
    assert_eq!(opcodes, vec![Opcode::Pong, Opcode::Text]);
}

#[test]
fn auto_pong_can_be_turned_off() {
    let mut config = Config::default();
    config.auto_pong = false;
    let mut conn = server(config);
    let (events, _) = feed(&mut conn, &client_frame(true, Opcode::Ping, b"p"));
    assert_eq!(events.len(), 1);
    assert!(!conn.wants_write());
}

#[test]
fn unsolicited_pong_is_delivered_and_answered_with_nothing() {
    let mut conn = server(Config::default());
    let (events, error) = feed(&mut conn, &client_frame(true, Opcode::Pong, b"beat"));
    assert_eq!(
        (events, error),
        (vec![Event::Pong(Bytes::from_static(b"beat"))], None)
    );
    assert!(!conn.wants_write());
}

#[test]
fn pending_pong_is_written_before_the_close_reply() {
    let mut conn = server(Config::default());
    let mut bytes = client_frame(true, Opcode::Ping, b"p");
    bytes.extend(client_frame(true, Opcode::Close, b""));
    feed(&mut conn, &bytes);
    let opcodes: Vec<_> = decode_frames(&conn.take_output())
        .iter()
        .map(|(h, _)| h.opcode)
        .collect();
    assert_eq!(opcodes, vec![Opcode::Pong, Opcode::Close]);
}

#[test]
fn eof_before_the_close_handshake_is_1006() {
    let mut conn = client(Config::default());
    assert_eq!(conn.receive_eof(), Err(ConnectionError::UnexpectedEof));
    assert_eq!(
        ConnectionError::UnexpectedEof.close_code(),
        CloseCode::ABNORMAL
    );
    assert!(conn.is_closed() && conn.take_output().is_empty());
    assert!(conn.should_close_transport());
}

#[test]
fn bytes_after_the_peers_close_are_ignored() {
    let mut conn = server(Config::default());
    let mut bytes = client_frame(true, Opcode::Close, b"");
    bytes.extend(client_frame(true, Opcode::Text, b"after"));
    let (events, error) = feed(&mut conn, &bytes);
    assert_eq!((events, error), (vec![Event::Close(None)], None));
    let (events, _) = feed(&mut conn, &client_frame(true, Opcode::Text, b"later"));
    assert!(events.is_empty());
}

#[test]
fn close_in_the_middle_of_a_fragmented_message_frees_the_fragments() {
    // Found by fuzzing (fuzz/regressions/*/close-during-fragmented-message).
    let mut conn = server(Config::default());
    let mut bytes = client_frame(false, Opcode::Text, b"ab");
    bytes.extend(client_frame(true, Opcode::Close, b""));
    for byte in &bytes {
        feed(&mut conn, std::slice::from_ref(byte));
    }
    assert!(conn.is_closed());
    assert_eq!(conn.buffered_len(), 0);
}

#[test]
fn the_peers_close_frame_is_kept_by_the_connection() {
    let mut conn = server(Config::default());
    assert_eq!(conn.peer_close(), None);
    let frame = client_frame(true, Opcode::Close, &close_payload(4001, b"bye"));
    let (events, error) = feed(&mut conn, &frame);
    assert_eq!(error, None);
    let expected = CloseFrame::new(CloseCode(4001), "bye");
    assert_eq!(events, vec![Event::Close(Some(expected.clone()))]);
    assert_eq!(conn.peer_close(), Some(&expected));
}

#[test]
fn a_close_frame_without_a_code_is_kept_as_1005() {
    let mut conn = client(Config::default());
    conn.close(None).unwrap();
    let (events, _) = feed(&mut conn, &server_frame(true, Opcode::Close, b""));
    assert_eq!(events, vec![Event::Close(None)]);
    assert_eq!(
        conn.peer_close(),
        Some(&CloseFrame::new(CloseCode::NO_STATUS, ""))
    );
}

#[test]
fn a_reset_after_a_clean_close_loses_nothing() {
    let mut conn = client(Config::default());
    conn.close(None).unwrap();
    feed(
        &mut conn,
        &server_frame(true, Opcode::Close, &close_payload(1000, b"")),
    );
    assert_eq!(conn.state(), State::Closed);
    assert_eq!(conn.receive_reset(), Ok(()));
    assert!(conn.should_close_transport());
}

#[test]
fn a_reset_before_the_close_handshake_is_an_unexpected_eof_and_drops_the_output() {
    let mut conn = server(Config::default());
    conn.send_text("unwritten").unwrap();
    assert_eq!(conn.receive_reset(), Err(ConnectionError::UnexpectedEof));
    assert_eq!(conn.state(), State::Failed);
    assert!(
        !conn.wants_write(),
        "nothing can be written to a reset transport"
    );
    assert!(conn.should_close_transport());
    // The failure was reported once; a second reset only says so.
    assert_eq!(conn.receive_reset(), Ok(()));
}
