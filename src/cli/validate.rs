//! `chipmix validate`: check scenario files without solving them.

use super::args::ValidateArgs;
use super::{Exit, exit, load_any};

/// Runs `chipmix validate`: every file is checked, and the problems of each are printed
/// (by [`exit::report`]) as they are found; the command fails if any file does.
pub fn run(a: &ValidateArgs) -> anyhow::Result<Exit> {
    let mut code = Exit::Plan.code();
    for path in &a.scenarios {
        match load_any(path, &a.set, &[]) {
            Ok(l) => {
                let n = &l.scenario;
                if a.resolved {
                    if a.scenarios.len() > 1 {
                        println!("# {}", path.display());
                    }
                    print!("{}", crate::scenario::resolved::to_yaml(n));
                    continue;
                }
                let mut shape = Vec::new();
                if n.has_sites {
                    shape.push(format!("{} site(s)", n.sites.len()));
                }
                if n.has_periods {
                    shape.push(format!(
                        "{} period(s) {}-{}",
                        n.periods(),
                        n.years[0],
                        n.years[n.periods() - 1]
                    ));
                }
                let shape = if shape.is_empty() {
                    String::new()
                } else {
                    format!(", {}", shape.join(", "))
                };
                println!(
                    "{}: ok ({}, {} accelerators{shape}, objective {})",
                    path.display(),
                    n.name,
                    n.accelerators.len(),
                    n.objective.as_str()
                );
            }
            Err(bad) => code = code.max(exit::report(Err(bad))),
        }
    }
    exit::from_code(code)
}
