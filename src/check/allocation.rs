//! The checker of a stated workload allocation: with `demand.workloads`, a plan says how
//! many cards of each type serve each workload class at each site and period. Straight from
//! the format's formulas: at every site and period, the units given to the classes never
//! exceed the fleet of each accelerator (`sum_w y_aw <= n_a`), no count is negative, and
//! each class gets its demand (`sum_a tflops_a * efficiency_aw * y_aw / 1000 >= workloads[w]`).

use super::TOLERANCE;
use super::national::NationalEvaluation;
use crate::scenario::national::National;

/// One stated row, read against the scenario: accelerator, site and period by index.
#[derive(Debug, Clone, PartialEq)]
pub struct Assigned {
    /// Accelerator index.
    pub a: usize,
    /// Site index.
    pub s: usize,
    /// Period index.
    pub t: usize,
    /// Workload class.
    pub workload: String,
    /// Units of the accelerator given to the class.
    pub units: f64,
}

/// Where `(s, t)` is, for messages (`""`, ` at site sh-1`, ` in 2026`, ...).
fn place(nat: &National, s: usize, t: usize) -> String {
    let mut out = String::new();
    if nat.has_sites {
        out.push_str(&format!(" at site {}", nat.sites[s].id));
    }
    if nat.has_periods {
        out.push_str(&format!(" in {}", nat.years[t]));
    }
    out
}

/// Every problem of `rows` as the allocation of the fleet of `e` (the checker's evaluation
/// of the plan's purchases): classes the site does not have, negative units, more units
/// than the fleet, workload demand not met. Empty when the allocation is sound. A site and
/// period without any row states no split and is not judged.
pub fn verify(nat: &National, e: &NationalEvaluation, rows: &[Assigned]) -> Vec<String> {
    let mut problems = Vec::new();
    let na = nat.accelerators.len();
    for (s, site) in nat.sites.iter().enumerate() {
        for t in 0..nat.periods() {
            let here: Vec<&Assigned> = rows.iter().filter(|r| r.s == s && r.t == t).collect();
            if here.is_empty() {
                // No split stated here (the plan says why in its warnings): nothing to judge.
                continue;
            }
            let at = place(nat, s, t);
            for r in &here {
                if !site.workloads.contains_key(&r.workload) {
                    problems.push(format!(
                        "allocation{at}: `{}` is not a workload class of the scenario",
                        r.workload
                    ));
                }
                if r.units < 0.0 {
                    problems.push(format!(
                        "allocation{at}: {} units of {} to {} is negative",
                        r.units, nat.accelerators[r.a].id, r.workload
                    ));
                }
            }
            for a in 0..na {
                let given: f64 = here.iter().filter(|r| r.a == a).map(|r| r.units).sum();
                let fleet = e.fleet[s][t][a];
                if given > fleet + TOLERANCE * fleet.max(1.0) {
                    problems.push(format!(
                        "allocation{at}: {given} units of {} are given to workloads, but the fleet has {fleet}",
                        nat.accelerators[a].id
                    ));
                }
            }
            for (class, needs) in &site.workloads {
                let need = needs[t];
                if need <= 0.0 {
                    continue;
                }
                let got: f64 = here
                    .iter()
                    .filter(|r| &r.workload == class)
                    .map(|r| nat.workload_tflops(s, r.a, class) * r.units / 1000.0)
                    .sum();
                if got < need - TOLERANCE * need.max(1e-9) {
                    problems.push(format!(
                        "allocation{at}: the units given to {class} serve {got:.3} effective PFLOPS, but demand.workloads.{class} is {need}"
                    ));
                }
            }
        }
    }
    problems
}
