//! The server side past validation: token lists in requests (protocols,
//! extension offers), header lookup, and the answers `accept` and `reject`
//! write.

use super::*;

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
    assert_eq!(error, RequestError::InvalidProtocol);
    assert_eq!(error.status(), 400);

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
    assert_eq!(error, RequestError::InvalidExtension);
    assert_eq!(error.status(), 400);
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
        RequestError::InvalidProtocol,
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
    assert_eq!(error, Misuse::ProtocolNotOffered);
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
    assert_eq!(error, Misuse::ExtensionNotOffered);
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
        assert_eq!(request.accept(accept).unwrap_err(), Misuse::InvalidHeader);
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
