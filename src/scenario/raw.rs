//! The scenario file exactly as written: serde types that mirror the YAML, with every
//! field optional so that defaults and range checks happen in one place (`validate`).
//! The same types give the scenario's JSON Schema (`crate::schema`): their doc comments
//! are its descriptions, so they say what an editor should show on hover.

// The fields mirror the file format one to one; docs/scenario-format.md documents them.
#![allow(missing_docs)]

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A value that may change from period to period: one value for every period, or a map
/// `year: value` (section 2 of the format; only with `periods`).
#[derive(Debug, Clone, PartialEq)]
pub enum Per<T> {
    /// The same value every period.
    One(T),
    /// A value per year.
    ByYear(BTreeMap<i64, T>),
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for Per<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let v = serde_yaml::Value::deserialize(d)?;
        match v {
            serde_yaml::Value::Mapping(m) => {
                let mut out = BTreeMap::new();
                for (k, v) in m {
                    let year = match &k {
                        serde_yaml::Value::Number(n) => n.as_i64(),
                        serde_yaml::Value::String(s) => s.trim().parse().ok(),
                        _ => None,
                    }
                    .ok_or_else(|| {
                        D::Error::custom(format!(
                            "a per-year map takes years as keys (like `2026: ...`), got `{}`",
                            serde_yaml::to_string(&k).unwrap_or_default().trim()
                        ))
                    })?;
                    let value = serde_yaml::from_value::<T>(v)
                        .map_err(|e| D::Error::custom(format!("the value for {year}: {e}")))?;
                    // `2025` and `"2025"` are one year: a map that gives it twice is
                    // refused rather than keeping whichever came last.
                    if out.insert(year, value).is_some() {
                        return Err(D::Error::custom(format!(
                            "the per-year map gives {year} twice"
                        )));
                    }
                }
                Ok(Per::ByYear(out))
            }
            other => serde_yaml::from_value::<T>(other)
                .map(Per::One)
                .map_err(D::Error::custom),
        }
    }
}

/// A per-year map's keys as the schema checks them: a year, written as a whole number.
const YEAR_KEY: &str = "^-?[0-9]+$";

impl<T: JsonSchema> JsonSchema for Per<T> {
    fn schema_name() -> Cow<'static, str> {
        format!("Per_{}", T::schema_name()).into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let one = g.subschema_for::<T>();
        json_schema!({
            "anyOf": [
                one,
                {
                    "description": "A value per year (`2026: ...`), for scenarios with `periods`.",
                    "type": "object",
                    "propertyNames": {"pattern": YEAR_KEY},
                    "additionalProperties": one
                }
            ]
        })
    }
}

/// The schema of the top level: the fields of [`RawScenario`], and `catalog`, which the
/// loader takes out (and resolves) before the rest is read.
fn with_catalog(schema: &mut Schema) {
    if let Some(props) = schema
        .get_mut("properties")
        .and_then(serde_json::Value::as_object_mut)
    {
        props.insert(
            "catalog".into(),
            serde_json::json!({
                "description": "Path of an accelerator catalog file, relative to the scenario: its accelerators are taken, and the scenario's own `accelerators` entries override them by `id`.",
                "type": "string"
            }),
        );
    }
}

