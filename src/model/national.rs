//! The many-site, many-period programme (section 2 of the format). Purchases `x_ast` are
//! the variables; each site and period gets the section-1 rules over its fleet `n_ast`
//! (through [`crate::model::site_rules`]); the national rules (supply caps per accelerator
//! and period, the national share, budgets per period, platform adoption paid once) couple
//! the sites.

// Indices s (site), t (period) and a (accelerator) address several arrays at once
// (x[s][t][a], prices[a][t], ...): range loops say so more plainly than iterators.
#![allow(clippy::needless_range_loop)]

use crate::model::{
    Block, Built, Family, Goal, Request, Row, UNIT_CAP, add_at_least, add_row, site_rules,
};
use crate::scenario::national::National;
use crate::scenario::validate::strict_fraction;
use crate::scenario::{HOURS_PER_YEAR, Origin, ShareBasis};
use good_lp::{Constraint, Expression, ProblemVariables, Variable, variable};
use std::collections::{BTreeMap, BTreeSet};

/// A national rule that couples the sites (the ones the decomposition prices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Coupling {
    /// Supply cap of accelerator `a` in period `t`.
    Supply {
        /// Accelerator.
        a: usize,
        /// Period.
        t: usize,
    },
    /// The national domestic share in period `t`.
    Share {
        /// Period.
        t: usize,
    },
    /// The total budget of period `t`.
    Budget {
        /// Period.
        t: usize,
    },
    /// The capex budget of period `t`.
    CapexBudget {
        /// Period.
        t: usize,
    },
}

/// One coupling rule as built: `activity <= limit`, in model units (money divided by the
/// model's money scale).
#[derive(Debug, Clone)]
pub struct CouplingRow {
    /// Which rule.
    pub rule: Coupling,
    /// The left side: the sum of every site's part (with prices: this model's part).
    pub activity: Expression,
    /// The right side.
    pub limit: f64,
    /// Where it went in the model (`Row::Holds` when priced instead).
    pub row: Row,
}

/// What to build.
#[derive(Debug, Clone)]
pub struct NationalRequest<'a> {
    /// The scenario.
    pub nat: &'a National,
    /// The objective (min cost, max PFLOPS, or min cost with a PFLOPS floor).
    pub goal: Goal,
    /// Families left out: at every site (demand, memory, domestic share, vendor share,
    /// power, availability, minimum orders) or nationally (supply, budgets).
    pub relax: BTreeSet<Family>,
    /// Leave out the national share rule.
    pub relax_national_share: bool,
    /// Drop every integrality restriction: the LP relaxation.
    pub lp_relaxation: bool,
    /// Decide platform adoption beforehand: the platforms (with an adoption cost, not
    /// installed) that may be used, each paid for; accelerators of the others are not
    /// bought. `None`: the model decides.
    pub platforms: Option<BTreeSet<String>>,
    /// Price the coupling rules instead of imposing them (the Lagrangian relaxation): each
    /// rule's activity, times its price, is added to the objective, and platform adoption
    /// (which must be decided beforehand, by `platforms`) is left out of the cost.
    pub prices: Option<BTreeMap<Coupling, f64>>,
    /// Impose the coupling rules with these limits instead of the scenario's (a rule not
    /// listed keeps its own), and leave platform adoption (decided beforehand, by
    /// `platforms`) out of the cost: one site's share of the national rules when the
    /// other sites' purchases are fixed.
    pub residual: Option<BTreeMap<Coupling, f64>>,
    /// A ceiling on the total (discounted) cost, in money: plans near an optimum, for the
    /// alternatives. `None`: no ceiling beyond the scenario's own.
    pub cost_cap: Option<f64>,
    /// National rules left out in one period only: `(Family::Budget, t)` or
    /// `(Family::CapexBudget, t)` (the conflict analysis measures one period's budget).
    pub relax_periods: BTreeSet<(Family, usize)>,
    /// Site rules left out at one site only (in every period): `(Family::Power, s)` and the
    /// like (the conflict analysis measures one site's power).
    pub relax_sites: BTreeSet<(Family, usize)>,
    /// Most new units of one accelerator per site and period ([`UNIT_CAP`] unless a probe
    /// asks for more).
    pub unit_cap: f64,
}

