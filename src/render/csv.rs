//! The plan as CSV, for spreadsheets: one row per accelerator in the fleet; for a plan with
//! sites or periods, one row per purchase (accelerator, site, period). With
//! `demand.workloads`, a last column `workload` is added, empty on those rows, and one row
//! per allocation (accelerator, workload class, and site and period where they exist)
//! follows them: its units in `fleet` (or `units`), its effective PFLOPS in
//! `fleet_pflops` (or `pflops`).

use super::csv_safe;
use crate::plan::Plan;

/// Renders `plan` as CSV with a header row.
pub fn render(plan: &Plan) -> String {
    if super::rows::is_national(plan) {
        return purchases(plan);
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(
        [
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
        ]
        .into_iter()
        .chain(workload_header(plan)),
    );
    for f in &plan.fleet {
        let cost: f64 = plan
            .purchases
            .iter()
            .filter(|p| p.id == f.id)
            .map(|p| p.cost)
            .sum();
        let _ = w.write_record(
            [
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
            ]
            .into_iter()
            .chain(workload_header(plan).map(|_| String::new())),
        );
    }
    for r in allocation_records(plan, false) {
        let _ = w.write_record(r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// One row per purchase of a plan with sites or periods (cost at that year's prices).
fn purchases(plan: &Plan) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(
        [
            "id", "name", "vendor", "origin", "site", "period", "units", "cost", "pflops",
        ]
        .into_iter()
        .chain(workload_header(plan)),
    );
    for p in &plan.purchases {
        let _ = w.write_record(
            [
                csv_safe(&p.id),
                csv_safe(&p.name),
                csv_safe(&p.vendor),
                csv_safe(&p.origin),
                csv_safe(p.site.as_deref().unwrap_or("")),
                p.period.map(|y| y.to_string()).unwrap_or_default(),
                p.units.to_string(),
                p.cost.to_string(),
                p.pflops.to_string(),
            ]
            .into_iter()
            .chain(workload_header(plan).map(|_| String::new())),
        );
    }
    for r in allocation_records(plan, true) {
        let _ = w.write_record(r);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// The `workload` column's header, when the plan has an allocation.
fn workload_header(plan: &Plan) -> Option<&'static str> {
    (!plan.allocation.is_empty()).then_some("workload")
}

/// One record per allocation row, in the columns of the plain layout (`national`: of the
/// purchase layout): the accelerator's labels, its units and effective PFLOPS, the class.
fn allocation_records(plan: &Plan, national: bool) -> Vec<Vec<String>> {
    plan.allocation
        .iter()
        .map(|r| {
            let f = plan.fleet.iter().find(|f| f.id == r.id);
            let label = |get: fn(&crate::plan::FleetRow) -> &String| {
                csv_safe(f.map(get).map_or("", String::as_str))
            };
            let mut row = vec![
                csv_safe(&r.id),
                label(|f| &f.name),
                label(|f| &f.vendor),
                label(|f| &f.origin),
            ];
            if national {
                row.extend([
                    csv_safe(r.site.as_deref().unwrap_or("")),
                    r.period.map(|y| y.to_string()).unwrap_or_default(),
                    r.units.to_string(),
                    String::new(),
                    r.pflops.to_string(),
                ]);
            } else {
                row.extend([
                    String::new(),
                    String::new(),
                    r.units.to_string(),
                    String::new(),
                    r.pflops.to_string(),
                    String::new(),
                ]);
            }
            row.push(csv_safe(&r.workload));
            row
        })
        .collect()
}
