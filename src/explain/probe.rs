//! What-if solves for explanations: the scenario with a few more `--set` overrides, planned
//! without the conflict analysis (only the status and the figures are needed).

use crate::error::{PlanError, ScenarioError};
use crate::plan::{Plan, Status};
use crate::planner::{Options, plan_quiet};
use crate::scenario::{Document, Override, Scenario};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Most seconds one question may take (or the scenario's time limit, if lower). A question
/// cut short still has a valid plan, but not a proven optimum; [`Probe::unproven`] counts
/// them so the explanation can say so.
pub const PROBE_LIMIT_S: f64 = 2.0;

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
}

/// The answer to one what-if question.
#[derive(Debug)]
pub enum Answer {
    /// The changed scenario is not valid (say, a share above 1): the change is impossible.
    Invalid(ScenarioError),
    /// The plan of the changed scenario (any status).
    Planned(Box<Plan>),
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

    /// New units of accelerator `id` in the plan (0 when not bought; none without a plan).
    pub fn units(&self, id: &str) -> Option<f64> {
        self.plan().map(|p| {
            p.purchases
                .iter()
                .filter(|x| x.id == id)
                .fold(0.0, |a, x| a + x.units)
        })
    }
}

impl<'a> Probe<'a> {
    /// A probe of `document` with `base` overrides.
    pub fn new(document: &'a Document, base: &'a [Override], options: Options) -> Probe<'a> {
        Probe {
            document,
            base,
            options,
            asked: AtomicUsize::new(0),
            unproven: AtomicUsize::new(0),
        }
    }

    /// A note when some answers were cut short by the time limit.
    pub fn note(&self) -> Option<String> {
        let unproven = self.unproven.load(Ordering::Relaxed);
        (unproven > 0).then(|| {
            format!(
                "{unproven} of {} re-solves stopped at the {PROBE_LIMIT_S} s limit per re-solve before proving optimality; the figures built on them may be off (try --solver highs)",
                self.asked.load(Ordering::Relaxed)
            )
        })
    }

    /// The scenario with `extra` applied.
    pub fn scenario(&self, extra: &[Override]) -> Result<Scenario, ScenarioError> {
        let mut sets = self.base.to_vec();
        sets.extend(extra.iter().cloned());
        self.document.resolve_single(&sets).map(|l| l.scenario)
    }

    /// Plans the scenario with `extra` applied.
    pub fn ask(&self, extra: &[Override]) -> Result<Answer, PlanError> {
        match self.scenario(extra) {
            Err(e) => Ok(Answer::Invalid(e)),
            Ok(s) => {
                let mut options = self.options;
                let limit = options.time_limit_s.unwrap_or(s.solver.time_limit_s);
                options.time_limit_s = Some(limit.min(PROBE_LIMIT_S));
                let plan = plan_quiet(
                    &crate::scenario::national::National::from_single(&s),
                    &options,
                )?;
                self.asked.fetch_add(1, Ordering::Relaxed);
                if plan.status != Status::Optimal && plan.status != Status::Infeasible {
                    self.unproven.fetch_add(1, Ordering::Relaxed);
                }
                Ok(Answer::Planned(Box::new(plan)))
            }
        }
    }
}

/// `path=value` with the value written as chipmix reads it back exactly (whole numbers
/// without a decimal point, so whole-unit fields accept them).
pub fn set(path: &str, value: f64) -> Override {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        Override::new(path, &format!("{}", value as i64))
    } else {
        Override::new(path, &format!("{value:?}"))
    }
}
