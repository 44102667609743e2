//! Near-optimal alternatives (modelling to generate alternatives): plans that cost at most
//! a given fraction more than the optimum, each pushed as far as it goes in one direction
//! a buyer may care about: the most domestic, the least power, the least up-front spend,
//! the fewest new software platforms, the fewest vendors. Each is a full plan, checked
//! against the original scenario, with its trade-off in one line.

use super::probe::{Probe, set};
use crate::check::evaluate;
use crate::error::PlanError;
use crate::numfmt::{money, percent, qty};
use crate::plan::Plan;
use crate::scenario::{Objective, Override, Scenario};
use serde::Serialize;

/// Bisection steps for a share or a limit (precision 2^-12 of the range).
const STEPS: usize = 12;

/// One alternative plan.
#[derive(Debug, Clone, Serialize)]
pub struct Alternative {
    /// What it pushes for: `most domestic`, `least power`, `least capex`,
    /// `fewest new platforms`, `fewest vendors`.
    pub name: String,
    /// Its trade-off against the optimum, in one line.
    pub says: String,
    /// The overrides (with the near-optimal cap) that produce it.
    pub overrides: Vec<String>,
    /// The plan.
    pub plan: Plan,
}

/// Overrides that keep plans within `within` of the optimum of `plan`.
fn near(s: &Scenario, plan: &Plan, within: f64) -> Vec<Override> {
    match s.objective {
        Objective::MinCost => {
            // Whole currency units, rounded down: never above the allowed cost.
            let cap = (plan.total_cost.unwrap_or(0.0) * (1.0 + within)).floor();
            let cap = s.limits.budget.map_or(cap, |b| b.min(cap));
            vec![set("limits.budget", cap)]
        }
        Objective::MaxPflops => {
            let floor = plan.pflops.unwrap_or(0.0) * (1.0 - within);
            let floor = s.demand.pflops.map_or(floor, |d| d.max(floor));
            vec![
                Override::new("objective", "min_cost"),
                set("demand.pflops", floor),
            ]
        }
    }
}

/// Groups left out (their names), the overrides that leave them out, and the plan.
type Dropped = (Vec<String>, Vec<Override>, Plan);

struct Search<'a> {
    probe: &'a Probe<'a>,
    near: Vec<Override>,
}

impl Search<'_> {
    fn ask(&self, extra: &[Override]) -> Result<Option<Plan>, PlanError> {
        let mut sets = self.near.clone();
        sets.extend(extra.iter().cloned());
        Ok(self.probe.ask(&sets)?.plan().cloned())
    }

    /// The value of `path` between `good` (has a plan) and `bad` closest to `bad`, and its
    /// plan.
    fn push(
        &self,
        path: &str,
        mut good: f64,
        mut bad: f64,
    ) -> Result<Option<(f64, Plan)>, PlanError> {
        let Some(mut best) = self.ask(&[set(path, good)])? else {
            return Ok(None);
        };
        let share = path.ends_with("share.min");
        for _ in 0..STEPS {
            let mut mid = 0.5 * (good + bad);
            if share {
                // A strict share must be a fraction with a denominator of at most 10,000.
                mid = (mid * 1e4).round() / 1e4;
                if mid == good || mid == bad {
                    break;
                }
            }
            match self.ask(&[set(path, mid)])? {
                Some(p) => {
                    good = mid;
                    best = p;
                }
                None => bad = mid,
            }
        }
        // A shorter number on the permissive side of `good` for the reader; its plan is
        // the one shown, so the overrides reproduce it.
        let digits = 10f64.powi(4 - good.abs().max(1e-300).log10().floor() as i32);
        let round = if bad < good { f64::ceil } else { f64::floor };
        let short = round(good * digits) / digits;
        if short != good
            && let Some(p) = self.ask(&[set(path, short)])?
        {
            return Ok(Some((short, p)));
        }
        Ok(Some((good, best)))
    }

    /// Greedily removes groups of accelerators (making them unavailable) while a plan
    /// remains; returns the removed group names, the overrides and the plan.
    /// A group is kept out only if the plan without it scores lower on `count` (new
    /// platforms, vendors) than the best so far, starting from the optimum's score.
    fn drop_groups(
        &self,
        groups: Vec<(String, Vec<String>)>,
        start: usize,
        count: impl Fn(&Plan) -> usize,
    ) -> Result<Option<Dropped>, PlanError> {
        let mut removed = Vec::new();
        let mut sets: Vec<Override> = Vec::new();
        let mut best = None;
        let mut score = start;
        for (name, ids) in groups {
            let mut trial = sets.clone();
            trial.extend(
                ids.iter()
                    .map(|id| Override::new(&format!("accelerators[{id}].available"), "false")),
            );
            if let Some(p) = self.ask(&trial)?
                && count(&p) < score
            {
                score = count(&p);
                removed.push(name);
                sets = trial;
                best = Some(p);
            }
        }
        Ok(best.map(|p| (removed, sets, p)))
    }
}

