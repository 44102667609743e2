//! `chipmix report`: the plan (and an optional sweep) as one self-contained HTML page.

use super::args::ReportArgs;
use super::sweep::params;
use super::{EXIT_BAD_INPUT, EXIT_NO_PLAN, emit, read_document};
use crate::explain::alternatives::alternatives;
use crate::explain::probe::Probe;
use crate::planner::plan;
use crate::render::html::{ReportExtras, render};
use crate::sweep::{self, Job, Sweep};
use clap::ArgMatches;

/// Runs `chipmix report`; the exit code is the plan's (0 a plan, 1 none), and the report is
/// written either way.
pub fn run(a: &ReportArgs, m: &ArgMatches) -> i32 {
    let sweep = if a.sweep.param.is_empty() {
        None
    } else {
        match params(&a.sweep, m).and_then(|p| Sweep::new(p).map_err(|e| e.to_string())) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("chipmix report: {e}");
                return EXIT_BAD_INPUT;
            }
        }
    };
    let document = match read_document(&a.scenario, &[a.output.as_deref()]) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let loaded = match document.resolve_single(&a.set) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_BAD_INPUT;
        }
    };
    for w in &loaded.warnings {
        eprintln!("{}: warning: {w}", a.scenario.display());
    }
    let options = a.solve.options();
    // The explanation and the alternatives are measured against a proven optimum (gap 0):
    // with either, that optimum is the plan shown, and it is solved once.
    let shown = if a.explain || a.alternatives.is_some() {
        a.solve.exact_options()
    } else {
        options
    };
    let (mut result, explanation) = if a.explain {
        match crate::explain::explain(&document, &a.set, shown) {
            Ok(e) => (e.plan.clone(), Some(e)),
            Err(e) => {
                eprintln!("chipmix report: {e}");
                return EXIT_BAD_INPUT;
            }
        }
    } else {
        match plan(
            &crate::scenario::national::National::from_single(&loaded.scenario),
            &shown,
        ) {
            Ok(p) => (p, None),
            Err(e) => {
                eprintln!("chipmix report: {e}");
                return EXIT_BAD_INPUT;
            }
        }
    };
    let alternatives = match a.alternatives {
        Some(within) => {
            let probe = Probe::new(&document, &a.set, shown);
            match alternatives(&probe, &loaded.scenario, &result, within) {
                Ok(alts) => Some((alts, within)),
                Err(e) => {
                    eprintln!("chipmix report: {e}");
                    return EXIT_BAD_INPUT;
                }
            }
        }
        None => None,
    };
    result
        .warnings
        .splice(0..0, loaded.warnings.iter().map(|w| w.to_string()));
    let swept = match &sweep {
        Some(s) => {
            let job = Job {
                document: &document,
                base: &a.set,
                sweep: s,
                options,
            };
            match sweep::run(&job, &|| {}) {
                Ok(r) => Some(r),
                Err(e) => {
                    eprintln!("{e}");
                    return EXIT_BAD_INPUT;
                }
            }
        }
        None => None,
    };
    let extras = ReportExtras {
        description: loaded.scenario.description.as_deref(),
        overrides: a.set.iter().map(|o| o.to_string()).collect(),
        sweep: swept.as_ref(),
        explanation: explanation.as_ref(),
        alternatives: alternatives.as_ref().map(|(a, w)| (a.as_slice(), *w)),
    };
    if let Err(e) = emit(&render(&result, &extras), a.output.as_deref()) {
        eprintln!("chipmix: {e}");
        return EXIT_BAD_INPUT;
    }
    if result.status.has_plan() {
        result.exit_code()
    } else {
        eprintln!(
            "{}: {} (the report says why)",
            a.scenario.display(),
            result.status.as_str()
        );
        EXIT_NO_PLAN
    }
}
