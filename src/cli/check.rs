//! `chipmix check`: re-evaluate a saved plan against a scenario, and every figure it states.

use super::args::CheckArgs;
use super::{EXIT_BAD_INPUT, EXIT_NO_PLAN, EXIT_PLAN, load_any};
use crate::audit::Findings;
use crate::audit::{audit_national, read_saved_purchases};
use crate::scenario::national::National;

/// Runs `chipmix check` and returns the exit code: 0 valid, 1 a rule is broken, 2 bad input.
pub fn run(a: &CheckArgs) -> i32 {
    let loaded = match load_any(&a.scenario, &a.set, &[]) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let text = match crate::files::read_text(&a.plan, crate::files::MAX_PLAN_BYTES) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{}: {e}", a.plan.display());
            return EXIT_BAD_INPUT;
        }
    };
    national(a, &loaded.scenario, &text)
}

/// `chipmix check` of a plan: read its purchases, re-evaluate them, re-derive its figures.
fn national(a: &CheckArgs, n: &National, text: &str) -> i32 {
    let saved = match read_saved_purchases(n, text) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{}: {e}", a.plan.display());
            return EXIT_BAD_INPUT;
        }
    };
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
/// national plan) and returns the exit code: 2 when a stated figure has the wrong JSON
/// type (the plan cannot be read), 1 with problems, 0 valid.
fn report(
    a: &CheckArgs,
    rules: usize,
    (total, pflops): (f64, f64),
    currency: &str,
    found: Findings,
) -> i32 {
    if !found.unreadable.is_empty() {
        for u in &found.unreadable {
            eprintln!("{}: {u}", a.plan.display());
        }
        return EXIT_BAD_INPUT;
    }
    let problems = found.problems;
    if problems.is_empty() {
        println!(
            "{}: valid against {} ({rules} rules checked; total cost {total:.2} {currency}, {pflops:.3} PFLOPS)",
            a.plan.display(),
            a.scenario.display(),
        );
        EXIT_PLAN
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
        EXIT_NO_PLAN
    }
}
