//! Residual value (`costs.residual_value: straight_line`, section 6 of the format): the
//! credit against an independent reading of the formula (brute force over every small
//! plan, written here from the format's text, not from the model or the checker), in one
//! period and in three with discounting; the credit never raises the total cost and never
//! changes whether a binding budget can be met; bad values exit 2 with `file:line:col`;
//! `chipmix check` re-checks a plan's `residual`.

use crate::support::{chipmix, close, json, optimal_plan, plan, sample, scenario_file};
use serde_json::Value;

/// One accelerator of a brute-force case.
struct Card {
    price: f64,
    tflops: f64,
    power_w: f64,
    life: u64,
}

/// A small one-site case: `years` (with `opex_years` after the last), yearly PFLOPS
/// demand, energy at `energy` per kWh (PUE 1, utilisation 1), `rate` a year, and whole
/// units (lot 1).
struct Case {
    years: Vec<i64>,
    opex_years: f64,
    demand: Vec<f64>,
    energy: f64,
    rate: f64,
    cards: Vec<Card>,
    capex_budget: Option<f64>,
}

impl Case {
    /// The scenario file; `periods` only with more than one year (one year is a file
    /// without periods: bought at year 0, the horizon `opex_years` long).
    fn yaml(&self, residual: bool) -> String {
        let periods = self.years.len() > 1;
        let per = |v: &[f64]| {
            if periods {
                let items: Vec<String> = self
                    .years
                    .iter()
                    .zip(v)
                    .map(|(y, x)| format!("{y}: {x}"))
                    .collect();
                format!("{{{}}}", items.join(", "))
            } else {
                v[0].to_string()
            }
        };
        let mut t = String::from("name: residual case\n");
        if periods {
            let ys: Vec<String> = self.years.iter().map(i64::to_string).collect();
            t.push_str(&format!("periods: [{}]\n", ys.join(", ")));
        }
        t.push_str("accelerators:\n");
        for (k, c) in self.cards.iter().enumerate() {
            t.push_str(&format!(
                "  - {{id: c{k}, vendor: V{k}, origin: domestic, unit_price: {}, tflops: {}, power_w: {}, lifetime_years: {}}}\n",
                c.price, c.tflops, c.power_w, c.life
            ));
        }
        t.push_str(&format!("demand: {{pflops: {}}}\n", per(&self.demand)));
        if let Some(b) = self.capex_budget {
            t.push_str(&format!("limits: {{capex_budget: {b}}}\n"));
        }
        t.push_str(&format!(
            "costs: {{energy_price_per_kwh: {}, opex_years: {}, discount_rate: {}{}}}\n",
            self.energy,
            self.opex_years,
            self.rate,
            if residual {
                ", residual_value: straight_line"
            } else {
                ""
            }
        ));
        t
    }

    /// The year purchases of period `t` are made in: the period's year, or 0 without
    /// periods.
    fn year(&self, t: usize) -> f64 {
        if self.years.len() > 1 {
            self.years[t] as f64
        } else {
            0.0
        }
    }

    /// Years period `t` covers.
    fn span(&self, t: usize) -> f64 {
        if t + 1 < self.years.len() {
            (self.years[t + 1] - self.years[t]) as f64
        } else {
            self.opex_years
        }
    }

    /// `x[t][a]` is bought in `t` and serves in `u`.
    fn serves(&self, a: usize, t: usize, u: usize) -> bool {
        t <= u && self.year(u) - self.year(t) < self.cards[a].life as f64
    }

