//! Figures a finance team can sign: every output adds up to the total it states (the CSV
//! parsed with the `csv` crate, against the JSON of a separate run), money to the cent with
//! no floating-point noise and no `-0`; display names shown and CJK names aligned; `-o`
//! picks the format from the extension; `--bom` for spreadsheets.

use crate::support::{chipmix, has_plan, json, par_map, sample, scenario_file};
use serde_json::Value;
use unicode_width::UnicodeWidthStr;

/// The sample scenarios (the catalogs are not scenarios).
const SAMPLES: &[&str] = &[
    "shanghai-2025.yaml",
    "h20-banned.yaml",
    "h800-fleet-porting.yaml",
    "infeasible-quota.yaml",
    "max-pflops-budget.yaml",
    "national-2025-2027.yaml",
    "residual-2025-2027.yaml",
    "strict-majority.yaml",
    "training-inference.yaml",
    "catalog-shanghai-2025.yaml",
    "fp8-inference-2026.yaml",
    "gansu-discount-2026.yaml",
    "state-funded-removal-2026.yaml",
    "cloudmatrix-2026.yaml",
];

/// One site, prices and energy chosen so that opex has cents and the costs are not whole:
/// 7 x 1234.567 and 3 x 2345.678 to buy, 0.1234 per kWh over 3.5 years.
const CENTS: &str = r#"name: Cents centre
accelerators:
  - {id: d, name: 华为昇腾910C, vendor: 华为, origin: domestic, unit_price: 1234.567, tflops: 1000, power_w: 517, memory_gb: 64, source: made up}
  - {id: f, name: Foreign F, vendor: Nvidia, origin: foreign, unit_price: 1345.678, tflops: 1500, power_w: 733, memory_gb: 80, max_units: 3, source: made up}
demand: {pflops: 11}
policy: {domestic_share: {min: 0.5}}
costs: {energy_price_per_kwh: 0.1234, pue: 1.3, utilization: 0.77, opex_years: 3.5}
"#;

/// `chipmix ARGS`, which must exit with `code`; its stdout.
fn ok(args: &[&str], code: i32) -> String {
    let r = chipmix(args);
    assert_eq!(r.code, code, "chipmix {args:?}: {}", r.stderr);
    r.stdout
}

/// A money figure of a JSON object.
fn money(v: &Value, key: &str) -> f64 {
    v[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key} is not a number in {v}"))
}

/// Whether two amounts are the same to the cent (they are cents: the slack is float noise).
fn same_cents(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.005
}

