//! A saved plan's stated figures held against the plan its purchases give: the plan
//! builder is run on the checker's evaluation of the purchases (the same code that wrote
//! the plan), and every figure the saved JSON states is compared with the rebuilt one, by
//! its JSON path. One walk serves single-site and national plans alike.
//!
//! Two kinds of finding, kept apart because they mean different things:
//! - **unreadable**: the plan is not in the contract's shape: a string, array, object or
//!   boolean where a number is due (and the like), or `null` where the plan always has a
//!   value. The plan cannot be read, so nothing is judged (bad input).
//! - **problems**: a figure of the right type whose value is not what the purchases give,
//!   a status the purchases contradict, a `bound` or `gap` that cannot be, rows missing
//!   from or foreign to a stated list.
//!
//! Only what is stated is checked: a field the plan leaves out is fine. Fields the
//! contract does not know are left alone, and so is prose (`conflicts`, `warnings`,
//! `message`, `sources`) and labels (`scenario`, `solver`, `name`).

use crate::check::TOLERANCE;
use crate::check::national::{NationalEvaluation, evaluate_all};
use crate::plan::{Plan, Purchase, Status};
use crate::scenario::national::{FleetChange, National, SystemBuy};
use crate::solve::relative_gap;
use serde_json::{Map, Value};

pub mod futures;

/// What the comparison found.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    /// The plan is not in the contract's shape (each names the JSON path).
    pub unreadable: Vec<String>,
    /// Stated figures that are not what the purchases give (each names the JSON path).
    pub problems: Vec<String>,
}

/// What a field must hold.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A number, compared with the rebuilt one within the checker's tolerance.
    Number,
    /// A string, compared with the rebuilt one.
    Text,
    /// A string that is a label only (type-checked, not compared).
    Label,
    /// `true` or `false`, compared.
    Flag,
    /// A list of names, compared as a set.
    Names,
    /// The domestic-share object.
    Share,
    /// A list of rows keyed by `id`, each of the given fields.
    RowsById(&'static [(&'static str, Kind)]),
    /// A list of rows keyed by `period`, each of the given fields.
    RowsByPeriod(&'static [(&'static str, Kind)]),
}

use Kind::*;

const SHARE: &[(&str, Kind)] = &[
    ("basis", Text),
    ("value", Number),
    ("min", Number),
    ("strict", Flag),
];

const FLEET: &[(&str, Kind)] = &[
    ("name", Label),
    ("vendor", Text),
    ("origin", Text),
    ("units", Number),
    ("existing", Number),
    ("new", Number),
    ("pflops", Number),
    ("facility_kw", Number),
];

const COUNT: &[(&str, Kind)] = &[("units", Number), ("existing", Number), ("new", Number)];

const SITE_PERIOD: &[(&str, Kind)] = &[
    ("new_units", Number),
    ("fleet_units", Number),
    ("pflops", Number),
    ("demand_pflops", Number),
    ("memory_tb", Number),
    ("facility_kw", Number),
    ("power_kw", Number),
    ("domestic_share", Share),
    ("capex", Number),
    ("opex", Number),
    ("energy_discount", Flag),
    ("fleet", RowsById(COUNT)),
    ("binding", Names),
];

const SITE: &[(&str, Kind)] = &[
    ("name", Label),
    ("new_units", Number),
    ("capex", Number),
    ("opex", Number),
    ("periods", RowsByPeriod(SITE_PERIOD)),
];

const PERIOD: &[(&str, Kind)] = &[
    ("span_years", Number),
    ("discount_factor", Number),
    ("new_units", Number),
    ("fleet_units", Number),
    ("pflops", Number),
    ("demand_pflops", Number),
    ("memory_tb", Number),
    ("facility_kw", Number),
    ("domestic_share", Share),
    ("capex", Number),
    ("opex", Number),
    ("adoption", Number),
    ("removal", Number),
    ("discounted_cost", Number),
    ("budget", Number),
    ("capex_budget", Number),
    ("binding", Names),
];

const RESOURCE_PERIOD: &[(&str, Kind)] = &[("used", Number), ("cap", Number)];

const RESOURCE: &[(&str, Kind)] = &[("name", Label), ("periods", RowsByPeriod(RESOURCE_PERIOD))];

