//! The HTML report opened in a real headless browser (Debian's `chromium`): the DOM after
//! load, a screenshot that must not be blank or unstyled, no page errors, no network.
//!
//! Without Chromium these tests print "skipped: chromium not found" and pass, unless
//! `CHIPMIX_REQUIRE_BROWSER=1` (CI sets it), in which case they fail.
//! `CHIPMIX_CHROMIUM=/path/to/chromium` picks another binary; `CHIPMIX_KEEP_SCREENSHOT=DIR`
//! keeps the report's screenshot as DIR/report.png to look at.

use crate::support::{chipmix, sample};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A browser run is killed, and its test fails, after this long.
const BROWSER_DEADLINE: Duration = Duration::from_secs(60);

// ---------------------------------------------------------------- scratch space

/// A fresh directory for one test, removed when the test passes (kept on failure to look at).
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("chipmix-browser-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

// ---------------------------------------------------------------- the browser

/// The Chromium binary, or `None` (after saying so) when there is none and none is required.
fn browser() -> Option<PathBuf> {
    let found = std::env::var_os("CHIPMIX_CHROMIUM")
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .or_else(|| {
            let mut dirs = vec![PathBuf::from("/usr/bin")];
            if let Some(path) = std::env::var_os("PATH") {
                dirs.extend(std::env::split_paths(&path));
            }
            dirs.iter()
                .flat_map(|d| ["chromium", "chromium-browser"].map(|n| d.join(n)))
                .find(|p| p.is_file())
        });
    if found.is_none() {
        if std::env::var("CHIPMIX_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!(
                "chromium not found (looked for $CHIPMIX_CHROMIUM, /usr/bin/chromium and chromium on PATH) \
                 and CHIPMIX_REQUIRE_BROWSER=1: install it (apt-get install chromium)"
            );
        }
        // Straight to stderr, not through `eprintln!`, which the test harness captures
        // and hides for a passing test.
        let _ = writeln!(
            std::io::stderr(),
            "skipped: chromium not found (install Debian's `chromium`, or set CHIPMIX_CHROMIUM; \
             CHIPMIX_REQUIRE_BROWSER=1 makes this a failure)"
        );
    }
    found
}

/// What one browser run left behind.
struct Load {
    /// stdout: the DOM with `--dump-dom`.
    stdout: String,
    /// Console messages, uncaught errors and crashes the browser logged.
    page_errors: Vec<String>,
    /// Network requests made by the page itself (not the browser's own background ones).
    page_requests: Vec<String>,
}

/// Opens `page` in headless Chromium with `mode` (`--dump-dom`, `--screenshot=...`), with a
/// deadline, the browser log on stderr and a net log to tell what the page fetched.
fn open(chrome: &Path, scratch: &Scratch, tag: &str, page: &Path, mode: &[String]) -> Load {
    let profile = scratch.path(&format!("{tag}-profile"));
    let netlog = scratch.path(&format!("{tag}-netlog.json"));
    let stdout_path = scratch.path(&format!("{tag}-stdout.txt"));
    let stderr_path = scratch.path(&format!("{tag}-stderr.txt"));
    let page = page.canonicalize().unwrap();
    let mut cmd = Command::new(chrome);
    cmd.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-quic",
        "--hide-scrollbars",
        // Nothing leaves the machine: every host name fails to resolve, inside the page and
        // for the browser's own update and sign-in pings alike.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--enable-logging=stderr",
        "--v=0",
        "--timeout=10000",
    ])
    .arg(format!("--user-data-dir={}", profile.display()))
    .arg(format!("--log-net-log={}", netlog.display()))
    .args(mode)
    .arg(format!("file://{}", page.display()))
    .stdin(Stdio::null())
    .stdout(std::fs::File::create(&stdout_path).unwrap())
    .stderr(std::fs::File::create(&stderr_path).unwrap());
    // Its own process group, so a hung browser is killed with its helper processes.
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().expect("chromium starts");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > BROWSER_DEADLINE {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish within {BROWSER_DEADLINE:?} on {}; its log:\n{}",
                page.display(),
                std::fs::read_to_string(&stderr_path).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = std::fs::read_to_string(&stdout_path).unwrap();
    let stderr = std::fs::read_to_string(&stderr_path).unwrap();
    assert!(
        status.success(),
        "chromium exited with {status} on {}:\n{stderr}",
        page.display()
    );
    let page_errors = stderr
        .lines()
        .filter(|l| {
            l.contains(":CONSOLE")
                || l.contains("Uncaught")
                || l.contains("FATAL")
                || l.contains("crashed")
        })
        .map(str::to_string)
        .collect();
    let log = std::fs::read_to_string(&netlog)
        .unwrap_or_else(|e| panic!("chromium wrote no net log {}: {e}", netlog.display()));
    Load {
        stdout,
        page_errors,
        page_requests: requests_of_the_page(&log),
    }
}

