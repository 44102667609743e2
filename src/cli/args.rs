//! The command-line arguments, as clap parses them.

use crate::planner::{Options, Strategy};
use crate::scenario::Override;
use crate::solve::Backend;
use crate::sweep::shard::Shard;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};

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
    /// Solve a scenario at every point of a parameter range or grid (in parallel).
    #[command(after_help = SWEEP_HELP)]
    Sweep(SweepArgs),
    /// Solve several scenarios (or variants of one) and print them side by side.
    #[command(
        after_help = "A --variant is `[LABEL:]PATH=VALUE[;PATH=VALUE...]`, applied to each scenario in turn; the \
scenario as written comes first and is the reference for the deltas.\n\n\
Examples:\n  chipmix compare scenarios/shanghai-2025.yaml scenarios/h20-banned.yaml\n  \
chipmix compare scenarios/shanghai-2025.yaml --variant 'quota70:policy.domestic_share.min=0.7' \\\n      \
--variant 'no-h20:accelerators[h20].available=false' --format markdown --chart compare.svg"
    )]
    Compare(CompareArgs),
    /// Write a self-contained HTML report of one or more plans (and optionally a sweep) for reading or printing.
    #[command(
        after_help = "The page lists its inputs and assumptions, the date it was made (UTC; SOURCE_DATE_EPOCH fixes it) \
and the chipmix version. Several scenarios, or --variant (as in `chipmix compare`), give one page with the plans side by \
side, then each plan's own sections; exit 0 when every one has a plan, 1 otherwise (the page is written either way).\n\n\
Examples:\n  chipmix report scenarios/shanghai-2025.yaml -o report.html\n  \
chipmix report scenarios/shanghai-2025.yaml --param policy.domestic_share.min --from 0.3 --to 0.8 --step 0.05 -o report.html\n  \
chipmix report scenarios/shanghai-2025.yaml --variant 'b90m:limits.budget=9e7' --variant 'b80m:limits.budget=8e7' -o budgets.html"
    )]
    Report(ReportArgs),
    /// Explain a plan: what each binding rule and the policy cost, the price thresholds of
    /// each accelerator, and for an infeasible scenario the smallest fixes.
    #[command(
        after_help = "Every figure is found by re-solving the scenario with one change; each is solved to a proven optimum \
(--mip-gap 0 unless given), so differences are exact.\n\n\
Examples:\n  chipmix explain scenarios/shanghai-2025.yaml\n  chipmix explain scenarios/infeasible-quota.yaml --format json"
    )]
    Explain(ExplainArgs),
    /// Find distinct plans within a given cost of the optimum (most domestic, least power, ...).
    #[command(
        after_help = "Examples:\n  chipmix alternatives scenarios/shanghai-2025.yaml --within 2%\n  chipmix alternatives scenarios/shanghai-2025.yaml --within 0.05 --format json"
    )]
    Alternatives(AlternativesArgs),
    /// Serve a what-if page for a scenario on this machine: move a control, see the plan change.
    #[command(
        after_help = "The page (http://127.0.0.1:8000/ by default) has controls for the quota, budgets, power, energy \
price and each accelerator's availability, supply and price. Each change is solved as `chipmix plan --set ...` \
would solve it; the page shows that command, and links the report of the view. The API: POST /api/plan with \
{\"set\": {\"PATH\": VALUE}} returns the plan JSON; GET /api/scenario the scenario as planned.\n\n\
Examples:\n  chipmix serve scenarios/shanghai-2025.yaml --open\n  \
chipmix serve scenarios/national-2025-2027.yaml --port 8080 --time-limit 10"
    )]
    Serve(ServeArgs),
    /// Join the shard files of a distributed sweep into the result of one run.
    #[command(
        after_help = "Example:\n  for k in 1 2 3 4; do chipmix sweep s.yaml --param policy.domestic_share.min --from 0 --to 1 --step 0.01 --shard $k/4 -o shard-$k.json; done\n  chipmix merge shard-*.json --format csv -o sweep.csv"
    )]
    Merge(MergeArgs),
    /// Print the JSON Schema (draft 2020-12) of a scenario file, a plan's JSON or a catalog.
    #[command(
        after_help = "A scenario whose first line is `# yaml-language-server: $schema=PATH` gets completion and \
checks of its keys in editors that use the YAML language server (VS Code's YAML extension, Neovim, Helix, ...).\n\n\
Examples:\n  chipmix schema scenario -o schema/scenario.schema.json\n  chipmix schema plan > plan.schema.json"
    )]
    Schema(SchemaArgs),
}

