//! The blocking layer over real loopback sockets: layer against layer,
//! refusals, plain HTTP on a WebSocket port, and the timers against raw
//! peers that misbehave on purpose.

use crate::common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use common::*;
use rfc6455::blocking;
use rfc6455::frame::Opcode;
use rfc6455::handshake::{Accept, HandshakeError, RequestError, ServerHandshake};
use rfc6455::layer::{self, Answer, ClientOptions, ServerOptions, Upgrade};
use rfc6455::{Config, ConnectionError, Message};

fn listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    (listener, url)
}

/// An echo server for one connection that picks the first of its
/// subprotocols the client offered.
fn echo_once(listener: TcpListener) -> thread::JoinHandle<Result<(), layer::Error>> {
    thread::spawn(move || {
        let (stream, _) = listener.accept()?;
        let upgrade = blocking::accept_with(stream, ServerOptions::default(), |request| {
            match request.first_protocol_in(&["xmpp", "soap"]) {
                Some(protocol) => Answer::accept_protocol(protocol),
                None => Answer::accept(),
            }
        })?;
        let Upgrade::WebSocket(mut ws) = upgrade else {
            panic!("not an upgrade");
        };
        while let Some(message) = ws.read()? {
            ws.send(message)?;
        }
        Ok(())
    })
}

fn short_timers(ms: u64) -> Config {
    let mut config = Config::default();
    config.ping_interval = Some(Duration::from_millis(ms));
    config.ping_timeout = Some(Duration::from_millis(ms));
    config.close_timeout = Some(Duration::from_millis(ms));
    config
}

#[test]
fn a_blocking_client_and_server_echo_and_close_cleanly() {
    let (listener, url) = listener();
    let server = echo_once(listener);
    let options = ClientOptions::new(&format!("{url}/echo")).protocols(["soap", "xmpp"]);
    let (mut ws, response) = blocking::connect_with(options).unwrap();
    assert_eq!(ws.protocol(), Some("xmpp"));
    assert_eq!(
        response.header("sec-websocket-protocol"),
        Some(&b"xmpp"[..])
    );
    let big: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
    for message in [
        Message::from("Ping"),
        Message::from(vec![0u8, 1, 2]),
        Message::from(big),
    ] {
        ws.send(message.clone()).unwrap();
        assert_eq!(ws.read().unwrap(), Some(message));
    }
    ws.close().unwrap();
    assert_eq!(ws.read().unwrap(), None);
    server.join().unwrap().unwrap();
}

#[test]
fn a_refused_upgrade_is_an_error_with_status_and_headers() {
    let (listener, url) = listener();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let upgrade = blocking::accept_with(stream, ServerOptions::default(), |request| {
            assert_eq!(request.path(), "/private");
            Answer::reject(403, "no entry")
        })
        .unwrap();
        assert!(matches!(upgrade, Upgrade::Rejected(403)));
    });
    let error = blocking::connect(&format!("{url}/private")).unwrap_err();
    let rejection = error.rejection().expect("a rejection");
    assert_eq!(rejection.status(), 403);
    assert_eq!(rejection.header("connection"), Some(&b"close"[..]));
    assert!(error.to_string().contains("403"), "{error}");
    server.join().unwrap();
}

#[test]
fn a_plain_http_request_is_handed_back_with_its_bytes() {
    let (listener, _) = listener();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let upgrade = blocking::accept_with(stream, ServerOptions::default(), |_| {
            panic!("not an upgrade, so never asked")
        })
        .unwrap();
        let Upgrade::Http(mut http) = upgrade else {
            panic!("expected a plain request");
        };
        assert_eq!(http.method_and_target(), Some(("GET", "/index.html")));
        assert!(http.bytes.ends_with(b"\r\n\r\n"));
        http.stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
            .unwrap();
    });
    let mut client = TcpStream::connect(addr).unwrap();
    client
        .write_all(b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    client.read_to_string(&mut reply).unwrap();
    assert!(
        reply.starts_with("HTTP/1.1 200 OK") && reply.ends_with("hi"),
        "{reply}"
    );
    server.join().unwrap();
}

#[test]
fn accept_answers_a_plain_request_with_an_error_response() {
    let (listener, _) = listener();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        blocking::accept(stream).unwrap_err()
    });
    let mut client = TcpStream::connect(addr).unwrap();
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    client.read_to_string(&mut reply).unwrap();
    assert!(
        reply.starts_with("HTTP/1.1 426 Upgrade Required"),
        "{reply}"
    );
    assert!(reply.contains("\r\nUpgrade: websocket\r\n"), "{reply}");
    let error = server.join().unwrap();
    assert!(matches!(
        error,
        layer::Error::Handshake(HandshakeError::Request(RequestError::MissingUpgrade))
    ));
}

/// A raw server: completes the handshake with the core, then hands the
/// socket to `then`.
fn raw_server(then: impl FnOnce(TcpStream) + Send + 'static) -> (String, thread::JoinHandle<()>) {
    let (listener, url) = listener();
    let handle = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut handshake = ServerHandshake::new(Config::default());
        let mut buf = [0; 4096];
        let request = loop {
            let n = stream.read(&mut buf).unwrap();
            if let Some(request) = handshake.receive(&buf[..n]).unwrap() {
                break request;
            }
        };
        let (response, _) = request.accept(Accept::default()).unwrap();
        stream.write_all(&response).unwrap();
        then(stream);
    });
    (url, handle)
}

