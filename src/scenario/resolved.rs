//! A scenario written back in the file format with every default filled in
//! (`chipmix validate --resolved`): what chipmix actually plans, and a file that reads back
//! to the same scenario.

use super::Scenario;
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

/// The scenario as YAML in the file format, defaults written out.
pub fn to_yaml(s: &Scenario) -> String {
    let mut top = Mapping::new();
    put(&mut top, "name", s.name.clone());
    put_opt(&mut top, "description", s.description.clone());
    put(&mut top, "currency", s.currency.clone());
    put(&mut top, "objective", s.objective.as_str());
    let accelerators: Vec<Value> = s
        .accelerators
        .iter()
        .map(|a| {
            let mut m = Mapping::new();
            put(&mut m, "id", a.id.clone());
            put_opt(&mut m, "name", a.name.clone());
            put(&mut m, "vendor", a.vendor.clone());
            put(&mut m, "origin", a.origin.as_str());
            put_opt(&mut m, "platform", a.platform.clone());
            put(&mut m, "unit_price", a.unit_price);
            put(&mut m, "tflops", a.tflops);
            put(&mut m, "power_w", a.power_w);
            put(&mut m, "memory_gb", a.memory_gb);
            put(&mut m, "available", a.available);
            put_opt(&mut m, "max_units", a.max_units);
            put_opt(&mut m, "min_units", a.min_units);
            put(&mut m, "lot_size", a.lot_size);
            if !a.efficiency.is_empty() {
                put(&mut m, "efficiency", floats(&a.efficiency));
            }
            put_opt(&mut m, "source", a.source.clone());
            Value::Mapping(m)
        })
        .collect();
    put(&mut top, "accelerators", Value::Sequence(accelerators));
    let mut demand = Mapping::new();
    put_opt(&mut demand, "pflops", s.demand.pflops);
    if !s.demand.workloads.is_empty() {
        put(&mut demand, "workloads", floats(&s.demand.workloads));
    }
    put_opt(&mut demand, "memory_tb", s.demand.memory_tb);
    if !demand.is_empty() {
        put(&mut top, "demand", Value::Mapping(demand));
    }
    if !s.existing.is_empty() {
        let rows: Vec<Value> = s
            .existing
            .iter()
            .map(|e| {
                let mut m = Mapping::new();
                put(&mut m, "id", e.id.clone());
                put(&mut m, "units", e.units);
                Value::Mapping(m)
            })
            .collect();
        put(&mut top, "existing", Value::Sequence(rows));
    }
    if let Some(d) = &s.domestic_share {
        let mut share = Mapping::new();
        put(&mut share, "min", d.min);
        put(&mut share, "basis", d.basis.as_str());
        put(&mut share, "strict", d.strict);
        let mut policy = Mapping::new();
        put(&mut policy, "domestic_share", Value::Mapping(share));
        put(&mut top, "policy", Value::Mapping(policy));
    }
    let mut limits = Mapping::new();
    put_opt(&mut limits, "budget", s.limits.budget);
    put_opt(&mut limits, "capex_budget", s.limits.capex_budget);
    put_opt(&mut limits, "power_kw", s.limits.power_kw);
    put_opt(&mut limits, "vendor_max_share", s.limits.vendor_max_share);
    if !limits.is_empty() {
        put(&mut top, "limits", Value::Mapping(limits));
    }
    let mut costs = Mapping::new();
    put(
        &mut costs,
        "energy_price_per_kwh",
        s.costs.energy_price_per_kwh,
    );
    put(&mut costs, "pue", s.costs.pue);
    put(&mut costs, "utilization", s.costs.utilization);
    put(&mut costs, "opex_years", s.costs.opex_years);
    if !s.costs.platform_adoption.is_empty() {
        put(
            &mut costs,
            "platform_adoption",
            floats(&s.costs.platform_adoption),
        );
    }
    put(&mut top, "costs", Value::Mapping(costs));
    let mut solver = Mapping::new();
    put(&mut solver, "integer", s.solver.integer);
    put(&mut solver, "mip_gap", s.solver.mip_gap);
    put(&mut solver, "time_limit_s", s.solver.time_limit_s);
    put(&mut top, "solver", Value::Mapping(solver));
    serde_yaml::to_string(&Value::Mapping(top)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;

    #[test]
    fn resolved_reads_back_the_same() {
        let text = "name: r\naccelerators:\n  - {id: a, vendor: V, origin: domestic, unit_price: 10, tflops: 500, lot_size: 4, efficiency: {training: 0.5}}\n  - {id: b, vendor: W, origin: foreign, unit_price: 12, tflops: 600, available: false}\nexisting: [{id: b, units: 2}, {id: b, units: 3}]\ndemand: {workloads: {training: 1, inference: 2}}\npolicy: {domestic_share: {min: 0.5, strict: true}}\ncosts: {platform_adoption: {}}\n";
        let first = load_str(text, "r.yaml")
            .unwrap()
            .scenario
            .as_single()
            .expect("a section-1 scenario");
        let resolved = to_yaml(&first);
        let again = load_str(&resolved, "resolved.yaml")
            .unwrap()
            .scenario
            .as_single()
            .expect("a section-1 scenario");
        assert_eq!(to_yaml(&again), resolved);
        assert!(resolved.contains("lot_size: 4"));
        assert!(resolved.contains("units: 5"));
        assert!(resolved.contains("pue: 1.0"));
        assert!(resolved.contains("time_limit_s: 60.0"));
    }
}
