//! Progress of long national searches on stderr: one line every few seconds with the
//! elapsed time, the proven bound, the best plan and the gap between them. Quiet when
//! stderr is not a terminal (pipes, files, CI).

use crate::numfmt::money;
use crate::search::decompose::{Progress, Reporter};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Seconds between two lines.
const EVERY: Duration = Duration::from_secs(2);

static LAST: Mutex<Option<Instant>> = Mutex::new(None);

/// The reporter for this process: `Some` when stderr is a terminal.
pub fn reporter() -> Option<Reporter> {
    std::io::stderr()
        .is_terminal()
        .then_some(report as Reporter)
}

fn report(p: &Progress) {
    let mut last = LAST.lock().unwrap_or_else(|e| e.into_inner());
    if last.is_some_and(|t| t.elapsed() < EVERY) {
        return;
    }
    *last = Some(Instant::now());
    eprintln!("{}", line(p));
}

/// One progress line.
fn line(p: &Progress) -> String {
    let best = if p.best.is_finite() {
        money(p.best)
    } else {
        "none yet".into()
    };
    let bound = if p.bound.is_finite() {
        money(p.bound)
    } else {
        "none yet".into()
    };
    let gap = if p.best.is_finite() && p.bound.is_finite() && p.best > 0.0 {
        format!("{:.2}%", 100.0 * (p.best - p.bound).max(0.0) / p.best)
    } else {
        "-".into()
    };
    format!(
        "[{:>6.1} s] {}: bound {bound}, best plan {best}, gap {gap}",
        p.elapsed_s, p.phase
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_says_bound_best_and_gap() {
        let l = line(&Progress {
            elapsed_s: 12.25,
            bound: 990.0,
            best: 1000.0,
            phase: "decomposition",
        });
        assert_eq!(
            l,
            "[  12.2 s] decomposition: bound 990, best plan 1,000, gap 1.00%"
        );
        let none = line(&Progress {
            elapsed_s: 0.0,
            bound: f64::NEG_INFINITY,
            best: f64::INFINITY,
            phase: "relaxation",
        });
        assert!(
            none.contains("bound none yet, best plan none yet, gap -"),
            "{none}"
        );
    }
}
