//! Generator of large synthetic national scenarios (many sites, many periods), for
//! benchmarks and scaling tests of the multi-site, multi-period model.
//!
//! ```sh
//! cargo run --release --example generate -- --sites 500 --periods 5 --seed 1 > /tmp/n500.yaml
//! cargo run --release -- plan /tmp/n500.yaml --format json
//! ```
//!
//! Flags: `--sites N` (required, 1..=100000), `--periods T` (default 5, 1..=30), `--seed S`
//! (default 1, any u64), `--first-year Y` (default 2025, 1900..=2200), `--rules` (no value:
//! add the rules of 2025-2026, below; without it the output is as before). The scenario (YAML,
//! section 2 of the scenario format) goes to stdout; bad arguments print a message on stderr
//! and exit with code 2. Only std is used: randomness is a tiny SplitMix64, and all
//! arithmetic is plain IEEE (no `exp`, `ln` or `powf`), so the output is byte-identical for
//! the same arguments on every platform. 2,000 sites take a few milliseconds.
//!
//! What it makes: a national build-out over `T` consecutive years from `Y` with
//! - the 13 accelerators of the 2025 public-figures file (`h100-sxm`, `h800`, `a800` banned:
//!   `available: false`, only present in installed fleets; `h20`, `l20` foreign with a scalar
//!   price; 8 domestic parts with per-year prices falling 5-10% a year and national per-year
//!   supply caps `max_units` growing 15-35% a year), all in lots of 8, lifetimes 5 or 6 years;
//! - a site quota ramp `policy.domestic_share.min` from 0.5 to 0.7 (by units) and a national
//!   share of 0.55, electricity, PUE, a 3-year opex tail, an 8% discount rate and one-time
//!   platform adoption costs (CUDA is free: installed fleets run it);
//! - `N` sites spread over 19 provinces (the id prefix is the province, e.g. `nm-0001` in
//!   Inner Mongolia; a comment names it): western sites have cheap power (0.04-0.06 USD/kWh),
//!   central 0.06-0.09, eastern 0.09-0.12; PUE 1.15-1.45; demand starts at 20-400 PFLOPS and
//!   grows 15-40% a year; about half the sites have an installed H800/A800/H20 fleet (5-20%
//!   of the first year's demand) that retires within the horizon; about 4% of the sites have
//!   their own flat `domestic_share: {min: 0.6}`.
//!
//! Feasible by construction: the generator first builds a reference plan (every site buys
//! only domestic cards, a quarter of each shortfall in PFLOPS from each of Ascend 910C,
//! Ascend 910B, MLU590 and Iluvatar TG100, in lots of 8, topped up with TG100 cards when a
//! quota by units needs more domestic cards; purchases retire after their lifetime). That plan
//! meets every demand, every site quota (and the national one), and then sets the limits:
//! site `power_kw` is the larger of 1.6 times what the final demand needs at 0.9 W per TFLOPS
//! (Ascend 910C efficiency) and 1.25 times the reference plan's peak; a reference part's cap
//! is 1.2-1.6 times its national reference use in its tightest year (so the cheap, efficient
//! parts run out and the caps bind), the other four domestic parts get 10-20% of the national
//! new-PFLOPS need each. Sites are generated from their own random stream, so site `k` is the
//! same whatever `--sites` is (for fixed `--seed`, `--periods` and `--first-year`; ids get a
//! fifth digit from 10,000 sites): a larger scenario extends a smaller one, and only the
//! national caps change.
//!
//! With `--rules`, section 6 of the scenario format on top of all that, still feasible by
//! construction:
//! - state-funded sites: one site in ten with an installed fleet (about 5% of all sites,
//!   drawn last from the site's own stream, so site `k` is the same whatever `--sites` is)
//!   gets `domestic_share: {min: {Y: as before, Y+1: 1, ...}}`, and each of its installed
//!   entries a `removal` (salvage 30-50% of the list price, 300-600 USD a card to take out,
//!   `move_to` the next site that is not state-funded, or the one before at the end of the
//!   list), with `costs.relocation_per_unit: 1500`. The reference plan takes every installed
//!   card there out at the start of the second period and buys domestic cards for the whole
//!   demand from then on (the site's `power_kw` follows from that fleet); moving is a choice,
//!   so the target sites need no room for the moved cards;
//! - the energy discount: every site in Inner Mongolia, Guizhou or Gansu has its own
//!   `domestic_energy_discount: {rate: 0.5, min_share: 0.9}` (a top-level rule would reach
//!   every site); it only lowers costs;
//! - an HBM pool: `resources: [hbm-stacks]` with `uses` on the domestic cards that carry HBM
//!   (Ascend 910C 8 stacks, 910B 4, as the 2026 catalog notes; MLU590, DCU K100, C500 and
//!   TG100 4, an assumption) and a per-period `cap` of 1.2-1.5 times the reference plan's
//!   stacks in that period, so the pool can bind while the reference plan fits.
//!
//! Removals are decided by the whole model only (scenario format, "Removals and moves"): with
//! HiGHS always (its decomposition is skipped), with microlp up to 100 purchase decisions
//! (13 x sites x periods, e.g. `--sites 2 --periods 3`). Beyond that microlp plans purchases
//! only and keeps every installed card, so a scenario with a state-funded site whose cards
//! serve past the first period gets no plan from it (`--sites 10 --periods 3`: none in 120 s).
//!
//! How the benchmarks use it: generate a ladder of sizes with the same seed (e.g. 10, 50,
//! 200, 500, 2000 sites at 5 periods) and time `chipmix plan` on each, with microlp and HiGHS,
//! to see how solve time grows with the number of integer variables (13 x sites x periods
//! purchase variables, most of them fixed to 0 for banned parts). The scenarios are
//! synthetic: demands, fleets, caps and power are random, and UNIT PRICES ARE ESTIMATES
//! (the public-figures file's, some of them assumptions).

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, fast, and good enough for test data.
struct Rng(u64);

