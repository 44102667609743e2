//! Precision (section 6 of the format): `tflops` by precision, `demand.precision` and
//! per-workload precision.
//!
//! The reference test plans small random scenarios with the built binary and compares the
//! optimal cost with a brute force written here from the contract alone (its own reading of
//! the fallback rule, exact integer arithmetic, no chipmix code). The other tests pin the
//! fallback rule on hand-made cases, the validation messages (exit 2, file:line:col), the
//! equivalence of a plain `tflops: N` with `{bf16: N}`, and the 2026 catalog and sample.

use crate::support::{
    chipmix, close, json, optimal_plan, par_map, place_of, plan, sample, scenario_file,
};
use serde_json::Value;
use std::fmt::Write;

/// The precisions, narrowest first, as the scenario names them.
const NAMES: [&str; 4] = ["fp4", "fp8", "bf16", "fp32"];

/// A card's figure at precision `p` (an index into [`NAMES`]), read as the contract says:
/// its own figure, else the nearest wider one it lists, else 0.
fn figure_at(figures: &[Option<i64>; 4], p: usize) -> i64 {
    (p..4).find_map(|q| figures[q]).unwrap_or(0)
}

/// A small deterministic generator (xorshift), so that failures replay.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// One random card: price, figures by precision (at least one > 0), origin, supply cap.
#[derive(Debug, Clone)]
struct Card {
    price: i64,
    figures: [Option<i64>; 4],
    domestic: bool,
    cap: i64,
}

/// A random small scenario.
#[derive(Debug, Clone)]
struct Case {
    cards: Vec<Card>,
    /// demand.precision (None: not written, i.e. bf16).
    precision: Option<usize>,
    /// Either `pflops` (whole PFLOPS), or two workloads: `inference` as a plain number, and
    /// `training` with an optional precision of its own.
    pflops: Option<i64>,
    workloads: Option<(i64, i64, Option<usize>)>,
    /// Domestic share by the tflops basis, in tenths.
    share10: Option<i64>,
}

fn draw(seed: u64) -> Case {
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let n = 2 + r.below(2) as usize;
    let cards = (0..n)
        .map(|i| {
            let mut figures = [None; 4];
            for f in figures.iter_mut() {
                if r.chance(50) {
                    f.replace(100 * (1 + r.below(8) as i64));
                }
            }
            if figures.iter().all(|f| f.is_none_or(|v| v == 0)) {
                figures[r.below(4) as usize] = Some(100 * (1 + r.below(8) as i64));
            }
            Card {
                price: 10 + 5 * r.below(20) as i64,
                figures,
                domestic: i % 2 == 0,
                cap: 2 + r.below(5) as i64,
            }
        })
        .collect();
    let precision = r.chance(75).then(|| r.below(4) as usize);
    let (pflops, workloads) = if r.chance(50) {
        (Some(1 + r.below(3) as i64), None)
    } else {
        let own = r.chance(70).then(|| r.below(4) as usize);
        (
            None,
            Some((1 + r.below(2) as i64, 1 + r.below(2) as i64, own)),
        )
    };
    let share10 = r.chance(40).then(|| 1 + r.below(7) as i64);
    Case {
        cards,
        precision,
        pflops,
        workloads,
        share10,
    }
}

