//! Bad input never crashes chipmix.
//!
//! The product's rule: a malformed scenario or command line ends with exit code 2 and a
//! message on stderr that names the file, the place (`line:col`, when the YAML has one) and
//! the field (with the accelerator id inside `accelerators`); never a panic, never a hang.
//! Infeasible scenarios exit 1, plans exit 0.
//!
//! Three parts:
//! 1. a table-driven corpus of malformed scenarios, most of them one edit away from a valid
//!    base scenario, so that each case breaks exactly one thing;
//! 2. deterministic mutations of the sample scenarios in `scenarios/` (xorshift, fixed seeds),
//!    run through `validate` and `plan`;
//! 3. command-line usage errors.
//!
//! The tests run the built binary and check behaviour (exit code, file, location, field path,
//! accelerator id), not whole messages, so the wording can evolve. Every run has a deadline:
//! a run that does not finish in time is killed and reported as a hang.

use crate::support::scratch::Scratch;
use crate::support::{place_of, sample};
use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_chipmix");

/// Text that must never reach the user: a panic, a stack overflow, or the CLI's catch-all
/// for a caught panic ("internal error (this is a bug ...)").
const CRASH_MARKERS: &[&str] = &[
    "panicked",
    "RUST_BACKTRACE",
    "internal error",
    "overflowed its stack",
];

// Time limits are on the CPU time of the run (read from /proc on Linux), so that a busy
// machine does not turn a slow start into a failure; wall-clock time gets three times as
// much, to catch a run that hangs without using the CPU. Elsewhere, wall-clock time only.

/// Most a single run may take before it counts as a hang (debug build).
const HANG: Duration = Duration::from_secs(20);
/// Bound for inputs built to be expensive (alias bombs, deep nesting, many errors):
/// rejecting them must stay quick even in a debug build.
const FAST: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------------------
// Scratch files and running the binary
// ---------------------------------------------------------------------------------------

/// What one run of the binary did.
struct Run {
    /// `None` when killed (deadline) or ended by a signal.
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    /// CPU time (user + system) as last seen while it ran, where the OS tells.
    cpu: Option<Duration>,
    /// Why the run was killed, if it was.
    killed: Option<String>,
    timed_out: bool,
}

impl Run {
    fn describe(&self) -> String {
        let stdout: String = self.stdout.chars().take(300).collect();
        let stderr: String = self.stderr.chars().take(1500).collect();
        format!(
            "exit {:?}{} after {:.2?}{}\n    stderr: {}\n    stdout: {}",
            self.code,
            self.killed
                .as_deref()
                .map(|k| format!(" (killed: {k})"))
                .unwrap_or_default(),
            self.elapsed,
            self.cpu
                .filter(|c| !c.is_zero())
                .map(|c| format!(", cpu {c:.2?}"))
                .unwrap_or_default(),
            stderr.trim_end().replace('\n', "\n            "),
            stdout.trim_end().replace('\n', "\n            "),
        )
    }
}

/// CPU time used so far by process `pid` (Linux: /proc/PID/stat, in 1/100 s ticks).
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Runs chipmix with `args`, killing it when it has used `limit` of CPU time (or three
/// times that of wall-clock time). Output goes to files in `scratch`, so a chatty child can
/// never block on a full pipe.
fn run<S: AsRef<OsStr>>(args: &[S], scratch: &Scratch, limit: Duration) -> Run {
    static SEQ: AtomicUsize = AtomicUsize::new(0);
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    let out_path = scratch.path(&format!(".run-{n}.stdout"));
    let err_path = scratch.path(&format!(".run-{n}.stderr"));
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out_path).expect("create stdout file"))
        .stderr(fs::File::create(&err_path).expect("create stderr file"))
        .spawn()
        .expect("start chipmix");
    let mut killed = None;
    let mut cpu = None;
    let mut nap = Duration::from_millis(1);
    let status = loop {
        // Read before reaping: an exited child keeps its final times until it is waited for.
        cpu = cpu_time(child.id()).or(cpu);
        if let Some(status) = child.try_wait().expect("poll chipmix") {
            break status;
        }
        let wall = started.elapsed();
        let over = match cpu {
            Some(c) if c > limit => Some(format!("used {c:.1?} of CPU, limit {limit:.0?}")),
            Some(_) if wall > limit * 3 => Some(format!("{wall:.1?} wall-clock")),
            None if wall > limit => Some(format!("{wall:.1?} wall-clock, limit {limit:.0?}")),
            _ => None,
        };
        if over.is_some() {
            let _ = child.kill();
            killed = over;
            break child.wait().expect("reap chipmix");
        }
        std::thread::sleep(nap);
        nap = (nap * 2).min(Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    let read = |p: &Path| {
        let text = String::from_utf8_lossy(&fs::read(p).unwrap_or_default()).into_owned();
        let _ = fs::remove_file(p);
        text
    };
    Run {
        code: if killed.is_some() {
            None
        } else {
            status.code()
        },
        stdout: read(&out_path),
        stderr: read(&err_path),
        elapsed,
        cpu,
        timed_out: killed.is_some(),
        killed,
    }
}

/// A crash marker found on stderr, if any.
fn crash_marker(run: &Run) -> Option<&'static str> {
    CRASH_MARKERS
        .iter()
        .copied()
        .find(|m| run.stderr.contains(m))
}

/// Whether some stderr line reads `FILE:LINE:COL: ...`.
fn has_any_location(stderr: &str, file: &str) -> bool {
    stderr.lines().any(|line| {
        let Some(rest) = line.strip_prefix(file).and_then(|r| r.strip_prefix(':')) else {
            return false;
        };
        let mut parts = rest.splitn(3, ':');
        let digits = |s: Option<&str>| {
            s.is_some_and(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        };
        digits(parts.next()) && digits(parts.next()) && parts.next().is_some()
    })
}

/// Everything wrong with a run that should have rejected `file` as bad input (empty: fine).
fn rejection_problems(run: &Run, file: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if run.timed_out {
        problems.push(format!(
            "did not finish: killed after {:.1?} ({})",
            run.elapsed,
            run.killed.as_deref().unwrap_or("")
        ));
        return problems;
    }
    if run.code != Some(2) {
        problems.push(format!("exit code {:?}, expected 2", run.code));
    }
    if let Some(m) = crash_marker(run) {
        problems.push(format!("stderr contains `{m}`"));
    }
    if !run.stderr.starts_with(file) {
        problems.push(format!("stderr does not start with the file path `{file}`"));
    }
    problems
}

// ---------------------------------------------------------------------------------------
// Part 1: the corpus
// ---------------------------------------------------------------------------------------

/// A valid scenario that uses every block; each corpus case breaks it in one place. Lines
/// are found by their text (see [`edit`]), so this can be reordered freely. The existing
/// entry lists `units` before `id` so that its `id: h20` line differs from the
/// accelerator's `- id: h20`.
const BASE: &str = "\
name: Corpus base
description: A valid scenario that each corpus case breaks in one place.
currency: USD
objective: min_cost
accelerators:
  - id: ascend-910c
    vendor: Huawei
    origin: domestic
    platform: cann
    unit_price: 28600
    tflops: 780
    power_w: 700
    memory_gb: 128
    lot_size: 8
    max_units: 1024
    min_units: 64
    available: true
    source: corpus
  - id: h20
    vendor: Nvidia
    origin: foreign
    platform: cuda
    unit_price: 12000
    tflops: 148
existing:
  - units: 16
    id: h20
demand:
  pflops: 100
  memory_tb: 10
policy:
  domestic_share:
    min: 0.5
    basis: units
    strict: false
limits:
  budget: 80000000
  capex_budget: 70000000
  power_kw: 2000
  vendor_max_share: 0.9
costs:
  energy_price_per_kwh: 0.0875
  pue: 1.25
  utilization: 0.8
  opex_years: 5
  platform_adoption:
    cann: 2000000
solver:
  integer: true
  mip_gap: 0.001
  time_limit_s: 60
";

/// Applies `edits` to [`BASE`]. Each edit names a line by its trimmed text (`anchor`, which
/// must match exactly one line) and the text that replaces it, re-indented like the original.
/// A replacement that starts with a space or a tab replaces the whole line verbatim (to break
/// the indentation), and an empty one turns the line into a comment (to remove a field while
/// keeping line numbers). Returns the text and, per edit, the 1-based line and the column
/// where the replacement's key starts.
fn edit(edits: &[(&str, &str)]) -> (String, Vec<(usize, usize)>) {
    let mut lines: Vec<String> = BASE.lines().map(str::to_string).collect();
    let mut places = Vec::new();
    for (anchor, replacement) in edits {
        let found: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].trim() == *anchor)
            .collect();
        assert_eq!(
            found.len(),
            1,
            "anchor `{anchor}` must match exactly one line"
        );
        let i = found[0];
        let indent = lines[i].len() - lines[i].trim_start().len();
        let (new_line, column) = if replacement.starts_with([' ', '\t']) {
            let key_at = replacement.len() - replacement.trim_start_matches([' ', '\t', '-']).len();
            (replacement.to_string(), key_at + 1)
        } else if replacement.is_empty() {
            (
                format!("{}# removed: {}", " ".repeat(indent), anchor),
                indent + 1,
            )
        } else {
            let dash = if replacement.starts_with("- ") { 2 } else { 0 };
            (
                format!("{}{}", " ".repeat(indent), replacement),
                indent + dash + 1,
            )
        };
        lines[i] = new_line;
        places.push((i + 1, column));
    }
    (lines.join("\n") + "\n", places)
}

/// What a corpus case feeds chipmix.
enum Input {
    Text(String),
    Bytes(Vec<u8>),
    /// A directory where a file is expected.
    Dir,
    /// A path that does not exist.
    Missing,
}

/// Where a message must point.
#[derive(Clone, Copy, Debug)]
enum Loc {
    /// `file:line:col:`
    At(usize, usize),
    /// `file:line:` and any column (for parser and type errors, which point at the value).
    Line(usize),
    /// Some `file:line:col:`.
    Any,
}

struct Case {
    name: String,
    input: Input,
    locs: Vec<Loc>,
    /// Substrings stderr must contain: field paths, ids, suggestions.
    has: Vec<String>,
    /// Substrings stderr must not contain (a false statement).
    lacks: Vec<String>,
    limit: Duration,
    /// Run only `validate` (for slow cases: `plan` reads files the same way).
    validate_only: bool,
}

impl Case {
    fn new(name: &str, input: Input) -> Case {
        Case {
            name: name.to_string(),
            input,
            locs: Vec::new(),
            has: Vec::new(),
            lacks: Vec::new(),
            limit: HANG,
            validate_only: false,
        }
    }

    fn text(name: &str, text: impl Into<String>) -> Case {
        Case::new(name, Input::Text(text.into()))
    }

    /// [`BASE`] with `edits`; the message must point at the start of each edited key.
    fn edited(name: &str, edits: &[(&str, &str)]) -> Case {
        let (text, places) = edit(edits);
        let mut case = Case::text(name, text);
        case.locs = places.into_iter().map(|(l, c)| Loc::At(l, c)).collect();
        case
    }

    fn has(mut self, parts: &[&str]) -> Case {
        self.has.extend(parts.iter().map(|s| s.to_string()));
        self
    }

    fn lacks(mut self, parts: &[&str]) -> Case {
        self.lacks.extend(parts.iter().map(|s| s.to_string()));
        self
    }

    /// Keep only the lines of the expected locations (parser and type errors point at the
    /// value or at the enclosing node, not at the key).
    fn line_only(mut self) -> Case {
        self.locs = self
            .locs
            .iter()
            .map(|l| match *l {
                Loc::At(line, _) => Loc::Line(line),
                other => other,
            })
            .collect();
        self
    }

    fn at(mut self, loc: Loc) -> Case {
        self.locs = vec![loc];
        self
    }

    fn no_loc(mut self) -> Case {
        self.locs.clear();
        self
    }

