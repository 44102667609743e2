//! One rule to blame, measured against the other rules on the national model: the largest
//! common fraction of the demand they allow, the least spending a period needs, the least
//! power a site needs, the highest share they reach, the units beyond a supply cap ...

// Indices s (site), t (period) and a (accelerator) address several arrays at once.
#![allow(clippy::needless_range_loop)]

use super::words::{describe, describe_single, field_of, in_year, per_period, when};
use super::{Ctx, MAX_SITES_ALONE, Rule, Subject, request};
use crate::error::PlanError;
use crate::model::national::NationalRequest;
use crate::model::{Family, Goal};
use crate::numfmt::{grouped, money, qty};
use crate::scenario::Origin;
use crate::scenario::national::National;

/// Bisection steps for share limits (precision 2^-14 of the range).
const BISECT_STEPS: usize = 14;

/// The model a figure is measured on. Section-1 scenarios: the whole-lot model, as their
/// analysis always did. The others: its continuous relaxation, which is fast at any size
/// and whose optimum bounds the true figure on the safe side (the demand reachable is at
/// most it, the budget or power needed at least it), which is how the messages word it.
fn on<'a>(sub: &Subject, mut req: NationalRequest<'a>) -> NationalRequest<'a> {
    req.lp_relaxation = sub.single.is_none();
    req
}

/// Whether `nat` has a plan, for a bisection: with whole lots for section-1 scenarios, on
/// the continuous relaxation for the others (whose "no" is a proof, so the value found
/// bounds the true one from the safe side).
fn holds(c: &Ctx, sub: &Subject, nat: &National) -> Result<bool, PlanError> {
    if sub.single.is_some() {
        return c.feasible(nat, &[]);
    }
    let mut req = request(nat, &[], Goal::MinCost);
    req.lp_relaxation = true;
    Ok(c.run(&req, Some(1.0))?.is_some())
}

/// `r`, whose removal alone gives a plan, with the figures that clash.
pub(super) fn measure(c: &Ctx, sub: &Subject, r: Rule) -> Result<String, PlanError> {
    let f = r;
    match f {
        Family::NationalShare => national_share(c, sub),
        Family::Demand | Family::Memory => floors(c, sub, f),
        Family::Budget | Family::CapexBudget => budgets(c, sub, f),
        Family::Power => power(c, sub),
        Family::DomesticShare => domestic_share(c, sub),
        Family::VendorShare => vendor_share(c, sub),
        Family::Supply => supply(c, sub),
        Family::Resource => resources(c, sub),
        Family::Availability => availability(c, sub),
        Family::MinOrder | Family::CostCap | Family::Removal => Ok(format!(
            "{} make every plan impossible: without them the other rules can hold",
            describe(sub, r)
        )),
    }
}

/// Demand or memory: the largest fraction of every floor (every site, every period) the
/// other rules allow at once.
fn floors(c: &Ctx, sub: &Subject, f: Family) -> Result<String, PlanError> {
    let nat = sub.nat;
    let demand = f == Family::Demand;
    let goal = if demand {
        Goal::MaxDemandFraction
    } else {
        Goal::MaxMemoryFraction
    };
    let what = describe(sub, f);
    let Some(t) = c
        .run(&on(sub, request(nat, &[], goal)), None)?
        .map(|x| x.objective.clamp(0.0, 1.0))
    else {
        return Ok(format!(
            "{what} cannot be met with the other rules (by how much was not settled in time)"
        ));
    };
    if let Some(s) = &sub.single {
        return Ok(match (demand, s.demand.pflops) {
            (true, Some(p)) => format!(
                "{what} cannot be met: with every other rule kept, the fleet reaches at most {} PFLOPS ({:.1}% of the demand)",
                qty(t * p, 1),
                t * 100.0
            ),
            (true, None) => format!(
                "{what} cannot be met: with every other rule kept, the fleet serves at most {:.1}% of every workload class",
                t * 100.0
            ),
            (false, _) => format!(
                "{what} cannot be met: with every other rule kept, the fleet has at most {} TB of memory",
                qty(t * s.demand.memory_tb.unwrap_or(0.0), 1)
            ),
        });
    }
    let whose = if nat.sites.len() == 1 {
        "the site's"
    } else {
        "every site's"
    };
    let (floor, field, unit) = if demand {
        ("demand", "demand.pflops", "PFLOPS")
    } else {
        ("memory floor", "demand.memory_tb", "TB")
    };
    // The largest single floor, as an example of what the fraction means.
    let mut largest: Option<(usize, usize, f64)> = None;
    for (s, site) in nat.sites.iter().enumerate() {
        let v = if demand {
            &site.pflops
        } else {
            &site.memory_tb
        };
        for (tt, &x) in v.iter().flatten().enumerate() {
            if largest.is_none_or(|(_, _, m)| x > m) {
                largest = Some((s, tt, x));
            }
        }
    }
    let example = match largest {
        Some((s, tt, x)) => format!(
            " (the largest, {}{} of {} {unit}: at most {} {unit})",
            field_of(nat, s, field, field),
            when(nat, tt),
            qty(x, 3),
            qty(t * x, 1)
        ),
        None => String::new(),
    };
    let periods = if nat.periods() > 1 {
        " in every period"
    } else {
        ""
    };
    let classes = if demand && example.is_empty() {
        " (every workload class)"
    } else {
        ""
    };
    Ok(format!(
        "{what} cannot be met: with every other rule kept, at most {:.1}% of {whose} {floor}{classes} can be met{periods} at once{example}",
        t * 100.0
    ))
}

