//! Distributed sweeps: `--shard K/N` solves every N-th point starting at the K-th (so slow
//! and fast regions of a sweep spread evenly) and writes a shard file; [`merge`] checks that
//! the shard files belong to one sweep, cover it exactly once, re-checks every row's figures
//! against its own purchases and the point's scenario (which travels in the shard file),
//! and joins them into the result a single run would give.

use super::{Job, Row, Sweep, SweepError, SweepResult};
use crate::audit::{read_saved_purchases, same_cost};
use crate::plan::Status;
use crate::planner::Options;
use crate::scenario::{Document, Override};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a shard file says it is.
pub const SHARD_FORMAT: &str = "chipmix-sweep-shard";
/// Version of the shard file layout (2: the scenario, the overrides and every row's
/// purchases travel in the file, so that `merge` can re-check the rows).
pub const SHARD_VERSION: u32 = 2;

/// The K-th of N slices of a sweep (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which slice, 1..=n.
    pub k: usize,
    /// How many slices.
    pub n: usize,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("expected K/N with 1 <= K <= N (e.g. 3/8), got `{s}`");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (usize, usize) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if k == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

impl Shard {
    /// The points of a `total`-point sweep in this slice.
    pub fn indices(&self, total: usize) -> Vec<usize> {
        (self.k - 1..total).step_by(self.n).collect()
    }
}

/// One shard's output: the rows it solved and what they belong to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardFile {
    /// Always [`SHARD_FORMAT`].
    pub format: String,
    /// Always [`SHARD_VERSION`].
    pub version: u32,
    /// Hash of the scenario content, the overrides, the grid and the solver options:
    /// shards of different sweeps are never merged.
    pub fingerprint: String,
    /// Which slice this is.
    pub shard: Shard,
    /// Points in the whole sweep.
    pub points: usize,
    /// The scenario the sweep ran on (catalog merged, no overrides), as YAML: `merge`
    /// re-checks every row against it.
    #[serde(default)]
    pub scenario: String,
    /// The `--set` overrides common to every point, as `PATH=VALUE`.
    #[serde(default)]
    pub set: Vec<String>,
    /// The solver options, as the fingerprint hashes them.
    #[serde(default)]
    pub solver: String,
    /// This slice's rows (marginal costs are filled in by the merge).
    pub result: SweepResult,
}

/// 64-bit FNV-1a: a stable hash (std's hasher may change between Rust versions).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// What a job's fingerprint hashes: the scenario as YAML, the common overrides, and the
/// solver options.
fn origin(job: &Job) -> (String, Vec<String>, String) {
    (
        serde_yaml::to_string(job.document.value()).unwrap_or_default(),
        job.base.iter().map(|o| o.to_string()).collect(),
        format!(
            "{} {:?} {:?}",
            job.options.backend.as_str(),
            job.options.time_limit_s,
            job.options.mip_gap
        ),
    )
}

fn fingerprint_of(scenario: &str, set: &[String], sweep: &Sweep, solver: &str) -> String {
    let mut text = scenario.to_string();
    for o in set {
        text.push_str(&format!("\n--set {o}"));
    }
    text.push_str(&serde_json::to_string(sweep).unwrap_or_default());
    text.push_str(&format!("\n{solver}"));
    format!("{:016x}", fnv1a(text.as_bytes()))
}

/// The fingerprint of a sweep job.
pub fn fingerprint(job: &Job) -> String {
    let (scenario, set, solver) = origin(job);
    fingerprint_of(&scenario, &set, job.sweep, &solver)
}

/// Runs one slice of a sweep.
pub fn run(job: &Job, shard: Shard, done: &(dyn Fn() + Sync)) -> Result<ShardFile, SweepError> {
    let total = job.sweep.len();
    let indices = shard.indices(total);
    let v = job.validate(&indices)?;
    let rows = job.run(&indices, &v.ids, done)?;
    let (scenario_yaml, set, solver) = origin(job);
    Ok(ShardFile {
        format: SHARD_FORMAT.into(),
        version: SHARD_VERSION,
        fingerprint: fingerprint(job),
        shard,
        points: total,
        scenario: scenario_yaml,
        set,
        solver,
        result: SweepResult {
            scenario: v.scenario,
            currency: v.currency,
            sweep: job.sweep.clone(),
            ids: v.ids,
            rows,
            national: v.national,
            max_pflops: v.max_pflops,
        },
    })
}

