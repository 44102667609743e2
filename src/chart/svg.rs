//! SVG rendering of the chart inputs in [`crate::chart`] with the `plotters` SVG backend.
//!
//! Each function returns the whole SVG document as text (it starts with `<svg`, is
//! well-formed XML and refers to nothing outside itself: text uses the viewer's
//! `sans-serif` font). Labels are cleaned of characters XML cannot hold, and `&`, `<`, `>`
//! and quotes are escaped by the backend. Invalid input (sizes too small, vectors of the
//! wrong length) gives an error string; odd numbers (NaN, infinities, negatives, zeros,
//! huge values) never panic: non-finite values, and values beyond ±1e300 (whose ranges
//! would overflow), count as missing.
//!
//! Layout of every chart: a title on top, the plot with its axes, and a legend column on
//! the right when there is something to tell apart. Colours come from the Okabe-Ito
//! palette in a fixed order; x ranges without a plan are shaded light red and listed as
//! "infeasible" in the legend.

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{
    AXIS, BAND_FILL, DESC_PX, GRID, INK, LABEL_PX, LegendItem, MUTED, Swatch, TITLE_PX, TickFmt,
    X_LABELS, Y_LABELS, clean, color, draw_legend, err, legend_width, safe_range, text_px,
    text_width, truncate, usable, value_range, wrap,
};
use super::{Bars, CostCurve, Mix};

/// Smallest width accepted, in pixels.
const MIN_WIDTH: u32 = 240;
/// Smallest height accepted for one chart, in pixels.
const MIN_HEIGHT: u32 = 160;
/// Space above the plot area inside a panel (below the title).
const PLOT_TOP: u32 = 8;
/// Height of the x label area (tick labels and axis description, or category labels).
const X_AREA: u32 = 50;
/// A mix with at most this many x values is drawn as stacked bars, with more as stacked areas.
const MIX_BARS_MAX_POINTS: usize = 12;
/// Widest bar drawn, in pixels.
const MAX_BAR_PX: f64 = 110.0;

type Area<'b> = DrawingArea<SVGBackend<'b>, Shift>;
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The total cost curve as an SVG document of `width` x `height` pixels.
///
/// Each [`crate::chart::Series`] is a line with a marker at every point; the line breaks
/// where a point is infeasible (`None`) instead of joining across it. The x ranges where
/// no series has a plan (from half-way to the previous point to half-way to the next) are
/// shaded; with several series, a range where only some are infeasible shows as breaks in
/// their lines but is not shaded, so that no drawn point sits in an "infeasible" band.
/// The y axis reads `total cost (<currency>)` with compact tick labels
/// (`4.5B`, `1.2e15`). A legend is drawn when there is more than one series or a shaded
/// band. Errors: `width` below 240 or `height` below 160 pixels.
pub fn cost_curve(c: &CostCurve, width: u32, height: u32) -> Result<String, String> {
    check_size(width, height, MIN_HEIGHT)?;
    let data = CurveData::new(c);
    let legend = data.legend();
    let layout = Layout {
        x: pad_x(data.x_span),
        legend_w: clamp_legend(legend_width(&legend), width),
        y_area: y_area_for(data.y_range()),
    };
    render(width, height, |root| {
        draw_curve(root, c, &data, &legend, &layout)
    })
}

/// Units bought per accelerator along the sweep, stacked, as an SVG document.
///
/// With at most 12 x values the mix is drawn as stacked bars (one column per x value,
/// which reads better than an area between a few points); with more, as stacked areas
/// that join neighbouring feasible points and break at infeasible ones (a feasible point
/// between two infeasible ones is drawn as a narrow column). Infeasible x ranges are
/// shaded. The legend lists the accelerator ids from the top of the stack down.
/// Errors: size too small, or `feasible` or a layer not having one entry per x value.
pub fn mix(m: &Mix, width: u32, height: u32) -> Result<String, String> {
    check_size(width, height, MIN_HEIGHT)?;
    let data = MixData::new(m)?;
    let legend = data.legend();
    let layout = Layout {
        x: pad_x(data.x_span()),
        legend_w: clamp_legend(legend_width(&legend), width),
        y_area: y_area_for(data.y_range()),
    };
    render(width, height, |root| {
        draw_mix(root, m, &data, &legend, &layout)
    })
}

/// Stacked bars, one per category, as an SVG document.
///
/// Category names are written under the bars (wrapped on two lines, cut with `…` when
/// they do not fit) and each bar's total above it. A category whose values are all
/// `None` gets the note "no plan" instead of a bar; a `None` among other values counts as
/// zero. Negative values are stacked below zero. A legend lists the stacks (top of the
/// stack first) when there is more than one. Errors: size too small, or a stack not
/// having one value per category.
pub fn bars(b: &Bars, width: u32, height: u32) -> Result<String, String> {
    check_size(width, height, MIN_HEIGHT)?;
    let data = BarsData::new(b)?;
    let legend = data.legend();
    let lw = clamp_legend(legend_width(&legend), width);
    render(width, height, |root| draw_bars(root, b, &data, &legend, lw))
}

/// The cost curve on top and the stacked mix below, in one SVG (for `chipmix sweep
/// --chart`). Both panels share the x range and the left and right margins, so that
/// their x axes line up. Errors: `width` below 240 or `height` below 320 pixels, and
/// those of [`mix`].
pub fn sweep_panels(c: &CostCurve, m: &Mix, width: u32, height: u32) -> Result<String, String> {
    check_size(width, height, 2 * MIN_HEIGHT)?;
    let curve = CurveData::new(c);
    let mixd = MixData::new(m)?;
    let curve_legend = curve.legend();
    let mix_legend = mixd.legend();
    let span = match (curve.x_span, mixd.x_span()) {
        (Some(a), Some(b)) => Some((a.0.min(b.0), a.1.max(b.1))),
        (a, b) => a.or(b),
    };
    let layout = Layout {
        x: pad_x(span),
        legend_w: clamp_legend(
            legend_width(&curve_legend).max(legend_width(&mix_legend)),
            width,
        ),
        y_area: y_area_for(curve.y_range()).max(y_area_for(mixd.y_range())),
    };
    render(width, height, |root| {
        let (top, bottom) = root.split_vertically(height / 2);
        draw_curve(&top, c, &curve, &curve_legend, &layout)?;
        draw_mix(&bottom, m, &mixd, &mix_legend, &layout)
    })
}

/// What panels drawn side by side (one above the other) share.
struct Layout {
    /// The x range.
    x: (f64, f64),
    /// Width of the legend column (0: none).
    legend_w: u32,
    /// Width of the y label area.
    y_area: u32,
}

fn check_size(width: u32, height: u32, min_height: u32) -> Result<(), String> {
    if width < MIN_WIDTH || height < min_height {
        return Err(format!(
            "chart size {width}x{height} is too small: at least {MIN_WIDTH}x{min_height} pixels"
        ));
    }
    if width > 20_000 || height > 20_000 {
        return Err(format!(
            "chart size {width}x{height} is too large: at most 20000x20000 pixels"
        ));
    }
    Ok(())
}

/// The legend column never takes more than a third of the width.
fn clamp_legend(w: u32, width: u32) -> u32 {
    w.min(width / 3)
}

