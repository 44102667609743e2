//! Shadow prices by re-solving: for each constraint family at its limit, where it is at its
//! limit (a site's rules per site and period, the national rules per period), the scenario
//! is planned again with that limit tightened by one unit of its own measure, in that site
//! and period only, and the change of the optimal total cost is the price. With whole lots
//! the change is a finite difference (it may be zero, or jump), never a dual value read off
//! a relaxation.
//!
//! A section-1 scenario is the 1 x 1 case: its rules are asked once each, with `site` and
//! `period` `null`. A national scenario with many sites asks about the sites where a rule
//! binds with the most capex in the plan, at most [`MAX_SITES`] of them; the explanation's
//! notes say how many others were left out.

use super::probe::{Answer, Probe, set, set_per_period, site_path};
use crate::error::PlanError;
use crate::plan::{Plan, Status};
use crate::rules::{Constraint, Family};
use crate::scenario::Override;
use crate::scenario::national::National;
use rayon::prelude::*;
use serde::Serialize;

/// Most sites whose own rules are asked about (those with the most capex in the plan).
pub const MAX_SITES: usize = 6;

/// The marginal cost of one constraint family at one place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShadowPrice {
    /// `demand`, `workload:<name>`, `memory`, `domestic_share`, `national_domestic_share`,
    /// `vendor_share:<vendor>`, `power`, `budget`, `capex_budget` or `supply:<id>`.
    pub constraint: String,
    /// The future whose rule was tightened, in that future alone (a scenario with
    /// `futures`; absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub future: Option<String>,
    /// The site whose rule was tightened (`null` for a national rule, or without sites).
    pub site: Option<String>,
    /// The period whose limit was tightened (`null` without periods, and for the vendor
    /// share, which has one limit for every site and period).
    pub period: Option<i64>,
    /// The unit the limit was tightened by (`per percentage point`, `per PFLOPS`, ...).
    pub unit: String,
    /// Change of the optimal total cost when the limit is tightened by one unit; `null` when
    /// no such figure can be given, and `why` says why.
    pub value: Option<f64>,
    /// How the value was found: `resolve`.
    pub method: String,
    /// The override that tightened the limit (`--set` syntax).
    pub tightened: String,
    /// Why the value is `null` (the limit cannot be tightened, the tightened scenario has no
    /// plan, the re-solve was cut short or not run), or why it is 0 for a binding rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

/// One question: the family, where, the unit, and how it is answered.
struct Question {
    constraint: Constraint,
    site: Option<String>,
    period: Option<i64>,
    unit: &'static str,
    path: String,
    to: Ask,
}

/// How a question is answered.
enum Ask {
    /// Re-solve with this override (the limit tightened by one unit).
    Tighten(Override),
    /// The limit cannot be tightened, for this reason.
    Cannot(&'static str),
    /// Not re-solved with this override, for this reason (the site was left out by
    /// [`MAX_SITES`]).
    Skip(Override, String),
    /// The same re-solve as the vendor limit's first binding vendor (one limit holds every
    /// vendor).
    SameLimit,
}

impl From<Result<Override, &'static str>> for Ask {
    fn from(r: Result<Override, &'static str>) -> Ask {
        match r {
            Ok(o) => Ask::Tighten(o),
            Err(why) => Ask::Cannot(why),
        }
    }
}

/// Where rules bind: site `s` (index) in period `t`, with the labels of the JSON, and which
/// kinds of family are asked there.
struct Place<'p> {
    s: usize,
    t: usize,
    site: Option<String>,
    period: Option<i64>,
    binding: &'p [String],
    site_rules: bool,
    national_rules: bool,
    /// Left out by [`MAX_SITES`]: its binding rules are listed, not re-solved.
    skipped: bool,
}

/// Whether `family` is a national rule (it binds the sum over sites).
fn is_national(family: Family) -> bool {
    matches!(
        family,
        Family::NationalShare
            | Family::Budget
            | Family::CapexBudget
            | Family::Supply
            | Family::Resource
    )
}

