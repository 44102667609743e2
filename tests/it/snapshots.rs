//! Snapshot tests of the human formats (table and Markdown): a change in layout shows up
//! as a reviewed diff. JSON and CSV are guarded by contract tests in cli.rs.

use chipmix::plan::Plan;
use chipmix::planner::{Options, plan};
use chipmix::render::{Format, render};
use chipmix::scenario::load_str;

fn plan_of(yaml: &str) -> Plan {
    let s = load_str(yaml, "snap.yaml").unwrap().scenario;
    plan(&s, &Options::default()).unwrap()
}

const FLEET: &str = "name: Snapshot centre
currency: CNY
accelerators:
  - {id: ascend, name: Ascend, vendor: Huawei, origin: domestic, platform: cann, unit_price: 120000, tflops: 320, power_w: 400, memory_gb: 64, lot_size: 8, max_units: 200, source: reported price}
  - {id: h20, name: H20, vendor: Nvidia, origin: foreign, platform: cuda, unit_price: 86000, tflops: 148, power_w: 400, memory_gb: 96, lot_size: 8, source: distributor price}
  - {id: h800, vendor: Nvidia, origin: foreign, platform: cuda, unit_price: 250000, tflops: 989, power_w: 700, memory_gb: 80, available: false}
existing: [{id: h800, units: 16}]
demand: {pflops: 60, memory_tb: 10}
policy: {domestic_share: {min: 0.5}}
limits: {power_kw: 200}
costs: {energy_price_per_kwh: 0.6, pue: 1.25, opex_years: 5, platform_adoption: {cann: 2000000}}
";

#[test]
fn table_report() {
    insta::assert_snapshot!(render(&plan_of(FLEET), Format::Table));
}

#[test]
fn markdown_report() {
    insta::assert_snapshot!(render(&plan_of(FLEET), Format::Markdown));
}

#[test]
fn infeasible_table_report() {
    let yaml = FLEET.replace("max_units: 96", "max_units: 16");
    insta::assert_snapshot!(render(&plan_of(&yaml), Format::Table));
}
