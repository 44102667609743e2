//! Whole systems (`systems`, section 6 of the format): supernodes bought whole, counting as
//! their cards in every rule but capex (their own price) and power (their extra watts).
//!
//! - A brute-force reference on small seeded cases (one site, one period, one or two cards,
//!   none to two system types): every mix of loose lots and whole systems is enumerated and
//!   judged from the format's formulas, and the planner's optimum must match (with
//!   `--features highs`, HiGHS's too).
//! - Adding a system type never raises the optimal cost.
//! - A system's extra power counts against `limits.power_kw`, and in the plan's kW.
//! - `available: false` on the accelerator forbids loose cards, not systems.
//! - Bad `systems` entries exit 2 with `file:line:col`; `chipmix check` catches a tampered
//!   system row.
//! - A sweep's and a comparison's `units.<id>` count the cards inside systems.
//! - `explain` offers a system made available as a fix of an infeasible scenario.

use crate::support::random::{Draw, SplitMix};
use crate::support::reference;
use crate::support::{chipmix, close, json, par_map, place_of, sample, scenario_file};
use chipmix::solve::Backend;

/// A loose card of a generated case.
#[derive(Debug, Clone)]
struct Card {
    price: i64,
    tflops: i64,
    power_w: i64,
    lot: i64,
}

/// A system type of a generated case.
#[derive(Debug, Clone)]
struct Sys {
    card: usize,
    cards: i64,
    price: i64,
    extra_w: i64,
}

/// A small scenario: one site, one period, `pue` 1, one year of energy at full use.
#[derive(Debug, Clone)]
struct Case {
    cards: Vec<Card>,
    systems: Vec<Sys>,
    /// Demand in TFLOPS (the file says PFLOPS).
    demand_tf: i64,
    power_kw: i64,
    /// Energy price in thousandths per kWh.
    energy_milli: i64,
}

const HOURS: f64 = 8760.0;

impl Case {
    fn draw(seed: u64) -> Case {
        let mut r = SplitMix(seed.wrapping_mul(7919) + 11);
        let n_cards = r.range(1, 2) as usize;
        let cards: Vec<Card> = (0..n_cards)
            .map(|_| Card {
                price: r.range(100, 1000),
                tflops: r.range(100, 900),
                power_w: r.range(100, 700),
                lot: [1, 2, 4][r.range(0, 2) as usize],
            })
            .collect();
        let n_sys = r.range(0, 2) as usize;
        let systems = (0..n_sys)
            .map(|_| {
                let card = r.range(0, n_cards as i64 - 1) as usize;
                let n = r.range(2, 6);
                Sys {
                    card,
                    cards: n,
                    price: n * cards[card].price * r.range(55, 110) / 100,
                    extra_w: r.range(0, 1500),
                }
            })
            .collect();
        Case {
            cards,
            systems,
            demand_tf: r.range(500, 4000),
            power_kw: r.range(3, 12),
            energy_milli: r.range(0, 200),
        }
    }

    fn yaml(&self, with_systems: bool) -> String {
        let mut y = String::from("name: systems case\naccelerators:\n");
        for (i, c) in self.cards.iter().enumerate() {
            y += &format!(
                "  - {{id: c{i}, vendor: V{i}, origin: domestic, unit_price: {}, tflops: {}, power_w: {}, lot_size: {}}}\n",
                c.price, c.tflops, c.power_w, c.lot
            );
        }
        if with_systems && !self.systems.is_empty() {
            y += "systems:\n";
            for (b, s) in self.systems.iter().enumerate() {
                y += &format!(
                    "  - {{id: s{b}, accelerator: c{}, cards: {}, price: {}, extra_power_w: {}}}\n",
                    s.card, s.cards, s.price, s.extra_w
                );
            }
        }
        y += &format!(
            "demand: {{pflops: {}}}\nlimits: {{power_kw: {}}}\ncosts: {{energy_price_per_kwh: {}, pue: 1, utilization: 1, opex_years: 1}}\n",
            self.demand_tf as f64 / 1000.0,
            self.power_kw,
            self.energy_milli as f64 / 1000.0
        );
        y
    }

