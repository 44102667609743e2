//! The corpus of issue 14: 2,000 small random scenarios, each of which the default build
//! (microlp, `mip_gap` 0) must prove optimal, with the optimum of an independent reference.
//!
//! - **Generator.** Scenario `i` is drawn by a SplitMix64 seeded with `i`, so index `i` is
//!   the same scenario on every run and on every machine. About half are one site in one
//!   period (section 1 of the scenario format); the rest have 1-3 sites and 1-3 periods
//!   (section 2). Between them they use every rule family of sections 1 and 2: min_cost
//!   with a PFLOPS demand or with workload classes (efficiencies), max_pflops with budgets,
//!   domestic shares by units / TFLOPS / spend (site, site overrides, national, strict),
//!   vendor diversity, power, memory, capex and total budgets (per period), supply caps
//!   (per year, national), minimum orders, lot sizes, installed fleets that retire,
//!   lifetimes, platform adoption, per-year prices and availability, electricity (site
//!   prices and PUE), discounting. Some are infeasible, some have tied accelerators
//!   (several optimal purchase vectors: only the objective is compared). Each scenario is
//!   written as YAML and read by the real loader ([`chipmix::scenario::load_str`]).
//! - **The rules of 2025-2026 (issue 16).** After a scenario is accepted, the same stream
//!   gives about a third of the corpus scarce resources (national caps per period, `uses`),
//!   `residual_value: straight_line` (with lifetimes and `opex_years`), and precision
//!   (`tflops` maps, `demand.precision`, workloads `{pflops, precision}`); see [`extend`].
//!   Drawn last, they leave the other two thirds exactly as issue 14 drew them. After
//!   them, again from the same stream, about a quarter of the scenarios with installed fleets
//!   let some entries be taken out (`removal` with salvage and cost) or, with sites, moved
//!   (`move_to`, `costs.relocation_per_unit`), and some that pay for electricity get the
//!   domestic energy discount (section 6); see [`extend_fleet`].
//! - **Default build: a brute force.** Every buyable variable (site, period, accelerator)
//!   gets a finite domain of whole lots from the scenario's own limits (`max_units`, the
//!   capex or total budget of the period over the unit price, the site's power over the
//!   card's facility power); the generator redraws until the product of the domain sizes
//!   is at most [`MAX_VECTORS`]. With removable installed entries, every set of removals
//!   and moves ([`change_sets`]) is tried with every purchase vector, the product again at
//!   most [`MAX_VECTORS`]. Every vector is evaluated by chipmix's checker
//!   ([`evaluate_with`]), and the best one it accepts with no violation is the
//!   reference (its `total_cost`, which is less the residual credit). The checker shares
//!   only the scenario types with the model and solver: it computes each rule and cost
//!   from the purchases directly, with no LP, so it is an independent reading of the
//!   format, and the enumeration leaves out no vector of the domains, which contain every
//!   feasible plan (also with the families of issue 16: the argument is at [`extend`]).
//!   The reference is thus exactly the optimum.
//! - **`--features highs`: HiGHS.** The same scenario through the same
//!   [`chipmix::planner::plan`] with `Backend::Highs` at `mip_gap` 0.
//!
//! For each scenario: a feasible one must come back `optimal` (gap at most 1e-9), its plan
//! must pass `chipmix check` (the plan's JSON re-read and audited by
//! [`chipmix::audit::audit_national`]), and its objective must be the reference's: the
//! (discounted) total cost within 1e-6 relative plus a cent; for max_pflops the PFLOPS,
//! then the cost. An infeasible reference needs an `infeasible` plan.
//!
//! The 2,000 scenarios are split into [`SHARDS`] tests that run in parallel; each lists
//! every failing index of its shard with its YAML and what differed. `corpus::bench`
//! (ignored; `bench/corpus.sh`) runs them all with timings. Debug-build wall times are in
//! the README's corpus section.

// s, t and a index several arrays at once.
#![allow(clippy::needless_range_loop)]

use crate::support::random::Draw;
// The corpus' stream: SplitMix64 from the scenario's seed.
use crate::support::random::SplitMix as Rng;
use chipmix::audit::{audit_national, read_saved_purchases};
use chipmix::check::national::evaluate_with;
use chipmix::plan::{Plan, Status};
use chipmix::planner::Options;
use chipmix::scenario::Objective;
use chipmix::scenario::national::{FleetChange, National};
use chipmix::solve::Backend;
use std::fmt::Write as _;
use std::time::Instant;

/// Scenarios in the corpus.
const N: u64 = 2000;
/// Tests the corpus is split into.
const SHARDS: u64 = 8;
/// Most purchase vectors the brute force enumerates for one scenario.
const MAX_VECTORS: u64 = 4096;
/// Time limit of one plan (never asserted on: a plan stopped by it is "not proven").
const TIME_LIMIT_S: f64 = 30.0;

// ---------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    /// A fraction in lo..=hi, in hundredths.
    fn frac(&mut self, lo: i64, hi: i64) -> f64 {
        self.range(lo, hi) as f64 / 100.0
    }
}

/// One scenario of the corpus.
pub struct Case {
    /// The scenario file.
    pub yaml: String,
    /// Sites x periods x accelerators, objective and rule families, for reports.
    pub shape: String,
}

const WORKLOADS: [&str; 3] = ["training", "inference", "finetune"];
const VENDORS: [&str; 4] = ["VA", "VB", "VC", "VD"];
const PLATFORMS: [&str; 2] = ["pa", "pb"];

/// A value per period: a scalar when every period has the same, a `year: value` map
/// otherwise (only with `periods`).
fn per_year(years: &[i64], vals: &[String]) -> String {
    if vals.iter().all(|v| *v == vals[0]) {
        vals[0].clone()
    } else {
        let items: Vec<String> = years
            .iter()
            .zip(vals)
            .map(|(y, v)| format!("{y}: {v}"))
            .collect();
        format!("{{{}}}", items.join(", "))
    }
}

/// A number as YAML: whole numbers without a fraction.
fn num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Per-period values, the same in each unless `vary` (then `each` is drawn per period).
fn draw_per_year(
    r: &mut Rng,
    nt: usize,
    vary: bool,
    mut each: impl FnMut(&mut Rng) -> f64,
) -> Vec<f64> {
    let first = each(r);
    (0..nt)
        .map(|t| if t == 0 || !vary { first } else { each(r) })
        .collect()
}

/// Scenario `index`: drawn until its brute-force domains hold at most [`MAX_VECTORS`]
/// vectors (the redraws continue the same random stream, so the index fixes the result),
/// then, from the same stream, perhaps given the rule families of 2025-2026 ([`extend`]).
/// The families are drawn after the accepted draw, so every scenario of issue 14 keeps
/// the content it had; about a third gain lines.
pub fn case(index: u64) -> Case {
    let mut r = Rng::new(index);
    for _ in 0..1000 {
        let d = draw(&mut r, index);
        let (yaml, _) = d.clone().finish();
        let nat = load(index, &yaml);
        if let Ok(dom) = domains(&nat)
            && vectors(&dom) <= MAX_VECTORS
        {
            let mut d = d;
            extend(&mut r, &mut d, &nat, &dom);
            extend_fleet(&mut r, &mut d, &nat, vectors(&dom));
            // Unchanged by both, `d` gives back the YAML above byte for byte.
            let (yaml, shape) = d.finish();
            // The new families leave every domain as it was (see `extend` and
            // `extend_fleet`), and the removals stay within the bound.
            let ext = load(index, &yaml);
            assert_eq!(
                domains(&ext).expect("bounded domains"),
                dom,
                "corpus {index}: extend changed the domains"
            );
            assert!(
                vectors(&dom) * change_vectors(&ext) <= MAX_VECTORS,
                "corpus {index}: removals beyond {MAX_VECTORS} vectors"
            );
            return Case { yaml, shape };
        }
    }
    panic!("corpus {index}: no scenario within {MAX_VECTORS} vectors in 1000 draws");
}

