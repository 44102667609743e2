//! Reading scenario files: size and nesting limits, YAML parsing with `file:line:col`
//! messages, every structural problem reported (not just the first), and "did you mean"
//! hints for unknown keys.

use super::catalog::{Catalog, EntryOrigin};
use super::locate::{Location, Locator, Seg};
use super::national::National;
use super::overrides::{self, Override};
use super::raw::RawScenario;
use super::validate::{Warning, validate};
use crate::error::{Diagnostic, ScenarioError};
use serde_yaml::Value;

/// Largest scenario file read, in bytes (4 MiB).
pub const MAX_FILE_BYTES: u64 = crate::files::MAX_SCENARIO_BYTES;
/// Deepest nesting accepted (a scenario needs 5 levels).
pub const MAX_NESTING: usize = 64;
/// Most problems listed for one file; past that, the rest are counted.
pub const MAX_PROBLEMS: usize = 50;

/// A scenario read from a file, with the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Loaded<S = National> {
    /// The validated scenario.
    pub scenario: S,
    /// Things that are allowed but probably not meant (e.g. an unused adoption cost).
    pub warnings: Vec<Warning>,
}

/// Reads and validates a scenario file (its catalog included, no overrides).
pub fn load_file(path: &std::path::Path) -> Result<Loaded, ScenarioError> {
    Document::read(path)?.resolve(&[])
}

/// Parses and validates scenario text; `file` names it in messages. A `catalog` it names is
/// read relative to the current directory.
pub fn load_str(text: &str, file: &str) -> Result<Loaded, ScenarioError> {
    Document::parse(text.to_string(), file, None)?.resolve(&[])
}

/// A scenario file read and parsed, with its catalog merged in: the start of every command.
/// [`Document::resolve`] applies `--set` overrides and validates; a sweep resolves one
/// document many times.
#[derive(Debug, Clone)]
pub struct Document {
    file: String,
    /// The files read for it: the scenario (when read from a file) and its catalog.
    paths: Vec<std::path::PathBuf>,
    text: String,
    value: Value,
    catalog: Option<(Catalog, Vec<EntryOrigin>)>,
}

/// Reads a file's text within the size limit, as UTF-8 (see [`crate::files::read_text`]);
/// `shown` names it in messages.
pub(crate) fn read_text(path: &std::path::Path, shown: &str) -> Result<String, ScenarioError> {
    crate::files::read_text(path, MAX_FILE_BYTES).map_err(|message| ScenarioError::Read {
        file: shown.to_string(),
        message,
    })
}

fn one(file: &str, location: Option<Location>, message: String) -> ScenarioError {
    ScenarioError::Invalid(vec![Diagnostic {
        file: file.to_string(),
        location,
        message,
    }])
}

/// Parses YAML text within the size and nesting limits, with `file:line:col` messages.
pub(crate) fn parse_yaml(text: &str, file: &str) -> Result<Value, ScenarioError> {
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(ScenarioError::Read {
            file: file.to_string(),
            message: format!("the text is limited to {MAX_FILE_BYTES} bytes"),
        });
    }
    let meaningful = text.lines().any(|l| {
        let t = l.trim();
        !t.is_empty() && !t.starts_with('#') && t != "---" && t != "..."
    });
    if !meaningful {
        return Err(one(
            file,
            None,
            "the file is empty: a scenario needs at least `name` and `accelerators`".into(),
        ));
    }
    if let Some(line) = too_deep(text) {
        return Err(one(
            file,
            Some(Location { line, column: 1 }),
            format!("the YAML nests deeper than {MAX_NESTING} levels (a scenario needs 5)"),
        ));
    }
    let parsed = serde_yaml::from_str(text).map_err(|e| {
        let location = e.location().map(|l| Location {
            line: l.line(),
            column: l.column(),
        });
        let mut message = e.to_string();
        if let Some(pos) = message.rfind(" at line ") {
            message.truncate(pos);
        }
        if message.contains("repetition limit exceeded") {
            message =
                "the YAML expands too many aliases (`*name` references); write the values out"
                    .into();
        }
        one(file, location, plain(&message))
    });
    // Duplicate keys and tags: checked on every file, since serde keeps `2025` and
    // `"2025"` apart and drops tags; when serde itself refuses a duplicate, this places it
    // at the key rather than at its mapping. Other syntax errors stand as serde gives them.
    let syntax_error = matches!(&parsed, Err(ScenarioError::Invalid(d))
        if !d.iter().any(|d| d.message.contains("duplicate")));
    if syntax_error {
        return parsed;
    }
    let found = super::structure::problems(text);
    if found.is_empty() {
        return parsed;
    }
    Err(ScenarioError::Invalid(
        found
            .into_iter()
            .take(MAX_PROBLEMS)
            .map(|p| Diagnostic {
                file: file.to_string(),
                location: Some(p.location),
                message: p.message,
            })
            .collect(),
    ))
}