    /// The cost of loose units `x` and systems `y`, or `None` when they break a rule, read
    /// straight from the format.
    fn judge(&self, x: &[i64], y: &[i64]) -> Option<f64> {
        let mut fleet: Vec<i64> = x.to_vec();
        let mut capex: f64 = x
            .iter()
            .zip(&self.cards)
            .map(|(n, c)| (n * c.price) as f64)
            .sum();
        let mut extra = 0.0;
        for (s, &n) in self.systems.iter().zip(y) {
            fleet[s.card] += n * s.cards;
            capex += (n * s.price) as f64;
            extra += (n * s.extra_w) as f64;
        }
        let tf: i64 = fleet
            .iter()
            .zip(&self.cards)
            .map(|(n, c)| n * c.tflops)
            .sum();
        let watts: f64 = fleet
            .iter()
            .zip(&self.cards)
            .map(|(n, c)| (n * c.power_w) as f64)
            .sum::<f64>()
            + extra;
        let kw = watts / 1000.0;
        if tf < self.demand_tf || kw > self.power_kw as f64 + 1e-9 {
            return None;
        }
        Some(capex + kw * HOURS * self.energy_milli as f64 / 1000.0)
    }

    /// The least cost over every mix (with or without the systems), `None` if none meets
    /// the rules.
    fn brute_force(&self, with_systems: bool) -> Option<f64> {
        let lots_max: Vec<i64> = self
            .cards
            .iter()
            .map(|c| (self.demand_tf + c.tflops - 1) / c.tflops / c.lot + 1)
            .collect();
        let sys_max: Vec<i64> = self
            .systems
            .iter()
            .map(|s| {
                if with_systems {
                    let tf = s.cards * self.cards[s.card].tflops;
                    (self.demand_tf + tf - 1) / tf
                } else {
                    0
                }
            })
            .collect();
        let mut best: Option<f64> = None;
        let mut x = vec![0i64; self.cards.len()];
        let mut y = vec![0i64; self.systems.len()];
        loop {
            let units: Vec<i64> = x.iter().zip(&self.cards).map(|(l, c)| l * c.lot).collect();
            if let Some(c) = self.judge(&units, &y) {
                best = Some(best.map_or(c, |b: f64| b.min(c)));
            }
            // Next combination (odometer over lots, then systems).
            let mut i = 0;
            loop {
                if i < x.len() {
                    if x[i] < lots_max[i] {
                        x[i] += 1;
                        break;
                    }
                    x[i] = 0;
                } else {
                    let j = i - x.len();
                    if j >= y.len() {
                        return best;
                    }
                    if y[j] < sys_max[j] {
                        y[j] += 1;
                        break;
                    }
                    y[j] = 0;
                }
                i += 1;
            }
        }
    }
}

fn optimum(yaml: &str, backend: Backend) -> Result<Option<f64>, String> {
    reference::optimum(yaml, backend)
}

const CASES: u64 = 24;

