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

/// A sign-in CSV of `rows` rows: user `i % users`, app `i % apps`, one second apart, event id `i * id_step`.
fn csv_export(dir: &std::path::Path, rows: u64, users: u64, apps: u64, id_step: u64) -> std::path::PathBuf {
    let export = dir.join("in.csv");
    let mut text = String::from("Email,App,Date,Event ID\n");
    for i in 0..rows {
        text.push_str(&format!(
            "u{}@example.com,App {},{},{:x}\n",
            i % users,
            i % apps,
            1_700_000_000 + i,
            i * id_step
        ));
    }
    std::fs::write(&export, text).unwrap();
    export
}

#[test]
fn every_part_is_announced_once_in_order_and_exists_when_announced() {
    let dir = tempfile::tempdir().unwrap();
    let export = csv_export(dir.path(), 3000, 97, 13, 7919);
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
    let export = csv_export(dir.path(), 200, 7, 3, 1);
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