    /// The residual value of `x`, read from the format: `H = year_T + span_T`; a unit bought
    /// in year y with life L and y + L > H is worth price * (y + L - H) / L, discounted by
    /// (1 + rate)^(H - year_0).
    fn residual(&self, x: &[Vec<u64>]) -> f64 {
        let last = self.years.len() - 1;
        let h = self.year(last) + self.span(last);
        let mut sum = 0.0;
        for (t, row) in x.iter().enumerate() {
            for (a, &n) in row.iter().enumerate() {
                let c = &self.cards[a];
                let left = self.year(t) + c.life as f64 - h;
                if left > 0.0 {
                    sum += n as f64 * c.price * left / c.life as f64;
                }
            }
        }
        sum / (1.0 + self.rate).powf(h - self.year(0))
    }

    /// The total cost of `x` (capex and energy discounted by period, less the residual
    /// value when `residual`), or `None` when it misses a period's demand or capex budget.
    fn cost(&self, x: &[Vec<u64>], residual: bool) -> Option<f64> {
        let mut total = 0.0;
        for t in 0..self.years.len() {
            let mut pflops = 0.0;
            let mut kw = 0.0;
            let mut capex = 0.0;
            for (a, c) in self.cards.iter().enumerate() {
                capex += x[t][a] as f64 * c.price;
                for (b, row) in x.iter().enumerate() {
                    if self.serves(a, b, t) {
                        pflops += row[a] as f64 * c.tflops / 1000.0;
                        kw += row[a] as f64 * c.power_w / 1000.0;
                    }
                }
            }
            if pflops < self.demand[t] - 1e-9 {
                return None;
            }
            if self.capex_budget.is_some_and(|b| capex > b + 1e-9) {
                return None;
            }
            let opex = kw * 8760.0 * self.energy * self.span(t);
            let discount = (1.0 + self.rate).powf(self.year(t) - self.year(0));
            total += (capex + opex) / discount;
        }
        Some(if residual {
            total - self.residual(x)
        } else {
            total
        })
    }

    /// Every plan with at most `most` units of each card in each period: the least cost,
    /// or `None` when none meets every rule.
    fn brute_force(&self, most: u64, residual: bool) -> Option<f64> {
        let (nt, na) = (self.years.len(), self.cards.len());
        let slots = nt * na;
        let mut best: Option<f64> = None;
        for code in 0..(most + 1).pow(slots as u32) {
            let mut c = code;
            let mut x = vec![vec![0u64; na]; nt];
            for row in x.iter_mut() {
                for v in row.iter_mut() {
                    *v = c % (most + 1);
                    c /= most + 1;
                }
            }
            if let Some(cost) = self.cost(&x, residual) {
                best = Some(best.map_or(cost, |b: f64| b.min(cost)));
            }
        }
        best
    }

    /// The purchases `x[t][a]` of a JSON plan.
    fn purchases(&self, p: &Value) -> Vec<Vec<u64>> {
        let mut x = vec![vec![0u64; self.cards.len()]; self.years.len()];
        for row in p["purchases"].as_array().unwrap() {
            let a: usize = row["id"].as_str().unwrap()[1..].parse().unwrap();
            let t = match row["period"].as_i64() {
                Some(y) => self.years.iter().position(|&v| v == y).unwrap(),
                None => 0,
            };
            x[t][a] += row["units"].as_u64().unwrap();
        }
        x
    }
}

/// Money figures agree to the cent a plan rounds them to.
fn same_money(a: f64, b: f64) -> bool {
    (a - b).abs() <= 0.011 || close(a, b)
}

/// Two cards, one period: `long` (dear, five years of life) and `short` (cheaper, two).
/// Over a two-year horizon `long` keeps 3/5 of its price: 25,000 - 15,000 / 1.1^2 net, less
/// than `short`'s 20,000, so the credit flips the choice.
fn one_period() -> Case {
    Case {
        years: vec![2025],
        opex_years: 2.0,
        demand: vec![3.0],
        energy: 0.05,
        rate: 0.1,
        cards: vec![
            Card {
                price: 25000.0,
                tflops: 1000.0,
                power_w: 600.0,
                life: 5,
            },
            Card {
                price: 20000.0,
                tflops: 1000.0,
                power_w: 600.0,
                life: 2,
            },
        ],
        capex_budget: None,
    }
}

