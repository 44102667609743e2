//! `chipmix serve`'s page in a real headless browser (Debian's `chromium`, driven through
//! WebDriver by `chromedriver`): real key presses and clicks on the controls, and the view
//! they give checked against `chipmix plan --set ...` of the same overrides, including the
//! command line the page shows to reproduce it. Also: the page asks nothing of any other
//! server, logs no error, its report link downloads the report of the view, and the time
//! from a change to its rendered view is printed as a figure (not asserted). On the section-6
//! samples, its rows of systems, of installed units taken out or moved, and its credits are
//! those of `chipmix plan`'s JSON.
//!
//! Without `chromedriver` (Debian's `chromium-driver`) or Chromium these tests print
//! "skipped: ..." and pass, unless `CHIPMIX_REQUIRE_BROWSER=1` (CI sets it), in which case
//! they fail. `CHIPMIX_CHROMIUM=/path/to/chromium` picks another browser binary.

use crate::support::scratch::Scratch;
use crate::support::server::{Server, send, try_send};
use crate::support::{chipmix_in, json, plan};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The sample every test serves, relative to the crate's directory (the server's and the
/// reproduced command's working directory), as a user would type it.
const SCENARIO: &str = "scenarios/shanghai-2025.yaml";

/// A condition the page must reach, polled this often...
const POLL: Duration = Duration::from_millis(20);
/// ...until this long, after which the test fails.
const DEADLINE: Duration = Duration::from_secs(30);

/// The quota slider's `--set` path.
const QUOTA: &str = "policy.domestic_share.min";
/// The H20's availability checkbox's `--set` path.
const H20: &str = "accelerators[h20].available";

// ---------------------------------------------------------------- the browser

/// Chromium and chromedriver, or `None` (after saying so) when one is missing and
/// `CHIPMIX_REQUIRE_BROWSER` is not `1`; with it, a missing one fails the test.
fn tools() -> Option<(PathBuf, PathBuf)> {
    let chromium = std::env::var_os("CHIPMIX_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    let driver = PathBuf::from("/usr/bin/chromedriver");
    let missing: Vec<String> = [&chromium, &driver]
        .into_iter()
        .filter(|p| !p.is_file())
        .map(|p| p.display().to_string())
        .collect();
    if missing.is_empty() {
        return Some((chromium, driver));
    }
    if std::env::var("CHIPMIX_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!(
            "{} not found and CHIPMIX_REQUIRE_BROWSER=1: install them \
             (apt-get install chromium chromium-driver)",
            missing.join(" and ")
        );
    }
    // Straight to stderr, not through `eprintln!`, which the test harness captures and
    // hides for a passing test.
    let _ = writeln!(
        std::io::stderr(),
        "skipped: {} not found (install Debian's `chromium` and `chromium-driver`, or set \
         CHIPMIX_CHROMIUM; CHIPMIX_REQUIRE_BROWSER=1 makes this a failure)",
        missing.join(" and ")
    );
    None
}

/// A running chromedriver on a free port, killed (with the browsers it started, which
/// share its process group) when dropped.
struct Driver {
    child: Child,
    /// `127.0.0.1:PORT`.
    addr: String,
}

impl Driver {
    /// Starts `driver` with its log in `scratch`, once it answers `GET /status` as ready.
    fn start(driver: &Path, scratch: &Scratch) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = scratch.path("chromedriver.log");
        let mut cmd = Command::new(driver);
        cmd.arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // Its own process group, so that a failed test kills the browser too.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let child = cmd.spawn().expect("chromedriver starts");
        let mut running = Driver {
            child,
            addr: format!("127.0.0.1:{port}"),
        };
        let start = Instant::now();
        loop {
            if let Ok(r) = try_send(&running.addr, "GET", "/status", &[], b"")
                && r.status == 200
                && json(&r.body)["value"]["ready"] == true
            {
                return running;
            }
            if let Some(code) = running.child.try_wait().unwrap() {
                panic!(
                    "chromedriver exited with {code} before answering; its log:\n{}",
                    std::fs::read_to_string(&log).unwrap_or_default()
                );
            }
            assert!(
                start.elapsed() < DEADLINE,
                "chromedriver did not answer on {} within {DEADLINE:?}",
                running.addr
            );
            std::thread::sleep(POLL);
        }
    }

    /// `http://127.0.0.1:PORT`.
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A new headless session of `chromium` through `driver`: a fresh profile in `scratch`, and
/// no host name resolves but `127.0.0.1`, the server's, so nothing leaves the machine
/// (without the exclusion this Chromium refuses the server's own address as well).
async fn session(driver: &Driver, chromium: &Path, scratch: &Scratch) -> Client {
    let profile = scratch.path("profile");
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
                format!("--user-data-dir={}", profile.display()),
                // Every host name but the server's fails to resolve.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            ],
        },
        // The page's console, read back with chromedriver's `se/log` (see `console_errors`).
        "goog:loggingPrefs": {"browser": "ALL"},
    });
    let Value::Object(caps) = caps else {
        unreachable!()
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url())
        .await
        .unwrap_or_else(|e| panic!("no WebDriver session with {}: {e}", chromium.display()))
}

