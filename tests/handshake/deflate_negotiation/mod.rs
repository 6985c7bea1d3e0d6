//! permessage-deflate negotiation (RFC 7692 section 7): the client's offer,
//! the server's choice among offers, the client's check of the answer, and
//! the handshakes that run them and hand the result to the connections.
#![cfg(feature = "deflate")]

use rfc6455::deflate::{
    DeflateConfig, DeflateParams, client_accept, client_offer, server_negotiate,
};
use rfc6455::handshake::{
    Accept, Accepted, ClientRequest, HandshakeError, Request, RequestError, Response,
    ResponseError, ServerHandshake, accept_key,
};
use rfc6455::{Config, Connection, Event, Message};

use crate::common::{COUNTER_KEY, Counter};

mod answer_checks;
mod handshakes;

// ---------------------------------------------------------------- helpers

/// A `DeflateConfig` from the default, changed by `f`.
fn deflate_config(f: impl FnOnce(&mut DeflateConfig)) -> DeflateConfig {
    let mut config = DeflateConfig::default();
    f(&mut config);
    config
}

/// A `Config` whose deflate settings are `deflate`.
fn config_with(deflate: DeflateConfig) -> Config {
    let mut config = Config::default();
    config.deflate = deflate;
    config.max_handshake_size = 4 << 20;
    config
}

fn params(
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: u8,
    client_max_window_bits: u8,
) -> DeflateParams {
    DeflateParams {
        server_no_context_takeover,
        client_no_context_takeover,
        server_max_window_bits,
        client_max_window_bits,
    }
}

/// The server's answer to one offer, with the default config.
fn negotiate(offer: &str) -> Option<(DeflateParams, String)> {
    server_negotiate(&DeflateConfig::default(), [offer])
}

/// The response element only.
fn response_to(config: &DeflateConfig, offer: &str) -> Option<String> {
    server_negotiate(config, [offer]).map(|(_, response)| response)
}

/// Asserts that the default server declines `offer`.
#[track_caller]
fn assert_declined(offer: &str) {
    assert_eq!(negotiate(offer), None, "offer {offer:?} should be declined");
}

/// The client's check of `response` with the default config.
fn accept_default(response: &str) -> Result<DeflateParams, ResponseError> {
    client_accept(&DeflateConfig::default(), response)
}

/// Asserts that a client with `config` refuses `response`.
#[track_caller]
fn assert_refused(config: &DeflateConfig, response: &str) {
    assert_eq!(
        client_accept(config, response),
        Err(ResponseError::InvalidDeflateParams),
        "response {response:?} should be refused"
    );
}

/// Runs a whole handshake in memory: returns the request text, the
/// response text, the params the client's `Accepted` reported, the server's
/// negotiated params (per `deflate_offer`) and both connections.
struct Handshake {
    request: String,
    response: String,
    /// `Accepted::deflate`, read before it became the client's connection.
    accepted_deflate: Option<DeflateParams>,
    server_params: Option<DeflateParams>,
    client_conn: Connection,
    server_conn: Connection,
}

fn handshake(client: Config, server: Config, request: ClientRequest, accept: Accept) -> Handshake {
    let (request_bytes, mut client_hs) = request
        .start_with_random(client, Box::new(Counter(0)))
        .expect("valid request");
    let server_request = receive_request(&server, &request_bytes);
    let server_params = server_request.deflate_offer(&server.deflate);
    let (response_bytes, server_conn) = server_request.accept(accept).expect("server accepts");
    let accepted = match client_hs.receive(&response_bytes) {
        Ok(Some(Response::Accepted(accepted))) => accepted,
        other => panic!("unexpected {other:?}"),
    };
    let accepted_deflate = accepted.deflate();
    let client_conn = accepted.into_connection();
    Handshake {
        request: String::from_utf8(request_bytes).unwrap(),
        response: String::from_utf8(response_bytes).unwrap(),
        accepted_deflate,
        server_params,
        client_conn,
        server_conn,
    }
}

fn receive_request(config: &Config, bytes: &[u8]) -> Request {
    match ServerHandshake::new(config.clone()).receive(bytes) {
        Ok(Some(request)) => request,
        other => panic!("unexpected {other:?}"),
    }
}

fn ws_url() -> ClientRequest {
    ClientRequest::new("ws://example.com/chat").unwrap()
}

/// The `Sec-WebSocket-Extensions` lines of a head.
fn extension_lines(text: &str) -> Vec<&str> {
    text.split("\r\n")
        .filter_map(|line| line.strip_prefix("Sec-WebSocket-Extensions: "))
        .collect()
}

/// A text message long and repetitive enough to be compressed.
fn compressible(tag: &str) -> String {
    format!(
        "{tag}: {}",
        "all work and no play makes jack a dull boy. ".repeat(40)
    )
}

