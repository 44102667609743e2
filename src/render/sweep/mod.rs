//! Sweep results in the three sweep formats (section 4 of the format): one file each.

mod csv;
mod json;
mod table;
pub mod xlsx;

use crate::numfmt::{apportion, cents, clean};
use crate::sweep::{Row, SweepResult};

/// Output formats of a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SweepFormat {
    /// Aligned columns for the terminal.
    Table,
    /// The CSV contract.
    Csv,
    /// The JSON contract: an array of objects with the CSV's keys.
    Json,
}

/// Renders a sweep result.
pub fn render(r: &SweepResult, format: SweepFormat) -> String {
    match format {
        SweepFormat::Table => table::render(r),
        SweepFormat::Csv => csv::render(r),
        SweepFormat::Json => json::render(r),
    }
}

/// The contract's column names, in order.
fn header(r: &SweepResult) -> Vec<String> {
    let mut h: Vec<String> = r.sweep.params.iter().map(|p| p.path.clone()).collect();
    h.extend(
        [
            "status",
            "total_cost",
            "capex",
            "opex",
            "adoption",
            "pflops",
            "domestic_share",
            "marginal_cost",
        ]
        .map(String::from),
    );
    h.extend(r.ids.iter().map(|id| format!("units.{id}")));
    if r.national {
        h.extend(NATIONAL_COLUMNS.map(String::from));
    }
    h.extend(PROOF_COLUMNS.map(String::from));
    if has_residual(r) {
        h.push(RESIDUAL_COLUMN.into());
    }
    if has_energy_discount(r) {
        h.push(ENERGY_DISCOUNT_COLUMN.into());
    }
    if has_removal(r) {
        h.push(REMOVAL_COLUMN.into());
    }
    h
}

/// The column after the energy discount of a sweep whose plans may take out or move
/// installed units (`existing[].removal`): their discounted cost less salvage, which
/// `total_cost` already counts.
pub const REMOVAL_COLUMN: &str = "removal";

/// Whether any point's plan may take out or move installed units (the sweep then has the
/// [`REMOVAL_COLUMN`]).
pub fn has_removal(r: &SweepResult) -> bool {
    r.rows.iter().any(|row| row.removal.is_some())
}

/// The cell of the [`REMOVAL_COLUMN`] of a row, to the cent (see [`parts`]).
pub fn removal(row: &Row) -> Option<f64> {
    parts(row).5
}

/// The column after the residual value of a sweep whose plans have the domestic energy
/// discount (`costs.domestic_energy_discount`): the discounted saving, which `total_cost`
/// already subtracts.
pub const ENERGY_DISCOUNT_COLUMN: &str = "energy_discount";

/// Whether any point's plan has the energy discount rule (the sweep then has the
/// [`ENERGY_DISCOUNT_COLUMN`]).
pub fn has_energy_discount(r: &SweepResult) -> bool {
    r.rows.iter().any(|row| row.energy_discount.is_some())
}

/// The cell of the [`ENERGY_DISCOUNT_COLUMN`] of a row, to the cent (see [`parts`]).
pub fn energy_discount(row: &Row) -> Option<f64> {
    parts(row).4
}

/// The last column of a sweep whose plans credit a residual value
/// (`costs.residual_value`): the discounted credit, which `total_cost` already subtracts
/// (`capex + opex + adoption - residual = total_cost`).
pub const RESIDUAL_COLUMN: &str = "residual";

/// Whether any point's plan credits a residual value (the sweep then has the
/// [`RESIDUAL_COLUMN`]).
pub fn has_residual(r: &SweepResult) -> bool {
    r.rows.iter().any(|row| row.residual.is_some())
}

/// The money parts of a row to the cent, adding up to its total cost: capex, opex,
/// adoption, the residual value and the energy discount (both subtracted), and removals.
type Parts = (
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
    Option<f64>,
);

fn parts(row: &Row) -> Parts {
    match (row.total_cost, row.capex, row.opex, row.adoption) {
        (Some(t), Some(c), Some(o), Some(a)) => {
            let p = apportion(
                &[
                    c,
                    o,
                    a,
                    -row.residual.unwrap_or(0.0),
                    -row.energy_discount.unwrap_or(0.0),
                    row.removal.unwrap_or(0.0),
                ],
                t,
            );
            (
                Some(p[0]),
                Some(p[1]),
                Some(p[2]),
                row.residual.map(|_| cents(-p[3])),
                row.energy_discount.map(|_| cents(-p[4])),
                row.removal.map(|_| cents(p[5])),
            )
        }
        _ => (
            row.capex.map(cents),
            row.opex.map(cents),
            row.adoption.map(cents),
            row.residual.map(cents),
            row.energy_discount.map(cents),
            row.removal.map(cents),
        ),
    }
}

/// The cell of the [`RESIDUAL_COLUMN`] of a row, to the cent (see [`parts`]).
fn residual(row: &Row) -> Option<f64> {
    parts(row).3
}

/// The last columns of every sweep: how far each point's plan may be from optimal (its
/// relative gap, 0 when proven) and its proven bound (total cost for `min_cost`, PFLOPS
/// for `max_pflops`), empty without a plan.
pub const PROOF_COLUMNS: [&str; 2] = ["gap", "bound"];

/// The cells of [`PROOF_COLUMNS`] of a row, as written: the gap cleaned of
/// floating-point noise, the bound to the cent (or cleaned, in PFLOPS for `max_pflops`).
fn proof(max_pflops: bool, row: &Row) -> [Option<f64>; 2] {
    let bound = |b: f64| {
        if max_pflops {
            crate::numfmt::clean(b)
        } else {
            crate::numfmt::cents(b)
        }
    };
    [row.gap.map(crate::numfmt::clean), row.bound.map(bound)]
}

/// Columns after the contract's for scenarios with sites or periods, where the
/// `domestic_share` column is the site share that binds: its margin over its rule, where it
/// is (`SITE/YEAR`), and the national share.
pub const NATIONAL_COLUMNS: [&str; 3] = [
    "domestic_share_margin",
    "domestic_share_at",
    "national_domestic_share",
];

/// The cells of [`NATIONAL_COLUMNS`] of a row: margin, place, national share.
fn national(row: &Row) -> (Option<f64>, Option<String>, Option<f64>) {
    match &row.binding_share {
        Some(b) => (b.margin, Some(b.at.clone()), b.national),
        None => (None, None, None),
    }
}

/// The numeric cells of a row after the status, in header order, as written: money to the
/// cent, with capex, opex and adoption (less the residual value) adding up to the total cost; the rest cleaned of
/// floating-point noise (see [`crate::numfmt`]).
fn numbers(row: &Row) -> Vec<Option<f64>> {
    let (capex, opex, adoption, ..) = parts(row);
    let mut v = vec![
        row.total_cost.map(cents),
        capex,
        opex,
        adoption,
        row.pflops.map(clean),
        row.domestic_share.map(clean),
        row.marginal_cost.map(cents),
    ];
    v.extend(row.units.iter().map(|u| u.map(clean)));
    v
}