/// Reads a shard file's JSON; `name` names it in messages.
pub fn read(text: &str, name: &str) -> Result<ShardFile, String> {
    let file: ShardFile = crate::files::parse_json(text)
        .and_then(serde_json::from_value)
        .map_err(|e| {
            format!(
                "{name}: not a chipmix sweep shard (written by `chipmix sweep --shard K/N`): {e}"
            )
        })?;
    if file.format != SHARD_FORMAT || file.version != SHARD_VERSION {
        return Err(format!(
            "{name}: shard format `{}` version {} is not `{SHARD_FORMAT}` version {SHARD_VERSION}",
            file.format, file.version
        ));
    }
    let sweep = &file.result.sweep;
    if sweep.params.is_empty()
        || sweep.params.iter().any(|p| p.values.is_empty())
        || sweep.len() != file.points
    {
        return Err(format!(
            "{name}: the shard's parameters do not describe its {} points",
            file.points
        ));
    }
    if file.shard.k == 0 || file.shard.k > file.shard.n {
        return Err(format!(
            "{name}: shard {}/{} is not a valid slice (K must be 1 to N)",
            file.shard.k, file.shard.n
        ));
    }
    Ok(file)
}

/// Joins shard files into the whole sweep. Refuses shards of different sweeps, a missing
/// or repeated shard, a shard that was interrupted (its unsolved points have no result),
/// rows that do not cover every point exactly once, and rows whose figures are not those
/// of their purchases (see [`recheck`]).
pub fn merge(files: Vec<(String, ShardFile)>) -> Result<SweepResult, String> {
    let Some((first_name, first)) = files.first() else {
        return Err("no shard files to merge".into());
    };
    let n = first.shard.n;
    let mut seen: Vec<Option<&str>> = vec![None; n];
    for (name, f) in &files {
        if f.fingerprint != first.fingerprint || f.points != first.points || f.shard.n != n {
            return Err(format!(
                "{name} belongs to a different sweep than {first_name} (scenario, --set, parameters, solver options or shard count differ)"
            ));
        }
        if let Some(other) = seen[f.shard.k - 1].replace(name) {
            return Err(format!("{name} and {other} are both shard {}", f.shard));
        }
    }
    for (name, f) in &files {
        let stopped = f.result.interrupted();
        if let Some(first) = f
            .result
            .rows
            .iter()
            .find(|r| r.status == super::INTERRUPTED)
        {
            return Err(format!(
                "{name}: shard {} was interrupted before {stopped} of its {} points were solved (the first: point {}); run `chipmix sweep --shard {}` again",
                f.shard,
                f.result.rows.len(),
                f.result.sweep.label(first.index),
                f.shard
            ));
        }
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(k, _)| format!("{}/{n}", k + 1))
        .collect();
    if !missing.is_empty() {
        return Err(format!("missing shards: {}", missing.join(", ")));
    }
    let mut result = first.result.clone();
    result.rows = files
        .iter()
        .flat_map(|(_, f)| f.result.rows.iter().cloned())
        .collect();
    result.rows.sort_by_key(|r| r.index);
    let covered = result.rows.len() == first.points
        && result.rows.iter().enumerate().all(|(i, r)| r.index == i);
    if !covered {
        return Err(format!(
            "the shards hold {} rows but the sweep has {} points, each exactly once",
            result.rows.len(),
            first.points
        ));
    }
    if let Some((name, _)) = files.iter().find(|(_, f)| f.result.ids != result.ids) {
        return Err(format!(
            "{name} has different accelerator columns from {first_name}"
        ));
    }
    for (name, f) in &files {
        recheck(name, f)?;
    }
    super::reuse::name_ruled_out(&result.sweep, &mut result.rows);
    result.fill_marginal_costs();
    Ok(result)
}

