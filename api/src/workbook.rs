//! District workbooks (issue 21): reading an upload that may be hostile, and writing the template
//! and the login sheet.
//!
//! What a file is, is told from its first bytes, never from its name: a zip is an `.xlsx` or an
//! `.ods` (by its entries), a compound file a legacy `.xls`, anything else is read as a CSV.
//! Reading refuses, before it looks at a row: what is none of these (422 `not_a_spreadsheet`;
//! an `.xlsb`: `unsupported_spreadsheet`), a workbook with macros (`macro_workbook`), and a zip
//! bomb: the sizes its central directory declares are added up first, then every entry is
//! inflated once into nothing with a cap on what is really produced (`workbook_too_large`), so
//! calamine only ever inflates what fit. An `.xls` or `.ods` that would span more cells than
//! [`crate::sheet_guard::MAX_CELLS`] is refused (`workbook_too_large`) before calamine reads it.
//! Sheets are then streamed cell by cell (never as a whole range: a sheet with one cell in A1
//! and one in XFD1048576 would be a range of 17 billion cells), refusing a row past
//! [`MAX_ROWS`] (`too_many_rows`), a cell longer than [`MAX_CELL_CHARS`] (`cell_too_long`) and
//! any formula (`formula_not_allowed`), all with the cells named. Missing sheets and columns
//! are `missing_sheet` and `missing_column`. Problems of single values (a date that is not one)
//! go to the preview instead, with their sheet, row and column.
//!
//! Writing: no cell Tingke writes starts with `=`, `+`, `-` or `@` ([`safe`]).

use crate::error::ApiError;
use actix_web::http::StatusCode;
use calamine::{Data, DataRef, Ods, Reader, Xls, Xlsx};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use tingke_models::names::normalise;
use tingke_models::rules::imports::{
    date_from_serial, parse_date_text, PersonRow, Problem, SchoolRow, TermRow, Workbook,
    PEOPLE_SHEET, SCHOOLS_SHEET, TERMS_SHEET,
};

/// Rows of one sheet at most (a district of 20,000 people with room to spare).
pub const MAX_ROWS: u32 = 50_000;
/// Characters of one cell at most.
pub const MAX_CELL_CHARS: usize = 1_000;
/// Bytes a workbook may inflate to, all its entries together.
pub const MAX_INFLATED: u64 = 64 * 1024 * 1024;
/// Entries of the zip at most (a workbook of three sheets has about a dozen).
pub const MAX_ENTRIES: usize = 1_000;
/// Columns read; cells further right are ignored.
const MAX_COLUMNS: u32 = 26;
/// Cells named in a refusal at most.
const NAMED_CELLS: usize = 20;
/// A row whose first cell starts so is the template's example, and is skipped.
pub const EXAMPLE_MARK: &str = "(示例)";

/// The columns of each sheet: the template's header, other headers accepted for it, and whether
/// the sheet needs it.
struct Column {
    letter: &'static str,
    headers: &'static [&'static str],
    required: bool,
    note: &'static str,
}

const SCHOOL_COLUMNS: &[Column] = &[Column {
    letter: "A",
    headers: &["学校名称", "学校", "name", "school"],
    required: true,
    note: "学校全称,与人员表的\"学校\"一致。已有的学校保持不变。",
}];

const PEOPLE_COLUMNS: &[Column] = &[
    Column {
        letter: "A",
        headers: &["姓名", "name"],
        required: true,
        note: "真实姓名,最多 50 字。",
    },
    Column {
        letter: "B",
        headers: &["手机号", "手机", "手机号码", "phone"],
        required: true,
        note: "11 位手机号,用作登录账号。已有账号的人员加入新学校,不会新建账号。",
    },
    Column {
        letter: "C",
        headers: &["学校", "学校名称", "school"],
        required: true,
        note: "学校名称,须在学校表中或已存在。教研员留空。",
    },
    Column {
        letter: "D",
        headers: &["角色", "roles", "role"],
        required: true,
        note: "校长、副校长、教导主任、年级组长、教师、教研员;多个角色用顿号分隔。",
    },
    Column {
        letter: "E",
        headers: &["学科", "任教学科", "subjects", "subject"],
        required: false,
        note: "任教学科,多个用顿号分隔,可留空。",
    },
    Column {
        letter: "F",
        headers: &["任教年级", "年级", "grades", "grade"],
        required: false,
        note: "任教年级,如 三年级;多个用顿号分隔,可留空。",
    },
    Column {
        letter: "G",
        headers: &["所在组", "教研组", "groups", "group"],
        required: false,
        note: "所在的教研组、备课组、年级组,多个用顿号分隔,可留空。本校还没有的组会新建(预览中列为新建):组名以教研组、备课组(如 三年级数学备课组)、年级组或组结尾,且须有一至两人在组名后写(组长)。已在组中的人保持不变。",
    },
];

