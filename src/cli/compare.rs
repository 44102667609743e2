//! `chipmix compare`: scenarios and variants in, one side-by-side table (and chart) out.
//! The arguments become a [`crate::compare::Request`]; the library plans and compares.

use super::args::{CompareArgs, CompareFormatArg};
use super::{EXIT_BAD_INPUT, EXIT_PLAN, emit, guard_outputs, write_file};
use crate::compare::{CompareError, Request, Variant, run as compare};
use crate::render::compare::{CompareFormat, render};
use crate::scenario::Document;

/// Runs `chipmix compare`. Every entry is a result, infeasible ones included: exit 0.
pub fn run(a: &CompareArgs) -> i32 {
    let variants = match a
        .variant
        .iter()
        .map(|v| Variant::parse(v))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!("chipmix compare: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    if a.scenarios.len() == 1 && variants.is_empty() {
        eprintln!("chipmix compare: {}", CompareError::TooFew);
        return EXIT_BAD_INPUT;
    }
    let mut documents = Vec::new();
    let mut failed = false;
    for path in &a.scenarios {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| path.display().to_string());
        match Document::read(path) {
            Ok(d) => {
                if let Err(code) =
                    guard_outputs(d.paths(), &[a.output.as_deref(), a.chart.as_deref()])
                {
                    return code;
                }
                documents.push((stem, d));
            }
            Err(e) => {
                eprintln!("{e}");
                failed = true;
            }
        }
    }
    if failed {
        return EXIT_BAD_INPUT;
    }
    let request = Request {
        scenarios: documents.iter().map(|(s, d)| (s.clone(), d)).collect(),
        sets: &a.set,
        variants: &variants,
        options: a.solve.options(),
    };
    let compared = match compare(&request) {
        Ok(c) => c,
        Err(e @ CompareError::Scenario(_)) => {
            eprintln!("{e}");
            return EXIT_BAD_INPUT;
        }
        Err(e) => {
            eprintln!("chipmix compare: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    for w in &compared.warnings {
        eprintln!("{w}");
    }
    let comparison = compared.comparison;
    if let Some(path) = &a.chart {
        let written = crate::render::svg::compare(&comparison)
            .and_then(|svg| write_file(path, svg.as_bytes()));
        if let Err(e) = written {
            eprintln!("chipmix compare: the chart: {e}");
            return EXIT_BAD_INPUT;
        }
    }
    let format = match a.format {
        CompareFormatArg::Table => CompareFormat::Table,
        CompareFormatArg::Csv => CompareFormat::Csv,
        CompareFormatArg::Json => CompareFormat::Json,
        CompareFormatArg::Markdown => CompareFormat::Markdown,
    };
    match emit(&render(&comparison, format), a.output.as_deref()) {
        Ok(()) => EXIT_PLAN,
        Err(e) => {
            eprintln!("chipmix: {e}");
            EXIT_BAD_INPUT
        }
    }
}
