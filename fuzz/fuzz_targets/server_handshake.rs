//! Arbitrary bytes fed, in fuzz-chosen pieces and under fuzz-chosen limits
//! (see `rfc6455_fuzz::HandshakeSetup`), to the server's request reader.
//!
//! Checks: no panic; the reader never holds more than `max_handshake_size`
//! bytes without failing; the same outcome whole, in pieces, and through
//! `Request::parse`; a request that parses keeps exactly the bytes after its
//! head, and accepting it (plainly, or echoing its first subprotocol and its
//! extension offers) gives a `101` with the right `Sec-WebSocket-Accept`;
//! a refusal has a well-formed error response.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rfc6455::handshake::{Accept, HandshakeError, Parsed, Request, ServerHandshake, accept_key};
use rfc6455::{Config, Role};
use rfc6455_fuzz::{HandshakeRun, HandshakeSetup, drain, feed_handshake, header_list};

/// Everything a request shows, to compare two readings.
#[derive(Debug, PartialEq)]
struct Summary {
    head: Vec<u8>,
    target: String,
    path: String,
    query: Option<String>,
    host: String,
    origin: Option<String>,
    key: String,
    protocols: Vec<String>,
    extensions: Vec<String>,
    headers: Vec<(String, Vec<u8>)>,
    leftover: Vec<u8>,
}

impl Summary {
    fn of(request: &Request) -> Summary {
        Summary {
            head: request.as_bytes().to_vec(),
            target: request.target().to_owned(),
            path: request.path().to_owned(),
            query: request.query().map(str::to_owned),
            host: request.host().to_owned(),
            origin: request.origin().map(str::to_owned),
            key: request.key().to_owned(),
            protocols: request.protocols().map(str::to_owned).collect(),
            extensions: request.extensions().map(str::to_owned).collect(),
            headers: header_list(request.headers()),
            leftover: request.leftover().to_vec(),
        }
    }
}

/// A run's outcome, with the bytes fed after a request counted as leftover.
fn summarize(run: &HandshakeRun<Request>) -> Option<Result<Summary, HandshakeError>> {
    run.outcome.as_ref().map(|outcome| match outcome {
        Ok(request) => {
            let mut summary = Summary::of(request);
            summary.leftover.extend_from_slice(&run.after);
            Ok(summary)
        }
        Err(e) => Err(*e),
    })
}

fn read(config: &Config, bytes: &[u8], sizes: &[usize]) -> HandshakeRun<Request> {
    let mut reader = ServerHandshake::new(config.clone());
    feed_handshake(bytes, sizes, config.max_handshake_size, |piece| {
        reader.receive(piece)
    })
}

fn check_request(request: &Request, config: &Config, input: &[u8]) {
    let head = request.as_bytes();
    assert!(head.len() <= config.max_handshake_size);
    assert!(request.headers().count() <= config.max_headers);
    // Empty lines before the request line are allowed (RFC 9112 section 2.2).
    let start = head
        .iter()
        .position(|b| !b"\r\n".contains(b))
        .unwrap_or(head.len());
    assert!(head[start..].starts_with(b"GET ") && head.ends_with(b"\n"));
    assert_eq!(
        [head, request.leftover()].concat(),
        input,
        "head + leftover is not the input"
    );
    assert!(request.path().starts_with('/'));
    assert_eq!(request.key().len(), 24);
    assert!(!request.host().is_empty());

    let accept_line = format!(
        "\r\nSec-WebSocket-Accept: {}\r\n",
        accept_key(request.key().as_bytes())
    );
    let plain = accept_ok(request, Accept::default(), config);
    assert!(contains(&plain, accept_line.as_bytes()), "wrong accept key");

    // Everything the client offered can be accepted back.
    let mut accept = Accept::default();
    if let Some(first) = request.protocols().next() {
        accept = accept.protocol(first);
    }
    for extension in request.extensions() {
        accept = accept.extension(extension);
    }
    let full = accept_ok(request, accept, config);
    if let Some(first) = request.protocols().next() {
        let line = format!("\r\nSec-WebSocket-Protocol: {first}\r\n");
        assert!(
            contains(&full, line.as_bytes()),
            "selected protocol missing"
        );
    }
}

/// Accepts `request` (which must succeed) and checks the response, and that
/// the connection has the `config` the reader was made with.
fn accept_ok(request: &Request, accept: Accept, config: &Config) -> Vec<u8> {
    let (response, mut conn) = match request.clone().accept(accept) {
        Ok(accepted) => accepted,
        Err(e) => panic!("accepting {request:?} failed: {e:?}"),
    };
    assert!(
        response.starts_with(b"HTTP/1.1 101 "),
        "{:?}",
        String::from_utf8_lossy(&response)
    );
    assert!(response.ends_with(b"\r\n\r\n"));
    assert_eq!(conn.role(), Role::Server);
    assert_eq!(conn.config(), config);
    // The connection starts with the bytes pipelined after the request.
    let _ = drain(&mut conn);
    response
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fuzz_target!(|data: &[u8]| {
    let Some((setup, bytes)) = HandshakeSetup::parse(data) else {
        return;
    };
    let config = &setup.config;
    let chunked = read(config, bytes, &setup.piece_sizes);
    let whole = read(config, bytes, &[]);
    assert_eq!(
        summarize(&whole),
        summarize(&chunked),
        "whole and in pieces differ"
    );

    // The stateless parser agrees, and says how much the head took.
    match (Request::parse(bytes, config), &whole.outcome) {
        (Ok(Parsed::Partial), None) => {}
        (Ok(Parsed::Complete { request, consumed }), Some(Ok(whole))) => {
            assert!(request.leftover().is_empty());
            assert_eq!(consumed, whole.as_bytes().len());
            let mut summary = Summary::of(&request);
            summary.leftover = bytes[consumed..].to_vec();
            assert_eq!(summary, Summary::of(whole));
        }
        (Err(e), Some(Err(whole))) => assert_eq!(HandshakeError::Request(e), *whole),
        (parsed, whole) => panic!("Request::parse gave {parsed:?}, the reader {whole:?}"),
    }

    match &whole.outcome {
        Some(Ok(request)) => check_request(request, config, bytes),
        Some(Err(e)) => {
            // Only the request can be at fault, and every fault has a status.
            let HandshakeError::Request(e) = e else {
                panic!("not a request error: {e:?}");
            };
            let response = e.response();
            let status_line = format!("HTTP/1.1 {} ", e.status());
            assert!(response.starts_with(status_line.as_bytes()));
            assert!(contains(&response, b"\r\n\r\n"));
        }
        None => assert!(bytes.len() <= config.max_handshake_size),
    }
});
