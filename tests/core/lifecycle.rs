//! One lifecycle (open, closing, closed, failed), checked at every entry
//! point: what each state refuses, and that nothing comes back.

use crate::common;

use bytes::Bytes;
use common::*;
use proptest::prelude::*;
use rfc6455::frame::Opcode;
use rfc6455::handshake::{Accept, ClientRequest, Response, ServerHandshake};
use rfc6455::{
    CloseCode, CloseFrame, Config, ConnectionError, DataKind, Message, ProtocolError, Refused,
    State,
};

/// Every way of queueing something, each tried on `conn`: sends, pings and
/// pongs must refuse with `NotOpen(state)`; `close` has nothing left to do
/// and is a no-op. None may queue anything.
fn assert_every_send_refused(conn: &mut rfc6455::Connection, state: State) {
    let refused = Refused::NotOpen(state);
    conn.take_output();
    let unsent = conn.send(Message::from("late")).unwrap_err();
    assert_eq!(unsent.refused(), refused);
    assert_eq!(
        unsent.into_message(),
        Message::from("late"),
        "the message comes back"
    );
    assert_eq!(conn.send_text("late"), Err(refused));
    assert_eq!(conn.send_binary(b"late"), Err(refused));
    assert_eq!(
        conn.send_fragment(DataKind::Binary, Bytes::from_static(b"late"), true),
        Err(refused)
    );
    assert_eq!(conn.ping(b"late"), Err(refused));
    assert_eq!(conn.pong(b"late"), Err(refused));
    assert_eq!(conn.close(None), Ok(()));
    assert_eq!(
        conn.close(Some(CloseFrame::new(CloseCode::NORMAL, "again"))),
        Ok(())
    );
    assert_eq!(conn.state(), state, "a no-op close changed the state");
    assert!(!conn.wants_write(), "a refused call queued output");
}

#[test]
fn after_eof_fails_the_connection_every_send_is_refused_and_the_transport_stays_closable() {
    let mut conn = client(Config::default());
    assert_eq!(conn.receive_eof(), Err(ConnectionError::UnexpectedEof));
    assert_eq!(conn.state(), State::Failed);
    assert!(conn.should_close_transport());
    assert_every_send_refused(&mut conn, State::Failed);
    // Before the fix, close(None) queued a frame here and turned this false.
    assert!(conn.should_close_transport());
    assert_eq!(conn.next_event(), Ok(None));
}

#[test]
fn invalid_text_taken_by_reference_fails_the_connection_with_1007() {
    let mut conn = server(Config::default());
    let mut wire = client_frame(true, Opcode::Text, b"ok \xff bad");
    wire.extend(client_frame(true, Opcode::Text, b"never read"));
    conn.receive(&wire);
    assert_eq!(
        conn.next_event_ref().unwrap_err(),
        ProtocolError::InvalidUtf8.into()
    );
    assert_eq!(conn.state(), State::Failed);
    assert_eq!(close_code_sent(&conn.take_output()), Some(1007));
    assert_eq!(conn.next_event_ref(), Ok(None), "reads no further");
    assert_eq!(conn.buffered_len(), 0);
}

#[test]
fn this_end_closing_first_goes_open_closing_closed() {
    let mut conn = client(Config::default());
    assert_eq!(conn.state(), State::Open);
    conn.close(Some(CloseFrame::new(CloseCode::NORMAL, "bye")))
        .unwrap();
    assert_eq!(conn.state(), State::Closing);
    assert_every_send_refused(&mut conn, State::Closing);
    let (events, error) = feed(&mut conn, &server_frame(true, Opcode::Close, b"\x03\xe8"));
    assert_eq!(error, None);
    assert_eq!(events.len(), 1);
    assert_eq!(conn.state(), State::Closed);
    assert_every_send_refused(&mut conn, State::Closed);
}

#[test]
fn the_peer_closing_first_goes_straight_to_closed_with_the_reply_queued() {
    let mut conn = server(Config::default());
    let (_, error) = feed(&mut conn, &client_frame(true, Opcode::Close, b"\x03\xe9"));
    assert_eq!(error, None);
    assert_eq!(conn.state(), State::Closed);
    assert_eq!(close_code_sent(&conn.take_output()), Some(1001));
    assert_every_send_refused(&mut conn, State::Closed);
    assert!(conn.should_close_transport());
}

#[test]
fn a_protocol_violation_fails_and_refuses_sends() {
    let mut conn = server(Config::default());
    let (_, error) = feed(&mut conn, &server_frame(true, Opcode::Text, b"unmasked"));
    assert_eq!(error, Some(ProtocolError::UnmaskedFrame.into()));
    assert_eq!(conn.state(), State::Failed);
    assert_eq!(close_code_sent(&conn.take_output()), Some(1002));
    assert_every_send_refused(&mut conn, State::Failed);
    assert!(conn.should_close_transport());
}

#[test]
fn a_client_after_a_clean_close_waits_for_the_servers_eof() {
    let mut conn = client(Config::default());
    conn.close(None).unwrap();
    conn.take_output();
    feed(&mut conn, &server_frame(true, Opcode::Close, b""));
    assert_eq!(conn.state(), State::Closed);
    assert!(!conn.should_close_transport(), "the server closes first");
    assert_eq!(conn.receive_eof(), Ok(()));
    assert!(conn.should_close_transport());
    assert_eq!(conn.state(), State::Closed, "a clean close stays clean");
}

