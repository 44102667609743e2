//! The report's orchestration: the plans of one or more scenarios (each file, then each of
//! its `--variant`s, with the `--set` overrides), and, for a single scenario as asked, a
//! sweep, the explanation and the near-optimal alternatives, gathered into one [`Report`]
//! for the HTML renderer ([`crate::render::html`]). Each member is planned once: the page
//! shows that one plan everywhere. Several members are resolved and planned by
//! [`crate::compare`], as `chipmix compare` does, and set side by side. Every scenario is
//! sites x periods; the renderer adds the per-site and per-period tables and charts when the
//! plan has them.

use crate::compare::{self, CompareError, Comparison, Variant};
use crate::error::PlanError;
use crate::explain::alternatives::{self, Alternative};
use crate::explain::{ExplainError, Explanation};
use crate::plan::Plan;
use crate::planner::Options;
use crate::scenario::national::National;
use crate::scenario::validate::Warning;
use crate::scenario::{Document, Override, SolverSettings};
use crate::sweep::{self, Job, Sweep, SweepError, SweepResult};

/// What to put in a report.
pub struct Request<'a> {
    /// The scenarios, each with its label (usually the file stem), in order.
    pub scenarios: Vec<(String, &'a Document)>,
    /// `--set` overrides, applied to every member.
    pub sets: &'a [Override],
    /// Variants of each scenario (`--variant`), as `chipmix compare` reads them.
    pub variants: &'a [Variant],
    /// How to solve every plan, the explanation, the alternatives and the sweep: the same
    /// settings as `chipmix plan`, so the report shows the plans `plan` prints.
    pub options: Options,
    /// A sweep to add (one scenario only).
    pub sweep: Option<&'a Sweep>,
    /// Add the explanation (`--explain`; one scenario only).
    pub explain: bool,
    /// Add the alternatives within this fraction of the optimum (`--alternatives 2%`; one
    /// scenario only).
    pub alternatives: Option<f64>,
    /// When the report is made, in seconds since 1970-01-01 UTC (the CLI takes it from
    /// `SOURCE_DATE_EPOCH` when set, so a report can be reproduced byte for byte).
    pub generated: i64,
}

/// One planned scenario (a file, or a variant of one) and what it was made from.
#[derive(Debug, Clone)]
pub struct Member {
    /// Its label in the side-by-side table (the file stem and/or the variant's label).
    pub label: String,
    /// The scenario file, as given.
    pub file: String,
    /// The overrides it was made with (`--set`, then the variant's), as given.
    pub overrides: Vec<String>,
    /// The scenario as planned (overrides applied): the report's inputs and assumptions.
    pub scenario: National,
    /// The solver settings it was planned with (the scenario's, command-line options
    /// applied).
    pub solver: SolverSettings,
    /// Its plan (its warnings start with those of loading the scenario).
    pub plan: Plan,
}

/// Everything the report shows.
#[derive(Debug, Clone)]
pub struct Report {
    /// The planned scenarios, in order; one for a plain report.
    pub members: Vec<Member>,
    /// The members side by side, when there are two or more.
    pub comparison: Option<Comparison>,
    /// The sweep, when asked for.
    pub sweep: Option<SweepResult>,
    /// The explanation, when asked for.
    pub explanation: Option<Explanation>,
    /// The alternatives and the margin they were found within, when asked for.
    pub alternatives: Option<(Vec<Alternative>, f64)>,
    /// Warnings of loading the scenarios, each prefixed by its file.
    pub warnings: Vec<String>,
    /// When the report was made, in seconds since 1970-01-01 UTC.
    pub generated: i64,
}