impl Rng {
    fn new(seed: u64, stream: u64) -> Rng {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xD605_BBB5_8C8A_BBBD));
        r.next_u64();
        r
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    /// Uniform integer in [0, n).
    fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

struct Accel {
    id: &'static str,
    name: &'static str,
    vendor: &'static str,
    domestic: bool,
    platform: &'static str,
    price: f64,
    tflops: f64,
    power_w: f64,
    memory_gb: f64,
    available: bool,
    source: &'static str,
}

#[allow(clippy::too_many_arguments)] // one row of the accelerator table
const fn acc(
    id: &'static str,
    name: &'static str,
    vendor: &'static str,
    domestic: bool,
    platform: &'static str,
    price: f64,
    tflops: f64,
    power_w: f64,
    memory_gb: f64,
    available: bool,
    source: &'static str,
) -> Accel {
    Accel {
        id,
        name,
        vendor,
        domestic,
        platform,
        price,
        tflops,
        power_w,
        memory_gb,
        available,
        source,
    }
}

/// The 13 accelerators of the shared public-figures file (accelerators-2025.yaml), USD.
#[rustfmt::skip]
const ACCELS: [Accel; 13] = [
    //  id                name                          vendor            domestic platform   price    tflops power  mem    available
    acc("h100-sxm",       "Nvidia H100 SXM",            "Nvidia",         false, "cuda",    30000.0, 989.0, 700.0, 80.0,  false,
        "Nvidia datasheet; street price reports 2024; banned for China since 2022-10"),
    acc("h800",           "Nvidia H800",                "Nvidia",         false, "cuda",    34700.0, 989.0, 700.0, 80.0,  false,
        "Reuters server price 2023; banned 2023-10"),
    acc("a800",           "Nvidia A800 SXM",            "Nvidia",         false, "cuda",    15000.0, 312.0, 400.0, 80.0,  false,
        "spec sheets; price is an assumption"),
    acc("h20",            "Nvidia H20",                 "Nvidia",         false, "cuda",    12000.0, 148.0, 400.0, 96.0,  true,
        "Tom's Hardware spec; Reuters/SemiAnalysis price; status volatile"),
    acc("l20",            "Nvidia L20",                 "Nvidia",         false, "cuda",     7000.0, 119.5, 275.0, 48.0,  true,
        "Tom's Hardware spec; price is an assumption"),
    acc("ascend-910b",    "Huawei Ascend 910B",         "Huawei",         true,  "cann",    16700.0, 320.0, 400.0, 64.0,  true,
        "Reuters price 2024; spec reports disagree (256-320 TFLOPS)"),
    acc("ascend-910c",    "Huawei Ascend 910C",         "Huawei",         true,  "cann",    28600.0, 780.0, 700.0, 128.0, true,
        "TechPowerUp spec; price derived from order reports"),
    acc("mlu370-x8",      "Cambricon MLU370-X8",        "Cambricon",      true,  "neuware",  5000.0,  96.0, 250.0, 48.0,  true,
        "vendor spec; price is an assumption"),
    acc("mlu590",         "Cambricon MLU590",           "Cambricon",      true,  "neuware", 10000.0, 256.0, 400.0, 64.0,  true,
        "community estimates; low confidence"),
    acc("hygon-k100",     "Hygon DCU K100",             "Hygon",          true,  "dtk",      9000.0, 192.0, 600.0, 64.0,  true,
        "community estimates; low confidence"),
    acc("metax-c500",     "MetaX C500",                 "MetaX",          true,  "maca",     8500.0, 128.0, 350.0, 64.0,  true,
        "community estimates; >25k units sold by 2024 (reported)"),
    acc("mtt-s4000",      "Moore Threads MTT S4000",    "Moore Threads",  true,  "musa",     6000.0, 100.0, 450.0, 48.0,  true,
        "vendor spec; price is an assumption"),
    acc("iluvatar-tg100", "Iluvatar CoreX Tiangai 100", "Iluvatar CoreX", true,  "corex",    5500.0, 147.0, 300.0, 32.0,  true,
        "vendor spec 2021; price is an assumption"),
];