/// A budget (total or capex) too small: per period, the least that period must spend with
/// every other rule kept (the other periods' budgets too).
fn budgets(c: &Ctx, sub: &Subject, f: Family) -> Result<String, PlanError> {
    let nat = sub.nat;
    let cur = &nat.currency;
    let capex = f == Family::CapexBudget;
    let goal = |t| {
        if capex {
            Goal::MinPeriodCapex(t)
        } else {
            Goal::MinPeriodSpend(t)
        }
    };
    if let Some(s) = &sub.single {
        let what = describe_single(s, f);
        let least = c
            .run(&request(nat, &[f], goal(0)), None)?
            .map(|x| x.objective);
        return Ok(match (least, capex) {
            (Some(v), false) => format!(
                "{what} {cur} is too small: the cheapest plan that meets every other rule costs {} {cur} in total",
                money(v)
            ),
            (Some(v), true) => format!(
                "{what} {cur} is too small: meeting every other rule needs at least {} {cur} of new purchases",
                money(v)
            ),
            (None, _) => format!("{what} {cur} is too small for the other rules"),
        });
    }
    let limits = if capex {
        nat.capex_budget.as_ref()
    } else {
        nat.budget.as_ref()
    }
    .expect("present");
    let field = if capex {
        "limits.capex_budget"
    } else {
        "limits.budget"
    };
    let spent = if capex {
        "of new purchases"
    } else {
        "of spending (capex and opex)"
    };
    let above = |v: f64, b: f64| v > b + 1e-9 * b.abs().max(1.0);
    let mut lines = Vec::new();
    for t in 0..nat.periods() {
        let mut req = on(sub, request(nat, &[], goal(t)));
        req.relax_periods.insert((f, t));
        if let Some(v) = c.run(&req, None)?.map(|x| x.objective)
            && above(v, limits[t])
        {
            lines.push(format!(
                "{field}{} of {} {cur} is too small: with every other rule kept, {} needs at least {} {cur} {spent}",
                when(nat, t),
                money(limits[t]),
                if nat.has_periods {
                    nat.years[t].to_string()
                } else {
                    "the plan".into()
                },
                money(v)
            ));
        }
    }
    if !lines.is_empty() {
        return Ok(lines.join("; "));
    }
    // No one period's budget is to blame alone: what each period needs without any.
    let mut parts = Vec::new();
    for t in 0..nat.periods() {
        if let Some(v) = c
            .run(&on(sub, request(nat, &[f], goal(t))), None)?
            .map(|x| x.objective)
            && above(v, limits[t])
        {
            parts.push(format!(
                "{} {cur}{} ({field}{}: {})",
                money(v),
                in_year(nat, t),
                when(nat, t),
                money(limits[t])
            ));
        }
    }
    let what = describe(sub, f);
    Ok(if parts.is_empty() {
        format!("{what} is too small for the other rules")
    } else {
        format!(
            "{what} is too small in several periods together: without it, the other rules need at least, {spent}, {}",
            parts.join(", ")
        )
    })
}

