//! The HTML report: one self-contained page (inline CSS and SVG, no script, no network)
//! with the plans, their tables, charts, the workload allocation, the rules that bind and
//! those near their limit, their inputs and assumptions, an optional sweep, and for several scenarios a side-by-side table, laid out
//! to be read on screen or printed by a finance team. The cost cards state capex +
//! adoption + opex = total to the cent, rounded so that they add up.

mod inputs;
mod rules;

use super::rows::{self, Section};
use crate::numfmt::{grouped, money, percent, qty};
use crate::plan::Plan;
use crate::report::{Member, Report};
use crate::sweep::SweepResult;

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
.kpis.sum { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
.kpis.sum .kpi { flex: 1 1 180px; }
.kpis.sum .op { font-size: 22px; font-weight: 650; color: var(--muted); }
.kpis.sum .kpi:last-child { border: 2px solid var(--ink); }
.kpis.headline .kpi { border: 2px solid var(--accent); }
.kpis.headline .kpi .value { font-size: 26px; color: var(--accent); }
h3 { font-size: 16px; margin: 24px 0 8px; }
section.member { margin-top: 40px; }
section.member > h2 { font-size: 22px; border-bottom: 3px solid var(--ink); }
dl.inputs { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; font-size: 13.5px; margin: 6px 0 8px; }
dl.inputs dt { color: var(--muted); }
dl.inputs dd { margin: 0; }
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
  table, .chart, .kpis, dl.inputs { break-inside: avoid; }
  section.member { break-before: page; }
  .status { border: 1px solid currentColor; }
}
"#;

/// A section as a heading (`h`: `h2` or `h3`) and a table; nothing when it has no rows.
fn table(out: &mut String, s: &Section, h: &str) {
    table_with_id(out, s, h, None);
}

