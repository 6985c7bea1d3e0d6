//! The axum extractor (`rfc6455::axum::WebSocketUpgrade`) in a real
//! `axum::serve` on 127.0.0.1: our tokio client, tokio-tungstenite and
//! python-websockets over HTTP/1.1, our client over HTTP/2 (extended
//! CONNECT, cleartext with prior knowledge), and every refusal answered as
//! the byte-level handshake answers it.
#![cfg(feature = "axum")]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::h2_echo::H2Client;
use crate::python;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::response::Response;
use axum::routing::any;
use futures_util::{SinkExt, StreamExt};
use http::{Method, StatusCode, Version};
use rfc6455::axum::{WebSocket, WebSocketUpgrade, WebSocketUpgradeRejection};
use rfc6455::handshake::{ClientRequest, RequestError};
use rfc6455::layer::{ClientOptions, Error};
use rfc6455::{CloseCode, Config, ConnectionError, Message};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite;

const LIMIT: Duration = Duration::from_secs(10);

/// What the handler saw of each request it upgraded.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    version: Version,
    selected: Option<String>,
    offered: Vec<String>,
    origin: Option<String>,
}

/// An echo app on 127.0.0.1 (`/echo` prefers `soap`, then `xmpp`; `/small`
/// takes messages up to 1 KiB); its address and what it saw.
async fn start_app() -> (SocketAddr, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let echo = move |ws: WebSocketUpgrade| async move {
        let ws = ws.protocols(["soap", "xmpp"]);
        record.lock().unwrap().push(Seen {
            version: ws.version(),
            selected: ws.selected_protocol().map(str::to_owned),
            offered: ws.offered_protocols().map(str::to_owned).collect(),
            origin: ws.origin().map(str::to_owned),
        });
        ws.on_upgrade(echo_messages)
    };
    let small = |ws: WebSocketUpgrade| async move {
        let mut config = Config::default();
        config.max_message_size = 1024;
        ws.config(config).on_upgrade(echo_messages)
    };
    let app = Router::new()
        .route("/echo", any(echo))
        .route("/small", any(small));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, seen)
}

async fn echo_messages(mut socket: WebSocket) {
    while let Some(Ok(message)) = socket.next().await {
        if socket.send(message).await.is_err() {
            break;
        }
    }
}

fn big_message() -> Message {
    Message::from((0..=255u8).cycle().take(300_000).collect::<Vec<u8>>())
}

#[tokio::test]
async fn our_client_over_http11_gets_the_servers_preferred_protocol_and_echoes() {
    tokio::time::timeout(LIMIT, async {
        let (addr, seen) = start_app().await;
        let options = ClientOptions::new(&format!("ws://{addr}/echo"))
            .protocols(["xmpp", "soap"])
            .header("Origin", "http://example.com");
        let (mut ws, _) = rfc6455::tokio::connect_with(options).await.unwrap();
        assert_eq!(ws.protocol(), Some("soap"), "the server's preference wins");
        #[cfg(feature = "deflate")]
        assert!(ws.connection().deflate().is_some(), "deflate negotiated");
        for message in [Message::from("Hello"), big_message()] {
            ws.send(message.clone()).await.unwrap();
            assert_eq!(ws.next().await.transpose().unwrap(), Some(message));
        }
        ws.close().await.unwrap();
        assert!(ws.next().await.is_none());
        let seen = seen.lock().unwrap().clone();
        assert_eq!(
            seen,
            [Seen {
                version: Version::HTTP_11,
                selected: Some("soap".into()),
                offered: vec!["xmpp".into(), "soap".into()],
                origin: Some("http://example.com".into()),
            }]
        );
    })
    .await
    .expect("within the time limit");
}

#[tokio::test]
async fn the_config_given_to_the_extractor_sets_the_connections_limits() {
    tokio::time::timeout(LIMIT, async {
        let (addr, _) = start_app().await;
        let url = format!("ws://{addr}/small");
        let (mut ws, _) = rfc6455::tokio::connect(&url).await.unwrap();
        let fits = Message::from(vec![7u8; 1024]);
        ws.send(fits.clone()).await.unwrap();
        assert_eq!(ws.next().await.transpose().unwrap(), Some(fits));
        ws.send(Message::from(vec![7u8; 1025])).await.unwrap();
        // The server closes with 1009 (message too big) and echoes nothing.
        assert!(ws.next().await.is_none());
        let close = ws.close_frame().expect("the server's close frame");
        assert_eq!(close.code, CloseCode::MESSAGE_TOO_BIG);
    })
    .await
    .expect("within the time limit");
}