/// The top level, but for `status`, `bound`, `gap` and `purchases` (checked on their own).
const TOP: &[(&str, Kind)] = &[
    ("scenario", Label),
    ("objective", Text),
    ("currency", Text),
    ("solver", Label),
    ("total_cost", Number),
    ("capex", Number),
    ("opex", Number),
    ("adoption", Number),
    ("residual", Number),
    ("energy_discount", Number),
    ("removal", Number),
    ("pflops", Number),
    ("memory_tb", Number),
    ("facility_kw", Number),
    ("domestic_share", Share),
    ("fleet", RowsById(FLEET)),
    ("adopted_platforms", Names),
    ("binding", Names),
    ("sites", RowsById(SITE)),
    ("periods", RowsByPeriod(PERIOD)),
    ("resources", RowsById(RESOURCE)),
];

/// The fields of a purchase row compared here (`id`, `units`, `site` and `period` are the
/// decision, read before).
const PURCHASE: &[(&str, Kind)] = &[
    ("name", Label),
    ("vendor", Text),
    ("origin", Text),
    ("cost", Number),
    ("pflops", Number),
];

/// Compares the saved plan `stated` with `rebuilt`, the plan its purchases give (built by
/// the plan builder from the checker's evaluation). `rows[k]` is the row purchase `k` of
/// the saved plan should be (its units at the scenario's price); `broken` is the number of
/// rules the purchases break.
pub fn compare(stated: &Value, rebuilt: &Plan, rows: &[Purchase], broken: usize) -> Findings {
    let mut w = Walk::default();
    let Some(top) = stated.as_object() else {
        w.unreadable.push("the plan is not a JSON object".into());
        return w.findings();
    };
    let expected = serde_json::to_value(rebuilt).unwrap_or(Value::Null);
    let status = w.status(top, broken);
    // A plan without a plan (infeasible, unbounded, error) is written with null figures and
    // empty lists: those say nothing and are not compared.
    w.lenient = status.is_some_and(|s| !s.has_plan());
    w.fields("", top, &expected, TOP);
    w.bound_and_gap(top, rebuilt, status);
    if let Some(list) = top.get("purchases").and_then(Value::as_array) {
        for (k, (row, want)) in list.iter().zip(rows).enumerate() {
            let (Some(row), Ok(want)) = (row.as_object(), serde_json::to_value(want)) else {
                continue;
            };
            let path = format!("purchases[{k}]");
            let why = |field: &str| match field {
                "cost" | "pflops" if rows[k].system.is_some() => format!(
                    "{} systems {} of {} {}",
                    rows[k].units,
                    rows[k].system.as_deref().unwrap_or(""),
                    rows[k].id,
                    if field == "cost" { "cost" } else { "give" }
                ),
                "cost" => format!("{} units of {} cost", rows[k].units, rows[k].id),
                "pflops" => format!("{} units of {} give", rows[k].units, rows[k].id),
                _ => format!("accelerator {} is", rows[k].id),
            };
            for &(field, kind) in PURCHASE {
                if let Some(v) = row.get(field) {
                    let at = format!("{path}.{field}");
                    w.value(
                        &at,
                        v,
                        want.get(field).unwrap_or(&Value::Null),
                        kind,
                        &why(field),
                    );
                }
            }
        }
    }
    w.findings()
}

#[derive(Default)]
struct Walk {
    unreadable: Vec<String>,
    problems: Vec<String>,
    lenient: bool,
}

/// A JSON value as the plan shows it, for messages.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => format!("`{s}`"),
        other => other.to_string(),
    }
}

/// The JSON type of `v`, for messages.
fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

/// Whether two figures agree within the checker's tolerance (relative, or absolute below 1).
fn same(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOLERANCE * a.abs().max(b.abs()).max(1.0)
}

/// Plans write money to the cent, the parts of a total apportioned so that they add up to
/// it (see `render::figures`): each written amount is within a cent of the exact one.
const CENT: f64 = 0.01;

/// Whether a stated amount agrees with the rebuilt one: within the tolerance, or within
/// the cent a plan rounds it to.
fn same_money(stated: f64, exact: f64) -> bool {
    same(stated, exact) || (stated - exact).abs() <= CENT * (1.0 + 1e-9)
}