    fn within(mut self, limit: Duration) -> Case {
        self.limit = limit;
        self
    }

    fn validate_only(mut self) -> Case {
        self.validate_only = true;
        self
    }
}

/// Every numeric field of [`BASE`]: its line's text and the field path messages must name.
const NUMERIC_FIELDS: &[(&str, &str)] = &[
    ("unit_price: 28600", "accelerators[ascend-910c].unit_price"),
    ("tflops: 780", "accelerators[ascend-910c].tflops"),
    ("power_w: 700", "accelerators[ascend-910c].power_w"),
    ("memory_gb: 128", "accelerators[ascend-910c].memory_gb"),
    ("lot_size: 8", "accelerators[ascend-910c].lot_size"),
    ("max_units: 1024", "accelerators[ascend-910c].max_units"),
    ("min_units: 64", "accelerators[ascend-910c].min_units"),
    ("unit_price: 12000", "accelerators[h20].unit_price"),
    ("tflops: 148", "accelerators[h20].tflops"),
    ("- units: 16", "existing[0].units"),
    ("pflops: 100", "demand.pflops"),
    ("memory_tb: 10", "demand.memory_tb"),
    ("min: 0.5", "policy.domestic_share.min"),
    ("budget: 80000000", "limits.budget"),
    ("capex_budget: 70000000", "limits.capex_budget"),
    ("power_kw: 2000", "limits.power_kw"),
    ("vendor_max_share: 0.9", "limits.vendor_max_share"),
    ("energy_price_per_kwh: 0.0875", "costs.energy_price_per_kwh"),
    ("pue: 1.25", "costs.pue"),
    ("utilization: 0.8", "costs.utilization"),
    ("opex_years: 5", "costs.opex_years"),
    ("cann: 2000000", "costs.platform_adoption.cann"),
    ("mip_gap: 0.001", "solver.mip_gap"),
    ("time_limit_s: 60", "solver.time_limit_s"),
];

/// `key: value` with the key of `anchor` (`"unit_price: 28600"`) and a new value.
fn with_value(anchor: &str, value: &str) -> String {
    let key = anchor.split(':').next().expect("anchor has a key");
    format!("{key}: {value}")
}

/// Billion laughs: nine levels of nine aliases each (9^9 strings once expanded).
fn billion_laughs(under: &str) -> String {
    let mut s =
        format!("name: bomb\n{under}:\n  l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..=9 {
        let refs = vec![format!("*l{}", i - 1); 9].join(", ");
        s.push_str(&format!("  l{i}: &l{i} [{refs}]\n"));
    }
    s
}

/// A chain of 40 nested aliases, each level doubling the previous (2^40 nodes expanded).
fn alias_chain() -> String {
    let mut s = String::from("name: chain\nperiods:\n  c0: &c0 [x, x]\n");
    for i in 1..=40 {
        s.push_str(&format!("  c{i}: &c{i} [*c{p}, *c{p}]\n", p = i - 1));
    }
    s
}

