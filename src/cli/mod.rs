//! The command line: clap arguments become requests to the library, results become output
//! and an exit code (0 a plan, 1 infeasible / unbounded / no plan, 2 bad input or usage).
//! The library knows nothing of this module.

mod args;
mod check;
mod compare;
mod explain;
mod plan;
mod progress;
mod report;
mod sweep;
mod validate;

pub use args::{Cli, Command};

use crate::files;
use std::path::{Path, PathBuf};

/// Exit code: a plan was produced.
pub const EXIT_PLAN: i32 = 0;
/// Exit code: infeasible, unbounded, or no plan found.
pub const EXIT_NO_PLAN: i32 = 1;
/// Exit code: bad input or usage.
pub const EXIT_BAD_INPUT: i32 = 2;

/// Runs the command line and returns the process exit code. Never panics outward: a bug
/// is reported as an internal error.
pub fn run() -> i32 {
    use clap::{CommandFactory, FromArgMatches};
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let (cli, matches) = match parsed {
        Ok(both) => both,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                EXIT_BAD_INPUT
            } else {
                EXIT_PLAN
            };
        }
    };
    std::panic::set_hook(Box::new(|_| {}));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match &cli.command {
        Command::Plan(a) => plan::run(a),
        Command::Validate(a) => validate::run(a),
        Command::Check(a) => check::run(a),
        Command::Sweep(a) => match matches.subcommand_matches("sweep") {
            Some(m) => sweep::run(a, m),
            None => EXIT_BAD_INPUT,
        },
        Command::Merge(a) => sweep::merge(a),
        Command::Compare(a) => compare::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Alternatives(a) => explain::alternatives(a),
        Command::Report(a) => match matches.subcommand_matches("report") {
            Some(m) => report::run(a, m),
            None => EXIT_BAD_INPUT,
        },
    }));
    match outcome {
        Ok(code) => code,
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            eprintln!("chipmix: internal error (this is a bug, please report it): {what}");
            EXIT_BAD_INPUT
        }
    }
}

/// Loads a scenario of either kind (one site and period, or sites and periods) with its
/// overrides, printing its problems (exit code 2) or its warnings on stderr. `outputs` are
/// the files the command will write (see [`guard_outputs`]).
fn load_any(
    path: &Path,
    sets: &[crate::scenario::Override],
    outputs: &[Option<&Path>],
) -> Result<crate::scenario::load::Loaded, i32> {
    let document = read_document(path, outputs)?;
    match document.resolve(sets) {
        Ok(l) => {
            for w in &l.warnings {
                eprintln!("{}: warning: {w}", path.display());
            }
            Ok(l)
        }
        Err(e) => {
            eprintln!("{e}");
            Err(EXIT_BAD_INPUT)
        }
    }
}

/// Reads a scenario file (and its catalog), printing the problems and returning exit code
/// 2 when it cannot be used, or when one of `outputs` would overwrite it.
fn read_document(path: &Path, outputs: &[Option<&Path>]) -> Result<crate::scenario::Document, i32> {
    let document = crate::scenario::Document::read(path).map_err(|e| {
        eprintln!("{e}");
        EXIT_BAD_INPUT
    })?;
    guard_outputs(document.paths(), outputs)?;
    Ok(document)
}

/// Refuses (exit 2, with a message) an output file that is one of the command's inputs,
/// which writing would destroy, or that two outputs both name. `-` is standard output.
/// Files are compared by device and inode, so links and other spellings are caught.
fn guard_outputs(inputs: &[PathBuf], outputs: &[Option<&Path>]) -> Result<(), i32> {
    let outputs: Vec<&Path> = outputs
        .iter()
        .flatten()
        .copied()
        .filter(|p| p.as_os_str() != "-")
        .collect();
    for (k, out) in outputs.iter().enumerate() {
        if let Some(input) = inputs.iter().find(|i| files::same_file(i, out)) {
            eprintln!(
                "chipmix: refusing to write {}: it is the input file {}; choose another output file",
                out.display(),
                input.display()
            );
            return Err(EXIT_BAD_INPUT);
        }
        let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        if outputs[..k]
            .iter()
            .any(|o| files::same_file(o, out) || absolute(o) == absolute(out))
        {
            eprintln!(
                "chipmix: {} is named as two outputs; give each output its own file",
                out.display()
            );
            return Err(EXIT_BAD_INPUT);
        }
    }
    Ok(())
}

/// Writes `bytes` to the file `path` whole or not at all (see [`files::write_atomic`]).
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), String> {
    files::write_atomic(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Writes `text` to `path` (`-` or none: stdout); a file is written whole or not at all.
fn emit(text: &str, output: Option<&Path>) -> Result<(), String> {
    use std::io::Write;
    match output {
        Some(p) if p.as_os_str() != "-" => write_file(p, text.as_bytes()),
        _ => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|_| out.flush())
                .or_else(|e| {
                    if e.kind() == std::io::ErrorKind::BrokenPipe {
                        Ok(())
                    } else {
                        Err(e)
                    }
                })
                .map_err(|e| format!("cannot write to stdout: {e}"))
        }
    }
}
