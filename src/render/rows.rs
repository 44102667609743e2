//! The content shared by the human formats (table and Markdown): the same sections and
//! rows, laid out differently by each.

use crate::numfmt::{grouped, money, percent, qty};
use crate::plan::Plan;

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
    let mut rows: Vec<Vec<String>> = p
        .purchases
        .iter()
        .map(|x| {
            vec![
                x.id.clone(),
                x.vendor.clone(),
                x.origin.clone(),
                qty(x.units, 2),
                money(x.cost),
                qty(x.pflops, 1),
            ]
        })
        .collect();
    if !p.purchases.is_empty() {
        let units: f64 = p.purchases.iter().map(|x| x.units).sum();
        let cost: f64 = p.purchases.iter().map(|x| x.cost).sum();
        let pf: f64 = p.purchases.iter().map(|x| x.pflops).sum();
        rows.push(vec![
            "total".into(),
            String::new(),
            String::new(),
            qty(units, 2),
            money(cost),
            qty(pf, 1),
        ]);
    }
    Section {
        title: "Purchases (new units)".into(),
        header: cells(&[
            "accelerator",
            "vendor",
            "origin",
            "units",
            &format!("cost {cur}"),
            "PFLOPS",
        ]),
        numeric: vec![false, false, false, true, true, true],
        rows,
    }
}

/// The fleet after the plan.
pub fn fleet(p: &Plan) -> Section {
    Section {
        title: "Fleet after the plan".into(),
        header: cells(&[
            "accelerator",
            "origin",
            "existing",
            "new",
            "total",
            "PFLOPS",
            "kW",
        ]),
        numeric: vec![false, false, true, true, true, true, true],
        rows: p
            .fleet
            .iter()
            .map(|f| {
                vec![
                    f.id.clone(),
                    f.origin.clone(),
                    qty(f.existing, 2),
                    qty(f.new, 2),
                    qty(f.units, 2),
                    qty(f.pflops, 1),
                    qty(f.facility_kw, 1),
                ]
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
    let m = |v: f64| format!("{} {cur}", money(v));
    rows.push(vec![
        "total cost".into(),
        opt(p.total_cost, &m),
        limit("budget", c.budget, &m),
    ]);
    rows.push(vec![
        "  capex".into(),
        opt(p.capex, &m),
        limit("capex budget", c.capex_budget, &m),
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
        format!("energy over {} years", qty(c.opex_years, 2)),
    ]);
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
    rows.push(vec!["capacity".into(), opt(p.pflops, &pf), demand]);
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
        rows.push(vec![format!("domestic share ({})", d.basis), value, rule]);
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
    if p.status.has_plan() {
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