/// `values` with period `t` moved by `by`, or `None` when it would leave `[lo, hi]`.
fn moved(values: &[f64], t: usize, by: f64, lo: f64, hi: f64) -> Option<Vec<f64>> {
    let mut out = values.to_vec();
    let to = out[t] + by;
    if to < lo - 1e-12 || to > hi + 1e-12 {
        return None;
    }
    out[t] = to.clamp(lo, hi);
    Some(out)
}

/// The places of `plan` (of `n`), and the sites left out by [`MAX_SITES`].
fn places<'p>(n: &National, plan: &'p Plan) -> (Vec<Place<'p>>, Vec<String>) {
    let year = |t: usize| n.has_periods.then(|| n.years[t]);
    let national_list = |t: usize| -> &'p [String] {
        match plan.periods.get(t) {
            Some(p) if n.has_periods => &p.binding,
            _ => &plan.binding,
        }
    };
    let mut out = Vec::new();
    let mut cut = Vec::new();
    if !n.has_sites {
        for t in 0..n.periods() {
            out.push(Place {
                s: 0,
                t,
                site: None,
                period: year(t),
                binding: national_list(t),
                site_rules: true,
                national_rules: true,
                skipped: false,
            });
        }
        return (out, cut);
    }
    let mut asked: Vec<usize> = (0..plan.sites.len().min(n.sites.len()))
        .filter(|&s| {
            plan.sites[s].periods.iter().any(|p| {
                p.binding
                    .iter()
                    .filter_map(|name| Constraint::parse(name))
                    .any(|c| !is_national(c.family))
            })
        })
        .collect();
    asked.sort_by(|&a, &b| plan.sites[b].capex.total_cmp(&plan.sites[a].capex));
    if asked.len() > MAX_SITES {
        cut = asked[MAX_SITES..]
            .iter()
            .map(|&s| n.sites[s].id.clone())
            .collect();
    }
    let left_out: Vec<usize> = asked.split_off(asked.len().min(MAX_SITES));
    asked.sort();
    let mut every: Vec<(usize, bool)> = asked.iter().map(|&s| (s, false)).collect();
    every.extend(left_out.iter().map(|&s| (s, true)));
    every.sort();
    for (s, skipped) in every {
        for (t, p) in plan.sites[s].periods.iter().enumerate().take(n.periods()) {
            out.push(Place {
                s,
                t,
                site: Some(n.sites[s].id.clone()),
                period: year(t),
                binding: &p.binding,
                site_rules: true,
                national_rules: false,
                skipped,
            });
        }
    }
    for t in 0..n.periods() {
        out.push(Place {
            s: 0,
            t,
            site: None,
            period: year(t),
            binding: national_list(t),
            site_rules: false,
            national_rules: true,
            skipped: false,
        });
    }
    (out, cut)
}

