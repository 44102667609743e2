//! Lagrangian decomposition of a min-cost national plan, for one set of adopted platforms.
//!
//! Sites (or parts, below) are coupled only by the national rules: supply caps per accelerator and period,
//! the national share and the budgets per period ([`Coupling`]). Pricing those rules
//! (multipliers `λ ≥ 0`) instead of imposing them splits the programme into one small
//! integer programme per site, solved in parallel to a share of the plan's gap (exactly
//! when the plan's gap is 0), their proven bounds entering the sum:
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
//! The rules of section 6 are site decisions and stay in the site problems: removals of
//! installed units, the energy discount and whole systems. Moves of installed units join
//! their sites: the sites that units may move between (by `move_to`) form one [`Part`],
//! planned as one problem, so that every move is decided exactly where both its ends are
//! and the bound stays valid. Each part's removals, moves and systems are read back with
//! its purchases; the repair rounds and repairs the purchases around them
//! ([`super::fixed::Fixed`]), and the improvement solves a part's purchases, removals,
//! moves and systems again together.
//!
//! Most parts are solved by microlp 0.6 alone in milliseconds ([`solve_small`]). A part
//! that joins sites, or that 0.6 cannot prove within [`QUICK_S`], is hard ([`Part::hard`]):
//! from then on it goes to the chosen backend (HiGHS) first, in the rounds and in the
//! improvement. In a round, the easy parts are solved to [`EASY_GAP_SHARE`] of the plan's
//! gap and the hard ones to the rest of [`PART_GAP_SHARE`], spread over them; the
//! improvement solves the easy parts exactly.

// Indices s (site), t (period) and a (accelerator) address several arrays at once.
#![allow(clippy::needless_range_loop)]

use super::fixed::Fixed;
use super::{NationalSolved, Timings, rounding};
use crate::check::national::{NationalEvaluation, evaluate_all};
use crate::error::PlanError;
use crate::model::national::{Coupling, CouplingRow, NationalRequest, build_rows, slot};
use crate::scenario::national::National;
use crate::scenario::national::{FleetChange, SystemBuy};
use crate::solve::{Backend, Limits, Outcome, Stop, solve, solve_small};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
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

/// Sites planned together in the decomposition: one site, or the sites that installed
/// units may move between (`move_to` links them), so that every move stays inside one
/// part's own problem and no rule beyond the national ones couples the parts.
pub struct Part {
    /// The sites (national positions, ascending).
    sites: Vec<usize>,
    /// Their own scenario: the national one with these sites alone (`move_to` renumbered
    /// to positions in `sites`).
    nat: National,
    /// The part needs a branch and bound: it joins sites (moves make the search long), or
    /// microlp could not solve one of its problems within [`QUICK_S`]. Its problems go to
    /// the chosen backend at once (the same part under other prices is as hard, and the
    /// quick try would only cost its seconds again, every round), and are solved to the
    /// round's gap for hard parts ([`PART_GAP_SHARE`]); the others to a smaller one.
    hard: AtomicBool,
}

impl Part {
    /// Position of national site `s` in this part, if it is one of its sites.
    fn local(&self, s: usize) -> Option<usize> {
        self.sites.binary_search(&s).ok()
    }

    /// A change of this part's scenario, in national positions.
    fn national_change(&self, c: &FleetChange) -> FleetChange {
        FleetChange {
            site: self.sites[c.site],
            to: c.to.map(|k| self.sites[k]),
            ..*c
        }
    }

    /// A national change at one of this part's sites, in the part's positions.
    fn local_change(&self, c: &FleetChange) -> Option<FleetChange> {
        let site = self.local(c.site)?;
        let to = match c.to {
            Some(k) => Some(self.local(k)?),
            None => None,
        };
        Some(FleetChange { site, to, ..*c })
    }

