//! What-if solves for explanations: the scenario with a few more `--set` overrides (or with
//! rules taken out of the resolved scenario), planned without the conflict analysis (only
//! the status and the figures are needed). Every scenario is sites x periods; a section-1
//! file is the 1 x 1 case, asked the same way.
//!
//! Re-solves of a large national scenario are expensive, so each has a time limit that
//! grows with the size of the scenario ([`Probe::limit_s`]), and all of an explanation's
//! questions share one budget ([`QUESTIONS_BUDGET_S`]): a question asked after it ran out
//! is not planned ([`Answer::Skipped`]) and the explanation says so in its notes.

use crate::error::{PlanError, ScenarioError};
use crate::plan::{Plan, Status};
use crate::planner::{Options, plan_quiet};
use crate::scenario::national::National;
use crate::scenario::{Document, Override};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Most seconds one question may take (or the scenario's time limit, if lower) on a
/// scenario of up to [`PROBE_S_PER_CELL`]`^-1 x 2` site-periods. A question cut short still
/// has a valid plan, but not a proven optimum; [`Probe::note`] counts them so the
/// explanation can say so.
pub const PROBE_LIMIT_S: f64 = 2.0;

/// Seconds per site and period a question of a large national scenario may take (when
/// more than [`PROBE_LIMIT_S`]): 10 s for 500 sites x 5 periods, about what microlp needs
/// to find a first plan of such a scenario.
pub const PROBE_S_PER_CELL: f64 = 0.004;

/// Seconds all the questions of one explanation may take together; questions asked later
/// are not planned. Small scenarios never reach it.
pub const QUESTIONS_BUDGET_S: f64 = 120.0;

/// A scenario to ask what-if questions of.
pub struct Probe<'a> {
    /// The scenario, parsed once.
    pub document: &'a Document,
    /// Overrides the user gave; every question adds its own after them.
    pub base: &'a [Override],
    /// How to solve each question.
    pub options: Options,
    /// Questions asked that were planned.
    pub asked: AtomicUsize,
    /// Of those, the ones whose answer is not a proven optimum (time limit).
    pub unproven: AtomicUsize,
    /// Questions not planned because the budget ran out.
    pub skipped: AtomicUsize,
    /// When the questions started.
    started: Instant,
    /// The longest time limit a question was given (as a bit pattern of an f64).
    limit_bits: std::sync::atomic::AtomicU64,
}

/// The answer to one what-if question.
#[derive(Debug)]
pub enum Answer {
    /// The changed scenario is not valid (say, a share above 1): the change is impossible.
    Invalid(ScenarioError),
    /// The plan of the changed scenario (any status).
    Planned(Box<Plan>),
    /// Not planned: the explanation's time budget ran out.
    Skipped,
}

impl Answer {
    /// The plan, when there is one a user could act on.
    pub fn plan(&self) -> Option<&Plan> {
        match self {
            Answer::Planned(p) if p.status.has_plan() => Some(p),
            _ => None,
        }
    }

    /// Total cost of the plan, when there is one.
    pub fn cost(&self) -> Option<f64> {
        self.plan().and_then(|p| p.total_cost)
    }

    /// New units of accelerator `id` in the plan, over every site and period (0 when not
    /// bought; none without a plan).
    pub fn units(&self, id: &str) -> Option<f64> {
        self.plan().map(|p| {
            p.purchases
                .iter()
                .filter(|x| x.id == id)
                .fold(0.0, |a, x| a + x.units)
        })
    }

    /// Whether the question was not planned for lack of time.
    pub fn skipped(&self) -> bool {
        matches!(self, Answer::Skipped)
    }
}

