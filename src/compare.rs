//! Side-by-side comparison of several scenarios (or variants of one): each is planned, and
//! the figures of every plan are set against the first's. Every scenario is sites x
//! periods; a single site in a single period is the 1 x 1 case, whose plans have no site
//! or period figures, so its comparison has only the overall ones.

use crate::error::{PlanError, ScenarioError};
use crate::plan::{Plan, Purchase};
use crate::planner::{self, Options};
use crate::scenario::national::National;
use crate::scenario::validate::Warning;
use crate::scenario::{Document, Override};
use rayon::prelude::*;

/// One compared plan and the label it is shown under.
#[derive(Debug, Clone)]
pub struct Entry {
    /// File stem and/or variant, e.g. `h20-banned` or `quota70`.
    pub label: String,
    /// Its plan.
    pub plan: Plan,
}

/// A comparison: the plans in order; the first is the reference for deltas.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The plans.
    pub entries: Vec<Entry>,
    /// Every accelerator id bought or installed in any plan, in first-seen scenario order.
    pub ids: Vec<String>,
}

/// A compared figure: its name and its value in each plan (`None` without a plan).
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    /// Key, e.g. `total_cost`, `units.h20`, `period.2026.capex` or
    /// `site.beijing-yizhuang.domestic_share`.
    pub key: String,
    /// One value per entry.
    pub values: Vec<Option<f64>>,
}

impl Metric {
    /// Value in entry `i` minus the first entry's (`None` when either is missing).
    pub fn delta(&self, i: usize) -> Option<f64> {
        match (self.values.first().copied().flatten(), self.values[i]) {
            (Some(a), Some(b)) => Some(b - a),
            _ => None,
        }
    }

    /// Which group the figure belongs to: the whole plan, one period, or one site.
    pub fn group(&self) -> MetricGroup {
        if self.key.starts_with("period.") {
            MetricGroup::Period
        } else if self.key.starts_with("site.") {
            MetricGroup::Site
        } else {
            MetricGroup::Plan
        }
    }

    /// The figure's own name: `capex` for `period.2026.capex`, the key itself otherwise.
    pub fn figure(&self) -> &str {
        match self.group() {
            MetricGroup::Plan => &self.key,
            _ => self.key.rsplit('.').next().unwrap_or(&self.key),
        }
    }

    /// The site id or the year of a site or period figure (empty for plan figures).
    pub fn place(&self) -> &str {
        match self.group() {
            MetricGroup::Plan => "",
            g => {
                let prefix = if g == MetricGroup::Period {
                    "period."
                } else {
                    "site."
                };
                let rest = &self.key[prefix.len()..];
                &rest[..rest.len() - self.figure().len() - 1]
            }
        }
    }
}

/// The groups of compared figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricGroup {
    /// Figures of the whole plan (the only ones of a 1 x 1 scenario).
    Plan,
    /// `period.<year>.<figure>`: all sites together in one period.
    Period,
    /// `site.<id>.<figure>`: one site, over every period (fleet figures in the last).
    Site,
}

/// Figures given per period: new units, fleet PFLOPS and the demand, facility kW, the
/// national domestic share, capex and opex (undiscounted) and the discounted cost.
pub const PERIOD_FIGURES: [&str; 8] = [
    "new_units",
    "pflops",
    "demand_pflops",
    "facility_kw",
    "domestic_share",
    "capex",
    "opex",
    "discounted_cost",
];

/// Figures given per site: new units, capex and opex over every period (undiscounted),
/// then PFLOPS, facility kW and the domestic share of the last period's fleet, and the
/// lowest margin of the site's domestic share over its rule in any period.
pub const SITE_FIGURES: [&str; 7] = [
    "new_units",
    "capex",
    "opex",
    "pflops",
    "facility_kw",
    "domestic_share",
    "share_margin",
];

/// A `--variant`: a label and the overrides that make it.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// Shown as the column name (the overrides themselves when none is given).
    pub label: String,
    /// The overrides, applied after the common ones.
    pub sets: Vec<Override>,
}

