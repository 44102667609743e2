//! What the what-if page asks of the planner, without HTTP: a request's overrides read from
//! JSON in the order written, and the answers (the plan JSON of `chipmix plan --set ...`,
//! the resolved scenario, the report of a view), each made by the same library calls as the
//! command line, so the page and the CLI cannot disagree.

use crate::error::Error;
use crate::planner::Options;
use crate::render::{Format, render};
use crate::scenario::{Document, Override};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Largest request body read, in bytes: a page sends a few hundred.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Most overrides in one request.
pub const MAX_SETS: usize = 1000;

/// How a request failed, as an HTTP status class and the message the CLI would print.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The request itself is malformed (not JSON, not the expected shape): 400.
    Malformed(String),
    /// The overrides do not make a valid scenario (unknown path, invalid value): 422, with
    /// the CLI's message for the same `--set`.
    Invalid(String),
    /// The planner failed in a way that says nothing about the request: 500.
    Planner(String),
}

impl Failure {
    /// The message shown to the user.
    pub fn message(&self) -> &str {
        match self {
            Failure::Malformed(m) | Failure::Invalid(m) | Failure::Planner(m) => m,
        }
    }
}

/// The overrides of a request, in the order written: `{"set": {"PATH": VALUE, ...}}` or
/// `{"set": ["PATH=VALUE", ...]}` (the list form allows the same path twice). A path may end
/// in `*`, `+` or `-` for a relative change, as on the command line. A string value is used
/// as written; numbers, booleans and null as JSON writes them; lists and maps as JSON, which
/// is YAML's flow style.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sets(pub Vec<Override>);

impl Sets {
    /// Reads a request body. Unknown top-level fields are refused, so a misspelt `sets`
    /// is not silently a plan of the file as written.
    pub fn from_body(body: &[u8]) -> Result<Sets, Failure> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Sets::default());
        }
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Body {
            #[serde(default)]
            set: Sets,
        }
        let expected = "expected {\"set\": {\"PATH\": VALUE, ...}}";
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(Failure::Malformed(format!(
                "the request body is not a plan request: it is not a JSON object; {expected}"
            )));
        }
        serde_json::from_slice::<Body>(body)
            .map(|b| b.set)
            .map_err(|e| {
                Failure::Malformed(format!(
                    "the request body is not a plan request: {e}; {expected}"
                ))
            })
    }

    /// The overrides as `--set` arguments.
    pub fn as_args(&self) -> Vec<String> {
        self.0.iter().map(|o| o.to_string()).collect()
    }
}

