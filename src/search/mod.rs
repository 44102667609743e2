//! Planning many sites over many periods (section 2 of the format): build the coupled
//! programme ([`model`]), solve it with the same backends as a single site, check the
//! purchases with the independent checker ([`check`]), and write the plan with its per-site
//! and per-period detail ([`detail`]). An infeasible scenario is explained by
//! [`conflicts`].
//!
//! A min-cost plan is searched in steps (`--strategy auto` or `decompose`): first plans
//! rounded from the continuous relaxation of each set of adopted platforms ([`rounding`]),
//! which also give proven bounds per set; then the Lagrangian decomposition by site
//! ([`decompose`]), which raises those bounds and repairs its site plans into national
//! plans; then, on small models, the exact search with the time left. The cheapest checked
//! plan is kept with the best bound, so a valid plan with an honest gap comes back even
//! when no step can finish. `--strategy direct` hands the whole model to the solver.

// Indices s (site), t (period) and a (accelerator) address several arrays at once
// (x[s][t][a], prices[a][t], ...): range loops say so more plainly than iterators.
#![allow(clippy::needless_range_loop)]

pub mod decompose;
pub mod fixed;
pub mod rounding;

use crate::check::national::{NationalEvaluation, evaluate_all};
use crate::error::PlanError;
use crate::model::Goal;
use crate::model::Row;
use crate::model::national as model;
use crate::plan::detail;
use crate::plan::{Plan, Status};
use crate::scenario::Objective;
use crate::scenario::national::National;
use crate::scenario::national::{FleetChange, SystemBuy};
use crate::solve::{Backend, Limits, Outcome, solve};
use crate::solve::{Budget, Cancel, Stop};
use model::{NationalRequest, unflatten};
use std::collections::BTreeMap;
use std::time::Instant;

/// How to solve.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Solver backend.
    pub backend: Backend,
    /// Overrides `solver.time_limit_s`.
    pub time_limit_s: Option<f64>,
    /// Overrides `solver.mip_gap`.
    pub mip_gap: Option<f64>,
    /// How a national (many-site) min-cost plan is searched.
    pub strategy: Strategy,
    /// Receives progress reports during long national searches (bound, best plan,
    /// elapsed time); `None`: quiet.
    pub progress: Option<crate::search::decompose::Reporter>,
    /// Whether an infeasible plan comes with the conflict analysis (default: yes).
    pub conflicts: bool,
    /// A ceiling on the plan's total (discounted) cost, in money, beside the scenario's
    /// own rules: plans near an optimum, for the alternatives. A scenario with no plan
    /// within it is infeasible. With futures it caps the objective (the expected or the
    /// worst cost over the futures), not each future's cost. `None`: no ceiling.
    pub cost_cap: Option<f64>,
    /// The caller's request to stop early: the search then returns the best checked plan
    /// found so far (status feasible unless proven), as at its time limit.
    pub cancel: Cancel,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            backend: Backend::Microlp,
            time_limit_s: None,
            mip_gap: None,
            strategy: Strategy::Auto,
            progress: None,
            conflicts: true,
            cost_cap: None,
            cancel: Cancel::default(),
        }
    }
}

/// How a national min-cost plan is searched (single-site plans are always solved
/// directly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// Decomposition for min-cost national plans with whole lots, the direct model
    /// otherwise.
    #[default]
    Auto,
    /// The whole programme handed to the solver as one model.
    Direct,
    /// Search over the adopted-platform sets, Lagrangian decomposition by site of each
    /// promising set (for the bound and plans), then the exact search per set with the
    /// time left.
    Decompose,
}

impl Strategy {
    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::Auto => "auto",
            Strategy::Direct => "direct",
            Strategy::Decompose => "decompose",
        }
    }
}

/// The max_pflops plan: the second stage's (checked evaluation, whether proven) is kept
/// unless it costs more than the first (beyond rounding): then the first is as cheap as
/// any, and just as proven. Without a valid second stage, the first is not proven cheapest.
pub fn keep_cheaper<E>(
    first: E,
    first_proven: bool,
    second: Option<(Result<E, PlanError>, bool)>,
    cost: impl Fn(&E) -> f64,
) -> (E, bool) {
    match second {
        Some((Ok(e2), proven)) => {
            let c1 = cost(&first);
            if cost(&e2) <= c1 + 1e-9 * c1.abs().max(1.0) {
                (e2, first_proven && proven)
            } else {
                (first, first_proven && proven)
            }
        }
        _ => (first, false),
    }
}

/// The first stage of max_pflops gave `best` PFLOPS with solver bound `bound`: the proven
/// upper bound (infinite when none), and the PFLOPS floor of the second stage, which seeks
/// the least cost among plans within the gap of that maximum (the first plan qualifies,
/// since it is within a tenth of the gap).
pub fn pflops_floor(bound: Option<f64>, proven: bool, best: f64, mip_gap: f64) -> (f64, f64) {
    let upper = bound
        .unwrap_or(if proven { best } else { f64::INFINITY })
        .max(best);
    let reference = if upper.is_finite() { upper } else { best };
    let floor = (reference * (1.0 - mip_gap)).min(best) - 1e-9 * best.max(1.0);
    (upper, floor)
}

