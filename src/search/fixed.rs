//! The section-6 decisions a repaired plan holds fixed while its purchases are rounded,
//! repaired and trimmed ([`super::rounding`], [`super::decompose`]): removals and moves of
//! installed units and whole systems. The fleets they leave at every site and period are
//! worked out once, so that each of the repair's many site checks sees them.

use crate::check::national::bundled;
use crate::check::{Bundled, Evaluation, evaluate_bundled};
use crate::scenario::national::{FleetChange, National, SystemBuy};
use std::collections::BTreeMap;

/// Removals, moves and systems, and what they leave at each site and period.
#[derive(Debug, Clone)]
pub struct Fixed {
    /// Removals and moves of installed units.
    pub changes: Vec<FleetChange>,
    /// Whole systems bought.
    pub systems: Vec<SystemBuy>,
    /// Installed units in service after the changes, `installed[s][t][a]`.
    installed: Vec<Vec<Vec<f64>>>,
    /// The systems at each site and period, `bundles[s][t]`.
    bundles: Vec<Vec<Bundled>>,
}

impl Fixed {
    /// The fixed decisions `changes` and `systems` of a plan for `nat`.
    pub fn new(nat: &National, changes: Vec<FleetChange>, systems: Vec<SystemBuy>) -> Fixed {
        let (ns, nt) = (nat.sites.len(), nat.periods());
        let installed = nat.installed_after(&changes);
        let bundles = (0..ns)
            .map(|s| (0..nt).map(|t| bundled(nat, &systems, s, t)).collect())
            .collect();
        Fixed {
            changes,
            systems,
            installed,
            bundles,
        }
    }

    /// Installed units in service at site `s` in period `t` after the changes.
    pub fn installed(&self, s: usize, t: usize) -> &[f64] {
        &self.installed[s][t]
    }

    /// Cards of the systems in service at site `s` in period `t`.
    pub fn system_cards(&self, s: usize, t: usize) -> &[f64] {
        &self.bundles[s][t].cards
    }

    /// Cards of the systems bought at site `s` in period `t` (they count against supply
    /// caps and resources like loose cards bought then).
    pub fn new_system_cards(&self, s: usize, t: usize) -> &[f64] {
        &self.bundles[s][t].new_cards
    }

    /// Spend on the systems bought at site `s` in period `t`, per accelerator.
    pub fn system_spend(&self, s: usize, t: usize) -> &[f64] {
        &self.bundles[s][t].spend
    }

    /// The section-1 check of site `s` in period `t` with units `carried` in service from
    /// before (installed and earlier purchases) and loose cards `bought` now, with the
    /// systems in service there.
    pub fn evaluate(
        &self,
        nat: &National,
        s: usize,
        t: usize,
        carried: &[f64],
        bought: &[f64],
    ) -> Evaluation {
        let scenario = nat.site_period(s, t, carried);
        evaluate_bundled(&scenario, bought, &self.bundles[s][t])
    }
}

