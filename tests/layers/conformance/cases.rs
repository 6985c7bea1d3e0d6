//! The cases, each generic over the layer: what both layers must do alike.

use std::io;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use rfc6455::layer::{self, Answer, ClientOptions, ServerOptions};
use rfc6455::{CloseCode, CloseFrame, Message, PreparedMessage, State};

use super::adapter::{Accepted, Handle, Layer};
use super::peers::{self, BOUND};

/// A client for `url`: no proxy from the environment, bounded.
fn client(url: &str) -> ClientOptions {
    ClientOptions::new(url).no_proxy().open_timeout(Some(BOUND))
}

/// A server thread: `accept_with` with `answer` on `listener`'s one
/// connection, then `then` on the outcome.
fn server<L: Layer, R: Send + 'static>(
    listener: std::net::TcpListener,
    options: ServerOptions,
    answer: impl FnMut(&rfc6455::handshake::Request) -> Answer + Send + 'static,
    then: impl FnOnce(Result<Accepted<L::Server>, layer::Error>) -> R + Send + 'static,
) -> thread::JoinHandle<R> {
    thread::spawn(move || {
        let tcp = peers::accept_one(&listener);
        then(L::accept_with(tcp, options, Box::new(answer)))
    })
}

/// The WebSocket of an accept that must have opened one.
fn opened<H>(accepted: Result<Accepted<H>, layer::Error>) -> H {
    match accepted {
        Ok(Accepted::WebSocket(ws)) => ws,
        Ok(Accepted::Http(_)) => panic!("a plain request, not an upgrade"),
        Ok(Accepted::Rejected(status)) => panic!("rejected with {status}"),
        Err(error) => panic!("accept failed: {error}"),
    }
}

/// Echoes until the peer closes.
fn echo(ws: &mut impl Handle) {
    while let Some(message) = ws.read().unwrap() {
        ws.send(message).unwrap();
    }
}

pub fn connect_and_echo<L: Layer>() {
    let (listener, url) = peers::listen();
    let server = thread::spawn(move || echo(&mut L::accept(peers::accept_one(&listener)).unwrap()));
    let (mut ws, _) = L::connect(client(&url)).unwrap();
    for message in [
        Message::from("Hello"),
        Message::from(Vec::<u8>::new()),
        Message::from((0..=255u8).cycle().take(200_000).collect::<Vec<u8>>()),
    ] {
        ws.send(message.clone()).unwrap();
        assert_eq!(ws.read().unwrap(), Some(message));
    }
    ws.close().unwrap();
    server.join().unwrap();
}

/// A prepared message from either end: the server's shared frame, the
/// client's masked copy.
pub fn a_prepared_message_goes_out_from_either_end<L: Layer>() {
    let (listener, url) = peers::listen();
    let prepared = PreparedMessage::new(Message::from("framed once"));
    let to_send = prepared.clone();
    let server = thread::spawn(move || {
        let mut ws = L::accept(peers::accept_one(&listener)).unwrap();
        ws.send_prepared(&to_send).unwrap();
        echo(&mut ws);
    });
    let (mut ws, _) = L::connect(client(&url)).unwrap();
    assert_eq!(ws.read().unwrap().as_ref(), Some(prepared.message()));
    ws.send_prepared(&prepared).unwrap();
    assert_eq!(ws.read().unwrap().as_ref(), Some(prepared.message()));
    ws.close().unwrap();
    server.join().unwrap();
}

pub fn a_rejection_reaches_the_client_with_its_status<L: Layer>() {
    let (listener, url) = peers::listen();
    let server = server::<L, _>(
        listener,
        ServerOptions::default(),
        |_| Answer::reject(403, "not here"),
        |accepted| matches!(accepted, Ok(Accepted::Rejected(403))),
    );
    let error = L::connect(client(&url)).map(|_| ()).unwrap_err();
    let rejection = error.rejection().expect("a rejection");
    assert_eq!(rejection.status(), 403, "{error}");
    assert!(server.join().unwrap(), "the server saw Rejected(403)");
}

const PLAIN_REQUEST: &[u8] = b"GET /page HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

