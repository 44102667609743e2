//! Planning under futures (section 7 of the format): one set of common decisions (the
//! first `decide_now` periods) that holds in every future, each future's own decisions
//! after it, at the least expected (or worst) cost.
//!
//! The search:
//! 1. each future planned alone, with perfect foresight (the plain search): its optimum
//!    for the regret, its bound a bound on its cost in any plan;
//! 2. each future under every future's rules of the common periods ([`common_rules`]),
//!    where they are tighter than its own: its bound a bound on its cost in any plan that
//!    holds in all futures (the expected, or the worst, of these bounds bounds the plan),
//!    and its common decisions a candidate;
//! 3. the joint programme (the deterministic equivalent, [`crate::model::futures`]) solved
//!    with the time left, when it is small enough for the solver to finish;
//! 4. when the joint programme is not solved within the gap, its continuous relaxation:
//!    a bound, and its common purchases rounded and repaired a candidate;
//! 5. candidates checked: the naive plan (the first future's own order) first, then those
//!    of steps 2 to 4 and the other futures' own orders, each with every future's later
//!    decisions re-optimised given them. The best by the risk measure is the plan.
//!
//! Every future's plan (the common decisions with its own) is re-checked against that
//! future's scenario before the plan is returned.

use crate::check::national::{NationalEvaluation, evaluate_all};
use crate::error::PlanError;
use crate::model::futures::{FirstStage, JointGoal, build};
use crate::plan::{FutureOutcome, Plan, Status, detail};
use crate::scenario::common_rules::common_rules;
use crate::scenario::futures::{Futures, Risk};
use crate::scenario::national::{FleetChange, National, SystemBuy};
use crate::search::fixed::Fixed;
use crate::search::{
    EXACT_AFTER_DECOMPOSITION_SLOTS, Options, Relaxation, Timings, checked_all, purchase_slots,
    read_back, rounding,
};
use crate::solve::Backend;
use crate::solve::{Budget, Outcome, Stop, relative_gap, solve};
use std::collections::BTreeMap;

/// Most purchase decisions (futures x sites x periods x (accelerators + systems)) of a
/// joint programme handed to microlp's exact search. Measured (release build): the sample
/// `futures-2026-2028.yaml`, 4 futures x 12, the whole plan proven in 0.7 s; the same with
/// two sites, 4 x 24, no plan in 30 s (its adoption binaries are per future).
pub const MICROLP_JOINT_SLOTS: usize = 64;

/// Share of the time left for the candidates that the first of them (the naive plan)
/// may use.
const NAIVE_SHARE: f64 = 0.6;

/// Share of the time limit the futures planned alone (and under every future's rules of
/// the common periods) may use together, when the exact joint programme is searched after
/// them (it takes half the time left).
const ALONE_SHARE: f64 = 0.4;

/// The same share when the joint programme is too large for its exact search: the
/// searches give the bound and the best candidates, the candidates' recourse needs the
/// rest (on the 500-site benchmark, 6-11 s for each of the first three).
const ALONE_SHARE_WITHOUT_JOINT: f64 = 0.65;

/// Share of the time left that the relaxation of a future without a bound may use.
const RELAXATION_SHARE: f64 = 0.1;

/// One future's decisions: purchases `x[s][t][a]`, removals and moves, systems.
#[derive(Debug, Clone)]
struct Decisions {
    x: Vec<Vec<Vec<f64>>>,
    changes: Vec<FleetChange>,
    systems: Vec<SystemBuy>,
}

impl Decisions {
    /// The decisions of plan `p` of scenario `nat`.
    fn of_plan(nat: &National, p: &Plan) -> Decisions {
        Decisions {
            x: detail::purchases_x(nat, p),
            changes: detail::changes_of(nat, p),
            systems: detail::systems_of(nat, p),
        }
    }
}

/// A candidate plan: each future's decisions (the common ones the same in all) and its
/// checked evaluation.
struct Candidate {
    /// What the common decisions came from, for the notes.
    origin: String,
    per_future: Vec<(Decisions, NationalEvaluation)>,
}

impl Candidate {
    fn costs(&self) -> Vec<f64> {
        self.per_future.iter().map(|(_, e)| e.total_cost).collect()
    }
}

/// The risk measure of costs per future.
fn measure(f: &Futures, costs: &[f64]) -> (f64, f64) {
    let expected: f64 = costs
        .iter()
        .zip(&f.list)
        .map(|(c, fu)| c * fu.probability)
        .sum();
    let worst = costs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    match f.risk {
        Risk::Expected => (expected, worst),
        Risk::WorstCase => (worst, expected),
    }
}

/// Whether costs `a` are better than `b` by the risk measure (ties by the expected cost).
fn better(f: &Futures, a: &[f64], b: &[f64]) -> bool {
    let (ma, ta) = measure(f, a);
    let (mb, tb) = measure(f, b);
    let tol = 1e-9 * ma.abs().max(mb.abs()).max(1.0);
    ma < mb - tol || (ma <= mb + tol && ta < tb - tol)
}

/// What a joint solve gave.
enum Joint {
    Solved {
        per_future: Vec<Decisions>,
        objective: f64,
        bound: Option<f64>,
        /// Within the gap (an LP: its optimum).
        proven: bool,
    },
    Infeasible,
    NoSolution(String),
}

