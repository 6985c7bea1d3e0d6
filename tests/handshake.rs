//! The opening handshake: server request validation and responses, client
//! requests and response validation, limits, and the hand-over of pipelined
//! bytes to the connection.

use rfc6455::handshake::{
    Accept, ClientHandshake, ClientRequest, HandshakeError, Parsed, Request, Response,
    ServerHandshake, accept_key,
};
use rfc6455::{Config, Connection, Event, Message, RandomSource};

// ---------------------------------------------------------------- helpers

/// Deterministic bytes: 1, 2, 3, ...
struct Counter(u8);

impl RandomSource for Counter {
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for b in dest {
            self.0 = self.0.wrapping_add(1);
            *b = self.0;
        }
    }
}

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
fn parse(bytes: &[u8]) -> Result<Request, HandshakeError> {
    parse_with(bytes, &Config::default())
}

fn parse_with(bytes: &[u8], config: &Config) -> Result<Request, HandshakeError> {
    match ServerHandshake::new(config.clone()).receive(bytes)? {
        Some(request) => Ok(request),
        None => panic!("request incomplete"),
    }
}

/// Feeds `bytes` one byte at a time; the request must complete exactly at
/// the last byte.
fn parse_bytewise(bytes: &[u8]) -> Result<Request, HandshakeError> {
    let mut server = ServerHandshake::new(Config::default());
    for (i, b) in bytes.iter().enumerate() {
        if let Some(request) = server.receive(std::slice::from_ref(b))? {
            assert_eq!(i + 1, bytes.len(), "request completed early");
            return Ok(request);
        }
    }
    panic!("request incomplete");
}

/// The error for `bytes`, checked to map to `status`, with its response.
fn rejection(bytes: &[u8], expected: HandshakeError, status: u16) -> String {
    let error = parse(bytes).expect_err("request should be rejected");
    assert_eq!(error, expected);
    assert_eq!(error.http_status(), Some(status));
    let response = String::from_utf8(error.response().expect("has a response")).unwrap();
    assert!(
        response.starts_with(&format!("HTTP/1.1 {status} ")),
        "{response}"
    );
    assert!(response.contains("\r\nConnection: close\r\n"));
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

/// The key `Counter(0)` yields: base64 of bytes 1..=16.
const COUNTER_KEY: &str = "AQIDBAUGBwgJCgsMDQ4PEA==";

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
) -> Result<Option<Response>, HandshakeError> {
    let (_, mut handshake) = start(request);
    handshake.receive(response)
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
        HandshakeError::AlreadyComplete
    );

    let mut server = ServerHandshake::new(Config::default());
    assert_eq!(
        server.receive(b"POST / HTTP/1.1\r\n\r\n").unwrap_err(),
        HandshakeError::NotGet
    );
    // A failed head stays failed (the original error, not a new one).
    assert_eq!(
        server.receive(&request_with(&[])).unwrap_err(),
        HandshakeError::NotGet
    );
}

// ---------------------------------------------------------------- rejections

#[test]
fn rejects_non_get_with_405_and_allow_get() {
    let bytes = request_with(&[]);
    let post = [b"POST".as_slice(), &bytes[3..]].concat();
    let response = rejection(&post, HandshakeError::NotGet, 405);
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
    let response = rejection(old.as_bytes(), HandshakeError::HttpVersion, 426);
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
    let response = rejection(&proxied, HandshakeError::HttpVersion, 426);
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
    rejection(&no_host, HandshakeError::MissingHost, 400);
    let empty = String::from_utf8(request_with(&[]))
        .unwrap()
        .replace("Host: example.com", "Host: ");
    rejection(empty.as_bytes(), HandshakeError::MissingHost, 400);
}

#[test]
fn rejects_duplicate_host_with_400() {
    rejection(
        &request_with(&["Host: evil.example"]),
        HandshakeError::DuplicateHeader("Host"),
        400,
    );
}