/// Whether the figure at `path` is money (`total_cost`, `purchases[h20].cost`,
/// `periods[2026].discounted_cost`, ...).
fn is_money(path: &str) -> bool {
    let field = path.rsplit('.').next().unwrap_or(path);
    matches!(
        field,
        "total_cost"
            | "capex"
            | "opex"
            | "adoption"
            | "residual"
            | "energy_discount"
            | "cost"
            | "discounted_cost"
            | "budget"
            | "capex_budget"
            | "bound"
    )
}

impl Walk {
    fn findings(self) -> Findings {
        Findings {
            unreadable: self.unreadable,
            problems: self.problems,
        }
    }

    fn wrong_type(&mut self, path: &str, due: &str, v: &Value) {
        self.unreadable
            .push(format!("{path} must be {due}, got {}", type_of(v)));
    }

    /// Checks the stated `status` against the contract and the purchases; returns it when
    /// it is one of the contract's.
    fn status(&mut self, top: &Map<String, Value>, broken: usize) -> Option<Status> {
        let v = top.get("status")?;
        let Some(text) = v.as_str() else {
            self.wrong_type("status", "a string", v);
            return None;
        };
        let Some(status) = Status::parse(text) else {
            self.problems.push(format!(
                "status `{text}` is not one of the contract's ({})",
                Status::names()
            ));
            return None;
        };
        if status.has_plan() && broken > 0 {
            self.problems.push(format!(
                "status states {text}, but the purchases break {broken} rule(s) of the scenario"
            ));
        }
        if status == Status::Infeasible && broken == 0 {
            self.problems.push(
                "status states infeasible, but the purchases meet every rule of the scenario"
                    .into(),
            );
        }
        Some(status)
    }

    /// `bound` and `gap`: numbers (or null); a lower bound on the cost cannot exceed the
    /// cost the purchases give (an upper bound on PFLOPS cannot be below their PFLOPS), and
    /// the gap is the relative distance between that value and the stated bound.
    fn bound_and_gap(&mut self, top: &Map<String, Value>, rebuilt: &Plan, status: Option<Status>) {
        let number = |w: &mut Walk, key: &str| -> Option<f64> {
            let v = top.get(key)?;
            match v {
                Value::Null => None,
                Value::Number(n) => n.as_f64(),
                other => {
                    w.wrong_type(key, "a number or null", other);
                    None
                }
            }
        };
        let bound = number(self, "bound");
        let gap = number(self, "gap");
        if status.is_some_and(|s| !s.has_plan()) {
            return;
        }
        let (value, what) = if rebuilt.maximises_pflops() {
            (rebuilt.pflops.unwrap_or(0.0), "PFLOPS")
        } else {
            (rebuilt.total_cost.unwrap_or(0.0), "total cost")
        };
        if let Some(b) = bound {
            if rebuilt.maximises_pflops() && b < value && !same(b, value) {
                self.problems.push(format!(
                    "bound states {b}, below the {value} PFLOPS the purchases give: an upper bound on PFLOPS cannot be below a plan's"
                ));
            }
            if !rebuilt.maximises_pflops() && b > value && !same_money(b, value) {
                self.problems.push(format!(
                    "bound states {b}, above the total cost {value} the purchases give: a lower bound on the cost cannot exceed a plan's"
                ));
            }
        }
        if let Some(g) = gap {
            if g < 0.0 {
                self.problems
                    .push(format!("gap states {g}, but a gap is never negative"));
            } else if let Some(b) = bound {
                let want = relative_gap(value, b);
                // A bound written to the cent moves the gap by up to a cent's worth.
                let cent = CENT / value.abs().max(b.abs()).max(CENT);
                if !same(g, want) && (g - want).abs() > cent * (1.0 + 1e-6) {
                    self.problems.push(format!(
                        "gap states {g}, but the {what} {value} and the stated bound {b} give {want}"
                    ));
                }
            }
        }
    }

    /// Compares the stated fields of one object (`fields` lists those the contract knows).
    fn fields(
        &mut self,
        path: &str,
        stated: &Map<String, Value>,
        expected: &Value,
        fields: &[(&str, Kind)],
    ) {
        for &(field, kind) in fields {
            if let Some(v) = stated.get(field) {
                let want = expected.get(field).unwrap_or(&Value::Null);
                self.value(
                    &join(path, field),
                    v,
                    want,
                    kind,
                    "the scenario and the plan's purchases give",
                );
            }
        }
    }

