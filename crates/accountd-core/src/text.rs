//! Text a person chooses and others see (display names, bios): one form per text, and
//! nothing that hides or reorders what a reader sees.

use unicode_normalization::UnicodeNormalization;

use crate::DomainError;

/// Whether line breaks belong in the text (a bio) or not (a name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// The text in Unicode NFC, so that two spellings of one text compare and count alike.
/// Refused: C0 and C1 control characters (line feeds where `Lines::Many`), bidirectional
/// overrides and isolates, zero-width and invisible formatting characters other than the
/// zero-width joiner (emoji sequences need it), and byte-order marks. They let a name
/// look like another one, or turn the text around it backwards.
pub fn person_text(field: &'static str, input: &str, lines: Lines) -> Result<String, DomainError> {
    let text: String = input.nfc().collect();
    if let Some(refused) = text.chars().find(|c| is_refused(*c, lines)) {
        return Err(DomainError::field(field, format!("must not contain the character U+{:04X}", u32::from(refused))));
    }
    Ok(text)
}

fn is_refused(c: char, lines: Lines) -> bool {
    match c {
        '\n' => lines == Lines::One,
        c if c.is_control() => true,
        // Bidirectional embeddings, overrides and isolates, and the implicit marks.
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}' => true,
        // Zero-width space and non-joiner, word joiner and the invisible operators, the
        // Mongolian vowel separator, and the byte-order mark (zero-width no-break space).
        '\u{200B}' | '\u{200C}' | '\u{2060}'..='\u{2064}' | '\u{180E}' | '\u{FEFF}' => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_to_nfc() {
        assert_eq!(person_text("displayName", "Jose\u{301}", Lines::One), Ok("Jos\u{e9}".to_string()));
    }

    #[test]
    fn refuses_controls_bidi_controls_zero_width_characters_and_byte_order_marks() {
        for refused in [
            "\u{0}", "\u{7}", "\u{1b}", "\u{7f}", "\u{85}", "\u{9b}", "\r", "\t", "\u{202A}", "\u{202B}", "\u{202C}",
            "\u{202D}", "\u{202E}", "\u{2066}", "\u{2067}", "\u{2068}", "\u{2069}", "\u{200B}", "\u{200C}", "\u{2060}",
            "\u{FEFF}",
        ] {
            let text = format!("Jane{refused}Doe");
            let refusal = person_text("displayName", &text, Lines::Many).unwrap_err();
            let DomainError::Validation(fields) = refusal else { panic!("{refusal:?}") };
            assert!(fields.contains_key("displayName"), "{text:?}");
        }
    }

    #[test]
    fn line_feeds_only_where_lines_are_allowed() {
        assert_eq!(person_text("bio", "one\ntwo", Lines::Many), Ok("one\ntwo".to_string()));
        assert!(person_text("displayName", "one\ntwo", Lines::One).is_err());
    }

    #[test]
    fn keeps_the_zero_width_joiner_of_emoji_sequences() {
        let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}";
        assert_eq!(person_text("displayName", family, Lines::One), Ok(family.to_string()));
    }

    proptest! {
        #[test]
        fn accepted_text_is_nfc_and_free_of_refused_characters(input in "\\PC{0,40}|[\\u{0}-\\u{2070}\\u{FEFF}]{0,40}") {
            if let Ok(text) = person_text("bio", &input, Lines::Many) {
                prop_assert_eq!(text.nfc().collect::<String>(), text.clone());
                prop_assert!(!text.chars().any(|c| is_refused(c, Lines::Many)));
                prop_assert_eq!(person_text("bio", &text, Lines::Many), Ok(text.clone()));
            }
        }
    }
}
