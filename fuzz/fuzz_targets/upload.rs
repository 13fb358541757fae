//! The emulator's upload parser (`ssoimport_emulator::upload`) and the job check over what it parsed. The first
//! byte picks how the rest is sent (as is, gzip-compressed here, or declared gzip while raw) and the task whose
//! contract checks the rows. No panic; every line is a row or a malformed line, and the check's counts add up.
#![no_main]

use std::io::Write;

use libfuzzer_sys::fuzz_target;
use ssoimport_emulator::check_job;
use ssoimport_emulator::upload::{UploadError, read_upload};
use ssoimport_schema::Task;

/// Small enough that a bomb in the input hits the cap quickly.
const MAX_DECODED: u64 = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let Some((&control, body)) = data.split_first() else {
        return;
    };
    let (sent, gzip) = match control % 3 {
        0 => (body.to_vec(), false),
        1 => {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(body).expect("gzip into memory");
            (gz.finish().expect("gzip into memory"), true)
        }
        _ => (body.to_vec(), true),
    };
    let content = match read_upload(&sent, gzip, MAX_DECODED) {
        Ok(content) => content,
        Err(UploadError::TooLarge { max }) => {
            assert_eq!(max, MAX_DECODED);
            return;
        }
        Err(UploadError::NotGzip(_)) => {
            assert!(control % 3 == 2, "a body gzipped here must decode");
            return;
        }
    };
    let lines = content.rows.len() + content.malformed.len();
    if control % 3 != 2 {
        // What was parsed is the body itself: at most one row per line.
        assert!(lines <= body.split(|&b| b == b'\n').count());
    }
    let tasks = Task::ALL;
    let task = tasks
        .get(usize::from(control / 3) % (tasks.len() + 1))
        .map_or("SomeOtherTask", |t| t.name());
    let check = check_job(task, [("upload.jsonl.gz", &content)]);
    assert_eq!(check.total_rows, lines);
    assert!(check.valid_rows <= content.rows.len());
    assert!(check.errors.len() <= 51);
    assert_eq!(check.errors.is_empty(), check.valid_rows == lines);
});
