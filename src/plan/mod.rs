//! The plan: what to buy and what it costs, as a plain value that every renderer reads.
//! Its JSON form is the product's output contract.

pub mod allocation;
pub mod detail;

use crate::scenario::{Accelerator, Objective, Precision};
use schemars::JsonSchema;
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// How the search ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Proven optimal (within the requested MIP gap).
    Optimal,
    /// Valid, but a limit stopped the search first: `gap` says how far from optimal it may be.
    Feasible,
    /// No plan meets every rule; `conflicts` says why.
    Infeasible,
    /// The objective can grow without end.
    Unbounded,
    /// No plan could be produced (e.g. the time limit passed before any plan was found).
    Error,
}

impl Status {
    /// Every status of the contract.
    pub const ALL: [Status; 5] = [
        Status::Optimal,
        Status::Feasible,
        Status::Infeasible,
        Status::Unbounded,
        Status::Error,
    ];

    /// The status named `text` in a plan, if it is one of the contract's.
    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The contract's statuses, for messages: `optimal, feasible, ...`.
    pub fn names() -> String {
        Status::ALL.map(Status::as_str).join(", ")
    }

    /// The name used in plans.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Optimal => "optimal",
            Status::Feasible => "feasible",
            Status::Infeasible => "infeasible",
            Status::Unbounded => "unbounded",
            Status::Error => "error",
        }
    }

    /// Whether the plan carries purchases a user can act on.
    pub fn has_plan(self) -> bool {
        matches!(self, Status::Optimal | Status::Feasible)
    }
}

/// Serialises a unit count as an integer when it is whole.
fn units<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
    if v.fract() == 0.0 && v.abs() < 9.0e15 {
        s.serialize_i64(*v as i64)
    } else {
        s.serialize_f64(*v)
    }
}

/// One accelerator bought.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Purchase {
    /// Accelerator id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Vendor.
    pub vendor: String,
    /// `domestic` or `foreign`.
    pub origin: String,
    /// New units.
    #[serde(serialize_with = "units")]
    #[schemars(with = "f64")]
    pub units: f64,
    /// Unit price times units.
    pub cost: f64,
    /// PFLOPS these units add.
    pub pflops: f64,
    /// Site the units go to (scenarios with sites).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Year they are bought in (scenarios with periods).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    /// The whole system bought (section 6): `units` are then systems of `cards` cards of
    /// the accelerator `id`, and `cost` the systems' price. Absent for loose cards.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Cards inside one system (for the tables; not written to JSON).
    #[serde(skip)]
    pub cards: Option<u64>,
}

impl Purchase {
    /// `units` of `a` bought at `unit_price` (the year's price with periods): the one home
    /// of a purchase row's figures, for the plan builders and the checker alike.
    pub fn new(
        a: &Accelerator,
        precision: Precision,
        units: f64,
        unit_price: f64,
        site: Option<String>,
        period: Option<i64>,
    ) -> Purchase {
        Purchase {
            id: a.id.clone(),
            name: a.display_name().to_string(),
            vendor: a.vendor.clone(),
            origin: a.origin.as_str().to_string(),
            units,
            cost: units * unit_price,
            pflops: units * a.tflops_at(precision) / 1000.0,
            site,
            period,
            system: None,
            cards: None,
        }
    }

    /// Cards of the accelerator this row buys: its units, times the cards inside one system
    /// for a whole system.
    pub fn cards_bought(&self) -> f64 {
        self.units * self.cards.map_or(1.0, |c| c as f64)
    }

    /// How the tables name the row: the accelerator id, and for a whole system its id
    /// and cards (`ascend-910c (cloudmatrix-384 x384)`).
    pub fn label(&self) -> String {
        match (&self.system, self.cards) {
            (Some(sys), Some(cards)) => format!("{} ({sys} x{cards})", self.id),
            (Some(sys), None) => format!("{} ({sys})", self.id),
            _ => self.id.clone(),
        }
    }

    /// `systems` whole systems `sys` (of `cards` cards of `a` each) bought at `price` per
    /// system: the row of a system purchase, for the plan builders and the checker alike.
    pub fn of_system(
        a: &Accelerator,
        sys: &crate::scenario::national::System,
        precision: Precision,
        systems: f64,
        price: f64,
        site: Option<String>,
        period: Option<i64>,
    ) -> Purchase {
        Purchase {
            cost: systems * price,
            pflops: systems * sys.cards as f64 * a.tflops_at(precision) / 1000.0,
            system: Some(sys.id.clone()),
            cards: Some(sys.cards),
            ..Purchase::new(a, precision, systems, price, site, period)
        }
    }
}