const TERM_COLUMNS: &[Column] = &[
    Column {
        letter: "A",
        headers: &["学期名称", "学期", "name", "term"],
        required: true,
        note: "如:秋季学期。",
    },
    Column {
        letter: "B",
        headers: &["学年", "school_year"],
        required: true,
        note: "写作 2026-2027。",
    },
    Column {
        letter: "C",
        headers: &["开始日期", "starts_on"],
        required: true,
        note: "日期,如 2026-09-01。",
    },
    Column {
        letter: "D",
        headers: &["结束日期", "ends_on"],
        required: true,
        note: "日期,不早于开始日期。",
    },
];

/// The sheets: name, other names accepted, columns, whether the workbook needs it.
const SHEETS: &[(&str, &[&str], &[Column], bool)] = &[
    (SCHOOLS_SHEET, &["schools"], SCHOOL_COLUMNS, true),
    (PEOPLE_SHEET, &["people"], PEOPLE_COLUMNS, true),
    (TERMS_SHEET, &["terms"], TERM_COLUMNS, false),
];

/// Roles and subjects offered by the template's drop-down lists.
const ROLE_CHOICES: &[&str] = &["校长", "副校长", "教导主任", "年级组长", "教师", "教研员"];
const SUBJECT_CHOICES: &[&str] = &[
    "语文",
    "数学",
    "英语",
    "物理",
    "化学",
    "生物",
    "历史",
    "地理",
    "道德与法治",
    "科学",
    "音乐",
    "体育",
    "美术",
    "信息技术",
];

/// A cell as read.
#[derive(Debug, Clone)]
enum Value {
    Text(String),
    Number(f64),
    Date(chrono::NaiveDate),
}

impl Value {
    fn text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Value::Number(n) => n.to_string(),
            Value::Date(d) => d.to_string(),
        }
    }
}

/// A sheet as read: its rows (row number as shown, from 1) of values by column (from 0).
type Grid = BTreeMap<u32, BTreeMap<u32, Value>>;

/// Whole-file refusals name the cells they concern.
fn refuse(status: StatusCode, code: &'static str, cells: &[String], message: &str) -> ApiError {
    let mut e = ApiError::new(status, code);
    for cell in cells.iter().take(NAMED_CELLS) {
        e.errors
            .entry(cell.clone())
            .or_default()
            .push(crate::error::FieldError {
                code: code.to_string(),
                message: message.to_string(),
            });
    }
    e
}

fn unprocessable(code: &'static str, cells: &[String], message: &str) -> ApiError {
    refuse(StatusCode::UNPROCESSABLE_ENTITY, code, cells, message)
}

fn not_a_spreadsheet() -> ApiError {
    unprocessable("not_a_spreadsheet", &[], "")
        .detail("send the workbook as .xlsx, .xls or .ods (or the people sheet as .csv)")
}

fn too_large() -> ApiError {
    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "workbook_too_large").detail(format!(
        "a workbook may inflate to {} MiB at most",
        MAX_INFLATED >> 20
    ))
}

/// `A`, `B`, … `AA` for a column index from 0.
pub fn column_letter(mut col: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn cell_ref(sheet: &str, row: u32, col: u32) -> String {
    format!("{sheet}!{}{row}", column_letter(col))
}

/// Reads an uploaded workbook (xlsx, xls, ods) or people sheet (CSV), told by its first bytes.
pub fn read(bytes: &[u8]) -> Result<Workbook, ApiError> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return match check_zip(bytes)? {
            Zipped::Xlsx => read_xlsx(bytes),
            Zipped::Ods(content) => read_ods(bytes, &content),
        };
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return read_xls(bytes);
    }
    read_csv(bytes)
}