/// The scenario of corpus `index` from its YAML (a bad one is a generator bug).
fn load(index: u64, yaml: &str) -> National {
    chipmix::scenario::load_str(yaml, "corpus.yaml")
        .unwrap_or_else(|e| {
            panic!("corpus {index}: the generator wrote a bad scenario: {e}\n{yaml}")
        })
        .scenario
}

/// Purchase vectors of the brute force's domains.
fn vectors(dom: &[(usize, usize, usize, u64)]) -> u64 {
    dom.iter().map(|&(_, _, _, k)| k + 1).product()
}

/// Precisions a demand may be counted in (`fp8` most often).
const PRECISIONS: [&str; 5] = ["fp8", "fp8", "fp4", "bf16", "fp32"];

/// Adds, with chance 35 in 100, the rule families of 2025-2026 to the accepted draft `d`
/// (`nat` is its scenario, `dom` its brute-force domains); `false`: left as it was.
/// Each family comes with its own chance, at least one of them:
///
/// - **resources**: one or two national caps per period (`hbm`, `wafer`) with `uses` on
///   some cards, the cap a drawn 20-90% of the most the domains could use in the period;
/// - **residual**: `residual_value: straight_line`, `lifetime_years` on cards without one
///   and `opex_years` above 0;
/// - **precision**: `tflops` maps (FP8 and FP4 figures, some without BF16 or with FP32),
///   `demand.precision` and some workloads `{pflops, precision}`.
///
/// None of them changes the brute force's domains, and its enumeration stays exact: a
/// domain is the most lots that `max_units`, `available`, the capex or total budget over
/// the unit price, or the site's power over the card's facility power allow, and each of
/// these bounds holds for *every* feasible plan whatever the card's TFLOPS or the demand:
/// capex and opex are >= 0 and the residual credit enters neither budget (section
/// "Residual value": it lowers `total_cost` only), and the other cards' power is >= 0. So
/// a precision that changes a card's capacity changes which vectors meet the demand, never
/// which vectors the domains hold; a resource cap is one more `<=` over purchases, so it
/// only removes vectors; lifetimes remove capacity in later periods, never purchases. The
/// domains thus still contain every feasible plan, the checker (which knows the new rules)
/// judges each vector, and the objective it reports is `total_cost` less the residual
/// credit. `case` asserts the domains are unchanged.
fn extend(r: &mut Rng, d: &mut Draft, nat: &National, dom: &[(usize, usize, usize, u64)]) -> bool {
    if !r.chance(35) {
        return false;
    }
    let (resources, residual, precision) = loop {
        let f = (r.chance(45), r.chance(40), r.chance(50));
        if f.0 || f.1 || f.2 {
            break f;
        }
    };
    let na = nat.accelerators.len();
    let nt = d.nt;
    // Split the YAML into what comes before the accelerators, each one's lines, and the
    // rest (sites or the demand, policy, limits).
    let first = d.yaml.find("accelerators:\n").unwrap() + "accelerators:\n".len();
    let prefix = d.yaml[..first].to_string();
    let mut blocks: Vec<String> = (0..na)
        .map(|a| d.yaml[if a == 0 { first } else { d.acc_end[a - 1] }..d.acc_end[a]].to_string())
        .collect();
    let mut rest = d.yaml[d.acc_end[na - 1]..].to_string();
    let mut tag = |t: &str| {
        if !d.tags.iter().any(|x| x == t) {
            d.tags.push(t.to_string())
        }
    };

    if resources {
        let ids = ["hbm", "wafer"][..r.range(1, 2) as usize].to_vec();
        let mut uses = vec![vec![0u64; na]; ids.len()];
        for row in uses.iter_mut() {
            for a in 0..na {
                if r.chance(65) {
                    row[a] = r.pick(&[1, 2, 4, 8]);
                }
            }
            if row.iter().all(|&u| u == 0) {
                row[r.range(0, na as i64 - 1) as usize] = r.pick(&[1, 2, 4]);
            }
        }
        for a in 0..na {
            let items: Vec<String> = ids
                .iter()
                .zip(&uses)
                .filter(|(_, u)| u[a] > 0)
                .map(|(id, u)| format!("{id}: {}", u[a]))
                .collect();
            if !items.is_empty() {
                writeln!(blocks[a], "    uses: {{{}}}", items.join(", ")).unwrap();
            }
        }
        writeln!(rest, "resources:").unwrap();
        for (i, id) in ids.iter().enumerate() {
            // The most the domains could use in each period, times a drawn fraction.
            let most: Vec<f64> = (0..nt)
                .map(|t| {
                    dom.iter()
                        .filter(|e| e.1 == t)
                        .map(|&(_, _, a, k)| (uses[i][a] * k * nat.accelerators[a].lot_size) as f64)
                        .sum()
                })
                .collect();
            let vary = nt > 1 && r.chance(40);
            let f = draw_per_year(r, nt, vary, |r| r.frac(20, 90));
            let caps: Vec<String> = (0..nt).map(|t| num((most[t] * f[t]).round())).collect();
            writeln!(rest, "  - id: {id}\n    cap: {}", per_year(&d.years, &caps)).unwrap();
        }
        tag("resources");
        if ids.len() > 1 {
            tag("2 resources");
        }
    }

    if residual {
        let mut any = false;
        for a in 0..na {
            if nat.per_period[a].lifetime_years.is_some() {
                any = true;
            } else if r.chance(70) {
                writeln!(blocks[a], "    lifetime_years: {}", r.range(1, 6)).unwrap();
                any = true;
            }
        }
        if !any {
            writeln!(blocks[0], "    lifetime_years: {}", r.range(2, 6)).unwrap();
        }
        let opex = format!("  opex_years: {}", r.range(1, 3));
        match d.costs.iter_mut().find(|c| c.starts_with("  opex_years:")) {
            Some(c) if c == "  opex_years: 0" => *c = opex,
            Some(_) => {}
            None => d.costs.push(opex),
        }
        d.costs.push("  residual_value: straight_line".to_string());
        tag("residual");
    }

    if precision {
        for a in 0..na {
            if !r.chance(60) {
                continue;
            }
            let t = d.tflops[a];
            let map = match r.range(0, 4) {
                0 => format!("{{bf16: {}, fp8: {}}}", num(t), num(2.0 * t)),
                1 => format!(
                    "{{bf16: {}, fp8: {}, fp4: {}}}",
                    num(t),
                    num(2.0 * t),
                    num(4.0 * t)
                ),
                2 => format!("{{fp8: {}, fp4: {}}}", num(2.0 * t), num(4.0 * t)),
                3 => {
                    tag("fp32");
                    format!("{{bf16: {}, fp32: {}}}", num(t), num(t / 2.0))
                }
                _ => format!("{{bf16: {}, fp4: {}}}", num(t), num(3.0 * t)),
            };
            let line = format!("    tflops: {}\n", num(t));
            assert!(blocks[a].contains(&line), "c{a} has no `{line}`");
            blocks[a] = blocks[a].replace(&line, &format!("    tflops: {map}\n"));
            tag("tflops by precision");
        }
        if r.chance(75) {
            let p = r.pick(&PRECISIONS);
            if rest.contains("demand: {") {
                rest = rest.replace("demand: {", &format!("demand: {{precision: {p}, "));
            } else if !d.use_sites {
                writeln!(rest, "demand: {{precision: {p}}}").unwrap();
            }
            tag("demand precision");
            if p == "fp32" {
                tag("fp32");
            }
        }
        for w in d.classes.clone() {
            if r.chance(40) {
                let p = r.pick(&PRECISIONS);
                rest = with_precision(&rest, w, p);
                tag("workload precision");
            }
        }
    }
    d.yaml = prefix + &blocks.concat() + &rest;
    true
}