impl Document {
    /// Reads the scenario at `path` and the catalog it names (relative to the scenario).
    pub fn read(path: &std::path::Path) -> Result<Document, ScenarioError> {
        let file = path.display().to_string();
        let text = read_text(path, &file)?;
        let mut document = Document::parse(text, &file, path.parent())?;
        document.paths.insert(0, path.to_path_buf());
        Ok(document)
    }

    /// The files this document was read from: the scenario file and its catalog. A
    /// command must not write its output over any of them.
    pub fn paths(&self) -> &[std::path::PathBuf] {
        &self.paths
    }

    /// Parses scenario text; `file` names it in messages and `dir` is where a relative
    /// `catalog` path starts (the current directory when `None`).
    pub fn parse(
        text: String,
        file: &str,
        dir: Option<&std::path::Path>,
    ) -> Result<Document, ScenarioError> {
        // YAML allows a byte-order mark at the start; spreadsheet programs write one.
        let text = match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => text,
        };
        let mut value = parse_yaml(&text, file)?;
        if !value.is_mapping() {
            return Err(one(
                file,
                Some(Location { line: 1, column: 1 }),
                format!(
                    "the top level must be a mapping of fields (`name: ...`, `accelerators: ...`), got {}",
                    kind(&value)
                ),
            ));
        }
        let mut paths = Vec::new();
        let catalog = match value.as_mapping_mut().and_then(|m| m.remove("catalog")) {
            None => None,
            Some(Value::String(name)) if !name.trim().is_empty() => {
                let path = match dir {
                    Some(d) if !d.as_os_str().is_empty() => d.join(&name),
                    _ => std::path::PathBuf::from(&name),
                };
                let shown = path.display().to_string();
                let catalog = Catalog::read(&path, &shown).map_err(|e| match e {
                    ScenarioError::Read { message, .. } => one(
                        file,
                        super::locate::locate(&text, &[Seg::Key("catalog".into())]),
                        format!("catalog: cannot use `{shown}`: {message}"),
                    ),
                    other => other,
                })?;
                paths.push(path);
                let origins = catalog.merge_into(&mut value);
                Some((catalog, origins))
            }
            Some(other) => {
                return Err(one(
                    file,
                    super::locate::locate(&text, &[Seg::Key("catalog".into())]),
                    format!(
                        "catalog must be the path of a catalog file (a string), got {}",
                        kind(&other)
                    ),
                ));
            }
        };
        Ok(Document {
            file: file.to_string(),
            paths,
            text,
            value,
            catalog,
        })
    }

    /// The scenario file as messages name it.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The parsed scenario (catalog merged, no overrides).
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// Checks that `o`'s path exists in this scenario (the format's fields, the ids of its
    /// lists), without validating the value.
    pub fn check_path(&self, o: &Override) -> Result<(), String> {
        overrides::apply(&mut self.value.clone(), o).map(|_| ())
    }

    /// Where the field at `path` is in the scenario file (its nearest existing parent when
    /// it is not there).
    pub fn locate(&self, path: &[Seg]) -> Option<Location> {
        super::locate::locate(&self.text, path)
    }

    /// The catalog file, if the scenario names one.
    pub fn catalog_file(&self) -> Option<&str> {
        self.catalog.as_ref().map(|(c, _)| c.file.as_str())
    }

    /// Applies `sets` in order, then validates. A problem with a field an override wrote is
    /// reported against that override (`--set limits.budget=-5: ...`).
    pub fn resolve(&self, sets: &[Override]) -> Result<Loaded, ScenarioError> {
        let mut value = self.value.clone();
        let mut written = Vec::new();
        let mut problems = Vec::new();
        let mut notes = Vec::new();
        for o in sets {
            let label = format!("--set {o}");
            match overrides::apply(&mut value, o) {
                Ok(applied) => {
                    notes.extend(applied.notes.into_iter().map(|message| Warning {
                        file: label.clone(),
                        location: None,
                        message,
                    }));
                    written.extend(applied.paths.into_iter().map(|p| (p, label.clone())));
                }
                Err(message) => problems.push(Diagnostic {
                    file: format!("--set {o}"),
                    location: None,
                    message,
                }),
            }
        }
        if !problems.is_empty() {
            return Err(ScenarioError::Invalid(problems));
        }
        let sources = Sources {
            file: &self.file,
            main: Locator::new(&self.text),
            catalog: self
                .catalog
                .as_ref()
                .map(|(c, o)| (c.file.as_str(), Locator::new(&c.text), o.as_slice())),
            sets: written,
        };
        let raw_futures = super::futures::split(&mut value);
        let base = raw_futures.as_ref().map(|_| value.clone());
        let mut loaded = check_value(value, &sources, &self.text)?;
        loaded.warnings.splice(0..0, notes);
        if let (Some(raw), Some(base)) = (raw_futures, base) {
            let futures =
                super::futures::resolve(raw, &base, &loaded.scenario, &sources, |v, src| {
                    check_value(v, src, &self.text).map(|l| l.scenario)
                })?;
            loaded.scenario.futures = Some(Box::new(futures));
        }
        Ok(loaded)
    }
}