/// Seconds spent in each step of one plan (for the benchmarks' breakdown).
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    /// Building the programme(s).
    pub build_s: f64,
    /// Solving.
    pub solve_s: f64,
    /// Rounding, repairing and trimming relaxations into plans (each candidate checked).
    pub round_s: f64,
    /// Checking the final plan and writing it.
    pub check_s: f64,
    /// Phases of a national min-cost search (zero where a phase did not run): the
    /// relaxation and the search over platform sets.
    pub relax_s: f64,
    /// The decomposition's rounds (with setting up the site problems and the relaxations
    /// of the sets it opens).
    pub rounds_s: f64,
    /// How many rounds of site problems ran.
    pub rounds: usize,
    /// The site-by-site improvement of the best plan.
    pub improve_s: f64,
}

/// A solution of the national programme, read back as purchases `x[s][t][a]`.
#[derive(Debug, Clone)]
pub struct NationalSolved {
    /// Purchases.
    pub x: Vec<Vec<Vec<f64>>>,
    /// Removals and moves of installed units (those of at least one unit).
    pub changes: Vec<FleetChange>,
    /// Whole systems bought (those of at least one system).
    pub systems: Vec<SystemBuy>,
    /// The goal's value (money or PFLOPS).
    pub objective: f64,
    /// Proven bound on it.
    pub bound: Option<f64>,
    /// Whether the search finished within the gap.
    pub proven: bool,
    /// Each coupling rule: its activity in this solution and its limit (model units).
    pub coupling: Vec<(model::Coupling, f64, f64)>,
    /// The coupling rules' dual prices (model units, never negative), when the model is
    /// continuous and the solver gives duals.
    pub duals: Option<BTreeMap<model::Coupling, f64>>,
}

/// Result of one solve.
#[derive(Debug, Clone)]
pub enum NationalVariant {
    /// A solution.
    Solved(NationalSolved),
    /// No solution exists.
    Infeasible,
    /// The objective is unbounded.
    Unbounded,
    /// The solver stopped before finding a solution.
    NoSolution(String),
}

/// Builds and solves one variant of the national programme.
pub fn solve_national(
    req: &NationalRequest,
    backend: Backend,
    limits: Limits,
    timings: &mut Timings,
) -> Result<NationalVariant, PlanError> {
    let started = Instant::now();
    let (built, rows) = model::build_rows_until(req, limits.deadline);
    timings.build_s += started.elapsed().as_secs_f64();
    let buy = built.buy.clone();
    let change_vars = built.changes.clone();
    let system_vars = built.systems.clone();
    let unit = built.objective_unit;
    let integer = req.nat.solver.integer && !req.lp_relaxation;
    let (outcome, seconds) = solve(built, backend, limits)?;
    timings.solve_s += seconds;
    Ok(match outcome {
        Outcome::Solved {
            proven,
            values,
            objective,
            bound,
            duals,
        } => {
            let duals = duals.map(|d| {
                rows.iter()
                    .filter_map(|r| match r.row {
                        Row::Added { index, factor } => {
                            Some((r.rule, d.get(index).map_or(0.0, |v| v.abs() * factor)))
                        }
                        _ => None,
                    })
                    .collect()
            });
            let coupling = rows
                .iter()
                .map(|r| (r.rule, r.activity.eval_with(&values), r.limit))
                .collect();
            let (x, changes, systems) = read_back(
                req.nat,
                (&buy, &change_vars, &system_vars),
                &values,
                integer,
                req.lp_relaxation,
            );
            NationalVariant::Solved(NationalSolved {
                x,
                changes,
                systems,
                objective: objective * unit,
                bound: bound.map(|b| b * unit),
                proven,
                coupling,
                duals,
            })
        }
        Outcome::Infeasible => NationalVariant::Infeasible,
        Outcome::Unbounded => NationalVariant::Unbounded,
        Outcome::NoSolution(why) => NationalVariant::NoSolution(why),
    })
}

/// A model's decision variables: purchases (per slot, with the lot size), removals and
/// moves, whole systems.
pub(crate) type Decisions<'a> = (
    &'a [Option<(good_lp::Variable, f64)>],
    &'a [(FleetChange, good_lp::Variable)],
    &'a [(SystemBuy, good_lp::Variable)],
);

