//! The checker's reading of whole systems (section 6 of the format): every system purchase
//! names a system of the scenario, is a whole, non-negative number of systems (even with
//! `solver.integer: false`), is made in a period where the system is available, and the
//! systems bought in a period at all sites together stay within its `max_units`. Their
//! cards, capex and extra power are counted by the national checker.

use crate::check::compare;
use crate::check::national::Located;
use crate::rules::Constraint;
use crate::scenario::national::{National, SystemBuy};

/// The checks of `systems` against `nat`: one per purchase that is not allowed, and one
/// per system with `max_units` and period where some are bought.
pub fn checks(nat: &National, systems: &[SystemBuy]) -> Vec<Located> {
    let mut out = Vec::new();
    let site_label = |s: usize| nat.has_sites.then(|| nat.sites[s].id.clone());
    let period_label = |t: usize| nat.has_periods.then(|| nat.years[t]);
    for y in systems {
        let Some(sys) = nat.systems.get(y.system) else {
            continue;
        };
        let mut problems = Vec::new();
        if y.units.is_nan() || y.units < 0.0 || y.units.fract() != 0.0 {
            problems.push(format!("{} systems is not a whole number", y.units));
        }
        if y.units > 0.0 && !sys.available[y.period] {
            problems.push(format!(
                "{} systems bought but it is not available",
                y.units
            ));
        }
        if problems.is_empty() {
            continue;
        }
        out.push(Located {
            site: site_label(y.site),
            period: period_label(y.period),
            check: compare(
                Constraint::supply(&sys.id),
                format!("systems[{}]: {}", sys.id, problems.join("; ")),
                (1.0, 0.0, true),
                0.0,
                true,
            ),
        });
    }
    for (b, sys) in nat.systems.iter().enumerate() {
        for t in 0..nat.periods() {
            let Some(m) = sys.max_units[t] else { continue };
            let bought: f64 = systems
                .iter()
                .filter(|y| y.system == b && y.period == t)
                .map(|y| y.units)
                .sum::<f64>()
                + 0.0;
            let c = compare(
                Constraint::supply(&sys.id),
                format!(
                    "systems[{}].max_units: {bought} systems at all sites <= {m}",
                    sys.id
                ),
                (bought, m as f64, true),
                1.0,
                true,
            );
            out.push(Located {
                site: None,
                period: period_label(t),
                check: crate::check::Check {
                    binding: c.binding && bought > 0.0,
                    ..c
                },
            });
        }
    }
    out
}
