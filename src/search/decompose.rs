//! Lagrangian decomposition of a min-cost national plan, for one set of adopted platforms.
//!
//! Sites are coupled only by the national rules: supply caps per accelerator and period,
//! the national share and the budgets per period ([`Coupling`]). Pricing those rules
//! (multipliers `λ ≥ 0`) instead of imposing them splits the programme into one small
//! integer programme per site, solved exactly and in parallel:
//!
//! `L(λ) = Σ_s min { cost_s(x_s) + Σ_r λ_r · activity_r,s(x_s) } + adoption − Σ_r λ_r · limit_r`
//!
//! is a lower bound on every plan that adopts the set, for any prices. `cost_s` is the
//! site's discounted capex and opex less its residual value (`costs.residual_value`): the
//! credit is a linear term per purchase, so each site's own model carries it and no rule
//! couples it across sites. At the relaxation's
//! duals each site's own relaxation gives the relaxation's bound back, and its integer
//! optimum can only be higher: the sites buy whole lots. The prices start from those duals
//! when the solver gives them (HiGHS), else from zero, and improve by deflected subgradient
//! steps (Polyak's step towards the best plan's cost), one round at a time
//! ([`SetSearch::round`]).
//!
//! The site solutions break the coupling rules a little; each round's are repaired into a
//! plan (purchases beyond a supply cap are scaled back to it, then
//! [`rounding::round_and_repair`] and [`rounding::trim`]), and the cheapest plan the
//! checker accepts is kept. [`SetSearch::improve`] then improves the best plan site by
//! site: each site's purchases solved again at their true cost, the other sites fixed.
//!
//! Whole systems (section 6) are left out of the plans made here: the priced site
//! problems carry them (so the bound stays valid), but the plans read back, repaired and
//! improved buy loose cards only. Such plans stay valid, just without systems.

// Indices s (site), t (period) and a (accelerator) address several arrays at once.
#![allow(clippy::needless_range_loop)]

use super::{NationalSolved, Timings, rounding};
use crate::check::national::{NationalEvaluation, evaluate_national};
use crate::error::PlanError;
use crate::model::national::{Coupling, NationalRequest, build_rows};
use crate::scenario::national::National;
use crate::solve::{Backend, Limits, Outcome, Stop, solve};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// Where a long search stands (for progress reports).
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Seconds since the plan started.
    pub elapsed_s: f64,
    /// Best proven lower bound on the cost so far.
    pub bound: f64,
    /// Cost of the best checked plan so far (infinite: none yet).
    pub best: f64,
    /// What the search is doing.
    pub phase: &'static str,
}

/// A function that receives progress reports.
pub type Reporter = fn(&Progress);

/// One site's priced problem, solved.
struct SiteSolution {
    /// Purchases `x[t][a]`.
    x: Vec<Vec<f64>>,
    /// Proven lower bound on the site's priced cost (model units).
    lower: f64,
    /// The site's part of each coupling rule's activity.
    activity: Vec<(Coupling, f64)>,
}

/// The site's own scenario: the national one with this site alone.
fn site_scenario(shell: &National, nat: &National, s: usize) -> National {
    let mut one = shell.clone();
    one.sites = vec![nat.sites[s].alone()];
    one
}