/// The purchases `x[s][t][a]`, removals and moves, and systems of a solution: whole lots
/// when `integer`, whole systems unless `lp_relaxation`, tiny values as zero.
pub(crate) fn read_back(
    nat: &National,
    (buy, change_vars, system_vars): Decisions,
    values: &crate::solve::Values,
    integer: bool,
    lp_relaxation: bool,
) -> (Vec<Vec<Vec<f64>>>, Vec<FleetChange>, Vec<SystemBuy>) {
    let flat: Vec<f64> = buy
        .iter()
        .map(|b| match b {
            None => 0.0,
            Some((var, lot)) => {
                let v = good_lp::Solution::value(values, *var);
                let x = if integer {
                    v.round().max(0.0) * lot
                } else {
                    (v * lot).max(0.0)
                };
                if x.abs() < 1e-9 { 0.0 } else { x }
            }
        })
        .collect();
    let changes = change_vars
        .iter()
        .filter_map(|(c, var)| {
            let v = good_lp::Solution::value(values, *var).max(0.0);
            let units = if integer { v.round() } else { v };
            (units > 1e-9).then_some(FleetChange { units, ..*c })
        })
        .collect();
    // Whole systems even with `solver.integer: false` (not in the LP relaxation).
    let systems = system_vars
        .iter()
        .filter_map(|(y, var)| {
            let v = good_lp::Solution::value(values, *var).max(0.0);
            let units = if lp_relaxation { v } else { v.round() };
            (units > 1e-9).then_some(SystemBuy { units, ..*y })
        })
        .collect();
    (unflatten(nat, &flat), changes, systems)
}

/// What the continuous relaxation (every integrality dropped: lots, platform adoption and
/// minimum orders) says: a bound on the objective, not a plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Relaxation {
    /// The relaxation's optimum: a lower bound on the cost (upper on PFLOPS for max_pflops).
    Bound(f64),
    /// The relaxation has no solution, so neither has the scenario.
    Infeasible,
    /// The relaxation is unbounded.
    Unbounded,
    /// The solver stopped before solving it.
    Stopped,
}

/// Solves the continuous relaxation of `nat`.
pub fn relaxation(
    nat: &National,
    opts: &Options,
    timings: &mut Timings,
) -> Result<Relaxation, PlanError> {
    let mut req = NationalRequest::new(nat);
    req.lp_relaxation = true;
    let limits = Budget::start(opts.time_limit_s.unwrap_or(nat.solver.time_limit_s), 0.0)
        .cancelled_by(opts.cancel)
        .limits(0.0);
    Ok(match solve_national(&req, opts.backend, limits, timings)? {
        NationalVariant::Solved(s) if s.proven => Relaxation::Bound(s.objective),
        NationalVariant::Solved(_) | NationalVariant::NoSolution(_) => Relaxation::Stopped,
        NationalVariant::Infeasible => Relaxation::Infeasible,
        NationalVariant::Unbounded => Relaxation::Unbounded,
    })
}

/// Evaluates purchases and refuses any that break a rule.
pub fn checked(nat: &National, x: &[Vec<Vec<f64>>]) -> Result<NationalEvaluation, PlanError> {
    checked_with(nat, x, &[])
}

/// Evaluates purchases with removals and moves of installed units, and refuses any that
/// break a rule.
pub fn checked_with(
    nat: &National,
    x: &[Vec<Vec<f64>>],
    changes: &[FleetChange],
) -> Result<NationalEvaluation, PlanError> {
    checked_all(nat, x, changes, &[])
}

/// Evaluates purchases of loose cards, removals and moves, and whole systems, and
/// refuses any plan that breaks a rule.
pub fn checked_all(
    nat: &National,
    x: &[Vec<Vec<f64>>],
    changes: &[FleetChange],
    systems: &[SystemBuy],
) -> Result<NationalEvaluation, PlanError> {
    let e = evaluate_all(nat, x, changes, systems);
    let broken: Vec<String> = e
        .violations()
        .iter()
        .take(20)
        .map(|c| format!("- {}", c.message()))
        .collect();
    if broken.is_empty() {
        Ok(e)
    } else {
        Err(PlanError::CheckFailed(broken.join("\n")))
    }
}

/// Searches a plan of `nat` with the strategy of `opts`: the checked plan (not yet passed
/// through [`crate::planner::finite`]) and the seconds each step took. An infeasible
/// scenario comes back without its conflicts: [`crate::planner::plan`] adds them.
pub fn search(nat: &National, opts: &Options) -> Result<(Plan, Timings), PlanError> {
    plan_searched(nat, opts)
}

