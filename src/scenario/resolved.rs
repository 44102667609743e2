//! A scenario written back in the file format with every default filled in
//! (`chipmix validate --resolved`): what chipmix actually plans, and a file that reads back
//! to the same scenario. Scenarios with sites or periods are written with every site's
//! inherited values (energy price, PUE, share rule, energy discount) spelled out. The rules
//! of 2025-2026 (resources and `uses`, removals, systems, the energy discount, residual
//! value, precision) are written as the file gives them.

use super::national::{National, ShareRule, Site};
use serde_yaml::{Mapping, Value};

fn put(m: &mut Mapping, key: &str, value: impl Into<Value>) {
    m.insert(Value::String(key.to_string()), value.into());
}

fn put_opt<T: Into<Value>>(m: &mut Mapping, key: &str, value: Option<T>) {
    if let Some(v) = value {
        put(m, key, v);
    }
}

fn floats(map: &std::collections::BTreeMap<String, f64>) -> Value {
    let mut m = Mapping::new();
    for (k, v) in map {
        put(&mut m, k, *v);
    }
    Value::Mapping(m)
}

/// A value for every period: the scalar when the file has no `periods` or every period
/// has the same value, else a `year: value` map.
fn per<T: Clone + PartialEq + Into<Value>>(s: &National, values: &[T]) -> Value {
    if !s.has_periods || values.iter().all(|v| *v == values[0]) {
        return values[0].clone().into();
    }
    let mut m = Mapping::new();
    for (year, v) in s.years.iter().zip(values) {
        m.insert(Value::from(*year), v.clone().into());
    }
    Value::Mapping(m)
}

/// A share rule: `min` (per period), `basis`, `strict`.
fn share(s: &National, rule: &ShareRule) -> Value {
    let mut m = Mapping::new();
    put(&mut m, "min", per(s, &rule.min));
    put(&mut m, "basis", rule.basis.as_str());
    put(&mut m, "strict", rule.strict);
    Value::Mapping(m)
}

/// `demand` of one site, when it has any.
fn demand(s: &National, site: &Site) -> Option<Value> {
    let mut d = Mapping::new();
    if let Some(p) = &site.pflops {
        put(&mut d, "pflops", per(s, p));
    }
    if !site.workloads.is_empty() {
        let mut w = Mapping::new();
        for (class, v) in &site.workloads {
            match site.workload_precision.get(class) {
                Some(p) => {
                    let mut spec = Mapping::new();
                    put(&mut spec, "pflops", per(s, v));
                    put(&mut spec, "precision", p.as_str());
                    put(&mut w, class, Value::Mapping(spec));
                }
                None => put(&mut w, class, per(s, v)),
            }
        }
        put(&mut d, "workloads", Value::Mapping(w));
    }
    if let Some(m) = &site.memory_tb {
        put(&mut d, "memory_tb", per(s, m));
    }
    if !site.precision.is_default() {
        put(&mut d, "precision", site.precision.as_str());
    }
    (!d.is_empty()).then_some(Value::Mapping(d))
}

/// `existing` of one site, entry by entry as the file gave them.
fn existing(s: &National, site: &Site) -> Option<Value> {
    let rows: Vec<Value> = site
        .existing
        .iter()
        .map(|e| {
            let mut m = Mapping::new();
            put(&mut m, "id", s.accelerators[e.index].id.clone());
            put(&mut m, "units", e.units);
            put_opt(&mut m, "retire_year", e.retire_year);
            if let Some(r) = &e.removal {
                let mut rm = Mapping::new();
                put(&mut rm, "salvage_value", r.salvage_value);
                put(&mut rm, "cost", r.cost);
                if !r.move_to.is_empty() {
                    let to = r
                        .move_to
                        .iter()
                        .map(|&t| Value::from(s.sites[t].id.clone()))
                        .collect();
                    put(&mut rm, "move_to", Value::Sequence(to));
                }
                put(&mut m, "removal", Value::Mapping(rm));
            }
            Value::Mapping(m)
        })
        .collect();
    (!rows.is_empty()).then_some(Value::Sequence(rows))
}

