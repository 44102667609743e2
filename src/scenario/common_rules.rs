//! The rules every future sets on the common periods, in one scenario: a future's
//! scenario whose first `decide_now` periods carry the tightest limit of every future
//! (least supply cap, budget, resource cap and power, greatest minimum share, a card or
//! system on sale only where it is on sale in all).
//!
//! Common decisions must hold in every future, so in each future they meet all the
//! futures' rules of the common periods. Planning a future with those rules is therefore
//! a relaxation of planning it under the hedge (its later decisions stay its own): its
//! optimum, and any bound on it, is a lower bound on that future's cost in any plan that
//! holds in all futures. Its plan's common decisions hold in every future's common
//! periods, so they are a candidate as well.
//!
//! Taking the tightest value of each limit is the intersection of the futures' rules only
//! when the futures differ in limits alone (the activity a limit bounds is the same in
//! each). The futures differ only where their overrides write, so the overrides' fields
//! decide: limits (merged), and prices, which change costs but no rule when there is no
//! budget. Any other field written by a future (a card's speed, power or lifetime, a
//! demand, a rule's basis) gives no merged scenario.

use super::futures::Futures;
use super::national::{National, ShareRule};
use super::overrides::written_field;

/// Limits a future's overrides may write with the futures still merged (the fields'
/// names).
const LIMITS: &[&str] = &[
    "available",
    "max_units",
    "cap",
    "budget",
    "capex_budget",
    "power_kw",
];

/// Fields that change costs only (when no future has a budget).
const PRICES: &[&str] = &["unit_price", "energy_price_per_kwh", "price"];

/// Share rules, whose `min` is a limit.
const SHARE_RULES: &[&str] = &["domestic_share", "national_domestic_share"];

/// Whether the futures differ only in fields this merge handles.
fn mergeable(f: &Futures) -> bool {
    let budgets = f
        .list
        .iter()
        .any(|fu| fu.scenario.budget.is_some() || fu.scenario.capex_budget.is_some());
    f.list
        .iter()
        .flat_map(|fu| &fu.set_values)
        .all(|(path, _)| {
            let (field, parent) = written_field(path);
            LIMITS.contains(&field.as_str())
                || (field == "min" && SHARE_RULES.contains(&parent.as_str()))
                || (!budgets && PRICES.contains(&field.as_str()))
        })
}