#[test]
fn rejects_missing_websocket_upgrade_token_with_426_and_a_proxy_hint() {
    let text = String::from_utf8(request_with(&[])).unwrap();
    let h2c = text.replace("Upgrade: websocket", "Upgrade: h2c");
    let response = rejection(h2c.as_bytes(), HandshakeError::MissingUpgrade, 426);
    assert_upgrade_required_with_proxy_hint(&response, "Upgrade header");
    let none = text.replace("Upgrade: websocket\r\n", "");
    let response = rejection(none.as_bytes(), HandshakeError::MissingUpgrade, 426);
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
        HandshakeError::MissingConnectionUpgrade,
        400,
    );
    // "upgraded" is not the token "upgrade".
    let near = text.replace("Connection: Upgrade", "Connection: upgraded");
    rejection(
        near.as_bytes(),
        HandshakeError::MissingConnectionUpgrade,
        400,
    );
}

#[test]
fn rejects_missing_key_with_400() {
    let text = String::from_utf8(request_with(&[])).unwrap();
    let none = text.replace("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", "");
    rejection(none.as_bytes(), HandshakeError::MissingKey, 400);
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
        rejection(req.as_bytes(), HandshakeError::InvalidKey, 400);
    }
}

#[test]
fn rejects_duplicate_key_with_400() {
    rejection(
        &request_with(&["Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA=="]),
        HandshakeError::DuplicateHeader("Sec-WebSocket-Key"),
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
        let response = rejection(req.as_bytes(), HandshakeError::UnsupportedVersion, 426);
        assert!(response.starts_with("HTTP/1.1 426 Upgrade Required\r\n"));
        assert!(response.contains("\r\nSec-WebSocket-Version: 13\r\n"));
    }
}

#[test]
fn rejects_missing_version_with_426_naming_version_13() {
    let text = String::from_utf8(request_with(&[])).unwrap();
    let none = text.replace("Sec-WebSocket-Version: 13\r\n", "");
    let response = rejection(none.as_bytes(), HandshakeError::UnsupportedVersion, 426);
    assert!(response.contains("\r\nSec-WebSocket-Version: 13\r\n"));
}

#[test]
fn rejects_duplicate_version_with_400() {
    rejection(
        &request_with(&["Sec-WebSocket-Version: 13"]),
        HandshakeError::DuplicateHeader("Sec-WebSocket-Version"),
        400,
    );
}

#[test]
fn rejects_malformed_http_with_400() {
    rejection(
        b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
        HandshakeError::InvalidHttp,
        400,
    );
    rejection(b"\x00\x01\x02\r\n\r\n", HandshakeError::InvalidHttp, 400);
    rejection(
        &request_with(&["Content-Length: 5"]),
        HandshakeError::InvalidHttp,
        400,
    );
    rejection(
        &request_with(&["Transfer-Encoding: chunked"]),
        HandshakeError::InvalidHttp,
        400,
    );
}

#[test]
fn rejects_target_that_is_not_a_path_with_400() {
    let text = String::from_utf8(request_with(&[])).unwrap();
    for bad in ["*", "example.com:443", "/chat#frag"] {
        let req = text.replacen("/chat", bad, 1);
        rejection(req.as_bytes(), HandshakeError::InvalidUri, 400);
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
        HandshakeError::DuplicateHeader("Origin"),
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
    assert_eq!(error, Some(HandshakeError::TooLarge));
    assert!(fed <= config.max_handshake_size + 1, "fed {fed} bytes");
    assert_eq!(HandshakeError::TooLarge.http_status(), Some(431));
}

#[test]
fn oversized_head_in_one_chunk_is_rejected_with_431() {
    let mut bytes = request_with(&[]);
    let big = format!("X-Big: {}", "a".repeat(70_000));
    bytes = [&bytes[..bytes.len() - 2], big.as_bytes(), b"\r\n\r\n"].concat();
    rejection(&bytes, HandshakeError::TooLarge, 431);
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
        HandshakeError::TooLarge
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
    assert_eq!(result.unwrap_err(), HandshakeError::TooManyHeaders);
    assert_eq!(sent, config.max_headers + 1);
    assert_eq!(HandshakeError::TooManyHeaders.http_status(), Some(431));
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
        HandshakeError::TooManyHeaders
    );
}

// ---------------------------------------------------------------- token lists

fn big_config() -> Config {
    let mut config = Config::default();
    config.max_handshake_size = 1 << 20;
    config
}

