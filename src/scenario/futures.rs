//! Futures (section 7 of the format): the scenario's `futures`, `decide_now` and `risk`,
//! read from the file and turned into one validated scenario per future (the file with
//! the future's overrides, applied exactly as `--set PATH=VALUE` would be).
//!
//! The fields are taken out of the document before the scenario itself is validated, so
//! the base scenario is the file without them; each future's scenario is the base with its
//! `set` applied and validated like the file, its problems named with the future's id and
//! the override's path.

use super::load::Sources;
use super::locate::Seg;
use super::national::National;
use super::overrides::{self, Override};
use crate::error::{Diagnostic, ScenarioError};
use serde::Serialize;
use serde_yaml::Value;

/// Tolerance on the sum of the probabilities.
pub const PROBABILITY_SUM_TOLERANCE: f64 = 1e-9;

/// How the futures' costs are combined into the objective.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// `sum_f p_f * total_cost_f` (the default).
    Expected,
    /// `max_f total_cost_f`, ties broken by the least expected cost.
    WorstCase,
}

impl Risk {
    /// The word used in the file and the plan.
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Expected => "expected",
            Risk::WorstCase => "worst_case",
        }
    }

    /// The objective in words, for messages: `expected cost` or `worst cost over the
    /// futures`.
    pub fn objective(self) -> &'static str {
        match self {
            Risk::Expected => "expected cost",
            Risk::WorstCase => "worst cost over the futures",
        }
    }
}

/// The futures of a scenario, each a validated scenario of its own.
#[derive(Debug, Clone, Serialize)]
pub struct Futures {
    /// Leading periods decided before the future is known (at least 1).
    pub decide_now: usize,
    /// How the futures' costs are combined.
    pub risk: Risk,
    /// The futures, in file order (the first is "the first future" of `value_of_hedging`).
    pub list: Vec<Future>,
}

/// One future: its id, probability, overrides and the scenario they make.
#[derive(Debug, Clone, Serialize)]
pub struct Future {
    /// Unique id.
    pub id: String,
    /// Probability, > 0; the probabilities sum to 1.
    pub probability: f64,
    /// The overrides as written, `PATH=VALUE`, in file order.
    pub set: Vec<String>,
    /// The overrides as the file's `set` mapping holds them: the path (with its `*`, `+`
    /// or `-`) and the value.
    #[serde(skip)]
    pub set_values: Vec<(String, Value)>,
    /// The scenario in this future (without futures of its own).
    #[serde(skip)]
    pub scenario: National,
}

impl Futures {
    /// The decisions of period `t` are common to every future.
    pub fn is_common(&self, t: usize) -> bool {
        t < self.decide_now
    }

    /// The probabilities, in order.
    pub fn probabilities(&self) -> Vec<f64> {
        self.list.iter().map(|f| f.probability).collect()
    }
}

/// The futures fields as written, taken out of the document.
pub(crate) struct RawFutures {
    futures: Option<Value>,
    decide_now: Option<Value>,
    risk: Option<Value>,
}

/// Takes `futures`, `decide_now` and `risk` out of the top level of `value` (the base
/// scenario is validated without them); `None` when the file has none of them.
pub(crate) fn split(value: &mut Value) -> Option<RawFutures> {
    let map = value.as_mapping_mut()?;
    let raw = RawFutures {
        futures: map.remove("futures"),
        decide_now: map.remove("decide_now"),
        risk: map.remove("risk"),
    };
    (raw.futures.is_some() || raw.decide_now.is_some() || raw.risk.is_some()).then_some(raw)
}

/// Problems found, each placed in the file.
struct Problems<'a> {
    sources: &'a Sources<'a>,
    list: Vec<Diagnostic>,
}

impl Problems<'_> {
    fn at(&mut self, path: &[Seg], message: String) {
        let (file, location) = self.sources.place(path);
        self.list.push(Diagnostic {
            file,
            location,
            message,
        });
    }
}

fn key(k: &str) -> Seg {
    Seg::Key(k.to_string())
}