/// The text of a JSON value as the command line would take it: a string as written,
/// anything else as JSON writes it (which YAML reads back as the same value).
pub fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl<'de> serde::Deserialize<'de> for Sets {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Sets, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Sets;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map of PATH to VALUE, or a list of \"PATH=VALUE\" strings")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Sets, A::Error> {
                let mut out = Vec::new();
                while let Some((path, value)) = m.next_entry::<String, serde_json::Value>()? {
                    if out.len() == MAX_SETS {
                        return Err(de::Error::custom(format!("more than {MAX_SETS} overrides")));
                    }
                    if path.trim().is_empty() {
                        return Err(de::Error::custom("an override has an empty path"));
                    }
                    out.push(Override::new(&path, &value_text(&value)));
                }
                Ok(Sets(out))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Sets, A::Error> {
                let mut out = Vec::new();
                while let Some(text) = s.next_element::<String>()? {
                    if out.len() == MAX_SETS {
                        return Err(de::Error::custom(format!("more than {MAX_SETS} overrides")));
                    }
                    out.push(text.parse().map_err(de::Error::custom)?);
                }
                Ok(Sets(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// The scenario the page serves, with the overrides and solver settings it was started
/// with (`chipmix serve FILE --set ... --time-limit ...`), which come before each request's.
#[derive(Debug, Clone)]
pub struct Served {
    /// The scenario file, read once.
    pub document: Document,
    /// Its label in reports (the file stem).
    pub label: String,
    /// Overrides given on the command line, applied before every request's.
    pub base: Vec<Override>,
    /// How to solve (the same flags as `chipmix plan`); the cancellation is per request.
    pub options: Options,
}

/// A plan as the page receives it: the JSON text `chipmix plan --format json` prints and
/// the exit code it would end with (0 a plan, 1 none).
#[derive(Debug, Clone)]
pub struct Answer {
    /// The plan JSON.
    pub json: String,
    /// 0 with a plan, 1 without.
    pub exit: i32,
}

impl Served {
    /// The overrides of a request after the command line's.
    fn all(&self, sets: &Sets) -> Vec<Override> {
        self.base.iter().chain(&sets.0).cloned().collect()
    }

    /// The plan of the scenario with `sets`: the JSON of `chipmix plan FILE --set ...
    /// --format json`, solved with the served options and `cancel`.
    pub fn plan(&self, sets: &Sets, cancel: crate::solve::Cancel) -> Result<Answer, Failure> {
        let loaded = self
            .document
            .resolve(&self.all(sets))
            .map_err(|e| Failure::Invalid(Error::from(e).to_string()))?;
        let opts = Options {
            cancel,
            progress: None,
            ..self.options
        };
        let (plan, _) = crate::planner::plan_loaded(&loaded, &opts).map_err(|e| {
            Failure::Planner(format!(
                "chipmix: {}: {}",
                self.document.file(),
                Error::from(e)
            ))
        })?;
        Ok(Answer {
            exit: if plan.status.has_plan() { 0 } else { 1 },
            json: render(&plan, Format::Json),
        })
    }

    /// The scenario with `sets` as planned, every default filled in (what `chipmix validate
    /// --resolved` writes), as JSON, with the file, the overrides and their warnings.
    pub fn scenario(&self, sets: &Sets) -> Result<String, Failure> {
        let loaded = self
            .document
            .resolve(&self.all(sets))
            .map_err(|e| Failure::Invalid(Error::from(e).to_string()))?;
        let body = serde_json::json!({
            "file": self.document.file(),
            "overrides": self.base.iter().map(|o| o.to_string()).collect::<Vec<_>>(),
            "warnings": loaded.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
            "scenario": crate::scenario::resolved::to_value(&loaded.scenario),
        });
        Ok(serde_json::to_string_pretty(&body).unwrap_or_default() + "\n")
    }

    /// The HTML report of the view (`chipmix report FILE --set ...`), dated `generated`.
    pub fn report(
        &self,
        sets: &Sets,
        generated: i64,
        cancel: crate::solve::Cancel,
    ) -> Result<String, Failure> {
        let all = self.all(sets);
        let request = crate::report::Request {
            scenarios: vec![(self.label.clone(), &self.document)],
            sets: &all,
            variants: &[],
            options: Options {
                cancel,
                progress: None,
                ..self.options
            },
            sweep: None,
            explain: false,
            alternatives: None,
            generated,
        };
        let report = crate::report::build(&request).map_err(|e| match e {
            crate::report::ReportError::Scenario(e) => Failure::Invalid(e.to_string()),
            other => Failure::Planner(other.to_string()),
        })?;
        Ok(crate::render::html::render(&report))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(body: &str) -> Result<Vec<String>, Failure> {
        Sets::from_body(body.as_bytes()).map(|s| s.as_args())
    }

    #[test]
    fn overrides_keep_their_order_and_their_text() {
        assert_eq!(
            args(r#"{"set": {"limits.budget": 9e7, "policy.domestic_share.min": "0.70", "accelerators[h20].available": false}}"#).unwrap(),
            ["limits.budget=90000000.0", "policy.domestic_share.min=0.70", "accelerators[h20].available=false"]
        );
        assert_eq!(
            args(r#"{"set": {"accelerators[h20].max_units*": "0.5", "b": null}}"#).unwrap(),
            ["accelerators[h20].max_units*=0.5", "b=null"]
        );
        assert_eq!(
            args(r#"{"set": ["a=1", "a*=2"]}"#).unwrap(),
            ["a=1", "a*=2"]
        );
        assert_eq!(args("").unwrap(), Vec::<String>::new());
        assert_eq!(args("{}").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn malformed_requests_say_what_was_expected() {
        for bad in [
            "{",
            "[1]",
            r#"{"sets": {}}"#,
            r#"{"set": 3}"#,
            r#"{"set": ["no equals sign"]}"#,
            r#"{"set": {"": 1}}"#,
        ] {
            match args(bad) {
                Err(Failure::Malformed(m)) => assert!(m.contains("plan request"), "{bad}: {m}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