    /// The national plan's purchases, changes and systems at this part's sites, in the
    /// part's positions.
    fn local_plan(&self, plan: &Decisions) -> Decisions {
        Decisions {
            x: self.sites.iter().map(|&s| plan.x[s].clone()).collect(),
            changes: plan
                .changes
                .iter()
                .filter_map(|c| self.local_change(c))
                .collect(),
            systems: plan
                .systems
                .iter()
                .filter_map(|y| {
                    Some(SystemBuy {
                        site: self.local(y.site)?,
                        ..*y
                    })
                })
                .collect(),
        }
    }

    /// Puts this part's `own` decisions (its positions) into the national `plan`.
    fn put(&self, plan: &mut Decisions, own: &Decisions) {
        for (k, &s) in self.sites.iter().enumerate() {
            plan.x[s] = own.x[k].clone();
        }
        plan.changes.retain(|c| self.local(c.site).is_none());
        plan.changes
            .extend(own.changes.iter().map(|c| self.national_change(c)));
        plan.systems.retain(|y| self.local(y.site).is_none());
        plan.systems.extend(own.systems.iter().map(|y| SystemBuy {
            site: self.sites[y.site],
            ..*y
        }));
    }
}

/// A plan's decisions: purchases `x[s][t][a]`, removals and moves, whole systems.
#[derive(Debug, Clone)]
struct Decisions {
    x: Vec<Vec<Vec<f64>>>,
    changes: Vec<FleetChange>,
    systems: Vec<SystemBuy>,
}

impl Decisions {
    /// The decisions of a checked plan.
    fn of(e: &NationalEvaluation) -> Decisions {
        Decisions {
            x: e.x.clone(),
            changes: e.changes.clone(),
            systems: e.systems.clone(),
        }
    }
}

/// A part's share of each coupling rule's activity.
type Shares = BTreeMap<Coupling, f64>;

/// One part's priced problem, solved.
struct PartSolution {
    /// Its decisions, in the part's positions.
    own: Decisions,
    /// Proven lower bound on the part's priced cost (model units).
    lower: f64,
    /// The part's share of each coupling rule's activity.
    activity: Vec<(Coupling, f64)>,
}

/// The parts' scenarios (see [`Part`]), built from `shell` (the national scenario without
/// its sites).
fn part_scenario(shell: &National, nat: &National, sites: Vec<usize>) -> Part {
    let mut one = shell.clone();
    one.sites = sites
        .iter()
        .map(|&s| {
            let mut site = nat.sites[s].clone();
            for e in &mut site.existing {
                if let Some(r) = e.removal.as_mut() {
                    for to in r.move_to.iter_mut() {
                        *to = sites
                            .binary_search(to)
                            .expect("a part holds its moves' targets");
                    }
                }
            }
            site
        })
        .collect();
    Part {
        hard: AtomicBool::new(sites.len() > 1),
        sites,
        nat: one,
    }
}

/// Where a part model's decisions are (its variables), kept when the model goes to the
/// solver.
struct Layout {
    buy: Vec<Option<(good_lp::Variable, f64)>>,
    changes: Vec<(FleetChange, good_lp::Variable)>,
    systems: Vec<(SystemBuy, good_lp::Variable)>,
}

impl Layout {
    fn of(built: &crate::model::Built) -> Layout {
        Layout {
            buy: built.buy.clone(),
            changes: built.changes.clone(),
            systems: built.systems.clone(),
        }
    }
}

/// The values of a part model's variables for decisions `own` (lots = units / lot): its
/// purchases, changes and systems; the other variables (the energy discount's, the peak
/// power's) read as zero.
fn part_values(part: &Part, built: &Layout, own: &Decisions) -> crate::solve::Values {
    let mut values: std::collections::HashMap<good_lp::Variable, f64> =
        std::collections::HashMap::new();
    for (s, xs) in own.x.iter().enumerate() {
        for (t, xt) in xs.iter().enumerate() {
            for (a, units) in xt.iter().enumerate() {
                if let Some((var, lot)) = built.buy[slot(&part.nat, a, s, t)] {
                    values.insert(var, units / lot);
                }
            }
        }
    }
    let key = |c: &FleetChange| (c.site, c.entry, c.period, c.to);
    let changes: BTreeMap<_, f64> = own.changes.iter().map(|c| (key(c), c.units)).collect();
    for (c, var) in &built.changes {
        values.insert(*var, changes.get(&key(c)).copied().unwrap_or(0.0));
    }
    let ykey = |y: &SystemBuy| (y.system, y.site, y.period);
    let systems: BTreeMap<_, f64> = own.systems.iter().map(|y| (ykey(y), y.units)).collect();
    for (y, var) in &built.systems {
        values.insert(*var, systems.get(&ykey(y)).copied().unwrap_or(0.0));
    }
    crate::solve::Values(values)
}

