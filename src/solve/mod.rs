//! Solver backends behind one function: microlp (pure Rust, always built) and HiGHS (the
//! `highs` Cargo feature). A solve returns data, never panics: optimal, stopped by a limit
//! with a proven bound, infeasible, or no solution with the reason.
//!
//! A solve with a deadline ([`Limits::deadline`]) ends by it: the solver's own time limit
//! is cut to the time left, a solve is not started after the deadline, and the solver
//! runs on a worker thread that is abandoned when it overruns (microlp checks its clock
//! only every thousand pivots and not while it sets up, which takes seconds on models of
//! a million variables). An abandoned solver is left to stop on its own time limit, or
//! with the process; the call reports that no solution was found in time.

pub mod budget;
#[cfg(feature = "highs")]
mod highs;
mod microlp;
mod microlp06;

use crate::error::PlanError;
use crate::model::Built;
pub use budget::{Budget, Cancel, END_SHARE, Stop, relative_gap, slack, snap};
use good_lp::{Solution, SolutionStatus, Variable};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Which solver to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The pure-Rust microlp solver (default).
    Microlp,
    /// HiGHS, when built with the `highs` feature.
    Highs,
}

impl Backend {
    /// The name used on the command line and in plans.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Microlp => "microlp",
            Backend::Highs => "highs",
        }
    }

    /// Whether this build includes the backend.
    pub fn is_built(self) -> bool {
        match self {
            Backend::Microlp => true,
            Backend::Highs => cfg!(feature = "highs"),
        }
    }
}

/// Stopping rules for one solve.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Wall-clock limit in seconds.
    pub time_limit_s: f64,
    /// Relative MIP gap at which the search may stop.
    pub mip_gap: f64,
    /// The moment by which the solve must have returned, whatever `time_limit_s` says:
    /// the end of the plan's time budget. `None`: only `time_limit_s`.
    pub deadline: Option<Instant>,
    /// The caller's request to stop: a cancelled solve returns at once, like one past its
    /// deadline.
    pub cancel: Cancel,
}

impl Limits {
    /// Limits of `seconds` and gap `mip_gap`, without a deadline.
    pub fn new(seconds: f64, mip_gap: f64) -> Limits {
        Limits {
            time_limit_s: seconds,
            mip_gap,
            deadline: None,
            cancel: Cancel::default(),
        }
    }

    /// When the solve must stop: its deadline or its cancellation.
    pub fn stop(&self) -> Stop {
        Stop {
            deadline: self.deadline,
            cancel: self.cancel,
        }
    }

    /// Whether the deadline has passed or the solve was cancelled.
    pub fn expired(&self) -> bool {
        self.stop().reached()
    }
}

/// What a solve that was not started, or was abandoned, at the deadline reports.
pub const STOPPED_AT_DEADLINE: &str = "the time limit was reached before the solver finished";

/// What a solve that was not started, or was abandoned, when cancelled reports.
pub const STOPPED_BY_CANCEL: &str = "the search was interrupted before the solver finished";

/// Why a solve stopped early under `limits`: cancelled, or past its deadline.
fn stopped(limits: &Limits) -> String {
    if limits.cancel.is_set() {
        STOPPED_BY_CANCEL.into()
    } else {
        STOPPED_AT_DEADLINE.into()
    }
}

/// Values of every model variable.
#[derive(Debug, Clone)]
pub struct Values(pub HashMap<Variable, f64>);

impl Solution for Values {
    fn status(&self) -> SolutionStatus {
        SolutionStatus::Optimal
    }
    fn value(&self, variable: Variable) -> f64 {
        self.0.get(&variable).copied().unwrap_or(0.0)
    }
}

/// What a solve found.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// A solution.
    Solved {
        /// Within the requested gap (true) or stopped by a limit (false).
        proven: bool,
        /// Variable values.
        values: Values,
        /// Objective value in the model's units (constant included).
        objective: f64,
        /// Best proven bound on the objective in the same units, when the solver has one.
        bound: Option<f64>,
        /// Dual value of each constraint, in order (continuous models, and only from
        /// solvers that give them: HiGHS).
        duals: Option<Vec<f64>>,
    },
    /// No assignment satisfies the constraints.
    Infeasible,
    /// The objective can improve without end.
    Unbounded,
    /// The solver stopped (time limit) before finding any solution.
    NoSolution(String),
}

/// A raw result from a backend, before the objective is evaluated.
pub(crate) enum Raw {
    Solved {
        proven: bool,
        values: Vec<f64>,
        /// Bound on the linear part of the objective (no constant).
        bound: Option<f64>,
        duals: Option<Vec<f64>>,
    },
    Infeasible,
    Unbounded,
    NoSolution(String),
}

/// Solves `built` with `backend` under `limits`; returns the outcome and the seconds spent.
pub fn solve(built: Built, backend: Backend, limits: Limits) -> Result<(Outcome, f64), PlanError> {
    if !backend.is_built() {
        return Err(PlanError::SolverUnavailable(backend.as_str().to_string()));
    }
    solve_on(built, Engine::Backend(backend), limits)
}

