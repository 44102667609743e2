//! Resources (section 6 of the format): national caps per period on a scarce input that
//! new cards use (`resources`, `accelerators[].uses`).
//!
//! - `matches_brute_force`: small seeded scenarios (1-2 sites, 1-2 periods, 2-3
//!   accelerators, 1-2 resources) planned at gap 0 and compared with an enumeration of
//!   every lot vector, judged here from the format's formulas in integers (demand per site
//!   and period, resource caps, supply caps, cost). Nothing here calls chipmix's model or
//!   checker. With `--features highs` HiGHS must give the same optimum. (The conflict
//!   analysis of infeasible cases is tested on its own.)
//! - Properties: a tighter cap never lowers the cost; a cap nothing reaches changes
//!   nothing; the plan's `resources` rows are the use its purchases give.
//! - The file's places: every new field's errors exit 2 with file:line:col.
//! - Conflicts, shadow prices, `chipmix check`, the decomposition and sweeps see the rule.

use crate::support::random::{Draw, SplitMix};
use crate::support::reference;
use crate::support::{chipmix, close, json, place_of, scenario_file};
use chipmix::plan::Plan;
use chipmix::solve::Backend;

/// One accelerator of a generated scenario, in integers.
#[derive(Debug, Clone)]
struct Card {
    price: i64,
    tflops: i64,
    lot: i64,
    max_units: Option<i64>,
    /// Units of each resource per card.
    uses: Vec<i64>,
}

/// A generated scenario: its cards, sites x periods demand in whole PFLOPS, and resource
/// caps per period.
#[derive(Debug, Clone)]
struct Case {
    cards: Vec<Card>,
    /// demand[s][t], PFLOPS.
    demand: Vec<Vec<i64>>,
    /// caps[r][t].
    caps: Vec<Vec<i64>>,
    years: Vec<i64>,
}

impl Case {
    fn draw(seed: u64) -> Case {
        let mut r = SplitMix(seed);
        let ns = r.range(1, 2) as usize;
        let nt = r.range(1, 2) as usize;
        let na = if ns * nt == 4 {
            2
        } else {
            r.range(2, 3) as usize
        };
        let nr = r.range(1, 2) as usize;
        let cards = (0..na)
            .map(|_| Card {
                price: r.range(5, 40) * 100,
                tflops: r.range(2, 10) * 100,
                lot: r.pick(&[1, 2, 4]),
                max_units: r.chance(25).then(|| r.range(2, 12)),
                uses: (0..nr)
                    .map(|_| if r.chance(70) { r.range(1, 8) } else { 0 })
                    .collect(),
            })
            .collect();
        let demand = (0..ns)
            .map(|_| (0..nt).map(|_| r.range(1, 5)).collect())
            .collect();
        let caps = (0..nr)
            .map(|_| (0..nt).map(|_| r.range(0, 60)).collect())
            .collect();
        let mut case = Case {
            cards,
            demand,
            caps,
            years: (0..nt as i64).map(|t| 2025 + t).collect(),
        };
        // Keep the enumeration small: stronger cards (fewer lots cover the demand) until
        // at most 200,000 vectors remain.
        while case.vectors() > 200_000.0 {
            for c in &mut case.cards {
                c.tflops *= 2;
            }
        }
        case
    }

    /// Lots of card a that cover the largest demand on their own: more never helps.
    fn most(&self) -> Vec<i64> {
        let top = self.demand.iter().flatten().copied().max().unwrap_or(0);
        self.cards
            .iter()
            .map(|c| (top * 1000 + c.tflops * c.lot - 1) / (c.tflops * c.lot))
            .collect()
    }

    /// How many lot vectors the brute force may visit.
    fn vectors(&self) -> f64 {
        let slots = self.demand.len() * self.years.len();
        self.most()
            .iter()
            .map(|m| (*m as f64 + 1.0).powi(slots as i32))
            .product()
    }

