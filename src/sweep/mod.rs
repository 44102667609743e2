//! Parameter sweeps: one plan per point of a range or grid of `--set` values, solved in
//! parallel, with the marginal cost between neighbouring points. Every point is validated
//! before the first is solved, and a sweep that is empty or too large is refused up front.
//! [`shard`] splits a sweep for batch engines and merges the pieces back.
//!
//! A sweep can be cancelled ([`Options::cancel`]): the points finished by then keep their
//! rows, and every other point gets a row with status [`INTERRUPTED`] and no figures.

pub mod reuse;
pub mod shard;

use crate::error::{PlanError, ScenarioError};
use crate::plan::{Plan, Purchase, Status};
use crate::planner::{self, Options};
use crate::scenario::{Document, Override};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The status of a point that was not finished when the sweep was cancelled (not a plan
/// status: such a row has no figures).
pub const INTERRUPTED: &str = "interrupted";

/// Most points one sweep may have (100,000: about 10 minutes of 5 ms solves on 2 cores).
pub const MAX_POINTS: usize = 100_000;

pub use crate::error::SweepError;

/// One swept parameter: a `--set` path and the values it takes, as text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    /// The path, e.g. `policy.domestic_share.min`.
    pub path: String,
    /// The values in sweep order.
    pub values: Vec<String>,
}

/// Rounds away float noise (`7 * 0.01` is `0.07000000000000001`): 12 significant digits.
fn tidy(v: f64) -> f64 {
    format!("{v:.11e}").parse().unwrap_or(v)
}

impl Param {
    /// `from`, `from + step`, ... up to `to` (included when `(to - from) / step` is a whole
    /// number within 1e-9).
    pub fn range(path: &str, from: f64, to: f64, step: f64) -> Result<Param, SweepError> {
        let bad = |m: String| Err(SweepError::Spec(format!("--param {path}: {m}")));
        if !(from.is_finite() && to.is_finite() && step.is_finite()) {
            return bad("--from, --to and --step must be finite numbers".into());
        }
        if step == 0.0 {
            return bad("--step must not be 0".into());
        }
        let steps = (to - from) / step;
        if steps < -1e-9 {
            return bad(format!(
                "the range {from} to {to} with step {step} is empty (the step goes the other way)"
            ));
        }
        let count = (steps + 1e-9).floor() + 1.0;
        if count > MAX_POINTS as f64 {
            return bad(format!(
                "{count} points is more than the limit of {MAX_POINTS} for one sweep; use a larger step"
            ));
        }
        let values = (0..count as usize)
            .map(|i| tidy(from + i as f64 * step).to_string())
            .collect();
        Ok(Param {
            path: path.to_string(),
            values,
        })
    }

    /// An explicit list of values.
    pub fn list(path: &str, values: &[String]) -> Result<Param, SweepError> {
        let values: Vec<String> = values.iter().map(|v| v.trim().to_string()).collect();
        if values.is_empty() || values.iter().any(String::is_empty) {
            return Err(SweepError::Spec(format!(
                "--param {path}: --values needs a comma-separated list with no empty entries"
            )));
        }
        Ok(Param {
            path: path.to_string(),
            values,
        })
    }
}

/// A sweep: the grid of all parameter combinations, the first parameter varying slowest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sweep {
    /// The swept parameters.
    pub params: Vec<Param>,
}

