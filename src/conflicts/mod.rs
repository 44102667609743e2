//! Why a many-site / many-period scenario has no plan, in plain words: which sites cannot
//! meet their own rules even alone, and which rules, dropped on their own, would let a
//! plan exist (every conflict involves each of those).

pub mod single;

use crate::error::PlanError;
use crate::model::Family;
use crate::model::national::NationalRequest;
use crate::scenario::national::National;
use crate::search::{NationalVariant, Timings, solve_national};
use crate::solve::Backend;
use crate::solve::Budget;

/// Most sites tried one at a time.
const MAX_SITES_ALONE: usize = 50;

/// A rule that can be dropped, in the scenario's words.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Rule {
    Site(Family),
    NationalShare,
}

impl Rule {
    fn words(self) -> &'static str {
        match self {
            Rule::Site(Family::Demand) => "the sites' demand (demand.pflops / workloads)",
            Rule::Site(Family::Memory) => "the sites' memory floors (demand.memory_tb)",
            Rule::Site(Family::DomesticShare) => {
                "the domestic share at each site (policy.domestic_share and site overrides)"
            }
            Rule::Site(Family::VendorShare) => "the vendor limit (limits.vendor_max_share)",
            Rule::Site(Family::Power) => "the sites' power limits (power_kw)",
            Rule::Site(Family::Budget) => "the budgets per period (limits.budget)",
            Rule::Site(Family::CapexBudget) => "the capex budgets per period (limits.capex_budget)",
            Rule::Site(Family::Supply) => "the national supply caps (max_units)",
            Rule::Site(Family::Availability) => "availability (available: false)",
            Rule::Site(Family::MinOrder) => "the minimum orders (min_units)",
            Rule::NationalShare => "the national share (policy.national_domestic_share)",
        }
    }

    fn present(self, nat: &National) -> bool {
        match self {
            Rule::NationalShare => nat.national_share.is_some(),
            Rule::Site(f) => match f {
                Family::Demand => nat.sites.iter().any(|s| {
                    s.pflops
                        .as_ref()
                        .is_some_and(|p| p.iter().any(|&v| v > 0.0))
                        || s.workloads.values().any(|w| w.iter().any(|&v| v > 0.0))
                }),
                Family::Memory => nat.sites.iter().any(|s| {
                    s.memory_tb
                        .as_ref()
                        .is_some_and(|m| m.iter().any(|&v| v > 0.0))
                }),
                Family::DomesticShare => nat.sites.iter().any(|s| s.domestic_share.is_some()),
                Family::VendorShare => nat.vendor_max_share.is_some(),
                Family::Power => nat.sites.iter().any(|s| s.power_kw.is_some()),
                Family::Budget => nat.budget.is_some(),
                Family::CapexBudget => nat.capex_budget.is_some(),
                Family::Supply => nat
                    .per_period
                    .iter()
                    .any(|p| p.max_units.iter().any(Option::is_some)),
                Family::Availability => nat
                    .per_period
                    .iter()
                    .any(|p| p.available.iter().any(|a| !a)),
                Family::MinOrder => nat
                    .accelerators
                    .iter()
                    .any(|a| a.min_units.unwrap_or(0) > 0),
            },
        }
    }
}

fn feasible(
    req: &NationalRequest,
    backend: Backend,
    budget: &Budget,
) -> Result<Option<bool>, PlanError> {
    let mut t = Timings::default();
    let mut limits = budget.limits(1.0);
    limits.mip_gap = 1.0;
    // The analysis of an infeasible scenario is not bound by the plan's deadline.
    limits.deadline = None;
    Ok(match solve_national(req, backend, limits, &mut t)? {
        NationalVariant::Solved(_) | NationalVariant::Unbounded => Some(true),
        NationalVariant::Infeasible => Some(false),
        NationalVariant::NoSolution(_) => None,
    })
}

/// Plain-language reasons why `nat` has no plan.
pub fn find(nat: &National, backend: Backend, budget: &Budget) -> Result<Vec<String>, PlanError> {
    if let Some(single) = nat.as_single() {
        return crate::conflicts::single::find(&single, backend, budget);
    }
    let mut out = Vec::new();

    // Sites that cannot meet their own rules even alone (national caps and budgets kept).
    if nat.sites.len() > 1 {
        let mut alone_bad = Vec::new();
        for s in 0..nat.sites.len().min(MAX_SITES_ALONE) {
            let mut one = nat.clone();
            one.sites = vec![nat.sites[s].clone()];
            if feasible(&NationalRequest::new(&one), backend, budget)? == Some(false) {
                alone_bad.push(nat.sites[s].id.clone());
            }
        }
        if !alone_bad.is_empty() {
            out.push(format!(
                "site {} cannot meet its own rules even alone, within the national supply caps and budgets",
                alone_bad.join(", ")
            ));
        }
    }

    // Rules whose removal alone gives a plan.
    let rules = [
        Rule::Site(Family::Demand),
        Rule::Site(Family::Memory),
        Rule::Site(Family::DomesticShare),
        Rule::NationalShare,
        Rule::Site(Family::VendorShare),
        Rule::Site(Family::Power),
        Rule::Site(Family::Budget),
        Rule::Site(Family::CapexBudget),
        Rule::Site(Family::Supply),
        Rule::Site(Family::Availability),
        Rule::Site(Family::MinOrder),
    ];
    let mut culprits = Vec::new();
    let mut unknown = Vec::new();
    for rule in rules.into_iter().filter(|r| r.present(nat)) {
        let mut req = NationalRequest::new(nat);
        match rule {
            Rule::Site(f) => {
                req.relax.insert(f);
            }
            Rule::NationalShare => req.relax_national_share = true,
        }
        match feasible(&req, backend, budget)? {
            Some(true) => culprits.push(rule.words()),
            Some(false) => {}
            None => unknown.push(rule.words()),
        }
    }
    if culprits.is_empty() {
        out.push(
            "no single rule is to blame: the scenario stays infeasible with any one rule dropped, so at least two rules must change together".into(),
        );
    } else {
        out.push(format!(
            "the rules conflict: dropping any one of these would give a plan: {}",
            culprits.join("; ")
        ));
    }
    if !unknown.is_empty() {
        out.push(format!(
            "not settled within the time limit: whether dropping {} would help",
            unknown.join("; ")
        ));
    }
    Ok(out)
}
