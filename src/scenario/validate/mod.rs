//! Checks a raw scenario against the format's rules and fills in defaults. Every problem
//! is collected (not just the first) with its field path and location.

mod discount;
mod removal;
mod resources;
mod sections;
mod systems;

use super::load::Sources;
use super::load::closest;
use super::locate::Seg;
use super::magnitude::MAX_FIGURE;
use super::precision::{Figures, tflops_at};
use super::raw::*;
use super::*;
use crate::error::{Diagnostic, ScenarioError};
use std::collections::{BTreeMap, BTreeSet};

/// Most accelerators one scenario may list.
pub const MAX_ACCELERATORS: usize = 1000;
/// Largest denominator allowed for a strict share (`min = p/q`).
pub const MAX_STRICT_DENOMINATOR: u64 = 10_000;
/// Largest installed fleet of one accelerator: far above any real fleet.
pub const MAX_UNITS: f64 = 1.0e9;
/// Largest purchase figure (caps, minimum orders, lots): the model's per-accelerator limit.
pub const MAX_ORDER_UNITS: f64 = super::magnitude::UNIT_CAP;

/// Earliest and latest year accepted in `periods` and `retire_year`.
pub const YEARS: std::ops::RangeInclusive<f64> = 1900.0..=2300.0;
/// Longest service life accepted.
pub const MAX_LIFETIME_YEARS: f64 = 1000.0;

/// Something allowed but probably not meant; printed on stderr, never fatal. Its
/// `Display` is the message alone (as plans list it); [`Warning::line`] places it.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// The file it is about: the scenario, its catalog, or `--set PATH=VALUE`.
    pub file: String,
    /// Line and column of the field, when the file has one.
    pub location: Option<crate::error::Location>,
    /// What is probably wrong, starting with the field path.
    pub message: String,
}

impl Warning {
    /// The warning as printed on stderr: `file:line:col: warning: message`.
    pub fn line(&self) -> String {
        match self.location {
            Some(l) => format!(
                "{}:{}:{}: warning: {}",
                self.file, l.line, l.column, self.message
            ),
            None => format!("{}: warning: {}", self.file, self.message),
        }
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

pub(super) struct Checker<'a> {
    pub(super) sources: &'a Sources<'a>,
    /// Paths dropped for a structural error already reported.
    pub(super) skipped: &'a [Vec<Seg>],
    pub(super) problems: Vec<Diagnostic>,
    pub(super) warnings: Vec<Warning>,
}

pub(super) fn key(k: &str) -> Seg {
    Seg::Key(k.to_string())
}

pub(super) fn path_of(parts: &[&str]) -> Vec<Seg> {
    parts.iter().map(|p| key(p)).collect()
}

/// A numeric range rule.
#[derive(Clone, Copy)]
pub(super) enum Range {
    NonNegative,
    Positive,
    Fraction,
    AtLeastOne,
    UnitInterval, // (0, 1]
}

impl Range {
    fn holds(self, v: f64) -> bool {
        match self {
            Range::NonNegative => v >= 0.0,
            Range::Positive => v > 0.0,
            Range::Fraction => (0.0..=1.0).contains(&v),
            Range::AtLeastOne => v >= 1.0,
            Range::UnitInterval => v > 0.0 && v <= 1.0,
        }
    }
    fn says(self) -> &'static str {
        match self {
            Range::NonNegative => "must be >= 0",
            Range::Positive => "must be > 0",
            Range::Fraction => "must be in [0, 1]",
            Range::AtLeastOne => "must be >= 1",
            Range::UnitInterval => "must be in (0, 1]",
        }
    }
}

