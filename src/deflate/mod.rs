//! permessage-deflate (RFC 7692): what to offer or accept, what was agreed,
//! and the negotiation functions. The codec itself sits with the connection.
//!
//! Enabled with the `deflate` cargo feature. What to offer or accept is set
//! in [`Config::deflate`](crate::Config::deflate); the handshake negotiates it
//! and hands the result, a [`DeflateParams`], to the connection. A connection
//! made without a handshake (an RFC 8441 stream) takes the params from
//! [`Connection::with_deflate`](crate::Connection::with_deflate).
//!
//! Decompression is bounded: `Config::max_message_size` counts decompressed
//! bytes and is checked as output grows, so a small frame that would inflate
//! to gigabytes fails with 1009 having allocated at most the limit.
//!
//! # Negotiating by hand
//!
//! The handshakes in [`handshake`](crate::handshake) call these functions
//! themselves when [`Config::deflate`](crate::Config::deflate) is enabled;
//! they are public for callers who run a handshake of their own (an RFC 8441
//! stream, a proxy) and then call
//! [`Connection::with_deflate`](crate::Connection::with_deflate).
//!
//! ```
//! use rfc6455::deflate::{DeflateConfig, client_accept, client_offer, server_negotiate};
//!
//! let mut client = DeflateConfig::default();
//! client.client_no_context_takeover = true;
//! let offer = client_offer(&client);
//! assert_eq!(offer, "permessage-deflate; client_no_context_takeover; client_max_window_bits");
//!
//! let mut server = DeflateConfig::default();
//! server.server_max_window_bits = 12;
//! let (server_params, response) = server_negotiate(&server, [offer.as_str()]).unwrap();
//! assert_eq!(
//!     response,
//!     "permessage-deflate; client_no_context_takeover; server_max_window_bits=12; \
//!      client_max_window_bits=15"
//! );
//!
//! let client_params = client_accept(&client, &response).unwrap();
//! assert_eq!(client_params, server_params);
//! assert_eq!(client_params.server_max_window_bits, 12);
//! ```
//!
//! # Parsing
//!
//! An element is `permessage-deflate` followed by `;`-separated parameters,
//! each a token with an optional `=` value, a token or a quoted string
//! (optional whitespace is allowed around `;` and `=`). Extension and
//! parameter names compare ASCII case-insensitively. A window size is the
//! decimal `8` to `15` without leading zeros (RFC 7692 section 7.1.2), so
//! `08` is refused; the quoted form (`"10"`) is accepted and, after removing
//! its backslash escapes, must follow the same rule (RFC 6455 section 9.1).
//!
//! Parsing takes one pass over the element without backtracking, so it runs
//! in time linear in its length whatever the input (thousands of
//! parameters, unclosed quotes, runs of backslashes).
//!
//! Configured window sizes outside 8..=15 are clamped into that range.

mod params;

pub use crate::handshake::deflate::{client_accept, client_offer, server_negotiate};
pub use params::{DeflateConfig, DeflateParams};