impl Sweep {
    /// A sweep over `params`, refused when it has no points or more than [`MAX_POINTS`].
    pub fn new(params: Vec<Param>) -> Result<Sweep, SweepError> {
        if params.is_empty() {
            return Err(SweepError::Spec(
                "a sweep needs at least one --param with --from/--to/--step or --values".into(),
            ));
        }
        for (i, p) in params.iter().enumerate() {
            if params[..i].iter().any(|q| q.path == p.path) {
                return Err(SweepError::Spec(format!(
                    "--param {} is given twice",
                    p.path
                )));
            }
        }
        let mut total: usize = 1;
        for p in &params {
            total = total
                .checked_mul(p.values.len())
                .filter(|&t| t <= MAX_POINTS)
                .ok_or_else(|| {
                    SweepError::Spec(format!(
                        "the grid has more than {MAX_POINTS} points (the limit for one sweep): {}",
                        params
                            .iter()
                            .map(|p| format!("{} x{}", p.path, p.values.len()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
        }
        Ok(Sweep { params })
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.params.iter().map(|p| p.values.len()).product()
    }

    /// Whether the sweep has no points (never true for a sweep built by [`Sweep::new`]).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value index of each parameter at point `i`.
    fn digits(&self, mut i: usize) -> Vec<usize> {
        let mut out = vec![0; self.params.len()];
        for (k, p) in self.params.iter().enumerate().rev() {
            out[k] = i % p.values.len();
            i /= p.values.len();
        }
        out
    }

    /// The parameter values at point `i`.
    pub fn values(&self, i: usize) -> Vec<String> {
        self.digits(i)
            .iter()
            .zip(&self.params)
            .map(|(&d, p)| p.values[d].clone())
            .collect()
    }

    /// The overrides of point `i`.
    pub fn overrides(&self, i: usize) -> Vec<Override> {
        self.values(i)
            .iter()
            .zip(&self.params)
            .map(|(v, p)| Override::new(&p.path, v))
            .collect()
    }

    /// Point `i` written as `path=value, ...` for messages.
    pub fn label(&self, i: usize) -> String {
        let sets: Vec<String> = self.overrides(i).iter().map(|o| o.to_string()).collect();
        format!("{} ({})", i + 1, sets.join(", "))
    }

    /// Distance (in points) between neighbours along the first parameter.
    fn stride(&self) -> usize {
        self.params[1..].iter().map(|p| p.values.len()).product()
    }
}

/// The result at one point: the columns of the sweep contract.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// Position in the sweep (0-based).
    pub index: usize,
    /// Parameter values, as text, in `--param` order.
    pub values: Vec<String>,
    /// `optimal`, `feasible`, `infeasible`, `unbounded` or `error`.
    pub status: String,
    /// Total cost (none without a plan).
    pub total_cost: Option<f64>,
    /// Capex.
    pub capex: Option<f64>,
    /// Opex.
    pub opex: Option<f64>,
    /// Adoption.
    pub adoption: Option<f64>,
    /// The discounted residual value credited (with `costs.residual_value` only): the
    /// sweep then has a `residual` column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residual: Option<f64>,
    /// The discounted energy discount earned (with `costs.domestic_energy_discount` only):
    /// the sweep then has an `energy_discount` column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub energy_discount: Option<f64>,
    /// The discounted cost of removals and moves of installed units, less salvage (when
    /// some `existing` entry has a `removal`): the sweep then has a `removal` column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removal: Option<f64>,
    /// Fleet PFLOPS.
    pub pflops: Option<f64>,
    /// Achieved domestic share.
    pub domestic_share: Option<f64>,
    /// Change of total cost per unit of the first parameter since its previous value.
    pub marginal_cost: Option<f64>,
    /// The plan's relative gap to its proven bound (0 when proven optimal; none without a
    /// plan).
    #[serde(default)]
    pub gap: Option<f64>,
    /// The proven bound on the objective (lower bound on total cost for `min_cost`, upper
    /// bound on PFLOPS for `max_pflops`; none without a plan or without a bound).
    #[serde(default)]
    pub bound: Option<f64>,
    /// New cards per accelerator (loose ones and those inside systems), in
    /// [`SweepResult::ids`] order (none without a plan).
    pub units: Vec<Option<f64>>,
    /// Why there is no plan (infeasible: the first conflict; error: the message).
    #[serde(default)]
    pub note: Option<String>,
    /// Every purchase of the point's plan, with its site and period (empty without a plan):
    /// what `merge` re-checks a shard's figures against. Not a column of the sweep.
    #[serde(default)]
    pub purchases: Vec<Bought>,
    /// The point's removals and moves of installed units (empty without them): re-checked
    /// by `merge` with the purchases. Not a column of the sweep.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removals: Vec<crate::plan::RemovalRow>,
    /// Scenarios with sites or periods: the site share with the least margin over its rule
    /// (its value is the `domestic_share` column), and the national share.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding_share: Option<BindingShare>,
}

/// The domestic share that binds in a plan with sites or periods: of every site's share in
/// every period, the one with the least margin over its rule (the lowest share when no
/// rule applies), and the national share beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BindingShare {
    /// The share.
    pub value: f64,
    /// Its margin over its rule's minimum (`None` without a rule anywhere).
    pub margin: Option<f64>,
    /// Where: `SITE/YEAR` (either part left out where the scenario has none).
    pub at: String,
    /// The national share of the last period (the plan's `domestic_share`).
    pub national: Option<f64>,
}

impl BindingShare {
    /// The binding share of `plan`, when it has sites or periods and a plan.
    pub fn of(plan: &Plan) -> Option<BindingShare> {
        if !plan.status.has_plan() || (plan.sites.is_empty() && plan.periods.is_empty()) {
            return None;
        }
        let mut best: Option<(f64, Option<f64>, String)> = None;
        for s in &plan.sites {
            for p in &s.periods {
                let Some(v) = p.domestic_share.value else {
                    continue;
                };
                let margin = p.domestic_share.min.map(|m| v - m);
                let key = margin.map_or((1, v), |m| (0, m));
                let better = match &best {
                    None => true,
                    Some((bv, bm, _)) => {
                        let bkey = bm.map_or((1, *bv), |m| (0, m));
                        key.0 < bkey.0 || (key.0 == bkey.0 && key.1 < bkey.1 - 1e-12)
                    }
                };
                if better {
                    let at = match p.period {
                        Some(y) => format!("{}/{y}", s.id),
                        None => s.id.clone(),
                    };
                    best = Some((v, margin, at));
                }
            }
        }
        let (value, margin, at) = best?;
        Some(BindingShare {
            value,
            margin,
            at,
            national: plan.domestic_share.as_ref().and_then(|d| d.value),
        })
    }
}

/// One purchase row of a point's plan, as a shard file keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bought {
    /// Accelerator id.
    pub id: String,
    /// Site (scenarios with sites).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Year (scenarios with periods).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    /// New units (systems, for a system purchase).
    pub units: f64,
    /// The whole system bought (section 6); absent for loose cards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
}

/// A finished sweep (or one shard of it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepResult {
    /// The scenario's name.
    pub scenario: String,
    /// Currency of the money columns.
    pub currency: String,
    /// The sweep.
    pub sweep: Sweep,
    /// Accelerator ids, in scenario order, for the `units.<id>` columns.
    pub ids: Vec<String>,
    /// Rows in sweep order.
    pub rows: Vec<Row>,
    /// The scenario has sites or periods: the rows carry their binding share, in the
    /// columns `domestic_share_margin`, `domestic_share_at` and `national_domestic_share`.
    #[serde(default)]
    pub national: bool,
    /// The scenario maximises PFLOPS: the `bound` column is in PFLOPS, not money.
    #[serde(default)]
    pub max_pflops: bool,
}

impl SweepResult {
    /// Points whose rows say [`INTERRUPTED`]: not finished when the sweep was cancelled.
    pub fn interrupted(&self) -> usize {
        self.rows.iter().filter(|r| r.status == INTERRUPTED).count()
    }

    /// Fills `marginal_cost`: along the first parameter, the change of total cost from the
    /// point with its previous value (the other parameters equal), divided by the change of
    /// that value. Empty on the first value, next to points without a plan, and when the
    /// parameter is not a number. Needs every row of the sweep.
    pub fn fill_marginal_costs(&mut self) {
        let stride = self.sweep.stride();
        let by_index: std::collections::HashMap<usize, (Option<f64>, Option<f64>)> = self
            .rows
            .iter()
            .map(|r| {
                let x = r.values.first().and_then(|v| v.parse::<f64>().ok());
                (r.index, (x, r.total_cost))
            })
            .collect();
        for row in &mut self.rows {
            row.marginal_cost = None;
            if row.index < stride {
                continue;
            }
            let (Some((Some(x1), Some(c1))), Some((Some(x0), Some(c0)))) = (
                by_index.get(&row.index),
                by_index.get(&(row.index - stride)),
            ) else {
                continue;
            };
            if x1 != x0 {
                row.marginal_cost = Some((c1 - c0) / (x1 - x0));
            }
        }
    }
}

/// A sweep ready to run: the document, the overrides common to every point, and the grid.
/// What validating a sweep's points tells about all of them.
#[derive(Debug, Clone)]
pub struct Validated {
    /// Accelerator ids, in scenario order.
    pub ids: Vec<String>,
    /// The scenario's name.
    pub scenario: String,
    /// Its currency.
    pub currency: String,
    /// Whether it has sites or periods.
    pub national: bool,
    /// Whether it maximises PFLOPS.
    pub max_pflops: bool,
}

/// One sweep to run.
pub struct Job<'a> {
    /// The scenario, parsed once.
    pub document: &'a Document,
    /// `--set` overrides applied before each point's own.
    pub base: &'a [Override],
    /// The grid.
    pub sweep: &'a Sweep,
    /// Solver options for every point.
    pub options: Options,
}

impl Job<'_> {
    fn sets(&self, i: usize) -> Vec<Override> {
        let mut sets = self.base.to_vec();
        sets.extend(self.sweep.overrides(i));
        sets
    }

