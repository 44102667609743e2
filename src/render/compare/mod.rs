//! Comparisons in four formats (table, CSV, JSON, Markdown): one file each. The human
//! formats share [`section`]: one row per figure, one column per plan, and a delta column
//! against the first plan for each of the others.

mod csv;
mod json;
mod markdown;
mod table;
pub mod xlsx;

use crate::compare::{Comparison, Metric, MetricGroup};
use crate::numfmt::{amount, cents, clean, percent, qty};
use crate::render::rows::Section;

/// Output formats of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareFormat {
    /// Aligned columns.
    Table,
    /// Figures by row, plans by column.
    Csv,
    /// Every plan in full with its deltas.
    Json,
    /// A Markdown table for memos.
    Markdown,
}

/// Renders a comparison, each plan's figures as [`crate::render::figures::plan`] writes
/// them (money to the cent, costs that add up to their totals).
pub fn render(c: &Comparison, format: CompareFormat) -> String {
    let mut c = c.clone();
    for e in &mut c.entries {
        e.plan = crate::render::figures::plan(&e.plan);
    }
    let c = &c;
    match format {
        CompareFormat::Table => table::render(c),
        CompareFormat::Csv => csv::render(c),
        CompareFormat::Json => json::render(c),
        CompareFormat::Markdown => markdown::render(c),
    }
}

/// The figure a key names (`period.2026.capex` -> `capex`).
fn figure(key: &str) -> &str {
    if key.starts_with("period.") || key.starts_with("site.") {
        key.rsplit('.').next().unwrap_or(key)
    } else {
        key
    }
}

/// Whether the figure of `key` is money (rounded to the cent) rather than a quantity.
fn is_money(key: &str) -> bool {
    matches!(
        figure(key),
        "total_cost"
            | "capex"
            | "opex"
            | "adoption"
            | "residual"
            | "energy_discount"
            | "removal"
            | "discounted_cost"
    )
}

/// A figure (or a delta) as written in a file: money to the cent, the rest cleaned of
/// floating-point noise (see [`crate::numfmt`]).
fn tidy(key: &str, v: f64) -> f64 {
    if is_money(key) { cents(v) } else { clean(v) }
}

/// The display name of accelerator `id` in the compared plans (the id when it has none).
fn name_of<'a>(c: &'a Comparison, id: &'a str) -> &'a str {
    c.entries
        .iter()
        .flat_map(|e| e.plan.fleet.iter().map(|f| (&f.id, &f.name)))
        .chain(
            c.entries
                .iter()
                .flat_map(|e| e.plan.purchases.iter().map(|x| (&x.id, &x.name))),
        )
        .find(|(i, _)| i.as_str() == id)
        .map_or(id, |(_, n)| n.as_str())
}

/// A figure formatted for people: money, PFLOPS, a share or units, by its key.
fn shown(key: &str, v: f64, signed: bool) -> String {
    let v = tidy(key, v);
    let text = match figure(key) {
        "domestic_share" | "share_margin" if signed => format!("{:.2} pp", v * 100.0),
        "domestic_share" => percent(v),
        "share_margin" => format!("{:.2} pp", v * 100.0),
        "pflops" | "facility_kw" | "demand_pflops" => qty(v, 1),
        "new_units" => qty(v, 2),
        k if k.starts_with("units.") => qty(v, 2),
        _ => amount(v),
    };
    if signed && v > 0.0 {
        format!("+{text}")
    } else {
        text
    }
}

