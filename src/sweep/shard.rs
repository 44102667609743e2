//! Distributed sweeps: `--shard K/N` solves every N-th point starting at the K-th (so slow
//! and fast regions of a sweep spread evenly) and writes a shard file; [`merge`] checks that
//! the shard files belong to one sweep, cover it exactly once, and joins them into the
//! result a single run would give.

use super::{Job, SweepError, SweepResult};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a shard file says it is.
pub const SHARD_FORMAT: &str = "chipmix-sweep-shard";
/// Version of the shard file layout.
pub const SHARD_VERSION: u32 = 1;

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
    /// This slice's rows (marginal costs are filled in by the merge).
    pub result: SweepResult,
}

/// 64-bit FNV-1a: a stable hash (std's hasher may change between Rust versions).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The fingerprint of a sweep job.
pub fn fingerprint(job: &Job) -> String {
    let mut text = serde_yaml::to_string(job.document.value()).unwrap_or_default();
    for o in job.base {
        text.push_str(&format!("\n--set {o}"));
    }
    text.push_str(&serde_json::to_string(job.sweep).unwrap_or_default());
    text.push_str(&format!(
        "\n{} {:?} {:?}",
        job.options.backend.as_str(),
        job.options.time_limit_s,
        job.options.mip_gap
    ));
    format!("{:016x}", fnv1a(text.as_bytes()))
}

/// Runs one slice of a sweep.
pub fn run(job: &Job, shard: Shard, done: &(dyn Fn() + Sync)) -> Result<ShardFile, SweepError> {
    let total = job.sweep.len();
    let indices = shard.indices(total);
    let (ids, scenario, currency) = job.validate(&indices)?;
    let rows = job.run(&indices, &ids, done)?;
    Ok(ShardFile {
        format: SHARD_FORMAT.into(),
        version: SHARD_VERSION,
        fingerprint: fingerprint(job),
        shard,
        points: total,
        result: SweepResult {
            scenario,
            currency,
            sweep: job.sweep.clone(),
            ids,
            rows,
        },
    })
}

/// Reads a shard file's JSON; `name` names it in messages.
pub fn read(text: &str, name: &str) -> Result<ShardFile, String> {
    let file: ShardFile = serde_json::from_str(text).map_err(|e| {
        format!("{name}: not a chipmix sweep shard (written by `chipmix sweep --shard K/N`): {e}")
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
/// or repeated shard, and rows that do not cover every point exactly once.
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
    result.fill_marginal_costs();
    Ok(result)
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
