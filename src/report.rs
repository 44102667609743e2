//! The report's orchestration: the plan of one scenario (with its overrides), and, as
//! asked, a sweep, the explanation and the near-optimal alternatives, gathered into one
//! [`Report`] for the HTML renderer ([`crate::render::html`]). Every scenario is sites x
//! periods; the renderer adds the per-site and per-period tables and charts when the plan
//! has them.

use crate::error::{PlanError, ScenarioError};
use crate::explain::alternatives::{self, Alternative};
use crate::explain::{ExplainError, Explanation};
use crate::plan::Plan;
use crate::planner::{self, Options};
use crate::render::html::ReportExtras;
use crate::scenario::{Document, Override};
use crate::sweep::{self, Job, Sweep, SweepError, SweepResult};

/// What to put in a report.
pub struct Request<'a> {
    /// The scenario.
    pub document: &'a Document,
    /// `--set` overrides.
    pub sets: &'a [Override],
    /// How to solve the plan, its explanation, its alternatives and the sweep: the same
    /// settings as `chipmix plan`, so the report shows the plan `plan` prints.
    pub options: Options,
    /// A sweep to add.
    pub sweep: Option<&'a Sweep>,
    /// Add the explanation (`--explain`).
    pub explain: bool,
    /// Add the alternatives within this fraction of the optimum (`--alternatives 2%`).
    pub alternatives: Option<f64>,
}

/// Everything the report shows.
#[derive(Debug, Clone)]
pub struct Report {
    /// The plan (its warnings start with those of loading the scenario).
    pub plan: Plan,
    /// The scenario's description.
    pub description: Option<String>,
    /// The overrides, as given.
    pub overrides: Vec<String>,
    /// The sweep, when asked for.
    pub sweep: Option<SweepResult>,
    /// The explanation, when asked for.
    pub explanation: Option<Explanation>,
    /// The alternatives and the margin they were found within, when asked for.
    pub alternatives: Option<(Vec<Alternative>, f64)>,
    /// Warnings of loading the scenario, each prefixed by the file.
    pub warnings: Vec<String>,
}

impl Report {
    /// What the HTML renderer needs besides the plan.
    pub fn extras(&self) -> ReportExtras<'_> {
        ReportExtras {
            description: self.description.as_deref(),
            overrides: self.overrides.clone(),
            sweep: self.sweep.as_ref(),
            explanation: self.explanation.as_ref(),
            alternatives: self.alternatives.as_ref().map(|(a, w)| (a.as_slice(), *w)),
        }
    }
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The scenario (with its overrides) is not valid.
    #[error("{0}")]
    Scenario(#[from] ScenarioError),
    /// The sweep is not valid, or one of its points is not.
    #[error("{0}")]
    Sweep(#[from] SweepError),
    /// The planner failed in a way that says nothing about the scenario.
    #[error("chipmix report: {0}")]
    Plan(#[from] PlanError),
    /// The explanation could not be made.
    #[error("chipmix report: {0}")]
    Explain(#[from] ExplainError),
}

/// Plans the scenario and gathers what `req` asks for.
pub fn build(req: &Request) -> Result<Report, ReportError> {
    let loaded = req.document.resolve(req.sets)?;
    let warnings: Vec<String> = loaded.warnings.iter().map(|w| w.line()).collect();
    let shown = req.options;
    let (mut plan, explanation) = if req.explain {
        let e = crate::explain::explain(req.document, req.sets, shown)?;
        (e.plan.clone(), Some(e))
    } else {
        (planner::plan(&loaded.scenario, &shown)?, None)
    };
    let alternatives = match req.alternatives {
        Some(within) => {
            let found = alternatives::alternatives(
                req.document,
                req.sets,
                &loaded.scenario,
                &plan,
                within,
                shown,
            )?;
            Some((found.alternatives, within))
        }
        None => None,
    };
    plan.warnings
        .splice(0..0, loaded.warnings.iter().map(|w| w.to_string()));
    let sweep = match req.sweep {
        Some(s) => {
            let job = Job {
                document: req.document,
                base: req.sets,
                sweep: s,
                options: req.options,
            };
            Some(sweep::run(&job, &|| {})?)
        }
        None => None,
    };
    Ok(Report {
        plan,
        description: loaded.scenario.description.clone(),
        overrides: req.sets.iter().map(|o| o.to_string()).collect(),
        sweep,
        explanation,
        alternatives,
        warnings,
    })
}
