//! The many-site, many-period programme (section 2 of the format), the one model every
//! scenario is planned with (a section-1 file is one site in one period). A builder adds it
//! family by family, in the order of the formulation: the purchases `x_ast`; at every site
//! and period the fleet `n_ast` and the section-1 rules over it (minimum orders, demand,
//! memory, domestic share, vendor share, power: the section-1 builder's own methods); then
//! the national rules that couple the sites (supply caps per accelerator and period, the
//! national share, platform adoption paid once, budgets per period), imposed or priced for
//! the decomposition; and the goal.

use crate::model::{
    Block, Built, Family, Goal, Program, Request, Row, UNIT_CAP, share_coefficient, share_floor,
    site_rules,
};
use crate::scenario::national::{FleetChange, National, SystemBuy};
use crate::scenario::{HOURS_PER_YEAR, Origin, ShareBasis};
use good_lp::{Expression, ProblemVariables, Variable};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

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
    /// The national cap of resource `r` in period `t`.
    Resource {
        /// Resource (position in `National::resources`).
        r: usize,
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
    /// power, availability, minimum orders) or nationally (supply, budgets, the national
    /// share).
    pub relax: BTreeSet<Family>,
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
pub fn build_rows_until(req: &NationalRequest, end: Option<Instant>) -> (Built, Vec<CouplingRow>) {
    build_in_time(req, end).unwrap_or_else(|Stopped| (stopped(), Vec::new()))
}

/// Builds the programme for `req` into a problem that already has `vars` (its variables
/// come after them, and the returned model's `vars` holds both).
pub fn build_onto(req: &NationalRequest, vars: ProblemVariables) -> Built {
    let mut b = Builder::new(req, None);
    b.p = Program::with_vars(vars, req.lp_relaxation);
    build_with(b).map_or_else(|Stopped| stopped(), |(built, _)| built)
}

/// The programme, family by family (section 2 of the format), or [`Stopped`] at the
/// deadline.
fn build_in_time(
    req: &NationalRequest,
    end: Option<Instant>,
) -> Result<(Built, Vec<CouplingRow>), Stopped> {
    build_with(Builder::new(req, end))
}

/// The families added to the builder `b`, in the order of the formulation.
fn build_with(mut b: Builder) -> Result<(Built, Vec<CouplingRow>), Stopped> {
    b.purchases();
    b.systems();
    b.removals();
    b.sites()?;
    b.in_time()?;
    b.supply();
    b.resources();
    b.in_time()?;
    b.national_share()?;
    b.in_time()?;
    let adoption = b.adoption();
    b.in_time()?;
    let costs = b.costs(adoption);
    b.cost_cap(&costs);
    b.in_time()?;
    b.budgets(&costs);
    let goal = b.goal(&costs);
    Ok(b.finish(goal))
}

/// Building passed its deadline.
struct Stopped;

/// The model of a build that passed its deadline: empty, and marked so.
fn stopped() -> Built {
    Built {
        vars: ProblemVariables::new(),
        objective: Expression::from(0.0),
        maximise: false,
        constraints: Vec::new(),
        buy: Vec::new(),
        changes: Vec::new(),
        systems: Vec::new(),
        has_integers: false,
        money_scale: 1.0,
        objective_unit: 1.0,
        infeasible: false,
        stopped: true,
    }
}

/// Costs in money units (divided by the model's money scale).
struct Costs {
    /// Platform adoption, paid once.
    adoption: Expression,
    /// Capex per period.
    capex: Vec<Expression>,
    /// Opex per period (before any energy discount).
    opex: Vec<Expression>,
    /// The energy discounts earned per period, summed over sites (`d_st`).
    discount: Vec<Expression>,
    /// Removals and moves per period: their costs less salvage (`removal_t`).
    removal: Vec<Expression>,
    /// The discounted total (less the residual value, a credit that never enters a
    /// budget).
    total: Expression,
}

impl Costs {
    /// The undiscounted spending of period `t`: capex and energy at the price paid (opex
    /// less the energy discount), plus adoption in the first.
    fn spend(&self, t: usize) -> Expression {
        let mut spend = self.capex[t].clone() + self.opex[t].clone() - self.discount[t].clone()
            + self.removal[t].clone();
        if t == 0 {
            spend += self.adoption.clone();
        }
        spend
    }
}

/// The objective: the expression, whether to maximise it, and its unit.
type Objective = (Expression, bool, f64);

/// The national programme being built: the purchases `x_ast`, the fleets `n_ast`, and one
/// method per constraint family.
struct Builder<'a> {
    req: &'a NationalRequest<'a>,
    nat: &'a National,
    end: Option<Instant>,
    /// Money unit of the model ([`money_scale`]).
    money: f64,
    p: Program,
    /// Platforms installed at some site: adopted for free.
    free: Vec<String>,
    /// Per purchase, in [`slot`] order: the variable counting lots and the lot size.
    buy: Vec<Option<(Variable, f64)>>,
    /// Per purchase, in [`slot`] order: an upper bound on it.
    cap: Vec<f64>,
    /// Removals and moves of installed units: each change and its variable.
    changes: Vec<(FleetChange, Variable)>,
    /// Per site, the positions in `changes` of those that take units from it or bring
    /// units to it (so that each fleet looks at its own, not at every change).
    changes_at: Vec<Vec<usize>>,
    /// Whole systems: each purchase, its variable and its bound.
    systems: Vec<(SystemBuy, Variable, f64)>,
    /// Fleets `n[s][t][a]`.
    fleet: Vec<Vec<Vec<Expression>>>,
    /// The coupling rules, as built.
    rows: Vec<CouplingRow>,
    /// Priced coupling rules, added to the objective.
    priced: Expression,
}

