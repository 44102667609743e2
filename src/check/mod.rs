//! The independent plan checker: re-evaluates a purchase list against every rule of the
//! scenario, straight from the format's formulas. It shares nothing with the model builder
//! but the scenario types, so a bug in one is caught by the other. The plan's figures
//! (costs, PFLOPS, shares, binding constraints) are computed here, from the purchases.

pub mod allocation;
pub mod national;
pub mod removal;
pub mod system;

use crate::rules::{Constraint, Family};
use crate::scenario::validate::strict_fraction;
use crate::scenario::{Origin, Scenario, ShareBasis};
use good_lp::{Expression, Solution, SolverModel, variable, variables};

/// Relative tolerance of every comparison.
pub const TOLERANCE: f64 = 1e-6;

/// A rule that holds and is not binding, but whose slack is at most this fraction of its
/// limit (0.1%), is "near its limit" (the plan's `near_limit`).
pub const NEAR: f64 = 1e-3;

/// One rule of the scenario, evaluated on a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The constraint (its family and subject; its name is what `binding` lists).
    pub constraint: Constraint,
    /// The rule in the scenario's words, with the plan's figures.
    pub description: String,
    /// Whether the rule holds (within tolerance).
    pub holds: bool,
    /// Whether the rule is at its limit (to within one lot of the cheapest change).
    pub binding: bool,
    /// How far the rule is broken, in its own unit (0 when it holds or has no measure).
    pub excess: f64,
    /// Whether the rule holds, is not binding, but is within [`NEAR`] of its limit.
    pub near: bool,
    /// The rule's figure as a planner reads it (fleet PFLOPS, a share, facility kW, ...), in
    /// the unit of [`crate::rules::Family::limit_unit`].
    pub value: f64,
    /// The limit that figure is held against (the floor or the ceiling), same unit.
    pub limit: f64,
    /// How far the figure is from the limit, on the side where the rule holds (negative
    /// when broken), same unit.
    pub slack: f64,
}

impl Check {
    /// The rule as a message: its description, and by how much it is broken.
    pub fn message(&self) -> String {
        if self.holds || self.excess <= 0.0 {
            self.description.clone()
        } else {
            format!(
                "{} does NOT hold (off by {})",
                self.description,
                crate::numfmt::qty(self.excess, 6)
            )
        }
    }
}

/// Figures of a plan, computed from its purchases.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// New units per accelerator (scenario order).
    pub new_units: Vec<f64>,
    /// Fleet per accelerator: existing + new.
    pub fleet: Vec<f64>,
    /// Sum of unit price times new units.
    pub capex: f64,
    /// One-time platform adoption costs.
    pub adoption: f64,
    /// Energy cost of the whole fleet over `opex_years`.
    pub opex: f64,
    /// capex + adoption + opex.
    pub total_cost: f64,
    /// Fleet PFLOPS (dense BF16, no efficiency applied).
    pub pflops: f64,
    /// Fleet memory in TB.
    pub memory_tb: f64,
    /// Facility power in kW (PUE applied).
    pub facility_kw: f64,
    /// Platforms paid for.
    pub adopted_platforms: Vec<String>,
    /// Domestic share on the rule's basis (units when there is no rule); `None` when the
    /// basis total is zero.
    pub domestic_share: Option<f64>,
    /// Basis of `domestic_share`.
    pub share_basis: ShareBasis,
    /// Every rule, evaluated.
    pub checks: Vec<Check>,
}

impl Evaluation {
    /// The rules the plan breaks.
    pub fn violations(&self) -> Vec<&Check> {
        self.checks.iter().filter(|c| !c.holds).collect()
    }