/// The CSV rows as maps from column name to cell.
fn csv_rows(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut rd = csv::Reader::from_reader(text.as_bytes());
    let header = rd.headers().expect("a header row").clone();
    rd.records()
        .map(|r| {
            let r = r.unwrap_or_else(|e| panic!("bad CSV ({e}):\n{text}"));
            assert_eq!(r.len(), header.len(), "a ragged row in\n{text}");
            header
                .iter()
                .map(String::from)
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

/// The sum of column `col` (empty cells count 0).
fn column_sum(rows: &[std::collections::HashMap<String, String>], col: &str) -> f64 {
    rows.iter()
        .map(|r| {
            let cell = &r[col];
            if cell.is_empty() {
                0.0
            } else {
                cell.parse::<f64>()
                    .unwrap_or_else(|e| panic!("{col} `{cell}`: {e}"))
            }
        })
        .sum()
}

#[test]
fn every_samples_csv_adds_up_to_its_json_total() {
    let paths: Vec<String> = SAMPLES.iter().map(|s| sample(s)).collect();
    let runs = par_map(&paths, 2, |p| {
        let j = chipmix(&["plan", p, "--format", "json"]);
        let c = chipmix(&["plan", p, "--format", "csv"]);
        (p.clone(), j, c)
    });
    let mut checked = 0;
    for (path, j, c) in runs {
        assert_eq!(j.code, c.code, "{path}: {} / {}", j.stderr, c.stderr);
        let plan = json(&j.stdout);
        let rows = csv_rows(&c.stdout);
        if !has_plan(&plan) {
            assert!(
                rows.is_empty(),
                "{path}: rows without a plan:\n{}",
                c.stdout
            );
            continue;
        }
        let total = money(&plan, "total_cost");
        // The residual value (only with `costs.residual_value`) is subtracted.
        let residual = plan
            .get("residual")
            .map_or(0.0, |_| money(&plan, "residual"));
        // So is the energy discount (only with `costs.domestic_energy_discount`).
        let saved = plan
            .get("energy_discount")
            .map_or(0.0, |_| money(&plan, "energy_discount"));
        // Removals and moves (only with `existing[].removal`) are added.
        let removal = plan.get("removal").map_or(0.0, |_| money(&plan, "removal"));
        let parts = money(&plan, "capex") + money(&plan, "adoption") + money(&plan, "opex")
            - residual
            - saved
            + removal;
        assert!(
            same_cents(parts, total),
            "{path}: JSON parts {parts} vs {total}"
        );
        let national = rows[0]["item"] == "purchase";
        let column = if national { "discounted_cost" } else { "cost" };
        let sum = column_sum(&rows, column);
        assert!(
            same_cents(sum, total),
            "{path}: CSV {column} adds up to {sum}, the JSON total is {total}"
        );
        let items = |kind: &str| rows.iter().filter(|r| r["item"] == kind).count();
        assert_eq!(items("adoption"), 1, "{path}");
        assert!(items("opex") >= 1, "{path}");
        let purchases: f64 = plan["purchases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["cost"].as_f64().unwrap())
            .sum();
        if national {
            let periods: f64 = plan["periods"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["discounted_cost"].as_f64().unwrap())
                .sum();
            // The periods leave the residual value out: it is credited at the horizon's end.
            assert!(
                same_cents(periods, total + residual),
                "{path}: periods {periods}"
            );
            // Undiscounted, the purchase rows (and whole systems') are the JSON's purchases.
            let bought: f64 = rows
                .iter()
                .filter(|r| r["item"] == "purchase" || r["item"] == "system")
                .map(|r| r["cost"].parse::<f64>().unwrap())
                .sum();
            assert!(
                same_cents(bought, purchases),
                "{path}: {bought} vs {purchases}"
            );
        } else {
            let capex = money(&plan, "capex");
            assert!(
                same_cents(purchases, capex),
                "{path}: purchases {purchases}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 7, "only {checked} samples have a plan");
}

/// The numbers written in `text`: `(token, value)`, separators removed. A `-` is a sign
/// only where no letter or digit comes before it (`2025-2027` is two numbers); a comma
/// separates thousands only in `grouped` text (the human formats), cells in the rest.
fn numbers(text: &str, grouped: bool) -> Vec<(String, f64)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let sign = chars[i] == '-'
            && chars.get(i + 1).is_some_and(char::is_ascii_digit)
            && (i == 0 || !chars[i - 1].is_alphanumeric());
        let starts = chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_alphanumeric());
        if !(sign || starts) {
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        while i < chars.len()
            && (chars[i].is_ascii_digit()
                || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit))
                || (grouped && chars[i] == ',' && thousands(&chars[i + 1..]))
                || (matches!(chars[i], 'e' | 'E')
                    && chars
                        .get(i + 1)
                        .is_some_and(|c| c.is_ascii_digit() || *c == '-' || *c == '+')))
        {
            if matches!(chars[i], 'e' | 'E') {
                i += 1;
            }
            i += 1;
        }
        let token: String = chars[start..i].iter().collect();
        if let Ok(v) = token.replace(',', "").parse::<f64>() {
            out.push((token, v));
        }
    }
    out
}

/// Whether `rest` (after a comma) is a group of three digits, so the comma separates
/// thousands (`1,346.84`) rather than cells (`0,2200`).
fn thousands(rest: &[char]) -> bool {
    rest.len() >= 3
        && rest[..3].iter().all(char::is_ascii_digit)
        && rest.get(3).is_none_or(|c| !c.is_ascii_digit())
}

/// Panics when `text` (output `what`) writes a number with an exponent, float noise (a
/// run of six 0s or 9s after the point, or more than 12 significant digits with more than
/// two decimals) or `-0`.
fn assert_clean(what: &str, text: &str) {
    let grouped = what.ends_with("table") || what.ends_with("markdown");
    for (token, v) in numbers(text, grouped) {
        let digits: String = token.chars().filter(char::is_ascii_digit).collect();
        let significant = digits.trim_start_matches('0').len();
        let bad = token.contains(['e', 'E'])
            || (token.starts_with('-') && v == 0.0)
            || token.split_once('.').is_some_and(|(_, frac)| {
                (frac.len() > 2 && significant > 12)
                    || frac.contains("000000")
                    || frac.contains("999999")
            });
        assert!(!bad, "{what}: `{token}` in\n{text}");
    }
}

#[test]
fn the_number_checker_sees_noise() {
    let noisy = [
        "1346.8400000000001",
        "x,-9746175.200000003",
        "a -0 b",
        "1e-7",
        "-0.00",
    ];
    for n in noisy {
        let caught = std::panic::catch_unwind(|| assert_clean("table", n));
        assert!(caught.is_err(), "{n} passed");
    }
    assert_clean(
        "t",
        "2025-2027 -0.5 1,346.84 h20 0.857338820302 0,2200,26400000",
    );
}

#[test]
fn no_noise_exponent_or_negative_zero_in_any_output() {
    let cents = scenario_file("noise", CENTS);
    let mut paths: Vec<String> = SAMPLES.iter().map(|s| sample(s)).collect();
    paths.push(cents.to_str().unwrap().to_string());
    let mut runs: Vec<Vec<String>> = Vec::new();
    for p in &paths {
        for f in ["table", "json", "yaml", "csv", "markdown"] {
            // The national sample is the slow one: its table and files, not every format.
            if p.contains("national") && matches!(f, "yaml" | "markdown") {
                continue;
            }
            runs.push(["plan", p, "--format", f].map(String::from).to_vec());
        }
    }
    let shanghai = sample("shanghai-2025.yaml");
    let quota = [
        "--param",
        "policy.domestic_share.min",
        "--from",
        "0.3",
        "--to",
        "0.7",
        "--step",
        "0.1",
    ];
    for f in ["table", "csv", "json"] {
        let mut a = vec!["sweep".to_string(), shanghai.clone()];
        a.extend(quota.iter().map(|s| s.to_string()));
        a.extend(["--format".into(), f.into()]);
        runs.push(a);
    }
    for f in ["table", "csv", "json", "markdown"] {
        runs.push(
            [
                "compare",
                &shanghai,
                "--variant",
                "q:policy.domestic_share.min=0.7",
                "--format",
                f,
            ]
            .map(String::from)
            .to_vec(),
        );
    }
    for f in ["table", "json"] {
        runs.push(
            ["explain", cents.to_str().unwrap(), "--format", f]
                .map(String::from)
                .to_vec(),
        );
    }
    let outs = par_map(&runs, 2, |a| (a.clone(), crate::support::run_owned(a)));
    for (args, r) in outs {
        assert!(r.code == 0 || r.code == 1, "{args:?}: {}", r.stderr);
        assert_clean(&args.join(" "), &r.stdout);
    }
}

#[test]
fn table_and_markdown_totals_add_up_to_the_cent() {
    let f = scenario_file("totals", CENTS);
    let p = json(&ok(&["plan", f.to_str().unwrap(), "--format", "json"], 0));
    let total = money(&p, "total_cost");
    assert!(total.fract() != 0.0, "the test needs cents: {total}");
    for format in ["table", "markdown"] {
        let text = ok(&["plan", f.to_str().unwrap(), "--format", format], 0);
        let figure = |label: &str| -> f64 {
            let line = text
                .lines()
                .find(|l| l.trim_start_matches(['|', ' ']).starts_with(label))
                .unwrap_or_else(|| panic!("no {label} in\n{text}"));
            let (_, v) = numbers(line, true)
                .into_iter()
                .next()
                .unwrap_or_else(|| panic!("no figure in `{line}`"));
            v
        };
        let shown = figure("total cost");
        let parts = figure("capex") + figure("adoption") + figure("opex");
        assert!(
            same_cents(shown, total),
            "{format}: {shown} vs JSON {total}"
        );
        assert!(
            same_cents(parts, shown),
            "{format}: parts {parts} vs {shown}\n{text}"
        );
    }
}

#[test]
fn sweep_rows_add_up_to_their_total() {
    let text = ok(
        &[
            "sweep",
            &sample("shanghai-2025.yaml"),
            "--param",
            "policy.domestic_share.min",
            "--values",
            "0.3,0.6",
            "--format",
            "csv",
        ],
        0,
    );
    let rows = csv_rows(&text);
    assert_eq!(rows.len(), 2);
    for r in rows {
        let n = |k: &str| r[k].parse::<f64>().unwrap();
        let parts = n("capex") + n("opex") + n("adoption");
        assert!(same_cents(parts, n("total_cost")), "{r:?}");
    }
}

#[test]
fn a_chinese_name_keeps_the_table_columns_aligned() {
    let f = scenario_file("cjk", CENTS);
    let table = ok(&["plan", f.to_str().unwrap()], 0);
    assert!(
        table.contains("华为昇腾910C"),
        "the display name is shown:\n{table}"
    );
    for title in ["Purchases (new units)", "Fleet after the plan"] {
        let lines: Vec<&str> = table
            .lines()
            .skip_while(|l| *l != title)
            .skip(1)
            .take_while(|l| !l.is_empty())
            .collect();
        assert!(lines.len() >= 3, "{title} in\n{table}");
        // The last column is numeric (right-aligned): every line ends at the same column.
        let widths: Vec<usize> = lines.iter().map(|l| l.width()).collect();
        assert!(
            widths.iter().all(|w| *w == widths[0]),
            "{title}: {widths:?}\n{table}"
        );
        // The origin column starts at the same display column on every row.
        let header = lines[0];
        let at = header[..header.find("origin").unwrap()].width();
        for l in &lines[2..] {
            if let Some(i) = l.find("domestic").or_else(|| l.find("foreign")) {
                assert_eq!(l[..i].width(), at, "`{l}` in\n{table}");
            }
        }
    }
}

#[test]
fn display_names_are_shown_in_compare_and_explain() {
    let f = scenario_file("names", CENTS);
    let f = f.to_str().unwrap();
    let compare = ok(
        &["compare", f, "--variant", "q:policy.domestic_share.min=0.6"],
        0,
    );
    assert!(compare.contains("new 华为昇腾910C"), "{compare}");
    let explain = ok(&["explain", f], 0);
    assert!(explain.contains("d (华为昇腾910C)"), "{explain}");
}

#[test]
fn the_output_extension_picks_the_format() {
    let f = scenario_file("ext", CENTS);
    let f = f.to_str().unwrap();
    let dir = std::env::temp_dir().join(format!("chipmix-figures-ext-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();

    ok(&["plan", f, "-o", &out("p.json")], 0);
    assert_eq!(json(&read("p.json"))["status"], "optimal");
    ok(&["plan", f, "-o", &out("p.CSV")], 0);
    assert!(!csv_rows(&read("p.CSV")).is_empty());
    ok(&["plan", f, "-o", &out("p.yml")], 0);
    let y: serde_yaml::Value = serde_yaml::from_str(&read("p.yml")).unwrap();
    assert_eq!(y["status"].as_str(), Some("optimal"));
    ok(&["plan", f, "-o", &out("p.md")], 0);
    assert!(read("p.md").starts_with("# Cents centre"));
    ok(&["plan", f, "-o", &out("p.txt")], 0);
    assert!(read("p.txt").contains("Totals\n"));
    // An explicit --format wins over the extension.
    ok(&["plan", f, "--format", "table", "-o", &out("t.json")], 0);
    assert!(read("t.json").starts_with("Cents centre\n"));
    ok(&["explain", f, "-o", &out("e.json")], 0);
    assert!(json(&read("e.json"))["plan"]["total_cost"].is_number());
    ok(
        &[
            "compare",
            f,
            "--variant",
            "q:policy.domestic_share.min=0.6",
            "-o",
            &out("c.csv"),
        ],
        0,
    );
    assert_eq!(csv_rows(&read("c.csv"))[0]["metric"], "status");

    for (args, says) in [
        (vec!["plan", f, "-o", "x.html"], "chipmix report"),
        (vec!["plan", f, "-o", "x.svg"], "chipmix report"),
        (
            vec![
                "compare",
                f,
                "--variant",
                "q:policy.domestic_share.min=0.6",
                "-o",
                "x.svg",
            ],
            "--chart",
        ),
        (
            vec![
                "sweep",
                f,
                "--param",
                "limits.budget",
                "--values",
                "1e9",
                "-o",
                "x.md",
            ],
            ".csv",
        ),
        (vec!["explain", f, "-o", "x.csv"], ".json"),
    ] {
        let r = chipmix(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bom_starts_the_csv_for_spreadsheets() {
    const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];
    let f = scenario_file("bom", CENTS);
    let f = f.to_str().unwrap();
    let text = ok(&["plan", f, "--format", "csv", "--bom"], 0);
    assert!(text.as_bytes().starts_with(&BOM), "{text}");
    assert!(!csv_rows(text.trim_start_matches('\u{feff}')).is_empty());
    let plain = ok(&["plan", f, "--format", "csv"], 0);
    assert!(!plain.as_bytes().starts_with(&BOM));

    let file = std::env::temp_dir().join(format!("chipmix-figures-bom-{}.csv", std::process::id()));
    let file_s = file.to_str().unwrap();
    ok(
        &[
            "sweep",
            f,
            "--param",
            "limits.budget",
            "--values",
            "1e9",
            "--bom",
            "-o",
            file_s,
        ],
        0,
    );
    assert!(std::fs::read(&file).unwrap().starts_with(&BOM));
    ok(
        &[
            "compare",
            f,
            "--variant",
            "q:policy.domestic_share.min=0.6",
            "--bom",
            "-o",
            file_s,
        ],
        0,
    );
    assert!(std::fs::read(&file).unwrap().starts_with(&BOM));
    std::fs::remove_file(&file).ok();

    let r = chipmix(&["plan", f, "--format", "json", "--bom"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("--bom"), "{}", r.stderr);
}
