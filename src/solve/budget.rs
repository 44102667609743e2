//! Time and gap: the wall-clock budget shared by the solves of one plan, and the relative
//! gap between a plan's value and its proven bound.

use super::Limits;
use std::time::{Duration, Instant};

/// A wall-clock budget shared by the solves of one plan.
///
/// The plan must be ready within `seconds` plus a slack of 10% (at least one second):
/// searches aim at `seconds` (the soft end) and every step stops by [`Budget::end`] (the
/// soft end plus [`END_SHARE`] of the slack), so that the rest is left to check and write
/// the plan found, and to free what the search built.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    started: Instant,
    /// Total seconds.
    pub seconds: f64,
    /// Relative MIP gap.
    pub mip_gap: f64,
}

/// Share of the slack the search may use past the time limit (see [`Budget`]). Measured on
/// 1,000 accelerators x 1,000 sites (release): the plan is written 0.2 s after the search
/// stops, and the process has freed its 1.3 GB 0.2 s later.
pub const END_SHARE: f64 = 0.4;

/// Seconds a plan may take beyond its time limit of `seconds`: 10%, at least one second.
pub fn slack(seconds: f64) -> f64 {
    (seconds * 0.1).max(1.0)
}

impl Budget {
    /// Starts a budget now.
    pub fn start(seconds: f64, mip_gap: f64) -> Budget {
        Budget {
            started: Instant::now(),
            seconds,
            mip_gap,
        }
    }

    /// Seconds left.
    pub fn left(&self) -> f64 {
        (self.seconds - self.started.elapsed().as_secs_f64()).max(0.0)
    }

    /// The moment every step of the search must have stopped by: the time limit plus
    /// [`END_SHARE`] of its slack. `None` when that is too far to represent (a limit of
    /// centuries).
    pub fn end(&self) -> Option<Instant> {
        let s = self.seconds + slack(self.seconds) * END_SHARE;
        self.started
            .checked_add(Duration::try_from_secs_f64(s).ok()?)
    }

    /// Whether [`Budget::end`] has passed.
    pub fn expired(&self) -> bool {
        self.end().is_some_and(|e| Instant::now() >= e)
    }

    /// Limits for the next solve: what is left, at least `floor` seconds, and never
    /// past [`Budget::end`].
    pub fn limits(&self, floor: f64) -> Limits {
        Limits {
            time_limit_s: self.left().max(floor),
            mip_gap: self.mip_gap,
            deadline: self.end(),
        }
    }
}

/// Relative gap between a plan's value and its bound (what a plan's `gap` states); below
/// 1e-8 of the larger magnitude, or of 1 (a plan of nothing against a bound of 1e-16), the
/// difference is rounding noise and the gap is 0.
pub fn relative_gap(value: f64, bound: f64) -> f64 {
    let diff = (value - bound).abs();
    let denom = value.abs().max(bound.abs());
    if diff <= 1e-8 * denom.max(1.0) {
        0.0
    } else {
        diff / denom
    }
}

/// A bound within rounding noise of the value is the value.
pub fn snap(value: f64, bound: f64) -> f64 {
    if relative_gap(value, bound) == 0.0 {
        value
    } else {
        bound
    }
}
