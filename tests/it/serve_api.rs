//! `chipmix serve`'s API, over plain HTTP to the built binary: `POST /api/plan` answers
//! byte for byte what `chipmix plan --set ... --format json` prints, on every sample; bad
//! requests get a 4xx with the command line's own message and the server keeps serving;
//! the scenario it serves is the one `validate --resolved` writes; the report link gives
//! the report `chipmix report` writes; a newer request of a page, or a client that goes
//! away, stops the older solve; concurrent requests each get their own answer; and nothing
//! is written to disk.

use crate::decompose::generate;
use crate::support::server::{Server, send};
use crate::support::{chipmix, chipmix_in, json, par_map, sample, sample_files, scenario_file};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// `chipmix plan SCENARIO --set S... --format json`: its stdout, stderr and exit code.
fn cli_plan(scenario: &Path, sets: &[&str]) -> crate::support::Run {
    let s = scenario.to_str().unwrap();
    let mut args = vec!["plan", s, "--format", "json"];
    for set in sets {
        args.extend(["--set", set]);
    }
    chipmix(&args)
}

/// A `{"set": [...]}` body of `sets` in the list form.
fn body(sets: &[&str]) -> String {
    serde_json::json!({ "set": sets }).to_string()
}

#[test]
fn every_sample_answers_exactly_what_plan_prints() {
    let views: [&[&str]; 3] = [
        &[],
        &["accelerators[*].unit_price*=1.1"],
        &["accelerators[*].available=true", "solver.time_limit_s=30"],
    ];
    par_map(&sample_files(), 2, |file| {
        let server = Server::start(file, &[], None);
        for view in views {
            let cli = cli_plan(file, view);
            assert!(
                cli.code == 0 || cli.code == 1,
                "{}: {view:?}: {}",
                file.display(),
                cli.stderr
            );
            let r = server.plan(&body(view));
            assert_eq!(r.status, 200, "{}: {view:?}: {}", file.display(), r.body);
            assert_eq!(
                r.body,
                cli.stdout,
                "{}: {view:?}: the page's plan differs from `chipmix plan`",
                file.display()
            );
            assert_eq!(
                r.header("x-chipmix-exit"),
                Some(cli.code.to_string().as_str()),
                "{}: {view:?}",
                file.display()
            );
            assert!(
                r.header("content-type")
                    .is_some_and(|t| t.starts_with("application/json")),
                "{:?}",
                r.headers
            );
        }
    });
}

