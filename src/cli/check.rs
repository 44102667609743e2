//! `chipmix check`: re-evaluate a saved plan against a scenario, and every figure it states.

use super::args::CheckArgs;
use super::{Exit, load_any, read_text};
use crate::audit::Findings;
use crate::audit::{audit_national, read_saved_purchases};
use crate::scenario::national::National;
use anyhow::{Context, bail};

/// Runs `chipmix check`: [`Exit::Plan`] valid, [`Exit::NoPlan`] a rule is broken.
pub fn run(a: &CheckArgs) -> anyhow::Result<Exit> {
    let loaded = load_any(&a.scenario, &a.set, &[])?;
    let text = read_text(&a.plan, crate::files::MAX_PLAN_BYTES)?;
    national(a, &loaded.scenario, &text)
}

/// `chipmix check` of a plan: read its purchases, re-evaluate them, re-derive its figures.
fn national(a: &CheckArgs, n: &National, text: &str) -> anyhow::Result<Exit> {
    if let Some(f) = n.futures.as_deref() {
        let found = crate::audit::futures::audit(f, text)
            .map_err(anyhow::Error::msg)
            .with_context(|| a.plan.display().to_string())?;
        return report(
            a,
            found.rules,
            (found.objective, found.pflops),
            &n.currency,
            found.findings,
        );
    }
    let saved = read_saved_purchases(n, text)
        .map_err(anyhow::Error::msg)
        .with_context(|| a.plan.display().to_string())?;
    let (e, found) = audit_national(n, &saved);
    let pflops = e.periods.last().map_or(0.0, |p| p.pflops);
    report(
        a,
        e.checks.len(),
        (e.total_cost, pflops),
        &n.currency,
        found,
    )
}

/// Prints the verdict (with the plan's total cost and PFLOPS, in the last period for a
/// national plan): an error when a stated figure has the wrong JSON type (the plan cannot
/// be read, one line for each), [`Exit::NoPlan`] with problems, [`Exit::Plan`] valid.
fn report(
    a: &CheckArgs,
    rules: usize,
    (total, pflops): (f64, f64),
    currency: &str,
    found: Findings,
) -> anyhow::Result<Exit> {
    if !found.unreadable.is_empty() {
        let file = a.plan.display();
        let lines: Vec<String> = found
            .unreadable
            .iter()
            .map(|u| format!("{file}: {u}"))
            .collect();
        bail!("{}", lines.join("\n"));
    }
    let problems = found.problems;
    if problems.is_empty() {
        println!(
            "{}: valid against {} ({rules} rules checked; total cost {total:.2} {currency}, {pflops:.3} PFLOPS)",
            a.plan.display(),
            a.scenario.display(),
        );
        Ok(Exit::Plan)
    } else {
        println!(
            "{}: {} problem(s) against {}",
            a.plan.display(),
            problems.len(),
            a.scenario.display()
        );
        for p in problems {
            println!("  - {p}");
        }
        Ok(Exit::NoPlan)
    }
}
