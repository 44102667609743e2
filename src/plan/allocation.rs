//! Which cards serve which workload: with `demand.workloads`, the fleet of each site and
//! period is split between the workload classes so that every class gets its effective
//! PFLOPS (rated TFLOPS times the card's efficiency for the class).
//!
//! The model's allocations are continuous, so the split is found again here, on the
//! checked fleet, in whole cards where the fleet is whole: the split that serves every
//! class the largest common fraction of its demand (an LP) is rounded down, the cards left
//! over go one by one to the class that is served least (relative to its demand), and when
//! that misses a class, a small integer programme looks for any whole split that serves
//! every class. Only when none exists (or the fleet itself is fractional, with
//! `solver.integer: false`) are fractional units stated, with a warning. Every card of the
//! fleet is given to a class that has a demand; the independent checker
//! ([`crate::check::allocation`]) verifies the result.

use crate::check::national::NationalEvaluation;
use crate::plan::Allocation;
use crate::scenario::national::National;
use good_lp::{Expression, Solution, SolverModel, Variable, variable, variables};

/// The allocation rows of every site and period with workloads (site, period, class and
/// accelerator order; rows with units > 0), and a warning for each place where whole cards
/// could not serve every class.
pub fn split(nat: &National, e: &NationalEvaluation) -> (Vec<Allocation>, Vec<String>) {
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    for (s, site) in nat.sites.iter().enumerate() {
        for t in 0..nat.periods() {
            let classes: Vec<(&str, f64)> = site
                .workloads
                .iter()
                .map(|(k, v)| (k.as_str(), v[t]))
                .filter(|(_, v)| *v > 0.0)
                .collect();
            if classes.is_empty() {
                continue;
            }
            let fleet = &e.fleet[s][t];
            let eff: Vec<Vec<f64>> = (0..nat.accelerators.len())
                .map(|a| {
                    classes
                        .iter()
                        .map(|(c, _)| nat.workload_tflops(s, a, c) / 1000.0)
                        .collect()
                })
                .collect();
            let needs: Vec<f64> = classes.iter().map(|(_, v)| *v).collect();
            let whole = fleet.iter().all(|n| n.fract() == 0.0);
            let at = {
                let mut at = Vec::new();
                if nat.has_sites {
                    at.push(format!("site {}", site.id));
                }
                if nat.has_periods {
                    at.push(nat.years[t].to_string());
                }
                if at.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", at.join(", "))
                }
            };
            let y = match (whole, even_split(fleet, &eff, &needs, false)) {
                (_, None) => {
                    // The split is shown, not imposed: the checker has found every class's
                    // demand met. Saying so beats an empty list that reads as "nothing".
                    warnings.push(format!(
                        "workload allocation{at}: the split of the fleet between workload classes could not be computed (the figures are too far apart for the solver), so none is stated; every class's demand is met, as the checks say"
                    ));
                    continue;
                }
                (false, Some(y)) => y,
                (true, Some(y)) => rounded(fleet, &eff, &needs, &y)
                    .or_else(|| even_split(fleet, &eff, &needs, true).map(|y| fill(fleet, &eff, &needs, y)))
                    .unwrap_or_else(|| {
                        warnings.push(format!(
                            "workload allocation{at}: no split of whole cards serves every workload class, so fractional units are stated"
                        ));
                        y
                    }),
            };
            for (w, (class, _)) in classes.iter().enumerate() {
                for (a, acc) in nat.accelerators.iter().enumerate() {
                    let units = y[a][w];
                    if units > 0.0 {
                        rows.push(Allocation {
                            id: acc.id.clone(),
                            workload: class.to_string(),
                            units,
                            pflops: units * eff[a][w],
                            site: nat.has_sites.then(|| site.id.clone()),
                            period: nat.has_periods.then(|| nat.years[t]),
                        });
                    }
                }
            }
        }
    }
    (rows, warnings)
}

/// What `y` serves of each class.
fn served(eff: &[Vec<f64>], y: &[Vec<f64>], classes: usize) -> Vec<f64> {
    (0..classes)
        .map(|w| y.iter().zip(eff).map(|(ya, ea)| ya[w] * ea[w]).sum::<f64>())
        .collect()
}

/// Whether `y` serves every class its demand (to rounding).
fn serves_all(eff: &[Vec<f64>], y: &[Vec<f64>], needs: &[f64]) -> bool {
    served(eff, y, needs.len())
        .iter()
        .zip(needs)
        .all(|(got, need)| *got >= need * (1.0 - 1e-12))
}