/// The documents `chipmix schema` describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// A scenario file (YAML).
    Scenario,
    /// A plan, as `chipmix plan --format json` writes it.
    Plan,
    /// An accelerator catalog (`catalog:` in a scenario).
    Catalog,
}

/// `chipmix schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which schema to print.
    #[arg(value_enum)]
    pub kind: SchemaKind,
    /// Write the schema to this file instead of stdout (`-` is stdout).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

const SWEEP_HELP: &str = "Each --from/--to/--step or --values belongs to the --param before it. Several --param give a \
grid; the first varies slowest.\n\n\
Examples:\n  chipmix sweep scenarios/shanghai-2025.yaml --param policy.domestic_share.min --from 0 --to 1 --step 0.01 --format csv -o quota.csv\n  \
chipmix sweep scenarios/shanghai-2025.yaml --param policy.domestic_share.min --values 0.5,0.6,0.7 \\\n      \
--param accelerators[h20].available --values true,false --chart quota.svg\n  \
chipmix sweep scenarios/shanghai-2025.yaml --param limits.budget --from 5e7 --to 1e8 --step 5e6 --shard 2/8 -o part-2.json";

/// Sweep output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SweepFormatArg {
    /// Aligned columns.
    Table,
    /// One header row and one row per point.
    Csv,
    /// An array of objects with the CSV's keys.
    Json,
    /// An Excel workbook (needs -o FILE.xlsx).
    Xlsx,
}

/// `chipmix sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// The scenario file (YAML).
    pub scenario: PathBuf,
    /// The swept parameters.
    #[command(flatten)]
    pub sweep: SweepSpecArgs,
    /// Override a field at every point (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE", allow_hyphen_values = true)]
    pub set: Vec<Override>,
    /// Output format [default: from the --output extension (.csv, .json, .txt, .xlsx), else table]
    /// (a shard run always writes its JSON shard file).
    #[arg(long, short, value_enum)]
    pub format: Option<SweepFormatArg>,
    /// Write the result to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Start CSV output with a UTF-8 byte-order mark, for spreadsheet programs.
    #[arg(long)]
    pub bom: bool,
    /// Also draw the cost curve and the purchase mix to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<PathBuf>,
    /// Run only the K-th of N disjoint slices and write a shard file for `chipmix merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// Points solved at once (default: one per core). At most one per point and four per
    /// core are started, whatever N asks: solves are CPU-bound, so more threads only cost
    /// memory and start-up time.
    #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// How to solve.
    #[command(flatten)]
    pub solve: SolveArgs,
}

/// Comparison output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareFormatArg {
    /// Aligned columns.
    Table,
    /// One row per figure, one column per plan, then the deltas.
    Csv,
    /// Every plan in full with its deltas.
    Json,
    /// A Markdown table.
    Markdown,
    /// An Excel workbook (needs -o FILE.xlsx).
    Xlsx,
}

/// `chipmix compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scenario files (YAML); the first is the reference.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// A variant: `[LABEL:]PATH=VALUE[;PATH=VALUE...]` (repeatable).
    #[arg(long, value_name = "VARIANT", allow_hyphen_values = true)]
    pub variant: Vec<String>,
    /// Override a field of every scenario and variant (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE", allow_hyphen_values = true)]
    pub set: Vec<Override>,
    /// Output format [default: from the --output extension (.csv, .json, .md, .txt, .xlsx), else
    /// table].
    #[arg(long, short, value_enum)]
    pub format: Option<CompareFormatArg>,
    /// Write the comparison to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Start CSV output with a UTF-8 byte-order mark, for spreadsheet programs.
    #[arg(long)]
    pub bom: bool,
    /// Also draw a bar chart of the costs to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<PathBuf>,
    /// How to solve.
    #[command(flatten)]
    pub solve: SolveArgs,
}