    /// Families at their limit, each named once, in rule order.
    pub fn binding(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for c in self.checks.iter().filter(|c| c.binding) {
            let name = c.constraint.name();
            if !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }
}

/// The allowance of a rule whose sides are of size `scale`: relative, so that a rule over
/// tiny figures (a demand of 5e-6 PFLOPS) is held as strictly as one over large ones; an
/// allowance of 1e-6 in absolute terms let a plan 20% short of such a demand pass.
fn allowance(scale: f64) -> f64 {
    TOLERANCE * scale.abs().max(1e-9)
}

fn close_enough(slack: f64, scale: f64) -> bool {
    slack >= -allowance(scale)
}

/// Evaluates one rule, `lhs >= rhs` (or `lhs <= rhs` when `at_most`): it holds within the
/// tolerance, and binds when its slack is below the tolerance or (in whole lots) below
/// `step`, the smallest change one lot can make to `lhs`.
pub fn compare(
    constraint: Constraint,
    description: String,
    (lhs, rhs, at_most): (f64, f64, bool),
    step: f64,
    integer: bool,
) -> Check {
    let slack = if at_most { rhs - lhs } else { lhs - rhs };
    let scale = lhs.abs().max(rhs.abs());
    let holds = close_enough(slack, scale);
    let near = allowance(scale);
    let binding = holds && (slack <= near || (integer && step.is_finite() && slack < step - near));
    Check {
        constraint,
        description,
        holds,
        binding,
        excess: (-slack).max(0.0),
        near: false,
        value: lhs,
        limit: rhs,
        slack,
    }
    .figures(lhs, rhs, at_most)
}

impl Check {
    /// The rule's figure as shown (`value` against `limit`, a ceiling when `at_most`): sets
    /// the slack on that scale and whether the rule is near its limit (it holds, does not
    /// bind, and the slack is at most [`NEAR`] of the limit). Shares are compared as
    /// weights but shown as fractions: the relative slack is the same.
    pub fn figures(mut self, value: f64, limit: f64, at_most: bool) -> Check {
        let slack = if at_most {
            limit - value
        } else {
            value - limit
        };
        self.value = value;
        self.limit = limit;
        self.slack = slack;
        self.near = self.holds && !self.binding && slack <= NEAR * limit.abs();
        self
    }
}

struct Rules<'a> {
    s: &'a Scenario,
    integer: bool,
    checks: Vec<Check>,
}

impl Rules<'_> {
    /// Adds `lhs >= rhs` (or `lhs <= rhs` when `at_most`), where `step` is the smallest
    /// change one lot can make to `lhs` (0 in continuous mode).
    fn add(
        &mut self,
        constraint: Constraint,
        description: String,
        lhs: f64,
        rhs: f64,
        at_most: bool,
        step: f64,
    ) {
        let check = compare(
            constraint,
            description,
            (lhs, rhs, at_most),
            step,
            self.integer,
        );
        self.checks.push(check);
    }

    /// Shows the last rule added as `value` against `limit` (see [`Check::figures`]).
    fn shown(&mut self, value: f64, limit: f64, at_most: bool) {
        if let Some(last) = self.checks.pop() {
            self.checks.push(last.figures(value, limit, at_most));
        }
    }

    /// Smallest positive `|coef(a)| * lot(a)` over accelerators that can be bought.
    fn step(&self, coef: impl Fn(usize) -> f64) -> f64 {
        (0..self.s.accelerators.len())
            .filter(|&i| self.s.accelerators[i].available)
            .map(|i| coef(i).abs() * self.s.accelerators[i].lot_size as f64)
            .filter(|v| *v > 0.0)
            .fold(f64::INFINITY, f64::min)
    }
}

/// Cards of whole systems (section 6) at one site in one period, per accelerator: they
/// count in the fleet like any card, but their price is the systems' and they draw the
/// systems' extra power; `lot_size`, `min_units` and `available` (the loose cards' rules)
/// do not apply to them. Empty vectors read as zeros.
#[derive(Debug, Clone, Default)]
pub struct Bundled {
    /// Cards inside systems in service (bought in this period or earlier).
    pub cards: Vec<f64>,
    /// Cards inside the systems bought in this period.
    pub new_cards: Vec<f64>,
    /// What the systems bought in this period cost, per accelerator of their cards.
    pub spend: Vec<f64>,
    /// Watts the systems in service draw beyond their cards.
    pub extra_w: f64,
}

