//! The content shared by the human formats (table and Markdown): the same sections and
//! rows, laid out differently by each.

use crate::numfmt::{amount, grouped, percent, qty, sum_cents};
use crate::plan::{Plan, Purchase};

/// Sites listed by name in the human formats; the rest are counted (the JSON has them all).
pub const LARGEST_SITES: usize = 10;

/// Whether the plan comes from a scenario with sites or periods.
pub fn is_national(p: &Plan) -> bool {
    !p.sites.is_empty()
        || !p.periods.is_empty()
        || p.purchases
            .iter()
            .any(|x| x.site.is_some() || x.period.is_some())
}

/// The tables of a plan with purchases, in order: for one site and one period the
/// purchases, the fleet, the resources and the totals; with sites or periods, the purchases
/// per period, the periods, the largest sites, the fleet at the end, the resources and the
/// totals.
pub fn plan_sections(p: &Plan) -> Vec<Section> {
    if !p.futures.is_empty() {
        let mut out = super::futures::sections(p);
        out.push(removals(p));
        return out;
    }
    if is_national(p) {
        vec![
            purchases_by_period(p),
            periods(p),
            largest_sites(p, LARGEST_SITES),
            fleet(p),
            removals(p),
            resources(p),
            energy_discounts(p),
            totals(p),
        ]
    } else {
        vec![purchases(p), fleet(p), removals(p), resources(p), totals(p)]
    }
}

/// Installed units taken out or moved: one row per site, period, entry and destination,
/// with what it cost less salvage (no rows when nothing was taken out or moved).
pub fn removals(p: &Plan) -> Section {
    let rows = p
        .removals
        .iter()
        .map(|r| {
            vec![
                r.site.clone().unwrap_or_else(|| "-".into()),
                r.period.map_or_else(|| "-".to_string(), |y| y.to_string()),
                r.id.clone(),
                qty(r.units, 2),
                r.moved_to
                    .as_ref()
                    .map_or_else(|| "taken out".to_string(), |to| format!("moved to {to}")),
                amount(r.cost),
            ]
        })
        .collect();
    Section {
        title: format!(
            "Installed units taken out or moved (cost less salvage, {}; negative: revenue)",
            p.currency
        ),
        header: ["site", "period", "accelerator", "units", "what", "cost"]
            .map(String::from)
            .to_vec(),
        numeric: vec![false, false, false, true, false, true],
        rows,
    }
}

/// The domestic energy discount: per site with the rule and per period, whether the fleet
/// qualified, its units in service, its energy at the full price and what it saved (no
/// rows when no site has the rule).
pub fn energy_discounts(p: &Plan) -> Section {
    let mut rows = Vec::new();
    for site in &p.sites {
        for d in &site.periods {
            let Some(earned) = d.energy_discount else {
                continue;
            };
            rows.push(vec![
                site.id.clone(),
                d.period.map_or_else(|| "-".to_string(), |y| y.to_string()),
                if earned { "yes" } else { "no" }.into(),
                qty(d.fleet_units, 2),
                amount(d.opex),
            ]);
        }
    }
    Section {
        title: "Energy discount (sites whose fleet is domestic enough pay less for energy)".into(),
        header: [
            "site",
            "period",
            "qualified",
            "fleet units",
            "energy at full price",
        ]
        .map(String::from)
        .to_vec(),
        numeric: vec![false, false, false, true, true],
        rows,
    }
}

/// Scarce resources: what the new cards use of each, per period, against its cap (no rows
/// when the scenario has no `resources`).
pub fn resources(p: &Plan) -> Section {
    let mut rows = Vec::new();
    for r in &p.resources {
        for u in &r.periods {
            let left = u.cap - u.used;
            rows.push(vec![
                r.id.clone(),
                u.period.map_or_else(|| "-".to_string(), |y| y.to_string()),
                qty(u.used, 2),
                qty(u.cap, 2),
                if u.cap > 0.0 {
                    percent(u.used / u.cap)
                } else {
                    "-".into()
                },
                qty(left.max(0.0), 2),
            ]);
        }
    }
    Section {
        title: "Scarce resources (used by the new cards of all sites, against the national cap)"
            .into(),
        header: ["resource", "period", "used", "cap", "used %", "left"]
            .map(String::from)
            .to_vec(),
        numeric: vec![false, false, true, true, true, true],
        rows,
    }
}

