//! `chipmix sweep` and `chipmix merge`: the grid from the arguments, a progress bar on a
//! terminal, the result in the chosen format, and the optional SVG chart.

use super::args::{
    Extension, MergeArgs, SweepArgs, SweepFormatArg, SweepSpecArgs, pick_format, with_bom,
};
use super::{
    Exit, check_outputs, open_document, output, output_bytes, read_text, workbook, write_bytes,
};
use crate::error::Error;
use crate::planner::Options;
use crate::render::sweep::{SweepFormat, render};
use crate::sweep::{self, Job, Param, Sweep, SweepResult, shard};
use anyhow::{Context, bail};
use clap::ArgMatches;

/// The format `--format` or the `--output` extension asks `command` for.
fn pick(
    command: &str,
    f: Option<SweepFormatArg>,
    output: Option<&std::path::Path>,
) -> anyhow::Result<SweepFormatArg> {
    pick_format(
        command,
        f,
        output,
        SweepFormatArg::Table,
        &[
            (Extension::Table, SweepFormatArg::Table),
            (Extension::Csv, SweepFormatArg::Csv),
            (Extension::Json, SweepFormatArg::Json),
            (Extension::Xlsx, SweepFormatArg::Xlsx),
        ],
    )
}

/// The text format `f` names (`None`: the workbook).
fn format(f: SweepFormatArg) -> Option<SweepFormat> {
    match f {
        SweepFormatArg::Table => Some(SweepFormat::Table),
        SweepFormatArg::Csv => Some(SweepFormat::Csv),
        SweepFormatArg::Json => Some(SweepFormat::Json),
        SweepFormatArg::Xlsx => None,
    }
}

