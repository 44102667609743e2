//! chipmix plans the purchase of AI accelerators for data centres that must meet a
//! domestic-chip quota: how many of which accelerator to buy to reach a compute target at
//! least cost, within budgets, power and supply limits. It builds a mixed-integer linear
//! programme with `good_lp`, solves it with microlp (pure Rust) or HiGHS, re-checks the
//! answer against the scenario with an independent checker, and renders the plan.
//!
//! The pipeline, one module per step, each importing only the ones before it:
//! [`scenario`] (read and validate; every scenario is sites x periods, a single site in a
//! single period the 1 x 1 case) -> [`model`] (build the programme) -> [`solve`] (run a
//! solver, within a time [`solve::Budget`]) -> [`check`] (the independent checker) ->
//! [`plan`] (the result, written from the checker's figures) -> [`search`] (direct MILP,
//! rounding and platform sets, decomposition) -> [`conflicts`] (why there is no plan) ->
//! [`planner`] (scenario -> search -> checked plan) -> [`explain`], [`compare`], [`sweep`]
//! (what-ifs over plans) -> [`render`] (table, JSON, YAML, CSV, Markdown, HTML) -> [`serve`]
//! (the what-if page's server) and [`cli`]. [`schema`] gives the JSON Schemas of the
//! scenario file and of the plan, generated from the types that read and write them.
//!
//! ```
//! let text = "name: demo\naccelerators:\n  - {id: a, vendor: V, origin: domestic, unit_price: 10, tflops: 500}\ndemand: {pflops: 2}\n";
//! let scenario = chipmix::scenario::load_str(text, "demo.yaml").unwrap().scenario;
//! let plan = chipmix::planner::plan(&scenario, &Default::default()).unwrap();
//! assert_eq!(plan.purchases[0].units, 4.0);
//! ```

pub mod audit;
pub mod chart;
pub mod check;
pub mod cli;
pub mod compare;
pub mod conflicts;
pub mod error;
pub mod explain;
pub mod files;
pub mod hedge;
pub mod model;
pub mod numfmt;
pub mod plan;
pub mod planner;
pub mod render;
pub mod report;
pub mod rules;
pub mod scenario;
pub mod schema;
pub mod search;
pub mod serve;
pub mod solve;
pub mod sweep;
