//! Plausibility: figures far outside what public sources give for AI accelerators and data
//! centres are warned about, never refused (a plan is still made with them). They are
//! usually a unit slip: an energy price per MWh written as per kWh, power in kW where watts
//! are meant, a price in thousands, PFLOPS where TFLOPS are meant.
//!
//! The currency is only a label, so each range holds for USD, EUR and CNY alike (about 7 CNY
//! to the dollar) and sits far outside what any of them gives; currencies worth much less
//! (JPY, KRW, INR) may warn on prices. A unit may be one card or an 8-card server. Zero
//! (not costed, not given, free) never warns.

use super::locate::Seg;
use super::national::National;
use super::validate::{Checker, key, show};
use std::ops::RangeInclusive;

/// Energy price per kWh that does not warn: public prices are about 0.03-0.5 USD or EUR
/// and 0.3-1.5 CNY per kWh.
pub const ENERGY_PRICE_PER_KWH: RangeInclusive<f64> = 0.005..=5.0;
/// Highest PUE that does not warn: new centres run at 1.1-1.5, old rooms at 2-2.5.
pub const MAX_PUE: f64 = 3.0;
/// Dense BF16 TFLOPS of one unit that do not warn: cards give about 50-2,500, an 8-card
/// server up to about 20,000.
pub const TFLOPS_PER_UNIT: RangeInclusive<f64> = 5.0..=20_000.0;
/// Board power in watts of one unit that does not warn: cards draw about 70-1,800 W, an
/// 8-card server up to about 15,000.
pub const POWER_W_PER_UNIT: RangeInclusive<f64> = 10.0..=15_000.0;
/// Price per dense BF16 TFLOPS that does not warn: about 15-100 in USD or EUR, 100-700 in
/// CNY, for the cards of 2023-2026.
pub const PRICE_PER_TFLOPS: RangeInclusive<f64> = 1.0..=5_000.0;

fn at(base: &[Seg], field: &str) -> Vec<Seg> {
    let mut p = base.to_vec();
    p.push(key(field));
    p
}

/// `(period, path, label)` for each period whose value of a per-period field is
/// implausible: once for the field when every period has the same value, else once per
/// implausible year (its path ends in the year, as a per-year map writes it).
fn places(
    nat: &National,
    path: &[Seg],
    label: &str,
    values: &[f64],
    bad: impl Fn(f64) -> bool,
) -> Vec<(usize, Vec<Seg>, String)> {
    let same = values.windows(2).all(|w| w[0] == w[1]);
    if same || !nat.has_periods {
        return match values.first() {
            Some(&v) if bad(v) => vec![(0, path.to_vec(), label.to_string())],
            _ => Vec::new(),
        };
    }
    (0..values.len())
        .filter(|&t| bad(values[t]))
        .map(|t| {
            let year = nat.years[t].to_string();
            (t, at(path, &year), format!("{label} ({year})"))
        })
        .collect()
}

fn outside(range: &RangeInclusive<f64>, v: f64) -> bool {
    v != 0.0 && !range.contains(&v)
}