fn same_purchases(a: &Plan, b: &Plan) -> bool {
    a.purchases.len() == b.purchases.len()
        && a.purchases
            .iter()
            .zip(&b.purchases)
            .all(|(x, y)| x.id == y.id && (x.units - y.units).abs() < 1e-9)
}

fn cost_change(base: &Plan, p: &Plan) -> String {
    match (base.total_cost, p.total_cost) {
        (Some(b), Some(c)) if b.abs() > 0.0 => {
            format!(
                "{:+.2}% total cost ({} {})",
                (c - b) / b * 100.0,
                money(c),
                p.currency
            )
        }
        _ => String::new(),
    }
}

/// Alternatives to `plan` (the optimum of `s`) within `within` (0.02 = 2%) of its cost (of
/// its PFLOPS for a `max_pflops` scenario). Plans equal to the optimum or to an earlier
/// alternative are left out.
pub fn alternatives(
    probe: &Probe,
    s: &Scenario,
    plan: &Plan,
    within: f64,
) -> Result<Vec<Alternative>, PlanError> {
    if !plan.status.has_plan() {
        return Ok(Vec::new());
    }
    let search = Search {
        probe,
        near: near(s, plan, within),
    };
    let mut found: Vec<(String, String, Vec<Override>, Plan)> = Vec::new();
    let share_now = plan
        .domestic_share
        .as_ref()
        .and_then(|d| d.value)
        .unwrap_or(0.0);
    let rule_min = s.domestic_share.as_ref().map_or(0.0, |d| d.min);
    if let Some((v, p)) = search.push("policy.domestic_share.min", rule_min, 1.0 + 1e-9)? {
        let share = p.domestic_share.as_ref().and_then(|d| d.value).unwrap_or(v);
        let basis = s
            .domestic_share
            .as_ref()
            .map_or("units", |d| d.basis.as_str());
        found.push((
            "most domestic".into(),
            format!(
                "domestic share {} by {basis} (optimum {}), {}",
                percent(share),
                percent(share_now),
                cost_change(plan, &p)
            ),
            vec![set("policy.domestic_share.min", v)],
            p,
        ));
    }
    if let Some(kw) = plan.facility_kw.filter(|kw| *kw > 0.0)
        && let Some((v, p)) = search.push("limits.power_kw", kw, 0.0)?
    {
        found.push((
            "least power".into(),
            format!(
                "{} kW of facility power (optimum {} kW), {}",
                qty(p.facility_kw.unwrap_or(v), 1),
                qty(kw, 1),
                cost_change(plan, &p)
            ),
            vec![set("limits.power_kw", v)],
            p,
        ));
    }
    if let Some(capex) = plan.capex.filter(|c| *c > 0.0)
        && let Some((v, p)) = search.push("limits.capex_budget", capex, 0.0)?
    {
        found.push((
            "least capex".into(),
            format!(
                "capex {} {} (optimum {}), {}",
                money(p.capex.unwrap_or(v)),
                p.currency,
                money(capex),
                cost_change(plan, &p)
            ),
            vec![set("limits.capex_budget", v)],
            p,
        ));
    }
    // New platforms, the most expensive to adopt first.
    let mut platforms: Vec<(String, f64)> = plan
        .adopted_platforms
        .iter()
        .map(|p| {
            (
                p.clone(),
                s.costs.platform_adoption.get(p).copied().unwrap_or(0.0),
            )
        })
        .collect();
    platforms.sort_by(|a, b| b.1.total_cmp(&a.1));
    let groups = platforms
        .iter()
        .map(|(p, _)| {
            let ids = s
                .accelerators
                .iter()
                .filter(|a| a.available && a.platform.as_deref() == Some(p.as_str()))
                .map(|a| a.id.clone())
                .collect();
            (p.clone(), ids)
        })
        .collect();
    let platform_count = |p: &Plan| p.adopted_platforms.len();
    if let Some((removed, sets, p)) =
        search.drop_groups(groups, platform_count(plan), platform_count)?
    {
        found.push((
            "fewest new platforms".into(),
            format!(
                "adopts {} instead of {} (drops {}), {}",
                list(&p.adopted_platforms),
                list(&plan.adopted_platforms),
                removed.join(", "),
                cost_change(plan, &p)
            ),
            sets,
            p,
        ));
    }
    // Vendors the optimum buys from, the smallest share first.
    let mut vendors: Vec<(String, f64)> = Vec::new();
    for x in &plan.purchases {
        match vendors.iter_mut().find(|(v, _)| *v == x.vendor) {
            Some(v) => v.1 += x.units,
            None => vendors.push((x.vendor.clone(), x.units)),
        }
    }
    vendors.sort_by(|a, b| a.1.total_cmp(&b.1));
    let vendor_count = |p: &Plan| {
        let mut v: Vec<&str> = p.purchases.iter().map(|x| x.vendor.as_str()).collect();
        v.sort();
        v.dedup();
        v.len()
    };
    let groups = vendors
        .iter()
        .map(|(v, _)| {
            let ids = s
                .accelerators
                .iter()
                .filter(|a| a.available && a.vendor == *v)
                .map(|a| a.id.clone())
                .collect();
            (v.clone(), ids)
        })
        .collect();
    if let Some((removed, sets, p)) =
        search.drop_groups(groups, vendor_count(plan), vendor_count)?
    {
        found.push((
            "fewest vendors".into(),
            format!(
                "buys from {} vendors instead of {} (drops {}), {}",
                vendor_count(&p),
                vendor_count(plan),
                removed.join(", "),
                cost_change(plan, &p)
            ),
            sets,
            p,
        ));
    }
    let mut out: Vec<Alternative> = Vec::new();
    for (name, says, extra, p) in found {
        if same_purchases(&p, plan) || out.iter().any(|a| same_purchases(&a.plan, &p)) {
            continue;
        }
        // Every alternative must meet every rule of the scenario as the user gave it.
        let units: Vec<f64> = s
            .accelerators
            .iter()
            .map(|a| {
                p.purchases
                    .iter()
                    .filter(|x| x.id == a.id)
                    .fold(0.0, |acc, x| acc + x.units)
            })
            .collect();
        let e = evaluate(s, &units);
        if !e.violations().is_empty() {
            return Err(PlanError::CheckFailed(
                e.violations()
                    .iter()
                    .map(|c| format!("- {} (alternative `{name}`)", c.message()))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ));
        }
        let mut overrides: Vec<String> = search.near.iter().map(|o| o.to_string()).collect();
        overrides.extend(extra.iter().map(|o| o.to_string()));
        out.push(Alternative {
            name,
            says,
            overrides,
            plan: p,
        });
    }
    Ok(out)
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}
