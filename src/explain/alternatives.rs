//! Near-optimal alternatives (modelling to generate alternatives): plans that cost at most
//! a given fraction more than the optimum, each pushed as far as it goes in one direction
//! a buyer may care about: the most domestic, the least power, the least up-front spend,
//! the fewest new software platforms, the fewest vendors. Each is a full plan, checked
//! against the original scenario, with its trade-off in one line.
//!
//! One search serves every scenario, a single site in a single period being the 1 x 1
//! case: the plans are kept near the optimum by the planner's cost cap
//! ([`crate::planner::Options::cost_cap`], a ceiling on the total discounted cost), and
//! each direction is a lever, a number bisected between the optimum's value and the far
//! end, turned into `--set` overrides of the scenario's own rules ([`Lever`]). Only the
//! overrides differ with the scenario's shape: one site in one period pushes
//! `policy.domestic_share.min`, `limits.power_kw` and `limits.capex_budget` as numbers;
//! a scenario with sites or periods raises the national share's floor in every period,
//! and caps each site's power and each period's capex at a fraction of the optimum's.
//!
//! With futures (section 7) an alternative is another hedge: its common order and each
//! future's later decisions, with the objective (expected or worst cost) within the cap
//! ([`crate::hedge`] holds the cap on the objective). Its overrides apply to the file
//! before each future's own `set`, so a lever holds in every future; each figure pushed
//! is read in every future (the lowest share, the highest power and capex over them, the
//! platforms and vendors of any of them), and each alternative is checked in every
//! future.

use super::probe::{PROBE_LIMIT_S, set};
use crate::error::PlanError;
use crate::numfmt::{money, percent, qty};
use crate::plan::{Plan, Status};
use crate::planner::{Options, plan_quiet};
use crate::scenario::national::National;
use crate::scenario::overrides::may_write_same_field;
use crate::scenario::{Document, Objective, Override};
use serde::Serialize;
use std::sync::atomic::{AtomicUsize, Ordering};

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
    /// The overrides that produce it: the near-optimal cap as `limits.budget` where one
    /// period's budget is the total cost (a scenario with one period), then those of its
    /// direction. With several periods no override states the cap; the plan is then the
    /// cheapest with the direction's overrides (which the cap does not change for a
    /// min-cost scenario).
    pub overrides: Vec<String>,
    /// The plan.
    pub plan: Plan,
}

/// The alternatives found, and a note when some re-solves were cut short or a future's
/// own `set` holds over an alternative's override in that future.
#[derive(Debug, Clone)]
pub struct Found {
    /// The alternatives, in the order of the directions.
    pub alternatives: Vec<Alternative>,
    /// How far to trust them (re-solves stopped by the time limit), and where a future's
    /// own `set` holds over an alternative's override.
    pub note: Option<String>,
}

/// Asks what-if questions of the scenario: `document` with the user's overrides, then the
/// question's, planned near the optimum.
struct Asker<'a> {
    document: &'a Document,
    base: &'a [Override],
    options: Options,
    /// Overrides that keep plans near the optimum (max_pflops: a capacity floor).
    near: Vec<Override>,
    asked: AtomicUsize,
    unproven: AtomicUsize,
}

impl Asker<'_> {
    /// The plan of the scenario with `extra` applied, when it is valid and has one.
    fn ask(&self, extra: &[Override]) -> Result<Option<Plan>, PlanError> {
        let mut sets = self.base.to_vec();
        sets.extend(self.near.iter().cloned());
        sets.extend(extra.iter().cloned());
        let Ok(loaded) = self.document.resolve(&sets) else {
            // The change is impossible (say, a share above 1).
            return Ok(None);
        };
        let mut options = self.options;
        let limit = options
            .time_limit_s
            .unwrap_or(loaded.scenario.solver.time_limit_s);
        // A hedge solves each future, alone and together: as many re-solves' time.
        let futures = loaded.scenario.futures.as_ref().map_or(1, |f| f.list.len());
        options.time_limit_s = Some(limit.min(PROBE_LIMIT_S * futures as f64));
        let plan = plan_quiet(&loaded.scenario, &options)?;
        self.asked.fetch_add(1, Ordering::Relaxed);
        if plan.status != Status::Optimal && plan.status != Status::Infeasible {
            self.unproven.fetch_add(1, Ordering::Relaxed);
        }
        Ok(plan.status.has_plan().then_some(plan))
    }

    fn note(&self) -> Option<String> {
        let unproven = self.unproven.load(Ordering::Relaxed);
        (unproven > 0).then(|| {
            format!(
                "{unproven} of {} re-solves stopped at the {PROBE_LIMIT_S} s limit per re-solve (per future with futures) before proving optimality; the figures built on them may be off (try --solver highs)",
                self.asked.load(Ordering::Relaxed)
            )
        })
    }
}