/// Solves the joint programme of the futures `which` (positions in `f.list`) with `goal`,
/// the common decisions tied or `fixed`.
fn solve_joint(
    f: &Futures,
    which: &[usize],
    (goal, lp): (JointGoal, bool),
    fixed: Option<&FirstStage>,
    opts: &Options,
    (budget, share): (&Budget, f64),
    timings: &mut Timings,
) -> Result<Joint, PlanError> {
    let futures: Vec<(&National, f64)> = which
        .iter()
        .map(|&i| (&f.list[i].scenario, f.list[i].probability))
        .collect();
    let started = std::time::Instant::now();
    let joint = build(&futures, f.decide_now, goal, lp, fixed);
    timings.build_s += started.elapsed().as_secs_f64();
    if joint.built.infeasible {
        return Ok(Joint::Infeasible);
    }
    let unit = joint.built.objective_unit;
    let parts = joint.parts;
    let mut limits = budget.limits(0.5);
    limits.time_limit_s = (limits.time_limit_s * share).max(0.5);
    let (outcome, seconds) = solve(joint.built, opts.backend, limits)?;
    timings.solve_s += seconds;
    Ok(match outcome {
        Outcome::Solved {
            values,
            objective,
            bound,
            proven,
            ..
        } => Joint::Solved {
            proven,
            per_future: parts
                .iter()
                .zip(&futures)
                .map(|(part, (nat, _))| {
                    let (x, changes, systems) = read_back(
                        nat,
                        (&part.buy, &part.changes, &part.systems),
                        &values,
                        nat.solver.integer && !lp,
                        lp,
                    );
                    Decisions {
                        x,
                        changes,
                        systems,
                    }
                })
                .collect(),
            objective: objective * unit,
            bound: bound.map(|b| b * unit),
        },
        Outcome::Infeasible => Joint::Infeasible,
        Outcome::Unbounded => Joint::NoSolution("the joint programme is unbounded".into()),
        Outcome::NoSolution(why) => Joint::NoSolution(why),
    })
}

/// Where common decisions leave no way out: the first future (position) in which they
/// leave no way to meet the rules, and each future's cost with them (`None` where none).
type Blocked = (usize, Vec<Option<f64>>);

/// A future's plan known beforehand (its position, decisions and evaluation): the
/// recourse of a future's own common decisions in that future is its own plan.
type Known = (usize, Decisions, NationalEvaluation);

/// Each future's later decisions given the common ones `fixed`, within `seconds` in all:
/// `Err` when they leave no way out in some future; `Ok(None)` when the time ran out
/// first.
fn recourse(
    f: &Futures,
    (fixed, origin, known): (&FirstStage, String, Option<Known>),
    opts: &Options,
    (budget, seconds): (&Budget, f64),
    timings: &mut Timings,
) -> Result<Result<Option<Candidate>, Blocked>, PlanError> {
    let end = std::time::Instant::now() + std::time::Duration::from_secs_f64(seconds.max(0.0));
    let mut per_future = Vec::new();
    let mut costs = Vec::new();
    let mut blocked = None;
    let n = f.list.len();
    for i in 0..n {
        if let Some((_, d, e)) = known.as_ref().filter(|(k, _, _)| *k == i) {
            costs.push(Some(e.total_cost));
            per_future.push((d.clone(), e.clone()));
            continue;
        }
        if breaks_common(&f.list[i].scenario, fixed) {
            blocked.get_or_insert(i);
            costs.push(None);
            continue;
        }
        let left = end
            .saturating_duration_since(std::time::Instant::now())
            .as_secs_f64();
        let share = left / (n - i) as f64;
        // The plain search first (it scales to national scenarios); the programme with the
        // common decisions fixed when the future cannot be written with them installed,
        // or the composed plan broke a rule (only where the solver can finish it).
        match by_search(&f.list[i].scenario, fixed, opts, share, timings)? {
            Recourse::Plan(d, e) => {
                costs.push(Some(e.total_cost));
                per_future.push((d, *e));
                continue;
            }
            Recourse::NoWayOut => {
                blocked.get_or_insert(i);
                costs.push(None);
                continue;
            }
            Recourse::NotInTime => return Ok(Ok(None)),
            Recourse::CannotTell => {}
        }
        let slots = purchase_slots(&f.list[i].scenario);
        if opts.backend == Backend::Microlp && slots > MICROLP_JOINT_SLOTS {
            return Ok(Ok(None));
        }
        let fraction = share / budget.left().max(1e-9);
        match solve_joint(
            f,
            &[i],
            (JointGoal::Expected, false),
            Some(fixed),
            opts,
            (budget, fraction.min(1.0)),
            timings,
        )? {
            Joint::Solved {
                per_future: mut d, ..
            } => {
                let d = d.remove(0);
                match checked_all(&f.list[i].scenario, &d.x, &d.changes, &d.systems) {
                    Ok(e) => {
                        costs.push(Some(e.total_cost));
                        per_future.push((d, e));
                    }
                    Err(PlanError::CheckFailed(_)) => return Ok(Ok(None)),
                    Err(e) => return Err(e),
                }
            }
            Joint::Infeasible => {
                blocked.get_or_insert(i);
                costs.push(None);
            }
            Joint::NoSolution(_) => return Ok(Ok(None)),
        }
    }
    Ok(match blocked {
        Some(i) => Err((i, costs)),
        None => Ok(Some(Candidate { origin, per_future })),
    })
}