/// A refusal of `sheet_guard` as answered.
fn refused(r: crate::sheet_guard::Refusal) -> ApiError {
    use crate::sheet_guard::Refusal;
    match r {
        Refusal::Unreadable => not_a_spreadsheet(),
        Refusal::TooLarge => too_large(),
        Refusal::TooManyRows(row) => unprocessable("too_many_rows", &[], "").detail(format!(
            "a sheet has {MAX_ROWS} rows at most; one uses row {row}"
        )),
        Refusal::Macros => unprocessable("macro_workbook", &[], ""),
    }
}

/// What a zip holds: an xlsx, or an ods with its `content.xml` (inflated, within the cap).
enum Zipped {
    Xlsx,
    Ods(Vec<u8>),
}

const ODS_MIMETYPE: &[u8] = b"application/vnd.oasis.opendocument.spreadsheet";

/// Checks the zip under an xlsx or an ods and tells which it is.
fn check_zip(bytes: &[u8]) -> Result<Zipped, ApiError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| not_a_spreadsheet())?;
    if archive.len() > MAX_ENTRIES {
        return Err(too_large());
    }
    let mut declared = 0u64;
    let mut names = Vec::with_capacity(archive.len());
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|_| not_a_spreadsheet())?;
        declared = declared.saturating_add(entry.size());
        names.push(entry.name().map_err(|_| not_a_spreadsheet())?.to_string());
    }
    if declared > MAX_INFLATED {
        return Err(too_large());
    }
    if names
        .iter()
        .any(|n| n.to_ascii_lowercase().ends_with("vbaproject.bin"))
    {
        return Err(unprocessable("macro_workbook", &[], ""));
    }
    if names.iter().any(|n| n == "xl/workbook.bin") {
        return Err(
            unprocessable("unsupported_spreadsheet", &[], "").detail("save the workbook as .xlsx")
        );
    }
    // An ods's Basic macros and scripts.
    if names
        .iter()
        .any(|n| n.starts_with("Basic/") || n.starts_with("Scripts/"))
    {
        return Err(unprocessable("macro_workbook", &[], ""));
    }
    let ods = names.iter().any(|n| n == "content.xml");
    if !ods && !names.iter().any(|n| n == "xl/workbook.xml") {
        return Err(not_a_spreadsheet());
    }
    // What the entries really inflate to, whatever they declared.
    let mut inflated = 0u64;
    let (mut types, mut mimetype, mut content) = (Vec::new(), Vec::new(), Vec::new());
    for (i, name) in names.iter().enumerate() {
        let mut entry = archive.by_index(i).map_err(|_| not_a_spreadsheet())?;
        let left = MAX_INFLATED - inflated;
        let mut limited = (&mut entry).take(left + 1);
        let n = match name.as_str() {
            "[Content_Types].xml" => limited.read_to_end(&mut types),
            "mimetype" => limited.read_to_end(&mut mimetype),
            "content.xml" if ods => limited.read_to_end(&mut content),
            _ => std::io::copy(&mut limited, &mut std::io::sink()).map(|n| n as usize),
        }
        .map_err(|_| not_a_spreadsheet())? as u64;
        inflated += n;
        if inflated > MAX_INFLATED {
            return Err(too_large());
        }
    }
    if String::from_utf8_lossy(&types).contains("macroEnabled") {
        return Err(unprocessable("macro_workbook", &[], ""));
    }
    if !ods {
        return Ok(Zipped::Xlsx);
    }
    // Another OpenDocument (a text, a presentation) is not a spreadsheet.
    if mimetype.trim_ascii() != ODS_MIMETYPE {
        return Err(not_a_spreadsheet());
    }
    crate::sheet_guard::check_ods(&content, u64::from(MAX_ROWS) + 1).map_err(refused)?;
    Ok(Zipped::Ods(content))
}