/// Adds, after [`extend`] and from the same stream, removals and moves of installed fleets
/// and the domestic energy discount (section 6) to the draft `d` (`nat` is the scenario as
/// issue 14 drew it, `vectors` its purchase vectors); `false`: left as it was.
///
/// - **removal**: with chance 50 in 100 when some site has installed units, each entry of
///   at most 4 units gets, with chance 70 in 100, `removal {salvage_value, cost}` (salvage
///   above the cost, a revenue, only without a total `budget`: see below) and, with 2-3
///   sites and chance 50 in 100, `move_to` one or two other sites, with
///   `costs.relocation_per_unit`. An entry whose removals and moves would take the brute
///   force past [`MAX_VECTORS`] (purchase vectors times [`change_vectors`]) stays without
///   `removal` (first without `move_to`): the bound never cuts an enumeration short.
/// - **energy discount**: with chance 30 in 100 when the scenario pays for electricity,
///   `costs.domestic_energy_discount {rate, min_share}`, and with sites, sometimes a site's
///   own `min_share` or `null`.
///
/// Neither changes the purchase domains, and the enumeration stays exact. The removals
/// and moves are enumerated whole ([`change_sets`]: every split of each entry's units
/// among taking out and moving in each period it serves), so only the purchase bounds
/// need an argument: `max_units`, `available` and `capex_budget` do not see removals
/// (format, "Removals and moves": their cost enters `budget`, not `capex_budget`); the
/// site's power bound holds for any fleet since every card's power is >= 0; and `budget`
/// counts `capex_t + opex_t - d_t + removal_t` where `d_t <= opex_t` (a rate of at most 1)
/// and `removal_t >= 0` when no salvage exceeds its cost, so `capex_t <= budget_t` still
/// bounds every feasible plan. Hence salvage above cost only without `budget`.
fn extend_fleet(r: &mut Rng, d: &mut Draft, nat: &National, vectors: u64) -> bool {
    let ns = nat.sites.len();
    let entries: Vec<(usize, usize)> = (0..ns)
        .flat_map(|s| (0..nat.sites[s].existing.len()).map(move |i| (s, i)))
        .collect();
    let mut changed = false;
    let tag = |d: &mut Draft, t: &str| {
        if !d.tags.iter().any(|x| x == t) {
            d.tags.push(t.to_string())
        }
    };
    if !entries.is_empty() && r.chance(50) {
        // The installed entries' lines, in the order of `entries`.
        let lines: Vec<(usize, usize)> = d
            .yaml
            .match_indices("- {id: c")
            .map(|(i, _)| (i, i + d.yaml[i..].find('\n').unwrap()))
            .collect();
        assert_eq!(lines.len(), entries.len(), "existing lines\n{}", d.yaml);
        let mut budget_left = MAX_VECTORS / vectors;
        let mut edits: Vec<(usize, String)> = Vec::new();
        let mut moves = false;
        for (k, &(s, i)) in entries.iter().enumerate() {
            let e = &nat.sites[s].existing[i];
            let removable = r.chance(70);
            let salvage = r.pick(&[0u64, 500, 2000, 5000]);
            let cost = r.pick(&[0u64, 200, 1000]);
            let salvage = if nat.budget.is_some() {
                salvage.min(cost)
            } else {
                salvage
            };
            let mut to: Vec<usize> = Vec::new();
            if ns > 1 && r.chance(50) {
                let others: Vec<usize> = (0..ns).filter(|&o| o != s).collect();
                let n = r.range(1, others.len() as i64) as usize;
                let first = r.range(0, others.len() as i64 - 1) as usize;
                to = (0..n).map(|j| others[(first + j) % others.len()]).collect();
                to.sort();
            }
            if !removable || e.units > 4 {
                continue;
            }
            let serving = (0..d.nt).filter(|&t| e.serves_in(d.years[t])).count();
            let mut ways = splits(e.units, serving * (1 + to.len()));
            if ways > budget_left && !to.is_empty() {
                to.clear();
                ways = splits(e.units, serving);
            }
            if ways > budget_left {
                continue;
            }
            budget_left /= ways;
            let mut terms = format!("salvage_value: {salvage}, cost: {cost}");
            if !to.is_empty() {
                let ids: Vec<String> = to.iter().map(|o| format!("s{o}")).collect();
                write!(terms, ", move_to: [{}]", ids.join(", ")).unwrap();
                moves = true;
            }
            edits.push((lines[k].1 - 1, format!(", removal: {{{terms}}}")));
            tag(d, "removal");
            if salvage > cost {
                tag(d, "salvage above cost");
            }
        }
        for (at, text) in edits.into_iter().rev() {
            d.yaml.insert_str(at, &text);
        }
        if moves {
            let per = r.pick(&[0, 100, 500, 2000]);
            d.costs.push(format!("  relocation_per_unit: {per}"));
            tag(d, "move");
        }
        changed |= d.tags.iter().any(|t| t == "removal");
    }
    let electricity = d
        .costs
        .iter()
        .any(|c| c.starts_with("  energy_price_per_kwh:"));
    if electricity && r.chance(30) {
        let rate = r.pick(&[0.2, 0.5, 1.0]);
        let mut rule = format!("{{rate: {rate}");
        if r.chance(60) {
            write!(rule, ", min_share: {}", r.pick(&[0.5, 0.8, 1.0])).unwrap();
        }
        d.costs
            .push(format!("  domestic_energy_discount: {rule}}}"));
        tag(d, "energy discount");
        if d.use_sites && r.chance(40) {
            let s = r.range(0, ns as i64 - 1);
            let line = format!("  - id: s{s}\n");
            let over = if r.chance(50) {
                "null".to_string()
            } else {
                format!("{{min_share: {}}}", r.pick(&[0.3, 0.6, 1.0]))
            };
            let at = d.yaml.find(&line).unwrap() + line.len();
            d.yaml
                .insert_str(at, &format!("    domestic_energy_discount: {over}\n"));
            tag(d, "site discount");
        }
        changed = true;
    }
    changed
}

/// Ways to split at most `units` whole units among `slots` (each >= 0):
/// C(units + slots, slots).
fn splits(units: u64, slots: usize) -> u64 {
    (1..=slots as u64).fold(1, |acc, j| acc * (units + j) / j)
}

/// Removal-and-move vectors the brute force enumerates for `nat` (1 without removals).
fn change_vectors(nat: &National) -> u64 {
    nat.removable()
        .iter()
        .map(|&(s, i)| {
            let e = &nat.sites[s].existing[i];
            let slots = (0..nat.periods())
                .filter(|&t| e.serves_in(nat.years[t]))
                .count()
                * (1 + e.removal.as_ref().map_or(0, |r| r.move_to.len()));
            splits(e.units, slots)
        })
        .product()
}

/// Every set of removals and moves of `nat`: per removable entry, every split of at most
/// its units among (period it serves) x (taken out, or moved to each `move_to` site), the
/// entries combined in every way; zero-unit changes left out.
#[cfg_attr(feature = "highs", allow(dead_code))]
fn change_sets(nat: &National) -> Vec<Vec<FleetChange>> {
    let mut sets: Vec<Vec<FleetChange>> = vec![Vec::new()];
    for (s, i) in nat.removable() {
        let e = &nat.sites[s].existing[i];
        let dests: Vec<Option<usize>> = std::iter::once(None)
            .chain(e.removal.as_ref().unwrap().move_to.iter().map(|&o| Some(o)))
            .collect();
        let slots: Vec<(usize, Option<usize>)> = (0..nat.periods())
            .filter(|&t| e.serves_in(nat.years[t]))
            .flat_map(|t| dests.iter().map(move |&to| (t, to)))
            .collect();
        // Every vector of `slots.len()` whole numbers summing to at most `units`.
        let mut ways: Vec<Vec<FleetChange>> = Vec::new();
        let mut k = vec![0u64; slots.len()];
        loop {
            ways.push(
                slots
                    .iter()
                    .zip(&k)
                    .filter(|(_, n)| **n > 0)
                    .map(|(&(period, to), &n)| FleetChange {
                        site: s,
                        entry: i,
                        period,
                        to,
                        units: n as f64,
                    })
                    .collect(),
            );
            let mut j = 0;
            loop {
                if j == k.len() {
                    break;
                }
                if k.iter().sum::<u64>() < e.units {
                    k[j] += 1;
                    break;
                }
                k[j] = 0;
                j += 1;
            }
            if j == k.len() {
                break;
            }
        }
        sets = sets
            .iter()
            .flat_map(|set| {
                ways.iter().map(move |w| {
                    let mut v = set.clone();
                    v.extend_from_slice(w);
                    v
                })
            })
            .collect();
    }
    sets
}

