//! The layer-conformance suite: one table of behaviours, run against the
//! blocking layer and the tokio layer through one small adapter
//! ([`adapter::Layer`]). Each case is generated once per layer, so the
//! test names say the layer (`blocking::connect_and_echo`,
//! `tokio::connect_and_echo`): `cargo test --all-features --test layers
//! conformance -- --list` prints the test × layer table.
//!
//! All traffic is on 127.0.0.1; every wait is bounded.
mod adapter;
mod cases;
mod peers;

/// One module of tests per layer, each test a case of [`cases`].
macro_rules! conformance {
    ($module:ident, $layer:ty, [$($case:ident),* $(,)?]) => {
        mod $module {
            $(
                #[test]
                fn $case() {
                    crate::conformance::cases::$case::<$layer>();
                }
            )*
        }
    };
}

macro_rules! for_both_layers {
    ($($case:ident),* $(,)?) => {
        conformance!(blocking, crate::conformance::adapter::Blocking, [$($case),*]);
        conformance!(tokio, crate::conformance::adapter::Tokio, [$($case),*]);
    };
}

for_both_layers!(
    connect_and_echo,
    a_prepared_message_goes_out_from_either_end,
    a_rejection_reaches_the_client_with_its_status,
    a_plain_http_request_is_handed_back_by_accept_with,
    a_plain_http_request_is_refused_by_accept,
    a_proxy_that_refuses_is_proxy_refused_with_407,
    an_unreachable_proxy_is_blamed_on_the_proxy,
    a_server_that_closes_mid_handshake_is_the_same_end_of_file,
    a_silent_server_is_an_open_timeout_within_the_bound,
    a_silent_client_is_an_open_timeout_for_the_server,
    the_selected_subprotocol_is_on_both_handles,
    the_peers_close_frame_is_on_both_handles,
    feed_queues_until_flush,
    ping_is_answered_and_state_follows_the_close,
);
