//! Limits and switches for handshakes and connections.

use core::num::NonZeroUsize;
use core::time::Duration;

/// Every limit and switch, with defaults that suit a general-purpose server
/// or client. The defaults are the same wherever a `Config` is made: the
/// core's, the layers' options', a stream upgraded elsewhere. The timers
/// among them (keepalive and close timeout, python-websockets' values) act
/// only when the driver hands in its clock (`Connection::handle_timeout`;
/// the layers do).
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
    /// `Connection::send` refuses more (`Refused::OutputBufferFull`). Automatic
    /// replies are bounded on their own: `max_pending_pongs` pongs and one
    /// close frame. Default 128 MiB.
    pub max_output_buffer: usize,
    /// Largest opening handshake (request or response head), in bytes.
    /// Default 64 KiB.
    pub max_handshake_size: usize,
    /// Most header fields in an opening handshake. Default 128.
    pub max_headers: usize,
    /// Keepalive: after this long with nothing received, send a ping
    /// (its payload a nonce). Default 20 s
    /// ([`DEFAULT_PING_INTERVAL`](Self::DEFAULT_PING_INTERVAL)); `None`
    /// turns keepalive off. Needs the caller's clock: see
    /// `Connection::handle_timeout`.
    pub ping_interval: Option<Duration>,
    /// How long a keepalive ping may wait for its pong before the
    /// connection fails with 1011 (`ConnectionError::KeepaliveTimeout`).
    /// Only pongs carrying the ping's nonce count. Default 20 s
    /// ([`DEFAULT_PING_TIMEOUT`](Self::DEFAULT_PING_TIMEOUT)); `None` waits
    /// forever.
    pub ping_timeout: Option<Duration>,
    /// How long to wait for the peer once this end has queued a close frame
    /// (or failed): for the peer's close frame, and then, at a client, for
    /// the server to close the transport. When it runs out the peer is
    /// given up on and `Connection::should_close_transport` turns true.
    /// Default 10 s ([`DEFAULT_CLOSE_TIMEOUT`](Self::DEFAULT_CLOSE_TIMEOUT));
    /// `None` waits forever.
    pub close_timeout: Option<Duration>,
    /// permessage-deflate: what to offer (client) or accept (server).
    #[cfg(feature = "deflate")]
    pub deflate: crate::deflate::DeflateConfig,
}

impl Config {
    /// The keepalive interval by default: a ping after 20 s without input.
    pub const DEFAULT_PING_INTERVAL: Duration = Duration::from_secs(20);
    /// How long a keepalive ping waits for its pong by default.
    pub const DEFAULT_PING_TIMEOUT: Duration = Duration::from_secs(20);
    /// How long the close handshake may take by default.
    pub const DEFAULT_CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

    /// The defaults with every timer off, for a driver that never hands in
    /// a clock and wants `poll_timeout` to say so (`None`).
    #[must_use]
    pub fn without_timers() -> Self {
        Config {
            ping_interval: None,
            ping_timeout: None,
            close_timeout: None,
            ..Config::default()
        }
    }
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
            ping_interval: Some(Config::DEFAULT_PING_INTERVAL),
            ping_timeout: Some(Config::DEFAULT_PING_TIMEOUT),
            close_timeout: Some(Config::DEFAULT_CLOSE_TIMEOUT),
            #[cfg(feature = "deflate")]
            deflate: crate::deflate::DeflateConfig::default(),
        }
    }
}
