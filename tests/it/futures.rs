//! Futures (section 7): plans checked against an independent brute force of the
//! deterministic equivalent (every common purchase, every future's own purchases, costed by
//! the checker alone), the section's properties, and bad input.

use crate::support::random::{Draw, SplitMix};
use crate::support::{chipmix, close, json, scenario_file};
use chipmix::check::national::evaluate_all;
use chipmix::scenario::common_rules::common_rules;
use chipmix::scenario::national::National;

/// A small random scenario with futures: one site, two periods, two or three cards.
struct Case {
    /// (domestic, price, tflops, lot) per card.
    cards: Vec<(bool, i64, i64, i64)>,
    demand: [i64; 2],
    min_share: f64,
    /// Per future: probability (in hundredths) and overrides.
    futures: Vec<(i64, Vec<String>)>,
    worst: bool,
}

impl Case {
    fn draw(seed: u64) -> Case {
        let mut r = SplitMix(seed);
        let na = r.range(2, 3) as usize;
        let cards = (0..na)
            .map(|a| {
                (
                    a != 1,
                    r.range(3, 30) * 100,
                    r.range(5, 9) * 100,
                    r.pick(&[2, 4]),
                )
            })
            .collect();
        let nf = r.range(2, 3) as usize;
        let mut left = 100;
        let mut futures = Vec::new();
        for f in 0..nf {
            let p = if f + 1 == nf {
                left
            } else {
                r.range(10, left - 10 * (nf - f - 1) as i64)
            };
            left -= p;
            let mut sets = Vec::new();
            if f > 0 {
                match r.range(0, 3) {
                    0 => sets
                        .push("\"accelerators[c1].available\": {2026: true, 2027: false}".into()),
                    1 => sets.push(format!(
                        "\"accelerators[c0].max_units\": {}",
                        r.range(0, 3) * 4
                    )),
                    2 => sets.push(format!(
                        "\"accelerators[c0].unit_price\": {{2026: {}, 2027: {}}}",
                        r.range(3, 30) * 100,
                        r.range(3, 30) * 100
                    )),
                    _ => sets.push(format!(
                        "\"demand.pflops\": {{2026: 1, 2027: {}}}",
                        r.range(1, 4)
                    )),
                }
            }
            futures.push((p, sets));
        }
        Case {
            cards,
            demand: [r.range(1, 2), r.range(2, 3)],
            min_share: r.pick(&[0.0, 0.5]),
            futures,
            worst: r.chance(30),
        }
    }

    fn yaml(&self) -> String {
        let mut y =
            "name: futures case\ncurrency: USD\nperiods: [2026, 2027]\naccelerators:\n".to_string();
        for (a, (domestic, price, tflops, lot)) in self.cards.iter().enumerate() {
            y += &format!(
                "  - {{id: c{a}, vendor: V{a}, origin: {}, unit_price: {price}, tflops: {tflops}, power_w: 400, lot_size: {lot}}}\n",
                if *domestic { "domestic" } else { "foreign" },
            );
        }
        y += &format!(
            "demand: {{pflops: {{2026: {}, 2027: {}}}}}\n",
            self.demand[0], self.demand[1]
        );
        if self.min_share > 0.0 {
            y += &format!("policy: {{domestic_share: {{min: {}}}}}\n", self.min_share);
        }
        y += "costs: {energy_price_per_kwh: 0.1, opex_years: 2, discount_rate: 0.1}\n";
        y += "solver: {mip_gap: 0, time_limit_s: 60}\n";
        y += "futures:\n";
        for (f, (p, sets)) in self.futures.iter().enumerate() {
            y += &format!("  - id: f{f}\n    probability: {}\n", *p as f64 / 100.0);
            if !sets.is_empty() {
                y += "    set:\n";
                for s in sets {
                    y += &format!("      {s}\n");
                }
            }
        }
        if self.worst {
            y += "risk: worst_case\n";
        }
        y
    }
}

/// The least cost of `nat` over every purchase vector whose first period is `first`
/// (lots per card), by enumeration, costed and checked by the checker alone.
fn least_given(nat: &National, first: &[i64], most: &[i64]) -> Option<f64> {
    let na = nat.accelerators.len();
    let lot = |a: usize| nat.accelerators[a].lot_size as i64;
    let mut best: Option<f64> = None;
    let mut second = vec![0i64; na];
    loop {
        let x = vec![vec![
            (0..na).map(|a| (first[a] * lot(a)) as f64).collect(),
            (0..na).map(|a| (second[a] * lot(a)) as f64).collect(),
        ]];
        let e = evaluate_all(nat, &x, &[], &[]);
        if e.violations().is_empty() && best.is_none_or(|b| e.total_cost < b) {
            best = Some(e.total_cost);
        }
        if !next(&mut second, most) {
            return best;
        }
    }
}

