//! `existing[].removal` and `costs.relocation_per_unit` (section 6 of the format): installed
//! units that may be taken out before they retire, for their salvage value less the cost of
//! taking them out, or moved to the sites their entry lists in `move_to`. The sites a
//! `move_to` names are resolved once every site is known.

use super::sections::child;
use super::{Checker, Range};
use crate::scenario::load::closest;
use crate::scenario::locate::Seg;
use crate::scenario::national::{Removal, Site};
use crate::scenario::raw::RawRemoval;

/// The sites one entry's `move_to` names, each with its place in the file, waiting for
/// every site to be known.
pub(super) type Targets = Vec<(String, Vec<Seg>)>;

/// An entry's `removal`, with `move_to` still unresolved (see [`resolve`]); `None` when a
/// figure is wrong (already reported).
pub(super) fn removal_of(
    c: &mut Checker,
    base: &[Seg],
    label: &str,
    raw: RawRemoval,
) -> Option<(Removal, Targets)> {
    let label = format!("{label}.removal");
    let figure = |c: &mut Checker, f: &str, v: Option<f64>| match v {
        None => Some(0.0),
        v => c.number(
            &child(base, f),
            &format!("{label}.{f}"),
            v,
            Range::NonNegative,
        ),
    };
    let salvage_value = figure(c, "salvage_value", raw.salvage_value);
    let cost = figure(c, "cost", raw.cost);
    let targets = raw
        .move_to
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let mut at = child(base, "move_to");
            at.push(Seg::Index(i));
            (name, at)
        })
        .collect();
    Some((
        Removal {
            salvage_value: salvage_value?,
            cost: cost?,
            move_to: Vec::new(),
        },
        targets,
    ))
}

/// Resolves the `move_to` lists of `pending` (site position, entry position, label, names)
/// against `sites`: each must name another site, once. `has_sites`: the file gave `sites`
/// (without it there is nowhere to move to).
pub(super) fn resolve(
    c: &mut Checker,
    sites: &mut [Site],
    pending: Vec<(usize, usize, String, Targets)>,
    has_sites: bool,
) {
    let ids: Vec<String> = sites.iter().map(|s| s.id.clone()).collect();
    let candidates: Vec<&str> = ids.iter().map(String::as_str).collect();
    for (s, e, label, targets) in pending {
        let mut resolved: Vec<usize> = Vec::new();
        for (i, (name, at)) in targets.into_iter().enumerate() {
            let l = format!("{label}.removal.move_to[{i}]");
            if !has_sites {
                c.error(
                    &at,
                    format!(
                        "{l} `{name}`: moving units needs `sites` (this scenario has one site)"
                    ),
                );
                continue;
            }
            match ids.iter().position(|id| *id == name) {
                Some(to) if to == s => c.error(
                    &at,
                    format!(
                        "{l} `{name}` is the site the units are at: a site may not list itself"
                    ),
                ),
                Some(to) if resolved.contains(&to) => {
                    c.error(&at, format!("{l} `{name}` is listed twice"))
                }
                Some(to) => resolved.push(to),
                None => {
                    let hint = closest(&name, &candidates)
                        .map(|b| format!(" (did you mean `{b}`?)"))
                        .unwrap_or_default();
                    c.error(
                        &at,
                        format!("{l} `{name}` is not a site of this scenario{hint}"),
                    );
                }
            }
        }
        if let Some(r) = sites[s].existing[e].removal.as_mut() {
            r.move_to = resolved;
        }
    }
}

/// `costs.relocation_per_unit`: a cost per unit moved, >= 0 (default 0).
pub(super) fn relocation_of(c: &mut Checker, base: &[Seg], raw: Option<f64>) -> f64 {
    c.number(base, "costs.relocation_per_unit", raw, Range::NonNegative)
        .unwrap_or(0.0)
}
