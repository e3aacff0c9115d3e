//! Spreadsheet workbooks (`.xlsx`, `.xls`, `.ods`, `.xlsb`) read with `calamine`: one sheet
//! (the first, or the one named) written out as UTF-8 CSV for the CSV layer.
//!
//! Cells become text as a spreadsheet shows them unformatted: whole numbers without `.0`,
//! booleans as `TRUE` / `FALSE`, dates as ISO 8601 (`2024-03-01`, `2024-03-01 09:30:00`),
//! errors as `#N/A` and the like.

use std::io::Cursor;

use calamine::{Data, Reader, Sheets};

use crate::civil::{clock, date};

/// Which workbook format a file turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkbookFormat {
    /// Office Open XML (`.xlsx`, `.xlsm`).
    Xlsx,
    /// Excel 97–2003 (`.xls`).
    Xls,
    /// Excel binary (`.xlsb`).
    Xlsb,
    /// OpenDocument spreadsheet (`.ods`).
    Ods,
}

impl WorkbookFormat {
    /// The name used in the summary (`xlsx`, `xls`, `xlsb`, `ods`).
    pub fn as_str(self) -> &'static str {
        match self {
            WorkbookFormat::Xlsx => "xlsx",
            WorkbookFormat::Xls => "xls",
            WorkbookFormat::Xlsb => "xlsb",
            WorkbookFormat::Ods => "ods",
        }
    }
}

/// One sheet of a workbook as CSV.
#[derive(Debug)]
pub struct SheetCsv {
    /// The format the workbook was in.
    pub format: WorkbookFormat,
    /// The sheet read.
    pub sheet: String,
    /// The sheet's rows as UTF-8 CSV (comma, LF).
    pub csv: Vec<u8>,
}

/// Read sheet `sheet` (the first when `None`) of the workbook in `bytes`. `container` names
/// what the bytes looked like, for the error when they are no workbook ("a ZIP archive").
pub fn read_sheet(
    bytes: Vec<u8>,
    sheet: Option<&str>,
    container: &str,
) -> Result<SheetCsv, String> {
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|_| {
        format!("the input is {container}, not a spreadsheet this tool reads (.xlsx, .xls, .ods)")
    })?;
    let format = match &book {
        Sheets::Xls(_) => WorkbookFormat::Xls,
        Sheets::Xlsx(_) => WorkbookFormat::Xlsx,
        Sheets::Xlsb(_) => WorkbookFormat::Xlsb,
        Sheets::Ods(_) => WorkbookFormat::Ods,
    };
    let names = book.sheet_names();
    let name = match sheet {
        Some(want) => names
            .iter()
            .find(|n| n.as_str() == want)
            .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(want)))
            .cloned()
            .ok_or_else(|| {
                format!(
                    "the workbook has no sheet {:?}; its sheets are: {}",
                    crate::text::terminal_safe(want),
                    sheet_list(&names)
                )
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| format!("the {} workbook has no sheets", format.as_str()))?,
    };
    let range = book.worksheet_range(&name).map_err(|e| {
        format!(
            "cannot read sheet {:?} of the {} workbook: {}",
            crate::text::terminal_safe(&name),
            format.as_str(),
            crate::text::terminal_safe(&e.to_string())
        )
    })?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .flexible(true)
        .from_writer(Vec::with_capacity(range.height() * 48));
    let mut cells: Vec<String> = Vec::new();
    for row in range.rows() {
        cells.clear();
        cells.extend(row.iter().map(cell_text));
        // trailing empty cells are no fields
        while cells.last().is_some_and(String::is_empty) && cells.len() > 1 {
            cells.pop();
        }
        w.write_record(&cells)
            .map_err(|e| format!("converting the sheet: {e}"))?;
    }
    let csv = w
        .into_inner()
        .map_err(|e| format!("converting the sheet: {e}"))?;
    Ok(SheetCsv {
        format,
        sheet: name,
        csv,
    })
}

/// The sheet names for an error message, terminal-safe, at most 20.
fn sheet_list(names: &[String]) -> String {
    let mut s = names
        .iter()
        .take(20)
        .map(|n| format!("{:?}", crate::text::terminal_safe(n)))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > 20 {
        s.push_str(&format!(" and {} more", names.len() - 20));
    }
    s
}

/// A cell as text.
fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Data::DateTime(d) => {
            if d.is_duration() {
                number_text(d.as_f64())
            } else {
                excel_date_text(d.as_f64())
            }
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

/// A number as a spreadsheet shows it unformatted: whole numbers without a fraction.
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// An Excel serial date (days since 1899-12-30, 1900 date system) as ISO 8601: the date
/// alone when there is no time of day.
fn excel_date_text(serial: f64) -> String {
    if !serial.is_finite() || !(0.0..3_000_000.0).contains(&serial) {
        return number_text(serial);
    }
    let days = serial.floor() as i64;
    let secs = ((serial - serial.floor()) * 86_400.0).round() as i64;
    let (days, secs) = if secs >= 86_400 {
        (days + 1, secs - 86_400)
    } else {
        (days, secs)
    };
    // 1899-12-30 is 25,569 days before 1970-01-01
    let t = (days - 25_569) * 86_400 + secs;
    if secs == 0 {
        date(t)
    } else {
        format!("{} {}", date(t), clock(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates() {
        assert_eq!(number_text(42.0), "42");
        assert_eq!(number_text(-3.5), "-3.5");
        assert_eq!(excel_date_text(45_352.0), "2024-03-01");
        assert_eq!(excel_date_text(45_352.5), "2024-03-01 12:00:00");
        assert_eq!(excel_date_text(25_569.0), "1970-01-01");
        assert_eq!(cell_text(&Data::Bool(true)), "TRUE");
        assert_eq!(cell_text(&Data::Empty), "");
    }

    #[test]
    fn not_a_workbook() {
        let e = read_sheet(b"PK\x03\x04garbage".to_vec(), None, "a ZIP archive").unwrap_err();
        assert!(
            e.starts_with("the input is a ZIP archive, not a spreadsheet"),
            "{e}"
        );
        assert!(!e.contains("garbage"));
    }
}
