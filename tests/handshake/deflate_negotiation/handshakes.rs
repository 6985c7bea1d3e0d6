//! The client and server handshakes that run the negotiation and hand its
//! result to the connections, separately and together in memory.

use super::*;

// ------------------------------------------------- client handshake

#[test]
fn client_request_offers_deflate_by_default() {
    let h = handshake(
        Config::default(),
        Config::default(),
        ws_url(),
        Accept::default(),
    );
    assert_eq!(
        extension_lines(&h.request),
        ["permessage-deflate; client_max_window_bits"]
    );
}

#[test]
fn client_offer_follows_raw_offers() {
    let config = config_with(deflate_config(|c| c.client_no_context_takeover = true));
    let (bytes, _) = ws_url()
        .extension("x-foo; a=\"1,2\"")
        .start_with_random(config, Box::new(Counter(0)))
        .unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(
        extension_lines(&text),
        [
            "x-foo; a=\"1,2\", permessage-deflate; client_no_context_takeover; client_max_window_bits"
        ]
    );
}

#[test]
fn client_offer_by_hand_is_not_repeated_or_checked() {
    let config = Config::default();
    let request = || ws_url().extension("PerMessage-Deflate; server_max_window_bits=10");
    let (bytes, _) = request()
        .start_with_random(config.clone(), Box::new(Counter(0)))
        .unwrap();
    assert_eq!(
        extension_lines(&String::from_utf8(bytes).unwrap()),
        ["PerMessage-Deflate; server_max_window_bits=10"]
    );
    // The answer is listed as is, not checked, not negotiated.
    let response = response_101(&["permessage-deflate; x=1", "permessage-deflate"]);
    let accepted = accepted(client_reads(&config, request(), &response));
    assert_eq!(
        accepted.extensions().collect::<Vec<_>>(),
        ["permessage-deflate; x=1", "permessage-deflate"]
    );
    assert_eq!(accepted.deflate(), None);
    let conn = accepted.into_connection();
    assert_eq!(conn.deflate(), None);
}

#[test]
fn client_with_deflate_disabled_offers_nothing() {
    let config = config_with(deflate_config(|c| c.enabled = false));
    let (bytes, _) = ws_url()
        .start_with_random(config.clone(), Box::new(Counter(0)))
        .unwrap();
    assert!(extension_lines(&String::from_utf8(bytes).unwrap()).is_empty());
    // And an answer with the extension is an unoffered extension.
    let response = response_101(&["permessage-deflate"]);
    assert_eq!(
        client_reads(&config, ws_url(), &response).unwrap_err(),
        HandshakeError::Response(ResponseError::ExtensionNotOffered)
    );
}

#[test]
fn client_accepts_a_valid_answer_and_exposes_its_params() {
    let config = Config::default();
    let response = response_101(&["permessage-deflate; server_max_window_bits=12"]);
    let accepted = accepted(client_reads(&config, ws_url(), &response));
    assert_eq!(accepted.deflate(), Some(params(false, false, 12, 15)));
    assert_eq!(
        accepted.extensions().collect::<Vec<_>>(),
        ["permessage-deflate; server_max_window_bits=12"]
    );
    let conn = accepted.into_connection();
    assert_eq!(conn.deflate(), Some(params(false, false, 12, 15)));
}

#[test]
fn client_without_deflate_answer_runs_uncompressed() {
    let config = Config::default();
    let accepted = accepted(client_reads(&config, ws_url(), &response_101(&[])));
    assert_eq!(accepted.deflate(), None);
    let conn = accepted.into_connection();
    assert_eq!(conn.deflate(), None);
}