/// The malformed scenarios. Every one must give exit 2, a message that starts with the
/// file's path, the locations in `locs` and the substrings in `has`.
fn corpus() -> Vec<Case> {
    let mut cases = Vec::with_capacity(256);

    // --- Files that are not a scenario at all ---------------------------------------
    cases.push(Case::text("empty file", "").has(&["empty"]));
    cases.push(Case::text("only comments", "# a scenario\n   # nothing else\n").has(&["empty"]));
    cases.push(Case::text("only whitespace", "  \n\n\t\n").has(&["empty"]));
    cases.push(Case::text("only a document marker", "---\n# nothing\n").has(&["empty"]));
    cases.push(
        Case::new(
            "not UTF-8",
            Input::Bytes(b"name: caf\xe9 \xff\xfe\naccelerators: []\n".to_vec()),
        )
        .has(&["UTF-8"]),
    );
    cases.push(Case::new(
        "UTF-16 with BOM",
        Input::Bytes(
            [0xff, 0xfe]
                .into_iter()
                .chain("name: x\n".encode_utf16().flat_map(u16::to_le_bytes))
                .collect(),
        ),
    ));
    cases.push(
        Case::new(
            "NUL byte",
            Input::Bytes(BASE.replacen("Corpus base", "Corpus\0base", 1).into_bytes()),
        )
        .at(Loc::Any),
    );
    cases.push(Case::new(
        "binary garbage",
        Input::Bytes(
            (0..4096u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
        ),
    ));
    cases.push(Case::text("top-level list", "- name: x\n- accelerators: []\n").at(Loc::At(1, 1)));
    cases.push(Case::text("top-level scalar", "just some words\n").at(Loc::At(1, 1)));
    cases.push(Case::text("top-level number", "42\n").at(Loc::At(1, 1)));
    cases.push(Case::text("top-level null", "~\n").at(Loc::At(1, 1)));
    cases.push(Case::new("a directory", Input::Dir).has(&["directory"]));
    cases.push(Case::new("a missing file", Input::Missing));
    {
        // One byte over the 4 MiB limit, and otherwise a valid scenario.
        let mut big = String::from(BASE);
        let line = format!("# {}\n", "x".repeat(97));
        while big.len() + line.len() <= 4 * 1024 * 1024 {
            big.push_str(&line);
        }
        big.push_str(&"#".repeat(4 * 1024 * 1024 + 1 - big.len()));
        cases.push(Case::text("file over 4 MiB", big).within(FAST));
    }

    // --- YAML syntax ------------------------------------------------------------------
    cases.push(
        Case::edited(
            "bad indentation",
            &[("vendor: Huawei", "   vendor: Huawei")],
        )
        .at(Loc::Any),
    );
    cases.push(
        Case::edited("tab indentation", &[("vendor: Huawei", "\tvendor: Huawei")]).at(Loc::Any),
    );
    cases.push(Case::text("unclosed flow sequence", "name: x\naccelerators: [\n").at(Loc::Any));
    cases.push(Case::edited("unclosed flow in a field", &[("min: 0.5", "min: [0.5")]).at(Loc::Any));
    cases.push(
        Case::edited(
            "unclosed flow mapping",
            &[("- id: h20", "- {id: h20, vendor: Nvidia")],
        )
        .at(Loc::Any),
    );
    cases.push(
        Case::edited(
            "unclosed quote",
            &[("name: Corpus base", "name: \"Corpus base")],
        )
        .at(Loc::Any),
    );
    cases.push(
        Case::edited(
            "duplicate top-level key",
            &[("currency: USD", "name: Again")],
        )
        .has(&["`name` is given twice (first at line 1, column 1)"]),
    );
    cases.push(
        Case::edited(
            "duplicate accelerator key",
            &[("power_w: 700", "tflops: 900")],
        )
        .has(&["accelerators[0]: the key `tflops` is given twice"]),
    );
    // Issue 21: a year given as `2025` and as `"2025"` kept the later value silently.
    cases.push(
        Case::text(
            "a year quoted and unquoted in one per-year map",
            "name: x\nperiods: [2025, 2026]\naccelerators:\n  - {id: a, vendor: V, origin: domestic, unit_price: {2025: 10, \"2025\": 12, 2026: 9}, tflops: 500}\ndemand: {pflops: 2}\n",
        )
        .at(Loc::At(4, 65))
        .has(&["accelerators[0].unit_price: the key `2025` is given twice"]),
    );
    cases.push(
        Case::text(
            "a year in two spellings in one per-year map",
            "name: x\nperiods: [2025, 2026]\naccelerators:\n  - {id: a, vendor: V, origin: domestic, unit_price: {0x7E9: 10, 2025: 12, 2026: 9}, tflops: 500}\ndemand: {pflops: 2}\n",
        )
        .at(Loc::Line(4))
        .has(&["2025"]),
    );
    cases.push(
        Case::text(
            "a year key given twice in a site",
            "name: x\nperiods: [2025, 2026]\naccelerators:\n  - {id: a, vendor: V, origin: domestic, unit_price: 10, tflops: 500}\nsites:\n  - id: s\n    demand: {pflops: {2025: 1, 2026: 2}}\n    power_kw: {2025: 5, 2026: 5, '2026': 6}\n",
        )
        .at(Loc::At(8, 34))
        .has(&["sites[0].power_kw: the key `2026` is given twice"]),
    );
    // Issue 21: an unknown tag was dropped (`!domestic foreign` planned as foreign).
    cases.push(
        Case::edited(
            "a local tag on a value",
            &[("vendor: Nvidia", "vendor: !nvidia Nvidia")],
        )
        .line_only()
        .has(&["accelerators[1].vendor: the tag `!nvidia`"]),
    );
    cases.push(
        Case::edited("a tag on a mapping", &[("policy:", "policy: !rules")])
            .line_only()
            .has(&["the tag `!rules`"]),
    );
    cases.push(Case::text(
        "two documents",
        format!("{BASE}---\nname: second\n"),
    ));
    cases.push(Case::text("non-string key", format!("? [a, b]\n: x\n{BASE}")).at(Loc::Any));

    // --- Alias bombs and deep nesting: must fail fast -----------------------------------
    cases.push(Case::text("billion laughs under sites", billion_laughs("sites")).within(FAST));
    cases.push(Case::text("billion laughs under periods", billion_laughs("periods")).within(FAST));
    cases.push(
        Case::text("billion laughs at an unknown key", billion_laughs("laughs")).within(FAST),
    );
    cases.push(Case::text("nested alias chain", alias_chain()).within(FAST));
    cases.push(
        Case::text(
            "10,000 nested [",
            format!("name: x\naccelerators: {}\n", "[".repeat(10_000)),
        )
        .at(Loc::Any)
        .within(FAST),
    );
    cases.push(
        Case::text(
            "10,000 nested [] closed",
            format!(
                "name: x\naccelerators: {}{}\n",
                "[".repeat(10_000),
                "]".repeat(10_000)
            ),
        )
        .at(Loc::Any)
        .within(FAST),
    );
    cases.push(
        Case::text(
            "10,000 nested flow maps",
            format!(
                "name: x\nsites: {}1{}\n",
                "{a: ".repeat(10_000),
                "}".repeat(10_000)
            ),
        )
        .at(Loc::Any)
        .within(FAST),
    );
    cases.push(
        Case::text(
            "10,000 nested block lists",
            format!("name: x\naccelerators:\n  {}x\n", "- ".repeat(10_000)),
        )
        .at(Loc::Any)
        .within(FAST),
    );

    // --- NaN and infinities, for every numeric field ------------------------------------
    for (anchor, path) in NUMERIC_FIELDS {
        for value in [".nan", ".inf", "-.inf"] {
            cases.push(
                Case::edited(
                    &format!("{path} = {value}"),
                    &[(anchor, &with_value(anchor, value))],
                )
                .has(&[path]),
            );
        }
    }
    for value in [".nan", ".inf", "-.inf"] {
        cases.push(
            Case::edited(
                &format!("efficiency = {value}"),
                &[
                    ("pflops: 100", "workloads: {training: 50}"),
                    (
                        "power_w: 700",
                        &format!("efficiency: {{training: {value}}}"),
                    ),
                ],
            )
            .at(Loc::Line(edit(&[("power_w: 700", "x")]).1[0].0))
            .has(&["accelerators[ascend-910c].efficiency.training"]),
        );
        cases.push(
            Case::edited(
                &format!("workloads = {value}"),
                &[("pflops: 100", &format!("workloads: {{training: {value}}}"))],
            )
            .line_only()
            .has(&["demand.workloads.training"]),
        );
    }

    // --- Values out of range ------------------------------------------------------------
    let ranges: &[(&str, &str, &str)] = &[
        (
            "unit_price: 28600",
            "-5",
            "accelerators[ascend-910c].unit_price",
        ),
        ("unit_price: 12000", "-0.01", "accelerators[h20].unit_price"),
        ("tflops: 780", "0", "accelerators[ascend-910c].tflops"),
        ("tflops: 148", "-148", "accelerators[h20].tflops"),
        ("power_w: 700", "-700", "accelerators[ascend-910c].power_w"),
        (
            "memory_gb: 128",
            "-1",
            "accelerators[ascend-910c].memory_gb",
        ),
        ("lot_size: 8", "0", "accelerators[ascend-910c].lot_size"),
        ("lot_size: 8", "2.5", "accelerators[ascend-910c].lot_size"),
        (
            "max_units: 1024",
            "-1",
            "accelerators[ascend-910c].max_units",
        ),
        (
            "max_units: 1024",
            "1.5",
            "accelerators[ascend-910c].max_units",
        ),
        (
            "max_units: 1024",
            "1e300",
            "accelerators[ascend-910c].max_units",
        ),
        (
            "min_units: 64",
            "-64",
            "accelerators[ascend-910c].min_units",
        ),
        (
            "min_units: 64",
            "0.5",
            "accelerators[ascend-910c].min_units",
        ),
        ("- units: 16", "-1", "existing[0].units"),
        ("- units: 16", "2.5", "existing[0].units"),
        ("pflops: 100", "-100", "demand.pflops"),
        ("memory_tb: 10", "-10", "demand.memory_tb"),
        ("min: 0.5", "1.2", "policy.domestic_share.min"),
        ("min: 0.5", "-0.5", "policy.domestic_share.min"),
        ("budget: 80000000", "-1", "limits.budget"),
        ("capex_budget: 70000000", "-1", "limits.capex_budget"),
        ("power_kw: 2000", "-2000", "limits.power_kw"),
        ("vendor_max_share: 0.9", "-0.1", "limits.vendor_max_share"),
        ("vendor_max_share: 0.9", "1.5", "limits.vendor_max_share"),
        (
            "energy_price_per_kwh: 0.0875",
            "-0.1",
            "costs.energy_price_per_kwh",
        ),
        ("pue: 1.25", "0.9", "costs.pue"),
        ("utilization: 0.8", "0", "costs.utilization"),
        ("utilization: 0.8", "1.5", "costs.utilization"),
        ("opex_years: 5", "-5", "costs.opex_years"),
        ("cann: 2000000", "-1", "costs.platform_adoption.cann"),
        ("mip_gap: 0.001", "-0.1", "solver.mip_gap"),
        ("time_limit_s: 60", "0", "solver.time_limit_s"),
    ];
    for (anchor, value, path) in ranges {
        cases.push(
            Case::edited(
                &format!("{path} = {value}"),
                &[(anchor, &with_value(anchor, value))],
            )
            .has(&[path]),
        );
    }
    cases.push(
        Case::edited(
            "efficiency = -0.5",
            &[
                ("pflops: 100", "workloads: {training: 50}"),
                ("power_w: 700", "efficiency: {training: -0.5}"),
            ],
        )
        .at(Loc::Line(edit(&[("power_w: 700", "x")]).1[0].0))
        .has(&["accelerators[ascend-910c].efficiency.training"]),
    );
    cases.push(
        Case::edited(
            "workloads = -1",
            &[("pflops: 100", "workloads: {training: -1}")],
        )
        .line_only()
        .has(&["demand.workloads.training"]),
    );
    cases.push(
        Case::edited("workloads empty", &[("pflops: 100", "workloads: {}")])
            .has(&["demand.workloads"]),
    );

    // --- Wrong types --------------------------------------------------------------------
    let types: &[(&str, &str, &str, &str)] = &[
        (
            "string for a number",
            "unit_price: 28600",
            "unit_price: cheap",
            "unit_price",
        ),
        ("quoted number", "tflops: 780", "tflops: \"780\"", "tflops"),
        (
            "map for a number",
            "pflops: 100",
            "pflops: {total: 100}",
            "pflops",
        ),
        ("list for a number", "pue: 1.25", "pue: [1.25]", "pue"),
        (
            "list for a string",
            "vendor: Huawei",
            "vendor: [Huawei, Nvidia]",
            "vendor",
        ),
        (
            "map for a string",
            "name: Corpus base",
            "name: {en: Corpus}",
            "name",
        ),
        (
            "string for a boolean",
            "available: true",
            "available: maybe",
            "available",
        ),
        (
            "number for a boolean",
            "integer: true",
            "integer: 2",
            "integer",
        ),
        (
            "scalar for a map of numbers",
            "source: corpus",
            "efficiency: 0.9",
            "efficiency",
        ),
        (
            "string for lot_size",
            "lot_size: 8",
            "lot_size: eight",
            "lot_size",
        ),
        (
            "list for existing units",
            "- units: 16",
            "- units: [16]",
            "units",
        ),
    ];
    for (name, anchor, replacement, field) in types {
        cases.push(
            Case::edited(name, &[(anchor, replacement)])
                .line_only()
                .has(&[field]),
        );
    }
    {
        // A block replaced by a scalar or a map: the lines that follow would be a second
        // (syntax) error, so these are whole small files.
        const ONE: &str = "  - {id: a, vendor: V, origin: foreign, unit_price: 1, tflops: 1}\n";
        cases.push(
            Case::text(
                "scalar for the accelerator list",
                "name: x\naccelerators: 5\n",
            )
            .at(Loc::Line(2))
            .has(&["accelerators"]),
        );
        cases.push(
            Case::text(
                "scalar for a block",
                format!("name: x\naccelerators:\n{ONE}demand: 100\n"),
            )
            .at(Loc::Line(4))
            .has(&["demand"]),
        );
        cases.push(
            Case::text(
                "map for the accelerator list",
                "name: x\naccelerators: {id: a}\n",
            )
            .at(Loc::Line(2))
            .has(&["accelerators"]),
        );
        cases.push(
            Case::text(
                "map for existing",
                format!("name: x\naccelerators:\n{ONE}existing: {{id: a, units: 1}}\n"),
            )
            .at(Loc::Line(4))
            .has(&["existing"]),
        );
    }

    // --- Unknown keys, with a close typo at every level ---------------------------------
    let typos: &[(&str, &str, &str)] = &[
        ("demand:", "demnd:", "demand"),
        ("solver:", "solvr:", "solver"),
        ("currency: USD", "curency: USD", "currency"),
        ("max_units: 1024", "max_unit: 1024", "max_units"),
        ("unit_price: 28600", "unit_prise: 28600", "unit_price"),
        ("power_w: 700", "power_watts: 700", "power_w"),
        ("- units: 16", "- unit: 16", "units"),
        ("memory_tb: 10", "memroy_tb: 10", "memory_tb"),
        ("domestic_share:", "domestic_shares:", "domestic_share"),
        ("basis: units", "bassis: units", "basis"),
        ("budget: 80000000", "budgte: 80000000", "budget"),
        ("utilization: 0.8", "utilisation: 0.8", "utilization"),
        ("mip_gap: 0.001", "mip_gpa: 0.001", "mip_gap"),
    ];
    for (anchor, replacement, meant) in typos {
        let typo = replacement
            .split(':')
            .next()
            .expect("a key")
            .trim_start_matches("- ");
        cases.push(
            Case::edited(&format!("unknown key {typo}"), &[(anchor, replacement)]).has(&[
                typo,
                "did you mean",
                meant,
            ]),
        );
    }
    cases.push(
        Case::edited(
            "unknown key, nothing close",
            &[("currency: USD", "colour: red")],
        )
        .has(&["colour"]),
    );

    // --- Values outside a fixed set -----------------------------------------------------
    cases.push(
        Case::edited("origin typo", &[("origin: domestic", "origin: domstic")]).has(&[
            "accelerators[ascend-910c].origin",
            "domstic",
            "did you mean",
            "domestic",
        ]),
    );
    cases.push(
        Case::edited("origin unknown", &[("origin: foreign", "origin: imported")])
            .has(&["accelerators[h20].origin", "imported"]),
    );
    cases.push(
        Case::edited("basis typo", &[("basis: units", "basis: unit")]).has(&[
            "policy.domestic_share.basis",
            "did you mean",
            "units",
        ]),
    );
    cases.push(
        Case::edited("basis unknown", &[("basis: units", "basis: dollars")])
            .has(&["policy.domestic_share.basis", "dollars"]),
    );
    cases.push(
        Case::edited(
            "objective typo",
            &[("objective: min_cost", "objective: max_pflop")],
        )
        .has(&["objective", "did you mean", "max_pflops"]),
    );
    cases.push(
        Case::edited(
            "objective unknown",
            &[("objective: min_cost", "objective: cheapest")],
        )
        .has(&["objective", "cheapest"]),
    );

    // --- Missing required fields --------------------------------------------------------
    cases.push(
        Case::edited("missing name", &[("name: Corpus base", "")])
            .no_loc()
            .has(&["name"]),
    );
    cases.push(Case::edited("empty name", &[("name: Corpus base", "name: \"\"")]).has(&["name"]));
    cases.push(
        Case::text("missing accelerators", "name: x\ndemand:\n  pflops: 1\n")
            .has(&["accelerators"]),
    );
    cases.push(
        Case::text("empty accelerators", "name: x\naccelerators: []\n")
            .at(Loc::At(2, 1))
            .has(&["accelerators"]),
    );
    cases.push(
        Case::edited(
            "missing id",
            &[("- id: ascend-910c", "- name: Ascend 910C")],
        )
        .has(&["accelerators[0].id"]),
    );
    let line_of_first = edit(&[("- id: ascend-910c", "- id: ascend-910c")]).1[0].0;
    let line_of_second = edit(&[("- id: h20", "- id: h20")]).1[0].0;
    for (anchor, path, line) in [
        (
            "vendor: Huawei",
            "accelerators[ascend-910c].vendor",
            line_of_first,
        ),
        (
            "origin: domestic",
            "accelerators[ascend-910c].origin",
            line_of_first,
        ),
        (
            "unit_price: 28600",
            "accelerators[ascend-910c].unit_price",
            line_of_first,
        ),
        (
            "tflops: 780",
            "accelerators[ascend-910c].tflops",
            line_of_first,
        ),
        (
            "unit_price: 12000",
            "accelerators[h20].unit_price",
            line_of_second,
        ),
    ] {
        cases.push(
            Case::edited(&format!("missing {path}"), &[(anchor, "")])
                .at(Loc::Line(line))
                .has(&[path]),
        );
    }
    let existing_line = edit(&[("- units: 16", "x")]).1[0].0;
    cases.push(
        Case::edited("missing existing id", &[("id: h20", "")])
            .at(Loc::Line(existing_line))
            .has(&["existing[0].id"]),
    );
    cases.push(
        Case::edited(
            "missing existing units",
            &[("- units: 16", "- id: h20"), ("id: h20", "")],
        )
        .at(Loc::Line(existing_line))
        .has(&["existing[0].units"]),
    );
    cases.push(
        Case::edited("missing domestic_share.min", &[("min: 0.5", "")])
            .at(Loc::Line(edit(&[("domestic_share:", "x")]).1[0].0))
            .has(&["policy.domestic_share.min"]),
    );
    cases.push(
        Case::edited("empty vendor", &[("vendor: Huawei", "vendor: \"  \"")])
            .has(&["accelerators[ascend-910c].vendor"]),
    );

    // --- Ids ----------------------------------------------------------------------------
    cases.push(
        Case::edited("duplicate id", &[("- id: h20", "- id: ascend-910c")])
            .has(&["ascend-910c", "accelerators[1]"]),
    );
    for (name, id) in [
        ("id with uppercase", "Ascend-910C"),
        ("id with a space", "\"ascend 910c\""),
        ("id with a slash", "ascend/910c"),
        ("id not ASCII", "昇腾910c"),
    ] {
        let shown = id.trim_matches('"');
        cases.push(
            Case::edited(name, &[("- id: ascend-910c", &format!("- id: {id}"))])
                .has(&["accelerators[0].id", shown]),
        );
    }
    cases.push(
        Case::edited(
            "existing names an unknown id, close",
            &[("id: h20", "id: ascend-910b")],
        )
        .has(&[
            "existing[0].id",
            "ascend-910b",
            "did you mean",
            "ascend-910c",
        ]),
    );
    cases.push(
        Case::edited(
            "existing names an unknown id, far",
            &[("id: h20", "id: mi300x")],
        )
        .has(&["existing[0].id", "mi300x"]),
    );

    // --- Contradictory settings ---------------------------------------------------------
    cases.push(
        Case::edited(
            "strict with basis tflops",
            &[
                ("basis: units", "basis: tflops"),
                ("strict: false", "strict: true"),
            ],
        )
        .at(Loc::At(edit(&[("strict: false", "x")]).1[0].0, 5))
        .has(&["policy.domestic_share.strict"]),
    );
    cases.push(
        Case::edited(
            "strict with an unreducible min",
            &[
                ("min: 0.5", "min: 0.123456789"),
                ("strict: false", "strict: true"),
            ],
        )
        .at(Loc::At(edit(&[("min: 0.5", "x")]).1[0].0, 5))
        .has(&["policy.domestic_share.min", "0.123456789"]),
    );
    cases.push(
        Case::edited(
            "strict with min 1 (a share above 100%)",
            &[("min: 0.5", "min: 1"), ("strict: false", "strict: true")],
        )
        .at(Loc::At(edit(&[("min: 0.5", "x")]).1[0].0, 5))
        .has(&["policy.domestic_share.min", "above 100%"]),
    );
    cases.push(
        Case::edited(
            "demand with pflops and workloads",
            &[("memory_tb: 10", "workloads: {training: 50}")],
        )
        .has(&["pflops", "workloads"]),
    );
    cases.push(
        Case::edited(
            "max_pflops without a budget",
            &[
                ("objective: min_cost", "objective: max_pflops"),
                ("budget: 80000000", ""),
                ("capex_budget: 70000000", ""),
            ],
        )
        .at(Loc::At(4, 1))
        .has(&["max_pflops", "budget"]),
    );
    cases.push(
        Case::edited(
            "max_pflops with workloads",
            &[
                ("objective: min_cost", "objective: max_pflops"),
                ("pflops: 100", "workloads: {training: 50}"),
            ],
        )
        .at(Loc::At(4, 1))
        .has(&["max_pflops", "workloads"]),
    );

    // --- Sites and periods (section 2) -----------------------------------------------------
    let section2: &[(&str, &str, &[&str])] = &[
        (
            "description: A valid scenario that each corpus case breaks in one place.",
            "sites: [{name: shanghai}, {name: beijing}]",
            &["sites[0].id is required", "demand belongs to each site"],
        ),
        (
            "description: A valid scenario that each corpus case breaks in one place.",
            "periods: [2026, 2025]",
            &["periods must be strictly increasing"],
        ),
        (
            "description: A valid scenario that each corpus case breaks in one place.",
            "periods: [2025.5]",
            &["periods[0] must be a year"],
        ),
        (
            "source: corpus",
            "lifetime_years: 0",
            &["accelerators[ascend-910c].lifetime_years must be a whole number from 1"],
        ),
        (
            "opex_years: 5",
            "discount_rate: 1.5",
            &["costs.discount_rate must be in [0, 1]"],
        ),
        (
            "domestic_share:",
            "national_domestic_share: {min: 0.5, basis: unit}\n  domestic_share:",
            &[
                "policy.national_domestic_share.basis",
                "did you mean `units`",
            ],
        ),
    ];
    for (anchor, replacement, says) in section2 {
        cases.push(
            Case::edited(
                &format!("section 2: {replacement}"),
                &[(anchor, replacement)],
            )
            .line_only()
            .has(says),
        );
    }
    cases.push(
        Case::edited(
            "section 2: retire_year is a year",
            &[
                ("- units: 16", "- {units: 16, id: h20, retire_year: 2030.5}"),
                ("id: h20", ""),
            ],
        )
        .at(Loc::Line(existing_line))
        .has(&["existing[0].retire_year must be a year"]),
    );
    cases.push(
        Case::edited(
            "per-year map for unit_price",
            &[(
                "unit_price: 28600",
                "unit_price: {2025: 28600, 2026: 25000}",
            )],
        )
        .line_only()
        .has(&["unit_price", "periods"]),
    );
    cases.push(
        Case::edited(
            "per-year map for demand",
            &[("pflops: 100", "pflops: {2025: 100, 2026: 200}")],
        )
        .line_only()
        .has(&["pflops", "periods"]),
    );

    // --- Magnitudes (issue 21): figures that overflow or lose all meaning ---------------
    // Before: `unit_price: 1e308` gave `status optimal | gap NaN%` with a cost of `inf`
    // (null in JSON), exit 0; `tflops: 1e308` gave `pflops: null` in an optimal plan.
    cases.push(
        Case::edited(
            "regression: 1e308 price",
            &[("unit_price: 12000", "unit_price: 1e308")],
        )
        .has(&["accelerators[h20].unit_price", "1e15", "1e308"]),
    );
    cases.push(
        Case::edited(
            "regression: 1e308 tflops",
            &[("tflops: 780", "tflops: 1e308")],
        )
        .has(&["accelerators[ascend-910c].tflops", "1e15"]),
    );
    // Each number fine alone; their product, the energy cost, is not (5.6e15).
    let energy_at = edit(&[("energy_price_per_kwh: 0.0875", "x")]).1[0];
    cases.push(
        Case::edited(
            "regression: huge energy price x years",
            &[
                (
                    "energy_price_per_kwh: 0.0875",
                    "energy_price_per_kwh: 10000000",
                ),
                ("opex_years: 5", "opex_years: 90"),
            ],
        )
        .at(Loc::At(energy_at.0, energy_at.1))
        .has(&["costs.energy_price_per_kwh", "costs.opex_years", "1e15"]),
    );
    // 2e9 per card x a million cards = 2e15.
    let price_at = edit(&[("unit_price: 28600", "x")]).1[0];
    cases.push(
        Case::edited(
            "regression: huge max_units x price",
            &[
                ("unit_price: 28600", "unit_price: 2000000000"),
                ("max_units: 1024", "max_units: 1000000"),
            ],
        )
        .at(Loc::At(price_at.0, price_at.1))
        .has(&["accelerators[ascend-910c].unit_price", "max_units", "1e15"]),
    );
    // Price x the units the demand needs: 1e13 x 1,000 cards (100 PFLOPS of 148-TFLOPS
    // h20s, which nothing caps).
    cases.push(
        Case::edited(
            "regression: huge price x demand-implied units",
            &[("unit_price: 12000", "unit_price: 10000000000000")],
        )
        .has(&["accelerators[h20].unit_price", "demand", "1e15"]),
    );
    cases.push(
        Case::edited(
            "regression: national per-year values: 1e308 price in one year",
            &[
                (
                    "description: A valid scenario that each corpus case breaks in one place.",
                    "periods: [2025, 2026]",
                ),
                (
                    "unit_price: 12000",
                    "unit_price: {2025: 12000, 2026: 1e308}",
                ),
            ],
        )
        .at(Loc::Line(edit(&[("unit_price: 12000", "x")]).1[0].0))
        .has(&["accelerators[h20].unit_price (2026)", "1e15"]),
    );
    cases.push(
        Case::edited(
            "regression: national per-year values: energy price too large in one year",
            &[
                (
                    "description: A valid scenario that each corpus case breaks in one place.",
                    "periods: [2025, 2026]",
                ),
                (
                    "energy_price_per_kwh: 0.0875",
                    "energy_price_per_kwh: {2025: 0.0875, 2026: 100000000}",
                ),
            ],
        )
        .at(Loc::Line(energy_at.0))
        .has(&["costs.energy_price_per_kwh (2026)", "1e15"]),
    );
    cases.push(
        Case::edited(
            "regression: national per-year values: a budget of 1e20",
            &[
                (
                    "description: A valid scenario that each corpus case breaks in one place.",
                    "periods: [2025, 2026]",
                ),
                ("budget: 80000000", "budget: {2025: 80000000, 2026: 1e20}"),
            ],
        )
        .at(Loc::Line(edit(&[("budget: 80000000", "x")]).1[0].0))
        .has(&["limits.budget (2026)", "1e15"]),
    );

    // --- Several problems in one file: all reported -------------------------------------
    cases.push(
        Case::edited(
            "three range errors",
            &[
                ("unit_price: 28600", "unit_price: -5"),
                ("pue: 1.25", "pue: 0.9"),
                ("vendor_max_share: 0.9", "vendor_max_share: 1.5"),
            ],
        )
        .has(&[
            "accelerators[ascend-910c].unit_price",
            "costs.pue",
            "limits.vendor_max_share",
        ]),
    );
    cases.push(
        Case::edited(
            "errors in two accelerators",
            &[
                ("tflops: 780", "tflops: 0"),
                ("unit_price: 12000", "unit_price: -1"),
            ],
        )
        .has(&[
            "accelerators[ascend-910c].tflops",
            "accelerators[h20].unit_price",
        ]),
    );
    cases.push(
        Case::edited(
            "missing field and bad enum",
            &[("vendor: Nvidia", ""), ("basis: units", "basis: cards")],
        )
        .at(Loc::Line(line_of_second))
        .has(&["accelerators[h20].vendor", "policy.domestic_share.basis"]),
    );

    // --- Too many accelerators ----------------------------------------------------------
    {
        let mut text = String::from("name: x\naccelerators:\n");
        for i in 0..1001 {
            text.push_str(&format!(
                "  - {{id: card-{i}, vendor: V, origin: domestic, unit_price: 1, tflops: 1}}\n"
            ));
        }
        cases.push(
            Case::text("1001 accelerators", text)
                .at(Loc::Line(2))
                .has(&["accelerators", "1000"])
                .within(FAST),
        );
    }

    cases
}

/// File name for a case: its name, made safe.
fn file_name(case: &str) -> String {
    let safe: String = case
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("{safe}.yaml")
}

/// Checks one case with `validate` and `plan --format json`; returns what went wrong.
fn check_case(case: &Case, scratch: &Scratch, index: usize) -> Vec<String> {
    let path = scratch.path(&format!("{index:03}-{}", file_name(&case.name)));
    match &case.input {
        Input::Text(t) => {
            fs::write(&path, t).expect("write case");
        }
        Input::Bytes(b) => {
            fs::write(&path, b).expect("write case");
        }
        Input::Dir => fs::create_dir_all(&path).expect("create case dir"),
        Input::Missing => {}
    }
    let file = path.display().to_string();
    let mut problems = Vec::new();
    let mut runs = vec![(
        "validate",
        run(
            &[OsStr::new("validate"), path.as_os_str()],
            scratch,
            case.limit,
        ),
    )];
    if !case.validate_only {
        runs.push((
            "plan",
            run(
                &[
                    OsStr::new("plan"),
                    path.as_os_str(),
                    OsStr::new("--format"),
                    OsStr::new("json"),
                ],
                scratch,
                case.limit,
            ),
        ));
    }
    // CHIPMIX_SHOW_MESSAGES=1 prints what each case got, to review the messages by eye.
    if std::env::var_os("CHIPMIX_SHOW_MESSAGES").is_some() {
        eprintln!("=== {}\n{}", case.name, runs[0].1.stderr.trim_end());
    }
    for (command, r) in &runs {
        let mut wrong = rejection_problems(r, &file);
        if !r.timed_out {
            for loc in &case.locs {
                let ok = match *loc {
                    Loc::At(l, c) => r.stderr.contains(&format!("{file}:{l}:{c}:")),
                    Loc::Line(l) => r.stderr.contains(&format!("{file}:{l}:")),
                    Loc::Any => has_any_location(&r.stderr, &file),
                };
                if !ok {
                    wrong.push(format!("no location {loc:?}"));
                }
            }
            for part in &case.has {
                if !r.stderr.contains(part.as_str()) {
                    wrong.push(format!("stderr lacks `{part}`"));
                }
            }
            for part in &case.lacks {
                if r.stderr.contains(part.as_str()) {
                    wrong.push(format!("stderr says `{part}`"));
                }
            }
            if *command == "plan" && !r.stdout.is_empty() {
                wrong.push("plan printed something on stdout for a bad file".into());
            }
            if *command == "validate" && r.stdout.contains(": ok") {
                wrong.push("validate said ok".into());
            }
        }
        if !wrong.is_empty() {
            problems.push(format!(
                "[{}] chipmix {command}: {}\n    {}",
                case.name,
                wrong.join("; "),
                r.describe()
            ));
        }
    }
    if let Input::Dir = case.input {
        let _ = fs::remove_dir_all(&path);
    } else {
        let _ = fs::remove_file(&path);
    }
    problems
}

#[test]
fn base_scenario_is_valid() {
    let scratch = Scratch::new("base");
    let path = scratch.write("base.yaml", BASE);
    let r = run(&[OsStr::new("validate"), path.as_os_str()], &scratch, HANG);
    assert_eq!(
        r.code,
        Some(0),
        "the corpus base must be valid: {}",
        r.describe()
    );
    assert!(
        r.stderr.trim().is_empty(),
        "no warnings expected: {}",
        r.describe()
    );
    let r = run(
        &[
            OsStr::new("plan"),
            path.as_os_str(),
            OsStr::new("--format"),
            OsStr::new("json"),
        ],
        &scratch,
        HANG,
    );
    assert_eq!(
        r.code,
        Some(0),
        "the corpus base must have a plan: {}",
        r.describe()
    );
}

#[test]
fn corpus_of_malformed_scenarios_is_rejected() {
    let cases = corpus();
    assert!(cases.len() >= 40, "the corpus has {} cases", cases.len());
    let scratch = Scratch::new("corpus");
    let started = Instant::now();
    // Two workers: the cases are independent, and most of the time is process start-up.
    let next = AtomicUsize::new(0);
    let problems: Vec<String> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut found = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(case) = cases.get(i) else { break };
                        found.extend(check_case(case, &scratch, i));
                    }
                    found
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("corpus worker"))
            .collect()
    });
    eprintln!(
        "bad_input corpus: {} cases in {:.1?}",
        cases.len(),
        started.elapsed()
    );
    assert!(
        problems.is_empty(),
        "{} of {} corpus checks failed:\n{}",
        problems.len(),
        cases.len() * 2,
        problems.join("\n")
    );
}

