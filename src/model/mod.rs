//! The mixed-integer programme built from a scenario: one function per constraint family.
//!
//! The builder knows nothing about solvers or the CLI: it returns a [`Built`] model (good_lp
//! variables, objective and constraints) and the handles needed to read a solution back.
//! Conflict analysis asks for variants of the same model: with constraint families relaxed,
//! or with another goal (e.g. the least power that meets every other rule).

pub mod national;

use crate::scenario::validate::strict_fraction;
use crate::scenario::{Origin, Scenario, ShareBasis};
use good_lp::{Constraint, Expression, IntoAffineExpression, ProblemVariables, Variable, variable};
use std::collections::BTreeSet;

pub use crate::scenario::magnitude::UNIT_CAP;

/// A family of constraints, as the scenario states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// `demand.pflops` or `demand.workloads`.
    Demand,
    /// `demand.memory_tb`.
    Memory,
    /// `policy.domestic_share`.
    DomesticShare,
    /// `limits.vendor_max_share`.
    VendorShare,
    /// `limits.power_kw`.
    Power,
    /// `limits.budget`.
    Budget,
    /// `limits.capex_budget`.
    CapexBudget,
    /// `max_units` supply caps.
    Supply,
    /// `available: false`.
    Availability,
    /// `min_units` minimum orders.
    MinOrder,
}

impl Family {
    /// Every family, in the order conflicts are reported.
    pub const ALL: [Family; 10] = [
        Family::Demand,
        Family::Memory,
        Family::DomesticShare,
        Family::VendorShare,
        Family::Power,
        Family::Budget,
        Family::CapexBudget,
        Family::Supply,
        Family::Availability,
        Family::MinOrder,
    ];

    /// Whether the scenario states any constraint of this family.
    pub fn present_in(self, s: &Scenario) -> bool {
        match self {
            Family::Demand => {
                s.demand.pflops.is_some_and(|p| p > 0.0)
                    || s.demand.workloads.values().any(|&w| w > 0.0)
            }
            Family::Memory => s.demand.memory_tb.is_some_and(|m| m > 0.0),
            Family::DomesticShare => s.domestic_share.is_some(),
            Family::VendorShare => s.limits.vendor_max_share.is_some(),
            Family::Power => s.limits.power_kw.is_some(),
            Family::Budget => s.limits.budget.is_some(),
            Family::CapexBudget => s.limits.capex_budget.is_some(),
            Family::Supply => s.accelerators.iter().any(|a| a.max_units.is_some()),
            Family::Availability => s.accelerators.iter().any(|a| !a.available),
            Family::MinOrder => s.accelerators.iter().any(|a| a.min_units.unwrap_or(0) > 0),
        }
    }
}

/// What the model optimises.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Goal {
    /// Least total cost.
    MinCost,
    /// Most fleet PFLOPS.
    MaxPflops,
    /// Least total cost with fleet PFLOPS at least this (the max_pflops tie-break).
    MinCostWithPflops(f64),
    /// Least capex.
    MinCapex,
    /// Least facility power.
    MinPower,
    /// Largest fraction (at most 1) of the demand that can be met.
    MaxDemandFraction,
    /// Largest fraction (at most 1) of the memory floor that can be met.
    MaxMemoryFraction,
    /// Fewest units bought beyond the supply caps.
    MinSupplyExcess,
    /// Fewest units bought of unavailable accelerators.
    MinUnavailable,
    /// Least spending (capex + opex, plus adoption in the first) of period `t`; in the
    /// section-1 model, the one period: the total cost.
    MinPeriodSpend(usize),
    /// Least capex of period `t`; in the section-1 model, the capex.
    MinPeriodCapex(usize),
    /// Least facility power of site `s` in its busiest period; in the section-1 model, the
    /// facility power.
    MinSitePower(usize),
}

/// What to build.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The scenario.
    pub scenario: &'a Scenario,
    /// The objective.
    pub goal: Goal,
    /// Families left out of the model.
    pub relax: BTreeSet<Family>,
    /// Drop every integrality restriction (lots and binaries): the LP relaxation.
    pub lp_relaxation: bool,
    /// Most new units of one accelerator ([`UNIT_CAP`] unless a probe asks for more).
    pub unit_cap: f64,
}

