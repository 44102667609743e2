//! `systems` (section 6 of the format): whole systems (supernodes such as CloudMatrix 384)
//! bought as one item, each `cards` cards of one accelerator at its own price, with the
//! extra power of its switches, optics and CPUs. Read once the accelerators are known, so
//! that `accelerator` can be checked against them.

use super::sections::{Years, child, per, per_number, unit_caps};
use super::{Checker, MAX_ORDER_UNITS, Range, key, valid_id};
use crate::scenario::Accelerator;
use crate::scenario::load::closest;
use crate::scenario::locate::Seg;
use crate::scenario::national::System;
use crate::scenario::raw::RawSystem;
use std::collections::BTreeSet;

/// The `systems` list, each entry checked: a valid, unique id; an accelerator of the
/// scenario (`named_ids`: every id the file names, so that an accelerator whose own entry
/// is wrong is not blamed twice); `cards` a whole number >= 1; `price` >= 0 and
/// `extra_power_w` >= 0; `max_units` whole numbers; `available` per period.
pub(super) fn systems_of(
    c: &mut Checker,
    y: &Years,
    raw: Option<Vec<RawSystem>>,
    accelerators: &[Accelerator],
    named_ids: &[String],
) -> Vec<System> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let ids: Vec<&str> = named_ids.iter().map(String::as_str).collect();
    for (i, r) in raw.unwrap_or_default().into_iter().enumerate() {
        let base = vec![key("systems"), Seg::Index(i)];
        let at = |f: &str| child(&base, f);
        let id = match r.id {
            None => {
                c.error(&base, format!("systems[{i}].id is required"));
                None
            }
            Some(id) if !valid_id(&id) => {
                c.error(
                    &at("id"),
                    format!("systems[{i}].id `{id}` must use only a-z, 0-9, '.', '_' and '-'"),
                );
                None
            }
            Some(id) if !seen.insert(id.clone()) => {
                c.error(&at("id"), format!("systems[{i}].id `{id}` is listed twice"));
                None
            }
            Some(id) => Some(id),
        };
        let label = format!("systems[{}]", id.clone().unwrap_or_else(|| i.to_string()));
        let l = |f: &str| format!("{label}.{f}");
        let accelerator = match r.accelerator {
            None => {
                c.error(
                    &base,
                    format!(
                        "{} is required: the accelerator of the cards inside",
                        l("accelerator")
                    ),
                );
                None
            }
            Some(name) => match accelerators.iter().position(|a| a.id == name) {
                Some(a) => Some(a),
                // Named, but its own entry has a problem (already reported).
                None if named_ids.contains(&name) => None,
                None => {
                    let hint = closest(&name, &ids)
                        .map(|b| format!(" (did you mean `{b}`?)"))
                        .unwrap_or_default();
                    c.error(
                        &at("accelerator"),
                        format!(
                            "{} `{name}` is not an accelerator of this scenario{hint}",
                            l("accelerator")
                        ),
                    );
                    None
                }
            },
        };
        let cards = match r.cards {
            None => {
                c.error(
                    &base,
                    format!("{} is required: cards inside one system", l("cards")),
                );
                None
            }
            v => c.whole(&at("cards"), &l("cards"), v, 1.0, MAX_ORDER_UNITS),
        };
        let price = match r.price {
            None => {
                c.error(
                    &base,
                    format!(
                        "{} is required: the price of one system, cards included",
                        l("price")
                    ),
                );
                None
            }
            v => per_number(c, y, &at("price"), &l("price"), v, Range::NonNegative),
        };
        let extra_power_w = match r.extra_power_w {
            None => Some(0.0),
            v => c.number(
                &at("extra_power_w"),
                &l("extra_power_w"),
                v,
                Range::NonNegative,
            ),
        };
        let max_units = unit_caps(c, y, &at("max_units"), &l("max_units"), r.max_units);
        let available = match r.available {
            None => Some(vec![true; y.years.len()]),
            v => per(c, y, &at("available"), &l("available"), v),
        };
        if let (
            Some(id),
            Some(accelerator),
            Some(cards),
            Some(price),
            Some(extra_power_w),
            Some(max_units),
            Some(available),
        ) = (
            id,
            accelerator,
            cards,
            price,
            extra_power_w,
            max_units,
            available,
        ) {
            out.push(System {
                id,
                name: r.name,
                accelerator,
                cards,
                price,
                extra_power_w,
                max_units,
                available,
            });
        }
    }
    out
}