    /// Compares one stated value with the rebuilt one; `why` ends the message's second half
    /// (`... but {why} {expected}`).
    fn value(&mut self, path: &str, v: &Value, want: &Value, kind: Kind, why: &str) {
        // Null says "none": right where the rebuilt plan has none too, and in a plan without
        // a plan; elsewhere the plan always has a value there.
        if v.is_null() {
            if !want.is_null() && !self.lenient && kind != Label {
                self.unreadable.push(format!(
                    "{path} is null, but the plan always states it (its purchases give {})",
                    shown(want)
                ));
            }
            return;
        }
        match kind {
            Number => {
                let Some(x) = v.as_f64() else {
                    return self.wrong_type(path, "a number", v);
                };
                let agree = |x: f64, y: f64| {
                    if is_money(path) {
                        same_money(x, y)
                    } else {
                        same(x, y)
                    }
                };
                match want.as_f64() {
                    Some(y) if !agree(x, y) => self
                        .problems
                        .push(format!("{path} states {x}, but {why} {y}")),
                    Some(_) => {}
                    None => self.problems.push(format!(
                        "{path} states {x}, but there is none (the scenario and the purchases give null)"
                    )),
                }
            }
            Text | Label => {
                let Some(x) = v.as_str() else {
                    return self.wrong_type(path, "a string", v);
                };
                if kind == Text
                    && let Some(y) = want.as_str()
                    && x != y
                {
                    self.problems
                        .push(format!("{path} states `{x}`, but the scenario says `{y}`"));
                }
            }
            Flag => {
                let Some(x) = v.as_bool() else {
                    return self.wrong_type(path, "true or false", v);
                };
                if let Some(y) = want.as_bool()
                    && x != y
                {
                    self.problems
                        .push(format!("{path} states {x}, but the scenario says {y}"));
                }
            }
            Names => self.names(path, v, want),
            Share => match (v.as_object(), want) {
                (Some(o), _) => self.fields(path, o, want, SHARE),
                (None, _) => self.wrong_type(path, "an object", v),
            },
            RowsById(fields) => self.rows(path, v, want, "id", fields),
            RowsByPeriod(fields) => self.rows(path, v, want, "period", fields),
        }
    }

