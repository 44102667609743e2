//! Magnitudes: every figure chipmix computes from a scenario must be a finite number that
//! still means something. Each number of the file is at most [`MAX_FIGURE`] (checked with
//! its range), and so is each product the plan is made of: an accelerator's price times
//! the units the plan may buy of it, its TFLOPS, memory and power times the units it may
//! run, and the energy those units draw over the years costed. Past that, sums lose whole
//! currency units, the solver's tolerances (relative, about 1e-9) exceed a million of them,
//! and `1e308` overflows to infinity: a plan of `NaN` or `inf` was printed as optimal.
//!
//! The units the plan may buy of an accelerator, per period: its `max_units` when given;
//! otherwise, for `max_pflops`, what the budgets pay for; otherwise what the demand needs
//! if the accelerator alone met it (PFLOPS, workloads or memory, per site, in whole lots),
//! at most the model's limit per site and period ([`UNIT_CAP`]).

use super::locate::Seg;
use super::national::National;
use super::validate::{Checker, key, show};
use super::{HOURS_PER_YEAR, Objective, Precision};

/// Largest number of new units of one accelerator a plan may buy: a modelling limit that
/// keeps big-M constraints numerically sound. Far above any real order.
pub const UNIT_CAP: f64 = 1.0e7;

/// Largest number a scenario may give, and largest figure derived from it (money in the
/// scenario's currency, TFLOPS, GB, W): below it, f64 holds every whole currency unit
/// exactly (up to 2^53, about 9.0e15) and sums of a thousand such figures stay finite and
/// exact to a fraction of a unit.
pub const MAX_FIGURE: f64 = 1.0e15;

/// Horizons longer than this many years are blamed, rather than the energy price, when the
/// energy cost is too large.
const CENTURY: f64 = 100.0;

/// Units of accelerator `a` the plan may buy in each period, summed over sites.
fn units_per_period(nat: &National, a: usize) -> Vec<f64> {
    let acc = &nat.accelerators[a];
    let p = &nat.per_period[a];
    let lot = acc.lot_size.max(1) as f64;
    let whole = |units: f64| {
        let u = (units / lot).ceil() * lot;
        u.max(acc.min_units.unwrap_or(0) as f64).min(UNIT_CAP)
    };
    (0..nat.periods())
        .map(|t| {
            if !p.available[t] {
                return 0.0;
            }
            if let Some(m) = p.max_units[t] {
                return m as f64;
            }
            if nat.objective == Objective::MaxPflops {
                let price = p.unit_price[t];
                let paid = [&nat.budget, &nat.capex_budget]
                    .into_iter()
                    .flatten()
                    .map(|b| if price > 0.0 { b[t] / price } else { UNIT_CAP })
                    .fold(UNIT_CAP, f64::min);
                return whole(paid) * nat.sites.len() as f64;
            }
            nat.sites
                .iter()
                .map(|site| {
                    // Each part of the demand at its precision; a part the card cannot
                    // serve (0 TFLOPS there) needs none of it.
                    let part = |pflops: f64, p: Precision| {
                        let tflops = acc.tflops_at(p);
                        if tflops > 0.0 {
                            pflops * 1000.0 / tflops
                        } else {
                            0.0
                        }
                    };
                    let memory = site.memory_tb.as_ref().map_or(0.0, |m| m[t]);
                    let mut need = site
                        .pflops
                        .as_ref()
                        .map_or(0.0, |d| part(d[t], site.precision))
                        + site
                            .workloads
                            .iter()
                            .map(|(w, v)| part(v[t], site.precision_of(w)))
                            .sum::<f64>();
                    if acc.memory_gb > 0.0 {
                        need = need.max(memory * 1000.0 / acc.memory_gb);
                    }
                    if need > 0.0 { whole(need) } else { 0.0 }
                })
                .sum()
        })
        .collect()
}

fn child(base: &[Seg], field: &str) -> Vec<Seg> {
    let mut p = base.to_vec();
    p.push(key(field));
    p
}

