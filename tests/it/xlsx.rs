//! `--format xlsx`: each workbook is read back with calamine and checked against the JSON
//! (or CSV) of the same run: purchases, totals, the total cost's formula and its cached
//! value, the national sheets, sweeps, comparisons and explanations; the refusal to print
//! a workbook; the same bytes for the same plan.

use crate::support::{chipmix, json, sample};
use calamine::{Data, Reader, Xlsx, open_workbook};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Money is written to the cent.
const CENT: f64 = 0.005;

/// A temp file `name` for this module's test `test`.
fn out(test: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("chipmix-tests-{}", std::process::id()))
        .join("xlsx")
        .join(test);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// Runs chipmix with `args`, checked to exit `code`; returns stdout.
fn ok(args: &[&str], code: i32) -> String {
    let r = chipmix(args);
    assert_eq!(r.code, code, "chipmix {args:?}: {}", r.stderr);
    r.stdout
}

/// A sheet: its header and its rows, each a map from column name to cell.
struct Sheet {
    header: Vec<String>,
    rows: Vec<BTreeMap<String, Data>>,
}

impl Sheet {
    /// The rows whose column `col` holds the text `key`.
    fn find(&self, col: &str, key: &str) -> Vec<&BTreeMap<String, Data>> {
        self.rows
            .iter()
            .filter(|r| matches!(r.get(col), Some(Data::String(s)) if s == key))
            .collect()
    }

    /// The only row whose column `col` is `key`.
    fn one(&self, col: &str, key: &str) -> &BTreeMap<String, Data> {
        let found = self.find(col, key);
        assert_eq!(found.len(), 1, "one row {col} = {key}");
        found[0]
    }
}

/// The number in a cell (a number, never text), `None` when empty.
fn num(d: Option<&Data>) -> Option<f64> {
    match d {
        Some(Data::Float(v)) => Some(*v),
        Some(Data::Int(v)) => Some(*v as f64),
        None | Some(Data::Empty) => None,
        Some(other) => panic!("not a number: {other:?}"),
    }
}

/// The text in a cell.
fn text(d: Option<&Data>) -> String {
    match d {
        Some(Data::String(s)) => s.clone(),
        None | Some(Data::Empty) => String::new(),
        Some(other) => panic!("not text: {other:?}"),
    }
}

/// Reads a workbook: its sheet names in order and each sheet.
fn read(path: &Path) -> (Vec<String>, BTreeMap<String, Sheet>) {
    let mut book: Xlsx<_> = open_workbook(path).expect("a workbook");
    let names = book.sheet_names().to_vec();
    let mut sheets = BTreeMap::new();
    for name in &names {
        let range = book.worksheet_range(name).unwrap();
        assert_eq!(range.start(), Some((0, 0)), "{name} starts at A1");
        let mut rows = range.rows();
        let header: Vec<String> = rows.next().unwrap().iter().map(|c| text(Some(c))).collect();
        let rows = rows
            .map(|r| {
                header
                    .iter()
                    .cloned()
                    .zip(r.iter().cloned())
                    .collect::<BTreeMap<_, _>>()
            })
            .collect();
        sheets.insert(name.clone(), Sheet { header, rows });
    }
    (names, sheets)
}

/// `a` and `b` within `tol`.
fn near(a: f64, b: f64, tol: f64, what: &str) {
    assert!((a - b).abs() <= tol, "{what}: {a} vs {b}");
}

/// `a` and `b` both empty, or both numbers within a cent.
fn same_money(a: Option<f64>, b: Option<f64>, what: &str) {
    match (a, b) {
        (Some(a), Some(b)) => near(a, b, CENT, what),
        (a, b) => assert_eq!(a, b, "{what}"),
    }
}