impl Bundled {
    fn at(v: &[f64], i: usize) -> f64 {
        v.get(i).copied().unwrap_or(0.0)
    }
}

/// Evaluates `new_units` (one number per accelerator, scenario order) against `s`.
/// `integer` says whether whole lots are required (the scenario's `solver.integer`).
pub fn evaluate(s: &Scenario, new_units: &[f64]) -> Evaluation {
    evaluate_bundled(s, new_units, &Bundled::default())
}

/// [`evaluate`] with the cards of whole systems `b` in the fleet, their price in capex
/// (and spend) and their extra power in the facility's.
pub fn evaluate_bundled(s: &Scenario, new_units: &[f64], b: &Bundled) -> Evaluation {
    let integer = s.solver.integer;
    let accs = &s.accelerators;
    let x: Vec<f64> = new_units.to_vec();
    let fleet: Vec<f64> = (0..accs.len())
        .map(|i| x[i] + s.existing_units(i) + Bundled::at(&b.cards, i))
        .collect();
    let mut r = Rules {
        s,
        integer,
        checks: Vec::new(),
    };

    // Per-accelerator rules.
    for (i, a) in accs.iter().enumerate() {
        let xi = x[i];
        let mut problems = Vec::new();
        if xi < 0.0 {
            problems.push(format!("negative purchase {xi}"));
        }
        if integer && (xi.fract() != 0.0 || !(xi as u64).is_multiple_of(a.lot_size)) {
            problems.push(format!(
                "{xi} units is not a whole number of lots of {}",
                a.lot_size
            ));
        }
        if !a.available && xi > 0.0 {
            problems.push(format!("{xi} units bought but it is not available"));
        }
        if let Some(m) = a.max_units
            && xi > m as f64 * (1.0 + TOLERANCE)
        {
            problems.push(format!("{xi} units exceed max_units {m}"));
        }
        if let Some(m) = a.min_units
            && xi > TOLERANCE
            && xi < m as f64 * (1.0 - TOLERANCE)
        {
            problems.push(format!("{xi} units is below min_units {m}"));
        }
        let holds = problems.is_empty();
        let at_cap = a.max_units.is_some_and(|m| {
            let m = m as f64;
            xi >= m - if integer {
                a.lot_size as f64
            } else {
                TOLERANCE * m.max(1.0)
            } + 1e-9
        });
        r.checks.push(Check {
            constraint: Constraint::supply(&a.id),
            description: if holds {
                format!("accelerators[{}]: {xi} new units", a.id)
            } else {
                format!("accelerators[{}]: {}", a.id, problems.join("; "))
            },
            holds,
            binding: holds && at_cap && xi > 0.0,
            excess: 0.0,
            near: false,
            value: xi,
            limit: a.max_units.map_or(f64::INFINITY, |m| m as f64),
            slack: a.max_units.map_or(f64::INFINITY, |m| m as f64 - xi),
        });
    }

    let pflops: f64 = fleet
        .iter()
        .enumerate()
        .map(|(i, n)| s.capacity_tflops(i) * n / 1000.0)
        .sum::<f64>()
        + 0.0;
    let memory_tb: f64 = accs
        .iter()
        .zip(&fleet)
        .map(|(a, n)| a.memory_gb * n / 1000.0)
        .sum::<f64>()
        + 0.0;
    let facility_kw: f64 = s.costs.pue
        * accs
            .iter()
            .zip(&fleet)
            .map(|(a, n)| a.power_w * n)
            .sum::<f64>()
        / 1000.0
        + s.costs.pue * b.extra_w / 1000.0;
    let capex: f64 = accs
        .iter()
        .zip(&x)
        .map(|(a, xi)| a.unit_price * xi)
        .sum::<f64>()
        + b.spend.iter().sum::<f64>()
        + 0.0;
    let free = s.existing_platforms();
    let mut adopted_platforms = Vec::new();
    let mut adoption = 0.0;
    for (platform, &cost) in &s.costs.platform_adoption {
        let bought = accs.iter().zip(&x).enumerate().any(|(i, (a, xi))| {
            (*xi > 0.0 || Bundled::at(&b.new_cards, i) > 0.0)
                && a.platform.as_deref() == Some(platform.as_str())
        });
        if bought && !free.contains(platform) {
            adopted_platforms.push(platform.clone());
            adoption += cost;
        }
    }
    let opex = facility_kw * s.opex_per_kw();
    let total_cost = capex + adoption + opex;

    // Demand.
    if let Some(p) = s.demand.pflops {
        let step = r.step(|i| s.capacity_tflops(i) / 1000.0);
        r.add(
            Constraint::of(Family::Demand),
            format!("demand.pflops: fleet {pflops:.3} PFLOPS >= {p}"),
            pflops,
            p,
            false,
            step,
        );
    }
    if !s.demand.workloads.is_empty() {
        workload_checks(&mut r, &fleet);
    }
    if let Some(m) = s.demand.memory_tb {
        let step = r.step(|i| accs[i].memory_gb / 1000.0);
        r.add(
            Constraint::of(Family::Memory),
            format!("demand.memory_tb: fleet {memory_tb:.3} TB >= {m}"),
            memory_tb,
            m,
            false,
            step,
        );
    }

    // Domestic share.
    let basis = s
        .domestic_share
        .as_ref()
        .map(|d| d.basis)
        .unwrap_or(ShareBasis::Units);
    let weight = |i: usize| -> f64 {
        match basis {
            ShareBasis::Units => fleet[i],
            ShareBasis::Tflops => fleet[i] * accs[i].tflops,
            ShareBasis::Spend => x[i] * accs[i].unit_price + Bundled::at(&b.spend, i),
        }
    };
    let total_w: f64 = (0..accs.len()).map(weight).sum::<f64>() + 0.0;
    let domestic_w: f64 = (0..accs.len())
        .filter(|&i| accs[i].origin == Origin::Domestic)
        .map(weight)
        .sum::<f64>()
        + 0.0;
    let domestic_share = (total_w > 0.0).then(|| domestic_w / total_w);
    if let Some(rule) = &s.domestic_share {
        let d = |i: usize| {
            if accs[i].origin == Origin::Domestic {
                1.0
            } else {
                0.0
            }
        };
        let per_unit = |i: usize| match basis {
            ShareBasis::Units => 1.0,
            ShareBasis::Tflops => accs[i].tflops,
            ShareBasis::Spend => accs[i].unit_price,
        };
        let shown = domestic_share
            .map(|v| format!("{v:.4}"))
            .unwrap_or_else(|| "undefined (empty fleet)".into());
        if rule.strict {
            let (p, q) = strict_fraction(rule.min).unwrap_or((0, 1));
            let lhs = q as f64 * domestic_w - p as f64 * total_w;
            let step = r.step(|i| q as f64 * d(i) - p as f64);
            r.add(
                Constraint::of(Family::DomesticShare),
                format!(
                    "policy.domestic_share: {shown} by units must exceed {}",
                    rule.min
                ),
                lhs,
                1.0,
                false,
                step,
            );
            r.shown(domestic_share.unwrap_or(0.0), rule.min, false);
        } else {
            let step = r.step(|i| (d(i) - rule.min) * per_unit(i));
            r.add(
                Constraint::of(Family::DomesticShare),
                format!(
                    "policy.domestic_share: {shown} by {} >= {}",
                    basis.as_str(),
                    rule.min
                ),
                domestic_w,
                rule.min * total_w,
                false,
                step,
            );
            r.shown(domestic_share.unwrap_or(0.0), rule.min, false);
        }
    }

    // Vendor share.
    if let Some(cap) = s.limits.vendor_max_share {
        let total_units: f64 = fleet.iter().sum::<f64>() + 0.0;
        let mut vendors: Vec<&str> = accs.iter().map(|a| a.vendor.as_str()).collect();
        vendors.sort();
        vendors.dedup();
        for v in vendors {
            let own: f64 = (0..accs.len())
                .filter(|&i| accs[i].vendor == v)
                .map(|i| fleet[i])
                .sum::<f64>()
                + 0.0;
            let step = r.step(|i| if accs[i].vendor == v { 1.0 - cap } else { cap });
            r.add(
                Constraint::vendor(v),
                format!("limits.vendor_max_share: {v} has {own} of {total_units} fleet units (max share {cap})"),
                own,
                cap * total_units,
                true,
                step,
            );
            let share = if total_units > 0.0 {
                own / total_units
            } else {
                0.0
            };
            r.shown(share, cap, true);
        }
    }

    if let Some(p) = s.limits.power_kw {
        let step = r.step(|i| s.costs.pue * accs[i].power_w / 1000.0);
        r.add(
            Constraint::of(Family::Power),
            format!("limits.power_kw: facility {facility_kw:.3} kW <= {p}"),
            facility_kw,
            p,
            true,
            step,
        );
    }
    let unit_cost =
        |i: usize| accs[i].unit_price + s.costs.pue * accs[i].power_w / 1000.0 * s.opex_per_kw();
    if let Some(b) = s.limits.budget {
        let step = r.step(unit_cost);
        r.add(
            Constraint::of(Family::Budget),
            format!("limits.budget: total cost {total_cost:.2} <= {b}"),
            total_cost,
            b,
            true,
            step,
        );
    }
    if let Some(b) = s.limits.capex_budget {
        let step = r.step(|i| accs[i].unit_price);
        r.add(
            Constraint::of(Family::CapexBudget),
            format!("limits.capex_budget: capex {capex:.2} <= {b}"),
            capex,
            b,
            true,
            step,
        );
    }

    Evaluation {
        new_units: x,
        fleet,
        capex,
        adoption,
        opex,
        total_cost,
        pflops,
        memory_tb,
        facility_kw,
        adopted_platforms,
        domestic_share,
        share_basis: basis,
        checks: r.checks,
    }
}

