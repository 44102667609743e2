//! The HTML report opened in a real headless browser (Debian's `chromium`): the DOM after
//! load, a screenshot that must not be blank or unstyled, no page errors, no network.
//!
//! Without Chromium these tests print "skipped: chromium not found" and pass, unless
//! `CHIPMIX_REQUIRE_BROWSER=1` (CI sets it), in which case they fail.
//! `CHIPMIX_CHROMIUM=/path/to/chromium` picks another binary; `CHIPMIX_KEEP_SCREENSHOT=DIR`
//! keeps the report's screenshot as DIR/report.png to look at.

use crate::support::scratch::Scratch;
use crate::support::{chipmix, sample, scenario_file};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A browser run is killed, and its test fails, after this long.
const BROWSER_DEADLINE: Duration = Duration::from_secs(60);

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

/// The date every test report is made on: `SOURCE_DATE_EPOCH` 1700000000 is
/// 2023-11-14 22:13:20 UTC.
const EPOCH: &str = "1700000000";

/// `chipmix ARGS` with `SOURCE_DATE_EPOCH=epoch`.
fn chipmix_at(epoch: &str, args: &[&str]) -> crate::support::Run {
    let out = Command::new(env!("CARGO_BIN_EXE_chipmix"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", epoch)
        .output()
        .expect("the binary runs");
    crate::support::Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Writes `chipmix report SCENARIO EXTRA -o scratch/NAME` and returns the path; the exit
/// code must be `want`.
fn report(scratch: &Scratch, name: &str, scenario: &str, extra: &[&str], want: i32) -> PathBuf {
    let out = scratch.path(name);
    let out_str = out.to_str().unwrap().to_string();
    let mut args = vec!["report", scenario];
    args.extend(extra);
    args.extend(["-o", &out_str]);
    let r = chipmix_at(EPOCH, &args);
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
    let page = report(&scratch, "report.html", &scenario, &[], 0);
    let dom = dump_dom(&chrome, &scratch, "dom", &page);

    // The cost cards: each within a cent of the plan, in its currency, adding up.
    cost_cards_match(&dom, "", &plan);
    let card = text(by_id(&dom, "total-cost").expect("a #total-cost card in the DOM"));
    assert!(card.ends_with(&format!(" {currency}")), "{card}");
    // The other cards, against the plan's own figures.
    for (id, key, tolerance) in [
        ("pflops", "pflops", 0.05),
        ("facility-kw", "facility_kw", 0.05),
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

// ---------------------------------------------------------------- a report a CFO accepts

/// Whole cents of the first number in `s` (`75,616,000.00 USD` is 7561600000).
fn cents_in(s: &str) -> i64 {
    let v = number_in(s).unwrap_or_else(|| panic!("no amount in {s:?}"));
    (v * 100.0).round() as i64
}

/// The cost cards of the plan whose element ids start with `prefix`: capex, adoption and
/// opex each within a cent of `plan`'s (a separate `chipmix plan` run), the total too, and
/// the three adding up to the total to the cent, as the page states.
fn cost_cards_match(dom: &str, prefix: &str, plan: &Value) {
    let card = |id: &str| {
        let id = format!("{prefix}{id}");
        text(by_id(dom, &id).unwrap_or_else(|| panic!("no #{id} card")))
    };
    let mut sum = 0;
    for key in ["capex", "adoption", "opex", "total_cost"] {
        let shown = card(&key.replace('_', "-"));
        let got = cents_in(&shown);
        let want = plan[key].as_f64().unwrap() * 100.0;
        assert!(
            (got as f64 - want).abs() <= 1.0 + 1e-6,
            "#{prefix}{key} shows {shown:?}, the plan says {}",
            want / 100.0
        );
        assert!(
            shown.contains('.')
                && shown
                    .split('.')
                    .nth(1)
                    .unwrap()
                    .starts_with(|c: char| c.is_ascii_digit()),
            "#{prefix}{key} is not to the cent: {shown:?}"
        );
        if key != "total_cost" {
            sum += got;
        } else {
            assert_eq!(sum, got, "capex + adoption + opex != total on the page");
        }
    }
    let equation = text(by_id(dom, &format!("{prefix}cost-sum")).expect("the cost equation"));
    assert!(
        equation.contains('+') && equation.contains('='),
        "the cards do not read as a sum: {equation}"
    );
}

/// Two sites, two periods, discounting, prices that change and cents in the energy bill.
const NATIONAL: &str = "name: two sites, two years, for the finance team
currency: CNY
periods: [2025, 2026]
accelerators:
  - {id: dom-a, name: Domestic A, vendor: A, origin: domestic, platform: pa, unit_price: {2025: 1000, 2026: 900.5}, tflops: 400, power_w: 510, lot_size: 1, max_units: 40, source: vendor list price}
  - {id: for-c, vendor: C, origin: foreign, platform: cuda, unit_price: 700, tflops: 420, power_w: 455, lot_size: 1}
sites:
  - id: east
    demand: {pflops: {2025: 8, 2026: 12}}
    energy_price_per_kwh: 0.1234
  - id: west
    demand: {pflops: {2025: 6, 2026: 10}}
    energy_price_per_kwh: 0.0567
    pue: 1.17
policy:
  domestic_share: {min: 0.5}
costs:
  opex_years: 3
  utilization: 0.77
  discount_rate: 0.07
  platform_adoption: {pa: 2345.67}
";

#[test]
fn national_cost_cards_add_up_and_match_a_separate_plan() {
    let Some(chrome) = browser() else { return };
    let scratch = Scratch::new("national-cards");
    let scenario = scenario_file("national-cards", NATIONAL);
    let scenario = scenario.to_str().unwrap();
    let (code, plan) = plan_json(scenario, &[]);
    assert_eq!((code, plan["status"].as_str()), (0, Some("optimal")));
    let page = report(&scratch, "national.html", scenario, &[], 0);
    let dom = dump_dom(&chrome, &scratch, "dom", &page);
    cost_cards_match(&dom, "", &plan);
    // The per-period price is in the inputs, as the file gives it.
    let price = text(by_id(&dom, "price-dom-a").expect("dom-a's price"));
    assert_eq!(price, "2025: 1,000; 2026: 900.50");
    // The sites are listed with their energy prices.
    let sites = text(by_id(&dom, "inputs-sites").expect("the sites of the inputs"));
    for want in ["east", "west", "0.1234", "0.0567", "1.17"] {
        assert!(sites.contains(want), "{want} not in the sites: {sites}");
    }
    let costs = text(by_id(&dom, "inputs-costs").expect("the costs of the inputs"));
    for want in ["77.00%", "7.00%", "pa: 2,345.67 CNY"] {
        assert!(costs.contains(want), "{want} not in the costs: {costs}");
    }
}

/// The scenario's accelerators, as the YAML file gives them: `(id, unit_price)`.
fn accelerators_of(path: &str) -> Vec<(String, f64)> {
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    yaml["accelerators"]
        .as_sequence()
        .expect("accelerators")
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap().to_string(),
                a["unit_price"].as_f64().expect("a scalar price"),
            )
        })
        .collect()
}

#[test]
fn report_lists_its_inputs_the_version_and_a_fixed_date() {
    let Some(chrome) = browser() else { return };
    let scratch = Scratch::new("inputs");
    let scenario = sample("shanghai-2025.yaml");
    let set = ["--set", "accelerators[l20].unit_price=7250.5"];
    let page = report(&scratch, "inputs.html", &scenario, &set, 0);
    let dom = dump_dom(&chrome, &scratch, "dom", &page);

    let accelerators = accelerators_of(&scenario);
    assert!(accelerators.len() >= 5);
    for (id, price) in &accelerators {
        let want = if id == "l20" { 7250.5 } else { *price };
        assert!(
            by_id(&dom, &format!("input-{id}")).is_some(),
            "{id} is not in the inputs"
        );
        let shown = text(by_id(&dom, &format!("price-{id}")).unwrap());
        assert_eq!(number_in(&shown), Some(want), "{id}: price shown {shown:?}");
    }
    let body = body_text(&dom);
    for want in [
        &scenario,
        "accelerators[l20].unit_price=7250.5",
        "0.0875",
        "1.25",
        "80.00%",
        "at least 50.00% by units",
        "cann: 20,000,000 USD",
    ] {
        assert!(body.contains(want), "{want:?} is not in the report");
    }
    let version = text(by_id(&dom, "version").expect("a #version"));
    assert_eq!(version, env!("CARGO_PKG_VERSION"));
    let generated = text(by_id(&dom, "generated").expect("a #generated"));
    assert_eq!(generated, "2023-11-14 22:13 UTC");

    // The rules that bind: every entry of the plan's list, in words with its figures.
    let (_, plan) = plan_json(&scenario, &set);
    let binding = plan["binding"].as_array().unwrap();
    assert!(!binding.is_empty());
    let rules = next_element(&dom, "The rules that bind", "ul").expect("the binding rules");
    for b in binding {
        let name = b.as_str().unwrap();
        let item = rules
            .split("<li>")
            .find(|li| li.contains(&format!("<code>{name}</code>")))
            .unwrap_or_else(|| panic!("{name} is not among the rules that bind: {rules}"));
        assert!(
            text(item).len() > name.len() + 20,
            "{name} has no words: {item}"
        );
    }
    if binding.iter().any(|b| b == "demand") {
        assert!(
            text(rules).contains("demand of 1,500 PFLOPS"),
            "{}",
            text(rules)
        );
    }

    // The same date makes the same page, byte for byte.
    let again = report(&scratch, "again.html", &scenario, &set, 0);
    assert_eq!(
        std::fs::read(&page).unwrap(),
        std::fs::read(&again).unwrap(),
        "two reports at one SOURCE_DATE_EPOCH differ"
    );
}

/// Cells of the side-by-side table: `cmp-KEY-I` for member I (1-based).
fn cell(dom: &str, key: &str, i: usize) -> String {
    text(by_id(dom, &format!("cmp-{key}-{i}")).unwrap_or_else(|| panic!("no cmp-{key}-{i}")))
}

#[test]
fn a_report_of_three_budgets_matches_three_plans() {
    let Some(chrome) = browser() else { return };
    let scratch = Scratch::new("budgets");
    let scenario = sample("max-pflops-budget.yaml");
    let budgets = [None, Some("5e7"), Some("4e7")];
    let variants = [
        "b50m:limits.capex_budget=5e7",
        "b40m:limits.capex_budget=4e7",
    ];
    let page = report(
        &scratch,
        "budgets.html",
        &scenario,
        &["--variant", variants[0], "--variant", variants[1]],
        0,
    );
    let dom = dump_dom(&chrome, &scratch, "dom", &page);
    let table = by_id(&dom, "comparison").expect("the side-by-side table");
    let header = next_element(table, "<thead", "thead").unwrap();
    let columns = header.matches("<th>").count() + header.matches("<th ").count();
    assert_eq!(columns, 1 + 3, "{}", text(header));
    for (i, b) in budgets.iter().enumerate() {
        let sets: Vec<String> = b
            .map(|b| vec!["--set".to_string(), format!("limits.capex_budget={b}")])
            .unwrap_or_default();
        let sets: Vec<&str> = sets.iter().map(String::as_str).collect();
        let (code, plan) = plan_json(&scenario, &sets);
        assert_eq!(code, 0);
        let col = i + 1;
        assert_eq!(cell(&dom, "status", col), plan["status"].as_str().unwrap());
        for key in ["total_cost", "capex", "adoption", "opex"] {
            let got = cents_in(&cell(&dom, key, col));
            let want = plan[key].as_f64().unwrap() * 100.0;
            assert!(
                (got as f64 - want).abs() <= 1.0 + 1e-6,
                "column {col} {key}: {got} cents, the plan says {want}"
            );
        }
        let pflops = number_in(&cell(&dom, "pflops", col)).unwrap();
        assert!((pflops - plan["pflops"].as_f64().unwrap()).abs() <= 0.05);
        for p in plan["purchases"].as_array().unwrap() {
            let id = p["id"].as_str().unwrap();
            let units = number_in(&cell(&dom, &format!("units.{id}"), col)).unwrap();
            assert_eq!(units, p["units"].as_f64().unwrap(), "column {col} {id}");
        }
        // Each member's own section, with its own cards.
        cost_cards_match(&dom, &format!("s{col}-"), &plan);
    }
    // max_pflops: the first chart and the headline card are PFLOPS, not cost.
    let first = next_element(&dom, "<div class=\"chart\">", "svg").expect("a chart");
    assert!(
        text(first).contains("PFLOPS") && !text(first).contains("cost"),
        "the first chart is not about PFLOPS: {}",
        text(first)
    );
}

#[test]
fn a_max_pflops_report_charts_pflops_first() {
    let Some(chrome) = browser() else { return };
    let scratch = Scratch::new("max-pflops");
    let page = report(
        &scratch,
        "max.html",
        &sample("max-pflops-budget.yaml"),
        &[],
        0,
    );
    let dom = dump_dom(&chrome, &scratch, "dom", &page);
    let first = next_element(&dom, "<div class=\"chart\">", "svg").expect("a chart");
    assert!(
        text(first).contains("PFLOPS added by accelerator"),
        "the first chart is not about PFLOPS: {}",
        text(first)
    );
    let headline = next_element(&dom, "<div class=\"kpis", "div").expect("the first cards");
    assert!(
        headline.contains("id=\"pflops\""),
        "the first card is not the PFLOPS: {}",
        text(headline)
    );
}

#[test]
fn a_report_of_two_files_shows_the_infeasible_one_with_its_reasons() {
    let Some(chrome) = browser() else { return };
    let scratch = Scratch::new("two-files");
    let good = sample("shanghai-2025.yaml");
    let bad = sample("infeasible-quota.yaml");
    // Exit 1: one member has no plan; the page is written all the same.
    let page = report(&scratch, "two.html", &good, &[&bad], 1);
    let dom = dump_dom(&chrome, &scratch, "dom", &page);
    let (_, good_plan) = plan_json(&good, &[]);
    let (code, bad_plan) = plan_json(&bad, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        cell(&dom, "status", 1),
        good_plan["status"].as_str().unwrap()
    );
    assert_eq!(cell(&dom, "status", 2), "infeasible");
    assert_eq!(cell(&dom, "total_cost", 2), "-");
    let total = cents_in(&cell(&dom, "total_cost", 1));
    assert!((total as f64 - good_plan["total_cost"].as_f64().unwrap() * 100.0).abs() <= 1.0);
    let why = text(by_id(&dom, "without-a-plan").expect("the list of members without a plan"));
    for c in bad_plan["conflicts"].as_array().unwrap() {
        assert!(why.contains(c.as_str().unwrap()), "{c} not in {why}");
    }
    assert!(by_id(&dom, "s2-status").is_some_and(|b| text(b) == "infeasible"));
    assert!(
        by_id(&dom, "s2-total-cost").is_none(),
        "a total for no plan"
    );
    cost_cards_match(&dom, "s1-", &good_plan);
}

#[test]
fn report_options_for_one_scenario_are_refused_with_several_and_a_bad_date_is_bad_input() {
    let scratch = Scratch::new("refused");
    let scenario = sample("shanghai-2025.yaml");
    let out = scratch.path("x.html");
    let out = out.to_str().unwrap();
    let r = chipmix_at(
        EPOCH,
        &[
            "report",
            &scenario,
            "--variant",
            "q6:policy.domestic_share.min=0.6",
            "--explain",
            "-o",
            out,
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("--explain goes with one scenario"),
        "{}",
        r.stderr
    );
    let r = chipmix_at("yesterday", &["report", &scenario, "-o", out]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("SOURCE_DATE_EPOCH"), "{}", r.stderr);
    assert!(
        !std::path::Path::new(out).exists(),
        "a report written anyway"
    );
}

/// The rows of the table with `id`: its cells' text, row by row (the header row left out).
fn table_rows(dom: &str, id: &str) -> Vec<Vec<String>> {
    let table = by_id(dom, id).unwrap_or_else(|| panic!("no table #{id}"));
    let body = &table[table.find("<tbody").expect("a tbody")..];
    body.split("<tr")
        .skip(1)
        .map(|tr| {
            tr.split("<td")
                .skip(1)
                .map(|td| text(&format!("<td{td}")))
                .collect()
        })
        .collect()
}

#[test]
fn report_allocation_matches_a_separate_plan() {
    let Some(chrome) = browser() else { return };
    let scratch = Scratch::new("allocation");
    let scenario = sample("training-inference.yaml");
    let (code, plan) = plan_json(&scenario, &[]);
    assert_eq!(code, 0);
    let want = plan["allocation"].as_array().expect("an allocation");
    assert!(!want.is_empty(), "the sample has workloads");
    let page = report(&scratch, "allocation.html", &scenario, &[], 0);
    let dom = dump_dom(&chrome, &scratch, "dom", &page);
    let got = table_rows(&dom, "allocation");
    assert_eq!(got.len(), want.len(), "{got:?} against {want:?}");
    // One site and one period: workload, accelerator, units, effective PFLOPS.
    for w in want {
        let (class, id) = (w["workload"].as_str().unwrap(), w["id"].as_str().unwrap());
        let row = got
            .iter()
            .find(|r| r[0] == class && r[1] == id)
            .unwrap_or_else(|| panic!("no row for {class} / {id}: {got:?}"));
        let units = number_in(&row[2]).unwrap();
        let pflops = number_in(&row[3]).unwrap();
        assert!(
            (units - w["units"].as_f64().unwrap()).abs() < 1e-9,
            "{class} / {id}: {units} units shown, {w}"
        );
        // Shown to 0.1 PFLOPS.
        assert!(
            (pflops - w["pflops"].as_f64().unwrap()).abs() <= 0.05 + 1e-9,
            "{class} / {id}: {pflops} PFLOPS shown, {w}"
        );
    }
    // Each class's cards give at least its demand, as the file states it.
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(&scenario).unwrap()).unwrap();
    let demand = yaml["demand"]["workloads"].as_mapping().expect("workloads");
    for (class, need) in demand {
        let (class, need) = (class.as_str().unwrap(), need.as_f64().unwrap());
        let given: f64 = got
            .iter()
            .filter(|r| r[0] == class)
            .map(|r| number_in(&r[3]).unwrap())
            .sum();
        assert!(given >= need - 0.1, "{class}: {given} of {need} PFLOPS");
    }
}

/// One card is 1 PFLOPS and 1 kW: 2,998 kW of a 3,000 kW limit (0.067% slack, near but not
/// binding); as the second of two reports, a second scenario with 3,100 kW (not near).
const POWER_NEAR: &str = "name: power near its limit
accelerators:
  - {id: c, vendor: V, origin: foreign, unit_price: 10000, tflops: 1000, power_w: 1000}
demand: {pflops: 2998}
limits: {power_kw: 3000}
";

#[test]
fn report_shows_power_near_its_limit_with_its_slack() {
    let Some(chrome) = browser() else { return };
    let scratch = Scratch::new("near");
    let near = scenario_file("report-power-near", POWER_NEAR);
    let near = near.to_str().unwrap();
    let roomy = scenario_file(
        "report-power-roomy",
        &POWER_NEAR.replace("power_kw: 3000", "power_kw: 3100"),
    );
    let roomy = roomy.to_str().unwrap();
    let (code, plan) = plan_json(near, &[]);
    assert_eq!(code, 0);
    let power = plan["near_limit"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["constraint"] == "power")
        .unwrap_or_else(|| panic!("power is near: {}", plan["near_limit"]))
        .clone();
    assert!(
        !plan["binding"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b == "power")
    );

    let page = report(&scratch, "near.html", near, &[], 0);
    let dom = dump_dom(&chrome, &scratch, "dom", &page);
    let list = text(by_id(&dom, "near-limit").expect("the rules near their limit"));
    assert!(list.starts_with("power:"), "{list}");
    let figure = |after: &str| number_in(&list[list.find(after).unwrap() + after.len()..]);
    // Shown to 0.001 kW.
    for (after, key) in [
        ("power:", "value"),
        ("limit of", "limit"),
        ("slack", "slack"),
    ] {
        let (shown, want) = (figure(after).unwrap(), power[key].as_f64().unwrap());
        assert!(
            (shown - want).abs() <= 5e-4 + 1e-9,
            "{key}: {shown} vs {want}: {list}"
        );
    }
    assert!(list.contains("kW"), "{list}");
    // Not among the rules that bind.
    if let Some(rules) = next_element(&dom, "The rules that bind", "ul") {
        assert!(!rules.contains("<code>power</code>"), "{rules}");
    }

    // Side by side with 3,100 kW: the first member lists power as near, the second nothing.
    let page = report(&scratch, "both.html", near, &[roomy], 0);
    let dom = dump_dom(&chrome, &scratch, "both", &page);
    let first = text(by_id(&dom, "s1-near-limit").expect("s1's rules near their limit"));
    assert!(first.contains("slack 2 kW"), "{first}");
    assert!(
        by_id(&dom, "s2-near-limit").is_none(),
        "3,100 kW is not near"
    );
}

/// Two sites, two years, demand per workload class: small enough for microlp to prove.
const NATIONAL_WORKLOADS: &str = "name: two sites with workloads
currency: USD
periods: [2025, 2026]
accelerators:
  - {id: g, vendor: V1, origin: foreign, unit_price: 10000, tflops: 100, power_w: 500, efficiency: {training: 1.0, inference: 1.0}}
  - {id: d, vendor: D1, origin: domestic, unit_price: 7000, tflops: 100, power_w: 500, efficiency: {training: 0.5, inference: 0.9}}
sites:
  - id: a
    demand: {workloads: {training: {2025: 1, 2026: 2}, inference: {2025: 2, 2026: 3}}}
  - id: b
    demand: {workloads: {training: 0.5, inference: {2025: 1, 2026: 1.5}}}
policy:
  domestic_share: {min: 0.4}
";

#[test]
fn national_report_allocation_is_per_site_and_period_as_a_separate_plan() {
    let Some(chrome) = browser() else { return };
    let scratch = Scratch::new("allocation-national");
    let scenario = scenario_file("report-national-workloads", NATIONAL_WORKLOADS);
    let scenario = scenario.to_str().unwrap();
    let (code, plan) = plan_json(scenario, &[]);
    assert_eq!((code, plan["status"].as_str()), (0, Some("optimal")));
    let want = plan["allocation"].as_array().expect("an allocation");
    let page = report(&scratch, "national.html", scenario, &[], 0);
    let dom = dump_dom(&chrome, &scratch, "dom", &page);
    let got = table_rows(&dom, "allocation");
    assert_eq!(got.len(), want.len(), "{got:?} against {want:?}");
    // Site, period, workload, accelerator, units, effective PFLOPS.
    for w in want {
        let key = [
            w["site"].as_str().expect("a site").to_string(),
            w["period"].as_i64().expect("a period").to_string(),
            w["workload"].as_str().unwrap().to_string(),
            w["id"].as_str().unwrap().to_string(),
        ];
        let row = got
            .iter()
            .find(|r| r[..4] == key)
            .unwrap_or_else(|| panic!("no row for {key:?}: {got:?}"));
        assert_eq!(number_in(&row[4]), w["units"].as_f64(), "{key:?}: {row:?}");
        let pflops = number_in(&row[5]).unwrap();
        assert!(
            (pflops - w["pflops"].as_f64().unwrap()).abs() <= 0.05 + 1e-9,
            "{key:?}: {row:?} against {w}"
        );
    }
    // Every site and year of the file has rows.
    for site in ["a", "b"] {
        for year in ["2025", "2026"] {
            assert!(
                got.iter().any(|r| r[0] == site && r[1] == year),
                "{site} {year} has no rows: {got:?}"
            );
        }
    }
}
