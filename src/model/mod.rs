//! The mixed-integer programme built from a scenario: one function per constraint family.
//!
//! The builder knows nothing about solvers or the CLI: it returns a [`Built`] model (good_lp
//! variables, objective and constraints) and the handles needed to read a solution back.
//! Conflict analysis asks for variants of the same model: with constraint families relaxed,
//! or with another goal (e.g. the least power that meets every other rule).

pub mod futures;
pub mod national;

use crate::scenario::validate::strict_fraction;
use crate::scenario::{Accelerator, DomesticShare, Origin, Scenario, ShareBasis};
use good_lp::{Constraint, Expression, IntoAffineExpression, ProblemVariables, Variable, variable};
use std::collections::BTreeSet;

pub use crate::scenario::magnitude::UNIT_CAP;

pub use crate::rules::Family;

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
    /// Least use of resources beyond their caps (summed over resources and periods).
    MinResourceExcess,
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
    /// Removals and moves of installed units (section 6): each change (its `units` unset)
    /// and the variable counting its units.
    pub changes: Vec<(crate::scenario::national::FleetChange, Variable)>,
    /// Whole systems (section 6): each purchase (its `units` unset) and the variable
    /// counting its systems.
    pub systems: Vec<(crate::scenario::national::SystemBuy, Variable)>,
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

/// The variables and rows of a programme being built: what every constraint family adds
/// to (in the national model, at every site and period).
pub(crate) struct Program {
    /// The variables.
    pub(crate) vars: ProblemVariables,
    /// The rows.
    pub(crate) constraints: Vec<Constraint>,
    /// Whether any variable is integer.
    pub(crate) has_integers: bool,
    /// A row without variables is violated: infeasible before any solve.
    pub(crate) infeasible: bool,
    /// Every integrality restriction dropped: binaries become [0, 1] variables.
    lp_relaxation: bool,
    /// The fraction variable of a [`Goal::MaxDemandFraction`] or
    /// [`Goal::MaxMemoryFraction`] model, shared by every floor (at every site and period):
    /// made by the first floor that needs it.
    pub(crate) fraction: Option<Variable>,
}

impl Program {
    /// An empty programme.
    pub(crate) fn new(lp_relaxation: bool) -> Self {
        Self::with_vars(ProblemVariables::new(), lp_relaxation)
    }

    /// A programme whose variables start with `vars` (another model's, built before it into
    /// the same problem: the futures' joint model).
    pub(crate) fn with_vars(vars: ProblemVariables, lp_relaxation: bool) -> Self {
        Program {
            vars,
            constraints: Vec::new(),
            has_integers: false,
            infeasible: false,
            lp_relaxation,
            fraction: None,
        }
    }

    /// Adds `lhs >= rhs` (see [`add_row`]): a row without variables is checked here
    /// instead (with a relative tolerance), since solvers treat such rows badly and
    /// rounding noise must not make a fixed fleet infeasible; rows of tiny coefficients are
    /// scaled up.
    pub(crate) fn at_least(&mut self, lhs: impl Into<Expression>, rhs: impl Into<Expression>) {
        self.row(lhs, rhs);
    }

    /// Adds `lhs <= rhs` (see [`Program::at_least`]).
    pub(crate) fn at_most(&mut self, lhs: impl Into<Expression>, rhs: impl Into<Expression>) {
        self.at_least(rhs, lhs);
    }

    /// [`Program::at_least`], saying where the row went.
    pub(crate) fn row(&mut self, lhs: impl Into<Expression>, rhs: impl Into<Expression>) -> Row {
        let row = add_row(&mut self.constraints, lhs, rhs);
        self.infeasible |= row == Row::Violated;
        row
    }

    /// A yes/no decision (a [0, 1] variable in the LP relaxation).
    pub(crate) fn binary(&mut self) -> Variable {
        self.has_integers |= !self.lp_relaxation;
        if self.lp_relaxation {
            self.vars.add(variable().min(0).max(1))
        } else {
            self.vars.add(variable().binary())
        }
    }

