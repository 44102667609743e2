//! `chipmix report`: the plan (and an optional sweep) as one self-contained HTML page. The
//! arguments become a [`crate::report::Request`]; the library plans and gathers.

use super::args::ReportArgs;
use super::sweep::params;
use super::{EXIT_BAD_INPUT, EXIT_NO_PLAN, emit, read_document};
use crate::render::html::render;
use crate::report::{Request, build};
use crate::sweep::Sweep;
use clap::ArgMatches;

/// Runs `chipmix report`; the exit code is the plan's (0 a plan, 1 none), and the report is
/// written either way.
pub fn run(a: &ReportArgs, m: &ArgMatches) -> i32 {
    let sweep = if a.sweep.param.is_empty() {
        None
    } else {
        match params(&a.sweep, m).and_then(|p| Sweep::new(p).map_err(|e| e.to_string())) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("chipmix report: {e}");
                return EXIT_BAD_INPUT;
            }
        }
    };
    let document = match read_document(&a.scenario, &[a.output.as_deref()]) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let request = Request {
        document: &document,
        sets: &a.set,
        options: a.solve.options(),
        exact_options: a.solve.exact_options(),
        sweep: sweep.as_ref(),
        explain: a.explain,
        alternatives: a.alternatives,
    };
    let report = match build(&request) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_BAD_INPUT;
        }
    };
    for w in &report.warnings {
        eprintln!("{w}");
    }
    if let Err(e) = emit(&render(&report.plan, &report.extras()), a.output.as_deref()) {
        eprintln!("chipmix: {e}");
        return EXIT_BAD_INPUT;
    }
    if report.plan.status.has_plan() {
        report.plan.exit_code()
    } else {
        eprintln!(
            "{}: {} (the report says why)",
            a.scenario.display(),
            report.plan.status.as_str()
        );
        EXIT_NO_PLAN
    }
}
