//! The futures of a plan (section 7) for the human formats: the futures side by side
//! (cost, cost planned alone, regret, cost with the naive common decisions), the summary
//! figures, and each future's own purchases.

use super::rows::Section;
use crate::numfmt::{amount, percent, qty};
use crate::plan::{Plan, Purchase};

/// The sections of a plan with futures, in order: the common purchases, the futures side
/// by side, the summary, each future's own purchases (none without futures).
pub fn sections(p: &Plan) -> Vec<Section> {
    if p.futures.is_empty() {
        return Vec::new();
    }
    let mut out = vec![purchase_rows(
        "Common purchases (decided now, the same in every future)".into(),
        &p.purchases,
        &p.currency,
    )];
    out.push(side_by_side(p));
    out.push(summary(p));
    for f in &p.futures {
        out.push(purchase_rows(
            format!(
                "Future {}: its own purchases, decided once it is known",
                f.id
            ),
            &f.purchases,
            &p.currency,
        ));
    }
    out
}

/// One row per purchase: accelerator (or system), site, year, units, cost.
fn purchase_rows(title: String, purchases: &[Purchase], currency: &str) -> Section {
    Section {
        title,
        header: vec![
            "accelerator".into(),
            "site".into(),
            "year".into(),
            "units".into(),
            format!("cost {currency}"),
        ],
        numeric: vec![false, false, false, true, true],
        rows: purchases
            .iter()
            .map(|x| {
                vec![
                    x.label(),
                    x.site.clone().unwrap_or_else(|| "-".into()),
                    x.period.map_or("-".into(), |y| y.to_string()),
                    qty(x.units, 2),
                    amount(x.cost),
                ]
            })
            .collect(),
    }
}

/// The futures side by side.
fn side_by_side(p: &Plan) -> Section {
    let cur = &p.currency;
    let opt = |v: Option<f64>| v.map_or("-".into(), amount);
    Section {
        title: format!(
            "Futures (total cost in each, {cur}; the naive plan orders now what the first future alone would)"
        ),
        header: vec![
            "future".into(),
            "probability".into(),
            "total cost".into(),
            "planned alone".into(),
            "regret".into(),
            "naive plan".into(),
        ],
        numeric: vec![false, true, true, true, true, true],
        rows: p
            .futures
            .iter()
            .map(|f| {
                vec![
                    f.id.clone(),
                    percent(f.probability),
                    opt(f.total_cost),
                    opt(f.alone_cost),
                    opt(p.regret.as_ref().and_then(|r| r.get(&f.id).copied())),
                    match (f.naive_cost, &p.value_of_hedging_blocked_by) {
                        (Some(c), _) => amount(c),
                        (None, Some(_)) => "no way out".into(),
                        (None, None) => "-".into(),
                    },
                ]
            })
            .collect(),
    }
}

/// Expected and worst cost, EVPI and the value of hedging.
fn summary(p: &Plan) -> Section {
    let cur = &p.currency;
    let opt = |v: Option<f64>| v.map_or("-".into(), |v| format!("{} {cur}", amount(v)));
    let risk = p.risk.as_deref().unwrap_or("expected");
    let mut rows = vec![
        vec![
            "expected cost".into(),
            opt(p.expected_cost),
            if risk == "expected" {
                "the objective".into()
            } else {
                String::new()
            },
        ],
        vec![
            "worst cost".into(),
            opt(p.worst_cost),
            if risk == "worst_case" {
                "the objective".into()
            } else {
                String::new()
            },
        ],
        vec![
            "lower bound".into(),
            opt(p.bound),
            p.gap
                .map_or(String::new(), |g| format!("gap {}", percent(g))),
        ],
        vec![
            "expected value of perfect information".into(),
            opt(p.evpi),
            "what knowing the future now would save, in expectation".into(),
        ],
    ];
    rows.push(
        match (&p.value_of_hedging, &p.value_of_hedging_blocked_by) {
            (Some(Some(v)), _) => vec![
                "value of hedging".into(),
                format!("{} {cur}", amount(*v)),
                "expected saving against ordering now for the first future alone".into(),
            ],
            (_, Some(by)) => vec![
                "value of hedging".into(),
                "-".into(),
                format!("ordering now for the first future alone leaves no way out in future {by}"),
            ],
            _ => vec![
                "value of hedging".into(),
                "-".into(),
                "not found in time".into(),
            ],
        },
    );
    Section {
        title: format!("Futures summary (risk: {risk})"),
        header: vec!["figure".into(), "plan".into(), "note".into()],
        numeric: vec![false, true, false],
        rows,
    }
}
