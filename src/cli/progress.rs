//! Progress on stderr, only when it is a terminal (quiet in pipes, files, CI): for long
//! national searches, one line every few seconds with the elapsed time, the proven bound,
//! the best plan and the gap between them; for sweeps, a bar whose time estimate never
//! reads less than the work can take by the time limits, nor more than they allow.

use crate::numfmt::money;
use crate::search::decompose::{Progress, Reporter};
use indicatif::{HumanDuration, ProgressBar, ProgressState, ProgressStyle};
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

/// A sweep's progress bar over `points` points run by `workers` at once, each point
/// stopped by `limit_s` seconds (plus the planner's slack) when known; hidden when stderr
/// is not a terminal.
pub fn sweep_bar(points: usize, workers: usize, limit_s: Option<f64>) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(points as u64);
    let per_point = limit_s.map(|l| l + crate::solve::slack(l));
    let eta = move |state: &ProgressState, w: &mut dyn std::fmt::Write| {
        let text = eta(
            state.pos(),
            state.len().unwrap_or(0),
            state.eta(),
            workers,
            per_point,
        );
        let _ = w.write_str(&text);
    };
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {pos}/{len} points [{bar:30}] {elapsed_precise} (eta {eta})",
    ) {
        bar.set_style(style.with_key("eta", eta).progress_chars("=> "));
    }
    bar
}

/// The time left of a sweep with `done` of `len` points finished: indicatif's `estimate`
/// (from the rate so far), at most what the time limits allow (`per_point` seconds for
/// each round of `workers` points left). Before any point has finished there is no rate:
/// the estimate is unknown, and only the limit's bound is shown (indicatif's reads "0s"
/// then, while points run to their limit).
fn eta(done: u64, len: u64, estimate: Duration, workers: usize, per_point: Option<f64>) -> String {
    let left = len.saturating_sub(done);
    let rounds = left.div_ceil(workers.max(1) as u64);
    let most = per_point
        .filter(|s| s.is_finite())
        .and_then(|s| Duration::try_from_secs_f64(s * rounds as f64).ok());
    if left == 0 {
        return HumanDuration(Duration::ZERO).to_string();
    }
    match (done, most) {
        (0, Some(m)) => format!("unknown, at most {}", HumanDuration(m)),
        (0, None) => "unknown".into(),
        (_, Some(m)) => HumanDuration(estimate.min(m)).to_string(),
        (_, None) => HumanDuration(estimate).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sweep_eta_is_unknown_until_a_point_finishes_and_bounded_by_the_limits() {
        let s = Duration::from_secs;
        // Nothing finished: no rate, only the limits' bound (10 points, 2 at a time, 60 s
        // each: 5 rounds, 5 minutes).
        assert_eq!(
            eta(0, 10, s(0), 2, Some(60.0)),
            "unknown, at most 5 minutes"
        );
        assert_eq!(eta(0, 10, s(0), 2, None), "unknown");
        // A rate: its estimate, unless the limits allow less (4 rounds of 60 s).
        assert_eq!(eta(2, 10, s(30), 2, Some(60.0)), "30 seconds");
        assert_eq!(eta(2, 10, s(3600), 2, Some(60.0)), "4 minutes");
        assert_eq!(eta(10, 10, s(5), 2, Some(60.0)), "0 seconds");
    }

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