/// Where the fields of a resolved scenario came from: the scenario file, its catalog, or a
/// `--set` override. Messages use it to name the right file and line.
pub struct Sources<'a> {
    file: &'a str,
    main: Locator<'a>,
    catalog: Option<(&'a str, Locator<'a>, &'a [EntryOrigin])>,
    sets: Vec<(Vec<Seg>, String)>,
}

impl Sources<'_> {
    /// These sources with more fields written by overrides (`label` names them).
    pub(crate) fn with_sets(&self, more: Vec<(Vec<Seg>, String)>) -> Sources<'_> {
        let mut sets = self.sets.clone();
        sets.extend(more);
        Sources {
            file: self.file,
            main: Locator::new(self.main.text()),
            catalog: self
                .catalog
                .as_ref()
                .map(|(f, l, o)| (*f, Locator::new(l.text()), *o)),
            sets,
        }
    }

    /// The file (or `--set ...`) and location of the field at `path` of the merged scenario.
    pub fn place(&self, path: &[Seg]) -> (String, Option<Location>) {
        if let Some((_, label)) = self
            .sets
            .iter()
            .rev()
            .find(|(p, _)| path.starts_with(p) || (p.starts_with(path) && !path.is_empty()))
        {
            return (label.clone(), None);
        }
        if let (Some((cat_file, cat, origins)), [Seg::Key(list), Seg::Index(i), rest @ ..]) =
            (&self.catalog, path)
            && list == "accelerators"
            && let Some(origin) = origins.get(*i)
        {
            let field = match rest.first() {
                Some(Seg::Key(k)) => Some(k.as_str()),
                _ => None,
            };
            let in_scenario = origin
                .scenario
                .as_ref()
                .filter(|(_, keys)| field.is_none_or(|f| keys.contains(f)));
            if let Some((j, _)) = in_scenario {
                let mut p = vec![Seg::Key(list.clone()), Seg::Index(*j)];
                p.extend_from_slice(rest);
                return (self.file.to_string(), self.main.find(&p));
            }
            if let Some(k) = origin.catalog {
                let mut p = vec![Seg::Key(list.clone()), Seg::Index(k)];
                p.extend_from_slice(rest);
                return (cat_file.to_string(), cat.find(&p));
            }
        }
        (self.file.to_string(), self.main.find(path))
    }
}

/// Deserialises and validates a parsed (and merged, overridden) scenario.
fn check_value(value: Value, sources: &Sources, text: &str) -> Result<Loaded, ScenarioError> {
    let file = sources.file;
    let (raw, mut problems, skipped) = deserialize_all(value, sources);
    // A problem at the root (say, a key that is a list) has no path to locate: the direct
    // parse of the text knows where it is.
    if let Some(first) = problems
        .first_mut()
        .filter(|d| d.location.is_none() && d.file == file)
    {
        first.location = serde_yaml::from_str::<RawScenario>(text)
            .err()
            .and_then(|e| e.location())
            .map(|l| Location {
                line: l.line(),
                column: l.column(),
            });
    }
    let outcome = match raw {
        Some(raw) => validate(raw, sources, &skipped),
        None => Err(ScenarioError::Invalid(Vec::new())),
    };
    match outcome {
        Ok((scenario, warnings)) if problems.is_empty() => Ok(Loaded { scenario, warnings }),
        Ok(_) => Err(ScenarioError::Invalid(problems)),
        Err(ScenarioError::Invalid(more)) => {
            problems.extend(more);
            problems.sort_by(|a, b| {
                (
                    a.file != file,
                    &a.file,
                    a.location.map(|l| (l.line, l.column)),
                )
                    .cmp(&(
                        b.file != file,
                        &b.file,
                        b.location.map(|l| (l.line, l.column)),
                    ))
            });
            if problems.len() > MAX_PROBLEMS {
                let rest = problems.len() - MAX_PROBLEMS;
                problems.truncate(MAX_PROBLEMS);
                problems.push(Diagnostic {
                    file: file.to_string(),
                    location: None,
                    message: format!("... and {rest} more problems"),
                });
            }
            Err(ScenarioError::Invalid(problems))
        }
        Err(e) => Err(e),
    }
}

