//! The district workbook reader on arbitrary bytes (issue 21): whatever an administrator (or an
//! attacker) uploads as an .xlsx, .xls, .ods or .csv, `workbook::read` answers the rows or a 4xx
//! refusal with its stable code, within the memory of a server: a panic, a hang, an out-of-memory
//! (a zip bomb, an .xls declaring billions of cells, an .ods repeating a row a million times that
//! `sheet_guard` let through) or a 5xx is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(e) = tingke_api::workbook::read(data) {
        assert!(
            e.status.is_client_error(),
            "{} answered {}",
            e.code,
            e.status
        );
    }
});
