//! Hostile HTTP/2 clients against WebSockets on HTTP/2 streams (RFC 8441):
//! the axum extractor behind hyper's server with extended CONNECT on, as
//! the demo serves it (cleartext, prior knowledge). A hundred WebSockets
//! on one connection, a stream reset mid-message, a flow-control window
//! held at zero, and streams that never read. Each case asserts that a
//! control WebSocket is served, that the heap stays bounded, and how the
//! attacked WebSockets ended.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::any;
use bytes::Bytes;
use h2::{RecvStream, SendStream};
use http::Version;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rfc6455::axum::{WebSocket, WebSocketUpgrade};
use rfc6455::handshake::ClientRequest;
use rfc6455::handshake::extended_connect::PROTOCOL;
use rfc6455::{Config, Connection, Message};
use tokio::net::{TcpListener, TcpStream};

use crate::h2_echo::H2Client;
use crate::support::*;

/// How long a send may wait on a stream whose window stays shut.
const WRITE_TIMEOUT: Duration = Duration::from_millis(500);

/// How a WebSocket on the server ended.
type Ends = mpsc::Receiver<Result<(), rfc6455::layer::Error>>;

/// An echo server on hyper (HTTP/1.1 and HTTP/2, extended CONNECT on) with
/// the extractor's defaults but a short write timeout; its address and the
/// ends of its WebSockets. Runs on a runtime of its own thread.
fn start_server() -> (String, Ends) {
    let (ends_tx, ends) = mpsc::channel();
    let (addr_tx, addr_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx
                .send(listener.local_addr().unwrap().to_string())
                .unwrap();
            let app = Router::new().route(
                "/echo",
                any(move |ws: WebSocketUpgrade| {
                    let ends = ends_tx.clone();
                    async move {
                        ws.write_timeout(Some(WRITE_TIMEOUT))
                            .on_upgrade(move |socket| async move {
                                let _ = ends.send(echo(socket).await);
                            })
                    }
                }),
            );
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                let app = app.clone();
                tokio::spawn(async move {
                    let mut builder = auto::Builder::new(TokioExecutor::new());
                    builder.http2().enable_connect_protocol();
                    let service = TowerToHyperService::new(app);
                    let _ = builder
                        .serve_connection_with_upgrades(TokioIo::new(tcp), service)
                        .await;
                });
            }
        });
    });
    (addr_rx.recv().unwrap(), ends)
}

async fn echo(mut socket: WebSocket) -> Result<(), rfc6455::layer::Error> {
    while let Some(message) = socket.next().await {
        socket.send(message?).await?;
    }
    Ok(())
}

async fn h2_connect(addr: &str) -> H2Client {
    H2Client::connect(TcpStream::connect(addr).await.unwrap())
        .await
        .unwrap()
}

/// A control WebSocket on a connection of its own: one echo.
async fn control(addr: &str) -> Duration {
    let started = Instant::now();
    let client = h2_connect(addr).await;
    let mut ws = client.open(&format!("ws://{addr}/echo")).await.unwrap();
    ws.send(Message::from("control")).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::from("control"));
    let took = started.elapsed();
    ws.close().await.unwrap();
    took
}

/// A WebSocket opened by hand on a stream of `client`'s connection: the
/// stream's halves, and the client's sans-IO connection to frame with.
async fn open_raw(client: &H2Client, addr: &str) -> (SendStream<Bytes>, RecvStream, Connection) {
    let send_request = client.send_request();
    let enabled = send_request.is_extended_connect_protocol_enabled();
    let (mut request, handshake) = ClientRequest::new(&format!("ws://{addr}/echo"))
        .unwrap()
        .extended_connect(Version::HTTP_2, enabled, Config::default())
        .unwrap();
    request
        .extensions_mut()
        .insert(h2::ext::Protocol::from_static(PROTOCOL));
    let mut send_request = send_request.ready().await.unwrap();
    let (response, send) = send_request.send_request(request, false).unwrap();
    let (parts, recv) = response.await.unwrap().into_parts();
    let conn = handshake
        .finish_parts(parts.status, &parts.headers)
        .unwrap();
    (send, recv, conn)
}

