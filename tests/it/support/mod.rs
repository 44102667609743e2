//! Helpers shared by the integration tests: run the built binary, write temp scenarios,
//! read its JSON, and map over many cases on a few threads. `random` holds what the
//! random-scenario generators share.

pub mod random;
pub mod reference;
pub mod scratch;
pub mod server;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Output of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `chipmix` with `args`.
pub fn chipmix(args: &[&str]) -> Run {
    run(Command::new(env!("CARGO_BIN_EXE_chipmix")).args(args))
}

/// Runs `chipmix` with owned `args`.
pub fn run_owned(args: &[String]) -> Run {
    chipmix(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Runs `chipmix` with `args` in the directory `cwd`.
pub fn chipmix_in(cwd: &Path, args: &[&str]) -> Run {
    run(Command::new(env!("CARGO_BIN_EXE_chipmix"))
        .args(args)
        .current_dir(cwd))
}

fn run(command: &mut Command) -> Run {
    let out = command.output().expect("the binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Writes `text` to a temp file named after `tag` and returns its path.
///
/// Every test module runs in this one process, so the file goes to a directory of the
/// process and of the calling module's source file (`chipmix-tests-PID/cli/TAG.yaml`): the
/// same tag in two modules names two files. Within a module, tags must differ between
/// tests that write different text.
#[track_caller]
pub fn scenario_file(tag: &str, text: &str) -> PathBuf {
    let caller = Path::new(std::panic::Location::caller().file());
    let module = caller.file_stem().expect("a source file name");
    let dir = std::env::temp_dir()
        .join(format!("chipmix-tests-{}", std::process::id()))
        .join(module);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{tag}.yaml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// Line and column (1-based) of the only occurrence of `needle` in `text`.
pub fn place_of(text: &str, needle: &str) -> (usize, usize) {
    let found: Vec<(usize, usize)> = text
        .lines()
        .enumerate()
        .filter_map(|(n, line)| line.find(needle).map(|c| (n + 1, c + 1)))
        .collect();
    assert_eq!(found.len(), 1, "`{needle}` must occur once in:\n{text}");
    found[0]
}

/// Path of a sample scenario.
pub fn sample(name: &str) -> String {
    format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The sample scenarios: every YAML file of `scenarios/` (the catalog sample included; the
/// catalogs in `scenarios/catalog/` are not scenarios), sorted.
pub fn sample_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(sample(""))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 8, "samples: {files:?}");
    files
}

/// `args` followed by `--set s` for each of `sets`.
pub fn with_sets(mut args: Vec<String>, sets: &[String]) -> Vec<String> {
    for s in sets {
        args.push("--set".into());
        args.push(s.clone());
    }
    args
}

/// Relative closeness.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// `text` as JSON, or a panic that shows it.
pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// `chipmix plan SCENARIO --format json --set S...` for each of `sets`: the plan, checked to
/// exit 0 with a plan and 1 without one.
pub fn plan(scenario: &str, sets: &[String]) -> Value {
    let mut args = vec!["plan", scenario, "--format", "json"];
    for s in sets {
        args.push("--set");
        args.push(s);
    }
    let r = chipmix(&args);
    assert!(
        r.code == 0 || r.code == 1,
        "plan {scenario} {sets:?} exited {}: {}",
        r.code,
        r.stderr
    );
    let p = json(&r.stdout);
    assert_eq!(
        r.code == 0,
        has_plan(&p),
        "plan {scenario} {sets:?}: exit code {} vs status {}",
        r.code,
        p["status"]
    );
    p
}

/// `chipmix plan SCENARIO --set ... --mip-gap 0 --format json`, checked to exit 0 with a
/// proven optimum and 1 without a plan.
pub fn optimal_plan(scenario: &str, sets: &[String]) -> Value {
    let args = with_sets(
        vec![
            "plan".into(),
            scenario.into(),
            "--mip-gap".into(),
            "0".into(),
            "--format".into(),
            "json".into(),
        ],
        sets,
    );
    let r = run_owned(&args);
    assert!(
        r.code == 0 || r.code == 1,
        "plan {sets:?} exited {}: {}",
        r.code,
        r.stderr
    );
    let p = json(&r.stdout);
    assert_eq!(
        r.code == 0,
        has_plan(&p),
        "plan {sets:?}: exit code vs status {}",
        p["status"]
    );
    if has_plan(&p) {
        assert_eq!(
            p["status"], "optimal",
            "plan {sets:?} of {scenario} is not proven optimal; pick a smaller scenario"
        );
    }
    p
}

/// Whether a JSON plan has purchases to show (status optimal or feasible).
pub fn has_plan(p: &Value) -> bool {
    matches!(p["status"].as_str(), Some("optimal" | "feasible"))
}

/// New units of `id` in a JSON plan (summed over its purchase rows).
pub fn units_of(p: &Value, id: &str) -> f64 {
    p["purchases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["id"] == id)
        .map(|x| x["units"].as_f64().unwrap())
        .sum()
}

/// Maps `f` over `items` on `threads` threads, keeping the order.
pub fn par_map<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|c| s.spawn(|| c.iter().map(&f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker thread"))
            .collect()
    })
}