#[test]
fn the_map_form_keeps_the_order_of_the_overrides() {
    let file = PathBuf::from(sample("shanghai-2025.yaml"));
    let server = Server::start(&file, &[], None);
    // The same path twice: only the list form can say it; the last one wins.
    let listed = server.plan(&body(&["limits.power_kw=4000", "limits.power_kw=4200"]));
    let mapped =
        server.plan(r#"{"set": {"limits.power_kw": 4200, "policy.domestic_share.min": "0.6"}}"#);
    assert_eq!(
        listed.body,
        cli_plan(&file, &["limits.power_kw=4000", "limits.power_kw=4200"]).stdout
    );
    assert_eq!(
        mapped.body,
        cli_plan(
            &file,
            &["limits.power_kw=4200", "policy.domestic_share.min=0.6"]
        )
        .stdout
    );
    // A relative override is a path ending in `*` in either form.
    let relative = server.plan(r#"{"set": {"accelerators[h20].unit_price*": 1.5}}"#);
    assert_eq!(
        relative.body,
        cli_plan(&file, &["accelerators[h20].unit_price*=1.5"]).stdout
    );
}

#[test]
fn overrides_given_to_serve_come_before_the_page_s() {
    let file = PathBuf::from(sample("shanghai-2025.yaml"));
    let server = Server::start(&file, &["--set", "limits.power_kw=4200"], None);
    let r = server.plan(&body(&["policy.domestic_share.min=0.6"]));
    assert_eq!(
        r.body,
        cli_plan(
            &file,
            &["limits.power_kw=4200", "policy.domestic_share.min=0.6"]
        )
        .stdout
    );
    let s = json(&server.get("/api/scenario").body);
    assert_eq!(s["overrides"], serde_json::json!(["limits.power_kw=4200"]));
    assert_eq!(s["scenario"]["limits"]["power_kw"], 4200.0);
}

#[test]
fn bad_requests_get_the_command_line_s_message_and_the_server_keeps_serving() {
    let file = PathBuf::from(sample("shanghai-2025.yaml"));
    let mut server = Server::start(&file, &[], None);
    // Overrides the scenario refuses: 422, with what `chipmix plan --set` prints (exit 2).
    for set in [
        "limits.power_kww=4000",
        "accelerators[h2O].available=false",
        "accelerators[h20].unit_price=-5",
        "policy.domestic_share.min=1.5",
        "accelerators[h20].max_units*=0.5",
        "accelerators[h20].unit_price*=cheap",
    ] {
        let cli = cli_plan(&file, &[set]);
        assert_eq!(cli.code, 2, "{set}: {}", cli.stderr);
        let r = server.plan(&body(&[set]));
        assert_eq!(r.status, 422, "{set}: {}", r.body);
        assert_eq!(r.error(), cli.stderr.trim_end(), "{set}");
    }
    // Malformed requests: 400, saying what was expected.
    for bad in [
        "{\"set\": ",
        "[]",
        "{\"sets\": {}}",
        "{\"set\": 5}",
        "{\"set\": [\"no equals sign\"]}",
        "\u{1}",
    ] {
        let r = server.plan(bad);
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
        assert!(r.error().contains("plan request"), "{bad}: {}", r.body);
    }
    // Too large: 413 before the body is read.
    let big = format!("{{\"set\": {{\"name\": \"{}\"}}}}", "x".repeat(200 * 1024));
    let r = server.plan(&big);
    assert_eq!(r.status, 413, "{}", r.body);
    assert!(r.error().contains("larger than"), "{}", r.body);
    // Nowhere, the wrong method, another host name, an unknown query parameter.
    assert_eq!(server.get("/api/nothing").status, 404);
    assert_eq!(server.get("/api/plan").status, 405);
    let r = send(
        &server.addr,
        "GET",
        "/api/scenario",
        &[("Host", "evil.example")],
        b"",
    );
    assert_eq!(r.status, 403, "{}", r.body);
    let r = server.get("/api/report?sett=limits.power_kw%3D4000");
    assert_eq!(r.status, 400, "{}", r.body);
    let r = server.get("/api/report?set=limits.power_kww%3D4000");
    assert_eq!(r.status, 422, "{}", r.body);
    // Still serving, with the right answer.
    assert!(server.alive());
    let r = server.plan(&body(&["policy.domestic_share.min=0.6"]));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body,
        cli_plan(&file, &["policy.domestic_share.min=0.6"]).stdout
    );
}

#[test]
fn an_infeasible_view_is_a_result_with_its_conflicts() {
    let file = PathBuf::from(sample("shanghai-2025.yaml"));
    let server = Server::start(&file, &[], None);
    let view = [
        "policy.domestic_share.min=0.95",
        "policy.domestic_share.strict=true",
    ];
    let cli = cli_plan(&file, &view);
    assert_eq!(cli.code, 1, "{}", cli.stderr);
    let r = server.plan(&body(&view));
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-chipmix-exit"), Some("1"));
    assert_eq!(r.body, cli.stdout);
    let p = json(&r.body);
    assert_eq!(p["status"], "infeasible");
    assert!(!p["conflicts"].as_array().unwrap().is_empty(), "{}", r.body);
}

#[test]
fn the_scenario_served_is_the_one_validate_resolves() {
    for name in ["shanghai-2025.yaml", "national-2025-2027.yaml"] {
        let file = PathBuf::from(sample(name));
        let server = Server::start(&file, &[], None);
        let r = server.get("/api/scenario");
        assert_eq!(r.status, 200, "{}", r.body);
        let served = json(&r.body);
        let cli = chipmix(&["validate", "--resolved", file.to_str().unwrap()]);
        assert_eq!(cli.code, 0, "{}", cli.stderr);
        let yaml: serde_yaml::Value = serde_yaml::from_str(&cli.stdout).unwrap();
        let resolved = serde_json::to_value(yaml).unwrap();
        assert_eq!(served["scenario"], resolved, "{name}");
        assert_eq!(served["file"], file.to_str().unwrap());
    }
}

#[test]
fn the_report_link_gives_the_report_of_the_view() {
    let file = PathBuf::from(sample("shanghai-2025.yaml"));
    let epoch = [("SOURCE_DATE_EPOCH", "1700000000")];
    let server = Server::start_with_env(&file, &[], None, &epoch);
    let r = server.get(
        "/api/report?set=policy.domestic_share.min%3D0.7&set=accelerators%5Bh20%5D.available%3Dfalse",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(
        r.header("content-disposition"),
        Some("attachment; filename=\"shanghai-2025-report.html\"")
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_chipmix"))
        .args(["report", file.to_str().unwrap()])
        .args(["--set", "policy.domestic_share.min=0.7"])
        .args(["--set", "accelerators[h20].available=false"])
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        r.body == String::from_utf8(out.stdout).unwrap(),
        "the downloaded report differs from `chipmix report` of the same view"
    );
}

/// A generated national scenario whose whole-lot search runs for tens of seconds, while
/// its continuous relaxation (`solver.integer=false`) is solved in about a second (see
/// `interrupts::slow_national`).
fn slow_national() -> PathBuf {
    scenario_file(
        "slow-national",
        &generate::render(&generate::Args {
            sites: 12,
            periods: 5,
            seed: 2,
            first_year: 2025,
            rules: false,
        }),
    )
}

#[test]
fn a_newer_request_of_a_page_stops_the_older_one() {
    let server = Server::start(&slow_national(), &["--time-limit", "300"], None);
    let session = [
        ("Content-Type", "application/json"),
        ("X-Chipmix-Session", "tab-1"),
    ];
    let started = Instant::now();
    std::thread::scope(|s| {
        let older = s.spawn(|| {
            send(
                &server.addr,
                "POST",
                "/api/plan",
                &session,
                body(&[]).as_bytes(),
            )
        });
        std::thread::sleep(Duration::from_millis(1500));
        let newer = send(
            &server.addr,
            "POST",
            "/api/plan",
            &session,
            body(&["solver.integer=false"]).as_bytes(),
        );
        assert_eq!(newer.status, 200, "{}", newer.body);
        let older = older.join().unwrap();
        assert_eq!(older.status, 409, "{}", older.body);
        assert!(older.error().contains("superseded"), "{}", older.body);
    });
    // Stopped, not run to its end (which takes tens of seconds; the limit is 300).
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the older solve was not stopped: {:?}",
        started.elapsed()
    );
}

#[test]
fn a_client_that_goes_away_stops_its_solve() {
    use std::io::Write;
    // One solve at a time: the second request waits for the first's slot.
    let server = Server::start(
        &slow_national(),
        &["--time-limit", "300", "--jobs", "1"],
        None,
    );
    let started = Instant::now();
    {
        let mut gone = std::net::TcpStream::connect(&server.addr).unwrap();
        let b = body(&[]);
        write!(
            gone,
            "POST /api/plan HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{b}",
            server.addr,
            b.len()
        )
        .unwrap();
        std::thread::sleep(Duration::from_millis(1500));
    }
    let r = server.plan(&body(&["solver.integer=false"]));
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the abandoned solve kept its slot: {:?}",
        started.elapsed()
    );
}

