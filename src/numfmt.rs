//! Number formatting for people and for files: thousands separators and sensible decimals
//! in the human formats; in every format, money to the cent and other figures cleaned of
//! floating-point noise, never `-0`.
//!
//! The precisions, in one place:
//! - **money** ([`cents`]) is rounded to the cent (two decimals);
//! - **every other figure** ([`clean`]) keeps 12 significant digits (at least two decimals
//!   from 1e10 up), and a magnitude below 1e-9 is written as 0: the sums of many floating-
//!   point numbers carry noise in the 16th or 17th digit (`1346.8400000000001`), never a
//!   meaning;
//! - **parts of a total** ([`apportion`]) are rounded to the cent so that they add up to the
//!   total rounded to the cent, as in a financial statement: each part moves by less than a
//!   cent, the total not at all.

/// `v` rounded to the cent, with `-0` written as 0.
pub fn cents(v: f64) -> f64 {
    if !v.is_finite() {
        return v;
    }
    let c = (v * 100.0).round() / 100.0;
    if c == 0.0 { 0.0 } else { c }
}

/// Figures below this magnitude are floating-point noise, written as 0.
pub const NOISE: f64 = 1e-9;

/// `v` cleaned of floating-point noise: 12 significant digits (at least two decimals from
/// 1e10 up, where 12 digits would drop the cents), 0 below [`NOISE`], `-0` written as 0.
pub fn clean(v: f64) -> f64 {
    if !v.is_finite() {
        return v;
    }
    if v.abs() < NOISE {
        return 0.0;
    }
    if v.abs() >= 1e10 {
        return cents(v);
    }
    let c = format!("{v:.11e}").parse::<f64>().unwrap_or(v);
    if c == 0.0 { 0.0 } else { c }
}

/// `v` as a plain number for a file (CSV): [`clean`]ed, never with an exponent (`0.000001`,
/// not `1e-6`), whole numbers without a decimal point.
pub fn plain(v: f64) -> String {
    format!("{}", clean(v))
}

/// Money as a plain number for a file: [`cents`], never with an exponent.
pub fn plain_money(v: f64) -> String {
    format!("{}", cents(v))
}

/// `parts` rounded to the cent so that they add up to `total` rounded to the cent (the
/// largest-remainder method): each part is rounded down, then the cents still missing go to
/// the parts that lost the most. Parts that do not add up to `total` to within a cent each
/// are rounded one by one instead (their sum then states its own total).
pub fn apportion(parts: &[f64], total: f64) -> Vec<f64> {
    let target = (total * 100.0).round();
    let scaled: Vec<f64> = parts.iter().map(|p| p * 100.0).collect();
    // A part already to the cent (12.35 is 1234.9999... cents) stays as it is.
    let floors: Vec<f64> = scaled.iter().map(|s| (s + 1e-6).floor()).collect();
    let missing = target - floors.iter().sum::<f64>();
    let fits = parts.iter().all(|p| p.is_finite())
        && target.is_finite()
        && missing >= 0.0
        && missing <= parts.len() as f64;
    if !fits {
        return parts.iter().map(|&p| cents(p)).collect();
    }
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| {
        (scaled[b] - floors[b])
            .total_cmp(&(scaled[a] - floors[a]))
            .then(a.cmp(&b))
    });
    let mut out = floors;
    for &i in order.iter().take(missing as usize) {
        out[i] += 1.0;
    }
    out.iter().map(|c| cents(c / 100.0)).collect()
}

/// The sum of amounts already in cents, free of the noise their floating-point sum picks up.
pub fn sum_cents(parts: impl IntoIterator<Item = f64>) -> f64 {
    let c: f64 = parts.into_iter().map(|p| (p * 100.0).round()).sum();
    cents(c / 100.0)
}

/// `v` with thousands separators and `decimals` digits after the point.
pub fn grouped(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (s.clone(), None),
    };
    let mut out = String::new();
    for (n, ch) in int.chars().enumerate() {
        if n > 0 && (int.len() - n) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(&f);
    }
    if v < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.insert(0, '-');
    }
    out
}

/// A quantity: whole numbers without decimals, others with up to `decimals`.
pub fn qty(v: f64, decimals: usize) -> String {
    if v.fract() == 0.0 {
        grouped(v, 0)
    } else {
        let s = grouped(v, decimals);
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    }
}

/// Money: whole currency units with separators (for prose and limits).
pub fn money(v: f64) -> String {
    grouped(v.round(), 0)
}

/// An amount that adds up with others (the costs of a plan): with separators, to the cent
/// when it has cents, in whole units when it has none (`1,346.84`, `4,000,000,000`).
pub fn amount(v: f64) -> String {
    let c = cents(v);
    if c.fract() == 0.0 {
        grouped(c, 0)
    } else {
        grouped(c, 2)
    }
}

/// A share in [0, 1] as a percentage with two decimals.
pub fn percent(v: f64) -> String {
    format!("{:.2}%", v * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(grouped(1234567.891, 2), "1,234,567.89");
        assert_eq!(grouped(-1200.0, 0), "-1,200");
        assert_eq!(grouped(999.0, 0), "999");
        assert_eq!(qty(2.50, 3), "2.5");
        assert_eq!(qty(1000.0, 3), "1,000");
        assert_eq!(money(4.0e9), "4,000,000,000");
        assert_eq!(percent(0.5012), "50.12%");
        assert_eq!(amount(1346.8400000000001), "1,346.84");
        assert_eq!(amount(2.0e9), "2,000,000,000");
        assert_eq!(amount(-0.001), "0");
    }

    #[test]
    fn noise_and_negative_zero_are_gone() {
        assert_eq!(plain(1346.8400000000001), "1346.84");
        assert_eq!(plain_money(-9746175.200000003), "-9746175.2");
        assert_eq!(plain(-0.0), "0");
        assert_eq!(plain(-1e-12), "0");
        assert_eq!(plain(1e-6), "0.000001");
        assert_eq!(plain(0.1 + 0.2), "0.3");
        assert_eq!(plain(3.0e12 + 0.004), "3000000000000");
        assert_eq!(plain_money(-0.004), "0");
        assert_eq!(cents(12.345_000_1), 12.35);
    }

    #[test]
    fn parts_add_up_to_their_total() {
        let parts = [0.333_333, 0.333_333, 0.333_334];
        let shown = apportion(&parts, 1.0);
        assert_eq!(sum_cents(shown.iter().copied()), 1.0);
        assert!(shown.iter().zip(parts).all(|(s, p)| (s - p).abs() < 0.01));
        let parts = [100.004, 200.004, 300.004];
        assert_eq!(sum_cents(apportion(&parts, 600.012)), 600.01);
        // Parts already to the cent stay as they are (rounding twice changes nothing).
        let once = apportion(&[12.35, 0.1, 0.2, 1346.84], 1359.49);
        assert_eq!(once, vec![12.35, 0.1, 0.2, 1346.84]);
        assert_eq!(apportion(&once, sum_cents(once.iter().copied())), once);
        // Parts that do not add up to the total are rounded one by one.
        assert_eq!(apportion(&[1.0, 2.0], 10.0), vec![1.0, 2.0]);
    }
}
