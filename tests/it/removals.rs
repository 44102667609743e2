//! Removals and moves of installed fleets (section 6 of the format: `existing[].removal`,
//! `costs.relocation_per_unit`).
//!
//! - `matches_brute_force`: small seeded scenarios (1-2 sites, 1-2 periods; an installed
//!   foreign fleet at the first site that may be taken out, and moved to the second; a
//!   domestic card and a foreign card to buy; demand, a domestic share that may reach
//!   100%, energy) planned at gap 0 and compared with an enumeration of every purchase and
//!   every removal and move, judged here from the format's formulas. Nothing here calls
//!   chipmix's model or checker. With `--features highs` HiGHS must give the same optimum.
//! - Properties: allowing removal never raises the cost when salvage >= cost; the plan's
//!   removals are re-checked by `chipmix check` and a tampered one is caught.
//! - `explain` proposes taking out units that may not be removed today.
//! - The file's places: every new field's errors exit 2 with file:line:col.

use crate::support::random::{Draw, SplitMix};
use crate::support::reference;
use crate::support::{chipmix, close, json, par_map, place_of, sample, scenario_file};
use chipmix::plan::{Plan, Status};
use chipmix::solve::Backend;

/// Hours in a year, as the format counts them.
const HOURS: f64 = 8760.0;

/// A generated scenario. Site 0 has `installed` foreign units (card `old`) that may be taken
/// out for `salvage - cost` each and, with two sites, moved to site 1 for `relocation`
/// each; both sites may buy the domestic card `dom` and the foreign card `new` in lots.
#[derive(Debug, Clone)]
struct Case {
    installed: i64,
    /// Salvage value and removal cost per unit.
    salvage: i64,
    cost: i64,
    relocation: i64,
    /// Whether the entry has `removal` at all.
    removable: bool,
    /// Price, TFLOPS and power of the cards: old (not sold), dom, new.
    price: [i64; 3],
    tflops: [i64; 3],
    power_w: [i64; 3],
    lot: [i64; 3],
    /// demand[s][t] in PFLOPS and the domestic share minimum per site and period, in
    /// percent.
    demand: Vec<Vec<i64>>,
    share: Vec<Vec<i64>>,
    /// Energy price per kWh, in thousandths.
    energy_milli: i64,
    years: Vec<i64>,
}

impl Case {
    fn draw(seed: u64) -> Case {
        let mut r = SplitMix(seed);
        let ns = r.range(1, 2) as usize;
        let nt = r.range(1, 2) as usize;
        let salvage = r.range(0, 6) * 100;
        Case {
            installed: r.range(1, 4),
            salvage,
            cost: r.range(0, 4) * 100,
            relocation: r.range(0, 8) * 100,
            removable: r.chance(85),
            price: [0, r.range(10, 30) * 100, r.range(8, 25) * 100],
            tflops: [
                r.range(5, 9) * 100,
                r.range(5, 9) * 100,
                r.range(5, 9) * 100,
            ],
            power_w: [
                r.range(4, 9) * 100,
                r.range(4, 9) * 100,
                r.range(4, 9) * 100,
            ],
            lot: [1, r.pick(&[1, 2]), r.pick(&[1, 2])],
            demand: (0..ns)
                .map(|_| (0..nt).map(|_| r.range(0, 3)).collect())
                .collect(),
            share: (0..ns)
                .map(|_| (0..nt).map(|_| r.pick(&[0, 50, 50, 100])).collect())
                .collect(),
            energy_milli: r.pick(&[0, 100, 300]),
            years: (0..nt as i64).map(|t| 2025 + t).collect(),
        }
    }