#[test]
fn concurrent_requests_each_get_their_own_answer() {
    let file = PathBuf::from(sample("shanghai-2025.yaml"));
    let server = Server::start(&file, &["--jobs", "2"], None);
    let quotas: Vec<String> = (0..8)
        .map(|k| format!("policy.domestic_share.min={}", 0.3 + 0.05 * k as f64))
        .collect();
    let answers = par_map(&quotas, 8, |q| server.plan(&body(&[q])));
    for (q, r) in quotas.iter().zip(&answers) {
        assert_eq!(r.status, 200, "{q}: {}", r.body);
        assert_eq!(r.body, cli_plan(&file, &[q]).stdout, "{q}");
    }
}

/// Every file under `dir`, with its size and modification time.
fn listing(dir: &Path) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            }
            out.push((e.path(), m.len(), m.modified().unwrap()));
        }
    }
    out.sort();
    out
}

#[test]
fn nothing_is_written_to_disk() {
    let root = std::env::temp_dir().join(format!("chipmix-serve-disk-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (files, cwd) = (root.join("files"), root.join("cwd"));
    std::fs::create_dir_all(&files).unwrap();
    std::fs::create_dir_all(&cwd).unwrap();
    std::fs::create_dir_all(files.join("catalog")).unwrap();
    for name in [
        "catalog-shanghai-2025.yaml",
        "catalog/accelerators-2025.yaml",
    ] {
        std::fs::copy(sample(name), files.join(name)).unwrap();
    }
    // The sample that reads its accelerators from a catalog: two files read.
    let check = chipmix_in(&files, &["validate", "catalog-shanghai-2025.yaml"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    let before = listing(&root);
    {
        let server = Server::start(&files.join("catalog-shanghai-2025.yaml"), &[], Some(&cwd));
        assert_eq!(server.get("/").status, 200);
        assert_eq!(server.get("/api/scenario").status, 200);
        assert_eq!(server.plan(&body(&["limits.power_kw*=0.9"])).status, 200);
        assert_eq!(server.plan(&body(&["limits.power_kw=-1"])).status, 422);
        assert_eq!(
            server
                .get("/api/report?set=limits.power_kw%2A%3D0.9")
                .status,
            200
        );
    }
    assert_eq!(listing(&root), before, "chipmix serve wrote to disk");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn the_page_and_its_files_are_served_from_the_binary() {
    let file = PathBuf::from(sample("shanghai-2025.yaml"));
    let server = Server::start(&file, &[], None);
    for (path, kind) in [
        ("/", "text/html"),
        ("/app.js", "text/javascript"),
        ("/app.css", "text/css"),
    ] {
        let r = server.get(path);
        assert_eq!(r.status, 200, "{path}");
        assert!(
            r.header("content-type").unwrap().starts_with(kind),
            "{path}"
        );
        let csp = r.header("content-security-policy").unwrap_or("");
        assert!(
            csp.contains("default-src 'none'") && csp.contains("connect-src 'self'"),
            "{path}: {csp}"
        );
        // No address elsewhere (the SVG namespace is a name, not a place): the page works
        // offline.
        let body = r.body.replace("http://www.w3.org/2000/svg", "");
        assert!(
            !body.contains("http://") && !body.contains("https://"),
            "{path}"
        );
    }
}

#[test]
fn a_bad_scenario_or_a_port_in_use_is_an_error_before_serving() {
    let bad = scenario_file("bad", "name: b\naccelerators: []\ndemand: {pflops: 1}\n");
    let r = chipmix(&["serve", bad.to_str().unwrap(), "--port", "0"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("bad.yaml"), "{}", r.stderr);
    let file = PathBuf::from(sample("shanghai-2025.yaml"));
    let server = Server::start(&file, &[], None);
    let port = server.addr.rsplit(':').next().unwrap();
    let r = chipmix(&["serve", file.to_str().unwrap(), "--port", port]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("cannot listen on"), "{}", r.stderr);
}
