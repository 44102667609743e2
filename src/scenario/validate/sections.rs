//! The sections of a scenario, each checked by its own function (periods, accelerators,
//! policy, costs, limits, sites, then the rules across them), for every scenario: one
//! without `sites` has one site built from the top level, one without `periods` a single
//! period. Every per-period value is spelled out for every period.

use super::{
    Checker, MAX_LIFETIME_YEARS, MAX_ORDER_UNITS, MAX_UNITS, Range, accelerator, adoption_costs,
    basis_of, key, name_of, objective_of, path_of, solver_of, strict_min, valid_id,
};
use crate::error::ScenarioError;
use crate::scenario::load::closest;
use crate::scenario::locate::Seg;
use crate::scenario::national::{
    AcceleratorPeriods, EnergyDiscount, National, ShareRule, Site, SiteExisting,
};
use crate::scenario::raw::*;
use crate::scenario::*;
use std::collections::{BTreeMap, BTreeSet};

/// Most periods one scenario may have.
pub const MAX_PERIODS: usize = 50;
/// Most sites one scenario may have.
pub const MAX_SITES: usize = 100_000;

pub(super) fn child(path: &[Seg], k: &str) -> Vec<Seg> {
    let mut p = path.to_vec();
    p.push(key(k));
    p
}

/// A national cap on units per period (`max_units` of an accelerator or a system): whole
/// numbers, each checked at its own year's place when given per year; `None` per period
/// when not given at all, `None` overall when a value is wrong (already reported).
pub(super) fn unit_caps(
    c: &mut Checker,
    y: &Years,
    path: &[Seg],
    name: &str,
    raw: Option<Per<f64>>,
) -> Option<Vec<Option<u64>>> {
    let Some(m) = raw else {
        return Some(vec![None; y.years.len()]);
    };
    let by_year = matches!(m, Per::ByYear(_));
    let values = per(c, y, path, name, Some(m))?;
    let mut out = Vec::with_capacity(values.len());
    for (t, v) in values.into_iter().enumerate() {
        let (p, n) = if by_year {
            let year = y.years[t].to_string();
            (child(path, &year), format!("{name} ({year})"))
        } else {
            (path.to_vec(), name.to_string())
        };
        out.push(Some(c.whole(&p, &n, Some(v), 0.0, MAX_ORDER_UNITS)?));
    }
    Some(out)
}

/// The planning years, checked against the format.
pub(super) struct Years {
    pub(super) years: Vec<i64>,
    /// The file gave `periods` (a per-year map is allowed).
    pub(super) given: bool,
    /// `periods` itself has a problem (already reported): per-year maps are not checked
    /// against it, which would only repeat that problem.
    broken: bool,
}

