//! Many sites, many periods (section 2 of the format): the validated scenario, every
//! per-period value spelled out for every period, and its projection onto one site and one
//! period as a section-1 [`Scenario`], which is how the model builder and the checker apply
//! "everything from section 1, per site and per period".

use super::{
    Accelerator, Costs, Demand, DomesticShare, Limits, Objective, Precision, ResidualValue,
    Scenario, ShareBasis, SolverSettings,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// A validated many-site / many-period scenario.
#[derive(Debug, Clone, Serialize)]
pub struct National {
    /// Display name.
    pub name: String,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Currency label of every amount.
    pub currency: String,
    /// What to optimise.
    pub objective: Objective,
    /// The planning years, strictly increasing (one entry when the file has no `periods`).
    pub years: Vec<i64>,
    /// Whether the file gave `periods` (the plan then carries per-period detail).
    pub has_periods: bool,
    /// Whether the file gave `sites` (the plan then carries per-site detail).
    pub has_sites: bool,
    /// Accelerators with their fixed figures; the per-period figures are in `per_period`.
    pub accelerators: Vec<Accelerator>,
    /// Per accelerator (same order): the values that change by period.
    pub per_period: Vec<AcceleratorPeriods>,
    /// The sites (one, built from the top level, when the file has no `sites`).
    pub sites: Vec<Site>,
    /// The share rule over every site's fleet together, if any.
    pub national_share: Option<ShareRule>,
    /// National ceiling on each period's spending (capex + opex, plus adoption in the first).
    pub budget: Option<Vec<f64>>,
    /// National ceiling on each period's capex.
    pub capex_budget: Option<Vec<f64>>,
    /// No vendor above this share of a site's fleet units.
    pub vendor_max_share: Option<f64>,
    /// Average utilisation in (0, 1].
    pub utilization: f64,
    /// Years of operation counted after the last period.
    pub opex_years: f64,
    /// Yearly discount rate.
    pub discount_rate: f64,
    /// Credit for purchases still in service at the end of the horizon.
    #[serde(skip_serializing_if = "is_no_residual")]
    pub residual_value: ResidualValue,
    /// One-time cost of adopting each platform (national, paid once).
    pub platform_adoption: BTreeMap<String, f64>,
    /// Solver settings.
    pub solver: SolverSettings,
    /// Scarce inputs with national caps per period (section 6), in file order.
    pub resources: Vec<Resource>,
    /// Cost of moving one installed unit to another site.
    #[serde(skip_serializing_if = "is_zero")]
    pub relocation_per_unit: f64,
    /// Whole systems (supernodes) that may be bought (section 6), in file order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<System>,
    /// A ceiling on the total (discounted) cost that no file sets: the planner's
    /// [`crate::planner::Options::cost_cap`], imposed by the model and the checker alike.
    #[serde(skip)]
    pub cost_cap: Option<f64>,
    /// The futures (section 7), each a scenario of its own; `None` without `futures`.
    #[serde(skip)]
    pub futures: Option<Box<super::futures::Futures>>,
}

/// Straight-line residual value of one item bought at `price` in year `bought`, with a
/// lifetime of `lifetime` years, at the horizon's end `horizon`, discounted to `first` at
/// `rate`: `price * (bought + L - H) / L / (1 + rate)^(H - first)` when `bought + L > H`,
/// else 0 (and 0 for an item that never retires: it has no lifetime to depreciate over).
pub fn residual_credit(
    price: f64,
    lifetime: Option<u64>,
    bought: f64,
    horizon: f64,
    first: f64,
    rate: f64,
) -> f64 {
    let Some(l) = lifetime.filter(|&l| l > 0) else {
        return 0.0;
    };
    let l = l as f64;
    let left = bought + l - horizon;
    if left <= 0.0 || price <= 0.0 {
        return 0.0;
    }
    price * left.min(l) / l / (1.0 + rate).powf(horizon - first)
}

/// Whether `v` is zero (the default the scenario's serialised form leaves out).
fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

/// Whether `r` is the default (the scenario's serialised form then leaves it out).
fn is_no_residual(r: &ResidualValue) -> bool {
    *r == ResidualValue::None
}

/// The values of one accelerator that may change by period.
#[derive(Debug, Clone, Serialize)]
pub struct AcceleratorPeriods {
    /// Price per new unit, per period.
    pub unit_price: Vec<f64>,
    /// National supply cap on new units, per period.
    pub max_units: Vec<Option<u64>>,
    /// Whether new units may be bought, per period.
    pub available: Vec<bool>,
    /// Years a new unit serves (`None`: never retires).
    pub lifetime_years: Option<u64>,
}

/// A scarce input that new cards draw on (HBM stacks, wafers), capped nationally per period.
#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    /// Unique id (`uses` keys name it).
    pub id: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Most that the new cards of every site together may use, per period.
    pub cap: Vec<f64>,
    /// How much one new card of each accelerator (scenario order) uses; 0 for the others.
    pub uses: Vec<f64>,
}

