//! Reusing a proven plan between the points of a sweep.
//!
//! Some parameters only tighten the scenario as they move one way, and leave the objective
//! alone: a higher domestic-share minimum, a lower budget, power limit, supply cap
//! (`accelerators[ID].max_units`) or resource cap (`resources[ID].cap`). A point tighter
//! than a solved one (every swept parameter at least as tight) has no plan the looser point
//! lacks. So where the looser point's optimal plan meets every rule of the tighter point, as
//! re-evaluated by the independent checker, it is optimal there too, with the same proven
//! bound: no solve is needed. The plan is rebuilt from its purchases under the tighter
//! point's scenario, so its binding rules and figures are that point's own.
//!
//! Likewise a point at least as tight as one proven to have no plan has none either: it is
//! given as infeasible without a solve or a conflict analysis, its reason naming the looser
//! point and that point's first reason.
//!
//! A sweep over any other parameter (a price, a demand, an availability, a relative
//! override) solves every point.

use crate::plan::{Plan, Status, detail};
use crate::scenario::national::National;
use std::sync::Mutex;

/// Most earlier plans tried at one point before it is solved.
const TRIES: usize = 3;

/// Which way a parameter tightens the scenario: +1 when a larger value is tighter (a
/// share minimum), -1 when a smaller one is (a budget or a power limit).
pub fn tightening(path: &str) -> Option<f64> {
    const UP: [&str; 2] = [
        "policy.domestic_share.min",
        "policy.national_domestic_share.min",
    ];
    const DOWN: [&str; 4] = [
        "limits.budget",
        "limits.capex_budget",
        "limits.power_kw",
        "limits.vendor_max_share",
    ];
    if UP.contains(&path) {
        return Some(1.0);
    }
    if DOWN.contains(&path) {
        return Some(-1.0);
    }
    // `LIST[PICK].FIELD`: every point sets the same entries, so the value alone moves.
    let field_of = |list: &str| {
        path.strip_prefix(list)
            .and_then(|rest| rest.split_once("]."))
            .filter(|(id, _)| !id.is_empty() && !id.contains(['[', ']']))
            .map(|(_, field)| field)
    };
    match (
        field_of("sites["),
        field_of("resources["),
        field_of("accelerators["),
    ) {
        (Some("domestic_share.min"), _, _) => Some(1.0),
        (Some("power_kw"), _, _) | (_, Some("cap"), _) | (_, _, Some("max_units")) => Some(-1.0),
        _ => None,
    }
}

/// How tight each point is, per parameter (larger is tighter), when every swept parameter
/// tightens one way and every value is a plain number; `None` otherwise.
pub fn tightness(paths: &[&str], values: &[Vec<String>]) -> Option<Vec<Vec<f64>>> {
    let signs: Vec<f64> = paths.iter().map(|p| tightening(p)).collect::<Option<_>>()?;
    values
        .iter()
        .map(|point| {
            point
                .iter()
                .zip(&signs)
                .map(|(v, sign)| {
                    v.trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|x| x.is_finite())
                        .map(|x| sign * x)
                })
                .collect::<Option<Vec<f64>>>()
        })
        .collect()
}

/// Whether point `a` is at most as tight as point `b` on every parameter.
fn no_tighter(a: &[f64], b: &[f64]) -> bool {
    a.iter().zip(b).all(|(x, y)| x <= y)
}

/// An order in which looser points come first (by the sum of their ranks along each
/// parameter), so that their plans are there when the tighter ones start.
pub fn looser_first(keys: &[Vec<f64>]) -> Vec<usize> {
    let params = keys.first().map_or(0, Vec::len);
    let mut rank = vec![0usize; keys.len()];
    for k in 0..params {
        let mut values: Vec<f64> = keys.iter().map(|p| p[k]).collect();
        values.sort_by(f64::total_cmp);
        values.dedup();
        for (i, p) in keys.iter().enumerate() {
            rank[i] += values.partition_point(|v| *v < p[k]);
        }
    }
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by_key(|&i| (rank[i], i));
    order
}

/// A point proven to have no plan: its tightness, its label (`policy.x=0.96`) and its
/// first reason.
type NoPlan = (Vec<f64>, String, Option<String>);

/// The optimal plans found so far, with the tightness of their points, and the points
/// proven to have none.
#[derive(Default)]
pub struct Proven {
    plans: Mutex<Vec<(Vec<f64>, Plan)>>,
    none: Mutex<Vec<NoPlan>>,
}

impl Proven {
    /// Keeps `plan`, found at the point `label` of tightness `key`, when it is proven
    /// optimal, or proven infeasible.
    pub fn add(&self, key: &[f64], label: &str, plan: &Plan) {
        match plan.status {
            Status::Optimal => {
                if let Ok(mut plans) = self.plans.lock() {
                    plans.push((key.to_vec(), plan.clone()));
                }
            }
            Status::Infeasible => {
                if let Ok(mut none) = self.none.lock() {
                    none.push((
                        key.to_vec(),
                        label.to_string(),
                        plan.conflicts.first().cloned(),
                    ));
                }
            }
            _ => {}
        }
    }

