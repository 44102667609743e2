//! The plan checker for many sites and periods: re-evaluates purchases `x[s][t][a]` against
//! every rule of section 2, straight from the format's formulas. Each site and period is
//! checked with the section-1 checker on its own fleet (installed units still in service
//! plus purchases still within their lifetime); the national rules (supply caps, national
//! share, budgets) and the discounted costs are computed here. Nothing is shared with the
//! model builder but the scenario types.

// Indices s (site), t (period) and a (accelerator) address several arrays at once
// (x[s][t][a], prices[a][t], ...): range loops say so more plainly than iterators.
#![allow(clippy::needless_range_loop)]

use crate::check::{Bundled, Check, Evaluation, compare, evaluate_bundled};
use crate::rules::{Constraint, Family};
use crate::scenario::national::{FleetChange, National, SystemBuy};
use crate::scenario::validate::strict_fraction;
use crate::scenario::{Origin, ResidualValue, ShareBasis};

/// One rule, with the site and period it belongs to (`None` for national rules or
/// single-site, single-period scenarios).
#[derive(Debug, Clone)]
pub struct Located {
    /// Site id.
    pub site: Option<String>,
    /// Period year.
    pub period: Option<i64>,
    /// The rule.
    pub check: Check,
}

impl Located {
    /// The rule as a message, prefixed by its site and period.
    pub fn message(&self) -> String {
        let mut at = Vec::new();
        if let Some(s) = &self.site {
            at.push(format!("site {s}"));
        }
        if let Some(p) = self.period {
            at.push(p.to_string());
        }
        if at.is_empty() {
            self.check.message()
        } else {
            format!("{}: {}", at.join(", "), self.check.message())
        }
    }
}

/// Figures of one period, summed over sites.
#[derive(Debug, Clone)]
pub struct PeriodFigures {
    /// Capex of purchases in the period (undiscounted).
    pub capex: f64,
    /// Energy cost of the period's fleet over its span (undiscounted, before any energy
    /// discount).
    pub opex: f64,
    /// Energy discounts earned in the period, summed over sites (undiscounted).
    pub energy_discount: f64,
    /// Removals and moves of installed units in the period: their costs less salvage
    /// (undiscounted; negative when salvage exceeds them).
    pub removal: f64,
    /// Fleet PFLOPS.
    pub pflops: f64,
    /// Fleet memory in TB.
    pub memory_tb: f64,
    /// Facility kW.
    pub facility_kw: f64,
    /// New units bought in the period.
    pub new_units: f64,
    /// Fleet units in service.
    pub fleet_units: f64,
    /// National domestic share on the national rule's basis (units without one).
    pub share: Option<f64>,
    /// Basis of `share`.
    pub share_basis: ShareBasis,
}

/// Figures of a plan, computed from its purchases.
#[derive(Debug, Clone)]
pub struct NationalEvaluation {
    /// Purchases `x[s][t][a]`.
    pub x: Vec<Vec<Vec<f64>>>,
    /// Fleet `n[s][t][a]` in service.
    pub fleet: Vec<Vec<Vec<f64>>>,
    /// Installed units still in service after removals and moves, `installed[s][t][a]`.
    pub installed: Vec<Vec<Vec<f64>>>,
    /// Installed units taken out or moved to other sites (section 6).
    pub changes: Vec<FleetChange>,
    /// Discounted cost of those removals and moves, less salvage (negative: a revenue).
    pub removal: f64,
    /// Whole systems bought (section 6): their cards are in `fleet`, their price in capex.
    pub systems: Vec<SystemBuy>,
    /// The section-1 evaluation of each site and period, `cells[s][t]` (its `opex` is over
    /// the period's span, its `capex` at the period's prices).
    pub cells: Vec<Vec<Evaluation>>,
    /// Per period, summed over sites.
    pub periods: Vec<PeriodFigures>,
    /// Platforms paid for, once.
    pub adopted_platforms: Vec<String>,
    /// Their one-time cost.
    pub adoption: f64,
    /// Discounted capex.
    pub capex: f64,
    /// Discounted opex.
    pub opex: f64,
    /// Discounted residual value of the purchases still in service at the horizon's end
    /// (`costs.residual_value`; 0 without it).
    pub residual: f64,
    /// Per site and period, `qualified[s][t]`: whether the site earns its domestic energy
    /// discount (`None` at a site without the rule).
    pub qualified: Vec<Vec<Option<bool>>>,
    /// Discounted energy discounts earned (`costs.domestic_energy_discount`; 0 without it).
    pub energy_discount: f64,
    /// adoption + discounted capex and opex, less the energy discounts and the residual
    /// value.
    pub total_cost: f64,
    /// Every rule: each site and period's, then the national ones.
    pub checks: Vec<Located>,
    /// Use of each resource (scenario order) by the new cards, per period.
    pub resource_use: Vec<Vec<f64>>,
}