/// A system sold whole (section 6): `cards` cards of one accelerator at one price, with
/// extra power of its own. Its cards count as cards of the accelerator in every rule but
/// capex and power (which adds `extra_power_w`), and `lot_size` / `min_units` do not apply.
#[derive(Debug, Clone, Serialize)]
pub struct System {
    /// Unique id.
    pub id: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The accelerator inside (index into `National::accelerators`).
    pub accelerator: usize,
    /// Cards inside one system.
    pub cards: u64,
    /// Price of one system, per period.
    pub price: Vec<f64>,
    /// Watts one system draws beyond its cards.
    pub extra_power_w: f64,
    /// Most systems bought in a period, all sites together.
    pub max_units: Vec<Option<u64>>,
    /// Whether the system may be bought, per period.
    pub available: Vec<bool>,
}

/// Systems of one type bought at one site in one period: a decision of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SystemBuy {
    /// The system (index into `National::systems`).
    pub system: usize,
    /// The site.
    pub site: usize,
    /// The period.
    pub period: usize,
    /// Systems bought (whole numbers in a valid plan).
    pub units: f64,
}

/// A share rule whose minimum may change by period.
#[derive(Debug, Clone, Serialize)]
pub struct ShareRule {
    /// Minimum per period.
    pub min: Vec<f64>,
    /// What the share is measured on.
    pub basis: ShareBasis,
    /// The share must exceed `min` (units basis only).
    pub strict: bool,
}

impl ShareRule {
    /// The rule of period `t`.
    pub fn at(&self, t: usize) -> DomesticShare {
        DomesticShare {
            min: self.min[t],
            basis: self.basis,
            strict: self.strict,
        }
    }
}

/// Installed units at a site.
#[derive(Debug, Clone, Serialize)]
pub struct SiteExisting {
    /// Accelerator index.
    pub index: usize,
    /// Installed units.
    pub units: u64,
    /// Last year the units serve (`None`: for ever).
    pub retire_year: Option<i64>,
    /// Whether, and on what terms, these units may be taken out or moved early.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removal: Option<Removal>,
}

impl SiteExisting {
    /// Whether these units are in service in `year`.
    pub fn serves_in(&self, year: i64) -> bool {
        self.retire_year.is_none_or(|r| year <= r)
    }
}

/// The terms of early removal of an installed entry (section 6).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Removal {
    /// Resale value per unit removed.
    pub salvage_value: f64,
    /// Decommissioning cost per unit removed.
    pub cost: f64,
    /// Sites (by position) that may take units over.
    pub move_to: Vec<usize>,
}

/// Units of one installed entry taken out of service, or moved to another site, at the
/// start of a period: a decision of the plan (section 6).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FleetChange {
    /// The site the units are at.
    pub site: usize,
    /// The entry (position in the site's `existing`).
    pub entry: usize,
    /// The period.
    pub period: usize,
    /// The site they move to; `None`: removed.
    pub to: Option<usize>,
    /// Units.
    pub units: f64,
}

