//! Encoding, as a server (unmasked) and as a client (masked): each message is
//! sent and written to a counting sink at once, as an eager adapter would.
//! Each implementation sends with the API its docs advise for the case:
//! rfc6455 `send_binary`/`send_text` from borrowed payloads under 4 KiB and
//! `send(Message)` with a `Bytes` clone from 4 KiB (no copy when unmasked);
//! tungstenite `send(Message)` with a clone (its only way); fastwebsockets
//! `write_frame` of a `Payload::Borrowed`.
//! Every implementation must write the same number of bytes (checked before
//! timing). Ceilings as in the decode bench: a memcpy of the payloads and an
//! in-place XOR of them.

mod common;

use std::hint::black_box;

use common::{Outgoing, Workload};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

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
    let expected = workload.wire(client).len();
    let ours = common::encode_ours(&out, client);
    let tung = common::encode_tungstenite(&out.tungstenite, client);
    let fws = common::encode_fastwebsockets(rt, &out.raw, out.kind, client);
    assert_eq!(
        (ours, tung, fws),
        (expected, expected, expected),
        "{}",
        workload.name
    );

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
    common::bench_ceilings(&mut group, workload);
    group.finish();
}

criterion_group!(benches, encode);
criterion_main!(benches);