/// The first line where flow brackets or block indentation nest deeper than
/// [`MAX_NESTING`]. A cheap guard: the YAML parser's time grows with the square of the depth.
fn too_deep(text: &str) -> Option<usize> {
    let mut depth: usize = 0;
    for (n, line) in text.lines().enumerate() {
        let indent = line.len() - line.trim_start_matches([' ', '-']).len();
        if indent > 4 * MAX_NESTING {
            return Some(n + 1);
        }
        let mut quote: Option<char> = None;
        for c in line.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '#') => break,
                (None, '[' | '{') => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Some(n + 1);
                    }
                }
                (None, ']' | '}') => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    None
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// Deserialises `value`, collecting every structural problem: an unknown key is reported
/// and removed, a value of the wrong type is reported and dropped, and the rest is tried
/// again. Returns the raw scenario (if the root could be read), the problems, and the paths
/// that were dropped (so validation does not report them as missing).
fn deserialize_all(
    mut value: Value,
    sources: &Sources,
) -> (Option<RawScenario>, Vec<Diagnostic>, Vec<Vec<Seg>>) {
    let mut problems = Vec::new();
    let mut skipped = Vec::new();
    for _ in 0..=MAX_PROBLEMS {
        let err = match serde_path_to_error::deserialize::<_, RawScenario>(&value) {
            Ok(raw) => return (Some(raw), problems, skipped),
            Err(e) => e,
        };
        let path: Vec<Seg> = err
            .path()
            .iter()
            .filter_map(|seg| match seg {
                serde_path_to_error::Segment::Seq { index } => Some(Seg::Index(*index)),
                serde_path_to_error::Segment::Map { key } => Some(Seg::Key(key.clone())),
                _ => None,
            })
            .collect();
        let inner = err.inner().to_string();
        let unknown = inner.starts_with("unknown field");
        let (place, message) = if unknown {
            let parent = &path[..path.len().saturating_sub(1)];
            (
                parent.to_vec(),
                unknown_key_hint(&inner).unwrap_or(inner.clone()),
            )
        } else {
            (path.clone(), plain(&inner))
        };
        let shown = display_path(&value, &place);
        let (file, location) = sources.place(&path);
        problems.push(Diagnostic {
            file,
            location,
            message: if shown.is_empty() {
                message
            } else {
                format!("{shown}: {message}")
            },
        });
        if path.is_empty() || !drop_at(&mut value, &path, unknown) {
            return (None, problems, skipped);
        }
        skipped.push(path);
    }
    (None, problems, skipped)
}

/// Removes (an unknown key) or nulls (a value of the wrong type) the node at `path`.
fn drop_at(value: &mut Value, path: &[Seg], remove: bool) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut node = value;
    for seg in parents {
        node = match (seg, node) {
            (Seg::Key(k), Value::Mapping(m)) => match m.get_mut(k.as_str()) {
                Some(v) => v,
                None => return false,
            },
            (Seg::Index(i), Value::Sequence(s)) => match s.get_mut(*i) {
                Some(v) => v,
                None => return false,
            },
            _ => return false,
        };
    }
    match (last, node) {
        (Seg::Key(k), Value::Mapping(m)) => {
            if remove {
                m.remove(k.as_str()).is_some()
            } else {
                m.get_mut(k.as_str()).map(|v| *v = Value::Null).is_some()
            }
        }
        (Seg::Index(i), Value::Sequence(s)) if *i < s.len() => {
            s[*i] = Value::Null;
            true
        }
        _ => false,
    }
}

/// `accelerators[ascend-910c].unit_price` style path, using ids where the list has them.
fn display_path(value: &Value, path: &[Seg]) -> String {
    let mut out = String::new();
    let mut node = Some(value);
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
                node = node.and_then(|n| n.get(k.as_str()));
            }
            Seg::Index(i) => {
                node = node.and_then(|n| n.get(*i));
                let id = node
                    .and_then(|n| n.get("id"))
                    .and_then(|v| v.as_str())
                    .filter(|s| !s.is_empty() && s.len() <= 64);
                match id {
                    Some(id) => out.push_str(&format!("[{id}]")),
                    None => out.push_str(&format!("[{i}]")),
                }
            }
        }
    }
    out
}