fn plan_searched(nat: &National, opts: &Options) -> Result<(Plan, Timings), PlanError> {
    let mut timings = Timings::default();
    let budget = Budget::start(
        opts.time_limit_s.unwrap_or(nat.solver.time_limit_s),
        opts.mip_gap.unwrap_or(nat.solver.mip_gap),
    )
    .cancelled_by(opts.cancel);
    let solver = opts.backend.as_str();
    if nat.objective == Objective::MinCost {
        let plan = if opts.strategy == Strategy::Direct {
            direct(nat, opts, &budget, &mut timings)?
        } else {
            min_cost(nat, opts, &budget, &mut timings)?
        };
        return Ok((plan, timings));
    }
    // max_pflops: the first stage is solved ten times tighter (see `planner::pflops_floor`).
    let mut limits = budget.limits(0.0);
    limits.mip_gap /= 10.0;
    let first = match solve_national(
        &NationalRequest::new(nat),
        opts.backend,
        limits,
        &mut timings,
    ) {
        Ok(v) => v,
        Err(PlanError::Solver(msg)) => NationalVariant::NoSolution(msg),
        Err(e) => return Err(e),
    };
    let plan = match first {
        NationalVariant::Solved(sol) => {
            match finish_max_pflops(nat, sol, opts.backend, &budget, &mut timings) {
                Err(PlanError::CheckFailed(broken)) => rounding::plan(
                    nat,
                    opts.backend,
                    &budget,
                    format!(
                        "the solver's plan broke a rule of the scenario (a numerical slip) and was discarded:\n{broken}\n"
                    ),
                    &mut timings,
                )?,
                other => other?,
            }
        }
        NationalVariant::Infeasible => infeasible(nat, opts.backend),
        NationalVariant::Unbounded => {
            let mut p = detail::without_purchases(nat, Status::Unbounded, solver);
            p.message = Some("the objective can grow without end".into());
            p
        }
        NationalVariant::NoSolution(why) => {
            let why = if why.contains("time limit") {
                format!("{why} (time limit {} s)", budget.seconds)
            } else {
                why
            };
            rounding::plan(nat, opts.backend, &budget, why, &mut timings)?
        }
    };
    Ok((plan, timings))
}

/// The plan of an infeasible scenario: no purchases ([`crate::planner::plan`] adds the
/// reasons).
pub fn infeasible(nat: &National, backend: Backend) -> Plan {
    detail::without_purchases(nat, Status::Infeasible, backend.as_str())
}

/// What a plan without purchases says when its search was cancelled before it found one.
pub const INTERRUPTED_BEFORE_A_PLAN: &str = "the search was interrupted before it found a plan";

/// What a plan whose search was cancelled says: it is the best found so far.
pub const INTERRUPTED: &str = "the search was interrupted: this is the best plan found so far, and its gap says how far from optimal it can be";

/// Purchase decisions of the model: sites x periods x (accelerators + systems).
pub(crate) fn purchase_slots(nat: &National) -> usize {
    nat.sites.len() * nat.periods() * (nat.accelerators.len() + nat.systems.len())
}

/// Share of the time limit the relaxation-based plan may use before the exact search.
const ROUNDING_SHARE: f64 = 1.0 / 3.0;

/// Most purchase decisions (sites x periods x accelerators) for which microlp's exact
/// search is run after the relaxation-based plan. Beyond it, microlp's branch and bound
/// finds no plan in minutes while its memory grows by gigabytes (measured: the national
/// sample's 162 decisions, no plan in 40 s, even with adoption fixed; 325 decisions, none
/// in 40 s, 0.9 GB; 3,250 decisions, 2.2 GB).
pub const MICROLP_EXACT_SLOTS: usize = 100;

/// Most purchase decisions for which the exact search follows the decomposition. Beyond
/// it the exact search found no plan cheaper than the decomposition's (measured with HiGHS
/// on generated scenarios of 50 sites and more), and HiGHS can overrun its time limit on
/// such models; the decomposition gets the whole time instead.
pub const EXACT_AFTER_DECOMPOSITION_SLOTS: usize = 2_000;

/// Rounds a set's decomposition may go without raising the set's bound before it is
/// closed (from zero prices, microlp's, the bound can stay below the relaxation's for long).
const STALL_ROUNDS: usize = 20;

/// Share of the decomposition's time kept for improving its best plan site by site.
const IMPROVE_SHARE: f64 = 0.2;