fn read_ods(bytes: &[u8], _checked: &[u8]) -> Result<Workbook, ApiError> {
    let book: Ods<_> = Ods::new(Cursor::new(bytes)).map_err(|e| {
        tracing::info!(error = %e, "an upload is not a readable ods");
        not_a_spreadsheet()
    })?;
    read_ranges(book)
}

fn read_xls(bytes: &[u8]) -> Result<Workbook, ApiError> {
    crate::sheet_guard::check_xls(bytes, u64::from(MAX_ROWS) + 1).map_err(refused)?;
    let book: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(|e| {
        tracing::info!(error = %e, "an upload is not a readable xls");
        not_a_spreadsheet()
    })?;
    read_ranges(book)
}

/// Reads the sheets of a workbook calamine holds as ranges (xls, ods), refusing formulas.
fn read_ranges<RS, B>(mut book: B) -> Result<Workbook, ApiError>
where
    RS: std::io::Read + std::io::Seek,
    B: Reader<RS>,
    B::Error: std::fmt::Display,
{
    let names = book.sheet_names();
    assemble(&names, |name, sheet| {
        let unreadable = |e: B::Error| {
            tracing::info!(error = %e, "a sheet could not be read");
            not_a_spreadsheet()
        };
        let formulas = book.worksheet_formula(name).map_err(unreadable)?;
        let (fr, fc) = formulas.start().unwrap_or((0, 0));
        let found: Vec<String> = formulas
            .used_cells()
            .filter(|(_, _, f)| !f.is_empty())
            .map(|(r, c, _)| cell_ref(sheet, fr + r as u32 + 1, fc + c as u32))
            .collect();
        if !found.is_empty() {
            return Err(unprocessable("formula_not_allowed", &found, "a formula"));
        }
        let range = book.worksheet_range(name).map_err(unreadable)?;
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let mut grid = Collector::new(sheet);
        for (r, c, data) in range.used_cells() {
            if let Some(value) = value_of(data) {
                grid.push(r0 + r as u32 + 1, c0 + c as u32, value)?;
            }
        }
        Ok(grid.grid)
    })
}

/// A cell of a range as read; `None`: empty.
fn value_of(data: &Data) -> Option<Value> {
    Some(match data {
        Data::Empty => return None,
        Data::String(s) => Value::Text(s.clone()),
        Data::Int(i) => Value::Number(*i as f64),
        Data::Float(f) => Value::Number(*f),
        Data::Bool(b) => Value::Text(b.to_string()),
        Data::DateTime(d) => match d.as_datetime() {
            Some(t) => Value::Date(t.date()),
            None => Value::Number(d.as_f64()),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => Value::Text(s.clone()),
        Data::Error(e) => Value::Text(format!("#{e:?}")),
    })
}

/// The grid of one sheet as its cells come: long cells and rows past the limit refused.
struct Collector<'a> {
    sheet: &'a str,
    grid: Grid,
    rows: u32,
}