/// Reads frames from `stream` until one with `opcode` arrives (or EOF).
fn wait_for_frame(stream: &mut TcpStream, opcode: Opcode) -> Option<Vec<u8>> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut wire = Vec::new();
    let mut buf = [0; 4096];
    loop {
        let mut rest = &wire[..];
        while let Ok(rfc6455::frame::Decoded::Complete { header, len }) =
            rfc6455::frame::Header::decode(rest)
        {
            let end = len + header.payload_len as usize;
            if rest.len() < end {
                break;
            }
            let mut payload = rest[len..end].to_vec();
            if let Some(key) = header.mask {
                rfc6455::mask::apply(&mut payload, key, 0);
            }
            if header.opcode == opcode {
                return Some(payload);
            }
            rest = &rest[end..];
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => wire.extend_from_slice(&buf[..n]),
        }
    }
}

#[test]
fn a_client_whose_server_never_closes_tcp_is_done_after_the_close_timeout() {
    let (url, server) = raw_server(|mut stream| {
        stream
            .write_all(&server_frame(true, Opcode::Close, b"\x03\xe8"))
            .unwrap();
        // Never close: hold the socket until the client has gone.
        let _ = wait_for_frame(&mut stream, Opcode::Text);
    });
    let options = ClientOptions::new(&url).config(short_timers(300));
    let (mut ws, _) = blocking::connect_with(options).unwrap();
    let started = Instant::now();
    assert_eq!(ws.read().unwrap(), None, "a clean close");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(250), "{waited:?}");
    assert!(waited < Duration::from_secs(5), "{waited:?}");
    server.join().unwrap();
}

#[test]
fn a_peer_that_never_answers_pings_gets_1011_after_the_ping_timeout() {
    let (url, server) = raw_server(|mut stream| {
        assert_eq!(
            wait_for_frame(&mut stream, Opcode::Ping).map(|p| p.len()),
            Some(8)
        );
        let close = wait_for_frame(&mut stream, Opcode::Close).expect("a close frame");
        assert_eq!(close[..2], 1011u16.to_be_bytes());
    });
    let options = ClientOptions::new(&url).config(short_timers(200));
    let (mut ws, _) = blocking::connect_with(options).unwrap();
    let started = Instant::now();
    let error = ws.read().unwrap_err();
    assert!(
        matches!(
            error,
            layer::Error::Connection(ConnectionError::KeepaliveTimeout)
        ),
        "{error}"
    );
    assert!(started.elapsed() >= Duration::from_millis(350));
    server.join().unwrap();
}

#[test]
fn a_connection_that_only_reads_still_answers_pings() {
    let (url, server) = raw_server(|mut stream| {
        stream
            .write_all(&server_frame(true, Opcode::Ping, b"are you there"))
            .unwrap();
        assert_eq!(
            wait_for_frame(&mut stream, Opcode::Pong).as_deref(),
            Some(&b"are you there"[..])
        );
        stream
            .write_all(&server_frame(true, Opcode::Text, b"thanks"))
            .unwrap();
        let _ = wait_for_frame(&mut stream, Opcode::Close);
    });
    let (mut ws, _) = blocking::connect(&url).unwrap();
    assert_eq!(ws.read().unwrap(), Some(Message::from("thanks")));
    drop(ws);
    server.join().unwrap();
}

#[test]
fn a_client_that_never_finishes_its_request_is_cut_at_the_open_timeout() {
    let (listener, _) = listener();
    let addr = listener.local_addr().unwrap();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let started = Instant::now();
        let options = ServerOptions::default().open_timeout(Some(Duration::from_millis(300)));
        let result = blocking::accept_with(stream, options, |_| Answer::accept());
        (result.map(|_| ()), started.elapsed())
    });
    let mut client = TcpStream::connect(addr).unwrap();
    // Slowloris: a byte now and then, never the end of the head.
    for byte in b"GET / HTTP/1.1\r\nHost: x\r\n" {
        if client.write_all(&[*byte]).is_err() {
            break;
        }
        thread::sleep(Duration::from_millis(20));
    }
    let (result, waited) = server.join().unwrap();
    assert!(
        matches!(result, Err(layer::Error::OpenTimeout)),
        "{result:?}"
    );
    assert!(waited < Duration::from_secs(3), "{waited:?}");
}

#[cfg(not(feature = "rustls"))]
#[test]
fn wss_urls_are_refused_at_once_without_the_rustls_feature() {
    // Port 1: nothing listens, but no connection is even tried.
    let error = blocking::connect("wss://127.0.0.1:1/").unwrap_err();
    let layer::Error::Io(error) = error else {
        panic!("expected an I/O error, got {error:?}")
    };
    assert_eq!(error.kind(), std::io::ErrorKind::Unsupported);
    assert!(
        error
            .to_string()
            .contains("enable the rustls feature of rfc6455"),
        "{error}"
    );
}

#[test]
fn a_client_whose_server_never_reads_is_cut_at_the_write_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("ws://{}/", listener.local_addr().unwrap());
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let ws = blocking::accept(stream).unwrap();
        // Holds the connection and reads nothing until the client gives up.
        thread::sleep(Duration::from_secs(2));
        drop(ws);
    });
    let timeout = Duration::from_millis(300);
    let options = ClientOptions::new(&url)
        .write_timeout(Some(timeout))
        .no_proxy();
    let (mut ws, _) = blocking::connect_with(options).unwrap();
    // Incompressible, in case permessage-deflate was negotiated.
    let message = Message::Binary(noise(1, 1 << 20).into());
    let started = Instant::now();
    // Loopback buffers take a few MiB; then a write makes no progress.
    let error = (0..256)
        .find_map(|_| ws.send(message.clone()).err())
        .expect("256 MiB went into a peer that reads nothing");
    assert!(matches!(error, layer::Error::WriteTimeout), "{error:?}");
    assert!(started.elapsed() >= timeout);
    assert!(started.elapsed() < Duration::from_secs(2));
    // The transport is closed: nothing more is sent.
    assert!(ws.send(Message::from("after")).is_err());
    server.join().unwrap();
}
