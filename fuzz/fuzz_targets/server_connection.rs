//! Arbitrary bytes from a client, fed to a server connection in fuzz-chosen
//! pieces under fuzz-chosen small limits (see `rfc6455_fuzz::Setup`).
//!
//! Checks: no panic; bounded buffering; every error carries a close code and
//! closes the connection, after which nothing more comes out; feeding all the
//! bytes at once delivers the same, fails the same and writes the same; and
//! what the server wrote is a valid frame sequence (read back by a strict
//! client) holding only the pong and close replies its input called for.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rfc6455::Role;

fuzz_target!(|data: &[u8]| rfc6455_fuzz::check_connection(Role::Server, data));