/// A min-cost plan: the rounded relaxation (with its search over platform sets), the
/// Lagrangian decomposition of each promising set, then the exact search with the time
/// left, and the cheapest checked plan with the best bound.
///
/// Sets are taken least bound first. A set whose bound reaches the best plan (within the
/// gap) needs no more work. The decomposition raises a set's bound above its relaxation's
/// (each site buys whole lots) and builds plans from the site solutions; the exact search
/// then runs per set with adoption fixed, a much smaller problem than deciding adoption
/// too. The final bound is the least over all sets of each one's proven bound.
fn min_cost(
    nat: &National,
    opts: &Options,
    budget: &Budget,
    timings: &mut Timings,
) -> Result<Plan, PlanError> {
    let backend = opts.backend;
    let solver = backend.as_str();
    let started = Instant::now();
    let slots = purchase_slots(nat);
    let decompose = nat.solver.integer && opts.strategy != Strategy::Direct;
    let exact_search = (backend != Backend::Microlp || slots <= MICROLP_EXACT_SLOTS)
        && (!decompose || slots <= EXACT_AFTER_DECOMPOSITION_SLOTS);
    // The relaxation-based search gets a third of the time when the exact search or a
    // decomposition with dual prices (HiGHS) follows. Without duals (microlp) the
    // decomposition starts from zero prices and needs many rounds: the platform-set search
    // keeps the time it needs, and the decomposition gets what is left.
    if exact_search
        && slots <= MICROLP_EXACT_SLOTS
        && !budget.cancelled()
        && let Some(plan) = probe(nat, backend, budget, timings)?
    {
        return Ok(plan);
    }
    let share = if exact_search || (decompose && backend != Backend::Microlp) {
        ROUNDING_SHARE
    } else {
        1.0
    };
    let relaxing = Instant::now();
    let rounded =
        rounding::heuristic(nat, backend, budget.seconds * share, budget.stop(), timings)?;
    timings.relax_s += relaxing.elapsed().as_secs_f64();
    let heuristic_s = started.elapsed().as_secs_f64();
    let (mut best, relaxation_bound, mut sets) = match rounded {
        rounding::Heuristic::Infeasible => return Ok(infeasible(nat, backend)),
        rounding::Heuristic::Found(e, b, sets) => (*e, b, sets),
    };
    let mut notes = Vec::new();
    let mut from_search = false;
    let mut from_decomposition = false;
    let mut searched_bound: Option<f64> = None;
    let mut proven_whole = false;
    let cost = |e: &Option<NationalEvaluation>| e.as_ref().map_or(f64::INFINITY, |e| e.total_cost);
    let within_gap = |bound: f64, value: f64| {
        value.is_finite() && crate::solve::relative_gap(value, bound.min(value)) <= budget.mip_gap
    };
    let least =
        |sets: &[rounding::SetBound]| sets.iter().map(|s| s.bound).fold(f64::INFINITY, f64::min);
    let report = |phase: &'static str, bound: f64, best: f64| {
        if let Some(report) = opts.progress {
            report(&decompose::Progress {
                elapsed_s: started.elapsed().as_secs_f64(),
                bound,
                best,
                phase,
            });
        }
    };
    sets.sort_by(|a, b| a.bound.total_cmp(&b.bound));
    report(
        "relaxation and platform sets",
        least(&sets).min(relaxation_bound.unwrap_or(f64::NEG_INFINITY)),
        cost(&best),
    );
    if decompose && !sets.is_empty() && budget.left() < 0.2 {
        // Not even one round fits (setting up the site problems alone takes a while on
        // large scenarios).
        notes.push("the time limit stopped the decomposition over platform sets".into());
        searched_bound = Some(least(&sets));
    } else if decompose && !sets.is_empty() {
        // Lagrangian decomposition, one round at a time, always on the open set with the
        // least bound: the final bound is the least over all sets, so only raising that
        // one raises it. The exact search (when it runs) keeps a third of the time left.
        let keep = if exact_search { ROUNDING_SHARE } else { 0.0 };
        let phase = budget.left() * (1.0 - keep);
        // The last part of the phase improves the best plan site by site.
        let improve_end = Instant::now() + std::time::Duration::from_secs_f64(phase);
        let phase_end =
            Instant::now() + std::time::Duration::from_secs_f64(phase * (1.0 - IMPROVE_SHARE));
        let mut best_set: Option<usize> = None;
        let rounds_started = Instant::now();
        let sites = decompose::parts(nat);
        let mut searches: Vec<Option<decompose::SetSearch>> = sets.iter().map(|_| None).collect();
        let mut round_s = 0.0_f64;
        let mut stalled = vec![0usize; sets.len()];
        // One relaxation's time, from the search over platform sets (a relaxation under way
        // is not interrupted, so one is not started without the time to end it).
        let solved_lps = 1 + sets.iter().filter(|s| s.lp.is_some()).count();
        let mut lp_s = heuristic_s / solved_lps as f64;
        // The set adopting every costly platform contains all the others: a bound `B` on
        // it gives every set `S` the floor `B - adoption(all) + adoption(S)` (a plan of `S`
        // is a plan of the larger set that pays for platforms it leaves unused). Its rounds
        // alternate with the least-bound set's while they raise its bound.
        let largest = (0..sets.len()).max_by_key(|&k| sets[k].platforms.len());
        let adoption_of = |set: &rounding::SetBound| -> f64 {
            set.platforms.iter().map(|p| nat.platform_adoption[p]).sum()
        };
        let mut turn = 0usize;
        loop {
            let is_open = |k: usize, sets: &[rounding::SetBound]| {
                let b = sets[k].bound;
                b < cost(&best)
                    && !within_gap(b, cost(&best))
                    && !searches[k].as_ref().is_some_and(|s| s.done)
                    && stalled[k] < STALL_ROUNDS
            };
            let least_open = (0..sets.len())
                .filter(|&k| is_open(k, &sets))
                .min_by(|&p, &q| sets[p].bound.total_cmp(&sets[q].bound));
            let Some(mut k) = least_open else { break };
            // Rounds (not relaxations that close a set) take turns.
            if let Some(l) = largest
                && turn.is_multiple_of(2)
                && l != k
                && sets[l].platforms.is_superset(&sets[k].platforms)
                && !searches[l].as_ref().is_some_and(|s| s.done)
                && stalled[l] < STALL_ROUNDS
            {
                k = l;
            }
            let left = phase_end
                .saturating_duration_since(Instant::now())
                .as_secs_f64();
            if budget.cancelled() {
                break;
            }
            if left < 0.2 + round_s {
                notes.push("the time limit stopped the decomposition over platform sets".into());
                break;
            }
            if searches[k].is_none() {
                let lp = match sets[k].lp.take() {
                    Some(lp) => *lp,
                    None => {
                        if left < 0.2 + round_s + lp_s {
                            notes.push(
                                "the time limit stopped the decomposition over platform sets"
                                    .into(),
                            );
                            break;
                        }
                        let mut req = NationalRequest::new(nat);
                        req.lp_relaxation = true;
                        req.platforms = Some(sets[k].platforms.clone());
                        let limits = Limits {
                            time_limit_s: left,
                            mip_gap: 0.0,
                            deadline: budget.end(),
                            cancel: budget.cancel,
                        };
                        let solving = Instant::now();
                        let solved = solve_national(&req, backend, limits, timings)?;
                        lp_s = lp_s.max(solving.elapsed().as_secs_f64());
                        match solved {
                            NationalVariant::Solved(lp) if lp.proven => {
                                sets[k].bound = sets[k].bound.max(lp.objective);
                                if !is_open(k, &sets) {
                                    // The set's own relaxation closes it (the search over
                                    // platform sets gave it a lower floor).
                                    sets[k].lp = Some(Box::new(lp));
                                    continue;
                                }
                                lp
                            }
                            NationalVariant::Infeasible => {
                                sets[k].bound = f64::INFINITY;
                                continue;
                            }
                            _ => break,
                        }
                    }
                };
                // Prices from the set searched longest give the next set a head start.
                let start = searches
                    .iter()
                    .flatten()
                    .filter(|s| s.iterations >= 3)
                    .max_by_key(|s| s.iterations)
                    .map(|s| s.best_prices().clone());
                searches[k] = Some(decompose::SetSearch::new(
                    nat,
                    &sets[k].platforms,
                    &lp,
                    start.as_ref(),
                    budget.mip_gap,
                ));
            }
            turn += 1;
            let search = searches[k].as_mut().expect("made above");
            let plan = search.round(
                nat,
                &sites,
                cost(&best),
                backend,
                left,
                budget.stop(),
                timings,
            )?;
            round_s = round_s.max(search.round_s);
            if search.bound() > sets[k].bound {
                sets[k].bound = search.bound();
                stalled[k] = 0;
            } else {
                stalled[k] += 1;
            }
            // Floors for the sets this one contains.
            let (raised, paid) = (search.bound(), adoption_of(&sets[k]));
            if raised.is_finite() {
                let outer = sets[k].platforms.clone();
                for set in sets.iter_mut() {
                    if set.platforms.is_subset(&outer) {
                        set.bound = set.bound.max(raised - paid + adoption_of(set));
                    }
                }
            }
            if let Some(e) = plan
                && e.total_cost < cost(&best)
            {
                best = Some(e);
                best_set = Some(k);
                from_decomposition = true;
            }
            report("decomposition", least(&sets), cost(&best));
        }
        timings.rounds_s += rounds_started.elapsed().as_secs_f64();
        // A turn is taken by each round and by nothing else.
        timings.rounds += turn;
        // Site-by-site improvement of the best plan, when a decomposition made it.
        let improving = Instant::now();
        if let (Some(k), Some(e)) = (best_set, &best)
            && let Some(search) = &searches[k]
            && !within_gap(least(&sets), e.total_cost)
        {
            let end = Stop {
                deadline: Some(improve_end.max(Instant::now())),
                cancel: budget.cancel,
            };
            if let Some(better) = search.improve(nat, &sites, e, backend, end, timings)? {
                best = Some(better);
            }
            report("site-by-site improvement", least(&sets), cost(&best));
        }
        timings.improve_s += improving.elapsed().as_secs_f64();
        searched_bound = Some(least(&sets));
    }
    if decompose
        && !exact_search
        && slots > EXACT_AFTER_DECOMPOSITION_SLOTS
        && backend != Backend::Microlp
    {
        notes.push(format!(
            "the exact search is not run after the decomposition on models of more than {EXACT_AFTER_DECOMPOSITION_SLOTS} purchase decisions (this one has {slots}); --strategy direct hands the whole model to the solver"
        ));
    } else if !exact_search {
        notes.push(format!(
            "microlp's exact search is not run on models of more than {MICROLP_EXACT_SLOTS} purchase decisions (this one has {slots}): it cannot finish and its memory grows without bound; --solver highs searches them"
        ));
    } else if !sets.is_empty() {
        // Exact search per platform set, least bound first.
        sets.sort_by(|a, b| a.bound.total_cmp(&b.bound));
        for set in sets.iter_mut() {
            if within_gap(set.bound, cost(&best)) || set.bound >= cost(&best) {
                break;
            }
            if budget.left() < 0.5 {
                notes.push("the time limit stopped the exact search over platform sets".into());
                break;
            }
            let mut req = NationalRequest::new(nat);
            req.platforms = Some(set.platforms.clone());
            match exact(&req, backend, budget, timings, &mut notes)? {
                Exact::Plan(e, bound, _) => {
                    set.bound = set.bound.max(bound.min(e.total_cost));
                    if e.total_cost < cost(&best) {
                        best = Some(*e);
                        from_search = true;
                    }
                }
                Exact::Infeasible => set.bound = f64::INFINITY,
                Exact::Nothing(Some(b)) => set.bound = set.bound.max(b),
                Exact::Nothing(None) => {}
            }
        }
        searched_bound = Some(least(&sets));
    } else {
        match exact(&NationalRequest::new(nat), backend, budget, timings, &mut notes)? {
            Exact::Plan(e, bound, proven) => {
                searched_bound = Some(bound);
                proven_whole = proven;
                if e.total_cost <= cost(&best) {
                    best = Some(*e);
                    from_search = true;
                }
            }
            Exact::Infeasible if best.is_none() => {
                return Ok(infeasible(nat, backend));
            }
            Exact::Infeasible => notes.push("the exact search called the scenario infeasible, but the rounded relaxation gives a plan that passes every check; that plan is shown".into()),
            Exact::Nothing(b) => searched_bound = b,
        }
    }
    let checking = Instant::now();
    if best.is_none() && !sets.is_empty() && sets.iter().all(|s| s.bound == f64::INFINITY) {
        // No set of platforms admits a plan: the scenario is infeasible.
        return Ok(infeasible(nat, backend));
    }
    let proven_bound = [searched_bound, relaxation_bound]
        .into_iter()
        .flatten()
        .filter(|b| b.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let Some(e) = best else {
        let mut p = detail::without_purchases(nat, Status::Error, solver);
        // What was proven before the time ran out still bounds every plan.
        p.bound = proven_bound.is_finite().then_some(proven_bound);
        if budget.cancelled() {
            p.message = Some(INTERRUPTED_BEFORE_A_PLAN.into());
            return Ok(p);
        }
        p.message = Some(format!(
            "no plan was found within the time limit ({} s): {}; raise solver.time_limit_s (or --time-limit) or try --solver highs",
            budget.seconds,
            notes.join("; ")
        ));
        return Ok(p);
    };
    let bound = if proven_bound.is_finite() {
        proven_bound.min(e.total_cost)
    } else {
        0.0
    };
    let gap = crate::solve::relative_gap(e.total_cost, bound);
    report("done", bound, e.total_cost);
    let optimal = (proven_whole && from_search) || gap <= budget.mip_gap + 1e-12;
    let status = if optimal {
        Status::Optimal
    } else {
        Status::Feasible
    };
    let mut plan = detail::from_evaluation(nat, &e, status, solver);
    plan.bound = Some(crate::solve::snap(e.total_cost, bound));
    plan.gap = Some(gap);
    if !from_search && !from_decomposition {
        notes.push("this plan rounds the continuous relaxation to whole lots and repairs it; the exact search found none as cheap within the time limit".into());
    } else if from_decomposition && !from_search {
        notes.push("this plan repairs the site plans of the decomposition; the exact search found none as cheap within the time limit".into());
    }
    if !optimal {
        plan.warnings.extend(notes);
    }
    timings.check_s += checking.elapsed().as_secs_f64();
    Ok(plan)
}