/// Formats a number as the user would have written it.
pub fn show(v: f64) -> String {
    if v.is_nan() {
        ".nan".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        }
    } else if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else if v.abs() >= 1e15 || v.abs() < 1e-4 {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

impl<'a> Checker<'a> {
    pub(super) fn error(&mut self, path: &[Seg], message: String) {
        if self.skipped.iter().any(|s| path.starts_with(s)) {
            return;
        }
        let (file, location) = self.sources.place(path);
        self.problems.push(Diagnostic {
            file,
            location,
            message,
        });
    }

    /// A warning about the field at `path`, placed at its file, line and column.
    pub(super) fn warn_at(&mut self, path: &[Seg], message: String) {
        let (file, location) = self.sources.place(path);
        self.warnings.push(Warning {
            file,
            location,
            message,
        });
    }

    /// A finite number within `range`, or an error naming `name`.
    pub(super) fn number(
        &mut self,
        path: &[Seg],
        name: &str,
        value: Option<f64>,
        range: Range,
    ) -> Option<f64> {
        let v = value?;
        if !v.is_finite() || !range.holds(v) {
            self.error(path, format!("{name} {}, got {}", range.says(), show(v)));
            return None;
        }
        if v.abs() > MAX_FIGURE {
            self.error(
                path,
                format!(
                    "{name} must be at most {} (larger figures cannot be computed with exactly), got {}",
                    show(MAX_FIGURE),
                    show(v)
                ),
            );
            return None;
        }
        Some(v)
    }

    pub(super) fn required<T>(&mut self, path: &[Seg], name: &str, value: Option<T>) -> Option<T> {
        if value.is_none() {
            self.error(path, format!("{name} is required"));
        }
        value
    }

    /// A whole number of units within `[min, max]`.
    pub(super) fn whole(
        &mut self,
        path: &[Seg],
        name: &str,
        value: Option<f64>,
        min: f64,
        max: f64,
    ) -> Option<u64> {
        let v = value?;
        if !v.is_finite() || v < min || v.fract() != 0.0 || v > max {
            self.error(
                path,
                format!(
                    "{name} must be a whole number from {} to {}, got {}",
                    show(min),
                    show(max),
                    show(v)
                ),
            );
            return None;
        }
        Some(v as u64)
    }

    /// A value that must be the same every period: a per-year map is an error here (a
    /// scenario without `periods`).
    pub(super) fn scalar<T>(
        &mut self,
        path: &[Seg],
        name: &str,
        value: Option<Per<T>>,
    ) -> Option<T> {
        match value? {
            Per::One(v) => Some(v),
            Per::ByYear(_) => {
                self.error(
                    path,
                    format!("{name} is given per year, which needs `periods` (e.g. `periods: [2025, 2026]`) at the top level"),
                );
                None
            }
        }
    }

    /// A whole year within [`YEARS`].
    pub(super) fn year(&mut self, path: &[Seg], name: &str, v: f64) -> Option<i64> {
        if !v.is_finite() || v.fract() != 0.0 || !YEARS.contains(&v) {
            self.error(
                path,
                format!(
                    "{name} must be a year from {} to {}, got {}",
                    YEARS.start(),
                    YEARS.end(),
                    show(v)
                ),
            );
            return None;
        }
        Some(v as i64)
    }

    /// A field of section 2 (at `path`) that has no effect in a one-period scenario.
    fn unused_without_periods(&mut self, path: &[Seg], name: &str) {
        self.warn_at(
            path,
            format!("{name} is not used: without `periods` the scenario plans a single period"),
        );
    }
}

pub(super) fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
}