/// A chipmix scenario: cards on offer, demand, rules and costs (docs/scenario-format.md).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = with_catalog)]
pub struct RawScenario {
    /// Title of the scenario, repeated in the plan as `scenario` (required).
    pub name: Option<String>,
    /// Free text for the reader; chipmix does not use it.
    pub description: Option<String>,
    /// Name of the money unit used throughout the file (default `USD`); never converted.
    pub currency: Option<String>,
    /// What the solver optimises (default `min_cost`).
    #[schemars(extend("enum" = ["min_cost", "max_pflops", null]))]
    pub objective: Option<String>,
    /// The cards that can be bought or are already installed (required, at least one).
    pub accelerators: Option<Vec<RawAccelerator>>,
    /// What the fleet must deliver (not with `sites`).
    pub demand: Option<RawDemand>,
    /// Cards already installed (not with `sites`).
    pub existing: Option<Vec<RawExisting>>,
    /// The domestic-share rules.
    pub policy: Option<RawPolicy>,
    /// Budgets, facility power, vendor diversity.
    pub limits: Option<RawLimits>,
    /// Electricity, time horizon, software-platform adoption.
    pub costs: Option<RawCosts>,
    /// Integer or relaxed model, optimality gap, time limit.
    pub solver: Option<RawSolver>,
    /// The planning years (1 to 50 whole years from 1900 to 2300, strictly increasing).
    #[schemars(with = "Option<Vec<i64>>")]
    pub periods: Option<Vec<serde_yaml::Value>>,
    /// The data centres planned together, each with its own demand, fleet and power.
    pub sites: Option<Vec<RawSite>>,
    /// Scarce inputs several cards draw on (HBM stacks, wafers): national caps per period.
    pub resources: Option<Vec<RawResource>>,
    /// Whole systems (supernodes) bought as one item: their cards count as cards of their
    /// accelerator everywhere but capex and extra power.
    pub systems: Option<Vec<RawSystem>>,
    /// Possible futures (at least 2, probabilities summing to 1): one plan is made whose
    /// first `decide_now` periods hold in every future (section 7).
    pub futures: Option<Vec<RawFuture>>,
    /// Leading periods decided before the future is known (default 1).
    pub decide_now: Option<u64>,
    /// How the futures' costs are combined: `expected` (default) or `worst_case`.
    #[schemars(extend("enum" = ["expected", "worst_case", null]))]
    pub risk: Option<String>,
}

/// One possible future: the scenario with its overrides.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFuture {
    /// Unique id, named in the plan and in messages.
    pub id: Option<String>,
    /// Probability, > 0; the futures' probabilities sum to 1.
    pub probability: Option<f64>,
    /// Overrides holding in this future, written as for `--set PATH=VALUE`:
    /// `"accelerators[h20].available": {2026: false}`.
    #[schemars(with = "Option<BTreeMap<String, serde_json::Value>>")]
    pub set: Option<serde_yaml::Mapping>,
}

/// A system sold whole (a supernode such as CloudMatrix 384): `cards` cards of one
/// accelerator, with its own price and the extra power of its switches, optics and CPUs.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSystem {
    /// How the plan names it (required, unique; `a-z 0-9 . _ -`).
    pub id: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// The accelerator of the cards inside (required; an `accelerators[].id`).
    pub accelerator: Option<String>,
    /// Cards inside one system (required, whole number >= 1).
    pub cards: Option<f64>,
    /// Price of one system, cards included, in `currency` (required, >= 0; per year).
    pub price: Option<Per<f64>>,
    /// Power one system draws beyond its cards' `power_w`, in watts (default 0).
    pub extra_power_w: Option<f64>,
    /// Most systems bought in a period, at all sites together (whole number; per year).
    pub max_units: Option<Per<f64>>,
    /// `false` forbids buying the system (default `true`; per year).
    pub available: Option<Per<bool>>,
}

/// A scarce input that new cards draw on (`accelerators[].uses`), capped nationally.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawResource {
    /// How `accelerators[].uses` names it (required, unique; `a-z 0-9 . _ -`).
    pub id: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Most of it that the new cards of all sites may use in a period (required, >= 0;
    /// per year).
    pub cap: Option<Per<f64>>,
}

