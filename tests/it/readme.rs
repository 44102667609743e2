//! The README's examples are the real output of the commands they show.

use crate::support::{chipmix, sample};

/// The README.
fn readme() -> String {
    std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The first code block after `marker` in the README.
fn block_after<'a>(readme: &'a str, marker: &str) -> &'a str {
    let start = readme
        .find(marker)
        .unwrap_or_else(|| panic!("the README has no `{marker}`"));
    let body = &readme[start..];
    let body = &body[body.find("```\n").unwrap() + 4..];
    &body[..body.find("```").unwrap()]
}

/// Each section of `shown` (blocks separated by a blank line) is one of `sample`'s plan,
/// whole and unchanged; returns the plan's output.
fn sections_are_the_real_output(shown: &str, sample_name: &str) -> String {
    let r = chipmix(&["plan", &sample(sample_name)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for part in shown.split("\n\n") {
        let part = part.trim_end_matches('\n');
        assert!(
            r.stdout.contains(&format!("{part}\n\n")),
            "README section of {sample_name} differs from the real output:\n{part}\n---\n{}",
            r.stdout
        );
    }
    r.stdout
}

#[test]
fn readme_example_is_the_real_output() {
    let readme =
        std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let start = readme
        .find("`chipmix plan scenarios/shanghai-2025.yaml`\nprints:\n\n```\n")
        .expect("the worked example");
    let body = &readme[start..];
    let body = &body[body.find("```\n").unwrap() + 4..];
    let shown = &body[..body.find("```").unwrap()];
    let r = chipmix(&["plan", &sample("shanghai-2025.yaml")]);
    assert_eq!(r.code, 0);
    assert_eq!(
        shown, r.stdout,
        "README example differs from the real output"
    );
}

#[test]
fn readme_national_excerpt_is_the_real_output() {
    let readme =
        std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let start = readme
        .find("`chipmix plan scenarios/national-2025-2027.yaml`")
        .expect("the national example");
    let body = &readme[start..];
    let body = &body[body.find("```\n").unwrap() + 4..];
    let shown = &body[..body.find("```").unwrap()];
    let r = chipmix(&["plan", &sample("national-2025-2027.yaml")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(shown),
        "README national excerpt differs from the real output:\n{}",
        r.stdout
    );
}

#[test]
fn readme_schema_excerpt_is_the_real_output() {
    let readme =
        std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let command = "$ chipmix schema scenario | grep -E '\"(\\$schema|title)\"'\n";
    let start = readme.find(command).expect("the schema example") + command.len();
    let shown = &readme[start..start + readme[start..].find("```").unwrap()];
    let r = chipmix(&["schema", "scenario"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let picked: String = r
        .stdout
        .lines()
        .filter(|l| l.contains("\"$schema\"") || l.contains("\"title\""))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        shown, picked,
        "README schema excerpt differs from the real output"
    );
    assert!(readme.contains("# yaml-language-server: $schema=../schema/scenario.schema.json"));
}

#[test]
fn readme_precision_example_is_the_real_output() {
    let readme = readme();
    let shown = block_after(&readme, "`chipmix plan scenarios/fp8-inference-2026.yaml`");
    let r = chipmix(&["plan", &sample("fp8-inference-2026.yaml")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        shown, r.stdout,
        "README precision example differs from the real output"
    );
}

#[test]
fn readme_resources_excerpt_is_the_real_output() {
    let readme = readme();
    let shown = block_after(
        &readme,
        "(`chipmix plan scenarios/hbm-pool-2026-2027.yaml`, three of its sections)",
    );
    sections_are_the_real_output(shown, "hbm-pool-2026-2027.yaml");
    assert!(shown.contains("resource:hbm-stacks"));
}

#[test]
fn readme_systems_excerpt_is_the_real_output() {
    let readme = readme();
    let shown = block_after(
        &readme,
        "(`chipmix plan scenarios/cloudmatrix-2026.yaml`, two of its sections)",
    );
    sections_are_the_real_output(shown, "cloudmatrix-2026.yaml");
    assert!(shown.contains("ascend-910c (cloudmatrix-384 x384)"));
}

#[test]
fn readme_energy_discount_excerpt_is_the_real_output() {
    let readme = readme();
    let shown = block_after(
        &readme,
        "(`chipmix plan scenarios/gansu-discount-2026.yaml`, three of its sections)",
    );
    sections_are_the_real_output(shown, "gansu-discount-2026.yaml");
    assert!(shown.contains("energy discount"));
    // The figures of the paragraph after it: the plan with the discount switched off.
    let off = chipmix(&[
        "plan",
        &sample("gansu-discount-2026.yaml"),
        "--set",
        "sites[qingyang].domestic_energy_discount=null",
    ]);
    assert_eq!(off.code, 0, "{}", off.stderr);
    assert!(off.stdout.contains("26,389,776 CNY"), "{}", off.stdout);
    assert!(readme.contains("pays 26,389,776 CNY"));
}

#[test]
fn readme_removals_excerpt_is_the_real_output() {
    let readme = readme();
    let shown = block_after(
        &readme,
        "(`chipmix plan scenarios/state-funded-removal-2026.yaml`, two of its sections)",
    );
    sections_are_the_real_output(shown, "state-funded-removal-2026.yaml");
    assert!(shown.contains("moved to gd-private"));
    // The paragraph after it: moving dearer than selling.
    let dear = chipmix(&[
        "plan",
        &sample("state-funded-removal-2026.yaml"),
        "--set",
        "costs.relocation_per_unit=30000",
        "--format",
        "json",
    ]);
    assert_eq!(dear.code, 0, "{}", dear.stderr);
    let plan = crate::support::json(&dear.stdout);
    let units = |moved: bool| -> f64 {
        plan["removals"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["moved_to"].is_string() == moved)
            .map(|r| r["units"].as_f64().unwrap())
            .sum()
    };
    assert_eq!((units(false), units(true)), (255.0, 1.0));
    assert!(readme.contains("the plan sells 255 and\nmoves 1"));
}

#[test]
fn readme_futures_excerpt_is_the_real_output() {
    let readme = readme();
    let shown = block_after(
        &readme,
        "(`chipmix plan scenarios/futures-2026-2028.yaml`, four of its sections)",
    );
    sections_are_the_real_output(shown, "futures-2026-2028.yaml");
    assert!(shown.contains("value of hedging"));
}