impl<'a> Collector<'a> {
    fn new(sheet: &'a str) -> Collector<'a> {
        Collector {
            sheet,
            grid: Grid::new(),
            rows: 0,
        }
    }

    /// Takes the value of a cell (row from 1, column from 0).
    fn push(&mut self, row: u32, col: u32, value: Value) -> Result<(), ApiError> {
        if let Value::Text(t) = &value {
            if t.trim().is_empty() {
                return Ok(());
            }
            if t.chars().count() > MAX_CELL_CHARS {
                return Err(unprocessable(
                    "cell_too_long",
                    &[cell_ref(self.sheet, row, col)],
                    "too long",
                )
                .detail(format!("a cell holds {MAX_CELL_CHARS} characters at most")));
            }
        }
        if row > MAX_ROWS + 1 {
            return Err(too_many_rows(self.sheet, row));
        }
        if col >= MAX_COLUMNS {
            return Ok(());
        }
        let line = self.grid.entry(row).or_default();
        if line.is_empty() {
            self.rows += 1;
            if self.rows > MAX_ROWS + 1 {
                return Err(too_many_rows(self.sheet, row));
            }
        }
        line.insert(col, value);
        Ok(())
    }
}

/// The workbook of the sheets named `names`, each read by `read_sheet(name, template sheet)`.
fn assemble(
    names: &[String],
    mut read_sheet: impl FnMut(&str, &str) -> Result<Grid, ApiError>,
) -> Result<Workbook, ApiError> {
    let mut grids: Vec<Option<Grid>> = Vec::new();
    for (sheet, aliases, _, required) in SHEETS {
        let found = names.iter().find(|n| {
            let n = normalise(n);
            n == *sheet || aliases.iter().any(|a| n.eq_ignore_ascii_case(a))
        });
        match found {
            Some(name) => grids.push(Some(read_sheet(name, sheet)?)),
            None if *required => {
                return Err(unprocessable("missing_sheet", &[sheet.to_string()], "")
                    .detail(format!("the workbook needs a sheet named {sheet}")))
            }
            None => grids.push(None),
        }
    }
    let mut workbook = Workbook::default();
    let mut letters = BTreeMap::new();
    for ((sheet, _, columns, _), grid) in SHEETS.iter().zip(grids) {
        if let Some(grid) = grid {
            let (rows, map) = to_rows(sheet, columns, &grid)?;
            letters.insert(*sheet, map);
            fill(&mut workbook, sheet, rows);
        }
    }
    relabel(&mut workbook.problems, &letters);
    Ok(workbook)
}

fn read_xlsx(bytes: &[u8]) -> Result<Workbook, ApiError> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        tracing::info!(error = %e, "an upload is not a readable xlsx");
        not_a_spreadsheet()
    })?;
    let names = book.sheet_names();
    assemble(&names, |name, sheet| read_sheet(&mut book, name, sheet))
}

/// Streams one sheet's cells into a grid, refusing formulas, long cells and rows past the limit.
fn read_sheet<R: std::io::Read + std::io::Seek>(
    book: &mut Xlsx<R>,
    name: &str,
    sheet: &str,
) -> Result<Grid, ApiError> {
    let mut reader = book.worksheet_cells_reader(name).map_err(|e| {
        tracing::info!(error = %e, "a sheet could not be read");
        not_a_spreadsheet()
    })?;
    let mut grid = Collector::new(sheet);
    let mut formulas = Vec::new();
    loop {
        let cell = match reader.next_cell_with_formula() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(e) => {
                tracing::info!(error = %e, "a sheet could not be read");
                return Err(not_a_spreadsheet());
            }
        };
        let (row, col) = (cell.pos.0 + 1, cell.pos.1);
        if cell.formula.as_deref().is_some_and(|f| !f.is_empty()) {
            formulas.push(cell_ref(sheet, row, col));
            continue;
        }
        let value = match cell.value {
            DataRef::Empty => continue,
            DataRef::String(s) => Value::Text(s),
            DataRef::SharedString(s) => Value::Text(s.to_string()),
            DataRef::Int(i) => Value::Number(i as f64),
            DataRef::Float(f) => Value::Number(f),
            DataRef::Bool(b) => Value::Text(b.to_string()),
            DataRef::DateTime(d) => match d.as_datetime() {
                Some(t) => Value::Date(t.date()),
                None => Value::Number(d.as_f64()),
            },
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Value::Text(s),
            DataRef::Error(e) => Value::Text(format!("#{e:?}")),
        };
        grid.push(row, col, value)?;
    }
    if !formulas.is_empty() {
        return Err(unprocessable("formula_not_allowed", &formulas, "a formula"));
    }
    Ok(grid.grid)
}

fn too_many_rows(sheet: &str, row: u32) -> ApiError {
    unprocessable(
        "too_many_rows",
        &[format!("{sheet}!A{row}")],
        "past the last row read",
    )
    .detail(format!("a sheet has {MAX_ROWS} rows at most"))
}