impl Report {
    /// Whether every member has a plan (the command's exit is 0 only then).
    pub fn every_member_has_a_plan(&self) -> bool {
        self.members.iter().all(|m| m.plan.status.has_plan())
    }
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// One or more members are not valid scenarios (with their overrides).
    #[error("{0}")]
    Scenario(CompareError),
    /// The sweep is not valid, or one of its points is not.
    #[error("{0}")]
    Sweep(#[from] SweepError),
    /// The planner failed in a way that says nothing about the scenario.
    #[error("chipmix report: {0}")]
    Plan(#[from] PlanError),
    /// The explanation could not be made.
    #[error("chipmix report: {0}")]
    Explain(#[from] ExplainError),
    /// A sweep, `--explain` or `--alternatives` asked of a report of several scenarios.
    #[error(
        "chipmix report: {0} goes with one scenario; this report has {1} (files times variants): \
         make one report per scenario for it"
    )]
    SingleOnly(&'static str, usize),
    /// No scenario at all.
    #[error("chipmix report: give a scenario file")]
    Empty,
}

impl From<CompareError> for ReportError {
    fn from(e: CompareError) -> Self {
        match e {
            CompareError::Plan(p) => ReportError::Plan(p),
            e => ReportError::Scenario(e),
        }
    }
}

/// Plans every member of `req` once and gathers what `req` asks for.
pub fn build(req: &Request) -> Result<Report, ReportError> {
    let count = req.scenarios.len() * (1 + req.variants.len());
    if count == 0 {
        return Err(ReportError::Empty);
    }
    if count > 1 {
        let extra = [
            (req.sweep.is_some(), "a sweep (--param)"),
            (req.explain, "--explain"),
            (req.alternatives.is_some(), "--alternatives"),
        ];
        if let Some((_, what)) = extra.iter().find(|(asked, _)| *asked) {
            return Err(ReportError::SingleOnly(what, count));
        }
    }
    let resolved = compare::resolve(&compare::Request {
        scenarios: req.scenarios.clone(),
        sets: req.sets,
        variants: req.variants,
        options: req.options,
    })?;
    let warnings: Vec<String> = resolved
        .iter()
        .flat_map(|r| r.warnings.iter().map(Warning::line))
        .collect();
    let items: Vec<(String, National)> = resolved
        .iter()
        .map(|r| (r.label.clone(), r.scenario.clone()))
        .collect();
    let (plans, comparison, explanation) = if count == 1 && req.explain {
        // The explanation's own plan is the one shown: one solve for the whole page.
        let (_, document) = req.scenarios[0];
        let e = crate::explain::explain(document, req.sets, req.options)?;
        (vec![e.plan.clone()], None, Some(e))
    } else {
        let c = compare::compare(&items, &req.options)?;
        let plans = c.entries.iter().map(|e| e.plan.clone()).collect();
        (plans, (count > 1).then_some(c), None)
    };
    let members: Vec<Member> = resolved
        .into_iter()
        .zip(plans)
        .map(|(r, mut plan)| {
            plan.warnings
                .splice(0..0, r.warnings.iter().map(|w| w.to_string()));
            let mut solver = r.scenario.solver.clone();
            solver.mip_gap = req.options.mip_gap.unwrap_or(solver.mip_gap);
            solver.time_limit_s = req.options.time_limit_s.unwrap_or(solver.time_limit_s);
            Member {
                solver,
                label: r.label,
                file: r.file,
                overrides: r.sets.iter().map(|o| o.to_string()).collect(),
                scenario: r.scenario,
                plan,
            }
        })
        .collect();
    let alternatives = match req.alternatives {
        Some(within) => {
            let (_, document) = req.scenarios[0];
            let m = &members[0];
            let found = alternatives::alternatives(
                document,
                req.sets,
                &m.scenario,
                &m.plan,
                within,
                req.options,
            )?;
            Some((found.alternatives, within))
        }
        None => None,
    };
    let sweep = match req.sweep {
        Some(s) => {
            let (_, document) = req.scenarios[0];
            let job = Job {
                document,
                base: req.sets,
                sweep: s,
                options: req.options,
            };
            Some(sweep::run(&job, &|| {})?)
        }
        None => None,
    };
    // The side-by-side table shows the members' own plans, warnings of loading included.
    let comparison = comparison.map(|mut c| {
        for (entry, m) in c.entries.iter_mut().zip(&members) {
            entry.plan = m.plan.clone();
        }
        c
    });
    Ok(Report {
        members,
        comparison,
        sweep,
        explanation,
        alternatives,
        warnings,
        generated: req.generated,
    })
}
