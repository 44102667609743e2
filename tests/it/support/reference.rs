//! What the reference tests of the 2025-2026 rules share (`resources`, `removals`,
//! `systems`): each draws small seeded scenarios, finds their optimum by its own brute
//! force, and holds chipmix's plan at gap 0 against it, with every solver the build has.

use chipmix::plan::{Plan, Status};
use chipmix::planner::Options;
use chipmix::solve::Backend;

/// The solvers of this build: microlp, and HiGHS with `--features highs`.
pub fn backends() -> Vec<Backend> {
    let mut out = vec![Backend::Microlp];
    if cfg!(feature = "highs") {
        out.push(Backend::Highs);
    }
    out
}

/// The plan of `yaml` with `backend` at gap 0 (30 s at most), without the conflict
/// analysis of an infeasible scenario.
pub fn plan_at_gap_zero(yaml: &str, backend: Backend) -> Plan {
    let loaded = chipmix::scenario::load_str(yaml, "reference.yaml").expect("valid");
    let opts = Options {
        backend,
        time_limit_s: Some(30.0),
        mip_gap: Some(0.0),
        ..Default::default()
    };
    chipmix::planner::plan_quiet(&loaded.scenario, &opts).expect("a plan or a verdict")
}

/// The proven optimal cost of `yaml`, `None` when infeasible; any other status is an
/// error.
pub fn optimum(yaml: &str, backend: Backend) -> Result<Option<f64>, String> {
    let p = plan_at_gap_zero(yaml, backend);
    match p.status {
        Status::Optimal => Ok(p.total_cost),
        Status::Infeasible => Ok(None),
        other => Err(format!("status {other:?}")),
    }
}

/// Whether two optima agree: both infeasible, or costs within 1e-6 relative.
pub fn same_optimum(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => super::close(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// For each seed, the case `draw(seed)` gives (its YAML and its brute-force optimum)
/// planned with every backend of the build, on both cores: one message per disagreement,
/// with the seed, the backend and the scenario.
pub fn disagreements(
    seeds: &[u64],
    draw: impl Fn(u64) -> (String, Option<f64>) + Sync,
) -> Vec<String> {
    super::par_map(seeds, 2, |&seed| {
        let (yaml, want) = draw(seed);
        backends()
            .into_iter()
            .filter_map(|backend| match optimum(&yaml, backend) {
                Ok(got) if same_optimum(got, want) => None,
                Ok(got) => Some(format!(
                    "seed {seed} {backend:?}: planner {got:?}, brute force {want:?}\n{yaml}"
                )),
                Err(e) => Some(format!("seed {seed} {backend:?}: {e}\n{yaml}")),
            })
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

/// A JSON plan `p` of the scenario at `path` proves a bound no higher than its cost, and,
/// with `--features highs`, the optimum (HiGHS on the whole model, gap 0) lies between
/// them; without HiGHS there is no optimum to compare with. Returns the plan's cost.
pub fn between_bound_and_plan(path: &str, p: &serde_json::Value) -> f64 {
    let cost = p["total_cost"].as_f64().expect("a plan has a cost");
    let bound = p["bound"].as_f64().expect("a plan has a bound");
    assert!(
        bound <= cost * (1.0 + 1e-9),
        "{path}: bound {bound} > plan {cost}"
    );
    if !cfg!(feature = "highs") {
        return cost;
    }
    let r = super::chipmix(&[
        "plan",
        path,
        "--solver",
        "highs",
        "--strategy",
        "direct",
        "--mip-gap",
        "0",
        "--format",
        "json",
    ]);
    let best = super::json(&r.stdout);
    assert_eq!(best["status"], "optimal", "{path}: {best}");
    let optimum = best["total_cost"].as_f64().unwrap();
    assert!(
        bound <= optimum * (1.0 + 1e-9),
        "{path}: bound {bound} > optimum {optimum}"
    );
    assert!(
        cost >= optimum * (1.0 - 1e-9),
        "{path}: plan {cost} < optimum {optimum}"
    );
    cost
}