/// One accelerator in the fleet after the plan.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FleetRow {
    /// Accelerator id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Vendor.
    pub vendor: String,
    /// `domestic` or `foreign`.
    pub origin: String,
    /// Existing + new units.
    #[serde(serialize_with = "units")]
    #[schemars(with = "f64")]
    pub units: f64,
    /// Installed units.
    #[serde(serialize_with = "units")]
    #[schemars(with = "f64")]
    pub existing: f64,
    /// New units.
    #[serde(serialize_with = "units")]
    #[schemars(with = "f64")]
    pub new: f64,
    /// PFLOPS of all these units.
    pub pflops: f64,
    /// Facility kW of all these units (PUE applied), with the extra power of their whole
    /// systems in service.
    pub facility_kw: f64,
}

/// Units of one accelerator serving one workload class (scenarios with
/// `demand.workloads`), at a site and period where they exist.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Allocation {
    /// Accelerator id.
    pub id: String,
    /// Workload class.
    pub workload: String,
    /// Units of the fleet serving the class: whole cards, unless a warning says otherwise.
    #[serde(serialize_with = "units")]
    #[schemars(with = "f64")]
    pub units: f64,
    /// Effective PFLOPS they give the class (TFLOPS x efficiency for the class).
    pub pflops: f64,
    /// Site (scenarios with sites).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Year (scenarios with periods).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
}

/// A rule that holds and does not bind, but is within 0.1% of its limit.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct NearLimit {
    /// The rule's name, as in `binding`.
    pub constraint: String,
    /// Its site (`null` for a national rule, or without sites).
    pub site: Option<String>,
    /// Its period (`null` without periods).
    pub period: Option<i64>,
    /// The plan's figure (fleet PFLOPS, a share as a fraction, facility kW, ...).
    pub value: f64,
    /// The limit it is held against.
    pub limit: f64,
    /// How far the figure is from the limit.
    pub slack: f64,
    /// The unit of the three figures: `PFLOPS`, `TB`, `share`, `kW`, `units` or the
    /// currency.
    pub unit: String,
}

/// The domestic share achieved against the rule.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ShareFigure {
    /// `units`, `tflops` or `spend`.
    pub basis: String,
    /// Achieved share; `null` when the basis total is zero.
    pub value: Option<f64>,
    /// The rule's minimum; `null` when the scenario has no rule.
    pub min: Option<f64>,
    /// Whether the share must exceed `min`.
    pub strict: bool,
}

/// Where an accelerator's figures come from.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SourceNote {
    /// Accelerator id.
    pub id: String,
    /// The scenario's `source` text.
    pub source: String,
}

/// The scenario's targets and limits, echoed next to the plan's figures in tables.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// demand.pflops.
    pub demand_pflops: Option<f64>,
    /// demand.workloads.
    pub workloads: Vec<(String, f64)>,
    /// demand.memory_tb.
    pub memory_tb: Option<f64>,
    /// limits.power_kw.
    pub power_kw: Option<f64>,
    /// limits.budget.
    pub budget: Option<f64>,
    /// limits.capex_budget.
    pub capex_budget: Option<f64>,
    /// limits.vendor_max_share.
    pub vendor_max_share: Option<f64>,
    /// costs.opex_years.
    pub opex_years: f64,
}

