//! "The rules that bind": each entry of the plan's `binding` list (the typed constraint
//! names of [`crate::rules`]) in a sentence, with the plan's figure and the scenario's
//! limit for a single site and period, and the sites and periods where it binds otherwise;
//! then the rules within 0.1% of their limit that do not bind, with their slack, in the
//! words of the text report ([`crate::render::allocation::near_line`]).

use super::{Place, escape};
use crate::numfmt::{money, percent, qty};
use crate::plan::Plan;
use crate::rules::{Constraint, Family};
use crate::scenario::national::National;

/// Places listed per rule before "and N more".
const PLACES_LISTED: usize = 6;

/// Where `name` binds: `site in year` (or the site, or the year) from the plan's detail.
fn places(plan: &Plan, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for site in &plan.sites {
        for p in site
            .periods
            .iter()
            .filter(|p| p.binding.iter().any(|b| b == name))
        {
            out.push(match p.period {
                Some(y) if plan.periods.len() > 1 => format!("{} in {y}", site.id),
                _ => site.id.clone(),
            });
        }
    }
    if out.is_empty() {
        out.extend(
            plan.periods
                .iter()
                .filter(|p| p.binding.iter().any(|b| b == name))
                .map(|p| p.period.to_string()),
        );
    }
    out
}

/// The sentence for one binding constraint of a plan of one site and one period.
fn single(plan: &Plan, s: &National, c: &Constraint) -> String {
    let cur = &plan.currency;
    let site = s.sites.first();
    let fig = |v: Option<f64>, d: usize| v.map(|v| qty(v, d)).unwrap_or_else(|| "-".into());
    let first = |v: Option<&Vec<f64>>| v.and_then(|v| v.first().copied());
    match (c.family, c.subject.as_deref()) {
        (Family::Demand, None) => format!(
            "The fleet's {} PFLOPS just meet the demand of {} PFLOPS (demand.pflops).",
            fig(plan.pflops, 1),
            fig(first(site.and_then(|x| x.pflops.as_ref())), 1)
        ),
        (Family::Demand, Some(w)) => format!(
            "The cards serving {w} just meet its demand of {} PFLOPS (demand.workloads.{w}).",
            fig(first(site.and_then(|x| x.workloads.get(w))), 1)
        ),
        (Family::Memory, _) => format!(
            "The fleet's {} TB of accelerator memory just meet the floor of {} TB (demand.memory_tb).",
            fig(plan.memory_tb, 1),
            fig(first(site.and_then(|x| x.memory_tb.as_ref())), 1)
        ),
        (Family::DomesticShare | Family::NationalShare, _) => {
            let d = plan.domestic_share.as_ref();
            format!(
                "The domestic share, {} by {}, is at its minimum of {}{} ({}).",
                d.and_then(|d| d.value)
                    .map(percent)
                    .unwrap_or_else(|| "-".into()),
                d.map(|d| d.basis.as_str()).unwrap_or("units"),
                d.and_then(|d| d.min)
                    .map(percent)
                    .unwrap_or_else(|| "-".into()),
                if d.is_some_and(|d| d.strict) {
                    ", which it must exceed"
                } else {
                    ""
                },
                c.family.path()
            )
        }
        (Family::VendorShare, Some(v)) => {
            let units: f64 = plan.fleet.iter().map(|f| f.units).sum();
            let of_vendor: f64 = plan
                .fleet
                .iter()
                .filter(|f| f.vendor == v)
                .map(|f| f.units)
                .sum();
            let share = if units > 0.0 {
                percent(of_vendor / units)
            } else {
                "-".into()
            };
            format!(
                "{v} holds {share} of the fleet's units, the most limits.vendor_max_share ({}) allows.",
                s.vendor_max_share
                    .map(percent)
                    .unwrap_or_else(|| "-".into())
            )
        }
        (Family::Power, _) => format!(
            "The facility draws {} kW (PUE applied), all of the {} kW of limits.power_kw.",
            fig(plan.facility_kw, 1),
            fig(first(site.and_then(|x| x.power_kw.as_ref())), 1)
        ),
        (Family::Budget, _) => format!(
            "The total cost, {} {cur}, uses the whole budget of {} {cur} (limits.budget).",
            plan.total_cost.map(money).unwrap_or_else(|| "-".into()),
            first(s.budget.as_ref())
                .map(money)
                .unwrap_or_else(|| "-".into())
        ),
        (Family::CapexBudget, _) => format!(
            "Capex, {} {cur}, uses the whole capex budget of {} {cur} (limits.capex_budget).",
            plan.capex.map(money).unwrap_or_else(|| "-".into()),
            first(s.capex_budget.as_ref())
                .map(money)
                .unwrap_or_else(|| "-".into())
        ),
        (Family::Supply, Some(id)) => supply(plan, s, id),
        _ => general(c),
    }
}

