//! What-if tooling end to end: `sweep` (section 4 of the format), `--shard` and `merge`,
//! `--set` overrides, shared accelerator catalogs, and `compare`. Every figure a sweep or a
//! comparison prints is checked against a separate `chipmix plan` run of the same point (or
//! against the scenario file itself), never against the command's own output.

use crate::support::{
    Run, chipmix, chipmix_in, close, has_plan, json, par_map, plan, run_owned, sample, units_of,
};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const SHANGHAI: &str = "shanghai-2025.yaml";
const QUOTA: &str = "policy.domestic_share.min";

/// The numeric columns of the sweep contract, after `status`, before `units.<id>`.
const FIGURES: [&str; 7] = [
    "total_cost",
    "capex",
    "opex",
    "adoption",
    "pflops",
    "domestic_share",
    "marginal_cost",
];

/// Equal within 1e-9 relative (absolute near zero).
fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Accelerator ids of a scenario file, in file order, read straight from the YAML.
fn scenario_ids(path: &str) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    doc["accelerators"]
        .as_sequence()
        .expect("an accelerators list")
        .iter()
        .map(|a| a["id"].as_str().expect("an id").to_string())
        .collect()
}

/// The columns after the contract's (and after a national scenario's extra ones): each
/// plan's gap and proven bound.
const PROOF: [&str; 2] = ["gap", "bound"];

/// The sweep header the contract prescribes for `params` over a scenario with `ids`, and
/// the gap and bound columns at the end.
fn contract_header(params: &[&str], ids: &[String]) -> Vec<String> {
    let mut h: Vec<String> = params.iter().map(|p| p.to_string()).collect();
    h.push("status".into());
    h.extend(FIGURES.iter().map(|f| f.to_string()));
    h.extend(ids.iter().map(|id| format!("units.{id}")));
    h.extend(PROOF.iter().map(|f| f.to_string()));
    h
}

/// A fresh, empty temp directory for one test.
fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("chipmix-whatif-{}", std::process::id()))
        .join(tag);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What the plan `p` says for a figure of the sweep/compare contract.
fn plan_figure(p: &Value, key: &str) -> Option<f64> {
    if !has_plan(p) {
        return None;
    }
    match key {
        "domestic_share" => p["domestic_share"]["value"].as_f64(),
        k => match k.strip_prefix("units.") {
            Some(id) => Some(units_of(p, id)),
            None => p[k].as_f64(),
        },
    }
}

/// One sweep row, from CSV or JSON: parameter cells, status, and every numeric column by name.
#[derive(Debug)]
struct SweepRow {
    params: Vec<String>,
    status: String,
    nums: BTreeMap<String, Option<f64>>,
}

/// Parses a CSV sweep: checks the header is `header` exactly, every row has every column,
/// and every non-empty number cell parses as a finite f64.
fn parse_csv_sweep(text: &str, header: &[String]) -> Vec<SweepRow> {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let got: Vec<String> = rd.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(got, header, "CSV header");
    let n_params = header.iter().position(|h| h == "status").unwrap();
    rd.records()
        .map(|rec| {
            let rec = rec.expect("a CSV record");
            assert_eq!(rec.len(), header.len(), "row width: {rec:?}");
            for cell in rec.iter() {
                assert!(
                    !cell.starts_with(['=', '+', '@']),
                    "spreadsheet-unsafe cell `{cell}` in {rec:?}"
                );
            }
            let nums = header[n_params + 1..]
                .iter()
                .zip(rec.iter().skip(n_params + 1))
                .map(|(k, cell)| {
                    let v = (!cell.is_empty()).then(|| {
                        let v: f64 = cell
                            .parse()
                            .unwrap_or_else(|e| panic!("{k} cell `{cell}` is not a number: {e}"));
                        assert!(v.is_finite(), "{k} cell `{cell}`");
                        v
                    });
                    (k.clone(), v)
                })
                .collect();
            SweepRow {
                params: rec.iter().take(n_params).map(str::to_string).collect(),
                status: rec[n_params].to_string(),
                nums,
            }
        })
        .collect()
}

/// Checks a sweep row against the separate plan of the same point: same status, the same
/// figures and units (1e-9 relative), and empty numbers (marginal cost included) without a plan.
fn check_row(row: &SweepRow, p: &Value, ids: &[String], at: &str) {
    assert_eq!(row.status, p["status"].as_str().unwrap(), "status at {at}");
    let mut keys: Vec<String> = FIGURES[..6].iter().map(|s| s.to_string()).collect();
    keys.extend(ids.iter().map(|id| format!("units.{id}")));
    keys.extend(PROOF.iter().map(|s| s.to_string()));
    for k in &keys {
        let cell = row.nums[k];
        match plan_figure(p, k) {
            Some(want) => {
                let got = cell.unwrap_or_else(|| panic!("{k} is empty at {at}"));
                assert!(same(got, want), "{k} at {at}: sweep {got}, plan {want}");
            }
            None => assert_eq!(cell, None, "{k} at {at} should be empty without a plan"),
        }
    }
    if !has_plan(p) {
        assert_eq!(row.nums["marginal_cost"], None, "marginal_cost at {at}");
    }
}

/// `(c_i - c_prev) / (x_i - x_prev)` when both have a total cost.
fn expected_marginal(c: Option<f64>, c_prev: Option<f64>, x: f64, x_prev: f64) -> Option<f64> {
    Some((c? - c_prev?) / (x - x_prev))
}

fn check_marginal(got: Option<f64>, want: Option<f64>, at: &str) {
    match (got, want) {
        (None, None) => {}
        (Some(g), Some(w)) => assert!(same(g, w), "marginal_cost at {at}: {g}, expected {w}"),
        _ => panic!("marginal_cost at {at}: {got:?}, expected {want:?}"),
    }
}

/// Structural equality of two JSON values, numbers within 1e-9 relative.
fn json_same(a: &Value, b: &Value, at: &str) -> Result<(), String> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            if same(x, y) {
                Ok(())
            } else {
                Err(format!("{at}: {x} vs {y}"))
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            if x.len() != y.len() {
                return Err(format!("{at}: {} vs {} entries", x.len(), y.len()));
            }
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                json_same(u, v, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Object(x), Value::Object(y)) => {
            let kx: Vec<&String> = x.keys().collect();
            let ky: Vec<&String> = y.keys().collect();
            if kx != ky {
                return Err(format!("{at}: keys {kx:?} vs {ky:?}"));
            }
            for (k, u) in x {
                json_same(u, &y[k], &format!("{at}.{k}"))?;
            }
            Ok(())
        }
        _ if a == b => Ok(()),
        _ => Err(format!("{at}: {a} vs {b}")),
    }
}

/// Two plans agree on everything but the keys in `except`.
fn assert_plans_agree(a: &Value, b: &Value, except: &[&str]) {
    let strip = |v: &Value| {
        let mut v = v.clone();
        for k in except {
            v.as_object_mut().unwrap().remove(*k);
        }
        v
    };
    if let Err(e) = json_same(&strip(a), &strip(b), "plan") {
        panic!("plans differ: {e}");
    }
}

