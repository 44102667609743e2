//! Explanations and alternatives as Markdown, for memos.

use super::{fixes, mix, policy, shadow, thresholds};
use crate::explain::Explanation;
use crate::explain::alternatives::Alternative;
use crate::plan::Plan;
use crate::render::markdown::{escape, line, section};

/// The plan's report, then what it costs and why.
pub fn explanation(e: &Explanation) -> String {
    let mut out = crate::render::render(&e.plan, crate::render::Format::Markdown);
    for n in &e.notes {
        out.push_str(&format!("\n> Note: {}\n", escape(n)));
    }
    if e.plan.status.has_plan() {
        section(&mut out, &policy(e));
        section(&mut out, &shadow(e));
        section(&mut out, &thresholds(e));
    } else {
        out.push_str("\n## Smallest single changes that make it feasible\n\n");
        let f = fixes(e);
        if f.is_empty() {
            out.push_str("No single change of one limit makes the scenario feasible.\n");
        }
        for fix in f {
            out.push_str(&format!("- {}\n", line(&fix)));
        }
    }
    out
}

/// The optimum and each alternative.
pub fn alternatives(plan: &Plan, alts: &[Alternative], within: f64) -> String {
    let mut out = format!(
        "# {}: alternatives within {:.1}% of the optimum\n\n**Optimum**: {}\n",
        escape(&plan.scenario),
        within * 100.0,
        escape(&mix(plan))
    );
    for a in alts {
        out.push_str(&format!(
            "\n## {}\n\n{}\n\nBuys {}.\n",
            escape(&a.name),
            line(&a.says),
            escape(&mix(&a.plan))
        ));
    }
    if alts.is_empty() {
        out.push_str("\nNo distinct alternative.\n");
    }
    out
}
