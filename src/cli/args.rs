//! The command-line arguments, as clap parses them.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Plan the purchase of AI accelerators under a domestic-chip quota.
#[derive(Debug, Parser)]
#[command(
    name = "chipmix",
    version,
    about = "Plan the purchase of AI accelerators under a domestic-chip quota",
    long_about = "chipmix reads a scenario (accelerators, demand, quota, budgets, power, supply) and \
finds the purchase mix that meets every rule at least cost, or the most compute within a budget. \
Every plan is re-checked against the scenario before it is printed.\n\n\
Exit codes: 0 a plan, 1 infeasible / unbounded / no plan found, 2 bad input or usage.",
    after_help = "Examples:\n  chipmix plan scenarios/shanghai-2025.yaml\n  chipmix plan scenarios/h20-banned.yaml --format json --output plan.json\n  chipmix validate scenarios/*.yaml"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Solve a scenario and print the plan.
    #[command(
        after_help = "Examples:\n  chipmix plan scenarios/shanghai-2025.yaml\n  chipmix plan scenarios/max-pflops-budget.yaml --format markdown -o plan.md\n  chipmix plan scenarios/shanghai-2025.yaml --solver highs --time-limit 10 --format json"
    )]
    Plan(PlanArgs),
    /// Check scenario files without solving them (exit 0 if all are valid, 2 if not).
    #[command(
        after_help = "Examples:\n  chipmix validate scenarios/*.yaml\n  chipmix validate --resolved scenarios/shanghai-2025.yaml > resolved.yaml"
    )]
    Validate(ValidateArgs),
    /// Re-check a saved plan (JSON) against a scenario: exit 0 if it meets every rule, 1 if not.
    #[command(
        after_help = "Example:\n  chipmix plan scenarios/shanghai-2025.yaml --format json -o plan.json\n  chipmix check scenarios/shanghai-2025.yaml plan.json"
    )]
    Check(CheckArgs),
}

/// Output formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// A readable terminal report.
    Table,
    /// The JSON plan contract.
    Json,
    /// The same fields as YAML.
    Yaml,
    /// One row per accelerator in the fleet.
    Csv,
    /// A Markdown report for memos.
    Markdown,
}

/// Solvers.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SolverArg {
    /// Pure-Rust branch and bound, always available.
    Microlp,
    /// HiGHS (needs a build with `--features highs`).
    Highs,
}

/// `chipmix plan`.
#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The scenario file (YAML).
    pub scenario: PathBuf,
    /// Output format.
    #[arg(long, short, value_enum, default_value = "table")]
    pub format: FormatArg,
    /// Write the plan to this file instead of stdout (`-` is stdout).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Solver backend.
    #[arg(long, value_enum, default_value = "microlp")]
    pub solver: SolverArg,
    /// Time limit in seconds (overrides solver.time_limit_s).
    #[arg(long, value_name = "S", value_parser = positive, allow_negative_numbers = true)]
    pub time_limit: Option<f64>,
    /// Relative MIP gap at which to stop (overrides solver.mip_gap).
    #[arg(long, value_name = "G", value_parser = fraction, allow_negative_numbers = true)]
    pub mip_gap: Option<f64>,
}

/// `chipmix validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Scenario files to check.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Print each valid scenario with every default filled in (YAML, readable back).
    #[arg(long)]
    pub resolved: bool,
}

/// `chipmix check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The scenario file (YAML).
    pub scenario: PathBuf,
    /// The plan to check (JSON, as written by `chipmix plan --format json`, or edited).
    pub plan: PathBuf,
}

fn positive(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("must be a number of seconds > 0, got `{s}`")),
    }
}

fn fraction(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("must be a number in [0, 1], got `{s}`")),
    }
}