fn yaml(c: &Case) -> String {
    let mut s = String::from("name: precision reference\naccelerators:\n");
    for (i, card) in c.cards.iter().enumerate() {
        let figures: Vec<String> = card
            .figures
            .iter()
            .enumerate()
            .filter_map(|(p, v)| v.map(|v| format!("{}: {v}", NAMES[p])))
            .collect();
        writeln!(
            s,
            "  - {{id: c{i}, vendor: V{i}, origin: {}, unit_price: {}, max_units: {}, tflops: {{{}}}}}",
            if card.domestic { "domestic" } else { "foreign" },
            card.price,
            card.cap,
            figures.join(", ")
        )
        .unwrap();
    }
    s.push_str("demand:\n");
    if let Some(p) = c.precision {
        writeln!(s, "  precision: {}", NAMES[p]).unwrap();
    }
    if let Some(p) = c.pflops {
        writeln!(s, "  pflops: {p}").unwrap();
    }
    if let Some((inference, training, own)) = c.workloads {
        s.push_str("  workloads:\n");
        writeln!(s, "    inference: {inference}").unwrap();
        match own {
            Some(p) => writeln!(
                s,
                "    training: {{pflops: {training}, precision: {}}}",
                NAMES[p]
            )
            .unwrap(),
            None => writeln!(s, "    training: {training}").unwrap(),
        }
    }
    if let Some(k) = c.share10 {
        writeln!(
            s,
            "policy: {{domestic_share: {{min: {}, basis: tflops}}}}",
            k as f64 / 10.0
        )
        .unwrap();
    }
    s.push_str("solver: {mip_gap: 0}\n");
    s
}

/// Whether the fleet `n` meets the demand, in TFLOPS (exact). Two workloads share the
/// fleet: class 1 (inference) takes the cards with the best ratio of its figure to class
/// 2's first, which leaves class 2 the most (a fractional knapsack), and the leftover is
/// compared with class 2's need without rounding.
fn meets(c: &Case, n: &[i64]) -> bool {
    let demand_p = c.precision.unwrap_or(2);
    if let Some(p) = c.pflops {
        let got: i64 = c
            .cards
            .iter()
            .zip(n)
            .map(|(card, &k)| figure_at(&card.figures, demand_p) * k)
            .sum();
        return got >= p * 1000;
    }
    let Some((inference, training, own)) = c.workloads else {
        return true;
    };
    let p2 = own.unwrap_or(demand_p);
    let t1: Vec<i64> = c
        .cards
        .iter()
        .map(|k| figure_at(&k.figures, demand_p))
        .collect();
    let t2: Vec<i64> = c.cards.iter().map(|k| figure_at(&k.figures, p2)).collect();
    let mut order: Vec<usize> = (0..c.cards.len()).collect();
    // Decreasing t1/t2 (cards useless for class 2 first), compared by cross products.
    order.sort_by(|&a, &b| (t1[b] * t2[a]).cmp(&(t1[a] * t2[b])));
    let mut need1 = (inference * 1000) as i128;
    // Class 2's capacity as num / den.
    let (mut num, mut den) = (0i128, 1i128);
    for a in order {
        let (k, f1, f2) = (n[a] as i128, t1[a] as i128, t2[a] as i128);
        if need1 > 0 && f1 > 0 {
            if k * f1 <= need1 {
                need1 -= k * f1;
                continue;
            }
            // Part of this card's units finish class 1; the rest serve class 2.
            let left = k * f1 - need1; // in units of f1
            need1 = 0;
            num = num * f1 + left * f2 * den;
            den *= f1;
            continue;
        }
        num += k * f2 * den;
    }
    need1 <= 0 && num >= (training * 1000) as i128 * den
}

/// Whether the fleet meets the domestic share by bf16 TFLOPS.
fn share_ok(c: &Case, n: &[i64]) -> bool {
    let Some(k) = c.share10 else { return true };
    let bf16 = |card: &Card| figure_at(&card.figures, 2);
    let dom: i64 = c
        .cards
        .iter()
        .zip(n)
        .filter(|(c, _)| c.domestic)
        .map(|(c, &u)| bf16(c) * u)
        .sum();
    let all: i64 = c.cards.iter().zip(n).map(|(c, &u)| bf16(c) * u).sum();
    10 * dom >= k * all
}

