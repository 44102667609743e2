//! `chipmix sweep` and `chipmix merge`: the grid from the arguments, a progress bar on a
//! terminal, the result in the chosen format, and the optional SVG chart.

use super::args::{MergeArgs, SweepArgs, SweepFormatArg, SweepSpecArgs};
use super::{EXIT_BAD_INPUT, EXIT_PLAN, emit, guard_outputs, read_document, write_file};
use crate::planner::Options;
use crate::render::sweep::{SweepFormat, render};
use crate::sweep::{self, Job, Param, Sweep, SweepResult, shard};
use clap::ArgMatches;
use std::io::IsTerminal;

fn format(f: SweepFormatArg) -> SweepFormat {
    match f {
        SweepFormatArg::Table => SweepFormat::Table,
        SweepFormatArg::Csv => SweepFormat::Csv,
        SweepFormatArg::Json => SweepFormat::Json,
    }
}

/// Pairs each `--from/--to/--step/--values` with the `--param` before it.
pub(super) fn params(a: &SweepSpecArgs, m: &ArgMatches) -> Result<Vec<Param>, String> {
    let positions =
        |name: &str| -> Vec<usize> { m.indices_of(name).map(|i| i.collect()).unwrap_or_default() };
    let starts = positions("param");
    let owner = |pos: usize, flag: &str| -> Result<usize, String> {
        starts
            .iter()
            .rposition(|&p| p < pos)
            .ok_or_else(|| format!("--{flag} must follow the --param it belongs to"))
    };
    let mut from = vec![None; starts.len()];
    let mut to = vec![None; starts.len()];
    let mut step = vec![None; starts.len()];
    let mut values: Vec<Option<&String>> = vec![None; starts.len()];
    for (flag, slot, given) in [
        ("from", &mut from, &a.from),
        ("to", &mut to, &a.to),
        ("step", &mut step, &a.step),
    ] {
        for (pos, v) in positions(flag).into_iter().zip(given) {
            let k = owner(pos, flag)?;
            if slot[k].replace(*v).is_some() {
                return Err(format!("--param {} has two --{flag}", a.param[k]));
            }
        }
    }
    for (pos, v) in positions("values").into_iter().zip(&a.values) {
        let k = owner(pos, "values")?;
        if values[k].replace(v).is_some() {
            return Err(format!("--param {} has two --values", a.param[k]));
        }
    }
    let mut out = Vec::new();
    for (k, path) in a.param.iter().enumerate() {
        let p = match (from[k], to[k], step[k], values[k]) {
            (None, None, None, Some(v)) => {
                let list: Vec<String> = v.split(',').map(str::to_string).collect();
                Param::list(path, &list)
            }
            (Some(f), Some(t), Some(s), None) => Param::range(path, f, t, s),
            (_, _, _, Some(_)) => {
                return Err(format!(
                    "--param {path}: give either --values or --from/--to/--step, not both"
                ));
            }
            _ => {
                return Err(format!(
                    "--param {path} needs --from, --to and --step (or --values)"
                ));
            }
        };
        out.push(p.map_err(|e| e.to_string())?);
    }
    Ok(out)
}

fn progress(len: usize) -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {pos}/{len} points [{bar:30}] {elapsed_precise} (eta {eta})",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Writes the result and the chart; returns the exit code.
fn finish(
    r: &SweepResult,
    f: SweepFormatArg,
    output: Option<&std::path::Path>,
    chart: Option<&std::path::Path>,
) -> i32 {
    if let Some(path) = chart {
        match crate::render::svg::sweep(r) {
            Ok(svg) => {
                if let Err(e) = write_file(path, svg.as_bytes()) {
                    eprintln!("chipmix: {e}");
                    return EXIT_BAD_INPUT;
                }
            }
            Err(e) => {
                eprintln!("chipmix: no chart: {e}");
                return EXIT_BAD_INPUT;
            }
        }
    }
    if let Err(e) = emit(&render(r, format(f)), output) {
        eprintln!("chipmix: {e}");
        return EXIT_BAD_INPUT;
    }
    EXIT_PLAN
}

