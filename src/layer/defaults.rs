//! The layers' own defaults: the open and write timeouts, the write limit.
//! (The connection's timers are `Config`'s defaults, the same everywhere.)

use core::time::Duration;

/// How long the layers give the opening handshake by default.
pub const DEFAULT_OPEN_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a write may make no progress before the connection is given
/// up on, by default.
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// How much output the tokio layer lets wait before a `feed` waits, by
/// default.
pub const DEFAULT_WRITE_LIMIT: usize = 64 << 10;
