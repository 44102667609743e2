//! The plan of a many-site / many-period scenario, written from the checker's evaluation:
//! one purchase row per (accelerator, site, period), the fleet at the end of the plan, and
//! the per-site and per-period detail of section 3.
//!
//! The top-level figures read as follows: `total_cost`, `capex` and `opex` are discounted
//! sums (capex + opex + adoption - energy_discount + removal - residual = total_cost;
//! `energy_discount` only with `costs.domestic_energy_discount`, `removal` only with some
//! `existing[].removal`, `residual` only with `costs.residual_value`). The periods'
//! `discounted_cost` count the energy discounts and removals but not the residual value,
//! which is credited at the horizon's end. `pflops`, `memory_tb`, `facility_kw`,
//! `domestic_share` and `fleet` describe the last period, summed over sites.

use crate::check::national::NationalEvaluation;
use crate::plan::{
    Context, FleetCount, FleetRow, NearLimit, PeriodDetail, Plan, Purchase, RemovalRow,
    ResourceDetail, ResourceUse, ShareFigure, SiteDetail, SitePeriod, SourceNote, Status,
};
use crate::scenario::national::{FleetChange, National, SystemBuy};
use crate::scenario::{ResidualValue, ShareBasis};

/// A plan with no purchases and the given status.
pub fn without_purchases(nat: &National, status: Status, solver: &str) -> Plan {
    let mut plan = Plan::blank(&nat.name, nat.objective, &nat.currency, status, solver);
    plan.context = context(nat);
    plan
}

/// The targets and limits the plan's top-level figures are set against: those of the last
/// period (the figures describe it), summed over sites when every site states one; the
/// budgets only when there is one period (they are per period).
fn context(nat: &National) -> Context {
    let t = nat.periods() - 1;
    let sum = |each: &dyn Fn(&crate::scenario::national::Site) -> Option<f64>| -> Option<f64> {
        nat.sites.iter().map(each).sum()
    };
    let mut workloads: Vec<(String, f64)> = Vec::new();
    for site in &nat.sites {
        for (class, need) in &site.workloads {
            match workloads.iter_mut().find(|(c, _)| c == class) {
                Some((_, v)) => *v += need[t],
                None => workloads.push((class.clone(), need[t])),
            }
        }
    }
    let single_period = nat.periods() == 1;
    Context {
        demand_pflops: sum(&|s| s.pflops.as_ref().map(|v| v[t])),
        workloads,
        memory_tb: sum(&|s| s.memory_tb.as_ref().map(|v| v[t])),
        power_kw: sum(&|s| s.power_kw.as_ref().map(|v| v[t])),
        budget: nat.budget.as_ref().filter(|_| single_period).map(|b| b[0]),
        capex_budget: nat
            .capex_budget
            .as_ref()
            .filter(|_| single_period)
            .map(|b| b[0]),
        vendor_max_share: nat.vendor_max_share,
        opex_years: nat.opex_years,
    }
}

/// Fleet PFLOPS in the last period, over all sites.
pub fn final_pflops(e: &NationalEvaluation) -> f64 {
    e.periods.last().map_or(0.0, |p| p.pflops)
}

fn share_figure(
    basis: ShareBasis,
    value: Option<f64>,
    min: Option<f64>,
    strict: bool,
) -> ShareFigure {
    ShareFigure {
        basis: basis.as_str().to_string(),
        value,
        min,
        strict,
    }
}

/// New units of accelerator `a` at site `s` in period `t` of a plan's purchases
/// (`x[s][t][a]`), read against `nat`: rows of an accelerator, site or year `nat` does not
/// have are left out.
pub fn purchases_x(nat: &National, p: &Plan) -> Vec<Vec<Vec<f64>>> {
    let mut x = vec![vec![vec![0.0; nat.accelerators.len()]; nat.periods()]; nat.sites.len()];
    for row in p.purchases.iter().filter(|r| r.system.is_none()) {
        let a = nat.accelerators.iter().position(|acc| acc.id == row.id);
        let s = match &row.site {
            Some(id) => nat.sites.iter().position(|site| &site.id == id),
            None => Some(0),
        };
        let t = match row.period {
            Some(y) => nat.years.iter().position(|year| *year == y),
            None => Some(0),
        };
        if let (Some(a), Some(s), Some(t)) = (a, s, t) {
            x[s][t][a] += row.units;
        }
    }
    x
}

