//! Plans from the continuous relaxation: solve it, round every purchase down to whole
//! lots, and repair each site and period in turn (earliest first, since purchases serve
//! later periods too) by adding lots of the cheapest accelerator that helps a broken floor,
//! within the national supply caps. Platform adoption is decided first, by a greedy search
//! over the set of adopted platforms (each candidate set costs one relaxation). A result
//! is kept only if the checker accepts it; its bound is the full relaxation's.
//!
//! Used before the exact search of every national plan (so that a plan exists even when
//! the exact search finds none in time), and as the fallback when the exact search fails.
//!
//! Removals and moves of installed units (section 6) are rounded from the relaxation's
//! first ([`round_changes`]: every fraction of an entry it changes is changed) and then
//! held fixed while the purchases are repaired around them. Whole systems are left out of
//! the plans made here: the relaxation carries them (so its bound stays a bound of the
//! scenario), but the rounded plan buys loose cards only. Such plans stay valid, just
//! without systems; the decomposition and the exact search buy them.

use super::fixed::{Fixed, round_changes};
use super::{NationalSolved, NationalVariant, Timings, infeasible, solve_national};
use crate::check::national::{NationalEvaluation, evaluate_all};
use crate::error::PlanError;
use crate::model::national::NationalRequest;
use crate::plan::detail;
use crate::plan::{Plan, Status};
use crate::rules::{Constraint, Family};
use crate::scenario::national::National;
use crate::scenario::validate::strict_fraction;
use crate::scenario::{Objective, Origin};
use crate::solve::{Backend, Limits, Stop};
use crate::solve::{Budget, relative_gap, snap};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// What the relaxation-based search found.
pub enum Heuristic {
    /// The relaxation is infeasible: so is the scenario.
    Infeasible,
    /// The best checked plan (if any), the proven bound (if the relaxation was solved), and
    /// every set of costly platforms with a proven lower bound on the plans that adopt
    /// exactly that set (empty when the sets were not searched one by one).
    Found(Box<Option<NationalEvaluation>>, Option<f64>, Vec<SetBound>),
}

/// A set of adopted platforms and a proven lower bound on the cost of any plan that adopts
/// exactly these (infinite when none can).
#[derive(Debug, Clone)]
pub struct SetBound {
    /// The platforms (with an adoption cost, not installed) adopted.
    pub platforms: BTreeSet<String>,
    /// Lower bound on total cost.
    pub bound: f64,
    /// The set's continuous relaxation, when it was solved.
    pub lp: Option<Box<NationalSolved>>,
}

/// A rounded plan (if one passes the checker), the relaxation's value (`None`: infeasible;
/// NaN: not solved) and its purchases.
type Attempt = (
    Option<NationalEvaluation>,
    Option<f64>,
    Option<Box<NationalSolved>>,
);

/// Solves the relaxation restricted to platform set `allowed` (`None`: free) and rounds it,
/// unless its value already reaches `best` (the cost of the best plan so far): no rounding
/// of it could then be cheaper.
fn attempt(
    nat: &National,
    backend: Backend,
    limits: Limits,
    allowed: Option<&BTreeSet<String>>,
    best: f64,
    timings: &mut Timings,
) -> Result<Attempt, PlanError> {
    let end = limits.stop();
    let mut req = NationalRequest::new(nat);
    req.lp_relaxation = true;
    req.platforms = allowed.cloned();
    let lp = match solve_national(&req, backend, limits, timings)? {
        NationalVariant::Solved(sol) if sol.proven => sol,
        NationalVariant::Infeasible => return Ok((None, None, None)),
        _ => return Ok((None, Some(f64::NAN), None)),
    };
    if lp.objective >= best {
        return Ok((None, Some(lp.objective), Some(Box::new(lp))));
    }
    let started = Instant::now();
    // The relaxation's removals and moves, in whole units, are kept; its systems are not.
    let fixed = Fixed::new(nat, round_changes(nat, &lp.changes), Vec::new());
    // The check of a candidate must end by `end` too: the trim before it stops that much
    // earlier (the check's time is that of the first, or else that of the repair, which
    // evaluates every site at least once), and a second candidate whose check could not
    // end in time is not made.
    let mut check_s: Option<f64> = None;
    let before = |s: f64| end.earlier(Duration::from_secs_f64(s));
    let mut e: Option<NationalEvaluation> = None;
    for lr in [true, false] {
        if check_s.is_some_and(|c| past(before(c))) {
            break;
        }
        let repairing = Instant::now();
        let Some(mut x) = round_and_repair(nat, &lp.x, &fixed, allowed, lr, end) else {
            continue;
        };
        let reserve = check_s.unwrap_or_else(|| repairing.elapsed().as_secs_f64());
        trim(nat, &fixed, &mut x, before(reserve));
        let checking = Instant::now();
        let candidate = evaluate_all(nat, &x, &fixed.changes, &fixed.systems);
        check_s = Some(checking.elapsed().as_secs_f64());
        if candidate.violations().is_empty()
            && e.as_ref()
                .is_none_or(|b| candidate.total_cost < b.total_cost)
        {
            e = Some(candidate);
        }
    }
    timings.round_s += started.elapsed().as_secs_f64();
    Ok((e, Some(lp.objective), Some(Box::new(lp))))
}

