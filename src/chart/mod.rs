//! SVG charts for sweeps, comparisons and reports, drawn with `plotters`. The inputs are
//! plain numbers (no scenario or plan types), so each chart can be tested on its own.

/// One line of a cost curve: `(x, total cost)`, `None` where the point is infeasible.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend label (empty for a single line).
    pub label: String,
    /// Points in increasing x.
    pub points: Vec<(f64, Option<f64>)>,
}

/// Total cost against a swept parameter (typically the domestic-share minimum).
#[derive(Debug, Clone, PartialEq)]
pub struct CostCurve {
    /// Chart title.
    pub title: String,
    /// X axis label (the parameter path).
    pub x_label: String,
    /// Currency of the y axis.
    pub currency: String,
    /// One or more lines.
    pub series: Vec<Series>,
}

/// Units bought per accelerator along a sweep, stacked.
#[derive(Debug, Clone, PartialEq)]
pub struct Mix {
    /// Chart title.
    pub title: String,
    /// X axis label (the parameter path).
    pub x_label: String,
    /// The parameter values, increasing.
    pub xs: Vec<f64>,
    /// Whether the point at each x has a plan (false: infeasible, drawn as a shaded band).
    pub feasible: Vec<bool>,
    /// One layer per accelerator id: units at each x (0 where infeasible).
    pub layers: Vec<(String, Vec<f64>)>,
}

/// Stacked bars, one per category (scenario, variant or accelerator).
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    /// Chart title.
    pub title: String,
    /// Y axis label (e.g. `total cost (CNY)`).
    pub y_label: String,
    /// One bar per category, in order.
    pub categories: Vec<String>,
    /// Stack components: name and one value per category (`None`: no plan, bar left out
    /// and labelled as such).
    pub stacks: Vec<(String, Vec<Option<f64>>)>,
}

mod style;
mod svg;

pub use svg::{bars, cost_curve, mix, sweep_panels};
