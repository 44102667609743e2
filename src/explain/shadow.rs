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
use crate::plan::Plan;
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
    /// The site whose rule was tightened (`null` for a national rule, or without sites).
    pub site: Option<String>,
    /// The period whose limit was tightened (`null` without periods, and for the vendor
    /// share, which has one limit for every site and period).
    pub period: Option<i64>,
    /// The unit the limit was tightened by (`per percentage point`, `per PFLOPS`, ...).
    pub unit: String,
    /// Change of the optimal total cost when the limit is tightened by one unit; `null` when
    /// the tightened scenario has no plan (or the limit cannot be tightened).
    pub value: Option<f64>,
    /// How the value was found: `resolve`.
    pub method: String,
    /// The override that tightened the limit (`--set` syntax).
    pub tightened: String,
    /// Why the value is `null`, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One question: the family, where, the unit, and the override that tightens it by one
/// unit (or why it cannot be tightened).
struct Question {
    constraint: Constraint,
    site: Option<String>,
    period: Option<i64>,
    unit: &'static str,
    path: String,
    to: Result<Override, &'static str>,
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
}

/// Whether `family` is a national rule (it binds the sum over sites).
fn is_national(family: Family) -> bool {
    matches!(
        family,
        Family::NationalShare | Family::Budget | Family::CapexBudget | Family::Supply
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
        cut = asked
            .split_off(MAX_SITES)
            .into_iter()
            .map(|s| n.sites[s].id.clone())
            .collect();
    }
    asked.sort();
    for s in asked {
        for (t, p) in plan.sites[s].periods.iter().enumerate().take(n.periods()) {
            out.push(Place {
                s,
                t,
                site: Some(n.sites[s].id.clone()),
                period: year(t),
                binding: &p.binding,
                site_rules: true,
                national_rules: false,
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
        });
    }
    (out, cut)
}

fn questions(n: &National, plan: &Plan) -> (Vec<Question>, Vec<String>) {
    let (places, cut) = places(n, plan);
    let mut out = Vec::new();
    let mut vendor_done = false;
    for place in &places {
        let site = &n.sites[place.s];
        let t = place.t;
        let mut q =
            |constraint: Constraint, unit, path: String, to: Result<Override, &'static str>| {
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
                    for (name, values) in &site.workloads {
                        let path = site_path(n, place.s, &format!("demand.workloads.{name}"));
                        let to = tighten(&path, Some(values), 1.0, 0.0, f64::INFINITY);
                        q(
                            Constraint::workload(name),
                            unit,
                            path,
                            to.ok_or("no limit to tighten"),
                        );
                    }
                }
                Family::Demand => {
                    let path = site_path(n, place.s, "demand.pflops");
                    let to = tighten(&path, site.pflops.as_ref(), 1.0, 0.0, f64::INFINITY);
                    q(c.clone(), unit, path, to.ok_or("no limit to tighten"))
                }
                Family::Memory => {
                    let path = site_path(n, place.s, "demand.memory_tb");
                    let to = tighten(&path, site.memory_tb.as_ref(), 1.0, 0.0, f64::INFINITY);
                    q(c.clone(), unit, path, to.ok_or("no limit to tighten"))
                }
                Family::DomesticShare => {
                    let path = site_path(n, place.s, "domestic_share.min");
                    let mins = site.domestic_share.as_ref().map(|r| &r.min);
                    let to = tighten(&path, mins, 0.01, 0.0, 1.0);
                    q(
                        c.clone(),
                        unit,
                        path,
                        to.ok_or("the minimum cannot go above 100%"),
                    )
                }
                Family::Power => {
                    let path = site_path(n, place.s, "power_kw");
                    let to = tighten(&path, site.power_kw.as_ref(), -1.0, 0.0, f64::INFINITY);
                    q(
                        c.clone(),
                        unit,
                        path,
                        to.ok_or("the limit cannot go below 0"),
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
                        to.ok_or("the minimum cannot go above 100%"),
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
                        to.ok_or("the limit cannot go below 0"),
                    )
                }
                Family::VendorShare => {
                    // One limit holds every vendor at every site in every period: it is
                    // tightened once, for all.
                    if !vendor_done {
                        vendor_done = true;
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
                            to.ok_or("the limit cannot go below 0"),
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
                        q(c.clone(), unit, path, to.ok_or("the cap cannot go below 0"))
                    }
                }
                // Never binding in a plan: nothing to tighten.
                Family::Availability | Family::MinOrder | Family::CostCap => {}
            }
        }
    }
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
/// and notes on the questions left out.
pub fn shadow_prices(
    probe: &Probe,
    n: &National,
    plan: &Plan,
) -> Result<(Vec<ShadowPrice>, Vec<String>), PlanError> {
    let Some(base) = plan.total_cost.filter(|_| plan.status.has_plan()) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let (questions, notes) = questions(n, plan);
    let prices = questions
        .into_par_iter()
        .map(|q| {
            let (value, note, tightened) = match q.to {
                Err(why) => (None, Some(why.to_string()), format!("{}=?", q.path)),
                Ok(o) => {
                    let answer = probe.ask(std::slice::from_ref(&o))?;
                    match (&answer, answer.cost()) {
                        (_, Some(c)) => (Some(c - base), None, o.to_string()),
                        (Answer::Skipped, None) => (
                            None,
                            Some("not re-solved: the time for re-solves ran out".to_string()),
                            o.to_string(),
                        ),
                        _ => (
                            None,
                            Some("no plan meets the tightened limit".to_string()),
                            o.to_string(),
                        ),
                    }
                }
            };
            Ok(ShadowPrice {
                constraint: q.constraint.name(),
                site: q.site,
                period: q.period,
                unit: q.unit.to_string(),
                value,
                method: "resolve".into(),
                tightened,
                note,
            })
        })
        .collect::<Result<Vec<_>, PlanError>>()?;
    Ok((prices, notes))
}