/// Validates a scenario of either form, section 1 (one site, one period) or section 2
/// (sites and periods): a file without `sites` has one site built from the top level, a
/// file without `periods` one period. Every problem found is reported, each with its place.
pub(crate) fn validate(
    raw: RawScenario,
    sources: &Sources,
    skipped: &[Vec<Seg>],
) -> Result<(super::national::National, Vec<Warning>), ScenarioError> {
    let mut c = Checker {
        sources,
        skipped,
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    sections::validate(&mut c, raw).map(|n| (n, c.warnings))
}

/// `name`: required, not blank.
pub(super) fn name_of(c: &mut Checker, name: Option<String>) -> String {
    match name {
        Some(n) if !n.trim().is_empty() => n,
        Some(_) => {
            c.error(&path_of(&["name"]), "name must not be empty".into());
            String::new()
        }
        None => {
            c.error(&[], "name is required".into());
            String::new()
        }
    }
}

/// `objective`: min_cost (default) or max_pflops.
pub(super) fn objective_of(c: &mut Checker, objective: Option<&str>) -> Objective {
    match objective {
        None | Some("min_cost") => Objective::MinCost,
        Some("max_pflops") => Objective::MaxPflops,
        Some(other) => {
            let hint = closest(other, &["min_cost", "max_pflops"])
                .map(|b| format!(" (did you mean `{b}`?)"))
                .unwrap_or_default();
            c.error(
                &path_of(&["objective"]),
                format!("objective must be min_cost or max_pflops, got `{other}`{hint}"),
            );
            Objective::MinCost
        }
    }
}

/// The `basis` and `strict` of a share rule at `base` (e.g. `policy.domestic_share`);
/// `inherited` gives the defaults a site override starts from.
pub(super) fn basis_of(
    c: &mut Checker,
    base: &[Seg],
    label: &str,
    basis: Option<&str>,
    strict: Option<bool>,
    inherited: Option<(ShareBasis, bool)>,
) -> (Option<ShareBasis>, bool) {
    let at = |f: &str| {
        let mut p = base.to_vec();
        p.push(key(f));
        p
    };
    let basis = match basis {
        None => Some(inherited.map_or(ShareBasis::Units, |i| i.0)),
        Some("units") => Some(ShareBasis::Units),
        Some("tflops") => Some(ShareBasis::Tflops),
        Some("spend") => Some(ShareBasis::Spend),
        Some(other) => {
            let hint = closest(other, &["units", "tflops", "spend"])
                .map(|b| format!(" (did you mean `{b}`?)"))
                .unwrap_or_default();
            c.error(
                &at("basis"),
                format!("{label}.basis must be units, tflops or spend, got `{other}`{hint}"),
            );
            None
        }
    };
    let strict = strict.unwrap_or(inherited.is_some_and(|i| i.1));
    if strict && basis.is_some_and(|b| b != ShareBasis::Units) {
        c.error(
            &at("strict"),
            format!("{label}.strict applies to basis units only"),
        );
    }
    (basis, strict)
}

/// A strict share's minimum must be a fraction p/q with a small q.
pub(super) fn strict_min(c: &mut Checker, path: &[Seg], name: &str, min: f64) {
    if strict_fraction(min).is_none() {
        c.error(
            path,
            format!(
                "{name} {} is not a fraction p/q with q <= {MAX_STRICT_DENOMINATOR}, which strict needs",
                show(min)
            ),
        );
    }
}

/// `costs.platform_adoption`: each cost >= 0; a platform no accelerator runs is a warning.
pub(super) fn adoption_costs(
    c: &mut Checker,
    raw: Option<BTreeMap<String, f64>>,
    accelerators: &[Accelerator],
) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for (platform, v) in raw.unwrap_or_default() {
        let p = path_of(&["costs", "platform_adoption", &platform]);
        let label = format!("costs.platform_adoption.{platform}");
        if let Some(v) = c.number(&p, &label, Some(v), Range::NonNegative) {
            if !accelerators
                .iter()
                .any(|a| a.platform.as_deref() == Some(&platform))
            {
                c.warn_at(
                    &p,
                    format!(
                        "{label} is not used: no accelerator of this scenario runs platform `{platform}`"
                    ),
                );
            }
            out.insert(platform, v);
        }
    }
    out
}

/// The `solver:` block with its defaults.
pub(super) fn solver_of(c: &mut Checker, raw: Option<RawSolver>) -> SolverSettings {
    let mut solver = SolverSettings {
        integer: true,
        mip_gap: 0.0,
        time_limit_s: 60.0,
    };
    if let Some(s) = raw {
        let f = |n: &str| path_of(&["solver", n]);
        solver.integer = s.integer.unwrap_or(true);
        if let Some(v) = c.number(&f("mip_gap"), "solver.mip_gap", s.mip_gap, Range::Fraction) {
            solver.mip_gap = v;
        }
        if let Some(v) = c.number(
            &f("time_limit_s"),
            "solver.time_limit_s",
            s.time_limit_s,
            Range::Positive,
        ) {
            solver.time_limit_s = v;
        }
    }
    solver
}

