//! Masking alone: `rfc6455::mask::apply` (in place) and `apply_copy` (fused
//! with a copy) against the plain in-place XOR ceiling and a memcpy, on one
//! payload of each size. This is the measurement behind keeping `mask.rs`
//! in safe code: if it runs with the ceiling, hand-written SIMD cannot pay.

mod common;

use std::hint::black_box;

use common::{Flat, Workload};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const KEY: [u8; 4] = [0x37, 0xfa, 0x21, 0x3d];

fn mask(c: &mut Criterion) {
    for size in [16, 125, 1024, 64 << 10, 1 << 20] {
        let workload = Workload::binary(size, ((1 << 20) / size).clamp(1, 4096));
        let mut group = c.benchmark_group(format!("mask/{}", common::size_name(size)));
        group.throughput(Throughput::Bytes(workload.payload_bytes() as u64));
        let mut flat = Flat::new(&workload);
        group.bench_function("rfc6455_apply", |b| {
            b.iter(|| {
                for r in &flat.ranges {
                    rfc6455::mask::apply(black_box(&mut flat.bytes[r.clone()]), KEY, 0);
                }
            })
        });
        let src = Flat::new(&workload);
        let mut dst = vec![0u8; src.bytes.len()];
        group.bench_function("rfc6455_apply_copy", |b| {
            b.iter(|| {
                for r in &src.ranges {
                    rfc6455::mask::apply_copy(
                        &src.bytes[r.clone()],
                        black_box(&mut dst[r.clone()]),
                        KEY,
                        0,
                    );
                }
            })
        });
        group.bench_function("ceiling_memcpy", |b| {
            b.iter(|| common::ceiling_memcpy(black_box(&src), black_box(&mut dst)))
        });
        group.bench_function("ceiling_xor", |b| {
            b.iter(|| common::ceiling_xor(black_box(&mut flat), black_box(KEY)))
        });
        group.finish();
    }
}

criterion_group!(benches, mask);
criterion_main!(benches);
