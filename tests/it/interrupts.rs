//! Ctrl-C (SIGINT) and SIGTERM on the long commands, sent to the built binary: a sweep
//! writes the points it finished (checked against separate `chipmix plan` runs, parsed with
//! the `csv` crate) and marks the others `interrupted`; a national plan prints its best
//! plan so far (re-checked by `chipmix check`) or says there is none; both exit 130.
//!
//! The signals are sent after a measured time: the fast points of the sweep are timed
//! first (as the separate plans the rows are checked against), and the slow ones take
//! tens of seconds, far longer than the wait.

use crate::decompose::generate;
use crate::support::{chipmix, close, has_plan, json, plan, scenario_file, units_of};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A generated national scenario whose whole-lot search runs for tens of seconds (12 sites
/// by 5 years: 49 s at a 60 s limit in a debug build), while its continuous relaxation
/// (`solver.integer: false`) is proven in about a second.
fn slow_national() -> String {
    let text = generate::render(&generate::Args {
        sites: 12,
        periods: 5,
        seed: 2,
        first_year: 2025,
        rules: false,
    });
    scenario_file("slow-national", &text)
        .to_str()
        .unwrap()
        .to_string()
}

/// What a run stopped by a signal gave.
struct Stopped {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// Seconds from the signal to the end of the process.
    after_s: f64,
}

/// Runs `chipmix args`, sends `signal` (`INT` or `TERM`) after `wait`, and waits for it.
fn interrupt(args: &[&str], wait: Duration, signal: &str) -> Stopped {
    let child = Command::new(env!("CARGO_BIN_EXE_chipmix"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    std::thread::sleep(wait);
    let sent = Instant::now();
    let kill = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(kill.success(), "kill -{signal} failed");
    let out = child.wait_with_output().expect("the binary ends");
    Stopped {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        after_s: sent.elapsed().as_secs_f64(),
    }
}

/// A sweep of four points, one at a time in sweep order: two continuous relaxations
/// (proven in about a second each), then two whole-lot searches (tens of seconds each).
/// The signal comes once the first two are surely done: they keep their rows, the others
/// are `interrupted`.
fn sweep_is_interrupted_by(signal: &str) {
    let s = slow_national();
    let quotas = ["0.5", "0.52"];
    // The separate plans of the fast points, timed: the sweep needs about as long for them.
    let started = Instant::now();
    let plans: Vec<_> = quotas
        .iter()
        .map(|q| {
            plan(
                &s,
                &[
                    "solver.integer=false".into(),
                    format!("policy.domestic_share.min={q}"),
                ],
            )
        })
        .collect();
    let fast = started.elapsed();
    assert!(plans.iter().all(|p| p["status"] == "optimal"));
    let r = interrupt(
        &[
            "sweep",
            &s,
            "--jobs",
            "1",
            "--time-limit",
            "300",
            "--param",
            "solver.integer",
            "--values",
            "false,true",
            "--param",
            "policy.domestic_share.min",
            "--values",
            &quotas.join(","),
            "--format",
            "csv",
        ],
        fast * 3 + Duration::from_secs(2),
        signal,
    );
    assert_eq!(r.code, Some(130), "SIG{signal}: {}", r.stderr);
    assert!(
        r.after_s < 10.0,
        "the sweep took {:.1} s to stop after SIG{signal}",
        r.after_s
    );
    assert!(
        r.stderr
            .contains("interrupted: 2 of 4 points finished; the other 2 have status interrupted"),
        "{}",
        r.stderr
    );
    let mut rd = csv::Reader::from_reader(r.stdout.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.expect("a CSV row")).collect();
    assert_eq!(rows.len(), 4, "every point has a row");
    for (row, (p, q)) in rows.iter().zip(plans.iter().zip(quotas)) {
        assert_eq!(&row[0], "false");
        assert_eq!(&row[1], q);
        assert_eq!(&row[col("status")], "optimal");
        for k in [
            "total_cost",
            "capex",
            "opex",
            "adoption",
            "pflops",
            "gap",
            "bound",
        ] {
            let got: f64 = row[col(k)].parse().unwrap();
            let want = p[k].as_f64().unwrap();
            assert!(close(got, want), "{k} at {q}: sweep {got}, plan {want}");
        }
        for id in header.iter().filter_map(|h| h.strip_prefix("units.")) {
            let got: f64 = row[col(&format!("units.{id}"))].parse().unwrap();
            assert!(close(got, units_of(p, id)), "units.{id} at {q}");
        }
    }
    for row in &rows[2..] {
        assert_eq!(&row[0], "true");
        assert_eq!(&row[col("status")], "interrupted");
        for (k, cell) in header.iter().zip(row.iter()).skip(col("status") + 1) {
            assert!(cell.is_empty(), "{k} of an interrupted point: `{cell}`");
        }
    }
}

#[test]
fn sigint_on_a_sweep_writes_the_finished_points_and_exits_130() {
    sweep_is_interrupted_by("INT");
}

#[test]
fn sigterm_on_a_sweep_writes_the_finished_points_and_exits_130() {
    sweep_is_interrupted_by("TERM");
}

/// A national plan interrupted after a few seconds prints its best plan so far (status
/// feasible, its gap, a warning that says so), which `chipmix check` accepts, or says that
/// there is none; either way it exits 130, promptly.
#[test]
fn sigint_on_a_national_plan_prints_its_best_plan_so_far() {
    let s = slow_national();
    let r = interrupt(
        &["plan", &s, "--time-limit", "300", "--format", "json"],
        Duration::from_secs(8),
        "INT",
    );
    assert_eq!(r.code, Some(130), "{}", r.stderr);
    assert!(r.after_s < 10.0, "stopped {:.1} s after SIGINT", r.after_s);
    let p = json(&r.stdout);
    if has_plan(&p) {
        assert!(r.stderr.contains("the best found so far"), "{}", r.stderr);
        let gap = p["gap"].as_f64().unwrap();
        let (cost, bound) = (
            p["total_cost"].as_f64().unwrap(),
            p["bound"].as_f64().unwrap(),
        );
        assert!(
            bound <= cost * (1.0 + 1e-9),
            "bound {bound} above cost {cost}"
        );
        if p["status"] == "feasible" {
            assert!(gap > 0.0, "a feasible plan with gap {gap}");
            assert!(
                p["warnings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|w| w.as_str().unwrap().contains("interrupted")),
                "{}",
                p["warnings"]
            );
        }
        let saved = scenario_file("interrupted-plan", &r.stdout);
        let check = chipmix(&["check", &s, saved.to_str().unwrap()]);
        assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    } else {
        assert_eq!(p["status"], "error");
        assert!(
            p["message"].as_str().unwrap().contains("interrupted"),
            "{}",
            p["message"]
        );
        assert!(r.stderr.contains("no plan was found"), "{}", r.stderr);
    }
}
