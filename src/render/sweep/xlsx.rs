//! A sweep as an Excel workbook: one sheet, `Sweep`, with the CSV's columns and one row per
//! point; numbers as numbers (swept values too, when they read as numbers), money in the
//! scenario's currency to the cent, empty cells where a point has no number.

use super::{
    energy_discount, has_energy_discount, has_removal, has_residual, header, national, numbers,
    proof, removal, residual,
};
use crate::render::sheet::{Book, Cell, WorkbookError};
use crate::sweep::SweepResult;

/// The money columns among [`numbers`]' cells: total cost, capex, opex, adoption, then
/// pflops and the domestic share (not money), then the marginal cost.
const MONEY: [bool; 7] = [true, true, true, true, false, false, true];

/// Renders `r` as a workbook created at `created` (seconds since 1970-01-01 UTC).
pub fn render(r: &SweepResult, created: i64) -> Result<Vec<u8>, WorkbookError> {
    let mut book = Book::new(&r.currency, created)?;
    let rows: Vec<Vec<Cell>> = r
        .rows
        .iter()
        .map(|row| {
            let mut cells: Vec<Cell> = row.values.iter().map(|v| Cell::parsed(v)).collect();
            cells.push(Cell::text(&row.status));
            cells.extend(numbers(row).into_iter().enumerate().map(|(k, v)| {
                if MONEY.get(k).copied().unwrap_or(false) {
                    Cell::money(v)
                } else {
                    Cell::num(v)
                }
            }));
            if r.national {
                let (margin, at, share) = national(row);
                cells.push(Cell::num(margin));
                cells.push(Cell::opt(at.as_deref()));
                cells.push(Cell::num(share));
            }
            let [gap, bound] = proof(r.max_pflops, row);
            cells.push(Cell::num(gap));
            cells.push(if r.max_pflops {
                Cell::num(bound)
            } else {
                Cell::money(bound)
            });
            if has_residual(r) {
                cells.push(Cell::money(residual(row)));
            }
            if has_energy_discount(r) {
                cells.push(Cell::money(energy_discount(row)));
            }
            if has_removal(r) {
                cells.push(Cell::money(removal(row)));
            }
            cells
        })
        .collect();
    book.table("Sweep", &header(r), &rows)?;
    book.finish()
}
