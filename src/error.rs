//! Typed errors of the library. The CLI turns them into messages and exit codes.

use std::fmt;

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// One problem found in a scenario file, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// The file as the user named it.
    pub file: String,
    /// Line and column, when the YAML has one for this problem.
    pub location: Option<Location>,
    /// What is wrong, starting with the field path (e.g. `accelerators[h20].unit_price must be >= 0, got -5`).
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Some(loc) => write!(
                f,
                "{}:{}:{}: {}",
                self.file, loc.line, loc.column, self.message
            ),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Why a scenario could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file could not be read (missing, a directory, not UTF-8, too large).
    #[error("{file}: {message}")]
    Read {
        /// The file as the user named it.
        file: String,
        /// What went wrong.
        message: String,
    },
    /// The file was read but is not a valid scenario; every problem found is listed.
    #[error("{}", join_lines(.0))]
    Invalid(Vec<Diagnostic>),
}

fn join_lines(items: &[Diagnostic]) -> String {
    items
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Why a plan could not be produced (as opposed to an infeasible result, which is a plan).
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The requested solver is not compiled into this build.
    #[error("solver `{0}` is not available in this build (rebuild with `--features {0}`)")]
    SolverUnavailable(String),
    /// The solver failed in a way that says nothing about the scenario.
    #[error("solver failure: {0}")]
    Solver(String),
    /// The plan broke a constraint of the scenario: a bug, never printed as a plan.
    #[error("internal error: the solver's plan breaks the scenario, refusing to print it:\n{0}")]
    CheckFailed(String),
}
