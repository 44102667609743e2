//! `chipmix validate`: check scenario files without solving them.

use super::args::ValidateArgs;
use super::{EXIT_BAD_INPUT, EXIT_PLAN, load_any};
use crate::scenario::load::Loaded;

/// Runs `chipmix validate` and returns the exit code.
pub fn run(a: &ValidateArgs) -> i32 {
    let mut code = EXIT_PLAN;
    for path in &a.scenarios {
        match load_any(path, &a.set, &[]) {
            Ok(l) => {
                let l = match l.scenario.as_single() {
                    Some(scenario) => Loaded {
                        scenario,
                        warnings: l.warnings,
                    },
                    None => {
                        let n = &l.scenario;
                        if a.resolved {
                            eprintln!(
                                "{}: --resolved writes one-site, one-period scenarios only; this one has sites or periods",
                                path.display()
                            );
                            code = EXIT_BAD_INPUT;
                            continue;
                        }
                        println!(
                            "{}: ok ({}, {} accelerators, {} site(s), {} period(s){}, objective {})",
                            path.display(),
                            n.name,
                            n.accelerators.len(),
                            n.sites.len(),
                            n.periods(),
                            if n.has_periods {
                                format!(" {}-{}", n.years[0], n.years[n.periods() - 1])
                            } else {
                                String::new()
                            },
                            n.objective.as_str()
                        );
                        continue;
                    }
                };
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
