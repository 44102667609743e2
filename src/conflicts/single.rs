//! Why a scenario is infeasible. Each constraint family is relaxed in turn; those whose
//! removal alone makes a plan possible are the conflict, and each is then measured against
//! the other rules (the most demand they allow, the least budget they need, the highest
//! domestic share they reach ...) so the message carries the numbers that clash.

use crate::error::PlanError;
use crate::model::{Family, Goal, Request};
use crate::numfmt::{grouped, money, qty};
use crate::scenario::{Origin, Scenario, ShareBasis};
use crate::search::single::{Solved, Variant, solve_variant};
use crate::solve::Backend;
use crate::solve::Budget;
use std::cell::Cell;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// Seconds at least given to each probe, even when the plan's time budget is spent.
const PROBE_FLOOR_S: f64 = 2.0;
/// Bisection steps for share limits (precision 2^-14 of the range).
const BISECT_STEPS: usize = 14;
/// The analysis may run this many times the plan's time limit (at least 10 s) in all.
const ANALYSIS_TIME_FACTOR: f64 = 2.0;

struct Ctx<'a> {
    s: &'a Scenario,
    backend: Backend,
    budget: &'a Budget,
    deadline: Instant,
    /// Set when a probe was cut short, so the answer may be incomplete.
    cut_short: Cell<bool>,
    /// Set when a probe failed in the solver, so the answer may be incomplete.
    probe_failed: Cell<bool>,
}