#[test]
fn protocol_list_of_64k_spaces_and_commas_parses_in_linear_time() {
    // CVE-2021-32640: 'b' + spaces + 'x' made a regex backtrack.
    let spaces = format!("Sec-WebSocket-Protocol: b{}x", " ".repeat(64 << 10));
    let error = parse_with(&request_with(&[&spaces]), &big_config()).unwrap_err();
    assert_eq!(error, HandshakeError::InvalidProtocol);
    assert_eq!(error.http_status(), Some(400));

    let commas = format!(
        "Sec-WebSocket-Protocol: {}chat{}",
        ", ".repeat(32 << 10),
        " ,".repeat(16 << 10)
    );
    let request = parse_with(&request_with(&[&commas]), &big_config()).unwrap();
    assert_eq!(request.protocols().collect::<Vec<_>>(), ["chat"]);
}

#[test]
fn protocols_span_header_lines_in_order_and_are_trimmed() {
    let request = parse(&request_with(&[
        "Sec-WebSocket-Protocol:  a ,\tb",
        "Sec-WebSocket-Protocol: c",
    ]))
    .unwrap();
    assert_eq!(request.protocols().collect::<Vec<_>>(), ["a", "b", "c"]);
    assert_eq!(request.first_protocol_in(&["c", "a"]), Some("c"));
}

#[test]
fn extension_offer_with_unclosed_quote_and_10k_params_is_rejected_in_linear_time() {
    // CVE-2020-7662: an unclosed quoted string full of backslash escapes.
    let mut value = String::from("Sec-WebSocket-Extensions: a");
    for i in 0..10_000 {
        value.push_str(&format!("; p{i}=1"));
    }
    value.push_str("; b=\"");
    value.push_str(&"\\c".repeat(20_000));
    let error = parse_with(&request_with(&[&value]), &big_config()).unwrap_err();
    assert_eq!(error, HandshakeError::InvalidExtension);
    assert_eq!(error.http_status(), Some(400));
}

#[test]
fn extension_offer_with_10k_params_is_one_element() {
    let mut value = String::from("Sec-WebSocket-Extensions: x-big");
    for i in 0..10_000 {
        value.push_str(&format!("; p{i}=\"v,{i}\""));
    }
    let request = parse_with(&request_with(&[&value]), &big_config()).unwrap();
    assert_eq!(request.extensions().len(), 1);
    assert!(
        request
            .extensions()
            .next()
            .unwrap()
            .ends_with("p9999=\"v,9999\"")
    );
}

#[test]
fn extension_offers_split_on_top_level_commas_across_lines() {
    let request = parse(&request_with(&[
        "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-foo; a=\"1,2\"",
        "Sec-WebSocket-Extensions: permessage-deflate",
    ]))
    .unwrap();
    assert_eq!(
        request.extensions().collect::<Vec<_>>(),
        [
            "permessage-deflate; client_max_window_bits",
            "x-foo; a=\"1,2\"",
            "permessage-deflate"
        ]
    );
}

#[test]
fn rejects_protocol_that_is_not_a_token_with_400() {
    rejection(
        &request_with(&["Sec-WebSocket-Protocol: chat, a/b"]),
        HandshakeError::InvalidProtocol,
        400,
    );
}

// ---------------------------------------------------------------- headers

#[test]
fn header_lookup_is_case_insensitive_and_returns_the_first() {
    let request = parse(&request_with(&["X-Thing: one", "x-thing: two"])).unwrap();
    assert_eq!(request.header("X-THING"), Some(&b"one"[..]));
    assert_eq!(request.header("missing"), None);
    let all: Vec<_> = request
        .headers()
        .filter(|(n, _)| n.eq_ignore_ascii_case("x-thing"))
        .map(|(_, v)| v)
        .collect();
    assert_eq!(all, [&b"one"[..], b"two"]);
    assert_eq!(
        request.headers().next(),
        Some(("Host", &b"example.com"[..]))
    );
}

// ---------------------------------------------------------------- accepting

