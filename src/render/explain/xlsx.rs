//! An explanation as an Excel workbook: the plan's sheets (see [`crate::render::xlsx`]),
//! then `Policy` (what each rule costs), `Shadow prices`, `Thresholds` (price thresholds),
//! `Fixes` (for an infeasible scenario) and `Notes`. Money to the cent in the scenario's
//! currency.

use crate::explain::Explanation;
use crate::render::sheet::{Book, Cell, WorkbookError, header};
use crate::scenario::national::National;

/// Renders `e` (its scenario as planned: `inputs`) as a workbook created at `created`
/// (seconds since 1970-01-01 UTC).
pub fn render(e: &Explanation, inputs: &National, created: i64) -> Result<Vec<u8>, WorkbookError> {
    let e = &super::to_the_cent(e);
    let mut book = Book::new(&e.plan.currency, created)?;
    crate::render::xlsx::sheets(&mut book, &e.plan, inputs)?;
    let policy: Vec<Vec<Cell>> = e
        .policy_costs
        .iter()
        .map(|c| {
            vec![
                Cell::text(&c.without),
                Cell::money(c.total_cost),
                Cell::money(c.cost),
            ]
        })
        .collect();
    book.table(
        "Policy",
        &header(&["without", "total_cost", "cost"]),
        &policy,
    )?;
    // With futures, a first column names the future each rule was tightened in.
    let futures = e.shadow_prices.iter().any(|p| p.future.is_some());
    let shadow: Vec<Vec<Cell>> = e
        .shadow_prices
        .iter()
        .map(|p| {
            let future = futures.then(|| Cell::opt(p.future.as_deref()));
            future
                .into_iter()
                .chain([
                    Cell::text(&p.constraint),
                    Cell::opt(p.site.as_deref()),
                    Cell::num(p.period.map(|y| y as f64)),
                    Cell::text(&p.unit),
                    Cell::money(p.value),
                    Cell::text(&p.method),
                    Cell::text(&p.tightened),
                    Cell::opt(p.why.as_deref()),
                ])
                .collect()
        })
        .collect();
    let names = [
        "future",
        "constraint",
        "site",
        "period",
        "unit",
        "value",
        "method",
        "tightened",
        "why",
    ];
    let names = if futures { &names[..] } else { &names[1..] };
    book.table("Shadow prices", &header(names), &shadow)?;
    let thresholds: Vec<Vec<Cell>> = e
        .price_thresholds
        .iter()
        .map(|t| {
            vec![
                Cell::text(&t.id),
                Cell::opt(t.name.as_deref()),
                Cell::text(if t.in_plan { "yes" } else { "no" }),
                Cell::Money(t.unit_price),
                Cell::money(t.threshold),
                Cell::opt(t.note.as_deref()),
            ]
        })
        .collect();
    let names = ["id", "name", "in_plan", "unit_price", "threshold", "note"];
    book.table("Thresholds", &header(&names), &thresholds)?;
    let value = |v: &serde_json::Value| match v {
        serde_json::Value::Number(n) => Cell::num(n.as_f64()),
        serde_json::Value::String(s) => Cell::text(s),
        serde_json::Value::Null => Cell::Blank,
        other => Cell::text(other.to_string()),
    };
    let fixes: Vec<Vec<Cell>> = e
        .fixes
        .iter()
        .map(|f| {
            vec![
                Cell::text(&f.path),
                value(&f.from),
                value(&f.to),
                Cell::text(&f.says),
                Cell::opt(f.set.as_deref()),
            ]
        })
        .collect();
    let names = ["path", "from", "to", "says", "set"];
    book.table("Fixes", &header(&names), &fixes)?;
    let notes: Vec<Vec<Cell>> = e.notes.iter().map(|n| vec![Cell::text(n)]).collect();
    book.table("Notes", &header(&["note"]), &notes)?;
    book.finish()
}
