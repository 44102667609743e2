//! A comparison as an Excel workbook: one sheet, `Compare`, with the CSV's table: one row
//! per figure (`status`, `total_cost`, ..., `units.<id>`, `binding`), a column per plan,
//! then `delta.<label>` columns against the first plan. Money in the first plan's currency
//! to the cent; empty cells where a plan has no figure.

use crate::compare::Comparison;
use crate::render::sheet::{Book, Cell, WorkbookError};

/// Renders `c` (its plans as [`crate::render::figures::plan`] writes them) as a workbook
/// created at `created` (seconds since 1970-01-01 UTC).
pub fn render(c: &Comparison, created: i64) -> Result<Vec<u8>, WorkbookError> {
    let mut c = c.clone();
    for e in &mut c.entries {
        e.plan = crate::render::figures::plan(&e.plan);
    }
    let c = &c;
    let currency = c
        .entries
        .first()
        .map(|e| e.plan.currency.clone())
        .unwrap_or_default();
    let mut book = Book::new(&currency, created)?;
    let mut header = vec!["metric".to_string()];
    header.extend(c.entries.iter().map(|e| e.label.clone()));
    header.extend(c.entries[1..].iter().map(|e| format!("delta.{}", e.label)));
    let pad = c.entries.len() - 1;
    let mut status = vec![Cell::text("status")];
    status.extend(c.entries.iter().map(|e| Cell::text(e.plan.status.as_str())));
    status.extend(std::iter::repeat_n(Cell::Blank, pad));
    let mut rows = vec![status];
    for m in c.metrics() {
        let cell = |v: Option<f64>| match v.map(|x| super::tidy(&m.key, x)) {
            Some(x) if super::is_money(&m.key) => Cell::Money(x),
            other => Cell::num(other),
        };
        let mut r = vec![Cell::text(&m.key)];
        r.extend(m.values.iter().map(|v| cell(*v)));
        r.extend((1..c.entries.len()).map(|i| cell(m.delta(i))));
        rows.push(r);
    }
    let mut binding = vec![Cell::text("binding")];
    binding.extend(
        c.entries
            .iter()
            .map(|e| Cell::text(e.plan.binding.join(";"))),
    );
    binding.extend(std::iter::repeat_n(Cell::Blank, pad));
    rows.push(binding);
    book.table("Compare", &header, &rows)?;
    book.finish()
}