/// `text` with every workload `w: VALUE` (a number or a `{year: value}` map) written
/// `w: {pflops: VALUE, precision: P}`.
fn with_precision(text: &str, w: &str, p: &str) -> String {
    let key = format!("{w}: ");
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(&key) {
        out.push_str(&rest[..i + key.len()]);
        rest = &rest[i + key.len()..];
        let end = if rest.starts_with('{') {
            rest.find('}').unwrap() + 1
        } else {
            rest.find([',', '}']).unwrap()
        };
        write!(out, "{{pflops: {}, precision: {p}}}", &rest[..end]).unwrap();
        rest = &rest[end..];
    }
    out + rest
}

/// One draw of a scenario, as the generator of issue 14 wrote it, with what
/// [`extend`] needs to add the rule families of 2025-2026 after it.
#[derive(Clone)]
struct Draft {
    /// The YAML up to the costs (name, periods, accelerators, sites, policy, limits).
    yaml: String,
    /// Where each accelerator's lines end in `yaml` (a line may be added there).
    acc_end: Vec<usize>,
    /// The `costs` lines.
    costs: Vec<String>,
    /// The rule-family tags.
    tags: Vec<String>,
    /// "SxTxA objective".
    head: String,
    /// Periods.
    nt: usize,
    /// Whether the scenario has sites.
    use_sites: bool,
    /// Workload classes of the demand (none with `demand.pflops`).
    classes: Vec<&'static str>,
    /// Years of the periods.
    years: Vec<i64>,
    /// Each card's (BF16) TFLOPS.
    tflops: Vec<f64>,
}

impl Draft {
    /// The scenario's YAML and shape.
    fn finish(mut self) -> (String, String) {
        if !self.costs.is_empty() {
            writeln!(self.yaml, "costs:\n{}", self.costs.join("\n")).unwrap();
        }
        writeln!(
            self.yaml,
            "solver: {{mip_gap: 0, time_limit_s: {TIME_LIMIT_S}}}"
        )
        .unwrap();
        (
            self.yaml,
            format!("{} [{}]", self.head, self.tags.join(", ")),
        )
    }
}