/// `chipmix report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Scenario files (YAML); two or more (or --variant) give one page with them side by side.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// A variant of each scenario: `[LABEL:]PATH=VALUE[;PATH=VALUE...]` (repeatable), as in
    /// `chipmix compare`.
    #[arg(long, value_name = "VARIANT", allow_hyphen_values = true)]
    pub variant: Vec<String>,
    /// Override a field of every scenario and variant (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE", allow_hyphen_values = true)]
    pub set: Vec<Override>,
    /// The swept parameters.
    #[command(flatten)]
    pub sweep: SweepSpecArgs,
    /// Write the report here (default: stdout).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Add what the plan costs and why (as `chipmix explain`; one scenario only).
    #[arg(long)]
    pub explain: bool,
    /// Add the alternatives within this cost of the optimum (as `chipmix alternatives`; one
    /// scenario only).
    #[arg(long, value_name = "X", value_parser = within)]
    pub alternatives: Option<f64>,
    /// How to solve.
    #[command(flatten)]
    pub solve: SolveArgs,
}

/// Explanation output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExplainFormatArg {
    /// Aligned columns.
    Table,
    /// The JSON contract.
    Json,
    /// Markdown for memos.
    Markdown,
    /// An Excel workbook (needs -o FILE.xlsx).
    Xlsx,
}

/// `chipmix explain`.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The scenario file (YAML).
    pub scenario: PathBuf,
    /// Override a field of the scenario (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE", allow_hyphen_values = true)]
    pub set: Vec<Override>,
    /// Output format [default: from the --output extension (.json, .md, .txt, .xlsx), else table].
    #[arg(long, short, value_enum)]
    pub format: Option<ExplainFormatArg>,
    /// Write the explanation to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// How to solve (explanations default to --mip-gap 0).
    #[command(flatten)]
    pub solve: SolveArgs,
}

/// `chipmix alternatives`.
#[derive(Debug, Args)]
pub struct AlternativesArgs {
    /// The scenario file (YAML).
    pub scenario: PathBuf,
    /// How much more than the optimum an alternative may cost: `2%` or `0.02`.
    #[arg(long, value_name = "X", default_value = "2%", value_parser = within)]
    pub within: f64,
    /// Override a field of the scenario (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE", allow_hyphen_values = true)]
    pub set: Vec<Override>,
    /// Output format [default: from the --output extension (.json, .md, .txt), else table].
    #[arg(long, short, value_enum)]
    pub format: Option<ExplainFormatArg>,
    /// Write the alternatives to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// How to solve (alternatives default to --mip-gap 0).
    #[command(flatten)]
    pub solve: SolveArgs,
}

pub(crate) fn within(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let v = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    };
    match v {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 1.0 => Ok(v),
        _ => Err(format!(
            "must be a fraction in (0, 1] or a percentage such as 2%, got `{s}`"
        )),
    }
}

/// `chipmix merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard files written by `chipmix sweep --shard K/N`.
    #[arg(required = true)]
    pub shards: Vec<PathBuf>,
    /// Output format [default: from the --output extension (.csv, .json, .txt, .xlsx), else table].
    #[arg(long, short, value_enum)]
    pub format: Option<SweepFormatArg>,
    /// Write the result to this file instead of stdout.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Start CSV output with a UTF-8 byte-order mark, for spreadsheet programs.
    #[arg(long)]
    pub bom: bool,
    /// Also draw the cost curve and the purchase mix to this SVG file.
    #[arg(long, value_name = "FILE.svg")]
    pub chart: Option<PathBuf>,
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
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
    /// An Excel workbook (needs -o FILE.xlsx).
    Xlsx,
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
    /// Output format [default: from the --output extension (.json, .yaml, .csv, .md, .txt, .xlsx),
    /// else table].
    #[arg(long, short, value_enum)]
    pub format: Option<FormatArg>,
    /// Write the plan to this file instead of stdout (`-` is stdout).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Start CSV output with a UTF-8 byte-order mark, for spreadsheet programs.
    #[arg(long, conflicts_with = "relaxation")]
    pub bom: bool,
    /// How to solve.
    #[command(flatten)]
    pub solve: SolveArgs,
    /// Override a field of the scenario (repeatable), e.g. `--set limits.budget=4e9`.
    #[arg(long = "set", value_name = "PATH=VALUE", allow_hyphen_values = true)]
    pub set: Vec<Override>,
    /// Print the seconds spent reading, building, solving, checking and rendering on stderr.
    #[arg(long)]
    pub timings: bool,
    /// Solve only the continuous relaxation (fractional units, adoption and minimum orders
    /// relaxed) and print its bound: how cheap any plan could be. Not a plan.
    #[arg(long, conflicts_with_all = ["format", "output"])]
    pub relaxation: bool,
}

