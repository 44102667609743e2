//! The report's "Inputs and assumptions": what a plan was made from, so a reader can check
//! it without the scenario file. The file, its overrides, the chipmix version, the date and
//! the solver settings; every accelerator (price per period where it varies, TFLOPS, power,
//! memory, supply cap, availability, installed units, source); demand and limits; costs;
//! policy; and for scenarios with sites, one row per site.

use super::{Place, escape, utc};
use crate::numfmt::{grouped, percent, qty};
use crate::report::Member;
use crate::scenario::national::{National, ShareRule, Site};

/// Sites listed in the inputs (the scenario file has them all).
const SITES_LISTED: usize = 100;

/// `values` (one per period) as one figure when they are all equal, else `year: figure`
/// for each period.
fn by_period<T: PartialEq>(years: &[i64], values: &[T], f: impl Fn(&T) -> String) -> String {
    match values.first() {
        None => "-".into(),
        Some(first) if values.iter().all(|v| v == first) => f(first),
        Some(_) => years
            .iter()
            .zip(values)
            .map(|(y, v)| format!("{y}: {}", f(v)))
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// An amount of money as given: whole units, or to the cent when it has cents.
fn amount(v: f64) -> String {
    if v.fract() == 0.0 {
        grouped(v, 0)
    } else {
        grouped(v, 2)
    }
}

/// A share rule in words: `at least 50.00% by units` (per period when the minimum varies).
fn share_rule(years: &[i64], r: &ShareRule) -> String {
    let word = if r.strict { "more than" } else { "at least" };
    format!(
        "{word} {} by {}",
        by_period(years, &r.min, |v| percent(*v)),
        r.basis.as_str()
    )
}

/// The same text for every site, or `varies by site` (the sites table has each).
fn same_for_all(sites: &[Site], f: impl Fn(&Site) -> String) -> String {
    let texts: Vec<String> = sites.iter().map(f).collect();
    match texts.first() {
        Some(t) if texts.iter().all(|x| x == t) => t.clone(),
        Some(_) => "varies by site (see the sites below)".into(),
        None => "-".into(),
    }
}

/// One `<dt>`/`<dd>` pair.
fn item(out: &mut String, term: &str, value: &str) {
    out.push_str(&format!(
        "<dt>{}</dt><dd>{}</dd>\n",
        escape(term),
        escape(value)
    ));
}

/// Writes the inputs and assumptions of member `m`.
pub(super) fn section(out: &mut String, m: &Member, generated: i64, at: Place) {
    let s = &m.scenario;
    let (h, p) = (at.h, at.id);
    let cur = &s.currency;
    let years = &s.years;
    out.push_str(&format!(
        "<{h} id=\"{p}inputs\">Inputs and assumptions</{h}>\n<dl class=\"inputs\">\n"
    ));
    item(out, "Scenario file", &m.file);
    let overrides = if m.overrides.is_empty() {
        "none".to_string()
    } else {
        m.overrides.join(", ")
    };
    item(out, "Overrides", &overrides);
    item(out, "Scenario", &s.name);
    item(out, "chipmix version", env!("CARGO_PKG_VERSION"));
    item(out, "Generated", &utc(generated));
    item(out, "Objective", s.objective.as_str());
    item(out, "Currency", cur);
    if s.has_periods {
        item(
            out,
            "Periods",
            &years
                .iter()
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    let gap = if m.solver.mip_gap == 0.0 {
        "0 (optimum proven unless the time limit stops first)".to_string()
    } else {
        percent(m.solver.mip_gap)
    };
    item(
        out,
        "Solver",
        &format!(
            "{}; {}; MIP gap {gap}; time limit {} s",
            m.plan.solver,
            if m.solver.integer {
                "whole units"
            } else {
                "fractional units (continuous relaxation)"
            },
            qty(m.solver.time_limit_s, 1)
        ),
    );
    out.push_str("</dl>\n");
    accelerators(out, s, at);
    demand_and_limits(out, s, at);
    costs_and_policy(out, s, at);
    if s.has_sites {
        sites(out, s, at);
    }
}

/// The accelerator table: one row per accelerator of the scenario.
fn accelerators(out: &mut String, s: &National, at: Place) {
    let (h, p) = (at.h, at.id);
    let cur = &s.currency;
    let years = &s.years;
    out.push_str(&format!(
        "<{h}>Accelerators</{h}>\n<table id=\"{p}inputs-accelerators\">\n<thead><tr>\
<th>accelerator</th><th>id</th><th>vendor</th><th>origin</th><th>platform</th>\
<th class=\"num\">unit price ({})</th><th class=\"num\">TFLOPS</th><th class=\"num\">power (W)</th>\
<th class=\"num\">memory (GB)</th><th class=\"num\">supply cap (units)</th><th>orders</th><th>available</th>\
<th class=\"num\">installed (units)</th>{}<th>source</th></tr></thead>\n<tbody>\n",
        escape(cur),
        if s.has_periods {
            "<th class=\"num\">lifetime (years)</th>"
        } else {
            ""
        }
    ));
    for (a, (acc, per)) in s.accelerators.iter().zip(&s.per_period).enumerate() {
        let installed: f64 = s
            .sites
            .iter()
            .flat_map(|site| &site.existing)
            .filter(|e| e.index == a)
            .map(|e| e.units as f64)
            .sum();
        let cap = by_period(years, &per.max_units, |c| match c {
            Some(c) => grouped(*c as f64, 0),
            None => "none".into(),
        });
        let available = by_period(years, &per.available, |v| {
            if *v { "yes" } else { "no" }.to_string()
        });
        let mut order = Vec::new();
        if acc.lot_size > 1 {
            order.push(format!("lots of {}", acc.lot_size));
        }
        if let Some(min) = acc.min_units {
            order.push(format!("min order {min}"));
        }
        let order = if order.is_empty() {
            "-".to_string()
        } else {
            order.join(", ")
        };
        let lifetime = if s.has_periods {
            format!(
                "<td class=\"num\">{}</td>",
                per.lifetime_years
                    .map(|y| y.to_string())
                    .unwrap_or_else(|| "never retires".into())
            )
        } else {
            String::new()
        };
        let id = escape(&acc.id);
        out.push_str(&format!(
            "<tr id=\"{p}input-{id}\"><td>{}</td><td>{id}</td><td>{}</td><td>{}</td><td>{}</td>\
<td class=\"num\" id=\"{p}price-{id}\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
<td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td><td class=\"num\">{}</td>{lifetime}<td>{}</td></tr>\n",
            escape(acc.display_name()),
            escape(&acc.vendor),
            escape(acc.origin.as_str()),
            escape(acc.platform.as_deref().unwrap_or("-")),
            escape(&by_period(years, &per.unit_price, |v| amount(*v))),
            escape(
                &acc.tflops_figures(|v| qty(v, 2))
                    .unwrap_or_else(|| qty(acc.tflops, 2))
            ),
            qty(acc.power_w, 1),
            qty(acc.memory_gb, 1),
            escape(&cap),
            escape(&order),
            escape(&available),
            qty(installed, 0),
            escape(acc.source.as_deref().unwrap_or("-")),
        ));
    }
    out.push_str("</tbody>\n</table>\n");
}

/// Demand (for one site) and the limits.
fn demand_and_limits(out: &mut String, s: &National, at: Place) {
    let (h, p) = (at.h, at.id);
    let cur = &s.currency;
    let years = &s.years;
    out.push_str(&format!(
        "<{h}>Demand and limits</{h}>\n<dl class=\"inputs\" id=\"{p}inputs-limits\">\n"
    ));
    if let [site] = s.sites.as_slice() {
        // The precision demand is counted in, when it is not the default BF16.
        let unit = |p: crate::scenario::Precision| {
            if p.is_default() {
                "PFLOPS".to_string()
            } else {
                format!("PFLOPS, {}", p.as_str().to_uppercase())
            }
        };
        if let Some(d) = &site.pflops {
            item(
                out,
                &format!("Demand ({})", unit(site.precision)),
                &by_period(years, d, |v| qty(*v, 2)),
            );
        }
        for (w, d) in &site.workloads {
            item(
                out,
                &format!("Demand, {w} ({})", unit(site.precision_of(w))),
                &by_period(years, d, |v| qty(*v, 2)),
            );
        }
        if let Some(d) = &site.memory_tb {
            item(
                out,
                "Memory floor (TB)",
                &by_period(years, d, |v| qty(*v, 2)),
            );
        }
        if site.pflops.is_none() && site.workloads.is_empty() {
            item(out, "Demand", "none (only what other rules force)");
        }
        let power = site
            .power_kw
            .as_ref()
            .map(|v| by_period(years, v, |v| qty(*v, 1)))
            .unwrap_or_else(|| "none".into());
        item(out, "Power ceiling (kW)", &power);
    } else {
        let total: Option<Vec<f64>> = (0..years.len())
            .map(|t| {
                s.sites
                    .iter()
                    .map(|site| site.pflops.as_ref().map(|d| d[t]))
                    .sum()
            })
            .collect();
        if let Some(total) = total {
            item(
                out,
                "Demand, all sites (PFLOPS)",
                &by_period(years, &total, |v| qty(*v, 2)),
            );
        }
        item(
            out,
            "Demand and power ceilings",
            "per site (see the sites below)",
        );
    }
    let money = |v: &Option<Vec<f64>>| {
        v.as_ref()
            .map(|v| format!("{} {cur}", by_period(years, v, |x| amount(*x))))
            .unwrap_or_else(|| "none".into())
    };
    let per = if s.has_periods { ", per period" } else { "" };
    item(out, &format!("Budget (total cost{per})"), &money(&s.budget));
    item(out, &format!("Capex budget{per}"), &money(&s.capex_budget));
    item(
        out,
        "Vendor share ceiling",
        &s.vendor_max_share
            .map(percent)
            .unwrap_or_else(|| "none".into()),
    );
    out.push_str("</dl>\n");
}

/// Costs and policy.
fn costs_and_policy(out: &mut String, s: &National, at: Place) {
    let (h, p) = (at.h, at.id);
    let cur = &s.currency;
    let years = &s.years;
    out.push_str(&format!(
        "<{h}>Costs and policy</{h}>\n<dl class=\"inputs\" id=\"{p}inputs-costs\">\n"
    ));
    item(
        out,
        &format!("Energy price ({cur} per kWh)"),
        &same_for_all(&s.sites, |site| {
            by_period(years, &site.energy_price_per_kwh, |v| qty(*v, 4))
        }),
    );
    item(out, "PUE", &same_for_all(&s.sites, |site| qty(site.pue, 3)));
    item(out, "Utilization", &percent(s.utilization));
    item(
        out,
        if s.has_periods {
            "Opex years after the last period"
        } else {
            "Opex years"
        },
        &qty(s.opex_years, 2),
    );
    let residual = s.residual_value != crate::scenario::ResidualValue::None;
    if s.has_periods || residual {
        item(out, "Discount rate (per year)", &percent(s.discount_rate));
    }
    if residual {
        item(
            out,
            "Residual value",
            "straight line over each card's lifetime, credited at the horizon's end",
        );
    }
    let adoption = if s.platform_adoption.is_empty() {
        "none".to_string()
    } else {
        s.platform_adoption
            .iter()
            .map(|(k, v)| format!("{k}: {} {cur}", amount(*v)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    item(out, "Platform adoption (one-time)", &adoption);
    item(
        out,
        "Domestic share",
        &same_for_all(&s.sites, |site| {
            site.domestic_share
                .as_ref()
                .map(|r| share_rule(years, r))
                .unwrap_or_else(|| "no rule".into())
        }),
    );
    if s.has_sites {
        item(
            out,
            "National domestic share",
            &s.national_share
                .as_ref()
                .map(|r| share_rule(years, r))
                .unwrap_or_else(|| "no rule".into()),
        );
    }
    out.push_str("</dl>\n");
}

/// The sites: demand, power, energy, PUE, share rule and installed units of each.
fn sites(out: &mut String, s: &National, at: Place) {
    let (h, p) = (at.h, at.id);
    let years = &s.years;
    out.push_str(&format!(
        "<{h}>Sites ({})</{h}>\n<table id=\"{p}inputs-sites\">\n<thead><tr><th>site</th><th>name</th>\
<th class=\"num\">demand (PFLOPS)</th><th class=\"num\">power ceiling (kW)</th>\
<th class=\"num\">energy price ({} per kWh)</th><th class=\"num\">PUE</th><th>domestic share</th>\
<th class=\"num\">installed (units)</th></tr></thead>\n<tbody>\n",
        s.sites.len(),
        escape(&s.currency)
    ));
    for site in s.sites.iter().take(SITES_LISTED) {
        let mut demand = site
            .pflops
            .as_ref()
            .map(|d| by_period(years, d, |v| qty(*v, 2)))
            .unwrap_or_default();
        for (w, d) in &site.workloads {
            if !demand.is_empty() {
                demand.push_str("; ");
            }
            demand.push_str(&format!("{w}: {}", by_period(years, d, |v| qty(*v, 2))));
        }
        let installed: u64 = site.existing.iter().map(|e| e.units).sum();
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
<td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td></tr>\n",
            escape(&site.id),
            escape(site.name.as_deref().unwrap_or("-")),
            escape(if demand.is_empty() { "-" } else { &demand }),
            escape(
                &site
                    .power_kw
                    .as_ref()
                    .map(|v| by_period(years, v, |v| qty(*v, 1)))
                    .unwrap_or_else(|| "none".into())
            ),
            escape(&by_period(years, &site.energy_price_per_kwh, |v| qty(
                *v, 4
            ))),
            qty(site.pue, 3),
            escape(
                &site
                    .domestic_share
                    .as_ref()
                    .map(|r| share_rule(years, r))
                    .unwrap_or_else(|| "no rule".into())
            ),
            grouped(installed as f64, 0),
        ));
    }
    out.push_str("</tbody>\n</table>\n");
    if s.sites.len() > SITES_LISTED {
        out.push_str(&format!(
            "<p class=\"lede\">The first {SITES_LISTED} of {} sites; the scenario file has them all.</p>\n",
            s.sites.len()
        ));
    }
}
