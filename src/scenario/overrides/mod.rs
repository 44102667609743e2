//! `--set PATH=VALUE` overrides: parsing the path (`limits.budget`,
//! `accelerators[h20].available`, `existing[0].units`), checking it against the scenario
//! format (a path that does not exist is an error naming the closest one) and writing the
//! value into the parsed YAML before it is deserialised, so an override is typed and
//! validated exactly like the file.
//!
//! One override may change many entries through a selector (`accelerators[*]`,
//! `accelerators[origin=domestic]`, `sites[*]`; see [`select`]), and may change a value
//! relative to the file's (`*=`, `+=`, `-=`; see [`relative`]).

mod path;
mod relative;
mod select;

pub use relative::Op;

use super::locate::Seg;
use super::raw::{
    RawAccelerator, RawCosts, RawDemand, RawDomesticShare, RawEnergyDiscount, RawExisting,
    RawFuture, RawLimits, RawPolicy, RawRemoval, RawResource, RawScenario, RawSite, RawSolver,
    RawSystem,
};
use path::{Step, shown};
use serde::de::DeserializeOwned;
use serde_yaml::{Mapping, Value};
use std::fmt;
use std::str::FromStr;

/// One `PATH=VALUE` override, as the user wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// The path, e.g. `accelerators[h20].unit_price` or `accelerators[origin=domestic].max_units`.
    pub path: String,
    /// Whether the value replaces the file's (`=`) or changes it (`*=`, `+=`, `-=`).
    pub op: Op,
    /// The value text, read as YAML (`0.7`, `false`, `null` to remove a field, `{a: 1}`);
    /// for `*=`, `+=` and `-=`, a number.
    pub value: String,
}

impl Override {
    /// An override of `path` to `value` (a YAML scalar or flow value). A path ending in
    /// `*`, `+` or `-` (as in `max_units*=0.5`) makes it relative.
    pub fn new(path: &str, value: &str) -> Override {
        let (op, path) = Op::split(path.trim());
        Override {
            path: path.to_string(),
            op,
            value: value.trim().to_string(),
        }
    }
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}={}", self.path, self.op.symbol(), self.value)
    }
}

impl FromStr for Override {
    type Err = String;

    fn from_str(s: &str) -> Result<Override, String> {
        match path::assignment(s) {
            Some(i) if !s[..i].trim().is_empty() => Ok(Override::new(&s[..i], &s[i + 1..])),
            _ => Err(format!(
                "expected PATH=VALUE (e.g. policy.domestic_share.min=0.7), got `{s}`"
            )),
        }
    }
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
    Resources,
    Resource,
    Systems,
    System,
    EnergyDiscount,
    Removal,
    /// `futures`: a list of futures, picked by id (`futures[h20-banned].probability`).
    Futures,
    Future,
    /// A list of names (`move_to=[gd-private]`): a single value that may be a sequence.
    Names,
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
            Kind::Resource => fields_of::<RawResource>(),
            Kind::System => fields_of::<RawSystem>(),
            Kind::EnergyDiscount => fields_of::<RawEnergyDiscount>(),
            Kind::Removal => fields_of::<RawRemoval>(),
            Kind::Future => fields_of::<RawFuture>(),
            Kind::FreeMap => return None,
            Kind::Accelerators
            | Kind::Existing
            | Kind::Sites
            | Kind::Resources
            | Kind::Futures
            | Kind::Names
            | Kind::Systems
            | Kind::Leaf => Vec::new(),
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
            Kind::Resource => is_text::<RawResource>(key),
            Kind::System => is_text::<RawSystem>(key),
            Kind::EnergyDiscount => is_text::<RawEnergyDiscount>(key),
            Kind::Removal => is_text::<RawRemoval>(key),
            Kind::Future => is_text::<RawFuture>(key),
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
            (Kind::Root, "resources") => Kind::Resources,
            (Kind::Root, "systems") => Kind::Systems,
            (Kind::Root, "futures") => Kind::Futures,
            // A future's overrides: paths as keys (`futures[b].set={"...": 0}`).
            (Kind::Future, "set") => Kind::FreeMap,
            (Kind::Accelerator, "uses") => Kind::FreeMap,
            (Kind::Site, "demand") => Kind::Demand,
            (Kind::Site, "existing") => Kind::Existing,
            (Kind::Site, "domestic_share") => Kind::DomesticShare,
            (Kind::Policy, "national_domestic_share") => Kind::DomesticShare,
            (Kind::Accelerator, "efficiency") => Kind::FreeMap,
            // A number, or a map by precision (`tflops.fp8=1560`).
            (Kind::Accelerator, "tflops") => Kind::FreeMap,
            (Kind::Demand, "workloads") => Kind::FreeMap,
            (Kind::Policy, "domestic_share") => Kind::DomesticShare,
            (Kind::Costs, "platform_adoption") => Kind::FreeMap,
            (Kind::Costs, "domestic_energy_discount") => Kind::EnergyDiscount,
            (Kind::Site, "domestic_energy_discount") => Kind::EnergyDiscount,
            (Kind::ExistingEntry, "removal") => Kind::Removal,
            (Kind::Removal, "move_to") => Kind::Names,
            _ => Kind::Leaf,
        }
    }

    fn is_list(self) -> bool {
        matches!(
            self,
            Kind::Accelerators
                | Kind::Existing
                | Kind::Sites
                | Kind::Resources
                | Kind::Systems
                | Kind::Futures
        )
    }

    fn is_mapping(self) -> bool {
        !self.is_list() && !matches!(self, Kind::Leaf | Kind::Names)
    }
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
        // A single name where a list is due (`move_to=gd-private`) is that one name.
        Ok(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) if kind == Kind::Names => {
            Ok(Value::Sequence(vec![v]))
        }
        Ok(v) => Ok(v),
        Err(_) if kind == Kind::Leaf => Ok(Value::String(text.to_string())),
        Err(e) => Err(format!("the value `{text}` is not valid YAML: {e}")),
    }
}