/// One site.
#[derive(Debug, Clone, Serialize)]
pub struct Site {
    /// Unique id.
    pub id: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// PFLOPS the fleet must reach, per period.
    pub pflops: Option<Vec<f64>>,
    /// PFLOPS per workload class, per period.
    pub workloads: BTreeMap<String, Vec<f64>>,
    /// Memory floor in TB, per period.
    pub memory_tb: Option<Vec<f64>>,
    /// Precision `pflops` and plain-number workloads are met at (default bf16).
    #[serde(skip_serializing_if = "Precision::is_default")]
    pub precision: Precision,
    /// Workloads given with their own precision.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub workload_precision: BTreeMap<String, Precision>,
    /// Installed fleet.
    pub existing: Vec<SiteExisting>,
    /// Facility power ceiling in kW, per period.
    pub power_kw: Option<Vec<f64>>,
    /// Energy price per kWh, per period.
    pub energy_price_per_kwh: Vec<f64>,
    /// Power usage effectiveness.
    pub pue: f64,
    /// The domestic-share rule at this site (policy with the site's overrides), if any.
    pub domestic_share: Option<ShareRule>,
    /// The domestic energy discount at this site (`costs.domestic_energy_discount` with the
    /// site's overrides), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domestic_energy_discount: Option<EnergyDiscount>,
}

/// The domestic energy discount of one site (section 6): in a period where the domestic
/// share of the site's fleet by units is at least `min_share`, its energy costs
/// `(1 - rate)` times the price.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EnergyDiscount {
    /// Fraction off the energy price, in (0, 1].
    pub rate: f64,
    /// Domestic share of the fleet's units that qualifies, in (0, 1].
    pub min_share: f64,
}

impl Site {
    /// This site as the only one of a scenario (a site's own problem in the decomposition
    /// or the conflict analysis): its installed units may still be taken out, but not
    /// moved, since the sites of `move_to` are not in that scenario.
    pub fn alone(&self) -> Site {
        let mut site = self.clone();
        for e in &mut site.existing {
            if let Some(r) = e.removal.as_mut() {
                r.move_to.clear();
            }
        }
        site
    }

    /// The precision workload class `w` is met at.
    pub fn precision_of(&self, w: &str) -> Precision {
        self.workload_precision
            .get(w)
            .copied()
            .unwrap_or(self.precision)
    }

    /// Installed units of accelerator `a` still in service in `year`.
    pub fn existing_in(&self, a: usize, year: i64) -> f64 {
        self.existing
            .iter()
            .filter(|e| e.index == a && e.retire_year.is_none_or(|r| year <= r))
            .map(|e| e.units as f64)
            .sum()
    }
}

impl National {
    /// Number of periods.
    pub fn periods(&self) -> usize {
        self.years.len()
    }

    /// Years period `t` covers in opex: up to the next period, `opex_years` for the last.
    pub fn span(&self, t: usize) -> f64 {
        match self.years.get(t + 1) {
            Some(next) => (next - self.years[t]) as f64,
            None => self.opex_years,
        }
    }

    /// Discount factor of period `t`'s spending: `1 / (1 + rate)^(year_t - year_0)`.
    pub fn discount(&self, t: usize) -> f64 {
        let years = (self.years[t] - self.years[0]) as f64;
        1.0 / (1.0 + self.discount_rate).powf(years)
    }

    /// Whether some site has a domestic energy discount (the plan then says where it was
    /// earned).
    pub fn has_energy_discount(&self) -> bool {
        self.sites
            .iter()
            .any(|s| s.domestic_energy_discount.is_some())
    }

    /// The year the horizon ends: `H = year_T + span_T` (the last period covers
    /// `opex_years`).
    pub fn horizon_end(&self) -> f64 {
        let last = self.periods() - 1;
        self.years[last] as f64 + self.span(last)
    }

    /// Residual value credited at the horizon's end per unit of accelerator `a` bought in
    /// period `t`, discounted to the first year: [`residual_credit`] with this scenario's
    /// rule, horizon and rate at the unit price of `a` in `t`. Zero without
    /// `residual_value: straight_line`.
    pub fn residual_per_unit(&self, a: usize, t: usize) -> f64 {
        self.residual_per_item(a, t, self.per_period[a].unit_price[t])
    }

    /// [`National::residual_per_unit`] for an item of accelerator `a` bought in period `t`
    /// at `price` (a loose card's unit price, or a whole system's price).
    pub fn residual_per_item(&self, a: usize, t: usize, price: f64) -> f64 {
        if self.residual_value != ResidualValue::StraightLine {
            return 0.0;
        }
        residual_credit(
            price,
            self.per_period[a].lifetime_years,
            self.years[t] as f64,
            self.horizon_end(),
            self.years[0] as f64,
            self.discount_rate,
        )
    }