/// One rule per workload class with a demand: `workload:<class>`. Its figure is the most
/// effective PFLOPS of the class the fleet can serve while every other class gets its own
/// demand (a small LP over the allocations `y[a][w]`), so a class binds when no more of it
/// fits, whatever the split, and another class with room to spare does not. When the fleet
/// cannot serve every class at once, the figures are those of the split that serves every
/// class the same fraction of its demand (the classes short there are the broken ones).
fn workload_checks(r: &mut Rules, fleet: &[f64]) {
    let s = r.s;
    let classes = demanded_classes(s);
    let Some((reach, served)) = workload_lp(s, fleet, &classes, None) else {
        return;
    };
    let met = reach >= 1.0 - TOLERANCE;
    for (w, &(class, need)) in classes.iter().enumerate() {
        let step = r.step(|i| s.workload_tflops(i, class) / 1000.0);
        // Far from its limit when even the even split leaves more than the near margin and
        // a lot: the even split's figure is then a lower bound that is enough to say so,
        // and the class's own LP is spared (the checker runs inside the search's loops).
        let margin = (NEAR * need).max(if r.integer && step.is_finite() {
            step
        } else {
            0.0
        });
        let most = if !met {
            served[w]
        } else if reach * need > need + margin + allowance(need) {
            reach * need
        } else {
            workload_lp(s, fleet, &classes, Some(w)).map_or(reach * need, |(v, _)| v)
        };
        let how = if met {
            "can be served while the other classes get theirs"
        } else {
            "served when every class gets the same fraction of its demand"
        };
        r.add(
            Constraint::workload(class),
            format!("demand.workloads.{class}: {most:.3} effective PFLOPS {how} >= {need}"),
            most,
            need,
            false,
            step,
        );
    }
}

