//! Scenario types: what a planner asks for, validated and with every default filled in.
//!
//! A scenario is read by [`load`] (YAML text -> [`raw`] types with locations) and checked by
//! [`validate`] (ranges, ids, cross-field rules). Nothing here knows about solvers.

pub mod catalog;
pub mod common_rules;
pub mod futures;
pub mod load;
pub mod locate;
pub mod magnitude;
pub mod national;
pub mod overrides;
pub mod plausible;
pub mod precision;
pub mod raw;
pub mod resolved;
pub mod structure;
pub mod validate;

use serde::Serialize;
use std::collections::BTreeMap;

pub use load::{Document, load_file, load_str};
pub use overrides::Override;
pub use precision::Precision;

/// What the plan optimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Least total cost that meets every rule.
    MinCost,
    /// Most PFLOPS within the budgets, then the least cost among near-best plans.
    MaxPflops,
}

impl Objective {
    /// The name used in scenario files and plans.
    pub fn as_str(self) -> &'static str {
        match self {
            Objective::MinCost => "min_cost",
            Objective::MaxPflops => "max_pflops",
        }
    }
}

/// How purchases still in service at the end of the horizon are credited
/// (`costs.residual_value`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResidualValue {
    /// No credit: a card is worth nothing at the end of the horizon.
    #[default]
    None,
    /// Straight-line depreciation over `lifetime_years`: the unexpired fraction of the
    /// price is credited, discounted from the horizon's end.
    StraightLine,
}

impl ResidualValue {
    /// Every value, in the order the format lists them.
    pub const ALL: [ResidualValue; 2] = [ResidualValue::None, ResidualValue::StraightLine];

    /// The name used in scenario files.
    pub fn as_str(self) -> &'static str {
        match self {
            ResidualValue::None => "none",
            ResidualValue::StraightLine => "straight_line",
        }
    }
}

/// Where an accelerator is made, for the domestic-share rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Made in China: counts toward the domestic share.
    Domestic,
    /// Made abroad.
    Foreign,
}

impl Origin {
    /// The name used in scenario files and plans.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Domestic => "domestic",
            Origin::Foreign => "foreign",
        }
    }
}

/// What the domestic share is measured on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ShareBasis {
    /// Fleet units.
    Units,
    /// Fleet TFLOPS.
    Tflops,
    /// Spend on new purchases.
    Spend,
}

impl ShareBasis {
    /// The name used in scenario files and plans.
    pub fn as_str(self) -> &'static str {
        match self {
            ShareBasis::Units => "units",
            ShareBasis::Tflops => "tflops",
            ShareBasis::Spend => "spend",
        }
    }
}

/// A validated scenario (section 1 of the format: one site, one period).
#[derive(Debug, Clone, Serialize)]
pub struct Scenario {
    /// Display name.
    pub name: String,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Currency label for every amount of money.
    pub currency: String,
    /// What to optimise.
    pub objective: Objective,
    /// Accelerators that may be bought or are already installed, in file order.
    pub accelerators: Vec<Accelerator>,
    /// Capacity the fleet must reach.
    pub demand: Demand,
    /// Installed fleet, one entry per accelerator id (units summed over file entries).
    pub existing: Vec<Existing>,
    /// Domestic-share rule, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domestic_share: Option<DomesticShare>,
    /// Ceilings.
    pub limits: Limits,
    /// Cost parameters.
    pub costs: Costs,
    /// Solver settings.
    pub solver: SolverSettings,
    /// Units per accelerator (scenario order) already in service from purchases of earlier
    /// periods: set when a many-period scenario is seen one period at a time, empty
    /// otherwise. They count like installed units but may be fractional.
    #[serde(skip)]
    pub carried: Vec<f64>,
}

/// One accelerator model.
#[derive(Debug, Clone, Serialize)]
pub struct Accelerator {
    /// Unique id (`[a-z0-9._-]+`).
    pub id: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Vendor, for the vendor-share rule.
    pub vendor: String,
    /// Domestic or foreign.
    pub origin: Origin,
    /// Software stack, for platform adoption costs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform: Option<String>,
    /// Price per new unit.
    pub unit_price: f64,
    /// Dense BF16 TFLOPS per unit, read from `tflops_by` by the precision rule (the
    /// basis of the `tflops` domestic share). Capacity at another precision is
    /// [`Accelerator::tflops_at`].
    pub tflops: f64,
    /// The TFLOPS figures the scenario gives, by precision (a plain number is bf16).
    #[serde(skip_serializing_if = "only_bf16")]
    pub tflops_by: precision::Figures,
    /// Board power in watts.
    pub power_w: f64,
    /// Memory per unit in GB.
    pub memory_gb: f64,
    /// Whether new units may be bought.
    pub available: bool,
    /// Supply cap on new units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_units: Option<u64>,
    /// Minimum order when any are bought.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_units: Option<u64>,
    /// New units come in multiples of this.
    pub lot_size: u64,
    /// Efficiency per workload class (missing classes are 1.0).
    pub efficiency: BTreeMap<String, f64>,
    /// Provenance of the figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// Whether a card's figures are a plain BF16 number (plans leave the map unsaid).
fn only_bf16(f: &precision::Figures) -> bool {
    f.keys().all(|p| p.is_default())
}

impl Accelerator {
    /// The TFLOPS figures for a reader: `None` for a plain BF16 number (show `tflops`),
    /// else each figure the scenario lists, formatted by `show`, widest first
    /// (`780 bf16 / 1,560 fp8`).
    pub fn tflops_figures(&self, show: impl Fn(f64) -> String) -> Option<String> {
        (!only_bf16(&self.tflops_by)).then(|| {
            self.tflops_by
                .iter()
                .rev()
                .map(|(p, v)| format!("{} {}", show(*v), p.as_str()))
                .collect::<Vec<_>>()
                .join(" / ")
        })
    }