/// Files chipmix must reject quickly even though they are larger than the corpus's: the
/// time to reject them must not grow with the square of their size.
///
/// Measured when this test was written (it fails): 100,000 nested `[` take 44 s in a debug
/// build and 14 s in release (the YAML parser is quadratic in flow nesting, and the
/// recursion limit only applies after the whole event stream is read); a 4 MiB file of `[`
/// would take hours. 1,000 accelerators with one range error each take 28 s in debug and 3 s
/// in release, because every message re-parses the whole file to find its `line:col`.
#[test]
fn larger_expensive_inputs_fail_fast() {
    let scratch = Scratch::new("expensive");
    let mut cases = Vec::new();
    // 100,000 nested `[`: a 100 KB file.
    cases.push(
        Case::text(
            "100,000 nested [",
            format!("name: x\naccelerators: {}\n", "[".repeat(100_000)),
        )
        .within(FAST)
        .validate_only(),
    );
    // The largest accelerator list allowed (1,000), every entry with a negative price: one
    // message per entry, each with its own line.
    {
        let mut text = String::from("name: x\naccelerators:\n");
        for i in 0..1000 {
            text.push_str(&format!(
                "  - {{id: card-{i}, vendor: V, origin: domestic, unit_price: -1, tflops: 1}}\n"
            ));
        }
        // The first 50 problems are listed with their places, the rest counted.
        let first = text.lines().nth(2).expect("a line");
        let column = first.find("unit_price").expect("unit_price") + 1;
        cases.push(
            Case::text("1,000 accelerators with a negative price", text)
                .at(Loc::At(3, column))
                .has(&[
                    "accelerators[card-0].unit_price",
                    "accelerators[card-49].unit_price",
                    "and 950 more problems",
                ])
                .within(FAST)
                .validate_only(),
        );
    }
    // One thread per case, so that two slow cases cost one limit of wall-clock time.
    let problems: Vec<String> = std::thread::scope(|s| {
        let workers: Vec<_> = cases
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let scratch = &scratch;
                s.spawn(move || check_case(c, scratch, i))
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// An accelerator with one bad field is still declared: an `existing` entry that names it
/// must not be reported as naming an unknown accelerator (a false, distracting message).
#[test]
fn a_bad_accelerator_is_not_reported_as_unknown() {
    let scratch = Scratch::new("cascade");
    let cases = [
        Case::edited(
            "negative price of an installed card",
            &[("unit_price: 12000", "unit_price: -1")],
        )
        .has(&["accelerators[h20].unit_price"]),
        Case::edited(
            "bad origin of an installed card",
            &[("origin: foreign", "origin: imported")],
        )
        .has(&["accelerators[h20].origin"]),
        Case::edited("installed card without a vendor", &[("vendor: Nvidia", "")])
            .at(Loc::Line(edit(&[("- id: h20", "x")]).1[0].0))
            .has(&["accelerators[h20].vendor"]),
    ];
    let problems: Vec<String> = cases
        .into_iter()
        .enumerate()
        .flat_map(|(i, c)| check_case(&c.lacks(&["`h20` is not an accelerator"]), &scratch, i))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The product's rule: several problems in one file are all reported, also when one of them
/// is structural (an unknown key or a wrong type) and the others are range errors.
#[test]
fn structural_and_range_problems_are_all_reported() {
    let scratch = Scratch::new("all-problems");
    let case = Case::edited(
        "unknown keys and a negative price",
        &[
            ("max_units: 1024", "max_unit: 1024"),
            ("unit_price: 12000", "unit_price: -1"),
            ("budget: 80000000", "budgte: 80000000"),
        ],
    )
    .has(&["max_unit", "accelerators[h20].unit_price", "budgte"]);
    let problems = check_case(&case, &scratch, 0);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_file_name_with_spaces_and_unicode_is_quoted_as_given() {
    let scratch = Scratch::new("odd-name");
    let (text, places) = edit(&[("tflops: 780", "tflops: 0")]);
    let path = scratch.write("my scenario – été.yaml", text);
    let file = path.display().to_string();
    let r = run(&[OsStr::new("validate"), path.as_os_str()], &scratch, HANG);
    let mut problems = rejection_problems(&r, &file);
    let (l, c) = places[0];
    if !r.stderr.contains(&format!("{file}:{l}:{c}:")) {
        problems.push(format!("no location {l}:{c}"));
    }
    assert!(problems.is_empty(), "{problems:?}\n{}", r.describe());
}

#[test]
fn a_file_just_under_the_size_limit_is_read() {
    let scratch = Scratch::new("just-under");
    let mut text = String::new();
    let line = format!("# {}\n", "x".repeat(97));
    while text.len() + line.len() + BASE.len() <= 4 * 1024 * 1024 {
        text.push_str(&line);
    }
    let pad_lines = text.lines().count();
    let (base, places) = edit(&[("unit_price: 28600", "unit_price: -5")]);
    text.push_str(&base);
    assert!(text.len() <= 4 * 1024 * 1024);
    let path = scratch.write("just-under.yaml", text);
    let file = path.display().to_string();
    let r = run(&[OsStr::new("validate"), path.as_os_str()], &scratch, FAST);
    let mut problems = rejection_problems(&r, &file);
    let (l, c) = places[0];
    if !r.stderr.contains(&format!("{file}:{}:{c}:", l + pad_lines)) {
        problems.push(format!("no location {}:{c}", l + pad_lines));
    }
    assert!(problems.is_empty(), "{problems:?}\n{}", r.describe());
}

// ---------------------------------------------------------------------------------------
// Part 2: mutations of the sample scenarios
// ---------------------------------------------------------------------------------------

/// xorshift64: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Indices of the lines that carry YAML (not blank, not a whole-line comment).
fn content_lines(lines: &[&str]) -> Vec<usize> {
    (0..lines.len())
        .filter(|&i| {
            let t = lines[i].trim();
            !t.is_empty() && !t.starts_with('#')
        })
        .collect()
}

/// Byte ranges of the numbers in `text` outside comments (a token of digits, `.`, `e`, `+`
/// and `-` that starts with a digit or a `-` followed by a digit).
fn number_spans(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    let mut in_comment = false;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\n' {
            in_comment = false;
        } else if b == b'#' && (i == 0 || bytes[i - 1] == b' ') {
            in_comment = true;
        }
        let before_ok = i == 0 || matches!(bytes[i - 1], b' ' | b'[' | b'{' | b',' | b':');
        let starts = b.is_ascii_digit()
            || (b == b'-' && bytes.get(i + 1).is_some_and(|c| c.is_ascii_digit()));
        if !in_comment && before_ok && starts {
            let mut j = i + 1;
            while j < bytes.len()
                && (bytes[j].is_ascii_digit()
                    || matches!(bytes[j], b'.' | b'e' | b'E' | b'+' | b'-'))
            {
                j += 1;
            }
            if j == bytes.len() || matches!(bytes[j], b' ' | b'\n' | b',' | b']' | b'}' | b'\r') {
                spans.push((i, j));
            }
            i = j;
            continue;
        }
        i += 1;
    }
    spans
}

/// Byte ranges of the values of `key: value` lines (block style), outside comments.
fn value_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let t = body.trim_start();
        if !t.starts_with('#')
            && let Some(colon) = body.find(": ")
        {
            let start = colon + 2;
            let end = body[start..]
                .find(" #")
                .map(|p| start + p)
                .unwrap_or(body.len());
            if end > start && !body[start..end].trim().is_empty() {
                spans.push((offset + start, offset + end));
            }
        }
        offset += line.len();
    }
    spans
}

/// One mutation of `text`; returns the new bytes and a short description.
fn mutate(text: &[u8], rng: &mut Rng) -> (Vec<u8>, String) {
    // Offsets below index this text; bytes that are not UTF-8 (from an earlier mutation)
    // become U+FFFD first.
    let s = String::from_utf8_lossy(text).into_owned();
    let text = s.as_bytes();
    let lines: Vec<&str> = s.split('\n').collect();
    let content = content_lines(&lines);
    if content.is_empty() {
        return (text.to_vec(), "nothing left to mutate".into());
    }
    let join = |ls: Vec<String>| ls.join("\n").into_bytes();
    match rng.below(11) {
        0 => {
            // Flip one bit of a byte in a line that carries YAML.
            let line = *rng.pick(&content);
            let start: usize = lines[..line].iter().map(|l| l.len() + 1).sum();
            let at = start + rng.below(lines[line].len());
            let bit = 1u8 << rng.below(8);
            let mut out = text.to_vec();
            out[at] ^= bit;
            (
                out,
                format!("flip bit {bit:#04x} of byte {at} (line {})", line + 1),
            )
        }
        1 => {
            let line = *rng.pick(&content);
            let mut ls: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            ls.remove(line);
            (join(ls), format!("delete line {}", line + 1))
        }
        2 => {
            let line = *rng.pick(&content);
            let mut ls: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            ls.insert(line, lines[line].to_string());
            (join(ls), format!("duplicate line {}", line + 1))
        }
        3 => {
            // Truncate somewhere after the leading comment block (not always at a char
            // boundary: a cut UTF-8 sequence is a valid test too).
            let first = content.first().copied().unwrap_or(0);
            let start: usize = lines[..first].iter().map(|l| l.len() + 1).sum();
            let at = start + rng.below(text.len() - start);
            (text[..at].to_vec(), format!("truncate at byte {at}"))
        }
        4 => {
            let spans = number_spans(&s);
            if spans.is_empty() {
                return (text.to_vec(), "no number to replace".into());
            }
            let (a, b) = *rng.pick(&spans);
            let new = *rng.pick(&[
                "-1",
                ".nan",
                "1e300",
                "abc",
                "-.inf",
                ".inf",
                "0",
                "1e-300",
                "2.5",
                "-0",
                "99999999999",
                "0x10",
                "~",
            ]);
            let out = format!("{}{}{}", &s[..a], new, &s[b..]);
            (
                out.into_bytes(),
                format!("number `{}` -> `{new}`", &s[a..b]),
            )
        }
        5 => {
            let spans = value_spans(&s);
            if spans.is_empty() {
                return (text.to_vec(), "no value to replace".into());
            }
            let (a, b) = *rng.pick(&spans);
            let new = *rng.pick(&[
                "[1, 2]",
                "{a: 1}",
                "[]",
                "{}",
                "[[1]]",
                "{a: [1, {b: 2}]}",
                "\"\"",
                "true",
            ]);
            let out = format!("{}{}{}", &s[..a], new, &s[b..]);
            (out.into_bytes(), format!("value `{}` -> `{new}`", &s[a..b]))
        }
        6 => {
            // Change indentation: add or remove one or two spaces, or use a tab.
            let line = *rng.pick(&content);
            let mut ls: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            let how = rng.below(4);
            ls[line] = match how {
                0 => format!(" {}", ls[line]),
                1 => format!("  {}", ls[line]),
                2 => ls[line].strip_prefix(' ').unwrap_or(&ls[line]).to_string(),
                _ => format!("\t{}", ls[line].trim_start()),
            };
            (join(ls), format!("re-indent line {} ({how})", line + 1))
        }
        8 => {
            // A tag before a value (issue 21: tags were dropped silently).
            let spans = value_spans(&s);
            if spans.is_empty() {
                return (text.to_vec(), "no value to tag".into());
            }
            let (a, _) = *rng.pick(&spans);
            let tag = *rng.pick(&["!domestic ", "!!str ", "!x ", "!!float "]);
            let out = format!("{}{}{}", &s[..a], tag, &s[a..]);
            (
                out.into_bytes(),
                format!("tag `{}` at byte {a}", tag.trim()),
            )
        }
        9 => {
            // Quote a number (as a key, `2025` -> `"2025"`, it may now repeat a key).
            let spans = number_spans(&s);
            if spans.is_empty() {
                return (text.to_vec(), "no number to quote".into());
            }
            let (a, b) = *rng.pick(&spans);
            let out = format!("{}\"{}\"{}", &s[..a], &s[a..b], &s[b..]);
            (out.into_bytes(), format!("quote the number `{}`", &s[a..b]))
        }
        10 => {
            // A byte-order mark, or a huge number (overflow: 1e308 gave `inf` costs).
            if rng.below(2) == 0 {
                (
                    format!("\u{feff}{s}").into_bytes(),
                    "a byte-order mark".into(),
                )
            } else {
                let spans = number_spans(&s);
                if spans.is_empty() {
                    return (text.to_vec(), "no number to blow up".into());
                }
                let (a, b) = *rng.pick(&spans);
                let new = *rng.pick(&["1e308", "1.7e308", "1e200", "4e15", "-1e308"]);
                let out = format!("{}{}{}", &s[..a], new, &s[b..]);
                (
                    out.into_bytes(),
                    format!("number `{}` -> `{new}`", &s[a..b]),
                )
            }
        }
        _ => {
            // Misspell a key: drop one of its letters.
            let line = *rng.pick(&content);
            let body = lines[line];
            let Some(colon) = body.find(':') else {
                return (text.to_vec(), "no key to misspell".into());
            };
            let key_start = body.len() - body.trim_start_matches([' ', '-']).len();
            if colon <= key_start + 1 || !body[..colon].is_ascii() {
                return (text.to_vec(), "key too short".into());
            }
            let drop = key_start + rng.below(colon - key_start);
            let mut ls: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            let mut new = body.to_string();
            new.remove(drop);
            ls[line] = new;
            (join(ls), format!("misspell the key on line {}", line + 1))
        }
    }
}

/// Mutations per sample scenario; 1 to 3 mutations stacked on each variant.
/// Mutated variants per sample scenario; `CHIPMIX_FUZZ_VARIANTS=N` runs more (or fewer), and
/// `CHIPMIX_FUZZ_SEED=N` other ones, for a longer search by hand.
const VARIANTS_PER_FILE: usize = 340;

#[test]
fn mutated_sample_scenarios_never_crash() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .expect("read scenarios/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scenarios/*.yaml");
    let scratch = Scratch::new("fuzz");
    let started = Instant::now();

    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    let variants_per_file = env("CHIPMIX_FUZZ_VARIANTS").map_or(VARIANTS_PER_FILE, |n| n as usize);
    let seed = env("CHIPMIX_FUZZ_SEED").unwrap_or(0x9E37_79B9_7F4A_7C15);

    // Build every variant first (deterministic), then run them on two workers.
    let mut variants: Vec<(String, Vec<u8>, String)> = Vec::new();
    let mut mutations = 0;
    for (fi, file) in files.iter().enumerate() {
        let original = fs::read(file).expect("read a sample scenario");
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        // xorshift must not start at 0.
        let mut rng = Rng((seed ^ ((fi as u64 + 1) * 0x0100_0000_01B3)).max(1));
        for v in 0..variants_per_file {
            let stack = 1 + usize::from(v % 4 == 3) + usize::from(v % 8 == 7);
            let mut bytes = original.clone();
            let mut what = Vec::new();
            for _ in 0..stack {
                let (b, w) = mutate(&bytes, &mut rng);
                bytes = b;
                what.push(w);
                mutations += 1;
            }
            variants.push((format!("{stem}-m{v:03}.yaml"), bytes, what.join(", then ")));
        }
    }

    let next = AtomicUsize::new(0);
    let results: Vec<(Vec<String>, [usize; 3])> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut problems = Vec::new();
                    let mut codes = [0usize; 3];
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((name, bytes, what)) = variants.get(i) else {
                            break;
                        };
                        let path = scratch.write(name, bytes);
                        let wrong = check_mutant(&path, &scratch, &mut codes);
                        if !wrong.is_empty() {
                            problems.push(format!("[{name}: {what}]\n  {}", wrong.join("\n  ")));
                        }
                        let _ = fs::remove_file(&path);
                    }
                    (problems, codes)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("fuzz worker"))
            .collect()
    });
    let mut codes = [0usize; 3];
    let mut problems = Vec::new();
    for (p, c) in results {
        problems.extend(p);
        for (total, n) in codes.iter_mut().zip(c) {
            *total += n;
        }
    }
    eprintln!(
        "bad_input fuzz: {} variants ({} mutations) of {} files in {:.1?}; \
         plan exit codes 0/1/2: {:?}",
        variants.len(),
        mutations,
        files.len(),
        started.elapsed(),
        codes
    );
    assert!(
        problems.is_empty(),
        "{} of {} mutated scenarios misbehaved:\n{}",
        problems.len(),
        variants.len(),
        problems.join("\n")
    );
}

