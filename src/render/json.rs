//! The plan's JSON contract: one object, keys in contract order, pretty-printed; and
//! [`to_text`], the one JSON writer of every renderer: numbers cleaned of floating-point
//! noise ([`crate::numfmt::clean`]), never with an exponent, never `-0`.

use crate::numfmt::clean;
use crate::plan::Plan;
use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};
use std::io;

/// Renders `plan` (its figures as [`super::figures::plan`] writes them) as JSON, with a
/// trailing newline.
pub fn render(plan: &Plan) -> String {
    to_text(plan)
}

/// `value` as pretty-printed JSON with a trailing newline; floating-point numbers are
/// [`clean`]ed and written in plain decimal notation (`0.000001`, `1346.84`, `2.0`).
pub fn to_text<T: Serialize + ?Sized>(value: &T) -> String {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, Tidy(PrettyFormatter::new()));
    let mut out = match value.serialize(&mut ser) {
        Ok(()) => String::from_utf8(buf).unwrap_or_default(),
        Err(e) => serde_json::json!({"status": "error", "message": e.to_string()}).to_string(),
    };
    out.push('\n');
    out
}

/// serde_json's pretty printer with numbers as [`to_text`] writes them.
struct Tidy(PrettyFormatter<'static>);

impl Formatter for Tidy {
    fn write_f64<W: ?Sized + io::Write>(&mut self, w: &mut W, v: f64) -> io::Result<()> {
        let text = format!("{}", clean(v));
        w.write_all(text.as_bytes())?;
        if !text.contains('.') {
            w.write_all(b".0")?;
        }
        Ok(())
    }

    fn write_f32<W: ?Sized + io::Write>(&mut self, w: &mut W, v: f32) -> io::Result<()> {
        self.write_f64(w, f64::from(v))
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

#[cfg(test)]
mod tests {
    use super::to_text;

    #[test]
    fn numbers_are_plain_and_clean() {
        let text = to_text(&serde_json::json!({
            "a": 1346.8400000000001, "b": -0.0, "c": 1e-6, "d": 2.0, "e": 3, "f": [0.1 + 0.2]
        }));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["a"], 1346.84);
        assert!(text.contains("\"b\": 0.0"), "{text}");
        assert!(text.contains("\"c\": 0.000001"), "{text}");
        assert!(text.contains("\"d\": 2.0"), "{text}");
        assert!(text.contains("\"e\": 3"), "{text}");
        assert!(text.contains("0.3"), "{text}");
    }
}
