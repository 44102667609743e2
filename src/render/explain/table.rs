//! Explanations and alternatives for the terminal.

use super::{fixes, mix, policy, shadow, thresholds};
use crate::explain::Explanation;
use crate::explain::alternatives::Alternative;
use crate::plan::Plan;
use crate::render::rows;
use crate::render::table::{escape, section};

/// The plan's report, then what it costs and why.
pub fn explanation(e: &Explanation) -> String {
    let mut out = crate::render::render(&e.plan, crate::render::Format::Table);
    if e.plan.status.has_plan() {
        section(&mut out, &policy(e));
        if e.shadow_prices.is_empty() {
            out.push_str("\nShadow prices: no rule is at its limit.\n");
        } else {
            section(&mut out, &shadow(e));
        }
        section(&mut out, &thresholds(e));
    }
    for n in &e.notes {
        out.push_str(&format!("\nNote: {}\n", escape(n)));
    }
    let f = fixes(e);
    if !e.plan.status.has_plan() {
        if f.is_empty() {
            out.push_str("\nNo single change of one limit makes the scenario feasible.\n");
        } else {
            out.push_str("\nSmallest single changes that make it feasible (each alone)\n");
            for fix in f {
                out.push_str(&format!("  - {}\n", escape(&fix)));
            }
        }
    }
    out
}

/// The optimum, then each alternative with its trade-off and mix.
pub fn alternatives(plan: &Plan, alts: &[Alternative], within: f64) -> String {
    let mut out = format!(
        "{}\n{}\n\nOptimum: {}\n  {}\n",
        escape(&plan.scenario),
        rows::headline(plan),
        plan.total_cost
            .map(|c| {
                let measure = match plan.risk.as_deref() {
                    Some("worst_case") => " (worst cost over the futures)",
                    Some(_) => " (expected cost over the futures)",
                    None => "",
                };
                format!("{} {}{measure}", crate::numfmt::amount(c), plan.currency)
            })
            .unwrap_or_else(|| plan.status.as_str().to_string()),
        escape(&mix(plan))
    );
    if alts.is_empty() {
        out.push_str(&format!(
            "\nNo distinct alternative within {:.1}% of the optimum.\n",
            within * 100.0
        ));
        return out;
    }
    out.push_str(&format!(
        "\nAlternatives within {:.1}% of the optimum\n",
        within * 100.0
    ));
    for (i, a) in alts.iter().enumerate() {
        out.push_str(&format!(
            "\n{}. {}: {}\n   buys {}\n   reproduce: {}\n",
            i + 1,
            escape(&a.name),
            escape(&a.says),
            escape(&mix(&a.plan)),
            escape(&super::reproduce(&a.overrides))
        ));
    }
    out
}