impl<'a> Builder<'a> {
    fn new(req: &'a NationalRequest<'a>, end: Option<Instant>) -> Self {
        let nat = req.nat;
        Builder {
            req,
            nat,
            end,
            money: money_scale(nat),
            p: Program::new(req.lp_relaxation),
            free: nat.existing_platforms(),
            buy: Vec::new(),
            cap: Vec::new(),
            changes: Vec::new(),
            changes_at: vec![Vec::new(); nat.sites.len()],
            systems: Vec::new(),
            fleet: Vec::with_capacity(nat.sites.len()),
            rows: Vec::new(),
            priced: Expression::from(0.0),
        }
    }

    /// `Err` once the deadline has passed.
    fn in_time(&self) -> Result<(), Stopped> {
        match self.end {
            Some(e) if Instant::now() >= e => Err(Stopped),
            _ => Ok(()),
        }
    }

    /// The purchase in slot `k` (accelerator, site, period), in units.
    fn x(&self, k: usize) -> Expression {
        match self.buy[k] {
            Some((v, lot)) => Expression::from(v) * lot,
            None => Expression::from(0.0),
        }
    }

    /// Whether accelerator `a` is ruled out with its platform (not adopted beforehand).
    fn barred(&self, a: usize) -> bool {
        let Some(allowed) = &self.req.platforms else {
            return false;
        };
        self.nat.accelerators[a].platform.as_ref().is_some_and(|p| {
            !self.free.contains(p)
                && self.nat.platform_adoption.get(p).is_some_and(|&c| c > 0.0)
                && !allowed.contains(p)
        })
    }