impl<'a> NationalRequest<'a> {
    /// The scenario's own model.
    pub fn new(nat: &'a National) -> Self {
        NationalRequest {
            nat,
            goal: match nat.objective {
                crate::scenario::Objective::MinCost => Goal::MinCost,
                crate::scenario::Objective::MaxPflops => Goal::MaxPflops,
            },
            relax: BTreeSet::new(),
            relax_national_share: false,
            lp_relaxation: false,
            platforms: None,
            prices: None,
            residual: None,
            cost_cap: nat.cost_cap,
            relax_periods: BTreeSet::new(),
            relax_sites: BTreeSet::new(),
            unit_cap: UNIT_CAP,
        }
    }

    /// Whether national rule `f` is left out in period `t`.
    pub fn relaxed_in(&self, f: Family, t: usize) -> bool {
        self.relax.contains(&f) || self.relax_periods.contains(&(f, t))
    }

    /// Whether site rule `f` is left out at site `s`.
    pub fn relaxed_at(&self, f: Family, s: usize) -> bool {
        self.relax.contains(&f) || self.relax_sites.contains(&(f, s))
    }
}

/// Position of purchase (accelerator `a`, site `s`, period `t`) in [`Built::buy`].
pub fn slot(nat: &National, a: usize, s: usize, t: usize) -> usize {
    (s * nat.periods() + t) * nat.accelerators.len() + a
}

/// Purchases `x[s][t][a]` from a flat vector in [`slot`] order.
pub fn unflatten(nat: &National, flat: &[f64]) -> Vec<Vec<Vec<f64>>> {
    (0..nat.sites.len())
        .map(|s| {
            (0..nat.periods())
                .map(|t| {
                    (0..nat.accelerators.len())
                        .map(|a| flat[slot(nat, a, s, t)])
                        .collect()
                })
                .collect()
        })
        .collect()
}

/// Money unit of the model: the dearest price, so that costs are of order one per unit.
pub fn money_scale(nat: &National) -> f64 {
    nat.per_period
        .iter()
        .flat_map(|p| p.unit_price.iter().copied())
        .fold(1.0_f64, f64::max)
}

/// Upper bound on the purchase of `a` at site `s` in period `t`.
fn purchase_cap(req: &NationalRequest, a: usize, s: usize, t: usize) -> f64 {
    let nat = req.nat;
    let acc = &nat.accelerators[a];
    let p = &nat.per_period[a];
    let site = &nat.sites[s];
    let price = p.unit_price[t];
    let mut cap = req.unit_cap;
    if !req.relax.contains(&Family::Supply)
        && let Some(m) = p.max_units[t]
    {
        cap = cap.min(m as f64);
    }
    if price > 0.0 {
        if let (Some(b), false) = (&nat.budget, req.relaxed_in(Family::Budget, t)) {
            cap = cap.min(b[t] / price);
        }
        if let (Some(b), false) = (&nat.capex_budget, req.relaxed_in(Family::CapexBudget, t)) {
            cap = cap.min(b[t] / price);
        }
    }
    if let (Some(kw), false, true) = (
        &site.power_kw,
        req.relaxed_at(Family::Power, s),
        acc.power_w > 0.0,
    ) {
        cap = cap.min(kw[t] * 1000.0 / (site.pue * acc.power_w));
    }
    cap.max(0.0)
}

/// Builds the programme for `req`.
pub fn build(req: &NationalRequest) -> Built {
    build_rows(req).0
}

/// Builds the programme for `req`, with its coupling rules.
pub fn build_rows(req: &NationalRequest) -> (Built, Vec<CouplingRow>) {
    build_rows_until(req, None)
}