/// What the plain search says of a future's later decisions given the common ones.
enum Recourse {
    /// A plan, checked against the future with the common decisions.
    Plan(Decisions, Box<NationalEvaluation>),
    /// No later decisions meet the rules.
    NoWayOut,
    /// No plan within the time.
    NotInTime,
    /// The future cannot be written with the common decisions installed, or the composed
    /// plan breaks a rule of the common periods.
    CannotTell,
}

/// Whether the common decisions `fixed` break a rule of `nat` in a common period. Those
/// rules hold on the common decisions alone (a site's fleet, the supply, the share and
/// the spending of a period are made by that period's decisions and earlier ones; the
/// first period's budget also carries the adoption of platforms first bought later, which
/// only adds), so no later decision mends them: the common decisions leave no way out.
fn breaks_common(nat: &National, fixed: &FirstStage) -> bool {
    let (na, nt) = (nat.accelerators.len(), nat.periods());
    let x: Vec<Vec<Vec<f64>>> = fixed
        .x
        .iter()
        .map(|site| {
            (0..nt)
                .map(|t| site.get(t).cloned().unwrap_or_else(|| vec![0.0; na]))
                .collect()
        })
        .collect();
    let e = evaluate_all(nat, &x, &fixed.changes, &fixed.systems);
    let common = &nat.years[..fixed.decide_now.min(nt)];
    e.violations()
        .iter()
        .any(|v| v.period.is_some_and(|y| common.contains(&y)))
}

/// The common purchases of the joint relaxation (`lp`, each future's fractional
/// decisions) made whole: with the first future's later purchases, scaled back to the
/// caps of every future's rules of the common periods ([`common_rules`]), rounded to lots
/// and repaired ([`rounding::round_and_repair`]). Where the futures cannot be merged so,
/// in each future in turn, and the repaired plan's common purchases go on to the next
/// future, until none breaks a rule of a common period in any future. Removals,
/// moves and systems are left out (a candidate without them). `None` when a repair fails
/// or the rounds do not settle.
fn rounded_common(f: &Futures, lp: &[Decisions], end: Stop) -> Option<FirstStage> {
    let d = f.decide_now;
    let mut common: Vec<Vec<Vec<f64>>> = lp[0]
        .x
        .iter()
        .map(|site| site.iter().take(d).cloned().collect())
        .collect();
    let n = f.list.len();
    let merged = common_rules(f, 0).map(|(r, _)| r);
    let mut i = 0;
    for _ in 0..2 * n {
        let nat = merged.as_ref().unwrap_or(&f.list[i].scenario);
        let mut x = lp[i].x.clone();
        for (site, c) in x.iter_mut().zip(&common) {
            site[..d].clone_from_slice(c);
        }
        let fixed = Fixed::new(nat, Vec::new(), Vec::new());
        rounding::scale_to_caps(nat, &fixed, &mut x);
        let repaired = rounding::round_and_repair(nat, &x, &fixed, None, true, end)?;
        common = repaired
            .iter()
            .map(|site| site.iter().take(d).cloned().collect())
            .collect();
        let fs = FirstStage {
            decide_now: d,
            x: common.clone(),
            changes: Vec::new(),
            systems: Vec::new(),
        };
        match (0..n).find(|&j| breaks_common(&f.list[j].scenario, &fs)) {
            None => return Some(fs),
            Some(j) => i = j,
        }
    }
    None
}

/// The scenario `nat` with the common decisions `fixed` made: those purchases installed
/// (each an installed entry that serves as long as a new card bought then would, its
/// platform adopted), nothing bought, taken out or moved in the common periods. A plan of
/// it is a plan of `nat`'s later periods given `fixed` (costs apart: the common
/// decisions' are constant). `None` when `fixed` cannot be written so: systems, removals or
/// moves in it, installed entries that may be removed, units not whole.
fn as_installed(nat: &National, fixed: &FirstStage) -> Option<National> {
    let removable = nat
        .sites
        .iter()
        .flat_map(|s| &s.existing)
        .any(|e| e.removal.is_some());
    if !fixed.changes.is_empty() || !fixed.systems.is_empty() || removable {
        return None;
    }
    let mut r = nat.clone();
    r.futures = None;
    for t in 0..fixed.decide_now {
        for p in &mut r.per_period {
            p.available[t] = false;
        }
        for sys in &mut r.systems {
            sys.available[t] = false;
        }
    }
    for (s, site) in r.sites.iter_mut().enumerate() {
        for t in 0..fixed.decide_now {
            for (a, &units) in fixed.x[s][t].iter().enumerate() {
                if units <= 0.0 {
                    continue;
                }
                if units.fract() != 0.0 {
                    return None;
                }
                site.existing.push(crate::scenario::national::SiteExisting {
                    index: a,
                    units: units as u64,
                    retire_year: nat.per_period[a]
                        .lifetime_years
                        .map(|l| nat.years[t] + l as i64 - 1),
                    removal: None,
                });
            }
        }
    }
    Some(r)
}

