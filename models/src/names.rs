//! Names of classes, people, subjects, topics, schools and districts, as they are stored and
//! compared: the same name typed on two phones must be the same text, or a rule that compares
//! names (the same class, the same subject) can be fooled by what a screen does not show.

use unicode_normalization::UnicodeNormalization;

/// Characters that show nothing: zero-width spaces and joiners, the marks and controls of
/// bidirectional text, word joiners and invisible operators, the byte-order mark, the soft hyphen.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2069}'
        | '\u{FEFF}')
}

/// A name in its one stored form: Unicode NFKC (full-width letters and digits become ASCII, the
/// ideographic space a space), invisible characters removed, runs of spaces made one, the ends
/// trimmed. Control characters (tab, line feed, NUL) are left for validation to refuse.
/// An empty result means the name had nothing visible in it.
pub fn normalise(name: &str) -> String {
    let visible: String = name.chars().filter(|c| !is_invisible(*c)).nfkc().collect();
    let mut out = String::with_capacity(visible.len());
    let mut space = false;
    for c in visible.chars().filter(|c| !is_invisible(*c)) {
        if c.is_whitespace() && !c.is_control() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_are_removed() {
        assert_eq!(normalise("五年级\u{200B}三班"), "五年级三班");
        assert_eq!(
            normalise("\u{FEFF}初二\u{200D}(3)\u{2060}班\u{00AD}"),
            "初二(3)班"
        );
        assert_eq!(normalise("\u{202E}班三\u{202C}"), "班三");
        assert_eq!(normalise("\u{200B}\u{200C}\u{FEFF}"), "");
    }

    #[test]
    fn compatibility_forms_become_one() {
        assert_eq!(normalise("５年级３班"), "5年级3班");
        assert_eq!(normalise("初２（３）班"), "初2(3)班");
        assert_eq!(normalise("ＡＢＣ"), "ABC");
    }

    #[test]
    fn spaces_are_collapsed_and_trimmed() {
        assert_eq!(normalise("  张\u{3000}\u{3000}老师  "), "张 老师");
        assert_eq!(normalise("a \u{00A0} b"), "a b");
        assert_eq!(normalise("   "), "");
        assert_eq!(normalise("\u{200B} \u{200B}"), "");
    }

    #[test]
    fn controls_are_kept_for_validation_to_refuse() {
        assert_eq!(normalise("a\tb"), "a\tb");
        assert_eq!(normalise("a\0b"), "a\0b");
    }

    #[test]
    fn plain_names_are_unchanged() {
        for name in ["实验小学", "五年级三班", "语文", "Li Ming", "初二(3)班"] {
            assert_eq!(normalise(name), name);
        }
    }
}