pub(super) fn accelerator(
    c: &mut Checker,
    i: usize,
    a: RawAccelerator,
    seen: &mut BTreeSet<String>,
) -> Option<Accelerator> {
    let base = vec![key("accelerators"), Seg::Index(i)];
    let at = |f: &str| {
        let mut p = base.clone();
        p.push(key(f));
        p
    };
    let id = match a.id {
        None => {
            c.error(&base, format!("accelerators[{i}].id is required"));
            None
        }
        Some(id) if !valid_id(&id) => {
            c.error(
                &at("id"),
                format!("accelerators[{i}].id `{id}` must use only a-z, 0-9, '.', '_' and '-'"),
            );
            None
        }
        Some(id) if seen.contains(&id) => {
            c.error(
                &at("id"),
                format!("accelerators[{i}].id `{id}` is listed twice"),
            );
            None
        }
        Some(id) => {
            seen.insert(id.clone());
            Some(id)
        }
    };
    let label_id = id.clone().unwrap_or_else(|| i.to_string());
    let l = |f: &str| format!("accelerators[{label_id}].{f}");

    let vendor = match c.required(&at("vendor"), &l("vendor"), a.vendor) {
        Some(v) if v.trim().is_empty() => {
            c.error(&at("vendor"), format!("{} must not be empty", l("vendor")));
            None
        }
        v => v,
    };
    let origin = match c.required(&at("origin"), &l("origin"), a.origin).as_deref() {
        Some("domestic") => Some(Origin::Domestic),
        Some("foreign") => Some(Origin::Foreign),
        Some(other) => {
            let hint = closest(other, &["domestic", "foreign"])
                .map(|b| format!(" (did you mean `{b}`?)"))
                .unwrap_or_default();
            c.error(
                &at("origin"),
                format!(
                    "{} must be domestic or foreign, got `{other}`{hint}",
                    l("origin")
                ),
            );
            None
        }
        None => None,
    };
    let price = c.required(&at("unit_price"), &l("unit_price"), a.unit_price);
    let price = c.scalar(&at("unit_price"), &l("unit_price"), price);
    let price = c.number(
        &at("unit_price"),
        &l("unit_price"),
        price,
        Range::NonNegative,
    );
    let tflops = c.required(&at("tflops"), &l("tflops"), a.tflops);
    let tflops_by = tflops.and_then(|t| tflops_figures(c, &at("tflops"), &l("tflops"), t));
    let power_w = c.number(&at("power_w"), &l("power_w"), a.power_w, Range::NonNegative);
    let memory_gb = c.number(
        &at("memory_gb"),
        &l("memory_gb"),
        a.memory_gb,
        Range::NonNegative,
    );
    let max_raw = c.scalar(&at("max_units"), &l("max_units"), a.max_units);
    let max_units = c.whole(
        &at("max_units"),
        &l("max_units"),
        max_raw,
        0.0,
        MAX_ORDER_UNITS,
    );
    let min_units = c.whole(
        &at("min_units"),
        &l("min_units"),
        a.min_units,
        0.0,
        MAX_ORDER_UNITS,
    );
    let lot_size = c.whole(
        &at("lot_size"),
        &l("lot_size"),
        a.lot_size,
        1.0,
        MAX_ORDER_UNITS,
    );
    let mut bad_efficiency = false;
    let mut efficiency = BTreeMap::new();
    for (class, v) in a.efficiency.unwrap_or_default() {
        let mut p = at("efficiency");
        p.push(key(&class));
        match c.number(
            &p,
            &l(&format!("efficiency.{class}")),
            Some(v),
            Range::NonNegative,
        ) {
            Some(v) => {
                efficiency.insert(class, v);
            }
            None => bad_efficiency = true,
        }
    }
    let platform = match a.platform {
        Some(p) if p.trim().is_empty() => {
            c.error(
                &at("platform"),
                format!("{} must not be empty", l("platform")),
            );
            None
        }
        p => p,
    };
    let available = c.scalar(&at("available"), &l("available"), a.available);
    if max_raw.is_some() && max_units.is_none()
        || a.min_units.is_some() && min_units.is_none()
        || a.lot_size.is_some() && lot_size.is_none()
        || a.power_w.is_some() && power_w.is_none()
        || a.memory_gb.is_some() && memory_gb.is_none()
        || bad_efficiency
    {
        return None;
    }
    let acc = Accelerator {
        id: id?,
        name: a.name,
        vendor: vendor?,
        origin: origin?,
        platform,
        unit_price: price?,
        tflops: tflops_at(tflops_by.as_ref()?, Precision::Bf16),
        tflops_by: tflops_by?,
        power_w: power_w.unwrap_or(0.0),
        memory_gb: memory_gb.unwrap_or(0.0),
        available: available.unwrap_or(true),
        max_units,
        min_units,
        lot_size: lot_size.unwrap_or(1),
        efficiency,
        source: a.source,
    };
    Some(acc)
}