/// Refuses, before any work, a workbook that cannot be written (see [`workbook`]).
fn check_workbook(
    command: &str,
    f: SweepFormatArg,
    to: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    if f == SweepFormatArg::Xlsx {
        workbook(command, to)?;
    }
    Ok(())
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

/// Writes the chart, then the result (after a byte-order mark with `bom`).
fn finish(
    r: &SweepResult,
    f: SweepFormatArg,
    bom: bool,
    to: Option<&std::path::Path>,
    chart: Option<&std::path::Path>,
) -> anyhow::Result<Exit> {
    if let Some(path) = chart {
        let svg = crate::render::svg::sweep(r)
            .map_err(anyhow::Error::msg)
            .context("no chart")
            .context("chipmix")?;
        write_bytes(path, svg.as_bytes()).context("chipmix")?;
    }
    let Some(text_format) = format(f) else {
        let created = workbook("sweep", to)?;
        let bytes = crate::render::sweep::xlsx::render(r, created).context("chipmix sweep")?;
        output_bytes(&bytes, to).context("chipmix")?;
        return Ok(Exit::Plan);
    };
    let text = with_bom(
        "sweep",
        render(r, text_format),
        bom,
        f == SweepFormatArg::Csv,
    )?;
    output(&text, to).context("chipmix")?;
    Ok(Exit::Plan)
}

/// Runs `chipmix sweep`. Infeasible points are rows: the sweep succeeds once every point
/// has a row. Ctrl-C or SIGTERM stops it: the points finished by then are written, the
/// others with status `interrupted`, a line on stderr says how many, and the exit code is
/// 130 (a shard file is written the same way; `merge` refuses it).
pub fn run(a: &SweepArgs, m: &ArgMatches) -> anyhow::Result<Exit> {
    let cancel = super::interrupt::watch();
    let sweep = params(&a.sweep, m)
        .map_err(anyhow::Error::msg)
        .and_then(|p| Ok(Sweep::new(p).map_err(Error::from)?))
        .context("chipmix sweep")?;
    if a.shard.is_some() && (a.chart.is_some() || a.format.is_some() || a.bom) {
        bail!(
            "chipmix sweep: a --shard run writes a shard file for `chipmix merge`; give --format, --bom and --chart to merge instead"
        );
    }
    let document = open_document(&a.scenario, &[a.output.as_deref(), a.chart.as_deref()])?;
    let chosen = match a.shard {
        Some(_) => SweepFormatArg::Json,
        None => pick("sweep", a.format, a.output.as_deref())?,
    };
    with_bom("sweep", String::new(), a.bom, chosen == SweepFormatArg::Csv)?;
    check_workbook("sweep", chosen, a.output.as_deref())?;
    let job = Job {
        document: &document,
        base: &a.set,
        sweep: &sweep,
        // The sweep has its own progress bar: no per-plan progress lines under it.
        options: Options {
            progress: None,
            cancel,
            ..a.solve.options()
        },
    };
    let points = match a.shard {
        Some(s) => s.indices(sweep.len()).len(),
        None => sweep.len(),
    };
    let limit_s = a.solve.time_limit.or_else(|| {
        document
            .resolve(&a.set)
            .ok()
            .map(|l| l.scenario.solver.time_limit_s)
    });
    let running = match a.jobs {
        Some(n) => workers(n, points),
        None => rayon::current_num_threads(),
    };
    let bar = super::progress::sweep_bar(points, running, limit_s);
    let work = || match a.shard {
        Some(s) => shard::run(&job, s, &|| bar.inc(1)).map(Err),
        None => sweep::run(&job, &|| bar.inc(1)).map(Ok),
    };
    let outcome = match a.jobs {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(workers(n, points))
            .build()
            .with_context(|| format!("cannot start {n} workers"))
            .context("chipmix sweep")?
            .install(work),
        None => work(),
    };
    bar.finish_and_clear();
    match outcome.map_err(Error::from)? {
        Ok(result) => {
            let exit = finish(
                &result,
                chosen,
                a.bom,
                a.output.as_deref(),
                a.chart.as_deref(),
            )?;
            Ok(interrupted(result.interrupted(), result.rows.len()).unwrap_or(exit))
        }
        Err(shard_file) => {
            if shard_file.result.rows.is_empty() {
                eprintln!(
                    "chipmix sweep: warning: shard {} of a {}-point sweep has no points",
                    shard_file.shard,
                    sweep.len()
                );
            }
            let mut text = serde_json::to_string_pretty(&shard_file).unwrap_or_default();
            text.push('\n');
            output(&text, a.output.as_deref()).context("chipmix")?;
            let r = &shard_file.result;
            Ok(interrupted(r.interrupted(), r.rows.len()).unwrap_or(Exit::Plan))
        }
    }
}

/// After an interrupt (its output written): the line on stderr and [`Exit::Interrupted`].
fn interrupted(unsolved: usize, points: usize) -> Option<Exit> {
    if !super::interrupt::requested() {
        return None;
    }
    eprintln!(
        "chipmix sweep: interrupted: {} of {points} points finished; the other {unsolved} have status {}",
        points - unsolved,
        crate::sweep::INTERRUPTED
    );
    Some(Exit::Interrupted)
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
pub fn merge(a: &MergeArgs) -> anyhow::Result<Exit> {
    check_outputs(&a.shards, &[a.output.as_deref(), a.chart.as_deref()])?;
    let chosen = pick("merge", a.format, a.output.as_deref())?;
    with_bom("merge", String::new(), a.bom, chosen == SweepFormatArg::Csv)?;
    check_workbook("merge", chosen, a.output.as_deref())?;
    let mut files = Vec::new();
    for path in &a.shards {
        let name = path.display().to_string();
        let text = read_text(path, crate::files::MAX_PLAN_BYTES)?;
        // The shard's errors name the file.
        let file = shard::read(&text, &name).map_err(anyhow::Error::msg)?;
        files.push((name, file));
    }
    let result = shard::merge(files)
        .map_err(anyhow::Error::msg)
        .context("chipmix merge")?;
    finish(
        &result,
        chosen,
        a.bom,
        a.output.as_deref(),
        a.chart.as_deref(),
    )
}
