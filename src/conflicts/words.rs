//! The rules in the scenario's own words: section-1 scenarios as section 1 states them
//! (`demand.pflops 1,500`, `limits.budget 700`), the others by their field paths
//! (`sites[nm-1].power_kw`, `limits.budget` for 2026, `accelerators[h20].max_units`).

use super::{Rule, Subject};
use crate::model::Family;
use crate::numfmt::{money, qty};
use crate::scenario::national::National;
use crate::scenario::{Scenario, ShareBasis};

/// The rule in the scenario's own words.
pub(super) fn describe(sub: &Subject, r: Rule) -> String {
    match (&sub.single, r) {
        (Some(s), f) if f != Family::NationalShare => describe_single(s, f),
        _ => describe_national(sub.nat, r),
    }
}

/// A field of the sites: `sites[id].field` for one site, `sites[*].field` for several,
/// `top` (the top-level path) when the file has no `sites`.
pub(super) fn site_field(nat: &National, field: &str, top: &str) -> String {
    if !nat.has_sites {
        top.into()
    } else if nat.sites.len() == 1 {
        format!("sites[{}].{field}", nat.sites[0].id)
    } else {
        format!("sites[*].{field}")
    }
}

/// The field of site `s`.
pub(super) fn field_of(nat: &National, s: usize, field: &str, top: &str) -> String {
    if nat.has_sites {
        format!("sites[{}].{field}", nat.sites[s].id)
    } else {
        top.into()
    }
}

/// " for 2026" when the scenario has periods, else nothing.
pub(super) fn when(nat: &National, t: usize) -> String {
    if nat.has_periods {
        format!(" for {}", nat.years[t])
    } else {
        String::new()
    }
}

/// " in 2026" when the scenario has periods, else nothing.
pub(super) fn in_year(nat: &National, t: usize) -> String {
    if nat.has_periods {
        format!(" in {}", nat.years[t])
    } else {
        String::new()
    }
}

/// Values per period: one figure when they are all the same, else `{2025: a, 2026: b}`.
pub(super) fn per_period(nat: &National, v: &[f64], show: impl Fn(f64) -> String) -> String {
    if v.iter().all(|&x| x == v[0]) {
        show(v[0])
    } else {
        format!(
            "{{{}}}",
            nat.years
                .iter()
                .zip(v)
                .map(|(y, &x)| format!("{y}: {}", show(x)))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

fn describe_national(nat: &National, f: Rule) -> String {
    match f {
        Family::CostCap | Family::Removal => f.path().into(),
        Family::NationalShare => {
            let rule = nat.national_share.as_ref().expect("present");
            let op = if rule.strict { ">" } else { ">=" };
            format!(
                "policy.national_domestic_share {op} {} by {}",
                per_period(nat, &rule.min, |v| qty(v, 4)),
                rule.basis.as_str()
            )
        }
        Family::Demand => {
            if nat.sites.iter().any(|s| s.pflops.is_some()) {
                format!(
                    "the demand ({})",
                    site_field(nat, "demand.pflops", "demand.pflops")
                )
            } else {
                format!(
                    "the demand ({})",
                    site_field(nat, "demand.workloads", "demand.workloads")
                )
            }
        }
        Family::Memory => format!(
            "the memory floors ({})",
            site_field(nat, "demand.memory_tb", "demand.memory_tb")
        ),
        Family::DomesticShare => format!(
            "the domestic share at each site (policy.domestic_share{})",
            if nat.has_sites {
                " and the sites' domestic_share"
            } else {
                ""
            }
        ),
        Family::VendorShare => format!(
            "limits.vendor_max_share {}",
            qty(nat.vendor_max_share.unwrap_or(1.0), 4)
        ),
        Family::Power => format!(
            "the power limits ({})",
            site_field(nat, "power_kw", "limits.power_kw")
        ),
        Family::Budget => format!(
            "limits.budget {} {}",
            per_period(nat, nat.budget.as_deref().unwrap_or(&[0.0]), money),
            nat.currency
        ),
        Family::CapexBudget => format!(
            "limits.capex_budget {} {}",
            per_period(nat, nat.capex_budget.as_deref().unwrap_or(&[0.0]), money),
            nat.currency
        ),
        Family::Supply => "the national supply caps (accelerators[*].max_units)".into(),
        Family::Resource => "the resource caps (resources[*].cap)".into(),
        Family::Availability => "the accelerators marked available: false".into(),
        Family::MinOrder => "the minimum orders (accelerators[*].min_units)".into(),
    }
}

/// The family in the words of section 1.
pub(super) fn describe_single(s: &Scenario, f: Family) -> String {
    match f {
        Family::NationalShare | Family::CostCap | Family::Removal => f.path().into(),
        Family::Demand => match s.demand.pflops {
            Some(p) => format!("demand.pflops {}", qty(p, 3)),
            None => format!(
                "demand.workloads ({})",
                s.demand
                    .workloads
                    .iter()
                    .map(|(k, v)| format!("{k} {}", qty(*v, 3)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        },
        Family::Memory => format!(
            "demand.memory_tb {}",
            qty(s.demand.memory_tb.unwrap_or(0.0), 3)
        ),
        Family::DomesticShare => {
            let d = s.domestic_share.as_ref();
            let min = d.map(|d| d.min).unwrap_or(0.0);
            let basis = d.map(|d| d.basis.as_str()).unwrap_or("units");
            if d.is_some_and(|d| d.strict) {
                format!("domestic share > {} by {basis}", qty(min, 4))
            } else {
                format!("domestic share >= {} by {basis}", qty(min, 4))
            }
        }
        Family::VendorShare => format!(
            "limits.vendor_max_share {}",
            qty(s.limits.vendor_max_share.unwrap_or(1.0), 4)
        ),
        Family::Power => format!(
            "limits.power_kw {}",
            qty(s.limits.power_kw.unwrap_or(0.0), 3)
        ),
        Family::Budget => format!("limits.budget {}", money(s.limits.budget.unwrap_or(0.0))),
        Family::CapexBudget => format!(
            "limits.capex_budget {}",
            money(s.limits.capex_budget.unwrap_or(0.0))
        ),
        Family::Supply => "the max_units supply caps".into(),
        Family::Resource => "the resource caps (resources[*].cap)".into(),
        Family::Availability => "the accelerators marked available: false".into(),
        Family::MinOrder => "the min_units minimum orders".into(),
    }
}

/// Whether a share basis counts units (the cap note of the share messages applies).
pub(super) fn by_units(b: ShareBasis) -> bool {
    b == ShareBasis::Units
}