/// Runs `chipmix sweep`. Infeasible points are rows: the exit code is 0 once every point
/// has a row.
pub fn run(a: &SweepArgs, m: &ArgMatches) -> i32 {
    let sweep = match params(&a.sweep, m).and_then(|p| Sweep::new(p).map_err(|e| e.to_string())) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("chipmix sweep: {e}");
            return EXIT_BAD_INPUT;
        }
    };
    if a.shard.is_some() && (a.chart.is_some() || !matches!(a.format, SweepFormatArg::Table)) {
        eprintln!(
            "chipmix sweep: a --shard run writes a shard file for `chipmix merge`; give --format and --chart to merge instead"
        );
        return EXIT_BAD_INPUT;
    }
    let document = match read_document(&a.scenario, &[a.output.as_deref(), a.chart.as_deref()]) {
        Ok(d) => d,
        Err(code) => return code,
    };
    let job = Job {
        document: &document,
        base: &a.set,
        sweep: &sweep,
        // The sweep has its own progress bar: no per-plan progress lines under it.
        options: Options {
            progress: None,
            ..a.solve.options()
        },
    };
    let points = match a.shard {
        Some(s) => s.indices(sweep.len()).len(),
        None => sweep.len(),
    };
    let bar = progress(points);
    let work = || match a.shard {
        Some(s) => shard::run(&job, s, &|| bar.inc(1)).map(Err),
        None => sweep::run(&job, &|| bar.inc(1)).map(Ok),
    };
    let outcome = match a.jobs {
        Some(n) => match rayon::ThreadPoolBuilder::new()
            .num_threads(workers(n, points))
            .build()
        {
            Ok(pool) => pool.install(work),
            Err(e) => {
                eprintln!("chipmix sweep: cannot start {n} workers: {e}");
                return EXIT_BAD_INPUT;
            }
        },
        None => work(),
    };
    bar.finish_and_clear();
    match outcome {
        Ok(Ok(result)) => finish(&result, a.format, a.output.as_deref(), a.chart.as_deref()),
        Ok(Err(shard_file)) => {
            if shard_file.result.rows.is_empty() {
                eprintln!(
                    "chipmix sweep: warning: shard {} of a {}-point sweep has no points",
                    shard_file.shard,
                    sweep.len()
                );
            }
            let mut text = serde_json::to_string_pretty(&shard_file).unwrap_or_default();
            text.push('\n');
            match emit(&text, a.output.as_deref()) {
                Ok(()) => EXIT_PLAN,
                Err(e) => {
                    eprintln!("chipmix: {e}");
                    EXIT_BAD_INPUT
                }
            }
        }
        Err(e) => {
            eprintln!("{e}");
            EXIT_BAD_INPUT
        }
    }
}

/// Most workers `--jobs` starts per core.
const JOBS_PER_CORE: usize = 4;

/// Workers for `--jobs n` on a sweep of `points` points: at most one per point and
/// [`JOBS_PER_CORE`] per core (`--jobs 65535` on three points started 65,535 threads and
/// ran for minutes).
fn workers(n: u16, points: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    usize::from(n).min(points).min(JOBS_PER_CORE * cores).max(1)
}

/// Runs `chipmix merge`.
pub fn merge(a: &MergeArgs) -> i32 {
    if let Err(code) = guard_outputs(&a.shards, &[a.output.as_deref(), a.chart.as_deref()]) {
        return code;
    }
    let mut files = Vec::new();
    for path in &a.shards {
        let name = path.display().to_string();
        let text = match crate::files::read_text(path, crate::files::MAX_PLAN_BYTES) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{name}: {e}");
                return EXIT_BAD_INPUT;
            }
        };
        match shard::read(&text, &name) {
            Ok(f) => files.push((name, f)),
            Err(e) => {
                eprintln!("{e}");
                return EXIT_BAD_INPUT;
            }
        }
    }
    match shard::merge(files) {
        Ok(result) => finish(&result, a.format, a.output.as_deref(), a.chart.as_deref()),
        Err(e) => {
            eprintln!("chipmix merge: {e}");
            EXIT_BAD_INPUT
        }
    }
}
