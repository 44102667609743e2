//! The plan as an Excel workbook, one sheet per table: `Summary` (status and totals, the
//! total cost a formula that adds capex, adoption and opex above it, and the residual value
//! as a negative `residual (credit)` row when the scenario credits one), `Purchases`,
//! `Fleet`, with sites or periods `Sites` (one row per site and period) and `Periods`, and
//! `Inputs` (the accelerators as planned). Numbers are numbers, money in the scenario's
//! currency to the cent, parts rounded so that they add up (see [`super::figures`]).

use super::sheet::{Book, Cell, WorkbookError, header};
use crate::plan::Plan;
use crate::scenario::national::National;
use rust_xlsxwriter::Formula;

/// Renders `plan` (made from `inputs`) as a workbook created at `created` (seconds since
/// 1970-01-01 UTC).
pub fn render(plan: &Plan, inputs: &National, created: i64) -> Result<Vec<u8>, WorkbookError> {
    let tidy = super::figures::plan(plan);
    let mut book = Book::new(&tidy.currency, created)?;
    sheets(&mut book, &tidy, inputs)?;
    book.finish()
}

/// Adds the plan's sheets to `book`; `p` is the plan as [`super::figures::plan`] writes it.
pub(crate) fn sheets(book: &mut Book, p: &Plan, inputs: &National) -> Result<(), WorkbookError> {
    summary(book, p)?;
    let national = super::rows::is_national(p);
    purchases(book, p, national)?;
    fleet(book, p)?;
    if national {
        sites(book, p)?;
        periods(book, p)?;
    }
    accelerators(book, inputs)
}

/// Status, totals and the other plan figures, one per row: a JSON key and its value.
fn summary(book: &mut Book, p: &Plan) -> Result<(), WorkbookError> {
    let text = |k: &str, v: &str| vec![Cell::text(k), Cell::text(v)];
    let mut rows = vec![
        text("scenario", &p.scenario),
        text("status", p.status.as_str()),
        text("objective", &p.objective),
        text("solver", &p.solver),
        text("currency", &p.currency),
    ];
    // The three parts, then the total: a formula over them.
    let first = rows.len() + 1;
    // The residual value (with `costs.residual_value` only) is a credit: a negative part.
    let credit = p.residual.map(|r| ("residual (credit)", Some(-r)));
    // So is the energy discount (with `costs.domestic_energy_discount` only).
    let saved = p
        .energy_discount
        .map(|d| ("energy discount (saved)", Some(-d)));
    // Removals and moves (with `existing[].removal` only): cost less salvage.
    let removal = p.removal.map(|r| ("removals (less salvage)", Some(r)));
    for (k, v) in [
        ("capex", p.capex),
        ("adoption", p.adoption),
        ("opex", p.opex),
    ]
    .into_iter()
    .chain(removal)
    .chain(saved)
    .chain(credit)
    {
        rows.push(vec![Cell::text(k), Cell::money(v)]);
    }
    let total_row = rows.len() + 1;
    rows.push(vec![Cell::text("total_cost"), Cell::Blank]);
    rows.push(vec![Cell::text("bound"), Cell::num(p.bound)]);
    rows.push(vec![Cell::text("gap"), Cell::share(p.gap)]);
    rows.push(vec![Cell::text("pflops"), Cell::num(p.pflops)]);
    rows.push(vec![Cell::text("memory_tb"), Cell::num(p.memory_tb)]);
    rows.push(vec![Cell::text("facility_kw"), Cell::num(p.facility_kw)]);
    if let Some(d) = &p.domestic_share {
        rows.push(vec![
            Cell::text(format!("domestic_share ({})", d.basis)),
            Cell::share(d.value),
        ]);
        rows.push(vec![Cell::text("domestic_share_min"), Cell::share(d.min)]);
    }
    let list = |k: &str, v: &[String]| vec![Cell::text(k), Cell::text(v.join("; "))];
    rows.push(list("binding", &p.binding));
    if !p.adopted_platforms.is_empty() {
        rows.push(list("adopted_platforms", &p.adopted_platforms));
    }
    if !p.conflicts.is_empty() {
        rows.push(list("conflicts", &p.conflicts));
    }
    if let Some(m) = &p.message {
        rows.push(text("message", m));
    }
    if !p.warnings.is_empty() {
        rows.push(list("warnings", &p.warnings));
    }
    let money = book.money().clone();
    let sheet = book.table("Summary", &header(&["figure", "value"]), &rows)?;
    if let Some(total) = p.total_cost {
        let formula = Formula::new(format!("=SUM(B{}:B{})", first + 1, total_row))
            .set_result(crate::numfmt::plain(total));
        let row = u32::try_from(total_row).unwrap_or(u32::MAX);
        sheet.write_formula_with_format(row, 1, formula, &money)?;
    }
    Ok(())
}

/// One row per purchase: with sites or periods, where and when, its cost at that year's
/// prices (undiscounted).
fn purchases(book: &mut Book, p: &Plan, national: bool) -> Result<(), WorkbookError> {
    let cost = format!("cost {}", p.currency);
    let mut names = vec!["id", "name", "vendor", "origin"];
    if national {
        names.extend(["site", "period"]);
    }
    names.extend(["units", &cost, "pflops"]);
    let rows: Vec<Vec<Cell>> = p
        .purchases
        .iter()
        .map(|x| {
            let mut row = vec![
                Cell::text(&x.id),
                Cell::text(&x.name),
                Cell::text(&x.vendor),
                Cell::text(&x.origin),
            ];
            if national {
                row.push(Cell::opt(x.site.as_deref()));
                row.push(Cell::num(x.period.map(|y| y as f64)));
            }
            row.extend([Cell::Num(x.units), Cell::Money(x.cost), Cell::Num(x.pflops)]);
            row
        })
        .collect();
    book.table("Purchases", &header(&names), &rows)?;
    Ok(())
}

