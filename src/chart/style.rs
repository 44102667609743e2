//! The shared look of the charts: colour palette, fonts, tick-label formatting, label
//! clean-up and the legend column drawn beside each plot.
//!
//! Text is written as SVG `<text>` elements in the generic `sans-serif` family, so the
//! viewer picks the font; nothing is embedded or linked. Widths of text are estimated
//! from the number of characters (about 0.6 em each), which is what layout here relies on.

use plotters::coord::Shift;
use plotters::coord::ranged1d::Ranged;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The Okabe-Ito palette (colour-blind friendly), ordered so that the first colours are
/// the most distinct from each other and from the white background, then four colours
/// from Paul Tol's muted scheme for charts with more entries. Used in this order for
/// series, layers and stacks; it repeats after twelve entries.
pub(crate) const PALETTE: [RGBColor; 12] = [
    RGBColor(0x00, 0x72, 0xB2), // blue
    RGBColor(0xE6, 0x9F, 0x00), // orange
    RGBColor(0x00, 0x9E, 0x73), // bluish green
    RGBColor(0xCC, 0x79, 0xA7), // reddish purple
    RGBColor(0x56, 0xB4, 0xE9), // sky blue
    RGBColor(0xD5, 0x5E, 0x00), // vermillion
    RGBColor(0xF0, 0xE4, 0x42), // yellow
    RGBColor(0x00, 0x00, 0x00), // black
    RGBColor(0x88, 0x22, 0x55), // wine
    RGBColor(0x99, 0x99, 0x33), // olive
    RGBColor(0x33, 0x22, 0x88), // indigo
    RGBColor(0xAA, 0xAA, 0xAA), // grey
];

/// The palette colour for the `i`-th series, layer or stack.
pub(crate) fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Fill of the band behind infeasible x ranges: a light red.
pub(crate) const BAND_FILL: RGBAColor = RGBAColor(0xC8, 0x28, 0x28, 0.12);
/// Outline of the band's legend swatch.
pub(crate) const BAND_EDGE: RGBAColor = RGBAColor(0xC8, 0x28, 0x28, 0.45);
/// Dark grey for text.
pub(crate) const INK: RGBColor = RGBColor(0x33, 0x33, 0x33);
/// Mid grey for notes such as "no plan".
pub(crate) const MUTED: RGBColor = RGBColor(0x77, 0x77, 0x77);
/// Grid lines.
pub(crate) const GRID: RGBColor = RGBColor(0xE3, 0xE3, 0xE3);
/// Axis lines.
pub(crate) const AXIS: RGBColor = RGBColor(0x88, 0x88, 0x88);

/// Font family of every text element.
pub(crate) const FAMILY: &str = "sans-serif";
/// Title size in pixels.
pub(crate) const TITLE_PX: f64 = 17.0;
/// Axis description size in pixels.
pub(crate) const DESC_PX: f64 = 13.0;
/// Tick label, legend and category label size in pixels.
pub(crate) const LABEL_PX: f64 = 12.0;
/// Estimated width of one character, in em.
const CHAR_EM: f64 = 0.6;

/// Number of tick labels asked for on each axis.
pub(crate) const X_LABELS: usize = 11;
/// Number of tick labels asked for on the y axis.
pub(crate) const Y_LABELS: usize = 7;

