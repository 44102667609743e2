//! `chipmix compare`: scenarios and variants in, one side-by-side table (and chart) out.
//! The arguments become a [`crate::compare::Request`]; the library plans and compares.

use super::args::{CompareArgs, CompareFormatArg, Extension, pick_format, with_bom};
use super::{Exit, output, output_bytes, read_documents, workbook, write_bytes};
use crate::compare::{CompareError, Request, Variant, run as compare};
use crate::render::compare::{CompareFormat, render};
use anyhow::{Context, anyhow};

/// Runs `chipmix compare`. Every entry is a result, infeasible ones included: exit 0. Its
/// errors are all bad input (exit 2), a solver failure included: the comparison is of the
/// scenarios as given.
pub fn run(a: &CompareArgs) -> anyhow::Result<Exit> {
    let variants = a
        .variant
        .iter()
        .map(|v| Variant::parse(v))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("chipmix compare: {e}"))?;
    if a.scenarios.len() == 1 && variants.is_empty() {
        return Err(anyhow!("chipmix compare: {}", CompareError::TooFew));
    }
    let documents = read_documents(&a.scenarios, &[a.output.as_deref(), a.chart.as_deref()])?;
    let format = pick_format(
        "compare",
        a.format,
        a.output.as_deref(),
        CompareFormatArg::Table,
        &[
            (Extension::Table, CompareFormatArg::Table),
            (Extension::Csv, CompareFormatArg::Csv),
            (Extension::Json, CompareFormatArg::Json),
            (Extension::Markdown, CompareFormatArg::Markdown),
            (Extension::Xlsx, CompareFormatArg::Xlsx),
        ],
    )?;
    let csv = format == CompareFormatArg::Csv;
    with_bom("compare", String::new(), a.bom, csv)?;
    let created = match format {
        CompareFormatArg::Xlsx => Some(workbook("compare", a.output.as_deref())?),
        _ => None,
    };
    let request = Request {
        scenarios: documents.iter().map(|(s, d)| (s.clone(), d)).collect(),
        sets: &a.set,
        variants: &variants,
        options: a.solve.options(),
    };
    let compared = compare(&request).map_err(|e| match e {
        e @ CompareError::Scenario(_) => anyhow!("{e}"),
        e => anyhow!("chipmix compare: {e}"),
    })?;
    for w in &compared.warnings {
        eprintln!("{w}");
    }
    let comparison = compared.comparison;
    if let Some(path) = &a.chart {
        let svg = crate::render::svg::compare(&comparison)
            .map_err(anyhow::Error::msg)
            .context("the chart")
            .context("chipmix compare")?;
        write_bytes(path, svg.as_bytes())
            .context("the chart")
            .context("chipmix compare")?;
    }
    let format = match format {
        CompareFormatArg::Table => CompareFormat::Table,
        CompareFormatArg::Csv => CompareFormat::Csv,
        CompareFormatArg::Json => CompareFormat::Json,
        CompareFormatArg::Markdown => CompareFormat::Markdown,
        CompareFormatArg::Xlsx => {
            let created = created.unwrap_or(crate::render::sheet::DEFAULT_CREATED);
            let bytes = crate::render::compare::xlsx::render(&comparison, created)
                .context("chipmix compare")?;
            output_bytes(&bytes, a.output.as_deref()).context("chipmix")?;
            return Ok(Exit::Plan);
        }
    };
    let text = with_bom("compare", render(&comparison, format), a.bom, csv)?;
    output(&text, a.output.as_deref()).context("chipmix")?;
    Ok(Exit::Plan)
}