impl<'a> Request<'a> {
    /// The scenario's own model: its objective, every constraint.
    pub fn new(scenario: &'a Scenario) -> Self {
        let goal = match scenario.objective {
            crate::scenario::Objective::MinCost => Goal::MinCost,
            crate::scenario::Objective::MaxPflops => Goal::MaxPflops,
        };
        Request {
            scenario,
            goal,
            relax: BTreeSet::new(),
            lp_relaxation: false,
            unit_cap: UNIT_CAP,
        }
    }
}

/// A model ready for a solver.
pub struct Built {
    /// The variables.
    pub vars: ProblemVariables,
    /// The objective, in solver units (money divided by `money_scale`).
    pub objective: Expression,
    /// Maximise (true) or minimise.
    pub maximise: bool,
    /// The constraints.
    pub constraints: Vec<Constraint>,
    /// Per accelerator: the variable counting lots (or units when continuous) and the lot
    /// size; `None` when nothing can be bought.
    pub buy: Vec<Option<(Variable, f64)>>,
    /// Whether any variable is integer.
    pub has_integers: bool,
    /// Money is divided by this in the model, for numerical stability.
    pub money_scale: f64,
    /// Multiply the solver's objective by this to get the goal's own unit.
    pub objective_unit: f64,
    /// A constraint without variables is violated: infeasible before any solve.
    pub infeasible: bool,
    /// Building stopped at the deadline: the model is incomplete and must not be solved.
    pub stopped: bool,
}

impl Built {
    /// The good_lp problem (objective and direction), its constraints, and whether any
    /// variable is integer: what every backend starts from.
    pub fn into_problem(self) -> (good_lp::variable::UnsolvedProblem, Vec<Constraint>, bool) {
        let problem = if self.maximise {
            self.vars.maximise(self.objective)
        } else {
            self.vars.minimise(self.objective)
        };
        (problem, self.constraints, self.has_integers)
    }

    /// New units per accelerator from variable values (`value(var)`).
    pub fn units(&self, value: impl Fn(Variable) -> f64) -> Vec<f64> {
        self.buy
            .iter()
            .map(|b| match b {
                Some((v, lot)) => value(*v) * lot,
                None => 0.0,
            })
            .collect()
    }
}

struct Builder<'a> {
    s: &'a Scenario,
    req: &'a Request<'a>,
    vars: ProblemVariables,
    constraints: Vec<Constraint>,
    /// New units per accelerator, as expressions.
    x: Vec<Expression>,
    /// Fleet per accelerator (new + existing).
    n: Vec<Expression>,
    buy: Vec<Option<(Variable, f64)>>,
    cap: Vec<f64>,
    has_integers: bool,
    money: f64,
    /// Scale variable for the MaxDemandFraction / MaxMemoryFraction goals.
    fraction: Option<Variable>,
    /// A row without variables does not hold.
    infeasible: bool,
}