/// Platforms with an adoption cost, not installed, that `x` buys from.
fn used_platforms(nat: &National, x: &[Vec<Vec<f64>>]) -> BTreeSet<String> {
    let free = nat.existing_platforms();
    let mut out = BTreeSet::new();
    for per_t in x {
        for row in per_t {
            for (a, &v) in row.iter().enumerate() {
                if let Some(p) = &nat.accelerators[a].platform
                    && v > 1e-6
                    && !free.contains(p)
                    && nat.platform_adoption.get(p).is_some_and(|&c| c > 0.0)
                {
                    out.insert(p.clone());
                }
            }
        }
    }
    out
}

/// Most platforms (with an adoption cost) whose subsets are searched one by one.
const MAX_SEARCHED_PLATFORMS: usize = 10;

/// A min-cost plan from the relaxation, spending at most about `seconds`, and never
/// running past `end` (the plan's deadline: a relaxation, repair or check under way
/// then gives up).
///
/// The relaxation with adoption free to be fractional gives a first bound `L0` and a
/// rounded plan. Then every set `S` of costly platforms (those with an adoption cost that
/// no site has installed) is tried, cheapest adoption first: the relaxation where exactly
/// the platforms of `S` may be used, each paid for, bounds every plan adopting `S` and
/// rounds to a plan. A set is skipped, with a proven bound all the same, when
/// `L* + adoption(S)` already reaches the best plan, where `L*` is the relaxation with every
/// platform allowed and no adoption cost (no plan adopting `S` can cost less). When time
/// runs out, the sets left are bounded the same way. When no second relaxation fits at
/// all (a large scenario), every set is bounded by `L0` alone and the first relaxation
/// stands for the set of every costly platform, so that the decomposition can start from
/// its duals. The bound returned is the larger of `L0` and the least bound over all sets.
pub fn heuristic(
    nat: &National,
    backend: Backend,
    seconds: f64,
    end: Stop,
    timings: &mut Timings,
) -> Result<Heuristic, PlanError> {
    let started = Instant::now();
    let left = || Limits {
        time_limit_s: (seconds - started.elapsed().as_secs_f64()).max(0.5),
        mip_gap: 0.0,
        deadline: end.deadline,
        cancel: end.cancel,
    };
    let (first, bound, x) = attempt(nat, backend, left(), None, f64::INFINITY, timings)?;
    // One relaxation's time: another is not started when it would not end in time (a
    // relaxation under way is not interrupted).
    let one = started.elapsed().as_secs_f64();
    let no_time = || started.elapsed().as_secs_f64() + one > seconds || past(end);
    let (Some(l0), Some(first_lp)) = (bound, x) else {
        return Ok(match bound {
            None => Heuristic::Infeasible,
            Some(_) => Heuristic::Found(Box::new(None), None, Vec::new()),
        });
    };
    let mut best = first;
    let costly = costly_platforms(nat);
    if nat.objective == Objective::MinCost && costly.is_empty() {
        // One set: the platforms already installed or free.
        let only = SetBound {
            platforms: BTreeSet::new(),
            bound: l0,
            lp: Some(first_lp),
        };
        return Ok(Heuristic::Found(Box::new(best), Some(l0), vec![only]));
    }
    let all: BTreeSet<String> = costly.iter().cloned().collect();
    let adoption = |set: &BTreeSet<String>| -> f64 {
        set.iter().map(|p| nat.platform_adoption[p]).sum::<f64>()
    };
    // Every set of costly platforms, cheapest adoption first.
    let every_set = || {
        let mut sets: Vec<BTreeSet<String>> = (0..1u32 << costly.len())
            .map(|mask| {
                costly
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| mask & (1 << k) != 0)
                    .map(|(_, p)| p.clone())
                    .collect()
            })
            .collect();
        sets.sort_by(|a, b| adoption(a).total_cmp(&adoption(b)).then(a.cmp(b)));
        sets
    };
    // Read once: both branches below must see the same answer.
    let out_of_time = no_time();
    if nat.objective == Objective::MinCost && out_of_time && costly.len() <= MAX_SEARCHED_PLATFORMS
    {
        // No time for the sets' relaxations (a large scenario): `L0` bounds every set,
        // and the first relaxation stands for the set adopting every platform (its duals
        // price the decomposition's first round; its adoption was free to be fractional,
        // so its bound is below that set's). The decomposition goes on from there.
        let mut first_lp = Some(first_lp);
        let sets = every_set()
            .into_iter()
            .map(|platforms| SetBound {
                lp: if platforms == all {
                    first_lp.take()
                } else {
                    None
                },
                platforms,
                bound: l0,
            })
            .collect();
        return Ok(Heuristic::Found(Box::new(best), Some(l0), sets));
    }
    if nat.objective != Objective::MinCost || out_of_time {
        return Ok(Heuristic::Found(Box::new(best), Some(l0), Vec::new()));
    }
    let cost = |e: &Option<NationalEvaluation>| e.as_ref().map_or(f64::INFINITY, |e| e.total_cost);
    // Every costly platform allowed and paid: its relaxation less the adoption is L*.
    let (e, lp_all, all_lp) = attempt(nat, backend, left(), Some(&all), cost(&best), timings)?;
    if cost(&e) < cost(&best) {
        best = e;
    }
    let l_star = lp_all.filter(|v| v.is_finite()).map(|v| v - adoption(&all));
    let Some(l_star) = l_star.filter(|_| costly.len() <= MAX_SEARCHED_PLATFORMS) else {
        // Too many platforms to search set by set: start from those the relaxation uses.
        let used = used_platforms(nat, &first_lp.x);
        if used != all && !no_time() {
            let (e, _, _) = attempt(nat, backend, left(), Some(&used), cost(&best), timings)?;
            if cost(&e) < cost(&best) {
                best = e;
            }
        }
        return Ok(Heuristic::Found(Box::new(best), Some(l0), Vec::new()));
    };
    let sets = every_set();
    let mut bounds = Vec::with_capacity(sets.len());
    let mut all_lp = all_lp;
    for set in sets {
        let floor = l_star + adoption(&set);
        let (bound, lp) = if floor >= cost(&best) || no_time() {
            (floor, None)
        } else if set == all {
            (lp_all.unwrap_or(floor), all_lp.take())
        } else {
            let (e, value, lp) = attempt(nat, backend, left(), Some(&set), cost(&best), timings)?;
            if cost(&e) < cost(&best) {
                best = e;
            }
            let bound = match value {
                // Infeasible with these platforms: no plan adopts exactly this set.
                None => f64::INFINITY,
                Some(v) if v.is_finite() => v.max(floor),
                // Not solved: the floor still holds.
                Some(_) => floor,
            };
            (bound, lp)
        };
        bounds.push(SetBound {
            platforms: set,
            bound,
            lp,
        });
    }
    let least = bounds.iter().map(|b| b.bound).fold(f64::INFINITY, f64::min);
    let bound = l0.max(least.min(cost(&best)));
    Ok(Heuristic::Found(Box::new(best), Some(bound), bounds))
}