/// One draw of a scenario of issue 14 (sections 1 and 2 of the format).
fn draw(r: &mut Rng, index: u64) -> Draft {
    let single = r.chance(50);
    let (ns, nt) = if single {
        (1, 1)
    } else {
        loop {
            let (ns, nt) = (r.range(1, 3) as usize, r.range(1, 3) as usize);
            if (ns, nt) != (1, 1) {
                break (ns, nt);
            }
        }
    };
    let use_sites = ns > 1 || (!single && r.chance(40));
    let max_pflops = nt == 1 && r.chance(25);
    let use_periods = nt > 1 || (!single && !max_pflops && r.chance(40));
    let workloads = !max_pflops && r.chance(30);
    let na = if ns * nt >= 4 {
        2
    } else if single {
        r.range(2, 4) as usize
    } else {
        r.range(2, 3) as usize
    };
    let mut years = vec![2025i64];
    for _ in 1..nt {
        let last = *years.last().unwrap();
        years.push(last + r.pick(&[1, 1, 2]));
    }
    // Most lots per buyable variable that keeps the product near MAX_VECTORS.
    // In whole numbers: `powf` gave the debug build a lower bound than the release build
    // for 622 indices, so the two drew different corpora.
    let vars = (ns * nt * na) as u32;
    let root = (1..=MAX_VECTORS)
        .take_while(|k| k.pow(vars) <= MAX_VECTORS)
        .last();
    let lots_hi = (root.unwrap() as i64 - 1).max(1);
    let mut tags: Vec<String> = Vec::new();
    let mut tag = |t: &str| {
        if !tags.iter().any(|x| x == t) {
            tags.push(t.to_string())
        }
    };

    // Accelerators.
    let mut y = String::new();
    writeln!(y, "name: corpus {index}").unwrap();
    if max_pflops {
        writeln!(y, "objective: max_pflops").unwrap();
    }
    if use_periods {
        let ys: Vec<String> = years.iter().map(|y| y.to_string()).collect();
        writeln!(y, "periods: [{}]", ys.join(", ")).unwrap();
        tag("periods");
    }
    writeln!(y, "accelerators:").unwrap();
    let nv = r.range(1, na.min(3) as i64) as usize + 1;
    let memory = r.chance(25);
    let classes: Vec<&str> = if workloads {
        WORKLOADS[..r.range(2, 3) as usize].to_vec()
    } else {
        Vec::new()
    };
    let mut price = vec![vec![0.0; nt]; na];
    let mut tflops = vec![0.0; na];
    let mut power = vec![0.0; na];
    let mut mem = vec![0.0; na];
    let mut cap_units = vec![vec![None::<f64>; nt]; na];
    let mut platforms: Vec<&str> = Vec::new();
    let budget_bounded = r.chance(20);
    let mut acc_end = Vec::new();
    for a in 0..na {
        if a > 0 {
            acc_end.push(y.len());
        }
        let tie = a == 1 && r.chance(10);
        if tie {
            tag("tie");
        }
        let origin = match a {
            0 => "domestic",
            1 => "foreign",
            _ => r.pick(&["domestic", "foreign"]),
        };
        let vendor = if tie { VENDORS[0] } else { VENDORS[a % nv] };
        writeln!(y, "  - id: c{a}").unwrap();
        writeln!(y, "    vendor: {vendor}").unwrap();
        writeln!(y, "    origin: {}", if tie { "domestic" } else { origin }).unwrap();
        if r.chance(45) {
            let p = r.pick(&PLATFORMS);
            writeln!(y, "    platform: {p}").unwrap();
            if !platforms.contains(&p) {
                platforms.push(p);
            }
        }
        let vary_price = use_periods && r.chance(40);
        price[a] = if tie {
            price[0].clone()
        } else {
            draw_per_year(r, nt, vary_price, |r| (r.range(4, 40) * 500) as f64)
        };
        if vary_price {
            tag("per-year prices");
        }
        tflops[a] = if tie {
            tflops[0]
        } else {
            (r.range(2, 20) * 50) as f64
        };
        power[a] = if tie {
            power[0]
        } else if r.chance(65) {
            (r.range(1, 8) * 100) as f64
        } else {
            0.0
        };
        let pv: Vec<String> = price[a].iter().map(|v| num(*v)).collect();
        writeln!(y, "    unit_price: {}", per_year(&years, &pv)).unwrap();
        writeln!(y, "    tflops: {}", num(tflops[a])).unwrap();
        if power[a] > 0.0 {
            writeln!(y, "    power_w: {}", num(power[a])).unwrap();
        }
        if memory {
            mem[a] = if tie {
                mem[0]
            } else {
                (r.range(1, 6) * 32) as f64
            };
            writeln!(y, "    memory_gb: {}", num(mem[a])).unwrap();
        }
        let lot = r.pick(&[1u64, 1, 1, 2, 4, 8]);
        if lot > 1 {
            writeln!(y, "    lot_size: {lot}").unwrap();
            tag("lots");
        }
        if lots_hi >= 3 && r.chance(15) {
            writeln!(y, "    min_units: {}", lot * 2).unwrap();
            tag("min_units");
        }
        // Supply per period; left out when a budget bounds the purchases instead.
        let vary_cap = use_periods && r.chance(50);
        if !budget_bounded || a == 0 {
            let caps = draw_per_year(r, nt, vary_cap, |r| {
                let lo = if r.chance(5) { 0 } else { 1 };
                (r.range(lo, lots_hi) as u64 * lot + if lot > 1 && r.chance(20) { 1 } else { 0 })
                    as f64
            });
            for t in 0..nt {
                cap_units[a][t] = Some(caps[t]);
            }
            let cv: Vec<String> = caps.iter().map(|v| num(*v)).collect();
            writeln!(y, "    max_units: {}", per_year(&years, &cv)).unwrap();
            tag(if vary_cap {
                "supply per year"
            } else {
                "supply"
            });
        }
        if r.chance(10) {
            if use_periods && nt > 1 && r.chance(60) {
                let av: Vec<String> = (0..nt).map(|t| (t != 0).to_string()).collect();
                writeln!(y, "    available: {}", per_year(&years, &av)).unwrap();
                cap_units[a][0] = Some(0.0);
                tag("availability per year");
            } else {
                writeln!(y, "    available: false").unwrap();
                for t in 0..nt {
                    cap_units[a][t] = Some(0.0);
                }
                tag("unavailable");
            }
        }
        if workloads {
            let mut effs = Vec::new();
            for w in &classes {
                if r.chance(70) {
                    effs.push(format!("{w}: {}", r.pick(&[0.0, 0.5, 0.65, 0.8, 0.9, 1.0])));
                }
            }
            if !effs.is_empty() {
                writeln!(y, "    efficiency: {{{}}}", effs.join(", ")).unwrap();
                tag("efficiency");
            }
        }
        if nt > 1 && r.chance(30) {
            writeln!(y, "    lifetime_years: {}", r.range(1, 3)).unwrap();
            tag("lifetimes");
        }
    }

    acc_end.push(y.len());

    // What the purchases could reach at most, per period (for demands and limits).
    // What the purchases could reach at most: `reach` in the fleet of period t (every
    // purchase up to t kept), `spend_hi` in period t's purchases alone.
    let cap = |a: usize, t: usize| cap_units[a][t].unwrap_or(lots_hi as f64 * 2.0);
    let reach = |t: usize, f: &dyn Fn(usize) -> f64| -> f64 {
        (0..na)
            .map(|a| (0..=t).map(|u| cap(a, u)).sum::<f64>() * f(a))
            .sum()
    };
    let spend_hi: Vec<f64> = (0..nt)
        .map(|t| (0..na).map(|a| cap(a, t) * price[a][t]).sum())
        .collect();

    // Sites.
    let mut sites = String::new();
    let site_demand = |r: &mut Rng, ind: &str, out: &mut String, tag: &mut dyn FnMut(&str)| {
        let over = r.chance(6);
        let frac = |r: &mut Rng| {
            if over {
                r.frac(110, 150)
            } else {
                r.frac(10, if ns > 1 { 45 } else { 70 })
            }
        };
        let rising = nt > 1 && r.chance(75);
        let pf: Vec<f64> = (0..nt)
            .map(|t| {
                let f = frac(r)
                    * if rising {
                        (t + 1) as f64 / nt as f64
                    } else {
                        1.0
                    };
                ((reach(t, &|a| tflops[a]) / 1000.0 / ns as f64) * f * 10.0).round() / 10.0
            })
            .collect();
        let mut parts = Vec::new();
        if max_pflops {
            if r.chance(30) {
                let v: Vec<String> = pf.iter().map(|v| num(v * 0.5)).collect();
                parts.push(format!("pflops: {}", per_year(&years, &v)));
                tag("pflops floor");
            }
        } else if workloads {
            let mut ws = Vec::new();
            for w in &classes {
                let share = r.frac(20, 60);
                let v: Vec<String> = pf
                    .iter()
                    .map(|v| num((v * share * 10.0).round() / 10.0))
                    .collect();
                ws.push(format!("{w}: {}", per_year(&years, &v)));
            }
            parts.push(format!("workloads: {{{}}}", ws.join(", ")));
        } else {
            let v: Vec<String> = pf.iter().map(|v| num(*v)).collect();
            parts.push(format!("pflops: {}", per_year(&years, &v)));
        }
        if memory && r.chance(70) {
            let v: Vec<String> = (0..nt)
                .map(|t| {
                    num(
                        (reach(t, &|a| mem[a]) / 1000.0 / ns as f64 * r.frac(10, 60) * 100.0)
                            .round()
                            / 100.0,
                    )
                })
                .collect();
            parts.push(format!("memory_tb: {}", per_year(&years, &v)));
            tag("memory");
        }
        if !parts.is_empty() {
            writeln!(out, "{ind}demand: {{{}}}", parts.join(", ")).unwrap();
        }
    };
    // Installed cards; returns their board power in W (for the power limits).
    let existing = |r: &mut Rng, ind: &str, out: &mut String, tag: &mut dyn FnMut(&str)| {
        let mut watts = 0.0;
        if r.chance(30) {
            writeln!(out, "{ind}existing:").unwrap();
            for _ in 0..r.range(1, 2) {
                let a = r.range(0, na as i64 - 1);
                let units = r.range(1, 3) * r.pick(&[1, 2]);
                watts += units as f64 * power[a as usize];
                if use_periods && r.chance(50) {
                    let ry = years[r.range(0, nt as i64 - 1) as usize] + r.range(-1, 0);
                    writeln!(
                        out,
                        "{ind}  - {{id: c{a}, units: {units}, retire_year: {ry}}}"
                    )
                    .unwrap();
                    tag("retiring fleet");
                } else {
                    writeln!(out, "{ind}  - {{id: c{a}, units: {units}}}").unwrap();
                }
                tag("existing");
            }
        }
        watts
    };
    let power_kw = |r: &mut Rng, installed_w: f64| -> Option<String> {
        if !r.chance(30) || power.iter().all(|p| *p == 0.0) {
            return None;
        }
        let vary = use_periods && r.chance(40);
        let v = draw_per_year(r, nt, vary, |r| r.frac(40, 100));
        let vals: Vec<String> = (0..nt)
            .map(|t| {
                num(
                    ((reach(t, &|a| power[a]) / ns as f64 * v[t] + installed_w) * 1.5 / 1000.0
                        * 10.0)
                        .ceil()
                        / 10.0,
                )
            })
            .collect();
        Some(per_year(&years, &vals))
    };
    let share_rule = |r: &mut Rng, tag: &mut dyn FnMut(&str), what: &str| -> String {
        let basis = r.pick(&["units", "tflops", "spend"]);
        let vary = use_periods && r.chance(30);
        let mins = draw_per_year(r, nt, vary, |r| r.pick(&[0.1, 0.2, 0.3, 0.4, 0.5]));
        let mv: Vec<String> = mins.iter().map(|v| num(*v)).collect();
        let mut rule = format!("min: {}, basis: {basis}", per_year(&years, &mv));
        tag(&format!("{what}:{basis}"));
        if basis == "units" && r.chance(25) {
            rule.push_str(", strict: true");
            tag("strict");
        } else if what == "site share" {
            // A site's rule keeps the policy's `strict` unless it says otherwise.
            rule.push_str(", strict: false");
        }
        rule
    };
    let energy = r.chance(50);
    let mut installed_w = 0.0;
    let policy_share = r.chance(40);
    if use_sites {
        writeln!(sites, "sites:").unwrap();
        for s in 0..ns {
            writeln!(sites, "  - id: s{s}").unwrap();
            site_demand(r, "    ", &mut sites, &mut tag);
            let installed_w = existing(r, "    ", &mut sites, &mut tag);
            if let Some(p) = power_kw(r, installed_w) {
                writeln!(sites, "    power_kw: {p}").unwrap();
                tag("power");
            }
            if energy && r.chance(30) {
                let vary = use_periods && r.chance(40);
                let v = draw_per_year(r, nt, vary, |r| r.pick(&[0.04, 0.06, 0.12]));
                let vals: Vec<String> = v.iter().map(|v| num(*v)).collect();
                writeln!(
                    sites,
                    "    energy_price_per_kwh: {}",
                    per_year(&years, &vals)
                )
                .unwrap();
                tag("site energy");
            }
            if r.chance(20) {
                writeln!(sites, "    pue: {}", r.pick(&[1.1, 1.3])).unwrap();
                tag("site pue");
            }
            if r.chance(18) {
                if policy_share && r.chance(50) {
                    writeln!(
                        sites,
                        "    domestic_share: {{min: {}}}",
                        r.pick(&[0.2, 0.4, 0.6])
                    )
                    .unwrap();
                } else {
                    let rule = share_rule(r, &mut tag, "site share");
                    writeln!(sites, "    domestic_share: {{{rule}}}").unwrap();
                }
                tag("site override");
            }
        }
    } else {
        site_demand(r, "", &mut sites, &mut tag);
        installed_w = existing(r, "", &mut sites, &mut tag);
    }
    y.push_str(&sites);

    // Policy.
    let national = (!single || r.chance(10)) && r.chance(35);
    if policy_share || national {
        writeln!(y, "policy:").unwrap();
        if policy_share {
            let rule = share_rule(r, &mut tag, "share");
            writeln!(y, "  domestic_share: {{{rule}}}").unwrap();
        }
        if national {
            let rule = share_rule(r, &mut tag, "national share");
            writeln!(y, "  national_domestic_share: {{{rule}}}").unwrap();
        }
    }

    // Limits.
    let mut limits = Vec::new();
    let (budget, mut capex) = if max_pflops {
        let b = r.chance(50);
        (b, !b || r.chance(50))
    } else {
        (r.chance(20), r.chance(25))
    };
    if budget_bounded && !budget {
        capex = true;
    }
    // A spending limit per year: the plan's most spending times a drawn fraction in
    // `lo..=hi` hundredths (per year when the years vary), at least 1,000.
    let spend_limit = |r: &mut Rng, lo: i64, hi: i64| -> Vec<String> {
        let vary = use_periods && r.chance(40);
        let v = draw_per_year(r, nt, vary, |r| r.frac(lo, hi));
        (0..nt)
            .map(|t| num((spend_hi[t] * v[t]).round().max(1000.0)))
            .collect()
    };
    if budget {
        let vals = spend_limit(r, 70, 130);
        limits.push(format!("  budget: {}", per_year(&years, &vals)));
        tag("budget");
    }
    if capex {
        let vals = spend_limit(r, 60, 120);
        limits.push(format!("  capex_budget: {}", per_year(&years, &vals)));
        tag("capex budget");
    }
    if !use_sites && let Some(p) = power_kw(r, installed_w) {
        limits.push(format!("  power_kw: {p}"));
        tag("power");
    }
    if r.chance(12) {
        limits.push(format!("  vendor_max_share: {}", r.pick(&[0.6, 0.75, 0.9])));
        tag("vendor share");
    }
    if !limits.is_empty() {
        writeln!(y, "limits:\n{}", limits.join("\n")).unwrap();
    }

    // Costs.
    let mut costs = Vec::new();
    if energy {
        let vary = use_periods && r.chance(30);
        let v = draw_per_year(r, nt, vary, |r| r.pick(&[0.05, 0.08, 0.1, 0.15]));
        let vals: Vec<String> = v.iter().map(|v| num(*v)).collect();
        costs.push(format!(
            "  energy_price_per_kwh: {}",
            per_year(&years, &vals)
        ));
        costs.push(format!("  utilization: {}", r.pick(&[0.5, 0.8, 1.0])));
        costs.push(format!("  opex_years: {}", r.pick(&[0, 1, 2, 3])));
        tag("electricity");
    }
    if r.chance(30) {
        costs.push(format!("  pue: {}", r.pick(&[1.0, 1.2, 1.5])));
    }
    if !platforms.is_empty() && r.chance(60) {
        let items: Vec<String> = platforms
            .iter()
            .map(|p| format!("{p}: {}", r.range(1, 30) * 1000))
            .collect();
        costs.push(format!("  platform_adoption: {{{}}}", items.join(", ")));
        tag("adoption");
    }
    if use_periods && nt > 1 && r.chance(40) {
        costs.push(format!("  discount_rate: {}", r.pick(&[0.05, 0.08, 0.1])));
        tag("discount");
    }
    if workloads {
        tag("workloads");
    }
    let objective = if max_pflops { "max_pflops" } else { "min_cost" };
    Draft {
        yaml: y,
        acc_end,
        costs,
        tags,
        head: format!("{ns}x{nt}x{na} {objective}"),
        nt,
        use_sites,
        classes,
        years,
        tflops,
    }
}