impl Builder<'_> {
    /// Adds `lhs >= rhs`. A row without variables is checked here instead (with a relative
    /// tolerance): solvers treat such rows badly, and rounding noise must not make a
    /// fixed fleet infeasible.
    ///
    /// Rows of tiny coefficients are scaled up so the largest becomes 1: solver tolerances
    /// must mean the same on a row of 1e-9 PFLOPS per card as on whole kilowatts. Rows are
    /// never scaled down: a big-M row divided by its M would let a tolerance of 1e-7 pass
    /// as a whole unit.
    fn at_least(&mut self, lhs: impl Into<Expression>, rhs: impl Into<Expression>) {
        if !add_at_least(&mut self.constraints, lhs, rhs) {
            self.infeasible = true;
        }
    }

    /// Adds `lhs <= rhs` (see [`Builder::at_least`]).
    fn at_most(&mut self, lhs: impl Into<Expression>, rhs: impl Into<Expression>) {
        self.at_least(rhs, lhs);
    }

    fn relaxed(&self, f: Family) -> bool {
        self.req.relax.contains(&f)
    }

    fn integer(&self) -> bool {
        self.s.solver.integer && !self.req.lp_relaxation
    }

    fn binary(&mut self) -> Variable {
        self.has_integers |= !self.req.lp_relaxation;
        if self.req.lp_relaxation {
            self.vars.add(variable().min(0).max(1))
        } else {
            self.vars.add(variable().binary())
        }
    }

    /// An upper bound on new units of accelerator `i` implied by caps, budgets and power.
    fn unit_bound(&self, i: usize) -> f64 {
        let a = &self.s.accelerators[i];
        let l = &self.s.limits;
        let mut bound = self.req.unit_cap;
        if !self.relaxed(Family::Supply)
            && let Some(m) = a.max_units
        {
            bound = bound.min(m as f64);
        }
        if a.unit_price > 0.0 {
            if let (Some(b), false) = (l.budget, self.relaxed(Family::Budget)) {
                bound = bound.min(b / a.unit_price);
            }
            if let (Some(b), false) = (l.capex_budget, self.relaxed(Family::CapexBudget)) {
                bound = bound.min(b / a.unit_price);
            }
        }
        if let (Some(p), false, true) = (l.power_kw, self.relaxed(Family::Power), a.power_w > 0.0) {
            bound = bound.min(p * 1000.0 / (self.s.costs.pue * a.power_w));
        }
        bound.max(0.0)
    }

    fn purchases(&mut self) {
        for i in 0..self.s.accelerators.len() {
            let a = &self.s.accelerators[i];
            let existing = self.s.existing_units(i);
            let can_buy = a.available || self.relaxed(Family::Availability);
            let cap = self.unit_bound(i);
            self.cap.push(cap);
            if !can_buy || cap < 1e-9 {
                self.x.push(Expression::from(0.0));
                self.n.push(Expression::from(existing));
                self.buy.push(None);
                continue;
            }
            let lot = if self.s.solver.integer {
                a.lot_size as f64
            } else {
                1.0
            };
            let var = if self.integer() {
                self.has_integers = true;
                let lots = (cap / lot + 1e-9).floor();
                self.vars.add(variable().integer().min(0).max(lots))
            } else {
                self.vars.add(variable().min(0).max(cap / lot))
            };
            let x = Expression::from(var) * lot;
            self.n.push(x.clone() + existing);
            self.x.push(x);
            self.buy.push(Some((var, lot)));
        }
    }

    fn min_orders(&mut self) {
        if self.relaxed(Family::MinOrder) {
            return;
        }
        for i in 0..self.s.accelerators.len() {
            let a = &self.s.accelerators[i];
            let Some(min) = a.min_units.filter(|&m| m > 0) else {
                continue;
            };
            if self.buy[i].is_none() {
                continue;
            }
            // With whole lots, any purchase already reaches one lot.
            if self.s.solver.integer && min <= a.lot_size {
                continue;
            }
            let cap = self.cap[i];
            let b = self.binary();
            let x = self.x[i].clone();
            self.at_least(x.clone(), Expression::from(b) * min as f64);
            self.at_most(x, Expression::from(b) * cap);
        }
    }

    /// Adoption binaries; returns the adoption cost expression (in money units).
    fn adoption(&mut self) -> Expression {
        let free = self.s.existing_platforms();
        let mut cost = Expression::from(0.0);
        for (platform, &price) in &self.s.costs.platform_adoption {
            if price <= 0.0 || free.contains(platform) {
                continue;
            }
            let users: Vec<usize> = (0..self.s.accelerators.len())
                .filter(|&i| {
                    self.buy[i].is_some()
                        && self.s.accelerators[i].platform.as_deref() == Some(platform.as_str())
                })
                .collect();
            if users.is_empty() {
                continue;
            }
            let z = self.binary();
            for i in users {
                let x = self.x[i].clone();
                self.at_most(x, Expression::from(z) * self.cap[i]);
            }
            cost += Expression::from(z) * (price / self.money);
        }
        cost
    }

    fn pflops(&self) -> Expression {
        let mut e = Expression::from(0.0);
        for (a, n) in self.s.accelerators.iter().zip(&self.n) {
            e += n.clone() * (a.tflops / 1000.0);
        }
        e
    }

    fn facility_kw(&self) -> Expression {
        let mut e = Expression::from(0.0);
        for (a, n) in self.s.accelerators.iter().zip(&self.n) {
            e += n.clone() * (self.s.costs.pue * a.power_w / 1000.0);
        }
        e
    }

    fn capex(&self) -> Expression {
        let mut e = Expression::from(0.0);
        for (a, x) in self.s.accelerators.iter().zip(&self.x) {
            e += x.clone() * (a.unit_price / self.money);
        }
        e
    }

    /// Right-hand side of a floor, scaled by the fraction variable when it is measured.
    fn floor(&mut self, value: f64, measured: bool) -> Expression {
        if measured {
            let t = *self
                .fraction
                .get_or_insert_with(|| self.vars.add(variable().min(0).max(1)));
            Expression::from(t) * value
        } else {
            Expression::from(value)
        }
    }

    fn demand(&mut self) {
        let measured = self.req.goal == Goal::MaxDemandFraction;
        if self.relaxed(Family::Demand) && !measured {
            return;
        }
        if let Some(p) = self.s.demand.pflops {
            let rhs = self.floor(p, measured);
            let lhs = self.pflops();
            self.at_least(lhs, rhs);
        }
        if !self.s.demand.workloads.is_empty() {
            let classes: Vec<(String, f64)> = self
                .s
                .demand
                .workloads
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect();
            let mut per_class: Vec<Expression> = vec![Expression::from(0.0); classes.len()];
            for i in 0..self.s.accelerators.len() {
                let a = &self.s.accelerators[i];
                let mut used = Expression::from(0.0);
                let mut any = false;
                for (w, (class, _)) in classes.iter().enumerate() {
                    let eff = a.efficiency_for(class);
                    if eff <= 0.0 {
                        continue;
                    }
                    let y = self.vars.add(variable().min(0));
                    used += y;
                    any = true;
                    per_class[w] += Expression::from(y) * (a.tflops * eff / 1000.0);
                }
                if any {
                    let n = self.n[i].clone();
                    self.at_most(used, n);
                }
            }
            for ((_, need), supply) in classes.iter().zip(per_class) {
                let rhs = self.floor(*need, measured);
                self.at_least(supply, rhs);
            }
        }
    }

    fn memory(&mut self) {
        let measured = self.req.goal == Goal::MaxMemoryFraction;
        if self.relaxed(Family::Memory) && !measured {
            return;
        }
        if let Some(m) = self.s.demand.memory_tb {
            let mut lhs = Expression::from(0.0);
            for (a, n) in self.s.accelerators.iter().zip(&self.n) {
                lhs += n.clone() * (a.memory_gb / 1000.0);
            }
            let rhs = self.floor(m, measured);
            self.at_least(lhs, rhs);
        }
    }

    fn domestic_share(&mut self) {
        let Some(rule) = self.s.domestic_share.clone() else {
            return;
        };
        if self.relaxed(Family::DomesticShare) {
            return;
        }
        let s = rule.min;
        let mut lhs = Expression::from(0.0);
        for i in 0..self.s.accelerators.len() {
            let a = &self.s.accelerators[i];
            let d = if a.origin == Origin::Domestic {
                1.0
            } else {
                0.0
            };
            match rule.basis {
                ShareBasis::Units if rule.strict => {
                    let (p, q) = strict_fraction(s).unwrap_or((0, 1));
                    lhs += self.n[i].clone() * (q as f64 * d - p as f64);
                }
                ShareBasis::Units => lhs += self.n[i].clone() * (d - s),
                ShareBasis::Tflops => lhs += self.n[i].clone() * ((d - s) * a.tflops / 1000.0),
                ShareBasis::Spend => {
                    lhs += self.x[i].clone() * ((d - s) * a.unit_price / self.money)
                }
            }
        }
        let rhs = if rule.strict { 1.0 } else { 0.0 };
        self.at_least(lhs, rhs);
    }

    fn vendor_share(&mut self) {
        let Some(share) = self.s.limits.vendor_max_share else {
            return;
        };
        if self.relaxed(Family::VendorShare) {
            return;
        }
        let vendors: BTreeSet<&str> = self
            .s
            .accelerators
            .iter()
            .map(|a| a.vendor.as_str())
            .collect();
        for v in vendors {
            let mut lhs = Expression::from(0.0);
            for (a, n) in self.s.accelerators.iter().zip(&self.n) {
                let own = if a.vendor == v { 1.0 } else { 0.0 };
                lhs += n.clone() * (own - share);
            }
            self.at_most(lhs, 0.0);
        }
    }

    fn power(&mut self) {
        if let (Some(p), false) = (self.s.limits.power_kw, self.relaxed(Family::Power)) {
            let kw = self.facility_kw();
            self.at_most(kw, p);
        }
    }

    fn budgets(&mut self, total: &Expression) {
        let money = self.money;
        if let (Some(b), false) = (self.s.limits.budget, self.relaxed(Family::Budget)) {
            self.at_most(total.clone(), b / money);
        }
        if let (Some(b), false) = (
            self.s.limits.capex_budget,
            self.relaxed(Family::CapexBudget),
        ) {
            let capex = self.capex();
            self.at_most(capex, b / money);
        }
    }
}

