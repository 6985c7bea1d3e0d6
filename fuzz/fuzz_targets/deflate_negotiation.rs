//! permessage-deflate negotiation on arbitrary header text, and agreement
//! between a client's offer and a server's answer for arbitrary settings.
//!
//! Checks: no panic on any `Sec-WebSocket-Extensions` text at either end;
//! whatever the server accepts, a client that made that offer accepts its
//! answer with the same parameters.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use rfc6455::deflate::{DeflateConfig, client_accept, client_offer, server_negotiate};

#[derive(Arbitrary, Debug)]
struct Settings {
    server_no_context_takeover: bool,
    client_no_context_takeover: bool,
    server_max_window_bits: u8,
    client_max_window_bits: u8,
}

impl Settings {
    fn config(&self) -> DeflateConfig {
        let mut config = DeflateConfig::default();
        config.server_no_context_takeover = self.server_no_context_takeover;
        config.client_no_context_takeover = self.client_no_context_takeover;
        config.server_max_window_bits = 8 + self.server_max_window_bits % 8;
        config.client_max_window_bits = 8 + self.client_max_window_bits % 8;
        config
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    client: Settings,
    server: Settings,
    header: String,
}

fuzz_target!(|input: Input| {
    let (client, server) = (input.client.config(), input.server.config());
    // Arbitrary text at both ends: any outcome but a panic.
    let _ = server_negotiate(&server, [input.header.as_str()]);
    let _ = client_accept(&client, &input.header);

    let offer = client_offer(&client);
    if let Some((params, answer)) = server_negotiate(&server, [offer.as_str()]) {
        assert_eq!(
            client_accept(&client, &answer),
            Ok(params),
            "offer {offer:?} answer {answer:?}"
        );
    }
});