/// Solves site `s`'s priced problem exactly.
fn solve_site(
    one: &National,
    allowed: &BTreeSet<String>,
    prices: &BTreeMap<Coupling, f64>,
    backend: Backend,
    limits: Limits,
) -> Result<Option<SiteSolution>, PlanError> {
    if limits.expired() {
        return Ok(None);
    }
    let mut req = NationalRequest::new(one);
    req.platforms = Some(allowed.clone());
    req.prices = Some(prices.clone());
    let (built, rows) = build_rows(&req);
    let buy = built.buy.clone();
    // Site problems are small: microlp solves them in milliseconds, less than HiGHS takes
    // to start. A site microlp cannot prove in a few seconds goes to the chosen backend.
    let quick = Limits {
        time_limit_s: limits.time_limit_s.min(QUICK_S),
        ..limits
    };
    let (outcome, _) = solve(built, Backend::Microlp, quick)?;
    let outcome = match outcome {
        Outcome::Solved { proven: false, .. } | Outcome::NoSolution(_)
            if backend != Backend::Microlp =>
        {
            // The same model again (same variables in the same order).
            solve(build_rows(&req).0, backend, limits)?.0
        }
        other => other,
    };
    let Outcome::Solved {
        values,
        objective,
        bound,
        proven,
        ..
    } = outcome
    else {
        return Ok(None);
    };
    let lower = match (proven, bound) {
        (_, Some(b)) => b.min(objective),
        (true, None) => objective,
        (false, None) => f64::NEG_INFINITY,
    };
    let x = site_purchases(one, &buy, &values);
    let activity = rows
        .iter()
        .map(|r| (r.rule, r.activity.eval_with(&values)))
        .collect();
    Ok(Some(SiteSolution { x, lower, activity }))
}

/// A site's cost (model units), purchases `x[t][a]` and part of each coupling rule.
type SitePart = (f64, Vec<Vec<f64>>, BTreeMap<Coupling, f64>);

/// The variable values of a one-site model at purchases `xs[t][a]` (lots = units / lot).
fn site_values(
    one: &National,
    buy: &[Option<(good_lp::Variable, f64)>],
    xs: &[Vec<f64>],
) -> crate::solve::Values {
    let na = one.accelerators.len();
    crate::solve::Values(
        buy.iter()
            .enumerate()
            .filter_map(|(k, b)| b.map(|(var, lot)| (var, xs[k / na][k % na] / lot)))
            .collect(),
    )
}

/// Purchases `x[t][a]` (whole lots) of a solved one-site model.
fn site_purchases(
    one: &National,
    buy: &[Option<(good_lp::Variable, f64)>],
    values: &impl good_lp::Solution,
) -> Vec<Vec<f64>> {
    let na = one.accelerators.len();
    let flat: Vec<f64> = buy
        .iter()
        .map(|b| match b {
            Some((var, lot)) => values.value(*var).round().max(0.0) * lot,
            None => 0.0,
        })
        .collect();
    (0..one.periods())
        .map(|t| flat[t * na..(t + 1) * na].to_vec())
        .collect()
}

/// Solves every site's priced problem, on every core (rayon's pool); `None` when a site
/// has no solution (time limit) so that this round gives no bound.
fn solve_sites(
    sites: &[National],
    allowed: &BTreeSet<String>,
    prices: &BTreeMap<Coupling, f64>,
    backend: Backend,
    limits: Limits,
) -> Result<Option<Vec<SiteSolution>>, PlanError> {
    let solved: Vec<Option<SiteSolution>> = sites
        .par_iter()
        .map(|one| solve_site(one, allowed, prices, backend, limits))
        .collect::<Result<_, _>>()?;
    Ok(solved.into_iter().collect())
}