/// A bad-input refusal: exit 2, nothing on stdout, and stderr containing every `needle`.
fn assert_refused(r: &Run, needles: &[&str]) {
    assert_eq!(r.code, 2, "expected exit 2; stderr: {}", r.stderr);
    assert!(r.stdout.is_empty(), "stdout should be empty: {}", r.stdout);
    assert!(
        !r.stderr.contains("internal error") && !r.stderr.contains("panicked"),
        "{}",
        r.stderr
    );
    for n in needles {
        assert!(r.stderr.contains(n), "stderr lacks `{n}`: {}", r.stderr);
    }
}

// ---------------------------------------------------------------------------------------
// 1-3. Sweeps against separate plans
// ---------------------------------------------------------------------------------------

#[test]
fn quota_sweep_of_101_points_matches_separate_plans() {
    let s = sample(SHANGHAI);
    let ids = scenario_ids(&s);
    let r = chipmix(&[
        "sweep", &s, "--param", QUOTA, "--from", "0", "--to", "1", "--step", "0.01", "--format",
        "csv",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let header = contract_header(&[QUOTA], &ids);
    let rows = parse_csv_sweep(&r.stdout, &header);
    assert_eq!(rows.len(), 101, "0 to 1 by 0.01 is 101 points");

    let xs: Vec<f64> = (0..=100).map(|i| i as f64 / 100.0).collect();
    for (row, x) in rows.iter().zip(&xs) {
        let cell: f64 = row.params[0].parse().unwrap();
        assert!((cell - x).abs() < 1e-12, "parameter {cell}, expected {x}");
    }
    let plans = par_map(&xs, 4, |x| plan(&s, &[format!("{QUOTA}={x}")]));

    for (i, ((row, p), x)) in rows.iter().zip(&plans).zip(&xs).enumerate() {
        let at = format!("{QUOTA}={x}");
        check_row(row, p, &ids, &at);
        let want = if i == 0 {
            None
        } else {
            expected_marginal(
                plan_figure(p, "total_cost"),
                plan_figure(&plans[i - 1], "total_cost"),
                *x,
                xs[i - 1],
            )
        };
        check_marginal(row.nums["marginal_cost"], want, &at);
    }
    // The sweep crosses from plans to infeasible points, so both kinds of row were checked.
    assert!(plans.iter().any(has_plan));
    assert!(plans.iter().any(|p| p["status"] == "infeasible"));
    // Raising the quota can only cost more (in the sweep, as in the model).
    assert!(
        rows.iter()
            .filter_map(|r| r.nums["marginal_cost"])
            .any(|m| m > 0.0)
    );
}

/// A point at least as tight as one proven infeasible is given as infeasible without a
/// solve: its reason names that point and repeats its reason. Each point's status is held
/// against a separate `chipmix plan`, the first infeasible point's reason is its own, and
/// two workers print the same as one.
#[test]
fn points_tighter_than_an_infeasible_one_say_which_point_has_none() {
    let s = sample(SHANGHAI);
    let r = chipmix(&[
        "sweep", &s, "--jobs", "1", "--param", QUOTA, "--from", "0", "--to", "1", "--step", "0.1",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let xs: Vec<String> = (0..=10).map(|i| format!("{}", i as f64 / 10.0)).collect();
    let plans = par_map(&xs, 4, |x| plan(&s, &[format!("{QUOTA}={x}")]));
    let infeasible: Vec<(usize, &String)> = xs
        .iter()
        .enumerate()
        .filter(|(i, _)| plans[*i]["status"] == "infeasible")
        .collect();
    assert!(
        infeasible.len() >= 2,
        "the sweep must cross into two infeasible points"
    );
    // The section of points without a plan: `  - X (infeasible): REASON`.
    let reason = |x: &str| -> String {
        let head = format!("  - {x} (infeasible): ");
        r.stdout
            .lines()
            .find_map(|l| l.strip_prefix(&head))
            .unwrap_or_else(|| panic!("no reason for {x}: {}", r.stdout))
            .to_string()
    };
    let (first, x0) = infeasible[0];
    let own = plans[first]["conflicts"][0].as_str().unwrap();
    assert_eq!(
        reason(x0),
        own,
        "the first infeasible point gives its own reason"
    );
    for (i, x) in &infeasible[1..] {
        let said = reason(x);
        assert!(
            said.starts_with(&format!(
                "no plan: at least as tight in every swept parameter as point {} ({QUOTA}={x0}), which has none: ",
                first + 1
            )) && said.ends_with(own),
            "{x}: {said}"
        );
        assert_eq!(plans[*i]["status"], "infeasible", "{x}");
    }
    // Every point before the first infeasible one has a plan (the sweep is monotone).
    assert!(plans[..first].iter().all(has_plan));
    // Which points two workers rule out without a solve depends on timing; what the
    // sweep prints does not.
    let two = chipmix(&[
        "sweep", &s, "--jobs", "2", "--param", QUOTA, "--from", "0", "--to", "1", "--step", "0.1",
    ]);
    assert_eq!(two.code, 0, "{}", two.stderr);
    assert_eq!(two.stdout, r.stdout, "--jobs 2 prints what --jobs 1 does");
}

#[test]
fn json_sweep_has_the_csv_keys_and_matches_separate_plans() {
    let s = sample(SHANGHAI);
    let ids = scenario_ids(&s);
    let args = |format| {
        vec![
            "sweep".to_string(),
            s.clone(),
            "--param".into(),
            QUOTA.into(),
            "--from".into(),
            "0.6".into(),
            "--to".into(),
            "0.9".into(),
            "--step".into(),
            "0.05".into(),
            "--format".into(),
            format,
        ]
    };
    let run = |format: &str| {
        let a = args(format.to_string());
        chipmix(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let r = run("json");
    assert_eq!(r.code, 0, "{}", r.stderr);
    let header = contract_header(&[QUOTA], &ids);
    let mut keys = header.clone();
    keys.sort();
    let arr = json(&r.stdout);
    let arr = arr.as_array().expect("a JSON array");
    let xs: Vec<f64> = (0..=6).map(|i| (60 + 5 * i) as f64 / 100.0).collect();
    assert_eq!(arr.len(), xs.len());
    let plans = par_map(&xs, 4, |x| plan(&s, &[format!("{QUOTA}={x}")]));

    // The CSV of the same sweep has the same rows.
    let csv_rows = parse_csv_sweep(&run("csv").stdout, &header);
    for (i, obj) in arr.iter().enumerate() {
        let obj = obj.as_object().expect("rows are objects");
        let mut got: Vec<String> = obj.keys().cloned().collect();
        got.sort();
        assert_eq!(got, keys, "JSON keys are the CSV header");
        let x = obj[QUOTA]
            .as_f64()
            .expect("the parameter value is a number");
        assert!(
            (x - xs[i]).abs() < 1e-12,
            "parameter {x}, expected {}",
            xs[i]
        );
        let nums: BTreeMap<String, Option<f64>> = header[2..]
            .iter()
            .map(|k| {
                let v = &obj[k];
                assert!(v.is_null() || v.is_number(), "{k} is {v}");
                (k.clone(), v.as_f64())
            })
            .collect();
        for (k, v) in &nums {
            assert_eq!(
                v.is_none(),
                csv_rows[i].nums[k].is_none(),
                "{k}: JSON null exactly where the CSV cell is empty"
            );
        }
        let row = SweepRow {
            params: vec![x.to_string()],
            status: obj["status"].as_str().expect("status is a string").into(),
            nums,
        };
        let at = format!("{QUOTA}={}", xs[i]);
        check_row(&row, &plans[i], &ids, &at);
        let want = if i == 0 {
            None
        } else {
            expected_marginal(
                plan_figure(&plans[i], "total_cost"),
                plan_figure(&plans[i - 1], "total_cost"),
                xs[i],
                xs[i - 1],
            )
        };
        check_marginal(row.nums["marginal_cost"], want, &at);
    }
    assert!(arr.iter().any(|o| o["status"] == "infeasible"));
    assert!(arr.iter().any(|o| o["status"] == "optimal"));
}

#[test]
fn grid_sweep_varies_the_first_param_slowest_and_matches_separate_plans() {
    let s = sample(SHANGHAI);
    let ids = scenario_ids(&s);
    let h20 = "accelerators[h20].available";
    let r = chipmix(&[
        "sweep",
        &s,
        "--param",
        QUOTA,
        "--values",
        "0.5,0.7",
        "--param",
        h20,
        "--values",
        "true,false",
        "--format",
        "csv",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows = parse_csv_sweep(&r.stdout, &contract_header(&[QUOTA, h20], &ids));
    let points = [
        ("0.5", "true"),
        ("0.5", "false"),
        ("0.7", "true"),
        ("0.7", "false"),
    ];
    assert_eq!(rows.len(), points.len());
    let plans = par_map(&points, 4, |(q, a)| {
        plan(&s, &[format!("{QUOTA}={q}"), format!("{h20}={a}")])
    });
    for (i, (row, (q, a))) in rows.iter().zip(&points).enumerate() {
        assert_eq!(row.params, vec![q.to_string(), a.to_string()], "row {i}");
        let at = format!("{QUOTA}={q}, {h20}={a}");
        check_row(row, &plans[i], &ids, &at);
        if *a == "false" {
            assert_eq!(row.nums["units.h20"], Some(0.0), "{at}");
        }
    }
    // The four points are really different plans (the overrides took effect).
    let costs: Vec<f64> = plans
        .iter()
        .map(|p| plan_figure(p, "total_cost").unwrap())
        .collect();
    for i in 0..4 {
        for j in 0..i {
            assert!(!close(costs[i], costs[j]), "points {j} and {i}: {costs:?}");
        }
    }
    // Marginal cost runs along the first parameter, the others held equal.
    check_marginal(rows[0].nums["marginal_cost"], None, "row 1");
    check_marginal(rows[1].nums["marginal_cost"], None, "row 2");
    check_marginal(
        rows[2].nums["marginal_cost"],
        Some((costs[2] - costs[0]) / (0.7 - 0.5)),
        "row 3",
    );
    check_marginal(
        rows[3].nums["marginal_cost"],
        Some((costs[3] - costs[1]) / (0.7 - 0.5)),
        "row 4",
    );
}

#[test]
/// Regression: text parameter values used to be written as given, so `=1+2` ran as a formula.
fn string_parameter_values_are_spreadsheet_safe_in_csv() {
    // A text field swept with values a spreadsheet would run as formulas.
    let s = sample(SHANGHAI);
    let r = chipmix(&[
        "sweep",
        &s,
        "--param",
        "accelerators[h20].name",
        "--values",
        "=1+2,@SUM(A1),plain",
        "--format",
        "csv",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(r.stdout.as_bytes());
    let mut n = 0;
    for rec in rd.records() {
        let rec = rec.unwrap();
        n += 1;
        for cell in rec.iter() {
            assert!(
                !cell.starts_with(['=', '+', '@']),
                "cell `{cell}` would run as a formula"
            );
        }
    }
    assert_eq!(n, 4, "a header and three points");
    // The values are still there for the reader, defused with a leading apostrophe.
    assert!(r.stdout.contains("'=1+2"), "{}", r.stdout);
    assert!(r.stdout.contains("'@SUM(A1)"), "{}", r.stdout);
}

// ---------------------------------------------------------------------------------------
// 4. Shards and merge
// ---------------------------------------------------------------------------------------

fn quota_sweep_args(s: &str, step: &str) -> Vec<String> {
    [
        "sweep", s, "--param", QUOTA, "--from", "0", "--to", "1", "--step", step,
    ]
    .map(String::from)
    .to_vec()
}

/// Runs shard `k/n` of a sweep into `dir/name` and returns the path.
fn write_shard(
    base: &[String],
    extra: &[&str],
    k: usize,
    n: usize,
    dir: &Path,
    name: &str,
) -> String {
    let path = dir.join(name).display().to_string();
    let mut args = base.to_vec();
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend([
        "--shard".into(),
        format!("{k}/{n}"),
        "-o".into(),
        path.clone(),
    ]);
    let r = run_owned(&args);
    assert_eq!(r.code, 0, "shard {k}/{n}: {}", r.stderr);
    assert!(r.stdout.is_empty(), "with -o nothing goes to stdout");
    assert!(!std::fs::read_to_string(&path).unwrap().is_empty());
    path
}

#[test]
fn merged_shards_equal_the_single_run_in_every_format() {
    let s = sample(SHANGHAI);
    let dir = temp_dir("shards");
    let base = quota_sweep_args(&s, "0.05");
    let shards: Vec<String> = (1..=3)
        .map(|k| write_shard(&base, &[], k, 3, &dir, &format!("shard-{k}.json")))
        .collect();
    for format in ["csv", "json", "table"] {
        let mut single = base.clone();
        single.extend(["--format".into(), format.into()]);
        let one = run_owned(&single);
        assert_eq!(one.code, 0, "{}", one.stderr);
        assert!(!one.stdout.is_empty());
        // In order, and in any other order.
        for order in [[0, 1, 2], [2, 0, 1]] {
            let mut args = vec!["merge".to_string()];
            args.extend(order.iter().map(|&i| shards[i].clone()));
            args.extend(["--format".into(), format.into()]);
            let m = run_owned(&args);
            assert_eq!(m.code, 0, "{}", m.stderr);
            assert!(
                m.stdout == one.stdout,
                "merge --format {format} (order {order:?}) differs from the single run:\n{}\n---\n{}",
                m.stdout,
                one.stdout
            );
        }
    }
}

#[test]
fn merge_refuses_incomplete_repeated_foreign_and_non_shard_files() {
    let s = sample(SHANGHAI);
    let dir = temp_dir("bad-shards");
    let base = quota_sweep_args(&s, "0.05");
    let s1 = write_shard(&base, &[], 1, 3, &dir, "s1.json");
    let s2 = write_shard(&base, &[], 2, 3, &dir, "s2.json");
    let s3 = write_shard(&base, &[], 3, 3, &dir, "s3.json");
    let merge = |files: &[&str]| {
        let mut args = vec!["merge"];
        args.extend(files);
        args.extend(["--format", "csv"]);
        chipmix(&args)
    };
    assert_eq!(merge(&[&s1, &s2, &s3]).code, 0);

    // A missing shard, named.
    assert_refused(&merge(&[&s1, &s2]), &["missing", "3/3"]);
    assert_refused(&merge(&[&s2, &s3]), &["missing", "1/3"]);
    // The same shard twice.
    assert_refused(&merge(&[&s1, &s2, &s2, &s3]), &["2/3", "s2.json"]);
    // Shards of other sweeps: another step, another --set.
    let step = write_shard(&quota_sweep_args(&s, "0.1"), &[], 3, 3, &dir, "step.json");
    let r = merge(&[&s1, &s2, &step]);
    assert_refused(&r, &["step.json", "different sweep"]);
    let set = write_shard(
        &base,
        &["--set", "limits.budget=2e8"],
        3,
        3,
        &dir,
        "set.json",
    );
    assert_refused(&merge(&[&s1, &s2, &set]), &["set.json", "different sweep"]);
    // Shards of the same sweep cut into a different number of slices.
    let four = write_shard(&base, &[], 3, 4, &dir, "four.json");
    assert_refused(&merge(&[&s1, &s2, &four]), &["four.json"]);
    // Files that are not shards: a scenario, and the JSON of a whole (unsharded) sweep.
    assert_refused(
        &merge(&[&s1, &s2, &s]),
        &[SHANGHAI, "not a chipmix sweep shard"],
    );
    let mut whole = base.clone();
    whole.extend(["--format".into(), "json".into()]);
    let whole_path = dir.join("whole.json");
    std::fs::write(&whole_path, run_owned(&whole).stdout).unwrap();
    let whole_path = whole_path.display().to_string();
    assert_refused(
        &merge(&[&s1, &s2, &whole_path]),
        &["whole.json", "not a chipmix sweep shard"],
    );
    // A file that does not exist.
    let gone = dir.join("gone.json").display().to_string();
    assert_refused(&merge(&[&s1, &s2, &gone]), &["gone.json"]);
}

/// Regression: a hand-edited shard file with `shard.k` 0 or above `shard.n` made merge index
/// out of bounds and report an internal error.
#[test]
fn merge_refuses_a_shard_file_with_an_impossible_slice_number() {
    let s = sample(SHANGHAI);
    let dir = temp_dir("edited-shard");
    let base = quota_sweep_args(&s, "0.05");
    let s1 = write_shard(&base, &[], 1, 3, &dir, "s1.json");
    let s2 = write_shard(&base, &[], 2, 3, &dir, "s2.json");
    let s3 = write_shard(&base, &[], 3, 3, &dir, "s3.json");
    for k in [0, 5] {
        let mut f = json(&std::fs::read_to_string(&s3).unwrap());
        f["shard"]["k"] = Value::from(k);
        let edited = dir.join(format!("edited-{k}.json"));
        std::fs::write(&edited, serde_json::to_string(&f).unwrap()).unwrap();
        let edited = edited.display().to_string();
        let r = chipmix(&["merge", &s1, &s2, &edited, "--format", "csv"]);
        assert_refused(&r, &[&format!("edited-{k}.json")]);
    }
}

/// Regression: a shard file edited to have no parameters made `merge --chart` panic.
#[test]
fn merge_refuses_a_shard_whose_parameters_do_not_match_its_points() {
    let s = sample(SHANGHAI);
    let dir = temp_dir("edited-params");
    let base = quota_sweep_args(&s, "0.25");
    let only = write_shard(&base, &[], 1, 1, &dir, "s1.json");
    let chart = dir.join("c.svg").display().to_string();
    for edit in ["empty", "no-values"] {
        let mut f = json(&std::fs::read_to_string(&only).unwrap());
        if edit == "empty" {
            f["result"]["sweep"]["params"] = Value::Array(vec![]);
        } else {
            f["result"]["sweep"]["params"][0]["values"] = Value::Array(vec![]);
        }
        let edited = dir.join(format!("{edit}.json"));
        std::fs::write(&edited, serde_json::to_string(&f).unwrap()).unwrap();
        let edited = edited.display().to_string();
        let r = chipmix(&["merge", &edited, "--chart", &chart]);
        assert_refused(&r, &[&format!("{edit}.json"), "do not describe"]);
    }
}

/// Issue 21: `merge` trusted shard contents. Runs the 5-point quota sweep of the Shanghai
/// sample as 2 shards, edits the first row with a plan of shard 2 with `edit`, and asserts
/// merge exits 2 naming the edited file, the point and every needle. The untouched
/// shards merge.
fn assert_merge_refuses_edited_row(tag: &str, edit: impl Fn(&mut Value), needles: &[&str]) {
    let s = sample(SHANGHAI);
    let dir = temp_dir(tag);
    let base = quota_sweep_args(&s, "0.25");
    let s1 = write_shard(&base, &[], 1, 2, &dir, "s1.json");
    let s2 = write_shard(&base, &[], 2, 2, &dir, "s2.json");
    assert_eq!(chipmix(&["merge", &s1, &s2]).code, 0);
    let mut f = json(&std::fs::read_to_string(&s2).unwrap());
    let row = f["result"]["rows"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["status"] == "optimal")
        .expect("shard 2 has a row with a plan");
    edit(row);
    let edited = dir.join("edited.json");
    std::fs::write(&edited, serde_json::to_string_pretty(&f).unwrap()).unwrap();
    let edited = edited.display().to_string();
    let r = chipmix(&["merge", &s1, &edited, "--format", "csv"]);
    let mut all = vec!["edited.json", "point 2 (policy.domestic_share.min=0.25)"];
    all.extend(needles);
    assert_refused(&r, &all);
}

#[test]
fn regression_merge_refuses_a_shard_row_edited_to_a_total_cost_of_1() {
    assert_merge_refuses_edited_row(
        "row-total-cost",
        |row| row["total_cost"] = 1.into(),
        &["total_cost states 1, but its purchases give"],
    );
}

#[test]
fn regression_merge_refuses_a_shard_row_with_all_units_set_to_0() {
    assert_merge_refuses_edited_row(
        "row-units-0",
        |row| {
            for u in row["units"].as_array_mut().unwrap() {
                *u = 0.into();
            }
        },
        &["units.h20 states 0, but its purchases give"],
    );
    // With its purchases emptied as well, the row claims a plan that breaks the rules.
    assert_merge_refuses_edited_row(
        "row-units-0-no-purchases",
        |row| {
            for u in row["units"].as_array_mut().unwrap() {
                *u = 0.into();
            }
            row["purchases"] = Value::Array(vec![]);
        },
        &[
            "states status optimal, but its purchases break",
            "demand.pflops",
        ],
    );
}

#[test]
fn regression_merge_refuses_other_edited_shard_figures() {
    for (key, value) in [
        ("capex", Value::from(1)),
        ("opex", Value::from(1)),
        ("adoption", Value::from(1)),
        ("pflops", Value::from(1)),
        ("domestic_share", Value::from(0.99)),
    ] {
        assert_merge_refuses_edited_row(
            &format!("row-{key}"),
            |row| row[key] = value.clone(),
            &[&format!("{key} states {value}, but its purchases give")],
        );
    }
    assert_merge_refuses_edited_row(
        "row-status",
        |row| row["status"] = "great".into(),
        &["status `great` is not one of the contract's"],
    );
    // A row that says there is no plan but keeps its figures.
    assert_merge_refuses_edited_row(
        "row-infeasible",
        |row| row["status"] = "infeasible".into(),
        &["says there is no plan, but the row states figures"],
    );
    // A row flipped to infeasible with every figure blanked states nothing to re-check:
    // the point is planned again, and it has a plan.
    assert_merge_refuses_edited_row(
        "row-flipped-infeasible",
        |row| {
            row["status"] = "infeasible".into();
            for key in FIGURES[..6].iter().chain(&PROOF) {
                row[*key] = Value::Null;
            }
            for u in row["units"].as_array_mut().unwrap() {
                *u = Value::Null;
            }
            row["purchases"] = Value::Array(vec![]);
        },
        &["states status infeasible, but the point has a plan (optimal"],
    );
    // The gap is the one between the row's own cost and its bound.
    assert_merge_refuses_edited_row(
        "row-gap",
        |row| row["gap"] = Value::from(0.5),
        &["gap states 0.5, but its value and its bound"],
    );
    // A shard interrupted by Ctrl-C holds points without a result: it is run again, not
    // merged.
    assert_merge_refuses_edited_row(
        "row-interrupted",
        |row| {
            row["status"] = "interrupted".into();
            for key in FIGURES[..6].iter().chain(&PROOF) {
                row[*key] = Value::Null;
            }
            row["purchases"] = Value::Array(vec![]);
        },
        &[
            "was interrupted before 1 of its",
            "run `chipmix sweep --shard",
        ],
    );
}

#[test]
fn regression_merge_refuses_a_shard_whose_scenario_was_edited() {
    let s = sample(SHANGHAI);
    let dir = temp_dir("edited-scenario");
    let base = quota_sweep_args(&s, "0.25");
    let only = write_shard(&base, &[], 1, 1, &dir, "s1.json");
    let mut f = json(&std::fs::read_to_string(&only).unwrap());
    let yaml = f["scenario"].as_str().unwrap().to_string();
    assert!(yaml.contains("pflops: 1500"), "{yaml}");
    f["scenario"] = yaml.replace("pflops: 1500", "pflops: 15").into();
    let edited = dir.join("edited.json");
    std::fs::write(&edited, serde_json::to_string(&f).unwrap()).unwrap();
    let r = chipmix(&["merge", &edited.display().to_string()]);
    assert_refused(&r, &["edited.json", "no longer match its fingerprint"]);
}

// ---------------------------------------------------------------------------------------
// 5. Sweeps refused before they start
// ---------------------------------------------------------------------------------------

#[test]
fn bad_sweeps_are_refused_before_starting() {
    let s = sample(SHANGHAI);
    let sweep = |rest: &[&str]| {
        let mut args = vec!["sweep", s.as_str()];
        args.extend(rest);
        args.extend(["--format", "csv"]);
        chipmix(&args)
    };
    let q = ["--param", QUOTA];
    let with = |rest: &[&'static str]| {
        let mut a: Vec<&str> = q.to_vec();
        a.extend(rest);
        a
    };
    assert_refused(
        &sweep(&with(&["--from", "1", "--to", "0", "--step", "0.1"])),
        &[QUOTA, "empty"],
    );
    assert_refused(
        &sweep(&with(&["--from", "0", "--to", "1", "--step", "0"])),
        &[QUOTA, "--step must not be 0"],
    );
    assert_refused(
        &sweep(&with(&["--from", "0", "--to", "1", "--step", "1e-9"])),
        &[QUOTA, "100000"],
    );
    // 1,001 x 1,001 points: each parameter alone is allowed, the grid is not.
    assert_refused(
        &sweep(&with(&[
            "--from",
            "0",
            "--to",
            "1",
            "--step",
            "0.001",
            "--param",
            "limits.budget",
            "--from",
            "1e8",
            "--to",
            "2e8",
            "--step",
            "1e5",
        ])),
        &["grid", "100000", QUOTA, "limits.budget"],
    );
    assert_refused(&sweep(&q), &[QUOTA, "--from", "--values"]);
    assert_refused(
        &sweep(&[
            "--from", "0", "--param", QUOTA, "--to", "1", "--step", "0.1",
        ]),
        &["--from must follow the --param"],
    );
    // One bad point among good ones: named with its value and the field's rule.
    assert_refused(
        &sweep(&with(&["--values", "0.5,1.5"])),
        &[
            "point 2",
            "policy.domestic_share.min=1.5",
            "must be in [0, 1], got 1.5",
        ],
    );
    assert_refused(
        &sweep(&["--param", "limits.budgte", "--values", "1e8"]),
        &["limits.budgte", "did you mean `limits.budget`"],
    );
    assert_refused(
        &sweep(&[
            "--param",
            "accelerators[h2O].available",
            "--values",
            "false",
        ]),
        &["h2O", "accelerators[h20]"],
    );
}

// ---------------------------------------------------------------------------------------
// 6. --set
// ---------------------------------------------------------------------------------------

/// Writes `text` as `name` in a fresh temp dir and returns its path.
fn temp_scenario(tag: &str, name: &str, text: &str) -> String {
    let path = temp_dir(tag).join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// `text` with `from` replaced by `to`, checking `from` occurs exactly once.
fn edit(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "`{from}` should occur once");
    text.replacen(from, to, 1)
}

#[test]
fn set_gives_the_plan_of_the_edited_file() {
    let s = sample(SHANGHAI);
    let text = std::fs::read_to_string(&s).unwrap();
    let edited = temp_scenario(
        "set-quota",
        SHANGHAI,
        &edit(&text, "    min: 0.5 ", "    min: 0.7 "),
    );
    let by_set = plan(&s, &[format!("{QUOTA}=0.7")]);
    let by_file = plan(&edited, &[]);
    assert!(has_plan(&by_set));
    assert_eq!(by_set["domestic_share"]["min"].as_f64(), Some(0.7));
    assert_plans_agree(&by_set, &by_file, &[]);
    // And the override changed something.
    let plain = plan(&s, &[]);
    assert!(!close(
        plain["total_cost"].as_f64().unwrap(),
        by_set["total_cost"].as_f64().unwrap()
    ));
}

#[test]
fn set_unavailable_drops_the_accelerator_like_the_h20_banned_sample() {
    let s = sample(SHANGHAI);
    let p = plan(&s, &["accelerators[h20].available=false".into()]);
    assert!(has_plan(&p));
    assert!(
        p["purchases"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["id"] != "h20"),
        "{}",
        p["purchases"]
    );
    // The plain plan buys H20s, so the override really removed them.
    assert!(units_of(&plan(&s, &[]), "h20") > 0.0);
    // h20-banned.yaml is shanghai-2025.yaml with `available: false` on the H20.
    assert_plans_agree(&p, &plan(&sample("h20-banned.yaml"), &[]), &["scenario"]);
}

#[test]
fn bad_set_values_and_paths_are_refused_with_the_field() {
    let s = sample(SHANGHAI);
    let run = |set: &str| chipmix(&["plan", &s, "--set", set]);

    let r = run("accelerators[h20].unit_price=-5");
    assert_refused(&r, &["must be >= 0, got -5"]);
    assert!(
        r.stderr
            .starts_with("--set accelerators[h20].unit_price=-5:"),
        "{}",
        r.stderr
    );
    assert_refused(
        &run("limits.budgte=1e8"),
        &["limits.budgte", "`limits.budget`"],
    );
    assert_refused(
        &run("accelerators[h2O].unit_price=1"),
        &["h2O", "`accelerators[h20]`"],
    );
    assert_refused(
        &run("accelerators[h20].available=maybe"),
        &["accelerators[h20].available"],
    );
    assert_refused(&run("limits.budget=lots"), &["limits.budget"]);
    assert_refused(
        &chipmix(&["plan", &s, "--set", "limits.budget"]),
        &["PATH=VALUE"],
    );
}

#[test]
fn set_null_removes_a_budget() {
    let s = sample(SHANGHAI);
    let text = std::fs::read_to_string(&s).unwrap();
    // The same scenario with a budget too small for any plan.
    let tight = temp_scenario(
        "set-null",
        SHANGHAI,
        &edit(
            &text,
            "  power_kw: 4500 ",
            "  budget: 1.0e+8\n  power_kw: 4500 ",
        ),
    );
    let with_budget = plan(&tight, &[]);
    assert_eq!(with_budget["status"], "infeasible");
    let removed = plan(&tight, &["limits.budget=null".into()]);
    assert_plans_agree(&removed, &plan(&s, &[]), &[]);
}

// ---------------------------------------------------------------------------------------
// 7. Catalogs
// ---------------------------------------------------------------------------------------

const CATALOG_SCENARIO: &str = "catalog-shanghai-2025.yaml";
const CATALOG_FILE: &str = "catalog/accelerators-2025.yaml";
const CATALOG_LINE: &str = "catalog: catalog/accelerators-2025.yaml";

/// A temp copy of the catalog sample: `dir/scenario.yaml` (edited by `scenario_edit`) and
/// `dir/catalog/<catalog_name>` (the catalog text after `catalog_edit`).
fn catalog_copy(
    tag: &str,
    catalog_name: &str,
    scenario_edit: impl Fn(&str) -> String,
    catalog_edit: impl Fn(&str) -> String,
) -> (PathBuf, String) {
    let dir = temp_dir(tag);
    std::fs::create_dir_all(dir.join("catalog")).unwrap();
    let scen = std::fs::read_to_string(sample(CATALOG_SCENARIO)).unwrap();
    let scen = edit(
        &scen,
        CATALOG_LINE,
        &format!("catalog: catalog/{catalog_name}"),
    );
    let cat = std::fs::read_to_string(sample(CATALOG_FILE)).unwrap();
    let scenario = dir.join("scenario.yaml");
    std::fs::write(&scenario, scenario_edit(&scen)).unwrap();
    std::fs::write(dir.join("catalog").join(catalog_name), catalog_edit(&cat)).unwrap();
    (dir, scenario.display().to_string())
}

/// 1-based line of the first line of `text` containing `needle`, and the 1-based column
/// where `key` starts on it.
fn line_col(text: &str, needle: &str, key: &str) -> (usize, usize) {
    let (i, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not found"));
    (i + 1, line.find(key).unwrap() + 1)
}

#[test]
fn catalog_scenario_plans_like_the_self_contained_one() {
    let with_catalog = plan(&sample(CATALOG_SCENARIO), &[]);
    let plain = plan(&sample(SHANGHAI), &[]);
    assert!(has_plan(&plain));
    assert_plans_agree(&with_catalog, &plain, &["scenario"]);
}

#[test]
fn catalog_path_is_resolved_from_the_scenario_directory() {
    // A scenario in dir/sub with its catalog in dir/sub/catalog, run from dir, where a
    // broken catalog sits at the same relative path: the scenario's own must be used.
    let (sub, scenario) = catalog_copy(
        "catalog-relative/sub",
        "accelerators-2025.yaml",
        str::to_string,
        str::to_string,
    );
    let cwd = sub.parent().unwrap();
    std::fs::create_dir_all(cwd.join("catalog")).unwrap();
    std::fs::write(
        cwd.join("catalog/accelerators-2025.yaml"),
        "accelerators:\n  - {id: bogus}\n",
    )
    .unwrap();
    for path in ["sub/scenario.yaml", scenario.as_str()] {
        let r = chipmix_in(cwd, &["plan", path, "--format", "json"]);
        assert_eq!(r.code, 0, "{path}: {}", r.stderr);
        assert_plans_agree(
            &json(&r.stdout),
            &plan(&sample(SHANGHAI), &[]),
            &["scenario"],
        );
    }
}

#[test]
fn a_bad_catalog_field_is_reported_at_its_place_in_the_catalog() {
    let (dir, scenario) =
        catalog_copy("catalog-bad-field", "bad-price.yaml", str::to_string, |c| {
            edit(c, "unit_price: 7000 ", "unit_price: -7000 ")
        });
    let catalog_text = std::fs::read_to_string(dir.join("catalog/bad-price.yaml")).unwrap();
    let (line, col) = line_col(&catalog_text, "unit_price: -7000", "unit_price");
    let r = chipmix(&["plan", &scenario]);
    assert_refused(
        &r,
        &[
            &format!("bad-price.yaml:{line}:{col}:"),
            "accelerators[l20].unit_price must be >= 0, got -7000",
        ],
    );
}

#[test]
fn a_bad_field_in_the_scenario_entry_is_reported_in_the_scenario() {
    let (_, scenario) = catalog_copy(
        "catalog-bad-override",
        "accelerators-2025.yaml",
        |s| {
            edit(
                s,
                "    max_units: 600\n",
                "    max_units: 600\n    unit_price: -3\n",
            )
        },
        str::to_string,
    );
    let text = std::fs::read_to_string(&scenario).unwrap();
    let (line, col) = line_col(&text, "unit_price: -3", "unit_price");
    let r = chipmix(&["plan", &scenario]);
    assert_refused(
        &r,
        &[
            &format!("scenario.yaml:{line}:{col}:"),
            "accelerators[mlu590].unit_price must be >= 0, got -3",
        ],
    );
    assert!(
        !r.stderr.contains("accelerators-2025.yaml:"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_missing_catalog_and_a_duplicate_id_are_refused() {
    let (dir, scenario) = catalog_copy(
        "catalog-missing",
        "present.yaml",
        str::to_string,
        str::to_string,
    );
    let text = std::fs::read_to_string(&scenario).unwrap();
    std::fs::write(
        &scenario,
        edit(
            &text,
            "catalog: catalog/present.yaml",
            "catalog: catalog/absent.yaml",
        ),
    )
    .unwrap();
    assert_refused(&chipmix(&["plan", &scenario]), &["absent.yaml"]);
    assert!(!dir.join("catalog/absent.yaml").exists());

    let (_, scenario) = catalog_copy("catalog-duplicate", "dup.yaml", str::to_string, |c| {
        let start = c.find("  - id: mlu590").unwrap();
        let end = c.find("  - id: hygon-k100").unwrap();
        format!("{c}{}", &c[start..end])
    });
    assert_refused(
        &chipmix(&["plan", &scenario]),
        &["dup.yaml", "mlu590", "twice"],
    );
}

#[test]
fn a_scenario_entry_not_in_the_catalog_adds_an_accelerator() {
    let entry = "  - id: newchip\n    vendor: NewCo\n    origin: domestic\n    platform: cann\n    unit_price: 1000\n    tflops: 400\n    power_w: 300\n    memory_gb: 96\n    lot_size: 8\n    max_units: 800\n";
    let (_, scenario) = catalog_copy(
        "catalog-new-entry",
        "accelerators-2025.yaml",
        |s| edit(s, "\ndemand:\n", &format!("{entry}\ndemand:\n")),
        str::to_string,
    );
    let with_catalog = plan(&scenario, &[]);
    assert!(
        units_of(&with_catalog, "newchip") > 0.0,
        "a cheap, strong part is bought"
    );
    // The same entry added to the self-contained scenario gives the same plan.
    let text = std::fs::read_to_string(sample(SHANGHAI)).unwrap();
    let plain = temp_scenario(
        "catalog-new-entry-plain",
        SHANGHAI,
        &edit(&text, "\ndemand:\n", &format!("{entry}\ndemand:\n")),
    );
    assert_plans_agree(&with_catalog, &plan(&plain, &[]), &["scenario"]);

    // A new entry must be complete: without a catalog entry to fill them, required fields
    // are missing.
    let (_, incomplete) = catalog_copy(
        "catalog-new-incomplete",
        "accelerators-2025.yaml",
        |s| {
            edit(
                s,
                "\ndemand:\n",
                "  - id: newchip\n    unit_price: 1000\n\ndemand:\n",
            )
        },
        str::to_string,
    );
    assert_refused(
        &chipmix(&["plan", &incomplete]),
        &["scenario.yaml", "newchip"],
    );
}

// ---------------------------------------------------------------------------------------
// 8. Compare
// ---------------------------------------------------------------------------------------

/// Parses a compare CSV into its header and `metric -> cells`.
fn compare_csv(text: &str) -> (Vec<String>, BTreeMap<String, Vec<String>>) {
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(str::to_string).collect();
    let mut rows = BTreeMap::new();
    for rec in rd.records() {
        let rec = rec.unwrap();
        assert_eq!(rec.len(), header.len());
        let cells: Vec<String> = rec.iter().map(str::to_string).collect();
        assert!(
            rows.insert(cells[0].clone(), cells[1..].to_vec()).is_none(),
            "metric {} twice",
            cells[0]
        );
    }
    (header, rows)
}

fn cell_num(cell: &str) -> Option<f64> {
    (!cell.is_empty()).then(|| cell.parse().unwrap_or_else(|e| panic!("`{cell}`: {e}")))
}

/// Checks the figures of a compare CSV against separately computed plans: column `i` is
/// `plans[i]`, and `delta.<label i>` is plans[i] minus plans[0].
fn check_compare_csv(text: &str, labels: &[&str], plans: &[Value], ids: &[String]) {
    let (header, rows) = compare_csv(text);
    let mut want_header = vec!["metric".to_string()];
    want_header.extend(labels.iter().map(|l| l.to_string()));
    want_header.extend(labels[1..].iter().map(|l| format!("delta.{l}")));
    assert_eq!(header, want_header);
    let n = labels.len();
    for (i, p) in plans.iter().enumerate() {
        assert_eq!(rows["status"][i], p["status"].as_str().unwrap());
    }
    let mut keys: Vec<String> = [
        "total_cost",
        "capex",
        "opex",
        "adoption",
        "pflops",
        "domestic_share",
        "facility_kw",
    ]
    .map(String::from)
    .to_vec();
    keys.extend(ids.iter().map(|id| format!("units.{id}")));
    for k in &keys {
        let want: Vec<Option<f64>> = plans.iter().map(|p| plan_figure(p, k)).collect();
        let Some(cells) = rows.get(k) else {
            // Only accelerators no plan buys may be left out.
            assert!(k.starts_with("units."), "no row {k}");
            assert!(
                want.iter().all(|w| w.unwrap_or(0.0) == 0.0),
                "row {k} missing"
            );
            continue;
        };
        for i in 0..n {
            let got = cell_num(&cells[i]);
            match (got, want[i]) {
                (None, None) => {}
                (Some(g), Some(w)) => assert!(same(g, w), "{k} of {}: {g} vs {w}", labels[i]),
                _ => panic!("{k} of {}: {got:?} vs {:?}", labels[i], want[i]),
            }
        }
        for i in 1..n {
            let got = cell_num(&cells[n + i - 1]);
            let want = match (want[0], want[i]) {
                (Some(a), Some(b)) => Some(b - a),
                _ => None,
            };
            match (got, want) {
                (None, None) => {}
                (Some(g), Some(w)) => {
                    assert!(same(g, w), "delta.{} of {k}: {g} vs {w}", labels[i])
                }
                _ => panic!("delta.{} of {k}: {got:?} vs {want:?}", labels[i]),
            }
        }
    }
}

#[test]
fn compare_two_scenarios_matches_their_separate_plans() {
    let a = sample(SHANGHAI);
    let b = sample("h20-banned.yaml");
    let r = chipmix(&["compare", &a, &b, "--format", "csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let plans = [plan(&a, &[]), plan(&b, &[])];
    assert!(
        plans[1]["total_cost"].as_f64() > plans[0]["total_cost"].as_f64(),
        "losing the H20 costs more"
    );
    check_compare_csv(
        &r.stdout,
        &["shanghai-2025", "h20-banned"],
        &plans,
        &scenario_ids(&a),
    );
    for line in r.stdout.lines() {
        for cell in line.split(',') {
            assert!(!cell.starts_with(['=', '+', '@']), "{line}");
        }
    }
}

#[test]
fn compare_variant_matches_plan_with_set() {
    let a = sample(SHANGHAI);
    let r = chipmix(&[
        "compare",
        &a,
        "--variant",
        "quota70:policy.domestic_share.min=0.7",
        "--format",
        "csv",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let plans = [plan(&a, &[]), plan(&a, &[format!("{QUOTA}=0.7")])];
    check_compare_csv(
        &r.stdout,
        &["shanghai-2025", "quota70"],
        &plans,
        &scenario_ids(&a),
    );
}

#[test]
fn compare_json_has_the_reference_full_plans_and_deltas() {
    let a = sample(SHANGHAI);
    let b = sample("h20-banned.yaml");
    let r = chipmix(&["compare", &a, &b, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let c = json(&r.stdout);
    assert_eq!(c["reference"], "shanghai-2025");
    let entries = c["plans"].as_array().expect("plans is an array");
    assert_eq!(entries.len(), 2);
    let plans = [plan(&a, &[]), plan(&b, &[])];
    for (i, (e, p)) in entries.iter().zip(&plans).enumerate() {
        assert_eq!(e["label"], ["shanghai-2025", "h20-banned"][i]);
        if let Err(msg) = json_same(&e["plan"], p, "plan") {
            panic!("plans[{i}].plan is not the plan of `chipmix plan`: {msg}");
        }
        let d = e["delta"].as_object().expect("delta is an object");
        for k in [
            "total_cost",
            "capex",
            "opex",
            "adoption",
            "pflops",
            "domestic_share",
        ] {
            let want = plan_figure(p, k).unwrap() - plan_figure(&plans[0], k).unwrap();
            let got = d[k]
                .as_f64()
                .unwrap_or_else(|| panic!("delta.{k} is {}", d[k]));
            assert!(same(got, want), "plans[{i}].delta.{k}: {got} vs {want}");
        }
        assert!(same(
            d["units.h20"].as_f64().unwrap(),
            units_of(p, "h20") - units_of(&plans[0], "h20")
        ));
    }
}

#[test]
fn compare_markdown_is_a_table_with_a_row_per_figure() {
    let a = sample(SHANGHAI);
    let b = sample("h20-banned.yaml");
    let r = chipmix(&["compare", &a, &b, "--format", "markdown"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let table: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with('|')).collect();
    assert!(table.len() >= 9, "{}", r.stdout);
    let cells = |l: &str| -> Vec<String> {
        l.trim()
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_string())
            .collect()
    };
    let header = cells(table[0]);
    assert!(header.contains(&"shanghai-2025".to_string()), "{header:?}");
    assert!(header.contains(&"h20-banned".to_string()), "{header:?}");
    assert!(
        cells(table[1]).iter().all(|c| c.contains("---")),
        "{}",
        table[1]
    );
    for row in &table[2..] {
        assert_eq!(cells(row).len(), header.len(), "{row}");
    }
    let firsts: Vec<String> = table[2..].iter().map(|l| cells(l)[0].clone()).collect();
    for figure in [
        "status",
        "total cost",
        "capex",
        "opex",
        "adoption",
        "PFLOPS",
        "domestic share",
    ] {
        assert!(
            firsts.iter().any(|f| f.starts_with(figure)),
            "no row for {figure}: {firsts:?}"
        );
    }
    // The total cost row shows each plan's total, rounded to the currency unit.
    let group = |v: f64| {
        let digits = format!("{}", v.round() as i64);
        let mut out = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(ch);
        }
        out
    };
    let total = table[2..]
        .iter()
        .find(|l| cells(l)[0].starts_with("total cost"))
        .unwrap();
    for p in [plan(&a, &[]), plan(&b, &[])] {
        let shown = group(p["total_cost"].as_f64().unwrap());
        assert!(total.contains(&shown), "{shown} not in {total}");
    }
}

#[test]
fn compare_keeps_an_infeasible_scenario_as_a_column() {
    let a = sample(SHANGHAI);
    let bad = sample("infeasible-quota.yaml");
    let r = chipmix(&["compare", &a, &bad, "--format", "csv"]);
    assert_eq!(r.code, 0, "an infeasible entry is a result: {}", r.stderr);
    let plans = [plan(&a, &[]), plan(&bad, &[])];
    assert_eq!(plans[1]["status"], "infeasible");
    let mut ids = scenario_ids(&a);
    ids.extend(scenario_ids(&bad));
    check_compare_csv(
        &r.stdout,
        &["shanghai-2025", "infeasible-quota"],
        &plans,
        &ids,
    );
    let (_, rows) = compare_csv(&r.stdout);
    assert_eq!(rows["status"][1], "infeasible");
    for (k, cells) in &rows {
        if k != "status" && k != "binding" {
            assert!(cells[1].is_empty() && cells[2].is_empty(), "{k}: {cells:?}");
        }
    }
}

#[test]
/// Regression: variant labels used to be written as given in the CSV header.
fn compare_labels_are_spreadsheet_safe_in_csv() {
    let r = chipmix(&[
        "compare",
        &sample(SHANGHAI),
        "--variant",
        "@SUM(A1):policy.domestic_share.min=0.6",
        "--variant",
        "+1:policy.domestic_share.min=0.7",
        "--format",
        "csv",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(r.stdout.as_bytes());
    for rec in rd.records() {
        for cell in rec.unwrap().iter() {
            assert!(
                !cell.starts_with(['=', '+', '@']),
                "cell `{cell}` would run as a formula"
            );
        }
    }
}

#[test]
fn compare_needs_two_plans() {
    let r = chipmix(&["compare", &sample(SHANGHAI)]);
    assert_refused(&r, &["two or more scenarios", "--variant"]);
}

#[test]
fn compare_chart_is_an_svg_with_the_labels() {
    let dir = temp_dir("compare-chart");
    let chart = dir.join("compare.svg");
    let chart_s = chart.display().to_string();
    let r = chipmix(&[
        "compare",
        &sample(SHANGHAI),
        &sample("h20-banned.yaml"),
        "--variant",
        "quota70:policy.domestic_share.min=0.7",
        "--chart",
        &chart_s,
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let svg = std::fs::read_to_string(&chart).expect("the chart is written");
    assert!(
        svg.starts_with("<svg") || svg.starts_with("<?xml"),
        "{}",
        &svg[..svg.len().min(80)]
    );
    assert!(svg.trim_end().ends_with("</svg>"));
    for label in ["shanghai-2025", "h20-banned", "quota70"] {
        assert!(svg.contains(label), "the chart lacks {label}");
    }
}

// ---------------------------------------------------------------------------------------
// 9. Sweep charts
// ---------------------------------------------------------------------------------------

#[test]
fn sweep_chart_is_an_svg_naming_the_parameter() {
    let dir = temp_dir("sweep-chart");
    let chart = dir.join("quota.svg");
    let chart_s = chart.display().to_string();
    let r = chipmix(&[
        "sweep",
        &sample(SHANGHAI),
        "--param",
        QUOTA,
        "--from",
        "0.3",
        "--to",
        "0.9",
        "--step",
        "0.1",
        "--chart",
        &chart_s,
        "--format",
        "csv",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.lines().count(), 8, "the CSV still goes to stdout");
    let svg = std::fs::read_to_string(&chart).expect("the chart is written");
    assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"));
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(svg.contains(QUOTA), "the chart names the parameter");

    let bad = dir.join("bool.svg");
    let bad_s = bad.display().to_string();
    let r = chipmix(&[
        "sweep",
        &sample(SHANGHAI),
        "--param",
        "accelerators[h20].available",
        "--values",
        "true,false",
        "--chart",
        &bad_s,
        "--format",
        "csv",
    ]);
    assert_refused(&r, &["chart needs a numeric first parameter"]);
    assert!(!bad.exists(), "no chart file for a refused chart");
}

/// Regression (issue 21): `--jobs 65535` on a 3-point sweep started 65,535 worker threads
/// and ran for minutes. The workers are now capped at the number of points (and four per
/// core), so it takes as long as `--jobs 1` does, give or take.
#[test]
fn huge_jobs_on_a_small_sweep_is_capped() {
    let s = sample(SHANGHAI);
    let args = |jobs: &str| -> Vec<String> {
        [
            "sweep", &s, "--param", QUOTA, "--from", "0.4", "--to", "0.6", "--step", "0.1",
            "--format", "json", "--jobs", jobs,
        ]
        .iter()
        .map(|a| a.to_string())
        .collect()
    };
    let started = std::time::Instant::now();
    let one = run_owned(&args("1"));
    let one_s = started.elapsed().as_secs_f64();
    assert_eq!(one.code, 0, "{}", one.stderr);
    let started = std::time::Instant::now();
    let many = run_owned(&args("65535"));
    let many_s = started.elapsed().as_secs_f64();
    assert_eq!(many.code, 0, "{}", many.stderr);
    assert_eq!(json(&many.stdout), json(&one.stdout));
    assert_eq!(json(&many.stdout).as_array().map(Vec::len), Some(3));
    assert!(
        many_s <= 3.0 * one_s + 5.0,
        "--jobs 65535 took {many_s:.1} s, --jobs 1 {one_s:.1} s"
    );
}