/// [`table`], the table with an `id` when given.
fn table_with_id(out: &mut String, s: &Section, h: &str, id: Option<&str>) {
    if s.rows.is_empty() {
        return;
    }
    let id = id
        .map(|i| format!(" id=\"{}\"", escape(i)))
        .unwrap_or_default();
    out.push_str(&format!(
        "<{h}>{}</{h}>\n<table{id}>\n<thead><tr>",
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

/// A chart, under a heading when given.
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
        "h2",
    );
}

fn explanation_section(out: &mut String, e: &crate::explain::Explanation) {
    use crate::render::explain as ex;
    if e.plan.status.has_plan() {
        table(out, &ex::policy(e), "h2");
        if e.shadow_prices.is_empty() {
            out.push_str(
                "<h2>Shadow prices</h2>\n<p class=\"lede\">No rule is at its limit.</p>\n",
            );
        } else {
            table(out, &ex::shadow(e), "h2");
        }
        table(out, &ex::thresholds(e), "h2");
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

/// Headings and element ids of one member's part of the page: a plain report uses `h2`
/// and bare ids (`total-cost`); the members of a multi-scenario report use `h3` and ids
/// prefixed by their place (`s2-total-cost`).
#[derive(Debug, Clone, Copy)]
struct Place<'a> {
    /// Heading element of the member's sections.
    h: &'a str,
    /// Prefix of the member's element ids.
    id: &'a str,
}

/// Amounts in whole cents that add up: each part's true value rounded down, plus one cent
/// for the parts with the largest remainders until they sum to the rounded `total`. When
/// the parts add up to `total` (as a plan's do, to float noise) each is within a cent of
/// its true value.
fn cents_that_sum(total: f64, parts: &[f64]) -> (i64, Vec<i64>) {
    let total_cents = (total * 100.0).round() as i64;
    let mut cents: Vec<i64> = parts.iter().map(|p| (p * 100.0).floor() as i64).collect();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| {
        let rem = |i: usize| parts[i] * 100.0 - cents[i] as f64;
        rem(b).total_cmp(&rem(a))
    });
    let mut short = total_cents - cents.iter().sum::<i64>();
    for &i in order.iter().cycle().take(parts.len() * 2) {
        if short == 0 {
            break;
        }
        let step = short.signum();
        cents[i] += step;
        short -= step;
    }
    if short != 0
        && let Some(largest) = (0..parts.len()).max_by(|&a, &b| parts[a].total_cmp(&parts[b]))
    {
        cents[largest] += short;
    }
    (total_cents, cents)
}

/// Whole cents as money: `1,234,567.89`.
fn cents(c: i64) -> String {
    let sign = if c < 0 { "-" } else { "" };
    let c = c.unsigned_abs();
    format!("{sign}{}.{:02}", grouped((c / 100) as f64, 0), c % 100)
}

/// Money to the cent: `1,234,567.89`, no `-0.00`.
fn to_cent(v: f64) -> String {
    cents((v * 100.0).round() as i64)
}

/// One KPI card.
fn kpi(out: &mut String, id: &str, label: &str, value: &str) {
    out.push_str(&format!(
        "<div class=\"kpi\" id=\"{id}\"><div class=\"label\">{}</div><div class=\"value\">{}</div></div>\n",
        escape(label),
        escape(value)
    ));
}

/// The KPI cards: the cost equation (capex + adoption + opex [- residual] = total, to the
/// cent, adding up) and the fleet's figures; PFLOPS come first when the objective maximises them.
fn kpis(out: &mut String, plan: &Plan, at: Place) {
    let cur = &plan.currency;
    let p = at.id;
    let compute = |out: &mut String| {
        if let Some(v) = plan.pflops {
            kpi(
                out,
                &format!("{p}pflops"),
                "Compute",
                &format!("{} PFLOPS", qty(v, 1)),
            );
        }
    };
    if plan.maximises_pflops() {
        out.push_str("<div class=\"kpis headline\">\n");
        compute(out);
        out.push_str("</div>\n");
    }
    // With futures the parts are expected values: they add up to the expected cost (the
    // total under `risk: expected`, not under `worst_case`).
    let futures = plan.expected_cost.is_some();
    if let Some(total) = plan.expected_cost.or(plan.total_cost) {
        let mut parts = vec![
            plan.capex.unwrap_or(0.0),
            plan.adoption.unwrap_or(0.0),
            plan.opex.unwrap_or(0.0),
        ];
        let discounted = if plan.periods.len() > 1 {
            " (discounted)"
        } else {
            ""
        };
        // Adoption is paid once, in the first period: never discounted.
        let mut labels = vec![
            ("capex", format!("Capex{discounted}")),
            ("adoption", "Adoption".to_string()),
            ("opex", format!("Opex{discounted}")),
        ];
        // Removals and moves (only with `existing[].removal`) are added: their cost less
        // salvage, negative when salvage is worth more.
        if let Some(r) = plan.removal {
            parts.push(r);
            labels.push(("removal", format!("Removals, less salvage{discounted}")));
        }
        let added = labels.len();
        // The energy discount (only with `costs.domestic_energy_discount`) and the residual
        // value (only with `costs.residual_value`) are subtracted.
        if let Some(d) = plan.energy_discount {
            parts.push(-d);
            labels.push(("energy-discount", format!("Energy discount{discounted}")));
        }
        if let Some(r) = plan.residual {
            parts.push(-r);
            labels.push(("residual", "Residual value (discounted)".to_string()));
        }
        let (total_cents, part_cents) = cents_that_sum(total, &parts);
        out.push_str(&format!("<div class=\"kpis sum\" id=\"{p}cost-sum\">\n"));
        for (k, ((id, label), c)) in labels.iter().zip(&part_cents).enumerate() {
            if k >= added {
                out.push_str("<div class=\"op\">\u{2212}</div>\n");
            } else if k > 0 {
                out.push_str("<div class=\"op\">+</div>\n");
            }
            kpi(
                out,
                &format!("{p}{id}"),
                label,
                &format!("{} {cur}", cents(c.abs())),
            );
        }
        out.push_str("<div class=\"op\">=</div>\n");
        kpi(
            out,
            &format!("{p}total-cost"),
            if futures {
                "Expected cost over the futures"
            } else {
                "Total cost"
            },
            &format!("{} {cur}", cents(total_cents)),
        );
        out.push_str("</div>\n");
    }
    out.push_str("<div class=\"kpis\">\n");
    if !plan.maximises_pflops() {
        compute(out);
    }
    if let Some(v) = plan.domestic_share.as_ref().and_then(|d| d.value) {
        kpi(
            out,
            &format!("{p}domestic-share"),
            "Domestic share",
            &percent(v),
        );
    }
    if let Some(v) = plan.facility_kw {
        kpi(
            out,
            &format!("{p}facility-kw"),
            "Facility power",
            &format!("{} kW", qty(v, 1)),
        );
    }
    out.push_str("</div>\n");
}

/// The tables and charts of a plan for one site and one period: for `max_pflops` the
/// PFLOPS each accelerator adds comes first, then what it costs.
fn single_sections(out: &mut String, plan: &Plan, at: Place) {
    let cur = &plan.currency;
    table(out, &rows::purchases(plan), at.h);
    if !plan.purchases.is_empty() {
        let categories: Vec<String> = plan.purchases.iter().map(|p| p.id.clone()).collect();
        let compute = crate::chart::Bars {
            title: "PFLOPS added by accelerator".into(),
            y_label: "PFLOPS".into(),
            categories: categories.clone(),
            stacks: vec![(
                "PFLOPS".into(),
                plan.purchases.iter().map(|p| Some(p.pflops)).collect(),
            )],
        };
        let spend = crate::chart::Bars {
            title: "New spend by accelerator".into(),
            y_label: format!("capex ({cur})"),
            categories,
            stacks: vec![(
                "capex".into(),
                plan.purchases.iter().map(|p| Some(p.cost)).collect(),
            )],
        };
        // The charts carry their own titles.
        if plan.maximises_pflops() {
            chart(out, None, crate::chart::bars(&compute, 960, 420));
        }
        chart(out, None, crate::chart::bars(&spend, 960, 480));
    }
    table(out, &rows::fleet(plan), at.h);
    table(out, &rows::totals(plan), at.h);
}

/// The tables and chart of a plan with futures (section 7): the common purchases, the
/// futures side by side, the summary, a chart of each future's cost with the hedged and
/// the naive common decisions, and each future's own purchases.
fn futures_sections(out: &mut String, plan: &Plan, at: Place) {
    let sections = super::futures::sections(plan);
    for s in &sections[..3.min(sections.len())] {
        table(out, s, at.h);
    }
    chart(out, None, super::svg::futures(plan));
    for s in sections.iter().skip(3) {
        table(out, s, at.h);
    }
    table(out, &rows::removals(plan), at.h);
}

/// The tables and charts of a plan with sites or periods: purchases by period, the
/// periods, every site in every period, the fleet at the end and the totals; charts of
/// spending and of capacity against demand per period, of each site's PFLOPS (first, for
/// `max_pflops`) and of each site's domestic share.
fn national_sections(out: &mut String, plan: &Plan, at: Place) {
    let cur = &plan.currency;
    let sections = rows::plan_sections(plan);
    let (first, rest) = sections.split_at(2.min(sections.len()));
    let shown: Vec<&crate::plan::SiteDetail> = plan.sites.iter().take(SITES_LISTED).collect();
    if plan.maximises_pflops() && plan.sites.len() > 1 {
        let compute = crate::chart::Bars {
            title: "Fleet PFLOPS by site, last period".into(),
            y_label: "PFLOPS".into(),
            categories: shown.iter().map(|s| s.id.clone()).collect(),
            stacks: vec![(
                "PFLOPS".into(),
                shown
                    .iter()
                    .map(|s| s.periods.last().map(|p| p.pflops))
                    .collect(),
            )],
        };
        chart(out, None, crate::chart::bars(&compute, 960, 420));
    }
    for s in first {
        table(out, s, at.h);
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
    table(out, &rows::site_periods(plan, SITES_LISTED), at.h);
    if plan.sites.len() > 1 {
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
        table(out, s, at.h);
    }
}

/// Sites listed in the report's site tables and charts (the JSON plan has them all).
const SITES_LISTED: usize = 100;

/// A titled list of plain-text items.
fn list(out: &mut String, h: &str, title: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    out.push_str(&format!("<{h}>{}</{h}>\n<ul>\n", escape(title)));
    for i in items {
        out.push_str(&format!("<li>{}</li>\n", escape(i)));
    }
    out.push_str("</ul>\n");
}

/// The status badge and the plan's headline.
fn status_line(out: &mut String, plan: &Plan, at: Place) {
    let bad = if plan.status.has_plan() { "" } else { " bad" };
    out.push_str(&format!(
        "<p><span class=\"status{bad}\" id=\"{}status\">{}</span> {}</p>\n",
        at.id,
        escape(plan.status.as_str()),
        escape(&rows::headline(plan))
    ));
}

/// One member's own sections: why there is no plan, or its cards, tables and charts; the
/// workload allocation (with `demand.workloads`); the rules that bind, in words, and those
/// near their limit; warnings; its inputs and assumptions.
fn member_sections(out: &mut String, m: &Member, r: &Report, at: Place) {
    let plan = &m.plan;
    if let Some(msg) = &plan.message {
        list(out, at.h, "Why there is no plan", std::slice::from_ref(msg));
    }
    list(out, at.h, "Why the scenario is infeasible", &plan.conflicts);
    if plan.status.has_plan() {
        kpis(out, plan, at);
        if !plan.futures.is_empty() {
            futures_sections(out, plan, at);
        } else if rows::is_national(plan) {
            national_sections(out, plan, at);
        } else {
            single_sections(out, plan, at);
        }
        // With `demand.workloads`: which cards serve which class, as the text report
        // lists them (no rows, so no table, without workloads).
        table_with_id(
            out,
            &super::allocation::allocation(plan),
            at.h,
            Some(&format!("{}allocation", at.id)),
        );
        rules::section(out, plan, &m.scenario, at);
    }
    list(out, at.h, "Warnings", &plan.warnings);
    inputs::section(out, m, r.generated, at);
}

/// The members side by side: status, costs (to the cent), PFLOPS, share, power and new
/// units of every accelerator any plan buys; why the ones without a plan have none; and
/// a chart of PFLOPS (first, when a member maximises them) and of costs.
fn comparison_section(out: &mut String, r: &Report, c: &crate::compare::Comparison) {
    let cur = r
        .members
        .first()
        .map(|m| m.plan.currency.clone())
        .unwrap_or_default();
    out.push_str("<h2>Side by side</h2>\n<table id=\"comparison\">\n<thead><tr><th></th>");
    for (i, m) in r.members.iter().enumerate() {
        out.push_str(&format!(
            "<th class=\"num\" id=\"cmp-label-{}\">{}</th>",
            i + 1,
            escape(&m.label)
        ));
    }
    out.push_str("</tr></thead>\n<tbody>\n<tr><td>status</td>");
    for (i, m) in r.members.iter().enumerate() {
        out.push_str(&format!(
            "<td class=\"num\" id=\"cmp-status-{}\">{}</td>",
            i + 1,
            escape(m.plan.status.as_str())
        ));
    }
    out.push_str("</tr>\n");
    let metrics = c.metrics();
    let name = |key: &str| -> Option<String> {
        Some(match key {
            "total_cost" => format!("total cost ({cur})"),
            "capex" => format!("capex ({cur})"),
            "adoption" => format!("adoption ({cur})"),
            "residual" => format!("residual value, credited ({cur})"),
            "opex" => format!("opex ({cur})"),
            "pflops" => "PFLOPS".into(),
            "domestic_share" => "domestic share".into(),
            "facility_kw" => "facility kW".into(),
            k => {
                let id = k.strip_prefix("units.")?;
                let shown = r
                    .members
                    .iter()
                    .find_map(|m| m.scenario.accelerators.iter().find(|a| a.id == id))
                    .map(|a| a.display_name().to_string())
                    .unwrap_or_else(|| id.to_string());
                format!("new units of {shown}")
            }
        })
    };
    let order = [
        "total_cost",
        "capex",
        "adoption",
        "opex",
        "residual",
        "pflops",
        "domestic_share",
        "facility_kw",
    ];
    let mut ordered: Vec<&crate::compare::Metric> = order
        .iter()
        .filter_map(|k| metrics.iter().find(|m| m.key == *k))
        .collect();
    ordered.extend(metrics.iter().filter(|m| m.key.starts_with("units.")));
    for metric in ordered {
        let Some(label) = name(&metric.key) else {
            continue;
        };
        let total = metric.key == "total_cost";
        out.push_str(if total {
            "<tr class=\"total\">"
        } else {
            "<tr>"
        });
        out.push_str(&format!("<td>{}</td>", escape(&label)));
        for (i, v) in metric.values.iter().enumerate() {
            let shown = match (v, metric.key.as_str()) {
                (None, _) => "-".to_string(),
                (Some(v), "total_cost" | "capex" | "adoption" | "opex" | "residual") => to_cent(*v),
                (Some(v), "domestic_share") => percent(*v),
                (Some(v), "pflops" | "facility_kw") => qty(*v, 1),
                (Some(v), _) => qty(*v, 2),
            };
            out.push_str(&format!(
                "<td class=\"num\" id=\"cmp-{}-{}\">{}</td>",
                escape(&metric.key),
                i + 1,
                escape(&shown)
            ));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    let without: Vec<&Member> = r
        .members
        .iter()
        .filter(|m| !m.plan.status.has_plan())
        .collect();
    if !without.is_empty() {
        out.push_str("<h3>Without a plan</h3>\n<ul id=\"without-a-plan\">\n");
        for m in without {
            out.push_str(&format!(
                "<li><strong>{}</strong>: {}\n<ul>\n",
                escape(&m.label),
                escape(m.plan.status.as_str())
            ));
            for reason in m.plan.conflicts.iter().chain(&m.plan.message) {
                out.push_str(&format!("<li>{}</li>\n", escape(reason)));
            }
            out.push_str("</ul></li>\n");
        }
        out.push_str("</ul>\n");
    }
    let labels: Vec<String> = r.members.iter().map(|m| m.label.clone()).collect();
    if r.members.iter().any(|m| m.plan.maximises_pflops()) {
        let compute = crate::chart::Bars {
            title: "Compute by plan (PFLOPS)".into(),
            y_label: "PFLOPS".into(),
            categories: labels,
            stacks: vec![(
                "PFLOPS".into(),
                r.members
                    .iter()
                    .map(|m| m.plan.status.has_plan().then_some(m.plan.pflops).flatten())
                    .collect(),
            )],
        };
        chart(out, None, crate::chart::bars(&compute, 960, 420));
    }
    chart(out, None, super::svg::compare(c));
}

/// The date and time `secs` seconds after 1970-01-01 UTC, as `2026-12-06 11:52 UTC`.
pub fn utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let in_day = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days: the proleptic Gregorian calendar.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        in_day / 3600,
        in_day % 3600 / 60
    )
}

/// Renders the report page.
pub fn render(r: &Report) -> String {
    let single = r.members.len() == 1;
    // Variants of one scenario share its name: say it once.
    let one_name = r
        .members
        .first()
        .map(|m| m.plan.scenario.as_str())
        .filter(|n| r.members.iter().all(|m| m.plan.scenario == *n));
    let title = match (single, one_name) {
        (true, _) => r.members[0].plan.scenario.clone(),
        (false, Some(name)) => format!("{name}: {} plans side by side", r.members.len()),
        (false, None) => format!("{} plans side by side", r.members.len()),
    };
    let mut out =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str(&format!(
        "<title>{} - chipmix plan</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&title)
    ));
    out.push_str(&format!("<h1>{}</h1>\n", escape(&title)));
    if single {
        let m = &r.members[0];
        let at = Place { h: "h2", id: "" };
        if let Some(d) = m
            .scenario
            .description
            .as_deref()
            .filter(|d| !d.trim().is_empty())
        {
            out.push_str(&format!("<p class=\"lede\">{}</p>\n", escape(d.trim())));
        }
        status_line(&mut out, &m.plan, at);
        if !m.overrides.is_empty() {
            let sets: Vec<String> = m
                .overrides
                .iter()
                .map(|o| format!("<code>{}</code>", escape(o)))
                .collect();
            out.push_str(&format!(
                "<p class=\"lede\">With overrides: {}</p>\n",
                sets.join(", ")
            ));
        }
        member_sections(&mut out, m, r, at);
        if let Some(e) = &r.explanation {
            explanation_section(&mut out, e);
        }
        if let Some((alts, within)) = &r.alternatives {
            alternatives_section(&mut out, alts, *within);
        }
        if let Some(s) = &r.sweep {
            sweep_section(&mut out, s);
        }
    } else {
        let names: Vec<String> = r
            .members
            .iter()
            .map(|m| match one_name {
                Some(_) if m.overrides.is_empty() => format!("{}: as written", m.label),
                Some(_) => format!("{}: {}", m.label, m.overrides.join(", ")),
                None => format!("{} ({})", m.label, m.plan.scenario),
            })
            .collect();
        out.push_str(&format!(
            "<p class=\"lede\">{}. Each was planned once; its own sections follow the table.</p>\n",
            escape(&names.join("; "))
        ));
        if let Some(c) = &r.comparison {
            comparison_section(&mut out, r, c);
        }
        for (i, m) in r.members.iter().enumerate() {
            let id = format!("s{}-", i + 1);
            let at = Place { h: "h3", id: &id };
            out.push_str(&format!(
                "<section class=\"member\" id=\"s{}\">\n<h2>{}: {}</h2>\n",
                i + 1,
                escape(&m.label),
                escape(&m.plan.scenario)
            ));
            status_line(&mut out, &m.plan, at);
            member_sections(&mut out, m, r, at);
            out.push_str("</section>\n");
        }
    }
    let solvers: Vec<&str> = {
        let mut s: Vec<&str> = r.members.iter().map(|m| m.plan.solver.as_str()).collect();
        s.dedup();
        s
    };
    let sources = if r.members.iter().all(|m| m.plan.sources.is_empty()) {
        ""
    } else {
        " Prices in sample scenarios are estimates; see the sources in the inputs."
    };
    out.push_str(&format!(
        "<footer>Made by chipmix <span id=\"version\">{}</span> ({}) on <span id=\"generated\">{}</span>. \
Every plan is re-checked against every rule of its scenario before it is shown.{sources}</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&solvers.join(", ")),
        utc(r.generated)
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::{cents_that_sum, escape, to_cent, utc};

    #[test]
    fn cents_add_up_and_stay_within_a_cent() {
        for (total, parts) in [
            (
                114_944_305.0,
                [75_616_000.0, 30_000_000.0, 9_328_304.999_999_998],
            ),
            (0.03, [0.014, 0.004, 0.012]),
            (10.0, [3.333_333, 3.333_333, 3.333_334]),
            (0.0, [0.0, 0.0, -0.0]),
        ] {
            let (t, c) = cents_that_sum(total, &parts);
            assert_eq!(t, c.iter().sum::<i64>(), "{parts:?}");
            for (p, c) in parts.iter().zip(&c) {
                assert!((p * 100.0 - *c as f64).abs() <= 1.0 + 1e-6, "{p} -> {c}");
            }
        }
    }

    #[test]
    fn money_to_the_cent_has_no_minus_zero() {
        assert_eq!(to_cent(-0.001), "0.00");
        assert_eq!(to_cent(1_234_567.891), "1,234,567.89");
        assert_eq!(to_cent(-12.5), "-12.50");
    }

    #[test]
    fn dates_are_utc() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(utc(1_700_000_000), "2023-11-14 22:13 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(utc(-1), "1969-12-31 23:59 UTC");
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            escape("R&D <b>\"x\"</b>"),
            "R&amp;D &lt;b&gt;&quot;x&quot;&lt;/b&gt;"
        );
    }
}