/// Replaces serde's internal type names with words a user knows.
fn plain(message: &str) -> String {
    let mut m = message
        .replace("expected f64", "expected a number")
        .replace("expected u64", "expected a whole number")
        .replace("expected a borrowed string", "expected a string")
        .replace("expected field identifier", "expected a field name");
    const STRUCT: &str = "expected struct ";
    while let Some(start) = m.find(STRUCT) {
        let name_end = m[start + STRUCT.len()..]
            .find(|c: char| !c.is_alphanumeric())
            .map_or(m.len(), |e| start + STRUCT.len() + e);
        m.replace_range(start..name_end, "expected a mapping of fields");
    }
    m
}

/// Rewrites serde's "unknown field `x`, expected one of `a`, `b`" into a shorter message
/// naming the closest known key.
fn unknown_key_hint(message: &str) -> Option<String> {
    let start = message.find("unknown field `")?;
    let rest = &message[start + "unknown field `".len()..];
    let end = rest.find('`')?;
    let key = &rest[..end];
    let expected: Vec<&str> = rest[end + 1..].split('`').skip(1).step_by(2).collect();
    let mut out = format!("unknown key `{key}`");
    match closest(key, &expected) {
        Some(best) => out.push_str(&format!(" (did you mean `{best}`?)")),
        None if !expected.is_empty() => {
            out.push_str(&format!("; known keys here: {}", expected.join(", ")))
        }
        None => {}
    }
    Some(out)
}

/// The candidate closest to `word`, if it is close enough to be a likely typo: the same
/// word in another case, a small edit distance, or a high Jaro-Winkler similarity.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let lower = word.to_lowercase();
    if let Some(same) = candidates.iter().find(|c| c.to_lowercase() == lower) {
        return Some(same);
    }
    let allowed = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| {
            let edits = strsim::damerau_levenshtein(&lower, c);
            let similar = strsim::jaro_winkler(&lower, c);
            (edits, -similar, *c)
        })
        .filter(|(edits, neg_sim, _)| *edits <= allowed || -*neg_sim >= 0.85)
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
        .map(|(_, _, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_key() {
        let msg = "unknown field `unit_prise`, expected one of `id`, `unit_price`, `tflops`";
        assert_eq!(
            unknown_key_hint(msg).unwrap(),
            "unknown key `unit_prise` (did you mean `unit_price`?)"
        );
        assert_eq!(closest("mni", &["min", "basis", "strict"]), Some("min"));
        assert_eq!(closest("ID", &["id", "units"]), Some("id"));
    }

    #[test]
    fn lists_keys_when_nothing_is_close() {
        let msg = "unknown field `zzz`, expected `id` or `units`";
        assert_eq!(
            unknown_key_hint(msg).unwrap(),
            "unknown key `zzz`; known keys here: id, units"
        );
    }

    #[test]
    fn internal_type_names_are_hidden() {
        assert_eq!(
            plain("invalid type: string \"x\", expected struct RawDemand"),
            "invalid type: string \"x\", expected a mapping of fields"
        );
        assert_eq!(
            plain("invalid type: map, expected f64"),
            "invalid type: map, expected a number"
        );
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let text = format!("name: x\naccelerators: {}", "[".repeat(100_000));
        let err = load_str(&text, "deep.yaml").unwrap_err().to_string();
        assert!(err.contains("nests deeper than 64"), "{err}");
    }

    #[test]
    fn every_structural_problem_is_reported() {
        let text = "name: x\naccelerators:\n  - {id: a, vendor: V, origin: domestic, unit_price: abc, tflops: 1, max_unit: 3}\nlimits: {budgte: 4}\n";
        let err = load_str(text, "s.yaml").unwrap_err().to_string();
        assert!(err.contains("s.yaml:3:"), "{err}");
        assert!(
            err.contains("accelerators[a].unit_price: invalid type"),
            "{err}"
        );
        assert!(
            err.contains("accelerators[a]: unknown key `max_unit` (did you mean `max_units`?)"),
            "{err}"
        );
        assert!(
            err.contains("s.yaml:4:10: limits: unknown key `budgte` (did you mean `budget`?)"),
            "{err}"
        );
        // The dropped price is not also reported as missing.
        assert!(!err.contains("unit_price is required"), "{err}");
    }
}