/// The fleet after the plan (at the end of the last period).
fn fleet(book: &mut Book, p: &Plan) -> Result<(), WorkbookError> {
    let rows: Vec<Vec<Cell>> = p
        .fleet
        .iter()
        .map(|f| {
            vec![
                Cell::text(&f.id),
                Cell::text(&f.name),
                Cell::text(&f.vendor),
                Cell::text(&f.origin),
                Cell::Num(f.existing),
                Cell::Num(f.new),
                Cell::Num(f.units),
                Cell::Num(f.pflops),
                Cell::Num(f.facility_kw),
            ]
        })
        .collect();
    let names = [
        "id",
        "name",
        "vendor",
        "origin",
        "existing",
        "new",
        "units",
        "pflops",
        "facility_kw",
    ];
    book.table("Fleet", &header(&names), &rows)?;
    Ok(())
}

/// One row per site and period (costs undiscounted).
fn sites(book: &mut Book, p: &Plan) -> Result<(), WorkbookError> {
    let mut rows = Vec::new();
    for s in &p.sites {
        for d in &s.periods {
            rows.push(vec![
                Cell::text(&s.id),
                Cell::opt(s.name.as_deref()),
                Cell::num(d.period.map(|y| y as f64)),
                Cell::Num(d.new_units),
                Cell::Num(d.fleet_units),
                Cell::Num(d.pflops),
                Cell::num(d.demand_pflops),
                Cell::Num(d.memory_tb),
                Cell::Num(d.facility_kw),
                Cell::num(d.power_kw),
                Cell::share(d.domestic_share.value),
                Cell::share(d.domestic_share.min),
                Cell::Money(d.capex),
                Cell::Money(d.opex),
                Cell::text(d.binding.join("; ")),
            ]);
        }
    }
    let names = [
        "site",
        "name",
        "period",
        "new_units",
        "fleet_units",
        "pflops",
        "demand_pflops",
        "memory_tb",
        "facility_kw",
        "power_kw",
        "domestic_share",
        "domestic_share_min",
        "capex",
        "opex",
        "binding",
    ];
    book.table("Sites", &header(&names), &rows)?;
    Ok(())
}

/// One row per period, all sites together; `discounted_cost` adds up to the total cost.
fn periods(book: &mut Book, p: &Plan) -> Result<(), WorkbookError> {
    let rows: Vec<Vec<Cell>> = p
        .periods
        .iter()
        .map(|d| {
            vec![
                Cell::Num(d.period as f64),
                Cell::Num(d.span_years),
                Cell::Num(d.discount_factor),
                Cell::Num(d.new_units),
                Cell::Num(d.fleet_units),
                Cell::Num(d.pflops),
                Cell::num(d.demand_pflops),
                Cell::Num(d.memory_tb),
                Cell::Num(d.facility_kw),
                Cell::share(d.domestic_share.value),
                Cell::share(d.domestic_share.min),
                Cell::Money(d.capex),
                Cell::Money(d.opex),
                Cell::Money(d.adoption),
                Cell::Money(d.discounted_cost),
                Cell::money(d.budget),
                Cell::money(d.capex_budget),
                Cell::text(d.binding.join("; ")),
            ]
        })
        .collect();
    let names = [
        "period",
        "span_years",
        "discount_factor",
        "new_units",
        "fleet_units",
        "pflops",
        "demand_pflops",
        "memory_tb",
        "facility_kw",
        "domestic_share",
        "domestic_share_min",
        "capex",
        "opex",
        "adoption",
        "discounted_cost",
        "budget",
        "capex_budget",
        "binding",
    ];
    book.table("Periods", &header(&names), &rows)?;
    Ok(())
}

/// The accelerators as planned: one row each (with periods, one per accelerator and
/// period), with price, TFLOPS, power, memory, supply cap, availability and source.
fn accelerators(book: &mut Book, s: &National) -> Result<(), WorkbookError> {
    let price = format!("unit_price {}", s.currency);
    let mut names = vec!["id", "name", "vendor", "origin", "platform"];
    if s.has_periods {
        names.push("period");
    }
    names.extend([
        &price,
        "tflops",
        "power_w",
        "memory_gb",
        "max_units",
        "available",
        "source",
    ]);
    let mut rows = Vec::new();
    for (acc, per) in s.accelerators.iter().zip(&s.per_period) {
        for (t, year) in s.years.iter().enumerate() {
            if !s.has_periods && t > 0 {
                break;
            }
            let mut row = vec![
                Cell::text(&acc.id),
                Cell::text(acc.display_name()),
                Cell::text(&acc.vendor),
                Cell::text(acc.origin.as_str()),
                Cell::opt(acc.platform.as_deref()),
            ];
            if s.has_periods {
                row.push(Cell::Num(*year as f64));
            }
            let available = per.available.get(t).copied().unwrap_or(acc.available);
            row.extend([
                Cell::money(per.unit_price.get(t).copied()),
                acc.tflops_figures(|v| v.to_string())
                    .map_or(Cell::Num(acc.tflops), |t| Cell::text(&t)),
                Cell::Num(acc.power_w),
                Cell::Num(acc.memory_gb),
                Cell::num(per.max_units.get(t).copied().flatten().map(|u| u as f64)),
                Cell::text(if available { "yes" } else { "no" }),
                Cell::opt(acc.source.as_deref()),
            ]);
            rows.push(row);
        }
    }
    book.table("Inputs", &header(&names), &rows)?;
    Ok(())
}
