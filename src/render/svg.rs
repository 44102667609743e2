//! Charts of sweeps and comparisons as SVG: turns results into the plain series of
//! [`crate::chart`] and draws them.

use crate::chart::{self, CostCurve, Mix, Series};
use crate::sweep::SweepResult;

/// Width and height of a sweep chart (two panels).
const SWEEP_SIZE: (u32, u32) = (960, 900);

/// The cost curve and the purchase mix of a sweep, in one SVG. The x axis is the first
/// parameter, which must be numeric; with more parameters, the curve has one line per
/// combination of the others and the mix shows the first combination.
pub fn sweep(r: &SweepResult) -> Result<String, String> {
    let (curve, mix) = sweep_charts(r)?;
    chart::sweep_panels(&curve, &mix, SWEEP_SIZE.0, SWEEP_SIZE.1)
}

/// The chart inputs of a sweep: its cost curve and its purchase mix.
pub fn sweep_charts(r: &SweepResult) -> Result<(CostCurve, Mix), String> {
    let first = &r.sweep.params[0];
    let xs: Vec<f64> = first
        .values
        .iter()
        .map(|v| v.parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| {
            format!(
                "a chart needs a numeric first parameter; {} takes {}",
                first.path,
                first.values.join(", ")
            )
        })?;
    let stride: usize = r.sweep.params[1..].iter().map(|p| p.values.len()).product();
    let rows_at = |combo: usize| -> Vec<&crate::sweep::Row> {
        (0..xs.len())
            .filter_map(|i| r.rows.iter().find(|row| row.index == i * stride + combo))
            .collect()
    };
    let series: Vec<Series> = (0..stride)
        .map(|combo| {
            let rows = rows_at(combo);
            let label = rows
                .first()
                .map(|row| {
                    r.sweep.params[1..]
                        .iter()
                        .zip(&row.values[1..])
                        .map(|(p, v)| format!("{}={v}", p.path))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            Series {
                label,
                points: rows
                    .iter()
                    .zip(&xs)
                    .map(|(row, &x)| (x, row.total_cost))
                    .collect(),
            }
        })
        .collect();
    let rows = rows_at(0);
    let layers: Vec<(String, Vec<f64>)> = r
        .ids
        .iter()
        .enumerate()
        .filter(|(k, _)| {
            rows.iter()
                .any(|row| row.units[*k].is_some_and(|u| u > 0.0))
        })
        .map(|(k, id)| {
            (
                id.clone(),
                rows.iter().map(|row| row.units[k].unwrap_or(0.0)).collect(),
            )
        })
        .collect();
    let mix_title = if stride > 1 {
        format!("Units bought ({})", series[0].label)
    } else {
        "Units bought".to_string()
    };
    Ok((
        CostCurve {
            title: format!("Total cost against {}", first.path),
            x_label: first.path.clone(),
            currency: r.currency.clone(),
            series,
        },
        Mix {
            title: mix_title,
            x_label: first.path.clone(),
            xs: xs[..rows.len().min(xs.len())].to_vec(),
            feasible: rows.iter().map(|row| row.total_cost.is_some()).collect(),
            layers,
        },
    ))
}

/// Each future's total cost with the plan's common decisions (hedged) and with those of
/// the plan made for the first future alone (naive): two bars per future, the naive one
/// left out and labelled when it leaves no way out.
pub fn futures(plan: &crate::plan::Plan) -> Result<String, String> {
    let mut categories = Vec::new();
    let mut hedged = Vec::new();
    let mut naive = Vec::new();
    for f in &plan.futures {
        categories.push(format!("{} (hedged)", f.id));
        hedged.push(f.total_cost);
        naive.push(None);
        categories.push(format!("{} (naive)", f.id));
        hedged.push(None);
        naive.push(f.naive_cost);
    }
    let bars = chart::Bars {
        title:
            "Cost in each future: this plan's order now (hedged) against the first future's (naive)"
                .into(),
        y_label: format!("total cost ({})", plan.currency),
        categories,
        stacks: vec![("hedged".into(), hedged), ("naive".into(), naive)],
    };
    chart::bars(&bars, COMPARE_SIZE.0, COMPARE_SIZE.1)
}

/// Width and height of a comparison chart.
const COMPARE_SIZE: (u32, u32) = (960, 560);

/// Stacked bars of capex, opex and adoption per compared plan.
pub fn compare(c: &crate::compare::Comparison) -> Result<String, String> {
    let currency = c
        .entries
        .first()
        .map(|e| e.plan.currency.clone())
        .unwrap_or_default();
    let part = |f: fn(&crate::plan::Plan) -> Option<f64>| -> Vec<Option<f64>> {
        c.entries
            .iter()
            .map(|e| e.plan.status.has_plan().then(|| f(&e.plan)).flatten())
            .collect()
    };
    let bars = chart::Bars {
        title: "Total cost by plan".into(),
        y_label: format!("cost ({currency})"),
        categories: c.entries.iter().map(|e| e.label.clone()).collect(),
        stacks: vec![
            ("capex".into(), part(|p| p.capex)),
            ("opex".into(), part(|p| p.opex)),
            ("adoption".into(), part(|p| p.adoption)),
        ],
    };
    chart::bars(&bars, COMPARE_SIZE.0, COMPARE_SIZE.1)
}
