//! The client's check of the server's answer (`client_accept`), and the
//! linear time of parsing hostile offers and answers.

use super::*;

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
