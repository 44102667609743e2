//! The plan as Markdown, to paste into a memo. Text from the scenario passes through
//! [`escape`] (in a table cell or a heading) or [`line`] (at the start of a line), so that it
//! reads as written and changes nothing around it.

use super::rows::{self, Section};
use crate::plan::Plan;

/// Text from the user made inert inside a Markdown line (a table cell, a heading, the middle
/// of a list item): control characters and line separators are shown as escapes (`\n`,
/// `\u{1b}`, as in the text table), so the text stays in its cell and on its line; `<`, `>`
/// and `&` become entities, so no HTML passes through; `\`, `|`, `#`, `` ` ``, `*` and `~`
/// get a backslash, so the text splits no table row and makes no heading, code or emphasis;
/// so does `_`, unless it sits between two letters or digits (`vendor_share`), where
/// Markdown reads it as a letter, and `]` before `(`, `[` or `:`, where it would close a
/// link (`accelerators[h20]` stays as it is). The text renders as written.
pub(crate) fn escape(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        if let Some(v) = super::visible(c) {
            out.push_str(&v);
            continue;
        }
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '|' | '#' | '`' | '*' | '~' => {
                out.push('\\');
                out.push(c);
            }
            ']' => {
                if matches!(chars.get(i + 1), Some('(' | '[' | ':')) {
                    out.push('\\');
                }
                out.push(c);
            }
            '_' => {
                let word = |j: Option<usize>| {
                    j.and_then(|j| chars.get(j))
                        .is_some_and(|c| c.is_alphanumeric())
                };
                if !(word(i.checked_sub(1)) && word(Some(i + 1))) {
                    out.push('\\');
                }
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text from the user that starts a line (a list item, a paragraph): [`escape`]d, trimmed,
/// and a leading `-`, `+` or list number (`1.` or `1)` then a space) escaped too, so it
/// starts no list, rule or block.
pub(crate) fn line(s: &str) -> String {
    let text = escape(s.trim());
    if text.starts_with(['-', '+']) {
        return format!("\\{text}");
    }
    let digits = text.chars().take_while(char::is_ascii_digit).count();
    let rest = &text[digits..];
    let marker = rest.starts_with(['.', ')'])
        && rest[1..]
            .chars()
            .next()
            .is_none_or(|c| c == ' ' || c == '\t');
    if digits > 0 && marker {
        return format!("{}\\{rest}", &text[..digits]);
    }
    text
}

/// Appends `s` as a Markdown table under a heading (nothing when it has no rows).
pub(crate) fn section(out: &mut String, s: &Section) {
    if s.rows.is_empty() {
        return;
    }
    out.push_str(&format!("\n## {}\n\n", escape(&s.title)));
    out.push_str(&format!(
        "| {} |\n",
        s.header
            .iter()
            .map(|h| escape(h))
            .collect::<Vec<_>>()
            .join(" | ")
    ));
    let align: Vec<&str> = s
        .numeric
        .iter()
        .map(|&n| if n { "---:" } else { "---" })
        .collect();
    out.push_str(&format!("| {} |\n", align.join(" | ")));
    for r in &s.rows {
        out.push_str(&format!(
            "| {} |\n",
            r.iter()
                .map(|c| escape(c.trim()))
                .collect::<Vec<_>>()
                .join(" | ")
        ));
    }
}

/// Renders `plan` as Markdown.
pub fn render(plan: &Plan) -> String {
    let mut out = format!("# {}\n\n{}\n", escape(&plan.scenario), rows::headline(plan));
    if plan.status.has_plan() {
        for s in rows::plan_sections(plan) {
            section(&mut out, &s);
        }
        section(&mut out, &super::allocation::allocation(plan));
    }
    for (title, items) in super::allocation::with_near(rows::notes(plan), plan) {
        out.push_str(&format!("\n## {title}\n\n"));
        for i in items {
            out.push_str(&format!("- {}\n", line(&i)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{escape, line};

    #[test]
    fn pipes_and_line_breaks_stay_in_the_cell() {
        assert_eq!(escape("a|b\n# injected"), "a\\|b\\n\\# injected");
        assert_eq!(escape("tab\there\r"), "tab\\there\\r");
    }

    #[test]
    fn no_raw_html_passes() {
        assert_eq!(
            escape("<script>alert(1)</script> R&D"),
            "&lt;script&gt;alert(1)&lt;/script&gt; R&amp;D"
        );
    }

    #[test]
    fn markup_is_shown_as_written() {
        assert_eq!(escape("[x](javascript:y)"), "[x\\](javascript:y)");
        assert_eq!(escape("![i][r] [r]: u"), "![i\\][r] [r\\]: u");
        assert_eq!(escape("accelerators[h20].name"), "accelerators[h20].name");
        assert_eq!(escape("*a* `b` ~c~ \\"), "\\*a\\* \\`b\\` \\~c\\~ \\\\");
        assert_eq!(escape("_a_ vendor_share"), "\\_a\\_ vendor_share");
    }

    #[test]
    fn a_line_starts_no_block() {
        assert_eq!(line("# injected"), "\\# injected");
        assert_eq!(line("- item"), "\\- item");
        assert_eq!(line("+1"), "\\+1");
        assert_eq!(line("12. x"), "12\\. x");
        assert_eq!(line("3) x"), "3\\) x");
        assert_eq!(line("  > quote"), "&gt; quote");
        assert_eq!(line("---"), "\\---");
        assert_eq!(line("2025 demand"), "2025 demand");
        assert_eq!(line("893.4 kW"), "893.4 kW");
        assert_eq!(line("7."), "7\\.");
    }
}
