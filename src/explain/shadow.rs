//! Shadow prices by re-solving: for each constraint family at its limit, the scenario is
//! planned again with that limit tightened by one unit of its own measure, and the change of
//! the optimal total cost is the price. With whole lots the change is a finite difference
//! (it may be zero, or jump), never a dual value read off a relaxation.

use super::probe::{Probe, set};
use crate::error::PlanError;
use crate::plan::Plan;
use crate::scenario::Scenario;
use rayon::prelude::*;
use serde::Serialize;

/// The marginal cost of one constraint family.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShadowPrice {
    /// `demand`, `workload:<name>`, `memory`, `domestic_share`, `vendor_share:<vendor>`,
    /// `power`, `budget`, `capex_budget` or `supply:<id>`.
    pub constraint: String,
    /// Site (multi-site planning; always `null` here).
    pub site: Option<String>,
    /// Period (multi-period planning; always `null` here).
    pub period: Option<u32>,
    /// The unit the limit was tightened by (`per percentage point`, `per PFLOPS`, ...).
    pub unit: String,
    /// Change of the optimal total cost when the limit is tightened by one unit; `null` when
    /// the tightened scenario has no plan (or the limit cannot be tightened).
    pub value: Option<f64>,
    /// How the value was found: `resolve`.
    pub method: String,
    /// The override that tightened the limit (`--set` syntax).
    pub tightened: String,
    /// Why the value is `null`, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One question: the family, the unit, and the override that tightens it by one unit.
struct Question {
    constraint: String,
    unit: &'static str,
    path: String,
    to: Option<f64>,
    why_not: Option<&'static str>,
}

fn questions(s: &Scenario, plan: &Plan) -> Vec<Question> {
    let mut out = Vec::new();
    let mut q = |constraint: String, unit, path: String, to: Option<f64>, why_not| {
        out.push(Question {
            constraint,
            unit,
            path,
            to,
            why_not,
        })
    };
    let mut vendor_done = false;
    for family in &plan.binding {
        match family.as_str() {
            "demand" if !s.demand.workloads.is_empty() => {
                for (name, pflops) in &s.demand.workloads {
                    q(
                        format!("workload:{name}"),
                        "per PFLOPS",
                        format!("demand.workloads.{name}"),
                        Some(pflops + 1.0),
                        None,
                    );
                }
            }
            "demand" => q(
                "demand".into(),
                "per PFLOPS",
                "demand.pflops".into(),
                s.demand.pflops.map(|d| d + 1.0),
                None,
            ),
            "memory" => q(
                "memory".into(),
                "per TB",
                "demand.memory_tb".into(),
                s.demand.memory_tb.map(|m| m + 1.0),
                None,
            ),
            "domestic_share" => {
                let min = s.domestic_share.as_ref().map(|d| d.min).unwrap_or(0.0);
                let to = min + 0.01;
                q(
                    "domestic_share".into(),
                    "per percentage point",
                    "policy.domestic_share.min".into(),
                    (to <= 1.0 + 1e-12).then_some(to.min(1.0)),
                    Some("the minimum cannot go above 100%"),
                )
            }
            "power" => q(
                "power".into(),
                "per kW",
                "limits.power_kw".into(),
                s.limits.power_kw.map(|p| p - 1.0).filter(|p| *p >= 0.0),
                Some("the limit cannot go below 0"),
            ),
            "budget" => q(
                "budget".into(),
                "per unit of currency",
                "limits.budget".into(),
                s.limits.budget.map(|b| b - 1.0).filter(|b| *b >= 0.0),
                Some("the limit cannot go below 0"),
            ),
            "capex_budget" => q(
                "capex_budget".into(),
                "per unit of currency",
                "limits.capex_budget".into(),
                s.limits.capex_budget.map(|b| b - 1.0).filter(|b| *b >= 0.0),
                Some("the limit cannot go below 0"),
            ),
            f if f.starts_with("vendor_share:") => {
                // One limit holds every vendor: it is tightened once, for all.
                if !vendor_done {
                    vendor_done = true;
                    let to = s.limits.vendor_max_share.map(|v| v - 0.01);
                    q(
                        f.to_string(),
                        "per percentage point",
                        "limits.vendor_max_share".into(),
                        to.filter(|v| *v >= 0.0),
                        Some("the limit cannot go below 0"),
                    )
                }
            }
            f => {
                if let Some(id) = f.strip_prefix("supply:") {
                    let cap = s
                        .index_of(id)
                        .and_then(|i| s.accelerators[i].max_units)
                        .map(|c| c as f64);
                    q(
                        f.to_string(),
                        "per accelerator",
                        format!("accelerators[{id}].max_units"),
                        cap.map(|c| c - 1.0).filter(|c| *c >= 0.0),
                        Some("the cap cannot go below 0"),
                    )
                }
            }
        }
    }
    out
}

/// Shadow prices of every binding family of `plan` (the plan of `probe`'s scenario `s`).
pub fn shadow_prices(
    probe: &Probe,
    s: &Scenario,
    plan: &Plan,
) -> Result<Vec<ShadowPrice>, PlanError> {
    let Some(base) = plan.total_cost.filter(|_| plan.status.has_plan()) else {
        return Ok(Vec::new());
    };
    questions(s, plan)
        .into_par_iter()
        .map(|q| {
            let (value, note, tightened) = match q.to {
                None => (None, q.why_not.map(str::to_string), format!("{}=?", q.path)),
                Some(to) => {
                    let o = set(&q.path, to);
                    let answer = probe.ask(std::slice::from_ref(&o))?;
                    match answer.cost() {
                        Some(c) => (Some(c - base), None, o.to_string()),
                        None => (
                            None,
                            Some("no plan meets the tightened limit".to_string()),
                            o.to_string(),
                        ),
                    }
                }
            };
            Ok(ShadowPrice {
                constraint: q.constraint,
                site: None,
                period: None,
                unit: q.unit.to_string(),
                value,
                method: "resolve".into(),
                tightened,
                note,
            })
        })
        .collect()
}