fn what(list_kind: Kind) -> &'static str {
    match list_kind {
        Kind::Accelerators => "accelerator",
        Kind::Sites => "site",
        Kind::Resources => "resource",
        Kind::Systems => "system",
        Kind::Futures => "future",
        _ => "existing entry",
    }
}

/// What one override wrote.
#[derive(Debug, Default)]
pub struct Applied {
    /// The paths written, ids resolved to positions, so that later messages about those
    /// fields can name the override.
    pub paths: Vec<Vec<Seg>>,
    /// What the user should know: a value rounded down, entries a selector left alone.
    pub notes: Vec<String>,
}

/// The field an override path writes and the field holding it, by their keys (list steps
/// skipped, the operator dropped): `accelerators[h20].max_units*` gives `("max_units",
/// "accelerators")`; empty where there is none.
pub(crate) fn written_field(path: &str) -> (String, String) {
    let path = path.trim_end_matches(['*', '+', '-']);
    let mut keys: Vec<String> = path::parse_path(path)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| match s {
            Step::Key(k) => Some(k),
            _ => None,
        })
        .collect();
    let last = keys.pop().unwrap_or_default();
    (last, keys.pop().unwrap_or_default())
}

/// Whether two override paths may write the same field: step by step, one is the other or
/// inside it, where a selector (`[*]`, `[origin=domestic]`) may stand for any entry. A path
/// that does not parse writes nothing.
pub(crate) fn may_write_same_field(a: &str, b: &str) -> bool {
    let steps = |p: &str| path::parse_path(p.trim_end_matches(['*', '+', '-']));
    let (Ok(a), Ok(b)) = (steps(a), steps(b)) else {
        return false;
    };
    a.iter().zip(&b).all(|(x, y)| {
        let list = |s: &Step| !matches!(s, Step::Key(_));
        x == y || (list(x) && list(y) && (x.is_selector() || y.is_selector()))
    })
}

/// Writes `o` into `doc` (a parsed scenario), into every entry its selectors pick.
pub fn apply(doc: &mut Value, o: &Override) -> Result<Applied, String> {
    let steps = path::parse_path(&o.path)?;
    let operand = match o.op {
        Op::Set => 0.0,
        op => relative::operand(op, &o.value)?,
    };
    let mut walk = Walk {
        o,
        steps: &steps,
        operand,
        out: Applied::default(),
        skipped: Vec::new(),
    };
    walk.walk(doc, Kind::Root, 0, Vec::new(), String::new(), false)?;
    let Walk {
        mut out, skipped, ..
    } = walk;
    match (out.paths.is_empty(), skipped.as_slice()) {
        (_, []) => {}
        (true, [(_, why), rest @ ..]) => {
            let more = match rest.len() {
                0 => String::new(),
                n => format!(" (and {n} more selected entries likewise)"),
            };
            return Err(format!("`{}` changes nothing: {why}{more}", shown(&steps)));
        }
        (false, skipped) => {
            let places: Vec<&str> = skipped.iter().map(|(p, _)| p.as_str()).collect();
            out.notes.push(format!(
                "{}: not in the scenario, so left as they are",
                places.join(", ")
            ));
        }
    }
    Ok(out)
}