/// The whole programme handed to the solver as one model (`--strategy direct`); the
/// rounded relaxation when the solver finds no plan in time.
fn direct(
    nat: &National,
    opts: &Options,
    budget: &Budget,
    timings: &mut Timings,
) -> Result<Plan, PlanError> {
    let backend = opts.backend;
    let mut notes = Vec::new();
    let slots = purchase_slots(nat);
    if backend == Backend::Microlp && slots > MICROLP_EXACT_SLOTS {
        let why = format!(
            "--strategy direct with microlp runs only on models of at most {MICROLP_EXACT_SLOTS} purchase decisions (this one has {slots}): beyond that its search finds no plan while its memory grows by gigabytes; --solver highs searches them"
        );
        return rounding::plan(nat, backend, budget, why, timings);
    }
    let (e, bound, proven) = match exact(
        &NationalRequest::new(nat),
        backend,
        budget,
        timings,
        &mut notes,
    )? {
        Exact::Plan(e, bound, proven) => (*e, bound, proven),
        Exact::Infeasible => return Ok(infeasible(nat, backend)),
        Exact::Nothing(_) => {
            return rounding::plan(nat, backend, budget, notes.join("; "), timings);
        }
    };
    let started = Instant::now();
    let mut plan = exact_plan(nat, &e, bound, proven, budget.mip_gap, backend);
    plan.warnings.extend(notes);
    timings.check_s += started.elapsed().as_secs_f64();
    Ok(plan)
}