fn questions(n: &National, plan: &Plan) -> (Vec<Question>, Vec<String>) {
    let (places, cut) = places(n, plan);
    let mut out = Vec::new();
    let mut vendor_done = false;
    let mut vendors = std::collections::BTreeSet::new();
    let mut same = Vec::new();
    for place in &places {
        let site = &n.sites[place.s];
        let t = place.t;
        let skip = place.skipped.then(|| {
            format!(
                "not re-solved: only the {MAX_SITES} sites with the most capex where a rule binds are asked"
            )
        });
        let mut q = |constraint: Constraint, unit, path: String, to: Ask| {
            let to = match (&skip, to) {
                (Some(why), Ask::Tighten(o)) => Ask::Skip(o, why.clone()),
                (_, to) => to,
            };
            out.push(Question {
                constraint,
                site: place.site.clone(),
                period: place.period,
                unit,
                path,
                to,
            })
        };
        let tighten = |path: &str, values: Option<&Vec<f64>>, by: f64, lo: f64, hi: f64| {
            values
                .and_then(|v| moved(v, t, by, lo, hi))
                .map(|v| set_per_period(n, path, &v))
        };
        for name in place.binding {
            // The plan names its binding rules; each name reads back as its constraint.
            let Some(c) = Constraint::parse(name) else {
                continue;
            };
            if is_national(c.family) {
                if !place.national_rules {
                    continue;
                }
            } else if !place.site_rules {
                continue;
            }
            let unit = c.family.shadow_unit().unwrap_or("per unit");
            match c.family {
                Family::Demand if !site.workloads.is_empty() => {
                    // `workload:<class>` names its class; a bare `demand` stands for all.
                    for (name, values) in site
                        .workloads
                        .iter()
                        .filter(|(name, _)| c.subject.as_ref().is_none_or(|s| s == *name))
                    {
                        let path = site_path(n, place.s, &format!("demand.workloads.{name}"));
                        let to = tighten(&path, Some(values), 1.0, 0.0, f64::INFINITY);
                        q(
                            Constraint::workload(name),
                            unit,
                            path,
                            to.ok_or("no limit to tighten").into(),
                        );
                    }
                }
                Family::Demand => {
                    let path = site_path(n, place.s, "demand.pflops");
                    let to = tighten(&path, site.pflops.as_ref(), 1.0, 0.0, f64::INFINITY);
                    q(
                        c.clone(),
                        unit,
                        path,
                        to.ok_or("no limit to tighten").into(),
                    )
                }
                Family::Memory => {
                    let path = site_path(n, place.s, "demand.memory_tb");
                    let to = tighten(&path, site.memory_tb.as_ref(), 1.0, 0.0, f64::INFINITY);
                    q(
                        c.clone(),
                        unit,
                        path,
                        to.ok_or("no limit to tighten").into(),
                    )
                }
                Family::DomesticShare => {
                    let path = site_path(n, place.s, "domestic_share.min");
                    let mins = site.domestic_share.as_ref().map(|r| &r.min);
                    let to = tighten(&path, mins, 0.01, 0.0, 1.0);
                    q(
                        c.clone(),
                        unit,
                        path,
                        to.ok_or("the minimum cannot go above 100%").into(),
                    )
                }
                Family::Power => {
                    let path = site_path(n, place.s, "power_kw");
                    let to = tighten(&path, site.power_kw.as_ref(), -1.0, 0.0, f64::INFINITY);
                    q(
                        c.clone(),
                        unit,
                        path,
                        to.ok_or("the limit cannot go below 0").into(),
                    )
                }
                Family::NationalShare => {
                    let path = c.family.path().to_string();
                    let mins = n.national_share.as_ref().map(|r| &r.min);
                    let to = tighten(&path, mins, 0.01, 0.0, 1.0);
                    q(
                        c.clone(),
                        unit,
                        path,
                        to.ok_or("the minimum cannot go above 100%").into(),
                    )
                }
                Family::Budget | Family::CapexBudget => {
                    let path = c.family.path().to_string();
                    let values = if c.family == Family::Budget {
                        n.budget.as_ref()
                    } else {
                        n.capex_budget.as_ref()
                    };
                    let to = tighten(&path, values, -1.0, 0.0, f64::INFINITY);
                    q(
                        c.clone(),
                        unit,
                        path,
                        to.ok_or("the limit cannot go below 0").into(),
                    )
                }
                Family::VendorShare => {
                    // One limit holds every vendor at every site in every period: it is
                    // tightened once, for all, and every other binding vendor gets the
                    // same answer.
                    if vendor_done {
                        if vendors.insert(c.clone()) {
                            same.push(Question {
                                constraint: c.clone(),
                                site: None,
                                period: None,
                                unit,
                                path: c.family.path().to_string(),
                                to: Ask::SameLimit,
                            });
                        }
                    } else {
                        vendor_done = true;
                        vendors.insert(c.clone());
                        let path = c.family.path().to_string();
                        let to = n
                            .vendor_max_share
                            .map(|v| v - 0.01)
                            .filter(|v| *v >= 0.0)
                            .map(|v| set(&path, v));
                        q(
                            c.clone(),
                            unit,
                            path,
                            to.ok_or("the limit cannot go below 0").into(),
                        );
                    }
                }
                Family::Supply => {
                    if let Some(id) = c.subject.as_deref() {
                        let path = format!("accelerators[{id}].max_units");
                        let caps: Option<Vec<f64>> = n
                            .accelerators
                            .iter()
                            .position(|a| a.id == id)
                            .and_then(|a| {
                                n.per_period[a]
                                    .max_units
                                    .iter()
                                    .map(|c| c.map(|c| c as f64))
                                    .collect()
                            });
                        let to = tighten(&path, caps.as_ref(), -1.0, 0.0, f64::INFINITY);
                        q(
                            c.clone(),
                            unit,
                            path,
                            to.ok_or("the cap cannot go below 0").into(),
                        )
                    }
                }
                Family::Resource => {
                    if let Some(id) = c.subject.as_deref() {
                        let path = format!("resources[{id}].cap");
                        let caps = n.resources.iter().find(|r| r.id == id).map(|r| &r.cap);
                        let to = tighten(&path, caps, -1.0, 0.0, f64::INFINITY);
                        q(
                            c.clone(),
                            unit,
                            path,
                            to.ok_or("the cap cannot go below 0").into(),
                        )
                    }
                }
                // Never binding in a plan: nothing to tighten.
                Family::Availability | Family::MinOrder | Family::CostCap | Family::Removal => {}
            }
        }
    }
    out.extend(same);
    // The vendor limit is one for every site and period.
    for q in out
        .iter_mut()
        .filter(|q| q.constraint.family == Family::VendorShare)
    {
        q.site = None;
        q.period = None;
    }
    let mut notes = Vec::new();
    if !cut.is_empty() {
        let shown: Vec<&str> = cut.iter().take(5).map(String::as_str).collect();
        notes.push(format!(
            "shadow prices of the rules of {} more sites where a rule binds were not asked (only the {MAX_SITES} with the most capex were): {}{}",
            cut.len(),
            shown.join(", "),
            if cut.len() > shown.len() { ", ..." } else { "" }
        ));
    }
    (out, notes)
}