/// Re-checks every row of a shard file against the scenario it carries: the file must
/// still match its fingerprint; a row with a plan is re-evaluated at its point (the
/// scenario with the common overrides and the point's values) from its own purchases with
/// the independent checker, must meet every rule, and must state the figures those
/// purchases give (within the checker's tolerance). A row without a plan must state no
/// figures; an infeasible or unbounded one is planned again, and must still have no plan
/// (an `error` row is kept). Errors name the file, the point and the figure.
pub fn recheck(name: &str, file: &ShardFile) -> Result<(), String> {
    let sweep = &file.result.sweep;
    if fingerprint_of(&file.scenario, &file.set, sweep, &file.solver) != file.fingerprint {
        return Err(format!(
            "{name}: its scenario, overrides, parameters or solver options no longer match its fingerprint (the file was edited)"
        ));
    }
    let document = Document::parse(file.scenario.clone(), &format!("{name} (scenario)"), None)
        .map_err(|e| format!("{name}: its scenario cannot be read: {e}"))?;
    let base = file
        .set
        .iter()
        .map(|s| s.parse::<Override>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{name}: {e}"))?;
    let job = Job {
        document: &document,
        base: &base,
        sweep,
        // Used only to plan infeasible and unbounded points again; no progress lines.
        options: Options {
            progress: None,
            ..Options::default()
        },
    };
    let verdicts: Vec<Result<(), String>> = file
        .result
        .rows
        .par_iter()
        .map(|row| {
            if row.index >= sweep.len() {
                return Err(format!(
                    "{name}: row {} is not a point of the sweep",
                    row.index
                ));
            }
            recheck_row(&job, &file.result.ids, row)
                .map_err(|e| format!("{name}: point {}: {e}", sweep.label(row.index)))
        })
        .collect();
    verdicts.into_iter().collect()
}

/// Re-checks one row (see [`recheck`]).
fn recheck_row(job: &Job, ids: &[String], stated: &Row) -> Result<(), String> {
    let status = Status::parse(&stated.status).ok_or_else(|| {
        format!(
            "status `{}` is not one of the contract's ({})",
            stated.status,
            Status::names()
        )
    })?;
    let values = job.sweep.values(stated.index);
    if stated.values != values {
        return Err(format!(
            "its parameter values [{}] are not the point's [{}]",
            stated.values.join(", "),
            values.join(", ")
        ));
    }
    if !status.has_plan() {
        let figures = [
            stated.total_cost,
            stated.capex,
            stated.opex,
            stated.adoption,
            stated.residual,
            stated.energy_discount,
            stated.removal,
            stated.pflops,
            stated.domestic_share,
        ];
        if figures
            .iter()
            .chain(&stated.units)
            .chain([&stated.gap, &stated.bound])
            .any(Option::is_some)
            || !stated.purchases.is_empty()
        {
            return Err(format!(
                "status {} says there is no plan, but the row states figures or purchases",
                stated.status
            ));
        }
        // An infeasible or unbounded row carries nothing to re-check: the point is planned
        // again, and a plan found there contradicts the row. (An `error` row, a solver
        // failure, states nothing and is kept.)
        if matches!(status, Status::Infeasible | Status::Unbounded) {
            let loaded = job
                .document
                .resolve(&job.sets(stated.index))
                .map_err(|e| format!("the point's scenario is not valid: {e}"))?;
            if let Ok(plan) = crate::planner::plan(&loaded.scenario, &job.options)
                && plan.status.has_plan()
            {
                return Err(format!(
                    "the row states status {}, but the point has a plan ({}, total cost {})",
                    stated.status,
                    plan.status.as_str(),
                    plan.total_cost.map_or("-".into(), |c| format!("{c:.2}"))
                ));
            }
        }
        return Ok(());
    }
    let loaded = job
        .document
        .resolve(&job.sets(stated.index))
        .map_err(|e| format!("the point's scenario is not valid: {e}"))?;
    let scenario_ids: Vec<&str> = loaded
        .scenario
        .accelerators
        .iter()
        .map(|a| a.id.as_str())
        .collect();
    if scenario_ids != ids {
        return Err(format!(
            "the accelerator columns [{}] are not the point's [{}]",
            ids.join(", "),
            scenario_ids.join(", ")
        ));
    }
    // The purchases are read as a saved plan's are, by the same reader.
    let text = serde_json::json!({ "purchases": stated.purchases, "removals": stated.removals })
        .to_string();
    let (plan, broken) = {
        let n = &loaded.scenario;
        let saved = read_saved_purchases(n, &text)?;
        let e = crate::check::national::evaluate_all(n, &saved.x, &saved.changes, &saved.systems);
        let broken: Vec<String> = e.violations().iter().map(|c| c.message()).collect();
        (
            crate::plan::detail::from_evaluation(n, &e, status, ""),
            broken,
        )
    };
    if let Some(first) = broken.first() {
        return Err(format!(
            "the row states status {}, but its purchases break {} rule(s) of the point's scenario ({first})",
            stated.status,
            broken.len()
        ));
    }
    let want = super::row(stated.index, values, &plan, ids);
    let mut figures: Vec<(String, Option<f64>, Option<f64>)> = vec![
        ("total_cost".into(), stated.total_cost, want.total_cost),
        ("capex".into(), stated.capex, want.capex),
        ("opex".into(), stated.opex, want.opex),
        ("adoption".into(), stated.adoption, want.adoption),
        ("residual".into(), stated.residual, want.residual),
        (
            "energy_discount".into(),
            stated.energy_discount,
            want.energy_discount,
        ),
        ("removal".into(), stated.removal, want.removal),
        ("pflops".into(), stated.pflops, want.pflops),
        (
            "domestic_share".into(),
            stated.domestic_share,
            want.domestic_share,
        ),
    ];
    if stated.units.len() != ids.len() {
        return Err(format!(
            "the row has {} units columns for {} accelerators",
            stated.units.len(),
            ids.len()
        ));
    }
    for (k, id) in ids.iter().enumerate() {
        figures.push((format!("units.{id}"), stated.units[k], want.units[k]));
    }
    if let Some(e) = proof_error(stated, &want) {
        return Err(e);
    }
    for (figure, got, should) in figures {
        let agree = match (got, should) {
            (Some(a), Some(b)) => same_cost(a, b),
            (None, None) => true,
            _ => false,
        };
        if !agree {
            let show = |v: Option<f64>| v.map_or("nothing".to_string(), |v| v.to_string());
            return Err(format!(
                "{figure} states {}, but its purchases give {}",
                show(got),
                show(should)
            ));
        }
    }
    Ok(())
}

/// What is wrong with a row's `gap` and `bound`, if anything: the bound is the solver's
/// proof and cannot be checked here, but the gap must be the one between the row's own
/// value (total cost, or PFLOPS for max_pflops: `want` holds them as the purchases give
/// them) and that bound.
fn proof_error(stated: &Row, want: &Row) -> Option<String> {
    let (gap, bound) = match (stated.gap, stated.bound) {
        (None, None) => return None,
        (Some(g), Some(b)) => (g, b),
        _ => return Some("it states only one of gap and bound".into()),
    };
    let agrees = |value: Option<f64>| {
        value.is_some_and(|v| (crate::solve::relative_gap(v, bound) - gap).abs() <= 1e-6)
    };
    if gap < 0.0 || !(agrees(want.total_cost) || agrees(want.pflops)) {
        return Some(format!(
            "gap states {gap}, but its value and its bound {bound} give another"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_disjoint_and_cover_the_sweep() {
        let mut all: Vec<usize> = (1..=4)
            .flat_map(|k| Shard { k, n: 4 }.indices(10))
            .collect();
        all.sort();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_eq!(Shard { k: 2, n: 4 }.indices(10), vec![1, 5, 9]);
        assert!("0/3".parse::<Shard>().is_err());
        assert!("4/3".parse::<Shard>().is_err());
        assert_eq!("2/3".parse::<Shard>().unwrap(), Shard { k: 2, n: 3 });
    }

    #[test]
    fn fnv_is_stable() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