/// The next vector of lots (an odometer, position `a` up to `most[a]`); false after the
/// last.
fn next(v: &mut [i64], most: &[i64]) -> bool {
    for (d, m) in v.iter_mut().zip(most) {
        *d += 1;
        if *d <= *m {
            return true;
        }
        *d = 0;
    }
    false
}

/// The brute force's (objective, expected, worst) and each future's least cost alone.
type Brute = (Option<(f64, f64, f64)>, Vec<Option<f64>>);

/// Brute force of the deterministic equivalent: (objective, expected, worst) of the best
/// common first period, and each future's least cost alone; `None` when no common first
/// period serves every future.
fn brute_force(futures: &[(&National, f64)], worst: bool, most: &[i64]) -> Brute {
    let na = futures[0].0.accelerators.len();
    let mut best: Option<(f64, f64, f64)> = None;
    let mut alone: Vec<Option<f64>> = vec![None; futures.len()];
    let mut first = vec![0i64; na];
    loop {
        let costs: Vec<Option<f64>> = futures
            .iter()
            .map(|(n, _)| least_given(n, &first, most))
            .collect();
        for (a, c) in alone.iter_mut().zip(&costs) {
            if let Some(c) = c {
                *a = Some(a.map_or(*c, |v: f64| v.min(*c)));
            }
        }
        if costs.iter().all(Option::is_some) {
            let c: Vec<f64> = costs.into_iter().flatten().collect();
            let expected: f64 = c.iter().zip(futures).map(|(c, (_, p))| c * p).sum();
            let w = c.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let key = if worst { (w, expected) } else { (expected, w) };
            let better = best.is_none_or(|(b, be, bw)| {
                let bk = if worst { (b, be) } else { (b, bw) };
                key.0 < bk.0 - 1e-6 || (key.0 <= bk.0 + 1e-6 && key.1 < bk.1 - 1e-6)
            });
            if better {
                best = Some((key.0, expected, w));
            }
        }
        if !next(&mut first, most) {
            return (best, alone);
        }
    }
}

fn backend() -> chipmix::solve::Backend {
    if cfg!(feature = "highs") {
        chipmix::solve::Backend::Highs
    } else {
        chipmix::solve::Backend::Microlp
    }
}