/// One card model: new purchases and, through `existing`, installed units.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawAccelerator {
    /// How the card is named everywhere else (required, unique; `a-z 0-9 . _ -`).
    pub id: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Maker of the card (required); one vendor's cards count together for `vendor_max_share`.
    pub vendor: Option<String>,
    /// Whether the card counts as domestic for the domestic-share rule (required).
    #[schemars(extend("enum" = ["domestic", "foreign", null]))]
    pub origin: Option<String>,
    /// Software stack the card needs (`cuda`, `cann`, ...), for `costs.platform_adoption`.
    pub platform: Option<String>,
    /// Price of one new card in `currency` (required, >= 0; per year).
    pub unit_price: Option<Per<f64>>,
    /// TFLOPS of one card (required): a number (dense BF16, > 0) or a map by precision
    /// (`{bf16: 780, fp8: 1560}`; keys fp4, fp8, bf16, fp32; values >= 0, one > 0).
    pub tflops: Option<RawTflops>,
    /// Board power of one card in watts (default 0).
    pub power_w: Option<f64>,
    /// Accelerator memory of one card in GB (default 0).
    pub memory_gb: Option<f64>,
    /// `false` forbids buying new units (default `true`; per year).
    pub available: Option<Per<bool>>,
    /// Most new units that can be bought, a supply allocation (whole number; per year).
    pub max_units: Option<Per<f64>>,
    /// Minimum order: buy none, or at least this many (whole number).
    pub min_units: Option<f64>,
    /// New units come in multiples of this (default 1; 8 for an 8-card server).
    pub lot_size: Option<f64>,
    /// Share of the rated `tflops` delivered on each workload class (default 1.0 each).
    pub efficiency: Option<BTreeMap<String, f64>>,
    /// Where the figures come from; echoed in the plan.
    pub source: Option<String>,
    /// Years a new unit serves (with `periods`; default: never retires).
    pub lifetime_years: Option<f64>,
    /// How much of each resource (`resources[].id`) one new card uses (each >= 0).
    pub uses: Option<BTreeMap<String, f64>>,
}

/// What the fleet must deliver.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDemand {
    /// Total rated capacity the fleet must reach, in PFLOPS (per year).
    pub pflops: Option<Per<f64>>,
    /// Capacity per workload class, in effective PFLOPS (each per year), or
    /// `{pflops: N, precision: P}` for a workload met at its own precision.
    pub workloads: Option<BTreeMap<String, RawWorkload>>,
    /// Total accelerator memory the fleet must have, in TB (per year).
    pub memory_tb: Option<Per<f64>>,
    /// Precision `pflops` and plain-number workloads are met at (default `bf16`).
    #[schemars(extend("enum" = ["fp4", "fp8", "bf16", "fp32", null]))]
    pub precision: Option<String>,
}

/// A card's TFLOPS: one dense BF16 figure, or figures by precision.
#[derive(Debug, Clone, PartialEq)]
pub enum RawTflops {
    /// `tflops: 780`: the BF16 figure.
    Bf16(f64),
    /// `tflops: {bf16: 780, fp8: 1560}`: keys as written, checked by `validate`.
    ByPrecision(BTreeMap<String, f64>),
}

impl<'de> Deserialize<'de> for RawTflops {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        match serde_yaml::Value::deserialize(d)? {
            serde_yaml::Value::Mapping(m) => {
                let mut out = BTreeMap::new();
                for (k, v) in m {
                    let key = match k {
                        serde_yaml::Value::String(s) => s,
                        other => serde_yaml::to_string(&other)
                            .unwrap_or_default()
                            .trim()
                            .to_string(),
                    };
                    let v = serde_yaml::from_value::<f64>(v).map_err(|e| {
                        D::Error::custom(format!("the TFLOPS figure for `{key}`: {e}"))
                    })?;
                    out.insert(key, v);
                }
                Ok(RawTflops::ByPrecision(out))
            }
            other => serde_yaml::from_value::<f64>(other)
                .map(RawTflops::Bf16)
                .map_err(|e| {
                    D::Error::custom(format!(
                        "{e} (or a map by precision, like `{{bf16: 780, fp8: 1560}}`)"
                    ))
                }),
        }
    }
}

impl JsonSchema for RawTflops {
    fn schema_name() -> Cow<'static, str> {
        "Tflops".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "anyOf": [
                {"type": "number"},
                {
                    "description": "TFLOPS by precision (`{bf16: 780, fp8: 1560}`); a precision not listed uses the nearest wider one listed, else 0.",
                    "type": "object",
                    "propertyNames": {"enum": ["fp4", "fp8", "bf16", "fp32"]},
                    "additionalProperties": {"type": "number"}
                }
            ]
        })
    }
}