/// Shadow prices of every binding family of `plan` (the plan of `probe`'s scenario `n`),
/// and notes on the questions left out. With futures, each future's binding rules are
/// tightened in that future alone, and the price is the change of the plan's objective
/// (the expected cost, or the worst under `risk: worst_case`).
pub fn shadow_prices(
    probe: &Probe,
    n: &National,
    plan: &Plan,
) -> Result<(Vec<ShadowPrice>, Vec<String>), PlanError> {
    let Some(base) = plan.total_cost.filter(|_| plan.status.has_plan()) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let Some(f) = n.futures.as_deref() else {
        let (questions, notes) = questions(n, plan);
        return Ok((
            answers(probe, questions, base, (plan, n.solver.integer), None)?,
            notes,
        ));
    };
    let mut prices = Vec::new();
    let mut notes = Vec::new();
    for (i, (fu, outcome)) in f.list.iter().zip(&plan.futures).enumerate() {
        let (questions, cut) = questions(&fu.scenario, &outcome.whole(plan));
        notes.extend(cut.into_iter().map(|c| format!("in future {}: {c}", fu.id)));
        prices.extend(answers(
            probe,
            questions,
            base,
            (plan, fu.scenario.solver.integer),
            Some((i, &fu.id)),
        )?);
    }
    Ok((prices, notes))
}

