//! What the random-scenario tests share: the generators of `properties` and
//! `reference_model` (proptest strategies over section-1 scenarios) and of `national` (a
//! seeded xorshift over section-2 scenarios).
//!
//! The generators themselves stay with their tests: each draws from its own distribution
//! and writes its own YAML (`properties` writes every field, `reference_model` only the
//! ones that differ from the defaults, `national` section 2), and `reference_model` and
//! `national` feed their scenarios to a brute force written for that scenario type. Merging
//! them would change which scenarios are drawn (CI pins `PROPTEST_RNG_SEED`).

use proptest::test_runner::Config as ProptestConfig;

/// The workload classes a generated scenario uses, by index.
pub const WORKLOADS: [&str; 2] = ["training", "inference"];

/// What a generated section-1 scenario asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    MinCostPflops,
    MinCostWorkloads,
    MaxPflops,
}

/// The basis of a domestic-share rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    Units,
    Tflops,
    Spend,
}

impl Basis {
    /// The name the scenario format uses.
    pub fn name(self) -> &'static str {
        match self {
            Basis::Units => "units",
            Basis::Tflops => "tflops",
            Basis::Spend => "spend",
        }
    }
}

/// A decimal `v / den` as YAML text.
pub fn dec(v: i64, den: i64) -> String {
    format!("{}", v as f64 / den as f64)
}

/// Tolerance for comparing figures of generated scenarios: 1e-6 relative plus 1e-6.
pub fn tol(a: f64, b: f64) -> f64 {
    1e-6 * a.abs().max(b.abs()) + 1e-6
}

/// `a` and `b` agree within [`tol`].
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= tol(a, b)
}

/// `cases` per property, unless `PROPTEST_CASES` is set. Seeds are random on each run
/// (set `PROPTEST_RNG_SEED` to repeat one); failures are not persisted to files.
pub fn config(cases: u32) -> ProptestConfig {
    let base = ProptestConfig::default();
    ProptestConfig {
        cases: if std::env::var_os("PROPTEST_CASES").is_some() {
            base.cases
        } else {
            cases
        },
        failure_persistence: None,
        ..base
    }
}

/// Draws from a seeded stream of `u64`: what the seeded generators (`national`'s xorshift,
/// `corpus`'s SplitMix64) share. Each keeps its own stream, so its scenarios stay the same.
pub trait Draw {
    /// The next number of the stream.
    fn next(&mut self) -> u64;
    /// Uniform in lo..=hi.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % ((hi - lo + 1) as u64)) as i64
    }
    /// True with `percent` in 100 chance.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    /// One of `xs`.
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

/// SplitMix64: deterministic, no dependency (the corpus' and the resources test's stream).
pub struct SplitMix(pub u64);

impl Draw for SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}
