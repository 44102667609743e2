//! How a command ends, and its exit code, decided here and nowhere else: a command returns
//! `anyhow::Result<Exit>`; [`report`] prints the error, if any, and maps it to the code.

use super::{EXIT_BAD_INPUT, EXIT_NO_PLAN, EXIT_PLAN};
use crate::error::{Error, Kind};
use std::fmt;

/// A command that ran to its end: with a plan (0) or with a result that has none (1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// A plan, a valid file, a sweep with every row: exit code 0.
    Plan,
    /// Infeasible, unbounded, no plan found, or a saved plan that breaks a rule: exit code 1.
    NoPlan,
    /// Stopped by Ctrl-C or SIGTERM after writing what it had (the best plan so far, the
    /// finished points of a sweep): exit code 130.
    Interrupted,
}

impl Exit {
    /// The exit of a plan: [`Exit::Plan`] when it has one.
    pub fn of(plan: &crate::plan::Plan) -> Exit {
        if plan.status.has_plan() {
            Exit::Plan
        } else {
            Exit::NoPlan
        }
    }

    /// The process exit code.
    pub fn code(self) -> i32 {
        match self {
            Exit::Plan => EXIT_PLAN,
            Exit::NoPlan => EXIT_NO_PLAN,
            Exit::Interrupted => super::interrupt::EXIT_INTERRUPTED,
        }
    }
}

/// Errors its command has already printed (`compare` names every unreadable file before it
/// stops): [`report`] prints nothing more and exits 2.
#[derive(Debug)]
pub struct Reported;

impl fmt::Display for Reported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the error was reported by the command")
    }
}

impl std::error::Error for Reported {}

/// Prints the error of `outcome`, if any, on stderr (its context chain, joined by `: `) and
/// returns the exit code: the exit's own, 1 for a library error without a plan, and 2 for
/// everything else: bad input (the library says which of its errors are), unreadable or
/// unwritable files, usage, and internal errors.
pub fn report(outcome: anyhow::Result<Exit>) -> i32 {
    let e = match outcome {
        Ok(exit) => return exit.code(),
        Err(e) => e,
    };
    if let Some(usage) = e.downcast_ref::<clap::Error>() {
        let _ = usage.print();
        return EXIT_BAD_INPUT;
    }
    if e.downcast_ref::<Reported>().is_none() {
        eprintln!("{e:#}");
    }
    let library = e.chain().find_map(|c| c.downcast_ref::<Error>());
    match library.map(Error::kind) {
        Some(Kind::NoPlan) => EXIT_NO_PLAN,
        Some(Kind::BadInput) | None => EXIT_BAD_INPUT,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::PlanError;
    use anyhow::Context;

    #[test]
    fn each_error_has_its_code() {
        assert_eq!(report(Ok(Exit::Plan)), 0);
        assert_eq!(report(Ok(Exit::NoPlan)), 1);
        assert_eq!(report(Ok(Exit::Interrupted)), 130);
        let failed: anyhow::Result<Exit> =
            Err(Error::from(PlanError::Solver("lost".into()))).context("s.yaml");
        assert_eq!(report(failed.context("chipmix")), 1);
        let unavailable: anyhow::Result<Exit> =
            Err(Error::from(PlanError::SolverUnavailable("highs".into()))).context("chipmix");
        assert_eq!(report(unavailable), 2);
        let io: anyhow::Result<Exit> =
            Err(std::io::Error::other("disk full")).context("cannot write out.json");
        assert_eq!(report(io), 2);
        assert_eq!(report(Err(Reported.into())), 2);
    }
}