    /// Checks that every point in `indices` is a valid scenario, before any is solved.
    /// Returns the accelerator ids of the first point (the `units.<id>` columns), the
    /// scenario's name and its currency.
    pub fn validate(&self, indices: &[usize]) -> Result<Validated, SweepError> {
        // A path that does not exist is said once, not once per point.
        for p in &self.sweep.params {
            let probe = Override::new(&p.path, &p.values[0]);
            self.document
                .check_path(&probe)
                .map_err(|e| SweepError::Spec(format!("--param {}: {e}", p.path)))?;
        }
        let mut failures: Vec<(usize, ScenarioError)> = indices
            .par_iter()
            .filter_map(|&i| self.document.resolve(&self.sets(i)).err().map(|e| (i, e)))
            .collect();
        if !failures.is_empty() {
            failures.sort_by_key(|(i, _)| *i);
            failures.truncate(5);
            return Err(SweepError::Points(
                failures
                    .into_iter()
                    .map(|(i, e)| (self.sweep.label(i), e))
                    .collect(),
            ));
        }
        let first = indices.first().copied().unwrap_or(0);
        let s = self
            .document
            .resolve(&self.sets(first))
            .map_err(|e| SweepError::Points(vec![(self.sweep.label(first), e)]))?
            .scenario;
        let ids = s.accelerators.iter().map(|a| a.id.clone()).collect();
        Ok(Validated {
            national: !s.is_single(),
            max_pflops: s.objective == crate::scenario::Objective::MaxPflops,
            ids,
            scenario: s.name.to_string(),
            currency: s.currency.to_string(),
        })
    }