/// A plan (or the reason there is none).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct Plan {
    /// The scenario's name.
    pub scenario: String,
    /// How the search ended.
    pub status: Status,
    /// `min_cost` or `max_pflops`.
    pub objective: String,
    /// Currency label of every amount.
    pub currency: String,
    /// Solver used.
    pub solver: String,
    /// capex + adoption + opex, less `energy_discount` and `residual` when the scenario has
    /// them.
    pub total_cost: Option<f64>,
    /// New purchases.
    pub capex: Option<f64>,
    /// Energy over `opex_years`, whole fleet.
    pub opex: Option<f64>,
    /// Platform adoption costs.
    pub adoption: Option<f64>,
    /// Discounted residual value of the cards still in service at the horizon's end, a
    /// credit subtracted from `total_cost`: only with `costs.residual_value: straight_line`
    /// (left out otherwise, and when there is no plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residual: Option<f64>,
    /// Discounted total of the domestic energy discounts earned, subtracted from
    /// `total_cost`: only with `costs.domestic_energy_discount` at some site (left out
    /// otherwise, and when there is no plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_discount: Option<f64>,
    /// Discounted total of what taking out and moving installed units cost, less their
    /// salvage value (negative: a revenue), added to `total_cost` and each period's
    /// spending: only when some `existing` entry has a `removal` (left out otherwise, and
    /// when there is no plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removal: Option<f64>,
    /// Installed units taken out or moved to another site, site by site and period by
    /// period: only when some `existing` entry has a `removal` (left out otherwise).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removals: Vec<RemovalRow>,
    /// Proven bound on the objective: lower for min_cost (on total cost), upper for
    /// max_pflops (on PFLOPS).
    pub bound: Option<f64>,
    /// Relative gap between the plan and the bound.
    pub gap: Option<f64>,
    /// Fleet PFLOPS.
    pub pflops: Option<f64>,
    /// Fleet memory in TB.
    pub memory_tb: Option<f64>,
    /// Facility power in kW.
    pub facility_kw: Option<f64>,
    /// Domestic share against the rule.
    pub domestic_share: Option<ShareFigure>,
    /// New units bought, one row per accelerator with units > 0.
    pub purchases: Vec<Purchase>,
    /// The fleet after the plan, one row per accelerator with units > 0.
    pub fleet: Vec<FleetRow>,
    /// With `demand.workloads`: the cards of each type serving each workload class, per
    /// site and period (empty otherwise).
    pub allocation: Vec<Allocation>,
    /// Platforms whose adoption cost the plan pays.
    pub adopted_platforms: Vec<String>,
    /// Constraint families at their limit.
    pub binding: Vec<String>,
    /// Rules within 0.1% of their limit that do not bind.
    pub near_limit: Vec<NearLimit>,
    /// When infeasible: why, in the scenario's words.
    pub conflicts: Vec<String>,
    /// Where the figures of the accelerators in the fleet come from.
    pub sources: Vec<SourceNote>,
    /// Notes about the input or the search (never about a broken rule).
    pub warnings: Vec<String>,
    /// Why there is no plan (unbounded or error), in plain words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// What the plan was measured against, for the human formats (not part of the JSON).
    #[serde(skip)]
    pub context: Context,
    /// Per-site detail (scenarios with sites; empty otherwise).
    pub sites: Vec<SiteDetail>,
    /// Per-period detail (scenarios with periods; empty otherwise).
    pub periods: Vec<PeriodDetail>,
    /// What the new cards use of each scarce resource, per period (scenarios with
    /// `resources`; left out otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<ResourceDetail>,
    /// With `futures` (section 7): how the futures' costs are combined, `expected` or
    /// `worst_case` (`total_cost` is that measure's value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<String>,
    /// With `futures`: the leading periods whose decisions (the top-level `purchases` and
    /// `removals`) are common to every future.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decide_now: Option<usize>,
    /// With `futures`: `sum_f p_f * total_cost_f`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_cost: Option<f64>,
    /// With `futures`: the largest future's total cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worst_cost: Option<f64>,
    /// With `futures`: per future id, this plan's cost in it less its optimum planned alone
    /// (with perfect foresight).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regret: Option<BTreeMap<String, f64>>,
    /// With `futures`: the expected value of perfect information, `sum_f p_f * regret_f`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evpi: Option<f64>,
    /// With `futures`: the expected cost when the common decisions are those of the plan
    /// made for the first future alone, less this plan's expected cost; `null` when that
    /// plan leaves no way out in some future (`value_of_hedging_blocked_by` names it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<f64>")]
    pub value_of_hedging: Option<Option<f64>>,
    /// With `futures`, when `value_of_hedging` is `null`: the future in which the first
    /// future's common decisions leave no way to meet the rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_of_hedging_blocked_by: Option<String>,
    /// With `futures`: each future's own decisions (after the common periods) and figures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub futures: Vec<FutureOutcome>,
}

