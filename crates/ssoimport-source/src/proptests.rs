//! Property tests of the framing and chunking: whatever the split of the pushes and the chunk size, the same
//! records with the same provenance; every record framed once; oversized records flagged and cut to an excerpt.

use proptest::prelude::*;

use crate::{ChunkAssembler, ChunkOptions, CsvFramer, Framer, JsonFramer, LineFramer, SpanFlaw};

type Record = (Vec<u8>, u64, u64, u64, u64, Option<SpanFlaw>);

#[derive(Debug, Clone, Copy)]
enum Kind {
    Lines,
    Csv,
    Json,
}

const ENVELOPES: &[&[&str]] = &[&["value"], &["items"], &["data", "events"]];

fn framer(kind: Kind, head: &[u8]) -> Box<dyn Framer> {
    match kind {
        Kind::Lines => Box::new(LineFramer::default()),
        Kind::Csv => Box::new(CsvFramer::new()),
        Kind::Json => Box::new(JsonFramer::new(head, ENVELOPES)),
    }
}

/// Frames `input` pushed in pieces ending at `cuts`, taking chunks as they fill.
fn assemble(kind: Kind, input: &[u8], cuts: &[usize], options: ChunkOptions) -> Vec<Record> {
    let mut a = ChunkAssembler::new("p".into(), framer(kind, input), options);
    let mut chunks = Vec::new();
    let mut at = 0;
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    cuts.sort_unstable();
    for cut in cuts.into_iter().chain(std::iter::once(input.len())) {
        a.push(&input[at..cut]);
        at = cut;
        while let Some(c) = a.take_chunk(false) {
            chunks.push(c);
        }
    }
    chunks.extend(a.finish(None));
    let mut out = Vec::new();
    for c in &chunks {
        for r in &c.records {
            assert!(r.start + r.kept <= c.data.len());
            out.push((
                c.bytes(r).to_vec(),
                r.index,
                r.line,
                c.offset(r),
                r.length,
                r.flaw,
            ));
        }
    }
    out
}

/// A CSV field: plain, or quoted with delimiters, quotes and line breaks inside.
fn csv_field() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 @.é]{0,12}",
        "[a-z,\"\n\r é]{0,12}".prop_map(|s| format!("\"{}\"", s.replace('"', "\"\""))),
    ]
}

fn csv_input() -> impl Strategy<Value = (Vec<String>, String)> {
    (
        prop::collection::vec(prop::collection::vec(csv_field(), 1..5), 0..12),
        prop::bool::ANY,
    )
        .prop_map(|(rows, crlf)| {
            let eol = if crlf { "\r\n" } else { "\n" };
            let records: Vec<String> = rows.iter().map(|r| format!("{}{eol}", r.join(","))).collect();
            let text = records.concat();
            (records, text)
        })
}

/// Small JSON values, some objects that look like envelopes.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        "[a-z\"\\\\{}\\[\\]\n é]{0,8}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::vec(
                (prop_oneof!["[a-z]{1,3}", Just("value".to_string())], inner),
                0..4
            )
            .prop_map(|members| serde_json::Value::Object(members.into_iter().collect())),
        ]
    })
}

/// JSON inputs: NDJSON of objects (with broken lines), a top-level array, an envelope, or arbitrary bytes from
/// the JSON alphabet.
fn json_input() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec((json_value(), prop::bool::weighted(0.1)), 0..8).prop_map(|lines| {
            lines
                .iter()
                .map(|(v, broken)| {
                    let text = serde_json::json!({"r": v}).to_string();
                    if *broken {
                        let mut cut = text.len() / 2;
                        while !text.is_char_boundary(cut) {
                            cut -= 1;
                        }
                        format!("{}\n", &text[..cut])
                    } else {
                        format!("{text}\n")
                    }
                })
                .collect::<String>()
                .into_bytes()
        }),
        prop::collection::vec(json_value(), 0..8)
            .prop_map(|items| serde_json::Value::Array(items).to_string().into_bytes()),
        prop::collection::vec(json_value(), 0..8).prop_map(|items| {
            serde_json::json!({"@odata.context": "x", "value": items, "next": "y"})
                .to_string()
                .into_bytes()
        }),
        prop::collection::vec(prop::sample::select(b"{}[]\",: \nabv\\".to_vec()), 0..200),
    ]
}

fn options() -> impl Strategy<Value = ChunkOptions> {
    (1usize..200, prop_oneof![Just(40usize), Just(1 << 20)]).prop_map(|(chunk_bytes, max_record_bytes)| {
        ChunkOptions {
            chunk_bytes,
            max_record_bytes,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn csv_records_are_found_whole_once_whatever_the_split(
        (records, text) in csv_input(),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
        options in options(),
    ) {
        let input = text.as_bytes();
        let whole = assemble(Kind::Csv, input, &[], options);
        prop_assert_eq!(&assemble(Kind::Csv, input, &cuts, options), &whole);
        // Rows of empty fields only are blank lines (gaps), not records.
        let expected: Vec<&String> = records.iter().filter(|r| !r.trim_end_matches(['\r', '\n']).is_empty()).collect();
        prop_assert_eq!(whole.len(), expected.len());
        for ((bytes, index, _, _, length, flaw), record) in whole.iter().zip(&expected) {
            prop_assert_eq!(*length, record.len() as u64);
            if record.len() > options.max_record_bytes {
                prop_assert_eq!(*flaw, Some(SpanFlaw::TooLarge), "record {}", index);
                prop_assert!(bytes.len() <= 512);
            } else {
                prop_assert_eq!(*flaw, None);
                prop_assert_eq!(bytes.as_slice(), record.as_bytes());
            }
        }
    }

    #[test]
    fn json_and_line_framing_give_the_same_records_whatever_the_split(
        input in json_input(),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
        options in options(),
    ) {
        for kind in [Kind::Json, Kind::Lines] {
            let whole = assemble(kind, &input, &[], options);
            prop_assert_eq!(&assemble(kind, &input, &cuts, options), &whole, "{:?}", kind);
            for (i, (_, index, _, _, length, flaw)) in whole.iter().enumerate() {
                prop_assert_eq!(*index, i as u64);
                if *length > options.max_record_bytes as u64 {
                    prop_assert!(flaw.is_some());
                }
            }
        }
    }

    #[test]
    fn every_complete_ndjson_line_is_one_record(
        values in prop::collection::vec(json_value(), 1..10),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let lines: Vec<String> = values.iter().map(|v| serde_json::json!({"r": v}).to_string()).collect();
        let input = lines.iter().map(|l| format!("{l}\n")).collect::<String>();
        let records = assemble(Kind::Json, input.as_bytes(), &cuts, ChunkOptions::default());
        prop_assert_eq!(records.len(), lines.len());
        for ((bytes, _, line, _, _, flaw), text) in records.iter().zip(&lines) {
            prop_assert_eq!(*flaw, None);
            let framed = String::from_utf8_lossy(bytes);
            prop_assert_eq!(framed.trim(), text.as_str());
            prop_assert!(*line >= 1);
        }
    }
}
