//! The futures' joint programme (section 7 of the format), the deterministic equivalent:
//! one copy of the national model per future, all in one problem; the decisions of the
//! first `decide_now` periods (purchases, systems, removals and moves) tied equal across
//! the futures, or fixed to given values; the objective the expected cost, the worst cost,
//! or the expected cost with every future's cost under a ceiling (the worst case's
//! tie-break).

use super::national::{NationalRequest, build_onto, slot};
use super::{Built, Row, add_row};
use crate::scenario::national::{FleetChange, National, SystemBuy};
use good_lp::{Expression, ProblemVariables, Variable, variable};
use std::collections::BTreeMap;

/// The common decisions (those of the first `decide_now` periods) of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct FirstStage {
    /// Periods the decisions cover.
    pub decide_now: usize,
    /// Purchases `x[s][t][a]` for `t < decide_now`.
    pub x: Vec<Vec<Vec<f64>>>,
    /// Removals and moves of those periods.
    pub changes: Vec<FleetChange>,
    /// Whole systems bought in those periods.
    pub systems: Vec<SystemBuy>,
}

impl FirstStage {
    /// The decisions of the first `decide_now` periods of a plan's `x`, `changes` and
    /// `systems`.
    pub fn of(
        decide_now: usize,
        x: &[Vec<Vec<f64>>],
        changes: &[FleetChange],
        systems: &[SystemBuy],
    ) -> FirstStage {
        FirstStage {
            decide_now,
            x: x.iter()
                .map(|site| site.iter().take(decide_now).cloned().collect())
                .collect(),
            changes: changes
                .iter()
                .filter(|c| c.period < decide_now)
                .copied()
                .collect(),
            systems: systems
                .iter()
                .filter(|y| y.period < decide_now)
                .copied()
                .collect(),
        }
    }
}

/// What the joint programme minimises (money, over the futures' total costs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum JointGoal {
    /// `sum_f p_f * cost_f`.
    Expected,
    /// `max_f cost_f`.
    Worst,
    /// `sum_f p_f * cost_f` with every `cost_f <= ceiling` (money).
    ExpectedWithin(f64),
}

/// One future's part of the joint programme.
pub struct Part {
    /// Per purchase slot (see [`slot`]): the lot variable and the lot size.
    pub buy: Vec<Option<(Variable, f64)>>,
    /// Removals and moves and their variables.
    pub changes: Vec<(FleetChange, Variable)>,
    /// Whole systems and their variables.
    pub systems: Vec<(SystemBuy, Variable)>,
    /// The future's total cost, in the joint model's money unit.
    pub cost: Expression,
}

/// The joint programme and each future's part of it.
pub struct Joint {
    /// The model (its `buy`, `changes` and `systems` are the first future's).
    pub built: Built,
    /// Per future, in the order given.
    pub parts: Vec<Part>,
}

/// The variable at `k` in `m`, or nothing (zero).
fn var_or_zero<K: Ord>(m: &BTreeMap<K, Variable>, k: &K) -> Expression {
    m.get(k)
        .map_or_else(|| Expression::from(0.0), |v| Expression::from(*v))
}