/// One direction as a number: `good` (the optimum's value, which has a plan) is pushed
/// towards `bad`; `sets` turns a value into overrides.
struct Lever<'a> {
    /// Values are shares (rounded to 4 decimals, as a strict share needs).
    share: bool,
    good: f64,
    bad: f64,
    /// A plan known to meet the lever at `good`, when the re-solve finds none.
    start: Option<Plan>,
    sets: Box<dyn Fn(f64) -> Vec<Override> + 'a>,
}

/// Groups left out (their names), the overrides that leave them out, and the plan.
type Dropped = (Vec<String>, Vec<Override>, Plan);

impl Asker<'_> {
    /// The value of the lever between `good` (has a plan) and `bad` closest to `bad`, its
    /// overrides and its plan.
    fn push(&self, lever: &Lever) -> Result<Option<(Vec<Override>, Plan)>, PlanError> {
        let (mut good, mut bad) = (lever.good, lever.bad);
        // The optimum itself meets the lever at `good` (a national plan's re-solve may not
        // find it again within the re-solve's time limit).
        let Some(mut best) = self
            .ask(&(lever.sets)(good))?
            .or_else(|| lever.start.clone())
        else {
            return Ok(None);
        };
        for _ in 0..STEPS {
            let mut mid = 0.5 * (good + bad);
            if lever.share {
                // A strict share must be a fraction with a denominator of at most 10,000.
                mid = (mid * 1e4).round() / 1e4;
                if mid == good || mid == bad {
                    break;
                }
            }
            match self.ask(&(lever.sets)(mid))? {
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
            && let Some(p) = self.ask(&(lever.sets)(short))?
        {
            return Ok(Some(((lever.sets)(short), p)));
        }
        Ok(Some(((lever.sets)(good), best)))
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

/// A value per period as a `--set` value: a number without periods, else `{year: v, ...}`.
fn per_period(nat: &National, values: impl Fn(usize) -> f64) -> String {
    let show = |v: f64| set("x", v).value;
    if nat.has_periods {
        let items: Vec<String> = nat
            .years
            .iter()
            .enumerate()
            .map(|(t, y)| format!("{y}: {}", show(values(t))))
            .collect();
        format!("{{{}}}", items.join(", "))
    } else {
        show(values(0))
    }
}

/// The plan as it plays out: with futures, in each future (the common decisions with the
/// future's own, and the future's scenario); without, the plan itself in the scenario.
/// Every figure an alternative pushes is read over these, so a lever holds in every
/// future.
fn views<'a>(nat: &'a National, plan: &Plan) -> Vec<(&'a National, Plan)> {
    match nat.futures.as_deref() {
        Some(f) if plan.futures.len() == f.list.len() => f
            .list
            .iter()
            .zip(&plan.futures)
            .map(|(fu, outcome)| (&fu.scenario, outcome.whole(plan)))
            .collect(),
        _ => vec![(nat, plan.clone())],
    }
}

/// The largest of `f` over the plan's views (see [`views`]).
fn most(nat: &National, plan: &Plan, f: impl Fn(&Plan) -> Option<f64>) -> Option<f64> {
    views(nat, plan)
        .iter()
        .filter_map(|(_, p)| f(p))
        .reduce(f64::max)
}

/// The smallest of `f` over the plan's views.
fn least(nat: &National, plan: &Plan, f: impl Fn(&Plan) -> Option<f64>) -> Option<f64> {
    views(nat, plan)
        .iter()
        .filter_map(|(_, p)| f(p))
        .reduce(f64::min)
}

/// The optimum's value of a per-period plan figure, by period index (0 when absent; the
/// largest over the futures).
fn period_values(
    nat: &National,
    plan: &Plan,
    f: impl Fn(&crate::plan::PeriodDetail) -> f64,
) -> Vec<f64> {
    let views = views(nat, plan);
    nat.years
        .iter()
        .map(|y| {
            views
                .iter()
                .filter_map(|(_, p)| p.periods.iter().find(|d| d.period == *y).map(&f))
                .fold(0.0, f64::max)
        })
        .collect()
}

fn same_purchases(nat: &National, a: &Plan, b: &Plan) -> bool {
    let same = |a: &Plan, b: &Plan| {
        a.purchases.len() == b.purchases.len()
            && a.purchases.iter().zip(&b.purchases).all(|(x, y)| {
                x.id == y.id
                    && x.site == y.site
                    && x.period == y.period
                    && (x.units - y.units).abs() < 1e-9
            })
    };
    let (a, b) = (views(nat, a), views(nat, b));
    a.len() == b.len() && a.iter().zip(&b).all(|((_, x), (_, y))| same(x, y))
}

/// What the plan's `total_cost` measures: the total cost, or with futures the expected or
/// the worst cost over them.
fn cost_word(nat: &National) -> &'static str {
    match nat.futures.as_deref().map(|f| f.risk) {
        None => "total cost",
        Some(crate::scenario::futures::Risk::Expected) => "expected cost",
        Some(crate::scenario::futures::Risk::WorstCase) => "worst cost",
    }
}

fn cost_change(nat: &National, base: &Plan, p: &Plan) -> String {
    match (base.total_cost, p.total_cost) {
        (Some(b), Some(c)) if b.abs() > 0.0 => {
            format!(
                "{:+.2}% {} ({} {})",
                (c - b) / b * 100.0,
                cost_word(nat),
                money(c),
                p.currency
            )
        }
        _ => String::new(),
    }
}

/// The lowest national domestic share over the periods (and futures) of a plan with
/// periods or sites.
fn lowest_national_share(nat: &National, p: &Plan) -> Option<f64> {
    least(nat, p, |p| {
        p.periods
            .iter()
            .filter_map(|d| d.domestic_share.value)
            .reduce(f64::min)
            .or_else(|| p.domestic_share.as_ref().and_then(|d| d.value))
    })
}

/// The highest facility kW over the periods and futures (the plan's own figure for one
/// period).
fn peak_kw(nat: &National, p: &Plan) -> Option<f64> {
    most(nat, p, |p| {
        p.periods
            .iter()
            .map(|d| d.facility_kw)
            .reduce(f64::max)
            .or(p.facility_kw)
    })
}

/// The platforms adopted in any future (the plan's own without futures).
fn platforms(nat: &National, p: &Plan) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (_, v) in views(nat, p) {
        for name in v.adopted_platforms {
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

/// The vendors bought from in any future, with the units bought from each (over the
/// futures, the common order counted in each).
fn vendor_units(nat: &National, p: &Plan) -> Vec<(String, f64)> {
    let mut vendors: Vec<(String, f64)> = Vec::new();
    for (_, v) in views(nat, p) {
        for x in &v.purchases {
            match vendors.iter_mut().find(|(v, _)| *v == x.vendor) {
                Some(v) => v.1 += x.units,
                None => vendors.push((x.vendor.clone(), x.units)),
            }
        }
    }
    vendors
}

/// Alternatives to `plan` (the optimum of `nat`, which is `document` with the `base`
/// overrides) within `within` (0.02 = 2%) of its cost (of its PFLOPS for a `max_pflops`
/// scenario), each re-solved with `options` and the near-optimal cost cap. Plans equal to
/// the optimum or to an earlier alternative are left out; each one is checked against
/// `nat` as the user gave it.
pub fn alternatives(
    document: &Document,
    base: &[Override],
    nat: &National,
    plan: &Plan,
    within: f64,
    options: Options,
) -> Result<Found, PlanError> {
    let nothing = |note: Option<String>| Found {
        alternatives: Vec::new(),
        note,
    };
    if !plan.status.has_plan() {
        return Ok(nothing(None));
    }
    let single = nat.is_single();
    let mut options = options;
    // The overrides shown with each alternative (before its own) to keep it near.
    let (near, shown_near) = match nat.objective {
        Objective::MinCost => {
            // Whole currency units, rounded down: never above the allowed cost.
            let cap = (plan.total_cost.unwrap_or(0.0) * (1.0 + within)).floor();
            options.cost_cap = Some(cap);
            // With one period, that period's spending is the total cost: the cap reads
            // as the budget (not with futures, whose cap is on the expected or the
            // worst cost over them).
            let shown = if nat.periods() == 1 && nat.futures.is_none() {
                let budget = nat.budget.as_ref().map_or(cap, |b| b[0].min(cap));
                vec![set("limits.budget", budget)]
            } else {
                Vec::new()
            };
            (Vec::new(), shown)
        }
        Objective::MaxPflops if single => {
            let floor = plan.pflops.unwrap_or(0.0) * (1.0 - within);
            let demand = nat.sites[0].pflops.as_ref().map(|d| d[0]);
            let floor = demand.map_or(floor, |d| d.max(floor));
            let near = vec![
                Override::new("objective", "min_cost"),
                set("demand.pflops", floor),
            ];
            (near.clone(), near)
        }
        Objective::MaxPflops => {
            return Ok(nothing(Some(
                "alternatives of a max_pflops scenario with sites are not searched in this version (a capacity floor over all sites has no override)".into(),
            )));
        }
    };
    let search = Asker {
        document,
        base,
        options,
        near,
        asked: AtomicUsize::new(0),
        unproven: AtomicUsize::new(0),
    };
    let mut found: Vec<(String, String, Vec<Override>, Plan)> = Vec::new();

    // Most domestic.
    let basis = |p: &Plan| {
        let (_, p) = views(nat, p).swap_remove(0);
        p.periods
            .first()
            .map(|d| d.domestic_share.basis.clone())
            .or_else(|| p.domestic_share.as_ref().map(|d| d.basis.clone()))
            .unwrap_or_else(|| "units".into())
    };
    let share_lever = if single {
        let path = "policy.domestic_share.min";
        Lever {
            share: true,
            good: nat.sites[0]
                .domestic_share
                .as_ref()
                .map_or(0.0, |d| d.min[0]),
            bad: 1.0 + 1e-9,
            start: None,
            sets: Box::new(move |v| vec![set(path, v)]),
        }
    } else {
        // The national share's floor, raised to at least v in every period.
        let mins: Vec<f64> = nat
            .national_share
            .as_ref()
            .map_or(vec![0.0; nat.periods()], |r| r.min.clone());
        let start = lowest_national_share(nat, plan).unwrap_or(0.0);
        let start = (start * 1e4).floor() / 1e4;
        Lever {
            share: true,
            good: start,
            bad: 1.0 + 1e-9,
            start: Some(plan.clone()),
            sets: Box::new(move |v| {
                vec![Override::new(
                    "policy.national_domestic_share.min",
                    &per_period(nat, |t| mins[t].max(v)),
                )]
            }),
        }
    };
    if let Some((sets, p)) = search.push(&share_lever)? {
        let says = if single {
            let share_of = |p: &Plan| {
                least(nat, p, |p| p.domestic_share.as_ref().and_then(|d| d.value)).unwrap_or(0.0)
            };
            let (share_now, share) = (share_of(plan), share_of(&p));
            format!(
                "domestic share {} by {} (optimum {}), {}",
                percent(share),
                nat.sites[0]
                    .domestic_share
                    .as_ref()
                    .map_or("units", |d| d.basis.as_str()),
                percent(share_now),
                cost_change(nat, plan, &p)
            )
        } else {
            format!(
                "national domestic share at least {} by {} in every period (optimum {}), {}",
                percent(lowest_national_share(nat, &p).unwrap_or(0.0)),
                basis(&p),
                percent(lowest_national_share(nat, plan).unwrap_or(0.0)),
                cost_change(nat, plan, &p)
            )
        };
        found.push(("most domestic".into(), says, sets, p));
    }

    // Least power.
    if let Some(kw) = peak_kw(nat, plan).filter(|kw| *kw > 0.0) {
        let lever = if single {
            Lever {
                share: false,
                good: kw,
                bad: 0.0,
                start: None,
                sets: Box::new(|v| vec![set("limits.power_kw", v)]),
            }
        } else {
            // Each site's power in each period capped at a fraction of the optimum's.
            // (The largest over the futures; a scenario without sites has its one site's
            // figures in the periods' detail.)
            let views = views(nat, plan);
            let periods_kw = period_values(nat, plan, |d| d.facility_kw);
            let at: Vec<Vec<f64>> = nat
                .sites
                .iter()
                .map(|site| {
                    if !nat.has_sites {
                        return periods_kw.clone();
                    }
                    nat.years
                        .iter()
                        .map(|y| {
                            views
                                .iter()
                                .filter_map(|(_, v)| {
                                    let d = v.sites.iter().find(|d| d.id == site.id)?;
                                    d.periods.iter().find(|p| p.period.unwrap_or(*y) == *y)
                                })
                                .map(|p| p.facility_kw)
                                .fold(0.0, f64::max)
                        })
                        .collect()
                })
                .collect();
            Lever {
                share: false,
                good: 1.0,
                bad: 0.0,
                start: Some(plan.clone()),
                sets: Box::new(move |f| {
                    nat.sites
                        .iter()
                        .enumerate()
                        .map(|(s, site)| {
                            let value = per_period(nat, |t| {
                                let own = site.power_kw.as_ref().map_or(f64::INFINITY, |p| p[t]);
                                own.min((f * at[s][t] * 10.0).ceil() / 10.0)
                            });
                            let path = if nat.has_sites {
                                format!("sites[{}].power_kw", site.id)
                            } else {
                                "limits.power_kw".into()
                            };
                            Override::new(&path, &value)
                        })
                        .collect()
                }),
            }
        };
        if let Some((sets, p)) = search.push(&lever)? {
            let says = if single {
                format!(
                    "{} kW of facility power (optimum {} kW), {}",
                    qty(peak_kw(nat, &p).unwrap_or(0.0), 1),
                    qty(kw, 1),
                    cost_change(nat, plan, &p)
                )
            } else {
                format!(
                    "peak facility power {} kW over the periods (optimum {} kW), {}",
                    qty(peak_kw(nat, &p).unwrap_or(0.0), 1),
                    qty(kw, 1),
                    cost_change(nat, plan, &p)
                )
            };
            found.push(("least power".into(), says, sets, p));
        }
    }

    // Least capex.
    // (With futures `capex` is the expected capex; the lever caps each future's.)
    if let Some(capex) = plan.capex.filter(|c| *c > 0.0) {
        let lever = if single {
            Lever {
                share: false,
                good: most(nat, plan, |p| p.capex).unwrap_or(capex),
                bad: 0.0,
                start: None,
                sets: Box::new(|v| vec![set("limits.capex_budget", v)]),
            }
        } else {
            // Each period's capex capped at a fraction of the optimum's.
            let at = period_values(nat, plan, |d| d.capex);
            Lever {
                share: false,
                good: 1.0,
                bad: 0.0,
                start: Some(plan.clone()),
                sets: Box::new(move |f| {
                    let value = per_period(nat, |t| {
                        let own = nat.capex_budget.as_ref().map_or(f64::INFINITY, |b| b[t]);
                        own.min((f * at[t]).ceil())
                    });
                    vec![Override::new("limits.capex_budget", &value)]
                }),
            }
        };
        if let Some((sets, p)) = search.push(&lever)? {
            let discounted = if single { "" } else { " (discounted)" };
            let expected = if nat.futures.is_some() {
                "expected "
            } else {
                ""
            };
            found.push((
                "least capex".into(),
                format!(
                    "{expected}capex {} {}{discounted} (optimum {}), {}",
                    money(p.capex.unwrap_or(0.0)),
                    p.currency,
                    money(capex),
                    cost_change(nat, plan, &p)
                ),
                sets,
                p,
            ));
        }
    }

    // New platforms, the most expensive to adopt first.
    // Available in some period of the scenario or of one of its futures.
    let mut scenarios = vec![nat];
    if let Some(f) = nat.futures.as_deref() {
        scenarios.extend(f.list.iter().map(|fu| &fu.scenario));
    }
    let available = |a: usize| {
        let id = &nat.accelerators[a].id;
        scenarios.iter().any(|n| {
            n.accelerators
                .iter()
                .position(|acc| acc.id == *id)
                .is_some_and(|b| n.per_period[b].available.iter().any(|v| *v))
        })
    };
    let mut platforms: Vec<(String, f64)> = self::platforms(nat, plan)
        .iter()
        .map(|p| {
            (
                p.clone(),
                nat.platform_adoption.get(p).copied().unwrap_or(0.0),
            )
        })
        .collect();
    platforms.sort_by(|a, b| b.1.total_cmp(&a.1));
    let groups = platforms
        .iter()
        .map(|(p, _)| {
            let ids = nat
                .accelerators
                .iter()
                .enumerate()
                .filter(|(a, acc)| available(*a) && acc.platform.as_deref() == Some(p.as_str()))
                .map(|(_, acc)| acc.id.clone())
                .collect();
            (p.clone(), ids)
        })
        .collect();
    let platform_count = |p: &Plan| self::platforms(nat, p).len();
    if let Some((removed, sets, p)) =
        search.drop_groups(groups, platform_count(plan), platform_count)?
    {
        found.push((
            "fewest new platforms".into(),
            format!(
                "adopts {} instead of {} (drops {}), {}",
                list(&self::platforms(nat, &p)),
                list(&self::platforms(nat, plan)),
                removed.join(", "),
                cost_change(nat, plan, &p)
            ),
            sets,
            p,
        ));
    }

    // Vendors the optimum buys from, the smallest share first.
    let mut vendors = vendor_units(nat, plan);
    vendors.sort_by(|a, b| a.1.total_cmp(&b.1));
    let vendor_count = |p: &Plan| vendor_units(nat, p).len();
    let groups = vendors
        .iter()
        .map(|(v, _)| {
            let ids = nat
                .accelerators
                .iter()
                .enumerate()
                .filter(|(a, acc)| available(*a) && acc.vendor == *v)
                .map(|(_, acc)| acc.id.clone())
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
                cost_change(nat, plan, &p)
            ),
            sets,
            p,
        ));
    }

    let mut out: Vec<Alternative> = Vec::new();
    let mut held: Vec<String> = Vec::new();
    for (name, says, extra, p) in found {
        if same_purchases(nat, &p, plan) || out.iter().any(|a| same_purchases(nat, &a.plan, &p)) {
            continue;
        }
        // Every alternative must meet every rule of the scenario as the user gave it (in
        // every future).
        let views = views(nat, &p);
        let futures = views.len() > 1;
        for (i, (n, v)) in views.iter().enumerate() {
            let e = crate::check::national::evaluate_all(
                n,
                &crate::plan::detail::purchases_x(n, v),
                &crate::plan::detail::changes_of(n, v),
                &crate::plan::detail::systems_of(n, v),
            );
            if !e.violations().is_empty() {
                let place = if futures {
                    format!(" in future {}", p.futures[i].id)
                } else {
                    String::new()
                };
                return Err(PlanError::CheckFailed(
                    e.violations()
                        .iter()
                        .map(|c| format!("- {} (alternative `{name}`{place})", c.message()))
                        .collect::<Vec<_>>()
                        .join("\n"),
                ));
            }
        }
        // A future's own `set` is applied after these overrides: where it sets the same
        // field, its value holds in that future, and the reader is told.
        if let Some(f) = nat.futures.as_deref() {
            for fu in &f.list {
                let own: Vec<String> = fu
                    .set
                    .iter()
                    .filter_map(|o| o.parse::<Override>().ok())
                    .filter(|o| extra.iter().any(|e| may_write_same_field(&e.path, &o.path)))
                    .map(|o| o.to_string())
                    .collect();
                if !own.is_empty() {
                    held.push(format!(
                        "in future {}, its own {} holds over the overrides of alternative `{name}` (a future's `set` comes after them)",
                        fu.id,
                        own.join(", ")
                    ));
                }
            }
        }
        let mut overrides: Vec<String> = shown_near.iter().map(|o| o.to_string()).collect();
        overrides.extend(extra.iter().map(|o| o.to_string()));
        out.push(Alternative {
            name,
            says,
            overrides,
            plan: p,
        });
    }
    held.extend(search.note());
    Ok(Found {
        alternatives: out,
        note: (!held.is_empty()).then(|| held.join("; ")),
    })
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}