/// Three periods (2025, 2026, 2028) and two more years: the horizon ends in 2030. Demand
/// grows; `c0` lives 4 years (bought in 2028 it keeps 2/4), `c1` 6 (bought in 2025 it keeps
/// 1/6); discounted at 8%.
fn three_periods() -> Case {
    Case {
        years: vec![2025, 2026, 2028],
        opex_years: 2.0,
        demand: vec![1.0, 2.0, 3.0],
        energy: 0.08,
        rate: 0.08,
        cards: vec![
            Card {
                price: 20000.0,
                tflops: 1000.0,
                power_w: 700.0,
                life: 4,
            },
            Card {
                price: 26000.0,
                tflops: 1000.0,
                power_w: 400.0,
                life: 6,
            },
        ],
        capex_budget: None,
    }
}

/// Plans `case` (exactly) with and without the residual value and holds each against the
/// brute force: the least cost, and the plan's own residual and total read independently.
fn against_brute_force(tag: &str, case: &Case, most: u64) {
    for residual in [false, true] {
        let path = scenario_file(&format!("{tag}-{residual}"), &case.yaml(residual));
        let p = optimal_plan(path.to_str().unwrap(), &[]);
        let want = case.brute_force(most, residual).expect("a plan exists");
        let total = p["total_cost"].as_f64().unwrap();
        assert!(
            same_money(total, want),
            "{tag} residual {residual}: chipmix {total}, brute force {want}"
        );
        let x = case.purchases(&p);
        let own = case.cost(&x, residual).expect("the plan meets every rule");
        assert!(same_money(total, own), "{tag}: total {total} vs {own}");
        if residual {
            let r = p["residual"].as_f64().expect("a residual figure");
            assert!(
                same_money(r, case.residual(&x)),
                "{tag}: residual {r} vs {}",
                case.residual(&x)
            );
            assert!(r > 0.0, "{tag}: the credit is positive here");
            let parts = p["capex"].as_f64().unwrap()
                + p["opex"].as_f64().unwrap()
                + p["adoption"].as_f64().unwrap()
                - r;
            assert!(same_money(parts, total), "{tag}: parts {parts} vs {total}");
        } else {
            assert!(
                p.get("residual").is_none(),
                "{tag}: no residual without the rule"
            );
        }
    }
}

#[test]
fn one_period_matches_the_brute_force() {
    let case = one_period();
    against_brute_force("one", &case, 4);
    // The hand reading: three `long` cards, 3/5 of 75,000 credited over 2 years at 10%.
    let p = optimal_plan(
        scenario_file("one-hand", &case.yaml(true))
            .to_str()
            .unwrap(),
        &[],
    );
    assert_eq!(crate::support::units_of(&p, "c0"), 3.0);
    assert!(same_money(p["residual"].as_f64().unwrap(), 45000.0 / 1.21));
}

#[test]
fn three_periods_with_discounting_match_the_brute_force() {
    against_brute_force("three", &three_periods(), 3);
}

#[test]
fn the_credit_never_raises_the_total_cost() {
    for (tag, case) in [("p-one", one_period()), ("p-three", three_periods())] {
        let without = plan(
            scenario_file(&format!("{tag}-no"), &case.yaml(false))
                .to_str()
                .unwrap(),
            &[],
        );
        let with = plan(
            scenario_file(&format!("{tag}-yes"), &case.yaml(true))
                .to_str()
                .unwrap(),
            &[],
        );
        let (a, b) = (
            with["total_cost"].as_f64().unwrap(),
            without["total_cost"].as_f64().unwrap(),
        );
        assert!(a <= b + 0.01, "{tag}: {a} with the credit, {b} without");
    }
    // The sample, with and without its rule.
    let s = sample("residual-2025-2027.yaml");
    let with = plan(&s, &[]);
    let without = plan(&s, &["costs.residual_value=none".into()]);
    assert!(with["total_cost"].as_f64().unwrap() <= without["total_cost"].as_f64().unwrap() + 0.01);
    assert!(without.get("residual").is_none());
    assert!(with["residual"].as_f64().unwrap() > 0.0);
}

