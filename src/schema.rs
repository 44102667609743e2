//! JSON Schemas (draft 2020-12) of the scenario file and of the plan's JSON, generated
//! with `schemars` from the very types the loader reads ([`crate::scenario::raw`]) and the
//! JSON renderer writes ([`crate::plan::Plan`]): they cannot drift from the code.
//!
//! The scenario schema closes every mapping the loader closes (an unknown key is refused
//! there too) and accepts a per-year map `{2026: x}` wherever the loader does. It checks
//! shape and types, not ranges or cross-references (a `min` above 1, an `existing` id
//! missing from `accelerators`): `chipmix validate` does those.

use crate::plan::Plan;
use crate::scenario::raw::{RawCatalog, RawScenario};
use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::Value;

/// The schema of a scenario file (YAML, read as JSON data), for editors and validators.
pub fn scenario() -> Value {
    titled::<RawScenario>(SchemaSettings::draft2020_12(), "chipmix scenario")
}

/// The schema of an accelerator catalog file (`catalog:` in a scenario).
pub fn catalog() -> Value {
    titled::<RawCatalog>(
        SchemaSettings::draft2020_12(),
        "chipmix accelerator catalog",
    )
}

/// The schema of `chipmix plan --format json` (a plan, feasible or not).
pub fn plan() -> Value {
    titled::<Plan>(
        SchemaSettings::draft2020_12().for_serialize(),
        "chipmix plan",
    )
}

/// `schema` as the text `chipmix schema` prints: pretty JSON with a trailing newline.
pub fn to_text(schema: &Value) -> String {
    let mut text = serde_json::to_string_pretty(schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The root schema of `T` under `settings`, with `title`.
fn titled<T: JsonSchema>(settings: SchemaSettings, title: &str) -> Value {
    let mut root = settings.into_generator().into_root_schema_for::<T>();
    root.insert("title".into(), Value::from(title));
    root.to_value()
}

#[cfg(test)]
mod tests {
    use crate::scenario::raw::CATALOG_KEYS;

    /// The keys the catalog schema lists are the ones the catalog reader accepts.
    #[test]
    fn the_catalog_schema_has_the_readers_keys() {
        let schema = super::catalog();
        let mut listed: Vec<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut read = CATALOG_KEYS.to_vec();
        listed.sort();
        read.sort();
        assert_eq!(listed, read);
        assert_eq!(schema["additionalProperties"], false);
        assert_eq!(schema["required"], serde_json::json!(["accelerators"]));
    }
}