impl Variant {
    /// Reads `[LABEL:]PATH=V[;PATH=V...]`.
    pub fn parse(text: &str) -> Result<Variant, String> {
        let (label, body) = match (text.find(':'), text.find('=')) {
            (Some(c), Some(e)) if c < e => (text[..c].trim().to_string(), &text[c + 1..]),
            _ => (String::new(), text),
        };
        let sets: Vec<Override> = body
            .split(';')
            .filter(|s| !s.trim().is_empty())
            .map(str::parse)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("--variant `{text}`: {e}"))?;
        if sets.is_empty() {
            return Err(format!("--variant `{text}` sets nothing"));
        }
        let label = if label.is_empty() {
            sets.iter()
                .map(|o| o.to_string())
                .collect::<Vec<_>>()
                .join("; ")
        } else {
            label
        };
        Ok(Variant { label, sets })
    }
}

/// What to compare: scenario files (each with its label, usually the file stem), the
/// overrides common to all, and the variants applied to each file.
pub struct Request<'a> {
    /// The scenarios, each with its label.
    pub scenarios: Vec<(String, &'a Document)>,
    /// Overrides applied to every entry (`--set`).
    pub sets: &'a [Override],
    /// Variants of each scenario (besides the scenario itself).
    pub variants: &'a [Variant],
    /// How to solve.
    pub options: Options,
}

/// Why a comparison could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// Fewer than two entries.
    #[error("give two or more scenarios, or one scenario and one or more --variant")]
    TooFew,
    /// One or more entries are not valid scenarios (every problem, one per entry).
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Scenario(Vec<ScenarioError>),
    /// The planner failed in a way that says nothing about the scenarios.
    #[error("{0}")]
    Plan(#[from] PlanError),
}

/// The result of [`run`]: the comparison and the warnings of loading each entry.
#[derive(Debug, Clone)]
pub struct Compared {
    /// The comparison.
    pub comparison: Comparison,
    /// Warnings as printed: `FILE:LINE:COL: warning: ...`.
    pub warnings: Vec<String>,
}

/// One entry of a comparison before it is planned: its label, the file it comes from, the
/// overrides that make it (the common ones, then the variant's) and the scenario they give.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// The label it is shown under.
    pub label: String,
    /// The scenario file, as named on the command line.
    pub file: String,
    /// The overrides applied: `--set` first, then the variant's.
    pub sets: Vec<Override>,
    /// The validated scenario.
    pub scenario: National,
    /// Warnings of loading it (each knows its file and place).
    pub warnings: Vec<Warning>,
}

/// Resolves every entry of `req`: each scenario, then each of its variants, in that order.
/// Labels are the scenario's, the variant's, or both when there are several scenarios;
/// repeated labels get ` (2)`, ` (3)`, ... . Every invalid entry is reported, not only the
/// first.
pub fn resolve(req: &Request) -> Result<Vec<Resolved>, CompareError> {
    let mut items: Vec<Resolved> = Vec::new();
    let mut errors = Vec::new();
    let base = Variant {
        label: String::new(),
        sets: Vec::new(),
    };
    for (stem, document) in &req.scenarios {
        for v in std::iter::once(&base).chain(req.variants) {
            let mut all = req.sets.to_vec();
            all.extend(v.sets.iter().cloned());
            let label = match (req.scenarios.len() > 1, v.label.is_empty()) {
                (_, true) => stem.clone(),
                (true, false) => format!("{stem} {}", v.label),
                (false, false) => v.label.clone(),
            };
            match document.resolve(&all) {
                Ok(l) => items.push(Resolved {
                    label,
                    file: document.file().to_string(),
                    sets: all,
                    warnings: l.warnings,
                    scenario: l.scenario,
                }),
                Err(e) => errors.push(e),
            }
        }
    }
    if !errors.is_empty() {
        return Err(CompareError::Scenario(errors));
    }
    // Labels must tell the columns apart.
    for i in 0..items.len() {
        let same = items[..i]
            .iter()
            .filter(|r| r.label == items[i].label)
            .count();
        if same > 0 {
            items[i].label = format!("{} ({})", items[i].label, same + 1);
        }
    }
    Ok(items)
}

