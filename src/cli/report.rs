//! `chipmix report`: one or more plans (and an optional sweep) as one self-contained HTML
//! page. The arguments become a [`crate::report::Request`]; the library plans and gathers.
//! The date the page states is now, or `SOURCE_DATE_EPOCH` when set.

use super::args::ReportArgs;
use super::sweep::params;
use super::{Exit, output, read_documents};
use crate::compare::Variant;
use crate::render::html::render;
use crate::report::{Request, build};
use crate::sweep::Sweep;
use anyhow::{Context, anyhow};
use clap::ArgMatches;

/// Runs `chipmix report`; the exit is 0 when every scenario has a plan and 1 otherwise,
/// and the report is written either way. Its errors are bad input (exit 2).
pub fn run(a: &ReportArgs, m: &ArgMatches) -> anyhow::Result<Exit> {
    let sweep = if a.sweep.param.is_empty() {
        None
    } else {
        let sweep = params(&a.sweep, m).and_then(|p| Sweep::new(p).map_err(|e| e.to_string()));
        Some(sweep.map_err(|e| anyhow!("chipmix report: {e}"))?)
    };
    let variants = a
        .variant
        .iter()
        .map(|v| Variant::parse(v))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("chipmix report: {e}"))?;
    let generated = generated_at()?;
    let documents = read_documents(&a.scenarios, &[a.output.as_deref()])?;
    let request = Request {
        scenarios: documents.iter().map(|(s, d)| (s.clone(), d)).collect(),
        sets: &a.set,
        variants: &variants,
        options: a.solve.options(),
        sweep: sweep.as_ref(),
        explain: a.explain,
        alternatives: a.alternatives,
        generated,
    };
    let report = build(&request).map_err(|e| anyhow!("{e}"))?;
    for w in &report.warnings {
        eprintln!("{w}");
    }
    output(&render(&report), a.output.as_deref()).context("chipmix")?;
    for m in &report.members {
        if !m.plan.status.has_plan() {
            let which = if report.members.len() > 1 {
                format!("{} ({})", m.file, m.label)
            } else {
                m.file.clone()
            };
            eprintln!("{which}: {} (the report says why)", m.plan.status.as_str());
        }
    }
    Ok(if report.every_member_has_a_plan() {
        Exit::Plan
    } else {
        Exit::NoPlan
    })
}

/// The report's date: `SOURCE_DATE_EPOCH` when set (see [`super::source_date_epoch`]),
/// else now.
fn generated_at() -> anyhow::Result<i64> {
    Ok(super::source_date_epoch("report")?.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }))
}