/// One workload's demand: PFLOPS at `demand.precision`, or with its own precision.
#[derive(Debug, Clone, PartialEq)]
pub enum RawWorkload {
    /// `inference: 1200` (or per year): met at `demand.precision`.
    Plain(Per<f64>),
    /// `inference: {pflops: 1200, precision: fp8}`.
    Spec(RawWorkloadSpec),
}

/// A workload with its own precision.
#[derive(Debug, Clone, PartialEq, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWorkloadSpec {
    /// Effective PFLOPS the workload needs (required; per year).
    pub pflops: Option<Per<f64>>,
    /// Precision it is met at (default `demand.precision`).
    #[schemars(extend("enum" = ["fp4", "fp8", "bf16", "fp32", null]))]
    pub precision: Option<String>,
}

impl<'de> Deserialize<'de> for RawWorkload {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let v = serde_yaml::Value::deserialize(d)?;
        // A value the loader dropped (reported already, nulled) reads as a workload without
        // figures: validation stays quiet about it, and the loader does not report it again.
        if v.is_null() {
            return Ok(RawWorkload::Spec(RawWorkloadSpec {
                pflops: None,
                precision: None,
            }));
        }
        // A map with text keys is the `{pflops, precision}` form; one with years is per year.
        let spec = v.as_mapping().is_some_and(|m| {
            m.keys()
                .any(|k| k.as_str().is_some_and(|k| k.parse::<i64>().is_err()))
        });
        if spec {
            serde_yaml::from_value(v)
                .map(RawWorkload::Spec)
                .map_err(D::Error::custom)
        } else {
            serde_yaml::from_value(v)
                .map(RawWorkload::Plain)
                .map_err(D::Error::custom)
        }
    }
}

impl JsonSchema for RawWorkload {
    fn schema_name() -> Cow<'static, str> {
        "Workload".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let plain = g.subschema_for::<Per<f64>>();
        let spec = g.subschema_for::<RawWorkloadSpec>();
        json_schema!({"anyOf": [plain, spec]})
    }
}

/// Cards already installed.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawExisting {
    /// The `id` of an entry in `accelerators` (required).
    pub id: Option<String>,
    /// How many are installed (required, whole number).
    pub units: Option<f64>,
    /// The last year the units serve (with `periods`; default: for ever).
    pub retire_year: Option<f64>,
    /// These units may be taken out (or moved to another site) before `retire_year`.
    pub removal: Option<RawRemoval>,
}

/// Early removal of installed units (section 6): what each unit taken out brings and
/// costs, and the sites that may take units over.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRemoval {
    /// Resale value per unit removed, in `currency` (default 0).
    pub salvage_value: Option<f64>,
    /// Decommissioning cost per unit removed, in `currency` (default 0).
    pub cost: Option<f64>,
    /// Sites that may take these units over (needs `sites`; not the site itself).
    pub move_to: Option<Vec<String>>,
}

/// The domestic-share rules.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    /// The share of each site's fleet that must be domestic.
    pub domestic_share: Option<RawDomesticShare>,
    /// The share over every site's fleet together.
    pub national_domestic_share: Option<RawDomesticShare>,
}

/// A domestic-share rule.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDomesticShare {
    /// Smallest share that must be domestic, 0 to 1 (required; per year).
    pub min: Option<Per<f64>>,
    /// What the share is measured in (default `units`).
    #[schemars(extend("enum" = ["units", "tflops", "spend", null]))]
    pub basis: Option<String>,
    /// `true`: the share must be more than `min` (only with `basis: units`).
    pub strict: Option<bool>,
}

/// Budgets, facility power, vendor diversity.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    /// Ceiling on the total cost, capex + adoption + opex (per year).
    pub budget: Option<Per<f64>>,
    /// Ceiling on capex, new cards only (per year).
    pub capex_budget: Option<Per<f64>>,
    /// Ceiling on facility power in kW, PUE included (per year; not with `sites`).
    pub power_kw: Option<Per<f64>>,
    /// No vendor may hold more than this share of the fleet's units (0 to 1).
    pub vendor_max_share: Option<f64>,
}

