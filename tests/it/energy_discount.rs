//! The domestic energy discount (section 6 of the format): `rate` off a site's energy price
//! in each period its fleet's domestic share by units is at least `min_share`.
//!
//! - `matches_brute_force`: 40 seeded cases (one site in 1-2 periods with 2-3 cards, or two
//!   sites in one period with 2 cards, one of them sometimes switched off with `null`; every
//!   third case with a national budget just under its unconstrained optimum's peak) against
//!   an enumeration of every lot vector judged here by the format's formulas: capex, plus
//!   each period's energy times `1 - rate` where the share qualifies, the budget on energy
//!   at the price paid. The continuous relaxation's bound (`plan --relaxation`) is at most
//!   that optimum.
//! - A discount never raises the cost; qualifying with dearer domestic cards is taken only
//!   when the saving beats the extra capex (both sides); a budget that only the discounted
//!   energy fits; bad input exits 2 at the field;
//!   `chipmix check` finds a tampered flag or figure.

use crate::support::random::{Draw, SplitMix};
use crate::support::{
    chipmix, close, json, optimal_plan, par_map, place_of, sample, scenario_file,
};

/// Hours in a year, as the format counts them.
const HOURS: f64 = 8760.0;

#[derive(Debug, Clone)]
struct Card {
    domestic: bool,
    price: i64,
    tflops: i64,
    power_w: i64,
    lot: i64,
}

#[derive(Debug, Clone)]
struct Case {
    cards: Vec<Card>,
    /// demand[s][t], PFLOPS.
    demand: Vec<Vec<i64>>,
    /// Sites whose discount is switched off (`null`).
    off: Vec<bool>,
    /// A national budget per period (the same every period), if any.
    budget: Option<f64>,
    years: Vec<i64>,
    opex_years: i64,
    price_kwh: f64,
    rate: f64,
    min_share: f64,
}

impl Case {
    fn draw(seed: u64) -> Case {
        let mut r = SplitMix(seed);
        let ns = r.range(1, 2) as usize;
        let nt = if ns == 2 { 1 } else { r.range(1, 2) as usize };
        let na = if ns == 2 { 2 } else { r.range(2, 3) as usize };
        let cards = (0..na)
            .map(|a| Card {
                domestic: a == 0 || (a == 2 && r.chance(50)),
                price: r.range(5, 40) * 100,
                tflops: r.range(2, 10) * 100,
                power_w: r.range(2, 10) * 100,
                lot: r.pick(&[1, 2, 4]),
            })
            .collect();
        Case {
            cards,
            demand: (0..ns)
                .map(|_| (0..nt).map(|t| r.range(1, 4) + t as i64).collect())
                .collect(),
            off: (0..ns).map(|s| s == 1 && r.chance(30)).collect(),
            budget: None,
            years: (0..nt as i64).map(|t| 2026 + t).collect(),
            opex_years: r.range(1, 4),
            price_kwh: r.range(1, 8) as f64 / 10.0,
            rate: r.pick(&[2, 5, 10]) as f64 / 10.0,
            min_share: r.pick(&[5, 8, 10]) as f64 / 10.0,
        }
    }

    fn yaml(&self) -> String {
        let per = |v: &[i64]| {
            let parts: Vec<String> = self
                .years
                .iter()
                .zip(v)
                .map(|(y, d)| format!("{y}: {d}"))
                .collect();
            format!("{{{}}}", parts.join(", "))
        };
        let years: Vec<String> = self.years.iter().map(|y| y.to_string()).collect();
        let mut y = format!(
            "name: discount case\ncurrency: USD\nobjective: min_cost\nperiods: [{}]\naccelerators:\n",
            years.join(", ")
        );
        for (a, c) in self.cards.iter().enumerate() {
            y += &format!(
                "  - {{id: c{a}, vendor: V{a}, origin: {}, unit_price: {}, tflops: {}, power_w: {}, lot_size: {}}}\n",
                if c.domestic { "domestic" } else { "foreign" },
                c.price,
                c.tflops,
                c.power_w,
                c.lot
            );
        }
        y += &format!(
            "costs: {{energy_price_per_kwh: {}, opex_years: {}, domestic_energy_discount: {{rate: {}, min_share: {}}}}}\n",
            self.price_kwh, self.opex_years, self.rate, self.min_share
        );
        if let Some(b) = self.budget {
            y += &format!("limits: {{budget: {b}}}\n");
        }
        y += "sites:\n";
        for (s, d) in self.demand.iter().enumerate() {
            y += &format!(
                "  - {{id: s{s}, demand: {{pflops: {}}}, power_kw: 200{}}}\n",
                per(d),
                if self.off[s] {
                    ", domestic_energy_discount: null"
                } else {
                    ""
                }
            );
        }
        y += "solver: {mip_gap: 0, time_limit_s: 30}\n";
        y
    }