/// Seeded small cases: the plan's objective, expected and worst cost, regret and EVPI
/// equal the brute force's, every future's plan passes the checker, and the common
/// purchases are the top level's.
#[test]
fn matches_brute_force() {
    let mut checked = 0;
    let mut merged_cases = 0;
    for seed in 0..24u64 {
        let case = Case::draw(seed);
        let yaml = case.yaml();
        let loaded = chipmix::scenario::load_str(&yaml, "futures.yaml")
            .unwrap_or_else(|e| panic!("seed {seed}: {e}\n{yaml}"));
        let nat = loaded.scenario;
        let f = nat.futures.as_deref().expect("futures");
        let list: Vec<(&National, f64)> = f
            .list
            .iter()
            .map(|fu| (&fu.scenario, fu.probability))
            .collect();
        // Per card, the lots that meet the largest demand (4 PFLOPS) alone: buying more
        // of one card in a period than that is never cheapest (dropping the other cards
        // then meets the demand and the quota for less).
        let most: Vec<i64> = nat
            .accelerators
            .iter()
            .map(|a| (4.0 / (a.tflops * a.lot_size as f64 / 1000.0)).ceil() as i64)
            .collect();
        let (bf, alone) = brute_force(&list, case.worst, &most);
        // Each future under every future's rules of the common period, by enumeration:
        // its least cost bounds its cost in any plan that holds in all futures.
        let merged: Vec<Option<f64>> = (0..f.list.len())
            .map(|i| {
                let (r, tighter) = common_rules(f, i)?;
                merged_cases += usize::from(tighter);
                let mut first = vec![0i64; nat.accelerators.len()];
                let mut least: Option<f64> = None;
                loop {
                    if let Some(c) = least_given(&r, &first, &most) {
                        least = Some(least.map_or(c, |l| l.min(c)));
                    }
                    if !next(&mut first, &most) {
                        return least;
                    }
                }
            })
            .collect();
        let opts = chipmix::planner::Options {
            backend: backend(),
            ..Default::default()
        };
        let plan = chipmix::planner::plan(&nat, &opts).expect("plan");
        if let Some((objective, _, worst)) = bf {
            let bounds: Option<Vec<f64>> = merged.iter().copied().collect();
            if let Some(b) = bounds {
                let combined = if case.worst {
                    b.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                } else {
                    b.iter().zip(&list).map(|(b, (_, p))| b * p).sum()
                };
                // The objective is the risk measure's value (expected or worst).
                assert!(
                    combined <= objective + 1e-6 * objective.abs().max(1.0),
                    "seed {seed}: the futures under every future's rules bound {combined} above the optimum {objective} (worst {worst})\n{yaml}"
                );
            }
        }
        let Some((objective, expected, worst)) = bf else {
            assert_eq!(
                plan.status,
                chipmix::plan::Status::Infeasible,
                "seed {seed}: the brute force finds no plan\n{yaml}"
            );
            continue;
        };
        assert_eq!(
            plan.status,
            chipmix::plan::Status::Optimal,
            "seed {seed}: {:?} {:?}\n{yaml}",
            plan.message,
            plan.warnings
        );
        let total = plan.total_cost.unwrap();
        assert!(
            close(total, objective),
            "seed {seed}: objective {total} vs brute force {objective}\n{yaml}"
        );
        assert!(
            close(plan.worst_cost.unwrap(), worst) || case.worst,
            "seed {seed}"
        );
        assert!(
            close(plan.expected_cost.unwrap(), expected),
            "seed {seed}: expected {} vs {expected}\n{yaml}",
            plan.expected_cost.unwrap()
        );
        assert!(plan.worst_cost.unwrap() >= plan.expected_cost.unwrap() - 1e-6);
        // Regret against each future planned alone (the brute force's own optimum).
        let regret = plan.regret.as_ref().unwrap();
        let mut evpi = 0.0;
        for (i, fu) in f.list.iter().enumerate() {
            let own = alone[i].expect("a future with a joint plan has one alone");
            let cost = plan.futures[i].total_cost.unwrap();
            let r = regret[&fu.id];
            assert!(r >= -1e-9, "seed {seed}: regret {r}");
            assert!(
                close(r, cost - own) || (r - (cost - own)).abs() < 1e-6,
                "seed {seed}: regret of {} {r} vs {}\n{yaml}",
                fu.id,
                cost - own
            );
            evpi += fu.probability * r;
            // The future's plan, common and own purchases together, passes the checker.
            let mut x = vec![vec![vec![0.0; nat.accelerators.len()]; 2]];
            for p in plan.purchases.iter().chain(&plan.futures[i].purchases) {
                let a = nat.accelerators.iter().position(|a| a.id == p.id).unwrap();
                let t = (p.period.unwrap() - 2026) as usize;
                x[0][t][a] += p.units;
            }
            let e = evaluate_all(&fu.scenario, &x, &[], &[]);
            assert!(
                e.violations().is_empty(),
                "seed {seed}: future {} breaks a rule",
                fu.id
            );
            assert!(close(e.total_cost, cost), "seed {seed}");
            assert!(
                plan.purchases.iter().all(|p| p.period == Some(2026))
                    && plan.futures[i]
                        .purchases
                        .iter()
                        .all(|p| p.period == Some(2027)),
                "seed {seed}: common purchases are 2026's, each future's own 2027's"
            );
        }
        assert!(close(plan.evpi.unwrap(), evpi) || (plan.evpi.unwrap() - evpi).abs() < 1e-6);
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} cases had a plan");
    assert!(
        merged_cases >= 3,
        "only {merged_cases} futures got tighter under every future's rules"
    );
}

