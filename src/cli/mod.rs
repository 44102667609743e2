//! The command line: clap arguments become requests to the library, results become output
//! and an exit code (0 a plan, 1 infeasible / unbounded / no plan, 2 bad input or usage).
//! Each command returns `anyhow::Result<Exit>`, its errors carrying context (the file, the
//! command); [`exit::report`] alone prints them and picks the code. The library knows
//! nothing of this module.

mod args;
mod check;
mod compare;
mod exit;
mod explain;
mod interrupt;
mod plan;
mod progress;
mod report;
mod schema;
mod serve;
mod sweep;
mod validate;

pub use args::{Cli, Command};
pub use exit::Exit;

use crate::error::Error;
use crate::files;
use anyhow::{Context, anyhow, bail};
use std::path::{Path, PathBuf};

/// Exit code: a plan was produced.
pub const EXIT_PLAN: i32 = 0;
/// Exit code: infeasible, unbounded, or no plan found.
pub const EXIT_NO_PLAN: i32 = 1;
/// Exit code: bad input or usage.
pub const EXIT_BAD_INPUT: i32 = 2;

/// Runs the command line and returns the process exit code, which [`exit::report`] alone
/// decides. Never panics outward: a bug is reported as an internal error.
pub fn run() -> i32 {
    exit::report(dispatch())
}

/// Parses the arguments and runs the command.
fn dispatch() -> anyhow::Result<Exit> {
    use clap::{CommandFactory, FromArgMatches};
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(both) => both,
        // --help and --version: their text is the output.
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return Ok(Exit::Plan);
        }
        Err(e) => return Err(e.into()),
    };
    let sub = matches.subcommand().map(|(_, m)| m);
    let sub = || sub.ok_or_else(|| anyhow!("chipmix: the subcommand's arguments are missing"));
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match &cli.command {
        Command::Plan(a) => plan::run(a),
        Command::Validate(a) => validate::run(a),
        Command::Check(a) => check::run(a),
        Command::Sweep(a) => sweep::run(a, sub()?),
        Command::Merge(a) => sweep::merge(a),
        Command::Compare(a) => compare::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Alternatives(a) => explain::alternatives(a),
        Command::Report(a) => report::run(a, sub()?),
        Command::Serve(a) => serve::run(a),
        Command::Schema(a) => schema::run(a),
    }));
    outcome.unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        bail!("chipmix: internal error (this is a bug, please report it): {what}")
    })
}

/// Loads a scenario of either kind (one site and period, or sites and periods) with its
/// overrides, printing its warnings on stderr. `outputs` are the files the command will
/// write (see [`check_outputs`]).
fn load_any(
    path: &Path,
    sets: &[crate::scenario::Override],
    outputs: &[Option<&Path>],
) -> anyhow::Result<crate::scenario::load::Loaded> {
    let document = open_document(path, outputs)?;
    let loaded = document.resolve(sets).map_err(Error::from)?;
    for w in &loaded.warnings {
        eprintln!("{}", w.line());
    }
    Ok(loaded)
}

/// Reads a scenario file (and its catalog), refusing it when one of `outputs` would
/// overwrite it.
fn open_document(
    path: &Path,
    outputs: &[Option<&Path>],
) -> anyhow::Result<crate::scenario::Document> {
    let document = crate::scenario::Document::read(path).map_err(Error::from)?;
    check_outputs(document.paths(), outputs)?;
    Ok(document)
}

/// Reads several scenario files (`compare`, `report`), each labelled by its file stem,
/// refusing any that one of `outputs` would overwrite. Every unreadable file is named
/// before the command stops.
fn read_documents(
    paths: &[PathBuf],
    outputs: &[Option<&Path>],
) -> anyhow::Result<Vec<(String, crate::scenario::Document)>> {
    let mut documents = Vec::new();
    let mut failed = false;
    for path in paths {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| path.display().to_string());
        match crate::scenario::Document::read(path) {
            Ok(d) => {
                check_outputs(d.paths(), outputs)?;
                documents.push((stem, d));
            }
            Err(e) => {
                eprintln!("{e}");
                failed = true;
            }
        }
    }
    if failed {
        return Err(exit::Reported.into());
    }
    Ok(documents)
}