/// A card's `tflops`, a number (bf16, > 0) or a map by precision (values >= 0, at least
/// one > 0); an unknown precision is an error at its key.
fn tflops_figures(c: &mut Checker, path: &[Seg], name: &str, raw: RawTflops) -> Option<Figures> {
    match raw {
        RawTflops::Bf16(v) => c
            .number(path, name, Some(v), Range::Positive)
            .map(|v| Figures::from([(Precision::Bf16, v)])),
        RawTflops::ByPrecision(map) => {
            let mut out = Figures::new();
            let mut ok = true;
            for (k, v) in map {
                let mut p = path.to_vec();
                p.push(key(&k));
                let field = format!("{name}.{k}");
                match Precision::parse(&k) {
                    Some(prec) => match c.number(&p, &field, Some(v), Range::NonNegative) {
                        Some(v) => {
                            out.insert(prec, v);
                        }
                        None => ok = false,
                    },
                    None => {
                        let hint = closest(&k, &Precision::NAMES)
                            .map(|b| format!(" (did you mean `{b}`?)"))
                            .unwrap_or_default();
                        c.error(
                            &p,
                            format!("{field}: `{k}` is not a precision; use fp4, fp8, bf16 or fp32{hint}"),
                        );
                        ok = false;
                    }
                }
            }
            if ok && !out.values().any(|v| *v > 0.0) {
                c.error(
                    path,
                    format!("{name} must give at least one figure > 0 (keys fp4, fp8, bf16, fp32)"),
                );
                ok = false;
            }
            ok.then_some(out)
        }
    }
}

/// `min` as a reduced fraction `p/q` with `q <= 10,000`, if it is one (within 1e-9).
pub fn strict_fraction(min: f64) -> Option<(u64, u64)> {
    (1..=MAX_STRICT_DENOMINATOR).find_map(|q| {
        let p = (min * q as f64).round();
        ((p / q as f64 - min).abs() <= 1e-9).then_some((p as u64, q))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_fractions_are_reduced() {
        assert_eq!(strict_fraction(0.5), Some((1, 2)));
        assert_eq!(strict_fraction(0.7), Some((7, 10)));
        assert_eq!(strict_fraction(2.0 / 3.0), Some((2, 3)));
        assert_eq!(strict_fraction(0.0), Some((0, 1)));
        assert_eq!(strict_fraction(1.0), Some((1, 1)));
        assert_eq!(strict_fraction(0.123456789), None);
    }

    #[test]
    fn numbers_show_as_written() {
        assert_eq!(show(-5.0), "-5");
        assert_eq!(show(0.25), "0.25");
        assert_eq!(show(f64::NAN), ".nan");
    }
}
