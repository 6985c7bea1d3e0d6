//! Arbitrary bytes from a server, fed to a client connection (masking with a
//! deterministic random source) in fuzz-chosen pieces under fuzz-chosen
//! small limits (see `rfc6455_fuzz::Setup`).
//!
//! Same checks as `server_connection`, with the output read back by a strict
//! server.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rfc6455::Role;

fuzz_target!(|data: &[u8]| rfc6455_fuzz::check_connection(Role::Client, data));
