//! The parameter types: what to offer or accept, and what was agreed.

/// What this endpoint offers (client) or accepts (server).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct DeflateConfig {
    /// Offer (client) or accept (server) permessage-deflate. Default `true`.
    pub enabled: bool,
    /// zlib compression level, 0 (store) to 9 (smallest). Default 6.
    pub compression_level: u32,
    /// Messages shorter than this are sent uncompressed. Default 32 bytes.
    pub min_compress_size: usize,
    /// Ask (client) or require (server) that the server compress each
    /// message on its own, which saves the server's compression memory
    /// between messages. Default `false`.
    pub server_no_context_takeover: bool,
    /// Ask (client) or require (server) that the client compress each
    /// message on its own. Default `false`.
    pub client_no_context_takeover: bool,
    /// Largest LZ77 window (as a power of two, 8 to 15) the server may
    /// compress with. Default 15.
    pub server_max_window_bits: u8,
    /// Largest LZ77 window (8 to 15) the client may compress with. Default 15.
    pub client_max_window_bits: u8,
}

impl Default for DeflateConfig {
    fn default() -> Self {
        DeflateConfig {
            enabled: true,
            compression_level: 6,
            min_compress_size: 32,
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: 15,
            client_max_window_bits: 15,
        }
    }
}

/// The negotiated permessage-deflate parameters of one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DeflateParams {
    /// The server resets its compressor after every message.
    pub server_no_context_takeover: bool,
    /// The client resets its compressor after every message.
    pub client_no_context_takeover: bool,
    /// The server's compression window, as a power of two (8 to 15).
    pub server_max_window_bits: u8,
    /// The client's compression window, as a power of two (8 to 15).
    pub client_max_window_bits: u8,
}

impl Default for DeflateParams {
    /// Context takeover in both directions, 32 KiB windows.
    fn default() -> Self {
        DeflateParams {
            server_no_context_takeover: false,
            client_no_context_takeover: false,
            server_max_window_bits: 15,
            client_max_window_bits: 15,
        }
    }
}
