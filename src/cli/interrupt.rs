//! Ctrl-C (SIGINT) and SIGTERM on the long commands (`plan`, `sweep`): the first signal
//! sets a flag that the library's search honours as it honours its deadline (see
//! [`crate::solve::Cancel`]), so the command writes what it has (the best plan so far, the
//! finished points) and exits 130; a second signal ends the process at once, with the
//! same code. The library knows nothing of signals: it only reads the flag.

use crate::solve::Cancel;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

/// Exit code of a command stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: i32 = 130;

/// Set by the first signal.
static STOP: AtomicBool = AtomicBool::new(false);

static WATCH: Once = Once::new();

/// Starts watching for Ctrl-C and SIGTERM (once per process) and returns the cancellation
/// the search is given. When the handlers cannot be installed, the signals keep their
/// default effect (the process ends) and a warning says so.
pub fn watch() -> Cancel {
    WATCH.call_once(|| {
        for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // The order matters: the shutdown looks at the flag before the flag is set, so
            // it fires on the second signal only.
            let installed = signal_hook::flag::register_conditional_shutdown(
                signal,
                EXIT_INTERRUPTED,
                &STOP,
            )
            .and_then(|_| signal_hook::flag::register(signal, &STOP));
            if let Err(e) = installed {
                eprintln!(
                    "chipmix: warning: cannot watch for interrupts ({e}); Ctrl-C will end chipmix without writing its results"
                );
            }
        }
    });
    Cancel::new(&STOP)
}

/// Whether Ctrl-C or SIGTERM arrived.
pub fn requested() -> bool {
    STOP.load(Ordering::Relaxed)
}
