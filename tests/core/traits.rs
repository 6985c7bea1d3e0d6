//! Guarantees on the public types: the handles are `Send`, `Sync` and
//! `Unpin` (so a task can hold one, or a reference to one, across an
//! `.await` and still be spawned), values and errors are thread-safe and
//! errors `'static`, and no global state exists to share (each connection
//! owns all of its buffers).
//!
//! The `const` items below are checked when this binary compiles, under
//! each feature set that has the types; a type that loses a trait breaks
//! the build of `cargo test`.

use rfc6455::handshake::{
    Accept, Accepted, ClientHandshake, ClientRequest, ConnectHandshake, ConnectRequest,
    HandshakeError, Misuse, Parsed, ProxyResponse, Rejection, Request, RequestError, Response,
    ResponseError, ServerHandshake, Tunnel,
};
use rfc6455::{
    Chunk, CloseFrame, Config, Connection, ConnectionError, Error, Event, InvalidUtf8, Message,
    OsRandom, Output, PreparedMessage, ProtocolError, Refused, SendError, Utf8Bytes,
};

/// What a connection, a layer's stream or a handshake in progress offers:
/// it moves to another thread, is shared by reference across one, and is
/// not pinned.
const fn handle<T: Send + Sync + Unpin>() {}

/// What a value (an event, a message, options) offers.
const fn value<T: Send + Sync + Unpin + 'static>() {}

/// What an error offers: `Box<dyn Error + Send + Sync>` and `anyhow` take it.
const fn error<T: std::error::Error + Send + Sync + 'static>() {}

/// The sans-IO core and its handshakes.
const _: () = {
    handle::<Connection>();
    handle::<OsRandom>();
    handle::<ServerHandshake>();
    handle::<Request>();
    handle::<Parsed>();
    handle::<Accept>();
    handle::<ClientRequest>();
    handle::<ClientHandshake>();
    // They own the connection's random source until `into_connection`.
    handle::<Response>();
    handle::<Accepted>();
    handle::<Rejection>();
    handle::<ConnectRequest>();
    handle::<ConnectHandshake>();
    handle::<ProxyResponse>();
    handle::<Tunnel>();
    handle::<Output>();

    value::<Message>();
    value::<Utf8Bytes>();
    value::<Event>();
    value::<Chunk>();
    value::<CloseFrame>();
    value::<Config>();
    value::<PreparedMessage>();

    error::<Error>();
    error::<ProtocolError>();
    error::<ConnectionError>();
    error::<Refused>();
    error::<SendError>();
    error::<InvalidUtf8>();
    error::<HandshakeError>();
    error::<RequestError>();
    error::<ResponseError>();
    error::<Misuse>();
};

/// The layers' shared pieces and the blocking layer.
const _: () = {
    use rfc6455::blocking::{self, WebSocket};
    use rfc6455::layer::{self, Answer, ClientOptions, HttpRequest, ServerOptions};
    use rfc6455::layer::{ServerResponse, Upgrade};
    use std::net::TcpStream;

    handle::<WebSocket<TcpStream>>();
    handle::<WebSocket<blocking::ClientStream>>();
    handle::<HttpRequest<TcpStream>>();
    handle::<Upgrade<WebSocket<TcpStream>, TcpStream>>();
    #[cfg(unix)]
    handle::<WebSocket<std::os::unix::net::UnixStream>>();

    value::<ClientOptions>();
    value::<ServerOptions>();
    value::<Answer>();
    value::<ServerResponse>();

    error::<layer::Error>();
};

#[cfg(feature = "rustls")]
const _: () = {
    use std::net::TcpStream;
    handle::<rfc6455::blocking::WebSocket<rfc6455::blocking::TlsStream<TcpStream>>>();
};

#[cfg(feature = "deflate")]
const _: () = {
    value::<rfc6455::deflate::DeflateParams>();
    value::<rfc6455::deflate::DeflateConfig>();
};

#[cfg(feature = "http")]
const _: () = {
    use rfc6455::handshake::http_types::{HttpHandshake, WebSocketRequest};
    handle::<WebSocketRequest>();
    handle::<HttpHandshake>();
};

#[cfg(feature = "tokio")]
const _: () = {
    use rfc6455::tokio::{ClientStream, ReadHalf, ReuniteError, WebSocketStream, WriteHalf};
    use tokio::io::DuplexStream;
    use tokio::net::TcpStream;

    handle::<WebSocketStream<TcpStream>>();
    handle::<WebSocketStream<ClientStream>>();
    handle::<WebSocketStream<DuplexStream>>();
    handle::<ReadHalf<TcpStream>>();
    handle::<WriteHalf<TcpStream>>();
    handle::<ReadHalf<ClientStream>>();
    handle::<WriteHalf<ClientStream>>();
    error::<ReuniteError<TcpStream>>();
};

#[cfg(all(feature = "tokio", feature = "rustls"))]
const _: () = {
    use rfc6455::tokio::{TlsStream, WebSocketStream};
    handle::<WebSocketStream<TlsStream>>();
};

/// A task that holds a `&WebSocketStream` across an `.await` (the handle
/// lent to a helper that awaits something else) can be spawned on the
/// multi-threaded runtime: `tokio::spawn` would not compile otherwise, since
/// `&T` is `Send` only when `T` is `Sync`.
#[cfg(feature = "tokio")]
#[test]
fn a_task_holding_a_shared_stream_across_an_await_spawns_on_the_multi_thread_runtime() {
    use std::sync::Arc;

    use rfc6455::tokio::WebSocketStream;
    use tokio::io::DuplexStream;

    async fn describe(ws: &WebSocketStream<DuplexStream>) -> String {
        let protocol = ws.protocol();
        tokio::task::yield_now().await;
        format!("{} {:?}", protocol.unwrap_or("none"), ws.state())
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (ours, _theirs) = tokio::io::duplex(1024);
        let conn = Connection::server(Config::default()).with_protocol("chat");
        let ws = Arc::new(WebSocketStream::from_connection(ours, conn).with_write_limit(1024));
        let task = tokio::spawn({
            let ws = Arc::clone(&ws);
            async move { describe(&ws).await }
        });
        let described = tokio::time::timeout(std::time::Duration::from_secs(5), task)
            .await
            .expect("the task ran")
            .expect("the task did not panic");
        assert_eq!(described, "chat Open");
    });
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
fn errors_are_small_and_cheap_to_move() {
    use std::mem::size_of;
    // What each call returns: a few bytes, no heap.
    assert!(size_of::<rfc6455::ProtocolError>() <= 4);
    assert!(size_of::<rfc6455::ConnectionError>() <= 4);
    assert!(size_of::<rfc6455::Refused>() <= 4);
    // The umbrella holds a handshake error, whose duplicate-header
    // variants name the header (a `&'static str`).
    let umbrella = size_of::<Error>();
    assert!(umbrella <= 32, "{umbrella}");
}
