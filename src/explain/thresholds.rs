//! Break-even unit prices, by bisection on re-solves: for an accelerator the plan buys, the
//! price above which the optimal plan buys none of it; for one it does not buy, the price
//! below which it would buy some. Searched between 0 and ten times today's price, to 0.5% of
//! the threshold.

use super::probe::{Probe, set};
use crate::error::PlanError;
use crate::plan::Plan;
use crate::scenario::Scenario;
use rayon::prelude::*;
use serde::Serialize;

/// Relative precision of a threshold (of the threshold).
pub const PRECISION: f64 = 0.005;
/// The search goes up to this multiple of today's price.
pub const RANGE: f64 = 10.0;

/// The break-even price of one accelerator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Threshold {
    /// Accelerator id.
    pub id: String,
    /// Whether today's plan buys it.
    pub in_plan: bool,
    /// Today's unit price.
    pub unit_price: f64,
    /// In the plan: the price from which the plan buys none (it still buys some just below).
    /// Not in the plan: the price up to which the plan buys some (none just above).
    /// `null` when the plan does not change anywhere between 0 and ten times today's price.
    pub threshold: Option<f64>,
    /// Why there is no threshold, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn bought(probe: &Probe, id: &str, price: f64) -> Result<Option<bool>, PlanError> {
    let answer = probe.ask(&[set(&format!("accelerators[{id}].unit_price"), price)])?;
    Ok(answer.units(id).map(|u| u > 0.0))
}

/// Bisects for the price where buying flips, between `lo` (bought == `at_lo`) and `hi`.
fn bisect(
    probe: &Probe,
    id: &str,
    mut lo: f64,
    mut hi: f64,
    at_lo: bool,
    tolerance: f64,
) -> Result<(f64, f64), PlanError> {
    while hi - lo > tolerance.max(PRECISION * hi) {
        let mid = 0.5 * (lo + hi);
        match bought(probe, id, mid)? {
            Some(b) if b == at_lo => lo = mid,
            // A price with no plan at all cannot happen for a feasible scenario (the price
            // only moves the objective); treat it like the far side.
            _ => hi = mid,
        }
    }
    Ok((lo, hi))
}

/// Thresholds of every available accelerator of `s` for `plan`.
pub fn thresholds(probe: &Probe, s: &Scenario, plan: &Plan) -> Result<Vec<Threshold>, PlanError> {
    if !plan.status.has_plan() {
        return Ok(Vec::new());
    }
    s.accelerators
        .par_iter()
        .filter(|a| a.available)
        .map(|a| {
            let in_plan = plan.purchases.iter().any(|p| p.id == a.id && p.units > 0.0);
            let price = a.unit_price;
            // Found to 0.5% of the threshold itself (at least a millionth of today's price).
            let tolerance = (1e-6 * price).max(1e-9);
            let (threshold, note) = if in_plan {
                let top = RANGE * price;
                match (price > 0.0, bought(probe, &a.id, top)?) {
                    (false, _) => (
                        None,
                        Some("free today: no higher price to search up to".into()),
                    ),
                    (true, Some(true)) => {
                        (None, Some("still bought at ten times today's price".into()))
                    }
                    (true, None) => (
                        None,
                        Some("no plan at all at ten times today's price".into()),
                    ),
                    (true, Some(false)) => {
                        let (_, hi) = bisect(probe, &a.id, price, top, true, tolerance)?;
                        (Some(hi), None)
                    }
                }
            } else {
                match bought(probe, &a.id, 0.0)? {
                    Some(true) => {
                        let (lo, _) = bisect(probe, &a.id, 0.0, price, true, tolerance)?;
                        (Some(lo), None)
                    }
                    _ => (None, Some("not bought even at a price of 0".into())),
                }
            };
            Ok(Threshold {
                id: a.id.clone(),
                in_plan,
                unit_price: price,
                threshold,
                note,
            })
        })
        .collect()
}
