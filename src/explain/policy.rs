//! The price of the policy: the plan's total cost against the same scenario without any
//! domestic-share rule (the policy's, the national one and every site's own), and (when the
//! scenario sets them) without the vendor-share limit, without the budgets (every period's),
//! and without all of these at once. Each comparison plans the resolved scenario with those
//! rules taken out, and that plan is checked against the scenario without them.

use super::probe::Probe;
use crate::error::PlanError;
use crate::plan::Plan;
use crate::scenario::Objective;
use crate::scenario::national::National;
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

/// A family of policy rules that can be taken out of a scenario.
#[derive(Clone, Copy)]
enum Rule {
    /// `policy.domestic_share`, `policy.national_domestic_share` and every
    /// `sites[].domestic_share`.
    DomesticShare,
    /// `limits.vendor_max_share`.
    VendorShare,
    /// `limits.budget` and `limits.capex_budget`, every period.
    Budgets,
}

impl Rule {
    fn name(self) -> &'static str {
        match self {
            Rule::DomesticShare => "domestic_share",
            Rule::VendorShare => "vendor_share",
            Rule::Budgets => "budgets",
        }
    }

    fn remove(self, n: &mut National) {
        match self {
            Rule::DomesticShare => {
                n.national_share = None;
                for site in &mut n.sites {
                    site.domestic_share = None;
                }
            }
            Rule::VendorShare => n.vendor_max_share = None,
            Rule::Budgets => {
                n.budget = None;
                n.capex_budget = None;
            }
        }
    }
}

/// The rules removed for each comparison: the domestic share always, the others when set.
fn removals(n: &National) -> Vec<Vec<Rule>> {
    let mut out = vec![vec![Rule::DomesticShare]];
    // A future may set a rule the base scenario does not.
    let scenarios: Vec<&National> = std::iter::once(n)
        .chain(
            n.futures
                .iter()
                .flat_map(|f| f.list.iter().map(|fu| &fu.scenario)),
        )
        .collect();
    let has_vendor = scenarios.iter().any(|n| n.vendor_max_share.is_some());
    let has_budget = scenarios
        .iter()
        .any(|n| n.budget.is_some() || n.capex_budget.is_some());
    if has_vendor {
        out.push(vec![Rule::VendorShare]);
    }
    if has_budget {
        out.push(vec![Rule::Budgets]);
    }
    if has_vendor || has_budget {
        let mut all = vec![Rule::DomesticShare];
        if has_vendor {
            all.push(Rule::VendorShare);
        }
        if has_budget {
            all.push(Rule::Budgets);
        }
        out.push(all);
    }
    out
}

/// The cost of each policy rule of `n` for `plan`. The first entry is always the
/// domestic-share rules together (`policy_cost` in the JSON); without such a rule it costs 0.
pub fn rule_costs(probe: &Probe, n: &National, plan: &Plan) -> Result<Vec<RuleCost>, PlanError> {
    let base = plan.total_cost.filter(|_| plan.status.has_plan());
    removals(n)
        .into_par_iter()
        .map(|rules| {
            // max_pflops needs a budget: without one the scenario is not valid (no plan).
            let invalid = n.objective == Objective::MaxPflops
                && rules.iter().any(|r| matches!(r, Rule::Budgets));
            let other = if invalid {
                None
            } else {
                probe
                    .ask_edited(&[], |n| rules.iter().for_each(|r| r.remove(n)))?
                    .cost()
            };
            Ok(RuleCost {
                without: rules.iter().map(|r| r.name()).collect::<Vec<_>>().join("+"),
                total_cost: other,
                cost: base.zip(other).map(|(b, o)| b - o),
            })
        })
        .collect()
}