/// Reads and validates the futures of a scenario whose base (the file without them) is
/// `base`, validated as `scenario`: each future's overrides are applied to `base` and the
/// result validated like the file.
pub(crate) fn resolve(
    raw: RawFutures,
    base: &Value,
    scenario: &National,
    sources: &Sources,
    check: impl Fn(Value, &Sources) -> Result<National, ScenarioError>,
) -> Result<Futures, ScenarioError> {
    let mut p = Problems {
        sources,
        list: Vec::new(),
    };
    let periods = scenario.periods();
    let Some(list) = raw.futures else {
        let field = if raw.decide_now.is_some() {
            "decide_now"
        } else {
            "risk"
        };
        p.at(
            &[key(field)],
            format!(
                "{field} applies only to a scenario with `futures` (at least 2); add them or remove {field}"
            ),
        );
        return Err(ScenarioError::Invalid(p.list));
    };
    let decide_now = match &raw.decide_now {
        None => 1,
        Some(v) => match v.as_u64() {
            Some(n) if n >= 1 && n as usize <= periods => n as usize,
            _ => {
                p.at(
                    &[key("decide_now")],
                    format!(
                        "decide_now must be a whole number from 1 to the number of periods ({periods}), got {}",
                        show(v)
                    ),
                );
                1
            }
        },
    };
    let risk = match &raw.risk {
        None => Risk::Expected,
        Some(Value::String(s)) if s == "expected" => Risk::Expected,
        Some(Value::String(s)) if s == "worst_case" => Risk::WorstCase,
        Some(v) => {
            p.at(
                &[key("risk")],
                format!("risk must be expected or worst_case, got {}", show(v)),
            );
            Risk::Expected
        }
    };
    if scenario.objective != super::Objective::MinCost {
        p.at(
            &[key("futures")],
            "futures need objective: min_cost (the plan minimises the expected or the worst cost over the futures)".into(),
        );
    }
    let Value::Sequence(items) = list else {
        p.at(
            &[key("futures")],
            format!(
                "futures must be a list of futures (`- id: ...`), got {}",
                show(&list)
            ),
        );
        return Err(ScenarioError::Invalid(p.list));
    };
    if items.len() < 2 {
        p.at(
            &[key("futures")],
            format!(
                "futures must list at least 2 futures, got {}: a single future is the scenario itself",
                items.len()
            ),
        );
    }
    let mut read = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = |k: &str| vec![key("futures"), Seg::Index(i), key(k)];
        let Value::Mapping(m) = item else {
            p.at(
                &[key("futures"), Seg::Index(i)],
                format!(
                    "futures[{i}] must be a mapping with id, probability and set, got {}",
                    show(item)
                ),
            );
            continue;
        };
        for k in m.keys() {
            let name = k.as_str().unwrap_or("");
            if !["id", "probability", "set"].contains(&name) {
                p.at(
                    &[key("futures"), Seg::Index(i)],
                    format!(
                        "futures[{i}]: unknown field `{}`, expected one of id, probability, set",
                        show(k)
                    ),
                );
            }
        }
        let id = match m.get("id") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            Some(v) => {
                p.at(
                    &at("id"),
                    format!("futures[{i}].id must be a non-empty text, got {}", show(v)),
                );
                format!("#{i}")
            }
            None => {
                p.at(
                    &[key("futures"), Seg::Index(i)],
                    format!("futures[{i}].id is required"),
                );
                format!("#{i}")
            }
        };
        if ids.contains(&id) {
            p.at(
                &at("id"),
                format!("futures[{id}].id is used twice: future ids must be unique"),
            );
        }
        ids.push(id.clone());
        let probability = match m.get("probability").map(|v| (v, v.as_f64())) {
            Some((_, Some(x))) if x > 0.0 && x <= 1.0 && x.is_finite() => x,
            Some((v, _)) => {
                p.at(
                    &at("probability"),
                    format!(
                        "futures[{id}].probability must be > 0 and <= 1, got {}",
                        show(v)
                    ),
                );
                f64::NAN
            }
            None => {
                p.at(
                    &[key("futures"), Seg::Index(i)],
                    format!("futures[{id}].probability is required"),
                );
                f64::NAN
            }
        };
        let mut sets = Vec::new();
        match m.get("set") {
            None | Some(Value::Null) => {}
            Some(Value::Mapping(set)) => {
                for (path, value) in set {
                    let Some(path) = path.as_str() else {
                        p.at(
                            &at("set"),
                            format!(
                                "futures[{id}].set: each key must be a path such as \"accelerators[h20].available\", got {}",
                                show(path)
                            ),
                        );
                        continue;
                    };
                    sets.push(Override::new(path, &value_text(value)));
                }
            }
            Some(v) => p.at(
                &at("set"),
                format!(
                    "futures[{id}].set must be a mapping of PATH: VALUE overrides, got {}",
                    show(v)
                ),
            ),
        }
        read.push((i, id, probability, sets));
    }
    let total: f64 = read.iter().map(|r| r.2).sum();
    if total.is_finite() && (total - 1.0).abs() > PROBABILITY_SUM_TOLERANCE {
        p.at(
            &[key("futures")],
            format!(
                "futures: the probabilities must sum to 1, got {} ({})",
                crate::scenario::validate::show(total),
                read.iter()
                    .map(|r| format!("{} {}", r.1, crate::scenario::validate::show(r.2)))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    if !p.list.is_empty() {
        p.list
            .sort_by_key(|d| d.location.map(|l| (l.line, l.column)));
        return Err(ScenarioError::Invalid(p.list));
    }
    let mut out = Vec::new();
    for (i, id, probability, sets) in read {
        let mut value = base.clone();
        let mut written = Vec::new();
        for o in &sets {
            let label = format!("futures[{id}].set {o}");
            match overrides::apply(&mut value, o) {
                Ok(applied) => {
                    written.extend(applied.paths.into_iter().map(|q| (q, label.clone())))
                }
                Err(message) => p.at(
                    &[key("futures"), Seg::Index(i), key("set")],
                    format!("futures[{id}].set \"{}\": {message}", o.path),
                ),
            }
        }
        if !p.list.is_empty() {
            continue;
        }
        let sources = sources.with_sets(written);
        match check(value, &sources) {
            Ok(nat) => {
                if let Some(why) = differs(scenario, &nat) {
                    p.at(
                        &[key("futures"), Seg::Index(i), key("set")],
                        format!(
                            "futures[{id}].set changes {why}: a future may change figures (prices, caps, availability, demand, rules), not what the plan is made of"
                        ),
                    );
                }
                out.push(Future {
                    id,
                    probability,
                    set: sets.iter().map(|o| o.to_string()).collect(),
                    set_values: sets
                        .iter()
                        .map(|o| {
                            let value = serde_yaml::from_str(&o.value)
                                .unwrap_or_else(|_| Value::String(o.value.clone()));
                            (format!("{}{}", o.path, o.op.symbol()), value)
                        })
                        .collect(),
                    scenario: nat,
                });
            }
            Err(ScenarioError::Invalid(d)) => {
                for mut d in d {
                    // A field an override wrote: placed at that override in the file.
                    match sets
                        .iter()
                        .find(|o| d.file == format!("futures[{id}].set {o}"))
                    {
                        Some(o) => {
                            let (file, location) = sources.place(&[
                                key("futures"),
                                Seg::Index(i),
                                key("set"),
                                key(&o.path),
                            ]);
                            d.file = file;
                            d.location = location;
                            d.message = format!("futures[{id}].set \"{}\": {}", o.path, d.message);
                        }
                        None => d.message = format!("in future {id}: {}", d.message),
                    }
                    p.list.push(d);
                }
            }
            Err(e) => return Err(e),
        }
    }
    if !p.list.is_empty() {
        p.list
            .sort_by_key(|d| d.location.map(|l| (l.line, l.column)));
        return Err(ScenarioError::Invalid(p.list));
    }
    Ok(Futures {
        decide_now,
        risk,
        list: out,
    })
}

/// What a future changed that it may not: the periods, sites, accelerators, systems or
/// installed entries (the common decisions must mean the same in every future).
fn differs(base: &National, f: &National) -> Option<&'static str> {
    let ids = |n: &National| {
        n.accelerators
            .iter()
            .map(|a| a.id.clone())
            .collect::<Vec<_>>()
    };
    let sites = |n: &National| n.sites.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
    let systems = |n: &National| n.systems.iter().map(|s| s.id.clone()).collect::<Vec<_>>();
    let installed = |n: &National| {
        n.sites
            .iter()
            .map(|s| s.existing.iter().map(|e| e.index).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    };
    if base.years != f.years {
        Some("the periods")
    } else if sites(base) != sites(f) {
        Some("the sites")
    } else if ids(base) != ids(f) {
        Some("the accelerators")
    } else if systems(base) != systems(f) {
        Some("the systems")
    } else if installed(base) != installed(f) {
        Some("the installed fleets")
    } else if base.objective != f.objective {
        Some("the objective")
    } else {
        None
    }
}

/// An override value as `--set` text: YAML in flow style (`{2025: true, 2026: false}`).
fn value_text(v: &Value) -> String {
    match v {
        Value::Mapping(m) => {
            let items: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{}: {}", value_text(k), value_text(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        Value::Sequence(s) => {
            let items: Vec<String> = s.iter().map(value_text).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Tagged(t) => value_text(&t.value),
        Value::String(s) => serde_json::to_string(s).unwrap_or_default(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

/// A value as a message shows it.
fn show(v: &Value) -> String {
    match v {
        Value::Null => "nothing".into(),
        Value::String(s) => format!("`{s}`"),
        Value::Mapping(_) => "a mapping".into(),
        Value::Sequence(_) => "a list".into(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}
