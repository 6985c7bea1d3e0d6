//! A refused upgrade (or tunnel) as both layers' clients report it, from
//! servers on 127.0.0.1: the Display carries the status, a safe excerpt of
//! the body and only the hints the status supports; the whole head and
//! body stay on the error.
#![cfg(feature = "tokio")]

use crate::net;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use net::both_clients_fail;
use rfc6455::blocking;
use rfc6455::handshake::Rejection;
use rfc6455::layer::{self, Answer, ClientOptions, ServerOptions, Upgrade};

const BOUND: Duration = Duration::from_secs(10);

fn client(url: &str) -> ClientOptions {
    ClientOptions::new(url).no_proxy().open_timeout(Some(BOUND))
}

/// A server of raw bytes for `connections` connections, each on a thread
/// of its own: reads the request's head, writes `pieces` one by one
/// (apart, so that the client reads them apart), then waits `linger`
/// before it closes.
fn raw_server(
    pieces: Vec<Vec<u8>>,
    connections: usize,
    linger: Duration,
) -> (String, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/chat", listener.local_addr().unwrap());
    let thread = thread::spawn(move || {
        let served: Vec<_> = (0..connections)
            .map(|_| {
                let (mut tcp, _) = listener.accept().unwrap();
                let pieces = pieces.clone();
                thread::spawn(move || {
                    tcp.set_read_timeout(Some(BOUND)).unwrap();
                    read_head(&mut tcp);
                    for piece in &pieces {
                        if tcp.write_all(piece).is_err() {
                            break;
                        }
                        thread::sleep(Duration::from_millis(20));
                    }
                    thread::sleep(linger);
                })
            })
            .collect();
        for connection in served {
            connection.join().unwrap();
        }
    });
    (url, thread)
}

fn read_head(tcp: &mut TcpStream) {
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") && matches!(tcp.read(&mut byte), Ok(1)) {
        head.push(byte[0]);
    }
}

fn rejection(error: &layer::Error) -> &Rejection {
    error
        .rejection()
        .unwrap_or_else(|| panic!("not a rejection: {error:?}"))
}

#[test]
fn a_400_with_a_body_shows_the_body_and_no_proxy_hint_from_both_clients() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/chat", listener.local_addr().unwrap());
    let server = thread::spawn(move || {
        for _ in 0..2 {
            let (tcp, _) = listener.accept().unwrap();
            tcp.set_read_timeout(Some(BOUND)).unwrap();
            let upgrade = blocking::accept_with(tcp, ServerOptions::default(), |_| {
                Answer::reject(400, "missing subprotocol")
            })
            .unwrap();
            assert!(matches!(upgrade, Upgrade::Rejected(400)));
        }
    });
    for error in both_clients_fail(client(&url)) {
        let text = error.to_string();
        assert_eq!(
            text,
            "the server refused the upgrade: 400 Bad Request, saying \"missing subprotocol\""
        );
        assert!(!text.contains("proxy"), "{text}");
        let rejection = rejection(&error);
        assert_eq!(
            (rejection.status(), rejection.reason()),
            (400, "Bad Request")
        );
        assert_eq!(rejection.body(), b"missing subprotocol");
        assert!(rejection.is_body_whole());
        assert!(rejection.headers().any(|(name, _)| name == "Content-Type"));
    }
    server.join().unwrap();
}

#[test]
fn a_426_names_the_version_the_server_asks_for() {
    let response = b"HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 8\r\n\
                     Content-Length: 0\r\n\r\n";
    let (url, server) = raw_server(vec![response.to_vec()], 2, Duration::ZERO);
    for error in both_clients_fail(client(&url)) {
        let text = error.to_string();
        assert!(text.contains("426 Upgrade Required"), "{text}");
        assert!(text.contains("Sec-WebSocket-Version 8"), "{text}");
        assert!(text.contains("speaks 13"), "{text}");
        assert!(!text.contains("reverse proxy"), "{text}");
    }
    server.join().unwrap();
}

#[test]
fn a_426_without_another_version_points_at_a_proxy_that_dropped_the_upgrade() {
    let response = b"HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\n\
                     Sec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n";
    let (url, server) = raw_server(vec![response.to_vec()], 2, Duration::ZERO);
    for error in both_clients_fail(client(&url)) {
        let text = error.to_string();
        assert!(text.contains("reverse proxy"), "{text}");
    }
    server.join().unwrap();
}

#[test]
fn a_redirect_says_where_it_points() {
    let response = b"HTTP/1.1 302 Found\r\nLocation: ws://elsewhere.test/chat\r\n\
                     Content-Length: 0\r\n\r\n";
    let (url, server) = raw_server(vec![response.to_vec()], 2, Duration::ZERO);
    for error in both_clients_fail(client(&url)) {
        let text = error.to_string();
        assert!(
            text.ends_with("(it redirects to ws://elsewhere.test/chat: connect to that URL)"),
            "{text}"
        );
        assert_eq!(
            rejection(&error).header("location"),
            Some(&b"ws://elsewhere.test/chat"[..])
        );
    }
    server.join().unwrap();
}

