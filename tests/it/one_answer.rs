//! One answer per scenario: every command that plans a scenario solves it with the same
//! settings and shows the same plan. Each sample is planned by `plan`, and again, in
//! separate runs, by `explain`, `alternatives`, `compare` and a one-point `sweep`; the
//! status, the total and every purchase row must be the same.

use crate::support::{chipmix, close, json, par_map, sample};
use serde_json::Value;

/// The samples, and whether `explain` runs on them here (its re-solves of the national
/// sample take minutes on a busy 2-core machine; `explain_national` covers it).
const SAMPLES: &[(&str, bool)] = &[
    ("shanghai-2025.yaml", true),
    ("catalog-shanghai-2025.yaml", true),
    ("h20-banned.yaml", true),
    ("h800-fleet-porting.yaml", true),
    ("infeasible-quota.yaml", true),
    ("max-pflops-budget.yaml", true),
    ("strict-majority.yaml", true),
    ("training-inference.yaml", true),
    ("fp8-inference-2026.yaml", true),
    ("gansu-discount-2026.yaml", true),
    ("state-funded-removal-2026.yaml", true),
    ("cloudmatrix-2026.yaml", true),
    ("national-2025-2027.yaml", false),
    ("residual-2025-2027.yaml", false),
];

/// The purchases of a JSON plan as sorted (id, site, period, units) rows.
fn rows(p: &Value) -> Vec<(String, String, String, i64)> {
    let mut out: Vec<_> = p["purchases"]
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|r| {
            (
                r["id"].to_string(),
                r["site"].to_string(),
                r["period"].to_string(),
                r["units"].as_f64().unwrap().round() as i64,
            )
        })
        .collect();
    out.sort();
    out
}

/// Asserts that `other` (from `what`) is the same plan as `plan`.
fn same(file: &str, what: &str, plan: &Value, other: &Value) {
    assert_eq!(
        plan["status"], other["status"],
        "{file}: plan and {what} disagree on the status"
    );
    if let (Some(a), Some(b)) = (plan["total_cost"].as_f64(), other["total_cost"].as_f64()) {
        assert!(close(a, b), "{file}: plan totals {a}, {what} totals {b}");
    } else {
        assert_eq!(plan["total_cost"], other["total_cost"], "{file}: {what}");
    }
    assert_eq!(
        rows(plan),
        rows(other),
        "{file}: plan and {what} buy differently"
    );
}

/// Runs `args` and returns its JSON stdout (exit 0 or 1: a plan or none).
fn run_json(args: &[&str]) -> Value {
    let r = chipmix(args);
    assert!(
        r.code == 0 || r.code == 1,
        "{args:?} exited {}: {}",
        r.code,
        r.stderr
    );
    json(&r.stdout)
}

#[test]
fn every_command_prints_the_plan_that_plan_prints() {
    par_map(SAMPLES, 2, |&(name, with_explain)| {
        let file = sample(name);
        let plan = run_json(&["plan", &file, "--format", "json"]);
        if with_explain {
            let e = run_json(&["explain", &file, "--format", "json"]);
            same(name, "explain", &plan, &e["plan"]);
        }
        if plan["status"] != "infeasible" {
            let a = run_json(&["alternatives", &file, "--format", "json"]);
            same(name, "alternatives", &plan, &a["plan"]);
        }
        let c = run_json(&[
            "compare",
            &file,
            "--variant",
            "again:solver.integer=true",
            "--format",
            "json",
        ]);
        for (k, member) in c["plans"].as_array().unwrap().iter().enumerate() {
            same(name, &format!("compare member {k}"), &plan, &member["plan"]);
        }
        // A sweep of one point, at the time limit the file already has (60 s by default).
        let resolved = chipmix(&["validate", &file, "--resolved"]).stdout;
        let resolved: serde_yaml::Value = serde_yaml::from_str(&resolved).unwrap();
        let limit = resolved["solver"]["time_limit_s"]
            .as_f64()
            .unwrap()
            .to_string();
        let s = run_json(&[
            "sweep",
            &file,
            "--param",
            "solver.time_limit_s",
            "--values",
            &limit,
            "--format",
            "json",
        ]);
        let row = &s.as_array().unwrap()[0];
        assert_eq!(row["status"], plan["status"], "{name}: sweep status");
        if let (Some(a), Some(b)) = (plan["total_cost"].as_f64(), row["total_cost"].as_f64()) {
            assert!(close(a, b), "{name}: plan totals {a}, its sweep point {b}");
        }
    });
}
