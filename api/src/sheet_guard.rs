//! What a legacy `.xls` and an `.ods` would make calamine allocate, measured before calamine
//! reads them (issue 21).
//!
//! calamine builds each sheet as a dense range from its first to its last non-empty cell, and
//! for an `.xls` reserves room for the cells a sheet's DIMENSIONS record declares: a file of a
//! few kilobytes can declare billions of cells (an allocation that fails aborts the server), and
//! an `.ods` can repeat one cell or row a million times in a few bytes. So the cells each sheet
//! would span are counted here, from the file's own records, the way calamine walks them, and a
//! workbook spanning more than [`MAX_CELLS`] (all sheets together) is refused before calamine
//! sees it. An `.xls` is a compound file (CFB): its `Workbook` stream is read here with every
//! sector chain bounded by the file's size.

/// Cells all sheets of a workbook may span together (each is about 60 bytes in calamine's
/// ranges): 50,000 rows of 26 columns with room to spare.
pub const MAX_CELLS: u64 = 1_500_000;

/// Why a workbook is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not a workbook of that kind, or broken.
    Unreadable,
    /// It spans more than [`MAX_CELLS`].
    TooLarge,
    /// A sheet has a cell past this row (from 1).
    TooManyRows(u64),
    /// It holds macros.
    Macros,
}

/// How much of a sheet is used: the rows and columns from the first used cell to the last.
#[derive(Debug, Default, Clone, Copy)]
struct Span {
    rows: Option<(u64, u64)>,
    cols: Option<(u64, u64)>,
}

impl Span {
    /// Takes in the cells of rows `r0..r1` and columns `c0..c1` (ends excluded).
    fn add(&mut self, (r0, r1): (u64, u64), (c0, c1): (u64, u64)) {
        let widen = |have: Option<(u64, u64)>, lo: u64, hi: u64| match have {
            Some((a, b)) => Some((a.min(lo), b.max(hi))),
            None => Some((lo, hi)),
        };
        self.rows = widen(self.rows, r0, r1);
        self.cols = widen(self.cols, c0, c1);
    }

    fn cells(&self) -> u64 {
        match (self.rows, self.cols) {
            (Some((r0, r1)), Some((c0, c1))) => (r1 - r0).saturating_mul(c1 - c0),
            _ => 0,
        }
    }

    fn last_row(&self) -> u64 {
        self.rows.map_or(0, |(_, end)| end)
    }
}

/// Adds up the spans of a workbook's sheets, refusing past the limits (`max_rows`: the last row
/// a sheet may use, from 1).
struct Tally {
    cells: u64,
    max_rows: u64,
}

impl Tally {
    fn sheet(&mut self, span: Span) -> Result<(), Refusal> {
        if span.last_row() > self.max_rows {
            return Err(Refusal::TooManyRows(span.last_row()));
        }
        self.cells = self.cells.saturating_add(span.cells());
        match self.cells > MAX_CELLS {
            true => Err(Refusal::TooLarge),
            false => Ok(()),
        }
    }
}

fn u16_at(b: &[u8], i: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], i: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?))
}

/// The streams of a compound file (CFB), read with every chain bounded by the file's size.
struct Cfb<'a> {
    bytes: &'a [u8],
    sector: usize,
    fat: Vec<u32>,
}

/// The last sector id of a chain; ids above it are markers (free, end of chain, FAT, DIFAT).
const MAX_SECTOR: u32 = 0xFFFF_FFFA;

impl<'a> Cfb<'a> {
    fn open(bytes: &'a [u8]) -> Option<Cfb<'a>> {
        let sector = match u16_at(bytes, 0x1E)? {
            9 => 512,
            12 => 4096,
            _ => return None,
        };
        let mut cfb = Cfb {
            bytes,
            sector,
            fat: Vec::new(),
        };
        // The FAT's own sectors: 109 listed in the header, the rest in the DIFAT chain.
        let mut fat_sectors: Vec<u32> = (0..109)
            .filter_map(|i| u32_at(bytes, 0x4C + i * 4))
            .collect();
        let mut next = u32_at(bytes, 0x44)?;
        let mut steps = 0;
        while next <= MAX_SECTOR {
            steps += 1;
            if steps > cfb.sectors() {
                return None;
            }
            let s = cfb.sector_bytes(next)?;
            let per = sector / 4 - 1;
            fat_sectors.extend((0..per).filter_map(|i| u32_at(s, i * 4)));
            next = u32_at(s, per * 4)?;
        }
        let fat_sectors: Vec<u32> = fat_sectors
            .into_iter()
            .filter(|id| *id <= MAX_SECTOR)
            .collect();
        if fat_sectors.len() > cfb.sectors() {
            return None;
        }
        let mut fat = Vec::new();
        for id in fat_sectors {
            let s = cfb.sector_bytes(id)?;
            fat.extend((0..sector / 4).filter_map(|i| u32_at(s, i * 4)));
        }
        cfb.fat = fat;
        Some(cfb)
    }

    fn sectors(&self) -> usize {
        self.bytes.len() / self.sector + 1
    }

    fn sector_bytes(&self, id: u32) -> Option<&'a [u8]> {
        let start = (id as usize).checked_add(1)?.checked_mul(self.sector)?;
        let end = start.checked_add(self.sector)?.min(self.bytes.len());
        self.bytes.get(start..end).filter(|s| !s.is_empty())
    }