fn render(
    width: u32,
    height: u32,
    draw: impl FnOnce(&Area<'_>) -> Result<(), String>,
) -> Result<String, String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// The x range for data spanning `span`, padded by 3% at each end (`0..1` without data).
fn pad_x(span: Option<(f64, f64)>) -> (f64, f64) {
    let (lo, hi) = match span {
        Some((lo, hi)) => safe_range(lo, hi),
        None => return (0.0, 1.0),
    };
    let pad = (hi - lo) * 0.03;
    (lo - pad, hi + pad)
}

/// Splits `area` into the title, the plot area and the legend column (if `legend_w > 0`)
/// and draws the title.
fn frame<'b>(
    area: &Area<'b>,
    title: &str,
    legend_w: u32,
) -> Result<(Area<'b>, Option<Area<'b>>), String> {
    let (w, _) = area.dim_in_pixel();
    let title = clean(title);
    let body = if title.is_empty() {
        area.margin(6, 0, 0, 0)
    } else {
        let max_chars = ((w as f64 - 20.0) / (TITLE_PX * 0.6)).max(4.0) as usize;
        let style = text_px(TITLE_PX, FontStyle::Bold, &INK);
        area.margin(6, 0, 0, 0)
            .titled(&truncate(&title, max_chars), style)
            .map_err(err)?
    };
    if legend_w == 0 {
        return Ok((body, None));
    }
    let (bw, _) = body.dim_in_pixel();
    let (plot, legend) = body.split_horizontally(bw.saturating_sub(legend_w));
    Ok((plot, Some(legend)))
}

/// What the axes show.
struct Axes<'s> {
    x: (f64, f64),
    y: (f64, f64),
    x_desc: &'s str,
    y_desc: &'s str,
    /// Numeric x tick labels (false for categories, which the caller writes).
    x_ticks: bool,
    /// Numeric y tick labels (false when there is no value to read).
    y_ticks: bool,
    /// Width of the y label area.
    y_area: u32,
}

/// Width of the y label area for a y axis over `y`: the widest tick label, the tick marks
/// and the rotated axis description.
fn y_area_for(y: (f64, f64)) -> u32 {
    let f = TickFmt::new(y.0, y.1, Y_LABELS);
    let widest = super::style::ticks(y.0, y.1, Y_LABELS)
        .into_iter()
        .map(|t| text_width(&f.format(t), LABEL_PX))
        .fold(0.0, f64::max);
    (widest.ceil() as u32 + 40).clamp(56, 120)
}

