//! A district inspection of a school (POLICY.md, "Inspections"): the bureau's team combines
//! listening to lessons, checking records, looking around, visiting and talking ("采用'听、查、
//! 看、访、谈'相结合的方式"). An inspection records which of these it did, what it found and
//! the school's grade; its notices are rectification notices about it.

use super::Broken;

/// 听、查、看、访、谈.
pub const PARTS: [&str; 5] = ["listen", "check", "look", "visit", "talk"];

/// The parts named: each one of [`PARTS`], at least one, none twice.
pub fn parts<'a>(named: impl IntoIterator<Item = &'a str>) -> Result<(), Broken> {
    let mut seen: Vec<&str> = Vec::new();
    for part in named {
        if !PARTS.contains(&part) {
            return Err(Broken::new(
                "invalid_part",
                "parts",
                "a part is listen, check, look, visit or talk",
            ));
        }
        if seen.contains(&part) {
            return Err(Broken::new(
                "duplicate_part",
                "parts",
                "a part is named once",
            ));
        }
        seen.push(part);
    }
    match seen.is_empty() {
        true => Err(Broken::new(
            "missing_field",
            "parts",
            "an inspection did at least one thing",
        )),
        false => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_five_parts_each_once() {
        assert!(parts(["listen", "check", "talk"]).is_ok());
        assert_eq!(
            parts(["listen", "listen"]).unwrap_err().code,
            "duplicate_part"
        );
        assert_eq!(parts(["dance"]).unwrap_err().code, "invalid_part");
        assert_eq!(parts([]).unwrap_err().code, "missing_field");
    }
}
