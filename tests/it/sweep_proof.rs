//! Quota sweeps of every `min_cost` sample: a tighter quota never costs less where both
//! points are proven, every row says whether it is proven (status, gap and bound columns,
//! parsed with the `csv` crate), and no point costs less than the proven bound of a looser
//! one. Single-site samples are proven at the default `mip_gap` of 0; the national sample,
//! asked for a gap of 0 too, runs to a short time limit, so its rows are the unproven kind.

use crate::support::{chipmix, close, optimal_plan, par_map, sample};
use chipmix::planner::{self, Options};
use chipmix::scenario::Override;
use chipmix::scenario::load::Document;
use chipmix::sweep::reuse::Proven;

const QUOTA: &str = "policy.domestic_share.min";

/// One row of a quota sweep.
#[derive(Debug)]
struct Point {
    quota: f64,
    status: String,
    total_cost: Option<f64>,
    gap: Option<f64>,
    bound: Option<f64>,
}

/// The samples that minimise cost under a domestic-share rule, and whether each has sites.
fn min_cost_samples() -> Vec<(String, bool)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut out: Vec<(String, bool)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            let text = std::fs::read_to_string(dir.join(&name)).ok()?;
            let doc: serde_yaml::Value = serde_yaml::from_str(&text).ok()?;
            (name.ends_with(".yaml")
                && doc["objective"].as_str() == Some("min_cost")
                && !doc["policy"]["domestic_share"].is_null())
            .then(|| (name, !doc["sites"].is_null()))
        })
        .collect();
    out.sort();
    out
}

fn sample_text(name: &str) -> String {
    std::fs::read_to_string(sample(name)).unwrap()
}

