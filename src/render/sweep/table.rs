//! A sweep as a terminal table: parameters, status, costs, share, marginal cost and the
//! accelerators bought at some point; notes say why points have no plan.

use crate::numfmt::{amount, percent, qty};
use crate::render::rows::Section;
use crate::render::table::{escape, section};
use crate::sweep::SweepResult;

/// Renders `r` as aligned columns.
pub fn render(r: &SweepResult) -> String {
    let bought: Vec<usize> = (0..r.ids.len())
        .filter(|&k| {
            r.rows
                .iter()
                .any(|row| row.units[k].is_some_and(|u| u > 0.0))
        })
        .collect();
    let mut header: Vec<String> = r.sweep.params.iter().map(|p| p.path.clone()).collect();
    let first = header.first().cloned().unwrap_or_default();
    header.extend(
        [
            "status",
            &format!("total {}", r.currency),
            "PFLOPS",
            "domestic",
            "marginal",
        ]
        .map(String::from),
    );
    header.extend(bought.iter().map(|&k| r.ids[k].clone()));
    if r.national {
        header.extend(["margin", "binding at", "national"].map(String::from));
    }
    header.push("gap".into());
    header.push(if r.max_pflops {
        "bound PFLOPS".into()
    } else {
        format!("bound {}", r.currency)
    });
    let dash = || "-".to_string();
    let rows: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|row| {
            let mut cells = row.values.clone();
            cells.push(row.status.clone());
            cells.push(row.total_cost.map(amount).unwrap_or_else(dash));
            cells.push(row.pflops.map(|v| qty(v, 1)).unwrap_or_else(dash));
            cells.push(row.domestic_share.map(percent).unwrap_or_else(dash));
            cells.push(row.marginal_cost.map(amount).unwrap_or_default());
            cells.extend(
                bought
                    .iter()
                    .map(|&k| row.units[k].map(|u| qty(u, 0)).unwrap_or_else(dash)),
            );
            if r.national {
                let b = row.binding_share.as_ref();
                cells.push(
                    b.and_then(|b| b.margin)
                        .map(|m| format!("{:.2} pp", m * 100.0))
                        .unwrap_or_else(dash),
                );
                cells.push(b.map(|b| b.at.clone()).unwrap_or_else(dash));
                cells.push(b.and_then(|b| b.national).map(percent).unwrap_or_else(dash));
            }
            cells.push(
                row.gap
                    .map(|g| format!("{:.2}%", g * 100.0))
                    .unwrap_or_else(dash),
            );
            // The bound is in the objective's unit: money, or PFLOPS for max_pflops.
            cells.push(
                row.bound
                    .map(|b| if r.max_pflops { qty(b, 1) } else { amount(b) })
                    .unwrap_or_else(dash),
            );
            cells
        })
        .collect();
    let n_params = r.sweep.params.len();
    let mut numeric = vec![false; header.len()];
    for (c, n) in numeric.iter_mut().enumerate() {
        *n = c > n_params;
    }
    let mut out = format!(
        "{}: sweep of {} points\n",
        escape(&r.scenario),
        r.rows.len()
    );
    section(
        &mut out,
        &Section {
            title: "Points".into(),
            header,
            numeric,
            rows,
        },
    );
    out.push_str(&format!(
        "\nmarginal: change of total cost per unit of {} since its previous value",
        escape(&first)
    ));
    if first.ends_with("share.min") || first.ends_with("_share") {
        out.push_str(" (per percentage point: divide by 100)");
    }
    out.push('\n');
    if r.national {
        out.push_str("domestic: the site share with the least margin over its rule (margin, binding at SITE/YEAR); national: the national share in the last period\n");
    }
    out.push_str("gap: how far each plan may be from optimal (0.00% when proven); bound: the proven bound it is measured against\n");
    let mut notes: Vec<String> = Vec::new();
    let interrupted = r.interrupted();
    if interrupted > 0 {
        notes.push(format!(
            "{interrupted} of {} points ({}): the sweep was interrupted before they were solved",
            r.rows.len(),
            crate::sweep::INTERRUPTED
        ));
    }
    for row in r
        .rows
        .iter()
        .filter(|row| row.status != crate::sweep::INTERRUPTED)
    {
        if let Some(n) = &row.note {
            let line = format!("{} ({}): {n}", row.values.join(", "), row.status);
            if notes.len() < 10 {
                notes.push(line);
            }
        }
    }
    if !notes.is_empty() {
        out.push_str("\nPoints without a plan\n");
        for n in notes {
            out.push_str(&format!("  - {}\n", escape(&n)));
        }
    }
    out
}