/// A site's energy discount rule (`{rate, min_share}`), when it has one.
fn discount(site: &Site) -> Option<Value> {
    site.domestic_energy_discount.map(|d| {
        let mut m = Mapping::new();
        put(&mut m, "rate", d.rate);
        put(&mut m, "min_share", d.min_share);
        Value::Mapping(m)
    })
}

/// Whole-number caps per period, `None` when no period has one (a period without a cap is
/// written as the largest number of units a plan may order, which caps nothing).
fn caps(s: &National, max_units: &[Option<u64>]) -> Option<Value> {
    if max_units.iter().all(Option::is_none) {
        return None;
    }
    let caps: Vec<u64> = max_units
        .iter()
        .map(|c| c.unwrap_or(super::magnitude::UNIT_CAP as u64))
        .collect();
    Some(per(s, &caps))
}

/// `resources` and `systems`, when the scenario has them.
fn resources_and_systems(s: &National, top: &mut Mapping) {
    if !s.resources.is_empty() {
        let list = s
            .resources
            .iter()
            .map(|r| {
                let mut m = Mapping::new();
                put(&mut m, "id", r.id.clone());
                put_opt(&mut m, "name", r.name.clone());
                put(&mut m, "cap", per(s, &r.cap));
                Value::Mapping(m)
            })
            .collect();
        put(top, "resources", Value::Sequence(list));
    }
    if !s.systems.is_empty() {
        let list = s
            .systems
            .iter()
            .map(|b| {
                let mut m = Mapping::new();
                put(&mut m, "id", b.id.clone());
                put_opt(&mut m, "name", b.name.clone());
                put(
                    &mut m,
                    "accelerator",
                    s.accelerators[b.accelerator].id.clone(),
                );
                put(&mut m, "cards", b.cards);
                put(&mut m, "price", per(s, &b.price));
                put(&mut m, "extra_power_w", b.extra_power_w);
                put_opt(&mut m, "max_units", caps(s, &b.max_units));
                put(&mut m, "available", per(s, &b.available));
                Value::Mapping(m)
            })
            .collect();
        put(top, "systems", Value::Sequence(list));
    }
}

/// The scenario as YAML in the file format, defaults written out, its futures (section 7)
/// as the file gives them. A scenario whose file had neither `sites` nor `periods` is
/// written in that form (section 1).
pub fn to_yaml(s: &National) -> String {
    let mut value = to_value(s);
    if let (Some(f), Value::Mapping(top)) = (s.futures.as_deref(), &mut value) {
        put_futures(top, f);
    }
    serde_yaml::to_string(&value).unwrap_or_default()
}

/// `futures`, `decide_now` and `risk` as the file gives them (each future's overrides as
/// written: they apply to the scenario above).
fn put_futures(top: &mut Mapping, f: &super::futures::Futures) {
    let list = f
        .list
        .iter()
        .map(|fu| {
            let mut m = Mapping::new();
            put(&mut m, "id", fu.id.clone());
            put(&mut m, "probability", fu.probability);
            if !fu.set_values.is_empty() {
                let set: Mapping = fu
                    .set_values
                    .iter()
                    .map(|(k, v)| (Value::from(k.clone()), v.clone()))
                    .collect();
                put(&mut m, "set", Value::Mapping(set));
            }
            Value::Mapping(m)
        })
        .collect();
    put(top, "futures", Value::Sequence(list));
    put(top, "decide_now", f.decide_now as u64);
    put(top, "risk", f.risk.as_str());
}