/// The later decisions of `nat` given the common ones `fixed`, by the plain search on
/// [`as_installed`]'s scenario within `seconds`.
fn by_search(
    nat: &National,
    fixed: &FirstStage,
    opts: &Options,
    seconds: f64,
    timings: &mut Timings,
) -> Result<Recourse, PlanError> {
    let Some(r) = as_installed(nat, fixed) else {
        return Ok(Recourse::CannotTell);
    };
    let mut o = *opts;
    o.conflicts = false;
    o.time_limit_s = Some(seconds.max(0.5));
    let (p, t) = crate::search::search(&r, &o)?;
    add(timings, t);
    if p.status == Status::Infeasible {
        return Ok(Recourse::NoWayOut);
    }
    if !p.status.has_plan() {
        return Ok(Recourse::NotInTime);
    }
    let mut d = Decisions::of_plan(&r, &p);
    for (site, fixed_site) in d.x.iter_mut().zip(&fixed.x) {
        for (t, units) in fixed_site.iter().enumerate() {
            site[t].clone_from(units);
        }
    }
    Ok(match checked_all(nat, &d.x, &d.changes, &d.systems) {
        Ok(e) => Recourse::Plan(d, Box::new(e)),
        Err(_) => Recourse::CannotTell,
    })
}

/// The continuous relaxation of the joint programme of `nat`'s futures (`chipmix plan
/// --relaxation`): a lower bound on the expected (or, under `worst_case`, the worst) cost
/// of any plan that holds in every future.
pub fn relaxation(
    nat: &National,
    opts: &Options,
    timings: &mut Timings,
) -> Result<Relaxation, PlanError> {
    let f = nat
        .futures
        .as_deref()
        .expect("hedge::relaxation is called on a scenario with futures");
    let budget = Budget::start(opts.time_limit_s.unwrap_or(nat.solver.time_limit_s), 0.0)
        .cancelled_by(opts.cancel);
    let goal = match f.risk {
        Risk::Expected => JointGoal::Expected,
        Risk::WorstCase => JointGoal::Worst,
    };
    let all: Vec<usize> = (0..f.list.len()).collect();
    Ok(
        match solve_joint(f, &all, (goal, true), None, opts, (&budget, 1.0), timings)? {
            Joint::Solved {
                objective,
                proven: true,
                ..
            } => Relaxation::Bound(objective),
            Joint::Solved { .. } | Joint::NoSolution(_) => Relaxation::Stopped,
            Joint::Infeasible => Relaxation::Infeasible,
        },
    )
}