    /// The plan of a point of tightness `key` (scenario `nat`, solved by `solver`) known
    /// without a solve: infeasible when a point at most as tight has no plan; otherwise
    /// [`Proven::reuse`].
    pub fn known(&self, nat: &National, key: &[f64], solver: &str) -> Option<Plan> {
        let ruled_out = self
            .none
            .lock()
            .ok()?
            .iter()
            .find(|(k, _, _)| no_tighter(k, key))
            .cloned();
        if let Some((_, label, reason)) = ruled_out {
            let mut out = detail::without_purchases(nat, Status::Infeasible, solver);
            out.conflicts = vec![ruled_out_reason(&label, reason.as_deref())];
            return Some(out);
        }
        self.reuse(nat, key)
    }

    /// An optimal plan of a looser point that meets every rule of `nat` (the scenario of a
    /// point of tightness `key`), rebuilt for `nat`: the tightest such points are tried
    /// first.
    pub fn reuse(&self, nat: &National, key: &[f64]) -> Option<Plan> {
        let mut looser: Vec<(f64, Plan)> = {
            let plans = self.plans.lock().ok()?;
            plans
                .iter()
                .filter(|(k, _)| no_tighter(k, key))
                .map(|(k, p)| (k.iter().sum::<f64>(), p.clone()))
                .collect()
        };
        looser.sort_by(|a, b| b.0.total_cmp(&a.0));
        looser
            .into_iter()
            .take(TRIES)
            .find_map(|(_, p)| rebuilt(nat, &p))
    }
}

/// The reason of a point ruled out by the point `label`, which has no plan for `reason`.
fn ruled_out_reason(label: &str, reason: Option<&str>) -> String {
    format!(
        "no plan: at least as tight in every swept parameter as point {label}, which has none{}",
        reason.map(|r| format!(": {r}")).unwrap_or_default()
    )
}

/// Gives every infeasible point of `rows` that is at least as tight as another infeasible
/// point the reason [`ruled_out_reason`], naming the first of the loosest such points.
/// Which points the sweep solved and which it ruled out depends on the order the workers
/// took them (and on the shards); the reasons printed depend only on the points, so a
/// sweep run once, with other `--jobs`, or in shards and merged says the same.
pub fn name_ruled_out(sweep: &super::Sweep, rows: &mut [super::Row]) {
    let paths: Vec<&str> = sweep.params.iter().map(|p| p.path.as_str()).collect();
    let values: Vec<Vec<String>> = rows.iter().map(|r| r.values.clone()).collect();
    let Some(keys) = tightness(&paths, &values) else {
        return;
    };
    let infeasible = Status::Infeasible.as_str();
    // In looser-first order every infeasible point at most as tight as this one comes
    // before it, so comparing with the loosest found so far is enough.
    let mut loosest: Vec<usize> = Vec::new();
    let mut named: Vec<(usize, usize)> = Vec::new();
    for pos in looser_first(&keys) {
        if rows[pos].status != infeasible {
            continue;
        }
        match loosest.iter().find(|&&m| no_tighter(&keys[m], &keys[pos])) {
            Some(&m) => named.push((pos, m)),
            None => loosest.push(pos),
        }
    }
    for (pos, m) in named {
        let reason = ruled_out_reason(&sweep.label(rows[m].index), rows[m].note.as_deref());
        rows[pos].note = Some(reason);
    }
}

/// `plan` rebuilt for `nat` when its purchases meet every rule of `nat`, with its status,
/// bound and gap (the looser point's bound holds for the tighter point).
fn rebuilt(nat: &National, plan: &Plan) -> Option<Plan> {
    let e = crate::check::national::evaluate_all(
        nat,
        &detail::purchases_x(nat, plan),
        &detail::changes_of(nat, plan),
        &detail::systems_of(nat, plan),
    );
    if !e.violations().is_empty() {
        return None;
    }
    let mut out = detail::from_evaluation(nat, &e, plan.status, &plan.solver);
    out.bound = plan.bound;
    out.gap = plan.gap;
    Some(crate::planner::finite(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_parameters_that_tighten_one_way_qualify() {
        assert_eq!(tightening("policy.domestic_share.min"), Some(1.0));
        assert_eq!(tightening("limits.capex_budget"), Some(-1.0));
        assert_eq!(tightening("sites[sh-1].domestic_share.min"), Some(1.0));
        assert_eq!(tightening("sites[*].power_kw"), Some(-1.0));
        assert_eq!(tightening("accelerators[h20].unit_price"), None);
        assert_eq!(tightening("accelerators[h20].max_units"), Some(-1.0));
        assert_eq!(tightening("resources[hbm-stacks].cap"), Some(-1.0));
        assert_eq!(tightening("resources[hbm-stacks].name"), None);
        assert_eq!(tightening("limits.budget*"), None);
        assert_eq!(tightening("demand.pflops"), None);
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            tightness(&["limits.budget"], &[v(&["5"]), v(&["4"])]),
            Some(vec![vec![-5.0], vec![-4.0]])
        );
        assert_eq!(tightness(&["limits.budget"], &[v(&["*0.9"])]), None);
        assert_eq!(tightness(&["demand.pflops"], &[v(&["5"])]), None);
    }

    #[test]
    fn looser_points_come_first() {
        let keys = vec![
            vec![0.3, -5.0],
            vec![0.1, -5.0],
            vec![0.2, -9.0],
            vec![0.1, -9.0],
        ];
        assert_eq!(looser_first(&keys), vec![3, 1, 2, 0]);
        assert!(no_tighter(&keys[3], &keys[0]));
        assert!(!no_tighter(&keys[0], &keys[3]));
    }
}