/// The plan of the exact search's purchases `e`, with its proven bound: optimal when the
/// search finished or the bound is within `mip_gap`.
fn exact_plan(
    nat: &National,
    e: &NationalEvaluation,
    bound: f64,
    proven: bool,
    mip_gap: f64,
    backend: Backend,
) -> Plan {
    let bound = bound.min(e.total_cost);
    let gap = crate::solve::relative_gap(e.total_cost, bound);
    let status = if proven || gap <= mip_gap + 1e-12 {
        Status::Optimal
    } else {
        Status::Feasible
    };
    let mut plan = detail::from_evaluation(nat, e, status, backend.as_str());
    plan.bound = Some(crate::solve::snap(e.total_cost, bound));
    plan.gap = Some(gap);
    plan
}

/// Seconds at most of the exact search that small min-cost models get first
/// ([`PROBE_SHARE`] of the time limit, at most this).
const PROBE_S: f64 = 5.0;

/// Share of the time limit the first exact search of a small model may take.
const PROBE_SHARE: f64 = 0.2;

/// The exact search of a small model (at most [`MICROLP_EXACT_SLOTS`] purchase
/// decisions), run first for a short while: most such models are proven optimal or
/// infeasible in milliseconds, where the relaxation-based steps would take their share of
/// the time limit (an infeasible two-site model whose relaxation is feasible took half of
/// it). `None`: not proven in that time; the search goes on as for larger models.
fn probe(
    nat: &National,
    backend: Backend,
    budget: &Budget,
    timings: &mut Timings,
) -> Result<Option<Plan>, PlanError> {
    let seconds = (budget.seconds * PROBE_SHARE).min(PROBE_S);
    let short = Budget::start(seconds, budget.mip_gap).cancelled_by(budget.cancel);
    let mut notes = Vec::new();
    Ok(
        match exact(
            &NationalRequest::new(nat),
            backend,
            &short,
            timings,
            &mut notes,
        )? {
            Exact::Infeasible => Some(infeasible(nat, backend)),
            Exact::Plan(e, bound, true) => {
                Some(exact_plan(nat, &e, bound, true, budget.mip_gap, backend))
            }
            Exact::Plan(..) | Exact::Nothing(_) => None,
        },
    )
}