/// The label of a figure in the human formats (site and period figures are prefixed by
/// their site or year).
fn label(c: &Comparison, m: &Metric, currency: &str) -> String {
    let name = match m.figure() {
        "total_cost" => format!("total cost ({currency})"),
        "capex" => format!("capex ({currency})"),
        "opex" => format!("opex ({currency})"),
        "adoption" => format!("adoption ({currency})"),
        "residual" => format!("residual value, credited ({currency})"),
        "energy_discount" => format!("energy discount, saved ({currency})"),
        "removal" => format!("removals, less salvage ({currency})"),
        "discounted_cost" => format!("discounted cost ({currency})"),
        "pflops" => "PFLOPS".into(),
        "demand_pflops" => "demand PFLOPS".into(),
        "domestic_share" if m.group() == MetricGroup::Period => "national share".into(),
        "domestic_share" => "domestic share".into(),
        "share_margin" => "lowest share margin".into(),
        "facility_kw" => "facility kW".into(),
        "new_units" => "new units".into(),
        k => match k.strip_prefix("units.") {
            Some(id) => format!("new {}", name_of(c, id)),
            None => k.to_string(),
        },
    };
    match m.group() {
        MetricGroup::Plan => name,
        _ => format!("{} {name}", m.place()),
    }
}

/// The comparison as titled sections for the human formats: the plan figures, then (for
/// plans with periods or sites) one section of period figures and one of site figures.
fn sections(c: &Comparison) -> Vec<Section> {
    let currency = c
        .entries
        .first()
        .map(|e| e.plan.currency.clone())
        .unwrap_or_default();
    let n = c.entries.len();
    let mut header = vec![String::new()];
    header.push(c.entries[0].label.clone());
    for e in &c.entries[1..] {
        header.push(e.label.clone());
        header.push(format!("vs {}", c.entries[0].label));
    }
    let mut numeric = vec![true; header.len()];
    numeric[0] = false;
    let metrics = c.metrics();
    let rows_of = |group: MetricGroup| -> Vec<Vec<String>> {
        metrics
            .iter()
            .filter(|m| m.group() == group)
            .map(|m| {
                let mut r = vec![label(c, m, &currency)];
                for i in 0..n {
                    r.push(
                        m.values[i]
                            .map(|v| shown(&m.key, v, false))
                            .unwrap_or("-".into()),
                    );
                    if i > 0 {
                        r.push(
                            m.delta(i)
                                .map(|d| shown(&m.key, d, true))
                                .unwrap_or_default(),
                        );
                    }
                }
                r
            })
            .collect()
    };
    let mut status = vec![
        "status".to_string(),
        c.entries[0].plan.status.as_str().into(),
    ];
    for e in &c.entries[1..] {
        status.push(e.plan.status.as_str().into());
        status.push(String::new());
    }
    let mut rows = vec![status];
    rows.extend(rows_of(MetricGroup::Plan));
    let mut out = vec![Section {
        title: format!("Comparison against {}", c.entries[0].label),
        header: header.clone(),
        numeric: numeric.clone(),
        rows,
    }];
    for (group, title) in [
        (
            MetricGroup::Period,
            format!(
                "By period (all sites; capex and opex undiscounted, {currency}; share: national)"
            ),
        ),
        (
            MetricGroup::Site,
            format!(
                "By site (capex and opex over every period, undiscounted, {currency}; PFLOPS, kW and share in the last period; margin: lowest share above its rule in any period)"
            ),
        ),
    ] {
        let rows = rows_of(group);
        if !rows.is_empty() {
            out.push(Section {
                title,
                header: header.clone(),
                numeric: numeric.clone(),
                rows,
            });
        }
    }
    out
}

/// The constraints at their limit in each plan, one line per plan with one.
fn binding(c: &Comparison) -> Vec<String> {
    c.entries
        .iter()
        .filter(|e| e.plan.status.has_plan())
        .map(|e| {
            let b = if e.plan.binding.is_empty() {
                "none".to_string()
            } else {
                e.plan.binding.join(", ")
            };
            format!("{}: {b}", e.label)
        })
        .collect()
}

/// Why plans are missing, one line per plan without one.
fn missing(c: &Comparison) -> Vec<String> {
    c.entries
        .iter()
        .filter(|e| !e.plan.status.has_plan())
        .map(|e| {
            let why = e
                .plan
                .conflicts
                .first()
                .or(e.plan.message.as_ref())
                .cloned()
                .unwrap_or_default();
            format!("{} ({}): {why}", e.label, e.plan.status.as_str())
        })
        .collect()
}