/// The decisions of a solved part model: whole lots, whole units moved or taken out (with
/// `solver.integer`), whole systems.
fn part_decisions(part: &Part, built: &Layout, values: &impl good_lp::Solution) -> Decisions {
    let integer = part.nat.solver.integer;
    let whole = |v: f64| {
        if integer {
            v.round().max(0.0)
        } else {
            v.max(0.0)
        }
    };
    let flat: Vec<f64> = built
        .buy
        .iter()
        .map(|b| match b {
            Some((var, lot)) => whole(values.value(*var)) * lot,
            None => 0.0,
        })
        .collect();
    Decisions {
        x: crate::model::national::unflatten(&part.nat, &flat),
        changes: built
            .changes
            .iter()
            .map(|(c, var)| FleetChange {
                units: whole(values.value(*var)),
                ..*c
            })
            .filter(|c| c.units > 1e-9)
            .collect(),
        systems: built
            .systems
            .iter()
            .map(|(y, var)| SystemBuy {
                units: values.value(*var).round().max(0.0),
                ..*y
            })
            .filter(|y| y.units > 0.0)
            .collect(),
    }
}

/// Solves part `part`'s priced problem to the relative gap `gaps` gives it.
fn solve_part(
    part: &Part,
    allowed: &BTreeSet<String>,
    prices: &BTreeMap<Coupling, f64>,
    backend: Backend,
    limits: Limits,
    gaps: PartGaps,
) -> Result<Option<PartSolution>, PlanError> {
    if limits.expired() {
        return Ok(None);
    }
    let mut req = NationalRequest::new(&part.nat);
    req.platforms = Some(allowed.clone());
    req.prices = Some(prices.clone());
    let (outcome, read, rows) = solve_in_part(part, &req, backend, limits, gaps)?;
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
    let own = part_decisions(part, &read, &values);
    let activity = rows
        .iter()
        .map(|r| (r.rule, r.activity.eval_with(&values)))
        .collect();
    Ok(Some(PartSolution {
        own,
        lower,
        activity,
    }))
}

/// Builds and solves `req`, a problem of part `part`, to relative gap `gaps.hard` when the
/// part is hard ([`Part::hard`]), else `gaps.easy`. Part problems are small: microlp 0.6
/// alone ([`solve_small`]) solves most in milliseconds, less than HiGHS takes to start. A
/// part it cannot prove in [`QUICK_S`] is hard from then on, and goes to the chosen backend
/// (HiGHS) first; with microlp as the backend, it keeps 0.6's plan and bound. A part 0.6
/// fails on goes to the backend.
fn solve_in_part(
    part: &Part,
    req: &NationalRequest,
    backend: Backend,
    limits: Limits,
    gaps: PartGaps,
) -> Result<(Outcome, Layout, Vec<CouplingRow>), PlanError> {
    let (built, rows) = build_rows(req);
    let layout = Layout::of(&built);
    let is_hard = part.hard.load(Ordering::Relaxed);
    let hard = Limits {
        mip_gap: gaps.hard,
        ..limits
    };
    if backend != Backend::Microlp && is_hard {
        return Ok((solve(built, backend, hard)?.0, layout, rows));
    }
    let quick = Limits {
        time_limit_s: limits.time_limit_s.min(QUICK_S),
        mip_gap: if is_hard { gaps.hard } else { gaps.easy },
        ..limits
    };
    let again = match solve_small(built, quick) {
        Ok((outcome, _))
            if !matches!(
                outcome,
                Outcome::Solved { proven: false, .. } | Outcome::NoSolution(_)
            ) =>
        {
            return Ok((outcome, layout, rows));
        }
        // Not proven in time: hard from now on; HiGHS tries it now.
        Ok((outcome, _)) => {
            part.hard.store(true, Ordering::Relaxed);
            if backend == Backend::Microlp {
                return Ok((outcome, layout, rows));
            }
            hard
        }
        // 0.6 failed: the backend (microlp 0.7 first, or HiGHS).
        Err(PlanError::Solver(_)) if backend == Backend::Microlp => quick,
        Err(PlanError::Solver(_)) => hard,
        Err(e) => return Err(e),
    };
    // The same model again (same variables in the same order).
    let outcome = solve(build_rows(req).0, backend, again)?.0;
    Ok((outcome, layout, rows))
}