/// Builds the joint programme of `futures` (each scenario with its weight, the
/// probability) whose first `decide_now` periods are common, or fixed to `fixed`.
pub fn build(
    futures: &[(&National, f64)],
    decide_now: usize,
    goal: JointGoal,
    lp_relaxation: bool,
    fixed: Option<&FirstStage>,
) -> Joint {
    let money = futures
        .iter()
        .map(|(n, _)| super::national::money_scale(n))
        .fold(1.0_f64, f64::max);
    let mut vars = ProblemVariables::new();
    let mut constraints = Vec::new();
    let mut parts = Vec::new();
    let mut has_integers = false;
    let mut infeasible = false;
    for (nat, _) in futures {
        let mut req = NationalRequest::new(nat);
        req.lp_relaxation = lp_relaxation;
        let mut built = build_onto(&req, vars);
        vars = std::mem::replace(&mut built.vars, ProblemVariables::new());
        constraints.append(&mut built.constraints);
        has_integers |= built.has_integers;
        infeasible |= built.infeasible;
        parts.push(Part {
            buy: built.buy,
            changes: built.changes,
            systems: built.systems,
            cost: built.objective * (built.objective_unit / money),
        });
    }
    let mut same = |a: Expression, b: Expression| {
        infeasible |= add_row(&mut constraints, a.clone(), b.clone()) == Row::Violated;
        infeasible |= add_row(&mut constraints, b, a) == Row::Violated;
    };
    let (first, _) = futures[0];
    let (ns, na) = (first.sites.len(), first.accelerators.len());
    let units = |part: &Part, k: usize| match part.buy[k] {
        Some((v, lot)) => Expression::from(v) * lot,
        None => Expression::from(0.0),
    };
    let changes = |part: &Part| -> BTreeMap<(usize, usize, usize, Option<usize>), Variable> {
        part.changes
            .iter()
            .filter(|(c, _)| c.period < decide_now)
            .map(|(c, v)| ((c.site, c.entry, c.period, c.to), *v))
            .collect()
    };
    let systems = |part: &Part| -> BTreeMap<(usize, usize, usize), Variable> {
        part.systems
            .iter()
            .filter(|(y, _)| y.period < decide_now)
            .map(|(y, v)| ((y.system, y.site, y.period), *v))
            .collect()
    };
    match fixed {
        None => {
            let (c0, y0) = (changes(&parts[0]), systems(&parts[0]));
            for part in &parts[1..] {
                for s in 0..ns {
                    for t in 0..decide_now {
                        for a in 0..na {
                            let k = slot(first, a, s, t);
                            if part.buy[k].is_some() || parts[0].buy[k].is_some() {
                                same(units(&parts[0], k), units(part, k));
                            }
                        }
                    }
                }
                let (c, y) = (changes(part), systems(part));
                for key in c0.keys().chain(c.keys()) {
                    same(var_or_zero(&c0, key), var_or_zero(&c, key));
                }
                for key in y0.keys().chain(y.keys()) {
                    same(var_or_zero(&y0, key), var_or_zero(&y, key));
                }
            }
        }
        Some(fixed) => {
            let by_change: BTreeMap<_, f64> = fixed
                .changes
                .iter()
                .map(|c| ((c.site, c.entry, c.period, c.to), c.units))
                .collect();
            let by_system: BTreeMap<_, f64> = fixed
                .systems
                .iter()
                .map(|y| ((y.system, y.site, y.period), y.units))
                .collect();
            for part in &parts {
                for s in 0..ns {
                    for t in 0..decide_now {
                        for a in 0..na {
                            let k = slot(first, a, s, t);
                            same(units(part, k), Expression::from(fixed.x[s][t][a]));
                        }
                    }
                }
                let c = changes(part);
                for key in by_change.keys().chain(c.keys()) {
                    let value = by_change.get(key).copied().unwrap_or(0.0);
                    same(var_or_zero(&c, key), Expression::from(value));
                }
                let y = systems(part);
                for key in by_system.keys().chain(y.keys()) {
                    let value = by_system.get(key).copied().unwrap_or(0.0);
                    same(var_or_zero(&y, key), Expression::from(value));
                }
            }
        }
    }
    let mut expected = Expression::from(0.0);
    for (part, (_, p)) in parts.iter().zip(futures) {
        expected += part.cost.clone() * *p;
    }
    let objective = match goal {
        JointGoal::Expected => expected,
        JointGoal::ExpectedWithin(ceiling) => {
            for part in &parts {
                infeasible |=
                    add_row(&mut constraints, ceiling / money, part.cost.clone()) == Row::Violated;
            }
            expected
        }
        JointGoal::Worst => {
            let z = vars.add(variable());
            for part in &parts {
                infeasible |= add_row(&mut constraints, Expression::from(z), part.cost.clone())
                    == Row::Violated;
            }
            Expression::from(z)
        }
    };
    let built = Built {
        vars,
        objective,
        maximise: false,
        constraints,
        buy: parts[0].buy.clone(),
        changes: parts[0].changes.clone(),
        systems: parts[0].systems.clone(),
        has_integers,
        money_scale: money,
        objective_unit: money,
        infeasible,
        stopped: false,
    };
    Joint { built, parts }
}
