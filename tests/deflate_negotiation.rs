//! permessage-deflate negotiation (RFC 7692 section 7): the client's offer,
//! the server's choice among offers, the client's check of the answer, and
//! the handshakes that run them and hand the result to the connections.
#![cfg(feature = "deflate")]

use rfc6455::deflate::{
    DeflateConfig, DeflateParams, client_accept, client_offer, server_negotiate,
};
use rfc6455::handshake::{
    Accept, Accepted, ClientRequest, HandshakeError, Request, Response, ServerHandshake, accept_key,
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
fn accept_default(response: &str) -> Result<DeflateParams, HandshakeError> {
    client_accept(&DeflateConfig::default(), response)
}

/// Asserts that a client with `config` refuses `response`.
#[track_caller]
fn assert_refused(config: &DeflateConfig, response: &str) {
    assert_eq!(
        client_accept(config, response),
        Err(HandshakeError::InvalidDeflateParams),
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

/// The key `Counter(0)` yields: base64 of bytes 1..=16.
const COUNTER_KEY: &str = "AQIDBAUGBwgJCgsMDQ4PEA==";

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

// ---------------------------------------------------- client_accept

#[test]
fn bare_response_gives_default_params() {
    assert_eq!(
        accept_default("permessage-deflate"),
        Ok(DeflateParams::default())
    );
}

#[test]
fn response_params_are_taken_as_given() {
    assert_eq!(
        accept_default(
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover; \
             server_max_window_bits=8; client_max_window_bits=8"
        ),
        Ok(params(true, true, 8, 8))
    );
    assert_eq!(
        accept_default(
            "Permessage-Deflate;Server_Max_Window_Bits=\"12\";client_max_window_bits=15"
        ),
        Ok(params(false, false, 12, 15))
    );
}

#[test]
fn server_may_limit_its_window_unasked() {
    assert_eq!(
        accept_default("permessage-deflate; server_max_window_bits=10"),
        Ok(params(false, false, 10, 15))
    );
}

#[test]
fn server_may_add_no_context_takeover_unasked() {
    assert_eq!(
        accept_default("permessage-deflate; server_no_context_takeover"),
        Ok(params(true, false, 15, 15))
    );
    assert_eq!(
        accept_default("permessage-deflate; client_no_context_takeover"),
        Ok(params(false, true, 15, 15))
    );
}

#[test]
fn client_honours_its_own_no_context_takeover_even_if_unanswered() {
    let config = deflate_config(|c| c.client_no_context_takeover = true);
    assert_eq!(
        client_accept(&config, "permessage-deflate"),
        Ok(params(false, true, 15, 15))
    );
}

#[test]
fn client_keeps_its_offered_window_if_the_server_says_nothing() {
    let config = deflate_config(|c| c.client_max_window_bits = 10);
    assert_eq!(
        client_accept(&config, "permessage-deflate"),
        Ok(params(false, false, 15, 10))
    );
    assert_eq!(
        client_accept(&config, "permessage-deflate; client_max_window_bits=9"),
        Ok(params(false, false, 15, 9))
    );
}

#[test]
fn server_window_larger_than_offered_is_refused() {
    let config = deflate_config(|c| c.server_max_window_bits = 10);
    assert_eq!(
        client_accept(&config, "permessage-deflate; server_max_window_bits=10"),
        Ok(params(false, false, 10, 15))
    );
    assert_eq!(
        client_accept(&config, "permessage-deflate; server_max_window_bits=8"),
        Ok(params(false, false, 8, 15))
    );
    assert_refused(&config, "permessage-deflate; server_max_window_bits=11");
    assert_refused(&config, "permessage-deflate; server_max_window_bits=15");
}

#[test]
fn missing_server_max_window_bits_is_refused_when_offered() {
    let config = deflate_config(|c| c.server_max_window_bits = 12);
    assert_refused(&config, "permessage-deflate");
    assert_refused(&config, "permessage-deflate; server_max_window_bits");
}

#[test]
fn client_window_larger_than_configured_is_refused() {
    let config = deflate_config(|c| c.client_max_window_bits = 10);
    assert_refused(&config, "permessage-deflate; client_max_window_bits=11");
    assert_refused(&config, "permessage-deflate; client_max_window_bits=15");
}

#[test]
fn client_max_window_bits_without_value_is_refused() {
    assert_refused(
        &DeflateConfig::default(),
        "permessage-deflate; client_max_window_bits",
    );
}

#[test]
fn missing_server_no_context_takeover_is_refused_when_asked() {
    let config = deflate_config(|c| c.server_no_context_takeover = true);
    assert_refused(&config, "permessage-deflate");
    assert_refused(&config, "permessage-deflate; client_no_context_takeover");
    assert_eq!(
        client_accept(&config, "permessage-deflate; server_no_context_takeover"),
        Ok(params(true, false, 15, 15))
    );
}

#[test]
fn duplicate_response_parameters_are_refused() {
    let config = DeflateConfig::default();
    for response in [
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
        "permessage-deflate; server_max_window_bits=9; server_max_window_bits=9",
        "permessage-deflate; client_max_window_bits=9; client_max_window_bits=10",
    ] {
        assert_refused(&config, response);
    }
}

#[test]
fn unknown_response_parameters_are_refused() {
    let config = DeflateConfig::default();
    assert_refused(&config, "permessage-deflate; x");
    assert_refused(
        &config,
        "permessage-deflate; server_max_window_bits=10; y=\"1\"",
    );
}

#[test]
fn bad_response_values_are_refused() {
    let config = DeflateConfig::default();
    for response in [
        "permessage-deflate; server_max_window_bits=7",
        "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=08",
        "permessage-deflate; client_max_window_bits=7",
        "permessage-deflate; client_max_window_bits=\"16\"",
        "permessage-deflate; client_max_window_bits=010",
        "permessage-deflate; server_no_context_takeover=1",
        "permessage-deflate; client_no_context_takeover=\"\"",
    ] {
        assert_refused(&config, response);
    }
}

#[test]
fn other_or_malformed_elements_are_refused() {
    let config = DeflateConfig::default();
    for response in [
        "",
        "x-webkit-deflate-frame",
        "permessage-deflate;",
        "permessage-deflate, permessage-deflate",
        "permessage-deflate; server_max_window_bits=\"10",
    ] {
        assert_refused(&config, response);
    }
}

// ----------------------------------------------------- linear time

#[test]
fn ten_thousand_unknown_params_are_declined() {
    let mut offer = String::from("permessage-deflate");
    for i in 0..10_000 {
        offer.push_str(&format!("; p{i}=\"{i}\""));
    }
    assert_declined(&offer);
    assert_refused(&DeflateConfig::default(), &offer);
}

#[test]
fn ten_thousand_repeated_params_are_declined() {
    let offer = format!(
        "permessage-deflate{}",
        "; client_no_context_takeover".repeat(10_000)
    );
    assert_declined(&offer);
    assert_refused(&DeflateConfig::default(), &offer);
}

#[test]
fn unclosed_quote_after_long_backslash_run_is_declined() {
    let offer = format!(
        "permessage-deflate; server_max_window_bits=\"{}",
        "\\".repeat(200_001)
    );
    assert_declined(&offer);
    assert_refused(&DeflateConfig::default(), &offer);
    // Inside a whole header value, the unclosed quote ends the value.
    assert_eq!(
        server_negotiate(
            &DeflateConfig::default(),
            [offer.as_str(), "permessage-deflate"]
        )
        .unwrap()
        .1,
        "permessage-deflate"
    );
}

#[test]
fn ten_thousand_malformed_offers_before_a_good_one() {
    let mut offers: Vec<String> = (0..10_000)
        .map(|i| format!("permessage-deflate; server_max_window_bits={}", 16 + i))
        .collect();
    offers.push("permessage-deflate; server_max_window_bits=9".into());
    assert_eq!(
        server_negotiate(&DeflateConfig::default(), offers.iter().map(String::as_str))
            .unwrap()
            .0,
        params(false, false, 9, 15)
    );
}

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
        HandshakeError::ExtensionNotOffered
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
            HandshakeError::InvalidDeflateParams,
            "{answer}"
        );
        // The error is sticky.
        assert_eq!(
            handshake.receive(b"").unwrap_err(),
            HandshakeError::InvalidDeflateParams
        );
    }
    assert_eq!(HandshakeError::InvalidDeflateParams.http_status(), None);
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
            HandshakeError::InvalidDeflateParams
        );
    }
}

#[test]
fn client_still_refuses_unoffered_extensions_next_to_deflate() {
    let response = response_101(&["permessage-deflate, x-unoffered"]);
    assert_eq!(
        client_reads(&Config::default(), ws_url(), &response).unwrap_err(),
        HandshakeError::ExtensionNotOffered
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
        HandshakeError::InvalidExtension
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
