//! Renderers: one file per output format, each turning a [`Plan`] into text.

mod allocation;
pub mod compare;
mod csv;
pub mod explain;
pub mod figures;
pub(crate) mod futures;
pub mod html;
pub(crate) mod json;
pub(crate) mod markdown;
pub(crate) mod rows;
pub mod sheet;
pub mod svg;
pub mod sweep;
pub(crate) mod table;
pub mod xlsx;
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

/// Renders `plan` in `format`, its figures as [`figures::plan`] writes them: money to the
/// cent, costs that add up to the totals they state, no floating-point noise.
pub fn render(plan: &Plan, format: Format) -> String {
    let tidy = figures::plan(plan);
    match format {
        Format::Table => table::render(&tidy),
        Format::Json => json::render(&tidy),
        Format::Yaml => yaml::render(&tidy),
        Format::Csv => csv::render(plan),
        Format::Markdown => markdown::render(&tidy),
    }
}

/// A UTF-8 byte-order mark, which spreadsheet programs read as "this CSV is UTF-8".
pub const BOM: &str = "\u{feff}";

/// The visible form of a character that would break a line of text or change how the rest
/// of it reads: a control character (C0, DEL, C1: newline, tab, escape...), a line or
/// paragraph separator, or a bidirectional formatting character. `\n`, `\r` and `\t` are
/// shown as such, the others as `\u{hex}`; `None` for every other character. The text table
/// and the Markdown use it so that user text stays on one line and shows what it holds.
pub(crate) fn visible(c: char) -> Option<String> {
    let layout = matches!(
        c,
        '\u{2028}' | '\u{2029}' | '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'
            ..='\u{202E}' | '\u{2066}'..='\u{2069}'
    );
    match c {
        '\n' => Some("\\n".into()),
        '\r' => Some("\\r".into()),
        '\t' => Some("\\t".into()),
        c if c.is_control() || layout => Some(format!("\\u{{{:x}}}", c as u32)),
        _ => None,
    }
}

/// A text cell made safe for spreadsheets, keeping every character: text that starts with
/// `=`, `+`, `-`, `@`, a tab or a carriage return would run as a formula, so it gets a
/// leading `'`. A plain number that starts with `-` (`-0.5`, `-1e3`) is left as it is: a
/// spreadsheet reads it as that number, and runs nothing. One that starts with `+` is
/// defused like the rest (`'+1`): a spreadsheet would drop the `+`, and a reader of the
/// CSV must get back every character that was written.
pub(crate) fn csv_safe(text: &str) -> String {
    let risky = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let plain_number = text.starts_with('-')
        && text[1..].starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        && text.parse::<f64>().is_ok();
    if risky && !plain_number {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::{csv_safe, visible};

    #[test]
    fn formulas_are_defused_and_numbers_kept() {
        assert_eq!(csv_safe("=1+2"), "'=1+2");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("-cmd"), "'-cmd");
        assert_eq!(csv_safe("-0.5"), "-0.5");
        assert_eq!(csv_safe("-1e3"), "-1e3");
        assert_eq!(csv_safe("h20"), "h20");
        assert_eq!(csv_safe("0.5"), "0.5");
    }

    #[test]
    fn a_leading_plus_is_kept_behind_the_apostrophe() {
        assert_eq!(csv_safe("+1"), "'+1");
        assert_eq!(csv_safe("+0.5"), "'+0.5");
        assert_eq!(csv_safe("+1+cmd|' /C calc'!A0"), "'+1+cmd|' /C calc'!A0");
    }

    #[test]
    fn words_that_parse_as_numbers_are_not_numbers() {
        assert_eq!(csv_safe("-inf"), "'-inf");
        assert_eq!(csv_safe("-NaN"), "'-NaN");
        assert_eq!(csv_safe("-"), "'-");
        assert_eq!(csv_safe("\t1"), "'\t1");
    }

    #[test]
    fn line_breaks_and_controls_are_shown_not_obeyed() {
        assert_eq!(visible('\n').as_deref(), Some("\\n"));
        assert_eq!(visible('\t').as_deref(), Some("\\t"));
        assert_eq!(visible('\u{1b}').as_deref(), Some("\\u{1b}"));
        assert_eq!(visible('\u{85}').as_deref(), Some("\\u{85}"));
        assert_eq!(visible('\u{2028}').as_deref(), Some("\\u{2028}"));
        assert_eq!(visible('\u{202e}').as_deref(), Some("\\u{202e}"));
        assert_eq!(visible('a'), None);
        assert_eq!(visible('é'), None);
    }
}