/// The workload classes with a demand above 0, and their demand in PFLOPS.
pub fn demanded_classes(s: &Scenario) -> Vec<(&str, f64)> {
    s.demand
        .workloads
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .filter(|(_, v)| *v > 0.0)
        .collect()
}

/// The largest `t` such that the fleet can serve `t` times every workload class at once
/// (a small LP over the allocations `y[a][w]`). Infinity when no class needs anything.
pub fn workload_reach(s: &Scenario, fleet: &[f64]) -> f64 {
    let classes = demanded_classes(s);
    workload_lp(s, fleet, &classes, None).map_or(0.0, |(t, _)| t)
}

/// The allocation LP over `y[a][w]` (`sum_w y[a][w] <= fleet[a]`): with `focus` `None`,
/// the largest `t` such that every class gets `t` times its demand, and what each class
/// is served at that split; with `Some(w)`, the most effective PFLOPS class `w` can get
/// while every other class gets its demand. Infinity (and no classes) when `classes` is
/// empty; `None` when the LP has no solution.
fn workload_lp(
    s: &Scenario,
    fleet: &[f64],
    classes: &[(&str, f64)],
    focus: Option<usize>,
) -> Option<(f64, Vec<f64>)> {
    if classes.is_empty() {
        return Some((f64::INFINITY, Vec::new()));
    }
    let mut vars = variables!();
    let t = vars.add(match focus {
        None => variable().min(0).max(1e6),
        Some(_) => variable().min(0),
    });
    let mut served: Vec<Expression> = vec![Expression::from(0.0); classes.len()];
    let mut rows = Vec::new();
    for (i, &n) in fleet.iter().enumerate() {
        let mut used = Expression::from(0.0);
        for (w, (class, _)) in classes.iter().enumerate() {
            let y = vars.add(variable().min(0));
            used += y;
            served[w] += Expression::from(y) * (s.workload_tflops(i, class) / 1000.0);
        }
        rows.push(used.leq(n));
    }
    for (w, ((_, need), supply)) in classes.iter().zip(served.iter()).enumerate() {
        match focus {
            None => rows.push(supply.clone().geq(Expression::from(t) * *need)),
            Some(f) if f == w => rows.push(supply.clone().geq(Expression::from(t))),
            Some(_) => rows.push(supply.clone().geq(*need)),
        }
    }
    let mut model = vars.maximise(t).using(good_lp::microlp);
    for row in rows {
        model.add_constraint(row);
    }
    let sol = model.solve().ok()?;
    let figures = served.iter().map(|e| sol.eval(e)).collect();
    Some((sol.value(t), figures))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::load_str;

    const BASE: &str = "name: t\naccelerators:\n  - {id: d, vendor: V1, origin: domestic, unit_price: 100, tflops: 1000, power_w: 500, memory_gb: 10, lot_size: 2}\n  - {id: f, vendor: V2, origin: foreign, unit_price: 300, tflops: 2000, power_w: 1000}\n";

    fn eval(extra: &str, units: &[f64]) -> Evaluation {
        let s = load_str(&format!("{BASE}{extra}"), "t.yaml")
            .unwrap()
            .scenario
            .as_single()
            .expect("a section-1 scenario");
        evaluate(&s, units)
    }

    #[test]
    fn costs_follow_the_formulas() {
        let e = eval(
            "existing: [{id: f, units: 1}]\ncosts: {energy_price_per_kwh: 0.1, pue: 1.5, utilization: 0.5, opex_years: 2}\n",
            &[4.0, 0.0],
        );
        assert_eq!(e.capex, 400.0);
        // 1.5 * (4*500 + 1*1000) / 1000 = 4.5 kW
        assert!((e.facility_kw - 4.5).abs() < 1e-12);
        // 4.5 kW * 8760 h * 0.5 * 0.1 * 2 years
        assert!((e.opex - 4.5 * 8760.0 * 0.5 * 0.1 * 2.0).abs() < 1e-9);
        assert!((e.pflops - 6.0).abs() < 1e-12);
        assert!((e.memory_tb - 0.04).abs() < 1e-12);
        assert_eq!(e.domestic_share, Some(0.8));
    }

    #[test]
    fn lots_and_availability_are_enforced() {
        let e = eval("", &[3.0, 0.0]);
        assert_eq!(e.violations().len(), 1);
        assert!(e.violations()[0].description.contains("lots of 2"));
    }

    #[test]
    fn strict_share_needs_more_than_half() {
        let extra = "policy: {domestic_share: {min: 0.5, strict: true}}\n";
        assert!(!eval(extra, &[2.0, 2.0]).violations().is_empty());
        assert!(eval(extra, &[4.0, 2.0]).violations().is_empty());
    }

    #[test]
    fn spend_share_counts_new_purchases_only() {
        let extra =
            "existing: [{id: f, units: 10}]\npolicy: {domestic_share: {min: 0.4, basis: spend}}\n";
        let e = eval(extra, &[6.0, 1.0]);
        // 600 domestic of 900 spend
        assert!((e.domestic_share.unwrap() - 600.0 / 900.0).abs() < 1e-12);
        assert!(e.violations().is_empty());
    }

    #[test]
    fn each_workload_class_binds_on_its_own() {
        // 1 PFLOPS cards: 2 serve training 1 and inference 1 exactly (both bind); with 3,
        // either class could take the spare card, so neither binds; with 1, both are short.
        let text = "name: t\naccelerators:\n  - {id: d, vendor: V, origin: domestic, unit_price: 1, tflops: 1000}\ndemand: {workloads: {training: 1, inference: 1}}\n";
        let s = load_str(text, "t.yaml")
            .unwrap()
            .scenario
            .as_single()
            .unwrap();
        let binding = |units: f64| evaluate(&s, &[units]).binding();
        assert_eq!(binding(2.0), ["workload:inference", "workload:training"]);
        assert!(binding(3.0).is_empty(), "{:?}", binding(3.0));
        let e = evaluate(&s, &[3.0]);
        let training = e
            .checks
            .iter()
            .find(|c| c.constraint == Constraint::workload("training"))
            .unwrap();
        // The most training the fleet can serve while inference gets its 1 PFLOPS.
        assert!((training.value - 2.0).abs() < 1e-9, "{training:?}");
        assert!((training.slack - 1.0).abs() < 1e-9, "{training:?}");
        assert!(
            evaluate(&s, &[1.0]).violations().len() == 2,
            "both classes short"
        );
    }

    #[test]
    fn near_means_within_a_tenth_of_a_percent_and_not_binding() {
        let c = compare(
            Constraint::of(Family::Power),
            String::new(),
            (2998.0, 3000.0, true),
            1.0,
            true,
        );
        assert!(c.near && !c.binding, "{c:?}");
        let c = compare(
            Constraint::of(Family::Power),
            String::new(),
            (2996.0, 3000.0, true),
            1.0,
            true,
        );
        assert!(!c.near && !c.binding, "0.13% is not near: {c:?}");
        let c = compare(
            Constraint::of(Family::Power),
            String::new(),
            (2999.5, 3000.0, true),
            1.0,
            true,
        );
        assert!(c.binding && !c.near, "within one lot binds: {c:?}");
    }

    #[test]
    fn workloads_use_efficiencies() {
        let s = load_str(
            "name: t\naccelerators:\n  - {id: d, vendor: V, origin: domestic, unit_price: 1, tflops: 1000, efficiency: {training: 0.5}}\ndemand: {workloads: {training: 1, inference: 1}}\n",
            "t.yaml",
        )
        .unwrap()
        .scenario
            .as_single()
            .expect("a section-1 scenario");
        // 3 units: 2 on training (1 PFLOPS), 1 on inference (1 PFLOPS): exactly enough.
        assert!((workload_reach(&s, &[3.0]) - 1.0).abs() < 1e-6);
        assert!(workload_reach(&s, &[2.0]) < 0.99);
    }
}
