//! `chipmix._chipmix`: the library's calls for Python, as thin as the command line's. Each
//! function takes the scenario as a file path or as text (a dict as JSON, which the YAML
//! loader reads), the overrides as JSON (`{"PATH": VALUE}` or `["PATH=VALUE"]`, read as the
//! what-if page's API reads them), and returns the JSON the CLI's `--format json` prints.
//! Solves run without the GIL and inside `catch_unwind`; bad input raises [`BadInput`]
//! with the CLI's message and the problems as JSON, never a panic. `chipmix/__init__.py`
//! turns these into the package's API.

use chipmix::compare::{CompareError, Request, Variant};
use chipmix::error::{Error, ExplainError, Kind, PlanError, ScenarioError, SweepError};
use chipmix::planner::Options;
use chipmix::scenario::{Document, Override};
use chipmix::serve::api::{Sets, value_text};
use chipmix::solve::Backend;
use pyo3::create_exception;
use pyo3::prelude::*;
use serde_json::{Value, json};
use std::path::PathBuf;

create_exception!(
    _chipmix,
    BadInput,
    pyo3::exceptions::PyValueError,
    "Bad input: args are (message, problems as JSON)."
);
create_exception!(
    _chipmix,
    NoPlan,
    pyo3::exceptions::PyRuntimeError,
    "Good input, but no plan came of it: the solver failed."
);

/// How a scenario given as a dict is named in messages.
const DICT: &str = "<dict>";

/// A failure, as plain data (made without the GIL, raised with it).
enum Failure {
    /// Bad input: the CLI's message and the problems it lists.
    Bad(String, Vec<Value>),
    /// No plan came of good input.
    NoPlan(String),
    /// A bug: a panic caught before it reached the interpreter.
    Internal(String),
}

impl Failure {
    /// Bad input with no scenario problem to list (an unknown solver, a malformed `set`).
    fn usage(message: String) -> Failure {
        Failure::Bad(message, Vec::new())
    }

    /// A library error with the message the CLI prints for it.
    fn of(e: Error, message: String) -> Failure {
        match e.kind() {
            Kind::BadInput => Failure::Bad(message, problems_of(&e)),
            Kind::NoPlan => Failure::NoPlan(message),
        }
    }
}

impl From<Failure> for PyErr {
    fn from(f: Failure) -> PyErr {
        match f {
            Failure::Bad(message, problems) => {
                BadInput::new_err((message, Value::Array(problems).to_string()))
            }
            Failure::NoPlan(message) => NoPlan::new_err(message),
            Failure::Internal(message) => pyo3::exceptions::PyRuntimeError::new_err(format!(
                "chipmix: internal error (this is a bug, please report it): {message}"
            )),
        }
    }
}

/// The problems of a scenario error as dicts: file, line, column, field, message.
fn problems(e: &ScenarioError) -> Vec<Value> {
    match e {
        ScenarioError::Read { file, message } => vec![json!({
            "file": file, "line": null, "column": null, "field": null, "message": message,
        })],
        ScenarioError::Invalid(found) => found
            .iter()
            .map(|d| {
                json!({
                    "file": d.file,
                    "line": d.location.map(|l| l.line),
                    "column": d.location.map(|l| l.column),
                    "field": d.field(),
                    "message": d.message,
                })
            })
            .collect(),
    }
}

/// Every scenario problem an error carries (none for errors about the request).
fn problems_of(e: &Error) -> Vec<Value> {
    match e {
        Error::Scenario(s) | Error::Explain(ExplainError::Scenario(s)) => problems(s),
        Error::Sweep(SweepError::Points(points)) => {
            points.iter().flat_map(|(_, s)| problems(s)).collect()
        }
        _ => Vec::new(),
    }
}

/// Where the scenario comes from: a file, or text named [`DICT`].
fn document(path: Option<PathBuf>, text: Option<String>) -> Result<Document, Failure> {
    let read = match (path, text) {
        (Some(p), _) => Document::read(&p),
        (None, Some(t)) => Document::parse(t, DICT, None),
        (None, None) => return Err(Failure::usage("chipmix: no scenario given".into())),
    };
    read.map_err(|e| {
        let e = Error::from(e);
        let message = e.to_string();
        Failure::of(e, message)
    })
}

/// The overrides of `set` (JSON: a map of PATH to VALUE, or a list of `PATH=VALUE`).
fn sets(json: &str) -> Result<Vec<Override>, Failure> {
    serde_json::from_str::<Sets>(json)
        .map(|s| s.0)
        .map_err(|e| {
            // The JSON is the package's, not the user's: its line and column say nothing.
            let mut message = e.to_string();
            if let Some(at) = message.rfind(" at line ") {
                message.truncate(at);
            }
            Failure::usage(format!("chipmix: set: {message}"))
        })
}

