//! The scenario file exactly as written: serde types that mirror the YAML, with every
//! field optional so that defaults and range checks happen in one place (`validate`).

// The fields mirror the file format one to one; docs/scenario-format.md documents them.
#![allow(missing_docs)]

use serde::Deserialize;
use std::collections::BTreeMap;

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
    /// Section 2 of the format: recognised so the error can say it is not supported yet.
    pub periods: Option<serde_yaml::Value>,
    /// Section 2 of the format: recognised so the error can say it is not supported yet.
    pub sites: Option<serde_yaml::Value>,
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
    pub unit_price: Option<f64>,
    pub tflops: Option<f64>,
    pub power_w: Option<f64>,
    pub memory_gb: Option<f64>,
    pub available: Option<bool>,
    pub max_units: Option<f64>,
    pub min_units: Option<f64>,
    pub lot_size: Option<f64>,
    pub efficiency: Option<BTreeMap<String, f64>>,
    pub source: Option<String>,
    /// Section 2 only.
    pub lifetime_years: Option<serde_yaml::Value>,
}

/// `demand:` block.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDemand {
    pub pflops: Option<f64>,
    pub workloads: Option<BTreeMap<String, f64>>,
    pub memory_tb: Option<f64>,
}

/// One `existing:` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExisting {
    pub id: Option<String>,
    pub units: Option<f64>,
    /// Section 2 only.
    pub retire_year: Option<serde_yaml::Value>,
}

/// `policy:` block.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicy {
    pub domestic_share: Option<RawDomesticShare>,
    /// Section 2 only.
    pub national_domestic_share: Option<serde_yaml::Value>,
}

/// `policy.domestic_share:` block.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDomesticShare {
    pub min: Option<f64>,
    pub basis: Option<String>,
    pub strict: Option<bool>,
}

/// `limits:` block.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    pub budget: Option<f64>,
    pub capex_budget: Option<f64>,
    pub power_kw: Option<f64>,
    pub vendor_max_share: Option<f64>,
}

/// `costs:` block.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCosts {
    pub energy_price_per_kwh: Option<f64>,
    pub pue: Option<f64>,
    pub utilization: Option<f64>,
    pub opex_years: Option<f64>,
    pub platform_adoption: Option<BTreeMap<String, f64>>,
    /// Section 2 only.
    pub discount_rate: Option<serde_yaml::Value>,
}

/// `solver:` block.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSolver {
    pub integer: Option<bool>,
    pub mip_gap: Option<f64>,
    pub time_limit_s: Option<f64>,
}