/// One future of a plan with futures: its own decisions (those after the common periods)
/// and its figures with the common decisions.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FutureOutcome {
    /// The future's id.
    pub id: String,
    /// Its probability.
    pub probability: f64,
    /// How the search ended (the plan's status).
    pub status: Status,
    /// Total cost in this future: the common decisions and its own.
    pub total_cost: Option<f64>,
    /// Capex in this future.
    pub capex: Option<f64>,
    /// Opex in this future.
    pub opex: Option<f64>,
    /// Platform adoption in this future.
    pub adoption: Option<f64>,
    /// Residual value credit (with `costs.residual_value`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residual: Option<f64>,
    /// Energy discounts earned (with `costs.domestic_energy_discount`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_discount: Option<f64>,
    /// Removals and moves, net of salvage (with removable installed fleets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removal: Option<f64>,
    /// The least total cost known for this future planned alone, with perfect foresight
    /// (`total_cost - alone_cost` is its `regret`).
    pub alone_cost: Option<f64>,
    /// This future's total cost when the common decisions are those of the first future's
    /// own plan (`null` when they leave no way out in this future).
    pub naive_cost: Option<f64>,
    /// Fleet PFLOPS at the end.
    pub pflops: Option<f64>,
    /// Domestic share against the rule at the end.
    pub domestic_share: Option<ShareFigure>,
    /// This future's own purchases (the common ones are the plan's top-level `purchases`).
    pub purchases: Vec<Purchase>,
    /// This future's own removals and moves.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removals: Vec<RemovalRow>,
    /// The fleet at the end of this future.
    pub fleet: Vec<FleetRow>,
    /// Platforms adopted in this future.
    pub adopted_platforms: Vec<String>,
    /// Constraint families at their limit in this future.
    pub binding: Vec<String>,
    /// Per-site detail in this future (scenarios with sites).
    pub sites: Vec<SiteDetail>,
    /// Per-period detail in this future (scenarios with periods).
    pub periods: Vec<PeriodDetail>,
}

impl FutureOutcome {
    /// This future's whole plan as a plain plan (the common decisions `common` with its
    /// own), for the formats that lay out one plan at a time.
    pub fn whole(&self, top: &Plan) -> Plan {
        let mut p = Plan::blank(
            &top.scenario,
            Objective::MinCost,
            &top.currency,
            self.status,
            &top.solver,
        );
        p.total_cost = self.total_cost;
        p.capex = self.capex;
        p.opex = self.opex;
        p.adoption = self.adoption;
        p.residual = self.residual;
        p.energy_discount = self.energy_discount;
        p.removal = self.removal;
        p.pflops = self.pflops;
        p.domestic_share = self.domestic_share.clone();
        p.purchases = top
            .purchases
            .iter()
            .chain(&self.purchases)
            .cloned()
            .collect();
        p.removals = top.removals.iter().chain(&self.removals).cloned().collect();
        p.fleet = self.fleet.clone();
        p.adopted_platforms = self.adopted_platforms.clone();
        p.binding = self.binding.clone();
        p.sites = self.sites.clone();
        p.periods = self.periods.clone();
        p
    }
}

/// Units of one accelerator at a site in a period.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct FleetCount {
    /// Accelerator id.
    pub id: String,
    /// Units in service.
    #[serde(serialize_with = "units")]
    #[schemars(with = "f64")]
    pub units: f64,
    /// Of which installed before the plan.
    #[serde(serialize_with = "units")]
    #[schemars(with = "f64")]
    pub existing: f64,
    /// Of which bought by the plan (this period or earlier, still in service).
    #[serde(serialize_with = "units")]
    #[schemars(with = "f64")]
    pub new: f64,
}

/// One site in one period.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SitePeriod {
    /// Year (`null` without periods).
    pub period: Option<i64>,
    /// New units bought in the period.
    #[serde(serialize_with = "units")]
    #[schemars(with = "f64")]
    pub new_units: f64,
    /// Units in service.
    #[serde(serialize_with = "units")]
    #[schemars(with = "f64")]
    pub fleet_units: f64,
    /// Fleet PFLOPS.
    pub pflops: f64,
    /// The site's `demand.pflops` for the period.
    pub demand_pflops: Option<f64>,
    /// Fleet memory in TB.
    pub memory_tb: f64,
    /// Facility kW (the site's PUE applied).
    pub facility_kw: f64,
    /// The site's power ceiling for the period.
    pub power_kw: Option<f64>,
    /// Domestic share against the site's rule.
    pub domestic_share: ShareFigure,
    /// Capex of the period's purchases at the site (undiscounted).
    pub capex: f64,
    /// Energy cost of the site's fleet over the period (undiscounted, at the full price).
    pub opex: f64,
    /// Whether the site earned its domestic energy discount in the period (only at sites
    /// with the rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_discount: Option<bool>,
    /// The fleet in service, one row per accelerator with units > 0.
    pub fleet: Vec<FleetCount>,
    /// Rules of this site and period at their limit.
    pub binding: Vec<String>,
}

