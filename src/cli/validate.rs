//! `chipmix validate`: check scenario files without solving them.

use super::args::ValidateArgs;
use super::{EXIT_PLAN, load_any};

/// Runs `chipmix validate` and returns the exit code.
pub fn run(a: &ValidateArgs) -> i32 {
    let mut code = EXIT_PLAN;
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
            Err(bad) => code = bad,
        }
    }
    code
}