/// A text style whose SVG `font-size` is `px` (plotters divides the size it is given by
/// 1.24 when it writes the SVG).
pub(crate) fn text_px(px: f64, style: FontStyle, color: &'static RGBColor) -> TextStyle<'static> {
    TextStyle::from(FontDesc::new(FontFamily::Name(FAMILY), px * 1.24, style)).color(color)
}

/// Estimated width in pixels of `s` at `px`.
pub(crate) fn text_width(s: &str, px: f64) -> f64 {
    s.chars().count() as f64 * px * CHAR_EM
}

/// Whether `v` can be drawn: finite and within ±1e300, so that spans and padding of a
/// range stay finite. Other values count as missing.
pub(crate) fn usable(v: f64) -> bool {
    v.is_finite() && v.abs() <= 1e300
}

/// `s` with characters that XML cannot hold (control characters, including line breaks,
/// and U+FFFE/U+FFFF) replaced by spaces. `&`, `<`, `>` and quotes are left alone: the SVG
/// backend escapes them.
pub(crate) fn clean(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_string()
}

/// `s` cut to at most `max_chars` characters, ending in `…` when cut.
pub(crate) fn truncate(s: &str, max_chars: usize) -> String {
    let n = s.chars().count();
    if n <= max_chars {
        return s.to_string();
    }
    if max_chars == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(max_chars - 1).collect();
    out.push('…');
    out
}

/// `s` cut to at most `max_chars` characters by replacing its middle with `…`, which
/// keeps the ends that usually tell similar ids apart (`accelerator-m…-10-extended`).
pub(crate) fn truncate_middle(s: &str, max_chars: usize) -> String {
    let n = s.chars().count();
    if n <= max_chars {
        return s.to_string();
    }
    if max_chars < 5 {
        return truncate(s, max_chars);
    }
    let tail = (max_chars - 1) / 2;
    let head = max_chars - 1 - tail;
    let mut out: String = s.chars().take(head).collect();
    out.push('…');
    out.extend(s.chars().skip(n - tail));
    out
}

/// `s` (already cleaned) broken at spaces into at most `lines` lines of at most
/// `max_chars` characters each; the last line is truncated with `…` if needed.
pub(crate) fn wrap(s: &str, max_chars: usize, lines: usize) -> Vec<String> {
    let max_chars = max_chars.max(1);
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let words: Vec<&str> = s.split(' ').filter(|w| !w.is_empty()).collect();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let candidate = if current.is_empty() {
            w.to_string()
        } else {
            format!("{current} {w}")
        };
        if candidate.chars().count() <= max_chars || current.is_empty() {
            current = candidate;
            i += 1;
        } else {
            out.push(std::mem::take(&mut current));
        }
        if out.len() + 1 == lines {
            // Last line: put everything left in it.
            let rest: Vec<&str> = if current.is_empty() {
                words[i..].to_vec()
            } else {
                std::iter::once(current.as_str())
                    .chain(words[i..].iter().copied())
                    .collect()
            };
            out.push(truncate(&rest.join(" "), max_chars));
            return out.into_iter().filter(|l| !l.is_empty()).collect();
        }
    }
    if !current.is_empty() {
        out.push(truncate(&current, max_chars));
    }
    out.into_iter()
        .map(|l| truncate(&l, max_chars))
        .filter(|l| !l.is_empty())
        .collect()
}

/// `v` with `decimals` digits after the point and thousands separators; never `-0`.
pub(crate) fn grouped(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s.as_str(), None),
    };
    let mut out = String::new();
    let len = int.len();
    for (n, ch) in int.chars().enumerate() {
        if n > 0 && (len - n) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    if v < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.insert(0, '-');
    }
    out
}

/// Formats the tick labels of one axis: one scale (plain, `M`, `B`, `T` or a power of
/// ten such as `e15`) and one number of decimals for all labels, chosen from the range
/// and from the tick step that plotters will use for it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TickFmt {
    scale: f64,
    suffix: String,
    decimals: usize,
}

impl TickFmt {
    /// The format for an axis over `lo..hi` with at most `max_labels` labels.
    pub(crate) fn new(lo: f64, hi: f64, max_labels: usize) -> TickFmt {
        let m = lo.abs().max(hi.abs());
        let (scale, suffix) = if m >= 1e15 {
            let e = m.log10().floor() as i32;
            (10f64.powi(e), format!("e{e}"))
        } else if m >= 1e12 {
            (1e12, "T".to_string())
        } else if m >= 1e9 {
            (1e9, "B".to_string())
        } else if m >= 1e6 {
            (1e6, "M".to_string())
        } else {
            (1.0, String::new())
        };
        let ticks = ticks(lo, hi, max_labels);
        let step = ticks
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(f64::INFINITY, f64::min);
        let decimals = if step.is_finite() && step > 0.0 {
            ((-(step / scale).log10()) - 1e-9).ceil().clamp(0.0, 6.0) as usize
        } else {
            let rel = m / scale;
            if rel == 0.0 || rel >= 10.0 { 0 } else { 2 }
        };
        TickFmt {
            scale,
            suffix,
            decimals,
        }
    }