/// The whole systems a plan buys (its purchase rows with `system`), read against `nat`:
/// rows of a system, site or year `nat` does not have are left out (as [`purchases_x`]
/// does).
pub fn systems_of(nat: &National, p: &Plan) -> Vec<SystemBuy> {
    p.purchases
        .iter()
        .filter_map(|row| {
            let id = row.system.as_ref()?;
            let system = nat.systems.iter().position(|b| &b.id == id)?;
            let site = match &row.site {
                Some(id) => nat.sites.iter().position(|site| &site.id == id)?,
                None => 0,
            };
            let period = match row.period {
                Some(y) => nat.years.iter().position(|year| *year == y)?,
                None => 0,
            };
            Some(SystemBuy {
                system,
                site,
                period,
                units: row.units,
            })
        })
        .collect()
}

/// A plan built from an evaluation of its purchases.
pub fn from_evaluation(
    nat: &National,
    e: &NationalEvaluation,
    status: Status,
    solver: &str,
) -> Plan {
    let (na, ns, nt) = (nat.accelerators.len(), nat.sites.len(), nat.periods());
    let last = nt - 1;
    let mut plan = without_purchases(nat, status, solver);
    plan.total_cost = Some(e.total_cost);
    plan.capex = Some(e.capex);
    plan.opex = Some(e.opex);
    plan.adoption = Some(e.adoption);
    plan.residual = (nat.residual_value == ResidualValue::StraightLine).then_some(e.residual);
    plan.energy_discount = nat.has_energy_discount().then_some(e.energy_discount);
    plan.removal = nat.has_removals().then_some(e.removal);
    plan.removals = removal_rows(nat, e);
    let end = &e.periods[last];
    plan.pflops = Some(end.pflops);
    plan.memory_tb = Some(end.memory_tb);
    plan.facility_kw = Some(end.facility_kw);
    let rule = nat.national_share.as_ref();
    plan.domestic_share = Some(match (rule, &nat.sites[..]) {
        // One site and no national rule: the site's rule is the scenario's (section 1).
        (None, [site]) => {
            let cell = &e.cells[0][last];
            let own = site.domestic_share.as_ref();
            share_figure(
                cell.share_basis,
                cell.domestic_share,
                own.map(|r| r.min[last]),
                own.is_some_and(|r| r.strict),
            )
        }
        _ => share_figure(
            end.share_basis,
            end.share,
            rule.map(|r| r.min[last]),
            rule.is_some_and(|r| r.strict),
        ),
    });
    let site_id = |s: usize| nat.has_sites.then(|| nat.sites[s].id.clone());
    let year = |t: usize| nat.has_periods.then(|| nat.years[t]);

    // Purchases: accelerator order, then site, then period.
    for (a, acc) in nat.accelerators.iter().enumerate() {
        for s in 0..ns {
            for t in 0..nt {
                let units = e.x[s][t][a];
                if units > 0.0 {
                    plan.purchases.push(Purchase::new(
                        acc,
                        nat.sites[s].precision,
                        units,
                        nat.per_period[a].unit_price[t],
                        site_id(s),
                        year(t),
                    ));
                }
            }
        }
        // Whole systems of its cards: system order, then site, then period.
        let mut bought: Vec<&SystemBuy> = e
            .systems
            .iter()
            .filter(|y| y.units > 0.0 && nat.systems[y.system].accelerator == a)
            .collect();
        bought.sort_by_key(|y| (y.system, y.site, y.period));
        for y in bought {
            let sys = &nat.systems[y.system];
            plan.purchases.push(Purchase::of_system(
                acc,
                sys,
                nat.sites[y.site].precision,
                y.units,
                sys.price[y.period],
                site_id(y.site),
                year(y.period),
            ));
        }
    }

    // The fleet at the end of the plan.
    for (a, acc) in nat.accelerators.iter().enumerate() {
        let units: f64 = (0..ns).map(|s| e.fleet[s][last][a]).sum::<f64>() + 0.0;
        let existing: f64 = (0..ns).map(|s| e.installed[s][last][a]).sum::<f64>() + 0.0;
        let bought_ever: f64 = (0..ns)
            .flat_map(|s| (0..nt).map(move |t| (s, t)))
            .map(|(s, t)| e.x[s][t][a])
            .sum::<f64>()
            + e.systems
                .iter()
                .filter(|y| nat.systems[y.system].accelerator == a)
                .map(|y| y.units)
                .sum::<f64>();
        if units > 0.0 {
            let facility_kw: f64 = (0..ns)
                .map(|s| e.fleet[s][last][a] * acc.power_w * nat.sites[s].pue / 1000.0)
                .sum::<f64>()
                // The extra power of its whole systems still in service.
                + e.systems
                    .iter()
                    .filter(|y| {
                        nat.systems[y.system].accelerator == a && nat.serves(a, y.period, last)
                    })
                    .map(|y| {
                        y.units * nat.systems[y.system].extra_power_w * nat.sites[y.site].pue
                            / 1000.0
                    })
                    .sum::<f64>()
                + 0.0;
            plan.fleet.push(FleetRow {
                id: acc.id.clone(),
                name: acc.display_name().to_string(),
                vendor: acc.vendor.clone(),
                origin: acc.origin.as_str().to_string(),
                units,
                existing,
                new: units - existing,
                pflops: (0..ns)
                    .map(|s| e.fleet[s][last][a] * nat.capacity_tflops(s, a) / 1000.0)
                    .sum::<f64>()
                    + 0.0,
                facility_kw,
            });
        }
        let installed_ever = nat
            .sites
            .iter()
            .any(|s| s.existing.iter().any(|x| x.index == a && x.units > 0));
        if (bought_ever > 0.0 || installed_ever)
            && let Some(src) = &acc.source
        {
            plan.sources.push(SourceNote {
                id: acc.id.clone(),
                source: src.clone(),
            });
        }
    }
    plan.adopted_platforms = e.adopted_platforms.clone();
    plan.binding = e.binding();
    plan.near_limit = near_limit(nat, e);
    let (allocation, warnings) = super::allocation::split(nat, e);
    plan.allocation = allocation;
    plan.warnings.extend(warnings);

    plan.resources = nat
        .resources
        .iter()
        .zip(&e.resource_use)
        .map(|(res, used)| ResourceDetail {
            id: res.id.clone(),
            name: res.name.clone().unwrap_or_else(|| res.id.clone()),
            periods: (0..nt)
                .map(|t| ResourceUse {
                    period: year(t),
                    used: used[t],
                    cap: res.cap[t],
                })
                .collect(),
        })
        .collect();

    let binding = e.binding_by_place();
    if nat.has_sites {
        for (s, site) in nat.sites.iter().enumerate() {
            let periods: Vec<SitePeriod> = (0..nt)
                .map(|t| {
                    let cell = &e.cells[s][t];
                    let fleet = (0..na)
                        .filter(|&a| e.fleet[s][t][a] > 0.0)
                        .map(|a| FleetCount {
                            id: nat.accelerators[a].id.clone(),
                            units: e.fleet[s][t][a],
                            existing: e.installed[s][t][a],
                            new: e.fleet[s][t][a] - e.installed[s][t][a],
                        })
                        .collect();
                    let rule = site.domestic_share.as_ref();
                    SitePeriod {
                        period: year(t),
                        new_units: e.x[s][t].iter().sum::<f64>() + 0.0,
                        fleet_units: e.fleet[s][t].iter().sum::<f64>() + 0.0,
                        pflops: cell.pflops,
                        demand_pflops: site.pflops.as_ref().map(|p| p[t]),
                        memory_tb: cell.memory_tb,
                        facility_kw: cell.facility_kw,
                        power_kw: site.power_kw.as_ref().map(|p| p[t]),
                        domestic_share: share_figure(
                            cell.share_basis,
                            cell.domestic_share,
                            rule.map(|r| r.min[t]),
                            rule.is_some_and(|r| r.strict),
                        ),
                        capex: cell.capex,
                        opex: cell.opex,
                        energy_discount: e.qualified[s][t],
                        fleet,
                        binding: binding
                            .site_period
                            .get(&(Some(site.id.clone()), year(t)))
                            .cloned()
                            .unwrap_or_default(),
                    }
                })
                .collect();
            let removals = nat.has_removals().then(|| {
                plan.removals
                    .iter()
                    .filter(|r| r.site.as_deref() == Some(site.id.as_str()))
                    .cloned()
                    .collect()
            });
            plan.sites.push(SiteDetail {
                removals,
                id: site.id.clone(),
                name: site.name.clone(),
                new_units: periods.iter().map(|p| p.new_units).sum::<f64>() + 0.0,
                capex: periods.iter().map(|p| p.capex).sum::<f64>() + 0.0,
                opex: periods.iter().map(|p| p.opex).sum::<f64>() + 0.0,
                periods,
            });
        }
    }

    if nat.has_periods {
        for (t, p) in e.periods.iter().enumerate() {
            let adoption = if t == 0 { e.adoption } else { 0.0 };
            let demand: Option<f64> = nat
                .sites
                .iter()
                .map(|s| s.pflops.as_ref().map(|d| d[t]))
                .sum();
            let binding_here = binding
                .period
                .get(&Some(nat.years[t]))
                .cloned()
                .unwrap_or_default();
            plan.periods.push(PeriodDetail {
                period: nat.years[t],
                span_years: nat.span(t),
                discount_factor: nat.discount(t),
                new_units: p.new_units,
                fleet_units: p.fleet_units,
                pflops: p.pflops,
                demand_pflops: demand,
                memory_tb: p.memory_tb,
                facility_kw: p.facility_kw,
                domestic_share: share_figure(
                    p.share_basis,
                    p.share,
                    rule.map(|r| r.min[t]),
                    rule.is_some_and(|r| r.strict),
                ),
                capex: p.capex,
                opex: p.opex,
                adoption,
                removal: nat.has_removals().then_some(p.removal),
                discounted_cost: adoption
                    + (p.capex + p.opex - p.energy_discount + p.removal) * nat.discount(t),
                budget: nat.budget.as_ref().map(|b| b[t]),
                capex_budget: nat.capex_budget.as_ref().map(|b| b[t]),
                binding: binding_here,
            });
        }
    }
    plan
}