    /// Upper bound on the purchase of `a` at site `s` in period `t`.
    fn purchase_cap(&self, a: usize, s: usize, t: usize) -> f64 {
        let (req, nat) = (self.req, self.nat);
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
        if !req.relax.contains(&Family::Resource) {
            for r in &nat.resources {
                if r.uses[a] > 0.0 {
                    cap = cap.min(r.cap[t] / r.uses[a]);
                }
            }
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

    /// The purchase variables `x_ast`: whole lots (or units, when continuous) within
    /// availability and the purchase's bound.
    fn purchases(&mut self) {
        let nat = self.nat;
        let (na, ns, nt) = (nat.accelerators.len(), nat.sites.len(), nat.periods());
        let integer = nat.solver.integer && !self.req.lp_relaxation;
        self.buy = vec![None; ns * nt * na];
        self.cap = vec![0.0; ns * nt * na];
        for s in 0..ns {
            for t in 0..nt {
                for a in 0..na {
                    let can_buy = (nat.per_period[a].available[t]
                        || self.req.relax.contains(&Family::Availability))
                        && !self.barred(a);
                    let c = self.purchase_cap(a, s, t);
                    let k = slot(nat, a, s, t);
                    self.cap[k] = c;
                    if !can_buy || c < 1e-9 {
                        continue;
                    }
                    let lot = if nat.solver.integer {
                        nat.accelerators[a].lot_size as f64
                    } else {
                        1.0
                    };
                    self.buy[k] = Some((self.p.purchase(c, lot, integer), lot));
                }
            }
        }
    }

    /// Whole systems (section 6): `y_bst`, whole systems of type b at site s in period t
    /// (integer even with `solver.integer: false`; continuous in the LP relaxation), where
    /// the system is available and its accelerator's platform not barred, bounded like a
    /// purchase of its cards; and `sum_s y_bst <= max_units_bt`.
    fn systems(&mut self) {
        let (req, nat) = (self.req, self.nat);
        if nat.systems.is_empty() {
            return;
        }
        let integer = !req.lp_relaxation;
        for (b, sys) in nat.systems.iter().enumerate() {
            let a = sys.accelerator;
            let acc = &nat.accelerators[a];
            let cards = sys.cards as f64;
            for t in 0..nat.periods() {
                if !sys.available[t] || self.barred(a) {
                    continue;
                }
                let mut vars = Vec::new();
                for s in 0..nat.sites.len() {
                    let site = &nat.sites[s];
                    let mut cap = req.unit_cap / cards;
                    if let Some(m) = sys.max_units[t] {
                        cap = cap.min(m as f64);
                    }
                    if !req.relax.contains(&Family::Supply)
                        && let Some(m) = nat.per_period[a].max_units[t]
                    {
                        cap = cap.min(m as f64 / cards);
                    }
                    if !req.relax.contains(&Family::Resource) {
                        for r in &nat.resources {
                            if r.uses[a] > 0.0 {
                                cap = cap.min(r.cap[t] / (r.uses[a] * cards));
                            }
                        }
                    }
                    let price = sys.price[t];
                    if price > 0.0 {
                        if let (Some(bu), false) = (&nat.budget, req.relaxed_in(Family::Budget, t))
                        {
                            cap = cap.min(bu[t] / price);
                        }
                        if let (Some(bu), false) =
                            (&nat.capex_budget, req.relaxed_in(Family::CapexBudget, t))
                        {
                            cap = cap.min(bu[t] / price);
                        }
                    }
                    let watts = cards * acc.power_w + sys.extra_power_w;
                    if let (Some(kw), false, true) = (
                        &site.power_kw,
                        req.relaxed_at(Family::Power, s),
                        watts > 0.0,
                    ) {
                        cap = cap.min(kw[t] * 1000.0 / (site.pue * watts));
                    }
                    let cap = if integer {
                        (cap.max(0.0) + 1e-9).floor()
                    } else {
                        cap.max(0.0)
                    };
                    if cap < 1e-9 {
                        continue;
                    }
                    let v = self.p.purchase(cap, 1.0, integer);
                    let buy = SystemBuy {
                        system: b,
                        site: s,
                        period: t,
                        units: 0.0,
                    };
                    self.systems.push((buy, v, cap));
                    vars.push(v);
                }
                if let (Some(m), false) = (sys.max_units[t], vars.is_empty()) {
                    let mut sum = Expression::from(0.0);
                    for v in vars {
                        sum += v;
                    }
                    self.p.at_most(sum, m as f64);
                }
            }
        }
    }

    /// Cards of accelerator `a` inside the systems bought at site `s` (every site: `None`)
    /// in period `t`.
    fn system_cards(&self, s: Option<usize>, t: usize, a: usize) -> Expression {
        let nat = self.nat;
        let mut e = Expression::from(0.0);
        for (y, v, _) in &self.systems {
            let sys = &nat.systems[y.system];
            if y.period == t && sys.accelerator == a && s.is_none_or(|s| y.site == s) {
                e += Expression::from(*v) * sys.cards as f64;
            }
        }
        e
    }

    /// What the systems of accelerator `a` bought at site `s` (every site: `None`) in
    /// period `t` cost, divided by `unit` (1: currency; the money scale: model units).
    fn system_spend(&self, s: Option<usize>, t: usize, a: usize, unit: f64) -> Expression {
        let nat = self.nat;
        let mut e = Expression::from(0.0);
        for (y, v, _) in &self.systems {
            let sys = &nat.systems[y.system];
            if y.period == t && sys.accelerator == a && s.is_none_or(|s| y.site == s) {
                let price = sys.price[t];
                if price > 0.0 {
                    e += Expression::from(*v) * (price / unit);
                }
            }
        }
        e
    }

    /// Whether some system of accelerator `a` may be bought at site `s` (every site:
    /// `None`) in period `t`.
    fn any_system(&self, s: Option<usize>, t: usize, a: usize) -> bool {
        self.systems.iter().any(|(y, _, _)| {
            y.period == t
                && self.nat.systems[y.system].accelerator == a
                && s.is_none_or(|s| y.site == s)
        })
    }

    /// The systems at site `s` still in service in period `t` (within their accelerator's
    /// lifetime): each one's variable, its system and its bound.
    fn systems_serving(&self, s: usize, t: usize) -> Vec<(Variable, usize, f64)> {
        let nat = self.nat;
        self.systems
            .iter()
            .filter(|(y, _, _)| {
                y.site == s && nat.serves(nat.systems[y.system].accelerator, y.period, t)
            })
            .map(|&(y, v, cap)| (v, y.system, cap))
            .collect()
    }

    /// Extra facility kW (PUE applied) of the systems at site `s` in service in period `t`.
    fn extra_kw(&self, s: usize, t: usize) -> Expression {
        let nat = self.nat;
        let pue = nat.sites[s].pue;
        let mut e = Expression::from(0.0);
        for (v, b, _) in self.systems_serving(s, t) {
            let w = nat.systems[b].extra_power_w;
            if w > 0.0 {
                e += Expression::from(v) * (pue * w / 1000.0);
            }
        }
        e
    }

    /// Removals and moves of installed units (section 6): for each entry with `removal`,
    /// in each period it serves, the units taken out `r_et` and moved to each site of
    /// `move_to` `m_es't` (whole units when `solver.integer`), and
    /// `sum_t (r_et + sum_s' m_es't) <= u_e`: non-negative changes whose total stays within
    /// the units keep every period's remainder non-negative.
    fn removals(&mut self) {
        let nat = self.nat;
        let integer = nat.solver.integer && !self.req.lp_relaxation;
        for (s, i) in nat.removable() {
            let e = &nat.sites[s].existing[i];
            let Some(removal) = &e.removal else { continue };
            let units = e.units as f64;
            if units <= 0.0 {
                continue;
            }
            let mut total = Expression::from(0.0);
            for t in 0..nat.periods() {
                if !e.serves_in(nat.years[t]) {
                    continue;
                }
                let targets =
                    std::iter::once(None).chain(removal.move_to.iter().map(|&to| Some(to)));
                for to in targets {
                    let v = self.p.purchase(units, 1.0, integer);
                    total += v;
                    let change = FleetChange {
                        site: s,
                        entry: i,
                        period: t,
                        to,
                        units: 0.0,
                    };
                    self.changes_at[s].push(self.changes.len());
                    if let Some(to) = to {
                        self.changes_at[to].push(self.changes.len());
                    }
                    self.changes.push((change, v));
                }
            }
            self.p.at_most(total, units);
        }
    }

    /// The change in installed units of accelerator `a` at site `s` in period `t` from
    /// removals and moves so far: minus those taken out or moved away, plus those moved in,
    /// while their entry serves.
    fn changed(&self, s: usize, t: usize, a: usize) -> Expression {
        let nat = self.nat;
        let mut e = Expression::from(0.0);
        for (c, v) in self.changes_at[s].iter().map(|&k| &self.changes[k]) {
            let entry = &nat.sites[c.site].existing[c.entry];
            if c.period > t || entry.index != a || !entry.serves_in(nat.years[t]) {
                continue;
            }
            if c.site == s {
                e -= *v;
            }
            if c.to == Some(s) {
                e += *v;
            }
        }
        e
    }

    /// Most installed units of accelerator `a` that may be moved to site `s` by period `t`.
    fn movable_in(&self, s: usize, t: usize, a: usize) -> f64 {
        let nat = self.nat;
        let mut entries: Vec<(usize, usize)> = self.changes_at[s]
            .iter()
            .map(|&k| &self.changes[k].0)
            .filter(|c| c.to == Some(s))
            .map(|c| (c.site, c.entry))
            .collect();
        entries.sort_unstable();
        entries.dedup();
        entries
            .into_iter()
            .map(|(from, i)| &nat.sites[from].existing[i])
            .filter(|e| e.index == a && e.serves_in(nat.years[t]))
            .map(|e| e.units as f64)
            .sum()
    }

    /// Every site in every period: its fleet and its section-1 rules.
    fn sites(&mut self) -> Result<(), Stopped> {
        for s in 0..self.nat.sites.len() {
            self.in_time()?;
            let mut relax: BTreeSet<Family> = self.req.relax.clone();
            relax.extend(
                self.req
                    .relax_sites
                    .iter()
                    .filter(|&&(_, at)| at == s)
                    .map(|&(f, _)| f),
            );
            let mut per_t = Vec::with_capacity(self.nat.periods());
            for t in 0..self.nat.periods() {
                let installed = self.nat.installed_at(s, t);
                let n = self.fleet_at(s, t, &installed);
                self.site_rules(s, t, &installed, &n, &relax);
                per_t.push(n);
            }
            self.fleet.push(per_t);
        }
        Ok(())
    }

    /// The fleet `n_ast` of site `s` in period `t`: installed units still in service plus
    /// purchases still within their lifetime.
    fn fleet_at(&self, s: usize, t: usize, installed: &[f64]) -> Vec<Expression> {
        let nat = self.nat;
        (0..nat.accelerators.len())
            .map(|a| {
                let mut e = Expression::from(installed[a]);
                if !self.changes.is_empty() {
                    e += self.changed(s, t, a);
                }
                for b in 0..=t {
                    if nat.serves(a, b, t) {
                        e += self.x(slot(nat, a, s, b));
                    }
                }
                for (v, b, _) in self.systems_serving(s, t) {
                    if nat.systems[b].accelerator == a {
                        e += Expression::from(v) * nat.systems[b].cards as f64;
                    }
                }
                e
            })
            .collect()
    }

    /// The section-1 rules of site `s` in period `t` over its purchases and fleet `n`:
    /// minimum orders, demand, memory, domestic share, vendor share, power (see
    /// [`site_rules`]).
    fn site_rules(
        &mut self,
        s: usize,
        t: usize,
        installed: &[f64],
        n: &[Expression],
        relax: &BTreeSet<Family>,
    ) {
        let nat = self.nat;
        let na = nat.accelerators.len();
        let scenario = nat.site_period(s, t, installed);
        let mut sub = Request::new(&scenario);
        sub.relax = relax.clone();
        sub.lp_relaxation = self.req.lp_relaxation;
        // The fraction variable of these goals is shared by every site and period: the
        // largest common fraction of every floor that can be met.
        if matches!(
            self.req.goal,
            Goal::MaxDemandFraction | Goal::MaxMemoryFraction
        ) {
            sub.goal = self.req.goal;
        }
        let block = Block {
            x: (0..na).map(|a| self.x(slot(nat, a, s, t))).collect(),
            n: n.to_vec(),
            buy: (0..na).map(|a| self.buy[slot(nat, a, s, t)]).collect(),
            cap: (0..na).map(|a| self.cap[slot(nat, a, s, t)]).collect(),
            spend: if self.systems.is_empty() {
                Vec::new()
            } else {
                (0..na)
                    .map(|a| self.system_spend(Some(s), t, a, 1.0))
                    .collect()
            },
            extra_kw: self.extra_kw(s, t),
        };
        site_rules(&sub, block, self.money, &mut self.p);
    }

    /// A coupling rule `activity <= limit`: imposed (with the residual limit when one is
    /// given), or priced into the objective.
    fn couple(&mut self, rule: Coupling, activity: Expression, limit: f64) {
        let req = self.req;
        let row = match &req.prices {
            Some(prices) => {
                let p = prices.get(&rule).copied().unwrap_or(0.0);
                if p != 0.0 {
                    self.priced += activity.clone() * p;
                }
                Row::Holds
            }
            None => {
                let limit = req
                    .residual
                    .as_ref()
                    .and_then(|r| r.get(&rule).copied())
                    .unwrap_or(limit);
                self.p.row(limit, activity.clone())
            }
        };
        self.rows.push(CouplingRow {
            rule,
            activity,
            limit,
            row,
        });
    }

    /// National supply caps: `sum_s x_ast <= max_units_at`.
    fn supply(&mut self) {
        if self.req.relax.contains(&Family::Supply) {
            return;
        }
        let nat = self.nat;
        for a in 0..nat.accelerators.len() {
            for t in 0..nat.periods() {
                let Some(m) = nat.per_period[a].max_units[t] else {
                    continue;
                };
                let mut sum = Expression::from(0.0);
                let mut any = false;
                for s in 0..nat.sites.len() {
                    let k = slot(nat, a, s, t);
                    if self.buy[k].is_some() {
                        sum += self.x(k);
                        any = true;
                    }
                }
                if self.any_system(None, t, a) {
                    sum += self.system_cards(None, t, a);
                    any = true;
                }
                if any {
                    self.couple(Coupling::Supply { a, t }, sum, m as f64);
                }
            }
        }
    }

    /// National resource caps: `sum_{a,s} uses_ar x_ast <= cap_rt`.
    fn resources(&mut self) {
        if self.req.relax.contains(&Family::Resource) {
            return;
        }
        let nat = self.nat;
        for (r, res) in nat.resources.iter().enumerate() {
            for t in 0..nat.periods() {
                let mut sum = Expression::from(0.0);
                let mut any = false;
                for s in 0..nat.sites.len() {
                    for (a, &u) in res.uses.iter().enumerate() {
                        let k = slot(nat, a, s, t);
                        if u > 0.0 && self.buy[k].is_some() {
                            sum += self.x(k) * u;
                            any = true;
                        }
                        if u > 0.0 && self.any_system(Some(s), t, a) {
                            sum += self.system_cards(Some(s), t, a) * u;
                            any = true;
                        }
                    }
                }
                if any {
                    self.couple(Coupling::Resource { r, t }, sum, res.cap[t]);
                }
            }
        }
    }

    /// The national share, per period, over every site's fleet (or purchases, on the
    /// spend basis).
    fn national_share(&mut self) -> Result<(), Stopped> {
        let nat = self.nat;
        let (Some(rule), false) = (
            &nat.national_share,
            self.req.relax.contains(&Family::NationalShare),
        ) else {
            return Ok(());
        };
        for t in 0..nat.periods() {
            self.in_time()?;
            let rule = rule.at(t);
            let mut lhs = Expression::from(0.0);
            for s in 0..nat.sites.len() {
                for (a, acc) in nat.accelerators.iter().enumerate() {
                    let price = nat.per_period[a].unit_price[t];
                    let c = share_coefficient(&rule, acc, price, self.money);
                    if rule.basis == ShareBasis::Spend {
                        lhs += self.x(slot(nat, a, s, t)) * c;
                        lhs += self.system_spend(Some(s), t, a, 1.0)
                            * share_coefficient(&rule, acc, 1.0, self.money);
                    } else {
                        lhs += self.fleet[s][t][a].clone() * c;
                    }
                }
            }
            self.couple(Coupling::Share { t }, -lhs, -share_floor(&rule));
        }
        Ok(())
    }

    /// Platform adoption, paid once: a binary per platform that forces its cost when any
    /// of its accelerators is bought anywhere. With the platforms decided beforehand, their
    /// costs are constant; priced or residual models leave adoption out.
    fn adoption(&mut self) -> Expression {
        let (req, nat) = (self.req, self.nat);
        let na = nat.accelerators.len();
        let mut adoption = Expression::from(0.0);
        for (platform, &price) in &nat.platform_adoption {
            if price <= 0.0
                || self.free.contains(platform)
                || req.prices.is_some()
                || req.residual.is_some()
            {
                continue;
            }
            if let Some(allowed) = &req.platforms {
                if allowed.contains(platform) {
                    adoption += price / self.money;
                }
                continue;
            }
            let users: Vec<usize> = (0..self.buy.len())
                .filter(|&k| {
                    self.buy[k].is_some()
                        && nat.accelerators[k % na].platform.as_deref() == Some(platform.as_str())
                })
                .collect();
            let system_users: Vec<(Variable, f64)> = self
                .systems
                .iter()
                .filter(|(y, _, _)| {
                    nat.accelerators[nat.systems[y.system].accelerator]
                        .platform
                        .as_deref()
                        == Some(platform.as_str())
                })
                .map(|&(_, v, cap)| (v, cap))
                .collect();
            if users.is_empty() && system_users.is_empty() {
                continue;
            }
            let z = self.p.binary();
            for k in users {
                self.p
                    .at_least(Expression::from(z) * self.cap[k], self.x(k));
            }
            for (v, cap) in system_users {
                self.p
                    .at_least(Expression::from(z) * cap, Expression::from(v));
            }
            adoption += Expression::from(z) * (price / self.money);
        }
        adoption
    }

    /// Capex and opex per period, the energy discounts earned, and the discounted total
    /// with `adoption`.
    fn costs(&mut self, adoption: Expression) -> Costs {
        let nat = self.nat;
        let nt = nat.periods();
        let mut capex_t = Vec::with_capacity(nt);
        let mut opex_t = Vec::with_capacity(nt);
        let mut discount_t = Vec::with_capacity(nt);
        for t in 0..nt {
            let mut capex = Expression::from(0.0);
            let mut opex = Expression::from(0.0);
            let mut discount = Expression::from(0.0);
            let hours = HOURS_PER_YEAR * nat.utilization * nat.span(t);
            for (s, site) in nat.sites.iter().enumerate() {
                let per_kw = hours * site.energy_price_per_kwh[t] / self.money;
                let mut site_opex = Expression::from(0.0);
                // The most the site's energy can cost in the period (for the discount's
                // big-M).
                let mut site_opex_cap = 0.0;
                for (a, acc) in nat.accelerators.iter().enumerate() {
                    let price = nat.per_period[a].unit_price[t];
                    let k = slot(nat, a, s, t);
                    if self.buy[k].is_some() && price > 0.0 {
                        capex += self.x(k) * (price / self.money);
                    }
                    if acc.power_w > 0.0 && per_kw > 0.0 {
                        let per_unit = site.pue * acc.power_w / 1000.0 * per_kw;
                        site_opex += self.fleet[s][t][a].clone() * per_unit;
                        site_opex_cap += self.fleet_cap(s, t, a) * per_unit;
                    }
                    capex += self.system_spend(Some(s), t, a, self.money);
                }
                if per_kw > 0.0 {
                    site_opex += self.extra_kw(s, t) * per_kw;
                    for (_, b, most) in self.systems_serving(s, t) {
                        site_opex_cap +=
                            most * site.pue * nat.systems[b].extra_power_w / 1000.0 * per_kw;
                    }
                }
                if site.domestic_energy_discount.is_some() && site_opex_cap > 0.0 {
                    discount += self.energy_discount(s, t, &site_opex, site_opex_cap);
                }
                opex += site_opex;
            }
            capex_t.push(capex);
            opex_t.push(opex);
            discount_t.push(discount);
        }
        let residual = self.residual();
        let removal_t: Vec<Expression> = (0..nt).map(|t| self.removal_cost(t)).collect();
        let mut total = adoption.clone();
        for t in 0..nt {
            total += (capex_t[t].clone() + opex_t[t].clone() - discount_t[t].clone()
                + removal_t[t].clone())
                * nat.discount(t);
        }
        total -= residual;
        Costs {
            adoption,
            capex: capex_t,
            opex: opex_t,
            discount: discount_t,
            removal: removal_t,
            total,
        }
    }

    /// `removal_t` in money units: `(cost - salvage_value)` per unit taken out and
    /// `relocation_per_unit` per unit moved, in period `t`.
    fn removal_cost(&self, t: usize) -> Expression {
        let nat = self.nat;
        let mut e = Expression::from(0.0);
        for (c, v) in self.changes.iter().filter(|(c, _)| c.period == t) {
            let per_unit = nat.change_cost(&FleetChange { units: 1.0, ..*c });
            if per_unit != 0.0 {
                e += Expression::from(*v) * (per_unit / self.money);
            }
        }
        e
    }

    /// Most units of accelerator `a` in service at site `s` in period `t`: the installed
    /// ones and every purchase's bound.
    fn fleet_cap(&self, s: usize, t: usize, a: usize) -> f64 {
        let nat = self.nat;
        let mut cap = nat.installed_at(s, t)[a];
        if !self.changes.is_empty() {
            cap += self.movable_in(s, t, a);
        }
        for b in 0..=t {
            let k = slot(nat, a, s, b);
            if nat.serves(a, b, t) && self.buy[k].is_some() {
                cap += self.cap[k];
            }
        }
        for (_, b, most) in self.systems_serving(s, t) {
            if nat.systems[b].accelerator == a {
                cap += most * nat.systems[b].cards as f64;
            }
        }
        cap
    }

    /// The energy discount `d_st` of site `s` in period `t` (section 6), in money units:
    /// a binary `q_st` that may be 1 only when the fleet's domestic share by units is at
    /// least `min_share` (`sum_D n - min_share * sum n >= -M_u (1 - q)`, `M_u` =
    /// `min_share` times the most foreign units the site can hold), and
    /// `0 <= d_st <= rate * opex_st`, `d_st <= rate * opex_cap * q_st`.
    fn energy_discount(
        &mut self,
        s: usize,
        t: usize,
        opex: &Expression,
        opex_cap: f64,
    ) -> Expression {
        let nat = self.nat;
        let Some(rule) = nat.sites[s].domestic_energy_discount else {
            return Expression::from(0.0);
        };
        if self.req.lp_relaxation {
            // The relaxation takes the rate off all the site's energy, qualified or not:
            // no plan's discount is larger, so its optimum still bounds every plan. With
            // `d` and `q` as columns instead, the bound is barely higher (4,582 USD of
            // 6.09 billion on the 500-site benchmark) and microlp takes 18 times as long
            // (28 s against 1.6 s).
            return opex.clone() * rule.rate;
        }
        let q = self.p.binary();
        let d = self.p.nonnegative();
        self.p
            .at_least(opex.clone() * rule.rate, Expression::from(d));
        self.p.at_least(
            Expression::from(q) * (rule.rate * opex_cap),
            Expression::from(d),
        );
        let mut share = Expression::from(0.0);
        let mut foreign_cap = 0.0;
        // A valid cut that keeps the LP relaxation from discounting foreign energy: when
        // q = 1, foreign units are at most (1 - min_share) / min_share of the domestic
        // ones, so d <= rate * (domestic energy + that many units at the dearest foreign
        // card's energy).
        let site = &nat.sites[s];
        let per_kw = HOURS_PER_YEAR * nat.utilization * nat.span(t) * site.energy_price_per_kwh[t]
            / self.money;
        let energy = |w: f64| site.pue * w / 1000.0 * per_kw;
        // Per card, with the largest extra power per card of its systems.
        let extra_per_card = |a: usize| -> f64 {
            nat.systems
                .iter()
                .filter(|sys| sys.accelerator == a)
                .map(|sys| sys.extra_power_w / sys.cards as f64)
                .fold(0.0, f64::max)
        };
        let dearest_foreign = nat
            .accelerators
            .iter()
            .enumerate()
            .filter(|(_, acc)| acc.origin != Origin::Domestic)
            .map(|(a, acc)| energy(acc.power_w.max(0.0) + extra_per_card(a)))
            .fold(0.0, f64::max);
        let slack = (1.0 - rule.min_share) / rule.min_share * dearest_foreign;
        let mut domestic_energy = Expression::from(0.0);
        for (a, acc) in nat.accelerators.iter().enumerate() {
            let n = self.fleet[s][t][a].clone();
            if acc.origin == Origin::Domestic {
                domestic_energy +=
                    n.clone() * (energy(acc.power_w.max(0.0) + extra_per_card(a)) + slack);
                share += n * (1.0 - rule.min_share);
            } else {
                share -= n * rule.min_share;
                foreign_cap += self.fleet_cap(s, t, a);
            }
        }
        self.p
            .at_least(domestic_energy * rule.rate, Expression::from(d));
        let m = rule.min_share * foreign_cap;
        if m > 0.0 {
            // share + M (1 - q) >= 0
            self.p
                .at_least(share + m - Expression::from(q) * m, Expression::from(0.0));
        }
        Expression::from(d)
    }

    /// The residual value (`costs.residual_value`), discounted: each purchase times its
    /// per-unit credit ([`National::residual_per_unit`]); zero without the rule.
    fn residual(&self) -> Expression {
        let nat = self.nat;
        let mut residual = Expression::from(0.0);
        for s in 0..nat.sites.len() {
            for t in 0..nat.periods() {
                for a in 0..nat.accelerators.len() {
                    let k = slot(nat, a, s, t);
                    let credit = nat.residual_per_unit(a, t);
                    if self.buy[k].is_some() && credit > 0.0 {
                        residual += self.x(k) * (credit / self.money);
                    }
                }
            }
        }
        for (y, v, _) in &self.systems {
            let credit = nat.residual_per_system(y.system, y.period);
            if credit > 0.0 {
                residual += Expression::from(*v) * (credit / self.money);
            }
        }
        residual
    }

    /// The ceiling on the total cost asked for by the alternatives.
    fn cost_cap(&mut self, costs: &Costs) {
        if let Some(cap) = self.req.cost_cap {
            self.p
                .at_least(Expression::from(cap / self.money), costs.total.clone());
        }
    }

    /// Budgets per period: `spend_t <= budget_t`, `capex_t <= capex_budget_t`.
    fn budgets(&mut self, costs: &Costs) {
        let nat = self.nat;
        for t in 0..nat.periods() {
            if let (Some(b), false) = (&nat.budget, self.req.relaxed_in(Family::Budget, t)) {
                self.couple(Coupling::Budget { t }, costs.spend(t), b[t] / self.money);
            }
            if let (Some(b), false) = (
                &nat.capex_budget,
                self.req.relaxed_in(Family::CapexBudget, t),
            ) {
                self.couple(
                    Coupling::CapexBudget { t },
                    costs.capex[t].clone(),
                    b[t] / self.money,
                );
            }
        }
    }

    /// Fleet PFLOPS in the last period, summed over sites.
    fn pflops(&self) -> Expression {
        let nt = self.nat.periods();
        let mut e = Expression::from(0.0);
        for (s, per_t) in self.fleet.iter().enumerate() {
            for (a, n) in per_t[nt - 1].iter().enumerate() {
                e += n.clone() * (self.nat.capacity_tflops(s, a) / 1000.0);
            }
        }
        e
    }

    /// Facility kW of site `s` in period `t`.
    fn kw(&self, s: usize, t: usize) -> Expression {
        let site = &self.nat.sites[s];
        let mut e = Expression::from(0.0);
        for (a, acc) in self.nat.accelerators.iter().enumerate() {
            let w = acc.power_w;
            if w > 0.0 {
                e += self.fleet[s][t][a].clone() * (site.pue * w / 1000.0);
            }
        }
        e + self.extra_kw(s, t)
    }

    /// A variable at least as large as each of `parts`: their peak, to minimise.
    fn peak(&mut self, parts: Vec<Expression>) -> Expression {
        let p = self.p.nonnegative();
        for e in parts {
            self.p.at_least(Expression::from(p), e);
        }
        Expression::from(p)
    }

    /// Units bought beyond each national cap (the caps themselves left out).
    fn supply_excess(&mut self) -> Expression {
        let nat = self.nat;
        let mut sum = Expression::from(0.0);
        for a in 0..nat.accelerators.len() {
            for t in 0..nat.periods() {
                let Some(m) = nat.per_period[a].max_units[t] else {
                    continue;
                };
                let ks: Vec<usize> = (0..nat.sites.len())
                    .map(|s| slot(nat, a, s, t))
                    .filter(|&k| self.buy[k].is_some())
                    .collect();
                if ks.is_empty() && !self.any_system(None, t, a) {
                    continue;
                }
                let mut bought = Expression::from(-(m as f64));
                for k in ks {
                    bought += self.x(k);
                }
                bought += self.system_cards(None, t, a);
                let e = self.p.nonnegative();
                self.p.at_least(Expression::from(e), bought);
                sum += e;
            }
        }
        sum
    }

    /// Use of each resource beyond its cap, per period, summed.
    fn resource_excess(&mut self) -> Expression {
        let nat = self.nat;
        let mut sum = Expression::from(0.0);
        for res in &nat.resources {
            for t in 0..nat.periods() {
                let mut used = Expression::from(-res.cap[t]);
                let mut any = false;
                for s in 0..nat.sites.len() {
                    for (a, &u) in res.uses.iter().enumerate() {
                        let k = slot(nat, a, s, t);
                        if u > 0.0 && self.buy[k].is_some() {
                            used += self.x(k) * u;
                            any = true;
                        }
                        if u > 0.0 && self.any_system(Some(s), t, a) {
                            used += self.system_cards(Some(s), t, a) * u;
                            any = true;
                        }
                    }
                }
                if !any {
                    continue;
                }
                let e = self.p.nonnegative();
                self.p.at_least(Expression::from(e), used);
                sum += e;
            }
        }
        sum
    }

    /// Units bought of accelerators not available in their period.
    fn unavailable(&self) -> Expression {
        let nat = self.nat;
        let mut sum = Expression::from(0.0);
        for a in 0..nat.accelerators.len() {
            for t in 0..nat.periods() {
                if nat.per_period[a].available[t] {
                    continue;
                }
                for s in 0..nat.sites.len() {
                    sum += self.x(slot(nat, a, s, t));
                }
            }
        }
        sum
    }

    /// The objective for the request's goal.
    fn goal(&mut self, costs: &Costs) -> Objective {
        let (money, nt) = (self.money, self.nat.periods());
        match self.req.goal {
            Goal::MinCost => (costs.total.clone(), false, money),
            Goal::MaxPflops => (self.pflops(), true, 1.0),
            Goal::MinCostWithPflops(floor) => {
                let pflops = self.pflops();
                self.p.at_least(pflops, floor);
                (costs.total.clone(), false, money)
            }
            Goal::MinPeriodSpend(t) => (costs.spend(t), false, money),
            Goal::MinPeriodCapex(t) => (costs.capex[t].clone(), false, money),
            Goal::MinCapex => {
                let mut sum = Expression::from(0.0);
                for c in &costs.capex {
                    sum += c.clone();
                }
                (sum, false, money)
            }
            Goal::MinSitePower(s) => {
                let parts = (0..nt).map(|t| self.kw(s, t)).collect();
                (self.peak(parts), false, 1.0)
            }
            Goal::MinPower => {
                let parts = (0..nt)
                    .map(|t| {
                        let mut e = Expression::from(0.0);
                        for s in 0..self.nat.sites.len() {
                            e += self.kw(s, t);
                        }
                        e
                    })
                    .collect();
                (self.peak(parts), false, 1.0)
            }
            Goal::MaxDemandFraction | Goal::MaxMemoryFraction => (
                self.p
                    .fraction
                    .map_or_else(|| Expression::from(1.0), Expression::from),
                true,
                1.0,
            ),
            Goal::MinSupplyExcess => (self.supply_excess(), false, 1.0),
            Goal::MinUnavailable => (self.unavailable(), false, 1.0),
            Goal::MinResourceExcess => (self.resource_excess(), false, 1.0),
        }
    }

    /// The model, with the priced coupling rules added to the objective.
    fn finish(self, (objective, maximise, unit): Objective) -> (Built, Vec<CouplingRow>) {
        let built = Built {
            vars: self.p.vars,
            objective: objective + self.priced,
            maximise,
            constraints: self.p.constraints,
            buy: self.buy,
            changes: self.changes,
            systems: self.systems.iter().map(|&(y, v, _)| (y, v)).collect(),
            has_integers: self.p.has_integers,
            money_scale: self.money,
            objective_unit: unit,
            infeasible: self.p.infeasible,
            stopped: false,
        };
        (built, self.rows)
    }
}
