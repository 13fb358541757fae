//! Auto-detection on arbitrary first bytes (`Readers::default().choose`), then the chosen reader on the whole
//! input: no panic, and whatever is chosen reads the bytes under the reader invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ssoimport::Readers;

fuzz_target!(|data: &[u8]| {
    let readers = Readers::default();
    let name = match data.first() {
        Some(b) if b & 1 == 0 => "export.csv",
        Some(b) if b & 2 == 0 => "InteractiveSignIns_2025-03-01_2025-03-02.csv",
        _ => "export.json",
    };
    let _ = readers.sniff(data);
    if let Ok((source, _prepared)) = readers.choose(data, name) {
        ssoimport_fuzz::check_reader(source, data);
    }
});