/// Plans a scenario with futures: the checked plan and the seconds each step took. An
/// infeasible scenario comes with its conflicts (naming the future) when `opts.conflicts`.
pub fn plan(nat: &National, opts: &Options) -> Result<(Plan, Timings), PlanError> {
    let f = nat
        .futures
        .as_deref()
        .expect("hedge::plan is called on a scenario with futures");
    let mut timings = Timings::default();
    let budget = Budget::start(
        opts.time_limit_s.unwrap_or(nat.solver.time_limit_s),
        opts.mip_gap.unwrap_or(nat.solver.mip_gap),
    )
    .cancelled_by(opts.cancel);
    let solver = opts.backend.as_str();
    let n = f.list.len();
    let mut notes: Vec<String> = Vec::new();

    // 1. Each future alone, with perfect foresight; then each future whose own limits on
    // the common periods are looser than another future's, under every future's
    // ([`common_rules`]): a bound on its cost under any hedge, and a candidate. These
    // searches share ALONE_SHARE of the time, each what the ones before it left.
    let restricted: Vec<Option<National>> = (0..n)
        .map(|i| {
            common_rules(f, i)
                .filter(|(_, tighter)| *tighter)
                .map(|(r, _)| r)
        })
        .collect();
    // The default solver's exact search finds no plan of a large joint programme (see
    // [`MICROLP_JOINT_SLOTS`]): it goes straight to the relaxation.
    let slots = f.list.len() * purchase_slots(&f.list[0].scenario);
    let most = match opts.backend {
        Backend::Microlp => MICROLP_JOINT_SLOTS,
        _ => EXACT_AFTER_DECOMPOSITION_SLOTS,
    };
    let exact = slots <= most;
    let searches = n + restricted.iter().flatten().count();
    let phase_end = budget.seconds
        * if exact {
            ALONE_SHARE
        } else {
            ALONE_SHARE_WITHOUT_JOINT
        };
    let limit_for = |k: usize| {
        let spent = budget.seconds - budget.left();
        ((phase_end - spent) / (searches - k) as f64).max(0.5)
    };
    let mut alone: Vec<Plan> = Vec::new();
    for (i, fu) in f.list.iter().enumerate() {
        let mut o = *opts;
        o.conflicts = false;
        o.time_limit_s = Some(limit_for(i));
        let (p, t) = crate::search::search(&fu.scenario, &o)?;
        add(&mut timings, t);
        if p.status == Status::Infeasible {
            let mut out = detail::without_purchases(nat, Status::Infeasible, solver);
            if opts.conflicts && !opts.cancel.is_set() {
                out.conflicts = crate::conflicts::find(&fu.scenario, opts.backend, &budget)?
                    .into_iter()
                    .map(|c| format!("in future {}: {c}", fu.id))
                    .collect();
            }
            out.message = Some(format!(
                "future {} has no plan even on its own (with perfect foresight)",
                fu.id
            ));
            return Ok((out, timings));
        }
        alone.push(p);
    }
    let common = |d: &Decisions| FirstStage::of(f.decide_now, &d.x, &d.changes, &d.systems);
    // Each future's cost under any hedge is at least its bound alone, and at least its
    // bound under every future's rules of the common periods.
    let mut hedged_bounds: Vec<Option<f64>> = alone.iter().map(|p| p.bound).collect();
    let mut under_all: Vec<(FirstStage, String, Option<Known>)> = Vec::new();
    let mut common_conflicts: Vec<String> = Vec::new();
    let mut merged_bound = vec![false; n];
    let mut k = n;
    for (i, r) in restricted.iter().enumerate() {
        let Some(r) = r else { continue };
        if budget.expired() {
            break;
        }
        let mut o = *opts;
        o.conflicts = false;
        o.time_limit_s = Some(limit_for(k));
        k += 1;
        let (p, t) = crate::search::search(r, &o)?;
        add(&mut timings, t);
        let id = &f.list[i].id;
        if p.status == Status::Infeasible {
            common_conflicts.push(format!(
                "no decisions of {} meet the rules of every future there and leave future {id} a way to meet its later rules",
                common_years(f)
            ));
            continue;
        }
        if let Some(b) = p.bound {
            hedged_bounds[i] = Some(hedged_bounds[i].map_or(b, |a| a.max(b)));
            merged_bound[i] = true;
        }
        if p.status.has_plan() {
            let d = Decisions::of_plan(r, &p);
            let scenario = &f.list[i].scenario;
            let known = checked_all(scenario, &d.x, &d.changes, &d.systems)
                .ok()
                .map(|e| (i, d.clone(), e));
            under_all.push((
                common(&d),
                format!(
                    "future {id}'s own plan under every future's rules of {}",
                    common_years(f)
                ),
                known,
            ));
        }
    }

    // A future whose searches stopped before a bound (under every future's rules of the
    // common periods, where they are tighter): its continuous relaxation there bounds it.
    for (i, b) in hedged_bounds.iter_mut().enumerate() {
        let scenario = match &restricted[i] {
            Some(r) if !merged_bound[i] => r,
            None if b.is_none() => &f.list[i].scenario,
            _ => continue,
        };
        if budget.expired() {
            break;
        }
        let mut o = *opts;
        o.time_limit_s = Some((budget.left() * RELAXATION_SHARE).max(0.5));
        if let Relaxation::Bound(lp) = crate::search::relaxation(scenario, &o, &mut timings)? {
            *b = Some(b.map_or(lp, |a| a.max(lp)));
        }
    }

    // 2. The joint programme. Candidates (common decisions, where from, and a future's
    // plan known for them) wait in `pending`: each is tried in every future at the end,
    // with an equal share of the time left.
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut pending: Vec<(FirstStage, String, Option<Known>)> = Vec::new();
    let all: Vec<usize> = (0..n).collect();
    let mut joint_bound: Option<f64> = None;
    // A future with no plan under every future's rules of the common periods: no common
    // decisions serve all futures.
    let mut joint_infeasible = !common_conflicts.is_empty();
    let mut joint_proven = false;
    let first_goal = match f.risk {
        Risk::Expected => JointGoal::Expected,
        Risk::WorstCase => JointGoal::Worst,
    };
    // Each future's own plan: its common decisions, with its own plan known. The first
    // future's is the naive plan: tried first.
    let mut own: Vec<(FirstStage, String, Option<Known>)> = Vec::new();
    for (g, p) in alone.iter().enumerate() {
        if !p.status.has_plan() {
            continue;
        }
        let scenario = &f.list[g].scenario;
        let d = Decisions::of_plan(scenario, p);
        let known = checked_all(scenario, &d.x, &d.changes, &d.systems)
            .ok()
            .map(|e| (g, d.clone(), e));
        own.push((
            common(&d),
            format!("future {}'s own plan", f.list[g].id),
            known,
        ));
    }
    let naive_first = alone[0].status.has_plan();
    if naive_first {
        pending.push(own.remove(0));
    }
    pending.extend(under_all);
    // Half the time left: the candidates need the rest.
    let joint = if exact {
        solve_joint(
            f,
            &all,
            (first_goal, false),
            None,
            opts,
            (&budget, 0.5),
            &mut timings,
        )?
    } else {
        Joint::NoSolution(format!(
            "it was not searched: its {slots} purchase decisions are beyond what {solver}'s exact search of it finishes ({most})"
        ))
    };
    match joint {
        Joint::Solved {
            per_future,
            objective,
            bound,
            proven,
        } => {
            joint_bound = bound;
            joint_proven = proven;
            let fs = common(&per_future[0]);
            if f.risk == Risk::Expected {
                let checked: Result<Vec<_>, PlanError> = per_future
                    .into_iter()
                    .zip(&f.list)
                    .map(|(d, fu)| {
                        checked_all(&fu.scenario, &d.x, &d.changes, &d.systems).map(|e| (d, e))
                    })
                    .collect();
                match checked {
                    Ok(per_future) => candidates.push(Candidate {
                        origin: "the joint programme".into(),
                        per_future,
                    }),
                    Err(PlanError::CheckFailed(broken)) => notes.push(format!(
                        "the joint programme's plan broke a rule of a future (a numerical slip) and was discarded:\n{broken}"
                    )),
                    Err(e) => return Err(e),
                }
                // Stopped before its gap: each future's own decisions may improve given
                // its common ones.
                if !proven {
                    pending.push((fs, "the joint programme".into(), None));
                }
            } else {
                // The worst case's tie-break: the least expected cost with no future above
                // the worst found, then each future's own decisions at its least cost.
                let ceiling = objective * (1.0 + 1e-9) + 1e-6;
                let fs = match solve_joint(
                    f,
                    &all,
                    (JointGoal::ExpectedWithin(ceiling), false),
                    None,
                    opts,
                    (&budget, 0.5),
                    &mut timings,
                )? {
                    Joint::Solved { per_future, .. } => common(&per_future[0]),
                    _ => fs,
                };
                pending.push((fs, "the joint programme".into(), None));
            }
        }
        Joint::Infeasible => joint_infeasible = true,
        Joint::NoSolution(why) => notes.push(format!(
            "the joint programme of the {n} futures gave no plan: {why}; the plan is the best of the other candidates (the futures' own orders, alone and under every future's rules of {}; the joint programme's relaxation, rounded)",
            common_years(f)
        )),
    }

    // 2b. The joint programme not solved to its gap: its continuous relaxation is a bound,
    // and its common decisions, rounded to whole lots, a candidate.
    let mut relaxed = None;
    if !joint_proven && !joint_infeasible && !budget.expired() {
        match solve_joint(
            f,
            &all,
            (first_goal, true),
            None,
            opts,
            (&budget, 0.3),
            &mut timings,
        )? {
            Joint::Solved {
                objective,
                proven,
                per_future,
                ..
            } => {
                relaxed = proven.then_some(objective);
                if let Some(fs) = rounded_common(f, &per_future, budget.stop()) {
                    let origin = "the joint programme's relaxation, rounded".to_string();
                    pending.push((fs, origin, None));
                }
            }
            Joint::Infeasible => joint_infeasible = true,
            Joint::NoSolution(_) => {}
        }
    }

    // 3. Every candidate's common decisions in every future, with each future's later
    // decisions given them: the naive plan first, the futures' other own plans last.
    pending.extend(own);
    let mut naive: Option<Result<Candidate, Blocked>> = None;
    let mut blocked: Vec<(usize, usize)> = Vec::new();
    let count = pending.len();
    for (k, (fs, origin, known)) in pending.into_iter().enumerate() {
        if budget.expired() {
            break;
        }
        // The naive plan first, with most of the time: it is a plan (with the first
        // future's own plan known) and `value_of_hedging`'s; at national scale the plain
        // search needs a minute per future to find one.
        let seconds = if k == 0 && count > 1 {
            budget.left() * NAIVE_SHARE
        } else {
            budget.left() / (count - k) as f64
        };
        let from = known.as_ref().map(|(g, _, _)| *g);
        let is_naive = naive_first && k == 0;
        match recourse(
            f,
            (&fs, origin, known),
            opts,
            (&budget, seconds),
            &mut timings,
        )? {
            Ok(Some(c)) => {
                if is_naive {
                    naive = Some(Ok(Candidate {
                        origin: c.origin.clone(),
                        per_future: c.per_future.clone(),
                    }));
                }
                candidates.push(c);
            }
            Ok(None) => {}
            Err((h, costs)) => {
                if let Some(g) = from {
                    blocked.push((g, h));
                }
                if is_naive {
                    naive = Some(Err((h, costs)));
                }
            }
        }
    }

    let best = candidates.into_iter().reduce(|a, b| {
        if better(f, &b.costs(), &a.costs()) {
            b
        } else {
            a
        }
    });
    let Some(best) = best else {
        if joint_infeasible {
            let mut out = detail::without_purchases(nat, Status::Infeasible, solver);
            out.conflicts = joint_conflicts(f, &blocked);
            out.conflicts.extend(common_conflicts);
            return Ok((out, timings));
        }
        let mut out = detail::without_purchases(nat, Status::Error, solver);
        out.message = Some(format!(
            "no plan that holds in all {n} futures was found within the time limit ({} s){}",
            budget.seconds,
            notes.first().map(|w| format!(": {w}")).unwrap_or_default()
        ));
        return Ok((out, timings));
    };

    common_agree(f, &best)?;

    // The bound: the joint programme's, or the futures' own bounds combined.
    let costs = best.costs();
    let (value, _) = measure(f, &costs);
    let own_bounds: Option<Vec<f64>> = hedged_bounds.into_iter().collect();
    let from_own = own_bounds.map(|b| match f.risk {
        Risk::Expected => b
            .iter()
            .zip(&f.list)
            .map(|(b, fu)| b * fu.probability)
            .sum(),
        Risk::WorstCase => b.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    });
    let bound = [joint_bound, from_own, relaxed]
        .into_iter()
        .flatten()
        .fold(f64::NEG_INFINITY, f64::max)
        .min(value);
    let bound = bound.is_finite().then_some(bound);
    let gap = bound.map(|b| relative_gap(value, b));
    let status = match gap {
        Some(g) if g <= budget.mip_gap + 1e-12 => Status::Optimal,
        _ => Status::Feasible,
    };
    if best.origin != "the joint programme" {
        notes.push(format!("the common decisions are those of {}", best.origin));
    }
    let mut out = assemble(nat, f, &best, status, solver);
    out.total_cost = Some(value);
    out.bound = bound;
    out.gap = gap;

    // Regret: against the best plan known for each future alone (its own plan, or any
    // candidate's plan of that future, which is a plan of it too).
    let mut regret = BTreeMap::new();
    let mut evpi = 0.0;
    for (i, fu) in f.list.iter().enumerate() {
        let own = alone[i].total_cost.unwrap_or(f64::INFINITY).min(costs[i]);
        let r = (costs[i] - own).max(0.0);
        regret.insert(fu.id.clone(), r);
        evpi += fu.probability * r;
        out.futures[i].alone_cost = Some(own);
        if alone[i].status != Status::Optimal {
            notes.push(format!(
                "future {}'s own plan is not proven optimal (gap {}): its regret is measured against the best plan found for it",
                fu.id,
                alone[i]
                    .gap
                    .map_or("unknown".into(), |g| format!("{:.2}%", g * 100.0))
            ));
        }
    }
    out.regret = Some(regret);
    out.evpi = Some(evpi);
    match naive {
        Some(Ok(c)) => {
            let naive_costs = c.costs();
            let naive_expected: f64 = naive_costs
                .iter()
                .zip(&f.list)
                .map(|(c, fu)| c * fu.probability)
                .sum();
            out.value_of_hedging = Some(Some(naive_expected - out.expected_cost.unwrap_or(0.0)));
            for (fo, c) in out.futures.iter_mut().zip(naive_costs) {
                fo.naive_cost = Some(c);
            }
        }
        Some(Err((h, costs))) => {
            out.value_of_hedging = Some(None);
            out.value_of_hedging_blocked_by = Some(f.list[h].id.clone());
            for (fo, c) in out.futures.iter_mut().zip(costs) {
                fo.naive_cost = c;
            }
        }
        None => {
            out.value_of_hedging = Some(None);
            notes.push(format!(
                "value_of_hedging is unknown: the plan for future {} alone, or its later decisions in the other futures, were not found in time",
                f.list[0].id
            ));
        }
    }
    out.warnings.extend(notes);
    Ok((within_cap(nat, f, out), timings))
}