#[test]
fn accept_writes_101_with_protocol_and_extra_headers() {
    let request = parse(&request_with(&["Sec-WebSocket-Protocol: soap, xmpp"])).unwrap();
    let accept = Accept::default()
        .protocol("xmpp")
        .header("Set-Cookie", "a=b");
    let (response, _conn) = request.accept(accept).unwrap();
    assert_eq!(
        String::from_utf8(response).unwrap(),
        "HTTP/1.1 101 Switching Protocols\r\n\
         Upgrade: websocket\r\n\
         Connection: Upgrade\r\n\
         Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
         Sec-WebSocket-Protocol: xmpp\r\n\
         Set-Cookie: a=b\r\n\
         \r\n"
    );
}

#[test]
fn accept_refuses_protocol_not_offered() {
    let request = parse(&request_with(&["Sec-WebSocket-Protocol: soap"])).unwrap();
    let error = request
        .accept(Accept::default().protocol("xmpp"))
        .unwrap_err();
    assert_eq!(error, HandshakeError::ProtocolNotOffered);
    // Subprotocol names are compared exactly.
    let request = parse(&request_with(&["Sec-WebSocket-Protocol: soap"])).unwrap();
    assert!(request.accept(Accept::default().protocol("SOAP")).is_err());
}

#[test]
fn accept_writes_offered_extension_and_refuses_others() {
    let offer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits";
    let request = parse(&request_with(&[offer])).unwrap();
    let accept = Accept::default().extension("permessage-deflate; server_no_context_takeover");
    let (response, _) = request.accept(accept).unwrap();
    assert!(String::from_utf8(response).unwrap().contains(
        "\r\nSec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n"
    ));
    let request = parse(&request_with(&[offer])).unwrap();
    let error = request
        .accept(Accept::default().extension("x-webkit-deflate-frame"))
        .unwrap_err();
    assert_eq!(error, HandshakeError::ExtensionNotOffered);
}

#[test]
fn accept_refuses_header_injection_and_reserved_headers() {
    for accept in [
        Accept::default().header("Set-Cookie", "a=b\r\nX-Evil: 1"),
        Accept::default().header("X-A", "line\nbreak"),
        Accept::default().header("Bad Name", "v"),
        Accept::default().header("", "v"),
        Accept::default().header("sec-websocket-accept", "forged"),
        Accept::default().header("Connection", "close"),
        Accept::default().extension("x\r\nEvil: 1"),
        Accept::default().extension(" , "),
    ] {
        let request = parse(&request_with(&[])).unwrap();
        assert_eq!(
            request.accept(accept).unwrap_err(),
            HandshakeError::InvalidHeader
        );
    }
}

#[test]
fn reject_writes_a_complete_response_with_the_given_status() {
    let request = parse(&request_with(&[])).unwrap();
    let response = String::from_utf8(request.reject(403, b"forbidden origin")).unwrap();
    assert!(response.starts_with("HTTP/1.1 403 Forbidden\r\n"));
    assert!(response.contains("\r\nContent-Length: 16\r\n"));
    assert!(response.contains("\r\nConnection: close\r\n"));
    assert!(response.ends_with("\r\n\r\nforbidden origin"));
}

// ---------------------------------------------------------------- client: URLs

#[test]
fn client_url_matrix() {
    let cases: &[(&str, &str, u16, bool, &str)] = &[
        ("ws://example.com", "example.com", 80, false, "/"),
        ("wss://example.com", "example.com", 443, true, "/"),
        ("WS://Example.com/", "Example.com", 80, false, "/"),
        (
            "WsS://example.com:8443/a/b",
            "example.com",
            8443,
            true,
            "/a/b",
        ),
        (
            "ws://example.com:80/chat?x=1&y=2",
            "example.com",
            80,
            false,
            "/chat?x=1&y=2",
        ),
        ("ws://example.com?x=1", "example.com", 80, false, "/?x=1"),
        ("ws://127.0.0.1:9001/", "127.0.0.1", 9001, false, "/"),
        ("ws://[::1]/", "::1", 80, false, "/"),
        (
            "wss://[2001:db8::1]:8443/p?q",
            "2001:db8::1",
            8443,
            true,
            "/p?q",
        ),
        ("ws://example.com:/", "example.com", 80, false, "/"),
    ];
    for &(url, host, port, secure, resource) in cases {
        let r = ClientRequest::new(url).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(
            (r.host(), r.port(), r.is_secure(), r.resource()),
            (host, port, secure, resource),
            "{url}"
        );
    }
}

