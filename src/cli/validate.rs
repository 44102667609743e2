//! `chipmix validate`: check scenario files without solving them.

use super::args::ValidateArgs;
use super::{EXIT_PLAN, load_scenario};

/// Runs `chipmix validate` and returns the exit code.
pub fn run(a: &ValidateArgs) -> i32 {
    let mut code = EXIT_PLAN;
    for path in &a.scenarios {
        match load_scenario(path, &a.set) {
            Ok(l) => {
                if a.resolved {
                    if a.scenarios.len() > 1 {
                        println!("# {}", path.display());
                    }
                    print!("{}", crate::scenario::resolved::to_yaml(&l.scenario));
                    continue;
                }
                println!(
                    "{}: ok ({}, {} accelerators, objective {})",
                    path.display(),
                    l.scenario.name,
                    l.scenario.accelerators.len(),
                    l.scenario.objective.as_str()
                );
            }
            Err(bad) => code = bad,
        }
    }
    code
}