/// The supply sentence: the units bought against the cap.
fn supply(plan: &Plan, s: &National, id: &str) -> String {
    let bought: f64 = plan
        .purchases
        .iter()
        .filter(|p| p.id == id)
        .map(|p| p.units)
        .sum();
    let name = s
        .accelerators
        .iter()
        .find(|a| a.id == id)
        .map(|a| a.display_name().to_string())
        .unwrap_or_else(|| id.to_string());
    format!(
        "The plan buys {} {name}, all the units on offer (accelerators[{id}].max_units).",
        qty(bought, 2)
    )
}

/// A sentence that holds anywhere: the family and where the scenario states it.
fn general(c: &Constraint) -> String {
    let path = match (&c.family, c.subject.as_deref()) {
        (Family::Supply | Family::Availability | Family::MinOrder, Some(id)) => {
            c.family.path().replace("ID", id)
        }
        (Family::Demand, Some(w)) => format!("demand.workloads.{w}"),
        (f, _) => f.path().to_string(),
    };
    let what = match (&c.family, c.subject.as_deref()) {
        (Family::Demand, None) => "The fleet just meets its demand".to_string(),
        (Family::Demand, Some(w)) => format!("The cards serving {w} just meet its demand"),
        (Family::Memory, _) => "The fleet's memory just meets its floor".into(),
        (Family::DomesticShare, _) => "The domestic share is at its minimum".into(),
        (Family::NationalShare, _) => {
            "The domestic share of all sites together is at its minimum".into()
        }
        (Family::VendorShare, Some(v)) => format!("{v} holds the largest share allowed"),
        (Family::Power, _) => "The facility draws all the power allowed".into(),
        (Family::Budget, _) => "Spending uses the whole budget".into(),
        (Family::CapexBudget, _) => "Capex uses the whole capex budget".into(),
        (Family::Supply, Some(id)) => format!("The plan buys every {id} on offer"),
        (Family::Availability, _) => "An accelerator that cannot be bought limits the plan".into(),
        (Family::MinOrder, _) => "A minimum order is met exactly".into(),
        (f, _) => format!("The {} rule is at its limit", f.name()),
    };
    format!("{what} ({path}).")
}

/// Writes the section: one item per binding rule, or a line saying every rule has slack;
/// then the rules near their limit, when there are any.
pub(super) fn section(out: &mut String, plan: &Plan, s: &National, at: Place) {
    if !plan.futures.is_empty() {
        let items = crate::render::rows::by_future(plan);
        super::list(out, at.h, "The rules that bind in each future", &items);
        return;
    }
    binding(out, plan, s, at.h);
    near(out, plan, at);
}

/// The rules within 0.1% of their limit that do not bind, one item each with the plan's
/// figure, the limit and the slack (`id="near-limit"`, prefixed by the member's place).
fn near(out: &mut String, plan: &Plan, at: Place) {
    if plan.near_limit.is_empty() {
        return;
    }
    let h = at.h;
    out.push_str(&format!(
        "<{h}>Rules near their limit</{h}>\n<p class=\"lede\">Within 0.1% of their limit \
but not binding: a small change of the scenario could make them bind.</p>\n\
<ul class=\"near\" id=\"{}near-limit\">\n",
        at.id
    ));
    for n in &plan.near_limit {
        out.push_str(&format!(
            "<li>{}</li>\n",
            escape(&crate::render::allocation::near_line(n))
        ));
    }
    out.push_str("</ul>\n");
}

/// The binding rules, in words.
fn binding(out: &mut String, plan: &Plan, s: &National, h: &str) {
    out.push_str(&format!("<{h}>The rules that bind</{h}>\n"));
    if plan.binding.is_empty() {
        out.push_str("<p class=\"lede\">None: every rule has slack.</p>\n");
        return;
    }
    out.push_str(
        "<p class=\"lede\">These rules are at their limit: loosening one could lower the cost \
(or raise the PFLOPS); the others have slack.</p>\n<ul class=\"binding\">\n",
    );
    let one = s.sites.len() == 1 && s.years.len() == 1;
    for name in &plan.binding {
        let sentence = match Constraint::parse(name) {
            Some(c) if one => single(plan, s, &c),
            Some(c) => {
                let mut text = general(&c);
                let at = places(plan, name);
                if !at.is_empty() {
                    let more = at.len().saturating_sub(PLACES_LISTED);
                    let mut list = at
                        .into_iter()
                        .take(PLACES_LISTED)
                        .collect::<Vec<_>>()
                        .join(", ");
                    if more > 0 {
                        list.push_str(&format!(" and {more} more"));
                    }
                    text = format!("{} At: {list}.", text);
                }
                text
            }
            None => name.clone(),
        };
        out.push_str(&format!(
            "<li><code>{}</code>: {}</li>\n",
            escape(name),
            escape(&sentence)
        ));
    }
    out.push_str("</ul>\n");
}
