//! Reading scenario files: size limits, YAML parsing with `file:line:col` messages, and
//! "did you mean" hints for unknown keys.

use super::Scenario;
use super::locate::Location;
use super::raw::RawScenario;
use super::validate::{Warning, validate};
use crate::error::{Diagnostic, ScenarioError};

/// Largest scenario file read, in bytes (4 MiB).
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// A scenario read from a file, with the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The validated scenario.
    pub scenario: Scenario,
    /// Things that are allowed but probably not meant (e.g. an unused adoption cost).
    pub warnings: Vec<Warning>,
}

/// Reads and validates a scenario file.
pub fn load_file(path: &std::path::Path) -> Result<Loaded, ScenarioError> {
    let file = path.display().to_string();
    let read_err = |message: String| ScenarioError::Read {
        file: file.clone(),
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| read_err(format!("cannot read: {e}")))?;
    if meta.is_dir() {
        return Err(read_err("is a directory, not a scenario file".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(read_err(format!(
            "file is {} bytes; scenario files are limited to {} bytes",
            meta.len(),
            MAX_FILE_BYTES
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| read_err(format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        read_err(format!(
            "is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    load_str(&text, &file)
}

/// Parses and validates scenario text; `file` names it in messages.
pub fn load_str(text: &str, file: &str) -> Result<Loaded, ScenarioError> {
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(ScenarioError::Read {
            file: file.to_string(),
            message: format!("scenario text is limited to {MAX_FILE_BYTES} bytes"),
        });
    }
    let stripped: String = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .collect();
    if stripped.is_empty() || stripped == "---" {
        return Err(ScenarioError::Invalid(vec![Diagnostic {
            file: file.to_string(),
            location: None,
            message: "the file is empty: a scenario needs at least `name` and `accelerators`"
                .into(),
        }]));
    }
    let raw: RawScenario = serde_yaml::from_str(text)
        .map_err(|e| ScenarioError::Invalid(vec![yaml_diagnostic(&e, file)]))?;
    let (scenario, warnings) = validate(raw, text, file)?;
    Ok(Loaded { scenario, warnings })
}

/// Turns a serde_yaml error into a diagnostic: location, message without the trailing
/// "at line L column C", and a hint for a misspelt key or a wrong type.
fn yaml_diagnostic(e: &serde_yaml::Error, file: &str) -> Diagnostic {
    let location = e.location().map(|l| Location {
        line: l.line(),
        column: l.column(),
    });
    let mut message = e.to_string();
    if let Some(pos) = message.rfind(" at line ") {
        message.truncate(pos);
    }
    if let Some(hint) = unknown_key_hint(&message) {
        message = hint;
    } else if message.contains("invalid type: map") && message.contains("expected f64") {
        message.push_str(
            " (a per-year map needs `periods`, which this version of chipmix does not support)",
        );
    } else if message.contains("invalid type") && message.contains("expected f64") {
        message = message.replace("expected f64", "expected a number");
    } else if message.contains("invalid type") && message.contains("expected struct") {
        message.push_str(" (expected a mapping of `key: value` lines)");
    }
    Diagnostic {
        file: file.to_string(),
        location,
        message,
    }
}

/// Rewrites serde's "unknown field `x`, expected one of `a`, `b`" into a shorter message
/// naming the closest known key.
fn unknown_key_hint(message: &str) -> Option<String> {
    let start = message.find("unknown field `")?;
    let prefix = message[..start].trim_end_matches(": ").trim();
    let rest = &message[start + "unknown field `".len()..];
    let end = rest.find('`')?;
    let key = &rest[..end];
    let expected: Vec<&str> = rest[end + 1..].split('`').skip(1).step_by(2).collect();
    let place = if prefix.is_empty() {
        String::new()
    } else {
        format!("{prefix}: ")
    };
    let mut out = format!("{place}unknown key `{key}`");
    match closest(key, &expected) {
        Some(best) => out.push_str(&format!(" (did you mean `{best}`?)")),
        None if !expected.is_empty() => {
            out.push_str(&format!("; known keys here: {}", expected.join(", ")))
        }
        None => {}
    }
    Some(out)
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_key() {
        let msg = "accelerators[0]: unknown field `unit_prise`, expected one of `id`, `unit_price`, `tflops`";
        assert_eq!(
            unknown_key_hint(msg).unwrap(),
            "accelerators[0]: unknown key `unit_prise` (did you mean `unit_price`?)"
        );
    }

    #[test]
    fn lists_keys_when_nothing_is_close() {
        let msg = "unknown field `zzz`, expected `id` or `units`";
        assert_eq!(
            unknown_key_hint(msg).unwrap(),
            "unknown key `zzz`; known keys here: id, units"
        );
    }
}
