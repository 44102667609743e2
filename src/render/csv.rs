//! The plan as CSV, for spreadsheets: one rectangular table whose cost column adds up to
//! `total_cost`. The first column, `item`, says what a row is: `accelerator` (one site and
//! one period: one row per accelerator in the fleet) or `purchase` (with sites or periods:
//! one row per accelerator, site and period; `system` for whole systems, whose `name` adds
//! the system and its cards and whose `units` are systems), then `adoption` and `opex`, the other cost
//! lines of the total, and `residual` (with `costs.residual_value` only: the discounted
//! credit, a negative cost, with no period). Money is to the cent, parts rounded so that they add up (see
//! [`super::figures`]). With `demand.workloads`, a last column `workload` is added, empty
//! on those rows, and one `allocation` row per (accelerator, workload class, and site and
//! period where they exist) follows them, with no cost: its units in `fleet` (or `units`),
//! its effective PFLOPS in `fleet_pflops` (or `pflops`).

use super::csv_safe;
use crate::numfmt::{apportion, plain, plain_money, sum_cents};
use crate::plan::Plan;

/// Renders `plan` as CSV with a header row (no rows when there is no plan).
pub fn render(plan: &Plan) -> String {
    if !plan.futures.is_empty() {
        return futures(plan);
    }
    if super::rows::is_national(plan) {
        return purchases(plan);
    }
    let tidy = super::figures::plan(plan);
    let mut w = csv::Writer::from_writer(Vec::new());
    let extra = workload_header(plan);
    let _ = w.write_record(
        [
            "item",
            "id",
            "name",
            "vendor",
            "origin",
            "existing",
            "new",
            "fleet",
            "cost",
            "fleet_pflops",
            "fleet_kw",
        ]
        .into_iter()
        .chain(extra),
    );
    let blank = || extra.map(|_| String::new());
    if tidy.status.has_plan() {
        for f in &tidy.fleet {
            let cost = sum_cents(
                tidy.purchases
                    .iter()
                    .filter(|p| p.id == f.id)
                    .map(|p| p.cost),
            );
            let _ = w.write_record(
                [
                    "accelerator".to_string(),
                    csv_safe(&f.id),
                    csv_safe(&f.name),
                    csv_safe(&f.vendor),
                    csv_safe(&f.origin),
                    plain(f.existing),
                    plain(f.new),
                    plain(f.units),
                    plain_money(cost),
                    plain(f.pflops),
                    plain(f.facility_kw),
                ]
                .into_iter()
                .chain(blank()),
            );
        }
        let credit = tidy.residual.map(|r| ("residual", Some(-r)));
        let saved = tidy.energy_discount.map(|d| ("energy_discount", Some(-d)));
        let removal = tidy.removal.map(|r| ("removal", Some(r)));
        for (item, v) in [("adoption", tidy.adoption), ("opex", tidy.opex)]
            .into_iter()
            .chain(saved)
            .chain(removal)
            .chain(credit)
        {
            let mut row = vec![String::new(); 11];
            row[0] = item.into();
            row[8] = plain_money(v.unwrap_or(0.0));
            let _ = w.write_record(row.into_iter().chain(blank()));
        }
        for r in allocation_records(plan, false) {
            let _ = w.write_record(r);
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// One row per purchase of a plan with sites or periods, then the adoption and opex lines:
/// `cost` at that year's prices (undiscounted), `discounted_cost` that times the period's
/// `discount_factor`; the `discounted_cost` column adds up to `total_cost`.
/// A plan with futures: each future's whole plan (the common decisions with its own) as
/// the national table, after two columns `future` and `probability`, and a column
/// `decided` (`now` for the common decisions, `later` for the future's own, empty on cost
/// lines): each future's cost column adds up to its `total_cost`.
fn futures(plan: &Plan) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = true;
    let common = plan.decide_now.unwrap_or(1);
    let years: Vec<i64> = plan
        .futures
        .first()
        .map(|f| f.periods.iter().map(|d| d.period).collect())
        .unwrap_or_default();
    let decided = |item: &str, period: &str| -> String {
        if item != "purchase" && item != "system" {
            return String::new();
        }
        let t = period
            .parse::<i64>()
            .ok()
            .and_then(|y| years.iter().position(|&v| v == y));
        if t.is_none_or(|t| t < common) {
            "now".into()
        } else {
            "later".into()
        }
    };
    for f in &plan.futures {
        let text = purchases(&f.whole(plan));
        let mut r = csv::Reader::from_reader(text.as_bytes());
        if header {
            let names = r.headers().cloned().unwrap_or_default();
            let _ = w.write_record(
                ["future", "probability", "decided"]
                    .into_iter()
                    .chain(names.iter()),
            );
            header = false;
        }
        for rec in r.records().flatten() {
            let item = rec.get(0).unwrap_or("").to_string();
            let period = rec.get(6).unwrap_or("").to_string();
            let _ = w.write_record(
                [
                    csv_safe(&f.id),
                    plain(f.probability),
                    decided(&item, &period),
                ]
                .into_iter()
                .chain(rec.iter().map(str::to_string)),
            );
        }
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn purchases(plan: &Plan) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let extra = workload_header(plan);
    let _ = w.write_record(
        [
            "item",
            "id",
            "name",
            "vendor",
            "origin",
            "site",
            "period",
            "units",
            "cost",
            "discount_factor",
            "discounted_cost",
            "pflops",
        ]
        .into_iter()
        .chain(extra),
    );
    if !plan.status.has_plan() {
        return String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default();
    }
    let factor = |year: Option<i64>| {
        plan.periods
            .iter()
            .find(|d| Some(d.period) == year)
            .map_or(1.0, |d| d.discount_factor)
    };
    // (cells before the cost, cost, discount factor, pflops)
    let mut lines: Vec<(Vec<String>, f64, f64, String)> = Vec::new();
    for p in &plan.purchases {
        // A whole system: item `system`, its id and cards after the accelerator's name,
        // `units` counting systems.
        let (item, name) = match (&p.system, p.cards) {
            (Some(sys), Some(cards)) => ("system", format!("{} ({sys} x{cards})", p.name)),
            (Some(sys), None) => ("system", format!("{} ({sys})", p.name)),
            _ => ("purchase", p.name.clone()),
        };
        lines.push((
            vec![
                item.into(),
                csv_safe(&p.id),
                csv_safe(&name),
                csv_safe(&p.vendor),
                csv_safe(&p.origin),
                csv_safe(p.site.as_deref().unwrap_or("")),
                p.period.map(|y| y.to_string()).unwrap_or_default(),
                plain(p.units),
            ],
            p.cost,
            factor(p.period),
            plain(p.pflops),
        ));
    }
    let first = plan.periods.first().map(|d| d.period);
    let mut line = |item: &str, site: &str, period: Option<i64>, cost: f64, df: f64| {
        let mut cells = vec![String::new(); 8];
        cells[0] = item.into();
        cells[5] = csv_safe(site);
        cells[6] = period.map(|y| y.to_string()).unwrap_or_default();
        lines.push((cells, cost, df, String::new()));
    };
    line("adoption", "", first, plan.adoption.unwrap_or(0.0), 1.0);
    if plan.periods.is_empty() {
        for s in &plan.sites {
            line("opex", &s.id, None, s.opex, 1.0);
        }
    } else {
        for d in &plan.periods {
            line("opex", "", Some(d.period), d.opex, d.discount_factor);
        }
    }
    if let Some(d) = plan.energy_discount {
        // Already discounted (summed over the periods).
        line("energy_discount", "", None, -d, 1.0);
    }
    // Removals and moves: one line per row, at its site and period (cost less salvage).
    for r in &plan.removals {
        let df = plan
            .periods
            .iter()
            .find(|d| Some(d.period) == r.period)
            .map_or(1.0, |d| d.discount_factor);
        let item = if r.moved_to.is_some() {
            "move"
        } else {
            "removal"
        };
        line(item, r.site.as_deref().unwrap_or(""), r.period, r.cost, df);
    }
    if let Some(r) = plan.residual {
        // Already discounted, and credited at the horizon's end (no period).
        line("residual", "", None, -r, 1.0);
    }
    let discounted: Vec<f64> = lines.iter().map(|(_, c, df, _)| c * df).collect();
    let discounted = apportion(&discounted, plan.total_cost.unwrap_or(0.0));
    for ((mut cells, cost, df, pflops), dc) in lines.into_iter().zip(discounted) {
        cells.extend([plain_money(cost), plain(df), plain_money(dc), pflops]);
        cells.extend(extra.map(|_| String::new()));
        let _ = w.write_record(cells);
    }
    for r in allocation_records(plan, true) {
        let _ = w.write_record(r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The `workload` column's header, when the plan has a workload allocation.
fn workload_header(plan: &Plan) -> Option<&'static str> {
    (!plan.allocation.is_empty()).then_some("workload")
}

/// One `allocation` record per allocation row, in the columns of the plain layout
/// (`national`: of the purchase layout): the accelerator's labels, its units and effective
/// PFLOPS, no cost, the class last.
fn allocation_records(plan: &Plan, national: bool) -> Vec<Vec<String>> {
    plan.allocation
        .iter()
        .map(|r| {
            let f = plan.fleet.iter().find(|f| f.id == r.id);
            let label = |get: fn(&crate::plan::FleetRow) -> &String| {
                csv_safe(f.map(get).map_or("", String::as_str))
            };
            let mut row = vec![
                "allocation".to_string(),
                csv_safe(&r.id),
                label(|f| &f.name),
                label(|f| &f.vendor),
                label(|f| &f.origin),
            ];
            if national {
                row.extend([
                    csv_safe(r.site.as_deref().unwrap_or("")),
                    r.period.map(|y| y.to_string()).unwrap_or_default(),
                    plain(r.units),
                    String::new(),
                    String::new(),
                    String::new(),
                    plain(r.pflops),
                ]);
            } else {
                row.extend([
                    String::new(),
                    String::new(),
                    plain(r.units),
                    String::new(),
                    plain(r.pflops),
                    String::new(),
                ]);
            }
            row.push(csv_safe(&r.workload));
            row
        })
        .collect()
}