#[test]
fn client_fails_the_handshake_on_invalid_answers() {
    let config = config_with(deflate_config(|c| {
        c.server_no_context_takeover = true;
        c.server_max_window_bits = 10;
    }));
    for answer in [
        "permessage-deflate; server_max_window_bits=10",
        "permessage-deflate; server_no_context_takeover",
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=11",
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; \
         client_max_window_bits",
        "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; x",
    ] {
        let (_, mut handshake) = ws_url()
            .start_with_random(config.clone(), Box::new(Counter(0)))
            .unwrap();
        let response = response_101(&[answer]);
        assert_eq!(
            handshake.receive(&response).unwrap_err(),
            HandshakeError::Response(ResponseError::InvalidDeflateParams),
            "{answer}"
        );
        // The error is sticky.
        assert_eq!(
            handshake.receive(b"").unwrap_err(),
            HandshakeError::Response(ResponseError::InvalidDeflateParams)
        );
    }
    assert_eq!(
        HandshakeError::from(ResponseError::InvalidDeflateParams).http_status(),
        None
    );
}

#[test]
fn client_fails_when_deflate_is_accepted_twice() {
    let config = Config::default();
    for lines in [
        &["permessage-deflate", "permessage-deflate"][..],
        &["permessage-deflate, permessage-deflate; server_max_window_bits=9"][..],
    ] {
        assert_eq!(
            client_reads(&config, ws_url(), &response_101(lines)).unwrap_err(),
            HandshakeError::Response(ResponseError::InvalidDeflateParams)
        );
    }
}

#[test]
fn client_still_refuses_unoffered_extensions_next_to_deflate() {
    let response = response_101(&["permessage-deflate, x-unoffered"]);
    assert_eq!(
        client_reads(&Config::default(), ws_url(), &response).unwrap_err(),
        HandshakeError::Response(ResponseError::ExtensionNotOffered)
    );
}

// ------------------------------------------------- server handshake