#[test]
fn the_credit_never_changes_budget_feasibility() {
    // Demand grows by 1 PFLOPS a period: one new card a period (20,000 at the cheapest).
    // The capex budget goes from too small to enough, and the credit (2/4 of a `c0` bought
    // in 2028, 1/6 of a `c1` bought in 2025) must not change which budgets can be met.
    let mut case = three_periods();
    let mut seen = [false, false];
    for budget in [5000.0, 19999.0, 20000.0, 26000.0, 45000.0] {
        case.capex_budget = Some(budget);
        let mut status = Vec::new();
        for residual in [false, true] {
            let path = scenario_file(&format!("budget-{budget}-{residual}"), &case.yaml(residual));
            let p = plan(path.to_str().unwrap(), &[]);
            if let Some(periods) = p["periods"].as_array() {
                for d in periods {
                    assert!(d["capex"].as_f64().unwrap() <= budget + 0.01);
                }
            }
            status.push(crate::support::has_plan(&p));
        }
        assert_eq!(status[0], status[1], "capex budget {budget}: {status:?}");
        assert_eq!(
            status[0],
            case.brute_force(3, false).is_some(),
            "capex budget {budget}"
        );
        seen[usize::from(status[0])] = true;
    }
    assert_eq!(seen, [true, true], "the budgets bind both ways");
}