    /// A purchase of at most `cap` units in lots of `lot`: the variable counts lots, whole
    /// ones when `integer`.
    pub(crate) fn purchase(&mut self, cap: f64, lot: f64, integer: bool) -> Variable {
        if integer {
            self.has_integers = true;
            let lots = (cap / lot + 1e-9).floor();
            self.vars.add(variable().integer().min(0).max(lots))
        } else {
            self.vars.add(variable().min(0).max(cap / lot))
        }
    }

    /// A continuous variable `>= 0`.
    pub(crate) fn nonnegative(&mut self) -> Variable {
        self.vars.add(variable().min(0))
    }

    /// The fraction variable of a measured goal (see [`Program::fraction`]).
    fn fraction(&mut self) -> Variable {
        *self
            .fraction
            .get_or_insert_with(|| self.vars.add(variable().min(0).max(1)))
    }
}

/// Accelerator `a`'s coefficient in a share floor `sum_a c_a * q_a >= share_floor(rule)`,
/// where `q_a` is the fleet (bases units and tflops) or the new units (basis spend) and
/// `price` the unit price in money (divided by `money` in the model).
pub(crate) fn share_coefficient(
    rule: &DomesticShare,
    a: &Accelerator,
    price: f64,
    money: f64,
) -> f64 {
    let s = rule.min;
    let d = if a.origin == Origin::Domestic {
        1.0
    } else {
        0.0
    };
    match rule.basis {
        ShareBasis::Units if rule.strict => {
            let (p, q) = strict_fraction(s).unwrap_or((0, 1));
            q as f64 * d - p as f64
        }
        ShareBasis::Units => d - s,
        ShareBasis::Tflops => (d - s) * a.tflops / 1000.0,
        ShareBasis::Spend => (d - s) * price / money,
    }
}

/// The right-hand side of a share floor (see [`share_coefficient`]).
pub(crate) fn share_floor(rule: &DomesticShare) -> f64 {
    if rule.strict { 1.0 } else { 0.0 }
}

/// The section-1 rules of one site in one period, over its purchase and fleet
/// expressions: one method per constraint family.
struct Builder<'a, 'p> {
    s: &'a Scenario,
    req: &'a Request<'a>,
    p: &'p mut Program,
    /// New units per accelerator, as expressions.
    x: Vec<Expression>,
    /// Fleet per accelerator (new + existing).
    n: Vec<Expression>,
    buy: Vec<Option<(Variable, f64)>>,
    cap: Vec<f64>,
    money: f64,
    /// Spend on whole systems per accelerator of their cards, in currency.
    spend: Vec<Expression>,
    /// Extra facility kW of the whole systems in service.
    extra_kw: Expression,
}