    /// The label for `v`.
    pub(crate) fn format(&self, v: f64) -> String {
        let scaled = v / self.scale;
        let body = grouped(scaled, self.decimals);
        if body.chars().all(|c| c == '0' || c == '.' || c == ',') {
            return "0".to_string();
        }
        format!("{body}{}", self.suffix)
    }
}

/// The tick values plotters draws on an `f64` axis over `lo..hi` with `max_labels` labels.
pub(crate) fn ticks(lo: f64, hi: f64, max_labels: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) {
        return Vec::new();
    }
    let r: RangedCoordf64 = (lo..hi).into();
    r.key_points(max_labels)
}

/// `(lo, hi)` made safe for an axis: finite, `lo < hi`. Equal ends are widened.
pub(crate) fn safe_range(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) || lo > hi {
        return (0.0, 1.0);
    }
    if hi - lo <= f64::EPSILON * hi.abs().max(lo.abs()).max(1.0) {
        let d = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        return (lo - d, hi + d);
    }
    (lo, hi)
}

/// A y range for values spanning `lo..=hi` (both finite): padded by 8% at each end,
/// not crossing zero when the data do not.
pub(crate) fn value_range(lo: f64, hi: f64) -> (f64, f64) {
    if lo == hi {
        if lo == 0.0 {
            return (0.0, 1.0);
        }
        let d = lo.abs() * 0.1;
        let (a, b) = (lo - d, hi + d);
        return (if lo > 0.0 { a.max(0.0) } else { a }, b);
    }
    let pad = (hi - lo) * 0.08;
    let a = if lo >= 0.0 {
        (lo - pad).max(0.0)
    } else {
        lo - pad
    };
    let b = if hi <= 0.0 {
        (hi + pad).min(0.0)
    } else {
        hi + pad
    };
    safe_range(a, b)
}

/// What the legend shows in front of a label.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Swatch {
    /// A line with a marker, for a cost series.
    Line(RGBColor),
    /// A filled square, for an area layer or a bar stack.
    Fill(RGBColor),
    /// The infeasible band.
    Band,
}

/// One row of the legend.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LegendItem {
    /// What is drawn before the label.
    pub(crate) swatch: Swatch,
    /// The label (cleaned, possibly truncated).
    pub(crate) label: String,
}

impl LegendItem {
    /// A row with `label` cleaned and cut to a sensible length.
    pub(crate) fn new(swatch: Swatch, label: &str) -> LegendItem {
        LegendItem {
            swatch,
            label: truncate_middle(&clean(label), LEGEND_MAX_CHARS),
        }
    }
}

/// Longest legend label, in characters.
const LEGEND_MAX_CHARS: usize = 28;
/// Height of one legend row.
const LEGEND_ROW: i32 = 20;
/// Where a legend label starts, from the left edge of the legend column.
const LEGEND_TEXT_X: i32 = 38;

/// Width of the column needed for `items` (0 when there are none).
pub(crate) fn legend_width(items: &[LegendItem]) -> u32 {
    if items.is_empty() {
        return 0;
    }
    let longest = items
        .iter()
        .map(|i| text_width(&i.label, LABEL_PX))
        .fold(0.0, f64::max);
    LEGEND_TEXT_X as u32 + longest.ceil() as u32 + 14
}

/// Draws `items` top-down in `area` (the legend column), starting `top` pixels down.
/// Rows that do not fit are summarised as "… N more".
pub(crate) fn draw_legend(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    items: &[LegendItem],
    top: i32,
) -> Result<(), String> {
    let (w, h) = area.dim_in_pixel();
    let max_chars =
        ((w as f64 - LEGEND_TEXT_X as f64 - 6.0) / (LABEL_PX * CHAR_EM)).max(3.0) as usize;
    let label_style =
        text_px(LABEL_PX, FontStyle::Normal, &INK).pos(Pos::new(HPos::Left, VPos::Center));
    let fit = (((h as i32 - top) / LEGEND_ROW).max(1)) as usize;
    for (row, item) in items.iter().enumerate() {
        let cy = top + LEGEND_ROW / 2 + row as i32 * LEGEND_ROW;
        if row + 1 == fit && items.len() > fit {
            let more = format!("… {} more", items.len() - row);
            area.draw(&Text::new(more, (LEGEND_TEXT_X, cy), label_style.clone()))
                .map_err(err)?;
            break;
        }
        match item.swatch {
            Swatch::Line(c) => {
                area.draw(&PathElement::new(
                    vec![(8, cy), (30, cy)],
                    c.stroke_width(2),
                ))
                .map_err(err)?;
                area.draw(&Circle::new((19, cy), 4, c.filled()))
                    .map_err(err)?;
            }
            Swatch::Fill(c) => {
                area.draw(&Rectangle::new([(12, cy - 6), (26, cy + 7)], c.filled()))
                    .map_err(err)?;
            }
            Swatch::Band => {
                area.draw(&Rectangle::new(
                    [(12, cy - 6), (26, cy + 7)],
                    BAND_FILL.filled(),
                ))
                .map_err(err)?;
                area.draw(&Rectangle::new([(12, cy - 6), (26, cy + 7)], BAND_EDGE))
                    .map_err(err)?;
            }
        }
        area.draw(&Text::new(
            truncate_middle(&item.label, max_chars),
            (LEGEND_TEXT_X, cy),
            label_style.clone(),
        ))
        .map_err(err)?;
    }
    Ok(())
}

