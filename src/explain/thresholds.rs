//! Break-even unit prices, by bisection on re-solves: for an accelerator the plan buys (at
//! any site, in any period), the price above which the optimal plan buys none of it; for one
//! it does not buy, the price below which it would buy some. Searched between 0 and ten
//! times today's price, to 0.5% of the threshold.
//!
//! With per-period prices (`unit_price: {2025: ..., 2026: ...}`) the price moves as one:
//! every period's price is multiplied by the same factor, so the price path keeps its shape,
//! and the price and the threshold are reported as the first period's. (When the first
//! period's price is 0, the same amount is added to every period's price instead.) A
//! threshold of 1.3 x today's first-period price thus means: with every period's price 30%
//! higher the plan buys none of it.

use super::probe::{Answer, Probe, set_per_period};
use crate::error::PlanError;
use crate::plan::Plan;
use crate::scenario::national::National;
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
    /// The accelerator's display name (`name:` in the scenario), when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Whether today's plan buys it.
    pub in_plan: bool,
    /// Today's unit price (the first period's, with per-period prices).
    pub unit_price: f64,
    /// In the plan: the price from which the plan buys none (it still buys some just below).
    /// Not in the plan: the price up to which the plan buys some (none just above).
    /// `null` when the plan does not change anywhere between 0 and ten times today's price.
    pub threshold: Option<f64>,
    /// Why there is no threshold, when there is none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One accelerator's prices: every period's, moved together by the first period's.
struct Prices<'a> {
    n: &'a National,
    id: &'a str,
    today: &'a [f64],
}

impl Prices<'_> {
    /// Every period's price when the first period's is `first`.
    fn at(&self, first: f64) -> Vec<f64> {
        let p0 = self.today[0];
        let mut out: Vec<f64> = if p0 > 0.0 {
            self.today.iter().map(|p| p * first / p0).collect()
        } else {
            self.today.iter().map(|p| p + first).collect()
        };
        out[0] = first;
        out
    }

    /// Whether the plan buys some at first-period price `first`: `None` without a plan,
    /// `Err(())` inside when the question was not asked (out of time).
    fn bought(&self, probe: &Probe, first: f64) -> Result<Result<Option<bool>, ()>, PlanError> {
        let path = format!("accelerators[{}].unit_price", self.id);
        let answer = probe.ask(&[set_per_period(self.n, &path, &self.at(first))])?;
        if let Answer::Skipped = answer {
            return Ok(Err(()));
        }
        Ok(Ok(answer.units(self.id).map(|u| u > 0.0)))
    }

    /// Bisects for the price where buying flips, between `lo` (bought == `at_lo`) and
    /// `hi`; `None` when the time for re-solves ran out first.
    fn bisect(
        &self,
        probe: &Probe,
        mut lo: f64,
        mut hi: f64,
        at_lo: bool,
        tolerance: f64,
    ) -> Result<Option<(f64, f64)>, PlanError> {
        while hi - lo > tolerance.max(PRECISION * hi) {
            let mid = 0.5 * (lo + hi);
            match self.bought(probe, mid)? {
                Err(()) => return Ok(None),
                Ok(Some(b)) if b == at_lo => lo = mid,
                // A price with no plan at all cannot happen for a feasible scenario (the
                // price only moves the objective); treat it like the far side.
                Ok(_) => hi = mid,
            }
        }
        Ok(Some((lo, hi)))
    }
}

const OUT_OF_TIME: &str = "not searched to the end: the time for re-solves ran out";

/// Thresholds of every accelerator of `n` available in some period, for `plan`.
pub fn thresholds(probe: &Probe, n: &National, plan: &Plan) -> Result<Vec<Threshold>, PlanError> {
    if !plan.status.has_plan() {
        return Ok(Vec::new());
    }
    n.accelerators
        .par_iter()
        .zip(&n.per_period)
        .filter(|(_, p)| p.available.iter().any(|a| *a))
        .map(|(a, p)| {
            let prices = Prices {
                n,
                id: &a.id,
                today: &p.unit_price,
            };
            let in_plan = plan.purchases.iter().any(|p| p.id == a.id && p.units > 0.0);
            let price = p.unit_price[0];
            // Found to 0.5% of the threshold itself (at least a millionth of today's price).
            let tolerance = (1e-6 * price).max(1e-9);
            let out_of_time = || (None, Some(OUT_OF_TIME.to_string()));
            let (threshold, note) = if in_plan {
                let top = RANGE * price;
                match (price > 0.0, prices.bought(probe, top)?) {
                    (false, _) => (
                        None,
                        Some("free today: no higher price to search up to".into()),
                    ),
                    (true, Err(())) => out_of_time(),
                    (true, Ok(Some(true))) => {
                        (None, Some("still bought at ten times today's price".into()))
                    }
                    (true, Ok(None)) => (
                        None,
                        Some("no plan at all at ten times today's price".into()),
                    ),
                    (true, Ok(Some(false))) => {
                        match prices.bisect(probe, price, top, true, tolerance)? {
                            Some((_, hi)) => (Some(hi), None),
                            None => out_of_time(),
                        }
                    }
                }
            } else {
                match prices.bought(probe, 0.0)? {
                    Err(()) => out_of_time(),
                    Ok(Some(true)) => match prices.bisect(probe, 0.0, price, true, tolerance)? {
                        Some((lo, _)) => (Some(lo), None),
                        None => out_of_time(),
                    },
                    Ok(Some(false)) => (None, Some("not bought even at a price of 0".into())),
                    Ok(None) => (None, Some("no plan at all at a price of 0".into())),
                }
            };
            Ok(Threshold {
                id: a.id.clone(),
                name: a.name.clone(),
                in_plan,
                unit_price: price,
                threshold,
                note,
            })
        })
        .collect()
}
