//! Extended CONNECT (RFC 8441 over HTTP/2, RFC 9220 over HTTP/3) as
//! values: the request and response the two sides make, every rule each
//! side checks, and the same negotiation as the HTTP/1.1 handshake.
#![cfg(feature = "http")]

use crate::common;

use http::{HeaderValue, Method, StatusCode, Uri, Version};
use proptest::prelude::*;
use rfc6455::handshake::extended_connect::PROTOCOL;
use rfc6455::handshake::http_types::{HttpHandshake, WebSocketRequest};
use rfc6455::handshake::{
    Accept, ClientRequest, HandshakeError, HeaderField, Misuse, RequestError, Response,
    ResponseError, ServerHandshake,
};
use rfc6455::{Config, Connection, Event, Message};

/// The client's request over `version`, and what checks the answer.
fn client(url: &str, version: Version) -> (http::Request<()>, HttpHandshake) {
    ClientRequest::new(url)
        .unwrap()
        .protocol("chat")
        .protocol("superchat")
        .header("Origin", "https://example.com")
        .extended_connect_with_random(
            version,
            true,
            Config::default(),
            Box::new(common::TestRandom(7)),
        )
        .unwrap()
}

/// Both sides' connections after a whole extended CONNECT over `version`.
fn open(version: Version) -> (Connection, Connection) {
    let (request, pending) = client("wss://example.com/chat?room=1", version);
    let offer =
        WebSocketRequest::extended_connect(&request, Some(PROTOCOL), Config::default()).unwrap();
    assert!(offer.is_extended_connect());
    assert_eq!(offer.origin(), Some("https://example.com"));
    let accept = Accept::default().protocol(offer.first_protocol_in(&["superchat"]).unwrap());
    let (response, server) = offer.accept(accept).unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.version(), version);
    for forbidden in ["sec-websocket-accept", "upgrade", "connection"] {
        assert!(!response.headers().contains_key(forbidden), "{forbidden}");
    }
    (pending.finish(&response).unwrap(), server)
}

#[test]
fn the_client_request_is_an_extended_connect_without_the_http11_upgrade_fields() {
    let (request, _) = client("wss://example.com:8443/chat?room=1", Version::HTTP_2);
    assert_eq!(request.method(), Method::CONNECT);
    assert_eq!(request.version(), Version::HTTP_2);
    let uri = request.uri();
    assert_eq!(uri.scheme_str(), Some("https"));
    assert_eq!(uri.authority().unwrap().as_str(), "example.com:8443");
    assert_eq!(uri.path_and_query().unwrap().as_str(), "/chat?room=1");
    let headers = request.headers();
    assert_eq!(headers["sec-websocket-version"], "13");
    assert_eq!(headers["sec-websocket-protocol"], "chat, superchat");
    for forbidden in ["sec-websocket-key", "upgrade", "connection", "host"] {
        assert!(!headers.contains_key(forbidden), "{forbidden}");
    }
    let (plain, _) = client("ws://example.com/", Version::HTTP_2);
    assert_eq!(plain.uri().scheme_str(), Some("http"));
}

/// Messages both ways; the server refuses unmasked frames, so the first
/// one arriving proves the client masks.
fn exchange(mut client: Connection, mut server: Connection) {
    assert_eq!(client.protocol(), Some("superchat"));
    assert_eq!(server.protocol(), Some("superchat"));
    #[cfg(feature = "deflate")]
    assert!(client.deflate().is_some() && server.deflate().is_some());
    client.send(Message::from("over a stream")).unwrap();
    server.receive(&client.take_output());
    assert_eq!(
        server.next_event().unwrap(),
        Some(Event::Message(Message::from("over a stream")))
    );
    server.send(Message::from("back")).unwrap();
    client.receive(&server.take_output());
    assert_eq!(
        client.next_event().unwrap(),
        Some(Event::Message(Message::from("back")))
    );
}

#[test]
fn a_websocket_opens_over_an_http2_extended_connect() {
    let (client, server) = open(Version::HTTP_2);
    exchange(client, server);
}

#[test]
fn rfc_9220_opens_a_websocket_over_http3_by_the_same_rules() {
    let (client, server) = open(Version::HTTP_3);
    exchange(client, server);
}

/// A valid extended CONNECT request, as h2 or h3 hand it over.
fn valid_request() -> http::Request<()> {
    http::Request::builder()
        .method(Method::CONNECT)
        .version(Version::HTTP_2)
        .uri("https://example.com/chat")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-protocol", "chat")
        .body(())
        .unwrap()
}