/// [`build_rows`], given up at `end`: the model then comes back empty and marked
/// `stopped` (building a model of a million purchases takes seconds).
pub fn build_rows_until(
    req: &NationalRequest,
    end: Option<std::time::Instant>,
) -> (Built, Vec<CouplingRow>) {
    let past = || end.is_some_and(|e| std::time::Instant::now() >= e);
    let stopped = || Built {
        vars: ProblemVariables::new(),
        objective: Expression::from(0.0),
        maximise: false,
        constraints: Vec::new(),
        buy: Vec::new(),
        has_integers: false,
        money_scale: 1.0,
        objective_unit: 1.0,
        infeasible: false,
        stopped: true,
    };
    let nat = req.nat;
    let (na, ns, nt) = (nat.accelerators.len(), nat.sites.len(), nat.periods());
    let money = money_scale(nat);
    let integer = nat.solver.integer && !req.lp_relaxation;
    let mut vars = ProblemVariables::new();
    let mut constraints = Vec::new();
    let mut has_integers = false;
    let mut infeasible = false;

    // Platforms ruled out beforehand.
    let free = nat.existing_platforms();
    let barred = |a: usize| -> bool {
        let Some(allowed) = &req.platforms else {
            return false;
        };
        nat.accelerators[a].platform.as_ref().is_some_and(|p| {
            !free.contains(p)
                && nat.platform_adoption.get(p).is_some_and(|&c| c > 0.0)
                && !allowed.contains(p)
        })
    };

    // Purchase variables.
    let mut buy: Vec<Option<(Variable, f64)>> = vec![None; ns * nt * na];
    let mut cap = vec![0.0; ns * nt * na];
    for s in 0..ns {
        for t in 0..nt {
            for a in 0..na {
                let can_buy = (nat.per_period[a].available[t]
                    || req.relax.contains(&Family::Availability))
                    && !barred(a);
                let c = purchase_cap(req, a, s, t);
                let k = slot(nat, a, s, t);
                cap[k] = c;
                if !can_buy || c < 1e-9 {
                    continue;
                }
                let lot = if nat.solver.integer {
                    nat.accelerators[a].lot_size as f64
                } else {
                    1.0
                };
                let var = if integer {
                    has_integers = true;
                    vars.add(variable().integer().min(0).max((c / lot + 1e-9).floor()))
                } else {
                    vars.add(variable().min(0).max(c / lot))
                };
                buy[k] = Some((var, lot));
            }
        }
    }
    let x = |k: usize| -> Expression {
        match buy[k] {
            Some((v, lot)) => Expression::from(v) * lot,
            None => Expression::from(0.0),
        }
    };

    // Fleets, per site and period, and the section-1 rules of each.
    let mut fleet: Vec<Vec<Vec<Expression>>> = Vec::with_capacity(ns);
    // The fraction variable of the MaxDemandFraction / MaxMemoryFraction goals, shared by
    // every site and period: the largest common fraction of every floor that can be met.
    let measured = matches!(req.goal, Goal::MaxDemandFraction | Goal::MaxMemoryFraction);
    let mut fraction = None;
    for s in 0..ns {
        if past() {
            return (stopped(), Vec::new());
        }
        let mut site_relax: BTreeSet<Family> = req.relax.clone();
        site_relax.extend(
            req.relax_sites
                .iter()
                .filter(|&&(_, at)| at == s)
                .map(|&(f, _)| f),
        );
        let mut per_t = Vec::with_capacity(nt);
        for t in 0..nt {
            let installed = nat.installed_at(s, t);
            let n: Vec<Expression> = (0..na)
                .map(|a| {
                    let mut e = Expression::from(installed[a]);
                    for b in 0..=t {
                        if nat.serves(a, b, t) {
                            e += x(slot(nat, a, s, b));
                        }
                    }
                    e
                })
                .collect();
            let scenario = nat.site_period(s, t, &installed);
            let mut sub = Request::new(&scenario);
            sub.relax = site_relax.clone();
            sub.lp_relaxation = req.lp_relaxation;
            if measured {
                sub.goal = req.goal;
            }
            let block = Block {
                x: (0..na).map(|a| x(slot(nat, a, s, t))).collect(),
                n: n.clone(),
                buy: (0..na).map(|a| buy[slot(nat, a, s, t)]).collect(),
                cap: (0..na).map(|a| cap[slot(nat, a, s, t)]).collect(),
                fraction,
            };
            let out = site_rules(&sub, block, money, &mut vars, &mut constraints);
            has_integers |= out.has_integers;
            infeasible |= out.infeasible;
            fraction = out.fraction;
            per_t.push(n);
        }
        fleet.push(per_t);
    }

    if past() {
        return (stopped(), Vec::new());
    }
    // The coupling rules: imposed, or priced into the objective.
    let mut rows: Vec<CouplingRow> = Vec::new();
    let mut priced = Expression::from(0.0);
    let mut couple = |rule: Coupling,
                      activity: Expression,
                      limit: f64,
                      constraints: &mut Vec<Constraint>|
     -> bool {
        let row = match &req.prices {
            Some(prices) => {
                let p = prices.get(&rule).copied().unwrap_or(0.0);
                if p != 0.0 {
                    priced += activity.clone() * p;
                }
                Row::Holds
            }
            None => {
                let limit = req
                    .residual
                    .as_ref()
                    .and_then(|r| r.get(&rule).copied())
                    .unwrap_or(limit);
                add_row(constraints, limit, activity.clone())
            }
        };
        rows.push(CouplingRow {
            rule,
            activity,
            limit,
            row,
        });
        row != Row::Violated
    };

    // National supply caps.
    if !req.relax.contains(&Family::Supply) {
        for a in 0..na {
            for t in 0..nt {
                let Some(m) = nat.per_period[a].max_units[t] else {
                    continue;
                };
                let mut sum = Expression::from(0.0);
                let mut any = false;
                for s in 0..ns {
                    let k = slot(nat, a, s, t);
                    if buy[k].is_some() {
                        sum += x(k);
                        any = true;
                    }
                }
                if any {
                    infeasible |=
                        !couple(Coupling::Supply { a, t }, sum, m as f64, &mut constraints);
                }
            }
        }
    }

    if past() {
        return (stopped(), Vec::new());
    }
    // National share, per period, over every site's fleet.
    if let (Some(rule), false) = (&nat.national_share, req.relax_national_share) {
        for t in 0..nt {
            if past() {
                return (stopped(), Vec::new());
            }
            let min = rule.min[t];
            let mut lhs = Expression::from(0.0);
            for s in 0..ns {
                for a in 0..na {
                    let acc = &nat.accelerators[a];
                    let d = if acc.origin == Origin::Domestic {
                        1.0
                    } else {
                        0.0
                    };
                    let n = &fleet[s][t][a];
                    match rule.basis {
                        ShareBasis::Units if rule.strict => {
                            let (p, q) = strict_fraction(min).unwrap_or((0, 1));
                            lhs += n.clone() * (q as f64 * d - p as f64);
                        }
                        ShareBasis::Units => lhs += n.clone() * (d - min),
                        ShareBasis::Tflops => lhs += n.clone() * ((d - min) * acc.tflops / 1000.0),
                        ShareBasis::Spend => {
                            let price = nat.per_period[a].unit_price[t];
                            lhs += x(slot(nat, a, s, t)) * ((d - min) * price / money);
                        }
                    }
                }
            }
            let rhs = if rule.strict { 1.0 } else { 0.0 };
            infeasible |= !couple(Coupling::Share { t }, -lhs, -rhs, &mut constraints);
        }
    }

    if past() {
        return (stopped(), Vec::new());
    }
    // Platform adoption, paid once.
    let mut adoption = Expression::from(0.0);
    for (platform, &price) in &nat.platform_adoption {
        if price <= 0.0 || free.contains(platform) || req.prices.is_some() || req.residual.is_some()
        {
            continue;
        }
        if let Some(allowed) = &req.platforms {
            if allowed.contains(platform) {
                adoption += price / money;
            }
            continue;
        }
        let users: Vec<usize> = (0..buy.len())
            .filter(|&k| {
                buy[k].is_some()
                    && nat.accelerators[k % na].platform.as_deref() == Some(platform.as_str())
            })
            .collect();
        if users.is_empty() {
            continue;
        }
        let z = if req.lp_relaxation {
            vars.add(variable().min(0).max(1))
        } else {
            has_integers = true;
            vars.add(variable().binary())
        };
        for k in users {
            add_at_least(&mut constraints, Expression::from(z) * cap[k], x(k));
        }
        adoption += Expression::from(z) * (price / money);
    }

    if past() {
        return (stopped(), Vec::new());
    }
    // Costs per period (in money units).
    let mut capex_t = Vec::with_capacity(nt);
    let mut opex_t = Vec::with_capacity(nt);
    for t in 0..nt {
        let mut capex = Expression::from(0.0);
        let mut opex = Expression::from(0.0);
        let hours = HOURS_PER_YEAR * nat.utilization * nat.span(t);
        for s in 0..ns {
            let site = &nat.sites[s];
            let per_kw = hours * site.energy_price_per_kwh[t] / money;
            for a in 0..na {
                let acc = &nat.accelerators[a];
                let price = nat.per_period[a].unit_price[t];
                let k = slot(nat, a, s, t);
                if buy[k].is_some() && price > 0.0 {
                    capex += x(k) * (price / money);
                }
                if acc.power_w > 0.0 && per_kw > 0.0 {
                    opex += fleet[s][t][a].clone() * (site.pue * acc.power_w / 1000.0 * per_kw);
                }
            }
        }
        capex_t.push(capex);
        opex_t.push(opex);
    }
    let mut total = adoption.clone();
    for t in 0..nt {
        total += (capex_t[t].clone() + opex_t[t].clone()) * nat.discount(t);
    }
    if let Some(cap) = req.cost_cap {
        infeasible |= !add_at_least(
            &mut constraints,
            Expression::from(cap / money),
            total.clone(),
        );
    }

    if past() {
        return (stopped(), Vec::new());
    }
    // Budgets per period.
    for t in 0..nt {
        if let (Some(b), false) = (&nat.budget, req.relaxed_in(Family::Budget, t)) {
            let mut spend = capex_t[t].clone() + opex_t[t].clone();
            if t == 0 {
                spend += adoption.clone();
            }
            infeasible |= !couple(
                Coupling::Budget { t },
                spend,
                b[t] / money,
                &mut constraints,
            );
        }
        if let (Some(b), false) = (&nat.capex_budget, req.relaxed_in(Family::CapexBudget, t)) {
            let capex = capex_t[t].clone();
            infeasible |= !couple(
                Coupling::CapexBudget { t },
                capex,
                b[t] / money,
                &mut constraints,
            );
        }
    }

    let pflops = || {
        let mut e = Expression::from(0.0);
        for per_t in &fleet {
            for (a, n) in per_t[nt - 1].iter().enumerate() {
                e += n.clone() * (nat.accelerators[a].tflops / 1000.0);
            }
        }
        e
    };
    // Facility kW of site s in period t.
    let kw = |s: usize, t: usize| -> Expression {
        let site = &nat.sites[s];
        let mut e = Expression::from(0.0);
        for a in 0..na {
            let w = nat.accelerators[a].power_w;
            if w > 0.0 {
                e += fleet[s][t][a].clone() * (site.pue * w / 1000.0);
            }
        }
        e
    };
    // A variable at least as large as each of `parts`: their peak, to minimise.
    let mut peak = |parts: Vec<Expression>, constraints: &mut Vec<Constraint>| -> Expression {
        let p = vars.add(variable().min(0));
        for e in parts {
            infeasible |= !add_at_least(constraints, Expression::from(p), e);
        }
        Expression::from(p)
    };
    let (objective, maximise, unit) = match req.goal {
        Goal::MinCost => (total, false, money),
        Goal::MaxPflops => (pflops(), true, 1.0),
        Goal::MinCostWithPflops(floor) => {
            infeasible |= !add_at_least(&mut constraints, pflops(), floor);
            (total, false, money)
        }
        Goal::MinPeriodSpend(t) => {
            let mut spend = capex_t[t].clone() + opex_t[t].clone();
            if t == 0 {
                spend += adoption.clone();
            }
            (spend, false, money)
        }
        Goal::MinPeriodCapex(t) => (capex_t[t].clone(), false, money),
        Goal::MinCapex => {
            let mut sum = Expression::from(0.0);
            for c in &capex_t {
                sum += c.clone();
            }
            (sum, false, money)
        }
        Goal::MinSitePower(s) => {
            let parts = (0..nt).map(|t| kw(s, t)).collect();
            (peak(parts, &mut constraints), false, 1.0)
        }
        Goal::MinPower => {
            let parts = (0..nt)
                .map(|t| {
                    let mut e = Expression::from(0.0);
                    for s in 0..ns {
                        e += kw(s, t);
                    }
                    e
                })
                .collect();
            (peak(parts, &mut constraints), false, 1.0)
        }
        Goal::MaxDemandFraction | Goal::MaxMemoryFraction => (
            fraction.map_or_else(|| Expression::from(1.0), Expression::from),
            true,
            1.0,
        ),
        Goal::MinSupplyExcess => {
            // Units bought beyond each national cap (the caps themselves left out).
            let mut sum = Expression::from(0.0);
            for a in 0..na {
                for t in 0..nt {
                    let Some(m) = nat.per_period[a].max_units[t] else {
                        continue;
                    };
                    let ks: Vec<usize> = (0..ns)
                        .map(|s| slot(nat, a, s, t))
                        .filter(|&k| buy[k].is_some())
                        .collect();
                    if ks.is_empty() {
                        continue;
                    }
                    let mut bought = Expression::from(-(m as f64));
                    for k in ks {
                        bought += x(k);
                    }
                    let e = vars.add(variable().min(0));
                    infeasible |= !add_at_least(&mut constraints, Expression::from(e), bought);
                    sum += e;
                }
            }
            (sum, false, 1.0)
        }
        Goal::MinUnavailable => {
            let mut sum = Expression::from(0.0);
            for a in 0..na {
                for t in 0..nt {
                    if nat.per_period[a].available[t] {
                        continue;
                    }
                    for s in 0..ns {
                        sum += x(slot(nat, a, s, t));
                    }
                }
            }
            (sum, false, 1.0)
        }
    };
    let objective = objective + priced;
    let built = Built {
        vars,
        objective,
        maximise,
        constraints,
        buy,
        has_integers,
        money_scale: money,
        objective_unit: unit,
        infeasible,
        stopped: false,
    };
    (built, rows)
}
