//! `resources` (section 6 of the format): scarce inputs such as HBM stacks or wafers,
//! each with a national cap per period, and each accelerator's `uses` of them. Resources
//! are read before the accelerators so that a `uses` key can be checked against them.

use super::sections::{Years, child, per_number};
use super::{Checker, Range, key, valid_id};
use crate::scenario::Accelerator;
use crate::scenario::load::closest;
use crate::scenario::locate::Seg;
use crate::scenario::national::Resource;
use crate::scenario::raw::RawResource;
use std::collections::{BTreeMap, BTreeSet};

/// A resource as declared: its id (`None` when the entry's id is missing or invalid, so
/// that `uses` of it are not blamed twice), name, place and cap per period.
pub(super) struct Declared {
    id: Option<String>,
    name: Option<String>,
    path: Vec<Seg>,
    cap: Option<Vec<f64>>,
}

/// The `resources` list, each entry checked: a valid, unique id and a cap (>= 0) for
/// every period.
pub(super) fn declared(c: &mut Checker, y: &Years, raw: Option<Vec<RawResource>>) -> Vec<Declared> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (i, r) in raw.unwrap_or_default().into_iter().enumerate() {
        let base = vec![key("resources"), Seg::Index(i)];
        let id = match r.id {
            None => {
                c.error(&base, format!("resources[{i}].id is required"));
                None
            }
            Some(id) if !valid_id(&id) => {
                c.error(
                    &child(&base, "id"),
                    format!("resources[{i}].id `{id}` must use only a-z, 0-9, '.', '_' and '-'"),
                );
                None
            }
            Some(id) if !seen.insert(id.clone()) => {
                c.error(
                    &child(&base, "id"),
                    format!("resources[{i}].id `{id}` is listed twice"),
                );
                None
            }
            Some(id) => Some(id),
        };
        let label = format!("resources[{}]", id.clone().unwrap_or_else(|| i.to_string()));
        let cap_path = child(&base, "cap");
        let cap = match r.cap {
            None => {
                c.error(
                    &base,
                    format!(
                        "{label}.cap is required: the most of it the new cards may use in a period"
                    ),
                );
                None
            }
            v => per_number(
                c,
                y,
                &cap_path,
                &format!("{label}.cap"),
                v,
                Range::NonNegative,
            ),
        };
        out.push(Declared {
            id,
            name: r.name,
            path: base,
            cap,
        });
    }
    out
}

/// One accelerator's `uses`: every key a declared resource, every amount >= 0. Keys are
/// resource positions in `declared`.
pub(super) fn uses_of(
    c: &mut Checker,
    path: &[Seg],
    label: &str,
    raw: Option<BTreeMap<String, f64>>,
    declared: &[Declared],
) -> BTreeMap<usize, f64> {
    let mut out = BTreeMap::new();
    let ids: Vec<&str> = declared.iter().filter_map(|d| d.id.as_deref()).collect();
    for (name, amount) in raw.unwrap_or_default() {
        let at = child(path, &name);
        let Some(r) = declared.iter().position(|d| d.id.as_deref() == Some(&name)) else {
            let hint = match closest(&name, &ids) {
                Some(best) => format!(" (did you mean `{best}`?)"),
                None if ids.is_empty() => {
                    " (the scenario has no `resources`; declare it there with its cap)".to_string()
                }
                None => format!("; the resources are: {}", ids.join(", ")),
            };
            c.error(
                &at,
                format!("{label}.{name}: `{name}` is not a resource{hint}"),
            );
            continue;
        };
        if let Some(v) = c.number(
            &at,
            &format!("{label}.{name}"),
            Some(amount),
            Range::NonNegative,
        ) {
            out.insert(r, v);
        }
    }
    out
}

/// The resources with each accelerator's use of them; a resource no accelerator uses
/// caps nothing, which a warning says.
pub(super) fn resolve(
    c: &mut Checker,
    declared: Vec<Declared>,
    accelerators: &[Accelerator],
    uses: Vec<BTreeMap<usize, f64>>,
) -> Vec<Resource> {
    let mut out = Vec::new();
    for (r, d) in declared.into_iter().enumerate() {
        let (Some(id), Some(cap)) = (d.id, d.cap) else {
            continue;
        };
        let per_card: Vec<f64> = uses
            .iter()
            .map(|u| u.get(&r).copied().unwrap_or(0.0))
            .collect();
        if accelerators.len() == per_card.len() && per_card.iter().all(|&u| u == 0.0) {
            c.warn_at(
                &d.path,
                format!(
                    "resources[{id}] caps nothing: no accelerator uses it (give some `accelerators[ID].uses: {{{id}: N}}`)"
                ),
            );
        }
        out.push(Resource {
            id,
            name: d.name,
            cap,
            uses: per_card,
        });
    }
    out
}
