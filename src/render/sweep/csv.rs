//! A sweep as CSV: one header row and one row per point, empty cells where a point has no
//! number (infeasible and interrupted points, the first marginal cost).

use super::{
    energy_discount, has_energy_discount, has_removal, has_residual, header, national, numbers,
    proof, removal, residual,
};
use crate::numfmt::plain;
use crate::render::csv_safe;
use crate::sweep::SweepResult;

/// Renders `r` as CSV.
pub fn render(r: &SweepResult) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(header(r).iter().map(|h| csv_safe(h)));
    for row in &r.rows {
        let mut cells: Vec<String> = row.values.iter().map(|v| csv_safe(v)).collect();
        cells.push(row.status.clone());
        cells.extend(
            numbers(row)
                .into_iter()
                .map(|v| v.map(plain).unwrap_or_default()),
        );
        if r.national {
            let (margin, at, share) = national(row);
            let num = |v: Option<f64>| v.map(plain).unwrap_or_default();
            cells.push(num(margin));
            cells.push(at.map(|a| csv_safe(&a)).unwrap_or_default());
            cells.push(num(share));
        }
        cells.extend(
            proof(r.max_pflops, row)
                .into_iter()
                .map(|v| v.map(plain).unwrap_or_default()),
        );
        if has_residual(r) {
            cells.push(residual(row).map(plain).unwrap_or_default());
        }
        if has_energy_discount(r) {
            cells.push(energy_discount(row).map(plain).unwrap_or_default());
        }
        if has_removal(r) {
            cells.push(removal(row).map(plain).unwrap_or_default());
        }
        let _ = w.write_record(cells);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