#[test]
fn client_url_errors() {
    let cases: &[(&str, HandshakeError)] = &[
        ("ws://example.com/#frag", HandshakeError::FragmentInUri),
        ("ws://example.com#", HandshakeError::FragmentInUri),
        ("http://example.com/", HandshakeError::UnsupportedScheme),
        ("ftp://example.com/", HandshakeError::UnsupportedScheme),
        ("example.com/chat", HandshakeError::InvalidUri),
        ("ws:example.com", HandshakeError::InvalidUri),
        ("ws:///path", HandshakeError::InvalidUri),
        ("ws://user:pw@example.com/", HandshakeError::InvalidUri),
        ("ws://example.com:0/", HandshakeError::InvalidUri),
        ("ws://example.com:99999/", HandshakeError::InvalidUri),
        ("ws://example.com:8o/", HandshakeError::InvalidUri),
        ("ws://[::1/", HandshakeError::InvalidUri),
        ("ws://[not-ip]/", HandshakeError::InvalidUri),
        ("ws://exa mple.com/", HandshakeError::InvalidUri),
        ("ws://example.com/a b", HandshakeError::InvalidUri),
        ("ws://example.com/caf\u{e9}", HandshakeError::InvalidUri),
        ("ws://example.com/\r\nX: 1", HandshakeError::InvalidUri),
    ];
    for &(url, expected) in cases {
        assert_eq!(ClientRequest::new(url).unwrap_err(), expected, "{url}");
    }
}

// ---------------------------------------------------------------- client: request

#[test]
fn client_request_contains_the_required_headers() {
    let request = ClientRequest::new("ws://example.com/chat?room=1")
        .unwrap()
        .protocol("chat")
        .protocol("superchat")
        .extension("permessage-deflate; client_max_window_bits")
        .extension("x-foo")
        .header("Origin", "http://example.com");
    let (text, _) = start(request);
    assert_eq!(
        text,
        format!(
            "GET /chat?room=1 HTTP/1.1\r\n\
             Host: example.com\r\n\
             Upgrade: websocket\r\n\
             Connection: Upgrade\r\n\
             Sec-WebSocket-Key: {COUNTER_KEY}\r\n\
             Sec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Protocol: chat, superchat\r\n\
             Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits, x-foo\r\n\
             Origin: http://example.com\r\n\
             \r\n"
        )
    );
}

#[test]
fn client_host_header_has_port_only_when_not_default_and_brackets_ipv6() {
    let host_line = |url: &str| {
        let (text, _) = start(ClientRequest::new(url).unwrap());
        text.lines()
            .find(|l| l.starts_with("Host: "))
            .unwrap()
            .to_string()
    };
    assert_eq!(host_line("ws://a.example:80/"), "Host: a.example");
    assert_eq!(host_line("wss://a.example:443/"), "Host: a.example");
    assert_eq!(host_line("ws://a.example:443/"), "Host: a.example:443");
    assert_eq!(host_line("wss://a.example:8443/"), "Host: a.example:8443");
    assert_eq!(host_line("ws://[::1]/"), "Host: [::1]");
    assert_eq!(host_line("ws://[::1]:9001/"), "Host: [::1]:9001");
}

#[test]
fn client_request_is_accepted_by_the_server() {
    let (text, _) = start(ws_url().protocol("p1").extension("x-a; v=\"1,2\""));
    let request = parse(text.as_bytes()).unwrap();
    assert_eq!(request.key(), COUNTER_KEY);
    assert_eq!(request.protocols().collect::<Vec<_>>(), ["p1"]);
    assert_eq!(request.extensions().collect::<Vec<_>>(), ["x-a; v=\"1,2\""]);
}

#[cfg(feature = "std")]
#[test]
fn client_start_draws_a_fresh_key_each_time() {
    let key = |text: &[u8]| parse(text).unwrap().key().to_string();
    let (a, _) = ws_url().start(Config::default()).unwrap();
    let (b, _) = ws_url().start(Config::default()).unwrap();
    assert_ne!(key(&a), key(&b));
}