impl Builder<'_, '_> {
    fn relaxed(&self, f: Family) -> bool {
        self.req.relax.contains(&f)
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
            let b = self.p.binary();
            let x = &self.x[i];
            self.p.at_least(x.clone(), Expression::from(b) * min as f64);
            self.p.at_most(x.clone(), Expression::from(b) * self.cap[i]);
        }
    }

    fn pflops(&self) -> Expression {
        let mut e = Expression::from(0.0);
        for (i, n) in self.n.iter().enumerate() {
            e += n.clone() * (self.s.capacity_tflops(i) / 1000.0);
        }
        e
    }

    fn facility_kw(&self) -> Expression {
        let mut e = Expression::from(0.0);
        for (a, n) in self.s.accelerators.iter().zip(&self.n) {
            e += n.clone() * (self.s.costs.pue * a.power_w / 1000.0);
        }
        e + self.extra_kw.clone()
    }

    /// Right-hand side of a floor, scaled by the fraction variable when it is measured.
    fn floor(&mut self, value: f64, measured: bool) -> Expression {
        if measured {
            Expression::from(self.p.fraction()) * value
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
            self.p.at_least(lhs, rhs);
        }
        let s = self.s;
        let workloads = &s.demand.workloads;
        if !workloads.is_empty() {
            let mut per_class: Vec<Expression> = vec![Expression::from(0.0); workloads.len()];
            for i in 0..self.s.accelerators.len() {
                let mut used = Expression::from(0.0);
                let mut any = false;
                for (w, class) in workloads.keys().enumerate() {
                    let per_unit = self.s.workload_tflops(i, class);
                    if per_unit <= 0.0 {
                        continue;
                    }
                    let y = self.p.nonnegative();
                    used += y;
                    any = true;
                    per_class[w] += Expression::from(y) * (per_unit / 1000.0);
                }
                if any {
                    self.p.at_most(used, self.n[i].clone());
                }
            }
            for (&need, supply) in workloads.values().zip(per_class) {
                let rhs = self.floor(need, measured);
                self.p.at_least(supply, rhs);
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
            self.p.at_least(lhs, rhs);
        }
    }

    fn domestic_share(&mut self) {
        let Some(rule) = &self.s.domestic_share else {
            return;
        };
        if self.relaxed(Family::DomesticShare) {
            return;
        }
        let mut lhs = Expression::from(0.0);
        for (i, a) in self.s.accelerators.iter().enumerate() {
            let q = if rule.basis == ShareBasis::Spend {
                &self.x[i]
            } else {
                &self.n[i]
            };
            lhs += q.clone() * share_coefficient(rule, a, a.unit_price, self.money);
            if rule.basis == ShareBasis::Spend
                && let Some(spend) = self.spend.get(i)
            {
                lhs += spend.clone() * share_coefficient(rule, a, 1.0, self.money);
            }
        }
        self.p.at_least(lhs, share_floor(rule));
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
            self.p.at_most(lhs, 0.0);
        }
    }

    fn power(&mut self) {
        if let (Some(p), false) = (self.s.limits.power_kw, self.relaxed(Family::Power)) {
            let kw = self.facility_kw();
            self.p.at_most(kw, p);
        }
    }
}

/// Purchase and fleet expressions of one site and period, made by a caller that owns the
/// variables (the many-site, many-period model).
pub(crate) struct Block {
    /// New units per accelerator.
    pub(crate) x: Vec<Expression>,
    /// Fleet per accelerator.
    pub(crate) n: Vec<Expression>,
    /// Per accelerator: the variable counting lots of this purchase, and the lot size.
    pub(crate) buy: Vec<Option<(Variable, f64)>>,
    /// Per accelerator: an upper bound on this purchase.
    pub(crate) cap: Vec<f64>,
    /// Per accelerator: spend on whole systems of its cards in this period, in currency
    /// (empty: none).
    pub(crate) spend: Vec<Expression>,
    /// Extra facility kW of the whole systems in service (PUE applied).
    pub(crate) extra_kw: Expression,
}

/// Adds the section-1 rules of `req.scenario` (one site in one period: minimum orders,
/// demand, memory, domestic share, vendor share, power) over the caller's expressions, to
/// the caller's programme. Supply caps, budgets and platform adoption are the caller's,
/// since they are national.
pub(crate) fn site_rules(req: &Request, block: Block, money: f64, program: &mut Program) {
    let mut b = Builder {
        s: req.scenario,
        req,
        p: program,
        x: block.x,
        n: block.n,
        buy: block.buy,
        cap: block.cap,
        money,
        spend: block.spend,
        extra_kw: block.extra_kw,
    };
    b.min_orders();
    b.demand();
    b.memory();
    b.domestic_share();
    b.vendor_share();
    b.power();
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

/// Adds `lhs >= rhs` the way every model row is added, saying where the row went. A row
/// without variables is checked instead (with a relative tolerance). Rows of tiny
/// coefficients are scaled up so the largest becomes 1: solver tolerances must mean the
/// same on a row of 1e-9 PFLOPS per card as on whole kilowatts. Rows are never scaled
/// down: a big-M row divided by its M would let a tolerance of 1e-7 pass as a whole unit.
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
