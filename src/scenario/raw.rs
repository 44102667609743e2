//! The scenario file exactly as written: serde types that mirror the YAML, with every
//! field optional so that defaults and range checks happen in one place (`validate`).

// The fields mirror the file format one to one; docs/scenario-format.md documents them.
#![allow(missing_docs)]

use serde::{Deserialize, Deserializer};
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

/// Top level of a scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub currency: Option<String>,
    pub objective: Option<String>,
    pub accelerators: Option<Vec<RawAccelerator>>,
    pub demand: Option<RawDemand>,
    pub existing: Option<Vec<RawExisting>>,
    pub policy: Option<RawPolicy>,
    pub limits: Option<RawLimits>,
    pub costs: Option<RawCosts>,
    pub solver: Option<RawSolver>,
    /// Section 2: the planning years (read loosely, checked one by one in validation).
    pub periods: Option<Vec<serde_yaml::Value>>,
    /// Section 2: the sites planned together.
    pub sites: Option<Vec<RawSite>>,
}

/// One accelerator entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAccelerator {
    pub id: Option<String>,
    pub name: Option<String>,
    pub vendor: Option<String>,
    pub origin: Option<String>,
    pub platform: Option<String>,
    pub unit_price: Option<Per<f64>>,
    pub tflops: Option<f64>,
    pub power_w: Option<f64>,
    pub memory_gb: Option<f64>,
    pub available: Option<Per<bool>>,
    pub max_units: Option<Per<f64>>,
    pub min_units: Option<f64>,
    pub lot_size: Option<f64>,
    pub efficiency: Option<BTreeMap<String, f64>>,
    pub source: Option<String>,
    /// Section 2: years a new unit serves.
    pub lifetime_years: Option<f64>,
}

/// `demand:` block.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDemand {
    pub pflops: Option<Per<f64>>,
    pub workloads: Option<BTreeMap<String, Per<f64>>>,
    pub memory_tb: Option<Per<f64>>,
}

/// One `existing:` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExisting {
    pub id: Option<String>,
    pub units: Option<f64>,
    /// Section 2: the last year the units serve.
    pub retire_year: Option<f64>,
}

/// `policy:` block.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub domestic_share: Option<RawDomesticShare>,
    /// Section 2: the share over every site's fleet together.
    pub national_domestic_share: Option<RawDomesticShare>,
}

/// `policy.domestic_share:` block.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDomesticShare {
    pub min: Option<Per<f64>>,
    pub basis: Option<String>,
    pub strict: Option<bool>,
}

/// `limits:` block.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    pub budget: Option<Per<f64>>,
    pub capex_budget: Option<Per<f64>>,
    pub power_kw: Option<Per<f64>>,
    pub vendor_max_share: Option<f64>,
}

/// `costs:` block.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCosts {
    pub energy_price_per_kwh: Option<Per<f64>>,
    pub pue: Option<f64>,
    pub utilization: Option<f64>,
    pub opex_years: Option<f64>,
    pub platform_adoption: Option<BTreeMap<String, f64>>,
    /// Section 2: yearly discount rate of future spending.
    pub discount_rate: Option<f64>,
}

/// `solver:` block.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSolver {
    pub integer: Option<bool>,
    pub mip_gap: Option<f64>,
    pub time_limit_s: Option<f64>,
}

/// One `sites:` entry (section 2).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    pub id: Option<String>,
    pub name: Option<String>,
    pub demand: Option<RawDemand>,
    pub existing: Option<Vec<RawExisting>>,
    pub power_kw: Option<Per<f64>>,
    pub energy_price_per_kwh: Option<Per<f64>>,
    pub pue: Option<f64>,
    pub domestic_share: Option<RawDomesticShare>,
}