/// The planner options of `solver`, `mip_gap` and `time_limit`, checked as the CLI checks
/// its flags.
fn options(
    solver: Option<&str>,
    mip_gap: Option<f64>,
    time_limit: Option<f64>,
) -> Result<Options, Failure> {
    let backend = match solver.unwrap_or("microlp") {
        "microlp" => Backend::Microlp,
        "highs" => Backend::Highs,
        other => {
            return Err(Failure::usage(format!(
                "chipmix: solver must be \"microlp\" or \"highs\", got {other:?}"
            )));
        }
    };
    if let Some(g) = mip_gap.filter(|g| !(0.0..=1.0).contains(g)) {
        return Err(Failure::usage(format!(
            "chipmix: mip_gap must be a number in [0, 1], got {g}"
        )));
    }
    if let Some(t) = time_limit.filter(|t| !(t.is_finite() && *t > 0.0)) {
        return Err(Failure::usage(format!(
            "chipmix: time_limit must be a number of seconds > 0, got {t}"
        )));
    }
    Ok(Options {
        backend,
        mip_gap,
        time_limit_s: time_limit,
        ..Options::default()
    })
}

/// Runs `work` without the GIL, a panic caught as [`Failure::Internal`].
fn detached<T: Send>(
    py: Python<'_>,
    work: impl FnOnce() -> Result<T, Failure> + Send,
) -> PyResult<T> {
    py.detach(|| {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            Err(Failure::Internal(what))
        })
    })
    .map_err(PyErr::from)
}

/// The plan JSON of `chipmix plan --format json` (`path`, or `text` named `<dict>`).
#[pyfunction]
#[pyo3(signature = (path=None, text=None, set="[]", solver=None, mip_gap=None, time_limit=None))]
fn plan(
    py: Python<'_>,
    path: Option<PathBuf>,
    text: Option<String>,
    set: &str,
    solver: Option<String>,
    mip_gap: Option<f64>,
    time_limit: Option<f64>,
) -> PyResult<String> {
    let set = set.to_string();
    detached(py, move || {
        let opts = options(solver.as_deref(), mip_gap, time_limit)?;
        let document = document(path, text)?;
        let loaded = document.resolve(&sets(&set)?).map_err(|e| {
            let e = Error::from(e);
            let message = e.to_string();
            Failure::of(e, message)
        })?;
        let (plan, _) = chipmix::planner::plan_loaded(&loaded, &opts).map_err(|e| {
            let about_scenario = !matches!(e, PlanError::SolverUnavailable(_));
            let e = Error::from(e);
            let message = if about_scenario {
                format!("chipmix: {}: {e}", document.file())
            } else {
                format!("chipmix: {e}")
            };
            Failure::of(e, message)
        })?;
        Ok(chipmix::render::render(
            &plan,
            chipmix::render::Format::Json,
        ))
    })
}

/// The rows of `chipmix sweep --param PARAM --values ... --format json`; `values` is a JSON
/// list (strings as written, other values as JSON writes them).
#[pyfunction]
#[pyo3(signature = (param, values, path=None, text=None, set="[]", jobs=None, solver=None, mip_gap=None, time_limit=None))]
#[allow(clippy::too_many_arguments)]
fn sweep(
    py: Python<'_>,
    param: String,
    values: &str,
    path: Option<PathBuf>,
    text: Option<String>,
    set: &str,
    jobs: Option<usize>,
    solver: Option<String>,
    mip_gap: Option<f64>,
    time_limit: Option<f64>,
) -> PyResult<String> {
    let (values, set) = (values.to_string(), set.to_string());
    detached(py, move || {
        let opts = options(solver.as_deref(), mip_gap, time_limit)?;
        let values: Vec<Value> = serde_json::from_str(&values)
            .map_err(|e| Failure::usage(format!("chipmix sweep: values: {e}")))?;
        let values: Vec<String> = values.iter().map(value_text).collect();
        let grid = chipmix::sweep::Param::list(&param, &values)
            .and_then(|p| chipmix::sweep::Sweep::new(vec![p]))
            .map_err(|e| {
                let e = Error::from(e);
                let message = format!("chipmix sweep: {e}");
                Failure::of(e, message)
            })?;
        let document = document(path, text)?;
        let base = sets(&set)?;
        let job = chipmix::sweep::Job {
            document: &document,
            base: &base,
            sweep: &grid,
            options: opts,
        };
        let work = || chipmix::sweep::run(&job, &|| {});
        let outcome = match jobs {
            Some(0) => return Err(Failure::usage("chipmix sweep: jobs must be >= 1".into())),
            // As `chipmix sweep --jobs`: at most one worker per point and four per core.
            Some(n) => rayon::ThreadPoolBuilder::new()
                .num_threads(n.min(grid.len()).min(4 * cores()).max(1))
                .build()
                .map_err(|e| Failure::Internal(format!("cannot start {n} workers: {e}")))?
                .install(work),
            None => work(),
        };
        let result = outcome.map_err(|e| {
            let e = Error::from(e);
            let message = e.to_string();
            Failure::of(e, message)
        })?;
        Ok(chipmix::render::sweep::render(
            &result,
            chipmix::render::sweep::SweepFormat::Json,
        ))
    })
}

