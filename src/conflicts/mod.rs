//! Why a scenario is infeasible, for every scenario (one site and one period is the 1 x 1
//! case of the national model). Each rule is dropped in turn; those whose removal alone
//! makes a plan possible are the conflict, and each is then measured against the other
//! rules on the same model (the most demand they allow, the least budget a period needs,
//! the least power a site needs, the highest share they reach ...) so the message carries
//! the numbers that clash ([`measure`]). With many sites, the sites that cannot meet their
//! own rules even alone are named first, with the same measured reasons.
//!
//! A scenario of section 1 keeps the words of section 1 ([`words`]); the others are named
//! by their field paths (`sites[nm-1].power_kw`, `limits.budget` for 2026, ...).

mod measure;
mod words;

use crate::error::PlanError;
use crate::model::national::NationalRequest;
use crate::model::{Family, Goal};
use crate::numfmt::grouped;
use crate::scenario::Scenario;
use crate::scenario::national::National;
use crate::search::{NationalSolved, NationalVariant, Timings, solve_national};
use crate::solve::{Backend, Budget};
use std::cell::Cell;
use std::time::{Duration, Instant};

/// Seconds at least given to each probe, even when the plan's time budget is spent.
const PROBE_FLOOR_S: f64 = 2.0;
/// The analysis may run this many times the plan's time limit (at least 10 s) in all.
pub const ANALYSIS_TIME_FACTOR: f64 = 2.0;
/// Most sites tried one at a time (alone, or for their power).
const MAX_SITES_ALONE: usize = 50;

/// A rule that can be dropped: a constraint family, at every site or national.
type Rule = Family;

/// Every rule, in the order conflicts are reported.
const RULES: [Rule; 12] = [
    Family::Demand,
    Family::Memory,
    Family::DomesticShare,
    Family::NationalShare,
    Family::VendorShare,
    Family::Power,
    Family::Budget,
    Family::CapexBudget,
    Family::Supply,
    Family::Resource,
    Family::Availability,
    Family::MinOrder,
];

/// Whether the scenario states rule `f`.
fn present(f: Rule, nat: &National) -> bool {
    {
        {
            match f {
                Family::NationalShare => nat.national_share.is_some(),
                Family::CostCap => nat.cost_cap.is_some(),
                Family::Removal => false,
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
                Family::Resource => !nat.resources.is_empty(),
                Family::Availability => nat
                    .per_period
                    .iter()
                    .any(|p| p.available.iter().any(|a| !a)),
                Family::MinOrder => nat
                    .accelerators
                    .iter()
                    .any(|a| a.min_units.unwrap_or(0) > 0),
            }
        }
    }
}

/// The scenario being explained, and how to name its rules.
struct Subject<'a> {
    nat: &'a National,
    /// The section-1 form of a 1 x 1 scenario: its rules keep the words of section 1.
    single: Option<Scenario>,
}

/// The analysis' solver settings, deadline and what went wrong along the way.
struct Ctx<'a> {
    backend: Backend,
    budget: &'a Budget,
    deadline: Instant,
    /// Set when a probe was cut short, so the answer may be incomplete.
    cut_short: Cell<bool>,
    /// Set when a probe failed in the solver, so the answer may be incomplete.
    probe_failed: Cell<bool>,
}