/// The shadow price of each of `questions` against the plan's cost `base` (in future `i`
/// alone, when given).
fn answers(
    probe: &Probe,
    questions: Vec<Question>,
    base: f64,
    (plan, integer): (&Plan, bool),
    future: Option<(usize, &String)>,
) -> Result<Vec<ShadowPrice>, PlanError> {
    let proven = plan.status == Status::Optimal;
    let mut prices = questions
        .into_par_iter()
        .map(|q| {
            let unknown = |why: String| (None, Some(why), format!("{}=?", q.path));
            let (value, why, tightened) = match q.to {
                Ask::Cannot(why) => unknown(why.to_string()),
                Ask::Skip(o, why) => (None, Some(why), o.to_string()),
                // Filled in below from the first vendor's answer.
                Ask::SameLimit => (None, None, String::new()),
                Ask::Tighten(o) => {
                    let extra = std::slice::from_ref(&o);
                    let answer = match future {
                        Some((i, _)) => probe.ask_in_future(i, extra)?,
                        None => probe.ask(extra)?,
                    };
                    let (value, why) = price(&answer, base, proven, integer, q.unit);
                    (value, why, o.to_string())
                }
            };
            Ok(ShadowPrice {
                constraint: q.constraint.name(),
                future: future.map(|(_, id)| id.clone()),
                site: q.site,
                period: q.period,
                unit: q.unit.to_string(),
                value,
                method: "resolve".into(),
                tightened,
                why,
            })
        })
        .collect::<Result<Vec<_>, PlanError>>()?;
    if let Some(first) = prices
        .iter()
        .find(|p| p.constraint.starts_with("vendor_share:") && !p.tightened.is_empty())
        .cloned()
    {
        for p in prices
            .iter_mut()
            .filter(|p| p.constraint.starts_with("vendor_share:") && p.tightened.is_empty())
        {
            p.value = first.value;
            p.tightened = first.tightened.clone();
            p.why = Some(format!(
                "one limit holds every vendor: the same re-solve as {}{}",
                first.constraint,
                first
                    .why
                    .as_deref()
                    .map(|w| format!(" ({w})"))
                    .unwrap_or_default()
            ));
        }
    }
    Ok(prices)
}

/// The shadow price the re-solve `answer` gives against the plan's cost `base`, and why it
/// is `null` (or 0, or not proven) when it is. `proven`: the plan itself is proven optimal.
fn price(
    answer: &Answer,
    base: f64,
    proven: bool,
    integer: bool,
    unit: &str,
) -> (Option<f64>, Option<String>) {
    let plan = match answer {
        Answer::Skipped => {
            return (
                None,
                Some("not re-solved: the time for re-solves ran out".into()),
            );
        }
        Answer::Invalid(e) => {
            return (
                None,
                Some(format!("the tightened scenario is not valid: {e}")),
            );
        }
        Answer::Planned(p) => p,
    };
    let Some(cost) = plan.total_cost.filter(|_| plan.status.has_plan()) else {
        return (None, Some("no plan meets the tightened limit".into()));
    };
    let value = cost - base;
    let tiny = 1e-9 * base.abs().max(1.0);
    let unproven = !proven || plan.status != Status::Optimal;
    if unproven && value < -tiny {
        // Tightening a rule never lowers a proven optimum: one of the two costs is not one.
        return (
            None,
            Some(format!(
                "the re-solve or the plan stopped at a time limit before proving its optimum, and the tightened plan came out {} cheaper: no price can be read from two unproven costs",
                crate::numfmt::qty(-value, 6)
            )),
        );
    }
    let why = if unproven {
        Some(
            "not proven: the re-solve or the plan stopped at a time limit before proving its optimum, so the value may be off"
                .to_string(),
        )
    } else if value.abs() <= tiny {
        Some(if integer {
            format!(
                "the optimal cost does not change when the limit is tightened by one unit ({unit}): with whole lots the rule binds to within one lot, not to one unit"
            )
        } else {
            "the optimal cost does not change when the limit is tightened by one unit: another rule holds the plan in place".to_string()
        })
    } else {
        None
    };
    (Some(if value.abs() <= tiny { 0.0 } else { value }), why)
}