/// New units per accelerator, one column per period (all sites together).
pub fn purchases_by_period(p: &Plan) -> Section {
    let mut years: Vec<Option<i64>> = p.purchases.iter().map(|x| x.period).collect();
    years.sort();
    years.dedup();
    let named = has_names(p);
    // One row per accelerator, and one per whole system (its units are systems).
    let mut ids: Vec<String> = Vec::new();
    for x in &p.purchases {
        if !ids.contains(&x.label()) {
            ids.push(x.label());
        }
    }
    let mut rows = Vec::new();
    for id in &ids {
        let mine: Vec<_> = p.purchases.iter().filter(|x| x.label() == *id).collect();
        let mut row = vec![id.to_string()];
        if named {
            row.push(mine[0].name.clone());
        }
        row.push(mine[0].origin.clone());
        for y in &years {
            let u: f64 = mine
                .iter()
                .filter(|x| x.period == *y)
                .map(|x| x.units)
                .sum();
            row.push(if u > 0.0 { qty(u, 2) } else { "-".into() });
        }
        row.push(qty(mine.iter().map(|x| x.units).sum(), 2));
        row.push(amount(sum_cents(mine.iter().map(|x| x.cost))));
        rows.push(row);
    }
    let mut header = with_names(&["accelerator", "origin"], named);
    header.extend(years.iter().map(|y| match y {
        Some(y) => y.to_string(),
        None => "units".into(),
    }));
    header.push("total units".into());
    header.push(format!("cost {}", p.currency));
    let mut numeric = vec![false; header.len() - years.len() - 2];
    numeric.extend(std::iter::repeat_n(true, years.len() + 2));
    Section {
        title: "Purchases (new units, all sites; cost at each year's prices, undiscounted)".into(),
        header,
        numeric,
        rows,
    }
}

/// One row per period, all sites together.
pub fn periods(p: &Plan) -> Section {
    let rows = p
        .periods
        .iter()
        .map(|d| {
            let share = d.domestic_share.value.map(percent).unwrap_or("-".into());
            let share = match d.domestic_share.min {
                Some(m) => format!("{share} (min {})", percent(m)),
                None => share,
            };
            vec![
                d.period.to_string(),
                qty(d.new_units, 2),
                qty(d.fleet_units, 2),
                match d.demand_pflops {
                    Some(dem) => format!("{} / {}", grouped(d.pflops, 1), grouped(dem, 1)),
                    None => grouped(d.pflops, 1),
                },
                grouped(d.facility_kw, 0),
                share,
                amount(d.capex),
                amount(d.opex),
                amount(d.discounted_cost),
            ]
        })
        .collect();
    Section {
        title: format!(
            "By period (all sites; PFLOPS are fleet / demand; costs in {}, the last column discounted)",
            p.currency
        ),
        header: cells(&[
            "year",
            "new units",
            "fleet units",
            "PFLOPS",
            "kW",
            "national share",
            "capex",
            "opex",
            "discounted",
        ]),
        numeric: vec![false, true, true, true, true, true, true, true, true],
        rows,
    }
}