/// Solves every part's priced problem, on every core (rayon's pool); `None` when a part
/// has no solution (time limit) so that this round gives no bound.
fn solve_parts(
    parts: &[Part],
    allowed: &BTreeSet<String>,
    prices: &BTreeMap<Coupling, f64>,
    backend: Backend,
    limits: Limits,
    gaps: PartGaps,
) -> Result<Option<Vec<PartSolution>>, PlanError> {
    let solved: Vec<Option<PartSolution>> = parts
        .par_iter()
        .map(|part| solve_part(part, allowed, prices, backend, limits, gaps))
        .collect::<Result<_, _>>()?;
    Ok(solved.into_iter().collect())
}

/// The part solutions made into a plan: purchases beyond a supply cap or a resource cap
/// are scaled back to it, then rounded to lots, repaired and trimmed around the parts'
/// removals, moves and systems (or, when no repair holds with the systems, around the
/// removals and moves alone); `None` when the checker refuses every candidate.
fn repair(
    nat: &National,
    allowed: &BTreeSet<String>,
    parts: &[Part],
    solutions: &[PartSolution],
    end: Stop,
) -> Option<NationalEvaluation> {
    let (na, ns, nt) = (nat.accelerators.len(), nat.sites.len(), nat.periods());
    let mut plan = Decisions {
        x: vec![vec![vec![0.0; na]; nt]; ns],
        changes: Vec::new(),
        systems: Vec::new(),
    };
    for (part, sol) in parts.iter().zip(solutions) {
        part.put(&mut plan, &sol.own);
    }
    let plain = evaluate_all(nat, &plan.x, &plan.changes, &plan.systems);
    if plain.violations().is_empty() {
        return Some(plain);
    }
    let systems = within_system_caps(nat, plan.systems);
    let with_systems = Fixed::new(nat, plan.changes.clone(), systems);
    let candidates = [with_systems, Fixed::new(nat, plan.changes, Vec::new())];
    for fixed in candidates {
        let mut x = plan.x.clone();
        rounding::scale_to_caps(nat, &fixed, &mut x);
        let best = [true, false]
            .into_iter()
            .filter_map(|lr| rounding::round_and_repair(nat, &x, &fixed, Some(allowed), lr, end))
            .filter(|_| !rounding::past(end))
            .map(|mut x| {
                rounding::trim(nat, &fixed, &mut x, end);
                evaluate_all(nat, &x, &fixed.changes, &fixed.systems)
            })
            .filter(|e| e.violations().is_empty())
            .min_by(|p, q| p.total_cost.total_cmp(&q.total_cost));
        if best.is_some() {
            return best;
        }
    }
    None
}

/// The systems bought, cut back to each system's national cap per period (the parts
/// priced the cap, and may together break it): the last sites' systems go first.
fn within_system_caps(nat: &National, mut systems: Vec<SystemBuy>) -> Vec<SystemBuy> {
    for (b, sys) in nat.systems.iter().enumerate() {
        for (t, cap) in sys.max_units.iter().enumerate() {
            let Some(cap) = cap else { continue };
            let mut left = *cap as f64;
            for y in systems
                .iter_mut()
                .filter(|y| y.system == b && y.period == t)
            {
                let kept = y.units.min(left);
                left -= kept;
                y.units = kept;
            }
        }
    }
    systems.retain(|y| y.units > 0.0);
    systems
}