/// Finds each column by its header in the first row; the rest are rows of values by the
/// template's letter. Also answers where each template letter is in this file.
#[allow(clippy::type_complexity)]
fn to_rows(
    sheet: &str,
    columns: &[Column],
    grid: &Grid,
) -> Result<
    (
        Vec<(u32, BTreeMap<&'static str, Value>)>,
        BTreeMap<String, String>,
    ),
    ApiError,
> {
    let header = grid.iter().next().map(|(r, cells)| (*r, cells));
    let mut at: BTreeMap<&'static str, u32> = BTreeMap::new();
    if let Some((_, cells)) = header {
        for (col, value) in cells {
            let text = normalise(&value.text());
            let text = text.trim_end_matches(['*', '*']).trim();
            if let Some(c) = columns
                .iter()
                .find(|c| c.headers.iter().any(|h| h.eq_ignore_ascii_case(text)))
            {
                at.entry(c.letter).or_insert(*col);
            }
        }
    }
    let missing: Vec<String> = columns
        .iter()
        .filter(|c| c.required && !at.contains_key(c.letter))
        .map(|c| format!("{sheet}!{}", c.headers[0]))
        .collect();
    if !missing.is_empty() {
        return Err(
            unprocessable("missing_column", &missing, "no such column").detail(format!(
                "a column of the {sheet} sheet is missing or renamed"
            )),
        );
    }
    let header_row = header.map_or(0, |(r, _)| r);
    let mut rows = Vec::new();
    for (row, cells) in grid.range(header_row + 1..) {
        let values: BTreeMap<&'static str, Value> = at
            .iter()
            .filter_map(|(letter, col)| cells.get(col).map(|v| (*letter, v.clone())))
            .collect();
        let first = values.values().next().map(Value::text).unwrap_or_default();
        if normalise(&first).starts_with(EXAMPLE_MARK) {
            continue;
        }
        if !values.is_empty() {
            rows.push((*row, values));
        }
    }
    let letters = at
        .iter()
        .map(|(letter, col)| (letter.to_string(), column_letter(*col)))
        .collect();
    Ok((rows, letters))
}

fn date_of(
    sheet: &str,
    row: u32,
    letter: &str,
    value: Option<&Value>,
    problems: &mut Vec<Problem>,
) -> Option<chrono::NaiveDate> {
    let day = match value {
        None => {
            problems.push(Problem::new(sheet, row, letter, "missing_value", None));
            return None;
        }
        Some(Value::Date(d)) => Some(*d),
        Some(Value::Number(n)) => date_from_serial(*n),
        Some(Value::Text(t)) => parse_date_text(t.split('T').next().unwrap_or(t)),
    };
    if day.is_none() {
        let text = value.map(Value::text);
        problems.push(Problem::new(
            sheet,
            row,
            letter,
            "invalid_date",
            text.as_deref(),
        ));
    }
    day
}

fn fill(workbook: &mut Workbook, sheet: &str, rows: Vec<(u32, BTreeMap<&'static str, Value>)>) {
    let text =
        |v: &BTreeMap<&'static str, Value>, k: &str| v.get(k).map(Value::text).unwrap_or_default();
    for (row, v) in rows {
        match sheet {
            SCHOOLS_SHEET => workbook.schools.push(SchoolRow {
                row,
                name: text(&v, "A"),
            }),
            PEOPLE_SHEET => workbook.people.push(PersonRow {
                row,
                name: text(&v, "A"),
                phone: text(&v, "B"),
                school: text(&v, "C"),
                roles: text(&v, "D"),
                subjects: text(&v, "E"),
                grades: text(&v, "F"),
                groups: text(&v, "G"),
            }),
            _ => {
                let starts_on = date_of(sheet, row, "C", v.get("C"), &mut workbook.problems);
                let ends_on = date_of(sheet, row, "D", v.get("D"), &mut workbook.problems);
                workbook.terms.push(TermRow {
                    row,
                    name: text(&v, "A"),
                    school_year: text(&v, "B"),
                    starts_on,
                    ends_on,
                });
            }
        }
    }
}

/// Problems name the template's columns; this file may hold them elsewhere.
pub fn relabel(problems: &mut [Problem], letters: &BTreeMap<&str, BTreeMap<String, String>>) {
    for p in problems {
        if let Some(actual) = letters.get(p.sheet.as_str()).and_then(|m| m.get(&p.column)) {
            p.column = actual.clone();
        }
    }
}

/// A CSV of the people sheet, in UTF-8 (with or without a byte-order mark) or GB18030.
fn read_csv(bytes: &[u8]) -> Result<Workbook, ApiError> {
    if bytes.is_empty() || bytes.contains(&0) {
        return Err(not_a_spreadsheet());
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}').to_string(),
        Err(_) => {
            let (t, _, bad) = encoding_rs::GB18030.decode(bytes);
            if bad {
                return Err(not_a_spreadsheet());
            }
            t.into_owned()
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let sheet = PEOPLE_SHEET;
    let mut grid = Grid::new();
    let mut formulas = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row = i as u32 + 1;
        let record = record.map_err(|_| not_a_spreadsheet())?;
        if row > MAX_ROWS + 1 {
            return Err(too_many_rows(sheet, row));
        }
        for (col, field) in record.iter().enumerate().take(MAX_COLUMNS as usize) {
            let col = col as u32;
            if field.trim().is_empty() {
                continue;
            }
            if field.chars().count() > MAX_CELL_CHARS {
                return Err(unprocessable(
                    "cell_too_long",
                    &[cell_ref(sheet, row, col)],
                    "too long",
                ));
            }
            // What a spreadsheet program would run as a formula when it opens this file.
            if field.starts_with('=') {
                formulas.push(cell_ref(sheet, row, col));
                continue;
            }
            grid.entry(row)
                .or_default()
                .insert(col, Value::Text(field.to_string()));
        }
    }
    if !formulas.is_empty() {
        return Err(unprocessable("formula_not_allowed", &formulas, "a formula"));
    }
    let header_known = grid.values().next().is_some_and(|cells| {
        cells.values().any(|v| {
            let t = normalise(&v.text());
            PEOPLE_COLUMNS
                .iter()
                .any(|c| c.headers.iter().any(|h| h.eq_ignore_ascii_case(&t)))
        })
    });
    if !header_known {
        return Err(not_a_spreadsheet());
    }
    let (rows, map) = to_rows(sheet, PEOPLE_COLUMNS, &grid)?;
    let mut workbook = Workbook::default();
    fill(&mut workbook, sheet, rows);
    let mut letters = BTreeMap::new();
    letters.insert(sheet, map);
    relabel(&mut workbook.problems, &letters);
    Ok(workbook)
}

/// A text cell that no spreadsheet program runs as a formula.
pub fn safe(s: &str) -> String {
    match s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        true => format!("'{s}"),
        false => s.to_string(),
    }
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> ApiError {
    ApiError::internal(format!("writing a workbook: {e}"))
}

/// The workbook to fill in: the three sheets with Chinese headers, a note on each header, an
/// example row (skipped on import), drop-down lists for roles and subjects.
pub fn template() -> Result<Vec<u8>, ApiError> {
    use rust_xlsxwriter::{
        DataValidation, DataValidationErrorStyle, Format, Note, Workbook as Book,
    };
    let mut book = Book::new();
    let bold = Format::new().set_bold();
    let example = Format::new().set_italic().set_font_color("#808080");
    let text = Format::new().set_num_format("@");
    let examples: [&[&str]; 3] = [
        &["(示例)第一实验小学"],
        &[
            "(示例)张老师",
            "13800000000",
            "第一实验小学",
            "教师",
            "数学",
            "三年级、四年级",
            "数学教研组、三年级数学备课组(组长)",
        ],
        &["(示例)秋季学期", "2026-2027", "2026-09-01", "2027-01-20"],
    ];
    for ((sheet, _, columns, _), example_row) in SHEETS.iter().zip(examples) {
        let ws = book.add_worksheet();
        ws.set_name(*sheet).map_err(xlsx_error)?;
        for (i, c) in columns.iter().enumerate() {
            let col = i as u16;
            ws.write_string_with_format(0, col, safe(c.headers[0]), &bold)
                .map_err(xlsx_error)?;
            let note = format!("{}{}", c.note, if c.required { "(必填)" } else { "" });
            ws.insert_note(0, col, &Note::new(safe(&note)).set_author("Tingke"))
                .map_err(xlsx_error)?;
            ws.set_column_width(col, 16).map_err(xlsx_error)?;
            // Phones and dates kept as text, as typed.
            ws.set_column_format(col, &text).map_err(xlsx_error)?;
        }
        for (i, v) in example_row.iter().enumerate() {
            ws.write_string_with_format(1, i as u16, safe(v), &example)
                .map_err(xlsx_error)?;
        }
        ws.set_freeze_panes(1, 0).map_err(xlsx_error)?;
        if *sheet == PEOPLE_SHEET {
            let last = MAX_ROWS;
            let roles = DataValidation::new()
                .allow_list_strings(ROLE_CHOICES)
                .map_err(xlsx_error)?
                .set_error_style(DataValidationErrorStyle::Information)
                .set_input_message("可多选,用顿号分隔")
                .map_err(xlsx_error)?;
            ws.add_data_validation(1, 3, last, 3, &roles)
                .map_err(xlsx_error)?;
            let subjects = DataValidation::new()
                .allow_list_strings(SUBJECT_CHOICES)
                .map_err(xlsx_error)?
                .set_error_style(DataValidationErrorStyle::Information);
            ws.add_data_validation(1, 4, last, 4, &subjects)
                .map_err(xlsx_error)?;
        }
    }
    book.save_to_buffer().map_err(xlsx_error)
}

/// One row of a login sheet.
pub struct Login {
    pub schools: Vec<String>,
    pub name: String,
    pub phone: String,
    /// None: the person has chosen their own password already.
    pub password: Option<String>,
}

/// The login sheet of an import: one row per new person.
pub fn login_sheet(rows: &[Login]) -> Result<Vec<u8>, ApiError> {
    use rust_xlsxwriter::{Format, Workbook as Book};
    let mut book = Book::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let ws = book.add_worksheet();
    ws.set_name("登录信息").map_err(xlsx_error)?;
    let headers = ["学校", "姓名", "手机号(账号)", "初始密码", "说明"];
    for (i, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, *h, &bold)
            .map_err(xlsx_error)?;
        ws.set_column_width(i as u16, if i == 4 { 40 } else { 18 })
            .map_err(xlsx_error)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        let cells = [
            r.schools.join("、"),
            r.name.clone(),
            r.phone.clone(),
            r.password.clone().unwrap_or_default(),
            match r.password {
                Some(_) => "首次登录后须设置自己的密码".to_string(),
                None => "已设置自己的密码".to_string(),
            },
        ];
        for (col, v) in cells.iter().enumerate() {
            ws.write_string_with_format(row, col as u16, safe(v), &text)
                .map_err(xlsx_error)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    book.save_to_buffer().map_err(xlsx_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_lettered_as_spreadsheets_do() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(16383), "XFD");
    }

    #[test]
    fn no_written_cell_starts_a_formula() {
        for s in ["=1+1", "+86", "-2", "@SUM(A1)", "\t=x"] {
            assert!(safe(s).starts_with('\''), "{s}");
        }
        assert_eq!(safe("张三"), "张三");
    }

    #[test]
    fn the_template_reads_back_as_an_empty_workbook() {
        let bytes = template().unwrap();
        let wb = read(&bytes).unwrap();
        assert_eq!(wb, Workbook::default(), "the example rows are skipped");
    }

    #[test]
    fn a_csv_in_gb18030_reads_like_utf8() {
        let utf8 = "姓名,手机号,学校,角色,学科\n李老师,13900000001,实验小学,教师,数学\n";
        let (gbk, _, _) = encoding_rs::GB18030.encode(utf8);
        for bytes in [utf8.as_bytes(), &gbk] {
            let wb = read(bytes).unwrap();
            assert_eq!(wb.people.len(), 1);
            assert_eq!(wb.people[0].name, "李老师");
            assert_eq!(wb.people[0].row, 2);
        }
        let e = read(b"\x89PNG\r\n\x1a\n\0\0").unwrap_err();
        assert_eq!(e.code, "not_a_spreadsheet");
        let e = read("姓名,手机号,学校,角色\n=cmd|' /C calc'!A0,1,2,3\n".as_bytes()).unwrap_err();
        assert_eq!(e.code, "formula_not_allowed");
    }
}