/// Runs `validate` and `plan` on one mutated file; returns what went wrong and counts
/// `plan`'s exit codes.
fn check_mutant(path: &Path, scratch: &Scratch, codes: &mut [usize; 3]) -> Vec<String> {
    let file = path.display().to_string();
    let mut wrong = Vec::new();
    let v = run(&[OsStr::new("validate"), path.as_os_str()], scratch, HANG);
    let p = run(
        &[
            OsStr::new("plan"),
            path.as_os_str(),
            OsStr::new("--format"),
            OsStr::new("json"),
            OsStr::new("--time-limit"),
            OsStr::new("5"),
        ],
        scratch,
        HANG,
    );
    for (command, r) in [("validate", &v), ("plan", &p)] {
        let mut w = Vec::new();
        if r.timed_out {
            w.push(format!(
                "hang: killed after {:.1?} ({})",
                r.elapsed,
                r.killed.as_deref().unwrap_or("")
            ));
        } else if !matches!(r.code, Some(0..=2)) {
            w.push(format!("exit code {:?}", r.code));
        }
        if let Some(m) = crash_marker(r) {
            w.push(format!("stderr contains `{m}`"));
        }
        if r.code == Some(2) && !r.stderr.starts_with(&file) {
            w.push("exit 2 without a message that starts with the file path".into());
        }
        if !w.is_empty() {
            wrong.push(format!(
                "chipmix {command}: {}\n    {}",
                w.join("; "),
                r.describe()
            ));
        }
    }
    if let Some(c) = p.code.filter(|c| (0..=2).contains(c)) {
        codes[c as usize] += 1;
    }
    // validate and plan must agree on whether the file is valid.
    if v.code.is_some() && p.code.is_some() && (v.code == Some(2)) != (p.code == Some(2)) {
        wrong.push(format!(
            "validate exit {:?} but plan exit {:?}\n    validate: {}\n    plan: {}",
            v.code,
            p.code,
            v.describe(),
            p.describe()
        ));
    }
    if v.code == Some(0) && !v.stdout.contains(": ok") {
        wrong.push(format!("validate exit 0 without `ok`: {}", v.describe()));
    }
    // Whatever plan prints on stdout is one JSON plan with a status that matches the code.
    if !p.stdout.trim().is_empty() || p.code == Some(0) {
        match serde_json::from_str::<serde_json::Value>(&p.stdout) {
            Ok(json) => {
                let status = json.get("status").and_then(|s| s.as_str()).unwrap_or("");
                let expected: &[&str] = match p.code {
                    Some(0) => &["optimal", "feasible"],
                    Some(1) => &["infeasible", "unbounded", "error"],
                    _ => &[],
                };
                if !expected.contains(&status) {
                    wrong.push(format!("plan exit {:?} with status `{status}`", p.code));
                }
                if p.code == Some(0) {
                    wrong.extend(check_printed_plan(path, &json, &p.stdout, scratch));
                }
            }
            Err(e) => wrong.push(format!("plan stdout is not JSON ({e}): {}", p.describe())),
        }
    }
    wrong
}

