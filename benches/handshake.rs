//! Opening handshakes per second. Server: parse a real browser's upgrade
//! request and produce the 101 response and the connection. Client: build
//! the request, then validate a server's 101 response and make the
//! connection (the response comes from the same stub for both crates, which
//! computes the accept key for whatever nonce the client drew).
//!
//! fastwebsockets is not here: it leaves HTTP to hyper (its `upgrade` takes
//! an already parsed `hyper::Request`), so it has no handshake of its own to
//! compare on these bytes.

mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn handshake(c: &mut Criterion) {
    let config = rfc6455::Config::default();
    // Both produce a response that accepts the same key.
    let (ours, _) = common::handshake_server_ours(&config);
    let accept = b"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
    assert!(ours.windows(accept.len()).any(|w| w == accept));
    assert!(common::handshake_server_tungstenite().get_ref().written > 0);
    common::handshake_client_ours(&config);
    common::handshake_client_tungstenite();

    let mut group = c.benchmark_group("handshake/server_browser_request");
    group.throughput(Throughput::Elements(1));
    group.bench_function("rfc6455", |b| {
        b.iter(|| common::handshake_server_ours(black_box(&config)))
    });
    group.bench_function("tungstenite", |b| {
        b.iter(common::handshake_server_tungstenite)
    });
    group.finish();

    let mut group = c.benchmark_group("handshake/client_validate_response");
    group.throughput(Throughput::Elements(1));
    group.bench_function("rfc6455", |b| {
        b.iter(|| common::handshake_client_ours(black_box(&config)))
    });
    group.bench_function("tungstenite", |b| {
        b.iter(common::handshake_client_tungstenite)
    });
    group.finish();
}

criterion_group!(benches, handshake);
criterion_main!(benches);