/// The least cost over every purchase vector, or `None` when none meets every rule.
fn brute_force(c: &Case) -> Option<i64> {
    let mut best: Option<i64> = None;
    let mut n = vec![0i64; c.cards.len()];
    loop {
        if meets(c, &n) && share_ok(c, &n) {
            let cost: i64 = c
                .cards
                .iter()
                .zip(&n)
                .map(|(card, &k)| card.price * k)
                .sum();
            best = Some(best.map_or(cost, |b: i64| b.min(cost)));
        }
        let mut i = 0;
        loop {
            if i == n.len() {
                return best;
            }
            if n[i] < c.cards[i].cap {
                n[i] += 1;
                break;
            }
            n[i] = 0;
            i += 1;
        }
    }
}

#[test]
fn brute_force_agrees_on_small_precision_scenarios() {
    let seeds: Vec<u64> = (1..=160).collect();
    let failures: Vec<String> = par_map(&seeds, 2, |&seed| {
        let case = draw(seed);
        let text = yaml(&case);
        let file = scenario_file(&format!("reference-{seed}"), &text);
        let r = chipmix(&["plan", file.to_str().unwrap(), "--format", "json"]);
        let want = brute_force(&case);
        match (r.code, want) {
            (0, Some(cost)) => {
                let p = json(&r.stdout);
                let got = p["total_cost"].as_f64().unwrap();
                (!close(got, cost as f64) || p["status"] != "optimal").then(|| {
                    format!(
                        "seed {seed}: chipmix {got} ({}), brute force {cost}\n{text}",
                        p["status"]
                    )
                })
            }
            (1, None) => None,
            (code, want) => Some(format!(
                "seed {seed}: exit {code}, brute force {want:?}: {}\n{text}",
                r.stderr
            )),
        }
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_brute_force_can_tell_precisions_apart() {
    // The reference is only worth something if the precision matters in its cases: with
    // every demand read at bf16 instead, a good share of the optima must change.
    let mut differ = 0;
    for seed in 1..=160 {
        let case = draw(seed);
        let mut flat = case.clone();
        flat.precision = Some(2);
        if let Some(w) = flat.workloads.as_mut() {
            w.2 = None;
        }
        differ += usize::from(brute_force(&case) != brute_force(&flat));
    }
    assert!(
        differ >= 20,
        "only {differ} of 160 cases depend on precision"
    );
}

#[test]
fn the_workload_split_of_the_brute_force_is_exact() {
    // Two cards: x is good at inference only, y at both. 1 PFLOPS of each workload needs
    // x for inference and y for training: 2 x (500) + 1 y (1000 at bf16).
    let case = Case {
        cards: vec![
            Card {
                price: 1,
                figures: [None, Some(500), None, None],
                domestic: true,
                cap: 4,
            },
            Card {
                price: 10,
                figures: [None, Some(1000), Some(1000), None],
                domestic: false,
                cap: 4,
            },
        ],
        precision: Some(1),
        pflops: None,
        workloads: Some((1, 1, Some(2))),
        share10: None,
    };
    assert!(meets(&case, &[2, 1]));
    assert!(!meets(&case, &[4, 0]));
    assert!(!meets(&case, &[1, 1]));
    assert_eq!(brute_force(&case), Some(12));
}

const TWO_CARDS: &str = "name: fallback
accelerators:
  - {id: wide, vendor: V, origin: domestic, unit_price: 100, tflops: 500}
  - {id: narrow, vendor: W, origin: foreign, unit_price: 10, tflops: {fp8: 1000}}
";

#[test]
fn a_card_with_only_bf16_serves_fp8_demand_at_its_bf16_figure() {
    let text = format!("{TWO_CARDS}demand: {{pflops: 2, precision: fp8}}\n");
    let f = scenario_file("bf16-serves-fp8", &text);
    let p = optimal_plan(
        f.to_str().unwrap(),
        &["accelerators[narrow].available=false".into()],
    );
    let rows = p["purchases"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{p}");
    assert_eq!(rows[0]["id"], "wide");
    assert_eq!(rows[0]["units"], 4, "2 PFLOPS at 500 TFLOPS a card: {p}");
    assert!(close(rows[0]["pflops"].as_f64().unwrap(), 2.0), "{p}");
    assert!(close(p["pflops"].as_f64().unwrap(), 2.0), "{p}");
}

#[test]
fn a_card_listing_only_fp8_gives_nothing_at_bf16() {
    // At bf16 the cheap fp8-only card is worth nothing: the wide one is bought.
    let text = format!("{TWO_CARDS}demand: {{pflops: 2}}\n");
    let f = scenario_file("fp8-only-at-bf16", &text);
    let p = optimal_plan(f.to_str().unwrap(), &[]);
    let rows = p["purchases"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{p}");
    assert_eq!(rows[0]["id"], "wide");
    assert_eq!(rows[0]["units"], 4);
    // At fp8 it serves at its own figure (and at fp4, narrower, at the same one).
    for p8 in ["fp8", "fp4"] {
        let text = format!("{TWO_CARDS}demand: {{pflops: 2, precision: {p8}}}\n");
        let f = scenario_file(&format!("fp8-only-at-{p8}"), &text);
        let p = optimal_plan(f.to_str().unwrap(), &[]);
        let rows = p["purchases"].as_array().unwrap();
        assert_eq!(rows.len(), 1, "{p}");
        assert_eq!(rows[0]["id"], "narrow");
        assert_eq!(rows[0]["units"], 2, "{p}");
    }
    // With only the fp8 card on offer, bf16 demand cannot be met at all.
    let text = format!(
        "{}demand: {{pflops: 2}}\n",
        TWO_CARDS.replace("tflops: 500}", "tflops: 500, available: false}")
    );
    let f = scenario_file("fp8-only-infeasible", &text);
    let p = plan(f.to_str().unwrap(), &[]);
    assert_eq!(p["status"], "infeasible", "{p}");
}

#[test]
fn each_workload_is_met_at_its_precision() {
    // inference is a plain number (met at demand.precision, fp8); training asks for bf16.
    let text = format!(
        "{TWO_CARDS}demand:\n  precision: fp8\n  workloads:\n    inference: 3\n    training: {{pflops: 1, precision: bf16}}\n"
    );
    let f = scenario_file("workloads", &text);
    let p = optimal_plan(f.to_str().unwrap(), &[]);
    let units = |id: &str| {
        p["purchases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .map_or(0.0, |r| r["units"].as_f64().unwrap())
    };
    assert_eq!((units("narrow"), units("wide")), (3.0, 2.0), "{p}");
    assert!(close(p["total_cost"].as_f64().unwrap(), 230.0), "{p}");
    for row in p["allocation"].as_array().unwrap() {
        let per_card = match (row["id"].as_str(), row["workload"].as_str()) {
            (Some("narrow"), Some("inference")) => 1.0,
            (Some("wide"), _) => 0.5,
            other => panic!("unexpected allocation {other:?}: {p}"),
        };
        let want = row["units"].as_f64().unwrap() * per_card;
        assert!(close(row["pflops"].as_f64().unwrap(), want), "{row}");
    }
}

#[test]
fn the_tflops_share_basis_counts_bf16_figures() {
    // The domestic card is strong only in fp4. With 50% by tflops measured in bf16, every
    // foreign card (1000) needs ten domestic ones (100 each) beside it, so the plan buys
    // two domestic cards (20). Read at fp4, one foreign and one domestic card would do
    // (12); without the rule, four foreign cards (4).
    let text = "name: share
accelerators:
  - {id: dom, vendor: V, origin: domestic, unit_price: 10, tflops: {bf16: 100, fp4: 2000}}
  - {id: for, vendor: W, origin: foreign, unit_price: 1, tflops: {bf16: 1000}}
demand: {pflops: 4, precision: fp4}
policy: {domestic_share: {min: 0.5, basis: tflops}}
";
    let f = scenario_file("share", text);
    let p = optimal_plan(f.to_str().unwrap(), &[]);
    assert!(close(p["total_cost"].as_f64().unwrap(), 20.0), "{p}");
    let p = optimal_plan(f.to_str().unwrap(), &["policy.domestic_share.min=0".into()]);
    assert!(close(p["total_cost"].as_f64().unwrap(), 4.0), "{p}");
}

#[test]
fn max_pflops_counts_capacity_at_demand_precision() {
    let text = "name: most
objective: max_pflops
accelerators:
  - {id: a, vendor: V, origin: domestic, unit_price: 100, tflops: {bf16: 1000, fp8: 1000}}
  - {id: b, vendor: W, origin: domestic, unit_price: 100, tflops: {bf16: 500, fp8: 3000}}
demand: {precision: fp8}
limits: {budget: 1000}
";
    let f = scenario_file("max-pflops", text);
    let p = optimal_plan(f.to_str().unwrap(), &[]);
    assert_eq!(p["purchases"][0]["id"], "b", "{p}");
    assert!(close(p["pflops"].as_f64().unwrap(), 30.0), "{p}");
    // At bf16 the other card wins.
    let p = optimal_plan(f.to_str().unwrap(), &["demand.precision=bf16".into()]);
    assert_eq!(p["purchases"][0]["id"], "a", "{p}");
    assert!(close(p["pflops"].as_f64().unwrap(), 10.0), "{p}");
}

#[test]
fn a_plain_number_plans_exactly_as_its_bf16_map() {
    // Every `tflops: N` of a sample written as `{bf16: N}`, and `precision: bf16` stated:
    // the plan must be the same, figure for figure.
    let path = sample("training-inference.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut doc: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    for a in doc["accelerators"].as_sequence_mut().unwrap() {
        let t = a["tflops"].clone();
        assert!(t.is_number(), "{t:?}");
        let mut m = serde_yaml::Mapping::new();
        m.insert("bf16".into(), t);
        a["tflops"] = serde_yaml::Value::Mapping(m);
    }
    doc["demand"]["precision"] = "bf16".into();
    let f = scenario_file("as-map", &serde_yaml::to_string(&doc).unwrap());
    let before = plan(&path, &[]);
    let after = plan(f.to_str().unwrap(), &[]);
    let strip = |mut p: Value| {
        p["scenario"] = Value::Null;
        p
    };
    assert_eq!(strip(before), strip(after));
}

#[test]
fn sites_each_meet_demand_at_their_own_precision() {
    let text = "name: two sites
accelerators:
  - {id: wide, vendor: V, origin: domestic, unit_price: 100, tflops: 500}
  - {id: narrow, vendor: W, origin: domestic, unit_price: 60, tflops: {fp8: 1000}}
sites:
  - {id: serve, demand: {pflops: 2, precision: fp8}}
  - {id: train, demand: {pflops: 2}}
";
    let f = scenario_file("sites", text);
    let p = optimal_plan(f.to_str().unwrap(), &[]);
    let rows: Vec<(String, String, f64, f64)> = p["purchases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["site"].as_str().unwrap().to_string(),
                r["id"].as_str().unwrap().to_string(),
                r["units"].as_f64().unwrap(),
                r["pflops"].as_f64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("train".to_string(), "wide".to_string(), 4.0, 2.0),
        ("serve".to_string(), "narrow".to_string(), 2.0, 2.0),
    ];
    for w in &want {
        assert!(rows.contains(w), "{rows:?} lacks {w:?}");
    }
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(close(p["total_cost"].as_f64().unwrap(), 520.0), "{p}");
}

#[test]
fn an_override_sets_one_precision_of_a_card() {
    let text = format!(
        "{}demand: {{pflops: 2, precision: fp8}}\n",
        TWO_CARDS.replace("tflops: 500}", "tflops: {bf16: 500}}")
    );
    let f = scenario_file("override", &text);
    // With `narrow` off the market, `wide` needs 4 cards at its bf16 figure, or 1 with an
    // fp8 figure of 2000 set from the command line.
    let p = optimal_plan(
        f.to_str().unwrap(),
        &[
            "accelerators[wide].tflops.fp8=2000".into(),
            "accelerators[narrow].available=false".into(),
        ],
    );
    assert_eq!(p["purchases"][0]["units"], 1, "{p}");
    let r = chipmix(&[
        "plan",
        f.to_str().unwrap(),
        "--set",
        "accelerators[wide].tflops.fp16=2000",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("accelerators[wide].tflops.fp16"),
        "{}",
        r.stderr
    );
}

/// `chipmix validate` on `text`: exit 2, and each `(needle, message)` reported at the
/// needle's line and column.
fn refused(tag: &str, text: &str, expect: &[(&str, &str)]) {
    let f = scenario_file(tag, text);
    let r = chipmix(&["validate", f.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    for (needle, message) in expect {
        let (line, col) = place_of(text, needle);
        let at = format!("{}:{line}:{col}: {message}", f.display());
        assert!(r.stderr.contains(&at), "expected `{at}` in:\n{}", r.stderr);
    }
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn bad_precisions_are_refused_where_they_are_written() {
    let text = "name: bad
accelerators:
  - {id: a, vendor: V, origin: domestic, unit_price: 1, tflops: {bf16: 500, fp9: 1000}}
  - {id: b, vendor: V, origin: domestic, unit_price: 1, tflops: {fp8: -3}}
  - {id: c, vendor: V, origin: domestic, unit_price: 1, tflops: {fp8: 0, bf16: 0}}
  - {id: d, vendor: V, origin: domestic, unit_price: 1, tflops: {fp4: .nan}}
demand:
  precision: fp16
  workloads:
    inference: 1
    training: {pflops: 1, precision: int8}
";
    refused(
        "bad-precisions",
        text,
        &[
            (
                "fp9",
                "accelerators[a].tflops.fp9: `fp9` is not a precision",
            ),
            ("fp8: -3", "accelerators[b].tflops.fp8 must be >= 0, got -3"),
            (
                "tflops: {fp8: 0",
                "accelerators[c].tflops must give at least one figure > 0",
            ),
            (
                "fp4: .nan",
                "accelerators[d].tflops.fp4 must be >= 0, got .nan",
            ),
            (
                "precision: fp16",
                "demand.precision must be fp4, fp8, bf16 or fp32, got `fp16`",
            ),
            (
                "precision: int8",
                "demand.workloads.training.precision must be fp4, fp8, bf16 or fp32, got `int8`",
            ),
        ],
    );
}

#[test]
fn site_demand_precision_is_checked_too() {
    let text = "name: bad site
accelerators:
  - {id: a, vendor: V, origin: domestic, unit_price: 1, tflops: 500}
sites:
  - id: s1
    demand: {pflops: 1, precision: FP8}
";
    refused(
        "bad-site",
        text,
        &[(
            "precision: FP8",
            "sites[s1].demand.precision must be fp4, fp8, bf16 or fp32, got `FP8`",
        )],
    );
}

#[test]
fn the_2026_catalog_and_its_sample_validate_and_plan() {
    let r = chipmix(&["validate", &sample("fp8-inference-2026.yaml")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let p = optimal_plan(&sample("fp8-inference-2026.yaml"), &[]);
    assert_eq!(p["status"], "optimal");
    // The catalog: every part of the refresh, each with a source; the new parts rated
    // by precision where the press gave a figure.
    let catalog: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(sample("catalog/accelerators-2026.yaml")).unwrap(),
    )
    .unwrap();
    let list = catalog["accelerators"].as_sequence().unwrap();
    for id in [
        "h20",
        "h200",
        "b30a",
        "rtx-pro-6000d",
        "ascend-910c",
        "ascend-950pr",
        "ascend-950dt",
        "mlu690",
        "kunlunxin-p800",
        "metax-c600",
        "mtt-s5000",
        "t-head-ppu",
    ] {
        let a = list
            .iter()
            .find(|a| a["id"] == id)
            .unwrap_or_else(|| panic!("{id} is not in the 2026 catalog"));
        assert!(a["source"].as_str().is_some_and(|s| !s.is_empty()), "{id}");
        assert!(a.get("uses").is_none(), "{id}: no `uses` in the catalog");
    }
    let fp8 = |id: &str| list.iter().find(|a| a["id"] == id).unwrap()["tflops"]["fp8"].as_f64();
    assert_eq!(fp8("ascend-950pr"), Some(1000.0));
    assert_eq!(fp8("mtt-s5000"), Some(1000.0));
    // The sample: inference at fp8, training at bf16; the Ascend 910C has no fp8 figure and
    // serves at its bf16 one (780 TFLOPS).
    for row in p["allocation"].as_array().unwrap() {
        if row["id"] == "ascend-910c" {
            let want = row["units"].as_f64().unwrap() * 0.78;
            assert!(close(row["pflops"].as_f64().unwrap(), want), "{row}");
        }
        if row["id"] == "ascend-950pr" {
            let per = if row["workload"] == "inference" {
                1.0
            } else {
                0.5
            };
            let want = row["units"].as_f64().unwrap() * per;
            assert!(close(row["pflops"].as_f64().unwrap(), want), "{row}");
        }
    }
}

#[cfg(feature = "highs")]
#[test]
fn highs_agrees_on_the_sample_and_the_reference_cases() {
    let mut files = vec![sample("fp8-inference-2026.yaml")];
    for seed in 1..=40 {
        let f = scenario_file(&format!("highs-{seed}"), &yaml(&draw(seed)));
        files.push(f.to_str().unwrap().to_string());
    }
    for f in &files {
        let run = |solver: &str| {
            let r = chipmix(&[
                "plan",
                f,
                "--format",
                "json",
                "--solver",
                solver,
                "--mip-gap",
                "0",
            ]);
            (r.code, json(&r.stdout))
        };
        let ((ca, a), (cb, b)) = (run("microlp"), run("highs"));
        assert_eq!((ca, &a["status"]), (cb, &b["status"]), "{f}");
        if ca == 0 {
            // Two optima may differ in PFLOPS; their cost may not.
            let (x, y) = (
                a["total_cost"].as_f64().unwrap(),
                b["total_cost"].as_f64().unwrap(),
            );
            assert!(close(x, y), "{f}: total_cost {x} vs {y}");
        }
    }
}

#[test]
fn a_workload_of_the_wrong_type_is_reported_once() {
    // Regression: the loader nulls a value of the wrong type and reads the file again; a
    // nulled workload must not be reported again (it was, 50 times, "unit value").
    let text = "name: x
accelerators:
  - {id: a, vendor: V, origin: domestic, unit_price: 1, tflops: {fp8: abc}}
demand: {workloads: {a: {pflops: x, precision: fp8}, b: 1}}
";
    let f = scenario_file("wrong-type", text);
    let r = chipmix(&["validate", f.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("accelerators[a].tflops: the TFLOPS figure for `fp8`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("demand.workloads.a: invalid type"),
        "{}",
        r.stderr
    );
}

#[test]
fn check_reads_allocations_at_their_precision() {
    // `chipmix check` accepts the sample's plan, and refuses it when the 950PR's inference
    // row states its BF16 PFLOPS instead of its FP8 ones.
    let scenario = sample("fp8-inference-2026.yaml");
    let p = optimal_plan(&scenario, &[]);
    let saved = scenario_file("saved-plan", &p.to_string());
    let r = chipmix(&["check", &scenario, saved.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let mut bad = p.clone();
    let row = bad["allocation"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r["id"] == "ascend-950pr" && r["workload"] == "inference")
        .expect("the 950PR serves inference");
    let units = row["units"].as_f64().unwrap();
    row["pflops"] = (units * 0.5).into();
    let saved = scenario_file("bad-plan", &bad.to_string());
    let r = chipmix(&["check", &scenario, saved.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        format!("{}{}", r.stdout, r.stderr).contains("allocation"),
        "{}{}",
        r.stdout,
        r.stderr
    );
}