/// Reports each derived figure of `nat` above [`MAX_FIGURE`], at the field that makes it
/// so. `top_energy` is the top-level `costs.energy_price_per_kwh` per period (sites that
/// give none use it). Run on a scenario without other problems, so that accelerator and
/// site indices are the file's.
pub(super) fn check(c: &mut Checker, nat: &National, top_energy: &[f64]) {
    let limit = show(MAX_FIGURE);
    let years_costed: f64 = (0..nat.periods()).map(|t| nat.span(t)).sum();
    // The dearest energy: site, period, price per kWh at the meter (x pue).
    let dearest = nat
        .sites
        .iter()
        .enumerate()
        .flat_map(|(s, _)| (0..nat.periods()).map(move |t| (s, t)))
        .max_by(|&(s, t), &(r, u)| {
            let at = |s: usize, t: usize| nat.sites[s].energy_price_per_kwh[t] * nat.sites[s].pue;
            at(s, t).total_cmp(&at(r, u))
        });
    for (a, acc) in nat.accelerators.iter().enumerate() {
        let base = vec![key("accelerators"), Seg::Index(a)];
        let label = format!("accelerators[{}]", acc.id);
        let per_t = units_per_period(nat, a);
        let bought: f64 = per_t.iter().sum();
        let existing: f64 = nat
            .sites
            .iter()
            .flat_map(|s| &s.existing)
            .filter(|e| e.index == a)
            .map(|e| e.units as f64)
            .sum();
        let fleet = bought + existing;
        let prices = &nat.per_period[a].unit_price;
        let capex: f64 = prices.iter().zip(&per_t).map(|(p, u)| p * u).sum();
        if capex > MAX_FIGURE {
            let t = (0..nat.periods())
                .max_by(|&t, &u| (prices[t] * per_t[t]).total_cmp(&(prices[u] * per_t[u])))
                .unwrap_or(0);
            let year = nat.has_periods.then(|| nat.years[t].to_string());
            let path = match &year {
                Some(y) => child(&child(&base, "unit_price"), y),
                None => child(&base, "unit_price"),
            };
            let when = year.map(|y| format!(" ({y})")).unwrap_or_default();
            c.error(
                &path,
                format!(
                    "{label}.unit_price{when} {}: the {} units the plan may buy of it (max_units, or what the demand needs) cost up to {}, above the limit of {limit} on any cost",
                    show(prices[t]),
                    show(bought),
                    show(capex)
                ),
            );
        }
        for (field, per_unit, what) in [
            (
                "tflops",
                acc.tflops_by.values().copied().fold(acc.tflops, f64::max),
                "TFLOPS",
            ),
            ("memory_gb", acc.memory_gb, "GB of memory"),
            ("power_w", acc.power_w, "W of power"),
        ] {
            let total = per_unit * fleet;
            if total > MAX_FIGURE {
                c.error(
                    &child(&base, field),
                    format!(
                        "{label}.{field} {} x the {} units the plan may run (existing, max_units, or what the demand needs) is {} {what}, above the limit of {limit}",
                        show(per_unit),
                        show(fleet),
                        show(total)
                    ),
                );
            }
        }
        let Some((s, t)) = dearest else { continue };
        let site = &nat.sites[s];
        let kwh = acc.power_w / 1000.0 * fleet * HOURS_PER_YEAR * nat.utilization * years_costed;
        let opex = kwh * site.energy_price_per_kwh[t] * site.pue;
        if opex > MAX_FIGURE && acc.power_w * fleet <= MAX_FIGURE {
            let year = nat.has_periods.then(|| nat.years[t].to_string());
            let own = nat.has_sites && site.energy_price_per_kwh != top_energy;
            let (mut path, field) = if nat.opex_years > CENTURY {
                (
                    vec![key("costs"), key("opex_years")],
                    "costs.opex_years".to_string(),
                )
            } else if own {
                (
                    vec![key("sites"), Seg::Index(s), key("energy_price_per_kwh")],
                    format!("sites[{}].energy_price_per_kwh", site.id),
                )
            } else {
                (
                    vec![key("costs"), key("energy_price_per_kwh")],
                    "costs.energy_price_per_kwh".to_string(),
                )
            };
            let field = match (&year, field == "costs.opex_years") {
                (Some(y), false) => {
                    path.push(key(y));
                    format!("{field} ({y})")
                }
                _ => field,
            };
            c.error(
                &path,
                format!(
                    "{field} makes the energy cost too large: {label} ({} W x {} units) over {} years costed (costs.opex_years included) at {} per kWh x pue {} is {}, above the limit of {limit}",
                    show(acc.power_w),
                    show(fleet),
                    show(years_costed),
                    show(site.energy_price_per_kwh[t]),
                    show(site.pue),
                    show(opex)
                ),
            );
        }
    }
}
