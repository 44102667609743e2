//! `chipmix plan`: load, solve, check, render.

use super::args::{Extension, FormatArg, PlanArgs, pick_format, with_bom};
use super::{Exit, load_any, output, output_bytes, workbook};
use crate::error::{Error, PlanError};
use crate::planner::plan_loaded;
use crate::render::{Format, render};
use crate::scenario::national::National;
use crate::search::{Relaxation, Timings};
use anyhow::Context;
use std::time::Instant;

/// A planner error as `chipmix: SCENARIO: why` (`chipmix: why` for a solver not in this
/// build, which is not about the scenario).
fn failed(e: PlanError, scenario: &std::path::Path) -> anyhow::Error {
    let about_scenario = !matches!(e, PlanError::SolverUnavailable(_));
    let e = anyhow::Error::new(Error::from(e));
    let e = if about_scenario {
        e.context(scenario.display().to_string())
    } else {
        e
    };
    e.context("chipmix")
}

/// Runs `chipmix plan`: a plan, or none (the reason is printed). Ctrl-C or SIGTERM stops
/// the search: the best checked plan found so far is written (status feasible, with its
/// gap), or the reason there is none, and the exit code is 130.
pub fn run(a: &PlanArgs) -> anyhow::Result<Exit> {
    let cancel = super::interrupt::watch();
    let started = Instant::now();
    let loaded = load_any(&a.scenario, &a.set, &[a.output.as_deref()])?;
    let read_s = started.elapsed().as_secs_f64();
    let format = pick_format(
        "plan",
        a.format,
        a.output.as_deref(),
        FormatArg::Table,
        &[
            (Extension::Table, FormatArg::Table),
            (Extension::Json, FormatArg::Json),
            (Extension::Yaml, FormatArg::Yaml),
            (Extension::Csv, FormatArg::Csv),
            (Extension::Markdown, FormatArg::Markdown),
            (Extension::Xlsx, FormatArg::Xlsx),
        ],
    )?;
    // Refused before the solve, not after it.
    with_bom("plan", String::new(), a.bom, format == FormatArg::Csv)?;
    let created = match format {
        FormatArg::Xlsx => Some(workbook("plan", a.output.as_deref())?),
        _ => None,
    };
    let opts = crate::planner::Options {
        cancel,
        ..a.solve.options()
    };
    if a.relaxation {
        return relaxation(a, &loaded.scenario, &opts, read_s);
    }
    let (result, timings) = plan_loaded(&loaded, &opts).map_err(|e| failed(e, &a.scenario))?;
    let started = Instant::now();
    let format = match format {
        FormatArg::Table => Format::Table,
        FormatArg::Json => Format::Json,
        FormatArg::Yaml => Format::Yaml,
        FormatArg::Csv => Format::Csv,
        FormatArg::Markdown => Format::Markdown,
        FormatArg::Xlsx => {
            let created = created.unwrap_or(crate::render::sheet::DEFAULT_CREATED);
            let bytes = crate::render::xlsx::render(&result, &loaded.scenario, created)
                .context("chipmix plan")?;
            output_bytes(&bytes, a.output.as_deref()).context("chipmix")?;
            return finish(
                a,
                &result,
                &timings,
                read_s,
                started.elapsed().as_secs_f64(),
            );
        }
    };
    let text = with_bom(
        "plan",
        render(&result, format),
        a.bom,
        format == Format::Csv,
    )?;
    let render_s = started.elapsed().as_secs_f64();
    output(&text, a.output.as_deref()).context("chipmix")?;
    finish(a, &result, &timings, read_s, render_s)
}

/// After the plan is written: the timings, why there is no plan, and the exit code.
fn finish(
    a: &PlanArgs,
    result: &crate::plan::Plan,
    timings: &Timings,
    read_s: f64,
    render_s: f64,
) -> anyhow::Result<Exit> {
    if a.timings {
        eprintln!(
            "timings: read {read_s:.3} s, build {:.3} s, solve {:.3} s, round {:.3} s, check {:.3} s, render {render_s:.3} s",
            timings.build_s, timings.solve_s, timings.round_s, timings.check_s
        );
        if timings.relax_s > 0.0 {
            eprintln!(
                "phases: relaxation and platform sets {:.3} s, decomposition {:.3} s ({} rounds), site-by-site improvement {:.3} s",
                timings.relax_s, timings.rounds_s, timings.rounds, timings.improve_s
            );
        }
    }
    if !result.status.has_plan() {
        eprintln!("{}: {}", a.scenario.display(), result.status.as_str());
        for c in result.conflicts.iter().chain(&result.message) {
            eprintln!("  - {c}");
        }
    }
    if super::interrupt::requested() {
        eprintln!(
            "chipmix: interrupted: {}",
            if result.status.has_plan() {
                "the plan above is the best found so far"
            } else {
                "no plan was found before the interrupt"
            }
        );
        return Ok(Exit::Interrupted);
    }
    Ok(Exit::of(result))
}

/// `chipmix plan --relaxation`: the continuous relaxation's bound.
fn relaxation(
    a: &PlanArgs,
    nat: &National,
    opts: &crate::planner::Options,
    read_s: f64,
) -> anyhow::Result<Exit> {
    let mut timings = Timings::default();
    let result = if nat.futures.is_some() {
        crate::hedge::relaxation(nat, opts, &mut timings)
    } else {
        crate::search::relaxation(nat, opts, &mut timings)
    };
    let result = result
        .map_err(Error::from)
        .with_context(|| a.scenario.display().to_string())
        .context("chipmix")?;
    let what = match nat.futures.as_deref().map(|f| f.risk) {
        Some(crate::scenario::futures::Risk::Expected) => {
            "lower bound on the expected cost over the futures"
        }
        Some(crate::scenario::futures::Risk::WorstCase) => {
            "lower bound on the worst cost over the futures"
        }
        None if nat.objective == crate::scenario::Objective::MaxPflops => "upper bound on PFLOPS",
        None => "lower bound on total cost",
    };
    let exit = match result {
        Relaxation::Bound(b) => {
            println!(
                "{}: continuous relaxation solved by {}: {what} {b:.6} ({})",
                a.scenario.display(),
                opts.backend.as_str(),
                nat.currency
            );
            Exit::Plan
        }
        Relaxation::Infeasible => {
            println!(
                "{}: the continuous relaxation is infeasible, so the scenario is too",
                a.scenario.display()
            );
            Exit::NoPlan
        }
        Relaxation::Unbounded => {
            println!(
                "{}: the continuous relaxation is unbounded",
                a.scenario.display()
            );
            Exit::NoPlan
        }
        Relaxation::Stopped => {
            println!(
                "{}: the solver stopped before solving the continuous relaxation",
                a.scenario.display()
            );
            Exit::NoPlan
        }
    };
    if a.timings {
        eprintln!(
            "timings: read {read_s:.3} s, build {:.3} s, solve {:.3} s",
            timings.build_s, timings.solve_s
        );
    }
    if super::interrupt::requested() {
        eprintln!("chipmix: interrupted");
        return Ok(Exit::Interrupted);
    }
    Ok(exit)
}