/// The frames of `message`, masked, as the client sends them.
fn framed(conn: &mut Connection, message: Message) -> Bytes {
    conn.send(message).unwrap();
    conn.take_output()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn ended(ends: &Ends, count: usize) -> Vec<Result<(), rfc6455::layer::Error>> {
    (0..count)
        .map(|_| {
            ends.recv_timeout(Duration::from_secs(10))
                .expect("a WebSocket's end")
        })
        .collect()
}

#[test]
fn a_hundred_websockets_on_one_http2_connection_all_echo() {
    case(Duration::from_secs(60), || {
        let (addr, ends) = start_server();
        let meter = Meter::start();
        runtime().block_on(async {
            let client = h2_connect(&addr).await;
            let mut sockets = Vec::new();
            for i in 0..100 {
                let mut ws = client.open(&format!("ws://{addr}/echo")).await.unwrap();
                let text = format!("stream {i}");
                ws.send(Message::from(text.as_str())).await.unwrap();
                assert_eq!(
                    ws.next().await.unwrap().unwrap(),
                    Message::from(text.as_str())
                );
                sockets.push(ws);
            }
            let open = meter.now();
            println!(
                "hostile: 100 WebSockets on one HTTP/2 connection, each echoed; {} KiB heap \
                 with all open (client and server), {} B each",
                open / 1024,
                open / 100
            );
            assert!(open < 100 * 64 * 1024, "{open} bytes for 100 streams");
            control(&addr).await;
            for ws in &mut sockets {
                ws.close().await.unwrap();
            }
        });
        let ends = ended(&ends, 101);
        assert!(ends.iter().all(Result::is_ok), "{ends:?}");
    });
}

#[test]
fn a_stream_reset_mid_message_ends_only_its_websocket() {
    case(Duration::from_secs(60), || {
        let (addr, ends) = start_server();
        runtime().block_on(async {
            let client = h2_connect(&addr).await;
            let mut neighbour = client.open(&format!("ws://{addr}/echo")).await.unwrap();
            let (mut send, _recv, mut conn) = open_raw(&client, &addr).await;
            let frame = framed(&mut conn, Message::Binary(noise_bytes(1000).into()));
            send.send_data(frame.slice(..500), false).unwrap();
            tokio::time::sleep(Duration::from_millis(50)).await;
            send.send_reset(h2::Reason::CANCEL);
            let started = Instant::now();
            let end = tokio::task::spawn_blocking(move || {
                let end = ends.recv_timeout(Duration::from_secs(10)).expect("its end");
                (end, ends)
            });
            let (end, ends) = end.await.unwrap();
            println!(
                "hostile: h2 stream reset mid-message: its WebSocket ended in {:?}: {end:?}",
                started.elapsed()
            );
            assert!(end.is_err(), "{end:?}");
            // The connection and its other stream go on.
            neighbour.send(Message::from("still here")).await.unwrap();
            assert_eq!(
                neighbour.next().await.unwrap().unwrap(),
                Message::from("still here")
            );
            control(&addr).await;
            neighbour.close().await.unwrap();
            let rest = ended(&ends, 2);
            assert!(rest.iter().all(Result::is_ok), "{rest:?}");
        });
    });
}

#[test]
fn a_window_held_at_zero_is_cut_by_the_write_timeout() {
    case(Duration::from_secs(60), || {
        const MESSAGE: usize = 256 << 10;
        let (addr, ends) = start_server();
        let meter = Meter::start();
        runtime().block_on(async {
            let client = h2_connect(&addr).await;
            let (mut send, recv, mut conn) = open_raw(&client, &addr).await;
            // Eight messages to echo; the client never reads the echoes,
            // so the stream's window (64 KiB) shuts and stays shut.
            // Queued whole; h2 sends them as the server's window allows.
            for _ in 0..8 {
                let frame = framed(&mut conn, Message::Binary(noise_bytes(MESSAGE).into()));
                send.send_data(frame, false).unwrap();
            }
            let sent = Instant::now();
            let control_took = control(&addr).await;
            // Two ends: the control's (clean) and the stalled one's.
            let (end, waited) = tokio::task::spawn_blocking(move || {
                let mut stalled = None;
                for _ in 0..2 {
                    let end = ends.recv_timeout(Duration::from_secs(10)).expect("an end");
                    if end.is_err() || stalled.is_some() {
                        stalled = Some((end, sent.elapsed()));
                    }
                }
                stalled.unwrap()
            })
            .await
            .unwrap();
            let peak = meter.peak();
            println!(
                "hostile: h2 window held at zero: the echo's send cut after {waited:?} \
                 (write timeout {WRITE_TIMEOUT:?}): {end:?}; control echoed in \
                 {control_took:?}; heap peak {} KiB",
                peak / 1024
            );
            assert!(
                matches!(end, Err(rfc6455::layer::Error::WriteTimeout)),
                "{end:?}"
            );
            assert!(
                waited >= WRITE_TIMEOUT && waited < WRITE_TIMEOUT * 6,
                "{waited:?}"
            );
            assert!(peak < 8 << 20, "heap peak {peak}");
            drop(recv);
        });
    });
}

#[test]
fn streams_that_never_read_are_each_cut_by_the_write_timeout() {
    case(Duration::from_secs(60), || {
        const STREAMS: usize = 50;
        const MESSAGE: usize = 64 << 10;
        let (addr, ends) = start_server();
        let meter = Meter::start();
        runtime().block_on(async {
            let client = h2_connect(&addr).await;
            let mut held = Vec::new();
            for _ in 0..STREAMS {
                let (mut send, recv, mut conn) = open_raw(&client, &addr).await;
                // Queued whole; h2 sends them as the server's window allows.
                for _ in 0..4 {
                    let frame = framed(&mut conn, Message::Binary(noise_bytes(MESSAGE).into()));
                    send.send_data(frame, false).unwrap();
                }
                held.push((send, recv));
            }
            let control_took = control(&addr).await;
            let started = Instant::now();
            let ends = tokio::task::spawn_blocking(move || ended(&ends, STREAMS + 1))
                .await
                .unwrap();
            let peak = meter.peak();
            let timeouts = ends
                .iter()
                .filter(|end| matches!(end, Err(rfc6455::layer::Error::WriteTimeout)))
                .count();
            println!(
                "hostile: {STREAMS} h2 streams that never read: {timeouts} sends cut by the \
                 write timeout within {:?}; control echoed in {control_took:?}; heap peak {} KiB",
                started.elapsed(),
                peak / 1024
            );
            // The control's own WebSocket ended cleanly; every other one
            // that got its message was cut.
            assert_eq!(ends.iter().filter(|end| end.is_ok()).count(), 1, "{ends:?}");
            assert_eq!(timeouts, STREAMS, "{ends:?}");
            assert!(peak < STREAMS * 16 * MESSAGE, "heap peak {peak}");
            drop(held);
        });
    });
}

fn noise_bytes(len: usize) -> Vec<u8> {
    crate::common::noise(len as u64, len)
}
