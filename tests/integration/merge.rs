//! `convert --partial` per shard, then `merge`: the same roster and discovery as one run over everything.

use std::io::Write;

use serde_json::Value;

use crate::support::*;

/// A mixed CSV export: repeated users and apps, names that change over time, a few bad rows.
fn export(n: usize) -> Vec<String> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let user = x % 300;
            let app = (x >> 16) % 25;
            let name = if (x >> 32).is_multiple_of(5) {
                format!("App {app} (new)")
            } else {
                format!("App {app}")
            };
            let email = if i % 97 == 0 {
                "not-an-email".to_string()
            } else {
                format!("User{user}@Example.com")
            };
            let time = 1_700_000_000 + (x >> 20) % 5_000_000;
            format!("{email},{name},{time},User {user}\n")
        })
        .collect()
}

fn roster_and_discovery(out: &std::path::Path) -> Value {
    let m = manifest(out);
    let tasks: Vec<Value> = m["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .filter(|t| t["task"] != "SsoApplicationUsage")
        .cloned()
        .collect();
    Value::Array(tasks)
}

#[test]
fn shards_converted_apart_and_merged_in_any_order_equal_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let rows = export(6000);
    let header = "Email,App,Timestamp,Display Name\n";
    let whole = dir.path().join("whole.csv");
    std::fs::write(&whole, format!("{header}{}", rows.concat())).unwrap();
    let cap = "20000";
    let out_whole = dir.path().join("out-whole");
    convert(&[whole.to_str().unwrap(), "--max-part-bytes", cap], &out_whole, 0);
    let expected = roster_and_discovery(&out_whole);
    assert!(
        expected[0]["parts"].as_array().unwrap().len() > 1,
        "the roster spans several parts: {expected}"
    );

    // Four shards, rows dealt out at random.
    let mut shards: Vec<Vec<u8>> = vec![header.as_bytes().to_vec(); 4];
    let mut x: u64 = 42;
    for row in &rows {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        shards[(x >> 62) as usize].write_all(row.as_bytes()).unwrap();
    }
    let mut shard_dirs = Vec::new();
    for (i, shard) in shards.iter().enumerate() {
        let input = dir.path().join(format!("shard-{i}.csv"));
        std::fs::write(&input, shard).unwrap();
        let out = dir.path().join(format!("part-{i}"));
        convert(
            &[input.to_str().unwrap(), "--partial", "--max-part-bytes", cap],
            &out,
            0,
        );
        assert!(out.join("partial.jsonl.gz").exists());
        shard_dirs.push(out.to_str().unwrap().to_string());
    }
    for order in [[0, 1, 2, 3], [3, 1, 0, 2]] {
        let merged = dir.path().join(format!("merged-{}", order[0]));
        let mut args = vec!["merge", merged.to_str().unwrap(), "--max-part-bytes", cap];
        args.extend(order.iter().map(|&i| shard_dirs[i].as_str()));
        let output = run(&args, None);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(roster_and_discovery(&merged), expected, "merge order {order:?}");
        assert_eq!(manifest(&merged)["counts"]["read"], 6000);
    }

    // A directory converted without --partial cannot be merged, and says why.
    let plain = dir.path().join("plain");
    convert(&[whole.to_str().unwrap()], &plain, 0);
    let output = run(
        &[
            "merge",
            dir.path().join("m").to_str().unwrap(),
            plain.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--partial"));
}
