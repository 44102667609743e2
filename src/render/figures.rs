//! The figures of a plan as every format writes them (see [`crate::numfmt`]): money to the
//! cent, the other figures cleaned of floating-point noise, and the parts of each total
//! rounded so that they add up to it: `capex + adoption + opex - residual -
//! energy_discount + removal = total_cost` (`residual` only with `costs.residual_value`,
//! `energy_discount` only with `costs.domestic_energy_discount`, `removal` only with some
//! `existing[].removal`); for one site, the purchases' costs add up
//! to `capex`; with periods, the periods' `discounted_cost` add up to `total_cost +
//! residual` (the residual value is credited at the horizon's end, not in a period). Renderers format the plan [`plan`] returns, never the raw one.

use crate::numfmt::{apportion, cents, clean, sum_cents};
use crate::plan::{Plan, ShareFigure};

/// `p` with its figures as written: see the module documentation.
pub fn plan(p: &Plan) -> Plan {
    let mut out = p.clone();
    let national = super::rows::is_national(p);
    match (p.total_cost, p.capex, p.adoption, p.opex) {
        (Some(total), Some(capex), Some(adoption), Some(opex)) => {
            // The residual value is a part with a minus sign.
            let credit = -p.residual.unwrap_or(0.0);
            // So is the energy discount.
            let saved = -p.energy_discount.unwrap_or(0.0);
            let removal = p.removal.unwrap_or(0.0);
            // With futures the parts are expected values: they add up to the expected
            // cost, while `total_cost` is the objective's (the worst cost under
            // `risk: worst_case`).
            let whole = p.expected_cost.unwrap_or(total);
            let parts = apportion(&[capex, adoption, opex, credit, saved, removal], whole);
            out.capex = Some(parts[0]);
            out.adoption = Some(parts[1]);
            out.opex = Some(parts[2]);
            out.residual = p.residual.map(|_| cents(-parts[3]));
            out.energy_discount = p.energy_discount.map(|_| cents(-parts[4]));
            out.removal = p.removal.map(|_| cents(parts[5]));
            out.total_cost = Some(if p.expected_cost.is_some() {
                cents(total)
            } else {
                sum_cents(parts)
            });
        }
        _ => {
            out.total_cost = p.total_cost.map(cents);
            out.capex = p.capex.map(cents);
            out.adoption = p.adoption.map(cents);
            out.opex = p.opex.map(cents);
            out.residual = p.residual.map(cents);
            out.energy_discount = p.energy_discount.map(cents);
            out.removal = p.removal.map(cents);
        }
    }
    for r in out.removals.iter_mut().chain(
        out.sites
            .iter_mut()
            .flat_map(|s| s.removals.iter_mut().flatten()),
    ) {
        r.units = clean(r.units);
        r.cost = cents(r.cost);
    }
    out.bound = if p.maximises_pflops() {
        p.bound.map(clean)
    } else {
        p.bound.map(cents)
    };
    out.gap = p.gap.map(clean);
    out.pflops = p.pflops.map(clean);
    out.memory_tb = p.memory_tb.map(clean);
    out.facility_kw = p.facility_kw.map(clean);
    if let Some(d) = &mut out.domestic_share {
        share(d);
    }

    let costs: Vec<f64> = p.purchases.iter().map(|x| x.cost).collect();
    let costs = match (national, p.capex) {
        (false, Some(capex)) => apportion(&costs, capex),
        _ => costs.iter().map(|&c| cents(c)).collect(),
    };
    for (x, cost) in out.purchases.iter_mut().zip(costs) {
        x.cost = cost;
        x.units = clean(x.units);
        x.pflops = clean(x.pflops);
    }
    for f in &mut out.fleet {
        for v in [&mut f.units, &mut f.existing, &mut f.new, &mut f.pflops] {
            *v = clean(*v);
        }
        f.facility_kw = clean(f.facility_kw);
    }

    for s in &mut out.sites {
        s.new_units = clean(s.new_units);
        s.capex = cents(s.capex);
        s.opex = cents(s.opex);
        for d in &mut s.periods {
            for v in [&mut d.new_units, &mut d.fleet_units, &mut d.pflops] {
                *v = clean(*v);
            }
            d.memory_tb = clean(d.memory_tb);
            d.facility_kw = clean(d.facility_kw);
            d.demand_pflops = d.demand_pflops.map(clean);
            d.power_kw = d.power_kw.map(clean);
            d.capex = cents(d.capex);
            d.opex = cents(d.opex);
            share(&mut d.domestic_share);
            for f in &mut d.fleet {
                for v in [&mut f.units, &mut f.existing, &mut f.new] {
                    *v = clean(*v);
                }
            }
        }
    }

    let discounted: Vec<f64> = p.periods.iter().map(|d| d.discounted_cost).collect();
    // The periods' discounted costs add up to the total before the residual value is
    // credited (it is credited at the horizon's end, not in a period).
    let discounted = match out.total_cost {
        Some(total) => apportion(&discounted, total + out.residual.unwrap_or(0.0)),
        None => discounted.iter().map(|&c| cents(c)).collect(),
    };
    for (d, dc) in out.periods.iter_mut().zip(discounted) {
        d.discounted_cost = dc;
        d.span_years = clean(d.span_years);
        d.discount_factor = clean(d.discount_factor);
        for v in [&mut d.new_units, &mut d.fleet_units, &mut d.pflops] {
            *v = clean(*v);
        }
        d.demand_pflops = d.demand_pflops.map(clean);
        d.memory_tb = clean(d.memory_tb);
        d.facility_kw = clean(d.facility_kw);
        share(&mut d.domestic_share);
        d.capex = cents(d.capex);
        d.opex = cents(d.opex);
        d.adoption = cents(d.adoption);
        d.removal = d.removal.map(cents);
        d.budget = d.budget.map(cents);
        d.capex_budget = d.capex_budget.map(cents);
    }
    out
}

fn share(d: &mut ShareFigure) {
    d.value = d.value.map(clean);
    d.min = d.min.map(clean);
}
