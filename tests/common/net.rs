//! Loopback helpers for tests that run real servers and both layers'
//! clients. Include it with `#[path = "common/net.rs"] mod net;`.
#![allow(dead_code)] // each test file uses a different subset

use std::net::TcpListener;

#[cfg(feature = "tokio")]
use rfc6455::layer::{self, ClientOptions};

/// A 127.0.0.1 port nothing listens on (just released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A current-thread runtime with time and I/O.
#[cfg(feature = "tokio")]
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Both clients connect with `options` and fail; returns both errors
/// (blocking, then tokio).
#[cfg(feature = "tokio")]
pub fn both_clients_fail(options: ClientOptions) -> [layer::Error; 2] {
    let blocking = rfc6455::blocking::connect_with(options.clone()).unwrap_err();
    let tokio = runtime()
        .block_on(rfc6455::tokio::connect_with(options))
        .unwrap_err();
    [blocking, tokio]
}
