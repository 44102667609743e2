//! The plan as CSV: one row per accelerator in the fleet, for spreadsheets.

use super::csv_safe;
use crate::plan::Plan;

/// Renders `plan` as CSV with a header row.
pub fn render(plan: &Plan) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "id",
        "name",
        "vendor",
        "origin",
        "existing",
        "new",
        "fleet",
        "new_cost",
        "fleet_pflops",
        "fleet_kw",
    ]);
    for f in &plan.fleet {
        let cost = plan
            .purchases
            .iter()
            .find(|p| p.id == f.id)
            .map(|p| p.cost)
            .unwrap_or(0.0);
        let _ = w.write_record([
            csv_safe(&f.id),
            csv_safe(&f.name),
            csv_safe(&f.vendor),
            csv_safe(&f.origin),
            f.existing.to_string(),
            f.new.to_string(),
            f.units.to_string(),
            cost.to_string(),
            f.pflops.to_string(),
            f.facility_kw.to_string(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