/// The value of the JavaScript expression `expr` in the page.
async fn eval(client: &Client, expr: &str) -> Value {
    client
        .execute(&format!("return ({expr});"), vec![])
        .await
        .unwrap_or_else(|e| panic!("the page could not evaluate `{expr}`: {e}"))
}

/// The page's text of `#status` and its `data-state`, for failure messages.
async fn status(client: &Client) -> String {
    let s = eval(
        client,
        "document.getElementById('status').dataset.state + ': ' + \
         document.getElementById('status').textContent",
    )
    .await;
    s.as_str().unwrap_or_default().to_string()
}

/// Polls the JavaScript condition `js` every 20 ms until it holds; after 30 s, fails naming
/// `what` and showing the page's status.
async fn wait_until(client: &Client, js: &str, what: &str) {
    let start = Instant::now();
    loop {
        if eval(client, &format!("Boolean({js})")).await == true {
            return;
        }
        if start.elapsed() > DEADLINE {
            panic!(
                "the page did not reach {what} within {DEADLINE:?} (`{js}`); #status is {}",
                status(client).await
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

/// `document.body.dataset.rendered`: how many plans the page has rendered.
async fn rendered(client: &Client) -> u64 {
    let n = eval(client, "Number(document.body.dataset.rendered || 0)").await;
    n.as_u64()
        .unwrap_or_else(|| panic!("data-rendered is not a count: {n}"))
}

/// The JavaScript condition: the page rendered more than `before` plans, its status is
/// ready, and the JavaScript condition `cli` holds (see `shows`).
fn settled(before: u64, cli: &str) -> String {
    format!(
        "Number(document.body.dataset.rendered || 0) > {before} \
         && document.getElementById('status').dataset.state === 'ready' \
         && {cli}"
    )
}

/// The JavaScript condition: the page's command line contains `text`.
fn shows(text: &str) -> String {
    format!(
        "document.getElementById('cli').textContent.includes({})",
        Value::from(text)
    )
}

/// The text of the page's element `#id`.
async fn text_of(client: &Client, id: &str) -> String {
    let v = eval(
        client,
        &format!("document.getElementById('{id}').textContent"),
    )
    .await;
    v.as_str().unwrap_or_default().to_string()
}

/// The headline's `data-value` (the `total_cost` text of the plan's JSON), as a number.
async fn page_total(client: &Client) -> f64 {
    let v = eval(client, "document.getElementById('total').dataset.value").await;
    let text = v.as_str().unwrap_or_default();
    text.parse()
        .unwrap_or_else(|e| panic!("#total data-value {text:?} is not a number ({e})"))
}

/// The page's error messages and uncaught exceptions so far (chromedriver's browser log).
async fn console_errors(client: &Client, driver: &Driver) -> Vec<String> {
    let id = client
        .session_id()
        .await
        .unwrap()
        .expect("a WebDriver session");
    let r = send(
        &driver.addr,
        "POST",
        &format!("/session/{id}/se/log"),
        &[("Content-Type", "application/json")],
        br#"{"type": "browser"}"#,
    );
    assert_eq!(r.status, 200, "chromedriver's browser log: {}", r.body);
    json(&r.body)["value"]
        .as_array()
        .expect("a list of log entries")
        .iter()
        .filter(|e| e["level"] == "SEVERE")
        .map(|e| e["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

// ---------------------------------------------------------------- plans

/// The crate's directory: the server's working directory and the reproduced command's.
fn crate_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `total_cost` of `chipmix plan SCENARIO --set S...` for each of `sets`.
fn plan_total(sets: &[&str]) -> f64 {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let p = plan(&crate::support::sample("shanghai-2025.yaml"), &sets);
    p["total_cost"]
        .as_f64()
        .unwrap_or_else(|| panic!("no total for {sets:?}: {p}"))
}

/// Asserts that the page's total `got` is the plan's `want`, to the half cent.
fn assert_total(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 0.005,
        "{what}: the page shows a total of {got}, `chipmix plan` gives {want}"
    );
}

/// The words of a command line as the page writes it (a shell's reading): separated by
/// spaces, text in single quotes taken as is, and `\'` outside them a quote (the page writes
/// a quote inside a quoted word as `'\''`).
fn split_args(line: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                word.get_or_insert_with(String::new);
            }
            '\\' if !quoted => {
                let next = chars.next().expect("a character after a backslash");
                word.get_or_insert_with(String::new).push(next);
            }
            ' ' if !quoted => args.extend(word.take()),
            _ => word.get_or_insert_with(String::new).push(c),
        }
    }
    assert!(!quoted, "an unclosed quote in {line:?}");
    args.extend(word);
    args
}

/// Runs the page's command line `cli` (`chipmix plan FILE --set ...`) with the built binary
/// in the crate's directory, as JSON: its total.
fn run_cli(cli: &str) -> f64 {
    let args = split_args(cli);
    assert_eq!(
        args.first().map(String::as_str),
        Some("chipmix"),
        "not a chipmix command: {cli}"
    );
    let mut args: Vec<&str> = args[1..].iter().map(String::as_str).collect();
    args.extend(["--format", "json"]);
    let r = chipmix_in(crate_dir(), &args);
    assert_eq!(r.code, 0, "the page's command `{cli}` failed: {}", r.stderr);
    json(&r.stdout)["total_cost"]
        .as_f64()
        .unwrap_or_else(|| panic!("no total from `{cli}`: {}", r.stdout))
}

/// `v` to the cent with thousands separators, as the report writes money: `1,234,567.50`.
fn thousands(v: f64) -> String {
    let cents = format!("{:.2}", v.abs());
    let (int, frac) = cents.split_once('.').unwrap();
    let mut out = String::new();
    for (i, d) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    format!("{}{out}.{frac}", if v < 0.0 { "-" } else { "" })
}

/// The median and the maximum of `xs`.
fn median_max(xs: &[f64]) -> (f64, f64) {
    let mut s = xs.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    let median = if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    };
    (median, s[n - 1])
}

// ---------------------------------------------------------------- one page

/// What one test runs on: a server of `SCENARIO`, chromedriver and a tokio runtime.
struct Page {
    server: Server,
    driver: Driver,
    chromium: PathBuf,
    scratch: Scratch,
    runtime: tokio::runtime::Runtime,
}

impl Page {
    /// `None` when the browser is missing and not required.
    fn new(tag: &str) -> Option<Page> {
        Page::serving(tag, SCENARIO)
    }

    /// The page of `scenario` (relative to the crate's directory).
    fn serving(tag: &str, scenario: &str) -> Option<Page> {
        let (chromium, driver) = tools()?;
        let scratch = Scratch::new(tag);
        let driver = Driver::start(&driver, &scratch);
        let server = Server::start(Path::new(scenario), &[], Some(crate_dir()));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        Some(Page {
            server,
            driver,
            chromium,
            scratch,
            runtime,
        })
    }

    /// A browser session on the page, after its first plan is rendered and ready.
    async fn open(&self) -> Client {
        let client = session(&self.driver, &self.chromium, &self.scratch).await;
        client
            .goto(&self.server.url())
            .await
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", self.server.url()));
        wait_until(
            &client,
            &settled(0, &shows("chipmix plan")),
            "its first plan",
        )
        .await;
        client
    }
}

/// The page's control with `--set` path `path`.
async fn control(client: &Client, path: &str) -> fantoccini::elements::Element {
    client
        .find(Locator::Css(&format!("[data-path=\"{path}\"]")))
        .await
        .unwrap_or_else(|e| panic!("no control for {path}: {e}"))
}

/// Clicks the H20's availability checkbox and waits for the view whose command line meets
/// the JavaScript condition `cli`, named `what`: its total.
async fn toggle_h20(client: &Client, cli: &str, what: &str) -> f64 {
    let before = rendered(client).await;
    control(client, H20).await.click().await.unwrap();
    wait_until(client, &settled(before, cli), what).await;
    page_total(client).await
}

// ---------------------------------------------------------------- tests

#[test]
fn moving_the_quota_slider_shows_the_plan_that_plan_prints() {
    let Some(page) = Page::new("quota") else {
        return;
    };
    page.runtime.block_on(async {
        let client = page.open().await;
        assert_total(
            page_total(&client).await,
            plan_total(&[]),
            "the file as written",
        );

        // Real key presses on the focused slider: 0.50 to 0.70 by steps of 0.01.
        let slider = control(&client, QUOTA).await;
        assert_eq!(slider.prop("value").await.unwrap().as_deref(), Some("0.5"));
        let before = rendered(&client).await;
        let right = char::from(fantoccini::key::Key::Right).to_string();
        let mut presses = 0;
        while slider.prop("value").await.unwrap().as_deref() != Some("0.7") {
            assert!(
                presses < 40,
                "the slider did not reach 0.7 after {presses} presses"
            );
            slider.send_keys(&right).await.unwrap();
            presses += 1;
        }
        assert_eq!(presses, 20, "20 steps of 0.01 from 0.50 to 0.70");
        // The view rendered is that of the last value, not of one on the way (every
        // earlier request was for a smaller quota, and its rule reads below 70.0%).
        let quota = format!("{QUOTA}=0.7");
        wait_until(
            &client,
            &format!(
                "{} && document.getElementById('share-rule').textContent.includes('70.0%')",
                settled(before, &shows(&quota))
            ),
            "the view of a 0.7 quota",
        )
        .await;
        let total = page_total(&client).await;
        assert_total(total, plan_total(&[&quota]), "quota 0.7");
        let cli = text_of(&client, "cli").await;
        assert_total(total, run_cli(&cli), &format!("the page's command `{cli}`"));

        // And without the H20.
        let h20 = format!("{H20}=false");
        let total = toggle_h20(&client, &shows(&h20), "the view without the H20").await;
        assert_total(
            total,
            plan_total(&[&quota, &h20]),
            "quota 0.7 without the H20",
        );
        let cli = text_of(&client, "cli").await;
        assert!(
            cli.contains(&quota),
            "the quota left the command line: {cli}"
        );
        assert_total(total, run_cli(&cli), &format!("the page's command `{cli}`"));
        client.close().await.unwrap();
    });
}

#[test]
fn the_page_shows_systems_removals_and_the_energy_discount() {
    // Three samples of section 6: whole systems, installed units taken out and moved, the
    // energy discount. The page's rows and figures are those of `chipmix plan`'s JSON.
    let rows_js = |table: &str| {
        format!(
            "[...document.querySelectorAll('#{table} tbody tr')].map(r => [...r.children].map(c => c.textContent))"
        )
    };
    // Whole numbers as the page writes them (`1,032`, `-17,200`).
    let whole = |v: f64| thousands(v.round()).trim_end_matches(".00").to_string();
    for (tag, sample) in [
        ("systems", "cloudmatrix-2026.yaml"),
        ("removals", "state-funded-removal-2026.yaml"),
        ("discount", "gansu-discount-2026.yaml"),
    ] {
        let Some(page) = Page::serving(tag, &format!("scenarios/{sample}")) else {
            return;
        };
        let p = plan(&crate::support::sample(sample), &[]);
        page.runtime.block_on(async {
            let client = page.open().await;
            // Purchases: one row per accelerator of loose cards, one per system type.
            let rows = eval(&client, &rows_js("purchases")).await;
            let rows = rows.as_array().unwrap();
            let mut want: Vec<(String, f64)> = Vec::new();
            for b in p["purchases"].as_array().unwrap() {
                let label = match b["system"].as_str() {
                    Some(sys) => format!("{} ({sys} x", b["name"].as_str().unwrap()),
                    None => b["name"].as_str().unwrap().to_string(),
                };
                match want.iter_mut().find(|(l, _)| *l == label) {
                    Some(w) => w.1 += b["units"].as_f64().unwrap(),
                    None => want.push((label, b["units"].as_f64().unwrap())),
                }
            }
            assert_eq!(
                rows.len(),
                want.len(),
                "{sample}: {rows:?} against {want:?}"
            );
            for (label, units) in &want {
                let row = rows
                    .iter()
                    .find(|r| r[0].as_str().unwrap().starts_with(label.as_str()))
                    .unwrap_or_else(|| panic!("{sample}: no row {label} in {rows:?}"));
                assert_eq!(row[2], whole(*units), "{sample}: {label}");
            }
            if sample.starts_with("cloudmatrix") {
                assert!(want.iter().any(|(l, _)| l.contains("cloudmatrix-384 x")));
                let named = rows
                    .iter()
                    .any(|r| r[0].as_str().unwrap().contains("x384)"));
                assert!(named, "{sample}: {rows:?}");
            }
            // Installed units taken out or moved, row by row, and their net cost.
            let removals = p["removals"].as_array().cloned().unwrap_or_default();
            let hidden = eval(&client, "document.getElementById('removals').hidden").await;
            assert_eq!(hidden, removals.is_empty(), "{sample}");
            let rows = eval(&client, &rows_js("removals")).await;
            let rows = rows.as_array().unwrap();
            assert_eq!(rows.len(), removals.len(), "{sample}: {rows:?}");
            for (row, r) in rows.iter().zip(&removals) {
                let what = match r["moved_to"].as_str() {
                    Some(to) => format!("moved to {to}"),
                    None => "taken out".into(),
                };
                let want = json!([
                    r["site"],
                    r["period"].to_string(),
                    r["id"],
                    whole(r["units"].as_f64().unwrap()),
                    what,
                    whole(r["cost"].as_f64().unwrap())
                ]);
                assert_eq!(row, &want, "{sample}");
            }
            // The credits, shown only where the scenario has them.
            for (kpi, id, field, credit) in [
                ("removal-kpi", "removal", "removal", false),
                ("discount-kpi", "discount", "energy_discount", true),
            ] {
                let hidden =
                    eval(&client, &format!("document.getElementById('{kpi}').hidden")).await;
                let figure = p[field].as_f64();
                assert_eq!(hidden, figure.is_none(), "{sample}: {kpi}");
                if let Some(v) = figure {
                    let sign = if credit { "\u{2212}" } else { "" };
                    assert_eq!(text_of(&client, id).await, format!("{sign}{}", whole(v)));
                }
            }
            client.close().await.unwrap();
        });
    }
}

#[test]
fn the_page_shows_each_future_with_its_cost_and_later_purchases() {
    // The futures sample: the purchases table holds the order placed now, and one row per
    // future gives its probability, cost, regret and own later purchases, as the JSON has
    // them.
    let sample = "futures-2026-2028.yaml";
    let Some(page) = Page::serving("futures", &format!("scenarios/{sample}")) else {
        return;
    };
    let p = plan(&crate::support::sample(sample), &[]);
    let whole = |v: f64| thousands(v.round()).trim_end_matches(".00").to_string();
    page.runtime.block_on(async {
        let client = page.open().await;
        assert_total(page_total(&client).await, p["total_cost"].as_f64().unwrap(), "expected cost");
        let label = text_of(&client, "headline-label").await;
        assert!(label.starts_with("Expected cost"), "{label}");
        let rows = eval(
            &client,
            "[...document.querySelectorAll('#purchases tbody tr')].map(r => [...r.children].map(c => c.textContent))",
        )
        .await;
        let now: f64 = p["purchases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["units"].as_f64().unwrap())
            .sum();
        let shown: f64 = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r[2].as_str().unwrap().replace(',', "").parse::<f64>().unwrap())
            .sum();
        assert_eq!(shown, now, "the order placed now: {rows:?}");
        let hidden = eval(&client, "document.getElementById('futures').hidden").await;
        assert_eq!(hidden, false);
        let rows = eval(
            &client,
            "[...document.querySelectorAll('#futures tbody tr')].map(r => [...r.children].map(c => c.textContent))",
        )
        .await;
        let rows = rows.as_array().unwrap();
        let futures = p["futures"].as_array().unwrap();
        assert_eq!(rows.len(), futures.len(), "{rows:?}");
        for (row, f) in rows.iter().zip(futures) {
            let id = f["id"].as_str().unwrap();
            assert_eq!(row[0], id);
            assert_eq!(
                row[1],
                format!("{:.1}%", 100.0 * f["probability"].as_f64().unwrap())
            );
            assert_eq!(row[2], whole(f["total_cost"].as_f64().unwrap()), "{id}");
            assert_eq!(row[3], whole(p["regret"][id].as_f64().unwrap()), "{id}");
            let later = row[4].as_str().unwrap();
            let mut units: std::collections::BTreeMap<&str, f64> = Default::default();
            for b in f["purchases"].as_array().unwrap() {
                *units.entry(b["name"].as_str().unwrap()).or_default() +=
                    b["units"].as_f64().unwrap();
            }
            for (name, u) in &units {
                assert!(
                    later.contains(&format!("{name} {}", whole(*u))),
                    "{id}: {name} {u} not in {later:?}"
                );
            }
            assert_eq!(later == "nothing", units.is_empty(), "{id}: {later:?}");
        }
        client.close().await.unwrap();
    });
}

#[test]
fn the_page_makes_no_outside_request_and_logs_no_error() {
    let Some(page) = Page::new("offline") else {
        return;
    };
    page.runtime.block_on(async {
        let client = page.open().await;
        let h20 = format!("{H20}=false");
        let total = toggle_h20(&client, &shows(&h20), "the view without the H20").await;

        let own = format!("{}/", page.server.url());
        let resources = eval(
            &client,
            "performance.getEntriesByType('resource').map((e) => e.name)",
        )
        .await;
        let resources: Vec<&str> = resources
            .as_array()
            .expect("a list of resources")
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        assert!(
            resources.iter().any(|r| r.ends_with("/api/plan")),
            "the page's plan requests are not among its resources: {resources:?}"
        );
        for r in &resources {
            assert!(
                r.starts_with(&own),
                "a request to another server than {own}: {r}"
            );
        }
        let errors = console_errors(&client, &page.driver).await;
        assert!(
            errors.is_empty(),
            "the page logged errors:\n{}",
            errors.join("\n")
        );
        let state = eval(&client, "document.getElementById('status').dataset.state").await;
        assert_eq!(state, "ready", "#status is {}", status(&client).await);

        // The report link: the report of this view, to download.
        let href = eval(
            &client,
            "document.getElementById('report-link').getAttribute('href')",
        )
        .await;
        let href = href
            .as_str()
            .expect("the report link has an href")
            .to_string();
        let report = page.server.get(&href);
        assert_eq!(report.status, 200, "GET {href}: {}", report.body);
        let kind = report.header("content-type").unwrap_or_default();
        assert!(kind.starts_with("text/html"), "GET {href} is {kind}");
        let disposition = report.header("content-disposition").unwrap_or_default();
        assert!(
            disposition.starts_with("attachment"),
            "GET {href} is not a download: {disposition:?}"
        );
        let shown = thousands(total);
        assert!(
            report.body.contains(&shown),
            "the report of {href} does not show the page's total {shown}"
        );
        client.close().await.unwrap();
    });
}

#[test]
fn toggling_a_checkbox_ten_times_reports_the_latency_of_each_change() {
    let Some(page) = Page::new("latency") else {
        return;
    };
    let totals = [plan_total(&[]), plan_total(&[&format!("{H20}=false")])];
    page.runtime.block_on(async {
        let client = page.open().await;
        let mut latencies = Vec::new();
        for k in 1..=10 {
            // Odd changes leave the H20 out; even ones bring the view back to the file.
            let without = shows(&format!("{H20}=false"));
            let (cli, want) = if k % 2 == 1 {
                (without, totals[1])
            } else {
                (format!("!{without}"), totals[0])
            };
            let total = toggle_h20(&client, &cli, &format!("the view of change {k}")).await;
            assert_total(total, want, &format!("change {k}"));
            let ms = eval(&client, "document.getElementById('latency').dataset.ms").await;
            let ms: f64 = ms
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("change {k}: #latency data-ms is {ms}"));
            assert!(
                ms.is_finite() && ms > 0.0,
                "change {k}: a latency of {ms} ms"
            );
            latencies.push(ms);
        }
        let (median, max) = median_max(&latencies);
        let _ = writeln!(
            std::io::stderr(),
            "serve latency (shanghai-2025): median {median:.1} ms, max {max:.1} ms over {} changes",
            latencies.len()
        );
        client.close().await.unwrap();
    });
}

#[test]
fn the_command_line_splitter_reads_the_pages_quoting() {
    assert_eq!(
        split_args("chipmix plan a.yaml --set 'accelerators[h20].available=false' --set x=1"),
        [
            "chipmix",
            "plan",
            "a.yaml",
            "--set",
            "accelerators[h20].available=false",
            "--set",
            "x=1"
        ]
    );
    assert_eq!(split_args("a 'it'\\''s' ''"), ["a", "it's", ""]);
    assert_eq!(thousands(124984373.5), "124,984,373.50");
    assert_eq!(thousands(999.0), "999.00");
}