/// A plotters error as the plain string the public functions return.
pub(crate) fn err<E: std::fmt::Display>(e: E) -> String {
    format!("drawing the chart failed: {e}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_labels_use_one_scale_and_enough_decimals() {
        let f = TickFmt::new(3.8e9, 6.7e9, Y_LABELS);
        assert_eq!(f.format(4.0e9), "4.0B");
        assert_eq!(f.format(4.5e9), "4.5B");
        let f = TickFmt::new(0.0, 1.0, X_LABELS);
        assert_eq!(f.format(0.3), "0.3");
        assert_eq!(f.format(0.0), "0");
        let f = TickFmt::new(0.0, 12_000.0, Y_LABELS);
        assert_eq!(f.format(10_000.0), "10,000");
        let f = TickFmt::new(0.0, 3.0e15, Y_LABELS);
        assert_eq!(f.format(2.0e15), "2.0e15");
        let f = TickFmt::new(0.0, 2.0e6, Y_LABELS);
        assert_eq!(f.format(1.5e6), "1.5M");
    }

    #[test]
    fn tick_labels_are_distinct() {
        for (lo, hi) in [
            (3.9e9, 6.6e9),
            (0.0, 1.0),
            (-0.2, 0.8),
            (0.0, 1.0e15),
            (99.0, 101.0),
        ] {
            let f = TickFmt::new(lo, hi, Y_LABELS);
            let labels: Vec<String> = ticks(lo, hi, Y_LABELS)
                .iter()
                .map(|&t| f.format(t))
                .collect();
            let mut dedup = labels.clone();
            dedup.dedup();
            assert_eq!(labels, dedup, "{lo}..{hi}");
            assert!(labels.len() >= 2, "{lo}..{hi}: {labels:?}");
        }
    }

    #[test]
    fn clean_wrap_and_truncate() {
        assert_eq!(clean("a\nb\u{1}c "), "a b c");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(
            truncate_middle("accelerator-model-number-10-extended", 26),
            "accelerator-m…-10-extended"
        );
        assert_eq!(truncate_middle("abcdefgh", 4), "abc…");
        assert_eq!(truncate_middle("abc", 4), "abc");
        assert_eq!(wrap("low cost variant", 8, 2), vec!["low cost", "variant"]);
        assert_eq!(
            wrap("a very long category name", 8, 2),
            vec!["a very", "long ca…"]
        );
        assert_eq!(wrap("x", 8, 2), vec!["x"]);
        assert!(wrap("", 8, 2).is_empty());
        assert_eq!(wrap("abcdefghijkl", 5, 2), vec!["abcd…"]);
    }

    #[test]
    fn ranges_are_safe() {
        assert_eq!(safe_range(f64::NAN, 1.0), (0.0, 1.0));
        assert_eq!(safe_range(2.0, 2.0), (1.8, 2.2));
        assert_eq!(value_range(0.0, 0.0), (0.0, 1.0));
        let (a, b) = value_range(4.0e9, 6.5e9);
        assert!(a < 4.0e9 && a > 3.0e9 && b > 6.5e9);
        assert_eq!(value_range(0.0, 10.0).0, 0.0);
        assert_eq!(grouped(-0.0001, 2), "0.00");
        assert_eq!(grouped(-1234.5, 1), "-1,234.5");
    }
}
