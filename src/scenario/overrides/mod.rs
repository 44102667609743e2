//! `--set PATH=VALUE` overrides: parsing the path (`limits.budget`,
//! `accelerators[h20].available`, `existing[0].units`), checking it against the scenario
//! format (a path that does not exist is an error naming the closest one) and writing the
//! value into the parsed YAML before it is deserialised, so an override is typed and
//! validated exactly like the file.

use super::locate::Seg;
use super::raw::{
    RawAccelerator, RawCosts, RawDemand, RawDomesticShare, RawExisting, RawLimits, RawPolicy,
    RawScenario, RawSite, RawSolver,
};
use serde::de::DeserializeOwned;
use serde_yaml::{Mapping, Value};
use std::fmt;
use std::str::FromStr;

/// One `PATH=VALUE` override, as the user wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The path, e.g. `accelerators[h20].unit_price`.
    pub path: String,
    /// The value text, read as YAML (`0.7`, `false`, `null` to remove a field, `{a: 1}`).
    pub value: String,
}

impl Override {
    /// An override of `path` to `value` (a YAML scalar or flow value).
    pub fn new(path: &str, value: &str) -> Override {
        Override {
            path: path.trim().to_string(),
            value: value.trim().to_string(),
        }
    }
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.path, self.value)
    }
}

impl FromStr for Override {
    type Err = String;

    fn from_str(s: &str) -> Result<Override, String> {
        match s.split_once('=') {
            Some((path, value)) if !path.trim().is_empty() => Ok(Override::new(path, value)),
            _ => Err(format!(
                "expected PATH=VALUE (e.g. policy.domestic_share.min=0.7), got `{s}`"
            )),
        }
    }
}

/// One step of an override path.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
    Id(String),
}

/// What sits at a place of the format.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Root,
    Accelerators,
    Accelerator,
    Demand,
    Existing,
    ExistingEntry,
    Policy,
    DomesticShare,
    Limits,
    Costs,
    Solver,
    Sites,
    Site,
    /// A map with keys the user chooses (workloads, efficiencies, adoption costs).
    FreeMap,
    /// A single value (or a section-2 value this version refuses later).
    Leaf,
}

/// The field names of a serde struct, read from its own "unknown field" message so that the
/// list can never drift from the types.
fn fields_of<T: DeserializeOwned>() -> Vec<String> {
    match probe::<T>("__chipmix_probe__") {
        Ok(_) => Vec::new(),
        Err(e) => e
            .to_string()
            .split('`')
            .skip(3)
            .step_by(2)
            .map(str::to_string)
            .collect(),
    }
}

/// Reads `{key: 0}` as a `T`: the error says what `key` is (unknown, or of which type).
fn probe<T: DeserializeOwned>(key: &str) -> Result<T, serde_yaml::Error> {
    let mut probe = Mapping::new();
    probe.insert(Value::from(key), Value::from(0));
    serde_yaml::from_value::<T>(Value::Mapping(probe))
}

/// Whether the field `key` of `T` is text, so that a value YAML reads as a number or a
/// boolean (`name=2025`, `vendor=true`) is kept as the text the user wrote.
fn is_text<T: DeserializeOwned>(key: &str) -> bool {
    probe::<T>(key).is_err_and(|e| e.to_string().contains("expected a string"))
}

impl Kind {
    /// The keys a mapping of this kind accepts (`None`: any key).
    fn keys(self) -> Option<Vec<String>> {
        let keys = match self {
            Kind::Root => fields_of::<RawScenario>(),
            Kind::Accelerator => fields_of::<RawAccelerator>(),
            Kind::Demand => fields_of::<RawDemand>(),
            Kind::ExistingEntry => fields_of::<RawExisting>(),
            Kind::Policy => fields_of::<RawPolicy>(),
            Kind::DomesticShare => fields_of::<RawDomesticShare>(),
            Kind::Limits => fields_of::<RawLimits>(),
            Kind::Costs => fields_of::<RawCosts>(),
            Kind::Solver => fields_of::<RawSolver>(),
            Kind::Site => fields_of::<RawSite>(),
            Kind::FreeMap => return None,
            Kind::Accelerators | Kind::Existing | Kind::Sites | Kind::Leaf => Vec::new(),
        };
        // `catalog` is resolved when the file is read; it cannot be changed afterwards.
        Some(keys.into_iter().filter(|k| k != "catalog").collect())
    }