const H800: usize = 1;
const A800: usize = 2;
const H20: usize = 3;
const ASCEND_910B: usize = 5;
const ASCEND_910C: usize = 6;
const MLU590: usize = 8;
const HYGON_K100: usize = 9;
const METAX_C500: usize = 10;
const TG100: usize = 12;
/// The reference plan's mix: a quarter of each shortfall (in PFLOPS) from each.
const REFERENCE: [usize; 4] = [ASCEND_910C, ASCEND_910B, MLU590, TG100];
const LOT: f64 = 8.0;

/// HBM stacks per new card, for `--rules`' `hbm-stacks` pool: Ascend 910B 4 and 910C 8 (two
/// dies) as the 2026 public-figures catalog notes them; the others carry HBM of 32-64 GB and
/// are given 4 (an assumption). MLU370-X8 (LPDDR5) and MTT S4000 (GDDR6) carry none.
const HBM_STACKS: [(usize, f64); 6] = [
    (ASCEND_910B, 4.0),
    (ASCEND_910C, 8.0),
    (MLU590, 4.0),
    (HYGON_K100, 4.0),
    (METAX_C500, 4.0),
    (TG100, 4.0),
];

/// One-time platform adoption costs (USD, assumptions). CUDA is absent: installed fleets run it.
const ADOPTION: [(&str, f64); 6] = [
    ("cann", 3.0e7),
    ("neuware", 1.5e7),
    ("dtk", 6.0e6),
    ("maca", 1.0e7),
    ("musa", 8.0e6),
    ("corex", 5.0e6),
];

#[derive(Clone, Copy, PartialEq)]
enum Region {
    West,
    Central,
    East,
}

/// Provinces that halve the power bill of mostly domestic data centres (`--rules`): their
/// sites get their own `domestic_energy_discount`, since a top-level rule would reach all.
const DISCOUNT_PROVINCES: [&str; 3] = ["Inner Mongolia", "Guizhou", "Gansu"];

/// (id prefix, province, region): the national computing hubs and the big demand centres.
const PROVINCES: [(&str, &str, Region); 19] = [
    ("nm", "Inner Mongolia", Region::West),
    ("gz", "Guizhou", Region::West),
    ("nx", "Ningxia", Region::West),
    ("gs", "Gansu", Region::West),
    ("xj", "Xinjiang", Region::West),
    ("qh", "Qinghai", Region::West),
    ("sc", "Sichuan", Region::West),
    ("cq", "Chongqing", Region::Central),
    ("he", "Hebei", Region::Central),
    ("ah", "Anhui", Region::Central),
    ("hb", "Hubei", Region::Central),
    ("ha", "Henan", Region::Central),
    ("bj", "Beijing", Region::East),
    ("tj", "Tianjin", Region::East),
    ("sh", "Shanghai", Region::East),
    ("js", "Jiangsu", Region::East),
    ("zj", "Zhejiang", Region::East),
    ("gd", "Guangdong", Region::East),
    ("sd", "Shandong", Region::East),
];

/// What to generate (the command-line flags).
pub struct Args {
    /// Number of sites.
    pub sites: usize,
    /// Number of consecutive yearly periods.
    pub periods: usize,
    /// Random seed.
    pub seed: u64,
    /// First period's year.
    pub first_year: i64,
    /// Add the rules of 2025-2026: state-funded sites with removals and moves, the energy
    /// discount, the HBM pool.
    pub rules: bool,
}

const USAGE: &str = "usage: generate --sites N [--periods T] [--seed S] [--first-year Y] [--rules]
  --sites N        number of sites, 1..=100000 (required)
  --periods T      number of consecutive yearly periods, 1..=30 (default 5)
  --seed S         random seed, 0..=18446744073709551615 (default 1)
  --first-year Y   first period's year, 1900..=2200 (default 2025)
  --rules          add the rules of 2025-2026: state-funded sites that take out or move
                   their foreign cards, the western energy discount, a national HBM pool
Prints a synthetic national scenario (YAML) on stdout.";