impl NationalEvaluation {
    /// The rules the plan breaks.
    pub fn violations(&self) -> Vec<&Located> {
        self.checks.iter().filter(|c| !c.check.holds).collect()
    }

    /// Families at their limit anywhere, each named once, in rule order.
    pub fn binding(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in self.checks.iter().filter(|c| c.check.binding) {
            let name = c.check.constraint.name();
            if !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }

    /// Families at their limit, found in one pass over the checks: per (site, period) as
    /// checked, and per period (any site, and the national rules). The same lists, in the
    /// same order, as [`NationalEvaluation::binding_at`] gives for each, which scans every
    /// check at each call (quadratic in the sites when called for each).
    pub fn binding_by_place(&self) -> BindingByPlace {
        let mut by_place = BindingByPlace::default();
        let add = |list: &mut Vec<String>, name: &String| {
            if !list.contains(name) {
                list.push(name.clone());
            }
        };
        for c in self.checks.iter().filter(|c| c.check.binding) {
            let name = c.check.constraint.name();
            add(
                by_place
                    .site_period
                    .entry((c.site.clone(), c.period))
                    .or_default(),
                &name,
            );
            add(by_place.period.entry(c.period).or_default(), &name);
        }
        by_place
    }

    /// Families at their limit at site `s` (any period) or, with `s` None, in national
    /// rules of period `t`.
    pub fn binding_at(&self, site: Option<&str>, period: Option<i64>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in self.checks.iter().filter(|c| {
            c.check.binding
                && (site.is_none() || c.site.as_deref() == site)
                && (period.is_none() || c.period == period)
        }) {
            let name = c.check.constraint.name();
            if !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }
}

/// Binding families per place (see [`NationalEvaluation::binding_by_place`]).
#[derive(Debug, Clone, Default)]
pub struct BindingByPlace {
    /// Per (site, period) label of the checks.
    pub site_period: std::collections::HashMap<(Option<String>, Option<i64>), Vec<String>>,
    /// Per period label, every site and the national rules together.
    pub period: std::collections::HashMap<Option<i64>, Vec<String>>,
}

/// Evaluates purchases `x[s][t][a]` against `nat`, with the installed fleets as they are.
pub fn evaluate_national(nat: &National, x: &[Vec<Vec<f64>>]) -> NationalEvaluation {
    evaluate_with(nat, x, &[])
}

/// Evaluates purchases `x[s][t][a]` and the removals and moves `changes` of installed
/// units against `nat`.
pub fn evaluate_with(
    nat: &National,
    x: &[Vec<Vec<f64>>],
    changes: &[FleetChange],
) -> NationalEvaluation {
    evaluate_all(nat, x, changes, &[])
}

/// Evaluates purchases `x[s][t][a]` of loose cards, the removals and moves `changes` of
/// installed units and the whole systems bought `systems` against `nat`.
pub fn evaluate_all(
    nat: &National,
    x: &[Vec<Vec<f64>>],
    changes: &[FleetChange],
    systems: &[SystemBuy],
) -> NationalEvaluation {
    let (na, ns, nt) = (nat.accelerators.len(), nat.sites.len(), nat.periods());
    let integer = nat.solver.integer;
    let site_label = |s: usize| nat.has_sites.then(|| nat.sites[s].id.clone());
    let period_label = |t: usize| nat.has_periods.then(|| nat.years[t]);
    let mut checks = Vec::new();
    let mut cells = Vec::with_capacity(ns);
    let mut fleet = Vec::with_capacity(ns);
    let installed_all = nat.installed_after(changes);
    for s in 0..ns {
        let mut row = Vec::with_capacity(nt);
        let mut fleet_row = Vec::with_capacity(nt);
        for t in 0..nt {
            let installed = &installed_all[s][t];
            // Units from earlier periods still in service count as installed here.
            let carried: Vec<f64> = (0..na)
                .map(|a| {
                    installed[a]
                        + (0..t)
                            .filter(|&b| {
                                let age = (nat.years[t] - nat.years[b]) as u64;
                                nat.per_period[a].lifetime_years.is_none_or(|l| age < l)
                            })
                            .map(|b| x[s][b][a])
                            .sum::<f64>()
                })
                .collect();
            let scenario = nat.site_period(s, t, &carried);
            let e = evaluate_bundled(&scenario, &x[s][t], &bundled(nat, systems, s, t));
            for c in &e.checks {
                checks.push(Located {
                    site: site_label(s),
                    period: period_label(t),
                    check: c.clone(),
                });
            }
            fleet_row.push(e.fleet.clone());
            row.push(e);
        }
        cells.push(row);
        fleet.push(fleet_row);
    }

    // The domestic energy discount, per site and period.
    let qualified: Vec<Vec<Option<bool>>> = (0..ns)
        .map(|s| {
            (0..nt)
                .map(|t| {
                    nat.sites[s]
                        .domestic_energy_discount
                        .map(|rule| qualifies(nat, &fleet[s][t], rule.min_share))
                })
                .collect()
        })
        .collect();
    let discount_at = |s: usize, t: usize| -> f64 {
        match (nat.sites[s].domestic_energy_discount, qualified[s][t]) {
            (Some(rule), Some(true)) => rule.rate * cells[s][t].opex,
            _ => 0.0,
        }
    };

    // Removals and moves: allowed, and never more than the units installed.
    checks.extend(super::removal::checks(nat, changes));
    checks.extend(super::system::checks(nat, systems));
    // Cards inside the systems bought in period t of accelerator a, at all sites.
    let system_cards = |t: usize, a: usize, site: Option<usize>| -> f64 {
        systems
            .iter()
            .filter(|y| y.period == t && site.is_none_or(|s| y.site == s))
            .filter_map(|y| nat.systems.get(y.system).map(|sys| (y, sys)))
            .filter(|(_, sys)| sys.accelerator == a)
            .map(|(y, sys)| y.units * sys.cards as f64)
            .sum::<f64>()
            + 0.0
    };
    let removal_at = |t: usize| -> f64 {
        changes
            .iter()
            .filter(|c| c.period == t)
            .map(|c| nat.change_cost(c))
            .sum::<f64>()
            + 0.0
    };

    // National supply caps.
    for a in 0..na {
        let acc = &nat.accelerators[a];
        for t in 0..nt {
            let Some(m) = nat.per_period[a].max_units[t] else {
                continue;
            };
            let bought: f64 =
                (0..ns).map(|s| x[s][t][a]).sum::<f64>() + system_cards(t, a, None) + 0.0;
            let step = if integer { acc.lot_size as f64 } else { 0.0 };
            let c = compare(
                Constraint::supply(&acc.id),
                format!(
                    "accelerators[{}].max_units: {bought} new units at all sites <= {m}",
                    acc.id
                ),
                (bought, m as f64, true),
                step,
                integer,
            );
            checks.push(Located {
                site: None,
                period: period_label(t),
                check: Check {
                    binding: c.binding && bought > 0.0,
                    ..c
                },
            });
        }
    }

    // National resource caps: what the new cards of every site use, per period.
    let resource_use: Vec<Vec<f64>> = nat
        .resources
        .iter()
        .map(|res| {
            (0..nt)
                .map(|t| {
                    (0..ns)
                        .flat_map(|s| (0..na).map(move |a| (s, a)))
                        .map(|(s, a)| (x[s][t][a] + system_cards(t, a, Some(s))) * res.uses[a])
                        .sum::<f64>()
                        + 0.0
                })
                .collect()
        })
        .collect();
    for (r, res) in nat.resources.iter().enumerate() {
        for t in 0..nt {
            let users: Vec<usize> = (0..na).filter(|&a| res.uses[a] > 0.0).collect();
            if users.is_empty() {
                continue;
            }
            let used = resource_use[r][t];
            // At the cap when one more lot of the leanest user would not fit.
            let step = if integer {
                users
                    .iter()
                    .filter(|&&a| nat.per_period[a].available[t])
                    .map(|&a| res.uses[a] * nat.accelerators[a].lot_size as f64)
                    .fold(f64::INFINITY, f64::min)
            } else {
                0.0
            };
            let step = if step.is_finite() { step } else { 0.0 };
            let c = compare(
                Constraint::resource(&res.id),
                format!(
                    "resources[{}].cap: {} used by new cards at all sites <= {}",
                    res.id,
                    crate::numfmt::qty(used, 6),
                    crate::numfmt::qty(res.cap[t], 6)
                ),
                (used, res.cap[t], true),
                step,
                integer,
            );
            checks.push(Located {
                site: None,
                period: period_label(t),
                check: Check {
                    binding: c.binding && used > 0.0,
                    ..c
                },
            });
        }
    }

    // Costs and national figures per period.
    let mut periods = Vec::with_capacity(nt);
    let share_basis = nat
        .national_share
        .as_ref()
        .map(|r| r.basis)
        .unwrap_or(ShareBasis::Units);
    for t in 0..nt {
        let sum = |f: &dyn Fn(&Evaluation) -> f64| -> f64 {
            (0..ns).map(|s| f(&cells[s][t])).sum::<f64>() + 0.0
        };
        let weight = |s: usize, a: usize| -> f64 {
            match share_basis {
                ShareBasis::Units => fleet[s][t][a],
                ShareBasis::Tflops => fleet[s][t][a] * nat.accelerators[a].tflops,
                ShareBasis::Spend => {
                    x[s][t][a] * nat.per_period[a].unit_price[t]
                        + systems
                            .iter()
                            .filter(|y| y.site == s && y.period == t)
                            .filter(|y| nat.systems[y.system].accelerator == a)
                            .map(|y| y.units * nat.systems[y.system].price[t])
                            .sum::<f64>()
                }
            }
        };
        let mut total_w = 0.0;
        let mut domestic_w = 0.0;
        for s in 0..ns {
            for a in 0..na {
                let w = weight(s, a);
                total_w += w;
                if nat.accelerators[a].origin == Origin::Domestic {
                    domestic_w += w;
                }
            }
        }
        let share = (total_w > 0.0).then(|| domestic_w / total_w);
        if let Some(rule) = &nat.national_share {
            let min = rule.min[t];
            let shown = share
                .map(|v| format!("{v:.4}"))
                .unwrap_or_else(|| "undefined (empty fleet)".into());
            let c = if rule.strict {
                let (p, q) = strict_fraction(min).unwrap_or((0, 1));
                compare(
                    Constraint::of(Family::NationalShare),
                    format!(
                        "policy.national_domestic_share: {shown} by units over all sites must exceed {min}"
                    ),
                    (q as f64 * domestic_w - p as f64 * total_w, 1.0, false),
                    if integer { (q - p).max(p) as f64 } else { 0.0 },
                    integer,
                )
            } else {
                compare(
                    Constraint::of(Family::NationalShare),
                    format!(
                        "policy.national_domestic_share: {shown} by {} over all sites >= {min}",
                        share_basis.as_str()
                    ),
                    (domestic_w, min * total_w, false),
                    if integer { 1.0 - min } else { 0.0 },
                    integer,
                )
            };
            checks.push(Located {
                site: None,
                period: period_label(t),
                // Shown as the share against its minimum (compared as weights).
                check: c.figures(share.unwrap_or(0.0), min, false),
            });
        }
        periods.push(PeriodFigures {
            capex: sum(&|e| e.capex),
            opex: sum(&|e| e.opex),
            energy_discount: (0..ns).map(|s| discount_at(s, t)).sum::<f64>() + 0.0,
            removal: removal_at(t),
            pflops: sum(&|e| e.pflops),
            memory_tb: sum(&|e| e.memory_tb),
            facility_kw: sum(&|e| e.facility_kw),
            new_units: (0..ns).map(|s| x[s][t].iter().sum::<f64>()).sum::<f64>()
                + (0..na).map(|a| system_cards(t, a, None)).sum::<f64>()
                + 0.0,
            fleet_units: (0..ns)
                .map(|s| fleet[s][t].iter().sum::<f64>())
                .sum::<f64>()
                + 0.0,
            share,
            share_basis,
        });
    }

    // Platform adoption: once, for any purchase anywhere on a platform not installed.
    let free = nat.existing_platforms();
    let mut adopted_platforms = Vec::new();
    let mut adoption = 0.0;
    for (platform, &cost) in &nat.platform_adoption {
        let bought = (0..ns).any(|s| {
            (0..nt).any(|t| {
                (0..na).any(|a| {
                    x[s][t][a] > 0.0
                        && nat.accelerators[a].platform.as_deref() == Some(platform.as_str())
                })
            })
        }) || systems.iter().any(|y| {
            y.units > 0.0
                && nat.accelerators[nat.systems[y.system].accelerator]
                    .platform
                    .as_deref()
                    == Some(platform.as_str())
        });
        if bought && !free.contains(platform) {
            adopted_platforms.push(platform.clone());
            adoption += cost;
        }
    }

    // Budgets per period (undiscounted; adoption in the first period).
    let cheapest_lot = |t: usize| -> f64 {
        (0..na)
            .filter(|&a| nat.per_period[a].available[t] && nat.per_period[a].unit_price[t] > 0.0)
            .map(|a| nat.per_period[a].unit_price[t] * nat.accelerators[a].lot_size as f64)
            .fold(f64::INFINITY, f64::min)
    };
    for (t, p) in periods.iter().enumerate() {
        let step = if integer { cheapest_lot(t) } else { 0.0 };
        if let Some(b) = &nat.budget {
            // Energy at the price paid: opex less the discounts earned.
            let spend = p.capex + p.opex - p.energy_discount
                + p.removal
                + if t == 0 { adoption } else { 0.0 };
            checks.push(Located {
                site: None,
                period: period_label(t),
                check: compare(
                    Constraint::of(Family::Budget),
                    format!(
                        "limits.budget: spending {spend:.2} (capex + opex{}{}{}) <= {}",
                        if p.energy_discount > 0.0 {
                            " - energy discount"
                        } else {
                            ""
                        },
                        if changes.iter().any(|c| c.period == t) {
                            " + removals"
                        } else {
                            ""
                        },
                        if t == 0 { " + adoption" } else { "" },
                        b[t]
                    ),
                    (spend, b[t], true),
                    step,
                    integer,
                ),
            });
        }
        if let Some(b) = &nat.capex_budget {
            checks.push(Located {
                site: None,
                period: period_label(t),
                check: compare(
                    Constraint::of(Family::CapexBudget),
                    format!("limits.capex_budget: capex {:.2} <= {}", p.capex, b[t]),
                    (p.capex, b[t], true),
                    step,
                    integer,
                ),
            });
        }
    }

    let capex = (0..nt)
        .map(|t| periods[t].capex * nat.discount(t))
        .sum::<f64>()
        + 0.0;
    let opex = (0..nt)
        .map(|t| periods[t].opex * nat.discount(t))
        .sum::<f64>()
        + 0.0;
    let energy_discount = (0..nt)
        .map(|t| periods[t].energy_discount * nat.discount(t))
        .sum::<f64>()
        + 0.0;
    let removal = (0..nt)
        .map(|t| periods[t].removal * nat.discount(t))
        .sum::<f64>()
        + 0.0;
    let residual = residual_value(nat, x, systems);
    let total_cost = adoption + capex + opex - energy_discount + removal - residual;
    if let Some(cap) = nat.cost_cap {
        // Not a rule of the scenario: it never shows among the binding ones.
        let mut check = compare(
            Constraint::of(Family::CostCap),
            format!("cost cap: total cost {total_cost:.2} <= {cap}"),
            (total_cost, cap, true),
            0.0,
            integer,
        );
        check.binding = false;
        checks.push(Located {
            site: None,
            period: None,
            check,
        });
    }
    NationalEvaluation {
        x: x.to_vec(),
        fleet,
        installed: installed_all,
        changes: changes.to_vec(),
        removal,
        systems: systems.to_vec(),
        cells,
        periods,
        adopted_platforms,
        adoption,
        capex,
        opex,
        residual,
        qualified,
        energy_discount,
        total_cost,
        checks,
        resource_use,
    }
}

/// Whether a site whose fleet in service is `fleet` (units per accelerator) qualifies for
/// its energy discount: its domestic units are at least `min_share` of all its units (to
/// a relative 1e-9, for continuous plans). An empty fleet qualifies (it has no foreign
/// card in service), though it saves nothing: it draws no energy.
pub fn qualifies(nat: &National, fleet: &[f64], min_share: f64) -> bool {
    let total: f64 = fleet.iter().sum();
    let domestic: f64 = fleet
        .iter()
        .zip(&nat.accelerators)
        .filter(|(_, acc)| acc.origin == Origin::Domestic)
        .map(|(n, _)| n)
        .sum();
    domestic >= min_share * total - 1e-9 * total.max(1.0)
}

/// The residual value of purchases `x`, read straight from the format: with
/// `residual_value: straight_line`, the horizon ends `opex_years` after the last period's
/// year; a unit bought in year `y` with a lifetime of `L` years that would still serve then
/// is worth the unexpired share of its price, `(y + L - H) / L`, discounted over the years
/// from the first period to `H`. Units without a lifetime are worth nothing.
fn residual_value(nat: &National, x: &[Vec<Vec<f64>>], systems: &[SystemBuy]) -> f64 {
    if nat.residual_value != ResidualValue::StraightLine {
        return 0.0;
    }
    let end = *nat.years.last().unwrap_or(&0) as f64 + nat.opex_years;
    let factor = (1.0 + nat.discount_rate).powf(end - nat.years[0] as f64);
    let mut total = 0.0;
    // A system is credited on its price per system, over its accelerator's lifetime.
    for y in systems {
        let sys = &nat.systems[y.system];
        let Some(life) = nat.per_period[sys.accelerator].lifetime_years else {
            continue;
        };
        let life = life as f64;
        let unexpired = (nat.years[y.period] as f64 + life - end).clamp(0.0, life);
        if y.units > 0.0 && unexpired > 0.0 {
            total += y.units * sys.price[y.period] * unexpired / life / factor;
        }
    }
    for per_site in x {
        for (t, row) in per_site.iter().enumerate() {
            let year = nat.years[t] as f64;
            for (a, &units) in row.iter().enumerate() {
                let Some(life) = nat.per_period[a].lifetime_years else {
                    continue;
                };
                let life = life as f64;
                let unexpired = (year + life - end).clamp(0.0, life);
                if units > 0.0 && unexpired > 0.0 {
                    total += units * nat.per_period[a].unit_price[t] * unexpired / life / factor;
                }
            }
        }
    }
    total + 0.0
}

/// The systems at site `s` in period `t` (section 6), read from the buys: the cards of
/// those still within their accelerator's lifetime, the cards and price of those bought in
/// `t`, and the extra watts of those in service.
pub(crate) fn bundled(nat: &National, systems: &[SystemBuy], s: usize, t: usize) -> Bundled {
    let na = nat.accelerators.len();
    let mut b = Bundled {
        cards: vec![0.0; na],
        new_cards: vec![0.0; na],
        spend: vec![0.0; na],
        extra_w: 0.0,
    };
    for y in systems.iter().filter(|y| y.site == s && y.period <= t) {
        let Some(sys) = nat.systems.get(y.system) else {
            continue;
        };
        let a = sys.accelerator;
        let age = (nat.years[t] - nat.years[y.period]) as u64;
        if nat.per_period[a].lifetime_years.is_some_and(|l| age >= l) {
            continue;
        }
        let cards = y.units * sys.cards as f64;
        b.cards[a] += cards;
        b.extra_w += y.units * sys.extra_power_w;
        if y.period == t {
            b.new_cards[a] += cards;
            b.spend[a] += y.units * sys.price[t];
        }
    }
    b
}