/// Whole-unit removals and moves from those of the continuous relaxation (`lp`,
/// fractional), per installed entry and period in order: each move's running total is
/// rounded down, and the units taken out make up the rest, rounded up, so that every
/// fraction of an entry the relaxation changes is changed (a state-funded site that must
/// shed its foreign cards sheds them all). Running totals never shrink and never exceed
/// the entry's units. Without `solver.integer` the relaxation's changes are kept.
pub fn round_changes(nat: &National, lp: &[FleetChange]) -> Vec<FleetChange> {
    if !nat.solver.integer {
        return lp.to_vec();
    }
    const EPS: f64 = 1e-6;
    // Per entry: per period, the units taken out and moved to each target.
    type PerPeriod = BTreeMap<usize, BTreeMap<Option<usize>, f64>>;
    let mut by_entry: BTreeMap<(usize, usize), PerPeriod> = BTreeMap::new();
    for c in lp {
        *by_entry
            .entry((c.site, c.entry))
            .or_default()
            .entry(c.period)
            .or_default()
            .entry(c.to)
            .or_insert(0.0) += c.units;
    }
    let mut out = Vec::new();
    for ((site, entry), per_period) in by_entry {
        let units = nat.sites[site].existing[entry].units as f64;
        let targets: Vec<Option<usize>> = {
            let mut all: Vec<Option<usize>> = per_period
                .values()
                .flat_map(|m| m.keys().copied())
                .filter(|to| to.is_some())
                .collect();
            all.sort();
            all.dedup();
            all
        };
        // Running totals: the relaxation's, and the rounded ones.
        let mut lp_removed = 0.0;
        let mut lp_moved: BTreeMap<Option<usize>, f64> = BTreeMap::new();
        let mut removed = 0.0;
        let mut moved: BTreeMap<Option<usize>, f64> = BTreeMap::new();
        for (&period, changes) in &per_period {
            lp_removed += changes.get(&None).copied().unwrap_or(0.0);
            for &to in &targets {
                *lp_moved.entry(to).or_insert(0.0) += changes.get(&to).copied().unwrap_or(0.0);
            }
            let moved_before: f64 = moved.values().sum();
            let want: BTreeMap<Option<usize>, f64> = targets
                .iter()
                .map(|&to| {
                    let lp = lp_moved.get(&to).copied().unwrap_or(0.0);
                    let had = moved.get(&to).copied().unwrap_or(0.0);
                    (to, (lp + EPS).floor().max(had))
                })
                .collect();
            let lp_total = lp_removed + lp_moved.values().sum::<f64>();
            let want_moved: f64 = want.values().sum();
            let new_removed = (lp_total - want_moved - EPS)
                .ceil()
                .max(0.0)
                .min(units - moved_before)
                .max(removed);
            if new_removed > removed {
                out.push(FleetChange {
                    site,
                    entry,
                    period,
                    to: None,
                    units: new_removed - removed,
                });
                removed = new_removed;
            }
            let mut room = units - removed - moved_before;
            for &to in &targets {
                let had = moved.get(&to).copied().unwrap_or(0.0);
                let add = (want[&to] - had).min(room).max(0.0);
                if add > 0.0 {
                    out.push(FleetChange {
                        site,
                        entry,
                        period,
                        to,
                        units: add,
                    });
                    moved.insert(to, had + add);
                    room -= add;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A one-site scenario with one installed entry of `units` that may be moved to site 1
    /// (a second, empty site), over `periods` periods.
    fn two_sites(units: u64, periods: usize) -> National {
        let yaml = format!(
            "name: t\nperiods: [{}]\naccelerators:\n  - {{id: a, vendor: v, origin: foreign, tflops: 100, memory_gb: 80, power_w: 700, unit_price: 1}}\nsites:\n  - id: s0\n    demand: {{pflops: 0}}\n    existing:\n      - {{id: a, units: {units}, removal: {{salvage_value: 0, cost: 0, move_to: [s1]}}}}\n  - id: s1\n    demand: {{pflops: 0}}\n",
            (0..periods)
                .map(|t| (2025 + t).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        crate::scenario::load_str(&yaml, "t.yaml")
            .expect("a valid scenario")
            .scenario
    }

    fn change(period: usize, to: Option<usize>, units: f64) -> FleetChange {
        FleetChange {
            site: 0,
            entry: 0,
            period,
            to,
            units,
        }
    }

    #[test]
    fn every_fraction_changed_is_changed_within_the_units() {
        let nat = two_sites(10, 2);
        // 4.5 moved and 5.5 taken out: 4 moved, 6 taken out (all 10 change).
        let r = round_changes(&nat, &[change(0, Some(1), 4.5), change(0, None, 5.5)]);
        let moved: f64 = r.iter().filter(|c| c.to.is_some()).map(|c| c.units).sum();
        let removed: f64 = r.iter().filter(|c| c.to.is_none()).map(|c| c.units).sum();
        assert_eq!((moved, removed), (4.0, 6.0));
        // A move that grows by a fraction each period: running totals, never shrinking.
        let r = round_changes(&nat, &[change(0, Some(1), 0.9), change(1, Some(1), 0.1)]);
        let total: f64 = r.iter().map(|c| c.units).sum();
        assert!(total <= 10.0);
        assert!(r.iter().all(|c| c.units >= 1.0 && c.units.fract() == 0.0));
        let by_1: f64 = r.iter().filter(|c| c.period <= 1).map(|c| c.units).sum();
        assert!(by_1 >= 1.0, "{r:?}");
    }
}