/// One override on its way down the document: what it has written so far, and the
/// entries its selectors picked that lack what it changes.
struct Walk<'a> {
    o: &'a Override,
    steps: &'a [Step],
    operand: f64,
    out: Applied,
    /// Selected places left alone, with why.
    skipped: Vec<(String, String)>,
}

impl Walk<'_> {
    /// A place the override cannot reach: an error, unless a selector picked it (then the
    /// entry is left alone, and said so).
    fn missing(&mut self, place: String, why: String, selected: bool) -> Result<(), String> {
        if selected {
            self.skipped.push((place, why));
            Ok(())
        } else {
            Err(why)
        }
    }

    /// Applies step `n` and the rest at `node`, of `kind`, at `resolved` (shown as `place`,
    /// with ids); `selected` when a selector picked an entry on the way.
    fn walk(
        &mut self,
        node: &mut Value,
        kind: Kind,
        n: usize,
        resolved: Vec<Seg>,
        place: String,
        selected: bool,
    ) -> Result<(), String> {
        let steps = self.steps;
        let Some(step) = steps.get(n) else {
            return Ok(());
        };
        let last = n + 1 == steps.len();
        let here = shown(&steps[..=n]);
        match step {
            Step::Key(k) => {
                if !kind.is_mapping() {
                    let before = shown(&steps[..n]);
                    return Err(if kind.is_list() {
                        format!(
                            "`{before}` is a list: pick an entry by id or position, e.g. `{before}[0]`, or many with `{before}[*]`"
                        )
                    } else {
                        format!("`{before}` is a single value and has no field `{k}`")
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
                    return Err(if k == "catalog" {
                        "`catalog` is read with the file and cannot be overridden".to_string()
                    } else {
                        format!("the scenario format has no field `{here}`{hint}")
                    });
                }
                let place = if place.is_empty() {
                    k.clone()
                } else {
                    format!("{place}.{k}")
                };
                let relative = self.o.op != Op::Set;
                if node.is_null() {
                    if relative {
                        let why = relative::nothing_to_change(self.o.op, &place, &shown(steps));
                        return self.missing(place, why, selected);
                    }
                    *node = Value::Mapping(Mapping::new());
                }
                let Value::Mapping(map) = node else {
                    return Err(format!(
                        "`{}` is not a mapping in the scenario, so `{k}` cannot be set in it",
                        shown(&steps[..n])
                    ));
                };
                let mut resolved = resolved;
                resolved.push(Seg::Key(k.clone()));
                if last {
                    return self.write(map, k, kind, resolved, place, selected);
                }
                if relative && map.get(k.as_str()).is_none_or(Value::is_null) {
                    let why = relative::nothing_to_change(self.o.op, &place, &shown(steps));
                    return self.missing(place, why, selected);
                }
                let child = map.entry(Value::String(k.clone())).or_insert(Value::Null);
                self.walk(child, kind.child(k), n + 1, resolved, place, selected)
            }
            Step::Index(_) | Step::Id(_) | Step::All | Step::Where(..) => {
                let list_name = shown(&steps[..n]);
                if !kind.is_list() {
                    return Err(format!(
                        "`{list_name}` is not a list, so `{}` does not apply",
                        shown(&steps[n..=n])
                    ));
                }
                let entry_kind = match kind {
                    Kind::Accelerators => Kind::Accelerator,
                    Kind::Sites => Kind::Site,
                    Kind::Resources => Kind::Resource,
                    Kind::Systems => Kind::System,
                    Kind::Futures => Kind::Future,
                    _ => Kind::ExistingEntry,
                };
                if last && step.is_selector() {
                    return Err(format!(
                        "`{here}` picks whole entries; a selector changes a field of each, e.g. `{here}.available=false`"
                    ));
                }
                if last && self.o.op != Op::Set {
                    return Err(format!(
                        "`{here}` is a whole entry, not a number, so `{}=` does not apply to it",
                        self.o.op.symbol()
                    ));
                }
                let Some(list) = node.as_sequence_mut() else {
                    let why = format!("the scenario has no `{list_name}` list to index");
                    return self.missing(place, why, selected);
                };
                let fields = entry_kind.keys();
                let picked =
                    match select::pick(list, step, &list_name, what(kind), fields.as_deref()) {
                        Ok(picked) => picked,
                        Err(why) => {
                            return self.missing(
                                format!("{place}{}", shown(&steps[n..=n])),
                                why,
                                selected,
                            );
                        }
                    };
                if last {
                    list[picked[0]] = parse_value(&self.o.value, entry_kind)?;
                    let mut resolved = resolved;
                    resolved.push(Seg::Index(picked[0]));
                    self.out.paths.push(resolved);
                    return Ok(());
                }
                let selected = selected || step.is_selector();
                for i in picked {
                    let entry = &mut list[i];
                    let id = entry
                        .get("id")
                        .and_then(Value::as_str)
                        .filter(|id| !id.is_empty())
                        .map_or_else(|| i.to_string(), str::to_string);
                    let mut resolved = resolved.clone();
                    resolved.push(Seg::Index(i));
                    let place = format!("{place}[{id}]");
                    self.walk(entry, entry_kind, n + 1, resolved, place, selected)?;
                }
                Ok(())
            }
        }
    }

    /// Writes the last field `k` of a mapping of `kind`, at `resolved` (shown as `place`).
    fn write(
        &mut self,
        map: &mut Mapping,
        k: &str,
        kind: Kind,
        resolved: Vec<Seg>,
        place: String,
        selected: bool,
    ) -> Result<(), String> {
        let child = kind.child(k);
        match self.o.op {
            Op::Set => {
                let mut value = parse_value(&self.o.value, child)?;
                if matches!(value, Value::Number(_) | Value::Bool(_)) && kind.is_text(k) {
                    value = Value::String(self.o.value.clone());
                }
                // A site's `domestic_energy_discount: null` switches the rule off there: the
                // null is written, not the field removed (which would inherit the rule).
                if value.is_null() && !(kind == Kind::Site && k == "domestic_energy_discount") {
                    map.remove(k);
                } else {
                    map.insert(Value::String(k.to_string()), value);
                }
            }
            op => {
                // `tflops*=0.5` still scales a plain number.
                if child != Kind::Leaf && !map.get(k).is_some_and(Value::is_number) {
                    return Err(format!(
                        "`{place}` is a section, not a number, so `{}=` does not apply to it",
                        op.symbol()
                    ));
                }
                let Some(current) = map.get(k).filter(|v| !v.is_null()) else {
                    let why = relative::nothing_to_change(op, &place, &place);
                    return self.missing(place, why, selected);
                };
                let (value, note) = relative::apply(op, self.operand, k, &place, current)?;
                map.insert(Value::String(k.to_string()), value);
                self.out.notes.extend(note);
            }
        }
        self.out.paths.push(resolved);
        Ok(())
    }
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
        apply(d, &s.parse::<Override>()?).map(|a| a.paths.into_iter().next().unwrap_or_default())
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
    fn a_site_discount_set_to_null_stays_null() {
        let mut d: Value = serde_yaml::from_str(
            "sites: [{id: a}]\ncosts: {domestic_energy_discount: {rate: 0.5}}\n",
        )
        .unwrap();
        set(&mut d, "costs.domestic_energy_discount.rate=0.3").unwrap();
        assert_eq!(
            d["costs"]["domestic_energy_discount"]["rate"].as_f64(),
            Some(0.3)
        );
        set(&mut d, "sites[a].domestic_energy_discount=null").unwrap();
        let site = d["sites"][0].as_mapping().unwrap();
        assert!(
            site.get("domestic_energy_discount")
                .is_some_and(Value::is_null)
        );
        assert!(set(&mut d, "costs.domestic_energy_discount.rat=0.3").is_err());
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

    #[test]
    fn fields_match_by_step_and_selector() {
        let same = may_write_same_field;
        assert!(same("sites[a].power_kw", "sites[a].power_kw"));
        assert!(same("sites[a]", "sites[a].power_kw"));
        assert!(!same("sites[a].power_kw", "sites[b].power_kw"));
        assert!(same(
            "accelerators[origin=domestic].available",
            "accelerators[h20].available"
        ));
        assert!(!same(
            "accelerators[h20].available",
            "accelerators[h20].unit_price"
        ));
        assert!(same(
            "policy.national_domestic_share",
            "policy.national_domestic_share.min"
        ));
        assert!(!same("limits.power_kw", "limits.capex_budget"));
    }
}