/// URLs the page itself asked the network for, from Chromium's net log (one event a line).
/// The page's requests carry a `file://` network isolation key; the browser's own have none.
fn requests_of_the_page(netlog: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for line in netlog.lines() {
        let line = line.trim().trim_end_matches(',');
        let Ok(event) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let params = &event["params"];
        if let (Some(url), Some(key)) = (
            params["url"].as_str(),
            params["network_isolation_key"].as_str(),
        ) && key.starts_with("file://")
            && !urls.iter().any(|u| u == url)
        {
            urls.push(url.to_string());
        }
    }
    urls
}

/// The DOM of `page` after load, checked for page errors and network requests.
fn dump_dom(chrome: &Path, scratch: &Scratch, tag: &str, page: &Path) -> String {
    let load = open(chrome, scratch, tag, page, &["--dump-dom".to_string()]);
    assert!(
        load.page_errors.is_empty(),
        "the page logged errors:\n{}",
        load.page_errors.join("\n")
    );
    assert!(
        load.page_requests.is_empty(),
        "the page fetched from the network: {:?}",
        load.page_requests
    );
    assert!(
        load.stdout.contains("</html>"),
        "no DOM dumped: {}",
        load.stdout
    );
    // The parser took the page as written: it had to add, drop or move no element.
    let source = std::fs::read_to_string(page).unwrap();
    assert_eq!(
        start_tags(&load.stdout),
        start_tags(&source),
        "the browser's DOM has other elements than the HTML"
    );
    load.stdout
}

/// How many elements of each name `html` opens.
fn start_tags(html: &str) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for (at, _) in html.match_indices('<') {
        let name: String = html[at + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        if name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            *counts.entry(name.to_ascii_lowercase()).or_insert(0) += 1;
        }
    }
    counts
}

/// A 1200 x 4000 screenshot of `page` (the whole report with a sweep), as a PNG's path.
fn screenshot(chrome: &Path, scratch: &Scratch, tag: &str, page: &Path) -> (PathBuf, Load) {
    let png = scratch.path(&format!("{tag}.png"));
    let load = open(
        chrome,
        scratch,
        tag,
        page,
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1200,4000".to_string(),
        ],
    );
    assert!(png.is_file(), "no screenshot written to {}", png.display());
    (png, load)
}

// ---------------------------------------------------------------- reading the DOM

/// Decodes the entities Chromium's serializer writes.
fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// Text content of an HTML fragment: tags dropped, entities decoded, whitespace collapsed.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    unescape(&out)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The outer HTML of the element that starts at byte `start` (a `<`) of `dom`.
fn element_at(dom: &str, start: usize) -> Option<&str> {
    let rest = &dom[start + 1..];
    let name_len = rest.find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')?;
    let name = &rest[..name_len];
    let open = format!("<{name}");
    let close = format!("</{name}>");
    let mut depth = 0usize;
    let mut i = start;
    while let Some(off) = dom[i..].find('<') {
        let j = i + off;
        if dom[j..].starts_with(&close) {
            depth = depth.checked_sub(1)?;
            if depth == 0 {
                return Some(&dom[start..j + close.len()]);
            }
        } else if dom[j..].starts_with(&open)
            && dom[j + open.len()..].starts_with(|c: char| c.is_ascii_whitespace() || c == '>')
        {
            depth += 1;
        }
        i = j + 1;
    }
    None
}

/// The outer HTML of the element with `id`.
fn by_id<'a>(dom: &'a str, id: &str) -> Option<&'a str> {
    let at = dom.find(&format!(" id=\"{id}\""))?;
    element_at(dom, dom[..at].rfind('<')?)
}

