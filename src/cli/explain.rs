//! `chipmix explain` and `chipmix alternatives`: re-solves that say what a plan costs and
//! what else could be done for about the same money.

use super::args::{AlternativesArgs, ExplainArgs, ExplainFormatArg};
use super::{EXIT_BAD_INPUT, EXIT_NO_PLAN, emit, read_document};
use crate::error::PlanError;
use crate::explain::{ExplainError, alternatives_of, explain};
use crate::render::explain::{ExplainFormat, render, render_alternatives};

fn format(f: ExplainFormatArg) -> ExplainFormat {
    match f {
        ExplainFormatArg::Table => ExplainFormat::Table,
        ExplainFormatArg::Json => ExplainFormat::Json,
        ExplainFormatArg::Markdown => ExplainFormat::Markdown,
    }
}

fn failed(e: ExplainError) -> i32 {
    eprintln!("{e}");
    match e {
        ExplainError::Plan(PlanError::Solver(_) | PlanError::CheckFailed(_)) => EXIT_NO_PLAN,
        _ => EXIT_BAD_INPUT,
    }
}

/// Runs `chipmix explain`: exit 0 with a plan, 1 without (the fixes are printed).
pub fn run(a: &ExplainArgs) -> i32 {
    let document = match read_document(&a.scenario, &[a.output.as_deref()]) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let e = match explain(&document, &a.set, a.solve.exact_options()) {
        Ok(e) => e,
        Err(e) => return failed(e),
    };
    if let Err(err) = emit(&render(&e, format(a.format)), a.output.as_deref()) {
        eprintln!("chipmix: {err}");
        return EXIT_BAD_INPUT;
    }
    if !e.plan.status.has_plan() {
        eprintln!("{}: {}", a.scenario.display(), e.plan.status.as_str());
    }
    e.plan.exit_code()
}

/// Runs `chipmix alternatives`: exit 0 with a plan, 1 without.
pub fn alternatives(a: &AlternativesArgs) -> i32 {
    let document = match read_document(&a.scenario, &[a.output.as_deref()]) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let (plan, alts, note) =
        match alternatives_of(&document, &a.set, a.solve.exact_options(), a.within) {
            Ok(r) => r,
            Err(e) => return failed(e),
        };
    if let Err(err) = emit(
        &render_alternatives(&plan, &alts, a.within, format(a.format)),
        a.output.as_deref(),
    ) {
        eprintln!("chipmix: {err}");
        return EXIT_BAD_INPUT;
    }
    if let Some(n) = note {
        eprintln!("{}: note: {n}", a.scenario.display());
    }
    if !plan.status.has_plan() {
        eprintln!(
            "{}: {}: no alternatives without a plan",
            a.scenario.display(),
            plan.status.as_str()
        );
    }
    plan.exit_code()
}