/// The site solutions made into a plan: purchases beyond a supply cap are scaled back to
/// it, then rounded to lots, repaired and trimmed; `None` when the checker refuses it.
fn repair(
    nat: &National,
    allowed: &BTreeSet<String>,
    sites: &[SiteSolution],
    end: Stop,
) -> Option<NationalEvaluation> {
    let (na, nt) = (nat.accelerators.len(), nat.periods());
    let mut x: Vec<Vec<Vec<f64>>> = sites.iter().map(|s| s.x.clone()).collect();
    let plain = evaluate_national(nat, &x);
    if plain.violations().is_empty() {
        return Some(plain);
    }
    for t in 0..nt {
        for a in 0..na {
            let Some(m) = nat.per_period[a].max_units[t] else {
                continue;
            };
            let sum: f64 = x.iter().map(|xs| xs[t][a]).sum();
            if sum > m as f64 {
                let k = m as f64 / sum;
                for xs in x.iter_mut() {
                    xs[t][a] *= k;
                }
            }
        }
    }
    // Likewise, every card drawing on a resource used beyond its cap.
    for r in &nat.resources {
        for t in 0..nt {
            let used: f64 = x
                .iter()
                .map(|xs| (0..na).map(|a| xs[t][a] * r.uses[a]).sum::<f64>())
                .sum();
            if used > r.cap[t] {
                let k = r.cap[t] / used;
                for xs in x.iter_mut() {
                    for a in (0..na).filter(|&a| r.uses[a] > 0.0) {
                        xs[t][a] *= k;
                    }
                }
            }
        }
    }
    [true, false]
        .into_iter()
        .filter_map(|lr| rounding::round_and_repair(nat, &x, Some(allowed), lr, end))
        .filter(|_| !rounding::past(end))
        .map(|mut x| {
            rounding::trim(nat, &mut x, end);
            evaluate_national(nat, &x)
        })
        .filter(|e| e.violations().is_empty())
        .min_by(|p, q| p.total_cost.total_cmp(&q.total_cost))
}

/// Seconds one site's problem may take at most (a site that cannot be solved in this
/// time makes its round give no bound).
const SITE_LIMIT_S: f64 = 20.0;

/// Seconds microlp gets on a site before the chosen backend takes over.
const QUICK_S: f64 = 2.0;

/// Rounds without a better bound before the step is halved.
const PATIENCE: usize = 5;

/// Share of the previous direction kept in the next.
const DEFLECTION: f64 = 0.3;

/// Step factor below which the search stops.
const MIN_THETA: f64 = 1e-4;

/// Relative gap each site problem is solved to. Its proven bound, not its plan's cost,
/// enters the Lagrangian bound, so the bound stays valid; the gap only spares the branch
/// and bound the last, nearly tied branches.
const SITE_GAP: f64 = 0.0;

/// The one-site scenarios the site problems are built from (the same for every set).
pub fn site_scenarios(nat: &National) -> Vec<National> {
    // The cost cap bounds the national total, not one site's part: the repaired national
    // plans are checked against it.
    let shell = National {
        sites: Vec::new(),
        cost_cap: None,
        ..nat.clone()
    };
    (0..nat.sites.len())
        .map(|s| site_scenario(&shell, nat, s))
        .collect()
}

/// The decomposition of one platform set, one round at a time.
pub struct SetSearch {
    /// Platforms the set's plans may use (the set and those installed or free).
    allowed: BTreeSet<String>,
    /// The set's adoption cost (model units).
    adoption: f64,
    /// Money scale of the model.
    money: f64,
    /// Each coupling rule's limit.
    limits: BTreeMap<Coupling, f64>,
    /// The prices of the next round.
    prices: BTreeMap<Coupling, f64>,
    /// The prices that gave the best bound, and the subgradient there.
    best_prices: BTreeMap<Coupling, f64>,
    best_g: BTreeMap<Coupling, f64>,
    /// The last step's direction.
    direction: BTreeMap<Coupling, f64>,
    /// Step length factor.
    theta: f64,
    /// Rounds since the bound last rose.
    stale: usize,
    /// Best proven bound on plans adopting the set (model units).
    bound: f64,
    /// Rounds done.
    pub iterations: usize,
    /// Seconds the last round took.
    pub round_s: f64,
    /// No further round can raise the bound (the steps vanished).
    pub done: bool,
}