/// Sends `text` from `from` to `to` and checks it arrives intact; returns
/// whether its first frame had RSV1 set (was compressed).
fn exchange(from: &mut Connection, to: &mut Connection, text: &str) -> bool {
    from.send(Message::from(text)).unwrap();
    let wire = from.take_output();
    let compressed = wire[0] & 0x40 != 0;
    to.receive(&wire);
    match to.next_event().unwrap() {
        Some(Event::Message(Message::Text(got))) => assert_eq!(got, text),
        other => panic!("unexpected {other:?}"),
    }
    compressed
}

/// A 101 response for `COUNTER_KEY` with these extension lines.
fn response_101(extension_lines: &[&str]) -> Vec<u8> {
    let mut text = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n",
        accept_key(COUNTER_KEY.as_bytes())
    );
    for line in extension_lines {
        text.push_str("Sec-WebSocket-Extensions: ");
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.push_str("\r\n");
    text.into_bytes()
}

/// Starts a client with `config` and `request`, and feeds it `response`.
fn client_reads(
    config: &Config,
    request: ClientRequest,
    response: &[u8],
) -> Result<Option<Response>, HandshakeError> {
    let (_, mut handshake) = request
        .start_with_random(config.clone(), Box::new(Counter(0)))
        .unwrap();
    handshake.receive(response)
}

fn accepted(result: Result<Option<Response>, HandshakeError>) -> Accepted {
    match result {
        Ok(Some(Response::Accepted(accepted))) => accepted,
        other => panic!("unexpected {other:?}"),
    }
}

// ---------------------------------------------------------- client_offer

#[test]
fn default_offer_names_only_a_bare_client_max_window_bits() {
    assert_eq!(
        client_offer(&DeflateConfig::default()),
        "permessage-deflate; client_max_window_bits"
    );
}

#[test]
fn offer_carries_every_configured_limit() {
    let config = deflate_config(|c| {
        c.server_no_context_takeover = true;
        c.client_no_context_takeover = true;
        c.server_max_window_bits = 8;
        c.client_max_window_bits = 12;
    });
    assert_eq!(
        client_offer(&config),
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
         server_max_window_bits=8; client_max_window_bits=12"
    );
}

#[test]
fn every_client_offer_is_accepted_by_a_default_server_with_equal_params() {
    for snct in [false, true] {
        for cnct in [false, true] {
            for server_bits in [8, 9, 12, 15] {
                for client_bits in [8, 11, 15] {
                    let client = deflate_config(|c| {
                        c.server_no_context_takeover = snct;
                        c.client_no_context_takeover = cnct;
                        c.server_max_window_bits = server_bits;
                        c.client_max_window_bits = client_bits;
                    });
                    let offer = client_offer(&client);
                    let (server_params, response) = negotiate(&offer).expect("accepted");
                    assert_eq!(
                        server_params,
                        params(snct, cnct, server_bits, client_bits),
                        "{offer}"
                    );
                    assert_eq!(client_accept(&client, &response), Ok(server_params));
                }
            }
        }
    }
}

// ------------------------------------------------ server_negotiate: basics

#[test]
fn bare_offer_is_accepted_with_a_bare_response() {
    assert_eq!(
        negotiate("permessage-deflate"),
        Some((DeflateParams::default(), "permessage-deflate".into()))
    );
}

#[test]
fn bare_client_max_window_bits_is_answered_with_15() {
    assert_eq!(
        negotiate("permessage-deflate; client_max_window_bits"),
        Some((
            DeflateParams::default(),
            "permessage-deflate; client_max_window_bits=15".into()
        ))
    );
}

#[test]
fn disabled_server_negotiates_nothing() {
    let config = deflate_config(|c| c.enabled = false);
    assert_eq!(server_negotiate(&config, ["permessage-deflate"]), None);
}

#[test]
fn no_offers_or_only_other_extensions_negotiate_nothing() {
    let config = DeflateConfig::default();
    assert_eq!(server_negotiate(&config, []), None);
    assert_eq!(
        server_negotiate(&config, ["x-webkit-deflate-frame", "permessage-deflate-x"]),
        None
    );
}

#[test]
fn extension_and_parameter_names_are_case_insensitive() {
    assert_eq!(
        negotiate("PerMessage-Deflate; SERVER_NO_CONTEXT_TAKEOVER"),
        Some((
            params(true, false, 15, 15),
            "permessage-deflate; server_no_context_takeover".into()
        ))
    );
}

#[test]
fn whitespace_around_separators_is_allowed() {
    assert_eq!(
        negotiate("permessage-deflate ;\tserver_max_window_bits = 10 ; client_max_window_bits")
            .unwrap()
            .0,
        params(false, false, 10, 15)
    );
}

// ----------------------------------------- server_negotiate: flag params