impl Years {
    fn list(&self) -> String {
        self.years
            .iter()
            .map(|y| y.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A value for every period: a scalar repeated, or a per-year map that gives every period.
pub(super) fn per<T: Clone>(
    c: &mut Checker,
    y: &Years,
    path: &[Seg],
    name: &str,
    value: Option<Per<T>>,
) -> Option<Vec<T>> {
    match value? {
        Per::One(v) => Some(vec![v; y.years.len()]),
        // Refused with its place: a per-year map needs `periods`.
        Per::ByYear(m) if !y.given => c.scalar(path, name, Some(Per::ByYear(m))).map(|v| vec![v]),
        Per::ByYear(_) if y.broken => None,
        Per::ByYear(map) => {
            let mut ok = true;
            for year in map.keys() {
                if !y.years.contains(year) {
                    c.error(
                        &child(path, &year.to_string()),
                        format!(
                            "{name} gives a value for {year}, which is not one of the periods ({})",
                            y.list()
                        ),
                    );
                    ok = false;
                }
            }
            let missing: Vec<String> = y
                .years
                .iter()
                .filter(|year| !map.contains_key(year))
                .map(|year| year.to_string())
                .collect();
            if !missing.is_empty() {
                c.error(
                    path,
                    format!(
                        "{name} gives no value for {} (a per-year map must give every period: {})",
                        missing.join(", "),
                        y.list()
                    ),
                );
                ok = false;
            }
            ok.then(|| y.years.iter().map(|year| map[year].clone()).collect())
        }
    }
}

/// A number for every period, each within `range`.
pub(super) fn per_number(
    c: &mut Checker,
    y: &Years,
    path: &[Seg],
    name: &str,
    value: Option<Per<f64>>,
    range: Range,
) -> Option<Vec<f64>> {
    if let Some(Per::ByYear(_)) = &value
        && !y.given
    {
        return c.scalar(path, name, value).map(|v| vec![v]);
    }
    let by_year = matches!(value, Some(Per::ByYear(_)));
    let values = per(c, y, path, name, value)?;
    let mut ok = true;
    for (t, v) in values.iter().enumerate() {
        let (p, n) = if by_year {
            let year = y.years[t].to_string();
            (child(path, &year), format!("{name} ({year})"))
        } else {
            (path.to_vec(), name.to_string())
        };
        ok &= c.number(&p, &n, Some(*v), range).is_some();
        if !by_year && !ok {
            break;
        }
    }
    ok.then_some(values)
}

fn years_of(c: &mut Checker, raw: Option<Vec<serde_yaml::Value>>) -> Years {
    let Some(list) = raw else {
        return Years {
            years: vec![0],
            given: false,
            broken: false,
        };
    };
    let before = c.problems.len();
    let path = path_of(&["periods"]);
    let mut years = Vec::new();
    if list.is_empty() {
        c.error(&path, "periods must list at least one year".into());
    }
    if list.len() > MAX_PERIODS {
        c.error(
            &path,
            format!(
                "periods lists {} years; at most {MAX_PERIODS} are allowed",
                list.len()
            ),
        );
    }
    for (i, v) in list.iter().enumerate().take(MAX_PERIODS) {
        let p = vec![key("periods"), Seg::Index(i)];
        let Some(v) = v.as_f64() else {
            let shown = serde_yaml::to_string(v).unwrap_or_default();
            c.error(
                &p,
                format!("periods[{i}] must be a year, got `{}`", shown.trim()),
            );
            continue;
        };
        let Some(year) = c.year(&p, &format!("periods[{i}]"), v) else {
            continue;
        };
        if let Some(&last) = years.last()
            && year <= last
        {
            c.error(
                &p,
                format!("periods must be strictly increasing: {year} comes after {last}"),
            );
            continue;
        }
        years.push(year);
    }
    if years.is_empty() {
        years.push(0);
    }
    Years {
        years,
        given: true,
        broken: c.problems.len() > before,
    }
}

/// A share rule (`policy.domestic_share`, `policy.national_domestic_share` or a site's
/// override of the first).
fn share_rule(
    c: &mut Checker,
    y: &Years,
    (base, label): (&[Seg], &str),
    raw: RawDomesticShare,
    inherited: Option<&ShareRule>,
) -> Option<ShareRule> {
    let min_path = child(base, "min");
    let min_name = format!("{label}.min");
    // Which of the two the rule gives itself (a site's may inherit them).
    let own = (raw.min.is_some(), raw.strict.is_some());
    let min = match (raw.min, inherited) {
        (Some(m), _) => per_number(c, y, &min_path, &min_name, Some(m), Range::Fraction),
        (None, Some(rule)) => Some(rule.min.clone()),
        (None, None) => c.required(&min_path, &min_name, None),
    };
    let (basis, strict) = basis_of(
        c,
        base,
        label,
        raw.basis.as_deref(),
        raw.strict,
        inherited.map(|r| (r.basis, r.strict)),
    );
    if let (true, Some(mins)) = (strict, &min) {
        for &m in mins {
            strict_min(c, &min_path, &min_name, m);
        }
        strict_below_all(c, y, (base, label), own, mins);
    }
    Some(ShareRule {
        min: min?,
        basis: basis?,
        strict,
    })
}

/// `strict: true` asks for a share above `min`: with `min` 1 (in any period) that is above
/// 100%, which no fleet has. An error at the `min` that says 1 (the year's entry of a
/// per-year map), or at `strict` when the rule inherits its `min`; `(own_min, own_strict)`
/// say which the rule gives itself (a site rule that gives neither repeats the policy's,
/// which is reported there).
fn strict_below_all(
    c: &mut Checker,
    y: &Years,
    (base, label): (&[Seg], &str),
    (own_min, own_strict): (bool, bool),
    mins: &[f64],
) {
    if !own_min && !own_strict {
        return;
    }
    let min_path = child(base, "min");
    let same = mins.windows(2).all(|w| w[0] == w[1]);
    for (t, &m) in mins.iter().enumerate() {
        if m < 1.0 {
            continue;
        }
        let (path, field) = if !own_min {
            (child(base, "strict"), format!("{label}.strict"))
        } else if y.given && !same {
            let year = y.years[t].to_string();
            (child(&min_path, &year), format!("{label}.min ({year})"))
        } else {
            (min_path.clone(), format!("{label}.min"))
        };
        let inherited = if own_min {
            String::new()
        } else {
            " (its min of 1 is inherited from policy.domestic_share)".to_string()
        };
        c.error(
            &path,
            format!(
                "{field}: strict: true with min 1 asks for a share above 100%, which no fleet can have{inherited}; use strict: false for \"all of it\", or a min below 1"
            ),
        );
        if same {
            break;
        }
    }
}

/// Demand of one site (or of the top level when there are no sites).
struct SiteDemand {
    pflops: Option<Vec<f64>>,
    workloads: BTreeMap<String, Vec<f64>>,
    memory_tb: Option<Vec<f64>>,
    precision: Precision,
    workload_precision: BTreeMap<String, Precision>,
}

impl SiteDemand {
    /// No demand at all.
    fn none() -> SiteDemand {
        SiteDemand {
            pflops: None,
            workloads: BTreeMap::new(),
            memory_tb: None,
            precision: Precision::Bf16,
            workload_precision: BTreeMap::new(),
        }
    }
}

/// A precision as written (`fp8`), or an error at `path` naming `name`.
fn precision_of(c: &mut Checker, path: &[Seg], name: &str, text: &str) -> Option<Precision> {
    let p = Precision::parse(text);
    if p.is_none() {
        let hint = closest(text, &Precision::NAMES)
            .map(|b| format!(" (did you mean `{b}`?)"))
            .unwrap_or_default();
        c.error(
            path,
            format!("{name} must be fp4, fp8, bf16 or fp32, got `{text}`{hint}"),
        );
    }
    p
}

fn demand_of(c: &mut Checker, y: &Years, base: &[Seg], label: &str, d: RawDemand) -> SiteDemand {
    let at = |f: &str| child(base, f);
    let pflops = per_number(
        c,
        y,
        &at("pflops"),
        &format!("{label}.pflops"),
        d.pflops.clone(),
        Range::NonNegative,
    );
    let memory_tb = per_number(
        c,
        y,
        &at("memory_tb"),
        &format!("{label}.memory_tb"),
        d.memory_tb,
        Range::NonNegative,
    );
    let precision = d
        .precision
        .as_deref()
        .and_then(|text| precision_of(c, &at("precision"), &format!("{label}.precision"), text))
        .unwrap_or_default();
    let mut workloads = BTreeMap::new();
    let mut workload_precision = BTreeMap::new();
    if let Some(w) = d.workloads {
        if w.is_empty() {
            c.error(
                &at("workloads"),
                format!("{label}.workloads must name at least one workload class"),
            );
        }
        for (name, v) in w {
            let p = child(&at("workloads"), &name);
            let n = format!("{label}.workloads.{name}");
            let v = match v {
                RawWorkload::Plain(v) => v,
                RawWorkload::Spec(spec) => {
                    if let Some(text) = &spec.precision
                        && let Some(prec) = precision_of(
                            c,
                            &child(&p, "precision"),
                            &format!("{n}.precision"),
                            text,
                        )
                    {
                        workload_precision.insert(name.clone(), prec);
                    }
                    let pf = child(&p, "pflops");
                    match c.required(&pf, &format!("{n}.pflops"), spec.pflops) {
                        Some(v) => v,
                        None => continue,
                    }
                }
            };
            let p = match v {
                Per::One(_) if workload_precision.contains_key(&name) => child(&p, "pflops"),
                _ => p,
            };
            if let Some(v) = per_number(c, y, &p, &n, Some(v), Range::NonNegative) {
                workloads.insert(name, v);
            }
        }
        if d.pflops.is_some() {
            c.error(
                &at("workloads"),
                format!("{label} takes pflops or workloads, not both"),
            );
        }
    }
    SiteDemand {
        pflops,
        workloads,
        memory_tb,
        precision,
        workload_precision,
    }
}

fn existing_of(
    c: &mut Checker,
    y: &Years,
    base: &[Seg],
    label: &str,
    list: Vec<RawExisting>,
    named_ids: &[String],
    accelerators: &[Accelerator],
) -> (
    Vec<SiteExisting>,
    Vec<(usize, String, super::removal::Targets)>,
) {
    let mut out = Vec::new();
    let mut moves = Vec::new();
    for (i, e) in list.into_iter().enumerate() {
        let mut here = base.to_vec();
        here.push(Seg::Index(i));
        let at = |f: &str| child(&here, f);
        let l = |f: &str| format!("{label}[{i}].{f}");
        let id = c.required(&at("id"), &l("id"), e.id);
        let units = c.required(&at("units"), &l("units"), e.units);
        let units = c.whole(&at("units"), &l("units"), units, 0.0, MAX_UNITS);
        let retire_year = match e.retire_year {
            Some(r) => match c.year(&at("retire_year"), &l("retire_year"), r) {
                Some(_) if !y.given => {
                    c.warn_at(
                        &at("retire_year"),
                        format!(
                            "{} is not used: without `periods` the scenario plans a single period",
                            l("retire_year")
                        ),
                    );
                    None
                }
                year => year,
            },
            None => None,
        };
        let removal = match e.removal {
            Some(r) => match super::removal::removal_of(c, &at("removal"), &l_entry(label, i), r) {
                Some(r) => Some(r),
                None => continue,
            },
            None => None,
        };
        let Some(id) = id else { continue };
        match accelerators.iter().position(|a| a.id == id) {
            Some(index) => {
                if let Some(units) = units {
                    let removal = removal.map(|(r, targets)| {
                        if !targets.is_empty() {
                            moves.push((out.len(), l_entry(label, i), targets));
                        }
                        r
                    });
                    out.push(SiteExisting {
                        index,
                        units,
                        retire_year,
                        removal,
                    });
                }
            }
            None if named_ids.contains(&id) => {}
            None => {
                let candidates: Vec<&str> = accelerators.iter().map(|a| a.id.as_str()).collect();
                let hint = closest(&id, &candidates)
                    .map(|b| format!(" (did you mean `{b}`?)"))
                    .unwrap_or_default();
                c.error(
                    &at("id"),
                    format!(
                        "{} `{id}` is not an accelerator of this scenario{hint}",
                        l("id")
                    ),
                );
            }
        }
    }
    (out, moves)
}

/// How an `existing` entry is named in messages: `label[i]`.
fn l_entry(label: &str, i: usize) -> String {
    format!("{label}[{i}]")
}

/// Validates a section-2 scenario.
/// Validates a scenario, section by section: periods, accelerators, policy, costs, limits,
/// sites, then the rules across sections and the magnitudes of derived figures.
pub(super) fn validate(c: &mut Checker, raw: RawScenario) -> Result<National, ScenarioError> {
    let name = name_of(c, raw.name);
    let objective = objective_of(c, raw.objective.as_deref());
    let y = years_of(c, raw.periods);
    // With a residual value, lifetimes count even in a single period (bought at year 0).
    let residual = raw.costs.as_ref().and_then(|k| k.residual_value.as_deref())
        == Some(ResidualValue::StraightLine.as_str());
    let declared = super::resources::declared(c, &y, raw.resources);
    let (accelerators, per_period, named_ids, uses) =
        accelerators(c, &y, raw.accelerators, &declared, residual);
    let resources = super::resources::resolve(c, declared, &accelerators, uses);
    let systems = super::systems::systems_of(c, &y, raw.systems, &accelerators, &named_ids);
    let (policy_share, national_share) = policy(c, &y, raw.policy);
    let costs = costs(c, &y, raw.costs, &accelerators);
    let has_sites = raw.sites.is_some();
    let limits = limits(c, &y, raw.limits, has_sites);
    let top = TopLevel {
        sites: raw.sites,
        demand: raw.demand,
        existing: raw.existing,
        top_power: limits.top_power.clone(),
    };
    let (mut sites, moves) = sites(
        c,
        &y,
        top,
        (&named_ids, &accelerators),
        &costs,
        policy_share.as_ref(),
    );
    let any_moves = !moves.is_empty();
    super::removal::resolve(c, &mut sites, moves, has_sites);
    if costs.relocation_per_unit > 0.0 && !any_moves {
        c.warn_at(
            &path_of(&["costs", "relocation_per_unit"]),
            "costs.relocation_per_unit is not used: no existing entry lists removal.move_to".into(),
        );
    }
    let solver = solver_of(c, raw.solver);
    cross_field(c, (objective, &y), &limits, &sites, &accelerators);
    if !c.problems.is_empty() {
        return Err(ScenarioError::Invalid(std::mem::take(&mut c.problems)));
    }
    let nat = National {
        name,
        description: raw.description,
        currency: raw.currency.unwrap_or_else(|| "USD".to_string()),
        objective,
        years: y.years,
        has_periods: y.given,
        has_sites,
        accelerators,
        per_period,
        sites,
        national_share,
        budget: limits.budget,
        capex_budget: limits.capex_budget,
        vendor_max_share: limits.vendor_max_share,
        utilization: costs.utilization,
        opex_years: costs.opex_years,
        discount_rate: costs.discount_rate,
        residual_value: costs.residual_value,
        platform_adoption: costs.platform_adoption,
        solver,
        resources,
        relocation_per_unit: costs.relocation_per_unit,
        systems,
        cost_cap: None,
        futures: None,
    };
    crate::scenario::magnitude::check(c, &nat, &costs.energy);
    if !c.problems.is_empty() {
        return Err(ScenarioError::Invalid(std::mem::take(&mut c.problems)));
    }
    crate::scenario::plausible::check(c, &nat, &costs.energy, costs.pue);
    Ok(nat)
}

/// What [`accelerators`] gives: the valid entries, their per-period values, every id the
/// file names, and each valid entry's `uses` (by resource position).
type Accelerators = (
    Vec<Accelerator>,
    Vec<AcceleratorPeriods>,
    Vec<String>,
    Vec<BTreeMap<usize, f64>>,
);

/// The accelerators, with the values that change by period spelled out for every period
/// (the fixed fields are checked by [`accelerator`], as for any scenario); and every id
/// the file names, valid entry or not, so `existing` is not blamed for an accelerator
/// whose own entry has a problem.
fn accelerators(
    c: &mut Checker,
    y: &Years,
    raw: Option<Vec<RawAccelerator>>,
    declared: &[super::resources::Declared],
    residual: bool,
) -> Accelerators {
    let raw_accs = raw.unwrap_or_default();
    if raw_accs.is_empty() {
        c.error(
            &path_of(&["accelerators"]),
            "accelerators is required and must list at least one accelerator".into(),
        );
    }
    if raw_accs.len() > super::MAX_ACCELERATORS {
        c.error(
            &path_of(&["accelerators"]),
            format!(
                "accelerators lists {} entries; at most {} are allowed",
                raw_accs.len(),
                super::MAX_ACCELERATORS
            ),
        );
    }
    let named_ids: Vec<String> = raw_accs.iter().filter_map(|a| a.id.clone()).collect();
    let mut seen = BTreeSet::new();
    let mut accelerators = Vec::new();
    let mut per_period = Vec::new();
    let mut uses = Vec::new();
    for (i, mut a) in raw_accs
        .into_iter()
        .enumerate()
        .take(super::MAX_ACCELERATORS)
    {
        let base = vec![key("accelerators"), Seg::Index(i)];
        let label = format!(
            "accelerators[{}]",
            a.id.clone().unwrap_or_else(|| i.to_string())
        );
        let at = |f: &str| child(&base, f);
        let l = |f: &str| format!("{label}.{f}");
        let used = super::resources::uses_of(c, &at("uses"), &l("uses"), a.uses.take(), declared);
        let had_price = a.unit_price.is_some();
        let price = per_number(
            c,
            y,
            &at("unit_price"),
            &l("unit_price"),
            a.unit_price.take(),
            Range::NonNegative,
        );
        let max_units = unit_caps(c, y, &at("max_units"), &l("max_units"), a.max_units.take());
        let available = match a.available.take() {
            None => Some(vec![true; y.years.len()]),
            v => per(c, y, &at("available"), &l("available"), v),
        };
        let lifetime = match a.lifetime_years.take() {
            None => Some(None),
            Some(v) => c
                .whole(
                    &at("lifetime_years"),
                    &l("lifetime_years"),
                    Some(v),
                    1.0,
                    MAX_LIFETIME_YEARS,
                )
                .map(Some),
        };
        if !y.given && !residual && matches!(lifetime, Some(Some(_))) {
            c.unused_without_periods(&at("lifetime_years"), &l("lifetime_years"));
        }
        // The fixed fields, checked as in section 1 (the per-period ones were checked above).
        if had_price {
            a.unit_price = Some(Per::One(price.as_ref().map_or(0.0, |p| p[0])));
        }
        if let Some(acc) = accelerator(c, i, a, &mut seen)
            && let (Some(unit_price), Some(max_units), Some(available), Some(lifetime_years)) =
                (price, max_units, available, lifetime)
        {
            min_above_cap(c, y, &at("min_units"), &acc, (&max_units, &available));
            accelerators.push(acc);
            uses.push(used);
            per_period.push(AcceleratorPeriods {
                unit_price,
                max_units,
                available,
                lifetime_years,
            });
        }
    }

    (accelerators, per_period, named_ids, uses)
}

/// A warning when `min_units` is above what `max_units` allows in whole lots, in a period
/// the accelerator is available: no new units of it can be bought then.
fn min_above_cap(
    c: &mut Checker,
    y: &Years,
    path: &[Seg],
    acc: &Accelerator,
    (max_units, available): (&[Option<u64>], &[bool]),
) {
    let Some(min) = acc.min_units else { return };
    let lot = acc.lot_size.max(1);
    let blocked: Vec<usize> = (0..y.years.len())
        .filter(|&t| available[t] && max_units[t].is_some_and(|m| min > m - m % lot))
        .collect();
    let Some(&first) = blocked.first() else {
        return;
    };
    let when = if y.given {
        let years: Vec<String> = blocked.iter().map(|&t| y.years[t].to_string()).collect();
        format!(" in {}", years.join(", "))
    } else {
        String::new()
    };
    c.warn_at(
        path,
        format!(
            "accelerators[{}]: min_units {min} is above what max_units {} allows in lots of {lot}: no new units can be bought{when}",
            acc.id,
            max_units[first].unwrap_or(0),
        ),
    );
}

/// The share rules: `policy.domestic_share` (every site's, unless it overrides it) and
/// `policy.national_domestic_share`.
fn policy(
    c: &mut Checker,
    y: &Years,
    raw: Option<RawPolicy>,
) -> (Option<ShareRule>, Option<ShareRule>) {
    let mut policy_share = None;
    let mut national_share = None;
    if let Some(p) = raw {
        if let Some(ds) = p.domestic_share {
            let base = path_of(&["policy", "domestic_share"]);
            policy_share = share_rule(c, y, (&base, "policy.domestic_share"), ds, None);
        }
        if let Some(ds) = p.national_domestic_share {
            let base = path_of(&["policy", "national_domestic_share"]);
            national_share = share_rule(c, y, (&base, "policy.national_domestic_share"), ds, None);
        }
    }

    (policy_share, national_share)
}

/// What the costs section gives, with its defaults.
struct CostSection {
    energy: Vec<f64>,
    pue: f64,
    utilization: f64,
    opex_years: f64,
    discount_rate: f64,
    residual_value: ResidualValue,
    platform_adoption: BTreeMap<String, f64>,
    energy_discount: Option<EnergyDiscount>,
    relocation_per_unit: f64,
}

/// `costs`: energy price per period, PUE, utilisation, years of opex, discount rate and
/// platform adoption costs.
fn costs(
    c: &mut Checker,
    y: &Years,
    raw: Option<RawCosts>,
    accelerators: &[Accelerator],
) -> CostSection {
    let costs = raw.unwrap_or(RawCosts {
        energy_price_per_kwh: None,
        pue: None,
        utilization: None,
        opex_years: None,
        platform_adoption: None,
        discount_rate: None,
        residual_value: None,
        domestic_energy_discount: None,
        relocation_per_unit: None,
    });
    let f = |n: &str| path_of(&["costs", n]);
    let energy = per_number(
        c,
        y,
        &f("energy_price_per_kwh"),
        "costs.energy_price_per_kwh",
        costs.energy_price_per_kwh,
        Range::NonNegative,
    )
    .unwrap_or_else(|| vec![0.0; y.years.len()]);
    let pue = c
        .number(&f("pue"), "costs.pue", costs.pue, Range::AtLeastOne)
        .unwrap_or(1.0);
    let utilization = c
        .number(
            &f("utilization"),
            "costs.utilization",
            costs.utilization,
            Range::UnitInterval,
        )
        .unwrap_or(1.0);
    let opex_years = c
        .number(
            &f("opex_years"),
            "costs.opex_years",
            costs.opex_years,
            Range::NonNegative,
        )
        .unwrap_or(0.0);
    let discount_rate = c
        .number(
            &f("discount_rate"),
            "costs.discount_rate",
            costs.discount_rate,
            Range::Fraction,
        )
        .unwrap_or(0.0);
    let residual_value = residual_value_of(c, costs.residual_value.as_deref(), opex_years);
    let energy_discount = super::discount::top(
        c,
        &f("domestic_energy_discount"),
        costs.domestic_energy_discount,
    );
    if costs.discount_rate.is_some() && !y.given && residual_value == ResidualValue::None {
        c.warn_at(
            &f("discount_rate"),
            "costs.discount_rate is not used: without `periods` the scenario plans a single period"
                .into(),
        );
    }
    let platform_adoption = adoption_costs(c, costs.platform_adoption, accelerators);
    let relocation_per_unit =
        super::removal::relocation_of(c, &f("relocation_per_unit"), costs.relocation_per_unit);

    CostSection {
        relocation_per_unit,
        energy,
        pue,
        utilization,
        opex_years,
        discount_rate,
        residual_value,
        platform_adoption,
        energy_discount,
    }
}

/// `costs.residual_value`: `none` (default) or `straight_line`, which needs
/// `opex_years > 0` (a card bought in the last period would otherwise be credited its
/// whole price, and be free).
fn residual_value_of(c: &mut Checker, raw: Option<&str>, opex_years: f64) -> ResidualValue {
    let at = path_of(&["costs", "residual_value"]);
    let value = match raw {
        None => return ResidualValue::None,
        Some(v) => ResidualValue::ALL.into_iter().find(|r| r.as_str() == v),
    };
    let Some(value) = value else {
        let other = raw.unwrap_or_default();
        let names = ResidualValue::ALL.map(ResidualValue::as_str);
        let hint = closest(other, &names)
            .map(|b| format!(" (did you mean `{b}`?)"))
            .unwrap_or_default();
        c.error(
            &at,
            format!("costs.residual_value must be none or straight_line, got `{other}`{hint}"),
        );
        return ResidualValue::None;
    };
    if value == ResidualValue::StraightLine && opex_years <= 0.0 {
        c.error(
            &at,
            format!(
                "costs.residual_value: straight_line needs costs.opex_years > 0 (got {}): the last period would cover no years and its cards would be credited their whole price",
                super::show(opex_years)
            ),
        );
    }
    value
}

/// What the limits section gives: national budgets per period, the vendor cap, and the
/// power limit of the one site a file without `sites` has.
struct LimitSection {
    budget: Option<Vec<f64>>,
    capex_budget: Option<Vec<f64>>,
    vendor_max_share: Option<f64>,
    top_power: Option<Vec<f64>>,
}

/// `limits`.
fn limits(c: &mut Checker, y: &Years, raw: Option<RawLimits>, has_sites: bool) -> LimitSection {
    let mut budget = None;
    let mut capex_budget = None;
    let mut vendor_max_share = None;
    let mut top_power = None;
    if let Some(l) = raw {
        let f = |n: &str| path_of(&["limits", n]);
        budget = per_number(
            c,
            y,
            &f("budget"),
            "limits.budget",
            l.budget,
            Range::NonNegative,
        );
        capex_budget = per_number(
            c,
            y,
            &f("capex_budget"),
            "limits.capex_budget",
            l.capex_budget,
            Range::NonNegative,
        );
        vendor_max_share = c.number(
            &f("vendor_max_share"),
            "limits.vendor_max_share",
            l.vendor_max_share,
            Range::Fraction,
        );
        if has_sites && l.power_kw.is_some() {
            c.error(
                &f("power_kw"),
                "limits.power_kw belongs to each site when `sites` is given: write it as sites[ID].power_kw".into(),
            );
        } else {
            top_power = per_number(
                c,
                y,
                &f("power_kw"),
                "limits.power_kw",
                l.power_kw,
                Range::NonNegative,
            );
        }
    }

    LimitSection {
        budget,
        capex_budget,
        vendor_max_share,
        top_power,
    }
}

/// The top-level fields that belong to sites: the sites themselves, or the one site's
/// demand, installed fleet and power limit.
struct TopLevel {
    sites: Option<Vec<RawSite>>,
    demand: Option<RawDemand>,
    existing: Option<Vec<RawExisting>>,
    top_power: Option<Vec<f64>>,
}

/// The sites: those of `sites`, or one built from the top-level `demand`, `existing` and
/// `limits.power_kw` when the file has none. Each inherits the energy price, PUE and share
/// rule it does not override.
fn sites(
    c: &mut Checker,
    y: &Years,
    raw: TopLevel,
    (named_ids, accelerators): (&[String], &[Accelerator]),
    costs: &CostSection,
    policy_share: Option<&ShareRule>,
) -> (Vec<Site>, Vec<PendingMoves>) {
    let (energy, pue) = (&costs.energy, costs.pue);
    let top_power = raw.top_power;
    let mut sites = Vec::new();
    let mut pending: Vec<PendingMoves> = Vec::new();
    match raw.sites {
        Some(list) => {
            if raw.demand.is_some() {
                c.error(
                    &path_of(&["demand"]),
                    "demand belongs to each site when `sites` is given: write it as sites[ID].demand".into(),
                );
            }
            if raw.existing.is_some() {
                c.error(
                    &path_of(&["existing"]),
                    "existing belongs to each site when `sites` is given: write it as sites[ID].existing".into(),
                );
            }
            if list.is_empty() {
                c.error(
                    &path_of(&["sites"]),
                    "sites must list at least one site".into(),
                );
            }
            if list.len() > MAX_SITES {
                c.error(
                    &path_of(&["sites"]),
                    format!(
                        "sites lists {} entries; at most {MAX_SITES} are allowed",
                        list.len()
                    ),
                );
            }
            let mut ids = BTreeSet::new();
            for (i, s) in list.into_iter().enumerate().take(MAX_SITES) {
                let base = vec![key("sites"), Seg::Index(i)];
                let at = |f: &str| child(&base, f);
                let id = match s.id {
                    None => {
                        c.error(&base, format!("sites[{i}].id is required"));
                        None
                    }
                    Some(id) if !valid_id(&id) => {
                        c.error(
                            &at("id"),
                            format!(
                                "sites[{i}].id `{id}` must use only a-z, 0-9, '.', '_' and '-'"
                            ),
                        );
                        None
                    }
                    Some(id) if !ids.insert(id.clone()) => {
                        c.error(&at("id"), format!("sites[{i}].id `{id}` is listed twice"));
                        None
                    }
                    Some(id) => Some(id),
                };
                let label = format!("sites[{}]", id.clone().unwrap_or_else(|| i.to_string()));
                let l = |f: &str| format!("{label}.{f}");
                let demand = s
                    .demand
                    .map(|d| demand_of(c, y, &at("demand"), &l("demand"), d));
                let (existing, moves) = existing_of(
                    c,
                    y,
                    &at("existing"),
                    &l("existing"),
                    s.existing.unwrap_or_default(),
                    named_ids,
                    accelerators,
                );
                let power_kw = per_number(
                    c,
                    y,
                    &at("power_kw"),
                    &l("power_kw"),
                    s.power_kw,
                    Range::NonNegative,
                );
                let energy_price = match s.energy_price_per_kwh {
                    None => Some(energy.clone()),
                    v => per_number(
                        c,
                        y,
                        &at("energy_price_per_kwh"),
                        &l("energy_price_per_kwh"),
                        v,
                        Range::NonNegative,
                    ),
                };
                let site_pue = match s.pue {
                    None => Some(pue),
                    v => c.number(&at("pue"), &l("pue"), v, Range::AtLeastOne),
                };
                let share = match s.domestic_share {
                    None => policy_share.cloned(),
                    Some(d) => share_rule(
                        c,
                        y,
                        (&at("domestic_share"), &l("domestic_share")),
                        d,
                        policy_share,
                    ),
                };
                let discount = super::discount::site(
                    c,
                    (&at("domestic_energy_discount"), &label),
                    s.domestic_energy_discount,
                    costs.energy_discount.as_ref(),
                );
                if let (Some(id), Some(energy_price_per_kwh), Some(pue)) =
                    (id, energy_price, site_pue)
                {
                    let d = demand.unwrap_or_else(SiteDemand::none);
                    let at_site = sites.len();
                    pending.extend(moves.into_iter().map(|(e, l, t)| (at_site, e, l, t)));
                    sites.push(Site {
                        id,
                        name: s.name,
                        pflops: d.pflops,
                        workloads: d.workloads,
                        memory_tb: d.memory_tb,
                        precision: d.precision,
                        workload_precision: d.workload_precision,
                        existing,
                        power_kw,
                        energy_price_per_kwh,
                        pue,
                        domestic_share: share,
                        domestic_energy_discount: discount,
                    });
                }
            }
        }
        None => {
            let d = raw
                .demand
                .map(|d| demand_of(c, y, &path_of(&["demand"]), "demand", d))
                .unwrap_or_else(SiteDemand::none);
            let (existing, moves) = existing_of(
                c,
                y,
                &path_of(&["existing"]),
                "existing",
                raw.existing.unwrap_or_default(),
                named_ids,
                accelerators,
            );
            pending.extend(moves.into_iter().map(|(e, l, t)| (0, e, l, t)));
            sites.push(Site {
                id: "site".into(),
                name: None,
                pflops: d.pflops,
                workloads: d.workloads,
                memory_tb: d.memory_tb,
                precision: d.precision,
                workload_precision: d.workload_precision,
                existing,
                power_kw: top_power,
                energy_price_per_kwh: energy.clone(),
                pue,
                domestic_share: policy_share.cloned(),
                domestic_energy_discount: costs.energy_discount,
            });
        }
    }

    (sites, pending)
}

/// An entry whose `move_to` waits for every site: (site position, entry position, label,
/// the sites it names).
type PendingMoves = (usize, usize, String, super::removal::Targets);

/// Rules across sections: what `objective: max_pflops` needs, and efficiencies of workload
/// classes no site asks for (a warning).
fn cross_field(
    c: &mut Checker,
    (objective, y): (Objective, &Years),
    limits: &LimitSection,
    sites: &[Site],
    accelerators: &[Accelerator],
) {
    let (budget, capex_budget) = (&limits.budget, &limits.capex_budget);
    if objective == Objective::MaxPflops {
        if budget.is_none() && capex_budget.is_none() {
            c.error(
                &path_of(&["objective"]),
                "objective max_pflops needs limits.budget or limits.capex_budget".into(),
            );
        }
        if y.given {
            c.error(
                &path_of(&["objective"]),
                "objective max_pflops is not allowed with `periods` (it would trade one year's capacity against another's)".into(),
            );
        }
        if sites.iter().any(|s| !s.workloads.is_empty()) {
            c.error(
                &path_of(&["objective"]),
                "objective max_pflops works with demand.pflops or no demand, not demand.workloads"
                    .into(),
            );
        }
    }
    let classes: BTreeSet<&String> = sites.iter().flat_map(|s| s.workloads.keys()).collect();
    // Warnings are shown only for a valid scenario, whose accelerators are the file's.
    for (i, a) in accelerators.iter().enumerate() {
        for class in a.efficiency.keys() {
            if !classes.contains(class) {
                let path = vec![
                    key("accelerators"),
                    Seg::Index(i),
                    key("efficiency"),
                    key(class),
                ];
                c.warn_at(&path, format!(
                    "accelerators[{}].efficiency.{class} is not used: no site's demand has workload class `{class}`",
                    a.id
                ));
            }
        }
    }
}