/// The first `tag` element after the first occurrence of `marker`.
fn next_element<'a>(dom: &'a str, marker: &str, tag: &str) -> Option<&'a str> {
    let at = dom.find(marker)?;
    let start = at + dom[at..].find(&format!("<{tag}"))?;
    element_at(dom, start)
}

/// The body's text.
fn body_text(dom: &str) -> String {
    let start = dom.find("<body").expect("a body");
    text(&dom[start..])
}

/// `v` rounded to whole units with thousands separators, as money is shown.
fn money(v: f64) -> String {
    let digits = format!("{:.0}", v.round().abs());
    let mut out = String::new();
    for (n, ch) in digits.chars().enumerate() {
        if n > 0 && (digits.len() - n) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if v.round() < 0.0 {
        out.insert(0, '-');
    }
    out
}

/// The first number in `s`, thousands separators dropped.
fn number_in(s: &str) -> Option<f64> {
    let start = s.find(|c: char| c.is_ascii_digit() || c == '-')?;
    let num: String = s[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '.' || *c == '-')
        .filter(|c| *c != ',')
        .collect();
    num.parse().ok()
}

// ---------------------------------------------------------------- making reports

/// `chipmix plan SCENARIO --format json`, parsed, with its exit code.
fn plan_json(scenario: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["plan", scenario, "--format", "json"];
    args.extend(extra);
    let r = chipmix(&args);
    let v = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("plan JSON ({e}): {}\n{}", r.stdout, r.stderr));
    (r.code, v)
}

/// Writes `chipmix report SCENARIO EXTRA -o scratch/NAME` and returns the path; the exit
/// code must be `want`.
fn report(scratch: &Scratch, name: &str, scenario: &str, extra: &[&str], want: i32) -> PathBuf {
    let out = scratch.path(name);
    let out_str = out.to_str().unwrap().to_string();
    let mut args = vec!["report", scenario];
    args.extend(extra);
    args.extend(["-o", &out_str]);
    let r = chipmix(&args);
    assert_eq!(r.code, want, "chipmix {args:?}: {}", r.stderr);
    assert!(out.is_file(), "no report written to {}", out.display());
    out
}

// ---------------------------------------------------------------- self-containment

/// Everything in `html` that would make a browser load something besides the page itself:
/// scripts, external elements, and `src=`, `href=`, `url(` or `@import` pointing anywhere
/// but a fragment (`#id`) or inline data (`data:`).
fn outside_references(html: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let mut found = Vec::new();
    for tag in [
        "<script", "<iframe", "<object", "<embed", "<link", "<img", "<base",
    ] {
        if lower.contains(tag) {
            found.push(format!("a {tag}> element"));
        }
    }
    for attr in ["src=", "href=", "url(", "@import", "srcset=", "action="] {
        let mut from = 0;
        while let Some(off) = lower[from..].find(attr) {
            let at = from + off + attr.len();
            let value = lower[at..]
                .trim_start_matches([' ', '"', '\'', '('])
                .split(['"', '\'', ')', ' ', '>', ';'])
                .next()
                .unwrap_or("");
            if !(value.starts_with('#') || value.starts_with("data:")) {
                found.push(format!("{attr}{value}"));
            }
            from = at;
        }
    }
    found
}

// ---------------------------------------------------------------- looking at pixels

/// What a screenshot looks like, in numbers.
#[derive(Debug)]
struct Pixels {
    width: u32,
    height: u32,
    /// Share of pixels that are clearly not white (some channel below 0xF0).
    non_white: f64,
    /// Distinct saturated colours (channels quantized to 16 levels) that each cover at
    /// least `MIN_AREA` pixels: the charts' fills, not the blends at their edges.
    colours: usize,
    /// Pixels of exactly the table headers' background (#f4f6f9), which only the style
    /// sheet paints: an unstyled page has none.
    header_background: usize,
}

/// Pixels a colour must cover to count as one of the page's colours.
const MIN_AREA: usize = 200;

