//! `chipmix plan`: load, solve, check, render.

use super::args::{FormatArg, PlanArgs};
use super::{EXIT_BAD_INPUT, EXIT_NO_PLAN, emit, load_scenario};
use crate::error::PlanError;
use crate::planner::plan;
use crate::render::{Format, render};

/// Runs `chipmix plan` and returns the exit code.
pub fn run(a: &PlanArgs) -> i32 {
    let loaded = match load_scenario(&a.scenario, &a.set) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let opts = a.solve.options();
    let mut result = match plan(&loaded.scenario, &opts) {
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
    if let Err(e) = emit(&render(&result, format), a.output.as_deref()) {
        eprintln!("chipmix: {e}");
        return EXIT_BAD_INPUT;
    }
    if !result.status.has_plan() {
        eprintln!("{}: {}", a.scenario.display(), result.status.as_str());
        for c in result.conflicts.iter().chain(&result.message) {
            eprintln!("  - {c}");
        }
    }
    result.exit_code()
}
