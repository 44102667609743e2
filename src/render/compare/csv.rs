//! A comparison as CSV: one row per figure (`status`, `total_cost`, ..., `units.<id>`,
//! `binding`), a column per plan, then `delta.<label>` columns against the first plan.
//! Numbers are plain (no grouping, no exponent), money to the cent; empty cells where a plan
//! has no figure.

use crate::compare::Comparison;
use crate::render::csv_safe;

/// Renders `c` as CSV.
pub fn render(c: &Comparison) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["metric".to_string()];
    header.extend(c.entries.iter().map(|e| csv_safe(&e.label)));
    header.extend(c.entries[1..].iter().map(|e| format!("delta.{}", e.label)));
    let _ = w.write_record(&header);
    let pad = c.entries.len() - 1;
    let mut status = vec!["status".to_string()];
    status.extend(c.entries.iter().map(|e| e.plan.status.as_str().to_string()));
    status.extend(std::iter::repeat_n(String::new(), pad));
    let _ = w.write_record(&status);
    for m in c.metrics() {
        let cell = |v: Option<f64>| {
            v.map(|x| crate::numfmt::plain(super::tidy(&m.key, x)))
                .unwrap_or_default()
        };
        let mut r = vec![csv_safe(&m.key)];
        r.extend(m.values.iter().map(|v| cell(*v)));
        r.extend((1..c.entries.len()).map(|i| cell(m.delta(i))));
        let _ = w.write_record(&r);
    }
    let mut binding = vec!["binding".to_string()];
    binding.extend(
        c.entries
            .iter()
            .map(|e| csv_safe(&e.plan.binding.join(";"))),
    );
    binding.extend(std::iter::repeat_n(String::new(), pad));
    let _ = w.write_record(&binding);
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}
