//! The plan's workload allocation (which cards serve which workload class) and its rules
//! near their limit, for the human formats (table and Markdown). Kept apart from
//! [`super::rows`] so that each format adds them with one call.

use super::rows::Section;
use crate::numfmt::{grouped, money, percent, qty};
use crate::plan::{NearLimit, Plan};

/// The allocation as a section: one row per (site, period, workload class, accelerator),
/// with the site and period columns only where the plan has them. No rows without
/// `demand.workloads`.
pub(crate) fn allocation(p: &Plan) -> Section {
    let sites = p.allocation.iter().any(|r| r.site.is_some());
    let periods = p.allocation.iter().any(|r| r.period.is_some());
    let mut header = Vec::new();
    let mut numeric = Vec::new();
    if sites {
        header.push("site".to_string());
        numeric.push(false);
    }
    if periods {
        header.push("period".to_string());
        numeric.push(false);
    }
    header.extend(["workload", "accelerator", "units", "effective PFLOPS"].map(String::from));
    numeric.extend([false, false, true, true]);
    let rows = p
        .allocation
        .iter()
        .map(|r| {
            let mut row = Vec::new();
            if sites {
                row.push(r.site.clone().unwrap_or_default());
            }
            if periods {
                row.push(r.period.map(|y| y.to_string()).unwrap_or_default());
            }
            row.extend([
                r.workload.clone(),
                r.id.clone(),
                qty(r.units, 3),
                grouped(r.pflops, 1),
            ]);
            row
        })
        .collect();
    Section {
        title: "Workload allocation (units of the fleet serving each workload class)".into(),
        header,
        numeric,
        rows,
    }
}

/// One rule near its limit, in words: `power: 2,996.8 kW of a 3,000 kW limit (slack 3.2
/// kW)`, prefixed by its site and period.
pub(crate) fn near_line(n: &NearLimit) -> String {
    let show = |v: f64| match n.unit.as_str() {
        "share" => percent(v),
        "PFLOPS" | "TB" | "kW" => format!("{} {}", qty(v, 3), n.unit),
        "units" => qty(v, 3),
        currency => format!("{} {currency}", money(v)),
    };
    let mut at = Vec::new();
    if let Some(s) = &n.site {
        at.push(s.clone());
    }
    if let Some(y) = n.period {
        at.push(y.to_string());
    }
    let at = if at.is_empty() {
        String::new()
    } else {
        format!(" ({})", at.join(" "))
    };
    format!(
        "{}{at}: {} against a limit of {} (slack {})",
        n.constraint,
        show(n.value),
        show(n.limit),
        show(n.slack)
    )
}

/// `notes` with the rules near their limit added after the binding ones (nothing added
/// when none is near).
pub(crate) fn with_near(
    mut notes: Vec<(String, Vec<String>)>,
    p: &Plan,
) -> Vec<(String, Vec<String>)> {
    if p.near_limit.is_empty() || !p.status.has_plan() {
        return notes;
    }
    let item = (
        "Near their limit (within 0.1%, not binding)".to_string(),
        p.near_limit.iter().map(near_line).collect(),
    );
    let at = notes
        .iter()
        .position(|(t, _)| t.starts_with("Binding"))
        .map_or(0, |i| i + 1);
    notes.insert(at, item);
    notes
}