impl Ctx<'_> {
    /// Solves one variant within the analysis' time; `None` when it has no plan, or when
    /// the time ran out (then `cut_short` is set). `gap` overrides the plan's MIP gap.
    fn run(
        &self,
        req: &NationalRequest,
        gap: Option<f64>,
    ) -> Result<Option<NationalSolved>, PlanError> {
        let left = self
            .deadline
            .saturating_duration_since(Instant::now())
            .as_secs_f64();
        if left <= 0.0 {
            self.cut_short.set(true);
            return Ok(None);
        }
        // No single probe may take more than a tenth of the plan's time limit, so one hard
        // question (say, a parity argument branch and bound cannot close) leaves time for
        // the others.
        let mut limits = self.budget.limits(PROBE_FLOOR_S);
        limits.deadline = None;
        limits.time_limit_s = limits
            .time_limit_s
            .min(left)
            .min((self.budget.seconds / 10.0).max(PROBE_FLOOR_S));
        if let Some(g) = gap {
            limits.mip_gap = g;
        }
        // The analysis has its own deadline, past the plan's; building a huge model stops
        // there too.
        limits.deadline = Some(Instant::now() + Duration::from_secs_f64(limits.time_limit_s));
        let mut t = Timings::default();
        let outcome = match solve_national(req, self.backend, limits, &mut t) {
            Ok(v) => v,
            // A numerical failure of one probe leaves that question open, nothing more.
            Err(PlanError::Solver(_)) => {
                self.probe_failed.set(true);
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        Ok(match outcome {
            NationalVariant::Solved(sol) => Some(sol),
            NationalVariant::NoSolution(_) => {
                self.cut_short.set(true);
                None
            }
            NationalVariant::Infeasible | NationalVariant::Unbounded => None,
        })
    }

    /// Whether `nat` has a plan with `relax` dropped (any plan: the gap does not matter).
    fn feasible(&self, nat: &National, relax: &[Rule]) -> Result<bool, PlanError> {
        Ok(self
            .run(&request(nat, relax, Goal::MinCost), Some(1.0))?
            .is_some())
    }
}

/// The model of `nat` with `relax` dropped, optimising `goal`.
fn request<'a>(nat: &'a National, relax: &[Rule], goal: Goal) -> NationalRequest<'a> {
    let mut req = NationalRequest::new(nat);
    req.goal = goal;
    req.relax.extend(relax.iter().copied());
    req
}

/// Plain-language reasons why `nat` has no plan, each with the figures that clash.
pub fn find(nat: &National, backend: Backend, budget: &Budget) -> Result<Vec<String>, PlanError> {
    let seconds = (budget.seconds * ANALYSIS_TIME_FACTOR).max(10.0);
    let c = Ctx {
        backend,
        budget,
        deadline: Instant::now() + Duration::from_secs_f64(seconds),
        cut_short: Cell::new(false),
        probe_failed: Cell::new(false),
    };
    let subject = Subject {
        nat,
        single: nat.as_single(),
    };
    let mut out = sites_alone(&c, nat)?;
    out.extend(reasons(&c, &subject)?);
    out.extend(fixed_fleets(&c, nat)?);
    if beyond_unit_cap(&c, nat)? {
        out.insert(
            0,
            format!(
                "the scenario can only be met with more than {} new units of one accelerator, chipmix's modelling limit: check the units of tflops (TFLOPS per card) and demand (PFLOPS)",
                grouped(crate::model::UNIT_CAP, 0)
            ),
        );
    }
    if c.cut_short.get() {
        out.push(
            "part of the analysis ran out of time, so this list may be incomplete (raise solver.time_limit_s, or try --solver highs)"
                .into(),
        );
    }
    if c.probe_failed.get() {
        out.push(
            "a solver run of the analysis failed numerically, so this list may be incomplete"
                .into(),
        );
    }
    Ok(out)
}

/// Whether the scenario becomes feasible when one accelerator may be bought beyond
/// [`crate::model::UNIT_CAP`] (up to 1e9 units).
fn beyond_unit_cap(c: &Ctx, nat: &National) -> Result<bool, PlanError> {
    let mut req = NationalRequest::new(nat);
    req.unit_cap = 1.0e9;
    // Within the analysis' time like every probe (a national model may be large).
    Ok(c.run(&req, Some(1.0))?.is_some())
}

