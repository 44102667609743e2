//! Number formatting for people: thousands separators and sensible decimals.

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

/// Money: whole currency units with separators.
pub fn money(v: f64) -> String {
    grouped(v.round(), 0)
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
    }
}