impl SetSearch {
    /// A search for platform set `set`, whose continuous relaxation is `lp`. Prices start
    /// from the relaxation's duals when the solver gives them (HiGHS), else from `start`
    /// (the prices another set reached), else from zero.
    pub fn new(
        nat: &National,
        set: &BTreeSet<String>,
        lp: &NationalSolved,
        start: Option<&BTreeMap<Coupling, f64>>,
    ) -> SetSearch {
        let money = crate::model::national::money_scale(nat);
        let adoption = set.iter().map(|p| nat.platform_adoption[p]).sum::<f64>() / money;
        let mut allowed = set.clone();
        allowed.extend(nat.existing_platforms());
        let limits: BTreeMap<Coupling, f64> = lp.coupling.iter().map(|&(r, _, l)| (r, l)).collect();
        let begin = lp.duals.as_ref().or(start);
        let prices: BTreeMap<Coupling, f64> = limits
            .keys()
            .map(|&r| (r, begin.and_then(|d| d.get(&r)).copied().unwrap_or(0.0)))
            .collect();
        // Steps start small from good prices (duals, or another set's), large from zero.
        let theta = match (&lp.duals, start) {
            (Some(_), _) => 0.1,
            (None, Some(_)) => 0.5,
            (None, None) => 1.0,
        };
        SetSearch {
            allowed,
            adoption,
            money,
            limits,
            best_prices: prices.clone(),
            prices,
            best_g: BTreeMap::new(),
            direction: BTreeMap::new(),
            theta,
            stale: 0,
            bound: f64::NEG_INFINITY,
            iterations: 0,
            round_s: 0.0,
            done: false,
        }
    }

    /// The best proven lower bound on the cost of plans adopting the set (currency;
    /// minus infinity before the first round).
    pub fn bound(&self) -> f64 {
        self.bound * self.money
    }

    /// The prices that gave the bound.
    pub fn best_prices(&self) -> &BTreeMap<Coupling, f64> {
        &self.best_prices
    }

    /// One round: every site's priced problem solved exactly (in parallel), the bound
    /// updated, a plan repaired from the site solutions (first rounds, then every third),
    /// and a subgradient step towards `upper` (the best plan's cost, currency). Returns
    /// the repaired plan when the checker accepts it. Nothing runs past `end` (the plan's
    /// deadline): a round cut short gives no bound and no plan.
    #[allow(clippy::too_many_arguments)]
    pub fn round(
        &mut self,
        nat: &National,
        sites: &[National],
        upper: f64,
        backend: Backend,
        time_left_s: f64,
        end: Stop,
        timings: &mut Timings,
    ) -> Result<Option<NationalEvaluation>, PlanError> {
        let round = Instant::now();
        let site_limits = Limits {
            time_limit_s: time_left_s.clamp(0.5, SITE_LIMIT_S),
            mip_gap: SITE_GAP,
            deadline: end.deadline,
            cancel: end.cancel,
        };
        let solved = solve_sites(sites, &self.allowed, &self.prices, backend, site_limits)?;
        timings.solve_s += round.elapsed().as_secs_f64();
        let Some(solutions) = solved else {
            // A site without a solution in time: no bound this round.
            self.done = true;
            self.round_s = round.elapsed().as_secs_f64();
            return Ok(None);
        };
        self.iterations += 1;
        // The bound and the subgradient.
        let b0 = Coupling::Budget { t: 0 };
        let mut value = self.adoption;
        let mut g: BTreeMap<Coupling, f64> = self.limits.iter().map(|(&r, &l)| (r, -l)).collect();
        if let Some(v) = g.get_mut(&b0) {
            *v += self.adoption;
        }
        for sol in &solutions {
            value += sol.lower;
            for &(r, v) in &sol.activity {
                if let Some(x) = g.get_mut(&r) {
                    *x += v;
                }
            }
        }
        if !value.is_finite() {
            // A site stopped without a bound: this round proves nothing, and no step can
            // be taken from it.
            self.done = true;
            self.round_s = round.elapsed().as_secs_f64();
            return Ok(None);
        }
        for (r, l) in &self.limits {
            let extra = if *r == b0 { self.adoption } else { 0.0 };
            value -= self.prices[r] * (l - extra);
        }
        if !self.bound.is_finite() || value > self.bound + 1e-9 * self.bound.abs().max(1.0) {
            self.bound = value;
            self.best_prices = self.prices.clone();
            self.best_g = g.clone();
            self.stale = 0;
        } else {
            self.stale += 1;
            if self.stale >= PATIENCE {
                // A smaller step, from the best prices so far (their subgradient is known).
                self.theta /= 2.0;
                self.stale = 0;
                self.prices = self.best_prices.clone();
                g = self.best_g.clone();
                value = self.bound;
                self.direction.clear();
            }
        }
        // A plan from the site solutions.
        let repaired = Instant::now();
        let plan = if self.iterations <= 3 || self.iterations.is_multiple_of(3) {
            repair(nat, &self.allowed, &solutions, end)
        } else {
            None
        };
        timings.round_s += repaired.elapsed().as_secs_f64();
        let upper = plan.as_ref().map_or(upper, |e| e.total_cost.min(upper)) / self.money;
        self.step(g, value, upper);
        self.round_s = round.elapsed().as_secs_f64();
        Ok(plan)
    }