/// Installed entries that may not be taken out (no `removal`) and whose removal alone
/// would make a plan possible (tried for the entries of the first [`MAX_SITES_ALONE`]
/// sites), each named with its units and site.
fn fixed_fleets(c: &Ctx, nat: &National) -> Result<Vec<String>, PlanError> {
    let mut out = Vec::new();
    for s in 0..nat.sites.len().min(MAX_SITES_ALONE) {
        for (i, e) in nat.sites[s].existing.iter().enumerate() {
            let serves = nat.years.iter().any(|y| e.serves_in(*y));
            if e.removal.is_some() || e.units == 0 || !serves {
                continue;
            }
            let mut edited = nat.clone();
            edited.sites[s].existing[i].removal = Some(crate::scenario::national::Removal {
                salvage_value: 0.0,
                cost: 0.0,
                move_to: Vec::new(),
            });
            if c.feasible(&edited, &[])? {
                let at = if nat.has_sites {
                    format!(" at site {}", nat.sites[s].id)
                } else {
                    String::new()
                };
                out.push(format!(
                    "the {} installed {}{at} count in every rule and may not be taken out (the entry has no `removal`): taking them out would make a plan possible",
                    e.units, nat.accelerators[e.index].id
                ));
            }
        }
    }
    Ok(out)
}

/// Sites that cannot meet their own rules even alone (national supply caps, resource caps
/// and budgets kept, the national share left out: it binds every site together), each with the
/// measured reasons of that site alone.
fn sites_alone(c: &Ctx, nat: &National) -> Result<Vec<String>, PlanError> {
    let mut out = Vec::new();
    if nat.sites.len() < 2 {
        return Ok(out);
    }
    for s in 0..nat.sites.len().min(MAX_SITES_ALONE) {
        let mut one = nat.clone();
        one.sites = vec![nat.sites[s].alone()];
        one.national_share = None;
        // A probe cut short says nothing about this site.
        let before = c.cut_short.replace(false);
        let alone = c.feasible(&one, &[])?;
        let open = c.cut_short.get();
        c.cut_short.set(before || open);
        if alone || open {
            continue;
        }
        let why = reasons(
            c,
            &Subject {
                nat: &one,
                single: None,
            },
        )?;
        let national = if nat.resources.is_empty() {
            "the national supply caps and budgets"
        } else {
            "the national supply caps, resource caps and budgets"
        };
        out.push(format!(
            "site {} cannot meet its own rules even alone, within {national}: {}",
            nat.sites[s].id,
            why.join("; ")
        ));
    }
    Ok(out)
}

/// The rules to blame: those whose removal alone gives a plan, measured; else the pairs;
/// else all of them.
fn reasons(c: &Ctx, sub: &Subject) -> Result<Vec<String>, PlanError> {
    let nat = sub.nat;
    let present: Vec<Rule> = RULES.into_iter().filter(|&r| present(r, nat)).collect();
    let mut culprits = Vec::new();
    for &r in &present {
        if c.feasible(nat, &[r])? {
            culprits.push(r);
        }
    }
    let mut out = Vec::new();
    if !culprits.is_empty() {
        for r in culprits {
            out.push(measure::measure(c, sub, r)?);
        }
        if out.len() > 1 {
            out.push(format!(
                "relaxing any one of these ({}) is enough to make a plan possible",
                out.len()
            ));
        }
        return Ok(out);
    }
    for (i, &a) in present.iter().enumerate() {
        for &b in &present[i + 1..] {
            if c.feasible(nat, &[a, b])? {
                out.push(format!(
                    "{} and {} together block every plan: relaxing either alone is not enough, relaxing both makes a plan possible",
                    words::describe(sub, a),
                    words::describe(sub, b)
                ));
            }
        }
    }
    if out.is_empty() {
        let mut whole = nat.clone();
        whole.solver.integer = false;
        let mut why = format!(
            "the rules cannot all hold together: {}",
            present
                .iter()
                .map(|&r| words::describe(sub, r))
                .collect::<Vec<_>>()
                .join("; ")
        );
        if nat.solver.integer && c.feasible(&whole, &[])? {
            why = "no plan in whole lots meets every rule (with fractional units one would): lot sizes, minimum orders or a strict share leave no whole-number solution".into();
        }
        out.push(why);
    }
    Ok(out)
}