/// A request offering these extension lines.
fn request_offering(extension_lines: &[&str]) -> Vec<u8> {
    let mut text = String::from(
        "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n\
         Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
         Sec-WebSocket-Version: 13\r\n",
    );
    for line in extension_lines {
        text.push_str("Sec-WebSocket-Extensions: ");
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    text.into_bytes()
}

fn server_accepts(config: Config, request: &[u8], accept: Accept) -> (String, Connection) {
    let request = receive_request(&config, request);
    let (response, conn) = request.accept(accept).unwrap();
    (String::from_utf8(response).unwrap(), conn)
}

#[test]
fn server_answers_a_browser_offer() {
    let config = Config::default();
    let bytes = request_offering(&["permessage-deflate; client_max_window_bits"]);
    let request = receive_request(&config, &bytes);
    assert_eq!(
        request.deflate_offer(&config.deflate),
        Some(DeflateParams::default())
    );
    let (response, conn) = server_accepts(config, &bytes, Accept::default());
    assert_eq!(
        extension_lines(&response),
        ["permessage-deflate; client_max_window_bits=15"]
    );
    assert!(conn.deflate().is_some());
}

#[test]
fn server_answers_the_first_acceptable_offer_across_header_lines() {
    let config = Config::default();
    let bytes = request_offering(&[
        "x-foo, permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=11; client_max_window_bits, \
         permessage-deflate",
    ]);
    let (response, _) = server_accepts(config, &bytes, Accept::default());
    assert_eq!(
        extension_lines(&response),
        ["permessage-deflate; server_max_window_bits=11; client_max_window_bits=15"]
    );
}

#[test]
fn server_declining_every_offer_answers_without_extensions() {
    let config = Config::default();
    let bytes = request_offering(&["permessage-deflate; server_max_window_bits=7"]);
    assert_eq!(
        receive_request(&config, &bytes).deflate_offer(&config.deflate),
        None
    );
    let (response, conn) = server_accepts(config, &bytes, Accept::default());
    assert!(extension_lines(&response).is_empty());
    assert_eq!(conn.deflate(), None);
}

#[test]
fn server_with_deflate_disabled_answers_without_extensions() {
    let config = config_with(deflate_config(|c| c.enabled = false));
    let bytes = request_offering(&["permessage-deflate"]);
    assert_eq!(
        receive_request(&config, &bytes).deflate_offer(&config.deflate),
        None
    );
    let (response, conn) = server_accepts(config, &bytes, Accept::default());
    assert!(extension_lines(&response).is_empty());
    assert_eq!(conn.deflate(), None);
}

#[test]
fn server_adds_deflate_after_hand_chosen_extensions() {
    let bytes = request_offering(&["x-foo, permessage-deflate"]);
    let (response, conn) = server_accepts(
        Config::default(),
        &bytes,
        Accept::default().extension("x-foo"),
    );
    assert_eq!(extension_lines(&response), ["x-foo, permessage-deflate"]);
    assert!(conn.deflate().is_some());
}

#[test]
fn server_deflate_chosen_by_hand_is_sent_as_written_without_compression() {
    let bytes = request_offering(&["permessage-deflate; client_max_window_bits"]);
    let (response, conn) = server_accepts(
        Config::default(),
        &bytes,
        Accept::default().extension("permessage-deflate; server_no_context_takeover"),
    );
    assert_eq!(
        extension_lines(&response),
        ["permessage-deflate; server_no_context_takeover"]
    );
    assert_eq!(conn.deflate(), None);
}

#[test]
fn server_declines_an_offer_of_10k_params_and_still_accepts() {
    let mut offer = String::from("permessage-deflate");
    for _ in 0..10_000 {
        offer.push_str("; server_max_window_bits=10");
    }
    let config = config_with(DeflateConfig::default());
    let bytes = request_offering(&[&offer, "permessage-deflate"]);
    let (response, conn) = server_accepts(config, &bytes, Accept::default());
    assert_eq!(extension_lines(&response), ["permessage-deflate"]);
    assert!(conn.deflate().is_some());
}

#[test]
fn server_refuses_a_request_with_an_unclosed_quote_in_an_offer() {
    let config = config_with(DeflateConfig::default());
    let offer = format!(
        "permessage-deflate; server_max_window_bits=\"{}",
        "\\".repeat(100_000)
    );
    let bytes = request_offering(&[&offer]);
    assert_eq!(
        ServerHandshake::new(config).receive(&bytes).unwrap_err(),
        HandshakeError::Request(RequestError::InvalidExtension)
    );
}

// ------------------------------------------- whole handshakes in memory

#[test]
fn default_handshake_negotiates_equal_params_and_compresses_both_ways() {
    let mut h = handshake(
        Config::default(),
        Config::default(),
        ws_url(),
        Accept::default(),
    );
    assert_eq!(
        extension_lines(&h.response),
        ["permessage-deflate; client_max_window_bits=15"]
    );
    assert_eq!(h.accepted_deflate, Some(DeflateParams::default()));
    assert_eq!(h.accepted_deflate, h.server_params);
    assert!(h.client_conn.deflate().is_some());
    assert!(h.server_conn.deflate().is_some());
    for i in 0..3 {
        let text = compressible(&format!("client {i}"));
        assert!(exchange(&mut h.client_conn, &mut h.server_conn, &text));
        let text = compressible(&format!("server {i}"));
        assert!(exchange(&mut h.server_conn, &mut h.client_conn, &text));
    }
}

#[test]
fn handshakes_agree_on_params_for_every_config_pair() {
    let variants = [
        DeflateConfig::default(),
        deflate_config(|c| c.server_no_context_takeover = true),
        deflate_config(|c| c.client_no_context_takeover = true),
        deflate_config(|c| c.server_max_window_bits = 9),
        deflate_config(|c| c.client_max_window_bits = 10),
        deflate_config(|c| {
            c.server_no_context_takeover = true;
            c.client_no_context_takeover = true;
            c.server_max_window_bits = 12;
            c.client_max_window_bits = 11;
        }),
    ];
    for client in &variants {
        for server in &variants {
            let mut h = handshake(
                config_with(client.clone()),
                config_with(server.clone()),
                ws_url(),
                Accept::default(),
            );
            let negotiated = h.accepted_deflate;
            assert!(negotiated.is_some(), "{client:?} / {server:?}");
            assert_eq!(negotiated, h.server_params, "{client:?} / {server:?}");
            let p = negotiated.unwrap();
            assert_eq!(
                p.server_no_context_takeover,
                client.server_no_context_takeover || server.server_no_context_takeover
            );
            assert_eq!(
                p.client_no_context_takeover,
                client.client_no_context_takeover || server.client_no_context_takeover
            );
            assert_eq!(
                p.server_max_window_bits,
                client
                    .server_max_window_bits
                    .min(server.server_max_window_bits)
            );
            assert_eq!(
                p.client_max_window_bits,
                client
                    .client_max_window_bits
                    .min(server.client_max_window_bits)
            );
            for i in 0..2 {
                let text = compressible(&format!("client {i}"));
                exchange(&mut h.client_conn, &mut h.server_conn, &text);
                let text = compressible(&format!("server {i}"));
                exchange(&mut h.server_conn, &mut h.client_conn, &text);
            }
        }
    }
}

#[test]
fn deflate_disabled_on_the_server_means_no_extension() {
    let client = Config::default();
    let server = config_with(deflate_config(|c| c.enabled = false));
    let mut h = handshake(client, server, ws_url(), Accept::default());
    assert!(extension_lines(&h.response).is_empty());
    assert_eq!(h.accepted_deflate, None);
    assert_eq!(h.server_params, None);
    assert_eq!(h.client_conn.deflate(), None);
    assert_eq!(h.server_conn.deflate(), None);
    assert!(!exchange(
        &mut h.client_conn,
        &mut h.server_conn,
        &compressible("c")
    ));
    assert!(!exchange(
        &mut h.server_conn,
        &mut h.client_conn,
        &compressible("s")
    ));
}

#[test]
fn deflate_disabled_on_the_client_means_no_extension() {
    let client = config_with(deflate_config(|c| c.enabled = false));
    let mut h = handshake(client, Config::default(), ws_url(), Accept::default());
    assert!(extension_lines(&h.request).is_empty());
    assert!(extension_lines(&h.response).is_empty());
    assert_eq!(h.accepted_deflate, None);
    assert_eq!(h.server_params, None);
    assert_eq!(h.client_conn.deflate(), None);
    assert_eq!(h.server_conn.deflate(), None);
    assert!(!exchange(
        &mut h.server_conn,
        &mut h.client_conn,
        &compressible("s")
    ));
}

#[test]
fn server_requiring_a_client_window_limit_declines_a_hand_offer_without_it() {
    let server = config_with(deflate_config(|c| c.client_max_window_bits = 12));
    let h = handshake(
        Config::default(),
        server,
        ws_url().extension("permessage-deflate"),
        Accept::default(),
    );
    assert!(extension_lines(&h.response).is_empty());
    assert_eq!(h.accepted_deflate, None);
}

#[test]
fn compressed_frame_pipelined_behind_the_response_is_inflated() {
    let config = Config::default();
    let (request_bytes, mut client_hs) = ws_url()
        .start_with_random(config.clone(), Box::new(Counter(0)))
        .unwrap();
    let request = receive_request(&config, &request_bytes);
    let (mut wire, mut server_conn) = request.accept(Accept::default()).unwrap();
    let text = compressible("first");
    server_conn.send(Message::from(text.as_str())).unwrap();
    let frame = server_conn.take_output();
    assert_ne!(frame[0] & 0x40, 0, "the server compressed");
    wire.extend_from_slice(&frame);

    let accepted = match client_hs.receive(&wire) {
        Ok(Some(Response::Accepted(a))) => a,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!(accepted.leftover(), &frame[..]);
    let mut client_conn = accepted.into_connection();
    match client_conn.next_event().unwrap() {
        Some(Event::Message(Message::Text(got))) => assert_eq!(got, text.as_str()),
        other => panic!("unexpected {other:?}"),
    }
}