/// The plan's removals and moves, site by site, period by period, in entry order.
fn removal_rows(nat: &National, e: &NationalEvaluation) -> Vec<RemovalRow> {
    let mut changes = e.changes.clone();
    changes.sort_by_key(|c| (c.site, c.period, c.entry, c.to.map_or(0, |s| s + 1)));
    changes
        .iter()
        .filter(|c| c.units > 0.0)
        .map(|c| RemovalRow {
            site: nat.has_sites.then(|| nat.sites[c.site].id.clone()),
            period: nat.has_periods.then(|| nat.years[c.period]),
            id: nat.accelerators[nat.sites[c.site].existing[c.entry].index]
                .id
                .clone(),
            entry: c.entry,
            units: c.units,
            moved_to: c.to.map(|s| nat.sites[s].id.clone()),
            cost: nat.change_cost(c),
        })
        .collect()
}

/// The removals and moves of a plan (its `removals` rows), read against `nat`: rows of a
/// site, year or entry `nat` does not have are left out (as [`purchases_x`] does).
pub fn changes_of(nat: &National, p: &Plan) -> Vec<FleetChange> {
    let site_of = |id: &Option<String>| match id {
        Some(id) => nat.sites.iter().position(|s| &s.id == id),
        None => Some(0),
    };
    p.removals
        .iter()
        .filter_map(|row| {
            let site = site_of(&row.site)?;
            let period = match row.period {
                Some(y) => nat.years.iter().position(|year| *year == y)?,
                None => 0,
            };
            let e = nat.sites[site].existing.get(row.entry)?;
            if nat.accelerators[e.index].id != row.id {
                return None;
            }
            let to = match &row.moved_to {
                Some(_) => Some(site_of(&row.moved_to)?),
                None => None,
            };
            Some(FleetChange {
                site,
                entry: row.entry,
                period,
                to,
                units: row.units,
            })
        })
        .collect()
}

/// The rules near their limit (see [`crate::check::NEAR`]), in rule order, each with its
/// site and period; money in the scenario's currency.
fn near_limit(nat: &National, e: &NationalEvaluation) -> Vec<NearLimit> {
    e.checks
        .iter()
        .filter(|c| {
            c.check.near
                && !matches!(
                    c.check.constraint.family,
                    crate::rules::Family::CostCap | crate::rules::Family::Removal
                )
        })
        .map(|c| {
            let unit = c.check.constraint.family.limit_unit();
            NearLimit {
                constraint: c.check.constraint.name(),
                site: c.site.clone(),
                period: c.period,
                value: c.check.value,
                limit: c.check.limit,
                slack: c.check.slack,
                unit: if unit == "money" {
                    nat.currency.clone()
                } else {
                    unit.to_string()
                },
            }
        })
        .collect()
}
