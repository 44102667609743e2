//! Fixes for an infeasible scenario: for each parameter that could be the culprit, the
//! smallest single change of it (to within 1%) that alone makes a plan possible, found by
//! bisection on re-solves. Each fix is a path `--set` accepts and its new value.
//!
//! Every scenario is sites x periods. A parameter with a value per period moves as a cap
//! or a floor on every period's value: lowering `sites[x].demand.pflops` to 500 means "at
//! most 500 in every year" (years already below keep theirs), raising `limits.budget` to
//! 6e9 "at least 6e9 in every year". The new value is then a map `{year: value}` unless
//! every year ends up the same. A site's own rules (demand, memory, power, its domestic
//! share) are tried for at most [`MAX_SITES`] sites (those with the most demand); the
//! explanation's notes say how many others were left out.

use super::probe::{Probe, number, per_period, site_path};
use crate::error::PlanError;
use crate::numfmt::{money, qty};
use crate::scenario::Override;
use crate::scenario::national::National;
use rayon::prelude::*;
use serde::Serialize;

/// Precision of a fix: the boundary is found to within 1% of its own value.
pub const PRECISION: f64 = 0.01;
/// Doublings tried when looking for a large enough limit.
const MAX_DOUBLINGS: usize = 60;
/// Most sites whose own rules are tried.
pub const MAX_SITES: usize = super::shadow::MAX_SITES;

/// One change that alone makes the scenario feasible.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fix {
    /// The path, as `--set` takes it.
    pub path: String,
    /// The new value (a number, `true` for an availability, or `{"year": value, ...}` for
    /// a value per period).
    pub to: serde_json::Value,
    /// The value today (`null` when the scenario does not set it; the largest or smallest
    /// period's for a value per period).
    pub from: serde_json::Value,
    /// The change in plain words, e.g. `raise limits.budget to 6.2e9`.
    pub says: String,
    /// The `--set` text, when the value is a map per period (`path={2025: 1, 2026: 2}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set: Option<String>,
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
    /// Every period's value today (one for a value that does not change by period).
    values: Vec<f64>,
    way: Move,
    whole: bool,
}

impl Candidate {
    /// The value the search starts from: the largest period's when lowering, the smallest
    /// when raising.
    fn now(&self) -> f64 {
        match self.way {
            Move::Lower { .. } => self.values.iter().copied().fold(f64::MIN, f64::max),
            Move::Raise { .. } => self.values.iter().copied().fold(f64::MAX, f64::min),
        }
    }

    /// Every period's value with `v` as a cap (lowering) or a floor (raising).
    fn at(&self, v: f64) -> Vec<f64> {
        self.values
            .iter()
            .map(|x| match self.way {
                Move::Lower { .. } => x.min(v),
                Move::Raise { .. } => x.max(v),
            })
            .collect()
    }

    fn set(&self, n: &National, v: f64) -> Override {
        if self.values.len() == 1 {
            Override::new(&self.path, &number(v))
        } else {
            Override::new(&self.path, &per_period(n, &self.at(v)))
        }
    }
}

