//! The okta reader on arbitrary bytes: no panic, the same rows whatever the split, read = rows + filtered.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ssoimport_fuzz::check_reader(Arc::new(ssoimport_okta::OktaSource::default()), data);
});
