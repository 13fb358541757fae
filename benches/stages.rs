//! Criterion benchmarks of each stage of ssoimport on one core, per source, on about 8 MB of input generated in
//! process (`ssoimport-gen`, seed 42): generation itself, framing + chunking, the reader's parse, normalize,
//! validate, NDJSON encoding of the usage rows, the sequential sink's deduplication and roster/discovery state, and
//! gzip (a segment per chunk, compressed by the workers, and the part writer that lays segments or lines into
//! size-capped parts). Each reports records/s and bytes/s.
//!
//! `aggregate_state` times the same state at the size of large exports (many users).
//!
//! `cargo bench -p ssoimport-bench --bench stages` (add a filter such as `parse/` to run a few).

use std::hint::black_box;

use criterion::{
    BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime,
};
use ssoimport::aggregate::Aggregator;
use ssoimport::normalize::{NormalizeOptions, Normalizer};
use ssoimport::schema::Task;
use ssoimport::source::{ChunkOptions, parse_chunk};
use ssoimport::upload::{PartOptions, PartWriter};
use ssoimport::validate::{Deduplicator, dedupe_keys};
use ssoimport_bench::{Format, STAGE_INPUT_BYTES, Staged, Usage, frame, validator};

fn staged() -> Vec<Staged> {
    Format::ALL
        .into_iter()
        .map(|f| Staged::new(f, STAGE_INPUT_BYTES).expect("every reader is compiled in"))
        .collect()
}

fn throughput(elements: u64, bytes: usize) -> Throughput {
    Throughput::ElementsAndBytes {
        elements,
        bytes: bytes as u64,
    }
}

fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    c.benchmark_group(name)
}

/// The duplicate check and the roster and discovery state over the valid rows of `s`, as the sink does it.
fn aggregate(s: &Staged) -> ssoimport::aggregate::Aggregated {
    let mut dedupe = Deduplicator::new();
    let mut aggregator = Aggregator::new(false);
    for batch in &s.valid {
        let first: Vec<bool> = dedupe_keys(batch)
            .into_iter()
            .map(|key| key.is_none_or(|k| dedupe.first_time(k).expect("in memory")))
            .collect();
        aggregator.add(batch, |row| first[row]);
    }
    aggregator.finish(8192)
}

/// `aggregate` as exports of many users make it: the state grows with the distinct users and (app, user) pairs,
/// and once its tables outgrow the core's caches each row waits on memory. 400,000 CSV sign-ins (~76 MB) by
/// 20,000 users (92,454 pairs: between the 1M-event Okta comparison's 66,542 and the 4M-event export's 124,909)
/// and by 100,000 (230,113 pairs).
fn aggregate_state(c: &mut Criterion) {
    let mut g = group(c, "aggregate_state");
    for users in [20_000, 100_000] {
        let options = ssoimport_gen::GenOptions::new(Format::Csv, 400_000)
            .users(users)
            .seed(ssoimport_bench::SEED);
        let s = Staged::generated(&options).expect("the csv reader is compiled in");
        g.throughput(throughput(s.parsed_rows, s.data.len()));
        g.bench_function(format!("users_{users}"), |b| b.iter(|| black_box(aggregate(&s))));
    }
    g.finish();
}