/// A plan that `plan` printed (exit 0) states finite figures, and `chipmix check` accepts it
/// against the same file: nothing printed slips past the checker.
fn check_printed_plan(
    scenario: &Path,
    json: &serde_json::Value,
    text: &str,
    scratch: &Scratch,
) -> Vec<String> {
    let mut wrong = Vec::new();
    for key in ["total_cost", "capex", "opex", "pflops"] {
        if !json[key].as_f64().is_some_and(f64::is_finite) {
            wrong.push(format!("plan exit 0 with {key} = {}", json[key]));
        }
    }
    let saved = scenario.with_extension("plan.json");
    fs::write(&saved, text).expect("save the plan");
    let c = run(
        &[OsStr::new("check"), scenario.as_os_str(), saved.as_os_str()],
        scratch,
        HANG,
    );
    if c.code != Some(0) {
        wrong.push(format!("check of the printed plan: {}", c.describe()));
    }
    let _ = fs::remove_file(&saved);
    wrong
}

// ---------------------------------------------------------------------------------------
// Part 3: the command line
// ---------------------------------------------------------------------------------------

#[test]
fn usage_errors_exit_2() {
    let scratch = Scratch::new("usage");
    let good = sample("shanghai-2025.yaml");
    let cases: Vec<(Vec<&str>, &[&str])> = vec![
        (vec![], &[]),
        (vec!["frobnicate"], &["frobnicate"]),
        (vec!["plan"], &[]),
        (vec!["validate"], &[]),
        (vec!["plan", &good, "--frobnicate"], &["--frobnicate"]),
        (vec!["plan", &good, "--format", "xml"], &["xml"]),
        (vec!["plan", &good, "--format"], &["--format"]),
        (vec!["plan", &good, "--time-limit", "0"], &["time-limit"]),
        (vec!["plan", &good, "--time-limit", "abc"], &["time-limit"]),
        (vec!["plan", &good, "--time-limit", "nan"], &["time-limit"]),
        (vec!["plan", &good, "--time-limit", "inf"], &["time-limit"]),
        (vec!["plan", &good, "--time-limit", "-1"], &[]),
        (vec!["plan", &good, "--mip-gap", "2"], &["mip-gap"]),
        (vec!["plan", &good, "--mip-gap", "nan"], &["mip-gap"]),
        (vec!["plan", &good, "--mip-gap", "-0.1"], &[]),
        (vec!["plan", &good, "--solver", "gurobi"], &["gurobi"]),
        (vec!["plan", &good, &good], &[]),
    ];
    let mut problems = Vec::new();
    for (args, has) in &cases {
        let r = run(args, &scratch, HANG);
        let mut w = Vec::new();
        if r.code != Some(2) {
            w.push(format!("exit {:?}, expected 2", r.code));
        }
        if r.stderr.trim().is_empty() {
            w.push("empty stderr".into());
        }
        if let Some(m) = crash_marker(&r) {
            w.push(format!("stderr contains `{m}`"));
        }
        if !r.stdout.is_empty() {
            w.push("something on stdout".into());
        }
        for part in *has {
            if !r.stderr.contains(part) {
                w.push(format!("stderr lacks `{part}`"));
            }
        }
        if !w.is_empty() {
            problems.push(format!(
                "chipmix {}: {}\n    {}",
                args.join(" "),
                w.join("; "),
                r.describe()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[cfg(not(feature = "highs"))]
#[test]
fn highs_without_the_feature_exits_2() {
    let scratch = Scratch::new("highs");
    let good = sample("shanghai-2025.yaml");
    let r = run(&["plan", &good, "--solver", "highs"], &scratch, HANG);
    assert_eq!(r.code, Some(2), "{}", r.describe());
    assert!(r.stderr.contains("--features highs"), "{}", r.describe());
    assert!(crash_marker(&r).is_none(), "{}", r.describe());
    assert!(r.stdout.is_empty(), "{}", r.describe());
}

#[test]
fn unwritable_output_exits_2() {
    let scratch = Scratch::new("output");
    let good = sample("shanghai-2025.yaml");
    let target = scratch.path("no-such-dir").join("plan.json");
    let target = target.display().to_string();
    let r = run(
        &["plan", &good, "--format", "json", "-o", &target],
        &scratch,
        HANG,
    );
    assert_eq!(r.code, Some(2), "{}", r.describe());
    assert!(r.stderr.contains(&target), "{}", r.describe());
    assert!(crash_marker(&r).is_none(), "{}", r.describe());
}

#[test]
fn help_exits_0_with_usage_and_an_example() {
    let scratch = Scratch::new("help");
    for (args, example) in [
        (vec!["--help"], "chipmix plan scenarios/"),
        (vec!["-h"], "chipmix plan scenarios/"),
        (vec!["plan", "--help"], "chipmix plan scenarios/"),
        (vec!["plan", "-h"], "chipmix plan scenarios/"),
        (vec!["validate", "--help"], "chipmix validate scenarios/"),
        (vec!["help", "plan"], "chipmix plan scenarios/"),
    ] {
        let r = run(&args, &scratch, HANG);
        assert_eq!(
            r.code,
            Some(0),
            "chipmix {}: {}",
            args.join(" "),
            r.describe()
        );
        assert!(
            r.stdout.contains("Usage:"),
            "chipmix {}: {}",
            args.join(" "),
            r.describe()
        );
        assert!(
            r.stdout.contains(example),
            "chipmix {}: {}",
            args.join(" "),
            r.describe()
        );
    }
    let r = run(&["--version"], &scratch, HANG);
    assert_eq!(r.code, Some(0), "{}", r.describe());
    assert!(r.stdout.starts_with("chipmix "), "{}", r.describe());
}

#[test]
fn validate_reports_every_file() {
    let scratch = Scratch::new("validate-many");
    let good_a = sample("shanghai-2025.yaml");
    let good_b = sample("strict-majority.yaml");
    let (text, places) = edit(&[("tflops: 148", "tflops: -1")]);
    let bad = scratch.write("bad.yaml", text).display().to_string();
    let (text2, places2) = edit(&[("origin: domestic", "origin: local")]);
    let bad2 = scratch.write("bad2.yaml", text2).display().to_string();
    let missing = scratch.path("missing.yaml").display().to_string();

    let r = run(
        &["validate", &good_a, &bad, &missing, &good_b, &bad2],
        &scratch,
        HANG,
    );
    assert_eq!(r.code, Some(2), "{}", r.describe());
    assert!(crash_marker(&r).is_none(), "{}", r.describe());
    for good in [&good_a, &good_b] {
        assert!(
            r.stdout.contains(&format!("{good}: ok")),
            "{good} not reported ok: {}",
            r.describe()
        );
    }
    let (l, c) = places[0];
    let (l2, c2) = places2[0];
    for expected in [
        format!("{bad}:{l}:{c}:"),
        format!("{bad2}:{l2}:{c2}:"),
        format!("{missing}:"),
        "accelerators[h20].tflops".to_string(),
        "accelerators[ascend-910c].origin".to_string(),
    ] {
        assert!(
            r.stderr.contains(&expected),
            "stderr lacks `{expected}`: {}",
            r.describe()
        );
    }
    // Every stderr line names the file it is about.
    for line in r.stderr.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            [&bad, &bad2, &missing, &good_a, &good_b]
                .iter()
                .any(|f| line.starts_with(f.as_str())),
            "a stderr line names no file: `{line}`"
        );
    }

    let r = run(&["validate", &good_a, &good_b], &scratch, HANG);
    assert_eq!(r.code, Some(0), "{}", r.describe());
}

#[test]
fn plans_exit_0_and_infeasible_scenarios_exit_1() {
    let scratch = Scratch::new("exit-codes");
    let r = run(
        &["plan", &sample("shanghai-2025.yaml"), "--format", "json"],
        &scratch,
        HANG,
    );
    assert_eq!(r.code, Some(0), "{}", r.describe());
    let json: serde_json::Value = serde_json::from_str(&r.stdout).expect("a JSON plan");
    assert!(matches!(
        json["status"].as_str(),
        Some("optimal" | "feasible")
    ));

    let r = run(
        &["plan", &sample("infeasible-quota.yaml"), "--format", "json"],
        &scratch,
        HANG,
    );
    assert_eq!(r.code, Some(1), "{}", r.describe());
    let json: serde_json::Value = serde_json::from_str(&r.stdout).expect("a JSON plan");
    assert_eq!(json["status"].as_str(), Some("infeasible"));
    assert!(crash_marker(&r).is_none(), "{}", r.describe());
}

// ---------------------------------------------------------------------------------------
// Part 4: hostile files and outputs (issue 21)
// ---------------------------------------------------------------------------------------

/// A FIFO at `path` (made with `mkfifo`, which every Linux has).
fn fifo(path: &Path) {
    let made = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(made.success(), "mkfifo {}", path.display());
}

/// Every run must end quickly with exit 2 and a message that names `file` and says what
/// it is. Before issue 21 a FIFO hung forever and `/dev/zero` grew memory without bound.
fn refused_quickly(r: &Run, file: &str, says: &str) {
    assert_eq!(r.code, Some(2), "{}", r.describe());
    assert!(
        r.stderr.contains(&format!("{file}: {says}")),
        "expected `{file}: {says}`: {}",
        r.describe()
    );
    assert!(crash_marker(r).is_none(), "{}", r.describe());
}

#[test]
fn special_files_are_refused_without_hanging_or_growing() {
    let scratch = Scratch::new("special");
    let quick = Duration::from_secs(2);
    let good = sample("shanghai-2025.yaml");
    let pipe = scratch.path("pipe.yaml");
    fifo(&pipe);
    let pipe = pipe.display().to_string();
    let with_catalog = scratch.write(
        "uses-pipe.yaml",
        "name: x\ncatalog: pipe.yaml\naccelerators:\n  - {id: a, vendor: V, origin: domestic, unit_price: 10, tflops: 500}\ndemand: {pflops: 2}\n",
    );
    let with_catalog = with_catalog.display().to_string();

    let r = run(&["validate", &pipe], &scratch, quick);
    refused_quickly(&r, &pipe, "is a FIFO");
    let r = run(&["plan", &pipe], &scratch, quick);
    refused_quickly(&r, &pipe, "is a FIFO");
    let r = run(&["validate", &with_catalog], &scratch, quick);
    assert_eq!(r.code, Some(2), "{}", r.describe());
    assert!(
        r.stderr.contains("catalog") && r.stderr.contains("is a FIFO"),
        "{}",
        r.describe()
    );
    let r = run(&["check", &good, &pipe], &scratch, quick);
    refused_quickly(&r, &pipe, "is a FIFO");
    let r = run(&["merge", &pipe], &scratch, quick);
    refused_quickly(&r, &pipe, "is a FIFO");

    for device in ["/dev/zero", "/dev/urandom"] {
        let r = run(&["validate", device], &scratch, quick);
        refused_quickly(&r, device, "is a character device");
        let r = run(&["check", &good, device], &scratch, quick);
        refused_quickly(&r, device, "is a character device");
        let r = run(&["merge", device], &scratch, quick);
        refused_quickly(&r, device, "is a character device");
    }
    let r = run(&["check", &good, "/tmp"], &scratch, quick);
    refused_quickly(&r, "/tmp", "is a directory");
}

#[test]
fn plans_and_shards_have_a_size_limit() {
    let scratch = Scratch::new("plan-limit");
    // A sparse file: 300 MiB long, nothing on disk.
    let big = scratch.path("big.json");
    fs::File::create(&big)
        .and_then(|f| f.set_len(300 * 1024 * 1024))
        .expect("a sparse file");
    let big = big.display().to_string();
    let r = run(
        &["check", &sample("shanghai-2025.yaml"), &big],
        &scratch,
        FAST,
    );
    refused_quickly(&r, &big, "is larger than the 268435456 bytes");
    let r = run(&["merge", &big], &scratch, FAST);
    refused_quickly(&r, &big, "is larger than the 268435456 bytes");
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let scratch = Scratch::new("bom");
    let text = fs::read_to_string(sample("shanghai-2025.yaml")).expect("a sample");
    let plain = scratch.write("plain.yaml", &text);
    let marked = scratch.write("marked.yaml", format!("\u{feff}{text}"));
    let a = run(
        &["plan", plain.to_str().unwrap(), "-f", "json"],
        &scratch,
        HANG,
    );
    let b = run(
        &["plan", marked.to_str().unwrap(), "-f", "json"],
        &scratch,
        HANG,
    );
    assert_eq!(b.code, Some(0), "{}", b.describe());
    assert_eq!(a.stdout, b.stdout, "the mark changes nothing");
    // A plan saved by a spreadsheet program (with a mark) is read back by `check`.
    let saved = scratch.write("plan.json", format!("\u{feff}{}", a.stdout));
    let c = run(
        &["check", plain.to_str().unwrap(), saved.to_str().unwrap()],
        &scratch,
        HANG,
    );
    assert_eq!(c.code, Some(0), "{}", c.describe());
}

#[test]
fn a_text_field_set_to_a_number_is_kept_as_text() {
    let scratch = Scratch::new("set-text");
    let r = run(
        &[
            "plan",
            &sample("shanghai-2025.yaml"),
            "--set",
            "name=2025",
            "-f",
            "json",
        ],
        &scratch,
        HANG,
    );
    assert_eq!(r.code, Some(0), "{}", r.describe());
    let json: serde_json::Value = serde_json::from_str(&r.stdout).expect("a JSON plan");
    assert_eq!(json["scenario"], "2025");
    // A number field still refuses text.
    let r = run(
        &[
            "plan",
            &sample("shanghai-2025.yaml"),
            "--set",
            "accelerators[h20].unit_price=cheap",
        ],
        &scratch,
        HANG,
    );
    assert_eq!(r.code, Some(2), "{}", r.describe());
}

/// Each case: the arguments (with `{in}` for the input that must survive) and the input.
#[test]
fn an_output_onto_an_input_is_refused_and_the_input_survives() {
    let scratch = Scratch::new("onto-input");
    let text = fs::read_to_string(sample("shanghai-2025.yaml")).expect("a sample");
    let scenario = scratch.write("s.yaml", &text);
    let s = scenario.to_str().unwrap().to_string();
    let other = scratch.write("t.yaml", &text);
    let t = other.to_str().unwrap().to_string();
    let link = scratch.path("link.yaml");
    std::os::unix::fs::symlink(&scenario, &link).expect("a symbolic link");
    let hard = scratch.path("hard.yaml");
    fs::hard_link(&scenario, &hard).expect("a hard link");
    let catalog_text =
        fs::read_to_string(sample("catalog/accelerators-2025.yaml")).expect("the sample catalog");
    let catalog = scratch.write("catalog.yaml", &catalog_text);
    let uses_catalog = scratch.write(
        "uses.yaml",
        fs::read_to_string(sample("catalog-shanghai-2025.yaml"))
            .expect("the sample that uses the catalog")
            .replace("catalog/accelerators-2025.yaml", "catalog.yaml"),
    );
    let u = uses_catalog.to_str().unwrap().to_string();
    let cat = catalog.to_str().unwrap().to_string();
    let sweep = [
        "--param",
        "policy.domestic_share.min",
        "--values",
        "0.5,0.6",
    ];
    let mut cases: Vec<(Vec<String>, &Path, &str)> = vec![
        (
            vec!["plan".into(), s.clone(), "-o".into(), s.clone()],
            &scenario,
            &text,
        ),
        (
            vec![
                "plan".into(),
                s.clone(),
                "-o".into(),
                link.display().to_string(),
            ],
            &scenario,
            &text,
        ),
        (
            vec![
                "plan".into(),
                s.clone(),
                "-o".into(),
                hard.display().to_string(),
            ],
            &scenario,
            &text,
        ),
        (
            vec!["plan".into(), u.clone(), "-o".into(), cat.clone()],
            &catalog,
            &catalog_text,
        ),
        (
            vec!["explain".into(), s.clone(), "-o".into(), s.clone()],
            &scenario,
            &text,
        ),
        (
            vec!["report".into(), s.clone(), "-o".into(), s.clone()],
            &scenario,
            &text,
        ),
        (
            vec![
                "compare".into(),
                s.clone(),
                t.clone(),
                "-o".into(),
                t.clone(),
            ],
            &other,
            &text,
        ),
        (
            vec![
                "compare".into(),
                s.clone(),
                t.clone(),
                "--chart".into(),
                s.clone(),
            ],
            &scenario,
            &text,
        ),
    ];
    let mut with_sweep = |extra: &[&str]| {
        let mut args = vec!["sweep".to_string(), s.clone()];
        args.extend(sweep.iter().map(|x| x.to_string()));
        args.extend(extra.iter().map(|x| x.to_string()));
        cases.push((args, &scenario, &text));
    };
    with_sweep(&["-o", &s]);
    with_sweep(&["--chart", &s]);
    for (args, input, before) in &cases {
        let r = run(args, &scratch, HANG);
        assert_eq!(r.code, Some(2), "{args:?}: {}", r.describe());
        assert!(
            r.stderr.contains("refusing to write") && r.stderr.contains("input file"),
            "{args:?}: {}",
            r.describe()
        );
        assert_eq!(
            fs::read_to_string(input).expect("the input is still there"),
            *before,
            "{args:?} changed its input"
        );
    }
    // One file named as two outputs.
    let same = scratch.path("same.svg").display().to_string();
    let mut args = vec!["sweep".to_string(), s.clone()];
    args.extend(sweep.iter().map(|x| x.to_string()));
    args.extend(["-o".to_string(), same.clone(), "--chart".to_string(), same]);
    let r = run(&args, &scratch, HANG);
    assert_eq!(r.code, Some(2), "{}", r.describe());
    assert!(r.stderr.contains("two outputs"), "{}", r.describe());
}

#[test]
fn merge_refuses_to_write_over_a_shard() {
    let scratch = Scratch::new("onto-shard");
    let shard = scratch.path("shard.json").display().to_string();
    let r = run(
        &[
            "sweep",
            &sample("shanghai-2025.yaml"),
            "--param",
            "policy.domestic_share.min",
            "--values",
            "0.5,0.6",
            "--shard",
            "1/1",
            "-o",
            &shard,
        ],
        &scratch,
        HANG,
    );
    assert_eq!(r.code, Some(0), "{}", r.describe());
    let before = fs::read_to_string(&shard).expect("a shard file");
    let r = run(&["merge", &shard, "-o", &shard], &scratch, HANG);
    assert_eq!(r.code, Some(2), "{}", r.describe());
    assert!(r.stderr.contains("refusing to write"), "{}", r.describe());
    assert_eq!(fs::read_to_string(&shard).unwrap(), before);
}

/// A full disk used to leave a truncated file in place of the old valid one. The shell's
/// file-size limit (with SIGXFSZ ignored, so the write fails with EFBIG instead of killing
/// the process) stands in for the full disk.
#[test]
fn a_failed_write_leaves_the_old_output_whole() {
    let scratch = Scratch::new("full-disk");
    let out = scratch.write("plan.json", "{\"old\": \"plan\"}\n");
    let script = format!(
        "trap '' XFSZ; ulimit -f 2; exec '{BIN}' plan '{}' --format json -o '{}'",
        sample("shanghai-2025.yaml"),
        out.display()
    );
    let r = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("run sh");
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write"), "{stderr}");
    assert_eq!(
        fs::read_to_string(&out).unwrap(),
        "{\"old\": \"plan\"}\n",
        "the old file is untouched"
    );
    let left: Vec<String> = fs::read_dir(scratch.dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
    // Without the limit the same command replaces the file with the whole plan.
    let r = Command::new(BIN)
        .args([
            "plan",
            &sample("shanghai-2025.yaml"),
            "--format",
            "json",
            "-o",
        ])
        .arg(&out)
        .output()
        .expect("run chipmix");
    assert_eq!(r.status.code(), Some(0));
    let written: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&out).unwrap()).expect("a whole JSON plan");
    assert!(written["total_cost"].is_number());
}

/// serde_json keeps the last of two equal keys, so `"total_cost": 1, "total_cost": <real>`
/// showed a reader one figure and `check` another.
#[test]
fn a_plan_or_shard_that_gives_a_key_twice_is_refused() {
    let scratch = Scratch::new("json-twice");
    let good = sample("shanghai-2025.yaml");
    let r = run(&["plan", &good, "--format", "json"], &scratch, HANG);
    assert_eq!(r.code, Some(0), "{}", r.describe());
    let twice = r.stdout.replacen("{", "{\n  \"total_cost\": 1,", 1);
    let plan = scratch.write("plan.json", &twice);
    let plan = plan.display().to_string();
    let c = run(&["check", &good, &plan], &scratch, HANG);
    assert_eq!(c.code, Some(2), "{}", c.describe());
    assert!(
        c.stderr.contains("`total_cost` is given twice"),
        "{}",
        c.describe()
    );

    let shard = scratch.path("shard.json").display().to_string();
    let r = run(
        &[
            "sweep",
            &good,
            "--param",
            "policy.domestic_share.min",
            "--values",
            "0.5,0.6",
            "--shard",
            "1/1",
            "-o",
            &shard,
        ],
        &scratch,
        HANG,
    );
    assert_eq!(r.code, Some(0), "{}", r.describe());
    let text = fs::read_to_string(&shard).unwrap();
    fs::write(&shard, text.replacen("{", "{\n  \"points\": 1,", 1)).unwrap();
    let m = run(&["merge", &shard], &scratch, HANG);
    assert_eq!(m.code, Some(2), "{}", m.describe());
    assert!(
        m.stderr.contains("`points` is given twice"),
        "{}",
        m.describe()
    );
}

// ---------------------------------------------------------------------------------------
// `strict: true` with `min: 1`, wherever a share rule is written
// ---------------------------------------------------------------------------------------

/// Sites and periods with share rules; each case below swaps one `@...@` marker for a rule.
const STRICT_NATIONAL: &str = "\
name: strict shares
periods: [2025, 2026]
accelerators:
  - {id: dom, vendor: V, origin: domestic, unit_price: 10000, tflops: 300}
  - {id: fgn, vendor: W, origin: foreign, unit_price: 10000, tflops: 300}
policy:
  @policy@
sites:
  - id: east
    demand: {pflops: 10}
    @site@
  - id: west
    demand: {pflops: 10}
";

#[test]
fn strict_with_min_1_is_refused_for_periods_sites_and_the_nation() {
    // (policy block, site override, where the error points, the field it names)
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "domestic_share:\n    strict: true\n    min:\n      2025: 0.5\n      2026: 1",
            "",
            "2026: 1",
            "policy.domestic_share.min (2026)",
        ),
        (
            "domestic_share: {min: 0.5, strict: true}",
            "domestic_share: {min: 1}",
            "min: 1}",
            "sites[east].domestic_share.min",
        ),
        (
            "domestic_share: {min: 1}",
            "domestic_share: {strict: true}",
            "strict: true}",
            "sites[east].domestic_share.strict",
        ),
        (
            "national_domestic_share:\n    min: 1\n    strict: true",
            "",
            "min: 1",
            "policy.national_domestic_share.min",
        ),
    ];
    for (k, (policy, site, at, field)) in cases.iter().enumerate() {
        let text = STRICT_NATIONAL
            .replace("@policy@", policy)
            .replace("@site@", site);
        let file = crate::support::scenario_file(&format!("strict-min-1-{k}"), &text);
        let file = file.display().to_string();
        let (line, col) = place_of(&text, at);
        for command in ["validate", "plan"] {
            let r = crate::support::chipmix(&[command, &file]);
            assert_eq!(r.code, 2, "{command} case {k}: {}", r.stderr);
            let expected = format!("{file}:{line}:{col}: {field}");
            assert!(
                r.stderr.contains(&expected),
                "{command} case {k}: stderr lacks `{expected}`: {}",
                r.stderr
            );
            assert!(r.stderr.contains("above 100%"), "{}", r.stderr);
        }
    }
    // strict with a min below 1 in every period, and min 1 without strict, are fine.
    let fine = STRICT_NATIONAL
        .replace(
            "@policy@",
            "domestic_share: {min: {2025: 0.5, 2026: 0.9}, strict: true}\n  national_domestic_share: {min: 1}",
        )
        .replace("@site@", "");
    let file = crate::support::scenario_file("strict-min-below-1", &fine);
    let r = crate::support::chipmix(&["validate", &file.display().to_string()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn strict_with_min_1_set_by_an_override_names_the_override() {
    let r = crate::support::chipmix(&[
        "validate",
        &sample("strict-majority.yaml"),
        "--set",
        "policy.domestic_share.min=1",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("--set policy.domestic_share.min=1: policy.domestic_share.min"),
        "{}",
        r.stderr
    );
}

/// A per-year map on an accelerator's field in a scenario without `periods` is refused
/// with its place (it was once dropped silently, the accelerator with it).
#[test]
fn per_year_accelerator_fields_need_periods() {
    for (field, value) in [
        ("max_units", "{2025: 1}"),
        ("available", "{2025: true}"),
        ("unit_price", "{2025: 10}"),
    ] {
        let text = format!(
            "name: x\naccelerators:\n  - {{id: a, vendor: V, origin: domestic, tflops: 100, unit_price: 10, {field}: {value}}}\ndemand: {{pflops: 0.1}}\n"
        )
        .replace("unit_price: 10, unit_price", "unit_price");
        let path = crate::support::scenario_file(&format!("per-year-{field}"), &text);
        let r = crate::support::chipmix(&["validate", path.to_str().unwrap()]);
        assert_eq!(r.code, 2, "{field}: {}{}", r.stdout, r.stderr);
        assert!(
            r.stderr.contains(&format!(
                "accelerators[a].{field} is given per year, which needs `periods`"
            )) && r.stderr.contains(":3:"),
            "{field}: {}",
            r.stderr
        );
    }
}
