//! Fixes for an infeasible scenario: for each parameter that could be the culprit, the
//! smallest single change of it (to within 1%) that alone makes a plan possible, found by
//! bisection on re-solves. Each fix is a path `--set` accepts and its new value.

use super::probe::{Probe, set};
use crate::error::PlanError;
use crate::numfmt::{money, qty};
use crate::scenario::{Override, Scenario};
use rayon::prelude::*;
use serde::Serialize;

/// Precision of a fix: the boundary is found to within 1% of its own value.
pub const PRECISION: f64 = 0.01;
/// Doublings tried when looking for a large enough limit.
const MAX_DOUBLINGS: usize = 60;

/// One change that alone makes the scenario feasible.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fix {
    /// The path, as `--set` takes it.
    pub path: String,
    /// The new value (a number, or `true` for an availability).
    pub to: serde_json::Value,
    /// The value today (`null` when the scenario does not set it).
    pub from: serde_json::Value,
    /// The change in plain words, e.g. `raise limits.budget to 6.2e9`.
    pub says: String,
}

/// Which way a parameter moves to help.
#[derive(Clone, Copy)]
enum Move {
    /// Down towards `floor`.
    Lower { floor: f64 },
    /// Up towards `ceiling`, or without end when `None` (then removing it is the test).
    Raise { ceiling: Option<f64> },
}

struct Candidate {
    path: String,
    now: f64,
    way: Move,
    whole: bool,
}

fn candidates(s: &Scenario) -> Vec<Candidate> {
    let mut out = Vec::new();
    let mut add = |path: String, now: f64, way: Move, whole: bool| {
        out.push(Candidate {
            path,
            now,
            way,
            whole,
        })
    };
    if let Some(d) = &s.domestic_share
        && d.min > 0.0
    {
        add(
            "policy.domestic_share.min".into(),
            d.min,
            Move::Lower { floor: 0.0 },
            false,
        );
    }
    if let Some(v) = s.limits.vendor_max_share
        && v < 1.0
    {
        add(
            "limits.vendor_max_share".into(),
            v,
            Move::Raise { ceiling: Some(1.0) },
            false,
        );
    }
    for (path, v) in [
        ("limits.budget", s.limits.budget),
        ("limits.capex_budget", s.limits.capex_budget),
        ("limits.power_kw", s.limits.power_kw),
    ] {
        if let Some(v) = v {
            add(path.into(), v, Move::Raise { ceiling: None }, false);
        }
    }
    if let Some(p) = s.demand.pflops.filter(|p| *p > 0.0) {
        add("demand.pflops".into(), p, Move::Lower { floor: 0.0 }, false);
    }
    if let Some(m) = s.demand.memory_tb.filter(|m| *m > 0.0) {
        add(
            "demand.memory_tb".into(),
            m,
            Move::Lower { floor: 0.0 },
            false,
        );
    }
    for (name, p) in &s.demand.workloads {
        if *p > 0.0 {
            add(
                format!("demand.workloads.{name}"),
                *p,
                Move::Lower { floor: 0.0 },
                false,
            );
        }
    }
    for a in s.accelerators.iter().filter(|a| a.available) {
        if let Some(cap) = a.max_units {
            add(
                format!("accelerators[{}].max_units", a.id),
                cap as f64,
                Move::Raise { ceiling: None },
                true,
            );
        }
        if let Some(min) = a.min_units.filter(|m| *m > 0) {
            add(
                format!("accelerators[{}].min_units", a.id),
                min as f64,
                Move::Lower { floor: 0.0 },
                true,
            );
        }
    }
    out
}

/// Rounds a probe value so that it reads back exactly: whole units, shares to 4 decimals
/// (a strict share must be a fraction with a denominator of at most 10,000), other numbers
/// to 5 significant digits.
fn nice(v: f64, whole: bool) -> f64 {
    if whole {
        v.round()
    } else if v.abs() <= 1.0 {
        (v * 1e4).round() / 1e4
    } else {
        let scale = 10f64.powi(4 - v.abs().max(1e-300).log10().floor() as i32);
        (v * scale).round() / scale
    }
}

fn feasible(probe: &Probe, sets: &[Override]) -> Result<bool, PlanError> {
    Ok(probe.ask(sets)?.plan().is_some())
}

