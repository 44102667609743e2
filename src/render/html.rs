//! The HTML report: one self-contained page (inline CSS and SVG, no script, no network)
//! with the plan, its tables, charts, an optional sweep and the data sources, laid out to
//! be read on screen or printed by a finance team.

use super::rows::{self, Section};
use crate::numfmt::{money, percent, qty};
use crate::plan::Plan;
use crate::sweep::SweepResult;

/// What goes into a report besides the plan.
#[derive(Debug, Clone, Default)]
pub struct ReportExtras<'a> {
    /// Scenario description, shown under the title.
    pub description: Option<&'a str>,
    /// `--set` overrides the plan was made with, shown so the reader knows.
    pub overrides: Vec<String>,
    /// A sweep to chart and tabulate.
    pub sweep: Option<&'a SweepResult>,
    /// What the plan costs and why (`chipmix report --explain`).
    pub explanation: Option<&'a crate::explain::Explanation>,
    /// Near-optimal alternatives and the cost margin they were found within
    /// (`chipmix report --alternatives 2%`).
    pub alternatives: Option<(&'a [crate::explain::alternatives::Alternative], f64)>,
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
:root { --ink: #1d2330; --muted: #5b6475; --rule: #d8dde6; --accent: #0b5cab; --bad: #b42318; }
* { box-sizing: border-box; }
body { font-family: "Segoe UI", "Helvetica Neue", Arial, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 1040px; padding: 32px 28px 48px; line-height: 1.45; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--rule); }
p.lede { color: var(--muted); margin: 0 0 16px; }
.status { display: inline-block; padding: 2px 10px; border-radius: 12px; font-size: 13px;
          background: #e8f1fb; color: var(--accent); font-weight: 600; }
.status.bad { background: #fdecea; color: var(--bad); }
.kpis { display: grid; grid-template-columns: repeat(auto-fit, minmax(210px, 1fr)); gap: 12px; margin: 18px 0; }
.kpi { border: 1px solid var(--rule); border-radius: 8px; padding: 12px 14px; }
.kpi .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.kpi .value { font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; white-space: nowrap; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; margin: 6px 0 8px; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--rule); text-align: left; }
th { background: #f4f6f9; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: 650; border-top: 2px solid var(--ink); }
.chart { margin: 10px 0; }
.chart svg { width: 100%; height: auto; }
ul { padding-left: 20px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--rule); padding-top: 8px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  h2 { break-after: avoid; }
  table, .chart, .kpis { break-inside: avoid; }
  .status { border: 1px solid currentColor; }
}
"#;

fn table(out: &mut String, s: &Section) {
    if s.rows.is_empty() {
        return;
    }
    out.push_str(&format!(
        "<h2>{}</h2>\n<table>\n<thead><tr>",
        escape(&s.title)
    ));
    for (h, &num) in s.header.iter().zip(&s.numeric) {
        let class = if num { " class=\"num\"" } else { "" };
        out.push_str(&format!("<th{class}>{}</th>", escape(h)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for r in &s.rows {
        let total = r.first().is_some_and(|c| c.trim() == "total");
        out.push_str(if total {
            "<tr class=\"total\">"
        } else {
            "<tr>"
        });
        for (c, &num) in r.iter().zip(&s.numeric) {
            let class = if num { " class=\"num\"" } else { "" };
            out.push_str(&format!("<td{class}>{}</td>", escape(c.trim())));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

fn kpi(out: &mut String, id: &str, label: &str, value: &str) {
    out.push_str(&format!(
        "<div class=\"kpi\" id=\"{id}\"><div class=\"label\">{}</div><div class=\"value\">{}</div></div>\n",
        escape(label),
        escape(value)
    ));
}

fn chart(out: &mut String, heading: Option<&str>, svg: Result<String, String>) {
    if let Some(h) = heading {
        out.push_str(&format!("<h2>{}</h2>\n", escape(h)));
    }
    match svg {
        // The SVG comes from our own chart code; its XML prolog (if any) is not valid
        // inside HTML, so it is dropped.
        Ok(svg) => {
            let start = svg.find("<svg").unwrap_or(0);
            out.push_str(&format!("<div class=\"chart\">{}</div>\n", &svg[start..]));
        }
        Err(e) => out.push_str(&format!("<p class=\"lede\">No chart: {}</p>\n", escape(&e))),
    }
}

fn sweep_section(out: &mut String, r: &SweepResult) {
    let first = &r.sweep.params[0].path;
    chart(
        out,
        Some(&format!("Sweep of {first} ({} points)", r.rows.len())),
        super::svg::sweep(r),
    );
    let mut header: Vec<String> = r.sweep.params.iter().map(|p| p.path.clone()).collect();
    let n = header.len();
    header.extend([
        "status".to_string(),
        format!("total cost ({})", r.currency),
        "PFLOPS".into(),
        "domestic share".into(),
        format!("marginal cost per unit of {first}"),
    ]);
    let rows = r
        .rows
        .iter()
        .map(|row| {
            let mut cells = row.values.clone();
            cells.push(row.status.clone());
            cells.push(row.total_cost.map(money).unwrap_or("-".into()));
            cells.push(row.pflops.map(|v| qty(v, 1)).unwrap_or("-".into()));
            cells.push(row.domestic_share.map(percent).unwrap_or("-".into()));
            cells.push(row.marginal_cost.map(money).unwrap_or_default());
            cells
        })
        .collect();
    let mut numeric = vec![false; header.len()];
    for v in numeric.iter_mut().skip(n + 1) {
        *v = true;
    }
    table(
        out,
        &Section {
            title: "Sweep points".into(),
            header,
            numeric,
            rows,
        },
    );
}

fn explanation_section(out: &mut String, e: &crate::explain::Explanation) {
    use crate::render::explain as ex;
    if e.plan.status.has_plan() {
        table(out, &ex::policy(e));
        if e.shadow_prices.is_empty() {
            out.push_str(
                "<h2>Shadow prices</h2>\n<p class=\"lede\">No rule is at its limit.</p>\n",
            );
        } else {
            table(out, &ex::shadow(e));
        }
        table(out, &ex::thresholds(e));
    } else {
        out.push_str("<h2>Smallest single changes that make it feasible</h2>\n<ul>\n");
        let fixes = ex::fixes(e);
        if fixes.is_empty() {
            out.push_str("<li>No single change of one limit makes the scenario feasible.</li>\n");
        }
        for f in fixes {
            out.push_str(&format!("<li>{}</li>\n", escape(&f)));
        }
        out.push_str("</ul>\n");
    }
    for n in &e.notes {
        out.push_str(&format!("<p class=\"lede\">Note: {}</p>\n", escape(n)));
    }
}

fn alternatives_section(
    out: &mut String,
    alts: &[crate::explain::alternatives::Alternative],
    within: f64,
) {
    out.push_str(&format!(
        "<h2>Alternatives within {:.1}% of the optimum</h2>\n",
        within * 100.0
    ));
    if alts.is_empty() {
        out.push_str("<p class=\"lede\">No distinct alternative.</p>\n");
        return;
    }
    out.push_str("<ol>\n");
    for a in alts {
        out.push_str(&format!(
            "<li><strong>{}</strong>: {}<br>buys {}<br><code>{}</code></li>\n",
            escape(&a.name),
            escape(&a.says),
            escape(&crate::render::explain::mix(&a.plan)),
            escape(&crate::render::explain::reproduce(&a.overrides))
        ));
    }
    out.push_str("</ol>\n");
}

/// The tables and chart of a plan for one site and one period.
fn single_sections(out: &mut String, plan: &Plan) {
    let cur = &plan.currency;
    table(out, &rows::purchases(plan));
    let bars = crate::chart::Bars {
        title: "New spend by accelerator".into(),
        y_label: format!("capex ({cur})"),
        categories: plan.purchases.iter().map(|p| p.id.clone()).collect(),
        stacks: vec![(
            "capex".into(),
            plan.purchases.iter().map(|p| Some(p.cost)).collect(),
        )],
    };
    if !plan.purchases.is_empty() {
        // The chart carries its own title.
        chart(out, None, crate::chart::bars(&bars, 960, 480));
    }
    table(out, &rows::fleet(plan));
    table(out, &rows::totals(plan));
}

/// The tables and charts of a plan with sites or periods: purchases by period, the
/// periods, every site in every period, the fleet at the end and the totals; charts of
/// spending and of capacity against demand per period, and of each site's domestic share.
fn national_sections(out: &mut String, plan: &Plan) {
    let cur = &plan.currency;
    let sections = rows::plan_sections(plan);
    let (first, rest) = sections.split_at(2.min(sections.len()));
    for s in first {
        table(out, s);
    }
    if !plan.periods.is_empty() {
        let years: Vec<String> = plan.periods.iter().map(|d| d.period.to_string()).collect();
        let spend = crate::chart::Bars {
            title: "Spending by period (undiscounted)".into(),
            y_label: format!("cost ({cur})"),
            categories: years.clone(),
            stacks: vec![
                (
                    "capex".into(),
                    plan.periods.iter().map(|d| Some(d.capex)).collect(),
                ),
                (
                    "opex".into(),
                    plan.periods.iter().map(|d| Some(d.opex)).collect(),
                ),
            ],
        };
        chart(out, None, crate::chart::bars(&spend, 960, 420));
        let capacity = crate::chart::Bars {
            title: "Fleet PFLOPS by period: demand and headroom above it".into(),
            y_label: "PFLOPS".into(),
            categories: years,
            stacks: vec![
                (
                    "demand".into(),
                    plan.periods
                        .iter()
                        .map(|d| Some(d.demand_pflops.unwrap_or(0.0).min(d.pflops)))
                        .collect(),
                ),
                (
                    "headroom".into(),
                    plan.periods
                        .iter()
                        .map(|d| Some((d.pflops - d.demand_pflops.unwrap_or(0.0)).max(0.0)))
                        .collect(),
                ),
            ],
        };
        chart(out, None, crate::chart::bars(&capacity, 960, 420));
    }
    table(out, &rows::site_periods(plan, SITES_LISTED));
    if plan.sites.len() > 1 {
        let shown: Vec<&crate::plan::SiteDetail> = plan.sites.iter().take(SITES_LISTED).collect();
        let share = crate::chart::Bars {
            title: "Domestic share by site, last period (%)".into(),
            y_label: "domestic share (%)".into(),
            categories: shown.iter().map(|s| s.id.clone()).collect(),
            stacks: vec![(
                "share".into(),
                shown
                    .iter()
                    .map(|s| {
                        s.periods
                            .last()
                            .and_then(|p| p.domestic_share.value)
                            .map(|v| v * 100.0)
                    })
                    .collect(),
            )],
        };
        chart(out, None, crate::chart::bars(&share, 960, 420));
    }
    for s in rest.iter().skip(1) {
        // The largest sites are in the site table above; then the fleet and the totals.
        table(out, s);
    }
}

/// Sites listed in the report's site table and chart (the JSON plan has them all).
const SITES_LISTED: usize = 100;

/// Renders the report page.
pub fn render(plan: &Plan, extras: &ReportExtras) -> String {
    let mut out =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!(
        "<title>{} - chipmix plan</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&plan.scenario)
    ));
    out.push_str(&format!("<h1>{}</h1>\n", escape(&plan.scenario)));
    if let Some(d) = extras.description.filter(|d| !d.trim().is_empty()) {
        out.push_str(&format!("<p class=\"lede\">{}</p>\n", escape(d.trim())));
    }
    let bad = if plan.status.has_plan() { "" } else { " bad" };
    out.push_str(&format!(
        "<p><span class=\"status{bad}\" id=\"status\">{}</span> {}</p>\n",
        escape(plan.status.as_str()),
        escape(&rows::headline(plan))
    ));
    if !extras.overrides.is_empty() {
        out.push_str("<p class=\"lede\">With overrides: ");
        let sets: Vec<String> = extras
            .overrides
            .iter()
            .map(|o| format!("<code>{}</code>", escape(o)))
            .collect();
        out.push_str(&sets.join(", "));
        out.push_str("</p>\n");
    }
    if plan.status.has_plan() {
        let cur = &plan.currency;
        out.push_str("<div class=\"kpis\">\n");
        if let Some(t) = plan.total_cost {
            kpi(
                &mut out,
                "total-cost",
                "Total cost",
                &format!("{} {cur}", money(t)),
            );
        }
        if let Some(c) = plan.capex {
            kpi(&mut out, "capex", "Capex", &format!("{} {cur}", money(c)));
        }
        if let Some(o) = plan.opex {
            kpi(&mut out, "opex", "Opex", &format!("{} {cur}", money(o)));
        }
        if let Some(p) = plan.pflops {
            kpi(
                &mut out,
                "pflops",
                "Compute",
                &format!("{} PFLOPS", qty(p, 1)),
            );
        }
        if let Some(v) = plan.domestic_share.as_ref().and_then(|d| d.value) {
            kpi(&mut out, "domestic-share", "Domestic share", &percent(v));
        }
        out.push_str("</div>\n");
        if rows::is_national(plan) {
            national_sections(&mut out, plan);
        } else {
            single_sections(&mut out, plan);
        }
    }
    for (title, items) in rows::notes(plan) {
        out.push_str(&format!("<h2>{}</h2>\n<ul>\n", escape(&title)));
        for i in items {
            out.push_str(&format!("<li>{}</li>\n", escape(&i)));
        }
        out.push_str("</ul>\n");
    }
    if let Some(e) = extras.explanation {
        explanation_section(&mut out, e);
    }
    if let Some((alts, within)) = extras.alternatives {
        alternatives_section(&mut out, alts, within);
    }
    if let Some(r) = extras.sweep {
        sweep_section(&mut out, r);
    }
    let sources = if plan.sources.is_empty() {
        ""
    } else {
        " Prices in sample scenarios are estimates; see the data sources above."
    };
    out.push_str(&format!(
        "<footer>Made by chipmix {} ({}). Every plan is re-checked against every rule of the scenario before it is shown.{sources}</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&plan.solver)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape("R&D <b>\"x\"</b>"),
            "R&amp;D &lt;b&gt;&quot;x&quot;&lt;/b&gt;"
        );
    }
}