/// Power too low: per site, the least facility power it needs in its busiest period with
/// every other rule kept (the other sites' power limits too).
fn power(c: &Ctx, sub: &Subject) -> Result<String, PlanError> {
    let nat = sub.nat;
    if let Some(s) = &sub.single {
        let what = describe_single(s, Family::Power);
        let least = c
            .run(&request(nat, &[Family::Power], Goal::MinSitePower(0)), None)?
            .map(|x| x.objective);
        let existing_kw: f64 = s.costs.pue
            * s.accelerators
                .iter()
                .enumerate()
                .map(|(i, a)| a.power_w * s.existing_units(i))
                .sum::<f64>()
            / 1000.0;
        let mut msg = match least {
            Some(v) => format!(
                "{what} is too low: meeting every other rule needs at least {} kW of facility power",
                qty(v, 1)
            ),
            None => format!("{what} is too low for the other rules"),
        };
        if existing_kw > 0.0 {
            msg.push_str(&format!(
                " (the existing fleet alone draws {} kW)",
                qty(existing_kw, 1)
            ));
        }
        return Ok(msg);
    }
    let busiest = if nat.periods() > 1 {
        " in its busiest period"
    } else {
        ""
    };
    let mut lines = Vec::new();
    let with_power = (0..nat.sites.len()).filter(|&s| nat.sites[s].power_kw.is_some());
    for s in with_power.take(MAX_SITES_ALONE) {
        let site = &nat.sites[s];
        let limit = site.power_kw.as_ref().expect("filtered");
        let mut req = on(sub, request(nat, &[], Goal::MinSitePower(s)));
        req.relax_sites.insert((Family::Power, s));
        let Some(v) = c.run(&req, None)?.map(|x| x.objective) else {
            continue;
        };
        let low = limit.iter().copied().fold(f64::INFINITY, f64::min);
        if v <= low + 1e-9 * low.abs().max(1.0) {
            continue;
        }
        let mut line = format!(
            "{} of {} kW is too low: with every other rule kept, site {} needs at least {} kW of facility power{busiest}",
            field_of(nat, s, "power_kw", "limits.power_kw"),
            per_period(nat, limit, |x| qty(x, 3)),
            site.id,
            qty(v, 1)
        );
        let existing_kw: f64 = site.pue
            * site
                .existing
                .iter()
                .map(|e| nat.accelerators[e.index].power_w * e.units as f64)
                .sum::<f64>()
            / 1000.0;
        if existing_kw > 0.0 {
            line.push_str(&format!(
                " (its installed fleet alone draws {} kW)",
                qty(existing_kw, 1)
            ));
        }
        lines.push(line);
    }
    Ok(if lines.is_empty() {
        format!(
            "{} are too low at several sites together: no one site's limit is to blame alone",
            describe(sub, Family::Power)
        )
    } else {
        lines.join("; ")
    })
}

/// The highest value in `[lo, hi]` at which `probe` holds (it holds at `lo`), to 2^-14 of
/// the range.
fn highest(
    mut lo: f64,
    mut hi: f64,
    probe: impl Fn(f64) -> Result<bool, PlanError>,
) -> Result<f64, PlanError> {
    for _ in 0..BISECT_STEPS {
        let mid = (lo + hi) / 2.0;
        if probe(mid)? { lo = mid } else { hi = mid }
    }
    Ok(lo)
}