/// The machine's cores (1 when unknown).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The JSON of `chipmix explain --format json`.
#[pyfunction]
#[pyo3(signature = (path=None, text=None, set="[]", solver=None, mip_gap=None, time_limit=None))]
fn explain(
    py: Python<'_>,
    path: Option<PathBuf>,
    text: Option<String>,
    set: &str,
    solver: Option<String>,
    mip_gap: Option<f64>,
    time_limit: Option<f64>,
) -> PyResult<String> {
    let set = set.to_string();
    detached(py, move || {
        let opts = options(solver.as_deref(), mip_gap, time_limit)?;
        let document = document(path, text)?;
        let e = chipmix::explain::explain(&document, &sets(&set)?, opts).map_err(|e| {
            let e = Error::from(e);
            let message = e.to_string();
            Failure::of(e, message)
        })?;
        Ok(chipmix::render::explain::render(
            &e,
            chipmix::render::explain::ExplainFormat::Json,
        ))
    })
}

/// The JSON of `chipmix compare --format json`, and the warnings of loading each entry.
/// `scenarios` are (label, path, text) triples; `variants` is a JSON list whose items are
/// `"[LABEL:]PATH=V[;PATH=V...]"` strings or `[LABEL, SET]` pairs.
#[pyfunction]
#[pyo3(signature = (scenarios, variants="[]", set="[]", solver=None, mip_gap=None, time_limit=None))]
fn compare(
    py: Python<'_>,
    scenarios: Vec<(String, Option<PathBuf>, Option<String>)>,
    variants: &str,
    set: &str,
    solver: Option<String>,
    mip_gap: Option<f64>,
    time_limit: Option<f64>,
) -> PyResult<(String, Vec<String>)> {
    let (variants, set) = (variants.to_string(), set.to_string());
    detached(py, move || {
        let opts = options(solver.as_deref(), mip_gap, time_limit)?;
        let items: Vec<Value> = serde_json::from_str(&variants)
            .map_err(|e| Failure::usage(format!("chipmix compare: variants: {e}")))?;
        let mut parsed = Vec::new();
        for item in items {
            let variant = match item {
                Value::String(s) => Variant::parse(&s).map_err(|e| format!("chipmix compare: {e}")),
                Value::Array(pair) if pair.len() == 2 && pair[0].is_string() => {
                    let label = pair[0].as_str().unwrap_or_default().to_string();
                    sets(&pair[1].to_string())
                        .map(|sets| Variant { label, sets })
                        .map_err(|_| format!("chipmix compare: variant {}: expected a map of PATH to VALUE or a list of \"PATH=VALUE\"", pair[0]))
                }
                other => Err(format!(
                    "chipmix compare: a variant is a \"[LABEL:]PATH=VALUE\" string or a (label, set) pair, got {other}"
                )),
            };
            parsed.push(variant.map_err(Failure::usage)?);
        }
        let mut documents = Vec::new();
        for (label, path, text) in scenarios {
            documents.push((label, document(path, text)?));
        }
        let base = sets(&set)?;
        let request = Request {
            scenarios: documents.iter().map(|(l, d)| (l.clone(), d)).collect(),
            sets: &base,
            variants: &parsed,
            options: opts,
        };
        let compared = chipmix::compare::run(&request).map_err(|e| match e {
            CompareError::Scenario(errors) => Failure::Bad(
                errors
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join("\n"),
                errors.iter().flat_map(problems).collect(),
            ),
            CompareError::Plan(p) => {
                let kind = p.kind();
                let message = format!("chipmix compare: {p}");
                match kind {
                    Kind::BadInput => Failure::usage(message),
                    Kind::NoPlan => Failure::NoPlan(message),
                }
            }
            e => Failure::usage(format!("chipmix compare: {e}")),
        })?;
        Ok((
            chipmix::render::compare::render(
                &compared.comparison,
                chipmix::render::compare::CompareFormat::Json,
            ),
            compared.warnings,
        ))
    })
}

/// The problems of the scenario with `set` applied, as a JSON list (empty when valid),
/// as `chipmix validate` finds them.
#[pyfunction]
#[pyo3(signature = (path=None, text=None, set="[]"))]
fn validate(
    py: Python<'_>,
    path: Option<PathBuf>,
    text: Option<String>,
    set: &str,
) -> PyResult<String> {
    let set = set.to_string();
    detached(py, move || {
        let base = sets(&set)?;
        let found = match document(path, text) {
            Ok(d) => match d.resolve(&base) {
                Ok(_) => Vec::new(),
                Err(e) => problems(&e),
            },
            Err(Failure::Bad(_, found)) => found,
            Err(other) => return Err(other),
        };
        Ok(Value::Array(found).to_string())
    })
}

/// The extension module.
#[pymodule]
fn _chipmix(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("BadInput", m.py().get_type::<BadInput>())?;
    m.add("NoPlan", m.py().get_type::<NoPlan>())?;
    m.add_function(wrap_pyfunction!(plan, m)?)?;
    m.add_function(wrap_pyfunction!(sweep, m)?)?;
    m.add_function(wrap_pyfunction!(explain, m)?)?;
    m.add_function(wrap_pyfunction!(compare, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    Ok(())
}