fn pixels(png_path: &Path) -> Pixels {
    let file = std::fs::File::open(png_path).unwrap();
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("a sane size")];
    let info = reader.next_frame(&mut buf).expect("a PNG frame");
    let step = match info.color_type {
        png::ColorType::Rgba => 4,
        png::ColorType::Rgb => 3,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Grayscale => 1,
        png::ColorType::Indexed => unreachable!("expanded by the transformation"),
    };
    let mut non_white = 0usize;
    let mut header_background = 0usize;
    let mut areas = vec![0usize; 1 << 12];
    let mut total = 0usize;
    for row in buf[..info.buffer_size()].chunks(info.line_size) {
        for px in row[..info.width as usize * step].chunks(step) {
            let (r, g, b) = if step >= 3 {
                (px[0], px[1], px[2])
            } else {
                (px[0], px[0], px[0])
            };
            total += 1;
            if r.min(g).min(b) < 0xF0 {
                non_white += 1;
            }
            if (r, g, b) == (0xF4, 0xF6, 0xF9) {
                header_background += 1;
            }
            if r.max(g).max(b) - r.min(g).min(b) >= 48 {
                areas[(r as usize >> 4) << 8 | (g as usize >> 4) << 4 | b as usize >> 4] += 1;
            }
        }
    }
    Pixels {
        width: info.width,
        height: info.height,
        non_white: non_white as f64 / total.max(1) as f64,
        colours: areas.iter().filter(|&&n| n >= MIN_AREA).count(),
        header_background,
    }
}

/// Whether a screenshot shows a rendered, styled report with a sweep: enough ink, the
/// charts' colours, and the style sheet's table headers. `Err` says what is missing.
fn looks_rendered(png_path: &Path) -> Result<Pixels, String> {
    let p = pixels(png_path);
    let mut missing = Vec::new();
    if p.non_white < 0.02 {
        missing.push(format!(
            "only {:.2}% of pixels are not white",
            p.non_white * 100.0
        ));
    }
    if p.colours < 6 {
        missing.push(format!(
            "only {} distinct colours over {MIN_AREA} pixels each",
            p.colours
        ));
    }
    if p.header_background < 2_000 {
        missing.push(format!(
            "only {} pixels of table-header grey: no style sheet?",
            p.header_background
        ));
    }
    if missing.is_empty() {
        Ok(p)
    } else {
        Err(format!("{} ({p:?})", missing.join("; ")))
    }
}

// ---------------------------------------------------------------- the tests

/// The sweep the reports with a sweep use: 7 points, the last one infeasible.
const SWEEP: [&str; 8] = [
    "--param",
    "policy.domestic_share.min",
    "--from",
    "0.3",
    "--to",
    "0.9",
    "--step",
    "0.1",
];

#[test]
fn report_loads_in_a_real_browser_and_shows_the_total() {
    let Some(chrome) = browser() else { return };
    let scratch = Scratch::new("total");
    let scenario = sample("shanghai-2025.yaml");
    let (code, plan) = plan_json(&scenario, &[]);
    assert_eq!(code, 0);
    let currency = plan["currency"].as_str().unwrap();
    let total = plan["total_cost"].as_f64().expect("a total cost");
    let expected = format!("{} {currency}", money(total));
    let page = report(&scratch, "report.html", &scenario, &[], 0);
    let dom = dump_dom(&chrome, &scratch, "dom", &page);

    let card = by_id(&dom, "total-cost").expect("a #total-cost card in the DOM");
    assert!(
        text(card).contains(&expected),
        "#total-cost shows {:?}, expected {expected:?}",
        text(card)
    );
    // The other cards, against the plan's own figures.
    for (id, key, tolerance) in [
        ("capex", "capex", 0.5),
        ("opex", "opex", 0.5),
        ("pflops", "pflops", 0.05),
    ] {
        let shown = text(by_id(&dom, id).unwrap_or_else(|| panic!("no #{id} card")));
        let want = plan[key].as_f64().unwrap();
        let got = number_in(&shown).unwrap_or_else(|| panic!("no number in #{id}: {shown}"));
        assert!(
            (got - want).abs() <= tolerance,
            "#{id} shows {shown:?}, the plan says {want}"
        );
    }
    let share = text(by_id(&dom, "domestic-share").expect("a #domestic-share card"));
    let want = plan["domestic_share"]["value"].as_f64().unwrap() * 100.0;
    assert!(
        (number_in(&share).unwrap() - want).abs() <= 0.005,
        "#domestic-share shows {share:?}, the plan says {want}%"
    );
    let status = text(by_id(&dom, "status").expect("a #status badge"));
    assert_eq!(status, plan["status"].as_str().unwrap());

    let name = plan["scenario"].as_str().unwrap();
    let h1 = next_element(&dom, "<body", "h1").expect("an h1");
    assert_eq!(text(h1), name);
    let title = next_element(&dom, "<head", "title").expect("a title");
    assert!(text(title).contains(name), "title: {}", text(title));
    let chart = next_element(&dom, "<div class=\"chart\"", "svg").expect("an SVG chart");
    assert!(chart.contains("<rect"), "the chart draws nothing: {chart}");
}