/// The JSON number at `v`.
fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// Checks the Summary of `path` against the plan JSON `p`: the parts, and the total cost
/// as a formula over them whose cached value is the total.
fn check_summary(path: &Path, sheets: &BTreeMap<String, Sheet>, p: &Value) {
    let s = &sheets["Summary"];
    assert_eq!(text(s.one("figure", "status").get("value")), p["status"]);
    let part = |k: &str| num(s.one("figure", k).get("value")).unwrap();
    let parts = part("capex") + part("adoption") + part("opex");
    for k in ["capex", "adoption", "opex"] {
        near(part(k), f(&p[k]), CENT, k);
    }
    let total = part("total_cost");
    near(
        total,
        f(&p["total_cost"]),
        CENT,
        "total_cost (cached value)",
    );
    near(parts, total, CENT, "capex + adoption + opex = total_cost");
    let mut book: Xlsx<_> = open_workbook(path).unwrap();
    let formulas = book.worksheet_formula("Summary").unwrap();
    let row = s
        .rows
        .iter()
        .position(|r| text(r.get("figure")) == "total_cost")
        .unwrap() as u32
        + 1;
    let formula = formulas
        .get_value((row, 1))
        .expect("the total is a formula");
    let first = s
        .rows
        .iter()
        .position(|r| text(r.get("figure")) == "capex")
        .unwrap()
        + 2;
    assert_eq!(
        formula.trim_start_matches('='),
        format!("SUM(B{first}:B{})", first + 2),
        "the total adds the three cells above it"
    );
}

#[test]
fn plan_workbook_holds_the_plan_of_the_same_run() {
    let scenario = sample("shanghai-2025.yaml");
    let p = json(&ok(&["plan", &scenario, "--format", "json"], 0));
    let path = out("plan", "plan.xlsx");
    ok(&["plan", &scenario, "-o", path.to_str().unwrap()], 0);
    let (names, sheets) = read(&path);
    assert_eq!(names, ["Summary", "Purchases", "Fleet", "Inputs"]);
    check_summary(&path, &sheets, &p);
    let purchases = p["purchases"].as_array().unwrap();
    assert!(!purchases.is_empty());
    let sheet = &sheets["Purchases"];
    assert_eq!(sheet.rows.len(), purchases.len());
    let cost_col = format!("cost {}", p["currency"].as_str().unwrap());
    let mut costs = 0.0;
    for x in purchases {
        let row = sheet.one("id", x["id"].as_str().unwrap());
        near(
            num(row.get("units")).unwrap(),
            f(&x["units"]),
            1e-9,
            "units",
        );
        let cost = num(row.get(&cost_col)).unwrap();
        near(cost, f(&x["cost"]), CENT, "cost");
        costs += cost;
    }
    near(costs, f(&p["capex"]), CENT, "the purchases add up to capex");
    for x in p["fleet"].as_array().unwrap() {
        let row = sheets["Fleet"].one("id", x["id"].as_str().unwrap());
        near(
            num(row.get("units")).unwrap(),
            f(&x["units"]),
            1e-9,
            "fleet",
        );
        assert_eq!(
            sheets["Inputs"].find("id", x["id"].as_str().unwrap()).len(),
            1
        );
    }
    // The inputs as the scenario file states them.
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&scenario).unwrap()).unwrap();
    let accs = doc["accelerators"].as_sequence().unwrap();
    assert_eq!(sheets["Inputs"].rows.len(), accs.len());
    for a in accs {
        let row = sheets["Inputs"].one("id", a["id"].as_str().unwrap());
        if let Some(tf) = a["tflops"].as_f64() {
            near(num(row.get("tflops")).unwrap(), tf, 1e-9, "tflops");
        }
        if let Some(price) = a["unit_price"].as_f64() {
            let col = format!("unit_price {}", p["currency"].as_str().unwrap());
            near(num(row.get(&col)).unwrap(), price, CENT, "price");
        }
    }
}