    /// A list of names, compared as a set.
    fn names(&mut self, path: &str, v: &Value, want: &Value) {
        let Some(list) = v.as_array() else {
            return self.wrong_type(path, "an array of strings", v);
        };
        let mut stated = Vec::new();
        for (k, item) in list.iter().enumerate() {
            match item.as_str() {
                Some(s) => stated.push(s.to_string()),
                None => return self.wrong_type(&format!("{path}[{k}]"), "a string", item),
            }
        }
        if self.lenient && stated.is_empty() {
            return;
        }
        let mut expected: Vec<String> = want
            .as_array()
            .map(|l| {
                l.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        stated.sort();
        stated.dedup();
        expected.sort();
        expected.dedup();
        if stated != expected {
            self.problems.push(format!(
                "{path} states [{}], but the plan's purchases give [{}]",
                stated.join(", "),
                expected.join(", ")
            ));
        }
    }

    /// A list of rows, matched with the rebuilt rows by `key` (`id`, or `period`).
    fn rows(&mut self, path: &str, v: &Value, want: &Value, key: &str, fields: &[(&str, Kind)]) {
        let Some(list) = v.as_array() else {
            return self.wrong_type(path, "an array of objects", v);
        };
        let expected: &[Value] = want.as_array().map_or(&[], Vec::as_slice);
        let mut matched = vec![false; expected.len()];
        for (k, row) in list.iter().enumerate() {
            let at = format!("{path}[{k}]");
            let Some(row) = row.as_object() else {
                self.wrong_type(&at, "an object", row);
                continue;
            };
            let id = row.get(key).unwrap_or(&Value::Null);
            let readable = match key {
                "id" => id.is_string(),
                _ => id.is_null() || id.is_i64(),
            };
            if !readable {
                let due = if key == "id" {
                    "a string"
                } else {
                    "a year (or null)"
                };
                self.wrong_type(&format!("{at}.{key}"), due, id);
                continue;
            }
            let Some(j) = expected.iter().position(|e| e.get(key) == Some(id)) else {
                self.problems.push(format!(
                    "{at} is for {key} {}, which has no row in the plan its purchases give",
                    shown(id)
                ));
                continue;
            };
            if std::mem::replace(&mut matched[j], true) {
                self.problems
                    .push(format!("{at}: {key} {} is listed twice", shown(id)));
                continue;
            }
            self.fields(&at, row, &expected[j], fields);
        }
        if self.lenient && list.is_empty() {
            return;
        }
        for (e, _) in expected.iter().zip(&matched).filter(|(_, m)| !**m) {
            let id = e.get(key).unwrap_or(&Value::Null);
            self.problems.push(format!(
                "{path} has no row for {key} {}, but the plan's purchases give one",
                shown(id)
            ));
        }
    }
}

/// Whether two costs agree within the checker's tolerance.
pub fn same_cost(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOLERANCE * a.abs().max(b.abs()).max(1.0)
}

/// Reads the purchases of a saved plan JSON of a many-site / many-period scenario: each
/// row needs `id` and `units`, plus `site` when the scenario has sites and `period` when
/// it has periods. Errors name the row and field.
pub fn read_saved_purchases(nat: &National, text: &str) -> Result<SavedNational, String> {
    let v: serde_json::Value =
        crate::files::parse_json(text).map_err(|e| format!("not a JSON plan: {e}"))?;
    let rows = v
        .get("purchases")
        .and_then(|p| p.as_array())
        .ok_or("the plan has no `purchases` list")?;
    let (na, ns, nt) = (nat.accelerators.len(), nat.sites.len(), nat.periods());
    let mut x = vec![vec![vec![0.0; na]; nt]; ns];
    let mut purchases = Vec::with_capacity(rows.len());
    let mut systems = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (k, row) in rows.iter().enumerate() {
        let id = row
            .get("id")
            .and_then(|x| x.as_str())
            .ok_or(format!("purchases[{k}].id is missing or not a string"))?;
        let units = row
            .get("units")
            .and_then(|x| x.as_f64())
            .filter(|u| u.is_finite())
            .ok_or(format!("purchases[{k}].units is missing or not a number"))?;
        let a = nat
            .accelerators
            .iter()
            .position(|a| a.id == id)
            .ok_or(format!(
                "purchases[{k}].id `{id}` is not an accelerator of the scenario"
            ))?;
        let s = if nat.has_sites {
            let site = row.get("site").and_then(|x| x.as_str()).ok_or(format!(
                "purchases[{k}].site is missing (the scenario has sites)"
            ))?;
            nat.sites.iter().position(|s| s.id == site).ok_or(format!(
                "purchases[{k}].site `{site}` is not a site of the scenario"
            ))?
        } else {
            0
        };
        let t = if nat.has_periods {
            let year = row.get("period").and_then(|x| x.as_i64()).ok_or(format!(
                "purchases[{k}].period is missing or not a year (the scenario has periods)"
            ))?;
            nat.years.iter().position(|y| *y == year).ok_or(format!(
                "purchases[{k}].period {year} is not a period of the scenario"
            ))?
        } else {
            0
        };
        // A whole system (section 6): `units` are systems of the named system, whose
        // cards must be of the row's accelerator.
        let system = match row.get("system") {
            None | Some(Value::Null) => None,
            Some(Value::String(name)) => {
                let b = nat
                    .systems
                    .iter()
                    .position(|b| &b.id == name)
                    .ok_or(format!(
                        "purchases[{k}].system `{name}` is not a system of the scenario"
                    ))?;
                if nat.systems[b].accelerator != a {
                    return Err(format!(
                        "purchases[{k}]: system `{name}` holds {}, not `{id}`",
                        nat.accelerators[nat.systems[b].accelerator].id
                    ));
                }
                Some(b)
            }
            Some(other) => {
                return Err(format!(
                    "purchases[{k}].system must be a system id, got {}",
                    type_of(other)
                ));
            }
        };
        let key = (a, s, t, system.map_or(0, |b| b + 1));
        if !seen.insert(key) {
            return Err(format!(
                "purchases[{k}] repeats {} at the same site and period",
                match system {
                    Some(b) => format!("system `{}`", nat.systems[b].id),
                    None => format!("accelerator `{id}`"),
                }
            ));
        }
        if let Some(b) = system {
            let sys = &nat.systems[b];
            systems.push(SystemBuy {
                system: b,
                site: s,
                period: t,
                units,
            });
            purchases.push(Purchase::of_system(
                &nat.accelerators[a],
                sys,
                nat.sites[s].precision,
                units,
                sys.price[t],
                nat.has_sites.then(|| nat.sites[s].id.clone()),
                nat.has_periods.then_some(nat.years[t]),
            ));
            continue;
        }
        x[s][t][a] = units;
        purchases.push(Purchase::new(
            &nat.accelerators[a],
            nat.sites[s].precision,
            units,
            nat.per_period[a].unit_price[t],
            nat.has_sites.then(|| nat.sites[s].id.clone()),
            nat.has_periods.then_some(nat.years[t]),
        ));
    }
    let (changes, stated_costs) = read_removals(nat, &v)?;
    Ok(SavedNational {
        x,
        rows: purchases,
        changes,
        systems,
        stated_costs,
        value: v,
    })
}

/// The removals and moves of a saved plan (its `removals` list, if any), with each row's
/// stated `cost`: each row needs `id`, `entry` and `units`, `site` and `period` as the
/// purchases do, and `moved_to` (a site, or `null` for units taken out). Errors name the
/// row and field; whether a row is allowed is the checker's to say.
fn read_removals(
    nat: &National,
    v: &Value,
) -> Result<(Vec<FleetChange>, Vec<Option<f64>>), String> {
    let Some(list) = v.get("removals") else {
        return Ok((Vec::new(), Vec::new()));
    };
    let rows = list.as_array().ok_or(format!(
        "removals must be an array of objects, got {}",
        type_of(list)
    ))?;
    let mut changes = Vec::with_capacity(rows.len());
    let mut costs = Vec::with_capacity(rows.len());
    for (k, row) in rows.iter().enumerate() {
        let site_of = |field: &str, id: &str| {
            nat.sites.iter().position(|s| s.id == id).ok_or(format!(
                "removals[{k}].{field} `{id}` is not a site of the scenario"
            ))
        };
        let site = if nat.has_sites {
            let id = row.get("site").and_then(Value::as_str).ok_or(format!(
                "removals[{k}].site is missing (the scenario has sites)"
            ))?;
            site_of("site", id)?
        } else {
            0
        };
        let period = if nat.has_periods {
            let year = row.get("period").and_then(Value::as_i64).ok_or(format!(
                "removals[{k}].period is missing or not a year (the scenario has periods)"
            ))?;
            nat.years.iter().position(|y| *y == year).ok_or(format!(
                "removals[{k}].period {year} is not a period of the scenario"
            ))?
        } else {
            0
        };
        let id = row
            .get("id")
            .and_then(Value::as_str)
            .ok_or(format!("removals[{k}].id is missing or not a string"))?;
        let entry = row.get("entry").and_then(Value::as_u64).ok_or(format!(
            "removals[{k}].entry is missing or not a whole number"
        ))? as usize;
        match nat.sites[site].existing.get(entry) {
            Some(e) if nat.accelerators[e.index].id == id => {}
            _ => {
                return Err(format!(
                    "removals[{k}]: the site's existing entry {entry} is not `{id}`"
                ));
            }
        }
        let units = row
            .get("units")
            .and_then(Value::as_f64)
            .filter(|u| u.is_finite())
            .ok_or(format!("removals[{k}].units is missing or not a number"))?;
        let to = match row.get("moved_to") {
            None | Some(Value::Null) => None,
            Some(Value::String(id)) => Some(site_of("moved_to", id)?),
            Some(other) => {
                return Err(format!(
                    "removals[{k}].moved_to must be a site id or null, got {}",
                    type_of(other)
                ));
            }
        };
        changes.push(FleetChange {
            site,
            entry,
            period,
            to,
            units,
        });
        costs.push(row.get("cost").and_then(Value::as_f64));
    }
    Ok((changes, costs))
}

/// A saved plan of a many-site / many-period scenario, read back for checking.
#[derive(Debug, Clone)]
pub struct SavedNational {
    /// Purchases `x[s][t][a]`.
    pub x: Vec<Vec<Vec<f64>>>,
    /// Each purchase row as the plan builder writes it for its units, in the plan's order.
    pub rows: Vec<Purchase>,
    /// Removals and moves of installed units, in the plan's order.
    pub changes: Vec<FleetChange>,
    /// Whole systems bought (purchase rows with `system`), in the plan's order.
    pub systems: Vec<SystemBuy>,
    /// Each removal row's stated `cost`.
    pub stated_costs: Vec<Option<f64>>,
    /// The plan as saved, whose figures are compared with the re-evaluation.
    pub value: serde_json::Value,
}

/// Every problem of a saved plan: broken rules, then stated figures (top level, purchase
/// rows, fleet, `sites[]` and `periods[]`) that differ from the plan its purchases give.
/// `Findings::unreadable` lists what keeps the plan from being read.
pub fn audit_national(nat: &National, saved: &SavedNational) -> (NationalEvaluation, Findings) {
    let e = evaluate_all(nat, &saved.x, &saved.changes, &saved.systems);
    let broken: Vec<String> = e.violations().iter().map(|c| c.message()).collect();
    let rebuilt = crate::plan::detail::from_evaluation(nat, &e, Status::Optimal, "");
    let mut found = crate::audit::compare(&saved.value, &rebuilt, &saved.rows, broken.len());
    found.problems.splice(0..0, broken);
    for (k, (c, stated)) in saved.changes.iter().zip(&saved.stated_costs).enumerate() {
        let want = nat.change_cost(c);
        if let Some(cost) = stated.filter(|v| !same_money(*v, want)) {
            found.problems.push(format!(
                "removals[{k}].cost states {cost}, but {} units {} cost {want}",
                c.units,
                if c.to.is_some() { "moved" } else { "taken out" }
            ));
        }
    }
    match read_allocation(nat, &saved.value) {
        Ok(Some((rows, stated))) => {
            found
                .problems
                .extend(crate::check::allocation::verify(nat, &e, &rows));
            for (k, (r, pflops)) in rows.iter().zip(stated).enumerate() {
                let acc = &nat.accelerators[r.a];
                let want = r.units * nat.workload_tflops(r.s, r.a, &r.workload) / 1000.0;
                if let Some(p) = pflops.filter(|p| !same(*p, want)) {
                    found.problems.push(format!(
                        "allocation[{k}].pflops states {p}, but {} units of {} give {want} effective PFLOPS of {}",
                        r.units, acc.id, r.workload
                    ));
                }
            }
        }
        Ok(None) => {}
        Err(why) => found.unreadable.push(why),
    }
    (e, found)
}

/// The stated workload allocation of a saved plan (`None` when it states none), with each
/// row's stated `pflops`: each row needs `id`, `workload` and `units`, plus `site` and
/// `period` as the purchases do. Rows for an accelerator, site or period the scenario does
/// not have are errors.
#[allow(clippy::type_complexity)]
fn read_allocation(
    nat: &National,
    plan: &Value,
) -> Result<Option<(Vec<crate::check::allocation::Assigned>, Vec<Option<f64>>)>, String> {
    let Some(list) = plan.get("allocation") else {
        return Ok(None);
    };
    let Some(list) = list.as_array() else {
        return Err(format!(
            "allocation must be an array of objects, got {}",
            type_of(list)
        ));
    };
    let mut out = Vec::with_capacity(list.len());
    let mut pflops = Vec::with_capacity(list.len());
    for (k, row) in list.iter().enumerate() {
        pflops.push(row.get("pflops").and_then(Value::as_f64));
        let text = |field: &str| -> Result<&str, String> {
            row.get(field).and_then(Value::as_str).ok_or(format!(
                "allocation[{k}].{field} is missing or not a string"
            ))
        };
        let id = text("id")?;
        let workload = text("workload")?;
        let units = row
            .get("units")
            .and_then(Value::as_f64)
            .ok_or(format!("allocation[{k}].units is missing or not a number"))?;
        let a = nat
            .accelerators
            .iter()
            .position(|a| a.id == id)
            .ok_or(format!(
                "allocation[{k}].id `{id}` is not an accelerator of the scenario"
            ))?;
        let s = if nat.has_sites {
            let site = text("site")?;
            nat.sites.iter().position(|s| s.id == site).ok_or(format!(
                "allocation[{k}].site `{site}` is not a site of the scenario"
            ))?
        } else {
            0
        };
        let t = if nat.has_periods {
            let year = row.get("period").and_then(Value::as_i64).ok_or(format!(
                "allocation[{k}].period is missing or not a year (the scenario has periods)"
            ))?;
            nat.years.iter().position(|y| *y == year).ok_or(format!(
                "allocation[{k}].period {year} is not a period of the scenario"
            ))?
        } else {
            0
        };
        out.push(crate::check::allocation::Assigned {
            a,
            s,
            t,
            workload: workload.to_string(),
            units,
        });
    }
    Ok(Some((out, pflops)))
}