/// Platforms with an adoption cost that no site has installed and some accelerator runs.
fn costly_platforms(nat: &National) -> Vec<String> {
    let free = nat.existing_platforms();
    nat.platform_adoption
        .iter()
        .filter(|(p, c)| {
            **c > 0.0
                && !free.contains(p)
                && nat
                    .accelerators
                    .iter()
                    .any(|a| a.platform.as_deref() == Some(p.as_str()))
        })
        .map(|(p, _)| p.clone())
        .collect()
}

/// The fallback plan (status feasible) when the exact search failed, or a plan with status
/// error saying why none.
pub fn plan(
    nat: &National,
    backend: Backend,
    budget: &Budget,
    why: String,
    timings: &mut Timings,
) -> Result<Plan, PlanError> {
    let found = heuristic(nat, backend, budget.left().max(5.0), budget.stop(), timings)?;
    let (e, lp_bound) = match found {
        Heuristic::Infeasible => return Ok(infeasible(nat, backend)),
        Heuristic::Found(e, b, _) => match (*e, b) {
            (Some(e), Some(b)) => (e, b),
            _ => return Ok(no_plan(nat, backend, why)),
        },
    };
    let mut plan = detail::from_evaluation(nat, &e, Status::Feasible, backend.as_str());
    let (value, bound) = match nat.objective {
        Objective::MinCost => (e.total_cost, lp_bound.min(e.total_cost)),
        Objective::MaxPflops => {
            let p = detail::final_pflops(&e);
            (p, lp_bound.max(p))
        }
    };
    plan.bound = Some(snap(value, bound));
    plan.gap = Some(relative_gap(value, bound));
    plan.warnings.push(format!(
        "{why}; this plan rounds the continuous relaxation to whole lots and repairs it, and the bound is the relaxation's"
    ));
    Ok(plan)
}