#[test]
fn national_workbook_has_sites_and_periods() {
    let scenario = sample("national-2025-2027.yaml");
    let p = json(&ok(&["plan", &scenario, "--format", "json"], 0));
    let path = out("national", "national.xlsx");
    ok(
        &[
            "plan",
            &scenario,
            "--format",
            "xlsx",
            "-o",
            path.to_str().unwrap(),
        ],
        0,
    );
    let (names, sheets) = read(&path);
    assert_eq!(
        names,
        [
            "Summary",
            "Purchases",
            "Fleet",
            "Sites",
            "Periods",
            "Inputs"
        ]
    );
    check_summary(&path, &sheets, &p);
    let purchases = p["purchases"].as_array().unwrap();
    let sheet = &sheets["Purchases"];
    assert_eq!(sheet.rows.len(), purchases.len());
    let cost_col = format!("cost {}", p["currency"].as_str().unwrap());
    for (row, x) in sheet.rows.iter().zip(purchases) {
        assert_eq!(text(row.get("id")), x["id"]);
        assert_eq!(text(row.get("site")), x["site"].as_str().unwrap_or(""));
        assert_eq!(num(row.get("period")), x["period"].as_f64());
        near(
            num(row.get("units")).unwrap(),
            f(&x["units"]),
            1e-9,
            "units",
        );
        near(
            num(row.get(&cost_col)).unwrap(),
            f(&x["cost"]),
            CENT,
            "cost",
        );
    }
    let periods = p["periods"].as_array().unwrap();
    assert!(periods.len() > 1);
    let sheet = &sheets["Periods"];
    assert_eq!(sheet.rows.len(), periods.len());
    let mut discounted = 0.0;
    for (row, d) in sheet.rows.iter().zip(periods) {
        assert_eq!(num(row.get("period")), d["period"].as_f64());
        for k in ["capex", "opex", "adoption", "discounted_cost"] {
            near(num(row.get(k)).unwrap(), f(&d[k]), CENT, k);
        }
        discounted += num(row.get("discounted_cost")).unwrap();
    }
    near(discounted, f(&p["total_cost"]), CENT, "periods add up");
    let sites = p["sites"].as_array().unwrap();
    let expected: Vec<(&Value, &Value)> = sites
        .iter()
        .flat_map(|s| s["periods"].as_array().unwrap().iter().map(move |d| (s, d)))
        .collect();
    assert!(expected.len() > 1);
    assert_eq!(sheets["Sites"].rows.len(), expected.len());
    for (row, (s, d)) in sheets["Sites"].rows.iter().zip(expected) {
        assert_eq!(text(row.get("site")), s["id"]);
        assert_eq!(num(row.get("period")), d["period"].as_f64());
        near(
            num(row.get("capex")).unwrap(),
            f(&d["capex"]),
            CENT,
            "capex",
        );
        near(
            num(row.get("fleet_units")).unwrap(),
            f(&d["fleet_units"]),
            1e-9,
            "fleet",
        );
    }
}

/// `chipmix plan SCENARIO -o PATH`, with `SOURCE_DATE_EPOCH` when given; the bytes.
fn plan_bytes(path: &Path, epoch: Option<&str>) -> Vec<u8> {
    let mut c = Command::new(env!("CARGO_BIN_EXE_chipmix"));
    c.args(["plan", &sample("shanghai-2025.yaml"), "-o"])
        .arg(path);
    c.env_remove("SOURCE_DATE_EPOCH");
    if let Some(e) = epoch {
        c.env("SOURCE_DATE_EPOCH", e);
    }
    let o = c.output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    std::fs::read(path).unwrap()
}

#[test]
fn the_same_plan_gives_the_same_bytes() {
    let a = plan_bytes(&out("bytes", "a.xlsx"), None);
    let b = plan_bytes(&out("bytes", "b.xlsx"), None);
    assert!(a == b, "two runs, two workbooks");
    let c = plan_bytes(&out("bytes", "c.xlsx"), Some("1700000000"));
    let d = plan_bytes(&out("bytes", "d.xlsx"), Some("1700000000"));
    assert!(c == d, "two runs with SOURCE_DATE_EPOCH, two workbooks");
    assert!(a != c, "SOURCE_DATE_EPOCH dates the workbook");
    // `-o -` into a pipe (not a terminal) writes the same workbook to stdout.
    let piped = Command::new(env!("CARGO_BIN_EXE_chipmix"))
        .args([
            "plan",
            &sample("shanghai-2025.yaml"),
            "--format",
            "xlsx",
            "-o",
            "-",
        ])
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .unwrap();
    assert_eq!(piped.status.code(), Some(0));
    assert!(piped.stdout == a, "the piped workbook is the file's");
}