/// Purchase and fleet expressions of one site and period, made by a caller that owns the
/// variables (the many-site, many-period model).
pub struct Block {
    /// New units per accelerator.
    pub x: Vec<Expression>,
    /// Fleet per accelerator.
    pub n: Vec<Expression>,
    /// Per accelerator: the variable counting lots of this purchase, and the lot size.
    pub buy: Vec<Option<(Variable, f64)>>,
    /// Per accelerator: an upper bound on this purchase.
    pub cap: Vec<f64>,
    /// The fraction variable of a [`Goal::MaxDemandFraction`] or
    /// [`Goal::MaxMemoryFraction`] model, shared by every site and period (made by the
    /// first block that needs it).
    pub fraction: Option<Variable>,
}

/// What [`site_rules`] added besides constraints.
pub struct BlockOutcome {
    /// Whether it added an integer variable.
    pub has_integers: bool,
    /// Whether a row without variables is violated.
    pub infeasible: bool,
    /// The fraction variable, when the goal measures one (see [`Block::fraction`]).
    pub fraction: Option<Variable>,
}

/// Adds the section-1 rules of `req.scenario` (one site in one period: minimum orders,
/// demand, memory, domestic share, vendor share, power) over the caller's expressions.
/// Supply caps, budgets and platform adoption are the caller's, since they are national.
pub fn site_rules(
    req: &Request,
    block: Block,
    money: f64,
    vars: &mut ProblemVariables,
    constraints: &mut Vec<Constraint>,
) -> BlockOutcome {
    let mut b = Builder {
        s: req.scenario,
        req,
        vars: std::mem::replace(vars, ProblemVariables::new()),
        constraints: std::mem::take(constraints),
        x: block.x,
        n: block.n,
        buy: block.buy,
        cap: block.cap,
        has_integers: false,
        money,
        fraction: block.fraction,
        infeasible: false,
    };
    b.min_orders();
    b.demand();
    b.memory();
    b.domestic_share();
    b.vendor_share();
    b.power();
    *vars = b.vars;
    *constraints = b.constraints;
    BlockOutcome {
        has_integers: b.has_integers,
        infeasible: b.infeasible,
        fraction: b.fraction,
    }
}