/// Warns about each implausible figure of `nat`, at the field that gives it. `top_energy`
/// and `top_pue` are the `costs` values (sites that give none use them). Run on a
/// scenario without other problems, so that accelerator and site indices are the file's.
pub(super) fn check(c: &mut Checker, nat: &National, top_energy: &[f64], top_pue: f64) {
    for (a, acc) in nat.accelerators.iter().enumerate() {
        let base = vec![key("accelerators"), Seg::Index(a)];
        let label = format!("accelerators[{}]", acc.id);
        // A card rated only in FP8/FP4 has no BF16 figure to judge (its `tflops` is 0).
        let rated_bf16 = acc.tflops > 0.0;
        let tflops_ok = rated_bf16 && TFLOPS_PER_UNIT.contains(&acc.tflops);
        if rated_bf16 && !tflops_ok {
            let hint = if acc.tflops < *TFLOPS_PER_UNIT.start() {
                "is it in PFLOPS? (1 PFLOPS = 1,000 TFLOPS)"
            } else {
                "is it in GFLOPS, or sparse or FP8 figures?"
            };
            c.warn_at(
                &at(&base, "tflops"),
                format!(
                    "{label}.tflops {} is far outside the dense BF16 TFLOPS of a real accelerator (about 50-2,500 a card; warned outside {}-{}): {hint}",
                    show(acc.tflops),
                    show(*TFLOPS_PER_UNIT.start()),
                    show(*TFLOPS_PER_UNIT.end())
                ),
            );
        }
        if outside(&POWER_W_PER_UNIT, acc.power_w) {
            let hint = if acc.power_w < *POWER_W_PER_UNIT.start() {
                "is it in kW? (power_w is in watts)"
            } else {
                "is it in milliwatts, or a whole rack?"
            };
            c.warn_at(
                &at(&base, "power_w"),
                format!(
                    "{label}.power_w {} is far outside the board power of a real accelerator (about 70-1,800 W a card; warned outside {}-{} W): {hint}",
                    show(acc.power_w),
                    show(*POWER_W_PER_UNIT.start()),
                    show(*POWER_W_PER_UNIT.end())
                ),
            );
        }
        if tflops_ok {
            let per_tflops: Vec<f64> = nat.per_period[a]
                .unit_price
                .iter()
                .map(|p| p / acc.tflops)
                .collect();
            let bad = |r: f64| outside(&PRICE_PER_TFLOPS, r);
            let price = at(&base, "unit_price");
            for (t, path, field) in places(
                nat,
                &price,
                &format!("{label}.unit_price"),
                &per_tflops,
                bad,
            ) {
                let r = per_tflops[t];
                let hint = if r < *PRICE_PER_TFLOPS.start() {
                    "is the price in thousands?"
                } else {
                    "is the price in cents, or the TFLOPS too small?"
                };
                c.warn_at(
                    &path,
                    format!(
                        "{field} {} for {} TFLOPS is {} per TFLOPS, far outside real prices (about 15-100 per TFLOPS in USD or EUR, 100-700 in CNY; warned outside {}-{}): {hint}",
                        show(nat.per_period[a].unit_price[t]),
                        show(acc.tflops),
                        show((r * 100.0).round() / 100.0),
                        show(*PRICE_PER_TFLOPS.start()),
                        show(*PRICE_PER_TFLOPS.end())
                    ),
                );
            }
        }
    }
    let top = vec![key("costs")];
    energy(
        c,
        nat,
        &at(&top, "energy_price_per_kwh"),
        "costs.energy_price_per_kwh",
        top_energy,
    );
    pue(c, &at(&top, "pue"), "costs.pue", top_pue);
    if !nat.has_sites {
        return;
    }
    for (s, site) in nat.sites.iter().enumerate() {
        let base = vec![key("sites"), Seg::Index(s)];
        let label = format!("sites[{}]", site.id);
        if site.energy_price_per_kwh != top_energy {
            let field = format!("{label}.energy_price_per_kwh");
            energy(
                c,
                nat,
                &at(&base, "energy_price_per_kwh"),
                &field,
                &site.energy_price_per_kwh,
            );
        }
        if site.pue != top_pue {
            pue(c, &at(&base, "pue"), &format!("{label}.pue"), site.pue);
        }
    }
}

fn energy(c: &mut Checker, nat: &National, path: &[Seg], label: &str, prices: &[f64]) {
    let bad = |v: f64| outside(&ENERGY_PRICE_PER_KWH, v);
    for (t, path, field) in places(nat, path, label, prices, bad) {
        let v = prices[t];
        let hint = if v > *ENERGY_PRICE_PER_KWH.end() {
            "is it a price per MWh? (1 MWh = 1,000 kWh)"
        } else {
            "is it a price per Wh?"
        };
        c.warn_at(
            &path,
            format!(
                "{field} {} is far outside real electricity prices (about 0.03-0.5 per kWh in USD or EUR, 0.3-1.5 in CNY; warned outside {}-{}): {hint}",
                show(v),
                show(*ENERGY_PRICE_PER_KWH.start()),
                show(*ENERGY_PRICE_PER_KWH.end())
            ),
        );
    }
}

fn pue(c: &mut Checker, path: &[Seg], label: &str, pue: f64) {
    if pue > MAX_PUE {
        c.warn_at(
            path,
            format!(
                "{label} {} is far above real data centres (about 1.1-1.5 for new ones, 2-2.5 for old rooms; warned above {}): is it a percentage or a ratio of another kind?",
                show(pue),
                show(MAX_PUE)
            ),
        );
    }
}