/// Builds the chart on `plot` and draws grid, axes, tick labels and axis descriptions.
fn axes<'a, 'b>(plot: &'a Area<'b>, ax: &Axes<'_>) -> Result<Chart<'a, 'b>, String> {
    let mut chart = ChartBuilder::on(plot)
        .margin_top(PLOT_TOP)
        .margin_right(18)
        .margin_left(4)
        .margin_bottom(4)
        .x_label_area_size(X_AREA)
        .y_label_area_size(ax.y_area)
        .build_cartesian_2d(ax.x.0..ax.x.1, ax.y.0..ax.y.1)
        .map_err(err)?;
    // As many tick labels as fit without crowding.
    let (pw, ph) = chart.plotting_area().dim_in_pixel();
    let nx = x_label_count(ax.x, pw);
    let ny = (ph as usize / 32).clamp(2, Y_LABELS);
    let xf = TickFmt::new(ax.x.0, ax.x.1, nx);
    let yf = TickFmt::new(ax.y.0, ax.y.1, ny);
    let x_format = |v: &f64| xf.format(*v);
    let y_format = |v: &f64| yf.format(*v);
    let x_desc = clean(ax.x_desc);
    let y_desc = clean(ax.y_desc);
    let mut mesh = chart.configure_mesh();
    mesh.x_labels(if ax.x_ticks { nx } else { 0 })
        .y_labels(if ax.y_ticks { ny } else { 0 })
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .label_style(text_px(LABEL_PX, FontStyle::Normal, &INK))
        .axis_desc_style(text_px(DESC_PX, FontStyle::Normal, &INK))
        .bold_line_style(GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(AXIS);
    if !ax.x_ticks {
        mesh.disable_x_mesh();
    }
    if !x_desc.is_empty() {
        mesh.x_desc(x_desc);
    }
    if !y_desc.is_empty() {
        mesh.y_desc(y_desc);
    }
    mesh.draw().map_err(err)?;
    Ok(chart)
}

/// The number of x tick labels to ask for so that they fit in `px` pixels with a gap.
fn x_label_count(x: (f64, f64), px: u32) -> usize {
    let mut n = X_LABELS;
    while n > 2 {
        let f = TickFmt::new(x.0, x.1, n);
        let t = super::style::ticks(x.0, x.1, n);
        let widest = t
            .iter()
            .map(|v| text_width(&f.format(*v), LABEL_PX))
            .fold(0.0, f64::max);
        if t.len() as f64 * (widest + 16.0) <= px as f64 {
            break;
        }
        n -= 1;
    }
    n
}

/// A grey note in the middle of the plot ("no data", "no feasible point").
fn note(chart: &Chart<'_, '_>, ax: &Axes<'_>, text: &str) -> Result<(), String> {
    let style =
        text_px(DESC_PX, FontStyle::Italic, &MUTED).pos(Pos::new(HPos::Center, VPos::Center));
    let at = ((ax.x.0 + ax.x.1) / 2.0, (ax.y.0 + ax.y.1) / 2.0);
    chart
        .plotting_area()
        .draw(&Text::new(text.to_string(), at, style))
        .map_err(err)
}

/// Shades the x ranges `bands` over the whole height of the plot.
fn draw_bands(
    chart: &mut Chart<'_, '_>,
    ax: &Axes<'_>,
    bands: &[(f64, f64)],
) -> Result<(), String> {
    chart
        .draw_series(
            bands
                .iter()
                .map(|&(a, b)| Rectangle::new([(a, ax.y.0), (b, ax.y.1)], BAND_FILL.filled())),
        )
        .map_err(err)?;
    Ok(())
}

/// The x ranges to shade for points `(x, feasible)` sorted by x, within `range`: each run
/// of infeasible points is covered from half-way to the previous point (or the start of
/// the range) to half-way to the next one (or the end). Overlapping ranges are merged.
fn infeasible_bands(points: &[(f64, bool)], range: (f64, f64)) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < points.len() {
        if points[i].1 {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < points.len() && !points[j + 1].1 {
            j += 1;
        }
        let left = if i == 0 {
            range.0
        } else {
            (points[i - 1].0 + points[i].0) / 2.0
        };
        let right = if j + 1 == points.len() {
            range.1
        } else {
            (points[j].0 + points[j + 1].0) / 2.0
        };
        out.push((left.max(range.0), right.min(range.1)));
        i = j + 1;
    }
    merge(out)
}

/// The parts of sorted, disjoint ranges `a` that are also in sorted, disjoint `b`.
fn intersect(a: &[(f64, f64)], b: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let lo = a[i].0.max(b[j].0);
        let hi = a[i].1.min(b[j].1);
        if lo < hi {
            out.push((lo, hi));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

fn merge(mut bands: Vec<(f64, f64)>) -> Vec<(f64, f64)> {
    bands.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (a, b) in bands {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// Smallest positive gap between neighbouring values of sorted `xs`.
fn min_gap(xs: &[f64]) -> Option<f64> {
    xs.windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0.0)
        .fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.min(d))))
}

/// A short label for a bar total: three significant digits and a scale suffix.
fn compact(v: f64) -> String {
    let a = v.abs();
    let (scale, suffix) = if a >= 1e15 {
        return format!("{v:.2e}");
    } else if a >= 1e12 {
        (1e12, "T")
    } else if a >= 1e9 {
        (1e9, "B")
    } else if a >= 1e6 {
        (1e6, "M")
    } else if a >= 1e4 {
        (1e3, "K")
    } else {
        (1.0, "")
    };
    let s = v / scale;
    let decimals = if s.abs() >= 100.0 || (scale == 1.0 && s.fract() == 0.0) {
        0
    } else if s.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{}{suffix}", super::style::grouped(s, decimals))
}

// ---------------------------------------------------------------------------------------
// Cost curve

/// The cost series cleaned up: points with a finite x sorted by x, non-finite costs as
/// infeasible, and the data ranges.
/// A cost series' points: `(x, cost)`, `None` where infeasible.
type Points = Vec<(f64, Option<f64>)>;

struct CurveData {
    series: Vec<(String, Points)>,
    x_span: Option<(f64, f64)>,
    y_span: Option<(f64, f64)>,
}

impl CurveData {
    fn new(c: &CostCurve) -> CurveData {
        let mut x_span: Option<(f64, f64)> = None;
        let mut y_span: Option<(f64, f64)> = None;
        let series = c
            .series
            .iter()
            .map(|s| {
                let mut pts: Points = s
                    .points
                    .iter()
                    .filter(|(x, _)| usable(*x))
                    .map(|&(x, y)| (x, y.filter(|v| usable(*v))))
                    .collect();
                pts.sort_by(|a, b| a.0.total_cmp(&b.0));
                for &(x, y) in &pts {
                    x_span = Some(x_span.map_or((x, x), |(a, b)| (a.min(x), b.max(x))));
                    if let Some(y) = y {
                        y_span = Some(y_span.map_or((y, y), |(a, b)| (a.min(y), b.max(y))));
                    }
                }
                (clean(&s.label), pts)
            })
            .collect();
        CurveData {
            series,
            x_span,
            y_span,
        }
    }

    /// The y range of the plot.
    fn y_range(&self) -> (f64, f64) {
        self.y_span
            .map_or((0.0, 1.0), |(lo, hi)| value_range(lo, hi))
    }

    /// The x ranges (within `range`) where no series with points has a plan.
    fn bands(&self, range: (f64, f64)) -> Vec<(f64, f64)> {
        let mut per_series =
            self.series
                .iter()
                .filter(|(_, pts)| !pts.is_empty())
                .map(|(_, pts)| {
                    let flags: Vec<(f64, bool)> =
                        pts.iter().map(|&(x, y)| (x, y.is_some())).collect();
                    infeasible_bands(&flags, range)
                });
        let first = per_series.next().unwrap_or_default();
        per_series.fold(first, |acc, b| intersect(&acc, &b))
    }

    /// The label shown for series `i` in the legend (`None`: not listed).
    fn label(&self, i: usize) -> Option<String> {
        let label = &self.series[i].0;
        if !label.is_empty() {
            Some(label.clone())
        } else if self.series.len() > 1 {
            Some(format!("series {}", i + 1))
        } else {
            None
        }
    }

    fn legend(&self) -> Vec<LegendItem> {
        let band = !self.bands(pad_x(self.x_span)).is_empty();
        if self.series.len() <= 1 && !band {
            return Vec::new();
        }
        let mut items: Vec<LegendItem> = (0..self.series.len())
            .filter_map(|i| {
                self.label(i)
                    .map(|l| LegendItem::new(Swatch::Line(color(i)), &l))
            })
            .collect();
        if band {
            items.push(LegendItem::new(Swatch::Band, "infeasible"));
        }
        items
    }
}

fn draw_curve(
    area: &Area<'_>,
    c: &CostCurve,
    data: &CurveData,
    legend: &[LegendItem],
    layout: &Layout,
) -> Result<(), String> {
    let (plot, legend_area) = frame(area, &c.title, layout.legend_w)?;
    let currency = clean(&c.currency);
    let y_desc = if currency.is_empty() {
        "total cost".to_string()
    } else {
        format!("total cost ({currency})")
    };
    let ax = Axes {
        x: layout.x,
        y: data.y_range(),
        x_desc: &c.x_label,
        y_desc: &y_desc,
        x_ticks: true,
        y_ticks: data.y_span.is_some(),
        y_area: layout.y_area,
    };
    let mut chart = axes(&plot, &ax)?;
    draw_bands(&mut chart, &ax, &data.bands(layout.x))?;

    for (i, (_, pts)) in data.series.iter().enumerate() {
        let col = color(i);
        // One polyline per run of consecutive feasible points.
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for &(px, py) in pts {
            match py {
                Some(v) => runs.last_mut().expect("never empty").push((px, v)),
                None => runs.push(Vec::new()),
            }
        }
        for run in runs.into_iter().filter(|r| r.len() >= 2) {
            chart
                .draw_series(std::iter::once(PathElement::new(run, col.stroke_width(2))))
                .map_err(err)?;
        }
        chart
            .draw_series(
                pts.iter()
                    .filter_map(|&(px, py)| py.map(|v| Circle::new((px, v), 4, col.filled()))),
            )
            .map_err(err)?;
    }

    if data.x_span.is_none() {
        note(&chart, &ax, "no data")?;
    } else if data.y_span.is_none() {
        note(&chart, &ax, "no feasible point")?;
    }
    if let Some(la) = legend_area {
        draw_legend(&la, legend, PLOT_TOP as i32)?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Mix

/// The mix cleaned up: sorted by x, non-finite units as 0 and infeasible points as 0.
struct MixData {
    xs: Vec<f64>,
    feasible: Vec<bool>,
    layers: Vec<(String, Vec<f64>)>,
    as_bars: bool,
}

impl MixData {
    fn new(m: &Mix) -> Result<MixData, String> {
        let n = m.xs.len();
        if m.feasible.len() != n {
            return Err(format!(
                "mix chart: {} feasibility flags for {n} x values",
                m.feasible.len()
            ));
        }
        for (id, vals) in &m.layers {
            if vals.len() != n {
                return Err(format!(
                    "mix chart: layer {id:?} has {} values for {n} x values",
                    vals.len()
                ));
            }
        }
        let mut order: Vec<usize> = (0..n).filter(|&i| usable(m.xs[i])).collect();
        order.sort_by(|&a, &b| m.xs[a].total_cmp(&m.xs[b]));
        let xs = order.iter().map(|&i| m.xs[i]).collect();
        let feasible: Vec<bool> = order.iter().map(|&i| m.feasible[i]).collect();
        let layers = m
            .layers
            .iter()
            .map(|(id, vals)| {
                let v = order
                    .iter()
                    .map(|&i| {
                        let v = vals[i];
                        if m.feasible[i] && usable(v) { v } else { 0.0 }
                    })
                    .collect();
                (clean(id), v)
            })
            .collect();
        Ok(MixData {
            xs,
            feasible,
            layers,
            as_bars: order.len() <= MIX_BARS_MAX_POINTS,
        })
    }

    /// Width of one column (bars, or a lone feasible point among areas) in x units.
    fn slot(&self) -> f64 {
        match (min_gap(&self.xs), self.xs.first(), self.xs.last()) {
            (Some(g), _, _) => g,
            (None, Some(&x), _) => safe_range(x, x).1 - safe_range(x, x).0,
            _ => 1.0,
        }
    }

    fn x_span(&self) -> Option<(f64, f64)> {
        let (first, last) = (*self.xs.first()?, *self.xs.last()?);
        if self.as_bars {
            let half = self.slot() / 2.0;
            Some((first - half, last + half))
        } else {
            Some((first, last))
        }
    }

    fn legend(&self) -> Vec<LegendItem> {
        let mut items: Vec<LegendItem> = self
            .layers
            .iter()
            .enumerate()
            .rev()
            .map(|(k, (id, _))| LegendItem::new(Swatch::Fill(color(k)), id))
            .collect();
        if self.feasible.iter().any(|f| !f) {
            items.push(LegendItem::new(Swatch::Band, "infeasible"));
        }
        items
    }

    /// The y range: stacked totals and zero.
    fn y_range(&self) -> (f64, f64) {
        let (mut lo, mut hi) = (0.0f64, 0.0f64);
        for i in 0..self.xs.len() {
            let (mut pos, mut neg, mut naive) = (0.0, 0.0, 0.0);
            for (_, v) in &self.layers {
                naive += v[i];
                if v[i] >= 0.0 {
                    pos += v[i];
                } else {
                    neg += v[i];
                }
                lo = lo.min(naive).min(neg);
                hi = hi.max(naive).max(pos);
            }
        }
        value_range(lo, hi)
    }
}

/// Stacks `values` (one per layer) at one position: `(layer, bottom, top)`, positive
/// values upwards from zero and negative ones downwards; zeros are left out.
fn stack(values: impl Iterator<Item = f64>) -> Vec<(usize, f64, f64)> {
    let (mut pos, mut neg) = (0.0, 0.0);
    let mut out = Vec::new();
    for (k, v) in values.enumerate() {
        if v > 0.0 {
            out.push((k, pos, pos + v));
            pos += v;
        } else if v < 0.0 {
            out.push((k, neg + v, neg));
            neg += v;
        }
    }
    out
}

fn draw_mix(
    area: &Area<'_>,
    m: &Mix,
    data: &MixData,
    legend: &[LegendItem],
    layout: &Layout,
) -> Result<(), String> {
    let (plot, legend_area) = frame(area, &m.title, layout.legend_w)?;
    let x = layout.x;
    let ax = Axes {
        x,
        y: data.y_range(),
        x_desc: &m.x_label,
        y_desc: "units",
        x_ticks: true,
        y_ticks: data.feasible.iter().any(|f| *f),
        y_area: layout.y_area,
    };
    let mut chart = axes(&plot, &ax)?;
    let flags: Vec<(f64, bool)> = data
        .xs
        .iter()
        .copied()
        .zip(data.feasible.iter().copied())
        .collect();
    draw_bands(&mut chart, &ax, &infeasible_bands(&flags, x))?;

    let slot = data.slot();
    let column = |chart: &mut Chart<'_, '_>, i: usize, width: f64| -> Result<(), String> {
        let xi = data.xs[i];
        let parts = stack(data.layers.iter().map(|(_, v)| v[i]));
        chart
            .draw_series(parts.into_iter().map(|(k, lo, hi)| {
                Rectangle::new(
                    [(xi - width / 2.0, lo), (xi + width / 2.0, hi)],
                    color(k).filled(),
                )
            }))
            .map_err(err)?;
        Ok(())
    };

    if data.as_bars {
        for i in (0..data.xs.len()).filter(|&i| data.feasible[i]) {
            column(&mut chart, i, slot * 0.6)?;
        }
    } else {
        let mut i = 0;
        while i < data.xs.len() {
            if !data.feasible[i] {
                i += 1;
                continue;
            }
            let mut j = i;
            while j + 1 < data.xs.len() && data.feasible[j + 1] {
                j += 1;
            }
            if i == j {
                column(&mut chart, i, slot * 0.5)?;
            } else {
                draw_area_run(&mut chart, data, i, j)?;
            }
            i = j + 1;
        }
    }

    if data.xs.is_empty() {
        note(&chart, &ax, "no data")?;
    } else if data.feasible.iter().all(|f| !f) {
        note(&chart, &ax, "no feasible point")?;
    }
    if let Some(la) = legend_area {
        draw_legend(&la, legend, PLOT_TOP as i32)?;
    }
    Ok(())
}

/// Stacked areas over the feasible points `i..=j` (at least two).
fn draw_area_run(
    chart: &mut Chart<'_, '_>,
    data: &MixData,
    i: usize,
    j: usize,
) -> Result<(), String> {
    let mut base: Vec<f64> = vec![0.0; j - i + 1];
    for (k, (_, vals)) in data.layers.iter().enumerate() {
        let top: Vec<f64> = base.iter().zip(&vals[i..=j]).map(|(b, v)| b + v).collect();
        let xs = &data.xs[i..=j];
        let mut outline: Vec<(f64, f64)> = xs.iter().copied().zip(top.iter().copied()).collect();
        outline.extend(xs.iter().copied().zip(base.iter().copied()).rev());
        chart
            .draw_series(std::iter::once(Polygon::new(outline, color(k).filled())))
            .map_err(err)?;
        // A thin white edge on top of each layer keeps neighbouring colours apart.
        let edge: Vec<(f64, f64)> = xs.iter().copied().zip(top.iter().copied()).collect();
        chart
            .draw_series(std::iter::once(PathElement::new(
                edge,
                WHITE.stroke_width(1),
            )))
            .map_err(err)?;
        base = top;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Bars

/// The bars cleaned up: non-finite values as missing.
struct BarsData {
    categories: Vec<String>,
    stacks: Vec<(String, Vec<Option<f64>>)>,
}

impl BarsData {
    fn new(b: &Bars) -> Result<BarsData, String> {
        let n = b.categories.len();
        for (name, vals) in &b.stacks {
            if vals.len() != n {
                return Err(format!(
                    "bar chart: stack {name:?} has {} values for {n} categories",
                    vals.len()
                ));
            }
        }
        Ok(BarsData {
            categories: b.categories.iter().map(|c| clean(c)).collect(),
            stacks: b
                .stacks
                .iter()
                .map(|(name, vals)| {
                    (
                        clean(name),
                        vals.iter().map(|v| v.filter(|v| usable(*v))).collect(),
                    )
                })
                .collect(),
        })
    }

    fn has_plan(&self, i: usize) -> bool {
        self.stacks.iter().any(|(_, v)| v[i].is_some())
    }

    fn parts(&self, i: usize) -> Vec<(usize, f64, f64)> {
        stack(self.stacks.iter().map(|(_, v)| v[i].unwrap_or(0.0)))
    }

    fn legend(&self) -> Vec<LegendItem> {
        if self.stacks.len() <= 1 {
            return Vec::new();
        }
        self.stacks
            .iter()
            .enumerate()
            .rev()
            .map(|(k, (name, _))| LegendItem::new(Swatch::Fill(color(k)), name))
            .collect()
    }

    fn y_range(&self) -> (f64, f64) {
        let (mut lo, mut hi) = (0.0f64, 0.0f64);
        for i in 0..self.categories.len() {
            for (_, a, b) in self.parts(i) {
                lo = lo.min(a);
                hi = hi.max(b);
            }
        }
        let (a, b) = value_range(lo, hi);
        // Room above the bars for the totals.
        (a, if hi > 0.0 { b + (hi - lo) * 0.04 } else { b })
    }
}

fn draw_bars(
    area: &Area<'_>,
    b: &Bars,
    data: &BarsData,
    legend: &[LegendItem],
    legend_w: u32,
) -> Result<(), String> {
    let (plot, legend_area) = frame(area, &b.title, legend_w)?;
    let n = data.categories.len();
    let ax = Axes {
        x: (-0.5, n.max(1) as f64 - 0.5),
        y: data.y_range(),
        x_desc: "",
        y_desc: &b.y_label,
        x_ticks: false,
        y_ticks: true,
        y_area: 0,
    };
    let ax = Axes {
        y_area: y_area_for(ax.y),
        ..ax
    };
    let mut chart = axes(&plot, &ax)?;
    let (px_x, _) = chart.plotting_area().get_pixel_range();
    let px_per_slot = (px_x.end - px_x.start) as f64 / n.max(1) as f64;
    let bar_w = 0.6f64.min(MAX_BAR_PX / px_per_slot.max(1.0));

    for i in 0..n {
        let xi = i as f64;
        chart
            .draw_series(data.parts(i).into_iter().map(|(k, lo, hi)| {
                Rectangle::new(
                    [(xi - bar_w / 2.0, lo), (xi + bar_w / 2.0, hi)],
                    color(k).filled(),
                )
            }))
            .map_err(err)?;
    }

    // Labels drawn in pixels, relative to `area`.
    let base = area.get_base_pixel();
    let to_area = |x: f64, y: f64| {
        let (px, py) = chart.backend_coord(&(x, y));
        (px - base.0, py - base.1)
    };
    let label_style =
        text_px(LABEL_PX, FontStyle::Normal, &INK).pos(Pos::new(HPos::Center, VPos::Top));
    let total_style =
        text_px(LABEL_PX, FontStyle::Normal, &INK).pos(Pos::new(HPos::Center, VPos::Bottom));
    let total_below =
        text_px(LABEL_PX, FontStyle::Normal, &INK).pos(Pos::new(HPos::Center, VPos::Top));
    let note_style =
        text_px(LABEL_PX, FontStyle::Italic, &MUTED).pos(Pos::new(HPos::Center, VPos::Bottom));
    let max_chars = ((px_per_slot - 8.0) / (LABEL_PX * 0.6)).max(3.0) as usize;
    for (i, name) in data.categories.iter().enumerate() {
        let xi = i as f64;
        let (cx, axis_y) = to_area(xi, ax.y.0);
        for (line, text) in wrap(name, max_chars, 2).into_iter().enumerate() {
            area.draw(&Text::new(
                text,
                (cx, axis_y + 8 + line as i32 * (LABEL_PX as i32 + 3)),
                label_style.clone(),
            ))
            .map_err(err)?;
        }
        if !data.has_plan(i) {
            let (_, zero_y) = to_area(xi, 0.0);
            area.draw(&Text::new("no plan", (cx, zero_y - 4), note_style.clone()))
                .map_err(err)?;
            continue;
        }
        let parts = data.parts(i);
        let total: f64 = data.stacks.iter().map(|(_, v)| v[i].unwrap_or(0.0)).sum();
        let label = compact(total);
        if text_width(&label, LABEL_PX) + 4.0 > px_per_slot {
            continue;
        }
        if total >= 0.0 {
            let top = parts.iter().map(|p| p.2).fold(0.0, f64::max);
            let (_, ty) = to_area(xi, top);
            area.draw(&Text::new(label, (cx, ty - 3), total_style.clone()))
                .map_err(err)?;
        } else {
            let bottom = parts.iter().map(|p| p.1).fold(0.0, f64::min);
            let (_, ty) = to_area(xi, bottom);
            area.draw(&Text::new(label, (cx, ty + 3), total_below.clone()))
                .map_err(err)?;
        }
    }
    if n == 0 {
        note(&chart, &ax, "no data")?;
    }
    if let Some(la) = legend_area {
        draw_legend(&la, legend, PLOT_TOP as i32)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chart::Series;

    const CNY_TITLE: &str = "Total cost vs domestic share";

    /// The quota sweep of the brief: x = 0.00..=1.00 step 0.05, cost rising from 4.0e9 to
    /// 6.5e9, infeasible from 0.85 on.
    pub(crate) fn sweep_xs() -> Vec<f64> {
        (0..=20).map(|i| i as f64 * 0.05).collect()
    }

    pub(crate) fn sample_curve() -> CostCurve {
        let points = sweep_xs()
            .into_iter()
            .map(|x| {
                let cost = 4.0e9 + 2.5e9 * (x / 0.8).powi(2);
                (x, (x < 0.85 - 1e-9).then_some(cost))
            })
            .collect();
        CostCurve {
            title: CNY_TITLE.into(),
            x_label: "constraints.domestic_share.min".into(),
            currency: "CNY".into(),
            series: vec![Series {
                label: String::new(),
                points,
            }],
        }
    }

    pub(crate) fn sample_mix() -> Mix {
        let xs = sweep_xs();
        let feasible: Vec<bool> = xs.iter().map(|&x| x < 0.85 - 1e-9).collect();
        let h20 = xs
            .iter()
            .map(|&x| (1.0 - x / 0.8).max(0.0) * 4000.0)
            .collect();
        let ascend = xs.iter().map(|&x| 500.0 + 3000.0 * x.min(0.8)).collect();
        let mlu = xs.iter().map(|&x| 300.0 + 1200.0 * x.min(0.8)).collect();
        Mix {
            title: "Units per accelerator".into(),
            x_label: "constraints.domestic_share.min".into(),
            xs,
            feasible,
            layers: vec![
                ("h20".into(), h20),
                ("ascend-910c".into(), ascend),
                ("mlu590".into(), mlu),
            ],
        }
    }

    pub(crate) fn sample_bars() -> Bars {
        Bars {
            title: "Total cost by scenario".into(),
            y_label: "total cost (CNY)".into(),
            categories: vec![
                "baseline".into(),
                "R&D <test>".into(),
                "export ban on all foreign accelerators".into(),
                "tight quota".into(),
            ],
            stacks: vec![
                (
                    "capex".into(),
                    vec![Some(4.1e9), Some(4.6e9), Some(5.9e9), None],
                ),
                (
                    "opex".into(),
                    vec![Some(0.9e9), Some(1.1e9), Some(1.3e9), None],
                ),
            ],
        }
    }

    /// A small XML well-formedness check: balanced tags, quoted attributes, known
    /// entities only, one root element, nothing but whitespace after it.
    fn assert_well_formed(svg: &str) {
        assert!(
            svg.starts_with("<svg"),
            "does not start with <svg: {}",
            &svg[..40.min(svg.len())]
        );
        fn check_text(t: &str) {
            assert!(!t.contains('<'), "raw < in {t:?}");
            let mut rest = t;
            while let Some(i) = rest.find('&') {
                rest = &rest[i + 1..];
                let end = rest
                    .find(';')
                    .unwrap_or_else(|| panic!("unterminated & in {t:?}"));
                let ent = &rest[..end];
                let ok = matches!(ent, "amp" | "lt" | "gt" | "quot" | "apos")
                    || (ent.starts_with('#')
                        && ent[1..].chars().all(|c| c.is_ascii_digit())
                        && ent.len() > 1);
                assert!(ok, "bad entity &{ent}; in {t:?}");
                rest = &rest[end + 1..];
            }
            assert!(
                !t.chars()
                    .any(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r')),
                "control char in {t:?}"
            );
        }
        let mut stack: Vec<&str> = Vec::new();
        let mut roots = 0;
        let mut rest = svg;
        loop {
            let lt = rest.find('<');
            let text = &rest[..lt.unwrap_or(rest.len())];
            if stack.is_empty() {
                assert!(text.trim().is_empty(), "text outside the root: {text:?}");
            }
            check_text(text);
            let Some(lt) = lt else { break };
            rest = &rest[lt + 1..];
            if let Some(r) = rest.strip_prefix('/') {
                let end = r.find('>').expect("unterminated close tag");
                let name = r[..end].trim();
                assert_eq!(stack.pop(), Some(name), "mismatched </{name}>");
                rest = &r[end + 1..];
                continue;
            }
            let name_end = rest
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .expect("unterminated tag");
            let name = &rest[..name_end];
            assert!(
                !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':'),
                "bad tag name {name:?}"
            );
            if stack.is_empty() {
                roots += 1;
            }
            rest = &rest[name_end..];
            loop {
                rest = rest.trim_start();
                if let Some(r) = rest.strip_prefix("/>") {
                    rest = r;
                    break;
                }
                if let Some(r) = rest.strip_prefix('>') {
                    stack.push(name);
                    rest = r;
                    break;
                }
                let eq = rest.find('=').expect("attribute without =");
                let attr = rest[..eq].trim();
                assert!(
                    !attr.is_empty()
                        && attr
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ':'),
                    "bad attribute name {attr:?}"
                );
                let r = rest[eq + 1..]
                    .strip_prefix('"')
                    .expect("unquoted attribute");
                let close = r.find('"').expect("unterminated attribute");
                check_text(&r[..close]);
                rest = &r[close + 1..];
            }
        }
        assert!(stack.is_empty(), "unclosed tags {stack:?}");
        assert_eq!(roots, 1, "one root element");
    }

    /// The contents of every `<text>` element, trimmed, as written (escaped).
    fn texts(svg: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = svg;
        while let Some(i) = rest.find("<text") {
            rest = &rest[i..];
            let open_end = rest.find('>').unwrap() + 1;
            let close = rest.find("</text>").unwrap();
            out.push(rest[open_end..close].trim().to_string());
            rest = &rest[close..];
        }
        out
    }

    /// Number of `<tag` elements whose `attr` is `value`.
    fn count(svg: &str, tag: &str, attr: &str, value: &str) -> usize {
        let needle = format!("{attr}=\"{value}\"");
        svg.lines()
            .filter(|l| l.starts_with(&format!("<{tag} ")) && l.contains(&needle))
            .count()
    }

    fn hex(i: usize) -> String {
        let c = color(i);
        format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
    }

    const BAND: &str = "#C82828";

    fn has_text(svg: &str, t: &str) -> bool {
        texts(svg).iter().any(|x| x == t)
    }

    #[test]
    fn cost_curve_draws_title_axes_markers_and_band() {
        let svg = cost_curve(&sample_curve(), 900, 560).unwrap();
        assert_well_formed(&svg);
        assert!(has_text(&svg, CNY_TITLE));
        assert!(has_text(&svg, "total cost (CNY)"));
        assert!(has_text(&svg, "constraints.domestic_share.min"));
        assert!(has_text(&svg, "infeasible"));
        // 17 feasible points, each with a marker; one unbroken line.
        assert_eq!(count(&svg, "circle", "fill", &hex(0)), 17);
        assert_eq!(count(&svg, "polyline", "stroke", &hex(0)), 1);
        // The band in the plot plus its legend swatch.
        assert_eq!(count(&svg, "rect", "fill", BAND), 2);
        // Compact tick labels, no long raw numbers.
        let t = texts(&svg);
        assert!(t.iter().any(|l| l == "5.0B"), "{t:?}");
        assert!(t.iter().all(|l| !l.contains("000000")), "{t:?}");
    }

    #[test]
    fn cost_curve_breaks_the_line_at_infeasible_points() {
        let points = (0..11)
            .map(|i| (i as f64, (i != 5).then_some(100.0 + i as f64)))
            .collect();
        let c = CostCurve {
            title: "gap".into(),
            x_label: "x".into(),
            currency: "USD".into(),
            series: vec![Series {
                label: String::new(),
                points,
            }],
        };
        let svg = cost_curve(&c, 800, 500).unwrap();
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "polyline", "stroke", &hex(0)), 2);
        assert_eq!(count(&svg, "circle", "fill", &hex(0)), 10);
        assert_eq!(count(&svg, "rect", "fill", BAND), 2);
        assert!(has_text(&svg, "total cost (USD)"));
    }

    #[test]
    fn cost_curve_legend_lists_every_series() {
        let mk = |label: &str, shift: f64, n: usize| Series {
            label: label.into(),
            points: (0..n)
                .map(|i| (i as f64, Some(1.0e9 + shift + i as f64 * 1e8)))
                .collect(),
        };
        let c = CostCurve {
            title: "three lines".into(),
            x_label: "x".into(),
            currency: "CNY".into(),
            series: vec![
                mk("base", 0.0, 5),
                mk("tight quota", 2e8, 4),
                mk("R&D <test>", 4e8, 3),
            ],
        };
        let svg = cost_curve(&c, 900, 560).unwrap();
        assert_well_formed(&svg);
        for (i, n) in [5, 4, 3].into_iter().enumerate() {
            // The points plus the legend marker, the line plus the legend line.
            assert_eq!(count(&svg, "circle", "fill", &hex(i)), n + 1, "series {i}");
            assert_eq!(count(&svg, "polyline", "stroke", &hex(i)), 2, "series {i}");
        }
        assert!(has_text(&svg, "base"));
        assert!(has_text(&svg, "tight quota"));
        assert!(has_text(&svg, "R&amp;D &lt;test&gt;"));
        assert!(!svg.contains("R&D"));
        // No infeasible point, no band.
        assert!(!has_text(&svg, "infeasible"));
        assert_eq!(count(&svg, "rect", "fill", BAND), 0);
    }

    #[test]
    fn cost_curve_shades_only_where_no_series_has_a_plan() {
        let a = Series {
            label: "a".into(),
            points: (0..=10)
                .map(|i| (i as f64, (i < 8).then_some(10.0 + i as f64)))
                .collect(),
        };
        let b = Series {
            label: "b".into(),
            points: (0..=10)
                .map(|i| (i as f64, (i < 6 && i != 2).then_some(20.0 + i as f64)))
                .collect(),
        };
        let c = CostCurve {
            title: "two".into(),
            x_label: "x".into(),
            currency: "CNY".into(),
            series: vec![a, b],
        };
        let svg = cost_curve(&c, 800, 500).unwrap();
        assert_well_formed(&svg);
        // One band (from 7.5 on) and its legend swatch; b's gap at 2 is not shaded.
        assert_eq!(count(&svg, "rect", "fill", BAND), 2);
        // b: runs 0..=1 and 3..=5, plus the legend line; a: one run plus the legend line.
        assert_eq!(count(&svg, "polyline", "stroke", &hex(1)), 3);
        assert_eq!(count(&svg, "polyline", "stroke", &hex(0)), 2);
        assert_eq!(count(&svg, "circle", "fill", &hex(1)), 5 + 1);
        assert_eq!(
            intersect(&[(0.0, 2.0), (5.0, 9.0)], &[(1.0, 6.0), (8.0, 10.0)]),
            vec![(1.0, 2.0), (5.0, 6.0), (8.0, 9.0)]
        );
        assert_eq!(
            infeasible_bands(
                &[(0.0, false), (1.0, true), (2.0, false), (3.0, false)],
                (-0.5, 3.5)
            ),
            vec![(-0.5, 0.5), (1.5, 3.5)]
        );
    }

    #[test]
    fn cost_curve_single_series_without_gaps_has_no_legend() {
        let mut c = sample_curve();
        c.series[0].points.truncate(10);
        let svg = cost_curve(&c, 700, 400).unwrap();
        assert_eq!(count(&svg, "circle", "fill", &hex(0)), 10);
        assert!(!has_text(&svg, "infeasible"));
        assert!(!has_text(&svg, "series 1"));
    }

    #[test]
    fn mix_draws_one_area_per_layer_with_legend() {
        let svg = mix(&sample_mix(), 900, 560).unwrap();
        assert_well_formed(&svg);
        assert!(has_text(&svg, "Units per accelerator"));
        assert!(has_text(&svg, "units"));
        for (k, id) in ["h20", "ascend-910c", "mlu590"].into_iter().enumerate() {
            assert!(has_text(&svg, id), "{id}");
            // One area over the feasible run, one legend swatch.
            assert_eq!(count(&svg, "polygon", "fill", &hex(k)), 1, "{id}");
            assert_eq!(count(&svg, "rect", "fill", &hex(k)), 1, "{id}");
        }
        assert!(has_text(&svg, "infeasible"));
        assert_eq!(count(&svg, "rect", "fill", BAND), 2);
    }

    #[test]
    fn mix_with_few_points_draws_stacked_bars() {
        let m = Mix {
            title: "few".into(),
            x_label: "x".into(),
            xs: vec![0.0, 0.5, 1.0, 1.5],
            feasible: vec![true, true, true, false],
            layers: vec![
                ("a".into(), vec![1.0, 2.0, 0.0, 0.0]),
                ("b".into(), vec![3.0, 1.0, 4.0, 0.0]),
            ],
        };
        let svg = mix(&m, 700, 450).unwrap();
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "polygon", "fill", &hex(0)), 0);
        // a: two non-zero bars + legend; b: three + legend.
        assert_eq!(count(&svg, "rect", "fill", &hex(0)), 3);
        assert_eq!(count(&svg, "rect", "fill", &hex(1)), 4);
        assert_eq!(count(&svg, "rect", "fill", BAND), 2);
    }

    #[test]
    fn mix_lone_feasible_point_among_areas_is_a_column() {
        let xs: Vec<f64> = (0..15).map(f64::from).collect();
        let feasible: Vec<bool> = (0..15).map(|i| i != 8 && i != 10).collect();
        let m = Mix {
            title: "lone".into(),
            x_label: "x".into(),
            xs,
            feasible,
            layers: vec![("a".into(), vec![2.0; 15])],
        };
        let svg = mix(&m, 800, 450).unwrap();
        assert_well_formed(&svg);
        // Areas over 0..=7 and 11..=14, a column at 9, one legend swatch.
        assert_eq!(count(&svg, "polygon", "fill", &hex(0)), 2);
        assert_eq!(count(&svg, "rect", "fill", &hex(0)), 2);
        // Two separate bands.
        assert_eq!(count(&svg, "rect", "fill", BAND), 3);
    }

    #[test]
    fn bars_draw_each_segment_and_label_missing_plans() {
        let svg = bars(&sample_bars(), 900, 560).unwrap();
        assert_well_formed(&svg);
        assert!(has_text(&svg, "Total cost by scenario"));
        assert!(has_text(&svg, "total cost (CNY)"));
        assert!(has_text(&svg, "baseline"));
        assert!(has_text(&svg, "R&amp;D &lt;test&gt;"));
        assert!(has_text(&svg, "capex") && has_text(&svg, "opex"));
        // Three categories with a plan, one segment each per stack, plus a legend swatch.
        assert_eq!(count(&svg, "rect", "fill", &hex(0)), 4);
        assert_eq!(count(&svg, "rect", "fill", &hex(1)), 4);
        assert_eq!(texts(&svg).iter().filter(|t| *t == "no plan").count(), 1);
        assert!(has_text(&svg, "5.00B"), "{:?}", texts(&svg));
    }

    #[test]
    fn bars_with_one_category_and_one_stack() {
        let b = Bars {
            title: "one".into(),
            y_label: "cost".into(),
            categories: vec!["only".into()],
            stacks: vec![("total".into(), vec![Some(12.0)])],
        };
        let svg = bars(&b, 400, 300).unwrap();
        assert_well_formed(&svg);
        assert_eq!(count(&svg, "rect", "fill", &hex(0)), 1);
        assert!(has_text(&svg, "only"));
        assert!(!has_text(&svg, "total"), "no legend for a single stack");
        assert!(has_text(&svg, "12"));
    }

    #[test]
    fn sweep_panels_stack_curve_over_mix() {
        let svg = sweep_panels(&sample_curve(), &sample_mix(), 900, 900).unwrap();
        assert_well_formed(&svg);
        assert!(has_text(&svg, CNY_TITLE));
        assert!(has_text(&svg, "Units per accelerator"));
        assert_eq!(count(&svg, "circle", "fill", &hex(0)), 17);
        for k in 0..3 {
            assert_eq!(count(&svg, "polygon", "fill", &hex(k)), 1);
        }
        assert_eq!(texts(&svg).iter().filter(|t| *t == "infeasible").count(), 2);
        // Both titles in order: curve above mix.
        assert!(svg.find(CNY_TITLE).unwrap() < svg.find("Units per accelerator").unwrap());
    }

    #[test]
    fn special_characters_are_escaped_everywhere() {
        let nasty = "R&D <test> \"q\" 'a'\u{1}\nend";
        let mut c = sample_curve();
        c.title = nasty.into();
        c.x_label = nasty.into();
        c.currency = "<&>".into();
        c.series[0].label = nasty.into();
        let mut m = sample_mix();
        m.title = nasty.into();
        m.layers[0].0 = nasty.into();
        let mut b = sample_bars();
        b.title = nasty.into();
        b.y_label = nasty.into();
        b.stacks[0].0 = nasty.into();
        for svg in [
            cost_curve(&c, 900, 560).unwrap(),
            mix(&m, 900, 560).unwrap(),
            bars(&b, 900, 560).unwrap(),
            sweep_panels(&c, &m, 900, 900).unwrap(),
        ] {
            assert_well_formed(&svg);
            assert!(svg.contains("R&amp;D &lt;test&gt; &quot;q&quot; &apos;a&apos;"));
            assert!(!svg.contains("R&D") && !svg.contains("<test>"));
        }
    }

    #[test]
    fn edge_cases_give_valid_svg() {
        let curve = |points: Vec<(f64, Option<f64>)>| CostCurve {
            title: "edge".into(),
            x_label: "x".into(),
            currency: "CNY".into(),
            series: vec![Series {
                label: "s".into(),
                points,
            }],
        };
        let curves = [
            curve(vec![(0.5, Some(4.0e9))]),
            curve(vec![(0.0, None), (0.5, None), (1.0, None)]),
            curve(vec![(0.0, Some(0.0)), (1.0, Some(0.0))]),
            curve(vec![(0.0, Some(1e15)), (1.0, Some(3e15))]),
            curve(vec![(0.0, Some(-5.0)), (1.0, Some(-1.0))]),
            curve(vec![
                (f64::NAN, Some(1.0)),
                (1.0, Some(f64::INFINITY)),
                (2.0, Some(3.0)),
            ]),
            curve(vec![(1e15, Some(1.0)), (1e15, Some(1.0))]),
            curve(vec![]),
            curve(vec![
                (-f64::MAX, Some(f64::MAX)),
                (f64::MAX, Some(-f64::MAX)),
            ]),
            curve(vec![(0.0, Some(1e300)), (1e300, Some(1e-300))]),
            CostCurve {
                series: vec![],
                ..curve(vec![])
            },
        ];
        for c in &curves {
            let svg = cost_curve(c, 640, 400).unwrap_or_else(|e| panic!("{c:?}: {e}"));
            assert_well_formed(&svg);
        }
        let all_none = cost_curve(&curves[1], 640, 400).unwrap();
        assert!(has_text(&all_none, "no feasible point"));
        // Only the legend marker: no point is drawn.
        assert_eq!(count(&all_none, "circle", "fill", &hex(0)), 1);
        assert_eq!(count(&all_none, "polyline", "stroke", &hex(0)), 1);
        assert!(has_text(
            &cost_curve(&curves[7], 640, 400).unwrap(),
            "no data"
        ));
        let huge = cost_curve(&curves[3], 640, 400).unwrap();
        assert!(
            texts(&huge).iter().any(|t| t.ends_with("e15")),
            "{:?}",
            texts(&huge)
        );

        let mixes = [
            Mix {
                title: "one".into(),
                x_label: "x".into(),
                xs: vec![0.5],
                feasible: vec![true],
                layers: vec![("a".into(), vec![3.0])],
            },
            Mix {
                title: "none".into(),
                x_label: "x".into(),
                xs: (0..20).map(f64::from).collect(),
                feasible: vec![false; 20],
                layers: vec![("a".into(), vec![0.0; 20])],
            },
            Mix {
                title: "zero".into(),
                x_label: "x".into(),
                xs: vec![0.0, 1.0],
                feasible: vec![true, true],
                layers: vec![("a".into(), vec![0.0, 0.0])],
            },
            Mix {
                title: "odd".into(),
                x_label: "x".into(),
                xs: (0..20).map(f64::from).collect(),
                feasible: vec![true; 20],
                layers: vec![
                    (
                        "a".into(),
                        (0..20)
                            .map(|i| if i % 3 == 0 { -1e15 } else { 1e15 })
                            .collect(),
                    ),
                    (
                        "b".into(),
                        (0..20)
                            .map(|i| if i == 4 { f64::NAN } else { 2.0 })
                            .collect(),
                    ),
                ],
            },
            Mix {
                title: "empty".into(),
                x_label: "x".into(),
                xs: vec![],
                feasible: vec![],
                layers: vec![],
            },
            Mix {
                title: "overflow".into(),
                x_label: "x".into(),
                xs: vec![-f64::MAX, 0.0, f64::MAX],
                feasible: vec![true, true, true],
                layers: vec![
                    ("a".into(), vec![f64::MAX, f64::MAX, 1.0]),
                    ("b".into(), vec![-f64::MAX, f64::MAX, 1.0]),
                ],
            },
            Mix {
                title: "same x".into(),
                x_label: "x".into(),
                xs: vec![1.0, 1.0, 1.0],
                feasible: vec![true, false, true],
                layers: vec![("a".into(), vec![1.0, 2.0, 3.0])],
            },
        ];
        for m in &mixes {
            let svg = mix(m, 640, 400).unwrap_or_else(|e| panic!("{m:?}: {e}"));
            assert_well_formed(&svg);
            let svg =
                sweep_panels(&curves[0], m, 640, 640).unwrap_or_else(|e| panic!("{m:?}: {e}"));
            assert_well_formed(&svg);
        }
        assert!(has_text(
            &mix(&mixes[1], 640, 400).unwrap(),
            "no feasible point"
        ));

        let bar = |stacks: Vec<(String, Vec<Option<f64>>)>, n: usize| Bars {
            title: "edge".into(),
            y_label: "cost".into(),
            categories: (0..n).map(|i| format!("c{i}")).collect(),
            stacks,
        };
        let barss = [
            bar(vec![("a".into(), vec![None, None])], 2),
            bar(vec![("a".into(), vec![Some(0.0), Some(0.0)])], 2),
            bar(
                vec![
                    ("a".into(), vec![Some(1e15)]),
                    ("b".into(), vec![Some(2e15)]),
                ],
                1,
            ),
            bar(
                vec![
                    ("a".into(), vec![Some(-3.0), Some(2.0)]),
                    ("b".into(), vec![Some(1.0), Some(-4.0)]),
                ],
                2,
            ),
            bar(
                vec![("a".into(), vec![Some(f64::NAN), Some(f64::INFINITY)])],
                2,
            ),
            bar(
                vec![
                    ("a".into(), vec![Some(f64::MAX), Some(-f64::MAX)]),
                    ("b".into(), vec![Some(f64::MAX), Some(1.0)]),
                ],
                2,
            ),
            bar(vec![], 3),
            bar(vec![], 0),
            bar(
                vec![("a".into(), (0..40).map(|i| Some(i as f64)).collect())],
                40,
            ),
        ];
        for b in &barss {
            let svg = bars(b, 640, 400).unwrap_or_else(|e| panic!("{b:?}: {e}"));
            assert_well_formed(&svg);
        }
        let none = bars(&barss[0], 640, 400).unwrap();
        assert_eq!(texts(&none).iter().filter(|t| *t == "no plan").count(), 2);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(cost_curve(&sample_curve(), 10, 10).is_err());
        assert!(cost_curve(&sample_curve(), 0, 400).is_err());
        assert!(sweep_panels(&sample_curve(), &sample_mix(), 900, 200).is_err());
        let mut m = sample_mix();
        m.feasible.pop();
        let e = mix(&m, 900, 560).unwrap_err();
        assert!(e.contains("feasibility"), "{e}");
        let mut m = sample_mix();
        m.layers[1].1.push(1.0);
        assert!(mix(&m, 900, 560).unwrap_err().contains("ascend-910c"));
        let mut b = sample_bars();
        b.stacks[0].1.pop();
        assert!(bars(&b, 900, 560).unwrap_err().contains("capex"));
    }

    #[test]
    fn output_is_deterministic_and_uses_the_palette_in_order() {
        let a = mix(&sample_mix(), 900, 560).unwrap();
        let b = mix(&sample_mix(), 900, 560).unwrap();
        assert_eq!(a, b);
        assert_eq!(hex(0), "#0072B2");
        assert_eq!(hex(1), "#E69F00");
        assert_eq!(hex(2), "#009E73");
        assert_eq!(hex(12), hex(0));
        let distinct: std::collections::BTreeSet<String> = (0..12).map(hex).collect();
        assert_eq!(distinct.len(), 12);
    }

    #[test]
    fn the_svg_is_self_contained() {
        for svg in [
            cost_curve(&sample_curve(), 900, 560).unwrap(),
            mix(&sample_mix(), 900, 560).unwrap(),
            bars(&sample_bars(), 900, 560).unwrap(),
        ] {
            assert!(!svg.contains("href"));
            assert!(!svg.contains("url("));
            assert!(!svg.contains("@import"));
            assert!(svg.trim_end().ends_with("</svg>"));
        }
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn num() -> impl Strategy<Value = f64> {
            prop_oneof![
                4 => -1e3..1e16f64,
                1 => Just(0.0),
                1 => any::<f64>(),
            ]
        }

        fn label() -> impl Strategy<Value = String> {
            prop_oneof![Just(String::new()), "[a-z&<>\"' \n]{0,40}", any::<String>()]
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

            #[test]
            fn any_cost_curve_is_a_valid_svg(
                series in prop::collection::vec(
                    (label(), prop::collection::vec((num(), prop::option::of(num())), 0..25)),
                    0..4,
                ),
                title in label(),
                w in 240u32..1400,
                h in 320u32..1000,
            ) {
                let c = CostCurve {
                    title,
                    x_label: "x".into(),
                    currency: "CNY".into(),
                    series: series.into_iter().map(|(label, points)| Series { label, points }).collect(),
                };
                let svg = cost_curve(&c, w, h).unwrap();
                assert_well_formed(&svg);
            }

            #[test]
            fn any_mix_is_a_valid_svg(
                cols in prop::collection::vec((num(), any::<bool>(), prop::collection::vec(num(), 3)), 0..30),
                ids in prop::collection::vec(label(), 3),
                w in 240u32..1400,
                h in 320u32..1000,
            ) {
                let m = Mix {
                    title: "mix".into(),
                    x_label: "x".into(),
                    xs: cols.iter().map(|c| c.0).collect(),
                    feasible: cols.iter().map(|c| c.1).collect(),
                    layers: ids
                        .into_iter()
                        .enumerate()
                        .map(|(k, id)| (id, cols.iter().map(|c| c.2[k]).collect()))
                        .collect(),
                };
                assert_well_formed(&mix(&m, w, h).unwrap());
                assert_well_formed(&sweep_panels(&sample_curve(), &m, w, h).unwrap());
            }

            #[test]
            fn any_bars_are_a_valid_svg(
                cats in prop::collection::vec((label(), prop::collection::vec(prop::option::of(num()), 2)), 0..12),
                w in 240u32..1400,
                h in 160u32..1000,
            ) {
                let b = Bars {
                    title: "bars".into(),
                    y_label: "cost".into(),
                    categories: cats.iter().map(|c| c.0.clone()).collect(),
                    stacks: (0..2)
                        .map(|k| (format!("s{k}"), cats.iter().map(|c| c.1[k]).collect()))
                        .collect(),
                };
                assert_well_formed(&bars(&b, w, h).unwrap());
            }
        }
    }
}