    fn yaml(&self) -> String {
        let mut y = String::from("name: resources reference\n");
        let nt = self.years.len();
        let per = |v: &[i64]| -> String {
            let parts: Vec<String> = self
                .years
                .iter()
                .zip(v)
                .map(|(y, x)| format!("{y}: {x}"))
                .collect();
            format!("{{{}}}", parts.join(", "))
        };
        y += &format!("periods: {:?}\n", self.years);
        y += "resources:\n";
        for (r, cap) in self.caps.iter().enumerate() {
            y += &format!("  - {{id: res{r}, cap: {}}}\n", per(cap));
        }
        y += "accelerators:\n";
        for (a, c) in self.cards.iter().enumerate() {
            let uses: Vec<String> = c
                .uses
                .iter()
                .enumerate()
                .filter(|(_, u)| **u > 0)
                .map(|(r, u)| format!("res{r}: {u}"))
                .collect();
            y += &format!(
                "  - {{id: c{a}, vendor: V{a}, origin: domestic, unit_price: {}, tflops: {}, lot_size: {}{}{}}}\n",
                c.price,
                c.tflops,
                c.lot,
                c.max_units
                    .map(|m| format!(", max_units: {m}"))
                    .unwrap_or_default(),
                if uses.is_empty() {
                    String::new()
                } else {
                    format!(", uses: {{{}}}", uses.join(", "))
                }
            );
        }
        y += "sites:\n";
        for (s, d) in self.demand.iter().enumerate() {
            y += &format!("  - {{id: s{s}, demand: {{pflops: {}}}}}\n", per(d));
        }
        let _ = nt;
        y += "solver: {mip_gap: 0, time_limit_s: 30}\n";
        y
    }

    /// The least cost over every lot vector (each purchase at most what covers the largest
    /// demand alone), or `None` when none meets every rule. A depth-first enumeration that
    /// only cuts branches already over a cap or already dearer than the best found (every
    /// price is >= 0 and caps only fill up), so every vector that could be the answer is
    /// judged.
    fn brute_force(&self) -> Option<i64> {
        let (na, ns, nt) = (self.cards.len(), self.demand.len(), self.years.len());
        let most = self.most();
        let mut walk = Walk {
            case: self,
            dims: (na, ns, nt),
            most,
            x: vec![0; ns * nt * na],
            best: None,
        };
        walk.go(0, 0);
        walk.best
    }
}

/// The depth-first enumeration of [`Case::brute_force`]; slot `k` is `(t * ns + s) * na + a`.
struct Walk<'a> {
    case: &'a Case,
    dims: (usize, usize, usize),
    most: Vec<i64>,
    /// Units per slot.
    x: Vec<i64>,
    best: Option<i64>,
}

impl Walk<'_> {
    fn at(&self, a: usize, s: usize, t: usize) -> i64 {
        let (na, ns, _) = self.dims;
        self.x[(t * ns + s) * na + a]
    }

    /// Every rule that only purchases of period `t` fill (supply and resource caps).
    fn caps_hold(&self, t: usize) -> bool {
        let (na, ns, _) = self.dims;
        let c = self.case;
        let supply = c.cards.iter().enumerate().all(|(a, card)| {
            card.max_units
                .is_none_or(|m| (0..ns).map(|s| self.at(a, s, t)).sum::<i64>() <= m)
        });
        let resources = c.caps.iter().enumerate().all(|(r, cap)| {
            let used: i64 = (0..ns)
                .flat_map(|s| (0..na).map(move |a| (s, a)))
                .map(|(s, a)| self.at(a, s, t) * c.cards[a].uses[r])
                .sum();
            used <= cap[t]
        });
        supply && resources
    }

    fn demand_holds(&self) -> bool {
        let (na, ns, nt) = self.dims;
        let c = self.case;
        (0..ns).all(|s| {
            (0..nt).all(|t| {
                // Units serve for ever: the fleet is every purchase so far.
                let tf: i64 = (0..na)
                    .map(|a| (0..=t).map(|b| self.at(a, s, b)).sum::<i64>() * c.cards[a].tflops)
                    .sum();
                tf >= c.demand[s][t] * 1000
            })
        })
    }

    fn go(&mut self, k: usize, cost: i64) {
        let (na, ns, _) = self.dims;
        if self.best.is_some_and(|b| cost >= b) {
            return;
        }
        if k == self.x.len() {
            if self.demand_holds() {
                self.best = Some(cost);
            }
            return;
        }
        let a = k % na;
        let t = k / (na * ns);
        let card = &self.case.cards[a];
        for lots in 0..=self.most[a] {
            self.x[k] = lots * card.lot;
            if !self.caps_hold(t) {
                break;
            }
            self.go(k + 1, cost + self.x[k] * card.price);
        }
        self.x[k] = 0;
    }
}

fn plan_with(yaml: &str, backend: Backend) -> Plan {
    reference::plan_at_gap_zero(yaml, backend)
}

