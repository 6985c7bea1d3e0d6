//! Limits and switches for handshakes and connections.

use core::num::NonZeroUsize;
use core::time::Duration;

/// Every limit and switch, with defaults that suit a general-purpose server
/// or client.
///
/// ```
/// let mut config = rfc6455::Config::default();
/// config.max_message_size = 1 << 20;
/// config.auto_pong = false;
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Config {
    /// Largest frame payload accepted, in bytes. A larger declared length
    /// fails with 1009 before any of the payload is buffered. Default 16 MiB.
    pub max_frame_size: usize,
    /// Largest message accepted (the sum of its fragments), in bytes. Default
    /// 64 MiB. Also applies in streaming mode, where nothing is buffered: raise
    /// it for messages larger than memory.
    pub max_message_size: usize,
    /// Whether a received ping queues a pong automatically. Default `true`.
    pub auto_pong: bool,
    /// Most automatic pongs that wait for the output to be taken. Past it,
    /// the oldest waiting pong is dropped (the RFC allows answering only the
    /// latest ping), so a peer that pings and never reads cannot grow the
    /// queue. Default 16; 0 counts as 1.
    pub max_pending_pongs: usize,
    /// Accept frames whose masking is wrong for the role (unmasked frames at a
    /// server, masked frames at a client) instead of failing with 1002. Some
    /// non-conforming peers need it. Default `false`.
    pub lenient_masking: bool,
    /// Deliver data as it arrives ([`Event::Chunk`](crate::Event::Chunk))
    /// instead of whole messages, so no message is ever buffered whole.
    /// Default `false`.
    pub streaming: bool,
    /// Split each message sent with `Connection::send` into frames of at most
    /// this many payload bytes. Default `None` (one frame per message).
    pub fragment_size: Option<NonZeroUsize>,
    /// Most bytes of output that may wait to be written before
    /// `Connection::send` refuses more (`Error::OutputBufferFull`). Automatic
    /// replies are bounded on their own: `max_pending_pongs` pongs and one
    /// close frame. Default 128 MiB.
    pub max_output_buffer: usize,
    /// Largest opening handshake (request or response head), in bytes.
    /// Default 64 KiB.
    pub max_handshake_size: usize,
    /// Most header fields in an opening handshake. Default 128.
    pub max_headers: usize,
    /// Keepalive: after this long with nothing received, send a ping
    /// (its payload a nonce). Default `None` (off); the I/O layers turn it
    /// on. Needs the caller's clock: see `Connection::handle_timeout`.
    pub ping_interval: Option<Duration>,
    /// How long a keepalive ping may wait for its pong before the
    /// connection fails with 1011 (`Error::KeepaliveTimeout`). Only pongs
    /// carrying the ping's nonce count. Default `None` (wait forever).
    pub ping_timeout: Option<Duration>,
    /// How long to wait for the peer once this end has queued a close frame
    /// (or failed): for the peer's close frame, and then, at a client, for
    /// the server to close the transport. When it runs out the peer is
    /// given up on and `Connection::should_close_transport` turns true.
    /// Default `None` (wait forever).
    pub close_timeout: Option<Duration>,
    /// permessage-deflate: what to offer (client) or accept (server).
    #[cfg(feature = "deflate")]
    pub deflate: crate::deflate::DeflateConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_frame_size: 16 << 20,
            max_message_size: 64 << 20,
            auto_pong: true,
            max_pending_pongs: 16,
            lenient_masking: false,
            streaming: false,
            fragment_size: None,
            max_output_buffer: 128 << 20,
            max_handshake_size: 64 << 10,
            max_headers: 128,
            ping_interval: None,
            ping_timeout: None,
            close_timeout: None,
            #[cfg(feature = "deflate")]
            deflate: crate::deflate::DeflateConfig::default(),
        }
    }
}
