//! Side-by-side comparison of several scenarios (or variants of one): each is planned, and
//! the figures of every plan are set against the first's.

use crate::error::PlanError;
use crate::plan::Plan;
use crate::planner::{self, Options};
use crate::scenario::Scenario;
use rayon::prelude::*;

/// One compared plan and the label it is shown under.
#[derive(Debug, Clone)]
pub struct Entry {
    /// File stem and/or variant, e.g. `h20-banned` or `quota70`.
    pub label: String,
    /// Its plan.
    pub plan: Plan,
}

/// A comparison: the plans in order; the first is the reference for deltas.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The plans.
    pub entries: Vec<Entry>,
    /// Every accelerator id bought or installed in any plan, in first-seen scenario order.
    pub ids: Vec<String>,
}

/// A compared figure: its name and its value in each plan (`None` without a plan).
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// Key, e.g. `total_cost` or `units.h20`.
    pub key: String,
    /// One value per entry.
    pub values: Vec<Option<f64>>,
}

impl Metric {
    /// Value in entry `i` minus the first entry's (`None` when either is missing).
    pub fn delta(&self, i: usize) -> Option<f64> {
        match (self.values.first().copied().flatten(), self.values[i]) {
            (Some(a), Some(b)) => Some(b - a),
            _ => None,
        }
    }
}

/// Plans every `(label, scenario)` (in parallel) and gathers the results.
pub fn compare(items: &[(String, Scenario)], opts: &Options) -> Result<Comparison, PlanError> {
    let plans: Vec<Plan> = items
        .par_iter()
        .map(|(_, s)| planner::plan(&crate::scenario::national::National::from_single(s), opts))
        .collect::<Result<_, _>>()?;
    let mut ids: Vec<String> = Vec::new();
    for (_, s) in items {
        for a in &s.accelerators {
            if !ids.contains(&a.id) {
                ids.push(a.id.clone());
            }
        }
    }
    Ok(Comparison {
        entries: items
            .iter()
            .zip(plans)
            .map(|((label, _), plan)| Entry {
                label: label.clone(),
                plan,
            })
            .collect(),
        ids,
    })
}

impl Comparison {
    /// The compared figures: costs, PFLOPS, share, power, then new units per accelerator
    /// (accelerators no plan buys are left out).
    pub fn metrics(&self) -> Vec<Metric> {
        let of = |f: &dyn Fn(&Plan) -> Option<f64>| -> Vec<Option<f64>> {
            self.entries
                .iter()
                .map(|e| e.plan.status.has_plan().then(|| f(&e.plan)).flatten())
                .collect()
        };
        let mut out = vec![
            Metric {
                key: "total_cost".into(),
                values: of(&|p| p.total_cost),
            },
            Metric {
                key: "capex".into(),
                values: of(&|p| p.capex),
            },
            Metric {
                key: "opex".into(),
                values: of(&|p| p.opex),
            },
            Metric {
                key: "adoption".into(),
                values: of(&|p| p.adoption),
            },
            Metric {
                key: "pflops".into(),
                values: of(&|p| p.pflops),
            },
            Metric {
                key: "domestic_share".into(),
                values: of(&|p| p.domestic_share.as_ref().and_then(|d| d.value)),
            },
            Metric {
                key: "facility_kw".into(),
                values: of(&|p| p.facility_kw),
            },
        ];
        for id in &self.ids {
            let values = of(&|p| {
                Some(
                    p.purchases
                        .iter()
                        .filter(|x| &x.id == id)
                        .map(|x| x.units)
                        .fold(0.0, |a, b| a + b),
                )
            });
            if values.iter().any(|v| v.is_some_and(|u| u > 0.0)) {
                out.push(Metric {
                    key: format!("units.{id}"),
                    values,
                });
            }
        }
        out
    }
}