impl Ctx<'_> {
    fn run(&self, s: &Scenario, relax: &[Family], goal: Goal) -> Result<Option<Solved>, PlanError> {
        let left = self
            .deadline
            .saturating_duration_since(Instant::now())
            .as_secs_f64();
        if left <= 0.0 {
            self.cut_short.set(true);
            return Ok(None);
        }
        let mut req = Request::new(s);
        req.goal = goal;
        req.relax = relax.iter().copied().collect::<BTreeSet<_>>();
        // No single probe may take more than a tenth of the plan's time limit, so one hard
        // question (say, a parity argument branch and bound cannot close) leaves time for
        // the others.
        let mut limits = self.budget.limits(PROBE_FLOOR_S);
        // The analysis has its own deadline, past the plan's.
        limits.deadline = None;
        limits.time_limit_s = limits
            .time_limit_s
            .min(left)
            .min((self.budget.seconds / 10.0).max(PROBE_FLOOR_S));
        let outcome = match solve_variant(&req, self.backend, limits) {
            Ok(v) => v,
            // A numerical failure of one probe leaves that question open, nothing more.
            Err(PlanError::Solver(_)) => {
                self.probe_failed.set(true);
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        Ok(match outcome {
            Variant::Solved(sol) => Some(sol),
            Variant::NoSolution(_) => {
                self.cut_short.set(true);
                None
            }
            _ => None,
        })
    }

    fn feasible(&self, s: &Scenario, relax: &[Family]) -> Result<bool, PlanError> {
        Ok(self.run(s, relax, Goal::MinCost)?.is_some())
    }
}

/// Plain-language reasons why `s` has no plan.
pub fn find(s: &Scenario, backend: Backend, budget: &Budget) -> Result<Vec<String>, PlanError> {
    let seconds = (budget.seconds * ANALYSIS_TIME_FACTOR).max(10.0);
    let c = Ctx {
        s,
        backend,
        budget,
        deadline: Instant::now() + Duration::from_secs_f64(seconds),
        cut_short: Cell::new(false),
        probe_failed: Cell::new(false),
    };
    let mut out = reasons(&c)?;
    if beyond_unit_cap(&c)? {
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
fn beyond_unit_cap(c: &Ctx) -> Result<bool, PlanError> {
    let mut req = Request::new(c.s);
    req.unit_cap = 1.0e9;
    let mut limits = c.budget.limits(PROBE_FLOOR_S);
    limits.deadline = None;
    Ok(matches!(
        solve_variant(&req, c.backend, limits),
        Ok(Variant::Solved(_))
    ))
}

fn reasons(c: &Ctx) -> Result<Vec<String>, PlanError> {
    let s = c.s;
    let present: Vec<Family> = Family::ALL
        .into_iter()
        .filter(|f| f.present_in(s))
        .collect();
    let mut culprits = Vec::new();
    for &f in &present {
        if c.feasible(s, &[f])? {
            culprits.push(f);
        }
    }
    let mut out = Vec::new();
    if !culprits.is_empty() {
        for f in culprits {
            out.push(measure(c, f)?);
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
            if c.feasible(s, &[a, b])? {
                out.push(format!(
                    "{} and {} together block every plan: relaxing either alone is not enough, relaxing both makes a plan possible",
                    describe(s, a),
                    describe(s, b)
                ));
            }
        }
    }
    if out.is_empty() {
        let mut whole = s.clone();
        whole.solver.integer = false;
        let mut why = format!(
            "the rules cannot all hold together: {}",
            present
                .iter()
                .map(|&f| describe(s, f))
                .collect::<Vec<_>>()
                .join("; ")
        );
        if s.solver.integer && c.feasible(&whole, &[])? {
            why = "no plan in whole lots meets every rule (with fractional units one would): lot sizes, minimum orders or a strict share leave no whole-number solution".into();
        }
        out.push(why);
    }
    Ok(out)
}

/// The family in the scenario's own words.
pub fn describe(s: &Scenario, f: Family) -> String {
    match f {
        Family::Demand => match s.demand.pflops {
            Some(p) => format!("demand.pflops {}", qty(p, 3)),
            None => format!(
                "demand.workloads ({})",
                s.demand
                    .workloads
                    .iter()
                    .map(|(k, v)| format!("{k} {}", qty(*v, 3)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
        Family::Memory => format!(
            "demand.memory_tb {}",
            qty(s.demand.memory_tb.unwrap_or(0.0), 3)
        ),
        Family::DomesticShare => {
            let d = s.domestic_share.as_ref();
            let min = d.map(|d| d.min).unwrap_or(0.0);
            let basis = d.map(|d| d.basis.as_str()).unwrap_or("units");
            if d.is_some_and(|d| d.strict) {
                format!("domestic share > {} by {basis}", qty(min, 4))
            } else {
                format!("domestic share >= {} by {basis}", qty(min, 4))
            }
        }
        Family::VendorShare => format!(
            "limits.vendor_max_share {}",
            qty(s.limits.vendor_max_share.unwrap_or(1.0), 4)
        ),
        Family::Power => format!(
            "limits.power_kw {}",
            qty(s.limits.power_kw.unwrap_or(0.0), 3)
        ),
        Family::Budget => format!("limits.budget {}", money(s.limits.budget.unwrap_or(0.0))),
        Family::CapexBudget => format!(
            "limits.capex_budget {}",
            money(s.limits.capex_budget.unwrap_or(0.0))
        ),
        Family::Supply => "the max_units supply caps".into(),
        Family::Availability => "the accelerators marked available: false".into(),
        Family::MinOrder => "the min_units minimum orders".into(),
    }
}

fn measure(c: &Ctx, f: Family) -> Result<String, PlanError> {
    let s = c.s;
    let cur = &s.currency;
    let what = describe(s, f);
    Ok(match f {
        Family::Demand => {
            let t = c
                .run(s, &[], Goal::MaxDemandFraction)?
                .map(|x| x.objective.max(0.0))
                .unwrap_or(0.0);
            match s.demand.pflops {
                Some(p) => format!(
                    "{what} cannot be met: with every other rule kept, the fleet reaches at most {} PFLOPS ({:.1}% of the demand)",
                    qty(t * p, 1),
                    t * 100.0
                ),
                None => format!(
                    "{what} cannot be met: with every other rule kept, the fleet serves at most {:.1}% of every workload class",
                    t * 100.0
                ),
            }
        }
        Family::Memory => {
            let t = c
                .run(s, &[], Goal::MaxMemoryFraction)?
                .map(|x| x.objective.max(0.0))
                .unwrap_or(0.0);
            let m = s.demand.memory_tb.unwrap_or(0.0);
            format!(
                "{what} cannot be met: with every other rule kept, the fleet has at most {} TB of memory",
                qty(t * m, 1)
            )
        }
        Family::Budget => {
            let least = c.run(s, &[f], Goal::MinCost)?.map(|x| x.objective);
            match least {
                Some(v) => format!(
                    "{what} {cur} is too small: the cheapest plan that meets every other rule costs {} {cur} in total",
                    money(v)
                ),
                None => format!("{what} {cur} is too small for the other rules"),
            }
        }
        Family::CapexBudget => {
            let least = c.run(s, &[f], Goal::MinCapex)?.map(|x| x.objective);
            match least {
                Some(v) => format!(
                    "{what} {cur} is too small: meeting every other rule needs at least {} {cur} of new purchases",
                    money(v)
                ),
                None => format!("{what} {cur} is too small for the other rules"),
            }
        }
        Family::Power => {
            let least = c.run(s, &[f], Goal::MinPower)?.map(|x| x.objective);
            let existing_kw: f64 = s.costs.pue
                * s.accelerators
                    .iter()
                    .enumerate()
                    .map(|(i, a)| a.power_w * s.existing_units(i))
                    .sum::<f64>()
                / 1000.0;
            let mut msg = match least {
                Some(v) => format!(
                    "{what} is too low: meeting every other rule needs at least {} kW of facility power",
                    qty(v, 1)
                ),
                None => format!("{what} is too low for the other rules"),
            };
            if existing_kw > 0.0 {
                msg.push_str(&format!(
                    " (the existing fleet alone draws {} kW)",
                    qty(existing_kw, 1)
                ));
            }
            msg
        }
        Family::DomesticShare => {
            let rule = s.domestic_share.clone().expect("present");
            let probe = |v: f64| -> Result<bool, PlanError> {
                let mut t = s.clone();
                if let Some(d) = t.domestic_share.as_mut() {
                    d.min = v;
                    d.strict = false;
                }
                c.feasible(&t, &[])
            };
            let (mut lo, mut hi) = (0.0, rule.min);
            if !probe(lo)? {
                return Ok(format!(
                    "{what} cannot hold with the other rules, even at a minimum of 0"
                ));
            }
            for _ in 0..BISECT_STEPS {
                let mid = (lo + hi) / 2.0;
                if probe(mid)? { lo = mid } else { hi = mid }
            }
            let mut msg = format!(
                "{what} cannot hold with the other rules: the highest domestic share they allow is about {:.4}",
                lo
            );
            if rule.basis == ShareBasis::Units {
                let caps: Vec<u64> = s
                    .accelerators
                    .iter()
                    .filter(|a| a.origin == Origin::Domestic)
                    .map(|a| {
                        if a.available {
                            a.max_units.unwrap_or(u64::MAX)
                        } else {
                            0
                        }
                    })
                    .collect();
                if caps.iter().all(|&m| m != u64::MAX) {
                    let existing: f64 = (0..s.accelerators.len())
                        .filter(|&i| s.accelerators[i].origin == Origin::Domestic)
                        .map(|i| s.existing_units(i))
                        .sum();
                    msg.push_str(&format!(
                        " (domestic units are capped at {} new plus {} installed)",
                        grouped(caps.iter().sum::<u64>() as f64, 0),
                        grouped(existing, 0)
                    ));
                }
            }
            msg
        }
        Family::VendorShare => {
            let cap = s.limits.vendor_max_share.unwrap_or(1.0);
            let probe = |v: f64| -> Result<bool, PlanError> {
                let mut t = s.clone();
                t.limits.vendor_max_share = Some(v);
                c.feasible(&t, &[])
            };
            let (mut lo, mut hi) = (cap, 1.0);
            if !probe(hi)? {
                return Ok(format!(
                    "{what} cannot hold with the other rules, even at 1"
                ));
            }
            for _ in 0..BISECT_STEPS {
                let mid = (lo + hi) / 2.0;
                if probe(mid)? { hi = mid } else { lo = mid }
            }
            format!(
                "{what} cannot hold with the other rules: the lowest vendor ceiling they allow is about {:.4}",
                hi
            )
        }
        Family::Supply => {
            let sol = c.run(s, &[f], Goal::MinSupplyExcess)?;
            let mut parts = Vec::new();
            if let Some(sol) = &sol {
                for (a, &x) in s.accelerators.iter().zip(&sol.units) {
                    if let Some(m) = a.max_units
                        && x > m as f64
                    {
                        parts.push(format!(
                            "{} {} (max_units {})",
                            qty(x, 2),
                            a.id,
                            grouped(m as f64, 0)
                        ));
                    }
                }
            }
            if parts.is_empty() {
                format!("{what} are too tight for the other rules")
            } else {
                format!(
                    "{what} are too tight: the other rules need at least {}",
                    parts.join(", ")
                )
            }
        }
        Family::Availability => {
            let sol = c.run(s, &[f], Goal::MinUnavailable)?;
            let mut parts = Vec::new();
            if let Some(sol) = &sol {
                for (a, &x) in s.accelerators.iter().zip(&sol.units) {
                    if !a.available && x > 0.0 {
                        parts.push(format!("{} {}", qty(x, 2), a.id));
                    }
                }
            }
            format!(
                "the other rules can only hold by buying accelerators that are not available{}",
                if parts.is_empty() {
                    String::new()
                } else {
                    format!(": at least {}", parts.join(", "))
                }
            )
        }
        Family::MinOrder => {
            format!("{what} make every plan impossible: without them the other rules can hold")
        }
    })
}