    /// Solves the points in `indices` in parallel (on the current rayon pool), calling
    /// `done` after each. Rows come back in `indices` order, without marginal costs. Once
    /// the options' cancellation fires, no point is started, and a point under way keeps
    /// its row only when its result is proven (optimal, infeasible or unbounded): the
    /// others get an [`INTERRUPTED`] row, since a run to the end could give another one.
    pub fn run(
        &self,
        indices: &[usize],
        ids: &[String],
        done: &(dyn Fn() + Sync),
    ) -> Result<Vec<Row>, SweepError> {
        let keys = self.tightness(indices);
        let order = match &keys {
            Some(k) => reuse::looser_first(k),
            None => (0..indices.len()).collect(),
        };
        let proven = reuse::Proven::default();
        // Each worker takes the next point in order (rather than a share of them fixed
        // up front), so looser points are solved before the tighter ones start.
        let next = std::sync::atomic::AtomicUsize::new(0);
        let point = |pos: usize| -> Result<(usize, Row), SweepError> {
            let i = indices[pos];
            if self.options.cancel.is_set() {
                return Ok((pos, interrupted_row(i, self.sweep.values(i), ids)));
            }
            let loaded = self
                .document
                .resolve(&self.sets(i))
                .map_err(|e| SweepError::Points(vec![(self.sweep.label(i), e)]))?;
            let key = keys.as_ref().map(|k| k[pos].as_slice());
            let reused =
                key.and_then(|k| proven.known(&loaded.scenario, k, self.options.backend.as_str()));
            let solved = reused.is_none();
            let planned = match reused {
                Some(plan) => Ok(plan),
                None => planner::plan(&loaded.scenario, &self.options),
            };
            // (A plan known from another point adds nothing to what is known.)
            if let (Ok(plan), Some(k), true) = (&planned, key, solved) {
                proven.add(k, &self.sweep.label(i), plan);
            }
            let row = match planned {
                Ok(plan) if self.options.cancel.is_set() && !proven_status(plan.status) => {
                    interrupted_row(i, self.sweep.values(i), ids)
                }
                Ok(plan) => row(i, self.sweep.values(i), &plan, ids),
                Err(e @ PlanError::SolverUnavailable(_)) => {
                    return Err(SweepError::Plan(self.sweep.label(i), e));
                }
                Err(_) if self.options.cancel.is_set() => {
                    interrupted_row(i, self.sweep.values(i), ids)
                }
                // A failure of the solver at one point is that point's result.
                Err(e) => error_row(i, self.sweep.values(i), ids, e.to_string()),
            };
            done();
            Ok((pos, row))
        };
        let workers = rayon::current_num_threads().clamp(1, order.len().max(1));
        let mut rows: Vec<(usize, Row)> = (0..workers)
            .into_par_iter()
            .map(|_| {
                let mut out = Vec::new();
                loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(&pos) = order.get(k) else {
                        return Ok(out);
                    };
                    out.push(point(pos)?);
                }
            })
            .collect::<Result<Vec<Vec<(usize, Row)>>, SweepError>>()?
            .into_iter()
            .flatten()
            .collect();
        rows.sort_by_key(|(pos, _)| *pos);
        Ok(rows.into_iter().map(|(_, row)| row).collect())
    }

    /// How tight each point of `indices` is ([`reuse::tightness`]), when plans can be
    /// reused between them.
    fn tightness(&self, indices: &[usize]) -> Option<Vec<Vec<f64>>> {
        let paths: Vec<&str> = self.sweep.params.iter().map(|p| p.path.as_str()).collect();
        let values: Vec<Vec<String>> = indices.iter().map(|&i| self.sweep.values(i)).collect();
        reuse::tightness(&paths, &values)
    }
}

