//! Criterion benchmark of the whole conversion (`Pipeline::convert`: read, frame, parse, normalize, validate,
//! encode, dedupe, aggregate, gzip parts, rejects and manifest) on a generated export of about 8 MB per source,
//! with every core. Reports records/s (events read) and bytes/s of input.
//!
//! `cargo bench -p ssoimport-bench --bench pipeline`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ssoimport::source::expand_inputs;
use ssoimport::{ConvertOptions, Pipeline, Readers};
use ssoimport_bench::{Format, SEED, STAGE_INPUT_BYTES};
use ssoimport_gen::{options_for_bytes, write_to};

fn pipeline(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut g = c.benchmark_group("pipeline");
    for format in Format::ALL {
        let path = dir.path().join(format!("{format}.{}", format.extension()));
        let file = std::fs::File::create(&path).expect("input file");
        let summary =
            write_to(&options_for_bytes(format, STAGE_INPUT_BYTES, SEED), file).expect("input written");
        let inputs = expand_inputs(&[&path]).expect("input");
        let out = dir.path().join(format!("out-{format}"));
        g.throughput(Throughput::ElementsAndBytes {
            elements: summary.events,
            bytes: summary.bytes,
        });
        g.bench_function(format.name(), |b| {
            b.iter(|| {
                let pipeline = Pipeline::new(ConvertOptions::new(&out), Readers::default());
                let run = pipeline.convert(&inputs, &()).expect("converted");
                assert_eq!(run.manifest.counts.read, summary.events);
                black_box(run)
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(5));
    targets = pipeline
}
criterion_main!(benches);
