//! The HTTP/1.1 upgrade on `http` crate types: the rules as values (the
//! same errors as the byte-level handshake), and the hyper example over
//! 127.0.0.1 with our tokio client and with python-websockets.
#![cfg(all(feature = "http", feature = "tokio"))]

#[path = "../../examples/hyper_echo.rs"]
#[allow(dead_code)] // its `main`
mod hyper_echo;

use std::time::Duration;

use crate::python;

use http::{HeaderValue, Method, StatusCode, Version};
use rfc6455::handshake::http_types::WebSocketRequest;
use rfc6455::handshake::{
    Accept, ClientRequest, HandshakeError, HeaderField, Misuse, RequestError, ResponseError,
    ServerHandshake,
};
use rfc6455::layer::ClientOptions;
use rfc6455::{Config, Event, Message};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A valid upgrade request, as hyper would hand it over.
fn valid_request() -> http::Request<()> {
    http::Request::builder()
        .method(Method::GET)
        .uri("/chat")
        .header("host", "example.com")
        .header("upgrade", "websocket")
        .header("connection", "Upgrade")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-protocol", "chat, superchat")
        .body(())
        .unwrap()
}

/// The request as HTTP/1.1 bytes, for the byte-level handshake.
fn to_bytes(request: &http::Request<()>) -> Vec<u8> {
    let version = match request.version() {
        Version::HTTP_10 => "HTTP/1.0",
        _ => "HTTP/1.1",
    };
    let mut out = format!("{} {} {version}\r\n", request.method(), request.uri()).into_bytes();
    for (name, value) in request.headers() {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

#[test]
fn every_upgrade_rule_refuses_http_types_with_the_error_the_byte_handshake_gives() {
    type Edit = fn(&mut http::Request<()>);
    let cases: &[(&str, Edit, RequestError)] = &[
        (
            "POST",
            |r| *r.method_mut() = Method::POST,
            RequestError::NotGet,
        ),
        (
            "HTTP/1.0",
            |r| *r.version_mut() = Version::HTTP_10,
            RequestError::HttpVersion,
        ),
        (
            "no Host",
            |r| drop(r.headers_mut().remove("host")),
            RequestError::MissingHost,
        ),
        (
            "two Hosts",
            |r| {
                r.headers_mut()
                    .append("host", HeaderValue::from_static("b"));
            },
            RequestError::DuplicateHeader(HeaderField::Host),
        ),
        (
            "no Upgrade",
            |r| drop(r.headers_mut().remove("upgrade")),
            RequestError::MissingUpgrade,
        ),
        (
            "no Connection",
            |r| {
                r.headers_mut()
                    .insert("connection", HeaderValue::from_static("keep-alive"));
            },
            RequestError::MissingConnectionUpgrade,
        ),
        (
            "a body",
            |r| {
                r.headers_mut()
                    .insert("content-length", HeaderValue::from_static("5"));
            },
            RequestError::InvalidHttp,
        ),
        (
            "version 8",
            |r| {
                r.headers_mut()
                    .insert("sec-websocket-version", HeaderValue::from_static("8"));
            },
            RequestError::UnsupportedVersion,
        ),
        (
            "no key",
            |r| drop(r.headers_mut().remove("sec-websocket-key")),
            RequestError::MissingKey,
        ),
        (
            "short key",
            |r| {
                r.headers_mut()
                    .insert("sec-websocket-key", HeaderValue::from_static("AAAA"));
            },
            RequestError::InvalidKey,
        ),
        (
            "protocol not a token",
            |r| {
                r.headers_mut()
                    .insert("sec-websocket-protocol", HeaderValue::from_static("a b"));
            },
            RequestError::InvalidProtocol,
        ),
        (
            "unclosed quote",
            |r| {
                r.headers_mut().insert(
                    "sec-websocket-extensions",
                    HeaderValue::from_static("x; a=\"1"),
                );
            },
            RequestError::InvalidExtension,
        ),
    ];
    for (what, edit, error) in cases {
        let mut request = valid_request();
        edit(&mut request);
        let typed = WebSocketRequest::upgrade(&request, Config::default()).unwrap_err();
        assert_eq!(typed, *error, "{what}");
        let bytes = ServerHandshake::new(Config::default()).receive(&to_bytes(&request));
        assert_eq!(
            bytes.unwrap_err(),
            HandshakeError::Request(*error),
            "{what}, as bytes"
        );
    }
    let mut over_h2 = valid_request();
    *over_h2.version_mut() = Version::HTTP_2;
    assert_eq!(
        WebSocketRequest::upgrade(&over_h2, Config::default()).unwrap_err(),
        RequestError::HttpVersion
    );
}

#[test]
fn an_accepted_upgrade_answers_101_with_the_accept_key_and_the_chosen_protocol() {
    let offer = WebSocketRequest::upgrade(&valid_request(), Config::default()).unwrap();
    assert!(!offer.is_extended_connect());
    assert_eq!(offer.protocols().collect::<Vec<_>>(), ["chat", "superchat"]);
    let chosen = offer.first_protocol_in(&["superchat", "chat"]).unwrap();
    let accept = Accept::default()
        .protocol(chosen)
        .header("Set-Cookie", "id=1");
    let (response, conn) = offer.accept(accept).unwrap();
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    let headers = response.headers();
    assert_eq!(
        headers["sec-websocket-accept"],
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
    assert_eq!(headers["upgrade"], "websocket");
    assert_eq!(headers["sec-websocket-protocol"], "superchat");
    assert_eq!(headers["set-cookie"], "id=1");
    assert_eq!(conn.protocol(), Some("superchat"));
}

#[test]
fn accept_refuses_what_the_client_did_not_offer_as_over_http11() {
    let offer = || WebSocketRequest::upgrade(&valid_request(), Config::default()).unwrap();
    let cases = [
        (
            Accept::default().protocol("other"),
            Misuse::ProtocolNotOffered,
        ),
        (
            Accept::default().extension("x-unoffered"),
            Misuse::ExtensionNotOffered,
        ),
        (
            Accept::default().header("Upgrade", "h2c"),
            Misuse::InvalidHeader,
        ),
    ];
    for (accept, error) in cases {
        assert_eq!(
            offer().accept(accept.clone()).unwrap_err(),
            error,
            "{accept:?}"
        );
    }
}

/// A client request and the server's accepted response, as values.
fn handshake(
    client: ClientRequest,
    accept: Accept,
) -> (
    http::Response<()>,
    rfc6455::handshake::http_types::HttpHandshake,
) {
    let (request, pending) = client.into_http(Config::default()).unwrap();
    let offer = WebSocketRequest::upgrade(&request, Config::default()).unwrap();
    let (response, _server) = offer.accept(accept).unwrap();
    (response, pending)
}

#[test]
fn every_upgrade_response_rule_refuses_with_its_error() {
    let client = || {
        ClientRequest::new("ws://example.com/")
            .unwrap()
            .protocol("chat")
    };
    type Edit = fn(&mut http::Response<()>);
    let cases: &[(&str, Edit, ResponseError)] = &[
        (
            "200",
            |r| *r.status_mut() = StatusCode::OK,
            ResponseError::Rejected(200),
        ),
        (
            "no Upgrade",
            |r| drop(r.headers_mut().remove("upgrade")),
            ResponseError::MissingUpgrade,
        ),
        (
            "no Connection",
            |r| {
                drop(r.headers_mut().remove("connection"));
            },
            ResponseError::MissingConnectionUpgrade,
        ),
        (
            "wrong accept",
            |r| {
                r.headers_mut()
                    .insert("sec-websocket-accept", HeaderValue::from_static("AAAA"));
            },
            ResponseError::InvalidAcceptKey,
        ),
        (
            "no accept",
            |r| {
                drop(r.headers_mut().remove("sec-websocket-accept"));
            },
            ResponseError::InvalidAcceptKey,
        ),
        (
            "unoffered protocol",
            |r| {
                r.headers_mut()
                    .insert("sec-websocket-protocol", HeaderValue::from_static("soap"));
            },
            ResponseError::ProtocolNotOffered,
        ),
        (
            "two protocols",
            |r| {
                r.headers_mut().insert(
                    "sec-websocket-protocol",
                    HeaderValue::from_static("chat, chat"),
                );
            },
            ResponseError::InvalidProtocol,
        ),
        (
            "unoffered extension",
            |r| {
                r.headers_mut().insert(
                    "sec-websocket-extensions",
                    HeaderValue::from_static("x-other"),
                );
            },
            ResponseError::ExtensionNotOffered,
        ),
    ];
    for (what, edit, error) in cases {
        let (mut response, pending) = handshake(client(), Accept::default().protocol("chat"));
        edit(&mut response);
        assert_eq!(pending.finish(&response).unwrap_err(), *error, "{what}");
    }
}

#[cfg(feature = "deflate")]
#[test]
fn deflate_is_negotiated_over_http_types_and_a_bad_answer_is_refused() {
    let (response, pending) = handshake(ClientRequest::new("ws://a/").unwrap(), Accept::default());
    let extensions = response.headers()["sec-websocket-extensions"]
        .to_str()
        .unwrap();
    assert!(extensions.starts_with("permessage-deflate"), "{extensions}");
    let conn = pending.finish(&response).unwrap();
    assert!(conn.deflate().is_some());

    let (mut response, pending) =
        handshake(ClientRequest::new("ws://a/").unwrap(), Accept::default());
    response.headers_mut().insert(
        "sec-websocket-extensions",
        HeaderValue::from_static("permessage-deflate; server_max_window_bits=99"),
    );
    assert_eq!(
        pending.finish(&response).unwrap_err(),
        ResponseError::InvalidDeflateParams
    );
}

#[test]
fn the_client_request_carries_the_upgrade_offers_and_extra_headers() {
    let (request, _) = ClientRequest::new("ws://example.com:8080/feed?x=1")
        .unwrap()
        .protocol("a")
        .protocol("b")
        .header("Origin", "https://example.com")
        .into_http(Config::default())
        .unwrap();
    assert_eq!(request.method(), Method::GET);
    assert_eq!(request.uri(), "/feed?x=1");
    assert_eq!(request.version(), Version::HTTP_11);
    let h = request.headers();
    assert_eq!(h["host"], "example.com:8080");
    assert_eq!(h["sec-websocket-version"], "13");
    assert_eq!(h["sec-websocket-protocol"], "a, b");
    assert_eq!(h["origin"], "https://example.com");
    assert_eq!(h["sec-websocket-key"].len(), 24);
    let offer = WebSocketRequest::upgrade(&request, Config::default()).unwrap();
    assert_eq!(offer.origin(), Some("https://example.com"));
}

#[test]
fn messages_flow_both_ways_after_an_http_types_handshake() {
    let (request, pending) = ClientRequest::new("ws://a/")
        .unwrap()
        .into_http(Config::default())
        .unwrap();
    let offer = WebSocketRequest::upgrade(&request, Config::default()).unwrap();
    let (response, mut server) = offer.accept(Accept::default()).unwrap();
    let mut client = pending.finish(&response).unwrap();
    client.send(Message::from("ping")).unwrap();
    server.receive(&client.take_output());
    assert_eq!(
        server.next_event().unwrap(),
        Some(Event::Message(Message::from("ping")))
    );
    server.send(Message::from("pong")).unwrap();
    client.receive(&server.take_output());
    assert_eq!(
        client.next_event().unwrap(),
        Some(Event::Message(Message::from("pong")))
    );
}

/// Starts the hyper example on 127.0.0.1; its address.
async fn start_hyper_echo() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(hyper_echo::serve(listener));
    addr
}

const LIMIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn hyper_upgrades_echo_and_our_tokio_client_talks_to_it() {
    tokio::time::timeout(LIMIT, async {
        let addr = start_hyper_echo().await;
        let options = ClientOptions::new(&format!("ws://{addr}/echo")).protocol("echo.v1");
        let (mut ws, _) = rfc6455::tokio::connect_with(options).await.unwrap();
        assert_eq!(ws.protocol(), Some("echo.v1"));
        #[cfg(feature = "deflate")]
        assert!(ws.connection().deflate().is_some(), "deflate negotiated");
        let big = Message::from((0..=255u8).cycle().take(300_000).collect::<Vec<u8>>());
        for message in [Message::from("Hello"), big] {
            ws.send(message.clone()).await.unwrap();
            assert_eq!(ws.next().await.transpose().unwrap(), Some(message));
        }
        ws.close().await.unwrap();
        assert!(ws.next().await.is_none());
    })
    .await
    .expect("within the time limit");
}

/// Sends a raw HTTP/1.1 request; the response's status line.
async fn status_line(addr: std::net::SocketAddr, path: &str) -> String {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tcp.read_to_end(&mut response).await.unwrap();
    let text = String::from_utf8(response).unwrap();
    text.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn hyper_serves_plain_http_beside_the_upgrade_and_refuses_a_plain_get_on_echo() {
    tokio::time::timeout(LIMIT, async {
        let addr = start_hyper_echo().await;
        assert_eq!(status_line(addr, "/").await, "HTTP/1.1 200 OK");
        assert_eq!(
            status_line(addr, "/nowhere").await,
            "HTTP/1.1 404 Not Found"
        );
        let refused = status_line(addr, "/echo").await;
        let expected = RequestError::MissingUpgrade.status();
        assert!(
            refused.starts_with(&format!("HTTP/1.1 {expected} ")),
            "{refused}"
        );
    })
    .await
    .expect("within the time limit");
}

/// A response as parsed from HTTP/1.1 bytes: status, fields (names
/// lower-cased), body.
struct Parsed {
    status: u16,
    fields: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

fn parse(bytes: &[u8]) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut response = httparse::Response::new(&mut headers);
    let httparse::Status::Complete(head) = response.parse(bytes).unwrap() else {
        panic!("an incomplete head");
    };
    Parsed {
        status: response.code.unwrap(),
        fields: response
            .headers
            .iter()
            .map(|h| (h.name.to_ascii_lowercase(), h.value.to_vec()))
            .collect(),
        body: bytes[head..].to_vec(),
    }
}

#[tokio::test]
async fn hyper_answers_a_plain_get_on_its_websocket_route_with_426_and_the_upgrade_headers() {
    tokio::time::timeout(LIMIT, async {
        let addr = start_hyper_echo().await;
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(b"GET /echo HTTP/1.1\r\nHost: a\r\n\r\n")
            .await
            .unwrap();
        // The answer closes the connection (`Connection: upgrade, close`).
        let mut answer = Vec::new();
        tcp.read_to_end(&mut answer).await.unwrap();
        let answer = parse(&answer);
        let field = |name: &str| {
            answer
                .fields
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
        };
        assert_eq!(answer.status, 426);
        assert_eq!(field("upgrade").as_deref(), Some("websocket"));
        assert_eq!(field("sec-websocket-version").as_deref(), Some("13"));
        let connection = field("connection").unwrap_or_default();
        assert!(connection.contains("upgrade"), "{connection}");
        assert_eq!(
            answer.body,
            RequestError::MissingUpgrade.response_body().as_bytes()
        );
    })
    .await
    .expect("within the time limit");
}

#[test]
fn hyper_upgrades_echo_and_python_websockets_talks_to_it() {
    let Some(python) = python::websockets() else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let addr = runtime.block_on(start_hyper_echo());
    let url = format!("ws://{addr}/echo");
    let (client, subprotocol) = python.echo_client(&url, &["echo.v1"], None);
    assert_eq!(subprotocol, "echo.v1");
    assert!(client.exits_cleanly_within(Duration::from_secs(20)));
}