fn candidates(n: &National, policy: Option<Vec<f64>>) -> (Vec<Candidate>, Vec<String>) {
    let mut out = Vec::new();
    let mut add = |path: String, values: Vec<f64>, way: Move, whole: bool| {
        out.push(Candidate {
            path,
            values,
            way,
            whole,
        })
    };
    let lower = Move::Lower { floor: 0.0 };
    let positive = |v: &Vec<f64>| v.iter().any(|x| *x > 0.0);
    if let Some(mins) = policy.filter(positive) {
        add("policy.domestic_share.min".into(), mins, lower, false);
    }
    if let Some(r) = n.national_share.as_ref().filter(|r| positive(&r.min)) {
        add(
            "policy.national_domestic_share.min".into(),
            r.min.clone(),
            lower,
            false,
        );
    }
    if let Some(v) = n.vendor_max_share
        && v < 1.0
    {
        add(
            "limits.vendor_max_share".into(),
            vec![v],
            Move::Raise { ceiling: Some(1.0) },
            false,
        );
    }
    for (path, v) in [
        ("limits.budget", &n.budget),
        ("limits.capex_budget", &n.capex_budget),
    ] {
        if let Some(v) = v {
            add(path.into(), v.clone(), Move::Raise { ceiling: None }, false);
        }
    }
    // Sites: those with the most demand in the last period first.
    let mut sites: Vec<usize> = (0..n.sites.len()).collect();
    let mut cut = Vec::new();
    if n.has_sites {
        let size = |s: usize| {
            let site = &n.sites[s];
            site.pflops
                .as_ref()
                .and_then(|p| p.last().copied())
                .unwrap_or(0.0)
                + site
                    .workloads
                    .values()
                    .filter_map(|w| w.last())
                    .sum::<f64>()
        };
        sites.sort_by(|&a, &b| size(b).total_cmp(&size(a)));
        if sites.len() > MAX_SITES {
            cut = sites
                .split_off(MAX_SITES)
                .into_iter()
                .map(|s| n.sites[s].id.clone())
                .collect();
        }
        sites.sort();
    }
    for &s in &sites {
        let site = &n.sites[s];
        let path = |f: &str| site_path(n, s, f);
        if n.has_sites
            && let Some(r) = site.domestic_share.as_ref().filter(|r| positive(&r.min))
        {
            add(path("domestic_share.min"), r.min.clone(), lower, false);
        }
        if let Some(p) = &site.power_kw {
            add(
                path("power_kw"),
                p.clone(),
                Move::Raise { ceiling: None },
                false,
            );
        }
        if let Some(p) = site.pflops.as_ref().filter(|p| positive(p)) {
            add(path("demand.pflops"), p.clone(), lower, false);
        }
        if let Some(m) = site.memory_tb.as_ref().filter(|m| positive(m)) {
            add(path("demand.memory_tb"), m.clone(), lower, false);
        }
        for (name, p) in &site.workloads {
            if positive(p) {
                add(
                    path(&format!("demand.workloads.{name}")),
                    p.clone(),
                    lower,
                    false,
                );
            }
        }
    }
    for (a, p) in n.accelerators.iter().zip(&n.per_period) {
        if !p.available.iter().any(|x| *x) {
            continue;
        }
        let caps: Option<Vec<f64>> = p.max_units.iter().map(|c| c.map(|c| c as f64)).collect();
        if let Some(caps) = caps {
            add(
                format!("accelerators[{}].max_units", a.id),
                caps,
                Move::Raise { ceiling: None },
                true,
            );
        }
        if let Some(min) = a.min_units.filter(|m| *m > 0) {
            add(
                format!("accelerators[{}].min_units", a.id),
                vec![min as f64],
                lower,
                true,
            );
        }
    }
    for r in &n.resources {
        add(
            format!("resources[{}].cap", r.id),
            r.cap.clone(),
            Move::Raise { ceiling: None },
            false,
        );
    }
    let mut notes = Vec::new();
    if !cut.is_empty() {
        notes.push(format!(
            "fixes of the rules of {} more sites were not tried (only of the {MAX_SITES} with the most demand)",
            cut.len()
        ));
    }
    // The per-period values of a scenario without periods have one entry: keep them so.
    for c in &mut out {
        if !n.has_periods {
            c.values.truncate(1);
        }
    }
    (out, notes)
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

fn search(probe: &Probe, n: &National, c: &Candidate) -> Result<Option<f64>, PlanError> {
    let set = |_: &str, v: f64| c.set(n, v);
    let now = c.now();
    let tolerance = |scale: f64| (PRECISION * scale.abs()).max(if c.whole { 1.0 } else { 1e-9 });
    match c.way {
        Move::Lower { floor } => {
            if !feasible(probe, &[set(&c.path, floor)])? {
                return Ok(None);
            }
            // lo is feasible, hi is not.
            let (mut lo, mut hi) = (floor, now);
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
                    let mut v = nice((now * 2.0).max(1.0), c.whole);
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
            let mut lo = now;
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

/// The values of `policy.domestic_share.min` of the scenario of `probe` (`n`): the rule
/// every site without its own inherits; `None` without one.
fn policy_mins(probe: &Probe, n: &National) -> Option<Vec<f64>> {
    if !n.has_sites {
        return n.sites[0].domestic_share.as_ref().map(|r| r.min.clone());
    }
    let without_own: Vec<Override> = n
        .sites
        .iter()
        .map(|s| Override::new(&format!("sites[{}].domestic_share", s.id), "null"))
        .collect();
    let inherited = probe.national(&without_own).ok()?;
    inherited.sites[0]
        .domestic_share
        .as_ref()
        .map(|r| r.min.clone())
}

/// The fixes of an infeasible scenario `n`: one per parameter that can make it feasible on
/// its own, in the order of the scenario's fields; and notes on the parameters not tried.
pub fn fixes(probe: &Probe, n: &National) -> Result<(Vec<Fix>, Vec<String>), PlanError> {
    let (candidates, notes) = candidates(n, policy_mins(probe, n));
    let mut out: Vec<Fix> = candidates
        .par_iter()
        .map(|c| {
            let now = c.now();
            Ok(search(probe, n, c)?.map(|to| {
                let verb = match c.way {
                    Move::Lower { .. } => "lower",
                    Move::Raise { .. } => "raise",
                };
                let every = if c.values.len() > 1 {
                    match c.way {
                        Move::Lower { .. } => " at most, every year",
                        Move::Raise { .. } => " at least, every year",
                    }
                } else {
                    ""
                };
                let says = match c.path.strip_suffix(".max_units") {
                    Some(acc) if c.whole => format!(
                        "allow {} more {} ({} to {}{every})",
                        shown(to - now, true),
                        acc.trim_start_matches("accelerators[")
                            .trim_end_matches(']'),
                        c.path,
                        shown(to, true)
                    ),
                    _ => format!("{verb} {} to {}{every}", c.path, shown(to, c.whole)),
                };
                let number = |v: f64| {
                    if c.whole {
                        serde_json::json!(v as i64)
                    } else {
                        serde_json::json!(v)
                    }
                };
                let values = c.at(to);
                let (to_json, set) = if values.iter().all(|v| *v == values[0]) {
                    (number(values[0]), None)
                } else {
                    let map: serde_json::Map<String, serde_json::Value> = n
                        .years
                        .iter()
                        .zip(&values)
                        .map(|(y, v)| (y.to_string(), number(*v)))
                        .collect();
                    (
                        serde_json::Value::Object(map),
                        Some(c.set(n, to).to_string()),
                    )
                };
                Fix {
                    path: c.path.clone(),
                    to: to_json,
                    from: number(now),
                    says,
                    set,
                }
            }))
        })
        .collect::<Result<Vec<Option<Fix>>, PlanError>>()?
        .into_iter()
        .flatten()
        .collect();
    // Accelerators and systems that cannot be bought (in some period), each tried as
    // available.
    let unavailable: Vec<(&str, &str)> = n
        .accelerators
        .iter()
        .zip(&n.per_period)
        .filter(|(_, p)| p.available.iter().any(|a| !a))
        .map(|(a, _)| ("accelerators", a.id.as_str()))
        .chain(
            n.systems
                .iter()
                .filter(|b| b.available.iter().any(|a| !a))
                .map(|b| ("systems", b.id.as_str())),
        )
        .collect();
    let allowed: Vec<Option<Fix>> = unavailable
        .par_iter()
        .map(|(list, id)| {
            let path = format!("{list}[{id}].available");
            let ok = feasible(probe, &[Override::new(&path, "true")])?;
            Ok(ok.then(|| Fix {
                says: format!("make {id} available again ({path} to true)"),
                path,
                to: serde_json::json!(true),
                from: serde_json::json!(false),
                set: None,
            }))
        })
        .collect::<Result<_, PlanError>>()?;
    out.extend(allowed.into_iter().flatten());
    out.extend(removals(probe, n)?);
    Ok((out, notes))
}

/// Installed entries that may not be taken out today (no `removal`), each tried as
/// removable at no cost and no salvage: a fix when the scenario then has a plan, saying how
/// many units that plan takes out, where and by when. Entries of at most [`MAX_SITES`]
/// sites are tried (the first ones).
fn removals(probe: &Probe, n: &National) -> Result<Vec<Fix>, PlanError> {
    let mut tries = Vec::new();
    for (s, site) in n.sites.iter().enumerate().take(MAX_SITES) {
        for (i, e) in site.existing.iter().enumerate() {
            let serves = n.years.iter().any(|y| e.serves_in(*y));
            if e.removal.is_some() || e.units == 0 || !serves {
                continue;
            }
            let id = &n.accelerators[e.index].id;
            let twice = site
                .existing
                .iter()
                .filter(|o| n.accelerators[o.index].id == *id)
                .count()
                > 1;
            let key = if twice { i.to_string() } else { id.clone() };
            let path = site_path(n, s, &format!("existing[{key}].removal"));
            tries.push((s, i, id.clone(), path));
        }
    }
    let found: Vec<Option<Fix>> = tries
        .par_iter()
        .map(|(s, i, id, path)| {
            let answer = probe.ask(&[Override::new(path, "{}")])?;
            let Some(plan) = answer.plan() else {
                return Ok(None);
            };
            let site = n.has_sites.then(|| n.sites[*s].id.clone());
            let rows: Vec<_> = plan
                .removals
                .iter()
                .filter(|r| r.site == site && r.entry == *i && r.moved_to.is_none())
                .collect();
            let units: f64 = rows.iter().map(|r| r.units).sum();
            let by = rows
                .iter()
                .filter_map(|r| r.period)
                .max()
                .map(|y| format!(" by {y}"))
                .unwrap_or_default();
            let at = site
                .as_ref()
                .map(|s| format!(" at site {s}"))
                .unwrap_or_default();
            Ok(Some(Fix {
                says: format!(
                    "take out {} units of {id}{at}{by} (give the entry a `removal`, with its salvage_value and cost)",
                    qty(units, 0)
                ),
                path: path.clone(),
                to: serde_json::json!({}),
                from: serde_json::Value::Null,
                set: Some(format!("{path}={{}}")),
            }))
        })
        .collect::<Result<_, PlanError>>()?;
    Ok(found.into_iter().flatten().collect())
}
