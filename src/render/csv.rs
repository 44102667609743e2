//! The plan as CSV, for spreadsheets: one row per accelerator in the fleet; for a plan with
//! sites or periods, one row per purchase (accelerator, site, period).

use super::csv_safe;
use crate::plan::Plan;

/// Renders `plan` as CSV with a header row.
pub fn render(plan: &Plan) -> String {
    if super::rows::is_national(plan) {
        return purchases(plan);
    }
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
        let cost: f64 = plan
            .purchases
            .iter()
            .filter(|p| p.id == f.id)
            .map(|p| p.cost)
            .sum();
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

/// One row per purchase of a plan with sites or periods (cost at that year's prices).
fn purchases(plan: &Plan) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "id", "name", "vendor", "origin", "site", "period", "units", "cost", "pflops",
    ]);
    for p in &plan.purchases {
        let _ = w.write_record([
            csv_safe(&p.id),
            csv_safe(&p.name),
            csv_safe(&p.vendor),
            csv_safe(&p.origin),
            csv_safe(p.site.as_deref().unwrap_or("")),
            p.period.map(|y| y.to_string()).unwrap_or_default(),
            p.units.to_string(),
            p.cost.to_string(),
            p.pflops.to_string(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
