//! Encoding as a server (unmasked) and as a client (masked), as the main
//! crate's `benches/encode.rs`, with the four added peers: each message is
//! sent and written to a counting sink at once, on a new connection per
//! batch, and every implementation must write the same number of bytes
//! (checked before timing), next to the two ceilings.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rfc6455_peers::common::{self, Outgoing, Workload};
use rfc6455_peers::{sockudo_peer, tokio_websockets_peer, wtx_peer, yawc_peer};

fn encode(c: &mut Criterion) {
    let rt = common::runtime();
    for workload in common::encode_workloads() {
        for client in [false, true] {
            bench_workload(c, &rt, &workload, client);
        }
    }
}

fn bench_workload(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    workload: &Workload,
    client: bool,
) {
    let out = Outgoing::new(workload);
    let sockudo_messages = sockudo_peer::messages(&out.raw, out.kind);
    let mut wtx_out = wtx_peer::Outgoing::new(&out.raw, out.kind);
    let expected = workload.wire(client).len();
    let written = [
        ("rfc6455", common::encode_ours(&out, client)),
        (
            "tungstenite",
            common::encode_tungstenite(&out.tungstenite, client),
        ),
        (
            "fastwebsockets",
            common::encode_fastwebsockets(rt, &out.raw, out.kind, client),
        ),
        (
            "tokio-websockets",
            tokio_websockets_peer::encode(rt, &out.raw, out.kind, client),
        ),
        (
            "sockudo-ws",
            sockudo_peer::encode(&sockudo_messages, client),
        ),
        ("yawc", yawc_peer::encode(rt, &out.raw, out.kind, client)),
        ("wtx", wtx_peer::encode(rt, &mut wtx_out, client)),
    ];
    for (peer, n) in written {
        assert_eq!(n, expected, "{peer} on {}", workload.name);
    }

    let role = if client { "client_masked" } else { "server" };
    let mut group = c.benchmark_group(format!("encode_{role}/{}", workload.name));
    group.throughput(Throughput::Bytes(workload.payload_bytes() as u64));
    group.bench_function("rfc6455", |b| {
        b.iter(|| common::encode_ours(black_box(&out), client))
    });
    group.bench_function("tungstenite", |b| {
        b.iter(|| common::encode_tungstenite(black_box(&out.tungstenite), client))
    });
    group.bench_function("fastwebsockets", |b| {
        b.iter(|| common::encode_fastwebsockets(rt, black_box(&out.raw), out.kind, client))
    });
    group.bench_function("tokio-websockets", |b| {
        b.iter(|| tokio_websockets_peer::encode(rt, black_box(&out.raw), out.kind, client))
    });
    group.bench_function("sockudo-ws", |b| {
        b.iter(|| sockudo_peer::encode(black_box(&sockudo_messages), client))
    });
    group.bench_function("yawc", |b| {
        b.iter(|| yawc_peer::encode(rt, black_box(&out.raw), out.kind, client))
    });
    group.bench_function("wtx", |b| {
        b.iter(|| wtx_peer::encode(rt, black_box(&mut wtx_out), client))
    });
    common::bench_ceilings(&mut group, workload);
    group.finish();
}

criterion_group!(benches, encode);
criterion_main!(benches);