/// 10 KiB of text with a terminal escape, a NUL, invalid UTF-8 and a
/// bidirectional override in its first line.
fn hostile_body() -> Vec<u8> {
    let mut body = b"bad \x1b[31mred\x1b[0m \x00 \xff\xfe \xe2\x80\xae evil\r\n".to_vec();
    while body.len() < 10 * 1024 {
        body.extend_from_slice(b"0123456789abcdef");
    }
    body.truncate(10 * 1024);
    body
}

/// The excerpt the Display shows: what is between the quotes.
fn excerpt(text: &str) -> &str {
    let start = text.find('"').unwrap() + 1;
    &text[start..text.rfind('"').unwrap()]
}

fn assert_sanitised_and_capped(error: &layer::Error, body: &[u8]) {
    let text = error.to_string();
    let shown = excerpt(&text);
    assert!(
        shown.starts_with("bad �[31mred�[0m � �� � evil 0123"),
        "{shown}"
    );
    assert!(!shown.chars().any(char::is_control), "{shown:?}");
    assert!(shown.ends_with('…'), "{shown}");
    assert_eq!(shown.chars().count(), 201, "{shown}");
    let rejection = rejection(error);
    assert_eq!(rejection.body(), body, "the whole body stays on the error");
    assert!(rejection.is_body_whole());
}

#[test]
fn a_long_hostile_body_is_shown_sanitised_and_capped_and_kept_whole() {
    let body = hostile_body();
    let mut head = format!(
        "HTTP/1.1 403 Forbidden\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    head.extend_from_slice(&body[..100]);
    let pieces = vec![head, body[100..6000].to_vec(), body[6000..].to_vec()];
    let (url, server) = raw_server(pieces, 2, Duration::ZERO);
    for error in both_clients_fail(client(&url)) {
        assert_sanitised_and_capped(&error, &body);
    }
    server.join().unwrap();
}

#[test]
fn a_chunked_body_is_decoded_across_reads() {
    let body = hostile_body();
    let mut wire = b"HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for chunk in body.chunks(3000) {
        wire.extend_from_slice(format!("{:x};ext=1\r\n", chunk.len()).as_bytes());
        wire.extend_from_slice(chunk);
        wire.extend_from_slice(b"\r\n");
    }
    wire.extend_from_slice(b"0\r\n\r\n");
    // Split anywhere, the size lines and CRLFs too.
    let pieces = wire.chunks(1777).map(<[u8]>::to_vec).collect();
    let (url, server) = raw_server(pieces, 2, Duration::ZERO);
    for error in both_clients_fail(client(&url)) {
        assert_sanitised_and_capped(&error, &body);
    }
    server.join().unwrap();
}

#[test]
fn a_body_that_never_ends_is_reported_with_what_came_within_a_short_wait() {
    // No length and the connection kept open: the body has no end.
    let response = b"HTTP/1.1 503 Service Unavailable\r\n\r\ncome back later".to_vec();
    let (url, server) = raw_server(vec![response], 2, Duration::from_secs(5));
    let started = Instant::now();
    for error in both_clients_fail(client(&url)) {
        let rejection = rejection(&error);
        assert_eq!(rejection.body(), b"come back later");
        assert!(!rejection.is_body_whole());
        assert!(error.to_string().contains("\"come back later\""), "{error}");
    }
    // Two clients, each waiting about two seconds, far below the bound.
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    server.join().unwrap();
}

#[test]
fn a_proxy_refusal_shows_its_body_and_hint() {
    // The body is cut short: the proxy closes before its length.
    let response =
        b"HTTP/1.1 403 Forbidden\r\nContent-Length: 40\r\n\r\nCONNECT to port 9 not allowed";
    let (proxy_url, proxy) = raw_server(vec![response.to_vec()], 2, Duration::ZERO);
    let proxy_url = proxy_url.replace("ws://", "http://").replace("/chat", "");
    let options = ClientOptions::new("ws://127.0.0.1:9/chat")
        .proxy(&proxy_url)
        .open_timeout(Some(BOUND));
    for error in both_clients_fail(options) {
        let refusal = error.proxy_refusal().unwrap_or_else(|| panic!("{error:?}"));
        assert_eq!(refusal.body(), b"CONNECT to port 9 not allowed");
        assert!(!refusal.is_body_whole());
        let text = error.to_string();
        assert!(
            text.starts_with(
                "the proxy refused the tunnel: 403 Forbidden, saying \"CONNECT to port 9 not allowed\""
            ),
            "{text}"
        );
        assert!(text.contains("NO_PROXY"), "{text}");
    }
    proxy.join().unwrap();
}