fn parse_args(argv: &[String]) -> Result<Option<Args>, String> {
    let mut sites = None;
    let mut periods = 5usize;
    let mut seed = 1u64;
    let mut first_year = 2025i64;
    let mut rules = false;
    let mut i = 0;
    while i < argv.len() {
        let arg = argv[i].as_str();
        if arg == "-h" || arg == "--help" {
            return Ok(None);
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg, None),
        };
        if flag == "--rules" {
            if inline.is_some() {
                return Err(format!("`--rules` takes no value, got `{arg}`"));
            }
            rules = true;
            i += 1;
            continue;
        }
        if !matches!(flag, "--sites" | "--periods" | "--seed" | "--first-year") {
            return Err(format!("unknown argument `{arg}`"));
        }
        let value = match inline {
            Some(v) => v,
            None => {
                i += 1;
                argv.get(i)
                    .cloned()
                    .ok_or_else(|| format!("`{flag}` needs a value"))?
            }
        };
        let bad = |what: &str| format!("`{flag}` must be {what}, got `{value}`");
        match flag {
            "--sites" => {
                sites = Some(
                    value
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=100_000).contains(n))
                        .ok_or_else(|| bad("an integer in 1..=100000"))?,
                )
            }
            "--periods" => {
                periods = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=30).contains(n))
                    .ok_or_else(|| bad("an integer in 1..=30"))?
            }
            "--seed" => {
                seed = value
                    .parse::<u64>()
                    .map_err(|_| bad("a non-negative integer (u64)"))?
            }
            _ => {
                first_year = value
                    .parse::<i64>()
                    .ok()
                    .filter(|y| (1900..=2200).contains(y))
                    .ok_or_else(|| bad("a year in 1900..=2200"))?
            }
        }
        i += 1;
    }
    let sites = sites.ok_or("`--sites N` is required")?;
    Ok(Some(Args {
        sites,
        periods,
        seed,
        first_year,
        rules,
    }))
}

/// Round up to a whole number of lots.
fn lots_up(units: f64) -> f64 {
    if units <= 0.0 {
        0.0
    } else {
        (units / LOT).ceil() * LOT
    }
}

struct Existing {
    accel: usize,
    units: f64,
    retire: usize, // index of the last period it serves in
    removal: Option<Removal>,
}

/// Per-unit terms for taking installed cards out (state-funded sites only).
struct Removal {
    salvage: f64,
    cost: f64,
}

struct Site {
    id: String,
    province: &'static str,
    region: Region,
    energy: f64,
    pue: f64,
    demand: Vec<f64>,
    existing: Vec<Existing>,
    share_override: Option<f64>,
    /// Its quota is 1.0 from the second period, so its installed fleet must go (`--rules`).
    state_funded: bool,
    power_kw: f64,
}

impl Site {
    /// The site's quota by units in period `t` (`quota` is the policy's ramp).
    fn share(&self, t: usize, quota: &[f64]) -> f64 {
        if self.state_funded && t > 0 {
            1.0
        } else {
            self.share_override.unwrap_or(quota[t])
        }
    }

    /// Whether installed entry `e` is still in the reference plan's fleet in period `t`: a
    /// state-funded site takes all its installed cards out at the start of the second period.
    fn keeps(&self, e: &Existing, t: usize) -> bool {
        t <= e.retire && !(self.state_funded && t > 0)
    }
}

/// Quota ramp from 0.5 to 0.7 by units, linear over the periods (rounded to 4 decimals).
fn ramp(periods: usize) -> Vec<f64> {
    (0..periods)
        .map(|t| {
            let s = if periods == 1 {
                0.5
            } else {
                0.5 + 0.2 * t as f64 / (periods - 1) as f64
            };
            (s * 10_000.0).round() / 10_000.0
        })
        .collect()
}

const NATIONAL_SHARE: f64 = 0.55;

