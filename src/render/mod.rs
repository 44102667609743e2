//! Renderers: one file per output format, each turning a [`Plan`] into text.

pub mod compare;
mod csv;
pub mod explain;
pub mod html;
mod json;
pub(crate) mod markdown;
pub(crate) mod rows;
pub mod svg;
pub mod sweep;
pub(crate) mod table;
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

/// A text cell made safe for spreadsheets: text that starts with `=`, `+`, `-`, `@`, a tab
/// or a carriage return would run as a formula, so it gets a leading `'`. Numbers stay
/// numbers (`-0.5`; `+0.5` is written `0.5`).
pub(crate) fn csv_safe(text: &str) -> String {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    match text.parse::<f64>() {
        Ok(_) if text.starts_with('+') => text[1..].to_string(),
        Ok(_) => text.to_string(),
        Err(_) if risky => format!("'{text}"),
        Err(_) => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::csv_safe;

    #[test]
    fn formulas_are_defused_and_numbers_kept() {
        assert_eq!(csv_safe("=1+2"), "'=1+2");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("-cmd"), "'-cmd");
        assert_eq!(csv_safe("-0.5"), "-0.5");
        assert_eq!(csv_safe("+0.5"), "0.5");
        assert_eq!(csv_safe("h20"), "h20");
    }
}