/// Resolves every entry of `req` (see [`resolve`]), plans them all and compares.
pub fn run(req: &Request) -> Result<Compared, CompareError> {
    if req.scenarios.len() + req.scenarios.len() * req.variants.len() < 2 {
        return Err(CompareError::TooFew);
    }
    let resolved = resolve(req)?;
    let warnings = resolved
        .iter()
        .flat_map(|r| r.warnings.iter().map(Warning::line))
        .collect();
    let items: Vec<(String, National)> = resolved
        .into_iter()
        .map(|r| (r.label, r.scenario))
        .collect();
    Ok(Compared {
        comparison: compare(&items, &req.options)?,
        warnings,
    })
}

/// Plans every `(label, scenario)` (in parallel) and gathers the results.
pub fn compare(items: &[(String, National)], opts: &Options) -> Result<Comparison, PlanError> {
    let plans: Vec<Plan> = items
        .par_iter()
        .map(|(_, s)| planner::plan(s, opts))
        .collect::<Result<_, _>>()?;
    let mut ids: Vec<String> = Vec::new();
    for (_, s) in items {
        for a in &s.accelerators {
            if !ids.contains(&a.id) {
                ids.push(a.id.clone());
            }
        }
    }
    Ok(Comparison {
        entries: items
            .iter()
            .zip(plans)
            .map(|((label, _), plan)| Entry {
                label: label.clone(),
                plan,
            })
            .collect(),
        ids,
    })
}

/// A period's figure (see [`PERIOD_FIGURES`]).
fn period_figure(d: &crate::plan::PeriodDetail, figure: &str) -> Option<f64> {
    match figure {
        "new_units" => Some(d.new_units),
        "pflops" => Some(d.pflops),
        "demand_pflops" => d.demand_pflops,
        "facility_kw" => Some(d.facility_kw),
        "domestic_share" => d.domestic_share.value,
        "capex" => Some(d.capex),
        "opex" => Some(d.opex),
        "discounted_cost" => Some(d.discounted_cost),
        _ => None,
    }
}

/// A site's figure (see [`SITE_FIGURES`]).
fn site_figure(s: &crate::plan::SiteDetail, figure: &str) -> Option<f64> {
    let last = s.periods.last();
    match figure {
        "new_units" => Some(s.new_units),
        "capex" => Some(s.capex),
        "opex" => Some(s.opex),
        "pflops" => last.map(|l| l.pflops),
        "facility_kw" => last.map(|l| l.facility_kw),
        "domestic_share" => last.and_then(|l| l.domestic_share.value),
        "share_margin" => s
            .periods
            .iter()
            .filter_map(|p| Some(p.domestic_share.value? - p.domestic_share.min?))
            .reduce(f64::min),
        _ => None,
    }
}