    /// Whether the field `key` of a mapping of this kind is text (see [`is_text`]).
    fn is_text(self, key: &str) -> bool {
        match self {
            Kind::Root => is_text::<RawScenario>(key),
            Kind::Accelerator => is_text::<RawAccelerator>(key),
            Kind::Demand => is_text::<RawDemand>(key),
            Kind::ExistingEntry => is_text::<RawExisting>(key),
            Kind::Policy => is_text::<RawPolicy>(key),
            Kind::DomesticShare => is_text::<RawDomesticShare>(key),
            Kind::Limits => is_text::<RawLimits>(key),
            Kind::Costs => is_text::<RawCosts>(key),
            Kind::Solver => is_text::<RawSolver>(key),
            Kind::Site => is_text::<RawSite>(key),
            _ => false,
        }
    }

    fn child(self, key: &str) -> Kind {
        match (self, key) {
            (Kind::Root, "accelerators") => Kind::Accelerators,
            (Kind::Root, "demand") => Kind::Demand,
            (Kind::Root, "existing") => Kind::Existing,
            (Kind::Root, "policy") => Kind::Policy,
            (Kind::Root, "limits") => Kind::Limits,
            (Kind::Root, "costs") => Kind::Costs,
            (Kind::Root, "solver") => Kind::Solver,
            (Kind::Root, "sites") => Kind::Sites,
            (Kind::Site, "demand") => Kind::Demand,
            (Kind::Site, "existing") => Kind::Existing,
            (Kind::Site, "domestic_share") => Kind::DomesticShare,
            (Kind::Policy, "national_domestic_share") => Kind::DomesticShare,
            (Kind::Accelerator, "efficiency") => Kind::FreeMap,
            (Kind::Demand, "workloads") => Kind::FreeMap,
            (Kind::Policy, "domestic_share") => Kind::DomesticShare,
            (Kind::Costs, "platform_adoption") => Kind::FreeMap,
            _ => Kind::Leaf,
        }
    }

    fn is_list(self) -> bool {
        matches!(self, Kind::Accelerators | Kind::Existing | Kind::Sites)
    }

    fn is_mapping(self) -> bool {
        !self.is_list() && self != Kind::Leaf
    }
}

/// Splits `accelerators[h20].unit_price` into steps.
fn parse_path(path: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty() {
            return Err(format!(
                "the path `{path}` has an empty field name (paths look like `limits.budget` or `accelerators[h20].unit_price`)"
            ));
        }
        steps.push(Step::Key(name.to_string()));
        while !rest.is_empty() {
            let close = rest
                .find(']')
                .filter(|_| rest.starts_with('['))
                .ok_or_else(|| format!("the path `{path}` has an unbalanced `[`"))?;
            let inner = rest[1..close].trim();
            if inner.is_empty() {
                return Err(format!(
                    "the path `{path}` has an empty `[]`: name an id (`[h20]`) or a position (`[0]`)"
                ));
            }
            steps.push(match inner.parse::<usize>() {
                Ok(i) => Step::Index(i),
                Err(_) => Step::Id(inner.to_string()),
            });
            rest = &rest[close + 1..];
        }
    }
    Ok(steps)
}

/// `path` up to and including step `n`, written back as text.
fn shown(steps: &[Step]) -> String {
    let mut out = String::new();
    for s in steps {
        match s {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
            Step::Id(id) => out.push_str(&format!("[{id}]")),
        }
    }
    out
}

/// Reads the value text as YAML; a scalar field given text that YAML reads as something
/// else (`name=H20: China`) keeps the text as a string.
fn parse_value(text: &str, kind: Kind) -> Result<Value, String> {
    match serde_yaml::from_str::<Value>(text) {
        // A per-year map (`{2025: 0.5, 2026: 0.6}`) for a value that changes by period.
        Ok(Value::Mapping(m))
            if kind == Kind::Leaf
                && !m.is_empty()
                && m.keys()
                    .all(|k| matches!(k, Value::Number(n) if n.is_i64())) =>
        {
            Ok(Value::Mapping(m))
        }
        Ok(v @ (Value::Mapping(_) | Value::Sequence(_))) if kind == Kind::Leaf => {
            let _ = v;
            Ok(Value::String(text.to_string()))
        }
        Ok(v) => Ok(v),
        Err(_) if kind == Kind::Leaf => Ok(Value::String(text.to_string())),
        Err(e) => Err(format!("the value `{text}` is not valid YAML: {e}")),
    }
}

fn entry_ids(list: &[Value]) -> Vec<String> {
    list.iter()
        .filter_map(|v| v.get("id").and_then(Value::as_str).map(str::to_string))
        .collect()
}

fn what(list_kind: Kind) -> &'static str {
    match list_kind {
        Kind::Accelerators => "accelerator",
        Kind::Sites => "site",
        _ => "existing entry",
    }
}