/// The plan `out` held to the cost cap of `nat` ([`crate::planner::Options::cost_cap`]),
/// which with futures bounds the objective (the expected or the worst cost) rather than
/// any one future's: unchanged within the cap; infeasible when its proven bound is above
/// the cap; otherwise no plan (one within the cap may exist but was not found).
fn within_cap(nat: &National, f: &Futures, out: Plan) -> Plan {
    let (Some(cap), Some(value)) = (nat.cost_cap, out.total_cost) else {
        return out;
    };
    let slack = 1e-9 * cap.abs().max(1.0);
    if value <= cap + slack {
        return out;
    }
    let measure = f.risk.objective();
    let proven = out.bound.filter(|b| *b > cap + slack);
    let status = if proven.is_some() {
        Status::Infeasible
    } else {
        Status::Error
    };
    let mut capped = detail::without_purchases(nat, status, &out.solver);
    capped.bound = out.bound;
    capped.warnings = out.warnings;
    match proven {
        Some(b) => {
            capped.conflicts = vec![format!(
                "the cost cap: the {measure} is at least {} {}, above the cap of {} {}",
                crate::numfmt::money(b),
                out.currency,
                crate::numfmt::money(cap),
                out.currency
            )]
        }
        None => {
            capped.message = Some(format!(
                "no plan within the cost cap of {} {} was found in time (the best found: {measure} {} {})",
                crate::numfmt::money(cap),
                out.currency,
                crate::numfmt::money(value),
                out.currency
            ))
        }
    }
    capped
}