    /// TFLOPS per unit at precision `p` ([`precision::tflops_at`]).
    pub fn tflops_at(&self, p: Precision) -> f64 {
        precision::tflops_at(&self.tflops_by, p)
    }

    /// Efficiency for a workload class (1.0 when not given).
    pub fn efficiency_for(&self, workload: &str) -> f64 {
        self.efficiency.get(workload).copied().unwrap_or(1.0)
    }

    /// Display name, falling back to the id.
    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.id)
    }
}

/// Capacity requirements.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Demand {
    /// Total effective PFLOPS the fleet must reach.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pflops: Option<f64>,
    /// PFLOPS per workload class (instead of `pflops`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub workloads: BTreeMap<String, f64>,
    /// Total accelerator memory floor in TB.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_tb: Option<f64>,
    /// Precision `pflops` and plain-number workloads are met at (default bf16).
    #[serde(skip_serializing_if = "Precision::is_default")]
    pub precision: Precision,
    /// Workloads given with their own precision (the others use `precision`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub workload_precision: BTreeMap<String, Precision>,
}

impl Demand {
    /// The precision workload class `w` is met at.
    pub fn precision_of(&self, w: &str) -> Precision {
        self.workload_precision
            .get(w)
            .copied()
            .unwrap_or(self.precision)
    }
}

/// Installed units of one accelerator.
#[derive(Debug, Clone, Serialize)]
pub struct Existing {
    /// Accelerator id.
    pub id: String,
    /// Installed units.
    pub units: u64,
}

/// The domestic-share rule.
#[derive(Debug, Clone, Serialize)]
pub struct DomesticShare {
    /// Minimum share in [0, 1].
    pub min: f64,
    /// What the share is measured on.
    pub basis: ShareBasis,
    /// The share must exceed `min` (units basis only).
    pub strict: bool,
}

/// Ceilings on cost, power and vendor concentration.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Limits {
    /// Ceiling on total cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<f64>,
    /// Ceiling on capex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capex_budget: Option<f64>,
    /// Facility power ceiling in kW (PUE applied).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub power_kw: Option<f64>,
    /// No vendor above this share of fleet units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_max_share: Option<f64>,
}

/// Cost parameters.
#[derive(Debug, Clone, Serialize)]
pub struct Costs {
    /// Energy price per kWh.
    pub energy_price_per_kwh: f64,
    /// Power usage effectiveness (>= 1).
    pub pue: f64,
    /// Average utilisation in (0, 1].
    pub utilization: f64,
    /// Years of operation counted in opex.
    pub opex_years: f64,
    /// One-time cost of adopting each platform.
    pub platform_adoption: BTreeMap<String, f64>,
}

/// Solver settings from the scenario (the command line may override them).
#[derive(Debug, Clone, Serialize)]
pub struct SolverSettings {
    /// Whole units in lots (true) or fractional units (false).
    pub integer: bool,
    /// Relative MIP gap at which the search stops.
    pub mip_gap: f64,
    /// Time limit in seconds.
    pub time_limit_s: f64,
}

/// Hours in a year, for opex.
pub const HOURS_PER_YEAR: f64 = 8760.0;

impl Scenario {
    /// Installed units of accelerator `index` (0 when none), with the units carried over
    /// from earlier periods.
    pub fn existing_units(&self, index: usize) -> f64 {
        let id = &self.accelerators[index].id;
        let installed: u64 = self
            .existing
            .iter()
            .filter(|e| &e.id == id)
            .map(|e| e.units)
            .sum();
        installed as f64 + self.carried.get(index).copied().unwrap_or(0.0)
    }

    /// Index of an accelerator by id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.accelerators.iter().position(|a| a.id == id)
    }

    /// Platforms present in the installed fleet (adopting them again is free).
    pub fn existing_platforms(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .existing
            .iter()
            .filter(|e| e.units > 0)
            .filter_map(|e| self.index_of(&e.id))
            .filter_map(|i| self.accelerators[i].platform.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Energy cost of one facility kW over the plan's horizon
    /// (`8760 * utilization * energy_price_per_kwh * opex_years`).
    pub fn opex_per_kw(&self) -> f64 {
        HOURS_PER_YEAR
            * self.costs.utilization
            * self.costs.energy_price_per_kwh
            * self.costs.opex_years
    }

    /// TFLOPS per unit of accelerator `index` toward `demand.pflops` (and `max_pflops`):
    /// its figure at `demand.precision`.
    pub fn capacity_tflops(&self, index: usize) -> f64 {
        self.accelerators[index].tflops_at(self.demand.precision)
    }

    /// Effective TFLOPS per unit of accelerator `index` on workload class `w`: its figure at
    /// the workload's precision times its efficiency there.
    pub fn workload_tflops(&self, index: usize, w: &str) -> f64 {
        let a = &self.accelerators[index];
        a.tflops_at(self.demand.precision_of(w)) * a.efficiency_for(w)
    }

    /// Whether the demand is given per workload class.
    pub fn has_workloads(&self) -> bool {
        !self.demand.workloads.is_empty()
    }
}
