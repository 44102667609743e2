//! The checker's reading of removals and moves (section 6 of the format): every change a
//! plan makes to an installed fleet is allowed by its entry's `removal` (the entry may be
//! taken out, the target is in `move_to`, the entry still serves in the change's period,
//! whole units when `solver.integer`), and the units taken out or moved up to each period
//! never exceed the entry's units. Costs and fleets after the changes are computed by the
//! national checker.

use crate::check::compare;
use crate::check::national::Located;
use crate::rules::{Constraint, Family};
use crate::scenario::national::{FleetChange, National};

/// The checks of `changes` against `nat`: one per change that is not allowed, and one per
/// removable entry and period in service (units taken out or moved so far <= units).
pub fn checks(nat: &National, changes: &[FleetChange]) -> Vec<Located> {
    let mut out = Vec::new();
    let site_label = |s: usize| nat.has_sites.then(|| nat.sites[s].id.clone());
    let period_label = |t: usize| nat.has_periods.then(|| nat.years[t]);
    let refuse = |c: &FleetChange, why: String| Located {
        site: site_label(c.site),
        period: period_label(c.period),
        check: compare(
            Constraint::of(Family::Removal),
            why,
            (1.0, 0.0, true),
            0.0,
            nat.solver.integer,
        ),
    };
    for c in changes {
        let Some(site) = nat.sites.get(c.site) else {
            continue;
        };
        let Some(e) = site.existing.get(c.entry) else {
            out.push(refuse(
                c,
                format!("existing entry {} is not at this site", c.entry),
            ));
            continue;
        };
        let id = &nat.accelerators[e.index].id;
        let what = match c.to {
            Some(to) => format!("moving {} units of {id} to {}", c.units, nat.sites[to].id),
            None => format!("taking out {} units of {id}", c.units),
        };
        let Some(removal) = &e.removal else {
            out.push(refuse(c, format!("{what}: this entry has no `removal`")));
            continue;
        };
        if let Some(to) = c.to
            && !removal.move_to.contains(&to)
        {
            out.push(refuse(c, format!("{what}: the site is not in `move_to`")));
        }
        if !e.serves_in(nat.years[c.period]) {
            out.push(refuse(
                c,
                format!("{what}: the units retired before {}", nat.years[c.period]),
            ));
        }
        if c.units < 0.0 || (nat.solver.integer && c.units.fract() != 0.0) {
            out.push(refuse(c, format!("{what}: not a whole number of units")));
        }
    }
    for (s, i) in nat.removable() {
        let e = &nat.sites[s].existing[i];
        let id = &nat.accelerators[e.index].id;
        for t in 0..nat.periods() {
            if !e.serves_in(nat.years[t]) {
                continue;
            }
            let gone: f64 = changes
                .iter()
                .filter(|c| c.site == s && c.entry == i && c.period <= t)
                .map(|c| c.units)
                .sum::<f64>()
                + 0.0;
            if gone == 0.0 {
                continue;
            }
            let mut check = compare(
                Constraint::of(Family::Removal),
                format!(
                    "existing {id}: {gone} units taken out or moved so far <= {} installed",
                    e.units
                ),
                (gone, e.units as f64, true),
                0.0,
                nat.solver.integer,
            );
            // A fact of the fleet, not a rule to relax: never reported as binding.
            check.binding = false;
            out.push(Located {
                site: site_label(s),
                period: period_label(t),
                check,
            });
        }
    }
    out
}