#[test]
fn a_full_output_gives_the_message_back_and_queues_nothing() {
    let mut config = Config::default();
    config.max_output_buffer = 100;
    let mut conn = server(config);
    conn.send(Message::Binary(Bytes::from(vec![1; 90])))
        .unwrap();
    let queued = conn.output().len();
    let refused = conn
        .send(Message::Binary(Bytes::from(vec![2; 20])))
        .unwrap_err();
    assert_eq!(refused.refused(), Refused::OutputBufferFull);
    assert_eq!(
        refused.into_message(),
        Message::Binary(Bytes::from(vec![2; 20]))
    );
    assert_eq!(conn.output().len(), queued);
    assert_eq!(conn.state(), State::Open, "a refusal changes nothing");
    conn.take_output();
    conn.send(Message::Binary(Bytes::from(vec![2; 20])))
        .unwrap();
}

#[test]
fn the_connection_remembers_the_subprotocol_and_extensions_agreed_on() {
    #[cfg_attr(not(feature = "deflate"), allow(unused_mut))]
    let mut config = Config::default();
    #[cfg(feature = "deflate")]
    {
        config.deflate.enabled = false;
    }
    let (request, mut handshake) = ClientRequest::new("ws://example.com/chat")
        .unwrap()
        .protocol("soap")
        .protocol("xmpp")
        .extension("x-test; a=1")
        .start_with_random(config.clone(), Box::new(TestRandom(7)))
        .unwrap();
    let request = ServerHandshake::new(config)
        .receive(&request)
        .unwrap()
        .unwrap();
    let chosen = request.first_protocol_in(&["xmpp", "soap"]).unwrap();
    let (response, server) = request
        .accept(Accept::default().protocol(chosen).extension("x-test; a=1"))
        .unwrap();
    assert_eq!(server.protocol(), Some("xmpp"));
    assert_eq!(server.extensions().collect::<Vec<_>>(), ["x-test; a=1"]);
    let Some(Response::Accepted(accepted)) = handshake.receive(&response).unwrap() else {
        panic!("not accepted");
    };
    let client = accepted.into_connection();
    assert_eq!(client.protocol(), Some("xmpp"));
    assert_eq!(client.extensions().collect::<Vec<_>>(), ["x-test; a=1"]);
}

#[test]
fn a_connection_made_without_a_handshake_negotiated_nothing() {
    let conn = server(Config::default());
    assert_eq!(conn.protocol(), None);
    assert_eq!(conn.extensions().len(), 0);
    assert_eq!(conn.with_protocol("chat").protocol(), Some("chat"));
}

/// One thing a caller can do to a connection.
#[derive(Debug, Clone)]
enum Step {
    /// Frames from the peer: a data message, a ping, a close, or garbage.
    Receive(u8),
    Eof,
    Send,
    Close,
    TakeOutput,
    Tick(u16),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0u8..4).prop_map(Step::Receive),
        1 => Just(Step::Eof),
        3 => Just(Step::Send),
        1 => Just(Step::Close),
        3 => Just(Step::TakeOutput),
        2 => any::<u16>().prop_map(Step::Tick),
    ]
}

fn peer_bytes(kind: u8) -> Vec<u8> {
    match kind {
        0 => client_frame(true, Opcode::Text, b"hello"),
        1 => client_frame(true, Opcode::Ping, b"p"),
        2 => client_frame(true, Opcode::Close, b"\x03\xe8"),
        _ => vec![0xFF, 0x80, 0, 0, 0, 0],
    }
}

fn rank(state: State) -> u8 {
    match state {
        State::Open => 0,
        State::Closing => 1,
        State::Closed | State::Failed => 2,
        _ => 3,
    }
}

proptest! {
    /// Whatever the caller and the peer do: the state only moves forward,
    /// sends are refused outside the open state, and once the connection
    /// says to close the transport it never takes that back.
    #[test]
    fn the_lifecycle_only_moves_forward(steps in proptest::collection::vec(step(), 1..40)) {
        let mut config = Config::default();
        config.ping_interval = Some(core::time::Duration::from_secs(5));
        config.ping_timeout = Some(core::time::Duration::from_secs(5));
        config.close_timeout = Some(core::time::Duration::from_secs(5));
        let mut conn = server(config);
        let mut now = 0u64;
        let mut told_to_close = false;
        for step in steps {
            let before = conn.state();
            match step {
                Step::Receive(kind) => {
                    let _ = feed(&mut conn, &peer_bytes(kind));
                }
                Step::Eof => {
                    let _ = conn.receive_eof();
                }
                Step::Send => {
                    let result = conn.send(Message::from("x"));
                    prop_assert_eq!(result.is_ok(), before == State::Open);
                }
                Step::Close => {
                    // Starts the close when open, a no-op after.
                    prop_assert_eq!(conn.close(None), Ok(()));
                    let closing = conn.state() != State::Open;
                    prop_assert!(closing, "still open after close");
                }
                Step::TakeOutput => {
                    conn.take_output();
                }
                Step::Tick(ms) => {
                    now += u64::from(ms) * 100;
                    let _ = conn.handle_timeout(rfc6455::Timestamp::from_duration(
                        core::time::Duration::from_millis(now),
                    ));
                }
            }
            prop_assert!(rank(conn.state()) >= rank(before), "{:?} -> {:?}", before, conn.state());
            if told_to_close {
                prop_assert!(conn.should_close_transport(), "took back should_close_transport");
            }
            told_to_close = conn.should_close_transport();
            if conn.state() != State::Open {
                prop_assert!(conn.send_text("no").is_err());
            }
        }
    }
}