// ---------------------------------------------------------------------------------------
// References
// ---------------------------------------------------------------------------------------

/// The optimum: (total cost, PFLOPS of the last period).
#[derive(Debug, Clone, Copy)]
pub struct Best {
    cost: f64,
    pflops: f64,
}

/// The brute force's domains: (site, period, accelerator, most lots) for each variable,
/// from `max_units`, the period's capex and total budgets over the unit price, and the
/// site's power over the card's facility power (0 when the card is unavailable). An error
/// when a variable is unbounded.
fn domains(nat: &National) -> Result<Vec<(usize, usize, usize, u64)>, String> {
    let mut out = Vec::new();
    for s in 0..nat.sites.len() {
        for t in 0..nat.periods() {
            for (a, acc) in nat.accelerators.iter().enumerate() {
                let pp = &nat.per_period[a];
                let mut units = f64::INFINITY;
                if !pp.available[t] {
                    units = 0.0;
                }
                if let Some(m) = pp.max_units[t] {
                    units = units.min(m as f64);
                }
                let price = pp.unit_price[t];
                for limit in [&nat.capex_budget, &nat.budget].into_iter().flatten() {
                    if price > 0.0 {
                        units = units.min(limit[t] / price);
                    }
                }
                let site = &nat.sites[s];
                if let Some(kw) = &site.power_kw
                    && acc.power_w > 0.0
                {
                    units = units.min(kw[t] * 1000.0 / (site.pue * acc.power_w));
                }
                if !units.is_finite() {
                    return Err(format!("{} at site {s}, period {t} is unbounded", acc.id));
                }
                out.push((s, t, a, ((units + 1e-9).floor() as u64) / acc.lot_size));
            }
        }
    }
    Ok(out)
}

/// The best vector of the domains, with the best set of removals and moves
/// ([`change_sets`]), that the checker accepts (`None`: infeasible).
#[cfg_attr(feature = "highs", allow(dead_code))]
fn brute_force(nat: &National) -> Result<Option<Best>, String> {
    let doms = domains(nat)?;
    let mut best: Option<Best> = None;
    for changes in change_sets(nat) {
        best_purchases(nat, &doms, &changes, &mut best);
    }
    Ok(best)
}

/// Improves `best` with every purchase vector of `doms` under the removals and moves
/// `changes`.
#[cfg_attr(feature = "highs", allow(dead_code))]
fn best_purchases(
    nat: &National,
    doms: &[(usize, usize, usize, u64)],
    changes: &[FleetChange],
    best: &mut Option<Best>,
) {
    let (na, ns, nt) = (nat.accelerators.len(), nat.sites.len(), nat.periods());
    let mut k = vec![0u64; doms.len()];
    let mut x = vec![vec![vec![0.0; na]; nt]; ns];
    loop {
        for (i, &(s, t, a, _)) in doms.iter().enumerate() {
            x[s][t][a] = (k[i] * nat.accelerators[a].lot_size) as f64;
        }
        let e = evaluate_with(nat, &x, changes);
        if e.violations().is_empty() {
            let here = Best {
                cost: e.total_cost,
                pflops: e.periods.last().map_or(0.0, |p| p.pflops),
            };
            let better = match (*best, nat.objective) {
                (None, _) => true,
                (Some(b), Objective::MinCost) => here.cost < b.cost,
                (Some(b), Objective::MaxPflops) => {
                    here.pflops > b.pflops + 1e-9 * b.pflops.max(1.0)
                        || (here.pflops >= b.pflops - 1e-9 * b.pflops.max(1.0)
                            && here.cost < b.cost)
                }
            };
            if better {
                *best = Some(here);
            }
        }
        // Next vector (odometer).
        let mut i = 0;
        loop {
            if i == k.len() {
                return;
            }
            if k[i] < doms[i].3 {
                k[i] += 1;
                break;
            }
            k[i] = 0;
            i += 1;
        }
    }
}