#[test]
fn report_screenshot_is_not_blank() {
    let Some(chrome) = browser() else { return };
    let scratch = Scratch::new("screenshot");
    let page = report(
        &scratch,
        "report.html",
        &sample("shanghai-2025.yaml"),
        &SWEEP,
        0,
    );
    let (png, load) = screenshot(&chrome, &scratch, "shot", &page);
    assert!(load.page_errors.is_empty(), "{:?}", load.page_errors);
    assert!(load.page_requests.is_empty(), "{:?}", load.page_requests);
    let p = looks_rendered(&png).unwrap_or_else(|e| panic!("{}: {e}", png.display()));
    assert_eq!((p.width, p.height), (1200, 4000));
    if let Ok(dir) = std::env::var("CHIPMIX_KEEP_SCREENSHOT") {
        std::fs::copy(&png, Path::new(&dir).join("report.png")).unwrap();
    }
}

#[test]
fn screenshot_check_rejects_blank_and_unstyled_pages() {
    let Some(chrome) = browser() else { return };
    let scratch = Scratch::new("reject");
    let blank = scratch.path("blank.html");
    std::fs::write(&blank, "<html><body></body></html>").unwrap();
    let (png, _) = screenshot(&chrome, &scratch, "blank", &blank);
    let err = looks_rendered(&png).expect_err("a blank page passed the screenshot check");
    assert!(err.contains("not white"), "{err}");

    // The same report as above without its style sheet: the charts are there, the
    // styling is not.
    let page = report(
        &scratch,
        "report.html",
        &sample("shanghai-2025.yaml"),
        &SWEEP,
        0,
    );
    let html = std::fs::read_to_string(&page).unwrap();
    let (head, rest) = html.split_once("<style>").expect("a style sheet");
    let (_, tail) = rest.split_once("</style>").unwrap();
    let unstyled = scratch.path("unstyled.html");
    std::fs::write(&unstyled, format!("{head}{tail}")).unwrap();
    let (png, _) = screenshot(&chrome, &scratch, "unstyled", &unstyled);
    let err = looks_rendered(&png).expect_err("an unstyled page passed the screenshot check");
    assert!(err.contains("style sheet"), "{err}");
}

#[test]
fn browser_checks_catch_script_errors_and_network_loads() {
    let Some(chrome) = browser() else { return };
    let scratch = Scratch::new("catch");
    let bad = scratch.path("bad.html");
    std::fs::write(
        &bad,
        "<html><body><script>missing_function();</script>\
         <img src=\"https://example.invalid/x.png\"></body></html>",
    )
    .unwrap();
    let load = open(&chrome, &scratch, "bad", &bad, &["--dump-dom".to_string()]);
    assert!(
        load.page_errors.iter().any(|l| l.contains("Uncaught")),
        "the uncaught error went unseen: {:?}",
        load.page_errors
    );
    assert_eq!(load.page_requests, ["https://example.invalid/x.png"]);
}