    /// The bytes of the chain from `start` in `table` (the FAT, or the mini FAT over `pool`
    /// in sectors of `size`); a chain longer than its table (a loop) is refused.
    fn chain<'b>(
        table: &[u32],
        start: u32,
        mut read: impl FnMut(u32) -> Option<&'b [u8]>,
    ) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut id = start;
        let mut steps = 0;
        while id <= MAX_SECTOR {
            steps += 1;
            if steps > table.len() {
                return None;
            }
            out.extend_from_slice(read(id)?);
            id = *table.get(id as usize)?;
        }
        Some(out)
    }

    fn big_chain(&self, start: u32) -> Option<Vec<u8>> {
        Self::chain(&self.fat, start, |id| self.sector_bytes(id))
    }

    /// The directory's entries: (name, kind, first sector, size).
    fn entries(&self) -> Option<Vec<(String, u8, u32, u64)>> {
        let dir = self.big_chain(u32_at(self.bytes, 0x30)?)?;
        Some(
            dir.chunks_exact(128)
                .map(|e| {
                    let len = (u16_at(e, 0x40).unwrap_or(0) as usize).min(64);
                    let units: Vec<u16> = (0..len / 2)
                        .filter_map(|i| u16_at(e, i * 2))
                        .take_while(|u| *u != 0)
                        .collect();
                    let size = u32_at(e, 0x78).unwrap_or(0) as u64;
                    (
                        String::from_utf16_lossy(&units),
                        e[0x42],
                        u32_at(e, 0x74).unwrap_or(u32::MAX),
                        size,
                    )
                })
                .collect(),
        )
    }

    /// The stream named `name` (a short one from the mini stream).
    fn stream(&self, entries: &[(String, u8, u32, u64)], name: &str) -> Option<Vec<u8>> {
        let (_, _, start, size) = entries.iter().find(|e| e.1 == 2 && e.0 == name)?;
        let cutoff = u32_at(self.bytes, 0x38)? as u64;
        let mut data = match *size < cutoff {
            false => self.big_chain(*start)?,
            true => {
                let mini_fat_bytes = self.big_chain(u32_at(self.bytes, 0x3C)?)?;
                let mini_fat: Vec<u32> = (0..mini_fat_bytes.len() / 4)
                    .filter_map(|i| u32_at(&mini_fat_bytes, i * 4))
                    .collect();
                let root = entries.first().filter(|e| e.1 == 5)?;
                let pool = self.big_chain(root.2)?;
                let pool = pool.as_slice();
                Self::chain(&mini_fat, *start, |id| {
                    let at = (id as usize).checked_mul(64)?;
                    pool.get(at..at.checked_add(64)?.min(pool.len()))
                })?
            }
        };
        data.truncate(*size as usize);
        Some(data)
    }
}

/// Checks a legacy `.xls` (a compound file): its Workbook stream's sheets, walked as calamine
/// walks them (from each BoundSheet's offset to its EOF, nested substreams included here).
pub fn check_xls(bytes: &[u8], max_rows: u64) -> Result<(), Refusal> {
    let cfb = Cfb::open(bytes).ok_or(Refusal::Unreadable)?;
    let entries = cfb.entries().ok_or(Refusal::Unreadable)?;
    if entries.iter().any(|e| e.0 == "_VBA_PROJECT_CUR") {
        return Err(Refusal::Macros);
    }
    let stream = cfb
        .stream(&entries, "Workbook")
        .or_else(|| cfb.stream(&entries, "Book"))
        .ok_or(Refusal::Unreadable)?;
    let records = |from: usize| Records {
        stream: stream.get(from..).unwrap_or_default(),
    };
    let sheets: Vec<usize> = records(0)
        .filter(|(typ, _)| *typ == 0x0085)
        .filter_map(|(_, data)| u32_at(data, 0).map(|p| p as usize))
        .collect();
    let mut tally = Tally { cells: 0, max_rows };
    for at in sheets {
        tally.sheet(xls_sheet(records(at))?)?;
    }
    Ok(())
}

/// BIFF records: (type, data).
struct Records<'a> {
    stream: &'a [u8],
}

impl<'a> Iterator for Records<'a> {
    type Item = (u16, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        let typ = u16_at(self.stream, 0)?;
        let len = u16_at(self.stream, 2)? as usize;
        let data = self.stream.get(4..4 + len)?;
        self.stream = &self.stream[4 + len..];
        Some((typ, data))
    }
}

