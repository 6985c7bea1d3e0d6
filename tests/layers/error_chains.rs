//! Every error of the crate, walked down its `source()` chain as `anyhow`
//! and `eyre` print it: no message repeats its cause's (a Display that
//! includes the inner text does not also return it as the source).

use crate::common;

use std::error::Error as StdError;

use common::frame;
use rfc6455::frame::Opcode;
use rfc6455::handshake::{HandshakeError, HeaderField, Misuse, RequestError, ResponseError};
use rfc6455::{Config, Connection, ConnectionError, Message, layer};

/// Each message of `error`'s chain, from the top.
fn chain(error: &(dyn StdError + 'static)) -> Vec<String> {
    let mut messages = vec![error.to_string()];
    let mut next = error.source();
    while let Some(cause) = next {
        messages.push(cause.to_string());
        next = cause.source();
    }
    messages
}

/// No message in the chain contains the next one; and as anyhow prints
/// the chain ("Caused by"), each message is there once.
fn assert_says_each_thing_once<E: StdError + Send + Sync + 'static>(error: E) {
    let messages = chain(&error);
    for pair in messages.windows(2) {
        assert!(
            !pair[0].contains(&pair[1]),
            "{:?} repeats its source {:?}",
            pair[0],
            pair[1]
        );
    }
    let printed = format!("{:?}", anyhow::Error::from(error));
    for message in &messages {
        assert_eq!(printed.matches(message.as_str()).count(), 1, "{printed}");
    }
}

/// A server that gets an unmasked frame: a protocol violation.
fn protocol_violation() -> ConnectionError {
    let mut server = Connection::server(Config::default());
    server.receive(&frame(true, 0, Opcode::Text, None, b"hi"));
    server.next_event().expect_err("an unmasked client frame")
}

/// A refused TCP connect, as the blocking layer reports it.
fn refused_connect() -> layer::Error {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let options = layer::ClientOptions::new(&format!("ws://127.0.0.1:{port}/")).no_proxy();
    rfc6455::blocking::connect_with(options).unwrap_err()
}

#[test]
fn layer_errors_say_each_thing_once() {
    let io = refused_connect();
    assert!(matches!(io, layer::Error::Io(_)), "{io:?}");
    assert_says_each_thing_once(io);
    assert_says_each_thing_once(layer::Error::from(protocol_violation()));
    assert_says_each_thing_once(layer::Error::from(RequestError::MissingKey));
    assert_says_each_thing_once(layer::Error::from(ResponseError::InvalidAcceptKey));
    assert_says_each_thing_once(layer::Error::from(Misuse::InvalidUrl));
    // A layer error inside an I/O error, as a user's Read impl might wrap it.
    assert_says_each_thing_once(std::io::Error::other(refused_connect()));
}

#[test]
fn under_a_context_the_printed_chain_names_the_layer_error_once() {
    let printed = format!(
        "{:?}",
        anyhow::Error::from(refused_connect()).context("joining the chat")
    );
    let (context, causes) = printed.split_once("\n\nCaused by:\n").unwrap();
    assert_eq!(context, "joining the chat");
    let causes: Vec<&str> = causes
        .lines()
        .map(str::trim)
        .take_while(|line| !line.is_empty())
        .collect();
    assert_eq!(causes.len(), 1, "{printed}");
    assert!(causes[0].starts_with("transport error: "), "{printed}");
}

#[test]
fn core_errors_say_each_thing_once() {
    let violation = protocol_violation();
    assert!(violation.protocol_error().is_some());
    assert_says_each_thing_once(violation);
    assert_says_each_thing_once(rfc6455::Error::from(violation));
    let mut closed = Connection::client(Config::default());
    closed.close(None).unwrap();
    let unsent = closed.send(Message::from("late")).unwrap_err();
    assert_says_each_thing_once(rfc6455::Error::from(unsent.refused()));
    assert_says_each_thing_once(unsent.clone());
    assert_says_each_thing_once(layer::Error::from(unsent));
}

#[test]
fn handshake_errors_say_each_thing_once() {
    let errors = [
        HandshakeError::from(RequestError::DuplicateHeader(HeaderField::Host)),
        HandshakeError::from(ResponseError::Rejected(403)),
        HandshakeError::from(Misuse::AlreadyComplete),
    ];
    for error in errors {
        assert_says_each_thing_once(error);
        assert_says_each_thing_once(rfc6455::Error::from(error));
    }
}