/// The share at each site: the highest minimum the other rules allow at every site and
/// period.
fn domestic_share(c: &Ctx, sub: &Subject) -> Result<String, PlanError> {
    let nat = sub.nat;
    let what = describe(sub, Family::DomesticShare);
    let rules: Vec<_> = nat
        .sites
        .iter()
        .filter_map(|s| s.domestic_share.as_ref())
        .collect();
    let top = rules
        .iter()
        .flat_map(|r| r.min.iter().copied())
        .fold(0.0_f64, f64::max);
    let by_units = rules.iter().all(|r| super::words::by_units(r.basis));
    let probe = |v: f64| -> Result<bool, PlanError> {
        let mut t = nat.clone();
        for site in &mut t.sites {
            if let Some(d) = site.domestic_share.as_mut() {
                for m in &mut d.min {
                    *m = m.min(v);
                }
                d.strict = false;
            }
        }
        holds(c, sub, &t)
    };
    if !probe(0.0)? {
        return Ok(format!(
            "{what} cannot hold with the other rules, even at a minimum of 0"
        ));
    }
    let lo = highest(0.0, top, probe)?;
    let mut msg = if sub.single.is_some() {
        format!(
            "{what} cannot hold with the other rules: the highest domestic share they allow is about {:.4}",
            lo
        )
    } else {
        format!(
            "{what} cannot hold with the other rules: the highest minimum they allow at every site{} at once is at most about {:.4} (the rule asks up to {})",
            if nat.periods() > 1 { " and period" } else { "" },
            lo,
            qty(top, 4)
        )
    };
    if by_units {
        msg.push_str(&domestic_caps(nat));
    }
    Ok(msg)
}

/// " (domestic units are capped at N new plus M installed)" when every domestic
/// accelerator has a supply cap in every period it can be bought; else nothing.
fn domestic_caps(nat: &National) -> String {
    let mut new = 0.0;
    for (acc, p) in nat.accelerators.iter().zip(&nat.per_period) {
        if acc.origin != Origin::Domestic {
            continue;
        }
        for t in 0..nat.periods() {
            match (p.available[t], p.max_units[t]) {
                (false, _) => {}
                (true, Some(m)) => new += m as f64,
                (true, None) => return String::new(),
            }
        }
    }
    let installed: f64 = nat
        .sites
        .iter()
        .flat_map(|s| &s.existing)
        .filter(|e| nat.accelerators[e.index].origin == Origin::Domestic)
        .map(|e| e.units as f64)
        .sum();
    format!(
        " (domestic units are capped at {} new{} plus {} installed)",
        grouped(new, 0),
        if nat.periods() > 1 {
            " over all periods"
        } else {
            ""
        },
        grouped(installed, 0)
    )
}

/// The national share: the highest minimum the other rules allow in every period.
fn national_share(c: &Ctx, sub: &Subject) -> Result<String, PlanError> {
    let nat = sub.nat;
    let what = describe(sub, Family::NationalShare);
    let rule = nat.national_share.as_ref().expect("present");
    let top = rule.min.iter().copied().fold(0.0_f64, f64::max);
    let probe = |v: f64| -> Result<bool, PlanError> {
        let mut t = nat.clone();
        if let Some(d) = t.national_share.as_mut() {
            for m in &mut d.min {
                *m = m.min(v);
            }
            d.strict = false;
        }
        holds(c, sub, &t)
    };
    if !probe(0.0)? {
        return Ok(format!(
            "{what} cannot hold with the other rules, even at a minimum of 0"
        ));
    }
    let lo = highest(0.0, top, probe)?;
    let mut msg = format!(
        "{what} cannot hold with the other rules: the highest national share they allow{} is at most about {:.4}",
        if nat.periods() > 1 {
            " in every period"
        } else {
            ""
        },
        lo
    );
    if super::words::by_units(rule.basis) {
        msg.push_str(&domestic_caps(nat));
    }
    Ok(msg)
}

/// The vendor ceiling: the lowest the other rules allow.
fn vendor_share(c: &Ctx, sub: &Subject) -> Result<String, PlanError> {
    let nat = sub.nat;
    let what = describe(sub, Family::VendorShare);
    let cap = nat.vendor_max_share.unwrap_or(1.0);
    let probe = |v: f64| -> Result<bool, PlanError> {
        let mut t = nat.clone();
        t.vendor_max_share = Some(v);
        holds(c, sub, &t)
    };
    let (mut lo, mut hi) = (cap, 1.0);
    if !probe(hi)? {
        return Ok(format!(
            "{what} cannot hold with the other rules, even at 1"
        ));
    }
    for _ in 0..BISECT_STEPS {
        let mid = (lo + hi) / 2.0;
        if probe(mid)? { hi = mid } else { lo = mid }
    }
    Ok(format!(
        "{what} cannot hold with the other rules: the lowest vendor ceiling they allow is {}about {:.4}",
        if sub.single.is_some() {
            ""
        } else {
            "at least "
        },
        hi
    ))
}