/// Whether the search must stop: its deadline `end` has passed, or it was cancelled.
pub fn past(end: Stop) -> bool {
    end.reached()
}

/// Removes lots the plan does not need: dearest first, each lot is taken back when every
/// rule of its site in its period and later still holds, and the national share too, and
/// when the site keeps its energy discount wherever it earned it (a domestic lot taken
/// back may cost the site more energy than the lot's price). Removing units never breaks a
/// supply cap or a budget. Stops at `end` (the plan is then valid, only less trimmed).
pub fn trim(nat: &National, fixed: &Fixed, x: &mut [Vec<Vec<f64>>], end: Stop) {
    let (na, ns, nt) = (nat.accelerators.len(), nat.sites.len(), nat.periods());
    let lot = |a: usize| {
        if nat.solver.integer {
            nat.accelerators[a].lot_size as f64
        } else {
            1.0
        }
    };
    // National share weights per period, kept up to date as lots are removed.
    let rule = nat.national_share.as_ref();
    let basis = rule.map(|r| r.basis);
    let weight = |a: usize, t: usize, fleet_units: f64, bought: f64| -> f64 {
        match basis {
            Some(crate::scenario::ShareBasis::Tflops) => fleet_units * nat.accelerators[a].tflops,
            Some(crate::scenario::ShareBasis::Spend) => bought * nat.per_period[a].unit_price[t],
            _ => fleet_units,
        }
    };
    let carried = |x: &[Vec<Vec<f64>>], s: usize, t: usize| in_service(nat, fixed, x, s, t);
    let mut dom = vec![0.0; nt];
    let mut tot = vec![0.0; nt];
    if rule.is_some() {
        for s in 0..ns {
            for t in 0..nt {
                let c = carried(x, s, t);
                let cards = fixed.system_cards(s, t);
                let spend = fixed.system_spend(s, t);
                for a in 0..na {
                    let mut w = weight(a, t, c[a] + x[s][t][a] + cards[a], x[s][t][a]);
                    if basis == Some(crate::scenario::ShareBasis::Spend) {
                        w += spend[a];
                    }
                    tot[t] += w;
                    if nat.accelerators[a].origin == Origin::Domestic {
                        dom[t] += w;
                    }
                }
            }
        }
    }
    let national_ok = |dom: &[f64], tot: &[f64]| -> bool {
        let Some(r) = rule else { return true };
        (0..nt).all(|t| {
            let (d, w) = (dom[t], tot[t]);
            if r.strict {
                let (p, q) = strict_fraction(r.min[t]).unwrap_or((0, 1));
                q as f64 * d - p as f64 * w >= 1.0 - 1e-9
            } else {
                d >= r.min[t] * w - crate::check::TOLERANCE * w.max(1.0)
            }
        })
    };
    let mut order: Vec<(usize, usize, usize)> = (0..ns)
        .flat_map(|s| (0..nt).flat_map(move |t| (0..na).map(move |a| (s, t, a))))
        .filter(|&(s, t, a)| x[s][t][a] > 0.0)
        .collect();
    order.sort_by(|p, q| {
        let cost = |(_, t, a): (usize, usize, usize)| nat.per_period[a].unit_price[t] * lot(a);
        cost(*q).total_cmp(&cost(*p)).then(p.cmp(q))
    });
    for (s, t0, a) in order {
        if past(end) {
            return;
        }
        loop {
            let before = x[s][t0][a];
            if before <= 0.0 || past(end) {
                break;
            }
            let mut after = (before - lot(a)).max(0.0);
            if let Some(m) = nat.accelerators[a].min_units
                && after > 0.0
                && after < m as f64
            {
                after = 0.0;
            }
            let removed = before - after;
            // The national weights with the lot removed.
            let (mut d2, mut t2) = (dom.clone(), tot.clone());
            if rule.is_some() {
                for t in t0..nt {
                    if !nat.serves(a, t0, t) {
                        continue;
                    }
                    let bought = if t == t0 { removed } else { 0.0 };
                    let w = weight(a, t, removed, bought);
                    t2[t] -= w;
                    if nat.accelerators[a].origin == Origin::Domestic {
                        d2[t] -= w;
                    }
                }
            }
            // The periods the site qualifies for its discount in, before the removal.
            let discount = nat.sites[s]
                .domestic_energy_discount
                .filter(|_| nat.accelerators[a].origin == Origin::Domestic);
            let qualified = |x: &[Vec<Vec<f64>>], t: usize| -> bool {
                discount.is_some_and(|rule| {
                    let fleet: Vec<f64> = carried(x, s, t)
                        .iter()
                        .zip(&x[s][t])
                        .zip(fixed.system_cards(s, t))
                        .map(|((c, b), y)| c + b + y)
                        .collect();
                    crate::check::national::qualifies(nat, &fleet, rule.min_share)
                })
            };
            let kept: Vec<usize> = (t0..nt).filter(|&t| qualified(x, t)).collect();
            x[s][t0][a] = after;
            let ok = national_ok(&d2, &t2)
                && kept.iter().all(|&t| qualified(x, t))
                && (t0..nt).all(|t| {
                    fixed
                        .evaluate(nat, s, t, &carried(x, s, t), &x[s][t])
                        .violations()
                        .is_empty()
                });
            if ok {
                dom = d2;
                tot = t2;
            } else {
                x[s][t0][a] = before;
                break;
            }
        }
    }
}