/// Per-site detail of a plan with sites.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct SiteDetail {
    /// Site id.
    pub id: String,
    /// Display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New units bought over all periods.
    #[serde(serialize_with = "units")]
    #[schemars(with = "f64")]
    pub new_units: f64,
    /// Capex over all periods (undiscounted).
    pub capex: f64,
    /// Opex over all periods (undiscounted).
    pub opex: f64,
    /// Each period at this site.
    pub periods: Vec<SitePeriod>,
    /// Installed units taken out or moved away from this site (only when some `existing`
    /// entry has a `removal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removals: Option<Vec<RemovalRow>>,
}

/// Installed units of one `existing` entry taken out, or moved to another site, at the
/// start of a period (section 6).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct RemovalRow {
    /// The site the units were at (`null` without sites).
    pub site: Option<String>,
    /// Year (`null` without periods).
    pub period: Option<i64>,
    /// Accelerator id.
    pub id: String,
    /// Position of the entry in the site's `existing` list (from 0): which batch, when a
    /// site lists the same accelerator twice.
    pub entry: usize,
    /// Units taken out or moved.
    #[serde(serialize_with = "units")]
    #[schemars(with = "f64")]
    pub units: f64,
    /// The site that takes them over; `null`: taken out.
    pub moved_to: Option<String>,
    /// What the change cost in its period, undiscounted: removal cost less salvage per
    /// unit taken out (negative: a revenue), `relocation_per_unit` per unit moved.
    pub cost: f64,
}

/// One scarce resource: what the plan's new cards use of it in each period, against its cap.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ResourceDetail {
    /// Resource id.
    pub id: String,
    /// Display name (the id when the scenario gives none).
    pub name: String,
    /// One row per period.
    pub periods: Vec<ResourceUse>,
}

/// Use of one resource in one period.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ResourceUse {
    /// Year (`null` without periods).
    pub period: Option<i64>,
    /// Used by the new cards bought in the period, at every site.
    pub used: f64,
    /// The national cap of the period.
    pub cap: f64,
}

/// Per-period detail of a plan with periods, summed over sites.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct PeriodDetail {
    /// Year.
    pub period: i64,
    /// Years of energy the period's opex covers.
    pub span_years: f64,
    /// `1 / (1 + discount_rate)^(year - first year)`.
    pub discount_factor: f64,
    /// New units bought.
    #[serde(serialize_with = "units")]
    #[schemars(with = "f64")]
    pub new_units: f64,
    /// Units in service at all sites.
    #[serde(serialize_with = "units")]
    #[schemars(with = "f64")]
    pub fleet_units: f64,
    /// Fleet PFLOPS at all sites.
    pub pflops: f64,
    /// Sum of the sites' `demand.pflops`.
    pub demand_pflops: Option<f64>,
    /// Fleet memory in TB.
    pub memory_tb: f64,
    /// Facility kW at all sites.
    pub facility_kw: f64,
    /// National domestic share (against `national_domestic_share` when set).
    pub domestic_share: ShareFigure,
    /// Capex (undiscounted).
    pub capex: f64,
    /// Opex (undiscounted).
    pub opex: f64,
    /// Adoption costs (all in the first period).
    pub adoption: f64,
    /// Removals and moves of installed units (undiscounted; only when some `existing`
    /// entry has a `removal`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removal: Option<f64>,
    /// (capex + opex - energy discounts + removals) x discount factor, plus adoption.
    pub discounted_cost: f64,
    /// The period's budget.
    pub budget: Option<f64>,
    /// The period's capex budget.
    pub capex_budget: Option<f64>,
    /// Rules of this period at their limit (at any site or nationally).
    pub binding: Vec<String>,
}