#[test]
fn report_with_a_sweep_has_both_charts() {
    let Some(chrome) = browser() else { return };
    let scratch = Scratch::new("sweep");
    let scenario = sample("shanghai-2025.yaml");
    let page = report(&scratch, "sweep.html", &scenario, &SWEEP, 0);
    let dom = dump_dom(&chrome, &scratch, "dom", &page);

    assert!(
        dom.matches("<svg").count() >= 2,
        "fewer than two SVG charts"
    );
    let plan_chart = next_element(&dom, "<div class=\"chart\">", "svg").expect("the plan's chart");
    assert!(
        text(plan_chart).contains("New spend by accelerator"),
        "the first chart is not the plan's spend chart: {}",
        text(plan_chart)
    );
    let sweep_chart =
        next_element(&dom, "<h2>Sweep of policy.domestic_share.min", "svg").expect("a sweep chart");
    assert!(
        text(sweep_chart).contains("infeasible"),
        "the sweep chart does not mark infeasible points: {}",
        text(sweep_chart)
    );

    let table = next_element(&dom, "<h2>Sweep points</h2>", "table").expect("the sweep table");
    let body = next_element(table, "<tbody", "tbody").unwrap();
    let rows: Vec<Vec<String>> = body
        .match_indices("<tr")
        .map(|(at, _)| {
            let row = element_at(body, at).unwrap();
            row.match_indices("<td")
                .map(|(at, _)| text(element_at(row, at).unwrap()))
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 7, "{rows:?}");
    let values: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(values, ["0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"]);
    for r in &rows {
        match r[1].as_str() {
            "infeasible" => assert_eq!(r[2], "-", "an infeasible point with a cost: {r:?}"),
            "optimal" | "feasible" => assert!(number_in(&r[2]).is_some(), "{r:?}"),
            other => panic!("unexpected status {other}: {r:?}"),
        }
    }
    // The sample cannot reach 90% domestic: the plan says so on its own too.
    let (code, p) = plan_json(&scenario, &["--set", "policy.domestic_share.min=0.9"]);
    assert_eq!((code, p["status"].as_str()), (1, Some("infeasible")));
    assert_eq!(rows[6][1], "infeasible", "{:?}", rows[6]);
    // And the sweep's 50% point is the plan itself.
    let (_, base) = plan_json(&scenario, &[]);
    assert_eq!(rows[2][2], money(base["total_cost"].as_f64().unwrap()));
}

#[test]
fn infeasible_report_says_why() {
    let Some(chrome) = browser() else { return };
    let scratch = Scratch::new("infeasible");
    let scenario = sample("infeasible-quota.yaml");
    let (code, plan) = plan_json(&scenario, &[]);
    assert_eq!(code, 1);
    let conflicts: Vec<&str> = plan["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(!conflicts.is_empty());
    // Exit 1, and the report is written all the same.
    let page = report(&scratch, "infeasible.html", &scenario, &[], 1);
    let dom = dump_dom(&chrome, &scratch, "dom", &page);

    let badge = by_id(&dom, "status").expect("a #status badge");
    assert_eq!(text(badge), "infeasible");
    assert!(badge.contains("class=\"status bad\""), "{badge}");
    assert!(by_id(&dom, "total-cost").is_none(), "a total for no plan");
    let body = body_text(&dom);
    for c in &conflicts {
        assert!(body.contains(c), "the page does not say {c:?}:\n{body}");
    }
}

#[test]
fn report_is_self_contained() {
    let scratch = Scratch::new("selfcontained");
    let scenario = sample("shanghai-2025.yaml");
    let pages = [
        report(&scratch, "plan.html", &scenario, &[], 0),
        report(
            &scratch,
            "sweep.html",
            &scenario,
            &[
                "--param",
                "policy.domestic_share.min",
                "--values",
                "0.5,0.9",
            ],
            0,
        ),
        report(
            &scratch,
            "infeasible.html",
            &sample("infeasible-quota.yaml"),
            &[],
            1,
        ),
    ];
    for page in &pages {
        let html = std::fs::read_to_string(page).unwrap();
        assert!(html.contains("<style>"), "no inline style sheet");
        let found = outside_references(&html);
        assert!(found.is_empty(), "{}: {found:?}", page.display());
    }
    // The check itself catches what it is for.
    let bad = "<html><head><link rel=stylesheet href=\"https://cdn.example/x.css\">\
               <style>body { background: url(http://x.example/bg.png) }</style></head>\
               <body><script src=\"app.js\"></script><svg><image href=\"file:///etc/x.png\"/></svg>\
               <a href=\"#top\">top</a></body></html>";
    let found = outside_references(bad);
    for want in [
        "<script",
        "href=https://cdn.example/x.css",
        "url(http://x.example/bg.png",
        "src=app.js",
        "href=file:///etc/x.png",
    ] {
        assert!(
            found.iter().any(|f| f.contains(want)),
            "missed {want}: {found:?}"
        );
    }
    assert!(!found.iter().any(|f| f.contains("#top")), "{found:?}");
}
