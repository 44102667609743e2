//! `chipmix plan`: load, solve, check, render.

use super::args::{FormatArg, PlanArgs};
use super::{EXIT_BAD_INPUT, EXIT_NO_PLAN, emit, load_any};
use crate::error::PlanError;
use crate::planner::plan_timed;
use crate::render::{Format, render};
use crate::scenario::national::National;
use crate::search::{Relaxation, Timings};
use std::time::Instant;

/// Runs `chipmix plan` and returns the exit code.
pub fn run(a: &PlanArgs) -> i32 {
    let started = Instant::now();
    let loaded = match load_any(&a.scenario, &a.set, &[a.output.as_deref()]) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let read_s = started.elapsed().as_secs_f64();
    let opts = a.solve.options();
    if a.relaxation {
        return relaxation(a, &loaded.scenario, &opts, read_s);
    }
    let planned = plan_timed(&loaded.scenario, &opts);
    let (mut result, timings) = match planned {
        Ok(p) => p,
        Err(e @ PlanError::SolverUnavailable(_)) => {
            eprintln!("chipmix: {e}");
            return EXIT_BAD_INPUT;
        }
        Err(e) => {
            eprintln!("chipmix: {}: {e}", a.scenario.display());
            return EXIT_NO_PLAN;
        }
    };
    result
        .warnings
        .splice(0..0, loaded.warnings.iter().map(|w| w.to_string()));
    let format = match a.format {
        FormatArg::Table => Format::Table,
        FormatArg::Json => Format::Json,
        FormatArg::Yaml => Format::Yaml,
        FormatArg::Csv => Format::Csv,
        FormatArg::Markdown => Format::Markdown,
    };
    let started = Instant::now();
    let text = render(&result, format);
    let render_s = started.elapsed().as_secs_f64();
    if let Err(e) = emit(&text, a.output.as_deref()) {
        eprintln!("chipmix: {e}");
        return EXIT_BAD_INPUT;
    }
    if a.timings {
        eprintln!(
            "timings: read {read_s:.3} s, build {:.3} s, solve {:.3} s, round {:.3} s, check {:.3} s, render {render_s:.3} s",
            timings.build_s, timings.solve_s, timings.round_s, timings.check_s
        );
    }
    if !result.status.has_plan() {
        eprintln!("{}: {}", a.scenario.display(), result.status.as_str());
        for c in result.conflicts.iter().chain(&result.message) {
            eprintln!("  - {c}");
        }
    }
    result.exit_code()
}

/// `chipmix plan --relaxation`: the continuous relaxation's bound.
fn relaxation(a: &PlanArgs, nat: &National, opts: &crate::planner::Options, read_s: f64) -> i32 {
    let mut timings = Timings::default();
    let result = match crate::search::relaxation(nat, opts, &mut timings) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("chipmix: {}: {e}", a.scenario.display());
            return if matches!(e, PlanError::SolverUnavailable(_)) {
                EXIT_BAD_INPUT
            } else {
                EXIT_NO_PLAN
            };
        }
    };
    let what = if nat.objective == crate::scenario::Objective::MaxPflops {
        "upper bound on PFLOPS"
    } else {
        "lower bound on total cost"
    };
    let code = match result {
        Relaxation::Bound(b) => {
            println!(
                "{}: continuous relaxation solved by {}: {what} {b:.6} ({})",
                a.scenario.display(),
                opts.backend.as_str(),
                nat.currency
            );
            0
        }
        Relaxation::Infeasible => {
            println!(
                "{}: the continuous relaxation is infeasible, so the scenario is too",
                a.scenario.display()
            );
            EXIT_NO_PLAN
        }
        Relaxation::Unbounded => {
            println!(
                "{}: the continuous relaxation is unbounded",
                a.scenario.display()
            );
            EXIT_NO_PLAN
        }
        Relaxation::Stopped => {
            println!(
                "{}: the solver stopped before solving the continuous relaxation",
                a.scenario.display()
            );
            EXIT_NO_PLAN
        }
    };
    if a.timings {
        eprintln!(
            "timings: read {read_s:.3} s, build {:.3} s, solve {:.3} s",
            timings.build_s, timings.solve_s
        );
    }
    code
}