impl Plan {
    /// A plan with no figures at all: what every constructor starts from.
    pub fn blank(
        name: &str,
        objective: Objective,
        currency: &str,
        status: Status,
        solver: &str,
    ) -> Plan {
        Plan {
            scenario: name.to_string(),
            status,
            objective: objective.as_str().to_string(),
            currency: currency.to_string(),
            solver: solver.to_string(),
            total_cost: None,
            capex: None,
            opex: None,
            adoption: None,
            residual: None,
            energy_discount: None,
            removal: None,
            removals: Vec::new(),
            bound: None,
            gap: None,
            pflops: None,
            memory_tb: None,
            facility_kw: None,
            domestic_share: None,
            purchases: Vec::new(),
            fleet: Vec::new(),
            allocation: Vec::new(),
            adopted_platforms: Vec::new(),
            binding: Vec::new(),
            near_limit: Vec::new(),
            conflicts: Vec::new(),
            sources: Vec::new(),
            warnings: Vec::new(),
            message: None,
            context: Context::default(),
            sites: Vec::new(),
            periods: Vec::new(),
            resources: Vec::new(),
            risk: None,
            decide_now: None,
            expected_cost: None,
            worst_cost: None,
            regret: None,
            evpi: None,
            value_of_hedging: None,
            value_of_hedging_blocked_by: None,
            futures: Vec::new(),
        }
    }

    /// The first figure of the plan that is not a finite number (NaN or infinite), by its
    /// name in the JSON output (`total_cost`, `purchases[h20].cost`,
    /// `sites[sh-1].periods[2026].opex`, ...); `None` when every figure is finite.
    pub fn non_finite(&self) -> Option<String> {
        let bad = |v: f64| !v.is_finite();
        let top = [
            ("total_cost", self.total_cost),
            ("capex", self.capex),
            ("opex", self.opex),
            ("adoption", self.adoption),
            ("residual", self.residual),
            ("energy_discount", self.energy_discount),
            ("bound", self.bound),
            ("gap", self.gap),
            ("pflops", self.pflops),
            ("memory_tb", self.memory_tb),
            ("facility_kw", self.facility_kw),
            (
                "domestic_share.value",
                self.domestic_share.as_ref().and_then(|d| d.value),
            ),
        ];
        if let Some((name, _)) = top.iter().find(|(_, v)| v.is_some_and(bad)) {
            return Some(name.to_string());
        }
        for p in &self.purchases {
            for (name, v) in [("units", p.units), ("cost", p.cost), ("pflops", p.pflops)] {
                if bad(v) {
                    return Some(format!("purchases[{}].{name}", p.id));
                }
            }
        }
        for f in &self.fleet {
            for (name, v) in [
                ("units", f.units),
                ("new", f.new),
                ("pflops", f.pflops),
                ("facility_kw", f.facility_kw),
            ] {
                if bad(v) {
                    return Some(format!("fleet[{}].{name}", f.id));
                }
            }
        }
        for r in &self.allocation {
            for (name, v) in [("units", r.units), ("pflops", r.pflops)] {
                if bad(v) {
                    return Some(format!("allocation[{}].{name}", r.id));
                }
            }
        }
        for site in &self.sites {
            for (name, v) in [("capex", site.capex), ("opex", site.opex)] {
                if bad(v) {
                    return Some(format!("sites[{}].{name}", site.id));
                }
            }
            for p in &site.periods {
                for (name, v) in [
                    ("pflops", p.pflops),
                    ("memory_tb", p.memory_tb),
                    ("facility_kw", p.facility_kw),
                    ("capex", p.capex),
                    ("opex", p.opex),
                ] {
                    if bad(v) {
                        let year = p.period.map(|y| format!(".periods[{y}]"));
                        return Some(format!(
                            "sites[{}]{}.{name}",
                            site.id,
                            year.unwrap_or_default()
                        ));
                    }
                }
            }
        }
        for p in &self.periods {
            for (name, v) in [
                ("pflops", p.pflops),
                ("memory_tb", p.memory_tb),
                ("facility_kw", p.facility_kw),
                ("capex", p.capex),
                ("opex", p.opex),
                ("adoption", p.adoption),
                ("discounted_cost", p.discounted_cost),
            ] {
                if bad(v) {
                    return Some(format!("periods[{}].{name}", p.period));
                }
            }
        }
        None
    }

    /// The exit code for this plan: 0 a plan, 1 none.
    pub fn exit_code(&self) -> i32 {
        if self.status.has_plan() { 0 } else { 1 }
    }

    /// Whether the objective is max_pflops.
    pub fn maximises_pflops(&self) -> bool {
        self.objective == Objective::MaxPflops.as_str()
    }
}