/// The split of `fleet` that serves every class the largest common fraction of its demand
/// (whole cards when `integer`: then any split that serves every class). `None` when the
/// programme has no solution.
fn even_split(
    fleet: &[f64],
    eff: &[Vec<f64>],
    needs: &[f64],
    integer: bool,
) -> Option<Vec<Vec<f64>>> {
    let mut vars = variables!();
    let t = vars.add(variable().min(0).max(1e6));
    let y: Vec<Vec<Variable>> = fleet
        .iter()
        .map(|n| {
            needs
                .iter()
                .map(|_| {
                    let v = variable().min(0).max(*n);
                    vars.add(if integer { v.integer() } else { v })
                })
                .collect()
        })
        .collect();
    let mut rows = Vec::new();
    for (ya, n) in y.iter().zip(fleet) {
        let used: Expression = ya.iter().sum();
        rows.push(used.leq(*n));
    }
    for (w, need) in needs.iter().enumerate() {
        let got: Expression = y.iter().zip(eff).map(|(ya, ea)| ea[w] * ya[w]).sum();
        if integer {
            rows.push(got.geq(*need));
        } else {
            rows.push(got.geq(Expression::from(t) * *need));
        }
    }
    let objective = if integer {
        Expression::from(0.0)
    } else {
        Expression::from(t)
    };
    let mut model = vars.maximise(objective).using(good_lp::microlp);
    for row in rows {
        model.add_constraint(row);
    }
    let sol = model.solve().ok()?;
    if !integer && sol.value(t) < 1.0 - 1e-9 {
        return None;
    }
    Some(
        y.iter()
            .map(|ya| {
                ya.iter()
                    .map(|v| {
                        let x = sol.value(*v).max(0.0);
                        if integer { x.round() } else { x }
                    })
                    .collect()
            })
            .collect(),
    )
}

/// `y` rounded down to whole cards, then completed by [`fill`]; `None` when the result
/// misses a class.
fn rounded(
    fleet: &[f64],
    eff: &[Vec<f64>],
    needs: &[f64],
    y: &[Vec<f64>],
) -> Option<Vec<Vec<f64>>> {
    let floor: Vec<Vec<f64>> = y
        .iter()
        .map(|ya| ya.iter().map(|v| (v + 1e-7).floor().max(0.0)).collect())
        .collect();
    let out = fill(fleet, eff, needs, floor);
    serves_all(eff, &out, needs).then_some(out)
}

/// Gives every card of `fleet` that `y` leaves out to a class, one at a time: to the class
/// served least relative to its demand among those the card does something for.
fn fill(fleet: &[f64], eff: &[Vec<f64>], needs: &[f64], mut y: Vec<Vec<f64>>) -> Vec<Vec<f64>> {
    let mut got = served(eff, &y, needs.len());
    for (a, n) in fleet.iter().enumerate() {
        let mut left = (n - y[a].iter().sum::<f64>()).round();
        while left > 0.0 {
            let pick = (0..needs.len())
                .filter(|&w| eff[a][w] > 0.0)
                .min_by(|&v, &w| (got[v] / needs[v]).total_cmp(&(got[w] / needs[w])))
                .unwrap_or(0);
            // Cards left over after every class is served go to that class in bulk.
            let take = if got.iter().zip(needs).all(|(g, n)| g >= n) {
                left
            } else {
                1.0
            };
            y[a][pick] += take;
            got[pick] += take * eff[a][pick];
            left -= take;
        }
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_cards_serve_every_class() {
        // Two cards: A is twice as good at training, B serves inference only.
        let eff = vec![vec![2.0, 1.0], vec![0.0, 1.0]];
        let fleet = [3.0, 2.0];
        let needs = [4.0, 3.0];
        let y = even_split(&fleet, &eff, &needs, false).unwrap();
        let whole = rounded(&fleet, &eff, &needs, &y)
            .or_else(|| {
                even_split(&fleet, &eff, &needs, true).map(|y| fill(&fleet, &eff, &needs, y))
            })
            .unwrap();
        assert!(serves_all(&eff, &whole, &needs), "{whole:?}");
        for (ya, n) in whole.iter().zip(fleet) {
            assert_eq!(ya.iter().sum::<f64>(), n, "every card serves a class");
            assert!(ya.iter().all(|v| v.fract() == 0.0));
        }
    }
}