    fn yaml(&self) -> String {
        let per = |v: &[i64], f: &dyn Fn(i64) -> String| -> String {
            let parts: Vec<String> = self
                .years
                .iter()
                .zip(v)
                .map(|(y, x)| format!("{y}: {}", f(*x)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        };
        let ns = self.demand.len();
        let mut y = String::from("name: removals reference\n");
        y += &format!("periods: {:?}\n", self.years);
        y += "accelerators:\n";
        let names = ["old", "dom", "new"];
        let origin = ["foreign", "domestic", "foreign"];
        for a in 0..3 {
            y += &format!(
                "  - {{id: {}, vendor: V{a}, origin: {}, unit_price: {}, tflops: {}, power_w: {}, lot_size: {}{}}}\n",
                names[a],
                origin[a],
                self.price[a],
                self.tflops[a],
                self.power_w[a],
                self.lot[a],
                if a == 0 { ", available: false" } else { "" }
            );
        }
        y += &format!(
            "costs: {{energy_price_per_kwh: {}, opex_years: 1, relocation_per_unit: {}}}\n",
            self.energy_milli as f64 / 1000.0,
            if ns > 1 { self.relocation } else { 0 }
        );
        y += "sites:\n";
        for s in 0..ns {
            y += &format!(
                "  - id: s{s}\n    demand: {{pflops: {}}}\n    domestic_share: {{min: {}}}\n",
                per(&self.demand[s], &|x| x.to_string()),
                per(&self.share[s], &|x| format!("{}", x as f64 / 100.0)),
            );
            if s == 0 {
                y += &format!(
                    "    existing:\n      - id: old\n        units: {}\n",
                    self.installed
                );
                if self.removable {
                    y += &format!(
                        "        removal: {{salvage_value: {}, cost: {}{}}}\n",
                        self.salvage,
                        self.cost,
                        if ns > 1 { ", move_to: [s1]" } else { "" }
                    );
                }
            }
        }
        y += "solver: {mip_gap: 0, time_limit_s: 30}\n";
        y
    }

    /// Energy of one unit of card `a` over one period (each period spans one year here).
    fn energy(&self, a: usize) -> f64 {
        self.power_w[a] as f64 / 1000.0 * HOURS * self.energy_milli as f64 / 1000.0
    }

    /// The least total cost over every purchase, removal and move, or `None` when nothing
    /// meets every rule. Given the removals and moves, the sites are independent: each
    /// site's purchases are enumerated on their own. Purchases of the foreign card go up to
    /// what covers the largest demand alone, of the domestic card up to that or to as many
    /// units as every foreign unit the site could hold (the share rules need no more; any
    /// fleet beyond that only costs more).
    fn brute_force(&self) -> Option<f64> {
        let (ns, nt) = (self.demand.len(), self.years.len());
        let top = self.demand.iter().flatten().copied().max().unwrap_or(0);
        let lots_for = |a: usize| {
            (top * 1000 + self.tflops[a] * self.lot[a] - 1) / (self.tflops[a] * self.lot[a])
        };
        let most_new = lots_for(2);
        let foreign = self.installed + most_new * self.lot[2];
        let most_dom = lots_for(1).max((foreign + self.lot[1] - 1) / self.lot[1]);
        // Every split of the installed units into (removed, moved) per period.
        let mut changes: Vec<Vec<(i64, i64)>> = vec![vec![]];
        for _ in 0..nt {
            let mut next = Vec::new();
            for prefix in &changes {
                let used: i64 = prefix.iter().map(|(r, m)| r + m).sum();
                let left = if self.removable {
                    self.installed - used
                } else {
                    0
                };
                for r in 0..=left {
                    let moves = if ns > 1 { left - r } else { 0 };
                    for m in 0..=moves {
                        let mut v = prefix.clone();
                        v.push((r, m));
                        next.push(v);
                    }
                }
            }
            changes = next;
        }
        let mut best: Option<f64> = None;
        'changes: for ch in &changes {
            let mut total: f64 = ch
                .iter()
                .map(|&(r, m)| ((self.cost - self.salvage) * r + self.relocation * m) as f64)
                .sum();
            for s in 0..ns {
                let mut site_best: Option<f64> = None;
                let mut x = vec![0i64; nt * 2];
                self.walk(s, ch, &mut x, 0, (most_dom, most_new), &mut site_best);
                match site_best {
                    Some(c) => total += c,
                    None => continue 'changes,
                }
            }
            if best.is_none_or(|b| total < b) {
                best = Some(total);
            }
        }
        best
    }

    /// Depth-first over site `s`'s purchases (slot `t * 2 + k`, k = 0 dom, 1 new).
    fn walk(
        &self,
        s: usize,
        ch: &[(i64, i64)],
        x: &mut Vec<i64>,
        k: usize,
        most: (i64, i64),
        best: &mut Option<f64>,
    ) {
        if k == x.len() {
            if let Some(c) = self.judge(s, ch, x)
                && best.is_none_or(|b| c < b)
            {
                *best = Some(c);
            }
            return;
        }
        let (a, top) = if k.is_multiple_of(2) {
            (1, most.0)
        } else {
            (2, most.1)
        };
        for lots in 0..=top {
            x[k] = lots * self.lot[a];
            self.walk(s, ch, x, k + 1, most, best);
        }
        x[k] = 0;
    }

    /// Site `s`'s cost (purchases and energy) with purchases `x` and changes `ch`, or
    /// `None` when one of its rules breaks.
    fn judge(&self, s: usize, ch: &[(i64, i64)], x: &[i64]) -> Option<f64> {
        let nt = self.years.len();
        let mut total = 0.0;
        for t in 0..nt {
            let removed: i64 = ch[..=t].iter().map(|(r, _)| r).sum();
            let moved: i64 = ch[..=t].iter().map(|(_, m)| m).sum();
            let old = if s == 0 {
                self.installed - removed - moved
            } else {
                moved
            };
            let bought = |k: usize| (0..=t).map(|b| x[b * 2 + k]).sum::<i64>();
            let fleet = [old, bought(0), bought(1)];
            let tflops: i64 = (0..3).map(|a| fleet[a] * self.tflops[a]).sum();
            if tflops < self.demand[s][t] * 1000 {
                return None;
            }
            let units: i64 = fleet.iter().sum();
            if fleet[1] * 100 < self.share[s][t] * units {
                return None;
            }
            total += (0..3)
                .map(|a| fleet[a] as f64 * self.energy(a))
                .sum::<f64>();
            total += (x[t * 2] * self.price[1] + x[t * 2 + 1] * self.price[2]) as f64;
        }
        Some(total)
    }
}

fn plan_with(yaml: &str, backend: Backend) -> Plan {
    reference::plan_at_gap_zero(yaml, backend)
}

/// Seeds of the reference cases.
const CASES: u64 = 48;

#[test]
fn matches_brute_force() {
    let seeds: Vec<u64> = (0..CASES).collect();
    let failures = reference::disagreements(&seeds, |seed| {
        let case = Case::draw(seed);
        (case.yaml(), case.brute_force())
    });
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The cases are not all one kind: some are infeasible, some plans take units out, and
    // some move them.
    let plans: Vec<Plan> = seeds
        .iter()
        .map(|&s| plan_with(&Case::draw(s).yaml(), Backend::Microlp))
        .collect();
    assert!(plans.iter().any(|p| p.status == Status::Infeasible));
    assert!(
        plans
            .iter()
            .any(|p| p.removals.iter().any(|r| r.moved_to.is_none()))
    );
    assert!(
        plans
            .iter()
            .any(|p| p.removals.iter().any(|r| r.moved_to.is_some()))
    );
}

#[test]
fn allowing_removal_never_raises_the_cost_when_salvage_covers_it() {
    let seeds: Vec<u64> = (100..124).collect();
    let failures: Vec<String> = par_map(&seeds, 2, |&seed| {
        let mut case = Case::draw(seed);
        case.salvage = case.salvage.max(case.cost);
        case.removable = false;
        let without = plan_with(&case.yaml(), Backend::Microlp);
        case.removable = true;
        let with = plan_with(&case.yaml(), Backend::Microlp);
        match (without.total_cost, with.total_cost) {
            (Some(a), Some(b)) if b > a + 1e-6 * a.abs().max(1.0) => {
                vec![format!("seed {seed}: {b} with removal > {a} without")]
            }
            (Some(_), None) => vec![format!("seed {seed}: no plan once removal is allowed")],
            _ => vec![],
        }
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_sample_moves_and_sells_and_check_recomputes_it() {
    let path = sample("state-funded-removal-2026.yaml");
    let run = chipmix(&["plan", &path, "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan = json(&run.stdout);
    let rows = plan["removals"].as_array().expect("removals");
    let units = |moved: bool| -> f64 {
        rows.iter()
            .filter(|r| r["moved_to"].is_string() == moved)
            .map(|r| r["units"].as_f64().unwrap())
            .sum()
    };
    // From 2026 the state-funded site may hold no foreign card: all 256 leave it, most
    // moved to the private site (moving costs 1,500 a card, a new Ascend 28,600).
    assert_eq!(units(true) + units(false), 256.0);
    assert!(units(true) > units(false));
    let state = &plan["sites"][0];
    for p in state["periods"].as_array().unwrap() {
        if p["period"].as_i64().unwrap() >= 2026 {
            assert_eq!(p["domestic_share"]["value"].as_f64(), Some(1.0));
        }
    }
    // The removal cost is the rows' costs (no discount rate here) and part of the total.
    let cost: f64 = rows.iter().map(|r| r["cost"].as_f64().unwrap()).sum();
    assert!(close(cost, plan["removal"].as_f64().unwrap()));
    let parts = ["capex", "opex", "adoption", "removal"]
        .iter()
        .map(|k| plan[*k].as_f64().unwrap())
        .sum::<f64>();
    assert!(close(parts, plan["total_cost"].as_f64().unwrap()));

    // `chipmix check` agrees, and catches one unit too many moved, and a wrong cost.
    let saved = scenario_file("plan.json", &run.stdout);
    let ok = chipmix(&["check", &path, saved.to_str().unwrap()]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    let mut tampered = plan.clone();
    let k = rows.iter().position(|r| r["moved_to"].is_string()).unwrap();
    let u = tampered["removals"][k]["units"].as_f64().unwrap();
    tampered["removals"][k]["units"] = serde_json::json!(u + 1.0);
    let bad = scenario_file("tampered.json", &tampered.to_string());
    let run = chipmix(&["check", &path, bad.to_str().unwrap()]);
    assert_ne!(run.code, 0);
    assert!(
        run.stdout
            .contains("taken out or moved so far <= 256 installed"),
        "{}",
        run.stdout
    );
    let mut tampered = plan.clone();
    tampered["removals"][0]["cost"] = serde_json::json!(0.0);
    let bad = scenario_file("cost.json", &tampered.to_string());
    let run = chipmix(&["check", &path, bad.to_str().unwrap()]);
    assert_ne!(run.code, 0);
    assert!(
        run.stdout.contains("removals[0].cost states 0"),
        "{}",
        run.stdout
    );
}

#[test]
fn explain_proposes_taking_out_what_may_not_be_removed() {
    let text = std::fs::read_to_string(sample("state-funded-removal-2026.yaml")).unwrap();
    let start = text.find("        removal:").unwrap();
    let end = text.find("  - id: gd-private").unwrap();
    let without = format!("{}{}", &text[..start], &text[end..]);
    let path = scenario_file("no-removal.yaml", &without);
    let path = path.to_str().unwrap();
    let plan = chipmix(&["plan", path]);
    assert_eq!(plan.code, 1, "{}", plan.stdout);
    let run = chipmix(&["explain", path, "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let e = json(&run.stdout);
    let fix = e["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "sites[sh-state-ai].existing[h800].removal")
        .unwrap_or_else(|| panic!("no removal fix: {}", run.stdout));
    assert!(
        fix["says"]
            .as_str()
            .unwrap()
            .starts_with("take out 256 units of h800 at site sh-state-ai by 2026"),
        "{fix}"
    );
    // The fix, applied, gives a plan.
    let applied = chipmix(&["plan", path, "--set", fix["set"].as_str().unwrap()]);
    assert_eq!(applied.code, 0, "{}", applied.stdout);
}

#[test]
fn bad_removals_name_their_place() {
    let base = "name: bad removals
periods: [2025, 2026]
accelerators:
  - {id: h800, vendor: Nvidia, origin: foreign, unit_price: 30000, tflops: 989, available: false}
  - {id: asc, vendor: Huawei, origin: domestic, unit_price: 20000, tflops: 780}
sites:
  - id: a
    demand: {pflops: 10}
    existing:
      - id: h800
        units: 8
        removal: REMOVAL
  - id: b
    demand: {pflops: 10}
";
    for (removal, needle, says) in [
        (
            "{salvage_value: -5}",
            "salvage_value",
            "sites[a].existing[0].removal.salvage_value must be >= 0, got -5",
        ),
        (
            "{cost: -1}",
            "cost: -1",
            "sites[a].existing[0].removal.cost must be >= 0, got -1",
        ),
        (
            "{move_to: [c]}",
            "move_to",
            "sites[a].existing[0].removal.move_to[0] `c` is not a site of this scenario",
        ),
        (
            "{move_to: [a]}",
            "move_to",
            "`a` is the site the units are at: a site may not list itself",
        ),
        (
            "{move_to: [b, b]}",
            "move_to",
            "sites[a].existing[0].removal.move_to[1] `b` is listed twice",
        ),
        ("{resale: 5}", "resale", "resale"),
    ] {
        let text = base.replace("REMOVAL", removal);
        let path = scenario_file("bad", &text);
        let run = chipmix(&["plan", path.to_str().unwrap()]);
        assert_eq!(run.code, 2, "{removal}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{removal}: {}", run.stderr);
        let (line, _) = place_of(&text, needle);
        assert!(
            run.stderr.contains(&format!("bad.yaml:{line}:")),
            "{removal}: not placed at line {line}: {}",
            run.stderr
        );
    }
    // Moving needs sites.
    let text = "name: one site
accelerators:
  - {id: h800, vendor: Nvidia, origin: foreign, unit_price: 30000, tflops: 989}
demand: {pflops: 1}
existing:
  - {id: h800, units: 2, removal: {move_to: [elsewhere]}}
";
    let path = scenario_file("nosites.yaml", text);
    let run = chipmix(&["plan", path.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("moving units needs `sites`"),
        "{}",
        run.stderr
    );
}

#[test]
fn sweeps_have_a_removal_column_that_adds_up() {
    let path = sample("state-funded-removal-2026.yaml");
    let run = chipmix(&[
        "sweep",
        &path,
        "--param",
        "costs.relocation_per_unit",
        "--values",
        "1500,30000",
        "--format",
        "csv",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut rd = csv::Reader::from_reader(run.stdout.as_bytes());
    let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    let col = |k: &str| header.iter().position(|h| h == k).unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    let num = |r: &csv::StringRecord, k: &str| r[col(k)].parse::<f64>().unwrap();
    for r in &rows {
        let parts = num(r, "capex") + num(r, "opex") + num(r, "adoption") + num(r, "removal");
        assert!(close(parts, num(r, "total_cost")), "{r:?}");
    }
    // Each point's removal is what its own plan says.
    for (r, reloc) in rows.iter().zip(["1500", "30000"]) {
        let plan = chipmix(&[
            "plan",
            &path,
            "--set",
            &format!("costs.relocation_per_unit={reloc}"),
            "--format",
            "json",
        ]);
        let plan = json(&plan.stdout);
        assert!(close(num(r, "removal"), plan["removal"].as_f64().unwrap()));
    }
    // Selling beats moving at 30,000 a card: the removals bring money in.
    assert!(num(&rows[1], "removal") < 0.0);
}

/// The removal sample's two sites, once per pair number in `ks` (ids numbered), with the Ascend
/// 910C's national supply capped at `cap` per period when given: beyond the 100 purchase
/// decisions microlp's exact search takes, so the rounded relaxation and the decomposition
/// plan it.
fn pairs(ks: std::ops::Range<usize>, cap: Option<u64>) -> String {
    let text = std::fs::read_to_string(sample("state-funded-removal-2026.yaml")).unwrap();
    let (head, sites) = text.split_once("\nsites:\n").expect("a sites section");
    let head = match cap {
        Some(m) => head.replace(
            "    lot_size: 8\n    source: \"TechPowerUp",
            &format!("    lot_size: 8\n    max_units: {m}\n    source: \"TechPowerUp"),
        ),
        None => head.to_string(),
    };
    let mut out = format!("{head}\nsites:\n");
    for k in ks {
        // Demands differ a little from pair to pair, so that no two are the same problem.
        let site = sites
            .replace("sh-state-ai", &format!("sh-state-ai-{k}"))
            .replace("gd-private", &format!("gd-private-{k}"))
            .replace("2026: 300,", &format!("2026: {},", 300 + 8 * k));
        out.push_str(&site);
    }
    out
}

/// Installed units at `site` that a JSON plan takes out or moves.
fn changed_at(p: &serde_json::Value, site: &str) -> f64 {
    p["removals"]
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter(|r| r["site"] == site)
                .map(|r| r["units"].as_f64().unwrap())
                .sum()
        })
        .unwrap_or(0.0)
}

#[test]
fn the_decomposition_takes_out_and_moves_installed_units() {
    // Ten independent pairs: the national optimum is the sum of each pair's, and each is
    // found by the exact search on the pair alone (one pair is small).
    let many = scenario_file("pairs-10", &pairs(0..10, None));
    let p = crate::support::plan(many.to_str().unwrap(), &[]);
    assert_eq!(p["status"], "optimal", "{p}");
    let mut sum = 0.0;
    for k in 0..10 {
        sum += reference::optimum(&pairs(k..k + 1, None), Backend::Microlp)
            .expect("each pair alone is solved exactly")
            .expect("each pair has a plan");
        // A state-funded site runs domestic cards only: all 256 H800s change.
        let site = format!("sh-state-ai-{k}");
        assert!(close(changed_at(&p, &site), 256.0), "{site}");
    }
    let total = p["total_cost"].as_f64().unwrap();
    assert!(close(total, sum), "{total} vs the pairs' sum {sum}");
    let slots = 20 * 2 * 3;
    assert!(slots > chipmix::search::MICROLP_EXACT_SLOTS);
    // `chipmix check` recomputes the plan from the scenario, removals included.
    let dir = std::env::temp_dir().join(format!("chipmix-tests-{}", std::process::id()));
    let plan_file = dir.join("removals-pairs-10.json");
    std::fs::write(&plan_file, p.to_string()).unwrap();
    let r = chipmix(&["check", many.to_str().unwrap(), plan_file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn a_coupled_decomposition_bounds_and_plans_within_the_optimum() {
    // A national Ascend cap that binds: the pairs compete for it, so the decomposition
    // prices it. Its bound never exceeds the optimum (HiGHS on the whole model), and its
    // plan never costs less.
    let text = pairs(0..12, Some(8800));
    let file = scenario_file("pairs-12-capped", &text);
    let p = crate::support::plan(file.to_str().unwrap(), &[]);
    assert!(crate::support::has_plan(&p), "{p}");
    reference::between_bound_and_plan(file.to_str().unwrap(), &p);
    for k in 0..12 {
        let site = format!("sh-state-ai-{k}");
        assert!(close(changed_at(&p, &site), 256.0), "{site}");
    }
    for year in [2026, 2027] {
        let bought: f64 = p["purchases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["id"] == "ascend-910c" && r["period"] == year)
            .map(|r| r["units"].as_f64().unwrap())
            .sum();
        assert!(bought <= 8800.0, "{year}: {bought}");
    }
}

#[test]
fn hard_parts_solved_to_a_gap_keep_the_bound_below_the_optimum() {
    // Every part joins two sites (units may move), so every part is hard and is solved to
    // a share of the plan's gap: its proven bound, not its plan's cost, enters the
    // Lagrangian bound, which stays below the optimum (HiGHS on the whole model).
    let text = pairs(0..12, Some(8800));
    let file = scenario_file("pairs-12-capped-gap", &text);
    let path = file.to_str().unwrap();
    let run = chipmix(&["plan", path, "--mip-gap", "0.01", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let p = json(&run.stdout);
    reference::between_bound_and_plan(path, &p);
    if p["status"] == "optimal" {
        let gap = p["gap"].as_f64().expect("a gap");
        assert!(gap <= 0.01 + 1e-12, "{gap}");
    }
    for k in 0..12 {
        let site = format!("sh-state-ai-{k}");
        assert!(close(changed_at(&p, &site), 256.0), "{site}");
    }
    let saved = scenario_file("pairs-gap-plan.json", &run.stdout);
    let ok = chipmix(&["check", path, saved.to_str().unwrap()]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
}