/// Refuses a candidate whose futures do not make the same decisions in the common periods
/// (a slip of the joint programme would otherwise print one future's as everyone's).
fn common_agree(f: &Futures, c: &Candidate) -> Result<(), PlanError> {
    let (first, _) = &c.per_future[0];
    let of = |d: &Decisions| FirstStage::of(f.decide_now, &d.x, &d.changes, &d.systems);
    let reference = of(first);
    for ((d, _), fu) in c.per_future.iter().zip(&f.list).skip(1) {
        let other = of(d);
        let same_x = reference
            .x
            .iter()
            .flatten()
            .flatten()
            .zip(other.x.iter().flatten().flatten())
            .all(|(a, b)| (a - b).abs() < 1e-6);
        let same_changes = reference.changes.len() == other.changes.len()
            && reference.changes.iter().zip(&other.changes).all(|(a, b)| {
                (a.site, a.entry, a.period, a.to) == (b.site, b.entry, b.period, b.to)
                    && (a.units - b.units).abs() < 1e-6
            });
        let same_systems = reference.systems.len() == other.systems.len()
            && reference.systems.iter().zip(&other.systems).all(|(a, b)| {
                (a.system, a.site, a.period) == (b.system, b.site, b.period)
                    && (a.units - b.units).abs() < 1e-6
            });
        if !same_x || !same_changes || !same_systems {
            return Err(PlanError::CheckFailed(format!(
                "- future {} decides the common periods differently from future {}",
                fu.id, f.list[0].id
            )));
        }
    }
    Ok(())
}