/// The `n` sites with the largest capex, then a row counting the others.
pub fn largest_sites(p: &Plan, n: usize) -> Section {
    let mut order: Vec<usize> = (0..p.sites.len()).collect();
    order.sort_by(|&a, &b| {
        p.sites[b]
            .capex
            .total_cmp(&p.sites[a].capex)
            .then(a.cmp(&b))
    });
    let mut rows: Vec<Vec<String>> = order
        .iter()
        .take(n)
        .map(|&i| {
            let s = &p.sites[i];
            let last = s.periods.last();
            vec![
                s.id.clone(),
                qty(s.new_units, 2),
                amount(s.capex),
                amount(s.opex),
                last.map(|l| grouped(l.pflops, 1)).unwrap_or_default(),
                last.map(|l| grouped(l.facility_kw, 0)).unwrap_or_default(),
                last.and_then(|l| l.domestic_share.value)
                    .map(percent)
                    .unwrap_or("-".into()),
                last.map(|l| l.binding.join(", ")).unwrap_or_default(),
            ]
        })
        .collect();
    if p.sites.len() > n {
        let rest = &order[n..];
        rows.push(vec![
            format!("{} more sites", rest.len()),
            qty(rest.iter().map(|&i| p.sites[i].new_units).sum(), 2),
            amount(rest.iter().map(|&i| p.sites[i].capex).sum()),
            amount(rest.iter().map(|&i| p.sites[i].opex).sum()),
            String::new(),
            String::new(),
            String::new(),
            "(all sites: --format json)".into(),
        ]);
    }
    Section {
        title: format!(
            "Largest sites by capex (undiscounted {}; fleet figures in the last period)",
            p.currency
        ),
        header: cells(&[
            "site",
            "new units",
            "capex",
            "opex",
            "PFLOPS",
            "kW",
            "share",
            "binding (last period)",
        ]),
        numeric: vec![false, true, true, true, true, true, true, false],
        rows,
    }
}

/// Every site in every period (the first `n` sites, then a row counting the others): new
/// units, fleet, PFLOPS against demand, kW against the site's limit, the domestic share
/// against its rule, capex and opex (undiscounted) and the rules at their limit.
pub fn site_periods(p: &Plan, n: usize) -> Section {
    let mut rows = Vec::new();
    for s in p.sites.iter().take(n) {
        for d in &s.periods {
            let share = d.domestic_share.value.map(percent).unwrap_or("-".into());
            rows.push(vec![
                s.id.clone(),
                d.period.map(|y| y.to_string()).unwrap_or_default(),
                qty(d.new_units, 2),
                qty(d.fleet_units, 2),
                match d.demand_pflops {
                    Some(dem) => format!("{} / {}", grouped(d.pflops, 1), grouped(dem, 1)),
                    None => grouped(d.pflops, 1),
                },
                match d.power_kw {
                    Some(cap) => format!("{} / {}", grouped(d.facility_kw, 0), grouped(cap, 0)),
                    None => grouped(d.facility_kw, 0),
                },
                match d.domestic_share.min {
                    Some(m) => format!("{share} (min {})", percent(m)),
                    None => share,
                },
                amount(d.capex),
                amount(d.opex),
                d.binding.join(", "),
            ]);
        }
    }
    if p.sites.len() > n {
        rows.push(vec![
            format!("{} more sites", p.sites.len() - n),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            "(all sites: --format json)".into(),
        ]);
    }
    Section {
        title: format!(
            "Sites by period (PFLOPS: fleet / demand; kW: facility / limit; costs undiscounted {})",
            p.currency
        ),
        header: cells(&[
            "site",
            "year",
            "new units",
            "fleet units",
            "PFLOPS",
            "kW",
            "domestic share",
            "capex",
            "opex",
            "binding",
        ]),
        numeric: vec![
            false, false, true, true, true, true, true, true, true, false,
        ],
        rows,
    }
}