    /// Improves `plan` (which adopts this set) site by site: each site's purchases are
    /// solved again at their true cost with every other site's fixed, the national rules
    /// keeping for it what the others leave. A site changes only when that is cheaper, so
    /// the plan never gets dearer. Stops after a pass without change or at `end` (its
    /// deadline or cancellation).
    /// Returns the improved plan when the checker accepts it and it is cheaper.
    pub fn improve(
        &self,
        nat: &National,
        sites: &[National],
        plan: &NationalEvaluation,
        end: Stop,
        timings: &mut Timings,
    ) -> Result<Option<NationalEvaluation>, PlanError> {
        let started = Instant::now();
        let mut x = plan.x.clone();
        let free: BTreeMap<Coupling, f64> = BTreeMap::new();
        let mut parts: Vec<BTreeMap<Coupling, f64>> = Vec::with_capacity(sites.len());
        for (s, one) in sites.iter().enumerate() {
            parts.push(self.site_part(one, Some(&free), None, &x[s]).1);
        }
        let mut totals: BTreeMap<Coupling, f64> = BTreeMap::new();
        for part in &parts {
            for (r, v) in part {
                *totals.entry(*r).or_insert(0.0) += v;
            }
        }
        let b0 = Coupling::Budget { t: 0 };
        let mut changed_any = false;
        'passes: loop {
            let mut changed = false;
            for (s, one) in sites.iter().enumerate() {
                if end.reached() {
                    break 'passes;
                }
                let residual: BTreeMap<Coupling, f64> = self
                    .limits
                    .iter()
                    .map(|(r, l)| {
                        let extra = if *r == b0 { self.adoption } else { 0.0 };
                        let others = totals.get(r).copied().unwrap_or(0.0)
                            - parts[s].get(r).copied().unwrap_or(0.0);
                        (*r, l - extra - others)
                    })
                    .collect();
                let limits = Limits {
                    time_limit_s: end.left_s().clamp(0.1, SITE_LIMIT_S),
                    mip_gap: 0.0,
                    deadline: end.deadline,
                    cancel: end.cancel,
                };
                let (now_cost, better) = self.site_part_solved(one, &residual, &x[s], limits)?;
                let Some((cost, xs, part)) = better else {
                    continue;
                };
                if cost < now_cost - 1e-9 * now_cost.abs().max(1.0) {
                    for (r, v) in &part {
                        *totals.entry(*r).or_insert(0.0) +=
                            v - parts[s].get(r).copied().unwrap_or(0.0);
                    }
                    parts[s] = part;
                    x[s] = xs;
                    changed = true;
                    changed_any = true;
                }
            }
            if !changed {
                break;
            }
        }
        timings.round_s += started.elapsed().as_secs_f64();
        if !changed_any {
            return Ok(None);
        }
        let e = evaluate_national(nat, &x);
        Ok((e.violations().is_empty() && e.total_cost < plan.total_cost).then_some(e))
    }

    /// The site model (priced with `prices`, or imposing `residual`), its cost at the
    /// site's purchases `xs` (model units) and each coupling rule's part there.
    fn site_part(
        &self,
        one: &National,
        prices: Option<&BTreeMap<Coupling, f64>>,
        residual: Option<&BTreeMap<Coupling, f64>>,
        xs: &[Vec<f64>],
    ) -> (f64, BTreeMap<Coupling, f64>) {
        let (built, rows) = build_rows(&self.site_request(one, prices, residual));
        let values = site_values(one, &built.buy, xs);
        let cost = built.objective.eval_with(&values);
        let part = rows
            .iter()
            .map(|r| (r.rule, r.activity.eval_with(&values)))
            .collect();
        (cost, part)
    }

    /// The site's cost at `xs` under `residual`, and the site model's optimum there (cost,
    /// purchases, coupling parts) when solved.
    fn site_part_solved(
        &self,
        one: &National,
        residual: &BTreeMap<Coupling, f64>,
        xs: &[Vec<f64>],
        limits: Limits,
    ) -> Result<(f64, Option<SitePart>), PlanError> {
        let req = self.site_request(one, None, Some(residual));
        let (built, rows) = build_rows(&req);
        let buy = built.buy.clone();
        let objective = built.objective.clone();
        let now = objective.eval_with(&site_values(one, &buy, xs));
        let (outcome, _) = solve(built, Backend::Microlp, limits)?;
        let Outcome::Solved { values, .. } = outcome else {
            return Ok((now, None));
        };
        let xs = site_purchases(one, &buy, &values);
        // Re-evaluated at the rounded purchases, as the plan will be.
        let rounded = site_values(one, &buy, &xs);
        let cost = objective.eval_with(&rounded);
        let part = rows
            .iter()
            .map(|r| (r.rule, r.activity.eval_with(&rounded)))
            .collect();
        Ok((now, Some((cost, xs, part))))
    }

    fn site_request<'a>(
        &self,
        one: &'a National,
        prices: Option<&BTreeMap<Coupling, f64>>,
        residual: Option<&BTreeMap<Coupling, f64>>,
    ) -> NationalRequest<'a> {
        let mut req = NationalRequest::new(one);
        req.platforms = Some(self.allowed.clone());
        req.prices = prices.cloned();
        req.residual = residual.cloned();
        // The site plans are read back as loose cards: whole systems are left out here
        // (the plans stay valid, just without systems; the priced rounds keep them, so
        // that the Lagrangian bound stays a bound of the scenario with its systems).
        req.systems = false;
        req
    }

    /// Polyak's step towards `upper` along the deflected subgradient (the last direction
    /// is kept in part, which damps the zig-zag), projected onto prices >= 0.
    fn step(&mut self, mut g: BTreeMap<Coupling, f64>, value: f64, upper: f64) {
        if self.theta < MIN_THETA {
            self.done = true;
            return;
        }
        for (r, v) in g.iter_mut() {
            let d = self.direction.get(r).copied().unwrap_or(0.0);
            *v = (1.0 - DEFLECTION) * *v + DEFLECTION * d;
            if self.prices[r] <= 0.0 && *v < 0.0 {
                *v = 0.0;
            }
        }
        let norm: f64 = g.values().map(|v| v * v).sum();
        if norm <= 1e-18 {
            // Every priced rule holds with equality or has no price: nothing to move.
            self.done = true;
            return;
        }
        let target = if upper.is_finite() {
            upper
        } else {
            self.bound.abs().max(1.0) * 1.01
        };
        let step = self.theta * (target - value).max(1e-9 * target.abs()) / norm;
        for (r, v) in &g {
            let p = self.prices.get_mut(r).expect("every rule is priced");
            *p = (*p + step * v).max(0.0);
        }
        self.direction = g;
    }
}