#[test]
fn bad_values_exit_2_at_the_field() {
    let case = one_period();
    let good = case.yaml(true);
    let bad = good.replace("straight_line", "linear");
    let path = scenario_file("bad-value", &bad);
    let r = chipmix(&["validate", path.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let (line, col) = crate::support::place_of(&bad, "residual_value");
    let at = format!("{}:{line}:{col}: costs.residual_value", path.display());
    assert!(r.stderr.contains(&at), "{}", r.stderr);
    assert!(r.stderr.contains("none or straight_line"), "{}", r.stderr);

    let zero = good.replace("opex_years: 2", "opex_years: 0");
    let path = scenario_file("zero-years", &zero);
    let r = chipmix(&["plan", path.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("costs.opex_years > 0")
            && r.stderr.contains(&format!("{}:", path.display())),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);

    // Through --set, too.
    let r = chipmix(&[
        "plan",
        &sample("national-2025-2027.yaml"),
        "--set",
        "costs.residual_value=7",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("costs.residual_value"), "{}", r.stderr);
}

#[test]
fn check_rechecks_the_residual() {
    let s = sample("residual-2025-2027.yaml");
    let r = chipmix(&["plan", &s, "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let good = scenario_file("saved-plan", &r.stdout);
    let ok = chipmix(&["check", &s, good.to_str().unwrap()]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);

    let mut p = json(&r.stdout);
    let stated = p["residual"].as_f64().unwrap();
    p["residual"] = Value::from(stated + 1000.0);
    let wrong = scenario_file("wrong-residual", &p.to_string());
    let bad = chipmix(&["check", &s, wrong.to_str().unwrap()]);
    assert_eq!(bad.code, 1, "{}{}", bad.stdout, bad.stderr);
    assert!(bad.stdout.contains("residual"), "{}", bad.stdout);

    // A total that forgets the credit is caught too.
    let mut p = json(&r.stdout);
    let total = p["total_cost"].as_f64().unwrap();
    p["total_cost"] = Value::from(total + stated);
    let wrong = scenario_file("wrong-total", &p.to_string());
    let bad = chipmix(&["check", &s, wrong.to_str().unwrap()]);
    assert_eq!(bad.code, 1, "{}{}", bad.stdout, bad.stderr);
    assert!(bad.stdout.contains("total_cost"), "{}", bad.stdout);
}

#[test]
fn every_format_states_the_same_residual() {
    let s = sample("residual-2025-2027.yaml");
    let p = plan(&s, &[]);
    let r = p["residual"].as_f64().unwrap();
    let total = p["total_cost"].as_f64().unwrap();
    // CSV: the discounted_cost column adds up to total_cost, the residual line negative.
    let csv = chipmix(&["plan", &s, "--format", "csv"]).stdout;
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let head = rdr.headers().unwrap().clone();
    let col = head.iter().position(|h| h == "discounted_cost").unwrap();
    let mut sum = 0.0;
    let mut credit = None;
    for rec in rdr.records() {
        let rec = rec.unwrap();
        if let Ok(v) = rec[col].parse::<f64>() {
            sum += v;
        }
        if &rec[0] == "residual" {
            credit = Some(rec[col].parse::<f64>().unwrap());
        }
    }
    assert!(
        same_money(sum, total),
        "CSV adds up to {sum}, total {total}"
    );
    assert!(same_money(credit.unwrap(), -r));
    // Table: the residual line, with a minus sign.
    let table = chipmix(&["plan", &s]).stdout;
    let shown = format!("-{}", chipmix::numfmt::amount(r));
    assert!(
        table
            .lines()
            .any(|l| l.contains("residual") && l.contains(&shown)),
        "{table}"
    );
}

#[test]
fn the_readme_excerpt_is_the_real_output() {
    let readme =
        std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let command =
        "$ chipmix plan scenarios/residual-2025-2027.yaml | sed -n '/^Totals/,/lower bound/p'\n";
    let start = readme.find(command).expect("the residual example") + command.len();
    let shown = &readme[start..start + readme[start..].find("```").unwrap()];
    let out = chipmix(&["plan", &sample("residual-2025-2027.yaml")]).stdout;
    let from = out.find("Totals\n").expect("a totals section");
    let excerpt: String = out[from..]
        .lines()
        .take_while(|l| !l.starts_with("  lower bound"))
        .chain(out[from..].lines().find(|l| l.starts_with("  lower bound")))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        shown, excerpt,
        "README residual excerpt differs from the real output"
    );
}

#[test]
fn the_decomposition_and_the_direct_model_agree_with_the_credit() {
    // Each strategy's plan is no cheaper than the other's proven bound: the decomposition
    // carries the credit in every site's objective, as the direct model does.
    let s = sample("residual-2025-2027.yaml");
    let run = |strategy: &str| {
        let r = chipmix(&["plan", &s, "--strategy", strategy, "--format", "json"]);
        assert_eq!(r.code, 0, "{strategy}: {}", r.stderr);
        let p = json(&r.stdout);
        (
            p["total_cost"].as_f64().unwrap(),
            p["bound"].as_f64().unwrap(),
            p["residual"].as_f64().unwrap(),
        )
    };
    let (dec, dec_bound, dec_residual) = run("decompose");
    let (dir, dir_bound, dir_residual) = run("direct");
    assert!(
        dec >= dir_bound - 0.01,
        "decompose {dec} below direct's bound {dir_bound}"
    );
    assert!(
        dir >= dec_bound - 0.01,
        "direct {dir} below decompose's bound {dec_bound}"
    );
    assert!(dec_residual > 0.0 && dir_residual > 0.0);
}

#[test]
fn lifetimes_and_the_rate_count_without_periods_when_credited() {
    // Without periods these fields warn as unused, unless the residual value uses them.
    let case = one_period();
    let with = scenario_file("unused-with", &case.yaml(true));
    let r = chipmix(&["validate", with.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("is not used"), "{}", r.stderr);
    let without = scenario_file("unused-without", &case.yaml(false));
    let r = chipmix(&["validate", without.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("lifetime_years is not used"),
        "{}",
        r.stderr
    );
}