#[test]
fn server_no_context_takeover_offered_is_echoed() {
    assert_eq!(
        negotiate("permessage-deflate; server_no_context_takeover"),
        Some((
            params(true, false, 15, 15),
            "permessage-deflate; server_no_context_takeover".into()
        ))
    );
}

#[test]
fn client_no_context_takeover_offered_is_echoed() {
    assert_eq!(
        negotiate("permessage-deflate; client_no_context_takeover"),
        Some((
            params(false, true, 15, 15),
            "permessage-deflate; client_no_context_takeover".into()
        ))
    );
}

#[test]
fn flag_params_with_a_value_are_declined() {
    for offer in [
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; server_no_context_takeover=\"\"",
        "permessage-deflate; client_no_context_takeover=true",
        "permessage-deflate; client_no_context_takeover=\"x\"",
    ] {
        assert_declined(offer);
    }
}

#[test]
fn server_config_forces_no_context_takeover_both_ways() {
    let config = deflate_config(|c| {
        c.server_no_context_takeover = true;
        c.client_no_context_takeover = true;
    });
    assert_eq!(
        server_negotiate(&config, ["permessage-deflate"]),
        Some((
            params(true, true, 15, 15),
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover".into()
        ))
    );
    // Already offered: said once.
    assert_eq!(
        response_to(
            &config,
            "permessage-deflate; client_no_context_takeover; server_no_context_takeover"
        )
        .unwrap(),
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
    );
}

// ------------------------------------ server_negotiate: server window bits

#[test]
fn server_max_window_bits_8_and_15_are_accepted_and_echoed() {
    assert_eq!(
        negotiate("permessage-deflate; server_max_window_bits=8"),
        Some((
            params(false, false, 8, 15),
            "permessage-deflate; server_max_window_bits=8".into()
        ))
    );
    assert_eq!(
        negotiate("permessage-deflate; server_max_window_bits=15"),
        Some((
            params(false, false, 15, 15),
            "permessage-deflate; server_max_window_bits=15".into()
        ))
    );
}

#[test]
fn server_max_window_bits_without_value_is_declined() {
    assert_declined("permessage-deflate; server_max_window_bits");
}

#[test]
fn server_max_window_bits_out_of_range_or_malformed_is_declined() {
    for value in [
        "7", "16", "0", "08", "010", "1", "100", "x", "9x", "-9", "\"\"", "\"7\"", "\"16\"",
        "\"08\"", "\" 9\"", "",
    ] {
        assert_declined(&format!(
            "permessage-deflate; server_max_window_bits={value}"
        ));
    }
}