#[test]
fn every_extended_connect_rule_refuses_with_its_error() {
    type Edit = fn(&mut http::Request<()>);
    let cases: &[(&str, Edit, RequestError)] = &[
        (
            "HTTP/1.1",
            |r| *r.version_mut() = Version::HTTP_11,
            RequestError::HttpVersion,
        ),
        (
            "GET",
            |r| *r.method_mut() = Method::GET,
            RequestError::NotConnect,
        ),
        (
            "no :authority",
            |r| *r.uri_mut() = Uri::from_static("/chat"),
            RequestError::MissingHost,
        ),
        (
            "ftp",
            |r| *r.uri_mut() = Uri::from_static("ftp://a/chat"),
            RequestError::InvalidTarget,
        ),
        (
            // Plain CONNECT's authority form: no :scheme, no :path.
            "authority form",
            |r| *r.uri_mut() = Uri::from_static("example.com:443"),
            RequestError::InvalidTarget,
        ),
        (
            "a key",
            |r| {
                r.headers_mut().insert(
                    "sec-websocket-key",
                    HeaderValue::from_static("dGhlIHNhbXBsZSBub25jZQ=="),
                );
            },
            RequestError::ForbiddenHeader(HeaderField::SecWebSocketKey),
        ),
        (
            "Upgrade",
            |r| {
                r.headers_mut()
                    .insert("upgrade", HeaderValue::from_static("websocket"));
            },
            RequestError::ForbiddenHeader(HeaderField::Upgrade),
        ),
        (
            "Connection",
            |r| {
                r.headers_mut()
                    .insert("connection", HeaderValue::from_static("upgrade"));
            },
            RequestError::ForbiddenHeader(HeaderField::Connection),
        ),
        (
            "no version",
            |r| drop(r.headers_mut().remove("sec-websocket-version")),
            RequestError::UnsupportedVersion,
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
            "two versions",
            |r| {
                r.headers_mut()
                    .append("sec-websocket-version", HeaderValue::from_static("13"));
            },
            RequestError::DuplicateHeader(HeaderField::SecWebSocketVersion),
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
    for version in [Version::HTTP_2, Version::HTTP_3] {
        for (what, edit, error) in cases {
            let mut request = valid_request();
            *request.version_mut() = version;
            edit(&mut request);
            let result =
                WebSocketRequest::extended_connect(&request, Some(PROTOCOL), Config::default());
            assert_eq!(result.unwrap_err(), *error, "{what} over {version:?}");
        }
    }
    for protocol in [None, Some("webtransport")] {
        let result =
            WebSocketRequest::extended_connect(&valid_request(), protocol, Config::default());
        assert_eq!(
            result.unwrap_err(),
            RequestError::MissingProtocol,
            "{protocol:?}"
        );
    }
    let upper =
        WebSocketRequest::extended_connect(&valid_request(), Some("WebSocket"), Config::default());
    assert!(upper.is_ok(), "upgrade tokens compare case-insensitively");
}

#[test]
fn a_request_that_is_not_an_extended_connect_websocket_is_plain_http() {
    assert!(RequestError::NotConnect.is_plain_http());
    assert!(RequestError::MissingProtocol.is_plain_http());
    assert!(!RequestError::ForbiddenHeader(HeaderField::Upgrade).is_plain_http());
    assert_eq!(RequestError::NotConnect.status(), 405);
    assert_eq!(
        RequestError::ForbiddenHeader(HeaderField::Upgrade).status(),
        400
    );
}

#[test]
fn every_extended_connect_response_rule_refuses_with_its_error() {
    type Edit = fn(&mut http::Response<()>);
    let cases: &[(&str, Edit, ResponseError)] = &[
        (
            "101",
            |r| *r.status_mut() = StatusCode::SWITCHING_PROTOCOLS,
            ResponseError::Rejected(101),
        ),
        (
            "403",
            |r| *r.status_mut() = StatusCode::FORBIDDEN,
            ResponseError::Rejected(403),
        ),
        (
            "an accept key",
            |r| {
                r.headers_mut()
                    .insert("sec-websocket-accept", HeaderValue::from_static("x"));
            },
            ResponseError::ForbiddenHeader(HeaderField::SecWebSocketAccept),
        ),
        (
            "Upgrade",
            |r| {
                r.headers_mut()
                    .insert("upgrade", HeaderValue::from_static("websocket"));
            },
            ResponseError::ForbiddenHeader(HeaderField::Upgrade),
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
                    HeaderValue::from_static("chat, superchat"),
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
        let (request, pending) = client("wss://example.com/", Version::HTTP_2);
        let offer = WebSocketRequest::extended_connect(&request, Some(PROTOCOL), Config::default())
            .unwrap();
        let (mut response, _) = offer.accept(Accept::default()).unwrap();
        edit(&mut response);
        assert_eq!(pending.finish(&response).unwrap_err(), *error, "{what}");
    }
}

#[test]
fn any_2xx_answer_opens_the_websocket_as_rfc_8441_says() {
    let (request, pending) = client("wss://example.com/", Version::HTTP_2);
    let offer =
        WebSocketRequest::extended_connect(&request, Some(PROTOCOL), Config::default()).unwrap();
    let (mut response, server) = offer.accept(Accept::default()).unwrap();
    *response.status_mut() = StatusCode::ACCEPTED;
    let (mut client, mut server) = (pending.finish(&response).unwrap(), server);
    client.send(Message::from("accepted")).unwrap();
    server.receive(&client.take_output());
    assert_eq!(
        server.next_event().unwrap(),
        Some(Event::Message(Message::from("accepted")))
    );
}

#[test]
fn the_client_refuses_before_sending_when_the_peer_did_not_enable_extended_connect() {
    let request = || ClientRequest::new("wss://example.com/").unwrap();
    let disabled = request().extended_connect(Version::HTTP_2, false, Config::default());
    assert_eq!(
        disabled.unwrap_err(),
        HandshakeError::Response(ResponseError::ConnectProtocolDisabled)
    );
    let http11 = request().extended_connect(Version::HTTP_11, true, Config::default());
    assert_eq!(
        http11.unwrap_err(),
        HandshakeError::Misuse(Misuse::HttpVersion)
    );
    for connection_specific in ["TE", "keep-alive", "Proxy-Connection"] {
        let with = request().header(connection_specific, "x").extended_connect(
            Version::HTTP_3,
            true,
            Config::default(),
        );
        assert_eq!(
            with.unwrap_err(),
            HandshakeError::Misuse(Misuse::InvalidHeader),
            "{connection_specific}"
        );
    }
}

/// The connections an HTTP/1.1 handshake in bytes makes, for comparison.
fn over_http11(client: ClientRequest, accept: Accept, config: &Config) -> (Connection, Connection) {
    let (bytes, mut pending) = client
        .start_with_random(config.clone(), Box::new(common::TestRandom(1)))
        .unwrap();
    let request = ServerHandshake::new(config.clone())
        .receive(&bytes)
        .unwrap()
        .unwrap();
    let (response, server) = request.accept(accept).unwrap();
    match pending.receive(&response).unwrap() {
        Some(Response::Accepted(accepted)) => (accepted.into_connection(), server),
        other => panic!("unexpected {other:?}"),
    }
}

fn over_extended_connect(
    client: ClientRequest,
    accept: Accept,
    config: &Config,
) -> (Connection, Connection) {
    let (request, pending) = client
        .extended_connect_with_random(
            Version::HTTP_2,
            true,
            config.clone(),
            Box::new(common::TestRandom(1)),
        )
        .unwrap();
    let offer =
        WebSocketRequest::extended_connect(&request, Some(PROTOCOL), config.clone()).unwrap();
    let (response, server) = offer.accept(accept).unwrap();
    (pending.finish(&response).unwrap(), server)
}

/// What a connection knows of its handshake.
fn agreed(conn: &Connection) -> (Option<String>, Vec<String>) {
    (
        conn.protocol().map(str::to_owned),
        conn.extensions().map(str::to_owned).collect(),
    )
}

proptest! {
    #[test]
    fn extended_connect_negotiates_exactly_what_http11_does(
        offered in proptest::sample::subsequence(vec!["a", "b", "c", "d"], 0..=4),
        pick in 0usize..5,
        no_context in any::<bool>(),
        bits in 8u8..=15,
    ) {
        #[cfg_attr(not(feature = "deflate"), allow(unused_mut))]
        let mut config = Config::default();
        #[cfg(feature = "deflate")]
        {
            config.deflate.client_no_context_takeover = no_context;
            config.deflate.server_max_window_bits = bits;
        }
        #[cfg(not(feature = "deflate"))]
        let _ = (no_context, bits);
        let request = || {
            offered
                .iter()
                .fold(ClientRequest::new("ws://example.com/").unwrap(), |r, p| r.protocol(p))
        };
        let accept = || match offered.get(pick) {
            Some(p) => Accept::default().protocol(p),
            None => Accept::default(),
        };
        let (h1_client, h1_server) = over_http11(request(), accept(), &config);
        let (h2_client, h2_server) = over_extended_connect(request(), accept(), &config);
        prop_assert_eq!(agreed(&h1_client), agreed(&h2_client));
        prop_assert_eq!(agreed(&h1_server), agreed(&h2_server));
        #[cfg(feature = "deflate")]
        {
            prop_assert_eq!(h1_client.deflate(), h2_client.deflate());
            prop_assert_eq!(h1_server.deflate(), h2_server.deflate());
        }
    }
}