/// The resolved scenario as a YAML value (what [`to_yaml`] writes; `chipmix serve` sends it
/// as JSON).
pub fn to_value(s: &National) -> Value {
    let mut top = Mapping::new();
    put(&mut top, "name", s.name.clone());
    put_opt(&mut top, "description", s.description.clone());
    put(&mut top, "currency", s.currency.clone());
    put(&mut top, "objective", s.objective.as_str());
    if s.has_periods {
        put(
            &mut top,
            "periods",
            Value::Sequence(s.years.iter().map(|y| Value::from(*y)).collect()),
        );
    }
    let accelerators: Vec<Value> = s
        .accelerators
        .iter()
        .zip(&s.per_period)
        .enumerate()
        .map(|(k, (a, p))| {
            let mut m = Mapping::new();
            put(&mut m, "id", a.id.clone());
            put_opt(&mut m, "name", a.name.clone());
            put(&mut m, "vendor", a.vendor.clone());
            put(&mut m, "origin", a.origin.as_str());
            put_opt(&mut m, "platform", a.platform.clone());
            put(&mut m, "unit_price", per(s, &p.unit_price));
            if a.tflops_figures(|v| v.to_string()).is_some() {
                let mut by = Mapping::new();
                for (p, v) in &a.tflops_by {
                    put(&mut by, p.as_str(), *v);
                }
                put(&mut m, "tflops", Value::Mapping(by));
            } else {
                put(&mut m, "tflops", a.tflops);
            }
            put(&mut m, "power_w", a.power_w);
            put(&mut m, "memory_gb", a.memory_gb);
            put(&mut m, "available", per(s, &p.available));
            put_opt(&mut m, "max_units", caps(s, &p.max_units));
            put_opt(&mut m, "min_units", a.min_units);
            put(&mut m, "lot_size", a.lot_size);
            put_opt(&mut m, "lifetime_years", p.lifetime_years);
            if !a.efficiency.is_empty() {
                put(&mut m, "efficiency", floats(&a.efficiency));
            }
            let uses: Mapping = s
                .resources
                .iter()
                .filter(|r| r.uses[k] > 0.0)
                .map(|r| (Value::from(r.id.clone()), Value::from(r.uses[k])))
                .collect();
            if !uses.is_empty() {
                put(&mut m, "uses", Value::Mapping(uses));
            }
            put_opt(&mut m, "source", a.source.clone());
            Value::Mapping(m)
        })
        .collect();
    put(&mut top, "accelerators", Value::Sequence(accelerators));
    resources_and_systems(s, &mut top);
    let mut policy = Mapping::new();
    let mut limits = Mapping::new();
    let mut costs = Mapping::new();
    if s.has_sites {
        let sites: Vec<Value> = s
            .sites
            .iter()
            .map(|site| {
                let mut m = Mapping::new();
                put(&mut m, "id", site.id.clone());
                put_opt(&mut m, "name", site.name.clone());
                put_opt(&mut m, "demand", demand(s, site));
                put_opt(&mut m, "existing", existing(s, site));
                put_opt(
                    &mut m,
                    "power_kw",
                    site.power_kw.as_ref().map(|p| per(s, p)),
                );
                put(
                    &mut m,
                    "energy_price_per_kwh",
                    per(s, &site.energy_price_per_kwh),
                );
                put(&mut m, "pue", site.pue);
                put_opt(
                    &mut m,
                    "domestic_share",
                    site.domestic_share.as_ref().map(|r| share(s, r)),
                );
                put_opt(&mut m, "domestic_energy_discount", discount(site));
                Value::Mapping(m)
            })
            .collect();
        put(&mut top, "sites", Value::Sequence(sites));
    } else {
        let site = &s.sites[0];
        put_opt(&mut top, "demand", demand(s, site));
        put_opt(&mut top, "existing", existing(s, site));
        if let Some(r) = &site.domestic_share {
            put(&mut policy, "domestic_share", share(s, r));
        }
        put_opt(
            &mut limits,
            "power_kw",
            site.power_kw.as_ref().map(|p| per(s, p)),
        );
        put(
            &mut costs,
            "energy_price_per_kwh",
            per(s, &site.energy_price_per_kwh),
        );
        put(&mut costs, "pue", site.pue);
        put_opt(&mut costs, "domestic_energy_discount", discount(site));
    }
    if let Some(r) = &s.national_share {
        put(&mut policy, "national_domestic_share", share(s, r));
    }
    if !policy.is_empty() {
        put(&mut top, "policy", Value::Mapping(policy));
    }
    put_opt(&mut limits, "budget", s.budget.as_ref().map(|b| per(s, b)));
    put_opt(
        &mut limits,
        "capex_budget",
        s.capex_budget.as_ref().map(|b| per(s, b)),
    );
    put_opt(&mut limits, "vendor_max_share", s.vendor_max_share);
    if !limits.is_empty() {
        put(&mut top, "limits", Value::Mapping(limits));
    }
    put(&mut costs, "utilization", s.utilization);
    put(&mut costs, "opex_years", s.opex_years);
    let residual = s.residual_value != super::ResidualValue::None;
    if s.has_periods || residual {
        put(&mut costs, "discount_rate", s.discount_rate);
    }
    if residual {
        put(&mut costs, "residual_value", s.residual_value.as_str());
    }
    if s.relocation_per_unit > 0.0 {
        put(&mut costs, "relocation_per_unit", s.relocation_per_unit);
    }
    if !s.platform_adoption.is_empty() {
        put(
            &mut costs,
            "platform_adoption",
            floats(&s.platform_adoption),
        );
    }
    put(&mut top, "costs", Value::Mapping(costs));
    let mut solver = Mapping::new();
    put(&mut solver, "integer", s.solver.integer);
    put(&mut solver, "mip_gap", s.solver.mip_gap);
    put(&mut solver, "time_limit_s", s.solver.time_limit_s);
    put(&mut top, "solver", Value::Mapping(solver));
    Value::Mapping(top)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;

    #[test]
    fn resolved_reads_back_the_same() {
        let text = "name: r\naccelerators:\n  - {id: a, vendor: V, origin: domestic, unit_price: 10, tflops: 500, lot_size: 4, efficiency: {training: 0.5}}\n  - {id: b, vendor: W, origin: foreign, unit_price: 12, tflops: 600, available: false}\nexisting: [{id: b, units: 2}, {id: b, units: 3}]\ndemand: {workloads: {training: 1, inference: 2}}\npolicy: {domestic_share: {min: 0.5, strict: true}}\ncosts: {platform_adoption: {}}\n";
        let first = load_str(text, "r.yaml").unwrap().scenario;
        let resolved = to_yaml(&first);
        let again = load_str(&resolved, "resolved.yaml").unwrap().scenario;
        assert_eq!(to_yaml(&again), resolved);
        assert!(resolved.contains("lot_size: 4"));
        assert!(resolved.contains("units: 2") && resolved.contains("units: 3"));
        assert!(resolved.contains("pue: 1.0"));
        assert!(resolved.contains("time_limit_s: 60.0"));
    }

    #[test]
    fn the_rules_of_2025_2026_read_back_the_same() {
        let text = "name: r
periods: [2026, 2027]
resources: [{id: hbm, name: HBM, cap: {2026: 100, 2027: 200}}]
accelerators:
  - {id: a, vendor: V, origin: domestic, unit_price: 10, tflops: {bf16: 500, fp8: 1000}, lot_size: 4, uses: {hbm: 8}, lifetime_years: 3}
  - {id: b, vendor: W, origin: foreign, unit_price: 12, tflops: 600, available: false}
systems: [{id: sys, accelerator: a, cards: 16, price: 100, extra_power_w: 500, max_units: {2026: 1, 2027: 2}}]
costs:
  relocation_per_unit: 7
  residual_value: straight_line
  opex_years: 2
  domestic_energy_discount: {rate: 0.5, min_share: 0.8}
sites:
  - id: x
    demand: {pflops: 1, precision: fp8}
    existing: [{id: b, units: 2, retire_year: 2030, removal: {salvage_value: 3, cost: 1, move_to: [y]}}]
  - id: y
    domestic_energy_discount: null
";
        let first = load_str(text, "r.yaml").unwrap().scenario;
        let resolved = to_yaml(&first);
        let again = load_str(&resolved, "resolved.yaml").unwrap().scenario;
        assert_eq!(to_yaml(&again), resolved);
        for part in [
            "uses:",
            "resources:",
            "systems:",
            "removal:",
            "move_to:",
            "relocation_per_unit: 7",
            "domestic_energy_discount:",
            "residual_value: straight_line",
            "extra_power_w: 500",
        ] {
            assert!(resolved.contains(part), "{part} missing:\n{resolved}");
        }
        // The site without the discount keeps none.
        assert!(again.sites[1].domestic_energy_discount.is_none());
        assert_eq!(
            again.sites[0].existing[0].removal,
            first.sites[0].existing[0].removal
        );
    }
}