    /// Years of energy period `t` counts.
    fn span(&self, t: usize) -> f64 {
        if t + 1 < self.years.len() {
            (self.years[t + 1] - self.years[t]) as f64
        } else {
            self.opex_years as f64
        }
    }

    /// The cost of buying `x[s][t][a]` units and the largest period spend (capex and
    /// energy at the price paid), or `None` when a demand or a budget is not met.
    fn cost(&self, x: &[Vec<Vec<i64>>]) -> Option<(f64, f64)> {
        let mut total = 0.0;
        let mut peak: f64 = 0.0;
        for t in 0..self.years.len() {
            let mut spend = 0.0;
            for (s, xs) in x.iter().enumerate() {
                let fleet: Vec<i64> = (0..self.cards.len())
                    .map(|a| (0..=t).map(|b| xs[b][a]).sum())
                    .collect();
                let tf: i64 = fleet
                    .iter()
                    .zip(&self.cards)
                    .map(|(n, c)| n * c.tflops)
                    .sum();
                if tf < self.demand[s][t] * 1000 {
                    return None;
                }
                let units: i64 = fleet.iter().sum();
                let domestic: i64 = fleet
                    .iter()
                    .zip(&self.cards)
                    .filter(|(_, c)| c.domestic)
                    .map(|(n, _)| n)
                    .sum();
                let qualifies =
                    !self.off[s] && domestic as f64 >= self.min_share * units as f64 - 1e-9;
                let kw: f64 = fleet
                    .iter()
                    .zip(&self.cards)
                    .map(|(n, c)| *n as f64 * c.power_w as f64 / 1000.0)
                    .sum();
                let energy = kw * HOURS * self.span(t) * self.price_kwh;
                let paid = if qualifies {
                    energy * (1.0 - self.rate)
                } else {
                    energy
                };
                let capex: i64 = xs[t]
                    .iter()
                    .zip(&self.cards)
                    .map(|(n, c)| n * c.price)
                    .sum();
                spend += capex as f64 + paid;
            }
            if self.budget.is_some_and(|b| spend > b + 1e-6) {
                return None;
            }
            peak = peak.max(spend);
            total += spend;
        }
        Some((total, peak))
    }

    /// The least cost over every lot vector (each purchase at most what covers the largest
    /// demand alone).
    fn brute_force(&self) -> Option<(f64, f64)> {
        let (na, ns, nt) = (self.cards.len(), self.demand.len(), self.years.len());
        let top = *self.demand.iter().flatten().max().unwrap();
        let most: Vec<i64> = self
            .cards
            .iter()
            .map(|c| (top * 1000 + c.tflops * c.lot - 1) / (c.tflops * c.lot))
            .collect();
        let mut best: Option<(f64, f64)> = None;
        let mut x = vec![vec![vec![0i64; na]; nt]; ns];
        let slots = na * nt * ns;
        let mut lots = vec![0i64; slots];
        loop {
            for k in 0..slots {
                x[k / (na * nt)][(k / na) % nt][k % na] = lots[k] * self.cards[k % na].lot;
            }
            if let Some(c) = self.cost(&x)
                && best.is_none_or(|b| c.0 < b.0)
            {
                best = Some(c);
            }
            // Next vector (odometer).
            let mut k = 0;
            while k < slots {
                lots[k] += 1;
                if lots[k] <= most[k % na] {
                    break;
                }
                lots[k] = 0;
                k += 1;
            }
            if k == slots {
                return best;
            }
        }
    }
}

fn plan_of(yaml: &str, tag: &str, sets: &[&str]) -> serde_json::Value {
    let path = scenario_file(tag, yaml);
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    optimal_plan(path.to_str().unwrap(), &sets)
}

/// The total cost HiGHS plans for `yaml` at gap 0 (`None` when infeasible).
fn highs_total(yaml: &str) -> Option<f64> {
    let loaded = chipmix::scenario::load_str(yaml, "discount.yaml").expect("valid");
    let opts = chipmix::planner::Options {
        backend: chipmix::solve::Backend::Highs,
        time_limit_s: Some(30.0),
        mip_gap: Some(0.0),
        ..Default::default()
    };
    let p = chipmix::planner::plan(&loaded.scenario, &opts).expect("a plan or a verdict");
    match p.status {
        chipmix::plan::Status::Optimal => p.total_cost,
        chipmix::plan::Status::Infeasible => None,
        other => panic!("HiGHS: status {other:?}\n{yaml}"),
    }
}