/// `chipmix serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The scenario file (YAML), read once when the server starts.
    pub scenario: PathBuf,
    /// The port to listen on (0: any free port; the address is printed).
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// The address to listen on. The default, 127.0.0.1, admits this machine only; any
    /// other lets others on the network plan on this machine (a warning says so).
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Open the page in the desktop's browser (xdg-open) once the server listens.
    #[arg(long)]
    pub open: bool,
    /// Plans solved at once [default: one per core]; more wait their turn.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// How to solve every plan of the page.
    #[command(flatten)]
    pub solve: SolveArgs,
    /// Override a field of the scenario (repeatable) before the page's own changes.
    #[arg(long = "set", value_name = "PATH=VALUE", allow_hyphen_values = true)]
    pub set: Vec<Override>,
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
    /// Override a field of every scenario (repeatable), e.g. `--set limits.budget=4e9`.
    #[arg(long = "set", value_name = "PATH=VALUE", allow_hyphen_values = true)]
    pub set: Vec<Override>,
}

/// `chipmix check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The scenario file (YAML).
    pub scenario: PathBuf,
    /// The plan to check (JSON, as written by `chipmix plan --format json`, or edited).
    pub plan: PathBuf,
    /// Override a field of the scenario (repeatable), as the plan was made with.
    #[arg(long = "set", value_name = "PATH=VALUE", allow_hyphen_values = true)]
    pub set: Vec<Override>,
}

/// How to solve: the flags of every command that plans.
#[derive(Debug, Args)]
pub struct SolveArgs {
    /// Solver backend.
    #[arg(long, value_enum, default_value = "microlp")]
    pub solver: SolverArg,
    /// Time limit in seconds for each plan (overrides solver.time_limit_s).
    #[arg(long, value_name = "S", value_parser = positive, allow_negative_numbers = true)]
    pub time_limit: Option<f64>,
    /// Relative MIP gap at which each search stops (overrides solver.mip_gap).
    #[arg(long, value_name = "G", value_parser = fraction, allow_negative_numbers = true)]
    pub mip_gap: Option<f64>,
    /// How a national min-cost plan is searched: `decompose` (platform sets, then a
    /// Lagrangian decomposition by site), `direct` (one model for the solver), or `auto`
    /// (decompose where it applies: min-cost national plans).
    #[arg(long, value_enum, default_value = "auto")]
    pub strategy: StrategyArg,
}

/// `--strategy`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StrategyArg {
    /// Decompose min-cost national plans; solve everything else directly.
    Auto,
    /// Hand the whole programme to the solver.
    Direct,
    /// Platform-set search and Lagrangian decomposition by site.
    Decompose,
}

impl SolveArgs {
    /// The planner options these flags ask for.
    pub fn options(&self) -> Options {
        Options {
            conflicts: true,
            cost_cap: None,
            cancel: Default::default(),
            backend: match self.solver {
                SolverArg::Microlp => Backend::Microlp,
                SolverArg::Highs => Backend::Highs,
            },
            time_limit_s: self.time_limit,
            mip_gap: self.mip_gap,
            strategy: match self.strategy {
                StrategyArg::Auto => Strategy::Auto,
                StrategyArg::Direct => Strategy::Direct,
                StrategyArg::Decompose => Strategy::Decompose,
            },
            progress: super::progress::reporter(),
        }
    }
}

