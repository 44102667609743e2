//! `chipmix check` of a plan with futures (section 7): each future's plan (the top-level
//! common decisions with the future's own) re-checked against that future's scenario and
//! its stated figures held against the rebuilt ones; the common decisions in the common
//! periods only, each future's own after them; and the summary figures (`total_cost`,
//! `expected_cost`, `worst_cost`, `regret`, `evpi`) against the futures' rebuilt costs.

use super::{Findings, audit_national, read_saved_purchases, same_cost};
use crate::scenario::futures::{Futures, Risk};
use serde_json::{Map, Value};

/// What the check of a plan with futures found.
pub struct Audited {
    /// Rules checked, over every future.
    pub rules: usize,
    /// The objective's rebuilt value (expected or worst cost).
    pub objective: f64,
    /// Fleet PFLOPS at the end, expected over the futures.
    pub pflops: f64,
    /// Problems and unreadable fields, named with the future.
    pub findings: Findings,
}

/// Checks the saved plan `text` against every future of `f`.
pub fn audit(f: &Futures, text: &str) -> Result<Audited, String> {
    let v: Value = crate::files::parse_json(text).map_err(|e| format!("not a JSON plan: {e}"))?;
    let stated = v
        .get("futures")
        .and_then(Value::as_array)
        .ok_or("the scenario has futures, but the plan has no `futures` list")?;
    let list = |v: &Value, key: &str| -> Vec<Value> {
        v.get(key)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let mut findings = Findings::default();
    let (mut rules, mut pflops) = (0, 0.0);
    let mut costs = Vec::new();
    for fu in &f.list {
        let Some(own) = stated
            .iter()
            .find(|s| s.get("id").and_then(Value::as_str) == Some(&fu.id))
        else {
            findings
                .problems
                .push(format!("futures: future {} is missing", fu.id));
            continue;
        };
        let nat = &fu.scenario;
        // The future's own decisions must come after the common periods.
        for key in ["purchases", "removals"] {
            for (k, row) in list(own, key).iter().enumerate() {
                if let Some(t) = row
                    .get("period")
                    .and_then(Value::as_i64)
                    .and_then(|y| nat.years.iter().position(|&v| v == y))
                    .filter(|&t| f.is_common(t))
                {
                    findings.problems.push(format!(
                        "futures[{}].{key}[{k}] is in {}, a period decided now: it belongs to the common `{key}` (the same in every future)",
                        fu.id, nat.years[t]
                    ));
                }
            }
        }
        for (k, row) in list(&v, "purchases").iter().enumerate() {
            let late = row
                .get("period")
                .and_then(Value::as_i64)
                .and_then(|y| nat.years.iter().position(|&v| v == y))
                .is_some_and(|t| !f.is_common(t));
            if late && fu.id == f.list[0].id {
                findings.problems.push(format!(
                    "purchases[{k}] is after the periods decided now (decide_now: {}): it belongs to a future's own purchases",
                    f.decide_now
                ));
            }
        }
        // The future's whole plan, as a plain plan: its figures with every decision.
        let mut whole: Map<String, Value> = own.as_object().cloned().unwrap_or_default();
        for key in ["id", "probability", "alone_cost", "naive_cost", "status"] {
            whole.remove(key);
        }
        for key in ["purchases", "removals"] {
            let mut rows = list(&v, key);
            rows.extend(list(own, key));
            whole.insert(key.into(), Value::Array(rows));
        }
        let text = Value::Object(whole).to_string();
        let saved =
            read_saved_purchases(nat, &text).map_err(|e| format!("future {}: {e}", fu.id))?;
        let (e, found) = audit_national(nat, &saved);
        rules += e.checks.len();
        pflops += fu.probability * e.periods.last().map_or(0.0, |p| p.pflops);
        let name = |p: String| format!("future {}: {p}", fu.id);
        findings
            .unreadable
            .extend(found.unreadable.into_iter().map(name));
        findings
            .problems
            .extend(found.problems.into_iter().map(name));
        costs.push((fu, e.total_cost));
    }
    let expected: f64 = costs.iter().map(|(fu, c)| fu.probability * c).sum();
    let worst = costs
        .iter()
        .map(|(_, c)| *c)
        .fold(f64::NEG_INFINITY, f64::max);
    let objective = match f.risk {
        Risk::Expected => expected,
        Risk::WorstCase => worst,
    };
    if costs.len() == f.list.len() {
        // Regret is measured against each future's best plan alone, which the check
        // cannot re-derive: it must be >= 0, no more than the future's cost less the
        // stated optimum alone, and sum to evpi.
        let regret = v.get("regret").and_then(Value::as_object);
        let mut evpi = 0.0;
        for (fu, cost) in &costs {
            let r = regret.and_then(|r| r.get(&fu.id)).and_then(Value::as_f64);
            let alone = stated
                .iter()
                .find(|s| s.get("id").and_then(Value::as_str) == Some(&fu.id))
                .and_then(|s| s.get("alone_cost"))
                .and_then(Value::as_f64);
            if let (Some(r), Some(alone)) = (r, alone) {
                // Figures in the JSON are rounded: compare at the scale of the cost.
                if r < -1e-9 || !same_cost(r + alone, *cost) {
                    findings.problems.push(format!(
                        "regret.{} states {r}, but the future's cost {cost} less its cost planned alone {alone} is {}",
                        fu.id,
                        cost - alone
                    ));
                }
                evpi += fu.probability * r;
            }
        }
        let mut figure = |key: &str, want: f64| match v.get(key) {
            Some(Value::Number(n)) => {
                let got = n.as_f64().unwrap_or(f64::NAN);
                if !same_cost(got, want) {
                    findings.problems.push(format!(
                        "{key} states {got}, but the futures' plans give {want}"
                    ));
                }
            }
            Some(Value::Null) | None => {}
            Some(_) => findings.unreadable.push(format!("{key} must be a number")),
        };
        figure("total_cost", objective);
        figure("expected_cost", expected);
        figure("worst_cost", worst);
        figure("pflops", pflops);
        if regret.is_some() {
            figure("evpi", evpi);
        }
    }
    Ok(Audited {
        rules,
        objective,
        pflops,
        findings,
    })
}
