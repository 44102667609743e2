//! The README's examples are the real output of the commands they show.

use crate::support::{chipmix, sample};

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
    let readme =
        std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let start = readme
        .find("`chipmix plan scenarios/fp8-inference-2026.yaml`")
        .expect("the precision example");
    let body = &readme[start..];
    let body = &body[body.find("```\n").unwrap() + 4..];
    let shown = &body[..body.find("```").unwrap()];
    let r = chipmix(&["plan", &sample("fp8-inference-2026.yaml")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        shown, r.stdout,
        "README precision example differs from the real output"
    );
}

#[test]
fn readme_resources_excerpt_is_the_real_output() {
    let readme =
        std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let start = readme
        .find("(`chipmix plan scenarios/hbm-pool-2026-2027.yaml`, three of its sections)")
        .expect("the resources example");
    let body = &readme[start..];
    let body = &body[body.find("```\n").unwrap() + 4..];
    let shown = &body[..body.find("```").unwrap()];
    let r = chipmix(&["plan", &sample("hbm-pool-2026-2027.yaml")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Each section shown is one of the plan's, whole and unchanged.
    for part in shown.split("\n\n") {
        let part = part.trim_end_matches('\n');
        assert!(
            r.stdout.contains(&format!("{part}\n\n")),
            "README resources section differs from the real output:\n{part}\n---\n{}",
            r.stdout
        );
    }
    assert!(shown.contains("resource:hbm-stacks"));
}

#[test]
fn readme_energy_discount_excerpt_is_the_real_output() {
    let readme =
        std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let start = readme
        .find("(`chipmix plan scenarios/gansu-discount-2026.yaml`, three of its sections)")
        .expect("the energy discount example");
    let body = &readme[start..];
    let body = &body[body.find("```\n").unwrap() + 4..];
    let shown = &body[..body.find("```").unwrap()];
    let r = chipmix(&["plan", &sample("gansu-discount-2026.yaml")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Each section shown is one of the plan's, whole and unchanged.
    for part in shown.split("\n\n") {
        let part = part.trim_end_matches('\n');
        assert!(
            r.stdout.contains(&format!("{part}\n\n")),
            "README energy discount section differs from the real output:\n{part}\n---\n{}",
            r.stdout
        );
    }
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