#[tokio::test]
async fn tokio_tungstenite_over_http11_echoes() {
    tokio::time::timeout(LIMIT, async {
        let (addr, seen) = start_app().await;
        let mut request = tungstenite::client::IntoClientRequest::into_client_request(format!(
            "ws://{addr}/echo"
        ))
        .unwrap();
        request
            .headers_mut()
            .insert("sec-websocket-protocol", "wamp, xmpp".parse().unwrap());
        let (mut ws, response) = tokio_tungstenite::connect_async(request).await.unwrap();
        assert_eq!(response.headers()["sec-websocket-protocol"], "xmpp");
        let text = tungstenite::Message::text("from tungstenite");
        ws.send(text.clone()).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), text);
        let binary = tungstenite::Message::binary(vec![9u8; 100_000]);
        ws.send(binary.clone()).await.unwrap();
        assert_eq!(ws.next().await.unwrap().unwrap(), binary);
        ws.close(None).await.unwrap();
        assert_eq!(seen.lock().unwrap()[0].selected.as_deref(), Some("xmpp"));
    })
    .await
    .expect("within the time limit");
}

#[test]
fn python_websockets_over_http11_echoes() {
    let Some(python) = python::websockets() else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (addr, _) = runtime.block_on(start_app());
    let (client, subprotocol) = python.echo_client(&format!("ws://{addr}/echo"), &["xmpp"], None);
    assert_eq!(subprotocol, "xmpp");
    assert!(client.exits_cleanly_within(Duration::from_secs(20)));
}

#[tokio::test]
async fn our_client_over_http2_opens_two_websockets_on_one_connection() {
    tokio::time::timeout(LIMIT, async {
        let (addr, seen) = start_app().await;
        let client = H2Client::connect(TcpStream::connect(addr).await.unwrap())
            .await
            .unwrap();
        let url = format!("ws://{addr}/echo");
        let request = ClientRequest::new(&url).unwrap().protocol("xmpp");
        let mut first = client.open_with(request).await.unwrap();
        let mut second = client.open(&url).await.unwrap();
        assert_eq!(first.protocol(), Some("xmpp"));
        assert_eq!(second.protocol(), None);
        #[cfg(feature = "deflate")]
        assert!(first.connection().deflate().is_some(), "deflate over h2");
        for ws in [&mut first, &mut second] {
            for message in [Message::from("over h2"), big_message()] {
                ws.send(message.clone()).await.unwrap();
                assert_eq!(ws.next().await.transpose().unwrap(), Some(message));
            }
        }
        for mut ws in [first, second] {
            ws.close().await.unwrap();
            assert!(ws.next().await.is_none());
            assert!(ws.get_ref().peer_ended(), "the server ended its stream");
        }
        let seen = seen.lock().unwrap().clone();
        assert_eq!(seen.len(), 2);
        assert!(
            seen.iter().all(|s| s.version == Version::HTTP_2),
            "{seen:?}"
        );
    })
    .await
    .expect("within the time limit");
}

/// Sends `request` (raw HTTP/1.1) to `addr`; the whole answer, the
/// connection closed after it.
async fn raw_answer(addr: SocketAddr, request: &str) -> Vec<u8> {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tcp.read_to_end(&mut answer).await.unwrap();
    answer
}

/// A response's status, header fields (lower-cased names) and body.
fn parse(bytes: &[u8]) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut response = httparse::Response::new(&mut headers);
    let httparse::Status::Complete(head) = response.parse(bytes).unwrap() else {
        panic!("an incomplete head");
    };
    let fields = response
        .headers
        .iter()
        .map(|h| {
            let value = String::from_utf8_lossy(h.value).into_owned();
            (h.name.to_ascii_lowercase(), value)
        })
        .collect();
    (response.code.unwrap(), fields, bytes[head..].to_vec())
}

#[tokio::test]
async fn every_refusal_over_http11_is_the_byte_level_handshakes_answer() {
    const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
    let upgrade = |method: &str, key: &str, version: &str| {
        format!(
            "{method} /echo HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, close\r\n\
             Upgrade: websocket\r\nSec-WebSocket-Key: {key}\r\n\
             Sec-WebSocket-Version: {version}\r\n\r\n"
        )
    };
    let cases = [
        (
            "a plain GET".to_owned(),
            "GET /echo HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".to_owned(),
            RequestError::MissingUpgrade,
        ),
        (
            "POST".into(),
            upgrade("POST", KEY, "13"),
            RequestError::NotGet,
        ),
        (
            "a short key".into(),
            upgrade("GET", "AAAA", "13"),
            RequestError::InvalidKey,
        ),
        (
            "version 8".into(),
            upgrade("GET", KEY, "8"),
            RequestError::UnsupportedVersion,
        ),
    ];
    tokio::time::timeout(LIMIT, async {
        let (addr, seen) = start_app().await;
        for (what, request, error) in cases {
            let (status, fields, body) = parse(&raw_answer(addr, &request).await);
            let expected = error.to_http_response(Version::HTTP_11);
            assert_eq!(status, expected.status().as_u16(), "{what}");
            assert_eq!(body, expected.body().as_ref(), "{what}");
            for (name, value) in expected.headers() {
                let value = value.to_str().unwrap();
                let found = fields
                    .iter()
                    .any(|(n, v)| n == name.as_str() && v.contains(value));
                assert!(found, "{what}: {name}: {value} in {fields:?}");
            }
        }
        assert!(seen.lock().unwrap().is_empty(), "no handler ran");
    })
    .await
    .expect("within the time limit");
}

