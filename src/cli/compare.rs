//! `chipmix compare`: scenarios and variants in, one side-by-side table (and chart) out.

use super::args::{CompareArgs, CompareFormatArg};
use super::{EXIT_BAD_INPUT, EXIT_PLAN, emit, guard_outputs, write_file};
use crate::compare::compare;
use crate::render::compare::{CompareFormat, render};
use crate::scenario::{Document, Override};

/// A `--variant` split into its label and overrides.
fn variant(text: &str) -> Result<(String, Vec<Override>), String> {
    let (label, body) = match (text.find(':'), text.find('=')) {
        (Some(c), Some(e)) if c < e => (text[..c].trim().to_string(), &text[c + 1..]),
        _ => (String::new(), text),
    };
    let sets: Vec<Override> = body
        .split(';')
        .filter(|s| !s.trim().is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("--variant `{text}`: {e}"))?;
    if sets.is_empty() {
        return Err(format!("--variant `{text}` sets nothing"));
    }
    let label = if label.is_empty() {
        sets.iter()
            .map(|o| o.to_string())
            .collect::<Vec<_>>()
            .join("; ")
    } else {
        label
    };
    Ok((label, sets))
}

/// Runs `chipmix compare`. Every entry is a result, infeasible ones included: exit 0.
pub fn run(a: &CompareArgs) -> i32 {
    let variants = match a
        .variant
        .iter()
        .map(|v| variant(v))
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!("chipmix compare: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    if a.scenarios.len() == 1 && variants.is_empty() {
        eprintln!(
            "chipmix compare: give two or more scenarios, or one scenario and one or more --variant"
        );
        return EXIT_BAD_INPUT;
    }
    let mut items = Vec::new();
    let mut failed = false;
    for path in &a.scenarios {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| path.display().to_string());
        let document = match Document::read(path) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("{e}");
                failed = true;
                continue;
            }
        };
        if let Err(code) =
            guard_outputs(document.paths(), &[a.output.as_deref(), a.chart.as_deref()])
        {
            return code;
        }
        let base = (String::new(), Vec::new());
        for (label, sets) in std::iter::once(&base).chain(&variants) {
            let mut all = a.set.clone();
            all.extend(sets.iter().cloned());
            let name = match (a.scenarios.len() > 1, label.is_empty()) {
                (_, true) => stem.clone(),
                (true, false) => format!("{stem} {label}"),
                (false, false) => label.clone(),
            };
            match document.resolve_single(&all) {
                Ok(l) => {
                    for w in &l.warnings {
                        eprintln!("{}: warning: {w}", path.display());
                    }
                    items.push((name, l.scenario));
                }
                Err(e) => {
                    eprintln!("{e}");
                    failed = true;
                }
            }
        }
    }
    if failed {
        return EXIT_BAD_INPUT;
    }
    // Labels must tell the columns apart.
    for i in 0..items.len() {
        let same = items[..i].iter().filter(|(l, _)| *l == items[i].0).count();
        if same > 0 {
            items[i].0 = format!("{} ({})", items[i].0, same + 1);
        }
    }
    let opts = a.solve.options();
    let comparison = match compare(&items, &opts) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("chipmix compare: {e}");
            return EXIT_BAD_INPUT;
        }
    };
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