/// The least of two optional caps (`None`: no cap).
fn least(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// A card's (or system's) supply caps and sale per period, for the periods of `theirs`:
/// the least cap, on sale only where on sale in both; whether any got tighter.
fn on_sale_in_both(
    (caps, sale): (&mut [Option<u64>], &mut [bool]),
    (their_caps, their_sale): (&[Option<u64>], &[bool]),
) -> bool {
    let mut tighter = false;
    for t in 0..their_caps.len() {
        let cap = least(caps[t], their_caps[t]);
        let on_sale = sale[t] && their_sale[t];
        tighter |= cap != caps[t] || on_sale != sale[t];
        (caps[t], sale[t]) = (cap, on_sale);
    }
    tighter
}

/// Sets `mine` to `theirs` when it is tighter (`lower`: a cap, else a minimum); whether
/// it was.
fn take(mine: &mut f64, theirs: f64, lower: bool) -> bool {
    let tighter = if lower {
        theirs < *mine
    } else {
        theirs > *mine
    };
    if tighter {
        *mine = theirs;
    }
    tighter
}

/// An optional cap per period (a budget, a site's power) made the least of both in the
/// first `d` periods: whether it got tighter; `None` when one side has it and the other
/// not.
fn least_caps(mine: &mut Option<Vec<f64>>, theirs: &Option<Vec<f64>>, d: usize) -> Option<bool> {
    match (mine, theirs) {
        (Some(m), Some(o)) => Some((0..d).fold(false, |any, t| take(&mut m[t], o[t], true) | any)),
        (None, None) => Some(false),
        _ => None,
    }
}

/// An optional share rule whose minimum is made the greatest of both in the first `d`
/// periods: whether it got tighter; `None` when one side has it and the other not, or
/// their basis or strictness differ.
fn greatest_minimum(
    mine: &mut Option<ShareRule>,
    theirs: &Option<ShareRule>,
    d: usize,
) -> Option<bool> {
    match (mine, theirs) {
        (Some(m), Some(o)) if m.basis == o.basis && m.strict == o.strict => {
            Some((0..d).fold(false, |any, t| take(&mut m.min[t], o.min[t], false) | any))
        }
        (None, None) => Some(false),
        _ => None,
    }
}

/// Future `i`'s scenario with every future's limits on the common periods (see the
/// module's documentation), and whether any of its own got tighter; `None` when the
/// futures differ in more than limits and prices, or a limit is set in one future and
/// absent in another (a budget, a power cap, a share rule).
pub fn common_rules(f: &Futures, i: usize) -> Option<(National, bool)> {
    if !mergeable(f) {
        return None;
    }
    let mut out = f.list[i].scenario.clone();
    out.futures = None;
    let d = f.decide_now.min(out.periods());
    let mut tighter = false;
    for other in f.list.iter().map(|fu| &fu.scenario) {
        for (mine, theirs) in out.per_period.iter_mut().zip(&other.per_period) {
            let theirs = (&theirs.max_units[..d], &theirs.available[..d]);
            tighter |= on_sale_in_both((&mut mine.max_units, &mut mine.available), theirs);
        }
        for (mine, theirs) in out.systems.iter_mut().zip(&other.systems) {
            let theirs = (&theirs.max_units[..d], &theirs.available[..d]);
            tighter |= on_sale_in_both((&mut mine.max_units, &mut mine.available), theirs);
        }
        for (mine, theirs) in out.resources.iter_mut().zip(&other.resources) {
            for t in 0..d {
                tighter |= take(&mut mine.cap[t], theirs.cap[t], true);
            }
        }
        for (mine, theirs) in [
            (&mut out.budget, &other.budget),
            (&mut out.capex_budget, &other.capex_budget),
        ] {
            tighter |= least_caps(mine, theirs, d)?;
        }
        tighter |= greatest_minimum(&mut out.national_share, &other.national_share, d)?;
        for (mine, theirs) in out.sites.iter_mut().zip(&other.sites) {
            tighter |= least_caps(&mut mine.power_kw, &theirs.power_kw, d)?;
            tighter |= greatest_minimum(&mut mine.domestic_share, &theirs.domestic_share, d)?;
        }
    }
    Some((out, tighter))
}

#[cfg(test)]
mod tests {
    use super::{common_rules, written_field};
    use crate::scenario::load_str;

    /// Two cards over 2026-2027, two futures: the second with `set` (YAML mapping lines),
    /// with `extra` lines at the top level.
    fn futures(set: &str, extra: &str) -> crate::scenario::national::National {
        let text = format!(
            "name: x\nperiods: [2026, 2027]\naccelerators:\n  - {{id: d, vendor: H, origin: domestic, unit_price: 1000, tflops: 500, power_w: 400, max_units: 8}}\n  - {{id: f, vendor: N, origin: foreign, unit_price: 900, tflops: 500, power_w: 400}}\ndemand: {{pflops: 1}}\n{extra}futures:\n  - {{id: a, probability: 0.5}}\n  - id: b\n    probability: 0.5\n    set:\n      {set}\n"
        );
        load_str(&text, "x.yaml")
            .unwrap_or_else(|e| panic!("{e}\n{text}"))
            .scenario
    }

    #[test]
    fn the_tightest_cap_of_the_common_periods_and_only_there() {
        let nat = futures("\"accelerators[d].max_units\": {2026: 2, 2027: 3}", "");
        let f = nat.futures.as_deref().unwrap();
        let (a, tighter) = common_rules(f, 0).unwrap();
        assert!(tighter);
        assert_eq!(a.per_period[0].max_units, vec![Some(2), Some(8)]);
        let (b, tighter) = common_rules(f, 1).unwrap();
        assert!(!tighter, "future b's own caps are the tightest");
        assert_eq!(b.per_period[0].max_units, vec![Some(2), Some(3)]);
    }

    #[test]
    fn a_card_on_sale_in_the_common_periods_only_where_it_is_in_every_future() {
        let nat = futures(
            "\"accelerators[f].available\": {2026: false, 2027: true}",
            "",
        );
        let f = nat.futures.as_deref().unwrap();
        let (a, tighter) = common_rules(f, 0).unwrap();
        assert!(tighter);
        assert_eq!(a.per_period[1].available, vec![false, true]);
    }

    #[test]
    fn futures_that_differ_in_more_than_limits_are_not_merged() {
        let nat = futures("\"accelerators[d].tflops\": 400", "");
        assert!(common_rules(nat.futures.as_deref().unwrap(), 0).is_none());
        // Prices change costs only, unless a budget counts them.
        let nat = futures("\"accelerators[d].unit_price\": 1200", "");
        assert!(common_rules(nat.futures.as_deref().unwrap(), 0).is_some());
        let nat = futures(
            "\"accelerators[d].unit_price\": 1200",
            "limits: {budget: 100000}\n",
        );
        assert!(common_rules(nat.futures.as_deref().unwrap(), 0).is_none());
    }

    #[test]
    fn the_field_of_a_path() {
        let f = |p: &str| written_field(p);
        assert_eq!(
            f("accelerators[ascend-910c].max_units*"),
            ("max_units".into(), "accelerators".into())
        );
        assert_eq!(f("limits.budget"), ("budget".into(), "limits".into()));
        assert_eq!(
            f("policy.domestic_share.min"),
            ("min".into(), "domestic_share".into())
        );
        assert_eq!(
            f("accelerators[mlu.590].available"),
            ("available".into(), "accelerators".into())
        );
        assert_eq!(f("risk"), ("risk".into(), String::new()));
    }
}