pub fn a_plain_http_request_is_handed_back_by_accept_with<L: Layer>() {
    let (listener, _) = peers::listen();
    let port = listener.local_addr().unwrap().port();
    let server = server::<L, _>(
        listener,
        ServerOptions::default(),
        |_| Answer::accept(),
        |accepted| match accepted {
            Ok(Accepted::Http(bytes)) => bytes,
            _ => panic!("not handed back"),
        },
    );
    let client = peers::raw_client(port, PLAIN_REQUEST);
    assert_eq!(server.join().unwrap(), PLAIN_REQUEST);
    // The request is the caller's to answer: the layer wrote nothing.
    assert_eq!(client.join().unwrap(), b"");
}

pub fn a_plain_http_request_is_refused_by_accept<L: Layer>() {
    let (listener, _) = peers::listen();
    let port = listener.local_addr().unwrap().port();
    let server = thread::spawn(move || L::accept(peers::accept_one(&listener)).map(|_| ()));
    let answer = peers::raw_client(port, PLAIN_REQUEST).join().unwrap();
    assert!(
        answer.starts_with(b"HTTP/1.1 426 "),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    let error = server.join().unwrap().unwrap_err();
    assert!(!matches!(error, layer::Error::Io(_)), "{error:?}");
}

pub fn a_proxy_that_refuses_is_proxy_refused_with_407<L: Layer>() {
    let (proxy_port, proxy) = peers::refusing_proxy();
    let options = ClientOptions::new("ws://127.0.0.1:9/chat")
        .proxy(&format!("http://127.0.0.1:{proxy_port}"))
        .open_timeout(Some(BOUND));
    let error = L::connect(options).map(|_| ()).unwrap_err();
    match &error {
        layer::Error::ProxyRefused(refusal) => assert_eq!(refusal.status(), 407),
        other => panic!("not a proxy refusal: {other:?}"),
    }
    assert!(error.to_string().contains("credentials"), "{error}");
    let head = proxy.join().unwrap();
    assert!(head.starts_with(b"CONNECT 127.0.0.1:9 HTTP/1.1\r\n"));
}

pub fn an_unreachable_proxy_is_blamed_on_the_proxy<L: Layer>() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let options = ClientOptions::new("ws://127.0.0.1:9/chat")
        .proxy(&format!("http://127.0.0.1:{port}"))
        .open_timeout(Some(BOUND));
    let error = L::connect(options).map(|_| ()).unwrap_err();
    match &error {
        layer::Error::Io(e) => assert_eq!(e.kind(), io::ErrorKind::ConnectionRefused),
        other => panic!("not an I/O error: {other:?}"),
    }
    let blame = format!("transport error: proxy 127.0.0.1:{port}: ");
    assert!(error.to_string().starts_with(&blame), "{error}");
}

pub fn a_server_that_closes_mid_handshake_is_the_same_end_of_file<L: Layer>() {
    let (port, server) = peers::closes_mid_handshake();
    let error = L::connect(client(&format!("ws://127.0.0.1:{port}/chat")))
        .map(|_| ())
        .unwrap_err();
    match &error {
        layer::Error::Io(e) => assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof),
        other => panic!("not an end of file: {other:?}"),
    }
    assert_eq!(
        error.to_string(),
        "transport error: the server closed the connection during the opening handshake"
    );
    server.join().unwrap();
}

pub fn a_silent_server_is_an_open_timeout_within_the_bound<L: Layer>() {
    let (port, server) = peers::silent_server();
    let limit = Duration::from_millis(300);
    let options = client(&format!("ws://127.0.0.1:{port}/chat")).open_timeout(Some(limit));
    let started = Instant::now();
    let error = L::connect(options).map(|_| ()).unwrap_err();
    let took = started.elapsed();
    assert!(matches!(error, layer::Error::OpenTimeout), "{error:?}");
    assert!(took >= limit - Duration::from_millis(20), "{took:?}");
    assert!(took < limit + Duration::from_secs(1), "{took:?}");
    server.join().unwrap();
}