/// Options of every plan of the corpus: `mip_gap` 0, a generous time limit, no conflict
/// analysis (the verdict is all that is compared).
fn options(backend: Backend) -> Options {
    Options {
        backend,
        mip_gap: Some(0.0),
        time_limit_s: Some(TIME_LIMIT_S),
        conflicts: false,
        ..Options::default()
    }
}

/// The reference optimum of `nat`: HiGHS with the `highs` feature.
#[cfg(feature = "highs")]
fn reference(nat: &National) -> Result<Option<Best>, String> {
    let p =
        chipmix::planner::plan(nat, &options(Backend::Highs)).map_err(|e| format!("HiGHS: {e}"))?;
    match p.status {
        Status::Optimal => Ok(Some(Best {
            cost: p.total_cost.unwrap_or(f64::NAN),
            pflops: p.pflops.unwrap_or(f64::NAN),
        })),
        Status::Infeasible => Ok(None),
        s => Err(format!("HiGHS: status {} ({:?})", s.as_str(), p.message)),
    }
}

/// The reference optimum of `nat`: the brute force without the `highs` feature.
#[cfg(not(feature = "highs"))]
fn reference(nat: &National) -> Result<Option<Best>, String> {
    brute_force(nat)
}

/// The reference's name, for messages.
const REFERENCE: &str = if cfg!(feature = "highs") {
    "HiGHS"
} else {
    "the brute force"
};

// ---------------------------------------------------------------------------------------
// One scenario
// ---------------------------------------------------------------------------------------

/// How a scenario failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A plan, but not proven optimal (status feasible, or a gap above 1e-9).
    NotProven,
    /// A proven plan whose objective is not the reference's.
    WrongOptimum,
    /// No plan (error, unbounded, infeasible) where the reference has one.
    NoPlan,
    /// A plan where the reference proves there is none.
    PlanWhereInfeasible,
    /// The plan does not pass `chipmix check`.
    CheckFailed,
    /// The planner or the reference returned an error.
    SolverError,
}

/// What one scenario gave.
pub struct Outcome {
    /// Seconds of the default build's plan.
    pub seconds: f64,
    /// Seconds of the reference.
    pub reference_seconds: f64,
    /// Whether the reference found no plan.
    pub infeasible: bool,
    /// The failure, if any: its kind and what differed.
    pub failure: Option<(Kind, String)>,
}

/// Money within 1e-6 relative, plus a cent.
fn same_money(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()) + 0.01
}