/// Solves a small integer programme (a site's or a part's problem in the decomposition)
/// with microlp 0.6 alone ([`microlp06`]), under `limits`; returns the outcome and the
/// seconds spent. On the site problems of the 500-site benchmark, 0.6 is about twice as
/// fast as the microlp backend, whose 0.7 goes first (a round of every site's problem takes
/// 7.5 s against 17 s on two cores). An error of 0.6 (`Singular matrix` on some degenerate
/// models) is the caller's to hand to a backend.
pub fn solve_small(built: Built, limits: Limits) -> Result<(Outcome, f64), PlanError> {
    solve_on(built, Engine::Microlp06, limits)
}

/// What runs a solve: a backend, or microlp 0.6 alone ([`solve_small`]).
#[derive(Debug, Clone, Copy)]
enum Engine {
    Backend(Backend),
    Microlp06,
}

impl Engine {
    fn name(self) -> &'static str {
        match self {
            Engine::Backend(b) => b.as_str(),
            Engine::Microlp06 => "microlp 0.6",
        }
    }
}

/// [`solve`] on `engine`.
fn solve_on(built: Built, engine: Engine, limits: Limits) -> Result<(Outcome, f64), PlanError> {
    let started = Instant::now();
    if built.stopped || limits.expired() {
        return Ok((Outcome::NoSolution(stopped(&limits)), 0.0));
    }
    if built.infeasible {
        return Ok((Outcome::Infeasible, 0.0));
    }
    let mut limits = limits;
    if let Some(d) = limits.deadline {
        let left = d.saturating_duration_since(started).as_secs_f64();
        limits.time_limit_s = limits.time_limit_s.min(left);
    }
    let objective = built.objective.clone();
    let all: Vec<Variable> = built
        .vars
        .iter_variables_with_def()
        .map(|(v, _)| v)
        .collect();
    let constant = good_lp::IntoAffineExpression::constant(&objective);
    if all.is_empty() {
        // Nothing to decide (every purchase is fixed): the rows were checked when built.
        let outcome = Outcome::Solved {
            proven: true,
            values: Values(HashMap::new()),
            objective: constant,
            bound: Some(constant),
            duals: None,
        };
        return Ok((outcome, started.elapsed().as_secs_f64()));
    }
    let raw = if limits.deadline.is_none() && !limits.cancel.is_armed() {
        run_caught(built, engine, limits)?
    } else {
        run_until(built, engine, limits)?
    };
    let outcome = match raw {
        Raw::Solved {
            proven,
            values,
            bound,
            duals,
        } => {
            let values = Values(all.iter().copied().zip(values).collect());
            let value = objective.eval_with(&values);
            Outcome::Solved {
                proven,
                objective: value,
                bound: bound.filter(|b| b.is_finite()).map(|b| b + constant),
                values,
                duals,
            }
        }
        Raw::Infeasible => Outcome::Infeasible,
        Raw::Unbounded => Outcome::Unbounded,
        Raw::NoSolution(why) => Outcome::NoSolution(why),
    };
    Ok((outcome, started.elapsed().as_secs_f64()))
}

/// Runs the backend, a panic turned into an error.
fn run_caught(built: Built, engine: Engine, limits: Limits) -> Result<Raw, PlanError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match engine {
        Engine::Backend(Backend::Microlp) => microlp::run(built, limits),
        #[cfg(feature = "highs")]
        Engine::Backend(Backend::Highs) => highs::run(built, limits),
        #[cfg(not(feature = "highs"))]
        Engine::Backend(Backend::Highs) => unreachable!("checked above"),
        Engine::Microlp06 => microlp06::run(built, limits),
    }))
    .map_err(|panic| {
        let what = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown".into());
        PlanError::Solver(format!("{} stopped unexpectedly: {what}", engine.name()))
    })?
}

/// How often a solve on a worker thread looks whether it was cancelled.
const CANCEL_POLL: Duration = Duration::from_millis(50);

/// Runs the backend on a worker thread and waits for it until the deadline of `limits` or
/// its cancellation; then the worker is abandoned (it stops at its own time limit, or with
/// the process). When no thread can be started, the backend runs here, without the
/// watchdog.
fn run_until(built: Built, engine: Engine, limits: Limits) -> Result<Raw, PlanError> {
    let model = std::sync::Arc::new(std::sync::Mutex::new(Some(built)));
    let (tx, rx) = std::sync::mpsc::channel();
    let handed = std::sync::Arc::clone(&model);
    let started = std::thread::Builder::new()
        .name("chipmix-solve".into())
        .spawn(move || {
            let built = handed.lock().ok().and_then(|mut m| m.take());
            if let Some(built) = built {
                let _ = tx.send(run_caught(built, engine, limits));
            }
        });
    if started.is_err() {
        let built = model.lock().ok().and_then(|mut m| m.take());
        return match built {
            Some(built) => run_caught(built, engine, limits),
            None => Err(PlanError::Solver("the solver thread lost its model".into())),
        };
    }
    loop {
        let wait = limits.deadline.map_or(CANCEL_POLL, |d| {
            d.saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1))
        });
        let wait = if limits.cancel.is_armed() {
            wait.min(CANCEL_POLL)
        } else {
            wait
        };
        match rx.recv_timeout(wait) {
            Ok(result) => return result,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) if limits.expired() => {
                return Ok(Raw::NoSolution(stopped(&limits)));
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                return Err(PlanError::Solver(format!(
                    "{} stopped unexpectedly",
                    engine.name()
                )));
            }
        }
    }
}