/// Electricity, time horizon, software-platform adoption.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCosts {
    /// Price of electricity in `currency` per kWh (default 0; per year).
    pub energy_price_per_kwh: Option<Per<f64>>,
    /// Power usage effectiveness, facility power / IT power (default 1.0, >= 1).
    pub pue: Option<f64>,
    /// Average fraction of the year the cards draw their board power (default 1.0).
    pub utilization: Option<f64>,
    /// Years of electricity included in the cost (default 0: capex only).
    pub opex_years: Option<f64>,
    /// One-time cost of taking up each software platform.
    pub platform_adoption: Option<BTreeMap<String, f64>>,
    /// Yearly discount rate of later costs (with `periods`; default 0).
    pub discount_rate: Option<f64>,
    /// Credit for cards still in service at the end of the horizon: `none` (default) or
    /// `straight_line` (needs `opex_years > 0`).
    #[schemars(extend("enum" = ["none", "straight_line", null]))]
    pub residual_value: Option<String>,
    /// A cut in the energy price at sites whose fleet is domestic enough (section 6; each
    /// site may override it field by field, or switch it off with `null`).
    pub domestic_energy_discount: Option<RawEnergyDiscount>,
    /// Cost of moving one installed unit to another site (`existing[].removal.move_to`;
    /// default 0).
    pub relocation_per_unit: Option<f64>,
}

/// The domestic energy discount: `rate` off the energy price while the fleet's domestic
/// share by units is at least `min_share`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEnergyDiscount {
    /// Fraction off the energy price, in (0, 1] (required at the top level; a site may
    /// inherit it).
    pub rate: Option<f64>,
    /// Domestic share of the fleet's units that qualifies, in (0, 1] (default 1.0: no
    /// foreign card in service).
    pub min_share: Option<f64>,
}

/// Reads a field that may be absent (`None`), `null` (`Some(None)`) or given.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// How to solve.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSolver {
    /// `false` solves the continuous relaxation (default `true`).
    pub integer: Option<bool>,
    /// Relative optimality gap at which the search stops (default 0).
    pub mip_gap: Option<f64>,
    /// Wall-clock limit on planning, in seconds (default 60).
    pub time_limit_s: Option<f64>,
}

/// One data centre of a national plan.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    /// Site id (required, unique).
    pub id: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// What the site's fleet must deliver.
    pub demand: Option<RawDemand>,
    /// Cards installed at the site.
    pub existing: Option<Vec<RawExisting>>,
    /// Ceiling on the site's facility power in kW (per year).
    pub power_kw: Option<Per<f64>>,
    /// The site's electricity price (per year; default `costs.energy_price_per_kwh`).
    pub energy_price_per_kwh: Option<Per<f64>>,
    /// The site's PUE (default `costs.pue`).
    pub pue: Option<f64>,
    /// The site's own domestic-share rule (default `policy.domestic_share`).
    pub domestic_share: Option<RawDomesticShare>,
    /// The site's energy discount: overrides `costs.domestic_energy_discount` field by
    /// field; `null` switches it off at this site.
    #[serde(default, deserialize_with = "present")]
    #[schemars(with = "Option<RawEnergyDiscount>")]
    pub domestic_energy_discount: Option<Option<RawEnergyDiscount>>,
}

/// A shared accelerator catalog (docs/scenario-format.md, "Catalogs"). `scenario::catalog`
/// reads it key by key (its keys are [`CATALOG_KEYS`]); its entries are read as
/// [`RawAccelerator`]s once merged into the scenario. This type gives its JSON Schema.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCatalog {
    /// Title of the catalog.
    pub name: Option<String>,
    /// Free text for the reader.
    pub description: Option<String>,
    /// The catalog's cards, each with a unique `id` (required).
    #[schemars(required)]
    pub accelerators: Vec<RawAccelerator>,
}

/// The keys of a catalog file, the fields of [`RawCatalog`].
pub const CATALOG_KEYS: [&str; 3] = ["accelerators", "name", "description"];
