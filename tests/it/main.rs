//! chipmix's integration tests, as one test binary (one link of the crate instead of one per
//! file). Each module is one area, run as `cargo test --test it MODULE::`; `support` holds
//! what they share: running the built binary, temp scenario files, JSON helpers, and the
//! common parts of the random-scenario generators (`support::random`).
//!
//! Every module runs in the same process, on the test harness's threads: a test must not
//! change process-wide state (environment variables, the current directory, resource
//! limits), and temp files are named per module and test (see `support::scenario_file`).

mod bad_input;
mod binding;
mod cli;
mod compare_national;
mod conflicts_national;
mod corpus;
mod decompose;
mod energy_discount;
mod explain;
mod explain_national;
mod figures;
mod futures;
mod interrupts;
mod known_optima;
mod national;
mod one_answer;
mod overrides;
mod plausible;
mod precision;
mod properties;
mod readme;
mod reference_model;
mod removals;
mod report_browser;
mod residual;
mod resources;
mod schema;
mod serve_api;
mod serve_browser;
mod snapshots;
mod support;
mod sweep_proof;
mod systems;
mod whatif;
mod xlsx;
