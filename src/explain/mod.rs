//! Explanations of a result: why a scenario is infeasible ([`conflicts`]) and what would
//! fix it ([`fixes`]); what each binding rule costs ([`shadow`]), what the policy costs
//! ([`policy`]), how far each price can move before the plan changes ([`thresholds`]); and
//! the near-optimal alternatives ([`alternatives`]). Everything but the conflicts is found
//! by re-solving the scenario with `--set` style changes ([`probe`]).

pub mod alternatives;
pub mod fixes;
pub mod policy;
pub mod probe;
pub mod shadow;
pub mod thresholds;

use crate::plan::{Plan, Status};
use crate::planner::{self, Options};
use crate::scenario::{Document, Override};
use probe::Probe;
use serde::Serialize;

pub use crate::error::ExplainError;

/// The explanation of a plan: section 5 of the format's output contract.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The plan.
    pub plan: Plan,
    /// Total cost minus that of the same scenario without the domestic-share rule
    /// (`null` without a plan).
    pub policy_cost: Option<f64>,
    /// Marginal costs of the binding constraint families.
    pub shadow_prices: Vec<shadow::ShadowPrice>,
    /// Break-even unit prices of the available accelerators.
    pub price_thresholds: Vec<thresholds::Threshold>,
    /// When infeasible: single changes that each make the scenario feasible.
    pub fixes: Vec<fixes::Fix>,
    /// The cost of each policy rule (domestic share; vendor share and budgets when set; all
    /// together), each against the scenario without it.
    pub policy_costs: Vec<policy::RuleCost>,
    /// How far to trust the figures (e.g. re-solves cut short by the time limit).
    pub notes: Vec<String>,
}

/// Plans the scenario (`document` with `base` overrides) and explains the result. Every
/// scenario is sites x periods (a section-1 file is the 1 x 1 case) and is explained the
/// same way: each figure comes from re-solves of the scenario with one change.
pub fn explain(
    document: &Document,
    base: &[Override],
    options: Options,
) -> Result<Explanation, ExplainError> {
    let n = document.resolve(base)?.scenario;
    let plan = planner::plan(&n, &options)?;
    let probe = Probe::new(document, base, options);
    let mut out = Explanation {
        plan,
        policy_cost: None,
        shadow_prices: Vec::new(),
        price_thresholds: Vec::new(),
        fixes: Vec::new(),
        policy_costs: Vec::new(),
        notes: Vec::new(),
    };
    if out.plan.status.has_plan() {
        let (costs, (prices, thresholds)) = rayon::join(
            || policy::rule_costs(&probe, &n, &out.plan),
            || {
                rayon::join(
                    || shadow::shadow_prices(&probe, &n, &out.plan),
                    || thresholds::thresholds(&probe, &n, &out.plan),
                )
            },
        );
        out.policy_costs = costs?;
        out.policy_cost = out.policy_costs.first().and_then(|c| c.cost);
        let (prices, notes) = prices?;
        out.shadow_prices = prices;
        out.notes.extend(notes);
        out.price_thresholds = thresholds?;
        if n.has_periods && n.per_period.iter().any(|p| p.unit_price.len() > 1) {
            out.notes.push(format!(
                "price thresholds move every period's price by the same factor and are given as the first period's price ({})",
                n.years[0]
            ));
        }
    } else if out.plan.status == Status::Infeasible {
        let (fixes, notes) = fixes::fixes(&probe, &n)?;
        out.fixes = fixes;
        out.notes.extend(notes);
    }
    if let Some(f) = n.futures.as_deref() {
        let objective = f.risk.objective();
        out.notes.push(format!(
            "with futures every figure is a change of the plan's {objective}: the policy costs and the price thresholds make their change in every future (the thresholds read the order placed now, the common purchases), each shadow price tightens its rule in its future alone"
        ));
    }
    out.notes.extend(probe.notes());
    Ok(out)
}

/// Plans the scenario and finds alternatives within `within` of the optimum. Every
/// scenario, a single site in a single period or many sites over many periods.
pub fn alternatives_of(
    document: &Document,
    base: &[Override],
    options: Options,
    within: f64,
) -> Result<(Plan, Vec<alternatives::Alternative>, Option<String>), ExplainError> {
    let nat = document.resolve(base)?.scenario;
    let plan = planner::plan(&nat, &options)?;
    let found = alternatives::alternatives(document, base, &nat, &plan, within, options)?;
    Ok((plan, found.alternatives, found.note))
}
