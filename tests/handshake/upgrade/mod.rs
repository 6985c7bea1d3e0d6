//! The opening handshake: server request validation and responses, client
//! requests and response validation, limits, and the hand-over of pipelined
//! bytes to the connection.

use rfc6455::handshake::{
    Accept, ClientHandshake, ClientRequest, HandshakeError, HeaderField, Misuse, Parsed, Request,
    RequestError, Response, ResponseError, ServerHandshake, accept_key,
};
use rfc6455::{Config, Connection, Event, Message};

use crate::common::{COUNTER_KEY, Counter};

mod client;
mod server_accept;

// ---------------------------------------------------------------- helpers

/// Joins header lines into a request head (CRLF line ends, blank line).
fn head(lines: &[&str]) -> Vec<u8> {
    let mut out = String::new();
    for line in lines {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out.into_bytes()
}

/// A minimal valid request, plus `extra` header lines.
fn request_with(extra: &[&str]) -> Vec<u8> {
    let mut lines = vec![
        "GET /chat HTTP/1.1",
        "Host: example.com",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ];
    lines.extend_from_slice(extra);
    head(&lines)
}

/// Feeds all of `bytes` at once.
fn parse(bytes: &[u8]) -> Result<Request, RequestError> {
    parse_with(bytes, &Config::default())
}

/// The request error inside `e`, which must be one.
fn request_error(e: HandshakeError) -> RequestError {
    match e {
        HandshakeError::Request(e) => e,
        other => panic!("not a request error: {other}"),
    }
}

/// The response error inside `e`, which must be one.
fn response_error(e: HandshakeError) -> ResponseError {
    match e {
        HandshakeError::Response(e) => e,
        other => panic!("not a response error: {other}"),
    }
}

fn parse_with(bytes: &[u8], config: &Config) -> Result<Request, RequestError> {
    let received = ServerHandshake::new(config.clone()).receive(bytes);
    match received.map_err(request_error)? {
        Some(request) => Ok(request),
        None => panic!("request incomplete"),
    }
}

/// Feeds `bytes` one byte at a time; the request must complete exactly at
/// the last byte.
fn parse_bytewise(bytes: &[u8]) -> Result<Request, RequestError> {
    let mut server = ServerHandshake::new(Config::default());
    for (i, b) in bytes.iter().enumerate() {
        let received = server.receive(std::slice::from_ref(b));
        if let Some(request) = received.map_err(request_error)? {
            assert_eq!(i + 1, bytes.len(), "request completed early");
            return Ok(request);
        }
    }
    panic!("request incomplete");
}

/// The error for `bytes`, checked to map to `status`, with its response.
fn rejection(bytes: &[u8], expected: RequestError, status: u16) -> String {
    let error = parse(bytes).expect_err("request should be rejected");
    assert_eq!(error, expected);
    assert_eq!(error.status(), status);
    let response = String::from_utf8(error.response()).unwrap();
    assert!(
        response.starts_with(&format!("HTTP/1.1 {status} ")),
        "{response}"
    );
    // `close`, after `upgrade` in a 426 (which names Upgrade, RFC 9110 7.8).
    let connection = response
        .lines()
        .find_map(|line| line.strip_prefix("Connection: "))
        .unwrap_or_default();
    assert!(connection.ends_with("close"), "{response}");
    response
}

/// A masked client text frame (key 1, 2, 3, 4).
fn masked_text_frame(text: &str) -> Vec<u8> {
    assert!(text.len() < 126);
    let key = [1u8, 2, 3, 4];
    let mut frame = vec![0x81, 0x80 | text.len() as u8];
    frame.extend_from_slice(&key);
    frame.extend(text.bytes().enumerate().map(|(i, b)| b ^ key[i % 4]));
    frame
}

/// An unmasked server text frame.
fn text_frame(text: &str) -> Vec<u8> {
    assert!(text.len() < 126);
    let mut frame = vec![0x81, text.len() as u8];
    frame.extend_from_slice(text.as_bytes());
    frame
}

fn expect_text(conn: &mut Connection, expected: &str) {
    match conn.next_event() {
        Ok(Some(Event::Message(Message::Text(text)))) => assert_eq!(text, expected),
        other => panic!("expected text {expected:?}, got {other:?}"),
    }
}

/// Starts a client handshake for `request` with deterministic randomness.
fn start(request: ClientRequest) -> (String, ClientHandshake) {
    let (bytes, handshake) = request
        .start_with_random(client_config(), Box::new(Counter(0)))
        .expect("valid request");
    (String::from_utf8(bytes).unwrap(), handshake)
}

/// The config client tests start with: without the automatic
/// permessage-deflate offer (`deflate` feature), so that a request holds only
/// the extensions a test offers.
fn client_config() -> Config {
    #[cfg_attr(not(feature = "deflate"), allow(unused_mut))]
    let mut config = Config::default();
    #[cfg(feature = "deflate")]
    {
        config.deflate.enabled = false;
    }
    config
}

/// A 101 response for `COUNTER_KEY`, plus `extra` header lines.
fn response_101(extra: &[&str]) -> Vec<u8> {
    let accept = format!(
        "Sec-WebSocket-Accept: {}",
        accept_key(COUNTER_KEY.as_bytes())
    );
    let mut lines = vec![
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
        accept.as_str(),
    ];
    lines.extend_from_slice(extra);
    head(&lines)
}

fn client_receive(
    request: ClientRequest,
    response: &[u8],
) -> Result<Option<Response>, ResponseError> {
    let (_, mut handshake) = start(request);
    handshake.receive(response).map_err(response_error)
}

fn ws_url() -> ClientRequest {
    ClientRequest::new("ws://example.com/chat").unwrap()
}

// ---------------------------------------------------------------- accept key

#[test]
fn accept_key_matches_rfc_6455_example() {
    assert_eq!(
        accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="),
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    );
}

// ---------------------------------------------------------------- real clients

const CHROME: &str = "GET /chat HTTP/1.1\r\n\
Host: example.com:8000\r\n\
Connection: Upgrade\r\n\
Pragma: no-cache\r\n\
Cache-Control: no-cache\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36\r\n\
Upgrade: websocket\r\n\
Origin: http://example.com:8000\r\n\
Sec-WebSocket-Version: 13\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Accept-Language: en-US,en;q=0.9\r\n\
Cookie: session=abc123\r\n\
Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\
\r\n";

const FIREFOX: &str = "GET /socket?token=abc&room=7 HTTP/1.1\r\n\
Host: localhost:9001\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0\r\n\
Accept: */*\r\n\
Accept-Language: en-US,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br, zstd\r\n\
Sec-WebSocket-Version: 13\r\n\
Origin: http://localhost:9001\r\n\
Sec-WebSocket-Protocol: chat, superchat\r\n\
Sec-WebSocket-Extensions: permessage-deflate\r\n\
Sec-WebSocket-Key: 9Xf2R4y7oS0x6QbqkLZ3Ag==\r\n\
DNT: 1\r\n\
Connection: keep-alive, Upgrade\r\n\
Sec-Fetch-Dest: empty\r\n\
Sec-Fetch-Mode: websocket\r\n\
Sec-Fetch-Site: same-origin\r\n\
Pragma: no-cache\r\n\
Cache-Control: no-cache\r\n\
Upgrade: websocket\r\n\
\r\n";

const CURL: &str = "GET /echo HTTP/1.1\r\n\
Host: localhost:8080\r\n\
User-Agent: curl/8.11.1\r\n\
Accept: */*\r\n\
Upgrade: websocket\r\n\
Sec-WebSocket-Version: 13\r\n\
Sec-WebSocket-Key: ZmVkY2JhOTg3NjU0MzIxMA==\r\n\
Connection: Upgrade\r\n\
\r\n";

const PYTHON_WEBSOCKETS: &str = "GET /ws HTTP/1.1\r\n\
Host: localhost:8765\r\n\
Upgrade: websocket\r\n\
Connection: Upgrade\r\n\
Sec-WebSocket-Key: lC0Yp7P3kGq2r3v0m5P+7A==\r\n\
Sec-WebSocket-Version: 13\r\n\
Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\
User-Agent: Python/3.12 websockets/13.1\r\n\
\r\n";

#[test]
fn accepts_chrome_request() {
    let request = parse(CHROME.as_bytes()).unwrap();
    assert_eq!(request.path(), "/chat");
    assert_eq!(request.query(), None);
    assert_eq!(request.host(), "example.com:8000");
    assert_eq!(request.origin(), Some("http://example.com:8000"));
    assert_eq!(request.key(), "x3JJHMbDL1EzLkh9GBhXDw==");
    assert_eq!(request.protocols().count(), 0);
    assert_eq!(
        request.extensions().collect::<Vec<_>>(),
        ["permessage-deflate; client_max_window_bits"]
    );
    assert_eq!(request.header("cookie"), Some(&b"session=abc123"[..]));
    let (response, _conn) = request.accept(Accept::default()).unwrap();
    let response = String::from_utf8(response).unwrap();
    assert!(response.contains("\r\nSec-WebSocket-Accept: HSmrc0sMlYUkAGmm5OPpG2HaGWk=\r\n"));
}

#[test]
fn accepts_firefox_request_with_keep_alive_upgrade_connection() {
    let request = parse(FIREFOX.as_bytes()).unwrap();
    assert_eq!(request.path(), "/socket");
    assert_eq!(request.query(), Some("token=abc&room=7"));
    assert_eq!(request.target(), "/socket?token=abc&room=7");
    assert_eq!(request.host(), "localhost:9001");
    assert_eq!(
        request.protocols().collect::<Vec<_>>(),
        ["chat", "superchat"]
    );
    assert_eq!(
        request.extensions().collect::<Vec<_>>(),
        ["permessage-deflate"]
    );
    assert_eq!(request.headers().count(), 18);
    assert_eq!(request.first_protocol_in(&["superchat"]), Some("superchat"));
    assert_eq!(request.first_protocol_in(&["graphql-ws"]), None);
}

#[test]
fn accepts_curl_request() {
    let request = parse(CURL.as_bytes()).unwrap();
    assert_eq!(request.path(), "/echo");
    assert_eq!(request.origin(), None);
    assert_eq!(request.header("User-Agent"), Some(&b"curl/8.11.1"[..]));
}

#[test]
fn accepts_python_websockets_request() {
    let request = parse(PYTHON_WEBSOCKETS.as_bytes()).unwrap();
    assert_eq!(request.path(), "/ws");
    assert_eq!(request.host(), "localhost:8765");
    assert_eq!(request.extensions().len(), 1);
}

#[test]
fn byte_at_a_time_feeding_equals_whole_feeding() {
    for text in [CHROME, FIREFOX, CURL, PYTHON_WEBSOCKETS] {
        let whole = parse(text.as_bytes()).unwrap();
        let bytewise = parse_bytewise(text.as_bytes()).unwrap();
        assert_eq!(format!("{whole:?}"), format!("{bytewise:?}"));
        assert_eq!(
            whole.headers().collect::<Vec<_>>(),
            bytewise.headers().collect::<Vec<_>>()
        );
        let a = whole.accept(Accept::default()).unwrap().0;
        let b = bytewise.accept(Accept::default()).unwrap().0;
        assert_eq!(a, b);
    }
}

#[test]
fn every_two_chunk_split_parses_the_same_request() {
    let bytes = FIREFOX.as_bytes();
    for split in 0..=bytes.len() {
        let mut server = ServerHandshake::new(Config::default());
        let first = server.receive(&bytes[..split]).unwrap();
        let request = match first {
            Some(r) => r,
            None => server.receive(&bytes[split..]).unwrap().expect("complete"),
        };
        assert_eq!(
            request.target(),
            "/socket?token=abc&room=7",
            "split {split}"
        );
        assert!(request.leftover().is_empty());
    }
}

// ---------------------------------------------------------------- leftovers

#[test]
fn pipelined_frame_after_request_reaches_the_connection() {
    let mut bytes = request_with(&[]);
    bytes.extend_from_slice(&masked_text_frame("early"));

    // All at once.
    let request = parse(&bytes).unwrap();
    assert_eq!(request.leftover(), &masked_text_frame("early")[..]);
    let (_, mut conn) = request.accept(Accept::default()).unwrap();
    expect_text(&mut conn, "early");

    // And with the request and the frame split arbitrarily.
    let mut server = ServerHandshake::new(Config::default());
    let (a, b) = bytes.split_at(bytes.len() - 5);
    assert!(server.receive(&a[..10]).unwrap().is_none());
    assert!(server.receive(&a[10..]).unwrap().is_some_and(|r| {
        let (_, mut conn) = r.accept(Accept::default()).unwrap();
        conn.receive(b);
        expect_text(&mut conn, "early");
        true
    }));
}

#[test]
fn stateless_parse_reports_partial_then_consumed_length() {
    let mut bytes = request_with(&[]);
    let head_len = bytes.len();
    let config = Config::default();
    assert!(matches!(
        Request::parse(&bytes[..head_len - 1], &config),
        Ok(Parsed::Partial)
    ));
    bytes.extend_from_slice(b"frames");
    match Request::parse(&bytes, &config).unwrap() {
        Parsed::Complete { request, consumed } => {
            assert_eq!(consumed, head_len);
            assert!(request.leftover().is_empty());
        }
        Parsed::Partial => panic!("complete request reported partial"),
    }
}

#[test]
fn receive_after_completion_or_failure_is_an_error() {
    let mut server = ServerHandshake::new(Config::default());
    assert!(server.receive(&request_with(&[])).unwrap().is_some());
    assert_eq!(
        server.receive(b"x").unwrap_err(),
        HandshakeError::Misuse(Misuse::AlreadyComplete)
    );

    let mut server = ServerHandshake::new(Config::default());
    assert_eq!(
        server.receive(b"POST / HTTP/1.1\r\n\r\n").unwrap_err(),
        HandshakeError::Request(RequestError::NotGet)
    );
    // A failed head stays failed (the original error, not a new one).
    assert_eq!(
        server.receive(&request_with(&[])).unwrap_err(),
        HandshakeError::Request(RequestError::NotGet)
    );
}

// ---------------------------------------------------------------- rejections

#[test]
fn rejects_non_get_with_405_and_allow_get() {
    let bytes = request_with(&[]);
    let post = [b"POST".as_slice(), &bytes[3..]].concat();
    let response = rejection(&post, RequestError::NotGet, 405);
    assert!(response.contains("\r\nAllow: GET\r\n"));
}

/// What every answer to a request that is not an upgrade carries: the
/// header RFC 9110 requires on a 426, and a body that names the cause and
/// points at a proxy that does not forward upgrades.
fn assert_upgrade_required_with_proxy_hint(response: &str, cause: &str) {
    assert!(
        response.contains("\r\nUpgrade: websocket\r\n"),
        "{response}"
    );
    let body = &response[response.find("\r\n\r\n").unwrap() + 4..];
    assert!(body.contains(cause), "{body}");
    assert!(body.contains("proxy"), "{body}");
    assert!(body.contains("proxy_http_version 1.1"), "{body}");
    assert!(
        body.contains("proxy_set_header Upgrade $http_upgrade"),
        "{body}"
    );
}

#[test]
fn rejects_http_1_0_with_426_upgrade_websocket_and_a_proxy_hint() {
    let bytes = String::from_utf8(request_with(&[])).unwrap();
    let old = bytes.replacen("HTTP/1.1", "HTTP/1.0", 1);
    let response = rejection(old.as_bytes(), RequestError::HttpVersion, 426);
    assert!(response.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
    assert_upgrade_required_with_proxy_hint(&response, "HTTP version");
}

#[test]
fn rejects_what_nginx_sends_upstream_by_default_with_426() {
    // An upgrade through an nginx without `proxy_http_version 1.1` and the
    // Upgrade/Connection headers: HTTP/1.0, `Connection: close`, no Upgrade.
    let proxied = head(&[
        "GET /chat HTTP/1.0",
        "Host: backend",
        "Connection: close",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ]);
    let error = parse(&proxied).unwrap_err();
    assert!(error.is_plain_http());
    let response = rejection(&proxied, RequestError::HttpVersion, 426);
    assert_upgrade_required_with_proxy_hint(&response, "HTTP version");
}

#[test]
fn rejects_missing_or_empty_host_with_400() {
    let no_host = head(&[
        "GET / HTTP/1.1",
        "Upgrade: websocket",
        "Connection: Upgrade",
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version: 13",
    ]);
    rejection(&no_host, RequestError::MissingHost, 400);
    let empty = String::from_utf8(request_with(&[]))
        .unwrap()
        .replace("Host: example.com", "Host: ");
    rejection(empty.as_bytes(), RequestError::MissingHost, 400);
}

#[test]
fn rejects_duplicate_host_with_400() {
    rejection(
        &request_with(&["Host: evil.example"]),
        RequestError::DuplicateHeader(HeaderField::Host),
        400,
    );
}

#[test]
fn rejects_missing_websocket_upgrade_token_with_426_and_a_proxy_hint() {
    let text = String::from_utf8(request_with(&[])).unwrap();
    let h2c = text.replace("Upgrade: websocket", "Upgrade: h2c");
    let response = rejection(h2c.as_bytes(), RequestError::MissingUpgrade, 426);
    assert_upgrade_required_with_proxy_hint(&response, "Upgrade header");
    let none = text.replace("Upgrade: websocket\r\n", "");
    let response = rejection(none.as_bytes(), RequestError::MissingUpgrade, 426);
    assert_upgrade_required_with_proxy_hint(&response, "Upgrade header");
}

#[test]
fn upgrade_and_connection_tokens_are_case_insensitive_lists() {
    let text = String::from_utf8(request_with(&[])).unwrap();
    let mixed = text
        .replace("Upgrade: websocket", "Upgrade: h2c, WebSocket")
        .replace("Connection: Upgrade", "Connection: keep-alive,UPGRADE");
    assert!(parse(mixed.as_bytes()).is_ok());
    // The token may be on a second Connection line.
    let split = text.replace(
        "Connection: Upgrade",
        "Connection: keep-alive\r\nConnection: upgrade",
    );
    assert!(parse(split.as_bytes()).is_ok());
}

#[test]
fn rejects_connection_without_upgrade_token_with_400() {
    let text = String::from_utf8(request_with(&[])).unwrap();
    let keep_alive = text.replace("Connection: Upgrade", "Connection: keep-alive");
    rejection(
        keep_alive.as_bytes(),
        RequestError::MissingConnectionUpgrade,
        400,
    );
    // "upgraded" is not the token "upgrade".
    let near = text.replace("Connection: Upgrade", "Connection: upgraded");
    rejection(near.as_bytes(), RequestError::MissingConnectionUpgrade, 400);
}

#[test]
fn rejects_missing_key_with_400() {
    let text = String::from_utf8(request_with(&[])).unwrap();
    let none = text.replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "");
    rejection(none.as_bytes(), RequestError::MissingKey, 400);
}

#[test]
fn rejects_key_that_is_not_16_bytes_of_base64_with_400() {
    let text = String::from_utf8(request_with(&[])).unwrap();
    for bad in [
        "SGVsbG8sIHdvcmxkIQ==",       // 13 bytes
        "dGhlIHNhbXBsZSBub25jZQ",     // unpadded
        "dGhlIHNhbXBsZSBub25jZQ==AA", // too long
        "dGhlIHNhbXBsZSBub25jZ!==",   // not base64
        "",
    ] {
        let req = text.replace("dGhlIHNhbXBsZSBub25jZQ==", bad);
        rejection(req.as_bytes(), RequestError::InvalidKey, 400);
    }
}

#[test]
fn rejects_duplicate_key_with_400() {
    rejection(
        &request_with(&["Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA=="]),
        RequestError::DuplicateHeader(HeaderField::SecWebSocketKey),
        400,
    );
}

#[test]
fn rejects_wrong_version_with_426_naming_version_13() {
    let text = String::from_utf8(request_with(&[])).unwrap();
    for bad in ["8", "14", "13, 8", ""] {
        let req = text.replace(
            "Sec-WebSocket-Version: 13",
            &format!("Sec-WebSocket-Version: {bad}"),
        );
        let response = rejection(req.as_bytes(), RequestError::UnsupportedVersion, 426);
        assert!(response.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
        assert!(response.contains("\r\nSec-WebSocket-Version: 13\r\n"));
    }
}

#[test]
fn rejects_missing_version_with_426_naming_version_13() {
    let text = String::from_utf8(request_with(&[])).unwrap();
    let none = text.replace("Sec-WebSocket-Version: 13\r\n", "");
    let response = rejection(none.as_bytes(), RequestError::UnsupportedVersion, 426);
    assert!(response.contains("\r\nSec-WebSocket-Version: 13\r\n"));
}

#[test]
fn rejects_duplicate_version_with_400() {
    rejection(
        &request_with(&["Sec-WebSocket-Version: 13"]),
        RequestError::DuplicateHeader(HeaderField::SecWebSocketVersion),
        400,
    );
}

#[test]
fn rejects_malformed_http_with_400() {
    rejection(
        b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
        RequestError::InvalidHttp,
        400,
    );
    rejection(b"\x00\x01\x02\r\n\r\n", RequestError::InvalidHttp, 400);
    rejection(
        &request_with(&["Content-Length: 5"]),
        RequestError::InvalidHttp,
        400,
    );
    rejection(
        &request_with(&["Transfer-Encoding: chunked"]),
        RequestError::InvalidHttp,
        400,
    );
}

#[test]
fn rejects_target_that_is_not_a_path_with_400() {
    let text = String::from_utf8(request_with(&[])).unwrap();
    for bad in ["*", "example.com:443", "/chat#frag"] {
        let req = text.replacen("/chat", bad, 1);
        rejection(req.as_bytes(), RequestError::InvalidTarget, 400);
    }
}

#[test]
fn absolute_form_target_yields_its_path_and_query() {
    let text = String::from_utf8(request_with(&[])).unwrap();
    let req = text.replacen("/chat", "http://example.com/chat?x=1", 1);
    let request = parse(req.as_bytes()).unwrap();
    assert_eq!(request.path(), "/chat");
    assert_eq!(request.query(), Some("x=1"));
}

#[test]
fn rejects_duplicate_origin_with_400() {
    rejection(
        &request_with(&["Origin: https://a.example", "Origin: https://b.example"]),
        RequestError::DuplicateHeader(HeaderField::Origin),
        400,
    );
}

// ---------------------------------------------------------------- limits

#[test]
fn one_mib_header_fed_byte_at_a_time_is_rejected_at_the_limit() {
    let config = Config::default();
    let mut server = ServerHandshake::new(config.clone());
    let mut input = b"GET / HTTP/1.1\r\nX-Big: ".to_vec();
    input.resize(input.len() + (1 << 20), b'a');
    let mut fed = 0;
    let mut error = None;
    for b in &input {
        fed += 1;
        match server.receive(std::slice::from_ref(b)) {
            Ok(None) => {}
            Ok(Some(_)) => panic!("an unterminated head completed"),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    assert_eq!(error, Some(HandshakeError::Request(RequestError::TooLarge)));
    assert!(fed <= config.max_handshake_size + 1, "fed {fed} bytes");
    assert_eq!(RequestError::TooLarge.status(), 431);
}

#[test]
fn oversized_head_in_one_chunk_is_rejected_with_431() {
    let mut bytes = request_with(&[]);
    let big = format!("X-Big: {}", "a".repeat(70_000));
    bytes = [&bytes[..bytes.len() - 2], big.as_bytes(), b"\r\n\r\n"].concat();
    rejection(&bytes, RequestError::TooLarge, 431);
}

#[test]
fn head_of_exactly_max_handshake_size_is_accepted() {
    let bytes = request_with(&[]);
    let mut config = Config::default();
    config.max_handshake_size = bytes.len();
    assert!(parse_with(&bytes, &config).is_ok());
    config.max_handshake_size = bytes.len() - 1;
    assert_eq!(
        ServerHandshake::new(config).receive(&bytes).unwrap_err(),
        HandshakeError::Request(RequestError::TooLarge)
    );
}

#[test]
fn too_many_headers_are_rejected_with_431_before_the_head_ends() {
    let config = Config::default();
    let mut server = ServerHandshake::new(config.clone());
    assert!(server.receive(b"GET / HTTP/1.1\r\n").unwrap().is_none());
    let mut result = Ok(None);
    let mut sent = 0;
    for i in 0..1000 {
        result = server.receive(format!("X-H{i}: v\r\n").as_bytes());
        sent += 1;
        if result.is_err() {
            break;
        }
    }
    assert_eq!(
        result.unwrap_err(),
        HandshakeError::Request(RequestError::TooManyHeaders)
    );
    assert_eq!(sent, config.max_headers + 1);
    assert_eq!(RequestError::TooManyHeaders.status(), 431);
}

#[test]
fn exactly_max_headers_are_accepted() {
    let mut config = Config::default();
    // Host, Upgrade, Connection, Sec-WebSocket-Key, Sec-WebSocket-Version.
    config.max_headers = 5;
    assert!(parse_with(&request_with(&[]), &config).is_ok());
    config.max_headers = 4;
    assert_eq!(
        ServerHandshake::new(config)
            .receive(&request_with(&[]))
            .unwrap_err(),
        HandshakeError::Request(RequestError::TooManyHeaders)
    );
}

// ---------------------------------------------------------------- end to end

#[cfg(feature = "std")]
#[test]
fn full_handshake_then_messages_both_ways() {
    let config = Config::default();
    let (request_bytes, mut client) = ClientRequest::new("ws://localhost:9001/echo")
        .unwrap()
        .protocol("echo")
        .start(config)
        .unwrap();
    let request = parse_bytewise(&request_bytes).unwrap();
    let protocol = request.first_protocol_in(&["echo"]).unwrap();
    let (response, mut server) = request
        .accept(Accept::default().protocol(protocol))
        .unwrap();
    let accepted = match client.receive(&response).unwrap() {
        Some(Response::Accepted(a)) => a,
        other => panic!("{other:?}"),
    };
    assert_eq!(accepted.protocol(), Some("echo"));
    let mut client = accepted.into_connection();
    assert_eq!(client.protocol(), Some("echo"));
    assert_eq!(server.protocol(), Some("echo"));
    client.send(Message::from("ping?")).unwrap();
    server.receive(&client.take_output());
    expect_text(&mut server, "ping?");
    server.send(Message::from("pong!")).unwrap();
    client.receive(&server.take_output());
    expect_text(&mut client, "pong!");
}

#[test]
fn arbitrary_bytes_fail_cleanly_and_the_same_in_any_chunking() {
    // A small deterministic sweep; the fuzzer covers the rest.
    fn outcome(r: Result<Option<Request>, HandshakeError>) -> String {
        match r {
            Ok(None) => "partial".into(),
            Ok(Some(request)) => request.target().to_string(),
            Err(e) => format!("{e:?}"),
        }
    }
    let mut state = 0x2545_f491_u32;
    let mut next = move || {
        // xorshift32
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state
    };
    let mut errors = 0;
    for len in 0..300 {
        let mut bytes = vec![0u8; len];
        for b in bytes.iter_mut() {
            let r = next();
            // Bias towards the bytes that matter to the head reader.
            *b = match r % 8 {
                0 => b'\r',
                1 => b'\n',
                2 => b' ',
                3 => b',',
                4 => b'"',
                _ => (r >> 8) as u8,
            };
        }
        let whole = outcome(ServerHandshake::new(Config::default()).receive(&bytes));
        let mut server = ServerHandshake::new(Config::default());
        let mut bytewise = outcome(Ok(None));
        for b in &bytes {
            bytewise = outcome(server.receive(std::slice::from_ref(b)));
            if bytewise != "partial" {
                break;
            }
        }
        assert_eq!(whole, bytewise, "input {bytes:?}");
        errors += usize::from(whole != "partial");

        let (_, mut client) = start(ws_url());
        let client_outcome = client.receive(&bytes);
        assert!(!matches!(client_outcome, Ok(Some(Response::Accepted(_)))));
    }
    assert!(errors > 100, "the sweep should reach the parser: {errors}");
}
