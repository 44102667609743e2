//! Explanations and alternatives in three formats (table, JSON, Markdown): one file each.
//! The human formats share the sections built here.

mod json;
mod markdown;
mod table;
pub mod xlsx;

use crate::explain::Explanation;
use crate::explain::alternatives::Alternative;
use crate::numfmt::{amount, qty};
use crate::plan::Plan;
use crate::render::rows::Section;

/// Output formats of an explanation or a list of alternatives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExplainFormat {
    /// Aligned columns.
    Table,
    /// The JSON contract (section 5 of the format).
    Json,
    /// Markdown for memos.
    Markdown,
}

/// Renders an explanation, its plan's figures as [`crate::render::figures::plan`] writes
/// them (money to the cent, costs that add up to their totals).
pub fn render(e: &Explanation, format: ExplainFormat) -> String {
    let e = &to_the_cent(e);
    match format {
        ExplainFormat::Table => table::explanation(e),
        ExplainFormat::Json => json::explanation(e),
        ExplainFormat::Markdown => markdown::explanation(e),
    }
}

/// `e` as written: its plan as [`crate::render::figures::plan`] writes it, and every other
/// amount (policy costs, shadow prices, prices and thresholds) to the cent.
fn to_the_cent(e: &Explanation) -> Explanation {
    use crate::numfmt::cents;
    let mut e = e.clone();
    e.plan = crate::render::figures::plan(&e.plan);
    e.policy_cost = e.policy_cost.map(cents);
    for c in &mut e.policy_costs {
        c.total_cost = c.total_cost.map(cents);
        c.cost = c.cost.map(cents);
    }
    for p in &mut e.shadow_prices {
        p.value = p.value.map(cents);
    }
    for t in &mut e.price_thresholds {
        t.unit_price = cents(t.unit_price);
        t.threshold = t.threshold.map(cents);
    }
    e
}

/// Renders the alternatives of `plan`, found within `within` of its cost.
pub fn render_alternatives(
    plan: &Plan,
    alts: &[Alternative],
    within: f64,
    format: ExplainFormat,
) -> String {
    let plan = &crate::render::figures::plan(plan);
    let alts: Vec<Alternative> = alts
        .iter()
        .map(|a| Alternative {
            plan: crate::render::figures::plan(&a.plan),
            ..a.clone()
        })
        .collect();
    let alts = &alts[..];
    match format {
        ExplainFormat::Table => table::alternatives(plan, alts, within),
        ExplainFormat::Json => json::alternatives(plan, alts, within),
        ExplainFormat::Markdown => markdown::alternatives(plan, alts, within),
    }
}

fn signed(v: f64) -> String {
    if v > 0.0 {
        format!("+{}", amount(v))
    } else {
        amount(v)
    }
}

/// The cost of each policy rule.
pub(crate) fn policy(e: &Explanation) -> Section {
    let cur = &e.plan.currency;
    let rows = e
        .policy_costs
        .iter()
        .map(|c| {
            vec![
                format!("without {}", c.without.replace('+', ", ")),
                c.total_cost.map(amount).unwrap_or("no plan".into()),
                c.cost.map(signed).unwrap_or("-".into()),
            ]
        })
        .collect();
    Section {
        title: "Price of the policy (this plan against the same scenario without the rule)".into(),
        header: vec![
            "scenario".into(),
            format!("total cost {cur}"),
            format!("rule costs {cur}"),
        ],
        numeric: vec![false, true, true],
        rows,
    }
}