/// Scales back, per period, the loose cards `x[s][t][a]` beyond a supply cap (less the
/// systems' cards in `fixed`) to it, and likewise every loose card drawing on a resource
/// used beyond its cap: before [`round_and_repair`], which rounds down and so never
/// mends a cap the purchases already break.
pub fn scale_to_caps(nat: &National, fixed: &Fixed, x: &mut [Vec<Vec<f64>>]) {
    let (na, ns, nt) = (nat.accelerators.len(), nat.sites.len(), nat.periods());
    for t in 0..nt {
        for a in 0..na {
            let Some(m) = nat.per_period[a].max_units[t] else {
                continue;
            };
            let in_systems: f64 = (0..ns).map(|s| fixed.new_system_cards(s, t)[a]).sum();
            let loose: f64 = x.iter().map(|xs| xs[t][a]).sum();
            if loose + in_systems > m as f64 && loose > 0.0 {
                let k = ((m as f64 - in_systems) / loose).max(0.0);
                for xs in x.iter_mut() {
                    xs[t][a] *= k;
                }
            }
        }
    }
    for r in &nat.resources {
        for t in 0..nt {
            let use_of = |x: &[Vec<Vec<f64>>], loose: bool| -> f64 {
                (0..ns)
                    .flat_map(|s| (0..na).map(move |a| (s, a)))
                    .map(|(s, a)| {
                        let units = if loose {
                            x[s][t][a]
                        } else {
                            fixed.new_system_cards(s, t)[a]
                        };
                        units * r.uses[a]
                    })
                    .sum()
            };
            let (loose, in_systems) = (use_of(x, true), use_of(x, false));
            if loose + in_systems > r.cap[t] && loose > 0.0 {
                let k = ((r.cap[t] - in_systems) / loose).max(0.0);
                for xs in x.iter_mut() {
                    for a in (0..na).filter(|&a| r.uses[a] > 0.0) {
                        xs[t][a] *= k;
                    }
                }
            }
        }
    }
}

/// Candidates (accelerator and period) the repair tries before taking the cheapest.
const REPAIR_CANDIDATES: usize = 24;

/// Most lots the repair adds to one site and period.
const REPAIR_STEPS: usize = 100_000;

