//! Writes a district's workbook for the import benchmark (`bench/import.sh`, issue 21): SCHOOLS
//! schools of PEOPLE people each (a principal, a dean and teachers; every 50th teacher also
//! teaches in the next school), one term, and the same rows as CSV files for a plain `COPY` into
//! `schools`, `users` and `memberships` (ids made here, every password the same hash).
//!
//!   cargo run --release -p tingke-api --example district_workbook -- OUT_DIR DISTRICT_ID [SCHOOLS] [PEOPLE]

use std::io::Write;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let out = std::path::PathBuf::from(args.get(1).ok_or("OUT_DIR")?);
    let district = args.get(2).ok_or("DISTRICT_ID")?.clone();
    let schools: usize = args.get(3).map_or(Ok(200), |s| s.parse())?;
    let people: usize = args.get(4).map_or(Ok(100), |s| s.parse())?;
    std::fs::create_dir_all(&out)?;
    let mut book = rust_xlsxwriter::Workbook::new();
    let school_names: Vec<String> = (0..schools).map(|i| format!("第{}学校", i + 1)).collect();
    let ws = book.add_worksheet();
    ws.set_name("学校")?;
    ws.write_string(0, 0, "学校名称")?;
    for (i, name) in school_names.iter().enumerate() {
        ws.write_string(i as u32 + 1, 0, name)?;
    }
    // (name, phone, school index, roles, subjects)
    let mut rows: Vec<(String, String, usize, &str, &str)> = Vec::new();
    for s in 0..schools {
        for p in 0..people {
            let n = s * people + p;
            let role = match p {
                0 => "校长",
                1 => "教导主任",
                _ => "教师",
            };
            let subject = ["语文", "数学", "英语", "科学"][n % 4];
            rows.push((format!("教师{n}"), format!("139{n:08}"), s, role, subject));
            if p >= 2 && n.is_multiple_of(50) && schools > 1 {
                rows.push((
                    format!("教师{n}"),
                    format!("139{n:08}"),
                    (s + 1) % schools,
                    "教师",
                    subject,
                ));
            }
        }
    }
    let ws = book.add_worksheet();
    ws.set_name("人员")?;
    for (c, h) in ["姓名", "手机号", "学校", "角色", "学科"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h)?;
    }
    for (i, (name, phone, school, role, subject)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, name)?;
        ws.write_string(r, 1, phone)?;
        ws.write_string(r, 2, &school_names[*school])?;
        ws.write_string(r, 3, *role)?;
        ws.write_string(r, 4, *subject)?;
    }
    let ws = book.add_worksheet();
    ws.set_name("学期")?;
    for (c, h) in ["学期名称", "学年", "开始日期", "结束日期"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h)?;
    }
    for (c, v) in ["秋季学期", "2026-2027", "2026-09-01", "2027-01-20"]
        .iter()
        .enumerate()
    {
        ws.write_string(1, c as u16, *v)?;
    }
    book.save(out.join("district.xlsx"))?;

    // The same rows for COPY.
    let now = "2026-12-05 00:00:00";
    let hash = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$3nYqFWBbLlmvdLG3hHzYQhlZdA8Bi7sJqyk6Wc9v6jM";
    let id = |kind: u8, n: usize| format!("01900000-0000-7000-{kind:04x}-{n:012x}");
    let mut f = std::fs::File::create(out.join("schools.csv"))?;
    for (i, name) in school_names.iter().enumerate() {
        writeln!(f, "{},{district},{name},{now}", id(1, i))?;
    }
    let mut f = std::fs::File::create(out.join("users.csv"))?;
    let mut seen = std::collections::HashSet::new();
    for (name, phone, _, _, _) in &rows {
        if seen.insert(phone.clone()) {
            writeln!(
                f,
                "{},{name},{phone},\"{hash}\",false,{now},{now},,true",
                id(2, phone_n(phone))
            )?;
        }
    }
    let mut f = std::fs::File::create(out.join("memberships.csv"))?;
    for (i, (_, phone, school, role, subject)) in rows.iter().enumerate() {
        let role = match *role {
            "校长" => "principal",
            "教导主任" => "dean",
            _ => "teacher",
        };
        let sid = id(1, *school);
        writeln!(
            f,
            "{},{},{district},{sid},{sid},\"[\"\"{role}\"\"]\",\"[\"\"{subject}\"\"]\",{now}",
            id(3, i),
            id(2, phone_n(phone))
        )?;
    }
    println!(
        "{} schools, {} people, {} rows of people",
        schools,
        seen.len(),
        rows.len()
    );
    Ok(())
}

fn phone_n(phone: &str) -> usize {
    phone[3..].parse().unwrap_or(0)
}