#[test]
fn a_workbook_is_not_printed() {
    let scenario = sample("shanghai-2025.yaml");
    for args in [
        vec!["plan", &scenario, "--format", "xlsx"],
        vec!["explain", &scenario, "--format", "xlsx"],
        vec![
            "sweep",
            &scenario,
            "--param",
            "limits.budget",
            "--values",
            "1e9",
            "--format",
            "xlsx",
        ],
        vec![
            "compare",
            &scenario,
            "--variant",
            "b:limits.budget=1e9",
            "--format",
            "xlsx",
        ],
    ] {
        let r = chipmix(&args);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?} printed {}", r.stdout);
        assert!(r.stderr.contains("-o FILE.xlsx"), "{args:?}: {}", r.stderr);
    }
    let path = out("refused", "alt.xlsx");
    let r = chipmix(&["alternatives", &scenario, "-o", path.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(!path.exists());
}

#[test]
fn sweep_workbook_has_the_rows_of_the_csv() {
    let scenario = sample("shanghai-2025.yaml");
    let args = [
        "sweep",
        &scenario,
        "--param",
        "policy.domestic_share.min",
        "--values",
        "0.4,0.6,0.99",
    ];
    let csv = ok(&[&args[..], &["--format", "csv"]].concat(), 0);
    let path = out("sweep", "sweep.xlsx");
    ok(&[&args[..], &["-o", path.to_str().unwrap()]].concat(), 0);
    let (names, sheets) = read(&path);
    assert_eq!(names, ["Sweep"]);
    let sheet = &sheets["Sweep"];
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(sheet.header, header);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(sheet.rows.len(), records.len());
    assert!(records.len() == 3);
    for (row, rec) in sheet.rows.iter().zip(&records) {
        for (h, v) in header.iter().zip(rec.iter()) {
            let cell = row.get(h);
            match v.parse::<f64>() {
                Ok(x) => near(num(cell).unwrap(), x, 1e-9 * x.abs().max(1.0), h),
                Err(_) if v.is_empty() => assert_eq!(num(cell), None, "{h}"),
                Err(_) => assert_eq!(text(cell), v, "{h}"),
            }
        }
    }
}

#[test]
fn compare_workbook_matches_the_compare_json() {
    let args = [
        "compare",
        &sample("shanghai-2025.yaml"),
        &sample("h20-banned.yaml"),
    ];
    let j = json(&ok(&[&args[..], &["--format", "json"]].concat(), 0));
    let path = out("compare", "compare.xlsx");
    ok(&[&args[..], &["-o", path.to_str().unwrap()]].concat(), 0);
    let (names, sheets) = read(&path);
    assert_eq!(names, ["Compare"]);
    let sheet = &sheets["Compare"];
    let plans = j["plans"].as_array().unwrap();
    let labels: Vec<&str> = plans.iter().map(|p| p["label"].as_str().unwrap()).collect();
    assert_eq!(
        sheet.header,
        [
            "metric",
            labels[0],
            labels[1],
            &format!("delta.{}", labels[1])
        ]
    );
    let status = sheet.one("metric", "status");
    for (l, p) in labels.iter().zip(plans) {
        assert_eq!(text(status.get(*l)), p["plan"]["status"]);
        let total = sheet.one("metric", "total_cost");
        near(
            num(total.get(*l)).unwrap(),
            f(&p["plan"]["total_cost"]),
            CENT,
            l,
        );
    }
    let delta = plans[1]["delta"].as_object().unwrap();
    assert!(delta.len() > 3);
    let col = format!("delta.{}", labels[1]);
    for (k, v) in delta {
        let row = sheet.one("metric", k);
        match v.as_f64() {
            Some(d) => near(num(row.get(&col)).unwrap(), d, CENT, k),
            None => assert_eq!(num(row.get(&col)), None, "{k}"),
        }
    }
}

#[test]
fn explain_workbook_matches_the_explain_json() {
    // Every re-solve of this sample is proven within the time limit (no notes), so two
    // runs give the same figures; the Shanghai sample's thresholds vary with the load.
    let scenario = sample("h800-fleet-porting.yaml");
    let j = json(&ok(&["explain", &scenario, "--format", "json"], 0));
    assert_eq!(j["notes"], serde_json::json!([]));
    let path = out("explain", "explain.xlsx");
    ok(&["explain", &scenario, "-o", path.to_str().unwrap()], 0);
    let (names, sheets) = read(&path);
    assert_eq!(
        names,
        [
            "Summary",
            "Purchases",
            "Fleet",
            "Inputs",
            "Policy",
            "Shadow prices",
            "Thresholds",
            "Fixes",
            "Notes"
        ]
    );
    check_summary(&path, &sheets, &j["plan"]);
    let policy = j["policy_costs"].as_array().unwrap();
    assert!(!policy.is_empty());
    assert_eq!(sheets["Policy"].rows.len(), policy.len());
    for c in policy {
        let row = sheets["Policy"].one("without", c["without"].as_str().unwrap());
        same_money(
            num(row.get("total_cost")),
            c["total_cost"].as_f64(),
            "total",
        );
        same_money(num(row.get("cost")), c["cost"].as_f64(), "cost");
    }
    let shadow = j["shadow_prices"].as_array().unwrap();
    assert_eq!(sheets["Shadow prices"].rows.len(), shadow.len());
    for (row, s) in sheets["Shadow prices"].rows.iter().zip(shadow) {
        assert_eq!(text(row.get("constraint")), s["constraint"]);
        same_money(num(row.get("value")), s["value"].as_f64(), "shadow price");
    }
    let thresholds = j["price_thresholds"].as_array().unwrap();
    assert!(!thresholds.is_empty());
    assert_eq!(sheets["Thresholds"].rows.len(), thresholds.len());
    for t in thresholds {
        let row = sheets["Thresholds"].one("id", t["id"].as_str().unwrap());
        near(
            num(row.get("unit_price")).unwrap(),
            f(&t["unit_price"]),
            CENT,
            "price",
        );
        same_money(
            num(row.get("threshold")),
            t["threshold"].as_f64(),
            "threshold",
        );
    }
    assert_eq!(sheets["Fixes"].rows.len(), 0);
}

#[test]
fn explain_workbook_of_an_infeasible_scenario_lists_the_fixes() {
    let scenario = sample("infeasible-quota.yaml");
    let j = json(&ok(&["explain", &scenario, "--format", "json"], 1));
    let path = out("explain-fixes", "fixes.xlsx");
    ok(&["explain", &scenario, "-o", path.to_str().unwrap()], 1);
    let (_, sheets) = read(&path);
    assert_eq!(
        text(sheets["Summary"].one("figure", "status").get("value")),
        j["plan"]["status"]
    );
    assert!(sheets["Summary"].find("figure", "conflicts").len() == 1);
    let fixes = j["fixes"].as_array().unwrap();
    assert!(!fixes.is_empty());
    assert_eq!(sheets["Fixes"].rows.len(), fixes.len());
    for (row, fix) in sheets["Fixes"].rows.iter().zip(fixes) {
        assert_eq!(text(row.get("path")), fix["path"]);
        assert_eq!(text(row.get("says")), fix["says"]);
        match fix["to"].as_f64() {
            Some(v) => near(
                num(row.get("to")).unwrap(),
                v,
                1e-9 * v.abs().max(1.0),
                "to",
            ),
            None => assert_eq!(text(row.get("to")), fix["to"].as_str().unwrap_or("")),
        }
    }
}