/// Writes `o` into `doc` (a parsed scenario). Returns the path it wrote, with ids resolved
/// to positions, so later messages about that field can name the override.
pub fn apply(doc: &mut Value, o: &Override) -> Result<Vec<Seg>, String> {
    let steps = parse_path(&o.path)?;
    let mut kind = Kind::Root;
    let mut node = doc;
    let mut resolved = Vec::new();
    for (n, step) in steps.iter().enumerate() {
        let last = n + 1 == steps.len();
        let here = shown(&steps[..=n]);
        match step {
            Step::Key(k) => {
                if !kind.is_mapping() {
                    return Err(if kind.is_list() {
                        format!(
                            "`{}` is a list: pick an entry by id or position, e.g. `{}[0]`",
                            shown(&steps[..n]),
                            shown(&steps[..n])
                        )
                    } else {
                        format!(
                            "`{}` is a single value and has no field `{k}`",
                            shown(&steps[..n])
                        )
                    });
                }
                if let Some(keys) = kind.keys()
                    && !keys.iter().any(|x| x == k)
                {
                    let parent = shown(&steps[..n]);
                    let full: Vec<String> = keys
                        .iter()
                        .map(|x| {
                            if parent.is_empty() {
                                x.clone()
                            } else {
                                format!("{parent}.{x}")
                            }
                        })
                        .collect();
                    let refs: Vec<&str> = full.iter().map(String::as_str).collect();
                    let hint = match super::load::closest(&here, &refs) {
                        Some(best) => format!(" (did you mean `{best}`?)"),
                        None => format!("; the fields there are: {}", keys.join(", ")),
                    };
                    let msg = if k == "catalog" {
                        "`catalog` is read with the file and cannot be overridden".to_string()
                    } else {
                        format!("the scenario format has no field `{here}`{hint}")
                    };
                    return Err(msg);
                }
                if node.is_null() {
                    *node = Value::Mapping(Mapping::new());
                }
                let Value::Mapping(map) = node else {
                    return Err(format!(
                        "`{}` is not a mapping in the scenario, so `{k}` cannot be set in it",
                        shown(&steps[..n])
                    ));
                };
                resolved.push(Seg::Key(k.clone()));
                let child = kind.child(k);
                if last {
                    let mut value = parse_value(&o.value, child)?;
                    if matches!(value, Value::Number(_) | Value::Bool(_)) && kind.is_text(k) {
                        value = Value::String(o.value.trim().to_string());
                    }
                    if value.is_null() {
                        map.remove(k.as_str());
                    } else {
                        map.insert(Value::String(k.clone()), value);
                    }
                    return Ok(resolved);
                }
                kind = child;
                node = map.entry(Value::String(k.clone())).or_insert(Value::Null);
            }
            Step::Index(_) | Step::Id(_) => {
                if !kind.is_list() {
                    return Err(format!(
                        "`{}` is not a list, so `{}` does not apply",
                        shown(&steps[..n]),
                        shown(&steps[n..=n])
                    ));
                }
                let list_name = shown(&steps[..n]);
                let Some(list) = node.as_sequence_mut() else {
                    return Err(format!("the scenario has no `{list_name}` list to index"));
                };
                let index = match step {
                    Step::Index(i) if *i < list.len() => *i,
                    Step::Index(i) => {
                        return Err(format!(
                            "`{list_name}` has {} entries, so there is no `{list_name}[{i}]`",
                            list.len()
                        ));
                    }
                    Step::Id(id) => {
                        let ids = entry_ids(list);
                        let matching: Vec<usize> = list
                            .iter()
                            .enumerate()
                            .filter(|(_, v)| v.get("id").and_then(Value::as_str) == Some(id))
                            .map(|(i, _)| i)
                            .collect();
                        match matching.as_slice() {
                            [one] => *one,
                            [] => {
                                let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                                let hint = match super::load::closest(id, &refs) {
                                    Some(best) => format!(" (did you mean `{list_name}[{best}]`?)"),
                                    None if refs.is_empty() => String::new(),
                                    None => format!("; the ids are: {}", refs.join(", ")),
                                };
                                return Err(format!(
                                    "the scenario has no {} with id `{id}`{hint}",
                                    what(kind)
                                ));
                            }
                            many => {
                                return Err(format!(
                                    "`{list_name}` has {} entries with id `{id}`; pick one by position, e.g. `{list_name}[{}]`",
                                    many.len(),
                                    many[0]
                                ));
                            }
                        }
                    }
                    Step::Key(_) => unreachable!("handled above"),
                };
                resolved.push(Seg::Index(index));
                let entry_kind = match kind {
                    Kind::Accelerators => Kind::Accelerator,
                    Kind::Sites => Kind::Site,
                    _ => Kind::ExistingEntry,
                };
                if last {
                    let value = parse_value(&o.value, entry_kind)?;
                    list[index] = value;
                    return Ok(resolved);
                }
                kind = entry_kind;
                node = &mut list[index];
            }
        }
    }
    Ok(resolved)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Value {
        serde_yaml::from_str(
            "name: t\naccelerators:\n  - {id: h20, unit_price: 1}\n  - {id: ascend-910c, unit_price: 2}\nlimits: {budget: 5}\n",
        )
        .unwrap()
    }

    fn set(d: &mut Value, s: &str) -> Result<Vec<Seg>, String> {
        apply(d, &s.parse::<Override>()?)
    }

    #[test]
    fn field_lists_come_from_the_types() {
        let keys = Kind::Limits.keys().unwrap();
        assert!(keys.contains(&"budget".to_string()), "{keys:?}");
        assert!(keys.contains(&"vendor_max_share".to_string()), "{keys:?}");
        assert!(Kind::Root.keys().unwrap().contains(&"accelerators".into()));
    }

    #[test]
    fn sites_and_per_year_maps_can_be_set() {
        let mut d: Value =
            serde_yaml::from_str("name: t\nsites:\n  - {id: nm-1, power_kw: 5}\n").unwrap();
        let path = set(&mut d, "sites[nm-1].demand.pflops={2025: 10, 2026: 20}").unwrap();
        assert_eq!(path[1], Seg::Index(0));
        assert_eq!(d["sites"][0]["demand"]["pflops"][2026].as_f64(), Some(20.0));
        let e = set(&mut d, "sites[nm-2].power_kw=4").unwrap_err();
        assert!(e.contains("no site with id `nm-2`"), "{e}");
        let e = set(&mut d, "sites[nm-1].powr_kw=4").unwrap_err();
        assert!(e.contains("did you mean `sites[nm-1].power_kw`"), "{e}");
    }

    #[test]
    fn sets_by_id_and_creates_missing_blocks() {
        let mut d = doc();
        let path = set(&mut d, "accelerators[ascend-910c].unit_price=250000").unwrap();
        assert_eq!(path[1], Seg::Index(1));
        assert_eq!(d["accelerators"][1]["unit_price"].as_f64(), Some(250000.0));
        set(&mut d, "policy.domestic_share.min=0.7").unwrap();
        assert_eq!(d["policy"]["domestic_share"]["min"].as_f64(), Some(0.7));
        set(&mut d, "accelerators[h20].available=false").unwrap();
        assert_eq!(d["accelerators"][0]["available"].as_bool(), Some(false));
        set(&mut d, "demand.workloads.training=100").unwrap();
        assert_eq!(d["demand"]["workloads"]["training"].as_f64(), Some(100.0));
    }

    #[test]
    fn null_removes_a_field() {
        let mut d = doc();
        set(&mut d, "limits.budget=null").unwrap();
        assert!(d["limits"].get("budget").is_none());
    }

    #[test]
    fn unknown_paths_name_the_closest() {
        let mut d = doc();
        let e = set(&mut d, "limits.budgte=4").unwrap_err();
        assert!(e.contains("did you mean `limits.budget`"), "{e}");
        let e = set(&mut d, "policy.domestic_share.mni=4").unwrap_err();
        assert!(e.contains("`policy.domestic_share.min`"), "{e}");
        let e = set(&mut d, "accelerators[h2O].unit_price=4").unwrap_err();
        assert!(e.contains("did you mean `accelerators[h20]`"), "{e}");
        let e = set(&mut d, "accelerators[9].unit_price=4").unwrap_err();
        assert!(e.contains("has 2 entries"), "{e}");
        let e = set(&mut d, "accelerators.unit_price=4").unwrap_err();
        assert!(e.contains("is a list"), "{e}");
        let e = set(&mut d, "limits.budget.x=4").unwrap_err();
        assert!(e.contains("single value"), "{e}");
        assert!("limits.budget".parse::<Override>().is_err());
    }

    #[test]
    fn a_text_field_keeps_a_number_as_text() {
        let mut d = doc();
        set(&mut d, "name=2025").unwrap();
        assert_eq!(d["name"], Value::from("2025"));
        set(&mut d, "accelerators[h20].vendor=true").unwrap();
        assert_eq!(d["accelerators"][0]["vendor"], Value::from("true"));
        // A number field still takes a number, and null still removes a text field.
        set(&mut d, "accelerators[h20].unit_price=2025").unwrap();
        assert_eq!(d["accelerators"][0]["unit_price"], Value::from(2025));
        set(&mut d, "name=null").unwrap();
        assert!(d.get("name").is_none());
    }

    #[test]
    fn text_that_is_not_a_scalar_stays_a_string() {
        let mut d = doc();
        set(&mut d, "accelerators[h20].name=H20: China edition").unwrap();
        assert_eq!(
            d["accelerators"][0]["name"].as_str(),
            Some("H20: China edition")
        );
    }
}
