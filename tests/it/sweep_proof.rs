//! Quota sweeps of every `min_cost` sample: a tighter quota never costs less where both
//! points are proven, every row says whether it is proven (status, gap and bound columns,
//! parsed with the `csv` crate), and no point costs less than the proven bound of a looser
//! one. Single-site samples are proven at the default `mip_gap` of 0; the national sample,
//! asked for a gap of 0 too, runs to a short time limit, so its rows are the unproven kind.

use crate::support::{chipmix, sample};

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
    // The gap and bound columns come last, after every column of the contract.
    assert_eq!(&header[header.len() - 2..], ["gap", "bound"], "{name}");
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
        if *national {
            assert!(
                points.iter().any(|p| p.status == "feasible"),
                "{name}: the national sample was expected to be unproven at 3 s"
            );
        }
    }
    assert!(proven_pairs > 100, "only {proven_pairs} proven pairs");
}