/// Adds `lhs >= rhs` the way every model row is added (see [`Builder::at_least`]): a row
/// without variables is checked instead, rows of tiny coefficients are scaled up.
/// Returns false when a row without variables is violated.
pub fn add_at_least(
    constraints: &mut Vec<Constraint>,
    lhs: impl Into<Expression>,
    rhs: impl Into<Expression>,
) -> bool {
    add_row(constraints, lhs, rhs) != Row::Violated
}

/// What [`add_row`] did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Row {
    /// Added as constraint `index`: `(lhs - rhs) * factor >= 0`.
    Added {
        /// Position in the constraint list (and row of the solver's model).
        index: usize,
        /// The row was multiplied by this (its dual is divided by it).
        factor: f64,
    },
    /// No variables, and it holds.
    Holds,
    /// No variables, and it is violated.
    Violated,
}

/// [`add_at_least`], saying where the row went.
pub fn add_row(
    constraints: &mut Vec<Constraint>,
    lhs: impl Into<Expression>,
    rhs: impl Into<Expression>,
) -> Row {
    let (lhs, rhs) = (lhs.into(), rhs.into());
    let scale = lhs.constant().abs().max(rhs.constant().abs()).max(1.0);
    let diff = lhs - rhs;
    let largest = (&diff)
        .linear_coefficients()
        .fold(0.0_f64, |m, (_, c)| m.max(c.abs()));
    if largest == 0.0 {
        return if diff.constant() >= -1e-9 * scale {
            Row::Holds
        } else {
            Row::Violated
        };
    }
    let factor = if largest < 1.0 { 1.0 / largest } else { 1.0 };
    constraints.push((diff * factor).geq(0.0));
    Row::Added {
        index: constraints.len() - 1,
        factor,
    }
}