#[test]
fn matches_brute_force() {
    let seeds: Vec<u64> = (0..40).collect();
    let runs: Vec<(Option<String>, [bool; 5])> = par_map(&seeds, 2, |&seed| {
        let mut case = Case::draw(seed);
        // Every third case gets a national budget just below the peak period spend of the
        // optimum without one, so that it binds (or leaves no plan).
        if seed % 3 == 0
            && let Some((_, peak)) = case.brute_force()
        {
            case.budget = Some((peak * 0.97).round());
        }
        let want = case.brute_force().map(|(c, _)| c);
        let p = plan_of(&case.yaml(), &format!("discount-bf-{seed}"), &[]);
        let got = p["total_cost"].as_f64();
        let flags: Vec<bool> = p["sites"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["periods"].as_array().unwrap().iter())
            .filter_map(|d| d["energy_discount"].as_bool())
            .collect();
        let seen = [
            case.demand.len() == 2,
            case.budget.is_some() && got.is_some(),
            flags.contains(&true),
            flags.contains(&false),
            got.is_none(),
        ];
        let agree = |got: Option<f64>| match (want, got) {
            (Some(w), Some(g)) => (w - g).abs() <= 0.011 + 1e-9 * w.abs(),
            (None, None) => true,
            _ => false,
        };
        let mut failure = (!agree(got)).then(|| {
            format!(
                "seed {seed}: brute force {want:?}, plan {got:?}\n{}",
                case.yaml()
            )
        });
        // The continuous relaxation (which takes the rate off all the energy of a site with
        // the rule) bounds every plan, and is infeasible only when no plan exists.
        let loaded = chipmix::scenario::load_str(&case.yaml(), "discount.yaml").expect("valid");
        let relaxed = chipmix::search::relaxation(
            &loaded.scenario,
            &Default::default(),
            &mut Default::default(),
        );
        let bounds = match (&relaxed, want) {
            (Ok(chipmix::search::Relaxation::Bound(b)), Some(w)) => *b <= w + 0.011 + 1e-9 * w,
            (Ok(chipmix::search::Relaxation::Bound(_)), None) => true,
            (Ok(chipmix::search::Relaxation::Infeasible), None) => true,
            _ => false,
        };
        if !bounds {
            failure = Some(format!(
                "seed {seed}: brute force {want:?}, relaxation {relaxed:?}\n{}",
                case.yaml()
            ));
        }
        // With `--features highs`, HiGHS must find the same optimum. (Each site has a
        // 200 kW limit that no enumerated fleet reaches, at most 3 x 28 cards of <= 1 kW:
        // it bounds the big-M of the qualification row, which with the 1e7-unit default
        // bound would sit within HiGHS's integrality tolerance.)
        if cfg!(feature = "highs") {
            let highs = highs_total(&case.yaml());
            if !agree(highs) {
                failure = Some(format!(
                    "seed {seed}: brute force {want:?}, HiGHS {highs:?}\n{}",
                    case.yaml()
                ));
            }
        }
        (failure, seen)
    });
    // The cases reach what they are for: two sites, a binding budget, sites that qualify
    // and sites that do not.
    for (k, what) in [
        "two sites",
        "a budget",
        "a qualified site",
        "an unqualified site",
    ]
    .iter()
    .enumerate()
    {
        assert!(runs.iter().any(|(_, seen)| seen[k]), "no case with {what}");
    }
    let failures: Vec<String> = runs.into_iter().filter_map(|(f, _)| f).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_discount_never_raises_cost() {
    for seed in 100..120 {
        let case = Case::draw(seed);
        let yaml = case.yaml();
        let with = plan_of(&yaml, &format!("discount-with-{seed}"), &[]);
        let without = plan_of(
            &yaml,
            &format!("discount-without-{seed}"),
            &["costs.domestic_energy_discount=null"],
        );
        let (w, wo) = (with["total_cost"].as_f64(), without["total_cost"].as_f64());
        assert!(without.get("energy_discount").is_none(), "seed {seed}");
        if let (Some(w), Some(wo)) = (w, wo) {
            assert!(w <= wo + 0.011, "seed {seed}: {w} > {wo}");
        }
    }
}

#[test]
fn the_sample_goes_domestic_only_when_the_saving_pays() {
    let s = sample("gansu-discount-2026.yaml");
    // With the discount: all Ascend, qualified, half of its energy saved.
    let p = optimal_plan(&s, &[]);
    let units = |p: &serde_json::Value, id: &str| -> f64 {
        p["purchases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["id"] == id)
            .map(|r| r["units"].as_f64().unwrap())
            .sum()
    };
    assert_eq!(units(&p, "h200"), 0.0);
    assert_eq!(p["sites"][0]["periods"][0]["energy_discount"], true);
    let opex = p["opex"].as_f64().unwrap();
    assert!(close(p["energy_discount"].as_f64().unwrap(), 0.5 * opex));
    // 136 Ascend 910C at 700 W, PUE 1.25, 90% of the year for 5 years at 0.8 per kWh.
    assert!(close(opex, 136.0 * 0.7 * 1.25 * HOURS * 0.9 * 5.0 * 0.8));
    // Without it: H200s are cheaper, and the site does not qualify.
    let off = optimal_plan(
        &s,
        &["sites[qingyang].domestic_energy_discount=null".into()],
    );
    assert!(units(&off, "h200") > 0.0);
    assert!(off.get("energy_discount").is_none());
    assert!(off["total_cost"].as_f64() > p["total_cost"].as_f64());
    // A smaller discount does not pay for the dearer cards: H200s again, no qualification.
    let small = optimal_plan(&s, &["costs.domestic_energy_discount.rate=0.1".into()]);
    assert!(units(&small, "h200") > 0.0);
    assert_eq!(small["sites"][0]["periods"][0]["energy_discount"], false);
    assert!(close(small["energy_discount"].as_f64().unwrap(), 0.0));
}

#[test]
fn bad_input_exits_2_at_the_field() {
    let base = |discount: &str, site: &str| {
        format!(
            "name: bad\ncurrency: USD\naccelerators:\n  - {{id: a, vendor: V, origin: domestic, unit_price: 1, tflops: 100}}\ncosts:\n  domestic_energy_discount: {discount}\nsites:\n  - id: s0\n    demand: {{pflops: 1}}\n{site}"
        )
    };
    for (text, needle, words) in [
        (
            base("{rate: 1.5}", ""),
            "1.5",
            "costs.domestic_energy_discount.rate must be in (0, 1]",
        ),
        (base("{rate: 0}", ""), "rate: 0}", "must be in (0, 1]"),
        (
            base("{rate: 0.5, min_share: 0}", ""),
            "min_share: 0}",
            "min_share must be in (0, 1]",
        ),
        (
            base("{min_share: 0.5}", ""),
            "{min_share",
            "rate is required",
        ),
        (
            base("{rate: 0.5, rat: 1}", ""),
            "rat: 1",
            "unknown key `rat`",
        ),
        (
            base("{rate: 0.5}", "    domestic_energy_discount: {rate: 2}\n"),
            "rate: 2",
            "sites[s0].domestic_energy_discount.rate must be in (0, 1]",
        ),
    ] {
        let path = scenario_file("discount-bad", &text);
        let r = chipmix(&["plan", path.to_str().unwrap()]);
        assert_eq!(r.code, 2, "{text}\n{}", r.stderr);
        let (line, col) = place_of(&text, needle);
        let at = format!("{}:{line}:", path.display());
        assert!(r.stderr.contains(&at), "{at} not in {}", r.stderr);
        let _ = col;
        assert!(r.stderr.contains(words), "{words} not in {}", r.stderr);
    }
}

#[test]
fn check_finds_a_tampered_flag_and_figure() {
    let s = sample("gansu-discount-2026.yaml");
    let r = chipmix(&["plan", &s, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let dir = scenario_file("discount-check", "x: 1");
    let saved = dir.with_file_name("discount-plan.json");
    std::fs::write(&saved, &r.stdout).unwrap();
    let ok = chipmix(&["check", &s, saved.to_str().unwrap()]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    for (from, to) in [
        ("\"energy_discount\": true", "\"energy_discount\": false"),
        (
            "\"energy_discount\": 1876392.0",
            "\"energy_discount\": 1000.0",
        ),
    ] {
        assert!(r.stdout.contains(from), "{from} not in the plan");
        let bad = dir.with_file_name("discount-bad-plan.json");
        std::fs::write(&bad, r.stdout.replacen(from, to, 1)).unwrap();
        let out = chipmix(&["check", &s, bad.to_str().unwrap()]);
        assert_ne!(out.code, 0, "check accepted {to}");
        assert!(
            (out.stdout.clone() + &out.stderr).contains("energy_discount"),
            "{}{}",
            out.stdout,
            out.stderr
        );
    }
    let _ = json("{}");
}

#[test]
fn the_budget_counts_energy_at_the_price_paid() {
    let s = sample("gansu-discount-2026.yaml");
    // The all-Ascend plan spends 24,480,000 + 3,752,784 / 2 = 26,356,392 in its one period;
    // the H200 plan 26,389,776 and an all-Ascend fleet at the full price 28,232,784.
    let budget = "limits.budget=26360000".to_string();
    let p = optimal_plan(&s, std::slice::from_ref(&budget));
    assert!(close(p["total_cost"].as_f64().unwrap(), 26_356_392.0));
    assert_eq!(p["sites"][0]["periods"][0]["energy_discount"], true);
    // Without the discount nothing fits the same budget.
    let off = optimal_plan(
        &s,
        &[
            budget,
            "sites[qingyang].domestic_energy_discount=null".into(),
        ],
    );
    assert_eq!(off["status"], "infeasible");
}