/// Identical futures give the plain plan (a future that is sure to come is the scenario
/// itself).
#[test]
fn identical_futures_give_the_plain_plan() {
    let text = "name: x\nperiods: [2026, 2027, 2028]\naccelerators:\n  - {id: f, vendor: N, origin: foreign, unit_price: 900, tflops: 400, power_w: 400, lot_size: 4}\n  - {id: d, vendor: H, origin: domestic, unit_price: 2000, tflops: 700, power_w: 600, lot_size: 4, max_units: {2026: 8, 2027: 12, 2028: 16}}\n  - {id: e, vendor: C, origin: domestic, unit_price: 800, tflops: 250, power_w: 350, lot_size: 2}\ndemand: {pflops: {2026: 5, 2027: 9, 2028: 14}}\npolicy: {domestic_share: {min: 0.6}}\ncosts: {energy_price_per_kwh: 0.1, opex_years: 2, discount_rate: 0.08}\n";
    let plain = crate::support::plan(scenario_file("futures-plain", text).to_str().unwrap(), &[]);
    let identical = format!(
        "{text}futures:\n  - {{id: a, probability: 0.5}}\n  - {{id: b, probability: 0.5}}\ndecide_now: 2\n"
    );
    let path = scenario_file("futures-identical", &identical);
    let r = chipmix(&["plan", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let p = json(&r.stdout);
    let cost = p["total_cost"].as_f64().unwrap();
    let plain_cost = plain["total_cost"].as_f64().unwrap();
    let gap = plain["gap"]
        .as_f64()
        .unwrap_or(0.0)
        .max(p["gap"].as_f64().unwrap_or(0.0));
    assert!(
        (cost - plain_cost).abs() <= (gap + 1e-9) * plain_cost.abs(),
        "identical futures {cost} vs the plain plan {plain_cost}"
    );
    assert!(close(
        p["expected_cost"].as_f64().unwrap(),
        p["worst_cost"].as_f64().unwrap()
    ));
    for f in p["futures"].as_array().unwrap() {
        assert!(close(f["total_cost"].as_f64().unwrap(), cost));
    }
}

/// Bad futures exit 2 at the field: the sum of probabilities, `decide_now` beyond the
/// periods, an override that does not validate (named with the future and the path), a
/// future that changes the structure.
#[test]
fn bad_futures_exit_2_at_the_place() {
    let head = "name: x\nperiods: [2026, 2027]\naccelerators:\n  - {id: a, vendor: V, origin: domestic, unit_price: 10, tflops: 500}\ndemand: {pflops: 1}\n";
    for (tag, tail, want) in [
        (
            "sum",
            "futures:\n  - {id: a, probability: 0.5}\n  - {id: b, probability: 0.6}\n",
            "the probabilities must sum to 1, got 1.1",
        ),
        (
            "decide",
            "futures:\n  - {id: a, probability: 0.5}\n  - {id: b, probability: 0.5}\ndecide_now: 3\n",
            "decide_now must be a whole number from 1 to the number of periods (2), got 3",
        ),
        (
            "override",
            "futures:\n  - {id: a, probability: 0.5}\n  - id: b\n    probability: 0.5\n    set:\n      \"accelerators[a].unit_price\": -5\n",
            "futures[b].set \"accelerators[a].unit_price\": accelerators[a].unit_price must be >= 0, got -5",
        ),
        (
            "path",
            "futures:\n  - {id: a, probability: 0.5}\n  - id: b\n    probability: 0.5\n    set:\n      \"accelerators[zz].unit_price\": 5\n",
            "futures[b].set \"accelerators[zz].unit_price\"",
        ),
        (
            "one",
            "futures:\n  - {id: a, probability: 1}\n",
            "futures must list at least 2 futures",
        ),
        (
            "dup",
            "futures:\n  - {id: a, probability: 0.5}\n  - {id: a, probability: 0.5}\n",
            "futures[a].id is used twice",
        ),
        (
            "risk",
            "futures:\n  - {id: a, probability: 0.5}\n  - {id: b, probability: 0.5}\nrisk: cautious\n",
            "risk must be expected or worst_case, got `cautious`",
        ),
        (
            "lonely",
            "decide_now: 1\n",
            "decide_now applies only to a scenario with `futures`",
        ),
        (
            "structure",
            "futures:\n  - {id: a, probability: 0.5}\n  - id: b\n    probability: 0.5\n    set:\n      \"accelerators[a].id\": z\n",
            "futures[b].set changes the accelerators",
        ),
    ] {
        let text = format!("{head}{tail}");
        let path = scenario_file(&format!("futures-bad-{tag}"), &text);
        let r = chipmix(&["plan", path.to_str().unwrap()]);
        assert_eq!(r.code, 2, "{tag}: {}", r.stderr);
        assert!(
            r.stderr.contains(want),
            "{tag}: want `{want}` in {}",
            r.stderr
        );
        assert!(
            r.stderr.contains(".yaml:"),
            "{tag}: the message names the file and place: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("panicked"), "{tag}");
    }
}

/// `check` re-checks every future and finds a tampered common purchase.
#[test]
fn check_rechecks_every_future() {
    let sample = crate::support::sample("futures-2026-2028.yaml");
    let r = chipmix(&["plan", &sample, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let saved = scenario_file("futures-saved.json", &r.stdout);
    let ok = chipmix(&["check", &sample, saved.to_str().unwrap()]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    let mut p = json(&r.stdout);
    let units = p["purchases"][0]["units"].as_f64().unwrap();
    p["purchases"][0]["units"] = serde_json::json!(units - 8.0);
    let tampered = scenario_file("futures-tampered.json", &p.to_string());
    let bad = chipmix(&["check", &sample, tampered.to_str().unwrap()]);
    assert_eq!(bad.code, 1, "{}", bad.stdout);
    let p = json(&r.stdout);
    for f in p["futures"].as_array().unwrap() {
        let id = f["id"].as_str().unwrap();
        assert!(
            bad.stdout.contains(&format!("future {id}: ")),
            "every future is re-checked: {id} missing in {}",
            bad.stdout
        );
    }
}

/// Futures each feasible alone but with no common first period: the scenario is
/// infeasible (exit 1) and the conflicts say so in plain words, naming the futures.
#[test]
fn futures_feasible_alone_but_not_together_are_infeasible() {
    // Future `a` needs a domestic card in 2026 (its quota); in future `b` no domestic card
    // may be bought in 2026 and its quota is 0, so `b` needs the foreign card.
    let text = "name: x\nperiods: [2026, 2027]\naccelerators:\n  - {id: d, vendor: H, origin: domestic, unit_price: 1000, tflops: 500, power_w: 400}\n  - {id: f, vendor: N, origin: foreign, unit_price: 900, tflops: 500, power_w: 400}\ndemand: {pflops: 1}\npolicy: {domestic_share: {min: 1.0}}\nfutures:\n  - {id: a, probability: 0.5}\n  - id: b\n    probability: 0.5\n    set:\n      \"accelerators[d].available\": {2026: false, 2027: true}\n      \"policy.domestic_share.min\": 0\n";
    let path = scenario_file("futures-apart", text);
    let r = chipmix(&["plan", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let p = json(&r.stdout);
    assert_eq!(p["status"], "infeasible");
    let conflicts = p["conflicts"].to_string();
    assert!(
        conflicts.contains("no decisions for 2026 serve all 2 futures together"),
        "{conflicts}"
    );
    assert!(conflicts.contains("future a alone needs"), "{conflicts}");
    // Each future on its own has a plan.
    for f in ["a", "b"] {
        let alone = text.split("futures:").next().unwrap().to_string();
        let alone = if f == "b" {
            alone
                .replace("{id: d, vendor: H, origin: domestic, unit_price: 1000, tflops: 500, power_w: 400}", "{id: d, vendor: H, origin: domestic, unit_price: 1000, tflops: 500, power_w: 400, available: {2026: false, 2027: true}}")
                .replace("min: 1.0", "min: 0")
        } else {
            alone
        };
        let path = scenario_file(&format!("futures-apart-{f}"), &alone);
        let r = chipmix(&["plan", path.to_str().unwrap()]);
        assert_eq!(r.code, 0, "future {f} alone: {}", r.stdout);
    }
}

/// The CSV's cost lines add up to each future's total cost, and the report shows the
/// futures side by side with the chart of hedged against naive costs.
#[test]
fn csv_and_report_lay_out_every_future() {
    let sample = crate::support::sample("futures-2026-2028.yaml");
    let p = json(&chipmix(&["plan", &sample, "--format", "json"]).stdout);
    let csv = chipmix(&["plan", &sample, "--format", "csv"]);
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    let mut lines = csv.stdout.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (future, cost, decided) = (col("future"), col("discounted_cost"), col("decided"));
    for f in p["futures"].as_array().unwrap() {
        let id = f["id"].as_str().unwrap();
        let rows: Vec<Vec<&str>> = csv
            .stdout
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|r| r[future] == id)
            .collect();
        let sum: f64 = rows
            .iter()
            .map(|r| r[cost].parse::<f64>().unwrap_or(0.0))
            .sum();
        let total = f["total_cost"].as_f64().unwrap();
        assert!((sum - total).abs() < 0.05, "{id}: CSV {sum} vs {total}");
        assert!(rows.iter().any(|r| r[decided] == "now"), "{id}");
    }
    let out = scenario_file("futures-report.html", "");
    let r = chipmix(&["report", &sample, "-o", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let html = std::fs::read_to_string(&out).unwrap();
    for want in [
        "Futures summary (risk: expected)",
        "Common purchases (decided now, the same in every future)",
        "(naive)",
        "(hedged)",
        "<svg",
        "The rules that bind in each future",
    ] {
        assert!(html.contains(want), "the report lacks `{want}`");
    }
}

/// HiGHS and microlp prove the same optimum of the sample, with either risk measure.
#[cfg(feature = "highs")]
#[test]
fn highs_and_microlp_agree_on_the_sample() {
    let sample = crate::support::sample("futures-2026-2028.yaml");
    for risk in ["expected", "worst_case"] {
        let set = format!("risk={risk}");
        let of = |solver: &str| {
            let r = chipmix(&[
                "plan", &sample, "--solver", solver, "--set", &set, "--format", "json",
            ]);
            assert_eq!(r.code, 0, "{solver} {risk}: {}", r.stderr);
            let p = json(&r.stdout);
            assert_eq!(p["status"], "optimal", "{solver} {risk}");
            (
                p["total_cost"].as_f64().unwrap(),
                p["expected_cost"].as_f64().unwrap(),
            )
        };
        let (m, h) = (of("microlp"), of("highs"));
        assert!(close(m.0, h.0), "{risk}: microlp {} vs HiGHS {}", m.0, h.0);
        assert!(close(m.1, h.1), "{risk}: expected {} vs {}", m.1, h.1);
    }
}

/// `validate --resolved` writes the futures back (nothing the user gave is dropped): the
/// resolved file plans to the same expected cost; `plan --relaxation` bounds the futures'
/// objective, not one future's cost.
#[test]
fn resolved_keeps_the_futures_and_the_relaxation_bounds_them() {
    let sample = crate::support::sample("futures-2026-2028.yaml");
    let r = chipmix(&["validate", "--resolved", &sample]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("futures:") && r.stdout.contains("decide_now: 1"));
    let resolved = scenario_file("futures-resolved", &r.stdout);
    let of = |path: &str| {
        let r = chipmix(&["plan", path, "--format", "json"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        json(&r.stdout)["expected_cost"].as_f64().unwrap()
    };
    let cost = of(&sample);
    assert!(close(of(resolved.to_str().unwrap()), cost));
    let r = chipmix(&["plan", &sample, "--relaxation"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("lower bound on the expected cost over the futures"),
        "{}",
        r.stdout
    );
    let bound: f64 = r
        .stdout
        .split("futures ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("{}", r.stdout));
    // Below the plan, and above the futures' own optima combined (the wait-and-see
    // bound), which the plain relaxation of one future need not be.
    assert!(bound <= cost * (1.0 + 1e-9), "{bound} vs {cost}");
    let p = json(&chipmix(&["plan", &sample, "--format", "json"]).stdout);
    let own: f64 = p["futures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["probability"].as_f64().unwrap() * f["alone_cost"].as_f64().unwrap())
        .sum();
    assert!(bound > 0.9 * own, "{bound} vs wait-and-see {own}");
}

/// A small scenario with two futures; `extra[f]` adds overrides to future f's `set`
/// (replacing one of the same path).
fn explained_futures(extra: &[(usize, &str, &str)]) -> String {
    let mut sets: Vec<Vec<(String, String)>> = vec![
        vec![],
        vec![(
            "accelerators[d].max_units".into(),
            "{2026: 24, 2027: 4}".into(),
        )],
    ];
    for (f, path, value) in extra {
        sets[*f].retain(|(p, _)| p != path);
        sets[*f].push((path.to_string(), value.to_string()));
    }
    let mut text = String::from(
        "name: explained futures\nperiods: [2026, 2027]\naccelerators:\n  - {id: d, vendor: H, origin: domestic, unit_price: 1000, tflops: 500, power_w: 400, max_units: {2026: 24, 2027: 100}}\n  - {id: f, vendor: N, origin: foreign, unit_price: 800, tflops: 600, power_w: 400}\n  - {id: e, vendor: C, origin: domestic, unit_price: 1300, tflops: 550, power_w: 500}\ndemand: {pflops: {2026: 10, 2027: 30}}\npolicy: {domestic_share: {min: 0.5}}\nfutures:\n",
    );
    for (f, (id, p)) in [("a", 0.6), ("b", 0.4)].iter().enumerate() {
        text.push_str(&format!("  - id: {id}\n    probability: {p}\n"));
        if !sets[f].is_empty() {
            text.push_str("    set:\n");
            for (path, value) in &sets[f] {
                text.push_str(&format!("      \"{path}\": {value}\n"));
            }
        }
    }
    text
}

/// `explain` on futures: the policy cost is the expected cost against the scenario
/// without the quota in every future, and each shadow price is the change of the expected
/// cost when its rule is tightened in its future alone, both checked against plans of
/// files written with that change.
#[test]
fn explain_gives_the_policy_cost_in_expectation_and_shadow_prices_per_future() {
    let plan_of = |tag: &str, text: &str, sets: &[&str]| -> f64 {
        let path = scenario_file(tag, text);
        let mut args = vec!["plan", path.to_str().unwrap(), "--format", "json"];
        for s in sets {
            args.extend(["--set", s]);
        }
        let r = chipmix(&args);
        assert_eq!(r.code, 0, "{tag}: {}", r.stderr);
        let p = json(&r.stdout);
        assert_eq!(p["status"], "optimal", "{tag}");
        p["total_cost"].as_f64().unwrap()
    };
    let text = explained_futures(&[]);
    let path = scenario_file("explained-futures", &text);
    let r = chipmix(&["explain", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let e = json(&r.stdout);
    let base = plan_of("explained-futures-plan", &text, &[]);
    assert!(close(e["plan"]["total_cost"].as_f64().unwrap(), base));
    assert!(
        close(e["plan"]["expected_cost"].as_f64().unwrap(), base),
        "the objective is the expected cost"
    );

    // The quota out of the base scenario is out of every future (none sets its own).
    let without = plan_of(
        "explained-futures-no-quota",
        &text,
        &["policy.domestic_share=null"],
    );
    let quota = &e["policy_costs"][0];
    assert_eq!(quota["without"], "domestic_share");
    assert!(
        close(quota["total_cost"].as_f64().unwrap(), without),
        "{quota}"
    );
    assert!(
        close(quota["cost"].as_f64().unwrap(), base - without),
        "{quota}"
    );
    assert!(
        base - without > 1.0,
        "the quota costs something here: {quota}"
    );

    let prices = e["shadow_prices"].as_array().unwrap();
    for id in ["a", "b"] {
        assert!(
            prices.iter().any(|p| p["future"] == id),
            "future {id} has its binding rules priced: {prices:?}"
        );
    }
    let mut checked = 0;
    for p in prices {
        let Some(value) = p["value"].as_f64() else {
            continue;
        };
        let f = match p["future"].as_str() {
            Some("a") => 0,
            Some("b") => 1,
            other => panic!("a shadow price names its future: {other:?} in {p}"),
        };
        let (path, v) = p["tightened"].as_str().unwrap().split_once('=').unwrap();
        let tag = format!("explained-futures-{f}-{checked}");
        let tightened = plan_of(&tag, &explained_futures(&[(f, path, v)]), &[]);
        assert!(
            (tightened - base - value).abs() <= 1e-6 * base,
            "{p}: the file with `{path}: {v}` in future {f}'s set costs {tightened}, {} more",
            tightened - base
        );
        checked += 1;
    }
    assert!(checked >= 3, "{prices:?}");
}

/// A future's probability is a `--set` path (`futures[ID].probability`), checked like the
/// file: the probabilities must still sum to 1, and an unknown id is named.
#[test]
fn probabilities_are_override_paths() {
    let sample = crate::support::sample("futures-2026-2028.yaml");
    let r = chipmix(&[
        "plan",
        &sample,
        "--format",
        "json",
        "--set",
        "futures[base].probability=0.3",
        "--set",
        "futures[h20-banned-2027].probability=0.4",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let p = json(&r.stdout);
    let probability = |id: &str| {
        p["futures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap()["probability"]
            .as_f64()
            .unwrap()
    };
    assert_eq!(probability("base"), 0.3);
    assert_eq!(probability("h20-banned-2027"), 0.4);
    let expected: f64 = p["futures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["probability"].as_f64().unwrap() * f["total_cost"].as_f64().unwrap())
        .sum();
    assert!(close(p["expected_cost"].as_f64().unwrap(), expected));

    let r = chipmix(&["plan", &sample, "--set", "futures[base].probability=0.5"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("sum to 1"), "{}", r.stderr);
    assert!(
        r.stderr.contains("(base 0.5, h20-banned-2027 0.3"),
        "{}",
        r.stderr
    );
    let r = chipmix(&["plan", &sample, "--set", "futures[bse].probability=0.5"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stderr.contains("futures[base]"),
        "did you mean: {}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"));
}

/// `alternatives` on futures: each alternative is another hedge (a common order and each
/// future's own purchases) whose objective, expected or worst, stays within the cap. Each
/// is held against the file with its overrides by `chipmix check` in every future, and
/// equals a separate `chipmix plan` of that file (the cheapest hedge under its levers);
/// the most domestic one raises the lowest share over every future's periods.
#[test]
fn alternatives_of_futures_are_hedges_within_the_cap_in_every_future() {
    for risk in ["expected", "worst_case"] {
        let text = format!("{}risk: {risk}\n", explained_futures(&[]));
        let file = scenario_file(&format!("alt-futures-{risk}.yaml"), &text);
        let f = file.to_str().unwrap();
        let r = chipmix(&["alternatives", f, "--within", "0.05", "--format", "json"]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let out = json(&r.stdout);
        let optimum = out["plan"]["total_cost"].as_f64().unwrap();
        let alts = out["alternatives"].as_array().unwrap();
        let lowest_share = |p: &serde_json::Value| {
            p["futures"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|f| f["periods"].as_array().unwrap().iter())
                .map(|d| d["domestic_share"]["value"].as_f64().unwrap())
                .fold(f64::INFINITY, f64::min)
        };
        assert!(
            alts.iter().any(|a| a["name"] == "most domestic"),
            "{risk}: {}",
            r.stdout
        );
        for a in alts {
            let name = a["name"].as_str().unwrap();
            let p = &a["plan"];
            let futures = p["futures"].as_array().unwrap();
            let ids: Vec<&str> = futures.iter().map(|f| f["id"].as_str().unwrap()).collect();
            assert_eq!(ids, ["a", "b"], "{risk} {name}: every future");
            let costs: Vec<(f64, f64)> = futures
                .iter()
                .map(|f| {
                    (
                        f["probability"].as_f64().unwrap(),
                        f["total_cost"].as_f64().unwrap(),
                    )
                })
                .collect();
            let measure = if risk == "expected" {
                costs.iter().map(|(p, c)| p * c).sum::<f64>()
            } else {
                costs.iter().map(|(_, c)| *c).fold(f64::MIN, f64::max)
            };
            let total = p["total_cost"].as_f64().unwrap();
            assert!(close(total, measure), "{risk} {name}: {total} vs {measure}");
            assert!(
                measure <= optimum * 1.05 + 1e-6,
                "{risk} {name}: {measure} above the cap of 5% over {optimum}"
            );
            let sets: Vec<String> = a["overrides"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o.as_str().unwrap().to_string())
                .collect();
            let with = |first: &[&str]| {
                let mut args: Vec<&str> = first.to_vec();
                for s in &sets {
                    args.extend(["--set", s.as_str()]);
                }
                chipmix(&args)
            };
            let again = with(&["plan", f, "--format", "json"]);
            assert_eq!(again.code, 0, "{}", again.stderr);
            let again = json(&again.stdout)["total_cost"].as_f64().unwrap();
            assert!(
                close(again, total),
                "{risk} {name}: the file with {sets:?} plans at {again}, the alternative costs {total}"
            );
            let saved = scenario_file(&format!("alt-futures-{risk}-{name}.json"), &p.to_string());
            let checked = with(&["check", f, saved.to_str().unwrap()]);
            assert_eq!(
                checked.code, 0,
                "{risk} {name}: {}{}",
                checked.stdout, checked.stderr
            );
            if name == "most domestic" {
                assert!(
                    lowest_share(p) > lowest_share(&out["plan"]) + 1e-6,
                    "{risk}: {} vs the optimum's {}",
                    lowest_share(p),
                    lowest_share(&out["plan"])
                );
            }
        }
    }
}