/// The span of one sheet's cells and what its DIMENSIONS declare.
fn xls_sheet<'a>(records: impl Iterator<Item = (u16, &'a [u8])>) -> Result<Span, Refusal> {
    let mut span = Span::default();
    let mut seen_bof = false;
    for (typ, d) in records {
        let at = |i: usize| u16_at(d, i).map_or(0, u64::from);
        match typ {
            0x0809 if !seen_bof => seen_bof = true,
            0x000A => break,
            // DIMENSIONS: calamine reserves room for all of it.
            0x0200 => {
                let (rows, cols) = match d.len() {
                    10 => (at(2).saturating_sub(at(0)), at(6)),
                    14 | 16 => {
                        let (r0, r1) = (u32_at(d, 0).unwrap_or(0), u32_at(d, 4).unwrap_or(0));
                        (u64::from(r1.saturating_sub(r0)), at(10))
                    }
                    _ => (0, 0),
                };
                if rows.saturating_mul(cols) > MAX_CELLS {
                    return Err(Refusal::TooLarge);
                }
            }
            // Number, Label, RString, BoolErr, Rk, LabelSst, Formula: row and column first.
            0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD | 0x0006 if d.len() >= 4 => {
                span.add((at(0), at(0) + 1), (at(2), at(2) + 1));
            }
            // MulRk: a run of columns of one row.
            0x00BD if d.len() >= 6 => {
                let last = at(d.len() - 2);
                span.add((at(0), at(0) + 1), (at(2), last.max(at(2)) + 1));
            }
            _ => {}
        }
    }
    Ok(span)
}

/// Checks an `.ods`'s `content.xml`: each table's cells as calamine expands them (repeated rows
/// and columns counted out; empty cells at the end of a row and empty rows at the end of a
/// table left out, as calamine leaves them).
pub fn check_ods(content: &[u8], max_rows: u64) -> Result<(), Refusal> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(content);
    let mut buf = Vec::new();
    let mut tally = Tally { cells: 0, max_rows };
    // What calamine keeps before expanding the repeats: the cells of each row up to its last
    // value, repeats of columns counted out.
    let mut pushed = 0u64;
    let (mut span, mut row, mut row_repeats, mut col, mut row_end) = (Span::default(), 0, 1, 0, 0);
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|_| Refusal::Unreadable)?;
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            let repeat = |name: &str| {
                e.attributes()
                    .flatten()
                    .find(|a| a.key.0 == name)
                    .and_then(|a| a.value.trim().parse::<u64>().ok())
                    .unwrap_or(1)
            };
            match e.name().0 {
                "table:table" => (span, row) = (Span::default(), 0),
                "table:table-row" => {
                    (row_repeats, col, row_end) =
                        (repeat("table:number-rows-repeated").min(1 << 20), 0, 0);
                }
                "table:table-cell" | "table:covered-table-cell" => {
                    let cols = repeat("table:number-columns-repeated").min(16_384);
                    let valued = e
                        .attributes()
                        .flatten()
                        .any(|a| matches!(a.key.0, "office:value-type" | "table:formula"));
                    // A cell with content inside (text) counts too.
                    if valued || !empty {
                        span.add((row, row + row_repeats), (col, col + cols));
                        row_end = col + cols;
                    }
                    col += cols;
                }
                _ => {}
            }
        }
        match event {
            Event::End(e) if e.name().0 == "table:table-row" => {
                pushed = pushed.saturating_add(row_end);
                row += row_repeats;
            }
            Event::End(e) if e.name().0 == "table:table" => tally.sheet(span)?,
            Event::Eof => break,
            _ => {}
        }
        if pushed > MAX_CELLS {
            return Err(Refusal::TooLarge);
        }
        buf.clear();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ods(rows: &str) -> Vec<u8> {
        format!(
            r#"<office:document-content><office:body><office:spreadsheet><table:table table:name="人员">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
        )
        .into_bytes()
    }

    #[test]
    fn repeated_rows_and_columns_are_counted_out() {
        let cell =
            r#"<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>"#;
        let ok = ods(&format!(
            r#"<table:table-row>{cell}{cell}</table:table-row><table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#
        ));
        assert_eq!(
            check_ods(&ok, 50_001),
            Ok(()),
            "trailing empty rows are free"
        );
        let bomb = ods(
            r#"<table:table-row table:number-rows-repeated="40000"><table:table-cell table:number-columns-repeated="1000" office:value-type="float" office:value="1"/></table:table-row>"#,
        );
        assert_eq!(check_ods(&bomb, 50_001), Err(Refusal::TooLarge));
        let far = ods(&format!(
            r#"<table:table-row>{cell}</table:table-row><table:table-row table:number-rows-repeated="1000000"><table:table-cell/></table:table-row><table:table-row>{cell}</table:table-row>"#
        ));
        assert_eq!(
            check_ods(&far, 50_001),
            Err(Refusal::TooManyRows(1_000_002))
        );
    }

    #[test]
    fn a_file_that_is_not_a_compound_file_is_unreadable() {
        assert_eq!(
            check_xls(b"\xD0\xCF\x11\xE0 short", 10),
            Err(Refusal::Unreadable)
        );
    }
}