impl Comparison {
    /// The compared figures: costs, PFLOPS, share, power, then new units per accelerator
    /// (accelerators no plan buys are left out); then, for plans with periods, the
    /// figures of each period (`period.<year>.<figure>`), and for plans with sites, those
    /// of each site (`site.<id>.<figure>`), in first-seen order.
    pub fn metrics(&self) -> Vec<Metric> {
        let of = |f: &dyn Fn(&Plan) -> Option<f64>| -> Vec<Option<f64>> {
            self.entries
                .iter()
                .map(|e| e.plan.status.has_plan().then(|| f(&e.plan)).flatten())
                .collect()
        };
        let mut out = vec![
            Metric {
                key: "total_cost".into(),
                values: of(&|p| p.total_cost),
            },
            Metric {
                key: "capex".into(),
                values: of(&|p| p.capex),
            },
            Metric {
                key: "opex".into(),
                values: of(&|p| p.opex),
            },
            Metric {
                key: "adoption".into(),
                values: of(&|p| p.adoption),
            },
            Metric {
                key: "pflops".into(),
                values: of(&|p| p.pflops),
            },
            Metric {
                key: "domestic_share".into(),
                values: of(&|p| p.domestic_share.as_ref().and_then(|d| d.value)),
            },
            Metric {
                key: "facility_kw".into(),
                values: of(&|p| p.facility_kw),
            },
        ];
        // The residual value, after adoption, only when some plan credits one.
        let residual = of(&|p| p.residual);
        if residual.iter().any(Option::is_some) {
            out.insert(
                4,
                Metric {
                    key: "residual".into(),
                    values: residual,
                },
            );
        }
        // The energy discount, after adoption (and the residual value), only when some plan
        // has the rule.
        let saved = of(&|p| p.energy_discount);
        if saved.iter().any(Option::is_some) {
            let at = if out.get(4).is_some_and(|m| m.key == "residual") {
                5
            } else {
                4
            };
            out.insert(
                at,
                Metric {
                    key: "energy_discount".into(),
                    values: saved,
                },
            );
        }
        // Removals and moves, after the credits above, only when some plan may make them.
        let removal = of(&|p| p.removal);
        if removal.iter().any(Option::is_some) {
            let at = out
                .iter()
                .position(|m| m.key == "pflops")
                .unwrap_or(out.len());
            out.insert(
                at,
                Metric {
                    key: "removal".into(),
                    values: removal,
                },
            );
        }
        for id in &self.ids {
            let values = of(&|p| {
                Some(
                    // Cards: loose ones, and those inside the systems bought.
                    p.purchases
                        .iter()
                        .filter(|x| &x.id == id)
                        .map(Purchase::cards_bought)
                        .fold(0.0, |a, b| a + b),
                )
            });
            if values.iter().any(|v| v.is_some_and(|u| u > 0.0)) {
                out.push(Metric {
                    key: format!("units.{id}"),
                    values,
                });
            }
        }
        let mut years: Vec<i64> = Vec::new();
        let mut sites: Vec<String> = Vec::new();
        for e in &self.entries {
            for d in &e.plan.periods {
                if !years.contains(&d.period) {
                    years.push(d.period);
                }
            }
            for s in &e.plan.sites {
                if !sites.contains(&s.id) {
                    sites.push(s.id.clone());
                }
            }
        }
        years.sort();
        for y in years {
            for figure in PERIOD_FIGURES {
                let values = of(&|p| {
                    p.periods
                        .iter()
                        .find(|d| d.period == y)
                        .and_then(|d| period_figure(d, figure))
                });
                if values.iter().any(Option::is_some) {
                    out.push(Metric {
                        key: format!("period.{y}.{figure}"),
                        values,
                    });
                }
            }
        }
        for id in sites {
            for figure in SITE_FIGURES {
                let values = of(&|p| {
                    p.sites
                        .iter()
                        .find(|s| s.id == id)
                        .and_then(|s| site_figure(s, figure))
                });
                if values.iter().any(Option::is_some) {
                    out.push(Metric {
                        key: format!("site.{id}.{figure}"),
                        values,
                    });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metric_keys_split_into_place_and_figure() {
        let m = |k: &str| Metric {
            key: k.into(),
            values: vec![],
        };
        let p = m("period.2026.capex");
        assert_eq!(
            (p.group(), p.place(), p.figure()),
            (MetricGroup::Period, "2026", "capex")
        );
        let s = m("site.gd.shaoguan-1.domestic_share");
        assert_eq!(
            (s.group(), s.place(), s.figure()),
            (MetricGroup::Site, "gd.shaoguan-1", "domestic_share")
        );
        let u = m("units.mlu.590");
        assert_eq!(
            (u.group(), u.figure()),
            (MetricGroup::Plan, "units.mlu.590")
        );
    }

    #[test]
    fn a_variant_reads_its_label_and_overrides() {
        let v = Variant::parse("q70:policy.domestic_share.min=0.7;limits.budget=5").unwrap();
        assert_eq!(v.label, "q70");
        assert_eq!(v.sets.len(), 2);
        let v = Variant::parse("limits.budget=5").unwrap();
        assert_eq!(v.label, "limits.budget=5");
        assert!(Variant::parse("x:").is_err());
    }
}