/// The parameters of a sweep. Each `--from/--to/--step` or `--values` belongs to the
/// `--param` before it (`cli::sweep::params` pairs them by position).
#[derive(Debug, Args)]
pub struct SweepSpecArgs {
    /// A parameter to sweep: a path as `--set` takes it (repeat for a grid).
    #[arg(long, alias = "sweep", value_name = "PATH")]
    pub param: Vec<String>,
    /// First value of the preceding --param.
    #[arg(long, value_name = "A", allow_negative_numbers = true)]
    pub from: Vec<f64>,
    /// Last value of the preceding --param (included when reached to within 1e-9 steps).
    #[arg(long, value_name = "B", allow_negative_numbers = true)]
    pub to: Vec<f64>,
    /// Step of the preceding --param.
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    pub step: Vec<f64>,
    /// Explicit values of the preceding --param, comma-separated.
    #[arg(long, value_name = "V1,V2,...", allow_hyphen_values = true)]
    pub values: Vec<String>,
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

/// What an output file's extension says it holds: `.txt` a table, `.json`, `.yaml` or
/// `.yml`, `.csv`, `.md`, `.html`, `.svg`, `.xlsx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extension {
    /// `.txt`: the terminal table.
    Table,
    /// `.json`.
    Json,
    /// `.yaml` or `.yml`.
    Yaml,
    /// `.csv`.
    Csv,
    /// `.md`.
    Markdown,
    /// `.html`.
    Html,
    /// `.svg`.
    Svg,
    /// `.xlsx`: an Excel workbook.
    Xlsx,
}

impl Extension {
    /// The extension of `path`, when it is one of the known ones (any case); `None` for
    /// stdout (`-`), no extension or another one.
    pub fn of(path: &Path) -> Option<Extension> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "txt" => Extension::Table,
            "json" => Extension::Json,
            "yaml" | "yml" => Extension::Yaml,
            "csv" => Extension::Csv,
            "md" => Extension::Markdown,
            "html" | "htm" => Extension::Html,
            "svg" => Extension::Svg,
            "xlsx" => Extension::Xlsx,
            _ => return None,
        })
    }

    /// How the extension is written in messages.
    fn suffix(self) -> &'static str {
        match self {
            Extension::Table => ".txt",
            Extension::Json => ".json",
            Extension::Yaml => ".yaml",
            Extension::Csv => ".csv",
            Extension::Markdown => ".md",
            Extension::Html => ".html",
            Extension::Svg => ".svg",
            Extension::Xlsx => ".xlsx",
        }
    }
}

/// The output format of `command`: `--format` when given; else the one the extension of
/// `--output` names, among those the command `writes`; else `default` (stdout, no
/// extension or an unknown one). An extension the command cannot write is bad input, and
/// the message says what to use instead.
pub fn pick_format<F: Copy>(
    command: &str,
    explicit: Option<F>,
    output: Option<&Path>,
    default: F,
    writes: &[(Extension, F)],
) -> anyhow::Result<F> {
    if let Some(f) = explicit {
        return Ok(f);
    }
    let Some((path, ext)) = output.and_then(|p| Extension::of(p).map(|e| (p, e))) else {
        return Ok(default);
    };
    if let Some((_, f)) = writes.iter().find(|(e, _)| *e == ext) {
        return Ok(*f);
    }
    let known: Vec<&str> = writes.iter().map(|(e, _)| e.suffix()).collect();
    let instead = match ext {
        Extension::Html => "for an HTML page, use `chipmix report`".to_string(),
        Extension::Svg if matches!(command, "sweep" | "merge" | "compare") => {
            "for a chart, give --chart FILE.svg".to_string()
        }
        Extension::Svg => "for charts, use `chipmix report` (HTML)".to_string(),
        _ => "or give --format".to_string(),
    };
    anyhow::bail!(
        "chipmix {command}: cannot write {} as {}: {command} writes {}; {instead}",
        path.display(),
        ext.suffix(),
        known.join(", ")
    )
}

/// `text` with a UTF-8 byte-order mark in front when `bom` is asked for; `--bom` with
/// output that is not CSV is bad input.
pub fn with_bom(command: &str, text: String, bom: bool, csv: bool) -> anyhow::Result<String> {
    match (bom, csv) {
        (false, _) => Ok(text),
        (true, true) => Ok(format!("{}{text}", crate::render::BOM)),
        (true, false) => anyhow::bail!(
            "chipmix {command}: --bom marks CSV output for spreadsheet programs; give --format csv (or -o FILE.csv), or leave --bom out"
        ),
    }
}