fn stages(c: &mut Criterion) {
    let inputs = staged();

    let mut g = group(c, "gen");
    for s in &inputs {
        let options = ssoimport_gen::GenOptions::new(s.format, s.summary.events).seed(ssoimport_bench::SEED);
        g.throughput(throughput(s.summary.events, s.data.len()));
        g.bench_function(s.format.name(), |b| {
            b.iter(|| black_box(ssoimport_gen::generate(&options)))
        });
    }
    g.finish();

    let mut g = group(c, "frame");
    for s in &inputs {
        g.throughput(throughput(s.records, s.data.len()));
        g.bench_function(s.format.name(), |b| {
            b.iter(|| black_box(frame(s.source.as_ref(), &s.data, ChunkOptions::default())))
        });
    }
    g.finish();

    let mut g = group(c, "parse");
    for s in &inputs {
        g.throughput(throughput(s.records, s.data.len()));
        g.bench_function(s.format.name(), |b| {
            b.iter(|| {
                for chunk in &s.chunks {
                    black_box(parse_chunk(&s.prepared, chunk));
                }
            })
        });
    }
    g.finish();

    let normalizer = Normalizer::new(NormalizeOptions::default());
    let mut g = group(c, "normalize");
    for s in &inputs {
        g.throughput(throughput(s.parsed_rows, s.data.len()));
        g.bench_function(s.format.name(), |b| {
            b.iter(|| {
                for batch in &s.parsed {
                    black_box(normalizer.normalize(batch).expect("normalized"));
                }
            })
        });
    }
    g.finish();

    let validator = validator();
    let mut g = group(c, "validate");
    for s in &inputs {
        g.throughput(throughput(s.parsed_rows, s.data.len()));
        g.bench_function(s.format.name(), |b| {
            b.iter(|| {
                for batch in &s.normalized {
                    black_box(validator.validate(batch).expect("validated"));
                }
            })
        });
    }
    g.finish();

    let mut g = group(c, "encode_ndjson");
    for s in &inputs {
        g.throughput(throughput(s.usage_rows, s.usage_bytes as usize));
        g.bench_function(s.format.name(), |b| {
            b.iter(|| {
                for batch in &s.valid {
                    black_box(Usage::encode(batch));
                }
            })
        });
    }
    g.finish();

    // What the sequential sink does with every valid row besides writing it: the duplicate check, then the roster
    // and discovery state (its rows built at the end). Bytes are the input's.
    let mut g = group(c, "aggregate");
    for s in &inputs {
        g.throughput(throughput(s.parsed_rows, s.data.len()));
        g.bench_function(s.format.name(), |b| b.iter(|| black_box(aggregate(s))));
    }
    g.finish();

    // gzip of the usage lines (Okta's; every source's usage rows have the same shape): each chunk's lines
    // compressed as a segment (in the workers, in parallel), then segments laid into size-capped parts (the
    // sequential sink: one part per iteration at this size, so each iteration also writes and syncs one file),
    // and the line-by-line path (zlib) for rows that come one at a time.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut g = group(c, "gzip");
    for s in inputs.iter().filter(|s| s.format == Format::Okta) {
        let options = PartOptions::default();
        g.throughput(throughput(s.usage_rows, s.usage_bytes as usize));
        for level in [options.gzip_level, 1] {
            g.bench_function(format!("segments_level{level}"), |b| {
                b.iter(|| {
                    for usage in &s.usage {
                        black_box(usage.compress(level));
                    }
                })
            });
            // The same segments through zlib-rs (what segments were made with before the row encoder).
            g.bench_function(format!("zlib_rs_level{level}"), |b| {
                b.iter(|| {
                    for usage in &s.usage {
                        let mut deflate = flate2::Compress::new(flate2::Compression::new(level), false);
                        let mut out = Vec::with_capacity(usage.lines.len());
                        deflate
                            .compress_vec(&usage.lines, &mut out, flate2::FlushCompress::Sync)
                            .expect("deflate in memory");
                        black_box(out);
                    }
                })
            });
        }
        g.bench_function("part_writer_segments", |b| {
            b.iter(|| {
                let mut writer =
                    PartWriter::create(dir.path(), Task::SsoApplicationUsage, options).expect("part writer");
                for (usage, segment) in s.usage.iter().zip(&s.segments) {
                    writer
                        .write_segment(segment, &usage.lines, &usage.ends)
                        .expect("written");
                }
                black_box(writer.finish().expect("finished"))
            })
        });
        g.bench_function("part_writer_lines", |b| {
            b.iter(|| {
                let mut writer =
                    PartWriter::create(dir.path(), Task::SsoApplicationRoster, options).expect("part writer");
                for line in s.usage.iter().flat_map(Usage::lines) {
                    writer.write_line(line).expect("written");
                }
                black_box(writer.finish().expect("finished"))
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    // Modest settings: 2-core machines, shared with builds.
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = stages, aggregate_state
}
criterion_main!(benches);