fn make_site(k: usize, width: usize, args: &Args) -> Site {
    let mut rng = Rng::new(args.seed, 0x5173_0000_0000 + k as u64);
    let (prefix, province, region) = PROVINCES[rng.below(PROVINCES.len() as u64) as usize];
    let id = format!("{prefix}-{:0width$}", k + 1);
    let energy = match region {
        Region::West => rng.range(0.04, 0.06),
        Region::Central => rng.range(0.06, 0.09),
        Region::East => rng.range(0.09, 0.12),
    };
    let energy = (energy * 1000.0).round() / 1000.0;
    let pue = match region {
        Region::West => rng.range(1.15, 1.30),
        Region::Central => rng.range(1.20, 1.38),
        Region::East => rng.range(1.25, 1.45),
    };
    let pue = (pue * 100.0).round() / 100.0;
    // Demand: skewed towards small sites, 20-400 PFLOPS in the first year, +15-40% a year.
    let u = rng.unit();
    let start = (20.0 + 380.0 * u * u).round();
    let growth = 1.0 + rng.range(0.15, 0.40);
    let mut demand = Vec::with_capacity(args.periods);
    let mut d = start;
    for _ in 0..args.periods {
        demand.push(d.round());
        d *= growth;
    }
    let mut existing = Vec::new();
    if rng.chance(0.5) {
        let fraction = rng.range(0.05, 0.20);
        let kinds: &[usize] = if rng.chance(0.4) {
            match rng.below(3) {
                0 => &[H800, H20],
                1 => &[A800, H20],
                _ => &[H800, A800],
            }
        } else {
            match rng.below(3) {
                0 => &[H800],
                1 => &[A800],
                _ => &[H20],
            }
        };
        for &a in kinds {
            let pflops = fraction * start / kinds.len() as f64;
            let units = (pflops * 1000.0 / ACCELS[a].tflops / LOT).floor() * LOT;
            let retire = rng.below(args.periods as u64) as usize;
            if units > 0.0 {
                existing.push(Existing {
                    accel: a,
                    units,
                    retire,
                    removal: None,
                });
            }
        }
        if existing.is_empty() {
            let units =
                ((fraction * start * 1000.0 / ACCELS[H20].tflops / LOT).floor() * LOT).max(LOT);
            existing.push(Existing {
                accel: H20,
                units,
                retire: rng.below(args.periods as u64) as usize,
                removal: None,
            });
        }
    }
    let share_override = rng.chance(0.04).then_some(0.6);
    // Drawn after everything above, so that without `--rules` every site is as before. One
    // site in ten with a fleet (about 5% of all sites) is state-funded; its cards may be sold
    // for 30-50% of the list price, less 300-600 USD a card for taking them out.
    let state_funded = args.rules && !existing.is_empty() && rng.chance(0.1);
    if state_funded {
        for e in &mut existing {
            e.removal = Some(Removal {
                salvage: (ACCELS[e.accel].price * rng.range(0.3, 0.5) / 100.0).round() * 100.0,
                cost: (rng.range(300.0, 600.0) / 10.0).round() * 10.0,
            });
        }
    }
    Site {
        id,
        province,
        region,
        energy,
        pue,
        demand,
        existing,
        share_override,
        state_funded,
        power_kw: 0.0,
    }
}

struct Supply {
    price: Vec<Vec<f64>>, // [accel][period] (domestic only used)
    cap: Vec<Vec<f64>>,   // [accel][period] (domestic only)
    lifetime: Vec<usize>, // [accel]
    hbm_cap: Vec<f64>,    // [period] (`--rules` only, else empty)
}

/// Builds the reference plan (see the module comment), sets each site's `power_kw` from it,
/// and returns the national reference purchases [accel][period] and new PFLOPS per period.
fn reference_plan(
    sites: &mut [Site],
    lifetime: &[usize],
    quota: &[f64],
) -> (Vec<Vec<f64>>, Vec<f64>) {
    let periods = quota.len();
    let mut national = vec![vec![0.0; periods]; ACCELS.len()];
    let mut new_pflops = vec![0.0; periods];
    for site in sites.iter_mut() {
        let mut bought = vec![vec![0.0; periods]; ACCELS.len()];
        let mut peak_kw: f64 = 0.0;
        for t in 0..periods {
            let alive = |bought: &Vec<Vec<f64>>, a: usize| -> f64 {
                (0..=t)
                    .filter(|&b| t - b < lifetime[a])
                    .map(|b| bought[a][b])
                    .sum()
            };
            let (mut cap, mut foreign, mut kw) = (0.0, 0.0, 0.0);
            for e in site.existing.iter().filter(|e| site.keeps(e, t)) {
                cap += e.units * ACCELS[e.accel].tflops / 1000.0;
                foreign += e.units;
                kw += e.units * ACCELS[e.accel].power_w / 1000.0;
            }
            for &a in &REFERENCE {
                cap += alive(&bought, a) * ACCELS[a].tflops / 1000.0;
            }
            let short = site.demand[t] - cap;
            if short > 0.0 {
                new_pflops[t] += short;
                for &a in &REFERENCE {
                    bought[a][t] += lots_up(short * 0.25 * 1000.0 / ACCELS[a].tflops);
                }
            }
            // Quota by units (the site's and the national one): domestic >= s/(1-s) * foreign.
            // A quota of 1.0 (state-funded) leaves no foreign card, hence needs nothing here.
            let s = site.share(t, quota).max(NATIONAL_SHARE);
            let domestic: f64 = REFERENCE.iter().map(|&a| alive(&bought, a)).sum();
            let needed = if foreign > 0.0 {
                (s * foreign / (1.0 - s) + 1e-6).ceil()
            } else {
                0.0
            };
            if domestic < needed {
                bought[TG100][t] += lots_up(needed - domestic);
            }
            for &a in &REFERENCE {
                kw += alive(&bought, a) * ACCELS[a].power_w / 1000.0;
                national[a][t] += bought[a][t];
            }
            peak_kw = peak_kw.max(kw * site.pue);
        }
        let final_demand = site.demand[periods - 1];
        let efficient_kw = 1.6 * final_demand * 0.9 * site.pue; // 0.9 W/TFLOPS = 0.9 kW/PFLOPS
        site.power_kw = ((efficient_kw.max(1.25 * peak_kw)) / 10.0).ceil() * 10.0;
    }
    (national, new_pflops)
}

