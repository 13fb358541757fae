use std::sync::Mutex;

use ssoimport_schema::Task;
use ssoimport_upload::{PartInfo, PartOptions};

use super::*;

#[derive(Default)]
struct Sealed(Mutex<Vec<(Task, PartInfo)>>);

impl Observer for Sealed {
    fn part_sealed(&self, task: Task, part: &PartInfo) {
        self.0.lock().unwrap().push((task, part.clone()));
    }
}

/// A sign-in CSV `name` of rows `rows`: row `i` is user `i % users` signing in to app `i % apps`, a minute after
/// row `i - 1`, with event id `i * id_step`.
fn csv_export(
    dir: &std::path::Path,
    name: &str,
    rows: std::ops::Range<u64>,
    users: u64,
    apps: u64,
    id_step: u64,
) -> std::path::PathBuf {
    let export = dir.join(name);
    let mut text = String::from("Email,App,Date,Event ID\n");
    for i in rows {
        text.push_str(&format!(
            "u{}@example.com,App {},{},{:x}\n",
            i % users,
            i % apps,
            1_700_000_000 + i * 60,
            i * id_step
        ));
    }
    std::fs::write(&export, text).unwrap();
    export
}

#[test]
fn every_part_is_announced_once_in_order_and_exists_when_announced() {
    let dir = tempfile::tempdir().unwrap();
    let export = csv_export(dir.path(), "in.csv", 0..3000, 97, 13, 7919);
    let out = dir.path().join("out");
    let options = ConvertOptions::new(&out).parts(PartOptions {
        max_part_bytes: 4096,
        gzip_level: 6,
    });
    let sealed = Sealed::default();
    let summary = Pipeline::new(options, Readers::default())
        .convert(&source::expand_inputs(&[&export]).unwrap(), &sealed)
        .unwrap();
    let announced = sealed.0.into_inner().unwrap();
    let mut expected = Vec::new();
    for task in &summary.manifest.tasks {
        let task_kind: Task = task.task.parse().unwrap();
        expected.extend(task.parts.iter().map(|p| (task_kind, p.clone())));
    }
    assert!(expected.len() > 3);
    assert_eq!(announced, expected);
    assert!(announced.iter().all(|(_, p)| out.join(&p.path).exists()));
}

#[test]
fn keys_spilled_by_a_killed_run_are_cleared_and_none_are_left() {
    let dir = tempfile::tempdir().unwrap();
    let export = csv_export(dir.path(), "in.csv", 0..200, 7, 3, 1);
    let out = dir.path().join("out");
    let stale = out.join(".dedupe");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(stale.join("470000.keys"), [0u8; 8]).unwrap();
    let summary = Pipeline::new(ConvertOptions::new(&out), Readers::default())
        .convert(&source::expand_inputs(&[&export]).unwrap(), &())
        .unwrap();
    assert_eq!(summary.manifest.counts.accepted, 200);
    assert!(!stale.exists());
}

#[test]
fn an_overlapping_export_is_deduplicated_through_spilled_hours() {
    // Sign-ins a minute apart, 60 an hour: with 100 keys in memory, the first export's early hours go to disk,
    // and the second (overlapping the first's last 500 sign-ins) reads them back.
    let dir = tempfile::tempdir().unwrap();
    let first = csv_export(dir.path(), "a.csv", 0..2000, 97, 13, 7919);
    let second = csv_export(dir.path(), "b.csv", 1500..2500, 97, 13, 7919);
    let out = dir.path().join("out");
    let options = ConvertOptions::new(&out).dedupe_memory_keys(100);
    let summary = Pipeline::new(options, Readers::default())
        .convert(&source::expand_inputs(&[&first, &second]).unwrap(), &())
        .unwrap();
    let counts = &summary.manifest.counts;
    assert_eq!(
        (counts.read, counts.duplicates, counts.accepted),
        (3000, 500, 2500)
    );
    let usage = summary
        .manifest
        .tasks
        .iter()
        .find(|t| t.task == "SsoApplicationUsage")
        .unwrap();
    assert_eq!(usage.rows, 2500);
    assert!(!out.join(".dedupe").exists());
}
