//! The price of the policy: the plan's total cost against the same scenario without the
//! domestic-share rule, and (when the scenario sets them) without the vendor-share limit,
//! without the budgets, and without all of these at once.

use super::probe::Probe;
use crate::error::PlanError;
use crate::plan::Plan;
use crate::scenario::{Override, Scenario};
use rayon::prelude::*;
use serde::Serialize;

/// The cost of one rule (or set of rules).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleCost {
    /// What was removed, e.g. `domestic_share` or `domestic_share+vendor_share+budgets`.
    pub without: String,
    /// Optimal total cost without it (`null` when that scenario has no plan).
    pub total_cost: Option<f64>,
    /// The plan's total cost minus that (`null` when either has no plan).
    pub cost: Option<f64>,
}

/// The rules removed for each comparison: the domestic share always, the others when set.
fn removals(s: &Scenario) -> Vec<(String, Vec<Override>)> {
    let domestic = Override::new("policy.domestic_share", "null");
    let vendor = Override::new("limits.vendor_max_share", "null");
    let budgets = vec![
        Override::new("limits.budget", "null"),
        Override::new("limits.capex_budget", "null"),
    ];
    let mut out = vec![("domestic_share".to_string(), vec![domestic.clone()])];
    let has_vendor = s.limits.vendor_max_share.is_some();
    let has_budget = s.limits.budget.is_some() || s.limits.capex_budget.is_some();
    if has_vendor {
        out.push(("vendor_share".into(), vec![vendor.clone()]));
    }
    if has_budget {
        out.push(("budgets".into(), budgets.clone()));
    }
    if has_vendor || has_budget {
        let mut all = vec![domestic];
        let mut name = "domestic_share".to_string();
        if has_vendor {
            all.push(vendor);
            name.push_str("+vendor_share");
        }
        if has_budget {
            all.extend(budgets);
            name.push_str("+budgets");
        }
        out.push((name, all));
    }
    out
}

/// The cost of each policy rule of `s` for `plan`. The first entry is always the
/// domestic-share rule (`policy_cost` in the JSON); without such a rule it costs 0.
pub fn rule_costs(probe: &Probe, s: &Scenario, plan: &Plan) -> Result<Vec<RuleCost>, PlanError> {
    let base = plan.total_cost.filter(|_| plan.status.has_plan());
    removals(s)
        .into_par_iter()
        .map(|(without, sets)| {
            let other = probe.ask(&sets)?.cost();
            Ok(RuleCost {
                without,
                total_cost: other,
                cost: base.zip(other).map(|(b, o)| b - o),
            })
        })
        .collect()
}
