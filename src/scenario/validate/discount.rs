//! `costs.domestic_energy_discount` and `sites[].domestic_energy_discount` (section 6 of the
//! format): `rate` off the energy price at a site whose fleet's domestic share by units is
//! at least `min_share`. A site overrides the top-level rule field by field, and `null`
//! switches it off there.

use super::sections::child;
use super::{Checker, Range};
use crate::scenario::locate::Seg;
use crate::scenario::national::EnergyDiscount;
use crate::scenario::raw::RawEnergyDiscount;

/// `min_share` when neither the site nor the top level gives one: no foreign card.
pub const DEFAULT_MIN_SHARE: f64 = 1.0;

/// The top-level rule (`costs.domestic_energy_discount`): `rate` required, both in (0, 1].
pub(super) fn top(
    c: &mut Checker,
    base: &[Seg],
    raw: Option<RawEnergyDiscount>,
) -> Option<EnergyDiscount> {
    let raw = raw?;
    let label = "costs.domestic_energy_discount";
    let rate = match raw.rate {
        None => {
            c.error(base, format!("{label}.rate is required"));
            None
        }
        v => c.number(
            &child(base, "rate"),
            &format!("{label}.rate"),
            v,
            Range::UnitInterval,
        ),
    };
    let min_share = min_share_of(c, base, label, raw.min_share, DEFAULT_MIN_SHARE);
    Some(EnergyDiscount {
        rate: rate?,
        min_share: min_share?,
    })
}

/// A site's rule: absent, it inherits `top`; `null` switches it off; given, each field it
/// leaves out comes from `top` (a `rate` must come from one or the other).
pub(super) fn site(
    c: &mut Checker,
    (base, label): (&[Seg], &str),
    raw: Option<Option<RawEnergyDiscount>>,
    top: Option<&EnergyDiscount>,
) -> Option<EnergyDiscount> {
    let raw = match raw {
        None => return top.copied(),
        Some(None) => return None,
        Some(Some(r)) => r,
    };
    let label = format!("{label}.domestic_energy_discount");
    let rate = match (raw.rate, top) {
        (None, Some(t)) => Some(t.rate),
        (None, None) => {
            c.error(
                base,
                format!("{label}.rate is required (costs.domestic_energy_discount gives none)"),
            );
            None
        }
        (v, _) => c.number(
            &child(base, "rate"),
            &format!("{label}.rate"),
            v,
            Range::UnitInterval,
        ),
    };
    let inherited = top.map_or(DEFAULT_MIN_SHARE, |t| t.min_share);
    let min_share = min_share_of(c, base, &label, raw.min_share, inherited);
    Some(EnergyDiscount {
        rate: rate?,
        min_share: min_share?,
    })
}

/// `min_share` in (0, 1], or `default` when not given.
fn min_share_of(
    c: &mut Checker,
    base: &[Seg],
    label: &str,
    raw: Option<f64>,
    default: f64,
) -> Option<f64> {
    match raw {
        None => Some(default),
        v => c.number(
            &child(base, "min_share"),
            &format!("{label}.min_share"),
            v,
            Range::UnitInterval,
        ),
    }
}
