//! Compile-time guarantees: the types an embedder moves across threads are
//! `Send`, errors are thread-safe and `'static`, and no global state exists to
//! share (each connection owns all of its buffers).

use rfc6455::handshake::{Accepted, ClientHandshake, Request, Response, ServerHandshake};
use rfc6455::{CloseFrame, Config, Connection, Error, Event, Message, SendError};

fn assert_send<T: Send>() {}
fn assert_send_sync<T: Send + Sync + 'static>() {}

#[test]
fn connection_and_handshakes_can_move_between_threads() {
    assert_send::<Connection>();
    assert_send::<ServerHandshake>();
    assert_send::<ClientHandshake>();
    assert_send::<Request>();
    // They own the connection's random source until `into_connection`.
    assert_send::<Response>();
    assert_send::<Accepted>();
}

#[test]
fn values_are_send_and_sync() {
    assert_send_sync::<Error>();
    assert_send_sync::<SendError>();
    assert_send_sync::<Event>();
    assert_send_sync::<Message>();
    assert_send_sync::<CloseFrame>();
    assert_send_sync::<Config>();
}

#[test]
fn connections_on_different_threads_do_not_share_buffers() {
    let handles: Vec<_> = (0..4u8)
        .map(|i| {
            std::thread::spawn(move || {
                let mut server = Connection::server(Config::default());
                let mut client = Connection::client(Config::default());
                for n in 0..200u32 {
                    let payload = vec![i; (n % 50) as usize + 1];
                    client
                        .send(Message::Binary(payload.clone().into()))
                        .unwrap();
                    server.receive(&client.take_output());
                    match server.next_event().unwrap() {
                        Some(Event::Message(Message::Binary(b))) => assert_eq!(b, payload),
                        other => panic!("unexpected {other:?}"),
                    }
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
}

#[test]
fn error_is_small_and_cheap_to_move() {
    assert!(
        std::mem::size_of::<Error>() <= 24,
        "{}",
        std::mem::size_of::<Error>()
    );
}