fn sweep(name: &str, national: bool) -> Vec<Point> {
    let s = sample(name);
    let mut args = vec!["sweep", &s, "--param", QUOTA, "--format", "csv"];
    if national {
        // Three points at 3 s each, asked for the optimum itself (the sample states a gap
        // of 0.1%): the rows are unproven, which is what is checked here.
        args.extend([
            "--values",
            "0.5,0.6,0.7",
            "--time-limit",
            "3",
            "--mip-gap",
            "0",
        ]);
    } else if sample_text(name).contains("strict: true") {
        // A strict share of more than 100% is bad input, so the sweep stops below 1.
        args.extend(["--from", "0", "--to", "0.95", "--step", "0.05"]);
    } else {
        args.extend(["--from", "0", "--to", "1", "--step", "0.05"]);
    }
    let r = chipmix(&args);
    assert_eq!(r.code, 0, "{name}: {}", r.stderr);
    let mut rd = csv::Reader::from_reader(r.stdout.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    // The gap and bound columns come after every column of the contract; only the figures
    // of optional rules (the residual credit, the energy discount, removals) follow them.
    let g = header
        .iter()
        .position(|h| h == "gap")
        .expect("a gap column");
    assert_eq!(
        header.get(g + 1).map(String::as_str),
        Some("bound"),
        "{name}"
    );
    for extra in &header[g + 2..] {
        assert!(
            ["residual", "energy_discount", "removal"].contains(&extra.as_str()),
            "{name}: column {extra} after bound"
        );
    }
    let col = |k: &str| header.iter().position(|h| h == k).unwrap();
    let num = |rec: &csv::StringRecord, k: &str| -> Option<f64> {
        let cell = &rec[col(k)];
        (!cell.is_empty()).then(|| cell.parse().unwrap())
    };
    rd.records()
        .map(|rec| {
            let rec = rec.unwrap();
            Point {
                quota: rec[0].parse().unwrap(),
                status: rec[col("status")].to_string(),
                total_cost: num(&rec, "total_cost"),
                gap: num(&rec, "gap"),
                bound: num(&rec, "bound"),
            }
        })
        .collect()
}

#[test]
fn quota_sweeps_never_get_cheaper_as_the_quota_tightens() {
    let samples = min_cost_samples();
    assert!(samples.len() >= 5, "{samples:?}");
    assert!(samples.iter().any(|(_, national)| *national));
    let mut proven_pairs = 0;
    for (name, national) in &samples {
        let points = sweep(name, *national);
        for p in &points {
            let at = format!("{name} at {QUOTA}={}", p.quota);
            match p.status.as_str() {
                "optimal" | "feasible" => {
                    let (cost, gap, bound) = (
                        p.total_cost.unwrap(),
                        p.gap.unwrap_or_else(|| panic!("{at}: no gap")),
                        p.bound.unwrap_or_else(|| panic!("{at}: no bound")),
                    );
                    assert!(bound <= cost * (1.0 + 1e-9), "{at}: bound {bound} > {cost}");
                    let stated = (cost - bound) / cost;
                    assert!((gap - stated).abs() < 1e-6, "{at}: gap {gap}, {stated}");
                    if p.status == "optimal" {
                        // The default mip_gap is 0.
                        assert!(gap < 1e-9, "{at}: optimal with gap {gap}");
                    } else {
                        assert!(gap > 0.0, "{at}: feasible says so with a gap");
                    }
                }
                _ => assert!(p.total_cost.is_none() && p.gap.is_none() && p.bound.is_none()),
            }
        }
        // A tighter quota admits fewer plans: no point costs less than a looser point's
        // proven bound, and two proven points are in order.
        for (i, loose) in points.iter().enumerate() {
            for tight in &points[i + 1..] {
                let (Some(bound), Some(cost)) = (loose.bound, tight.total_cost) else {
                    continue;
                };
                let at = format!("{name}: {QUOTA} {} then {}", loose.quota, tight.quota);
                assert!(cost >= bound * (1.0 - 1e-9), "{at}: {cost} below {bound}");
                if loose.status == "optimal" && tight.status == "optimal" {
                    let before = loose.total_cost.unwrap();
                    assert!(cost >= before * (1.0 - 1e-9), "{at}: {cost} < {before}");
                    proven_pairs += 1;
                }
            }
        }
        // The big national sample is not proven at 3 s (the smaller ones with sites are).
        if name == "national-2025-2027.yaml" {
            assert!(
                points.iter().any(|p| p.status == "feasible"),
                "{name}: the national sample was expected to be unproven at 3 s"
            );
        }
    }
    assert!(proven_pairs > 100, "only {proven_pairs} proven pairs");
}

/// The sample whose quota sweep has a wide stretch of one plan: from 0.65 to 0.88 the same
/// purchases (a domestic share of 0.8896) give the most PFLOPS, and the points near 0.72
/// take seconds to prove from scratch with microlp.
const PLATEAU: &str = "max-pflops-budget.yaml";

fn at_quota(doc: &Document, q: f64) -> chipmix::scenario::national::National {
    doc.resolve(&[Override::new(QUOTA, &q.to_string())])
        .unwrap()
        .scenario
}

/// A plan proven at a looser quota is reused at a tighter one exactly when the checker
/// finds that it meets the tighter rule, and then it equals that point's own optimum.
#[test]
fn a_proven_plan_is_reused_only_where_it_meets_the_tighter_rule() {
    let path = sample(PLATEAU);
    let doc = Document::read(std::path::Path::new(&path)).unwrap();
    let loose = planner::plan(&at_quota(&doc, 0.65), &Options::default()).unwrap();
    assert_eq!(loose.status.as_str(), "optimal");
    let share = loose.domestic_share.as_ref().and_then(|d| d.value).unwrap();
    assert!(share > 0.85 && share < 0.9, "share {share}");
    let proven = Proven::default();
    proven.add(&[0.65], "1 (policy.domestic_share.min=0.65)", &loose);
    // Tighter, and still met: the same purchases, now under the 0.85 rule.
    let reused = proven
        .reuse(&at_quota(&doc, 0.85), &[0.85])
        .expect("reused");
    assert_eq!(reused.status.as_str(), "optimal");
    assert_eq!(
        reused.domestic_share.as_ref().and_then(|d| d.min),
        Some(0.85)
    );
    let own = optimal_plan(&path, &[format!("{QUOTA}=0.85")]);
    assert!(close(
        reused.pflops.unwrap(),
        own["pflops"].as_f64().unwrap()
    ));
    assert!(close(
        reused.total_cost.unwrap(),
        own["total_cost"].as_f64().unwrap()
    ));
    // Tighter than the plan's own share: the plan breaks the rule, so it is not reused.
    assert!(proven.reuse(&at_quota(&doc, 0.9), &[0.9]).is_none());
    // Looser than the point it was proven at: nothing says it is optimal there.
    assert!(proven.reuse(&at_quota(&doc, 0.6), &[0.6]).is_none());
}

/// The whole quota sweep of the plateau sample (which reuses plans) against separate
/// `chipmix plan` runs at points on, around and past the plateau.
#[test]
fn a_sweep_that_reuses_plans_gives_each_point_its_own_optimum() {
    let path = sample(PLATEAU);
    let r = chipmix(&[
        "sweep", &path, "--param", QUOTA, "--from", "0.6", "--to", "1", "--step", "0.01",
        "--format", "csv",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut rd = csv::Reader::from_reader(r.stdout.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    let col = |k: &str| header.iter().position(|h| h == k).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 41);
    for row in &rows {
        assert_eq!(&row[col("status")], "optimal", "{row:?}");
    }
    let picks = ["0.64", "0.65", "0.7", "0.77", "0.88", "0.89", "0.95", "1"];
    let separate = par_map(&picks, 2, |q| {
        optimal_plan(&path, &[format!("{QUOTA}={q}")])
    });
    for (q, own) in picks.iter().zip(&separate) {
        let row = rows.iter().find(|r| &r[0] == *q).unwrap();
        let num = |k: &str| row[col(k)].parse::<f64>().unwrap();
        for k in ["pflops", "total_cost"] {
            assert!(close(num(k), own[k].as_f64().unwrap()), "{QUOTA}={q}: {k}");
        }
    }
}