/// Refuses an output file that is one of the command's inputs, which writing would
/// destroy, or that two outputs both name. `-` is standard output. Files are compared by
/// device and inode, so links and other spellings are caught.
fn check_outputs(inputs: &[PathBuf], outputs: &[Option<&Path>]) -> anyhow::Result<()> {
    let outputs: Vec<&Path> = outputs
        .iter()
        .flatten()
        .copied()
        .filter(|p| p.as_os_str() != "-")
        .collect();
    for (k, out) in outputs.iter().enumerate() {
        if let Some(input) = inputs.iter().find(|i| files::same_file(i, out)) {
            bail!(
                "chipmix: refusing to write {}: it is the input file {}; choose another output file",
                out.display(),
                input.display()
            );
        }
        let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        if outputs[..k]
            .iter()
            .any(|o| files::same_file(o, out) || absolute(o) == absolute(out))
        {
            bail!(
                "chipmix: {} is named as two outputs; give each output its own file",
                out.display()
            );
        }
    }
    Ok(())
}

/// `SOURCE_DATE_EPOCH` (seconds since 1970-01-01 UTC), which dates reports reproducibly as
/// the reproducible-builds convention asks; `None` when unset. A malformed value is an
/// error of `command`.
fn source_date_epoch(command: &str) -> anyhow::Result<Option<i64>> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
            anyhow!(
                "chipmix {command}: SOURCE_DATE_EPOCH is `{v}`, not a whole number of seconds since 1970-01-01 UTC"
            )
        }),
        Err(_) => Ok(None),
    }
}

/// Reads the text file `path` of at most `limit` bytes (a saved plan, a shard); errors
/// name the file.
fn read_text(path: &Path, limit: u64) -> anyhow::Result<String> {
    files::read_text(path, limit)
        .map_err(anyhow::Error::msg)
        .with_context(|| path.display().to_string())
}

/// Writes `bytes` to the file `path` whole or not at all (see [`files::write_atomic`]).
fn write_bytes(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    files::write_atomic(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// Writes `text` to `path` (`-` or none: stdout); a file is written whole or not at all.
/// A reader that stops reading stdout early (`| head`) is not an error.
fn output(text: &str, path: Option<&Path>) -> anyhow::Result<()> {
    output_bytes(text.as_bytes(), path)
}

/// Writes `bytes` to `path` (`-` or none: stdout), as [`output`] writes text.
fn output_bytes(bytes: &[u8], path: Option<&Path>) -> anyhow::Result<()> {
    use std::io::Write;
    match path {
        Some(p) if p.as_os_str() != "-" => write_bytes(p, bytes),
        _ => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)
                .and_then(|_| out.flush())
                .or_else(|e| {
                    if e.kind() == std::io::ErrorKind::BrokenPipe {
                        Ok(())
                    } else {
                        Err(e)
                    }
                })
                .context("cannot write to stdout")
        }
    }
}

/// Checks, before any work, that an Excel workbook of `command` can be written to `path`:
/// a workbook is binary, so it needs `-o FILE.xlsx` (or `-o -` into a pipe or a file, not a
/// terminal). Returns its creation date: `SOURCE_DATE_EPOCH`, else
/// [`crate::render::sheet::DEFAULT_CREATED`], so that the same input gives the same bytes.
fn workbook(command: &str, path: Option<&Path>) -> anyhow::Result<i64> {
    use std::io::IsTerminal;
    match path {
        None => bail!(
            "chipmix {command}: an Excel workbook is binary and is not printed; give -o FILE.xlsx"
        ),
        Some(p) if p.as_os_str() == "-" && std::io::stdout().is_terminal() => bail!(
            "chipmix {command}: an Excel workbook is binary and is not printed on a terminal; give -o FILE.xlsx (or redirect -o - to a file)"
        ),
        Some(_) => {}
    }
    let created = source_date_epoch(command)?.unwrap_or(crate::render::sheet::DEFAULT_CREATED);
    // Excel's dates run from 1900 to 9999.
    if !(-2_208_988_800..253_402_300_800).contains(&created) {
        bail!(
            "chipmix {command}: SOURCE_DATE_EPOCH is {created}: a workbook's date must fall between the years 1900 and 9999"
        );
    }
    Ok(created)
}