/// Seeds of the reference cases.
const CASES: u64 = 60;

#[test]
fn matches_brute_force() {
    let seeds: Vec<u64> = (0..CASES).collect();
    let failures = reference::disagreements(&seeds, |seed| {
        let case = Case::draw(seed);
        (case.yaml(), case.brute_force().map(|c| c as f64))
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The cases are not all one kind: some are infeasible, and in some a cap binds.
    let verdicts: Vec<Option<i64>> = seeds.iter().map(|&s| Case::draw(s).brute_force()).collect();
    assert!(verdicts.iter().any(Option::is_none), "no infeasible case");
    assert!(
        seeds.iter().any(|&s| {
            let p = plan_with(&Case::draw(s).yaml(), Backend::Microlp);
            p.binding.iter().any(|b| b.starts_with("resource:"))
        }),
        "no case where a resource cap binds"
    );
}

/// A national scenario with an HBM pool, for the properties below.
const HBM: &str = "name: hbm
periods: [2025, 2026]
resources:
  - {id: hbm-stacks, name: HBM stacks, cap: {2025: 400, 2026: 800}}
accelerators:
  - {id: asc, vendor: Huawei, origin: domestic, unit_price: 10000, tflops: 800, power_w: 600, lot_size: 8, uses: {hbm-stacks: 8}}
  - {id: cam, vendor: Cambricon, origin: domestic, unit_price: 14000, tflops: 700, power_w: 500, lot_size: 8, uses: {hbm-stacks: 4}}
  - {id: h20, vendor: Nvidia, origin: foreign, unit_price: 12000, tflops: 148, power_w: 400, lot_size: 8}
sites:
  - id: a
    demand: {pflops: {2025: 40, 2026: 80}}
  - id: b
    demand: {pflops: {2025: 20, 2026: 60}}
policy: {domestic_share: {min: 0.5}}
costs: {energy_price_per_kwh: 0.08, opex_years: 3}
";

fn plan_json(path: &std::path::Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["plan", path.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    let r = chipmix(&args);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    json(&r.stdout)
}

#[test]
fn a_tighter_cap_never_lowers_the_cost_and_a_loose_one_changes_nothing() {
    let path = scenario_file("hbm", HBM);
    let mut last = 0.0;
    for cap in [100000, 800, 600, 500, 400, 300] {
        let set = format!("resources[hbm-stacks].cap={{2025: {cap}, 2026: 800}}");
        let p = plan_json(&path, &["--set", &set]);
        if p["status"] == "infeasible" {
            assert!(cap <= 400, "cap {cap}: {p}");
            continue;
        }
        assert_eq!(p["status"], "optimal", "cap {cap}");
        let cost = p["total_cost"].as_f64().unwrap();
        assert!(cost >= last - 1e-6 * cost, "cap {cap}: {cost} < {last}");
        last = cost;
        // The plan's rows are the use its purchases give, against the cap.
        let used: f64 = p["purchases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["period"] == 2025)
            .map(|x| {
                x["units"].as_f64().unwrap()
                    * match x["id"].as_str().unwrap() {
                        "asc" => 8.0,
                        "cam" => 4.0,
                        _ => 0.0,
                    }
            })
            .sum();
        let row = &p["resources"][0]["periods"][0];
        assert_eq!(row["period"], 2025);
        assert!(
            close(row["used"].as_f64().unwrap(), used),
            "{row} vs {used}"
        );
        assert!(close(row["cap"].as_f64().unwrap(), cap as f64));
        assert!(used <= cap as f64 + 1e-9);
    }
    // Without the resources at all, the cost is that of the loosest cap.
    let without = HBM
        .replace(
            "resources:\n  - {id: hbm-stacks, name: HBM stacks, cap: {2025: 400, 2026: 800}}\n",
            "",
        )
        .replace(", uses: {hbm-stacks: 8}", "")
        .replace(", uses: {hbm-stacks: 4}", "");
    let free = plan_json(&scenario_file("hbm-free", &without), &[]);
    let loose = plan_json(&path, &["--set", "resources[hbm-stacks].cap=100000"]);
    assert!(free.get("resources").is_none(), "no resources, no rows");
    assert!(close(
        free["total_cost"].as_f64().unwrap(),
        loose["total_cost"].as_f64().unwrap()
    ));
}

#[test]
fn a_binding_cap_is_named_priced_and_checked() {
    let path = scenario_file("hbm-explain", HBM);
    let p = plan_json(&path, &[]);
    let binding: Vec<&str> = p["binding"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap())
        .collect();
    assert!(binding.contains(&"resource:hbm-stacks"), "{binding:?}");
    // explain prices it per unit of the resource, re-solved with the cap one lower.
    let r = chipmix(&["explain", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let e = json(&r.stdout);
    let prices = e["shadow_prices"].as_array().expect("shadow prices");
    let hbm: Vec<&serde_json::Value> = prices
        .iter()
        .filter(|q| q["constraint"] == "resource:hbm-stacks")
        .collect();
    assert!(!hbm.is_empty(), "{prices:?}");
    assert!(
        hbm.iter()
            .any(|q| q["value"].as_f64().is_some_and(|v| v > 0.0)),
        "{hbm:?}"
    );
    // chipmix check re-checks the rows: a stated use that the purchases do not give is a
    // problem.
    let saved = scenario_file("hbm-plan", &serde_json::to_string(&p).unwrap());
    let ok = chipmix(&["check", path.to_str().unwrap(), saved.to_str().unwrap()]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    let mut wrong = p.clone();
    wrong["resources"][0]["periods"][0]["used"] = serde_json::json!(1.0);
    let saved = scenario_file("hbm-wrong", &serde_json::to_string(&wrong).unwrap());
    let bad = chipmix(&["check", path.to_str().unwrap(), saved.to_str().unwrap()]);
    assert_eq!(bad.code, 1, "{}{}", bad.stdout, bad.stderr);
    assert!(
        bad.stdout.contains("resources[0].periods[0].used"),
        "{}",
        bad.stdout
    );
    // A plan whose purchases use more than the cap breaks the rule.
    let mut over = p.clone();
    for row in over["purchases"].as_array_mut().unwrap() {
        if row["id"] == "asc" && row["period"] == 2025 {
            row["units"] = serde_json::json!(200);
        }
    }
    let saved = scenario_file("hbm-over", &serde_json::to_string(&over).unwrap());
    let broken = chipmix(&["check", path.to_str().unwrap(), saved.to_str().unwrap()]);
    assert_eq!(broken.code, 1);
    assert!(
        broken.stdout.contains("resources[hbm-stacks].cap"),
        "{}",
        broken.stdout
    );
}

#[test]
fn a_cap_too_tight_is_a_conflict_with_its_figures() {
    let text = HBM
        .replace("{2025: 400, 2026: 800}", "{2025: 100, 2026: 800}")
        .replace(
            "lot_size: 8}\nsites",
            "lot_size: 8, available: false}\nsites",
        );
    let path = scenario_file("hbm-tight", &text);
    let r = chipmix(&["plan", path.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("status infeasible"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("resources[hbm-stacks].cap for 2025 is 100"),
        "{}",
        r.stdout
    );
}

#[test]
fn the_decomposition_and_the_direct_model_agree() {
    // Four sites share one pool: the decomposition prices it.
    let mut text = String::from(
        "name: pool\nperiods: [2025, 2026]\nresources:\n  - {id: hbm, cap: {2025: 900, 2026: 1200}}\naccelerators:\n  - {id: asc, vendor: Huawei, origin: domestic, unit_price: 10000, tflops: 800, lot_size: 8, uses: {hbm: 8}}\n  - {id: cam, vendor: Cambricon, origin: domestic, unit_price: 14000, tflops: 700, lot_size: 8, uses: {hbm: 4}}\n  - {id: kun, vendor: Kunlunxin, origin: domestic, unit_price: 16000, tflops: 500, lot_size: 8}\nsites:\n",
    );
    for s in 0..4 {
        text += &format!(
            "  - {{id: s{s}, demand: {{pflops: {{2025: {}, 2026: {}}}}}}}\n",
            10 + 7 * s,
            20 + 9 * s
        );
    }
    let path = scenario_file("pool", &text);
    let direct = plan_json(&path, &["--strategy", "direct", "--mip-gap", "0"]);
    let decomposed = plan_json(&path, &["--strategy", "decompose", "--mip-gap", "0"]);
    assert_eq!(direct["status"], "optimal");
    let (d, c) = (
        direct["total_cost"].as_f64().unwrap(),
        decomposed["total_cost"].as_f64().unwrap(),
    );
    // The decomposition's plan is checked and never below the proven optimum; proven, it
    // is the optimum.
    assert!(c >= d - 1e-6 * d, "{c} < {d}");
    if decomposed["status"] == "optimal" {
        assert!(close(c, d), "{c} vs {d}");
    }
    for p in [&direct, &decomposed] {
        for row in p["resources"][0]["periods"].as_array().unwrap() {
            assert!(row["used"].as_f64().unwrap() <= row["cap"].as_f64().unwrap() + 1e-6);
        }
    }
}

#[test]
fn bad_resources_name_the_place() {
    let base = "name: bad\nresources:\n  - {id: hbm, cap: 10}\naccelerators:\n  - {id: a, vendor: V, origin: domestic, unit_price: 1, tflops: 100, uses: {hbm: 2}}\ndemand: {pflops: 0.1}\n";
    for (tag, from, to, needle, says) in [
        (
            "unknown",
            "uses: {hbm: 2}",
            "uses: {hmb: 2}",
            "hmb: 2",
            "accelerators[a].uses.hmb: `hmb` is not a resource (did you mean `hbm`?)",
        ),
        (
            "negative-use",
            "uses: {hbm: 2}",
            "uses: {hbm: -2}",
            "hbm: -2",
            "accelerators[a].uses.hbm must be >= 0, got -2",
        ),
        (
            "negative-cap",
            "cap: 10",
            "cap: -10",
            "cap: -10",
            "resources[hbm].cap must be >= 0, got -10",
        ),
        (
            "no-cap",
            "{id: hbm, cap: 10}",
            "{id: hbm}",
            "{id: hbm}",
            "resources[hbm].cap is required",
        ),
        (
            "bad-id",
            "{id: hbm, cap: 10}",
            "{id: HBM, cap: 10}",
            "HBM",
            "resources[0].id `HBM` must use only a-z",
        ),
        (
            "per-year-without-periods",
            "cap: 10",
            "cap: {2025: 10}",
            "{2025: 10}",
            "resources[hbm].cap is given per year, which needs `periods`",
        ),
    ] {
        let text = base.replace(from, to);
        let path = scenario_file(&format!("bad-{tag}"), &text);
        let r = chipmix(&["validate", path.to_str().unwrap()]);
        assert_eq!(r.code, 2, "{tag}: {}{}", r.stdout, r.stderr);
        let (line, col) = place_of(&text, needle);
        let name = path.file_name().unwrap().to_str().unwrap();
        let _ = col;
        assert!(
            r.stderr.contains(&format!("{name}:{line}:")) && r.stderr.contains(says),
            "{tag}: expected {name}:{line}: ... {says}, got:\n{}",
            r.stderr
        );
    }
    // A resource no card uses caps nothing: a warning says so, and the plan goes on.
    let unused = base.replace(", uses: {hbm: 2}", "");
    let path = scenario_file("unused", &unused);
    let r = chipmix(&["plan", path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("resources[hbm] caps nothing"),
        "{}",
        r.stderr
    );
}

#[test]
fn sweeps_over_a_cap_reuse_looser_plans_and_stay_monotone() {
    let path = scenario_file("hbm-sweep", HBM);
    let r = chipmix(&[
        "sweep",
        path.to_str().unwrap(),
        "--param",
        "resources[hbm-stacks].cap",
        "--values",
        "2000,1200,800",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = json(&r.stdout);
    let points = s.as_array().expect("one object per point");
    assert_eq!(points.len(), 3, "{s}");
    for p in points {
        assert_eq!(p["status"], "optimal", "{p}");
    }
    let costs: Vec<f64> = points
        .iter()
        .map(|p| p["total_cost"].as_f64().expect("a cost"))
        .collect();
    assert!(
        costs[0] <= costs[1] + 1e-6 && costs[1] <= costs[2] + 1e-6,
        "{costs:?}"
    );
}

/// Writes every reference case's YAML to `$CHIPMIX_RESOURCES_DIR` (for looking at one).
#[test]
#[ignore]
fn show() {
    let dir = std::env::var("CHIPMIX_RESOURCES_DIR").unwrap_or_else(|_| "/tmp".into());
    for seed in 0..CASES {
        let c = Case::draw(seed);
        std::fs::write(format!("{dir}/resources-{seed}.yaml"), c.yaml()).unwrap();
        let started = std::time::Instant::now();
        let best = c.brute_force();
        println!("{seed}: {best:?} in {:.2?}", started.elapsed());
    }
}