#[test]
fn client_builders_refuse_injection_and_bad_values() {
    let cases = [
        (
            ws_url().header("Origin", "x\r\nEvil: 1"),
            HandshakeError::InvalidHeader,
        ),
        (
            ws_url().header("Bad Name", "x"),
            HandshakeError::InvalidHeader,
        ),
        (
            ws_url().header("Sec-WebSocket-Key", "x"),
            HandshakeError::InvalidHeader,
        ),
        (
            ws_url().header("host", "other"),
            HandshakeError::InvalidHeader,
        ),
        (ws_url().protocol("a b"), HandshakeError::InvalidProtocol),
        (
            ws_url().protocol("a").protocol("a"),
            HandshakeError::InvalidProtocol,
        ),
        (
            ws_url().extension("x; a=\"unclosed"),
            HandshakeError::InvalidExtension,
        ),
        (
            ws_url().extension("x\r\nEvil: 1"),
            HandshakeError::InvalidExtension,
        ),
        (ws_url().extension(" "), HandshakeError::InvalidExtension),
        (
            ws_url().extension("; a=1"),
            HandshakeError::InvalidExtension,
        ),
    ];
    for (request, expected) in cases {
        let error = request
            .start_with_random(Config::default(), Box::new(Counter(0)))
            .unwrap_err();
        assert_eq!(error, expected);
    }
}

// ---------------------------------------------------------------- client: response

