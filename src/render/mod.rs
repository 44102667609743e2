//! Renderers: one file per output format, each turning a [`Plan`] into text.

mod csv;
mod json;
mod markdown;
mod rows;
mod table;
mod yaml;

use crate::plan::Plan;

/// Output formats of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A readable terminal report (default).
    Table,
    /// The JSON contract.
    Json,
    /// The same object as YAML.
    Yaml,
    /// One row per fleet accelerator.
    Csv,
    /// A Markdown report, for memos.
    Markdown,
}

/// Renders `plan` in `format`.
pub fn render(plan: &Plan, format: Format) -> String {
    match format {
        Format::Table => table::render(plan),
        Format::Json => json::render(plan),
        Format::Yaml => yaml::render(plan),
        Format::Csv => csv::render(plan),
        Format::Markdown => markdown::render(plan),
    }
}