/// What one exact search gave.
enum Exact {
    /// A checked plan, the proven bound, and whether the search finished.
    Plan(Box<NationalEvaluation>, f64, bool),
    /// No plan exists.
    Infeasible,
    /// No plan found; the bound when the solver had one.
    Nothing(Option<f64>),
}

/// Runs the exact search of `req` with the time left.
fn exact(
    req: &NationalRequest,
    backend: Backend,
    budget: &Budget,
    timings: &mut Timings,
    notes: &mut Vec<String>,
) -> Result<Exact, PlanError> {
    let outcome = match solve_national(req, backend, budget.limits(0.5), timings) {
        Ok(v) => v,
        Err(PlanError::Solver(msg)) => NationalVariant::NoSolution(msg),
        Err(e) => return Err(e),
    };
    Ok(match outcome {
        NationalVariant::Solved(sol) => {
            let started = Instant::now();
            let checked = checked_all(req.nat, &sol.x, &sol.changes, &sol.systems);
            timings.check_s += started.elapsed().as_secs_f64();
            match checked {
                Ok(e) => {
                    let bound = sol
                        .bound
                        .unwrap_or(if sol.proven { e.total_cost } else { 0.0 });
                    Exact::Plan(Box::new(e), bound, sol.proven)
                }
                Err(PlanError::CheckFailed(broken)) => {
                    notes.push(format!(
                        "the exact search's plan broke a rule of the scenario (a numerical slip) and was discarded:\n{broken}"
                    ));
                    Exact::Nothing(None)
                }
                Err(e) => return Err(e),
            }
        }
        NationalVariant::Infeasible => Exact::Infeasible,
        NationalVariant::Unbounded => Exact::Nothing(None),
        NationalVariant::NoSolution(why) => {
            notes.push(format!("the exact search found no plan: {why}"));
            Exact::Nothing(None)
        }
    })
}

fn finish_max_pflops(
    nat: &National,
    first: NationalSolved,
    backend: Backend,
    budget: &Budget,
    timings: &mut Timings,
) -> Result<Plan, PlanError> {
    let e1 = checked_all(nat, &first.x, &first.changes, &first.systems)?;
    let best = detail::final_pflops(&e1);
    let (upper, floor) =
        crate::search::pflops_floor(first.bound, first.proven, best, budget.mip_gap);
    let mut req = NationalRequest::new(nat);
    req.goal = Goal::MinCostWithPflops(floor);
    let second = match solve_national(&req, backend, budget.limits(1.0), timings)? {
        NationalVariant::Solved(second) => Some((
            checked_all(nat, &second.x, &second.changes, &second.systems),
            second.proven,
        )),
        _ => None,
    };
    let (e, proven) = crate::search::keep_cheaper(e1, first.proven, second, |e| e.total_cost);
    let status = if proven {
        Status::Optimal
    } else {
        Status::Feasible
    };
    let mut plan = detail::from_evaluation(nat, &e, status, backend.as_str());
    let pflops = detail::final_pflops(&e);
    if upper.is_finite() {
        plan.bound = Some(crate::solve::snap(pflops, upper));
        plan.gap = Some(crate::solve::relative_gap(pflops, upper));
    }
    Ok(plan)
}