/// Supply caps: the units the other rules need beyond each national cap (the fewest in
/// all).
fn supply(c: &Ctx, sub: &Subject) -> Result<String, PlanError> {
    let nat = sub.nat;
    let what = describe(sub, Family::Supply);
    let sol = c.run(
        &on(sub, request(nat, &[Family::Supply], Goal::MinSupplyExcess)),
        None,
    )?;
    let mut parts = Vec::new();
    if let Some(sol) = &sol {
        for (a, acc) in nat.accelerators.iter().enumerate() {
            for t in 0..nat.periods() {
                let Some(m) = nat.per_period[a].max_units[t] else {
                    continue;
                };
                let mut x: f64 = sol.x.iter().map(|site| site[t][a]).sum();
                if sub.single.is_some() && !nat.solver.integer {
                    // Section-1 wording: fractional purchases read back within the cap,
                    // so no figure is named (as the section-1 analysis always said).
                    x = x.min(m as f64);
                }
                let tol = if sub.single.is_some() { 0.0 } else { 1e-6 };
                if x <= m as f64 + tol {
                    continue;
                }
                parts.push(if sub.single.is_some() {
                    format!(
                        "{} {} (max_units {})",
                        qty(x, 2),
                        acc.id,
                        grouped(m as f64, 0)
                    )
                } else {
                    format!(
                        "{} {}{} (accelerators[{}].max_units{} is {})",
                        qty(x, 2),
                        acc.id,
                        in_year(nat, t),
                        acc.id,
                        when(nat, t),
                        grouped(m as f64, 0)
                    )
                });
            }
        }
    }
    Ok(if parts.is_empty() {
        format!("{what} are too tight for the other rules")
    } else {
        format!(
            "{what} are too tight: the other rules need at least {}",
            parts.join(", ")
        )
    })
}

/// Resource caps: how much of each resource the other rules need beyond its cap (the
/// least excess in all).
fn resources(c: &Ctx, sub: &Subject) -> Result<String, PlanError> {
    let nat = sub.nat;
    let what = describe(sub, Family::Resource);
    let sol = c.run(
        &on(
            sub,
            request(nat, &[Family::Resource], Goal::MinResourceExcess),
        ),
        None,
    )?;
    let mut parts = Vec::new();
    if let Some(sol) = &sol {
        for res in &nat.resources {
            for t in 0..nat.periods() {
                let used: f64 = sol
                    .x
                    .iter()
                    .map(|site| {
                        res.uses
                            .iter()
                            .zip(&site[t])
                            .map(|(u, x)| u * x)
                            .sum::<f64>()
                    })
                    .sum();
                if used <= res.cap[t] * (1.0 + 1e-9) + 1e-6 {
                    continue;
                }
                parts.push(format!(
                    "{} {}{} (resources[{}].cap{} is {})",
                    qty(used, 2),
                    res.id,
                    in_year(nat, t),
                    res.id,
                    when(nat, t),
                    qty(res.cap[t], 2)
                ));
            }
        }
    }
    Ok(if parts.is_empty() {
        format!("{what} are too tight for the other rules")
    } else {
        format!(
            "{what} are too tight: the other rules need at least {}",
            parts.join(", ")
        )
    })
}

/// Availability: the units of unavailable accelerators the other rules need (the fewest in
/// all).
fn availability(c: &Ctx, sub: &Subject) -> Result<String, PlanError> {
    let nat = sub.nat;
    let sol = c.run(
        &on(
            sub,
            request(nat, &[Family::Availability], Goal::MinUnavailable),
        ),
        None,
    )?;
    let mut parts = Vec::new();
    if let Some(sol) = &sol {
        for (a, acc) in nat.accelerators.iter().enumerate() {
            for t in 0..nat.periods() {
                if nat.per_period[a].available[t] {
                    continue;
                }
                let x: f64 = sol.x.iter().map(|site| site[t][a]).sum();
                if x > 0.0 {
                    parts.push(format!("{} {}{}", qty(x, 2), acc.id, in_year(nat, t)));
                }
            }
        }
    }
    Ok(format!(
        "the other rules can only hold by buying accelerators that are not available{}",
        if parts.is_empty() {
            String::new()
        } else {
            format!(": at least {}", parts.join(", "))
        }
    ))
}