/// Whether a point's status holds whatever stopped its search: a proven optimum, or a
/// proof that there is no plan.
fn proven_status(status: Status) -> bool {
    matches!(
        status,
        Status::Optimal | Status::Infeasible | Status::Unbounded
    )
}

/// The row of a point not finished when the sweep was cancelled.
fn interrupted_row(index: usize, values: Vec<String>, ids: &[String]) -> Row {
    let mut row = error_row(
        index,
        values,
        ids,
        "the sweep was interrupted before this point was solved".into(),
    );
    row.status = INTERRUPTED.into();
    row
}

/// The row of point `index` for `plan`.
fn row(index: usize, values: Vec<String>, plan: &Plan, ids: &[String]) -> Row {
    let has = plan.status.has_plan();
    let units = ids
        .iter()
        .map(|id| {
            has.then(|| {
                // Cards: loose ones, and those inside the systems bought.
                plan.purchases
                    .iter()
                    .filter(|p| &p.id == id)
                    .map(Purchase::cards_bought)
                    .fold(0.0, |a, b| a + b)
            })
        })
        .collect();
    let note = match plan.status {
        Status::Optimal | Status::Feasible => None,
        _ => plan
            .conflicts
            .first()
            .cloned()
            .or_else(|| plan.message.clone()),
    };
    let keep = |v: Option<f64>| if has { v } else { None };
    let binding_share = BindingShare::of(plan);
    Row {
        index,
        values,
        status: plan.status.as_str().to_string(),
        total_cost: keep(plan.total_cost),
        capex: keep(plan.capex),
        opex: keep(plan.opex),
        adoption: keep(plan.adoption),
        residual: keep(plan.residual),
        energy_discount: keep(plan.energy_discount),
        removal: keep(plan.removal),
        pflops: keep(plan.pflops),
        domestic_share: match &binding_share {
            Some(b) => Some(b.value),
            None => keep(plan.domestic_share.as_ref().and_then(|d| d.value)),
        },
        marginal_cost: None,
        gap: keep(plan.gap),
        bound: keep(plan.bound),
        units,
        note,
        purchases: if has {
            plan.purchases
                .iter()
                .map(|p| Bought {
                    id: p.id.clone(),
                    site: p.site.clone(),
                    period: p.period,
                    units: p.units,
                    system: p.system.clone(),
                })
                .collect()
        } else {
            Vec::new()
        },
        removals: if has {
            plan.removals.clone()
        } else {
            Vec::new()
        },
        binding_share,
    }
}

/// The row of a point where the planner failed.
fn error_row(index: usize, values: Vec<String>, ids: &[String], why: String) -> Row {
    Row {
        index,
        values,
        status: Status::Error.as_str().to_string(),
        total_cost: None,
        capex: None,
        opex: None,
        adoption: None,
        residual: None,
        energy_discount: None,
        removal: None,
        pflops: None,
        domestic_share: None,
        marginal_cost: None,
        gap: None,
        bound: None,
        units: vec![None; ids.len()],
        note: Some(why),
        purchases: Vec::new(),
        removals: Vec::new(),
        binding_share: None,
    }
}

