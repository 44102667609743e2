//! Explanations of a result. For now: why a scenario is infeasible, in the scenario's words.

pub mod conflicts;