#[test]
fn matches_brute_force() {
    let seeds: Vec<u64> = (0..CASES).collect();
    let failures = reference::disagreements(&seeds, |seed| {
        let case = Case::draw(seed);
        (case.yaml(true), case.brute_force(true))
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_cases_buy_systems_sometimes() {
    // The reference would prove little if no optimum bought a system.
    let buying = (0..CASES)
        .map(Case::draw)
        .filter(|c| {
            c.brute_force(true)
                .zip(c.brute_force(false))
                .is_some_and(|(with, without)| with < without - 1e-6)
        })
        .count();
    assert!(buying >= 3, "only {buying} cases are cheaper with systems");
}

#[test]
fn systems_never_raise_cost() {
    let seeds: Vec<u64> = (100..100 + CASES).collect();
    let failures: Vec<String> = par_map(&seeds, 2, |&seed| {
        let case = Case::draw(seed);
        let with = optimum(&case.yaml(true), Backend::Microlp);
        let without = optimum(&case.yaml(false), Backend::Microlp);
        match (with, without) {
            (Ok(w), Ok(wo)) => {
                let worse = match (w, wo) {
                    (Some(w), Some(wo)) => w > wo + 1e-6 * wo.abs().max(1.0),
                    (None, Some(_)) => true,
                    _ => false,
                };
                worse.then(|| format!("seed {seed}: with {w:?}, without {wo:?}"))
            }
            (a, b) => Some(format!("seed {seed}: {a:?} / {b:?}")),
        }
    })
    .into_iter()
    .flatten()
    .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// One card (1 kW each) and a system of 4 of them for less than 4 loose cards, with 2 kW of
/// extra power.
fn power_case(power_kw: f64) -> String {
    format!(
        "name: extra power
accelerators:
  - {{id: d, vendor: V, origin: domestic, unit_price: 1000, tflops: 1000, power_w: 1000}}
systems:
  - {{id: box, accelerator: d, cards: 4, price: 3000, extra_power_w: 2000}}
demand: {{pflops: 4}}
limits: {{power_kw: {power_kw}}}
costs: {{energy_price_per_kwh: 0, pue: 1.5, utilization: 1, opex_years: 1}}
"
    )
}

#[test]
fn extra_power_counts_against_the_power_limit() {
    // Room for the system: 1.5 x (4 x 1000 + 2000) W = 9 kW.
    let roomy = scenario_file("roomy", &power_case(9.0));
    let p = json(&chipmix(&["plan", roomy.to_str().unwrap(), "--format", "json"]).stdout);
    assert_eq!(p["status"], "optimal");
    assert!(close(p["total_cost"].as_f64().unwrap(), 3000.0), "{p}");
    assert_eq!(p["purchases"][0]["system"], "box", "{p}");
    assert_eq!(p["purchases"][0]["units"], 1, "{p}");
    assert!(close(p["facility_kw"].as_f64().unwrap(), 9.0), "{p}");
    // The fleet counts the system's cards, and its kW the system's extra power.
    assert_eq!(p["fleet"][0]["units"], 4, "{p}");
    assert!(
        close(p["fleet"][0]["facility_kw"].as_f64().unwrap(), 9.0),
        "{p}"
    );
    // 8.9 kW: the system's extra power does not fit, four loose cards (6 kW) do.
    let tight = scenario_file("tight", &power_case(8.9));
    let p = json(&chipmix(&["plan", tight.to_str().unwrap(), "--format", "json"]).stdout);
    assert_eq!(p["status"], "optimal");
    assert!(close(p["total_cost"].as_f64().unwrap(), 4000.0), "{p}");
    assert!(p["purchases"][0].get("system").is_none(), "{p}");
    assert!(close(p["facility_kw"].as_f64().unwrap(), 6.0), "{p}");
}

#[test]
fn an_unavailable_card_can_still_come_in_systems() {
    let text = power_case(100.0).replace("power_w: 1000}", "power_w: 1000, available: false}");
    let path = scenario_file("unavailable", &text);
    let p = json(&chipmix(&["plan", path.to_str().unwrap(), "--format", "json"]).stdout);
    assert_eq!(p["status"], "optimal", "{p}");
    let rows = p["purchases"].as_array().unwrap();
    assert!(
        rows.iter().all(|r| r["system"] == "box"),
        "only systems may be bought: {p}"
    );
    // And with the system unavailable too there is no plan.
    let text = text.replace(
        "extra_power_w: 2000}",
        "extra_power_w: 2000, available: false}",
    );
    let path = scenario_file("none", &text);
    let r = chipmix(&["plan", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
}

#[test]
fn systems_are_whole_even_when_the_model_is_continuous() {
    // Demand 4.5 PFLOPS, continuous: 4.5 loose cards cost 4500, one system and 0.5 card
    // 3500; half a system (1500 + ...) is not allowed.
    let text =
        power_case(100.0).replace("pflops: 4}", "pflops: 4.5}") + "solver: {integer: false}\n";
    let path = scenario_file("continuous", &text);
    let p = json(&chipmix(&["plan", path.to_str().unwrap(), "--format", "json"]).stdout);
    assert_eq!(p["status"], "optimal", "{p}");
    assert!(close(p["total_cost"].as_f64().unwrap(), 3500.0), "{p}");
}

#[test]
fn bad_systems_exit_2_with_their_place() {
    let base = power_case(100.0);
    let cases = [
        (
            "accelerator: d,",
            "accelerator: dd,",
            "accelerator: dd",
            "did you mean `d`?",
        ),
        ("cards: 4,", "cards: 0,", "cards: 0", "whole number"),
        ("cards: 4,", "cards: 2.5,", "cards: 2.5", "whole number"),
        ("price: 3000,", "price: -1,", "price: -1", "price"),
        (
            "extra_power_w: 2000",
            "extra_power_w: -5",
            "extra_power_w: -5",
            "extra_power_w",
        ),
        ("id: box,", "id: Box!,", "id: Box!", "must use only"),
    ];
    for (k, (from, to, at, says)) in cases.iter().enumerate() {
        let text = base.replace(from, to);
        let path = scenario_file(&format!("bad{k}"), &text);
        let r = chipmix(&["validate", path.to_str().unwrap()]);
        assert_eq!(r.code, 2, "{to}: {}", r.stderr);
        let (line, col) = place_of(&text, at);
        let place = format!("{}:{line}:{col}", path.display());
        assert!(
            r.stderr.contains(&place),
            "{to}: wants {place}: {}",
            r.stderr
        );
        assert!(r.stderr.contains(says), "{to}: wants {says}: {}", r.stderr);
    }
    // A duplicate id.
    let text = base.replace(
        "systems:\n",
        "systems:\n  - {id: box, accelerator: d, cards: 2, price: 1}\n",
    );
    let path = scenario_file("dup", &text);
    let r = chipmix(&["validate", path.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("listed twice"), "{}", r.stderr);
}

#[test]
fn check_catches_a_tampered_system_row() {
    let scenario = sample("cloudmatrix-2026.yaml");
    let r = chipmix(&["plan", &scenario, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let good = scenario_file("plan-good", &r.stdout);
    let ok = chipmix(&["check", &scenario, good.to_str().unwrap()]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    let mut v = json(&r.stdout);
    let row = v["purchases"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|r| r.get("system").is_some())
        .expect("the sample buys a system");
    // One system more, its cost left as it was.
    let units = row["units"].as_f64().unwrap();
    row["units"] = serde_json::json!(units + 1.0);
    let bad = scenario_file("plan-bad", &v.to_string());
    let r = chipmix(&["check", &scenario, bad.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("cloudmatrix-384"), "{}", r.stdout);
}

/// A case over one or two sites and one or two periods: one card, one system type, with
/// national caps on cards (loose and in systems) and on systems, demand per site and
/// period, power per site, and discounting over the years.
#[derive(Debug, Clone)]
struct Grid {
    sites: usize,
    periods: usize,
    card: Card,
    sys: Sys,
    /// Demand in TFLOPS per site and period.
    demand_tf: Vec<Vec<i64>>,
    power_kw: Vec<i64>,
    card_cap: Option<i64>,
    sys_cap: Option<i64>,
    energy_milli: i64,
}

const YEARS: [i64; 2] = [2025, 2026];
const RATE: f64 = 0.1;

impl Grid {
    fn draw(seed: u64) -> Grid {
        let mut r = SplitMix(seed.wrapping_mul(104_729) + 3);
        let sites = r.range(1, 2) as usize;
        let periods = r.range(1, 2) as usize;
        let card = Card {
            price: r.range(100, 1000),
            tflops: r.range(500, 900),
            power_w: r.range(100, 700),
            lot: r.range(1, 2),
        };
        let cards = r.range(2, 4);
        let sys = Sys {
            card: 0,
            cards,
            price: cards * card.price * r.range(55, 110) / 100,
            extra_w: r.range(0, 1500),
        };
        let demand_tf = (0..sites)
            .map(|_| {
                let first = r.range(300, 1800);
                (0..periods)
                    .map(|t| first + t as i64 * r.range(0, 1200))
                    .collect()
            })
            .collect();
        Grid {
            sites,
            periods,
            card,
            sys,
            demand_tf,
            power_kw: (0..sites).map(|_| r.range(2, 8)).collect(),
            card_cap: (r.range(0, 2) == 0).then(|| r.range(3, 8)),
            sys_cap: (r.range(0, 2) == 0).then(|| r.range(0, 2)),
            energy_milli: r.range(0, 200),
        }
    }

    fn per_year(&self, v: &[i64], scale: f64) -> String {
        if self.periods == 1 {
            return format!("{}", v[0] as f64 / scale);
        }
        let parts: Vec<String> = (0..self.periods)
            .map(|t| format!("{}: {}", YEARS[t], v[t] as f64 / scale))
            .collect();
        format!("{{{}}}", parts.join(", "))
    }

    fn yaml(&self) -> String {
        let c = &self.card;
        let mut y = String::from("name: systems grid\n");
        if self.periods == 2 {
            y += "periods: [2025, 2026]\n";
        }
        y += &format!(
            "accelerators:\n  - {{id: c0, vendor: V, origin: domestic, unit_price: {}, tflops: {}, power_w: {}, lot_size: {}{}}}\n",
            c.price,
            c.tflops,
            c.power_w,
            c.lot,
            self.card_cap
                .map(|m| format!(", max_units: {m}"))
                .unwrap_or_default()
        );
        y += &format!(
            "systems:\n  - {{id: s0, accelerator: c0, cards: {}, price: {}, extra_power_w: {}{}}}\n",
            self.sys.cards,
            self.sys.price,
            self.sys.extra_w,
            self.sys_cap
                .map(|m| format!(", max_units: {m}"))
                .unwrap_or_default()
        );
        if self.sites == 1 {
            y += &format!(
                "demand: {{pflops: {}}}\nlimits: {{power_kw: {}}}\n",
                self.per_year(&self.demand_tf[0], 1000.0),
                self.power_kw[0]
            );
        } else {
            y += "sites:\n";
            for s in 0..self.sites {
                y += &format!(
                    "  - {{id: s{s}, demand: {{pflops: {}}}, power_kw: {}}}\n",
                    self.per_year(&self.demand_tf[s], 1000.0),
                    self.power_kw[s]
                );
            }
        }
        y += &format!(
            "costs: {{energy_price_per_kwh: {}, pue: 1, utilization: 1, opex_years: 1, discount_rate: {RATE}}}\n",
            self.energy_milli as f64 / 1000.0
        );
        y
    }

    /// The cost of loose units `x[s][t]` and systems `y[s][t]`, or `None` when they break a
    /// rule: cards serve for ever, a period's spending is discounted to the first year.
    fn judge(&self, x: &[Vec<i64>], y: &[Vec<i64>]) -> Option<f64> {
        let (c, b) = (&self.card, &self.sys);
        let mut total = 0.0;
        for t in 0..self.periods {
            let bought: i64 = (0..self.sites).map(|s| x[s][t] + b.cards * y[s][t]).sum();
            if self.card_cap.is_some_and(|m| bought > m) {
                return None;
            }
            if self
                .sys_cap
                .is_some_and(|m| (0..self.sites).map(|s| y[s][t]).sum::<i64>() > m)
            {
                return None;
            }
            let disc = 1.0 / (1.0 + RATE).powi(t as i32);
            for s in 0..self.sites {
                let loose: i64 = (0..=t).map(|u| x[s][u]).sum();
                let systems: i64 = (0..=t).map(|u| y[s][u]).sum();
                let fleet = loose + b.cards * systems;
                if fleet * c.tflops < self.demand_tf[s][t] {
                    return None;
                }
                let kw = (fleet * c.power_w + systems * b.extra_w) as f64 / 1000.0;
                if kw > self.power_kw[s] as f64 + 1e-9 {
                    return None;
                }
                let capex = (x[s][t] * c.price + y[s][t] * b.price) as f64;
                // Each period spans one year (the last counts opex_years = 1).
                let opex = kw * HOURS * self.energy_milli as f64 / 1000.0;
                total += disc * (capex + opex);
            }
        }
        Some(total)
    }

    fn brute_force(&self) -> Option<f64> {
        let (c, b) = (&self.card, &self.sys);
        let most = self.demand_tf.iter().flatten().copied().max().unwrap_or(0);
        let lots = (most + c.tflops - 1) / c.tflops / c.lot + 1;
        let systems = (most + b.cards * c.tflops - 1) / (b.cards * c.tflops);
        let cells = self.sites * self.periods;
        let mut pick = vec![(0i64, 0i64); cells];
        let mut best: Option<f64> = None;
        loop {
            let mut x = vec![vec![0; self.periods]; self.sites];
            let mut y = vec![vec![0; self.periods]; self.sites];
            for (k, &(l, n)) in pick.iter().enumerate() {
                x[k / self.periods][k % self.periods] = l * c.lot;
                y[k / self.periods][k % self.periods] = n;
            }
            if let Some(v) = self.judge(&x, &y) {
                best = Some(best.map_or(v, |b: f64| b.min(v)));
            }
            let mut k = 0;
            loop {
                if k == cells {
                    return best;
                }
                if pick[k].0 < lots {
                    pick[k].0 += 1;
                    break;
                }
                pick[k].0 = 0;
                if pick[k].1 < systems {
                    pick[k].1 += 1;
                    break;
                }
                pick[k].1 = 0;
                k += 1;
            }
        }
    }
}

#[test]
fn matches_brute_force_over_sites_and_periods() {
    let seeds: Vec<u64> = (0..16).collect();
    let failures = reference::disagreements(&seeds, |seed| {
        let grid = Grid::draw(seed);
        (grid.yaml(), grid.brute_force())
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The grid must hold cases of several sites and periods that buy systems.
    let rich = (0..16)
        .map(Grid::draw)
        .filter(|g| g.sites * g.periods > 1 && g.brute_force().is_some())
        .count();
    assert!(
        rich >= 4,
        "only {rich} feasible cases of several sites or periods"
    );
}

/// A domestic card that only comes in boxes of 4 (loose cards unavailable) and a cheaper
/// foreign card, no energy cost: the rules below decide the mix.
fn mix_case(extra: &str) -> String {
    format!(
        "name: mix
accelerators:
  - {{id: d, vendor: D, origin: domestic, platform: cann, unit_price: 1000, tflops: 1000, power_w: 1000, available: false}}
  - {{id: f, vendor: F, origin: foreign, unit_price: 500, tflops: 1000, power_w: 1000}}
systems:
  - {{id: box, accelerator: d, cards: 4, price: 3000}}
demand: {{pflops: 5}}
costs: {{energy_price_per_kwh: 0, pue: 1, utilization: 1, opex_years: 2}}
{extra}"
    )
}

fn optimal_cost(tag: &str, text: &str) -> f64 {
    let path = scenario_file(tag, text);
    let p = json(&chipmix(&["plan", path.to_str().unwrap(), "--format", "json"]).stdout);
    assert_eq!(p["status"], "optimal", "{tag}: {p}");
    p["total_cost"].as_f64().unwrap()
}

#[test]
fn a_systems_price_is_domestic_spend() {
    // Five foreign cards (2,500) have no domestic spend; one box and one foreign card
    // (3,500) have 3,000 of 3,500 (86%); two boxes cost 6,000.
    let cost = optimal_cost(
        "spend",
        &mix_case("policy: {domestic_share: {min: 0.6, basis: spend}}\n"),
    );
    assert!(close(cost, 3500.0), "{cost}");
    // Without the rule the foreign cards win.
    assert!(close(optimal_cost("free", &mix_case("")), 2500.0));
}

#[test]
fn systems_adopt_their_platform_and_draw_on_resources() {
    // Adopting `cann` costs 1,000: one box and a foreign card now cost 4,500, still less
    // than two boxes (7,000).
    let text = mix_case("policy: {domestic_share: {min: 0.6}}\ncosts_extra: x\n")
        .replace("costs_extra: x\n", "")
        .replace(
            "opex_years: 2}",
            "opex_years: 2, platform_adoption: {cann: 1000}}",
        );
    // By units: one box and one foreign card are 4 of 5 domestic (80%).
    assert!(close(optimal_cost("adopt", &text), 4500.0));
    // Each d card uses one HBM stack and 4 are there: one box fits, the rule holds.
    let hbm = text.replace(
        "origin: domestic, platform: cann,",
        "origin: domestic, platform: cann, uses: {hbm: 1},",
    ) + "resources:\n  - {id: hbm, cap: 4}\n";
    assert!(close(optimal_cost("hbm", &hbm), 4500.0));
    // With 3 stacks no box fits, and the share cannot be met.
    let short = hbm.replace("cap: 4}", "cap: 3}");
    let path = scenario_file("short", &short);
    let r = chipmix(&["plan", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
}

#[test]
fn residual_value_credits_a_system_on_its_price() {
    // Bought at year 0 with a 4-year life, horizon 2 years: half of 3,000 comes back.
    let text = mix_case("policy: {domestic_share: {min: 0.6}}\n")
        .replace("available: false}", "available: false, lifetime_years: 4}")
        .replace(
            "opex_years: 2}",
            "opex_years: 2, residual_value: straight_line}",
        );
    let path = scenario_file("residual", &text);
    let p = json(&chipmix(&["plan", path.to_str().unwrap(), "--format", "json"]).stdout);
    assert_eq!(p["status"], "optimal", "{p}");
    assert!(close(p["residual"].as_f64().unwrap(), 1500.0), "{p}");
    assert!(
        close(p["total_cost"].as_f64().unwrap(), 3500.0 - 1500.0),
        "{p}"
    );
}

#[test]
fn per_year_system_fields_need_periods_and_every_year() {
    let base = power_case(100.0);
    let text = base.replace(
        "extra_power_w: 2000}",
        "extra_power_w: 2000, max_units: {2025: 1}}",
    );
    let path = scenario_file("peryear", &text);
    let r = chipmix(&["validate", path.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("needs `periods`"), "{}", r.stderr);
    let text = format!("periods: [2025, 2026]\n{text}")
        .replace("pflops: 4}", "pflops: {2025: 4, 2026: 4}}");
    let path = scenario_file("missing-year", &text);
    let r = chipmix(&["validate", path.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("gives no value for 2026"), "{}", r.stderr);
}

#[test]
fn the_energy_discount_covers_a_systems_extra_power() {
    // Energy at 0.1 per kWh over a year, PUE 1.5. Four loose cards: 4,000 and 6 kW
    // (5,256 of energy); one box: 3,000 and 7.5 kW with its 1 kW extra (6,570). Without a
    // discount the loose cards win (9,256 against 9,570); with half off the energy of an
    // all-domestic fleet the box does (3,000 + 3,285 against 4,000 + 2,628).
    let text = power_case(100.0)
        .replace("extra_power_w: 2000", "extra_power_w: 1000")
        .replace("energy_price_per_kwh: 0,", "energy_price_per_kwh: 0.1,");
    assert!(close(optimal_cost("no-discount", &text), 9256.0));
    let text = text.replace(
        "opex_years: 1}",
        "opex_years: 1, domestic_energy_discount: {rate: 0.5, min_share: 1.0}}",
    );
    assert!(close(optimal_cost("discount", &text), 6285.0));
}

#[test]
fn a_sweep_counts_the_cards_inside_systems() {
    // The CloudMatrix sample with no system allowed, and with its 2 a year: the sweep's
    // `units.ascend-910c` is the plan's new cards, loose or in systems, at each point.
    let f = sample("cloudmatrix-2026.yaml");
    let param = "systems[cloudmatrix-384].max_units";
    let r = chipmix(&[
        "sweep", &f, "--param", param, "--values", "0,2", "--format", "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows = json(&r.stdout);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    for (row, max) in rows.iter().zip(["0", "2"]) {
        let p = crate::support::plan(&f, &[format!("{param}={max}")]);
        let systems: f64 = p["purchases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["system"].is_string())
            .map(|b| b["units"].as_f64().unwrap())
            .sum();
        assert_eq!(systems > 0.0, max == "2", "{p}");
        let new = p["fleet"][0]["new"].as_f64().unwrap();
        let swept = row["units.ascend-910c"].as_f64().unwrap();
        assert!(
            close(swept, new),
            "max_units {max}: sweep {swept}, plan {new}"
        );
    }
    // `compare` counts them the same way: both plans buy 1,800 cards.
    let variant = format!("none:{param}=0");
    let r = chipmix(&["compare", &f, "--variant", &variant, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let c = json(&r.stdout);
    let delta = c["plans"][1]["delta"]["units.ascend-910c"].as_f64();
    assert_eq!(delta, Some(0.0), "{}", c["plans"][1]["delta"]);
}

#[test]
fn explain_offers_a_system_made_available() {
    // 4 cards of 100 TFLOPS are needed; loose cards may not be bought and the box of 4 is
    // not available: infeasible, and either one made available fixes it.
    let text = "name: boxed\ncurrency: USD\naccelerators:\n  - {id: d, vendor: V, origin: domestic, unit_price: 100, tflops: 100, available: false}\nsystems:\n  - {id: box, accelerator: d, cards: 4, price: 300, available: false}\ndemand: {pflops: 0.4}\n";
    let path = scenario_file("system-unavailable", text);
    let f = path.to_str().unwrap();
    let r = chipmix(&["plan", f]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let r = chipmix(&["explain", f, "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let e = json(&r.stdout);
    let paths: Vec<&str> = e["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    for want in ["systems[box].available", "accelerators[d].available"] {
        assert!(paths.contains(&want), "{paths:?}");
        let r = chipmix(&["plan", f, "--set", &format!("{want}=true")]);
        assert_eq!(r.code, 0, "{want}: {}", r.stderr);
    }
}

/// The CloudMatrix sample's card and system at 30 sites of slightly different demand, the
/// systems' national cap (2 a year) shared by all: 120 purchase decisions, beyond microlp's
/// exact search, so the decomposition plans it (each site problem buys systems, the cap
/// is priced, and the repair keeps what the cap allows).
fn thirty_sites() -> String {
    let text = std::fs::read_to_string(sample("cloudmatrix-2026.yaml")).unwrap();
    let (head, rest) = text.split_once("\ndemand:").expect("a demand section");
    let (_, tail) = rest.split_once("\ncosts:").expect("a costs section");
    let mut out = format!("{head}\ncosts:{tail}\nsites:\n");
    for k in 0..30 {
        out.push_str(&format!(
            "  - id: site-{k}\n    demand: {{pflops: {{2026: {}, 2027: {}}}}}\n    power_kw: 2600\n",
            1000 + 10 * k,
            1400 + 10 * k
        ));
    }
    out
}

#[test]
fn the_decomposition_buys_systems_within_their_cap() {
    let file = scenario_file("thirty-sites", &thirty_sites());
    let p = crate::support::plan(file.to_str().unwrap(), &[]);
    assert!(crate::support::has_plan(&p), "{p}");
    let cost = reference::between_bound_and_plan(file.to_str().unwrap(), &p);
    let systems_in = |year: i64| -> f64 {
        p["purchases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["system"] == "cloudmatrix-384" && r["period"] == year)
            .map(|r| r["units"].as_f64().unwrap())
            .sum()
    };
    // The sample alone buys a system a year: thirty sites use the cap.
    for year in [2026, 2027] {
        assert!(close(systems_in(year), 2.0), "{year}: {}", systems_in(year));
    }
    // No cheaper than the loose cards alone would be (the same search without systems).
    let loose = crate::support::plan(
        file.to_str().unwrap(),
        &["systems[cloudmatrix-384].max_units=0".to_string()],
    );
    assert!(cost <= loose["total_cost"].as_f64().unwrap() * (1.0 + 1e-9));
}
