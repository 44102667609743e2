//! `chipmix validate`: check scenario files without solving them.

use super::args::ValidateArgs;
use super::{EXIT_BAD_INPUT, EXIT_PLAN};
use crate::scenario::load_file;

/// Runs `chipmix validate` and returns the exit code.
pub fn run(a: &ValidateArgs) -> i32 {
    let mut code = EXIT_PLAN;
    for path in &a.scenarios {
        match load_file(path) {
            Ok(l) => {
                for w in &l.warnings {
                    eprintln!("{}: warning: {w}", path.display());
                }
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
            Err(e) => {
                eprintln!("{e}");
                code = EXIT_BAD_INPUT;
            }
        }
    }
    code
}
