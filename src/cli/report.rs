//! `chipmix report`: the plan (and an optional sweep) as one self-contained HTML page. The
//! arguments become a [`crate::report::Request`]; the library plans and gathers.

use super::args::ReportArgs;
use super::sweep::params;
use super::{Exit, open_document, output};
use crate::render::html::render;
use crate::report::{Request, build};
use crate::sweep::Sweep;
use anyhow::{Context, anyhow};
use clap::ArgMatches;

/// Runs `chipmix report`; the exit is the plan's (a plan, or none), and the report is
/// written either way. Its errors are bad input (exit 2).
pub fn run(a: &ReportArgs, m: &ArgMatches) -> anyhow::Result<Exit> {
    let sweep = if a.sweep.param.is_empty() {
        None
    } else {
        let sweep = params(&a.sweep, m).and_then(|p| Sweep::new(p).map_err(|e| e.to_string()));
        Some(sweep.map_err(|e| anyhow!("chipmix report: {e}"))?)
    };
    let document = open_document(&a.scenario, &[a.output.as_deref()])?;
    let request = Request {
        document: &document,
        sets: &a.set,
        options: a.solve.options(),
        sweep: sweep.as_ref(),
        explain: a.explain,
        alternatives: a.alternatives,
    };
    let report = build(&request).map_err(|e| anyhow!("{e}"))?;
    for w in &report.warnings {
        eprintln!("{w}");
    }
    output(&render(&report.plan, &report.extras()), a.output.as_deref()).context("chipmix")?;
    if !report.plan.status.has_plan() {
        eprintln!(
            "{}: {} (the report says why)",
            a.scenario.display(),
            report.plan.status.as_str()
        );
    }
    Ok(Exit::of(&report.plan))
}
