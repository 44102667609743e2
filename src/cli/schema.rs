//! `chipmix schema`: print the JSON Schema of a scenario file, a plan or a catalog.

use super::args::{SchemaArgs, SchemaKind};
use super::{Exit, output};
use anyhow::Context;

/// Runs `chipmix schema`: the schema goes to stdout or to `--output`.
pub fn run(a: &SchemaArgs) -> anyhow::Result<Exit> {
    let schema = match a.kind {
        SchemaKind::Scenario => crate::schema::scenario(),
        SchemaKind::Plan => crate::schema::plan(),
        SchemaKind::Catalog => crate::schema::catalog(),
    };
    output(&crate::schema::to_text(&schema), a.output.as_deref()).context("chipmix")?;
    Ok(Exit::Plan)
}
