//! The client side: URLs, the request it writes, and its checks of the
//! server's response.

use super::*;

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
    let cases: &[(&str, Misuse)] = &[
        ("ws://example.com/#frag", Misuse::FragmentInUrl),
        ("ws://example.com#", Misuse::FragmentInUrl),
        ("http://example.com/", Misuse::UnsupportedScheme),
        ("ftp://example.com/", Misuse::UnsupportedScheme),
        ("example.com/chat", Misuse::InvalidUrl),
        ("ws:example.com", Misuse::InvalidUrl),
        ("ws:///path", Misuse::InvalidUrl),
        ("ws://user:pw@example.com/", Misuse::InvalidUrl),
        ("ws://example.com:0/", Misuse::InvalidUrl),
        ("ws://example.com:99999/", Misuse::InvalidUrl),
        ("ws://example.com:8o/", Misuse::InvalidUrl),
        ("ws://[::1/", Misuse::InvalidUrl),
        ("ws://[not-ip]/", Misuse::InvalidUrl),
        ("ws://exa mple.com/", Misuse::InvalidUrl),
        ("ws://example.com/a b", Misuse::InvalidUrl),
        ("ws://example.com/caf\u{e9}", Misuse::InvalidUrl),
        ("ws://example.com/\r\nX: 1", Misuse::InvalidUrl),
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
            Misuse::InvalidHeader,
        ),
        (ws_url().header("Bad Name", "x"), Misuse::InvalidHeader),
        (
            ws_url().header("Sec-WebSocket-Key", "x"),
            Misuse::InvalidHeader,
        ),
        (ws_url().header("host", "other"), Misuse::InvalidHeader),
        (ws_url().protocol("a b"), Misuse::InvalidProtocol),
        (
            ws_url().protocol("a").protocol("a"),
            Misuse::InvalidProtocol,
        ),
        (
            ws_url().extension("x; a=\"unclosed"),
            Misuse::InvalidExtension,
        ),
        (ws_url().extension("x\r\nEvil: 1"), Misuse::InvalidExtension),
        (ws_url().extension(" "), Misuse::InvalidExtension),
        (ws_url().extension("; a=1"), Misuse::InvalidExtension),
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
        ResponseError::InvalidAcceptKey
    );
    let missing = head(&[
        "HTTP/1.1 101 Switching Protocols",
        "Upgrade: websocket",
        "Connection: Upgrade",
    ]);
    assert_eq!(
        client_receive(ws_url(), &missing).unwrap_err(),
        ResponseError::InvalidAcceptKey
    );
}

#[test]
fn client_rejects_missing_upgrade_or_connection() {
    let text = String::from_utf8(response_101(&[])).unwrap();
    let no_upgrade = text.replace("Upgrade: websocket\r\n", "");
    assert_eq!(
        client_receive(ws_url(), no_upgrade.as_bytes()).unwrap_err(),
        ResponseError::MissingUpgrade
    );
    let no_connection = text.replace("Connection: Upgrade", "Connection: keep-alive");
    assert_eq!(
        client_receive(ws_url(), no_connection.as_bytes()).unwrap_err(),
        ResponseError::MissingConnectionUpgrade
    );
    let http10 = text.replace("HTTP/1.1 101", "HTTP/1.0 101");
    assert_eq!(
        client_receive(ws_url(), http10.as_bytes()).unwrap_err(),
        ResponseError::HttpVersion
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
        Err(ResponseError::ProtocolNotOffered)
    );
    assert_eq!(selected(&[], "a"), Err(ResponseError::ProtocolNotOffered));
    assert_eq!(
        selected(&["a", "b"], "a, b"),
        Err(ResponseError::InvalidProtocol)
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
        ResponseError::ExtensionNotOffered
    );
    assert_eq!(
        client_receive(ws_url(), &ok).unwrap_err(),
        ResponseError::ExtensionNotOffered
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
            assert_eq!(r.body(), b"log in first");
            assert!(r.is_body_whole());
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
        HandshakeError::Response(ResponseError::TooLarge)
    );
}

#[test]
fn client_rejects_malformed_response() {
    assert_eq!(
        client_receive(ws_url(), b"HTTP/1.1 abc OK\r\n\r\n").unwrap_err(),
        ResponseError::InvalidHttp
    );
    assert_eq!(
        client_receive(ws_url(), b"\r\n\r\n").unwrap_err(),
        ResponseError::InvalidHttp
    );
}