impl<'a> Probe<'a> {
    /// A probe of `document` with `base` overrides; its time budget starts now.
    pub fn new(document: &'a Document, base: &'a [Override], options: Options) -> Probe<'a> {
        Probe {
            document,
            base,
            options,
            asked: AtomicUsize::new(0),
            unproven: AtomicUsize::new(0),
            skipped: AtomicUsize::new(0),
            started: Instant::now(),
            limit_bits: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Notes when some answers were cut short by the time limit, or not planned at all.
    pub fn note(&self) -> Option<String> {
        let notes = self.notes();
        (!notes.is_empty()).then(|| notes.join("; "))
    }

    /// Each note of [`Probe::note`] on its own.
    pub fn notes(&self) -> Vec<String> {
        let mut out = Vec::new();
        let unproven = self.unproven.load(Ordering::Relaxed);
        if unproven > 0 {
            let limit = f64::from_bits(self.limit_bits.load(Ordering::Relaxed));
            out.push(format!(
                "{unproven} of {} re-solves stopped at the {limit} s limit per re-solve before proving optimality; the figures built on them may be off (try --solver highs)",
                self.asked.load(Ordering::Relaxed)
            ));
        }
        let skipped = self.skipped.load(Ordering::Relaxed);
        if skipped > 0 {
            out.push(format!(
                "{skipped} re-solves were not run: the {QUESTIONS_BUDGET_S} s the explanation's re-solves may take together ran out; the figures that needed them are missing or coarser"
            ));
        }
        out
    }

    /// Seconds one question of `n` may take: [`PROBE_LIMIT_S`], more for large national
    /// scenarios ([`PROBE_S_PER_CELL`] per site and period), never more than the scenario's
    /// (or the command line's) own limit.
    pub fn limit_s(&self, n: &National) -> f64 {
        let own = self.options.time_limit_s.unwrap_or(n.solver.time_limit_s);
        let cells = (n.sites.len() * n.periods()) as f64;
        own.min(PROBE_LIMIT_S.max(PROBE_S_PER_CELL * cells))
    }

    /// Whether the questions' time budget has run out.
    pub fn out_of_time(&self) -> bool {
        self.started.elapsed() >= Duration::from_secs_f64(QUESTIONS_BUDGET_S)
    }

    /// The scenario with `extra` applied.
    pub fn national(&self, extra: &[Override]) -> Result<National, ScenarioError> {
        let mut sets = self.base.to_vec();
        sets.extend(extra.iter().cloned());
        self.document.resolve(&sets).map(|l| l.scenario)
    }

    /// Plans the scenario with `extra` applied.
    pub fn ask(&self, extra: &[Override]) -> Result<Answer, PlanError> {
        self.ask_edited(extra, |_| {})
    }

    /// Plans the scenario with `extra` applied and then `edit` made to the resolved
    /// scenario (e.g. a rule taken out of every site), and to each of its futures: the
    /// plan is checked against the edited scenario.
    pub fn ask_edited(
        &self,
        extra: &[Override],
        edit: impl Fn(&mut National),
    ) -> Result<Answer, PlanError> {
        self.ask_made(|| {
            let mut n = self.national(extra)?;
            edit(&mut n);
            if let Some(f) = n.futures.as_deref_mut() {
                f.list.iter_mut().for_each(|fu| edit(&mut fu.scenario));
            }
            Ok(n)
        })
    }

    /// Plans the scenario of futures with `extra` applied in future `i` alone, after that
    /// future's own `set`; the other futures stay as they are.
    pub fn ask_in_future(&self, i: usize, extra: &[Override]) -> Result<Answer, PlanError> {
        self.ask_made(|| {
            let mut n = self.national(&[])?;
            let Some(f) = n.futures.as_deref_mut() else {
                return Ok(n);
            };
            // Future i is the scenario with its own `set`: here without the futures, then
            // the question's change.
            let mut sets: Vec<Override> = ["futures", "decide_now", "risk"]
                .iter()
                .map(|k| Override::new(k, "null"))
                .collect();
            sets.extend(f.list[i].set.iter().filter_map(|o| o.parse().ok()));
            sets.extend(extra.iter().cloned());
            f.list[i].scenario = self.national(&sets)?;
            Ok(n)
        })
    }

    /// Plans the scenario `make` gives (a scenario it cannot make is an impossible
    /// change), unless the questions' time has run out.
    fn ask_made(
        &self,
        make: impl FnOnce() -> Result<National, ScenarioError>,
    ) -> Result<Answer, PlanError> {
        if self.out_of_time() {
            self.skipped.fetch_add(1, Ordering::Relaxed);
            return Ok(Answer::Skipped);
        }
        let n = match make() {
            Err(e) => return Ok(Answer::Invalid(e)),
            Ok(n) => n,
        };
        let mut options = self.options;
        let limit = self.limit_s(&n);
        self.limit_bits
            .fetch_max(limit.to_bits(), std::sync::atomic::Ordering::Relaxed);
        options.time_limit_s = Some(limit);
        let plan = plan_quiet(&n, &options)?;
        self.asked.fetch_add(1, Ordering::Relaxed);
        if plan.status != Status::Optimal && plan.status != Status::Infeasible {
            self.unproven.fetch_add(1, Ordering::Relaxed);
        }
        Ok(Answer::Planned(Box::new(plan)))
    }
}

/// A number written as chipmix reads it back exactly (whole numbers without a decimal
/// point, so whole-unit fields accept them).
pub fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value:?}")
    }
}

/// `path=value` with the value written by [`number`].
pub fn set(path: &str, value: f64) -> Override {
    Override::new(path, &number(value))
}

/// The value of a per-period field of `n` as `--set` takes it: a scalar when the scenario
/// has no `periods` (or every period has the same value), else a map `{year: value, ...}`
/// that gives every period.
pub fn per_period(n: &National, values: &[f64]) -> String {
    let first = values.first().copied().unwrap_or(0.0);
    if !n.has_periods || values.iter().all(|v| *v == first) {
        return number(first);
    }
    let items: Vec<String> = n
        .years
        .iter()
        .zip(values)
        .map(|(y, v)| format!("{y}: {}", number(*v)))
        .collect();
    format!("{{{}}}", items.join(", "))
}

/// `path` set to the per-period `values` (see [`per_period`]).
pub fn set_per_period(n: &National, path: &str, values: &[f64]) -> Override {
    Override::new(path, &per_period(n, values))
}

/// The path of a site's field: `sites[ID].FIELD` for a scenario with sites, the top-level
/// field (`demand.pflops`, `limits.power_kw`, `policy.domestic_share.min`) for one without.
/// `field` is written as in a site: `demand.pflops`, `power_kw`, `domestic_share.min`.
pub fn site_path(n: &National, s: usize, field: &str) -> String {
    if n.has_sites {
        format!("sites[{}].{field}", n.sites[s].id)
    } else if field == "power_kw" {
        "limits.power_kw".into()
    } else if let Some(rest) = field.strip_prefix("domestic_share") {
        format!("policy.domestic_share{rest}")
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_back_exactly() {
        assert_eq!(number(2001.0), "2001");
        assert_eq!(number(0.51), "0.51");
        assert_eq!(number(1.5e20), "1.5e20");
    }
}