fn search(probe: &Probe, c: &Candidate) -> Result<Option<f64>, PlanError> {
    let tolerance = |scale: f64| (PRECISION * scale.abs()).max(if c.whole { 1.0 } else { 1e-9 });
    match c.way {
        Move::Lower { floor } => {
            if !feasible(probe, &[set(&c.path, floor)])? {
                return Ok(None);
            }
            // lo is feasible, hi is not.
            let (mut lo, mut hi) = (floor, c.now);
            while hi - lo > tolerance(hi) {
                let mid = nice(0.5 * (lo + hi), c.whole);
                if mid <= lo || mid >= hi {
                    break;
                }
                if feasible(probe, &[set(&c.path, mid)])? {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            Ok(Some(lo))
        }
        Move::Raise { ceiling } => {
            let mut hi = match ceiling {
                Some(top) => {
                    if !feasible(probe, &[set(&c.path, top)])? {
                        return Ok(None);
                    }
                    top
                }
                None => {
                    if !feasible(probe, &[Override::new(&c.path, "null")])? {
                        return Ok(None);
                    }
                    let mut v = nice((c.now * 2.0).max(1.0), c.whole);
                    let mut found = false;
                    for _ in 0..MAX_DOUBLINGS {
                        if feasible(probe, &[set(&c.path, v)])? {
                            found = true;
                            break;
                        }
                        v = nice(v * 2.0, c.whole);
                    }
                    if !found {
                        return Ok(None);
                    }
                    v
                }
            };
            let mut lo = c.now;
            while hi - lo > tolerance(hi) {
                let mid = nice(0.5 * (lo + hi), c.whole);
                if mid <= lo || mid >= hi {
                    break;
                }
                if feasible(probe, &[set(&c.path, mid)])? {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            Ok(Some(hi))
        }
    }
}

fn shown(v: f64, whole: bool) -> String {
    if whole || v.abs() >= 1000.0 {
        money(v)
    } else {
        qty(v, 4)
    }
}

/// The fixes of an infeasible scenario `s`: one per parameter that can make it feasible on
/// its own, in the order of the scenario's fields.
pub fn fixes(probe: &Probe, s: &Scenario) -> Result<Vec<Fix>, PlanError> {
    let mut out: Vec<Fix> = candidates(s)
        .par_iter()
        .map(|c| {
            Ok(search(probe, c)?.map(|to| {
                let verb = match c.way {
                    Move::Lower { .. } => "lower",
                    Move::Raise { .. } => "raise",
                };
                let says = match c.path.strip_suffix(".max_units") {
                    Some(acc) if c.whole => format!(
                        "allow {} more {} ({} to {})",
                        shown(to - c.now, true),
                        acc.trim_start_matches("accelerators[")
                            .trim_end_matches(']'),
                        c.path,
                        shown(to, true)
                    ),
                    _ => format!("{verb} {} to {}", c.path, shown(to, c.whole)),
                };
                let number = |v: f64| {
                    if c.whole {
                        serde_json::json!(v as i64)
                    } else {
                        serde_json::json!(v)
                    }
                };
                Fix {
                    path: c.path.clone(),
                    to: number(to),
                    from: number(c.now),
                    says,
                }
            }))
        })
        .collect::<Result<Vec<Option<Fix>>, PlanError>>()?
        .into_iter()
        .flatten()
        .collect();
    // Accelerators that cannot be bought today, each tried as available.
    let unavailable: Vec<&str> = s
        .accelerators
        .iter()
        .filter(|a| !a.available)
        .map(|a| a.id.as_str())
        .collect();
    let allowed: Vec<Option<Fix>> = unavailable
        .par_iter()
        .map(|id| {
            let path = format!("accelerators[{id}].available");
            let ok = feasible(probe, &[Override::new(&path, "true")])?;
            Ok(ok.then(|| Fix {
                says: format!("make {id} available again ({path} to true)"),
                path,
                to: serde_json::json!(true),
                from: serde_json::json!(false),
            }))
        })
        .collect::<Result<_, PlanError>>()?;
    out.extend(allowed.into_iter().flatten());
    Ok(out)
}
