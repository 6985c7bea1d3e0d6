//! What the Autobahn testees share.

use rfc6455::Config;

/// The layers' configuration with the limits raised for the 9.x cases (up
/// to 16 MiB messages and frames).
pub fn autobahn_config() -> Config {
    let mut config = rfc6455::Config::default();
    config.max_frame_size = 64 << 20;
    config.max_message_size = 64 << 20;
    config
}