/// A titled table.
pub struct Section {
    /// Title.
    pub title: String,
    /// Column names.
    pub header: Vec<String>,
    /// Whether each column is numeric (right-aligned).
    pub numeric: Vec<bool>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

fn cells(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// Whether some accelerator of the plan has a display name (`name:`) other than its id:
/// the tables then show a `name` column after the id.
pub fn has_names(p: &Plan) -> bool {
    p.purchases.iter().any(|x| x.name != x.id) || p.fleet.iter().any(|f| f.name != f.id)
}

/// The header `v` with a `name` column after the first when `named`.
fn with_names(v: &[&str], named: bool) -> Vec<String> {
    let mut h = cells(v);
    if named {
        h.insert(1, "name".into());
    }
    h
}

/// `row` with `name` after its first cell when `named`.
fn name_after_id(named: bool, name: String, mut row: Vec<String>) -> Vec<String> {
    if named {
        row.insert(1, name);
    }
    row
}

/// One-line headline: status, objective, solver, gap.
pub fn headline(p: &Plan) -> String {
    let mut s = format!(
        "status {} | objective {} | solver {}",
        p.status.as_str(),
        p.objective,
        p.solver
    );
    if let Some(g) = p.gap {
        s.push_str(&format!(" | gap {}", percent(g)));
    }
    s
}

/// The purchase mix.
pub fn purchases(p: &Plan) -> Section {
    let cur = &p.currency;
    let named = has_names(p);
    let mut rows: Vec<Vec<String>> = p
        .purchases
        .iter()
        .map(|x| {
            name_after_id(
                named,
                x.name.clone(),
                vec![
                    x.label(),
                    x.vendor.clone(),
                    x.origin.clone(),
                    qty(x.units, 2),
                    amount(x.cost),
                    qty(x.pflops, 1),
                ],
            )
        })
        .collect();
    if !p.purchases.is_empty() {
        // New cards: a whole system counts as its cards.
        let units: f64 = p.purchases.iter().map(Purchase::cards_bought).sum();
        let cost = sum_cents(p.purchases.iter().map(|x| x.cost));
        let pf: f64 = p.purchases.iter().map(|x| x.pflops).sum();
        rows.push(name_after_id(
            named,
            String::new(),
            vec![
                "total".into(),
                String::new(),
                String::new(),
                qty(units, 2),
                amount(cost),
                qty(pf, 1),
            ],
        ));
    }
    let header = with_names(
        &[
            "accelerator",
            "vendor",
            "origin",
            "units",
            &format!("cost {cur}"),
            "PFLOPS",
        ],
        named,
    );
    let mut numeric = vec![false; header.len() - 3];
    numeric.extend([true, true, true]);
    Section {
        title: "Purchases (new units)".into(),
        header,
        numeric,
        rows,
    }
}

/// The fleet after the plan.
pub fn fleet(p: &Plan) -> Section {
    let named = has_names(p);
    let header = with_names(
        &[
            "accelerator",
            "origin",
            "existing",
            "new",
            "total",
            "PFLOPS",
            "kW",
        ],
        named,
    );
    let mut numeric = vec![false; header.len() - 5];
    numeric.extend([true; 5]);
    Section {
        title: if is_national(p) {
            "Fleet at the end of the plan (all sites)".into()
        } else {
            "Fleet after the plan".into()
        },
        header,
        numeric,
        rows: p
            .fleet
            .iter()
            .map(|f| {
                name_after_id(
                    named,
                    f.name.clone(),
                    vec![
                        f.id.clone(),
                        f.origin.clone(),
                        qty(f.existing, 2),
                        qty(f.new, 2),
                        qty(f.units, 2),
                        qty(f.pflops, 1),
                        qty(f.facility_kw, 1),
                    ],
                )
            })
            .collect(),
    }
}

/// Totals against the scenario's targets and limits: (label, value, target) triples.
pub fn totals(p: &Plan) -> Section {
    let c = &p.context;
    let cur = &p.currency;
    let mut rows = Vec::new();
    let opt = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map(f).unwrap_or_else(|| "-".into());
    let limit = |prefix: &str, v: Option<f64>, f: &dyn Fn(f64) -> String| {
        v.map(|v| format!("{prefix} {}", f(v))).unwrap_or_default()
    };
    let m = |v: f64| format!("{} {cur}", amount(v));
    rows.push(vec![
        "total cost".into(),
        opt(p.total_cost, &m),
        limit("budget", c.budget, &m),
    ]);
    let national = is_national(p);
    rows.push(vec![
        "  capex".into(),
        opt(p.capex, &m),
        if national {
            "discounted sum over periods".into()
        } else {
            limit("capex budget", c.capex_budget, &m)
        },
    ]);
    let adoption_note = if p.adopted_platforms.is_empty() {
        String::new()
    } else {
        format!("platforms: {}", p.adopted_platforms.join(", "))
    };
    rows.push(vec![
        "  adoption".into(),
        opt(p.adoption, &m),
        adoption_note,
    ]);
    rows.push(vec![
        "  opex".into(),
        opt(p.opex, &m),
        if national {
            format!(
                "discounted; the last period counts {} years",
                qty(c.opex_years, 2)
            )
        } else {
            format!("energy over {} years", qty(c.opex_years, 2))
        },
    ]);
    if let Some(d) = p.energy_discount {
        rows.push(vec![
            "  energy discount".into(),
            m(-d),
            "discounted; domestic energy discount where the fleet qualified".into(),
        ]);
    }
    if let Some(r) = p.removal {
        rows.push(vec![
            "  removals".into(),
            m(r),
            "discounted; taking out and moving installed units, less salvage".into(),
        ]);
    }
    if let Some(r) = p.residual {
        rows.push(vec![
            "  residual".into(),
            m(-r),
            "discounted; cards still in service at the horizon's end".into(),
        ]);
    }
    if let Some(b) = p.bound {
        let (label, shown) = if p.maximises_pflops() {
            ("upper bound", format!("{} PFLOPS", qty(b, 1)))
        } else {
            ("lower bound", m(b))
        };
        rows.push(vec![
            label.into(),
            shown,
            p.gap
                .map(|g| format!("gap {}", percent(g)))
                .unwrap_or_default(),
        ]);
    }
    let pf = |v: f64| format!("{} PFLOPS", grouped(v, 1));
    let mut demand = limit("demand", c.demand_pflops, &pf);
    if !c.workloads.is_empty() {
        demand = format!(
            "workloads {}",
            c.workloads
                .iter()
                .map(|(k, v)| format!("{k} {}", qty(*v, 1)))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let last = if national { " (last period)" } else { "" };
    rows.push(vec![format!("capacity{last}"), opt(p.pflops, &pf), demand]);
    let tb = |v: f64| format!("{} TB", grouped(v, 1));
    rows.push(vec![
        "memory".into(),
        opt(p.memory_tb, &tb),
        limit("floor", c.memory_tb, &tb),
    ]);
    let kw = |v: f64| format!("{} kW", grouped(v, 1));
    rows.push(vec![
        "facility power".into(),
        opt(p.facility_kw, &kw),
        limit("limit", c.power_kw, &kw),
    ]);
    if let Some(d) = &p.domestic_share {
        let value = d
            .value
            .map(percent)
            .unwrap_or_else(|| "n/a (empty fleet)".into());
        let rule = match d.min {
            Some(min) if d.strict => format!("must exceed {}", percent(min)),
            Some(min) => format!("minimum {}", percent(min)),
            None => "no rule".into(),
        };
        rows.push(vec![
            format!("domestic share ({}){last}", d.basis),
            value,
            rule,
        ]);
    }
    if let Some(v) = c.vendor_max_share {
        rows.push(vec![
            "vendor share".into(),
            String::new(),
            format!("each vendor at most {}", percent(v)),
        ]);
    }
    Section {
        title: "Totals".into(),
        header: cells(&["figure", "plan", "scenario"]),
        numeric: vec![false, true, false],
        rows,
    }
}

/// The rules at their limit in each future of a plan with futures, one line per future.
pub fn by_future(p: &Plan) -> Vec<String> {
    p.futures
        .iter()
        .map(|f| {
            if f.binding.is_empty() {
                format!("{}: none, every rule has slack", f.id)
            } else {
                format!("{}: {}", f.id, f.binding.join(", "))
            }
        })
        .collect()
}

/// Closing notes: binding constraints, conflicts, message, warnings, sources.
pub fn notes(p: &Plan) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    if let Some(m) = &p.message {
        out.push(("Why there is no plan".to_string(), vec![m.clone()]));
    }
    if !p.conflicts.is_empty() {
        out.push((
            "Why the scenario is infeasible".to_string(),
            p.conflicts.clone(),
        ));
    }
    if p.status.has_plan() && !p.futures.is_empty() {
        out.push((
            "Binding constraints in each future (at their limit)".to_string(),
            by_future(p),
        ));
    } else if p.status.has_plan() {
        let binding = if p.binding.is_empty() {
            vec!["none: every rule has slack".to_string()]
        } else {
            p.binding.clone()
        };
        out.push(("Binding constraints (at their limit)".to_string(), binding));
    }
    if !p.warnings.is_empty() {
        out.push(("Warnings".to_string(), p.warnings.clone()));
    }
    if !p.sources.is_empty() {
        out.push((
            "Data sources".to_string(),
            p.sources
                .iter()
                .map(|s| format!("{}: {}", s.id, s.source))
                .collect(),
        ));
    }
    out
}