/// Why no common decisions serve every future, in plain words.
fn joint_conflicts(f: &Futures, blocked: &[(usize, usize)]) -> Vec<String> {
    let years = common_years(f);
    let mut out = vec![format!(
        "every future has a plan on its own, but no decisions for {years} serve all {} futures together",
        f.list.len()
    )];
    for (g, h) in blocked {
        out.push(format!(
            "ordering for {years} what future {} alone needs leaves no way to meet the rules of future {}",
            f.list[*g].id, f.list[*h].id
        ));
    }
    out
}

/// The common periods in words (`2025`, `2025-2026`, or `the plan` without periods).
fn common_years(f: &Futures) -> String {
    let nat = &f.list[0].scenario;
    if !nat.has_periods {
        return "the plan".into();
    }
    let first = nat.years[0];
    let last = nat.years[f.decide_now - 1];
    if first == last {
        format!("{first}")
    } else {
        format!("{first}-{last}")
    }
}

/// Adds `t`'s seconds to `timings`.
fn add(timings: &mut Timings, t: Timings) {
    timings.build_s += t.build_s;
    timings.solve_s += t.solve_s;
    timings.round_s += t.round_s;
    timings.check_s += t.check_s;
}

/// The plan of `best`: the common decisions and the expected figures at the top level,
/// each future's own decisions and figures in `futures`.
fn assemble(nat: &National, f: &Futures, best: &Candidate, status: Status, solver: &str) -> Plan {
    let plans: Vec<Plan> = best
        .per_future
        .iter()
        .zip(&f.list)
        .map(|((_, e), fu)| detail::from_evaluation(&fu.scenario, e, status, solver))
        .collect();
    let common_year = |period: Option<i64>| match period {
        None => true,
        Some(y) => nat
            .years
            .iter()
            .position(|&v| v == y)
            .is_some_and(|t| f.is_common(t)),
    };
    let mut out = detail::without_purchases(nat, status, solver);
    let first = &plans[0];
    out.purchases = first
        .purchases
        .iter()
        .filter(|p| common_year(p.period))
        .cloned()
        .collect();
    out.removals = first
        .removals
        .iter()
        .filter(|r| common_year(r.period))
        .cloned()
        .collect();
    for p in &plans {
        for note in &p.sources {
            if !out.sources.iter().any(|n| n.id == note.id) {
                out.sources.push(note.clone());
            }
        }
    }
    out.adopted_platforms = first
        .adopted_platforms
        .iter()
        .filter(|p| plans.iter().all(|q| q.adopted_platforms.contains(p)))
        .cloned()
        .collect();
    let expect = |get: &dyn Fn(&Plan) -> Option<f64>| -> Option<f64> {
        plans
            .iter()
            .zip(&f.list)
            .map(|(p, fu)| get(p).map(|v| v * fu.probability))
            .sum()
    };
    out.pflops = expect(&|p| p.pflops);
    out.memory_tb = expect(&|p| p.memory_tb);
    out.facility_kw = expect(&|p| p.facility_kw);
    out.capex = expect(&|p| p.capex);
    out.opex = expect(&|p| p.opex);
    out.adoption = expect(&|p| p.adoption);
    out.residual = expect(&|p| p.residual);
    out.energy_discount = expect(&|p| p.energy_discount);
    out.removal = expect(&|p| p.removal);
    out.expected_cost = expect(&|p| p.total_cost);
    out.worst_cost = plans.iter().filter_map(|p| p.total_cost).reduce(f64::max);
    out.risk = Some(f.risk.as_str().to_string());
    out.decide_now = Some(f.decide_now);
    out.futures = plans
        .into_iter()
        .zip(&f.list)
        .map(|(p, fu)| FutureOutcome {
            id: fu.id.clone(),
            probability: fu.probability,
            status: p.status,
            total_cost: p.total_cost,
            capex: p.capex,
            opex: p.opex,
            adoption: p.adoption,
            residual: p.residual,
            energy_discount: p.energy_discount,
            removal: p.removal,
            alone_cost: None,
            naive_cost: None,
            pflops: p.pflops,
            domestic_share: p.domestic_share,
            purchases: p
                .purchases
                .into_iter()
                .filter(|q| !common_year(q.period))
                .collect(),
            removals: p
                .removals
                .into_iter()
                .filter(|r| !common_year(r.period))
                .collect(),
            fleet: p.fleet,
            adopted_platforms: p.adopted_platforms,
            binding: p.binding,
            sites: p.sites,
            periods: p.periods,
        })
        .collect();
    out
}
