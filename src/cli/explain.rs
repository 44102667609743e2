//! `chipmix explain` and `chipmix alternatives`: re-solves that say what a plan costs and
//! what else could be done for about the same money.

use super::args::{AlternativesArgs, ExplainArgs, ExplainFormatArg, Extension, pick_format};
use super::{Exit, open_document, output, output_bytes, workbook};
use crate::error::Error;
use crate::explain::{alternatives_of, explain};
use crate::render::explain::{ExplainFormat, render, render_alternatives};
use anyhow::Context;

/// The format `--format` or the `--output` extension asks `command` for (`None`: the
/// workbook, which only `explain` writes).
fn format(
    command: &str,
    f: Option<ExplainFormatArg>,
    output: Option<&std::path::Path>,
) -> anyhow::Result<Option<ExplainFormat>> {
    let mut writes = vec![
        (Extension::Table, ExplainFormatArg::Table),
        (Extension::Json, ExplainFormatArg::Json),
        (Extension::Markdown, ExplainFormatArg::Markdown),
    ];
    if command == "explain" {
        writes.push((Extension::Xlsx, ExplainFormatArg::Xlsx));
    }
    let f = pick_format(command, f, output, ExplainFormatArg::Table, &writes)?;
    Ok(match f {
        ExplainFormatArg::Table => Some(ExplainFormat::Table),
        ExplainFormatArg::Json => Some(ExplainFormat::Json),
        ExplainFormatArg::Markdown => Some(ExplainFormat::Markdown),
        ExplainFormatArg::Xlsx if command == "explain" => None,
        ExplainFormatArg::Xlsx => anyhow::bail!(
            "chipmix {command}: no Excel workbook of {command}; give --format table, json or markdown"
        ),
    })
}

/// Runs `chipmix explain`: a plan, or none (the fixes are printed).
pub fn run(a: &ExplainArgs) -> anyhow::Result<Exit> {
    let document = open_document(&a.scenario, &[a.output.as_deref()])?;
    let format = format("explain", a.format, a.output.as_deref())?;
    let created = match format {
        None => Some(workbook("explain", a.output.as_deref())?),
        Some(_) => None,
    };
    let e = explain(&document, &a.set, a.solve.options()).map_err(Error::from)?;
    match (format, created) {
        (Some(format), _) => output(&render(&e, format), a.output.as_deref()).context("chipmix")?,
        (None, created) => {
            // The scenario as explained, for the workbook's inputs.
            let inputs = document.resolve(&a.set).map_err(Error::from)?.scenario;
            let created = created.unwrap_or(crate::render::sheet::DEFAULT_CREATED);
            let bytes = crate::render::explain::xlsx::render(&e, &inputs, created)
                .context("chipmix explain")?;
            output_bytes(&bytes, a.output.as_deref()).context("chipmix")?;
        }
    }
    if !e.plan.status.has_plan() {
        eprintln!("{}: {}", a.scenario.display(), e.plan.status.as_str());
    }
    Ok(Exit::of(&e.plan))
}

/// Runs `chipmix alternatives`: a plan and its alternatives, or none.
pub fn alternatives(a: &AlternativesArgs) -> anyhow::Result<Exit> {
    let document = open_document(&a.scenario, &[a.output.as_deref()])?;
    let format =
        format("alternatives", a.format, a.output.as_deref())?.unwrap_or(ExplainFormat::Table);
    let (plan, alts, note) =
        alternatives_of(&document, &a.set, a.solve.options(), a.within).map_err(Error::from)?;
    output(
        &render_alternatives(&plan, &alts, a.within, format),
        a.output.as_deref(),
    )
    .context("chipmix")?;
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
    Ok(Exit::of(&plan))
}