fn supply(args: &Args, sites: &mut [Site], quota: &[f64]) -> Supply {
    let periods = args.periods;
    let mut rng = Rng::new(args.seed, 0xACCE_1000);
    let mut lifetime = vec![5usize; ACCELS.len()];
    let mut decline = vec![0.0; ACCELS.len()];
    let mut growth = vec![0.0; ACCELS.len()];
    let mut margin = vec![0.0; ACCELS.len()];
    for (a, acc) in ACCELS.iter().enumerate() {
        if acc.domestic {
            lifetime[a] = if rng.chance(0.5) { 5 } else { 6 };
            decline[a] = rng.range(0.05, 0.10);
            growth[a] = 1.0 + rng.range(0.15, 0.35);
            margin[a] = if REFERENCE.contains(&a) {
                rng.range(1.2, 1.6)
            } else {
                rng.range(0.10, 0.20)
            };
        }
    }
    let (national, new_pflops) = reference_plan(sites, &lifetime, quota);
    // The HBM pool: 1.2-1.5 times the reference plan's stacks in each period, from a stream
    // of its own so that the prices and caps drawn below are the same with or without it.
    let hbm_cap = if args.rules {
        let mut rng = Rng::new(args.seed, 0x4B3D_0000);
        (0..periods)
            .map(|t| {
                let used: f64 = HBM_STACKS.iter().map(|&(a, n)| n * national[a][t]).sum();
                (used * rng.range(1.2, 1.5)).ceil()
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut price = vec![Vec::new(); ACCELS.len()];
    let mut cap = vec![Vec::new(); ACCELS.len()];
    for (a, acc) in ACCELS.iter().enumerate() {
        if !acc.domestic {
            continue;
        }
        let mut p = acc.price;
        for _ in 0..periods {
            price[a].push((p / 10.0).round() * 10.0);
            p *= 1.0 - decline[a];
        }
        // Caps grow by growth[a] a year from a base that covers the tightest year.
        let mut base: f64 = LOT;
        let mut g = 1.0;
        for t in 0..periods {
            let need = if REFERENCE.contains(&a) {
                margin[a] * national[a][t]
            } else {
                margin[a] * new_pflops[t] * 1000.0 / acc.tflops
            };
            base = base.max(need / g);
            g *= growth[a];
        }
        let mut g = 1.0;
        for _ in 0..periods {
            cap[a].push(lots_up(base * g));
            g *= growth[a];
        }
    }
    Supply {
        price,
        cap,
        lifetime,
        hbm_cap,
    }
}

/// A number as YAML: integers without a fraction, others in their shortest exact form.
fn num(x: f64) -> String {
    assert!(x.is_finite());
    if x == x.trunc() && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

fn per_period(out: &mut String, years: &[i64], values: &[f64]) {
    out.push('{');
    for (i, (y, v)) in years.iter().zip(values).enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        let _ = write!(out, "{y}: {}", num(*v));
    }
    out.push('}');
}

/// The scenario for `args`, as YAML (section 2 of the scenario format).
pub fn render(args: &Args) -> String {
    let periods = args.periods;
    let years: Vec<i64> = (0..periods as i64).map(|t| args.first_year + t).collect();
    let quota = ramp(periods);
    let width = args.sites.to_string().len().max(4);
    let mut sites: Vec<Site> = (0..args.sites).map(|k| make_site(k, width, args)).collect();
    let supply = supply(args, &mut sites, &quota);
    let last_year = years[periods - 1];
    let total_start: f64 = sites.iter().map(|s| s.demand[0]).sum();
    let total_end: f64 = sites.iter().map(|s| s.demand[periods - 1]).sum();

    let span = if periods == 1 {
        format!("{}", years[0])
    } else {
        format!("{}-{last_year}", years[0])
    };
    let demand_words = if periods == 1 {
        format!("{} PFLOPS in total", num(total_start))
    } else {
        format!(
            "{} PFLOPS in total in {}, {} in {last_year}",
            num(total_start),
            years[0],
            num(total_end)
        )
    };
    let quota_words = if periods == 1 {
        "50%".to_string()
    } else {
        format!("50% ({}) rising to 70% ({last_year})", years[0])
    };
    let mut o = String::with_capacity(1024 + args.sites * (300 + 14 * periods));
    let flags = format!(
        "--sites {} --periods {} --seed {} --first-year {}{}",
        args.sites,
        args.periods,
        args.seed,
        args.first_year,
        if args.rules { " --rules" } else { "" }
    );
    let mut header = vec![
        "Synthetic national scenario, generated by".to_string(),
        format!("  cargo run --release --example generate -- {flags}"),
        "(examples/generate.rs; the same arguments always give the same bytes).".to_string(),
        String::new(),
        format!(
            "What it asks: the cheapest national fleet, {} sites over {span}, that meets every",
            args.sites
        ),
        format!("site's yearly demand ({demand_words}) while each site's fleet"),
        format!("is at least {quota_words} domestic by units, and the national fleet at"),
        "least 55%.".to_string(),
        String::new(),
        "SYNTHETIC: sites, demands, fleets, supply caps and power limits are random.".to_string(),
        "UNIT PRICES ARE ESTIMATES (public reports, several assumptions); the yearly price"
            .to_string(),
        "declines, caps and platform adoption costs are illustrative.".to_string(),
    ];
    if args.rules {
        header.splice(
            9..9,
            [
                "With the rules of 2025-2026: state-funded sites (all domestic from the second"
                    .to_string(),
                "period) that take out their foreign cards or move them to a nearby site, half-"
                    .to_string(),
                "price power for mostly domestic fleets in Gansu, Guizhou and Inner Mongolia, and"
                    .to_string(),
                "a national pool of HBM stacks.".to_string(),
                String::new(),
            ],
        );
    }
    for line in &header {
        let _ = writeln!(o, "#{}{line}", if line.is_empty() { "" } else { " " });
    }
    let _ = writeln!(o);
    let _ = writeln!(
        o,
        "name: \"Synthetic national build-out: {} sites, {} period{}, seed {}{}\"",
        args.sites,
        args.periods,
        if args.periods == 1 { "" } else { "s" },
        args.seed,
        if args.rules {
            ", rules of 2025-2026"
        } else {
            ""
        }
    );
    let description = [
        format!(
            "Synthetic national scenario for benchmarks: {} sites drawn from 19 provinces,",
            args.sites
        ),
        format!(
            "yearly periods {span} (seed {}), a site domestic quota of",
            args.seed
        ),
        format!("{quota_words} by units. Prices in USD are estimates;"),
        "demands, fleets, caps and power limits are random.".to_string(),
    ];
    let _ = writeln!(o, "description: >-");
    for line in &description {
        let _ = writeln!(o, "  {line}");
    }
    let _ = writeln!(o, "currency: USD");
    let _ = writeln!(o, "objective: min_cost");
    let _ = write!(o, "periods: [");
    for (i, y) in years.iter().enumerate() {
        let _ = write!(o, "{}{y}", if i > 0 { ", " } else { "" });
    }
    let _ = writeln!(o, "]");
    let _ = writeln!(o);

    if args.rules {
        let _ = writeln!(o, "resources:");
        let _ = writeln!(o, "  - id: hbm-stacks");
        let _ = writeln!(o, "    name: HBM stacks (all vendors)");
        o.push_str("    cap: ");
        per_period(&mut o, &years, &supply.hbm_cap);
        o.push_str("   # 1.2-1.5 times the reference plan's use\n");
        let _ = writeln!(o);
    }

    let _ = writeln!(o, "accelerators:");
    for (a, acc) in ACCELS.iter().enumerate() {
        let _ = writeln!(o, "  - id: {}", acc.id);
        let _ = writeln!(o, "    name: {}", acc.name);
        let _ = writeln!(o, "    vendor: {}", acc.vendor);
        let _ = writeln!(
            o,
            "    origin: {}",
            if acc.domestic { "domestic" } else { "foreign" }
        );
        let _ = writeln!(o, "    platform: {}", acc.platform);
        if acc.domestic {
            o.push_str("    unit_price: ");
            per_period(&mut o, &years, &supply.price[a]);
            o.push('\n');
        } else {
            let _ = writeln!(o, "    unit_price: {}", num(acc.price));
        }
        let _ = writeln!(o, "    tflops: {}", num(acc.tflops));
        let _ = writeln!(o, "    power_w: {}", num(acc.power_w));
        let _ = writeln!(o, "    memory_gb: {}", num(acc.memory_gb));
        if !acc.available {
            let _ = writeln!(
                o,
                "    available: false       # export-banned: installed fleets only"
            );
        }
        let _ = writeln!(o, "    lot_size: 8");
        if acc.domestic {
            o.push_str("    max_units: ");
            per_period(&mut o, &years, &supply.cap[a]);
            o.push_str("   # national, illustrative\n");
        }
        if args.rules
            && let Some(&(_, n)) = HBM_STACKS.iter().find(|&&(h, _)| h == a)
        {
            let _ = writeln!(o, "    uses: {{hbm-stacks: {}}}", num(n));
        }
        let _ = writeln!(o, "    lifetime_years: {}", supply.lifetime[a]);
        let _ = writeln!(o, "    source: \"{}\"", acc.source);
    }
    let _ = writeln!(o);

    let _ = writeln!(o, "policy:");
    let _ = writeln!(o, "  domestic_share:");
    o.push_str("    min: ");
    per_period(&mut o, &years, &quota);
    o.push('\n');
    let _ = writeln!(o, "    basis: units");
    let _ = writeln!(
        o,
        "  national_domestic_share: {{min: {}, basis: units}}",
        num(NATIONAL_SHARE)
    );
    let _ = writeln!(o);
    let _ = writeln!(o, "costs:");
    let _ = writeln!(o, "  energy_price_per_kwh: 0.08   # USD; sites override it");
    let _ = writeln!(o, "  pue: 1.3");
    let _ = writeln!(o, "  utilization: 0.8");
    let _ = writeln!(o, "  opex_years: 3");
    let _ = writeln!(o, "  discount_rate: 0.08");
    let moves = move_targets(&sites);
    if moves.iter().any(Option::is_some) {
        let _ = writeln!(
            o,
            "  relocation_per_unit: 1500   # per installed card moved"
        );
    }
    let _ = writeln!(
        o,
        "  platform_adoption:          # assumptions; CUDA is free (installed fleets run it)"
    );
    for (p, c) in ADOPTION {
        let _ = writeln!(o, "    {p}: {}", num(c));
    }
    let _ = writeln!(o);
    let _ = writeln!(o, "solver: {{mip_gap: 0.001, time_limit_s: 300}}");
    let _ = writeln!(o);

    let _ = writeln!(o, "sites:");
    for (k, s) in sites.iter().enumerate() {
        let region = match s.region {
            Region::West => "west",
            Region::Central => "central",
            Region::East => "east",
        };
        let _ = writeln!(
            o,
            "  - id: {}   # {}, {region}{}",
            s.id,
            s.province,
            if s.state_funded { ", state-funded" } else { "" }
        );
        o.push_str("    demand: {pflops: ");
        per_period(&mut o, &years, &s.demand);
        o.push_str("}\n");
        if !s.existing.is_empty() {
            o.push_str("    existing: [");
            for (i, e) in s.existing.iter().enumerate() {
                let _ = write!(
                    o,
                    "{}{{id: {}, units: {}, retire_year: {}",
                    if i > 0 { ", " } else { "" },
                    ACCELS[e.accel].id,
                    num(e.units),
                    years[e.retire]
                );
                if let Some(r) = &e.removal {
                    let _ = write!(
                        o,
                        ", removal: {{salvage_value: {}, cost: {}",
                        num(r.salvage),
                        num(r.cost)
                    );
                    if let Some(to) = moves[k] {
                        let _ = write!(o, ", move_to: [{}]", sites[to].id);
                    }
                    o.push('}');
                }
                o.push('}');
            }
            o.push_str("]\n");
        }
        let _ = writeln!(o, "    power_kw: {}", num(s.power_kw));
        let _ = writeln!(o, "    energy_price_per_kwh: {}", num(s.energy));
        let _ = writeln!(o, "    pue: {}", num(s.pue));
        if s.state_funded {
            let share: Vec<f64> = (0..periods).map(|t| s.share(t, &quota)).collect();
            o.push_str("    domestic_share: {min: ");
            per_period(&mut o, &years, &share);
            o.push_str("}\n");
        } else if let Some(m) = s.share_override {
            let _ = writeln!(o, "    domestic_share: {{min: {}}}", num(m));
        }
        if args.rules && DISCOUNT_PROVINCES.contains(&s.province) {
            let _ = writeln!(
                o,
                "    domestic_energy_discount: {{rate: 0.5, min_share: 0.9}}"
            );
        }
    }
    o
}

/// Where each state-funded site may move its installed cards: the next site that is not
/// state-funded, or (at the end of the list) the one before it; `None` for other sites and
/// when every site is state-funded. Moving is optional, so the reference plan ignores it.
fn move_targets(sites: &[Site]) -> Vec<Option<usize>> {
    let free = |&j: &usize| !sites[j].state_funded;
    (0..sites.len())
        .map(|k| {
            if !sites[k].state_funded {
                return None;
            }
            (k + 1..sites.len())
                .find(free)
                .or_else(|| (0..k).rev().find(free))
        })
        .collect()
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(&argv) {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("generate: {msg}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let text = render(&args);
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("generate: writing the scenario: {e}");
            ExitCode::FAILURE
        }
    }
}
