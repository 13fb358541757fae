//! Ctrl-C: the first asks the run to stop cleanly (the manifest then says it is incomplete), the second ends the
//! process at once.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;

use crate::exit;

/// Sets `stop` on SIGINT or SIGTERM; a second signal while `stop` is set exits with code 130.
pub(crate) fn stop_on_signal(stop: &Arc<AtomicBool>) {
    for signal in [SIGINT, SIGTERM] {
        // Registration can only fail for forbidden signals, which these are not; without it Ctrl-C still ends
        // the process, just less tidily.
        let _ = flag::register_conditional_shutdown(signal, i32::from(exit::INTERRUPTED), stop.clone());
        let _ = flag::register(signal, stop.clone());
    }
}