/// Builds the programme for `req`.
pub fn build(req: &Request) -> Built {
    let s = req.scenario;
    let money = s
        .accelerators
        .iter()
        .map(|a| a.unit_price)
        .fold(1.0_f64, f64::max);
    let mut b = Builder {
        s,
        req,
        vars: ProblemVariables::new(),
        constraints: Vec::new(),
        x: Vec::new(),
        n: Vec::new(),
        buy: Vec::new(),
        cap: Vec::new(),
        has_integers: false,
        money,
        fraction: None,
        infeasible: false,
    };
    b.purchases();
    b.min_orders();
    let adoption = b.adoption();
    let opex = b.facility_kw() * (s.opex_per_kw() / money);
    let total = b.capex() + adoption + opex;
    b.demand();
    b.memory();
    b.domestic_share();
    b.vendor_share();
    b.power();
    b.budgets(&total);

    let (objective, maximise, unit) = match req.goal {
        Goal::MinCost | Goal::MinPeriodSpend(_) => (total, false, money),
        Goal::MaxPflops => (b.pflops(), true, 1.0),
        Goal::MinCostWithPflops(floor) => {
            let p = b.pflops();
            b.at_least(p, floor);
            (total, false, money)
        }
        Goal::MinCapex | Goal::MinPeriodCapex(_) => (b.capex(), false, money),
        Goal::MinPower | Goal::MinSitePower(_) => (b.facility_kw(), false, 1.0),
        Goal::MaxDemandFraction | Goal::MaxMemoryFraction => {
            let t = b
                .fraction
                .map(Expression::from)
                .unwrap_or_else(|| Expression::from(1.0));
            (t, true, 1.0)
        }
        Goal::MinSupplyExcess => {
            let mut sum = Expression::from(0.0);
            for i in 0..s.accelerators.len() {
                if let (Some(cap), Some(_)) = (s.accelerators[i].max_units, b.buy[i]) {
                    let e = b.vars.add(variable().min(0));
                    b.at_least(Expression::from(e), b.x[i].clone() - cap as f64);
                    sum += e;
                }
            }
            (sum, false, 1.0)
        }
        Goal::MinUnavailable => {
            let mut sum = Expression::from(0.0);
            for (a, x) in s.accelerators.iter().zip(&b.x) {
                if !a.available {
                    sum += x.clone();
                }
            }
            (sum, false, 1.0)
        }
    };
    Built {
        vars: b.vars,
        objective,
        maximise,
        constraints: b.constraints,
        buy: b.buy,
        has_integers: b.has_integers,
        money_scale: money,
        objective_unit: unit,
        infeasible: b.infeasible,
        stopped: false,
    }
}