#[test]
fn server_max_window_bits_quoted_value_is_accepted() {
    assert_eq!(
        negotiate("permessage-deflate; server_max_window_bits=\"10\"")
            .unwrap()
            .0,
        params(false, false, 10, 15)
    );
    // Escapes are removed before the value is read (RFC 6455 section 9.1).
    assert_eq!(
        negotiate(r#"permessage-deflate; server_max_window_bits="1\1""#)
            .unwrap()
            .1,
        "permessage-deflate; server_max_window_bits=11"
    );
}

#[test]
fn server_config_window_wins_when_smaller_than_offered() {
    let config = deflate_config(|c| c.server_max_window_bits = 10);
    assert_eq!(
        server_negotiate(&config, ["permessage-deflate; server_max_window_bits=12"]),
        Some((
            params(false, false, 10, 15),
            "permessage-deflate; server_max_window_bits=10".into()
        ))
    );
    // The client's smaller limit wins over the server's larger one.
    assert_eq!(
        server_negotiate(&config, ["permessage-deflate; server_max_window_bits=9"])
            .unwrap()
            .0,
        params(false, false, 9, 15)
    );
}

#[test]
fn server_config_window_below_15_is_announced_unasked() {
    let config = deflate_config(|c| c.server_max_window_bits = 11);
    assert_eq!(
        server_negotiate(&config, ["permessage-deflate"]),
        Some((
            params(false, false, 11, 15),
            "permessage-deflate; server_max_window_bits=11".into()
        ))
    );
}

// ------------------------------------ server_negotiate: client window bits

#[test]
fn client_max_window_bits_8_and_15_are_accepted_and_echoed() {
    assert_eq!(
        negotiate("permessage-deflate; client_max_window_bits=8"),
        Some((
            params(false, false, 15, 8),
            "permessage-deflate; client_max_window_bits=8".into()
        ))
    );
    assert_eq!(
        negotiate("permessage-deflate; client_max_window_bits=15").unwrap(),
        (
            params(false, false, 15, 15),
            "permessage-deflate; client_max_window_bits=15".into()
        )
    );
}

#[test]
fn client_max_window_bits_out_of_range_or_malformed_is_declined() {
    for value in ["7", "16", "08", "015", "x", "\"\"", "\"7\"", "\"09\""] {
        assert_declined(&format!(
            "permessage-deflate; client_max_window_bits={value}"
        ));
    }
}

#[test]
fn client_max_window_bits_quoted_value_is_accepted() {
    assert_eq!(
        negotiate("permessage-deflate; client_max_window_bits=\"9\"").unwrap(),
        (
            params(false, false, 15, 9),
            "permessage-deflate; client_max_window_bits=9".into()
        )
    );
}

#[test]
fn server_config_limits_the_client_window_the_client_let_it_limit() {
    let config = deflate_config(|c| c.client_max_window_bits = 10);
    assert_eq!(
        response_to(&config, "permessage-deflate; client_max_window_bits").unwrap(),
        "permessage-deflate; client_max_window_bits=10"
    );
    assert_eq!(
        response_to(&config, "permessage-deflate; client_max_window_bits=12").unwrap(),
        "permessage-deflate; client_max_window_bits=10"
    );
    assert_eq!(
        server_negotiate(&config, ["permessage-deflate; client_max_window_bits=9"])
            .unwrap()
            .0,
        params(false, false, 15, 9)
    );
}

#[test]
fn offer_without_client_max_window_bits_is_declined_when_server_must_limit_it() {
    let config = deflate_config(|c| c.client_max_window_bits = 14);
    assert_eq!(server_negotiate(&config, ["permessage-deflate"]), None);
    // A later offer that lets the server limit the window is taken.
    assert_eq!(
        server_negotiate(
            &config,
            [
                "permessage-deflate; server_no_context_takeover",
                "permessage-deflate; client_max_window_bits",
            ]
        )
        .unwrap()
        .1,
        "permessage-deflate; client_max_window_bits=14"
    );
}

// -------------------------------- server_negotiate: malformed offers

#[test]
fn duplicate_parameters_are_declined() {
    for offer in [
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
        "permessage-deflate; server_max_window_bits=10; server_max_window_bits=10",
        "permessage-deflate; client_max_window_bits; client_max_window_bits=10",
        "permessage-deflate; client_max_window_bits; Client_Max_Window_Bits",
    ] {
        assert_declined(offer);
    }
}

#[test]
fn unknown_parameters_are_declined() {
    for offer in [
        "permessage-deflate; x",
        "permessage-deflate; client_max_window_bits; mux=1",
        "permessage-deflate; server_max_window",
        "permessage-deflate; client_max_window_bits_x=10",
    ] {
        assert_declined(offer);
    }
}

#[test]
fn ungrammatical_offers_are_declined() {
    for offer in [
        "permessage-deflate;",
        "permessage-deflate; ; client_max_window_bits",
        "permessage-deflate client_max_window_bits",
        "permessage-deflate; client_max_window_bits=",
        "permessage-deflate; client_max_window_bits=\"10",
        "permessage-deflate; client_max_window_bits=\"10\"0",
        "permessage-deflate; =10",
    ] {
        assert_declined(offer);
    }
}

#[test]
fn malformed_first_offer_falls_back_to_the_second() {
    let offers = [
        "permessage-deflate; server_max_window_bits=7; client_max_window_bits",
        "permessage-deflate; client_max_window_bits",
    ];
    assert_eq!(
        server_negotiate(&DeflateConfig::default(), offers),
        Some((
            DeflateParams::default(),
            "permessage-deflate; client_max_window_bits=15".into()
        ))
    );
}

#[test]
fn first_acceptable_offer_wins_over_later_ones() {
    let offers = [
        "permessage-deflate; server_max_window_bits=10; client_max_window_bits",
        "permessage-deflate; client_max_window_bits",
    ];
    assert_eq!(
        server_negotiate(&DeflateConfig::default(), offers)
            .unwrap()
            .0,
        params(false, false, 10, 15)
    );
}

#[test]
fn other_extensions_mixed_in_are_skipped() {
    let offers = [
        "x-webkit-deflate-frame; max_window_bits=10",
        "permessage-deflate; bogus",
        "x-foo; a=\"permessage-deflate\"",
        "permessage-deflate; client_no_context_takeover",
        "x-bar",
    ];
    assert_eq!(
        server_negotiate(&DeflateConfig::default(), offers),
        Some((
            params(false, true, 15, 15),
            "permessage-deflate; client_no_context_takeover".into()
        ))
    );
}

#[test]
fn a_whole_header_value_is_split_into_its_offers() {
    let value = "x-foo; a=\"1,permessage-deflate\", permessage-deflate; x, \
                 permessage-deflate; server_max_window_bits=9";
    assert_eq!(
        server_negotiate(&DeflateConfig::default(), [value])
            .unwrap()
            .0,
        params(false, false, 9, 15)
    );
}