/// The shadow prices; with futures, a column says in which future each rule was
/// tightened, and with sites or periods, where.
pub(crate) fn shadow(e: &Explanation) -> Section {
    let cur = &e.plan.currency;
    let placed = e
        .shadow_prices
        .iter()
        .any(|p| p.site.is_some() || p.period.is_some());
    let futures = e.shadow_prices.iter().any(|p| p.future.is_some());
    let rows = e
        .shadow_prices
        .iter()
        .map(|p| {
            let mut row = Vec::new();
            if futures {
                row.push(p.future.clone().unwrap_or_default());
            }
            row.push(p.constraint.clone());
            if placed {
                row.push(match (&p.site, p.period) {
                    (Some(s), Some(t)) => format!("{s} {t}"),
                    (Some(s), None) => s.clone(),
                    (None, Some(t)) => format!("national {t}"),
                    (None, None) => "national".into(),
                });
            }
            row.extend([
                p.unit.clone(),
                p.value.map(signed).unwrap_or("-".into()),
                match &p.why {
                    Some(n) => format!("{} ({n})", p.tightened),
                    None => p.tightened.clone(),
                },
            ]);
            row
        })
        .collect();
    let mut header = Vec::new();
    let mut numeric = Vec::new();
    if futures {
        header.push("future".to_string());
        numeric.push(false);
    }
    header.push("constraint".to_string());
    numeric.push(false);
    if placed {
        header.push("where".into());
        numeric.push(false);
    }
    header.extend([
        "unit".into(),
        format!("cost {cur}"),
        "re-solved with".into(),
    ]);
    numeric.extend([false, true, false]);
    Section {
        title: "Shadow prices (cost of tightening each binding rule by one unit, re-solved)".into(),
        header,
        numeric,
        rows,
    }
}

/// The price thresholds.
pub(crate) fn thresholds(e: &Explanation) -> Section {
    let rows = e
        .price_thresholds
        .iter()
        .map(|t| {
            let (what, at) = match (t.in_plan, t.threshold) {
                (true, Some(v)) => ("leaves the plan above".to_string(), amount(v)),
                (false, Some(v)) => ("enters the plan below".to_string(), amount(v)),
                (_, None) => (t.note.clone().unwrap_or_default(), "-".into()),
            };
            let room = t
                .threshold
                .filter(|_| t.unit_price > 0.0)
                .map(|v| format!("{:+.1}%", (v - t.unit_price) / t.unit_price * 100.0))
                .unwrap_or_default();
            let shown = match &t.name {
                Some(n) if n != &t.id => format!("{} ({n})", t.id),
                _ => name_of(&e.plan, &t.id),
            };
            vec![
                shown,
                if t.in_plan { "yes" } else { "no" }.into(),
                amount(t.unit_price),
                what,
                at,
                room,
            ]
        })
        .collect();
    Section {
        title: "Price thresholds (unit price at which the plan changes, re-solved)".into(),
        header: vec![
            "accelerator".into(),
            "bought".into(),
            format!("price {}", e.plan.currency),
            "".into(),
            "threshold".into(),
            "room".into(),
        ],
        numeric: vec![false, false, true, false, true, true],
        rows,
    }
}

/// `id` with its display name when the plan shows one (`ascend-910c (Huawei Ascend 910C)`).
fn name_of(p: &Plan, id: &str) -> String {
    let name = p
        .fleet
        .iter()
        .map(|f| (&f.id, &f.name))
        .chain(p.purchases.iter().map(|x| (&x.id, &x.name)))
        .find(|(i, n)| i.as_str() == id && n.as_str() != id)
        .map(|(_, n)| n);
    match name {
        Some(n) => format!("{id} ({n})"),
        None => id.to_string(),
    }
}

/// The fixes, one line each.
pub(crate) fn fixes(e: &Explanation) -> Vec<String> {
    e.fixes
        .iter()
        .map(|f| match &f.set {
            Some(set) => format!("{}   (--set '{set}')", f.says),
            None => format!("{}   (--set {}={})", f.says, f.path, f.to),
        })
        .collect()
}

/// The command-line flags that reproduce an alternative (`--set 'PATH=VALUE' ...`).
pub(crate) fn reproduce(overrides: &[String]) -> String {
    overrides
        .iter()
        .map(|o| format!("--set '{o}'"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A plan's purchases in one line (`nothing` when none); with futures, the common order
/// placed now, then each future's own purchases.
pub(crate) fn mix(p: &Plan) -> String {
    let rows = |list: &[crate::plan::Purchase]| {
        if list.is_empty() {
            return "nothing".to_string();
        }
        list.iter()
            .map(|x| format!("{} {}", x.id, qty(x.units, 2)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if p.futures.is_empty() {
        return rows(&p.purchases);
    }
    let later: Vec<String> = p
        .futures
        .iter()
        .map(|f| format!("in {}: {}", f.id, rows(&f.purchases)))
        .collect();
    format!("{} now; later {}", rows(&p.purchases), later.join("; "))
}