/// PFLOPS within 1e-6 relative.
fn same_pflops(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// What `chipmix check` finds wrong with `plan` (its JSON re-read and audited).
fn check_problems(nat: &National, plan: &Plan) -> Vec<String> {
    let text = chipmix::render::render(plan, chipmix::render::Format::Json);
    match read_saved_purchases(nat, &text) {
        Err(e) => vec![e],
        Ok(saved) => {
            let (_, found) = audit_national(nat, &saved);
            found.unreadable.into_iter().chain(found.problems).collect()
        }
    }
}

/// Plans `case` with the default backend and compares it with the reference.
pub fn run(case: &Case) -> Outcome {
    let nat = chipmix::scenario::load_str(&case.yaml, "corpus.yaml")
        .expect("a corpus scenario loads")
        .scenario;
    let started = Instant::now();
    let got = chipmix::planner::plan(&nat, &options(Backend::Microlp));
    let seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let want = reference(&nat);
    let reference_seconds = started.elapsed().as_secs_f64();
    let infeasible = matches!(want, Ok(None));
    let failure = judge(&nat, got, want);
    Outcome {
        seconds,
        reference_seconds,
        infeasible,
        failure,
    }
}

/// The failure of plan `got` against the reference `want`, if any.
fn judge(
    nat: &National,
    got: Result<Plan, chipmix::error::PlanError>,
    want: Result<Option<Best>, String>,
) -> Option<(Kind, String)> {
    let want = match want {
        Ok(w) => w,
        Err(e) => return Some((Kind::SolverError, format!("the reference failed: {e}"))),
    };
    let p = match got {
        Ok(p) => p,
        Err(e) => return Some((Kind::SolverError, format!("plan returned an error: {e}"))),
    };
    let Some(best) = want else {
        return (p.status != Status::Infeasible).then(|| {
            (
                if p.status.has_plan() {
                    Kind::PlanWhereInfeasible
                } else {
                    Kind::NoPlan
                },
                format!(
                    "{REFERENCE} finds no plan; microlp says {} (total cost {:?})",
                    p.status.as_str(),
                    p.total_cost
                ),
            )
        });
    };
    let want_text = format!(
        "{REFERENCE}: total cost {:.4}, {:.6} PFLOPS",
        best.cost, best.pflops
    );
    if !p.status.has_plan() {
        return Some((
            Kind::NoPlan,
            format!(
                "microlp says {} ({}); {want_text}",
                p.status.as_str(),
                p.message.as_deref().unwrap_or("")
            ),
        ));
    }
    let problems = check_problems(nat, &p);
    if !problems.is_empty() {
        return Some((
            Kind::CheckFailed,
            format!("chipmix check: {}", problems.join("; ")),
        ));
    }
    let cost = p.total_cost.unwrap_or(f64::NAN);
    let pflops = p.pflops.unwrap_or(f64::NAN);
    let got_text = format!(
        "microlp: {} (gap {:?}), total cost {cost:.4}, {pflops:.6} PFLOPS",
        p.status.as_str(),
        p.gap
    );
    let right = match nat.objective {
        Objective::MinCost => same_money(cost, best.cost),
        Objective::MaxPflops => same_pflops(pflops, best.pflops) && same_money(cost, best.cost),
    };
    if !right {
        return Some((Kind::WrongOptimum, format!("{got_text}; {want_text}")));
    }
    if p.status != Status::Optimal || p.gap.is_some_and(|g| g > 1e-9) {
        return Some((Kind::NotProven, format!("{got_text}; {want_text}")));
    }
    None
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

/// Runs shard `k` of [`SHARDS`] and fails with every failing index, its YAML and what
/// differed.
fn shard(k: u64) {
    let per = N.div_ceil(SHARDS);
    let mut failed = Vec::new();
    for i in k * per..((k + 1) * per).min(N) {
        let c = case(i);
        if let Some((kind, why)) = run(&c).failure {
            failed.push((i, kind, why, c));
        }
    }
    if failed.is_empty() {
        return;
    }
    let mut msg = format!(
        "{} of {per} corpus scenarios failed in shard {k} (indices {:?}):\n",
        failed.len(),
        failed.iter().map(|f| f.0).collect::<Vec<_>>()
    );
    for (i, kind, why, c) in &failed {
        writeln!(
            msg,
            "\n--- corpus {i} ({}): {kind:?}: {why}\n{}",
            c.shape, c.yaml
        )
        .unwrap();
    }
    panic!("{msg}");
}

#[test]
fn shard_0() {
    shard(0);
}

#[test]
fn shard_1() {
    shard(1);
}

#[test]
fn shard_2() {
    shard(2);
}

#[test]
fn shard_3() {
    shard(3);
}

#[test]
fn shard_4() {
    shard(4);
}

#[test]
fn shard_5() {
    shard(5);
}

#[test]
fn shard_6() {
    shard(6);
}

#[test]
fn shard_7() {
    shard(7);
}

/// The same index gives the same scenario, and the corpus has every shape and rule family
/// (counted from the generator's tags) often enough to matter.
#[test]
fn generator_is_deterministic_and_covers_every_family() {
    assert_eq!(case(17).yaml, case(17).yaml);
    assert_ne!(case(17).yaml, case(18).yaml);
    let cases: Vec<Case> = (0..N).map(case).collect();
    let count = |needle: &str| cases.iter().filter(|c| c.shape.contains(needle)).count();
    let singles = cases.iter().filter(|c| c.shape.starts_with("1x1x")).count();
    assert!(
        (800..=1200).contains(&singles),
        "{singles} single-site single-period scenarios of {N}"
    );
    // The families of 2025-2026 come to about a third of the corpus.
    let extended = cases
        .iter()
        .filter(|c| {
            ["resources", "residual", "precision"]
                .iter()
                .any(|f| c.shape.contains(f))
        })
        .count();
    assert!(
        (500..=800).contains(&extended),
        "{extended} scenarios of {N} with resources, residual value or precision"
    );
    for family in [
        "min_cost",
        "max_pflops",
        "workloads",
        "efficiency",
        "share:units",
        "share:tflops",
        "share:spend",
        "national share:",
        "site share:",
        "site override",
        "strict",
        "vendor share",
        "power",
        "memory",
        "budget",
        "capex budget",
        "supply",
        "supply per year",
        "lots",
        "min_units",
        "existing",
        "retiring fleet",
        "lifetimes",
        "adoption",
        "per-year prices",
        "discount",
        "periods",
        "electricity",
        "site energy",
        "site pue",
        "unavailable",
        "availability per year",
        "tie",
        "pflops floor",
        "3x3x",
        "3x1x",
        "1x3x",
        "resources",
        "2 resources",
        "residual",
        "tflops by precision",
        "demand precision",
        "workload precision",
        "fp32",
        "removal",
        "salvage above cost",
        "move",
        "energy discount",
        "site discount",
    ] {
        assert!(
            count(family) >= 10,
            "only {} scenarios with {family}",
            count(family)
        );
    }
}

/// The removals and moves the brute force tries are every split, each once: as many as
/// [`change_vectors`] counts (the bound `case` checks), all different, none taking out or
/// moving more than an entry holds, only in periods it serves, and only to its `move_to`.
#[test]
fn change_sets_are_every_split_once() {
    assert_eq!(splits(2, 2), 6); // (0,0) (1,0) (2,0) (0,1) (1,1) (0,2)
    assert_eq!(splits(4, 0), 1);
    let mut seen = 0;
    for i in 0..N {
        let c = case(i);
        if !c.shape.contains("removal") {
            continue;
        }
        seen += 1;
        let nat = load(i, &c.yaml);
        let sets = change_sets(&nat);
        assert_eq!(sets.len() as u64, change_vectors(&nat), "corpus {i}");
        let distinct: std::collections::HashSet<String> =
            sets.iter().map(|s| format!("{s:?}")).collect();
        assert_eq!(distinct.len(), sets.len(), "corpus {i}: a set twice");
        for set in &sets {
            for (s, e) in nat.removable() {
                let entry = &nat.sites[s].existing[e];
                let mine = set.iter().filter(|c| c.site == s && c.entry == e);
                assert!(mine.clone().map(|c| c.units).sum::<f64>() <= entry.units as f64);
                for c in mine {
                    assert!(c.units > 0.0 && entry.serves_in(nat.years[c.period]));
                    let to = &entry.removal.as_ref().unwrap().move_to;
                    assert!(c.to.is_none_or(|o| to.contains(&o)), "corpus {i}: {c:?}");
                }
            }
        }
    }
    assert!(seen >= 100, "{seen} scenarios with removals");
}

/// A seconds figure at quantile `q` of sorted `xs`.
fn quantile(xs: &[f64], q: f64) -> f64 {
    xs[((xs.len() as f64 - 1.0) * q).round() as usize]
}

/// The benchmark (`bench/corpus.sh`, release build): every scenario, one at a time, with
/// the failures by kind and the solve times.
#[test]
#[ignore = "benchmark: run by bench/corpus.sh in release"]
fn bench() {
    let started = Instant::now();
    let n: u64 = std::env::var("CHIPMIX_CORPUS_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(N);
    let mut rows = Vec::new();
    for i in 0..n {
        let c = case(i);
        let o = run(&c);
        rows.push((i, c, o));
    }
    let mut times: Vec<f64> = rows.iter().map(|r| r.2.seconds).collect();
    times.sort_by(f64::total_cmp);
    let mut by_kind: std::collections::BTreeMap<Kind, Vec<u64>> = Default::default();
    for (i, _, o) in &rows {
        if let Some((k, _)) = &o.failure {
            by_kind.entry(*k).or_default().push(*i);
        }
    }
    let failed: usize = by_kind.values().map(Vec::len).sum();
    println!(
        "corpus: {n} scenarios, reference {REFERENCE}, backend microlp (mip_gap 0, time limit {TIME_LIMIT_S} s)"
    );
    println!(
        "reference infeasible: {}",
        rows.iter().filter(|r| r.2.infeasible).count()
    );
    println!(
        "failed: {failed} ({:.2}%)",
        100.0 * failed as f64 / n as f64
    );
    for (k, idx) in &by_kind {
        println!("  {k:?}: {} {idx:?}", idx.len());
    }
    println!(
        "solve seconds: median {:.4}, p90 {:.4}, p99 {:.4}, max {:.4}, total {:.1}",
        quantile(&times, 0.5),
        quantile(&times, 0.9),
        quantile(&times, 0.99),
        times[times.len() - 1],
        times.iter().sum::<f64>()
    );
    let with = |f: &str| rows.iter().filter(|r| r.1.shape.contains(f)).count();
    println!(
        "2025-2026 families: resources {} (two: {}), residual {}, precision {} (tflops maps {}, demand {}, workload {})",
        with("resources"),
        with("2 resources"),
        with("residual"),
        with("precision"),
        with("tflops by precision"),
        with("demand precision"),
        with("workload precision"),
    );
    println!(
        "section 6: removal {} (salvage above cost {}, moves {}), energy discount {} (site override {}), neither {}",
        with("removal"),
        with("salvage above cost"),
        with("move"),
        with("energy discount"),
        with("site discount"),
        rows.iter()
            .filter(|r| !r.1.shape.contains("removal") && !r.1.shape.contains("energy discount"))
            .count(),
    );
    let reference: f64 = rows.iter().map(|r| r.2.reference_seconds).sum();
    println!("reference seconds: total {reference:.1}");
    rows.sort_by(|a, b| b.2.seconds.total_cmp(&a.2.seconds));
    println!("slowest:");
    for (i, c, o) in rows.iter().take(10) {
        let verdict = o
            .failure
            .as_ref()
            .map_or("ok".to_string(), |f| format!("{:?}", f.0));
        println!("  {i:>5} {:>8.3} s  {verdict:<12} {}", o.seconds, c.shape);
    }
    // The smallest reproducer of each kind (by YAML length).
    for (k, idx) in &by_kind {
        let (i, c, o) = rows
            .iter()
            .filter(|r| idx.contains(&r.0))
            .min_by_key(|r| r.1.yaml.len())
            .unwrap();
        println!(
            "\nsmallest {k:?}: corpus {i} ({}): {}\n{}",
            c.shape,
            o.failure.as_ref().unwrap().1,
            c.yaml
        );
    }
    println!("wall: {:.1} s", started.elapsed().as_secs_f64());
}

/// Prints scenario `CHIPMIX_CORPUS_INDEX` (a reproducer for `chipmix plan`) and what it
/// gives: `cargo test --test it corpus::show -- --ignored --nocapture`.
#[test]
#[ignore = "prints one scenario: set CHIPMIX_CORPUS_INDEX"]
fn show() {
    let i: u64 = std::env::var("CHIPMIX_CORPUS_INDEX")
        .ok()
        .and_then(|v| v.parse().ok())
        .expect("CHIPMIX_CORPUS_INDEX=N");
    let c = case(i);
    let o = run(&c);
    println!(
        "# corpus {i}: {}\n# microlp {:.3} s, reference {:.3} s: {:?}\n{}",
        c.shape, o.seconds, o.reference_seconds, o.failure, c.yaml
    );
}