/// Rounds `x[s][t][a]` down to lots and repairs the floors of each site and period.
/// With `allowed`, the repair buys only accelerators whose platform is free or in it. With
/// `largest_remainder`, the lots that rounding down loses are handed back, per accelerator
/// and period, to the sites with the largest remainders (keeping the national total).
/// Gives up (`None`) at `end`.
pub fn round_and_repair(
    nat: &National,
    lp: &[Vec<Vec<f64>>],
    fixed: &Fixed,
    allowed: Option<&BTreeSet<String>>,
    largest_remainder: bool,
    end: Stop,
) -> Option<Vec<Vec<Vec<f64>>>> {
    let (na, ns, nt) = (nat.accelerators.len(), nat.sites.len(), nat.periods());
    let costly = costly_platforms(nat);
    let permitted: Vec<bool> = nat
        .accelerators
        .iter()
        .map(|a| match (&a.platform, allowed) {
            (Some(p), Some(set)) => !costly.contains(p) || set.contains(p),
            _ => true,
        })
        .collect();
    let lot = |a: usize| {
        if nat.solver.integer {
            nat.accelerators[a].lot_size as f64
        } else {
            1.0
        }
    };
    let mut x: Vec<Vec<Vec<f64>>> = lp
        .iter()
        .map(|per_t| {
            per_t
                .iter()
                .map(|row| {
                    row.iter()
                        .enumerate()
                        .map(|(a, &v)| {
                            if !nat.solver.integer {
                                return v;
                            }
                            (v / lot(a) + 1e-9).floor() * lot(a)
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    if largest_remainder && nat.solver.integer {
        // The lots lost to rounding each site down go, nationally per accelerator and
        // period, to the sites with the largest remainders.
        for t in 0..nt {
            for a in 0..na {
                let total: f64 = (0..ns).map(|s| lp[s][t][a]).sum();
                let kept: f64 = (0..ns).map(|s| x[s][t][a]).sum();
                let extra = ((total - kept) / lot(a) + 1e-9).floor() as usize;
                if extra == 0 {
                    continue;
                }
                let mut order: Vec<(f64, usize)> = (0..ns)
                    .map(|s| (lp[s][t][a] - x[s][t][a], s))
                    .filter(|(r, _)| *r > 1e-9)
                    .collect();
                order.sort_by(|p, q| q.0.total_cmp(&p.0).then(p.1.cmp(&q.1)));
                for &(_, s) in order.iter().take(extra) {
                    x[s][t][a] += lot(a);
                }
            }
        }
    }
    for per_t in x.iter_mut() {
        for row in per_t.iter_mut() {
            for (a, v) in row.iter_mut().enumerate() {
                if let Some(m) = nat.accelerators[a].min_units
                    && *v > 0.0
                    && *v < m as f64
                {
                    *v = 0.0;
                }
            }
        }
    }
    // Supply left per accelerator and period.
    let mut room: Vec<Vec<f64>> = (0..na)
        .map(|a| {
            (0..nt)
                .map(|t| match nat.per_period[a].max_units[t] {
                    Some(m) => {
                        m as f64
                            - (0..ns)
                                .map(|s| x[s][t][a] + fixed.new_system_cards(s, t)[a])
                                .sum::<f64>()
                    }
                    None => f64::INFINITY,
                })
                .collect()
        })
        .collect();
    // Resources left per resource and period.
    let mut resource_room: Vec<Vec<f64>> = nat
        .resources
        .iter()
        .map(|r| {
            (0..nt)
                .map(|t| {
                    r.cap[t]
                        - (0..ns)
                            .flat_map(|s| (0..na).map(move |a| (s, a)))
                            .map(|(s, a)| {
                                (x[s][t][a] + fixed.new_system_cards(s, t)[a]) * r.uses[a]
                            })
                            .sum::<f64>()
                })
                .collect()
        })
        .collect();
    let fits = |room: &[Vec<f64>], a: usize, b: usize, units: f64| {
        nat.resources
            .iter()
            .zip(room)
            .all(|(r, left)| r.uses[a] * units <= left[b] + 1e-9 * r.cap[b].max(1.0))
    };
    for t in 0..nt {
        for s in 0..ns {
            if past(end) {
                return None;
            }
            for _ in 0..REPAIR_STEPS {
                // A repair can go back and forth (a lot moved to this site, then back):
                // it never outlives the search's deadline.
                if past(end) {
                    return None;
                }
                let carried = in_service(nat, fixed, &x, s, t);
                let scenario = nat.site_period(s, t, &carried);
                let e = fixed.evaluate(nat, s, t, &carried, &x[s][t]);
                let Some(broken) = e.violations().first().map(|c| c.constraint.clone()) else {
                    break;
                };
                let accs = &scenario.accelerators;
                // The rules of this site and period that hold: no lot added or taken back
                // may break one (a cheap foreign lot for demand must not break the
                // domestic share) unless no other lot helps.
                let held: Vec<&Constraint> = e
                    .checks
                    .iter()
                    .filter(|c| c.holds)
                    .map(|c| &c.constraint)
                    .collect();
                if broken.family == Family::Power {
                    // Lots carried from earlier repairs can leave a site's own purchases
                    // of this period beyond its power: one lot of them is taken back,
                    // the one drawing most power among those whose loss breaks no rule
                    // that held. None: the repair fails.
                    let back = (0..na)
                        .filter(|&a| x[s][t][a] >= lot(a) - 1e-9)
                        .filter(|&a| {
                            let mut here = x[s][t].clone();
                            here[a] = drop_lot(here[a], lot(a), nat.accelerators[a].min_units);
                            fixed
                                .evaluate(nat, s, t, &carried, &here)
                                .checks
                                .iter()
                                .all(|c| c.holds || !held.contains(&&c.constraint))
                        })
                        .max_by(|&a, &b| {
                            (accs[a].power_w * lot(a))
                                .total_cmp(&(accs[b].power_w * lot(b)))
                                .then(b.cmp(&a))
                        })?;
                    let before = x[s][t][back];
                    x[s][t][back] = drop_lot(before, lot(back), nat.accelerators[back].min_units);
                    let freed = before - x[s][t][back];
                    room[back][t] += freed;
                    for (r, left) in nat.resources.iter().zip(resource_room.iter_mut()) {
                        left[t] += r.uses[back] * freed;
                    }
                    continue;
                }
                let helps = |a: usize| -> f64 {
                    let acc = &accs[a];
                    match (broken.family, broken.subject.as_deref()) {
                        (Family::Demand, Some(class)) => {
                            acc.tflops_at(scenario.demand.precision_of(class))
                        }
                        (Family::Demand, _) => scenario.capacity_tflops(a),
                        (Family::Memory, _) => acc.memory_gb,
                        (Family::DomesticShare, _) if acc.origin == Origin::Domestic => 1.0,
                        (Family::VendorShare, Some(vendor)) if vendor != acc.vendor => 1.0,
                        _ => 0.0,
                    }
                };
                let step = |a: usize, b: usize| {
                    let need = lot(a).max(nat.accelerators[a].min_units.unwrap_or(0) as f64);
                    if x[s][b][a] > 0.0 { lot(a) } else { need }
                };
                // A lot bought this period, or (when supply is used up) in an earlier
                // period it still serves in; cheapest discounted price per unit of help.
                let mut candidates: Vec<(usize, usize)> = (0..=t)
                    .rev()
                    .flat_map(|b| (0..na).map(move |a| (a, b)))
                    .filter(|&(a, b)| {
                        permitted[a]
                            && nat.per_period[a].available[b]
                            && nat.serves(a, b, t)
                            && room[a][b] >= step(a, b)
                            && fits(&resource_room, a, b, step(a, b))
                            && helps(a) > 0.0
                    })
                    .collect();
                candidates.sort_by(|&(i, bi), &(j, bj)| {
                    let price = |a: usize, b: usize| {
                        (nat.per_period[a].unit_price[b] * nat.discount(b)
                            - nat.residual_per_unit(a, b))
                            / helps(a)
                    };
                    price(i, bi)
                        .total_cmp(&price(j, bj))
                        .then(bj.cmp(&bi))
                        .then(i.cmp(&j))
                });
                // The cheapest lot that breaks no rule of this site and period that held
                // (a cheap foreign lot for demand must not break the domestic share), or
                // else the cheapest.
                let keeps_rules = |a: usize, b: usize| -> bool {
                    let mut carried = carried.clone();
                    let mut here = x[s][t].clone();
                    if b == t {
                        here[a] += step(a, b);
                    } else {
                        carried[a] += step(a, b);
                    }
                    fixed
                        .evaluate(nat, s, t, &carried, &here)
                        .checks
                        .iter()
                        .all(|c| c.holds || !held.contains(&&c.constraint))
                };
                let pick_when = candidates
                    .iter()
                    .take(REPAIR_CANDIDATES)
                    .find(|&&(a, b)| keeps_rules(a, b))
                    .or(candidates.first())
                    .copied();
                let Some((pick, when)) = pick_when else {
                    // Supply is used up: move a lot that helps from another site that
                    // stays valid without it (national totals do not change).
                    let helpful: Vec<usize> = (0..na)
                        .filter(|&a| permitted[a] && helps(a) > 0.0)
                        .collect();
                    if !transfer(nat, fixed, &mut x, s, t, &helpful, &lot) {
                        return None;
                    }
                    continue;
                };
                let add = step(pick, when);
                x[s][when][pick] += add;
                room[pick][when] -= add;
                for (r, left) in nat.resources.iter().zip(resource_room.iter_mut()) {
                    left[when] -= r.uses[pick] * add;
                }
            }
        }
    }
    Some(x)
}

/// `units` less one lot, or none when that would leave fewer than the minimum order.
fn drop_lot(units: f64, lot: f64, min_units: Option<u64>) -> f64 {
    let left = (units - lot).max(0.0);
    if left > 0.0 && min_units.is_some_and(|m| left < m as f64) {
        0.0
    } else {
        left
    }
}

/// Units per accelerator at site `s` at the start of period `t`: installed units still in
/// service (after the fixed removals and moves) and purchases of earlier periods still
/// within their lifetime.
fn in_service(nat: &National, fixed: &Fixed, x: &[Vec<Vec<f64>>], s: usize, t: usize) -> Vec<f64> {
    let installed = fixed.installed(s, t);
    (0..nat.accelerators.len())
        .map(|a| {
            installed[a]
                + (0..t)
                    .filter(|&b| nat.serves(a, b, t))
                    .map(|b| x[s][b][a])
                    .sum::<f64>()
        })
        .collect()
}

/// Moves one lot of an accelerator in `helpful`, bought in period `t`, from another site
/// to site `s`, if the other site's rules (in `t` and later) still hold without it.
fn transfer(
    nat: &National,
    fixed: &Fixed,
    x: &mut [Vec<Vec<f64>>],
    s: usize,
    t: usize,
    helpful: &[usize],
    lot: &dyn Fn(usize) -> f64,
) -> bool {
    let valid_from = |x: &[Vec<Vec<f64>>], site: usize| -> bool {
        (t..nat.periods()).all(|tt| {
            let carried = in_service(nat, fixed, x, site, tt);
            fixed
                .evaluate(nat, site, tt, &carried, &x[site][tt])
                .violations()
                .is_empty()
        })
    };
    for &a in helpful {
        let l = lot(a);
        for other in (0..nat.sites.len()).filter(|&o| o != s) {
            let have = x[other][t][a];
            if have < l {
                continue;
            }
            let left = have - l;
            if nat.accelerators[a]
                .min_units
                .is_some_and(|m| left > 0.0 && left < m as f64)
            {
                continue;
            }
            let had_here = x[s][t][a];
            let added = if had_here > 0.0 {
                l
            } else {
                l.max(nat.accelerators[a].min_units.unwrap_or(0) as f64)
            };
            if added > l {
                continue;
            }
            x[other][t][a] = left;
            x[s][t][a] += l;
            if valid_from(x, other) {
                return true;
            }
            x[other][t][a] = have;
            x[s][t][a] = had_here;
        }
    }
    false
}

fn no_plan(nat: &National, backend: Backend, why: String) -> Plan {
    let mut p = detail::without_purchases(nat, Status::Error, backend.as_str());
    p.message = Some(format!(
        "{why}, and rounding the continuous relaxation gave no valid plan; raise solver.time_limit_s (or --time-limit) or try --solver highs"
    ));
    p
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::national::evaluate_all;

    /// One site, one period, 3 PFLOPS of demand, two cards of 1 PFLOPS and 1 kW, the
    /// domestic one dearer; half off the energy (0.1 per kWh over a year, 1,314 per card
    /// less) while at least half the fleet is domestic.
    fn discount_site() -> National {
        let yaml = "name: t\naccelerators:\n  - {id: dom, vendor: v, origin: domestic, tflops: 1000, power_w: 1000, unit_price: 200}\n  - {id: for, vendor: w, origin: foreign, tflops: 1000, power_w: 1000, unit_price: 100}\ncosts: {energy_price_per_kwh: 0.1, pue: 1, utilization: 1, opex_years: 1, domestic_energy_discount: {rate: 0.5, min_share: 0.5}}\nsites:\n  - id: s0\n    demand: {pflops: 3}\n";
        crate::scenario::load_str(yaml, "t.yaml")
            .expect("a valid scenario")
            .scenario
    }

    #[test]
    fn trim_keeps_a_sites_energy_discount() {
        let nat = discount_site();
        let fixed = Fixed::new(&nat, Vec::new(), Vec::new());
        // Two of each: one card too many. Taking back the dearer domestic card first would
        // leave 1 domestic of 3 and lose the discount (2,628 of energy); the foreign one
        // goes instead.
        let mut x = vec![vec![vec![2.0, 2.0]]];
        let before = evaluate_all(&nat, &x, &[], &[]);
        assert_eq!(before.qualified[0][0], Some(true));
        trim(&nat, &fixed, &mut x, Stop::default());
        assert_eq!(x, vec![vec![vec![2.0, 1.0]]]);
        let after = evaluate_all(&nat, &x, &[], &[]);
        assert!(after.violations().is_empty());
        assert_eq!(after.qualified[0][0], Some(true));
        assert!(after.total_cost < before.total_cost);
        // Without the discount the dearer card goes.
        let mut plain = nat.clone();
        plain.sites[0].domestic_energy_discount = None;
        let mut x = vec![vec![vec![2.0, 2.0]]];
        trim(&plain, &fixed, &mut x, Stop::default());
        assert_eq!(x, vec![vec![vec![1.0, 2.0]]]);
    }
}
