//! Typed errors of the library, and [`Error`], the one type that holds any of them. Messages
//! speak the scenario's words (`solver.time_limit_s`, `--set` overrides as the file they came
//! from); the CLI turns an [`Error`] into a message and, by its [`Kind`], an exit code.

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

/// The top-level fields of a scenario: a message's first word names a field when it is one
/// of these or a path into them (`limits.budget`, `accelerators[h20].unit_price`).
const TOP_LEVEL_FIELDS: &[&str] = &[
    "name",
    "description",
    "currency",
    "objective",
    "catalog",
    "accelerators",
    "demand",
    "existing",
    "policy",
    "limits",
    "costs",
    "solver",
    "periods",
    "sites",
    "resources",
    "systems",
    "futures",
    "decide_now",
    "risk",
];

impl Diagnostic {
    /// The field the problem is about, as the message starts with it
    /// (`accelerators[h20].unit_price`), or `None` when the message is about the file as a
    /// whole (a YAML syntax error, an empty file, an override whose path does not exist).
    pub fn field(&self) -> Option<&str> {
        let word = self.message.split([' ', ',', ':']).next()?;
        let head = word.split(['.', '[']).next()?;
        let path_chars = word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.[]-=".contains(c));
        (path_chars && TOP_LEVEL_FIELDS.contains(&head)).then_some(word)
    }
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

impl PlanError {
    /// Whether the request was at fault (a solver not in this build) or the solve failed.
    pub fn kind(&self) -> Kind {
        match self {
            PlanError::SolverUnavailable(_) => Kind::BadInput,
            PlanError::Solver(_) | PlanError::CheckFailed(_) => Kind::NoPlan,
        }
    }
}

/// Who can act on an error: the user, by fixing the input or the request, or nobody, because
/// the input was fine and no plan came of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The scenario, an override, a saved file or the request is wrong (exit code 2).
    BadInput,
    /// The input was fine but no plan came of it: the solver failed (exit code 1).
    NoPlan,
}

/// Why a sweep cannot run.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The parameters describe no points, too many, or a bad range.
    #[error("{0}")]
    Spec(String),
    /// Some points are not valid scenarios (each error names the point).
    #[error("{}", .0.iter().map(|(label, e)| format!("point {label}:\n{e}")).collect::<Vec<_>>().join("\n"))]
    Points(Vec<(String, ScenarioError)>),
    /// The planner cannot run at all (e.g. the solver is not in this build).
    #[error("point {0}: {1}")]
    Plan(String, PlanError),
}

/// Why an explanation could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    /// The scenario (with its overrides) is not valid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The planner failed in a way that says nothing about the scenario.
    #[error(transparent)]
    Plan(#[from] PlanError),
}

/// Any error of the library. Each kind converts into it with `?` or `Error::from`; its
/// message is the kind's own, unchanged.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A scenario could not be used.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A plan could not be produced.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// A sweep could not run.
    #[error(transparent)]
    Sweep(#[from] SweepError),
    /// An explanation could not be made.
    #[error(transparent)]
    Explain(#[from] ExplainError),
}

impl Error {
    /// Whether the user's input is at fault or no plan came of good input.
    pub fn kind(&self) -> Kind {
        use ExplainError;
        use SweepError;
        match self {
            Error::Scenario(_) => Kind::BadInput,
            Error::Plan(e) | Error::Explain(ExplainError::Plan(e)) => e.kind(),
            Error::Explain(ExplainError::Scenario(_)) => Kind::BadInput,
            // A solver failure at one point is that point's row, not an error: a sweep
            // stops only on input it cannot use (bad points, a solver not in this build).
            Error::Sweep(SweepError::Spec(_) | SweepError::Points(_) | SweepError::Plan(..)) => {
                Kind::BadInput
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_diagnostic_names_its_field_when_its_message_starts_with_one() {
        let d = |message: &str| Diagnostic {
            file: "s.yaml".into(),
            location: None,
            message: message.into(),
        };
        let field = |message: &str| d(message).field().map(str::to_string);
        assert_eq!(
            field("accelerators[h20].unit_price must be >= 0, got -5").as_deref(),
            Some("accelerators[h20].unit_price")
        );
        assert_eq!(
            field("limits.budget must be > 0, got 0").as_deref(),
            Some("limits.budget")
        );
        assert_eq!(field("name must not be empty").as_deref(), Some("name"));
        assert_eq!(field("the file is empty: a scenario needs `name`"), None);
        assert_eq!(field("unknown field `limts`"), None);
    }

    #[test]
    fn a_solver_failure_is_no_plan_and_everything_else_bad_input() {
        let solver = Error::from(PlanError::Solver("x".into()));
        assert_eq!(solver.kind(), Kind::NoPlan);
        assert_eq!(solver.to_string(), "solver failure: x");
        let missing = Error::from(PlanError::SolverUnavailable("highs".into()));
        assert_eq!(missing.kind(), Kind::BadInput);
        let explain = Error::from(ExplainError::Plan(PlanError::CheckFailed("y".into())));
        assert_eq!(explain.kind(), Kind::NoPlan);
        let scenario = Error::from(ScenarioError::Invalid(Vec::new()));
        assert_eq!(scenario.kind(), Kind::BadInput);
        let sweep = Error::from(SweepError::Plan(
            "1".into(),
            PlanError::SolverUnavailable("highs".into()),
        ));
        assert_eq!(sweep.kind(), Kind::BadInput);
    }
}