    /// TFLOPS per unit of accelerator `a` toward site `s`'s `pflops` (and `max_pflops`):
    /// its figure at the site's demand precision.
    pub fn capacity_tflops(&self, s: usize, a: usize) -> f64 {
        self.accelerators[a].tflops_at(self.sites[s].precision)
    }

    /// Effective TFLOPS per unit of accelerator `a` on workload class `w` at site `s`: its
    /// figure at the workload's precision times its efficiency there.
    pub fn workload_tflops(&self, s: usize, a: usize, w: &str) -> f64 {
        let acc = &self.accelerators[a];
        acc.tflops_at(self.sites[s].precision_of(w)) * acc.efficiency_for(w)
    }

    /// Whether units bought in period `bought` still serve in period `t`.
    pub fn serves(&self, a: usize, bought: usize, t: usize) -> bool {
        bought <= t
            && self.per_period[a]
                .lifetime_years
                .is_none_or(|l| ((self.years[t] - self.years[bought]) as u64) < l)
    }

    /// Platforms in any site's installed fleet (adopting them is free).
    pub fn existing_platforms(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .sites
            .iter()
            .flat_map(|s| &s.existing)
            .filter(|e| e.units > 0)
            .filter_map(|e| self.accelerators[e.index].platform.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The section-1 scenario of site `s` in period `t`: the period's prices, availability
    /// and limits, the site's demand, power, PUE, energy price and share rule, with
    /// `installed[a]` units counted as the existing fleet (installed units still in service
    /// plus earlier purchases still within their lifetime) and `opex_years` the period's
    /// span. National rules (supply caps, budgets, platform adoption, the national share)
    /// are left out: they bind the sum over sites and are applied by the caller.
    pub fn site_period(&self, s: usize, t: usize, installed: &[f64]) -> Scenario {
        let site = &self.sites[s];
        let accelerators = self
            .accelerators
            .iter()
            .zip(&self.per_period)
            .map(|(a, p)| Accelerator {
                unit_price: p.unit_price[t],
                available: p.available[t],
                max_units: None,
                ..a.clone()
            })
            .collect();
        Scenario {
            name: format!("{} / {} / {}", self.name, site.id, self.years[t]),
            description: None,
            currency: self.currency.clone(),
            objective: Objective::MinCost,
            accelerators,
            demand: Demand {
                pflops: site.pflops.as_ref().map(|v| v[t]),
                workloads: site
                    .workloads
                    .iter()
                    .map(|(k, v)| (k.clone(), v[t]))
                    .collect(),
                memory_tb: site.memory_tb.as_ref().map(|v| v[t]),
                precision: site.precision,
                workload_precision: site.workload_precision.clone(),
            },
            existing: Vec::new(),
            domestic_share: site.domestic_share.as_ref().map(|r| r.at(t)),
            limits: Limits {
                budget: None,
                capex_budget: None,
                power_kw: site.power_kw.as_ref().map(|v| v[t]),
                vendor_max_share: self.vendor_max_share,
            },
            costs: Costs {
                energy_price_per_kwh: site.energy_price_per_kwh[t],
                pue: site.pue,
                utilization: self.utilization,
                opex_years: self.span(t),
                platform_adoption: BTreeMap::new(),
            },
            solver: self.solver.clone(),
            carried: installed.to_vec(),
        }
    }

    /// Installed units (from the site's `existing`) per accelerator still in service in
    /// period `t`, before any removal or move.
    pub fn installed_at(&self, s: usize, t: usize) -> Vec<f64> {
        (0..self.accelerators.len())
            .map(|a| self.sites[s].existing_in(a, self.years[t]))
            .collect()
    }

    /// Installed units per accelerator in service after the removals and moves `changes`
    /// (section 6), `installed[s][t][a]`: each entry's units less those taken out or moved
    /// away in periods up to `t`, plus the units moved in from other sites, while their
    /// entry is in service. One pass over the changes, not one per site and period.
    pub fn installed_after(&self, changes: &[FleetChange]) -> Vec<Vec<Vec<f64>>> {
        let nt = self.periods();
        let mut out: Vec<Vec<Vec<f64>>> = (0..self.sites.len())
            .map(|s| (0..nt).map(|t| self.installed_at(s, t)).collect())
            .collect();
        for c in changes {
            let e = &self.sites[c.site].existing[c.entry];
            for (t, &year) in self.years.iter().enumerate().skip(c.period) {
                if !e.serves_in(year) {
                    continue;
                }
                out[c.site][t][e.index] -= c.units;
                if let Some(to) = c.to {
                    out[to][t][e.index] += c.units;
                }
            }
        }
        out
    }

    /// Whether some installed entry may be taken out or moved (the plan then lists its
    /// removals).
    pub fn has_removals(&self) -> bool {
        self.sites
            .iter()
            .any(|s| s.existing.iter().any(|e| e.removal.is_some()))
    }

    /// The installed entries that may be taken out or moved, as (site, entry) positions.
    pub fn removable(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (s, site) in self.sites.iter().enumerate() {
            for (i, e) in site.existing.iter().enumerate() {
                if e.removal.is_some() {
                    out.push((s, i));
                }
            }
        }
        out
    }

    /// Residual value credited per system `b` bought in period `t` (its price per
    /// system, section 6), discounted to the first year; zero without the rule.
    pub fn residual_per_system(&self, b: usize, t: usize) -> f64 {
        let sys = &self.systems[b];
        self.residual_per_item(sys.accelerator, t, sys.price[t])
    }

    /// What the change `c` costs in its period, undiscounted: `(cost - salvage_value)` per
    /// unit removed (negative: a revenue), `relocation_per_unit` per unit moved.
    pub fn change_cost(&self, c: &FleetChange) -> f64 {
        let Some(r) = &self.sites[c.site].existing[c.entry].removal else {
            return 0.0;
        };
        match c.to {
            None => (r.cost - r.salvage_value) * c.units,
            Some(_) => self.relocation_per_unit * c.units,
        }
    }

    /// A section-1 scenario seen as one site and one period, so that the national model and
    /// checker can be compared with the section-1 ones.
    pub fn from_single(s: &Scenario) -> National {
        let per_period = s
            .accelerators
            .iter()
            .map(|a| AcceleratorPeriods {
                unit_price: vec![a.unit_price],
                max_units: vec![a.max_units],
                available: vec![a.available],
                lifetime_years: None,
            })
            .collect();
        let site = Site {
            id: "site".into(),
            name: None,
            pflops: s.demand.pflops.map(|p| vec![p]),
            workloads: s
                .demand
                .workloads
                .iter()
                .map(|(k, v)| (k.clone(), vec![*v]))
                .collect(),
            memory_tb: s.demand.memory_tb.map(|m| vec![m]),
            precision: s.demand.precision,
            workload_precision: s.demand.workload_precision.clone(),
            existing: s
                .existing
                .iter()
                .filter_map(|e| {
                    s.index_of(&e.id).map(|index| SiteExisting {
                        index,
                        units: e.units,
                        retire_year: None,
                        removal: None,
                    })
                })
                .collect(),
            power_kw: s.limits.power_kw.map(|p| vec![p]),
            energy_price_per_kwh: vec![s.costs.energy_price_per_kwh],
            pue: s.costs.pue,
            domestic_share: s.domestic_share.as_ref().map(|d| ShareRule {
                min: vec![d.min],
                basis: d.basis,
                strict: d.strict,
            }),
            domestic_energy_discount: None,
        };
        National {
            name: s.name.clone(),
            description: s.description.clone(),
            currency: s.currency.clone(),
            objective: s.objective,
            years: vec![0],
            has_periods: false,
            has_sites: false,
            accelerators: s.accelerators.clone(),
            per_period,
            sites: vec![site],
            national_share: None,
            budget: s.limits.budget.map(|b| vec![b]),
            capex_budget: s.limits.capex_budget.map(|b| vec![b]),
            vendor_max_share: s.limits.vendor_max_share,
            utilization: s.costs.utilization,
            opex_years: s.costs.opex_years,
            discount_rate: 0.0,
            residual_value: ResidualValue::None,
            platform_adoption: s.costs.platform_adoption.clone(),
            solver: s.solver.clone(),
            resources: Vec::new(),
            relocation_per_unit: 0.0,
            systems: Vec::new(),
            cost_cap: None,
            futures: None,
        }
    }

    /// Whether this is the one-site, one-period case of section 1 (neither `sites` nor
    /// `periods` in the file).
    pub fn is_single(&self) -> bool {
        !self.has_sites && !self.has_periods && self.sites.len() == 1 && self.periods() == 1
    }

    /// The section-1 form of a scenario with neither `sites` nor `periods` (the inverse of
    /// [`National::from_single`]); `None` for any other, and for one with national rules
    /// (a national share, resources) that section 1 has no place for.
    pub fn as_single(&self) -> Option<Scenario> {
        if !self.is_single()
            || self.national_share.is_some()
            || !self.resources.is_empty()
            || self.has_removals()
            || !self.systems.is_empty()
        {
            return None;
        }
        let site = &self.sites[0];
        let mut s = self.site_period(0, 0, &[]);
        s.name = self.name.clone();
        s.description = self.description.clone();
        s.objective = self.objective;
        for (a, p) in s.accelerators.iter_mut().zip(&self.per_period) {
            a.max_units = p.max_units[0];
        }
        // One entry per accelerator, in scenario order, its installed units added up.
        s.existing = (0..self.accelerators.len())
            .filter_map(|a| {
                let units: u64 = site
                    .existing
                    .iter()
                    .filter(|e| e.index == a)
                    .map(|e| e.units)
                    .sum();
                site.existing
                    .iter()
                    .any(|e| e.index == a)
                    .then(|| super::Existing {
                        id: self.accelerators[a].id.clone(),
                        units,
                    })
            })
            .collect();
        s.limits.budget = self.budget.as_ref().map(|b| b[0]);
        s.limits.capex_budget = self.capex_budget.as_ref().map(|b| b[0]);
        s.costs.platform_adoption = self.platform_adoption.clone();
        s.carried = Vec::new();
        Some(s)
    }
}

#[cfg(test)]
mod tests {
    use super::residual_credit;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn the_unexpired_fraction_is_credited() {
        // Bought in 2027, 5-year life, horizon ends 2029: 3 of 5 years left.
        assert!(close(
            residual_credit(1000.0, Some(5), 2027.0, 2029.0, 2025.0, 0.0),
            600.0
        ));
        // Discounted over the 4 years from 2025 to 2029 at 10%.
        assert!(close(
            residual_credit(1000.0, Some(5), 2027.0, 2029.0, 2025.0, 0.1),
            600.0 / 1.1_f64.powi(4)
        ));
    }

    #[test]
    fn nothing_for_expired_or_lifeless_units() {
        // Bought in 2025 with a 4-year life: expired exactly at the 2029 horizon end.
        assert_eq!(
            residual_credit(1000.0, Some(4), 2025.0, 2029.0, 2025.0, 0.0),
            0.0
        );
        assert_eq!(
            residual_credit(1000.0, Some(2), 2025.0, 2029.0, 2025.0, 0.0),
            0.0
        );
        assert_eq!(
            residual_credit(1000.0, None, 2027.0, 2029.0, 2025.0, 0.0),
            0.0
        );
        assert_eq!(
            residual_credit(0.0, Some(5), 2027.0, 2029.0, 2025.0, 0.0),
            0.0
        );
    }

    #[test]
    fn one_period_buys_at_year_zero() {
        // No periods: bought at 0, H = opex_years = 3, life 5: 2/5 of the price.
        assert!(close(
            residual_credit(500.0, Some(5), 0.0, 3.0, 0.0, 0.0),
            200.0
        ));
    }

    #[test]
    fn the_credit_stays_below_the_price() {
        for l in 1..20u64 {
            for h in 1..10 {
                let c = residual_credit(100.0, Some(l), 0.0, h as f64 * 0.5, 0.0, 0.05);
                assert!(c < 100.0, "life {l}, horizon {h}: {c}");
            }
        }
    }
}