/// Runs a whole sweep: validates every point, solves them in parallel, fills marginal costs.
pub fn run(job: &Job, done: &(dyn Fn() + Sync)) -> Result<SweepResult, SweepError> {
    let indices: Vec<usize> = (0..job.sweep.len()).collect();
    let v = job.validate(&indices)?;
    let rows = job.run(&indices, &v.ids, done)?;
    let mut result = SweepResult {
        scenario: v.scenario,
        currency: v.currency,
        sweep: job.sweep.clone(),
        ids: v.ids,
        rows,
        national: v.national,
        max_pflops: v.max_pflops,
    };
    reuse::name_ruled_out(&result.sweep, &mut result.rows);
    result.fill_marginal_costs();
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_includes_both_ends_and_has_clean_values() {
        let p = Param::range("x", 0.0, 1.0, 0.01).unwrap();
        assert_eq!(p.values.len(), 101);
        assert_eq!(p.values[7], "0.07");
        assert_eq!(p.values[100], "1");
        let p = Param::range("x", 3e9, 5e9, 2.5e8).unwrap();
        assert_eq!(p.values[1], "3250000000");
        assert_eq!(Param::range("x", 0.0, 0.95, 0.1).unwrap().values.len(), 10);
        assert_eq!(Param::range("x", 1.0, 0.0, -0.25).unwrap().values.len(), 5);
    }

    #[test]
    fn bad_ranges_are_refused_with_the_reason() {
        let e = Param::range("x", 0.0, 1.0, 0.0).unwrap_err().to_string();
        assert!(e.contains("must not be 0"), "{e}");
        let e = Param::range("x", 1.0, 0.0, 0.1).unwrap_err().to_string();
        assert!(e.contains("empty"), "{e}");
        let e = Param::range("x", 0.0, 1.0, 1e-9).unwrap_err().to_string();
        assert!(e.contains("more than the limit"), "{e}");
        let a = Param::range("a", 0.0, 999.0, 1.0).unwrap();
        let b = Param::range("b", 0.0, 999.0, 1.0).unwrap();
        let e = Sweep::new(vec![a, b]).unwrap_err().to_string();
        assert!(e.contains("more than 100000 points"), "{e}");
        assert!(Sweep::new(vec![]).is_err());
    }

    #[test]
    fn the_first_parameter_varies_slowest() {
        let s = Sweep::new(vec![
            Param::list("a", &["1".into(), "2".into()]).unwrap(),
            Param::list("b", &["x".into(), "y".into(), "z".into()]).unwrap(),
        ])
        .unwrap();
        assert_eq!(s.len(), 6);
        assert_eq!(s.values(0), vec!["1", "x"]);
        assert_eq!(s.values(2), vec!["1", "z"]);
        assert_eq!(s.values(3), vec!["2", "x"]);
        assert_eq!(s.stride(), 3);
    }

    fn result(costs: &[Option<f64>], xs: &[&str]) -> SweepResult {
        let sweep = Sweep::new(vec![
            Param::list("a", &xs.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap(),
        ])
        .unwrap();
        SweepResult {
            scenario: "t".into(),
            currency: "CNY".into(),
            sweep,
            ids: vec![],
            rows: costs
                .iter()
                .enumerate()
                .map(|(i, c)| Row {
                    index: i,
                    values: vec![xs[i].to_string()],
                    status: if c.is_some() { "optimal" } else { "infeasible" }.into(),
                    total_cost: *c,
                    capex: None,
                    opex: None,
                    adoption: None,
                    residual: None,
                    energy_discount: None,
                    removal: None,
                    pflops: None,
                    domestic_share: None,
                    marginal_cost: None,
                    gap: None,
                    bound: None,
                    units: vec![],
                    note: None,
                    purchases: vec![],
                    removals: vec![],
                    binding_share: None,
                })
                .collect(),
            national: false,
            max_pflops: false,
        }
    }

    #[test]
    fn marginal_costs_skip_the_first_row_and_infeasible_neighbours() {
        let mut r = result(
            &[Some(100.0), Some(103.0), None, Some(110.0)],
            &["0", "0.01", "0.02", "0.03"],
        );
        r.fill_marginal_costs();
        let m: Vec<Option<f64>> = r.rows.iter().map(|r| r.marginal_cost).collect();
        assert_eq!(m[0], None);
        assert!((m[1].unwrap() - 300.0).abs() < 1e-6, "{m:?}");
        assert_eq!(m[2], None);
        assert_eq!(m[3], None);
    }
}
