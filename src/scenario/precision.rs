//! Numeric precision (section 6 of the format, "Precision"): the formats a card's
//! TFLOPS are rated in, and the one rule that reads a card's figure at a precision. The
//! model, the checker, the audit and every report read TFLOPS through [`tflops_at`].

use serde::Serialize;
use std::collections::BTreeMap;

/// A numeric format compute is rated and demanded in, from the narrowest to the widest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// 4-bit floating point.
    Fp4,
    /// 8-bit floating point.
    Fp8,
    /// bfloat16: the default, and the unit of a plain `tflops: N`.
    #[default]
    Bf16,
    /// 32-bit floating point.
    Fp32,
}

impl Precision {
    /// Every precision, narrowest first.
    pub const ALL: [Precision; 4] = [
        Precision::Fp4,
        Precision::Fp8,
        Precision::Bf16,
        Precision::Fp32,
    ];

    /// The names used in scenario files, narrowest first.
    pub const NAMES: [&'static str; 4] = ["fp4", "fp8", "bf16", "fp32"];

    /// The name used in scenario files and plans.
    pub fn as_str(self) -> &'static str {
        Precision::NAMES[self as usize]
    }

    /// The precision of a name as written in a scenario file (`fp8`), if it is one.
    pub fn parse(name: &str) -> Option<Precision> {
        Precision::ALL.into_iter().find(|p| p.as_str() == name)
    }

    /// Whether this is the default (`bf16`), which plans and schemas leave unsaid.
    pub fn is_default(&self) -> bool {
        *self == Precision::Bf16
    }
}

/// A card's TFLOPS figures by precision, as the scenario gives them.
pub type Figures = BTreeMap<Precision, f64>;

/// A card's TFLOPS at precision `p`: its figure for `p`; where it has none, its figure for
/// the nearest wider precision it lists (fp4 < fp8 < bf16 < fp32); 0 when it lists none at
/// or above `p` (it cannot run that format, as far as the scenario says).
pub fn tflops_at(figures: &Figures, p: Precision) -> f64 {
    figures.range(p..).next().map_or(0.0, |(_, v)| *v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Precision::*;

    fn figures(list: &[(Precision, f64)]) -> Figures {
        list.iter().copied().collect()
    }

    #[test]
    fn a_listed_figure_is_used_as_is() {
        let f = figures(&[(Bf16, 780.0), (Fp8, 1560.0), (Fp4, 3120.0)]);
        assert_eq!(tflops_at(&f, Fp4), 3120.0);
        assert_eq!(tflops_at(&f, Fp8), 1560.0);
        assert_eq!(tflops_at(&f, Bf16), 780.0);
    }

    #[test]
    fn a_missing_figure_falls_back_to_the_nearest_wider_one() {
        let f = figures(&[(Bf16, 780.0), (Fp32, 60.0)]);
        assert_eq!(tflops_at(&f, Fp4), 780.0);
        assert_eq!(tflops_at(&f, Fp8), 780.0);
        assert_eq!(tflops_at(&f, Fp32), 60.0);
        let f = figures(&[(Fp8, 1000.0), (Fp32, 60.0)]);
        assert_eq!(tflops_at(&f, Bf16), 60.0);
    }

    #[test]
    fn nothing_at_or_above_gives_zero() {
        let f = figures(&[(Fp8, 1000.0)]);
        assert_eq!(tflops_at(&f, Fp4), 1000.0);
        assert_eq!(tflops_at(&f, Bf16), 0.0);
        assert_eq!(tflops_at(&f, Fp32), 0.0);
        assert_eq!(tflops_at(&Figures::new(), Fp8), 0.0);
    }

    #[test]
    fn names_round_trip_in_order() {
        for (p, name) in Precision::ALL.into_iter().zip(Precision::NAMES) {
            assert_eq!(p.as_str(), name);
            assert_eq!(Precision::parse(name), Some(p));
        }
        assert!(Fp4 < Fp8 && Fp8 < Bf16 && Bf16 < Fp32);
        assert_eq!(Precision::parse("fp16"), None);
        assert_eq!(Precision::default(), Bf16);
    }
}