#[tokio::test]
async fn a_refusal_over_http2_is_the_same_answer_without_connection_specific_fields() {
    tokio::time::timeout(LIMIT, async {
        let (addr, seen) = start_app().await;
        let tcp = TcpStream::connect(addr).await.unwrap();
        let (send_request, connection) = h2::client::handshake(tcp).await.unwrap();
        tokio::spawn(connection);
        // An extended CONNECT without `sec-websocket-version`.
        let request = http::Request::builder()
            .method(Method::CONNECT)
            .uri(format!("http://{addr}/echo"))
            .extension(h2::ext::Protocol::from_static("websocket"))
            .body(())
            .unwrap();
        let mut send_request = send_request.ready().await.unwrap();
        let (response, _) = send_request.send_request(request, true).unwrap();
        let (parts, mut body) = response.await.unwrap().into_parts();
        let mut received = Vec::new();
        while let Some(chunk) = body.data().await {
            received.extend_from_slice(&chunk.unwrap());
        }
        let expected = RequestError::UnsupportedVersion.to_http_response(Version::HTTP_2);
        assert_eq!(parts.status, expected.status());
        assert_eq!(received, expected.body().as_ref());
        assert_eq!(parts.headers["sec-websocket-version"], "13");
        assert!(parts.headers.get("upgrade").is_none());
        assert!(seen.lock().unwrap().is_empty(), "no handler ran");
    })
    .await
    .expect("within the time limit");
}

/// Runs the extractor on `request`'s parts, as axum would.
async fn extract(
    request: http::Request<()>,
) -> Result<WebSocketUpgrade, WebSocketUpgradeRejection> {
    let (mut parts, ()) = request.into_parts();
    WebSocketUpgrade::from_request_parts(&mut parts, &()).await
}

#[tokio::test]
async fn the_rejection_names_the_fault_and_answers_with_its_status() {
    let plain = http::Request::get("/echo")
        .header("host", "a")
        .body(())
        .unwrap();
    let rejection = extract(plain).await.unwrap_err();
    assert_eq!(
        rejection.request_error(),
        Some(&RequestError::MissingUpgrade)
    );
    assert_eq!(rejection.status(), StatusCode::UPGRADE_REQUIRED);
    assert!(
        rejection.to_string().contains("the client's request"),
        "{rejection}"
    );
    let response: Response = axum::response::IntoResponse::into_response(rejection);
    assert_eq!(response.status(), StatusCode::UPGRADE_REQUIRED);
    assert_eq!(response.headers()["upgrade"], "websocket");

    // A valid upgrade that no HTTP server handed over (no `OnUpgrade`):
    // the server's fault, 500, saying how to serve it.
    let valid = http::Request::get("/echo")
        .header("host", "a")
        .header("upgrade", "websocket")
        .header("connection", "upgrade")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("sec-websocket-version", "13")
        .body(())
        .unwrap();
    let rejection = extract(valid).await.unwrap_err();
    assert_eq!(rejection.request_error(), None);
    assert_eq!(rejection.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let message = rejection.to_string();
    assert!(
        message.starts_with("server error") && message.contains("with_upgrades"),
        "{message}"
    );
}

#[tokio::test]
async fn a_server_without_upgrades_reports_the_failed_upgrade_and_the_client_is_told() {
    tokio::time::timeout(LIMIT, async {
        // hyper's HTTP/1.1 server without `.with_upgrades()`: the 101 goes
        // out, the connection is never handed over.
        let (failed_tx, failed_rx) = tokio::sync::oneshot::channel();
        let failed_tx = Arc::new(Mutex::new(Some(failed_tx)));
        let app = Router::new().route(
            "/echo",
            any(move |ws: WebSocketUpgrade| async move {
                let report = move |e: hyper::Error| {
                    if let Some(tx) = failed_tx.lock().unwrap().take() {
                        let _ = tx.send(e.to_string());
                    }
                };
                ws.on_failed_upgrade(report).on_upgrade(echo_messages)
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (tcp, _) = listener.accept().await.unwrap();
            let service = hyper_util::service::TowerToHyperService::new(app);
            let io = hyper_util::rt::TokioIo::new(tcp);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        });
        let url = format!("ws://{addr}/echo");
        let client = tokio::spawn(async move { rfc6455::tokio::connect(&url).await });
        let reported = failed_rx.await.expect("the failure is reported");
        assert!(!reported.is_empty());
        // The client got its 101, then the connection ended.
        match client.await.unwrap() {
            Ok((mut ws, _)) => assert!(matches!(
                ws.next().await,
                None | Some(Err(Error::Connection(ConnectionError::UnexpectedEof)))
            )),
            Err(e) => panic!("the 101 arrived, yet: {e}"),
        }
    })
    .await
    .expect("within the time limit");
}