#[test]
fn client_accepts_valid_101() {
    match client_receive(ws_url(), &response_101(&[])).unwrap() {
        Some(Response::Accepted(accepted)) => {
            assert_eq!(accepted.protocol(), None);
            assert_eq!(accepted.extensions().count(), 0);
            assert_eq!(accepted.header("upgrade"), Some(&b"websocket"[..]));
            assert!(accepted.leftover().is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn client_rejects_wrong_accept_key() {
    let bad = String::from_utf8(response_101(&[])).unwrap().replace(
        &accept_key(COUNTER_KEY.as_bytes()),
        "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
    );
    assert_eq!(
        client_receive(ws_url(), bad.as_bytes()).unwrap_err(),
        HandshakeError::InvalidAcceptKey
    );
    let missing = head(&[
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
    ]);
    assert_eq!(
        client_receive(ws_url(), &missing).unwrap_err(),
        HandshakeError::InvalidAcceptKey
    );
}

#[test]
fn client_rejects_missing_upgrade_or_connection() {
    let text = String::from_utf8(response_101(&[])).unwrap();
    let no_upgrade = text.replace("Upgrade: websocket\r\n", "");
    assert_eq!(
        client_receive(ws_url(), no_upgrade.as_bytes()).unwrap_err(),
        HandshakeError::MissingUpgrade
    );
    let no_connection = text.replace("Connection: Upgrade", "Connection: keep-alive");
    assert_eq!(
        client_receive(ws_url(), no_connection.as_bytes()).unwrap_err(),
        HandshakeError::MissingConnectionUpgrade
    );
    let http10 = text.replace("HTTP/1.1 101", "HTTP/1.0 101");
    assert_eq!(
        client_receive(ws_url(), http10.as_bytes()).unwrap_err(),
        HandshakeError::HttpVersion
    );
}

#[test]
fn client_checks_selected_protocol_against_offers() {
    let selected = |offers: &[&str], answer: &str| {
        let mut request = ws_url();
        for p in offers {
            request = request.protocol(p);
        }
        let line = format!("Sec-WebSocket-Protocol: {answer}");
        match client_receive(request, &response_101(&[&line]))? {
            Some(Response::Accepted(a)) => Ok(a.protocol().map(str::to_string)),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(selected(&["a", "b"], "b"), Ok(Some("b".into())));
    assert_eq!(
        selected(&["a", "b"], "c"),
        Err(HandshakeError::ProtocolNotOffered)
    );
    assert_eq!(selected(&[], "a"), Err(HandshakeError::ProtocolNotOffered));
    assert_eq!(
        selected(&["a", "b"], "a, b"),
        Err(HandshakeError::InvalidProtocol)
    );
}

#[test]
fn client_checks_accepted_extensions_against_offers() {
    let request = || ws_url().extension("permessage-deflate; client_max_window_bits");
    let ok =
        response_101(&["Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10"]);
    match client_receive(request(), &ok).unwrap() {
        Some(Response::Accepted(a)) => assert_eq!(
            a.extensions().collect::<Vec<_>>(),
            ["permessage-deflate; server_max_window_bits=10"]
        ),
        other => panic!("{other:?}"),
    }
    let unoffered = response_101(&["Sec-WebSocket-Extensions: x-webkit-deflate-frame"]);
    assert_eq!(
        client_receive(request(), &unoffered).unwrap_err(),
        HandshakeError::ExtensionNotOffered
    );
    assert_eq!(
        client_receive(ws_url(), &ok).unwrap_err(),
        HandshakeError::ExtensionNotOffered
    );
}

#[test]
fn client_sees_redirect_with_location() {
    let response = head(&[
        "HTTP/1.1 302 Found",
        "Location: wss://other.example/chat",
        "Content-Length: 0",
    ]);
    match client_receive(ws_url(), &response).unwrap() {
        Some(Response::Rejected(r)) => {
            assert_eq!(r.status(), 302);
            assert_eq!(r.reason(), "Found");
            assert_eq!(r.header("location"), Some(&b"wss://other.example/chat"[..]));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn client_sees_401_with_www_authenticate_and_body_start() {
    let mut response = head(&[
        "HTTP/1.1 401 Unauthorized",
        "WWW-Authenticate: Bearer realm=\"chat\"",
        "Content-Length: 12",
    ]);
    response.extend_from_slice(b"log in first");
    match client_receive(ws_url(), &response).unwrap() {
        Some(Response::Rejected(r)) => {
            assert_eq!(r.status(), 401);
            assert_eq!(
                r.header("WWW-Authenticate"),
                Some(&b"Bearer realm=\"chat\""[..])
            );
            assert_eq!(r.headers().count(), 2);
            assert_eq!(r.leftover(), b"log in first");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn client_leftover_after_101_reaches_the_connection() {
    let mut bytes = response_101(&[]);
    bytes.extend_from_slice(&text_frame("welcome"));
    let (_, mut handshake) = start(ws_url());
    // Byte at a time: the frame arrives in the same chunk as the last byte
    // of the head only at the end, so split head and frame explicitly.
    let head_len = response_101(&[]).len();
    for b in &bytes[..head_len - 1] {
        assert!(
            handshake
                .receive(std::slice::from_ref(b))
                .unwrap()
                .is_none()
        );
    }
    let accepted = match handshake.receive(&bytes[head_len - 1..]).unwrap() {
        Some(Response::Accepted(a)) => a,
        other => panic!("{other:?}"),
    };
    assert_eq!(accepted.leftover(), &text_frame("welcome")[..]);
    let mut conn = accepted.into_connection();
    expect_text(&mut conn, "welcome");
}

#[test]
fn client_response_byte_at_a_time_equals_whole() {
    let bytes = response_101(&["Sec-WebSocket-Protocol: chat"]);
    let whole = client_receive(ws_url().protocol("chat"), &bytes).unwrap();
    let (_, mut handshake) = start(ws_url().protocol("chat"));
    let mut bytewise = None;
    for (i, b) in bytes.iter().enumerate() {
        if let Some(r) = handshake.receive(std::slice::from_ref(b)).unwrap() {
            assert_eq!(i + 1, bytes.len());
            bytewise = Some(r);
        }
    }
    assert_eq!(format!("{whole:?}"), format!("{bytewise:?}"));
}

#[test]
fn client_response_over_the_size_limit_is_an_error() {
    let (_, mut handshake) = start(ws_url());
    let mut bytes = b"HTTP/1.1 101 Switching Protocols\r\nX: ".to_vec();
    bytes.resize(200_000, b'a');
    assert_eq!(
        handshake.receive(&bytes).unwrap_err(),
        HandshakeError::TooLarge
    );
}

#[test]
fn client_rejects_malformed_response() {
    assert_eq!(
        client_receive(ws_url(), b"HTTP/1.1 abc OK\r\n\r\n").unwrap_err(),
        HandshakeError::InvalidHttp
    );
    assert_eq!(
        client_receive(ws_url(), b"\r\n\r\n").unwrap_err(),
        HandshakeError::InvalidHttp
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
