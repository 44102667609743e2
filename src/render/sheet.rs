//! What every Excel workbook shares (see [`super::xlsx`], `compare/xlsx.rs`,
//! `sweep/xlsx.rs`, `explain/xlsx.rs`): typed cells, the number formats (money in the
//! scenario's currency, shares as percentages), one sheet per table with a bold, frozen
//! header row and column widths set from the content, and a fixed creation date so that
//! the same input gives the same bytes.

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

/// The creation date of a workbook when `SOURCE_DATE_EPOCH` is not set: 2000-01-01 UTC.
pub const DEFAULT_CREATED: i64 = 946_684_800;

/// The longest text a cell holds (Excel's limit); longer text is cut, marked with `…`.
const MAX_TEXT: usize = 32_767;

/// A workbook could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the Excel workbook: {0}")]
pub struct WorkbookError(#[from] XlsxError);

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text, written as text whatever it holds (never run as a formula).
    Text(String),
    /// A plain number.
    Num(f64),
    /// An amount of money, in the workbook's currency format.
    Money(f64),
    /// A fraction shown as a percentage (0.5 is 50.00%).
    Share(f64),
    /// Nothing.
    Blank,
}

impl Cell {
    /// Text.
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    /// A number, or blank.
    pub fn num(v: Option<f64>) -> Cell {
        v.map_or(Cell::Blank, Cell::Num)
    }

    /// Money, or blank.
    pub fn money(v: Option<f64>) -> Cell {
        v.map_or(Cell::Blank, Cell::Money)
    }

    /// A share, or blank.
    pub fn share(v: Option<f64>) -> Cell {
        v.map_or(Cell::Blank, Cell::Share)
    }

    /// Text, or blank.
    pub fn opt(s: Option<&str>) -> Cell {
        s.map_or(Cell::Blank, Cell::text)
    }

    /// A number when `s` is a plain finite number (`0.5`, `-3`, `1e9`), else text: the
    /// values of swept parameters, which are written as given.
    pub fn parsed(s: &str) -> Cell {
        let numeric = s.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '.'))
            && s.chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
        match s.parse::<f64>() {
            Ok(v) if numeric && v.is_finite() => Cell::Num(v),
            _ => Cell::text(s),
        }
    }

    /// How many characters wide the cell shows, for the column width.
    fn width(&self) -> usize {
        match self {
            Cell::Text(s) => s.chars().count(),
            Cell::Num(v) => crate::numfmt::plain(*v).len(),
            // Grouping, two decimals and the currency code.
            Cell::Money(v) => crate::numfmt::grouped(*v, 2).len() + 4,
            Cell::Share(_) => 8,
            Cell::Blank => 0,
        }
    }
}

/// A workbook being written, with its formats.
pub struct Book {
    workbook: Workbook,
    header: Format,
    money: Format,
    number: Format,
    share: Format,
}

impl Book {
    /// An empty workbook whose money is shown in `currency`, created at `created` (seconds
    /// since 1970-01-01 UTC, within Excel's years 1900-9999).
    pub fn new(currency: &str, created: i64) -> Result<Book, WorkbookError> {
        let mut workbook = Workbook::new();
        let date = ExcelDateTime::from_timestamp(created)?;
        workbook.set_properties(&DocProperties::new().set_creation_datetime(&date));
        let code: String = currency
            .chars()
            .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
            .collect();
        let money = if code.is_empty() {
            "#,##0.00".to_string()
        } else {
            format!("#,##0.00 \"{code}\"")
        };
        Ok(Book {
            workbook,
            header: Format::new().set_bold(),
            money: Format::new().set_num_format(money),
            number: Format::new(),
            share: Format::new().set_num_format("0.00%"),
        })
    }

    /// Adds the sheet `name` with a frozen bold `header` row and `rows` below it, columns
    /// as wide as their content; returns the sheet for more cells.
    pub fn table(
        &mut self,
        name: &str,
        header: &[String],
        rows: &[Vec<Cell>],
    ) -> Result<&mut Worksheet, WorkbookError> {
        let (bold, money, number, share) = (
            self.header.clone(),
            self.money.clone(),
            self.number.clone(),
            self.share.clone(),
        );
        let sheet = self.workbook.add_worksheet();
        sheet.set_name(name)?;
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for (c, h) in header.iter().enumerate() {
            sheet.write_string_with_format(0, col(c), clip(h), &bold)?;
        }
        for (r, row) in rows.iter().enumerate() {
            let r = u32::try_from(r + 1).unwrap_or(u32::MAX);
            for (c, cell) in row.iter().enumerate() {
                if widths.len() <= c {
                    widths.resize(c + 1, 0);
                }
                widths[c] = widths[c].max(cell.width());
                let c = col(c);
                match cell {
                    Cell::Text(s) => {
                        sheet.write_string(r, c, clip(s))?;
                    }
                    Cell::Num(v) => {
                        sheet.write_number_with_format(r, c, *v, &number)?;
                    }
                    Cell::Money(v) => {
                        sheet.write_number_with_format(r, c, *v, &money)?;
                    }
                    Cell::Share(v) => {
                        sheet.write_number_with_format(r, c, *v, &share)?;
                    }
                    Cell::Blank => {}
                }
            }
        }
        for (c, w) in widths.iter().enumerate() {
            sheet.set_column_width(col(c), (*w).clamp(6, 60) as f64 + 2.0)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(sheet)
    }

    /// The money format, for cells written after [`Book::table`].
    pub fn money(&self) -> &Format {
        &self.money
    }

    /// The finished workbook's bytes.
    pub fn finish(mut self) -> Result<Vec<u8>, WorkbookError> {
        Ok(self.workbook.save_to_buffer()?)
    }
}

/// Column `c` as the writer numbers it.
fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}

/// `s` cut to what a cell holds.
fn clip(s: &str) -> String {
    if s.chars().count() <= MAX_TEXT {
        return s.to_string();
    }
    let mut out: String = s.chars().take(MAX_TEXT - 1).collect();
    out.push('…');
    out
}

/// Header cells from names.
pub fn header<S: AsRef<str>>(names: &[S]) -> Vec<String> {
    names.iter().map(|s| s.as_ref().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::Cell;

    #[test]
    fn swept_values_are_numbers_when_they_read_as_numbers() {
        assert_eq!(Cell::parsed("0.5"), Cell::Num(0.5));
        assert_eq!(Cell::parsed("-2"), Cell::Num(-2.0));
        assert_eq!(Cell::parsed("5e7"), Cell::Num(5e7));
        assert_eq!(Cell::parsed("true"), Cell::text("true"));
        assert_eq!(Cell::parsed("inf"), Cell::text("inf"));
        assert_eq!(Cell::parsed("NaN"), Cell::text("NaN"));
        assert_eq!(Cell::parsed("2026:0.5"), Cell::text("2026:0.5"));
    }
}