pub fn a_silent_client_is_an_open_timeout_for_the_server<L: Layer>() {
    let (listener, _) = peers::listen();
    let port = listener.local_addr().unwrap().port();
    let limit = Duration::from_millis(300);
    let server = server::<L, _>(
        listener,
        ServerOptions::default().open_timeout(Some(limit)),
        |_| Answer::accept(),
        |accepted| accepted.map(|_| ()),
    );
    let client = peers::raw_client(port, b"GET /chat HTTP/1.1\r\n");
    let started = Instant::now();
    let outcome = server.join().unwrap();
    assert!(matches!(outcome, Err(layer::Error::OpenTimeout)));
    assert!(started.elapsed() < limit + Duration::from_secs(1));
    // The server closed the transport: the client saw its end of file.
    assert_eq!(client.join().unwrap(), b"");
}

pub fn the_selected_subprotocol_is_on_both_handles<L: Layer>() {
    let (listener, url) = peers::listen();
    let server = server::<L, _>(
        listener,
        ServerOptions::default(),
        |request| Answer::accept_protocol(request.first_protocol_in(&["xmpp"]).unwrap()),
        |accepted| {
            let mut ws = opened(accepted);
            let protocol = ws.protocol();
            echo(&mut ws);
            protocol
        },
    );
    let (mut ws, _) = L::connect(client(&url).protocols(["soap", "xmpp"])).unwrap();
    assert_eq!(ws.protocol().as_deref(), Some("xmpp"));
    ws.close().unwrap();
    assert_eq!(server.join().unwrap().as_deref(), Some("xmpp"));
}

pub fn the_peers_close_frame_is_on_both_handles<L: Layer>() {
    let (listener, url) = peers::listen();
    let server = server::<L, _>(
        listener,
        ServerOptions::default(),
        |_| Answer::accept(),
        |accepted| {
            let mut ws = opened(accepted);
            assert_eq!(ws.close_frame(), None);
            echo(&mut ws);
            ws.close_frame()
        },
    );
    let (mut ws, _) = L::connect(client(&url)).unwrap();
    assert_eq!(ws.close_frame(), None);
    let frame = CloseFrame::new(CloseCode(4000), "bye");
    ws.close_with(frame.clone()).unwrap();
    assert_eq!(server.join().unwrap(), Some(frame));
    // The server's reply echoes the code.
    let reply = ws.close_frame().expect("the server's close frame");
    assert_eq!(reply.code, CloseCode(4000));
}

pub fn feed_queues_until_flush<L: Layer>() {
    let (listener, url) = peers::listen();
    let (seen, arrivals) = mpsc::channel();
    let server = server::<L, _>(
        listener,
        ServerOptions::default(),
        |_| Answer::accept(),
        move |accepted| {
            let mut ws = opened(accepted);
            while let Some(message) = ws.read().unwrap() {
                seen.send(message).unwrap();
            }
        },
    );
    let (mut ws, _) = L::connect(client(&url)).unwrap();
    ws.feed(Message::from("one")).unwrap();
    ws.feed(Message::from("two")).unwrap();
    thread::sleep(Duration::from_millis(100));
    assert!(arrivals.try_recv().is_err(), "fed messages were written");
    ws.flush().unwrap();
    for expected in ["one", "two"] {
        let message = arrivals.recv_timeout(BOUND).unwrap();
        assert_eq!(message, Message::from(expected));
    }
    ws.close().unwrap();
    server.join().unwrap();
}

pub fn ping_is_answered_and_state_follows_the_close<L: Layer>() {
    let (listener, url) = peers::listen();
    let server = server::<L, _>(
        listener,
        ServerOptions::default(),
        |_| Answer::accept(),
        |accepted| {
            let mut ws = opened(accepted);
            echo(&mut ws);
            ws.state()
        },
    );
    let (mut ws, _) = L::connect(client(&url)).unwrap();
    assert_eq!(ws.state(), State::Open);
    ws.ping(b"are you there").unwrap();
    // The pong is consumed on the way to the echo.
    ws.send(Message::from("after the ping")).unwrap();
    assert_eq!(ws.read().unwrap(), Some(Message::from("after the ping")));
    ws.close().unwrap();
    assert_eq!(ws.state(), State::Closed);
    assert_eq!(server.join().unwrap(), State::Closed);
}