/// What part `part`'s decisions `own` cost, by the checker (discounted capex and opex,
/// energy discounts, removals and residual value; platform adoption left out, since the
/// set pays for it once).
fn own_cost(part: &Part, own: &Decisions) -> f64 {
    let e = evaluate_all(&part.nat, &own.x, &own.changes, &own.systems);
    e.total_cost - e.adoption
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

/// Share of the plan's relative gap (`solver.mip_gap`) that the parts' problems may give
/// up in a round. A part's proven bound, not its plan's cost, enters the Lagrangian bound,
/// so the bound stays valid; a part solved to relative gap `g` lowers it by at most `g`
/// times its priced cost. The easy parts are solved to [`EASY_GAP_SHARE`] of the plan's
/// gap, the hard parts ([`Part::hard`]) to what is left of this share spread over them:
/// `easy · (T − H) + hard · H ≤ PART_GAP_SHARE · mip_gap · T` (`T`: all parts' priced
/// costs, `H`: the hard parts'). On the 500-site benchmark with the rules, a part of
/// three sites linked by moves takes HiGHS 15 s at gap 0 or 1e-4, 3.8 s at 1e-3 and 0.3 s
/// at 1e-2; the hard parts' gap there is about 3e-3.
const PART_GAP_SHARE: f64 = 0.5;

/// Share of the plan's relative gap the easy parts are solved to in a round. microlp 0.6
/// proves many site problems to within a few 1e-4 in a fraction of the time it takes to
/// close them: on a 500-site scenario with the Ascend 910C supply halved (plan gap 1e-3),
/// a round took 72 s at gap 0, 52 s at 2.5e-4 (this share) and 35 s at 5e-4. With a plan
/// gap of 0 they are solved exactly.
const EASY_GAP_SHARE: f64 = 0.25;

/// The relative gaps the parts' problems are solved to.
#[derive(Debug, Clone, Copy)]
struct PartGaps {
    /// Parts microlp 0.6 proves quickly.
    easy: f64,
    /// Hard parts ([`Part::hard`]).
    hard: f64,
}

/// The hard parts' gap never exceeds this (a few hard parts among many easy ones would
/// otherwise get a gap that proves little about them).
const MAX_PART_GAP: f64 = 0.01;

/// The parts the decomposition plans one by one (the same for every set): each site alone,
/// except sites that installed units may move between, which are planned together.
pub fn parts(nat: &National) -> Vec<Part> {
    // The cost cap bounds the national total, not one part's: the repaired national plans
    // are checked against it.
    let shell = National {
        sites: Vec::new(),
        cost_cap: None,
        futures: None,
        ..nat.clone()
    };
    // Sites joined by `move_to`, by union-find.
    let mut root: Vec<usize> = (0..nat.sites.len()).collect();
    fn find(root: &mut [usize], mut s: usize) -> usize {
        while root[s] != s {
            root[s] = root[root[s]];
            s = root[s];
        }
        s
    }
    for (s, site) in nat.sites.iter().enumerate() {
        for e in &site.existing {
            for &to in e.removal.iter().flat_map(|r| &r.move_to) {
                let (a, b) = (find(&mut root, s), find(&mut root, to));
                root[a.max(b)] = a.min(b);
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for s in 0..nat.sites.len() {
        let r = find(&mut root, s);
        groups.entry(r).or_default().push(s);
    }
    groups
        .into_values()
        .map(|sites| part_scenario(&shell, nat, sites))
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
    /// The plan's relative gap (`solver.mip_gap`).
    mip_gap: f64,
    /// The hard parts' share of all parts' priced costs, from the last round (`None`
    /// before the first: then their share of the sites).
    hard_share: Option<f64>,
}

impl SetSearch {
    /// A search for platform set `set`, whose continuous relaxation is `lp`. Prices start
    /// from the relaxation's duals when the solver gives them (HiGHS), else from `start`
    /// (the prices another set reached), else from zero. `mip_gap` is the plan's relative
    /// gap.
    pub fn new(
        nat: &National,
        set: &BTreeSet<String>,
        lp: &NationalSolved,
        start: Option<&BTreeMap<Coupling, f64>>,
        mip_gap: f64,
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
            mip_gap: mip_gap.max(0.0),
            hard_share: None,
        }
    }

    /// The best proven lower bound on the cost of plans adopting the set (currency;
    /// minus infinity before the first round).
    pub fn bound(&self) -> f64 {
        self.bound * self.money
    }

    /// The relative gaps the parts are solved to in a round ([`PART_GAP_SHARE`]).
    fn gaps(&self, nat: &National, parts: &[Part]) -> PartGaps {
        let hard_share = self.hard_share.unwrap_or_else(|| {
            let hard: usize = parts
                .iter()
                .filter(|p| p.hard.load(Ordering::Relaxed))
                .map(|p| p.sites.len())
                .sum();
            hard as f64 / nat.sites.len().max(1) as f64
        });
        let easy = EASY_GAP_SHARE * self.mip_gap;
        // easy · (T − H) + hard · H ≤ PART_GAP_SHARE · mip_gap · T.
        let hard = if hard_share > 0.0 {
            ((PART_GAP_SHARE - EASY_GAP_SHARE) * self.mip_gap / hard_share + easy)
                .min(MAX_PART_GAP)
                .max(easy)
        } else {
            easy
        };
        PartGaps { easy, hard }
    }

    /// The prices that gave the bound.
    pub fn best_prices(&self) -> &BTreeMap<Coupling, f64> {
        &self.best_prices
    }

    /// One round: every site's priced problem solved (in parallel, to [`PartGaps`]), the bound
    /// updated, a plan repaired from the site solutions (first rounds, then every third),
    /// and a subgradient step towards `upper` (the best plan's cost, currency). Returns
    /// the repaired plan when the checker accepts it. Nothing runs past `end` (the plan's
    /// deadline): a round cut short gives no bound and no plan.
    #[allow(clippy::too_many_arguments)]
    pub fn round(
        &mut self,
        nat: &National,
        parts: &[Part],
        upper: f64,
        backend: Backend,
        time_left_s: f64,
        end: Stop,
        timings: &mut Timings,
    ) -> Result<Option<NationalEvaluation>, PlanError> {
        let round = Instant::now();
        let site_limits = Limits {
            time_limit_s: time_left_s.clamp(0.5, SITE_LIMIT_S),
            mip_gap: 0.0,
            deadline: end.deadline,
            cancel: end.cancel,
        };
        let solved = solve_parts(
            parts,
            &self.allowed,
            &self.prices,
            backend,
            site_limits,
            self.gaps(nat, parts),
        )?;
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
        let (mut all, mut hard) = (0.0, 0.0);
        for (part, sol) in parts.iter().zip(&solutions) {
            all += sol.lower.abs();
            if part.hard.load(Ordering::Relaxed) {
                hard += sol.lower.abs();
            }
        }
        if all.is_finite() && all > 0.0 {
            self.hard_share = Some(hard / all);
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
            repair(nat, &self.allowed, parts, &solutions, end)
        } else {
            None
        };
        timings.round_s += repaired.elapsed().as_secs_f64();
        let upper = plan.as_ref().map_or(upper, |e| e.total_cost.min(upper)) / self.money;
        self.step(g, value, upper);
        self.round_s = round.elapsed().as_secs_f64();
        Ok(plan)
    }

    /// Improves `plan` (which adopts this set) part by part: each part's purchases,
    /// removals, moves and systems are solved again at their true cost with every other
    /// part's fixed, the national rules keeping for it what the others leave. A part changes
    /// only when that is cheaper (its own checked cost), so the plan never gets dearer.
    /// Stops after a pass without change or at `end` (its deadline or cancellation).
    /// Returns the improved plan when the checker accepts it and it is cheaper.
    pub fn improve(
        &self,
        nat: &National,
        parts: &[Part],
        plan: &NationalEvaluation,
        backend: Backend,
        end: Stop,
        timings: &mut Timings,
    ) -> Result<Option<NationalEvaluation>, PlanError> {
        let started = Instant::now();
        // The improvement's plans are what it keeps: the easy parts are solved exactly.
        let gaps = PartGaps {
            easy: 0.0,
            ..self.gaps(nat, parts)
        };
        let mut decided = Decisions::of(plan);
        let free: BTreeMap<Coupling, f64> = BTreeMap::new();
        let mut shares: Vec<BTreeMap<Coupling, f64>> = parts
            .iter()
            .map(|part| self.share(part, &free, &part.local_plan(&decided)))
            .collect();
        let mut totals: BTreeMap<Coupling, f64> = BTreeMap::new();
        for share in &shares {
            for (r, v) in share {
                *totals.entry(*r).or_insert(0.0) += v;
            }
        }
        let b0 = Coupling::Budget { t: 0 };
        let mut changed_any = false;
        'passes: loop {
            let mut changed = false;
            for (g, part) in parts.iter().enumerate() {
                if end.reached() {
                    break 'passes;
                }
                let residual: BTreeMap<Coupling, f64> = self
                    .limits
                    .iter()
                    .map(|(r, l)| {
                        let extra = if *r == b0 { self.adoption } else { 0.0 };
                        let others = totals.get(r).copied().unwrap_or(0.0)
                            - shares[g].get(r).copied().unwrap_or(0.0);
                        (*r, l - extra - others)
                    })
                    .collect();
                let limits = Limits {
                    time_limit_s: end.left_s().clamp(0.1, SITE_LIMIT_S),
                    mip_gap: 0.0,
                    deadline: end.deadline,
                    cancel: end.cancel,
                };
                let now = part.local_plan(&decided);
                let Some((own, share)) = self.resolve(part, &residual, backend, limits, gaps)?
                else {
                    continue;
                };
                if own_cost(part, &own) < own_cost(part, &now) * (1.0 - 1e-9) - 1e-9 {
                    for (r, v) in &share {
                        *totals.entry(*r).or_insert(0.0) +=
                            v - shares[g].get(r).copied().unwrap_or(0.0);
                    }
                    shares[g] = share;
                    part.put(&mut decided, &own);
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
        let e = evaluate_all(nat, &decided.x, &decided.changes, &decided.systems);
        Ok((e.violations().is_empty() && e.total_cost < plan.total_cost).then_some(e))
    }

    /// The part's share of each coupling rule at its decisions `own`.
    fn share(
        &self,
        part: &Part,
        prices: &BTreeMap<Coupling, f64>,
        own: &Decisions,
    ) -> BTreeMap<Coupling, f64> {
        let mut req = self.part_request(part);
        req.prices = Some(prices.clone());
        let (built, rows) = build_rows(&req);
        let values = part_values(part, &Layout::of(&built), own);
        rows.iter()
            .map(|r| (r.rule, r.activity.eval_with(&values)))
            .collect()
    }

    /// The part's optimum (decisions, and their share of each coupling rule) when the
    /// national rules leave it `residual`, if solved in time.
    fn resolve(
        &self,
        part: &Part,
        residual: &BTreeMap<Coupling, f64>,
        backend: Backend,
        limits: Limits,
        gaps: PartGaps,
    ) -> Result<Option<(Decisions, Shares)>, PlanError> {
        let mut req = self.part_request(part);
        req.residual = Some(residual.clone());
        let (outcome, layout, rows) = solve_in_part(part, &req, backend, limits, gaps)?;
        let Outcome::Solved { values, .. } = outcome else {
            return Ok(None);
        };
        let own = part_decisions(part, &layout, &values);
        // Its share at the whole units the plan will hold.
        let rounded = part_values(part, &layout, &own);
        let share = rows
            .iter()
            .map(|r| (r.rule, r.activity.eval_with(&rounded)))
            .collect();
        Ok(Some((own, share)))
    }

    fn part_request<'a>(&self, part: &'a Part) -> NationalRequest<'a> {
        let mut req = NationalRequest::new(&part.nat);
        req.platforms = Some(self.allowed.clone());
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
