//! Splitting long texts into Telegram-sized messages, counted the way
//! Telegram counts (UTF-16 code units), at sensible boundaries.

/// Telegram's limit for one message's text ("1-4096 characters after entity
/// parsing"), counted, like entity offsets, in UTF-16 code units.
pub const MAX_TEXT_UNITS: usize = 4096;
/// Telegram's limit for a media caption.
pub const MAX_CAPTION_UNITS: usize = 1024;

pub(super) fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// Splits a text into messages of at most `limit` UTF-16 code units, at the
/// latest paragraph break, else line break, else sentence end, else space in
/// each window (breaks in the first half of a window are not worth the tiny
/// message they leave), never inside a character and, as far as cheaply
/// known, not inside an emoji sequence. Whitespace around a cut is dropped
/// (Telegram trims it anyway); whitespace-only texts give no parts.
pub fn split_text(text: &str, limit: usize) -> Vec<String> {
    let limit = limit.max(2);
    let mut parts = Vec::new();
    let mut rest = text;
    while utf16_len(rest) > limit {
        let cut = best_cut(rest, prefix_within(rest, limit));
        let (head, tail) = rest.split_at(cut);
        let head = head.trim_end();
        if !head.trim_start().is_empty() {
            parts.push(head.to_owned());
        }
        rest = tail.trim_start();
    }
    if !rest.trim().is_empty() {
        parts.push(rest.trim_end().to_owned());
    }
    parts
}

/// The byte length of the longest prefix of `text` within `limit` UTF-16 units.
fn prefix_within(text: &str, limit: usize) -> usize {
    let mut units = 0;
    for (index, ch) in text.char_indices() {
        units += ch.len_utf16();
        if units > limit {
            return index;
        }
    }
    text.len()
}

/// Where to cut `rest` at or before byte `end` (a byte index > 0 on a char
/// boundary).
fn best_cut(rest: &str, end: usize) -> usize {
    let window = &rest[..end];
    let half = window.len() / 2;
    if let Some(at) = window.rfind("\n\n").filter(|&at| at >= half) {
        return at;
    }
    if let Some(at) = window.rfind('\n').filter(|&at| at >= half) {
        return at;
    }
    if let Some(at) = last_sentence_end(window).filter(|&at| at >= half) {
        return at;
    }
    if let Some(at) = window
        .char_indices()
        .rev()
        .find(|&(at, ch)| at > 0 && ch.is_whitespace())
        .map(|(at, _)| at)
    {
        return at;
    }
    hard_cut(rest, end)
}

/// The byte index just after the last sentence-ending punctuation that is
/// followed by whitespace.
fn last_sentence_end(window: &str) -> Option<usize> {
    let mut next: Option<char> = None;
    for (at, ch) in window.char_indices().rev() {
        let ends_sentence = matches!(ch, '.' | '!' | '?' | '…' | '。' | '！' | '？');
        if ends_sentence && next.is_some_and(char::is_whitespace) {
            return Some(at + ch.len_utf8());
        }
        next = Some(ch);
    }
    None
}

/// No space anywhere: cut at the window's end, backing off so that a
/// combining mark, variation selector, skin tone, zero-width joiner or the
/// second half of a flag stays with the character before it.
fn hard_cut(rest: &str, end: usize) -> usize {
    let mut cut = end;
    // Look a few characters back at most; a longer run of joiners is not text.
    for _ in 0..16 {
        let (Some(before), Some(after)) =
            (rest[..cut].chars().next_back(), rest[cut..].chars().next())
        else {
            break;
        };
        let splits_a_symbol = before == '\u{200D}'
            || is_extension(after)
            || (is_regional_indicator(after) && odd_flag_run(&rest[..cut]));
        if !splits_a_symbol {
            break;
        }
        cut -= before.len_utf8();
    }
    if cut == 0 {
        end
    } else {
        cut
    }
}

/// Characters that extend the previous one into one visible symbol.
fn is_extension(ch: char) -> bool {
    matches!(ch,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FE20}'..='\u{FE2F}'
        | '\u{200D}'
        | '\u{1F3FB}'..='\u{1F3FF}'
        | '\u{E0020}'..='\u{E007F}'
        | '\u{E0100}'..='\u{E01EF}')
}

fn is_regional_indicator(ch: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&ch)
}

/// Whether `head` ends with an odd run of regional indicators, i.e. with
/// the first half of a flag.
fn odd_flag_run(head: &str) -> bool {
    let run = head
        .chars()
        .rev()
        .take_while(|&ch| is_regional_indicator(ch))
        .count();
    run % 2 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_text_is_one_part() {
        assert_eq!(split_text("Hello 👋", MAX_TEXT_UNITS), vec!["Hello 👋"]);
    }

    #[test]
    fn a_text_of_exactly_the_limit_is_one_part() {
        let text = "a".repeat(MAX_TEXT_UNITS);
        assert_eq!(split_text(&text, MAX_TEXT_UNITS), vec![text]);
    }

    #[test]
    fn an_empty_or_blank_text_has_no_parts() {
        assert!(split_text("", MAX_TEXT_UNITS).is_empty());
        assert!(split_text(" \n\n ", MAX_TEXT_UNITS).is_empty());
    }

    #[test]
    fn five_thousand_characters_become_two_parts_cut_at_a_paragraph() {
        let paragraph = format!("{}.", "word ".repeat(99).trim_end()); // 495 chars
        let text = [paragraph.as_str(); 10].join("\n\n"); // 10 paragraphs, 4968 chars
        assert!(text.len() > 4900);
        let parts = split_text(&text, MAX_TEXT_UNITS);
        assert_eq!(parts.len(), 2);
        for part in &parts {
            assert!(utf16_len(part) <= MAX_TEXT_UNITS);
            assert!(
                part.ends_with('.'),
                "cut at a paragraph end: {:?}",
                &part[part.len() - 10..]
            );
            assert!(part.starts_with("word"));
        }
        assert_eq!(parts.join("\n\n"), text);
    }

    #[test]
    fn a_text_without_paragraphs_is_cut_at_a_line_then_a_sentence_then_a_space() {
        let lines = ["one line of text"; 400].join("\n");
        let parts = split_text(&lines, MAX_TEXT_UNITS);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts.join("\n"), lines);

        let sentences = "Short sentence here. ".repeat(250);
        let parts = split_text(&sentences, MAX_TEXT_UNITS);
        assert_eq!(parts.len(), 2);
        assert!(
            parts[0].ends_with("here."),
            "{:?}",
            &parts[0][parts[0].len() - 20..]
        );
        assert_eq!(parts.join(" "), sentences.trim_end());

        let words = "word ".repeat(1000);
        let parts = split_text(&words, MAX_TEXT_UNITS);
        assert_eq!(parts.len(), 2);
        assert!(parts.iter().all(|part| part.ends_with("word")));
        assert_eq!(parts.join(" "), words.trim_end());
    }

    #[test]
    fn limits_count_utf16_units_and_never_split_an_emoji() {
        // 2,500 emoji of 2 UTF-16 units each, without any space.
        let text = "😀".repeat(2500);
        let parts = split_text(&text, MAX_TEXT_UNITS);
        assert_eq!(parts.len(), 2);
        assert_eq!(utf16_len(&parts[0]), MAX_TEXT_UNITS);
        assert!(parts.iter().all(|part| part.chars().all(|ch| ch == '😀')));
        assert_eq!(parts.concat(), text);
    }

    #[test]
    fn a_hard_cut_keeps_skin_tones_joiners_and_flags_together() {
        // "👍🏽" is 4 units: a cut at 6 units would split the tone from the hand.
        assert_eq!(split_text("👍🏽👍🏽👍🏽", 6), vec!["👍🏽", "👍🏽", "👍🏽"]);
        // Two flags, 4 units each: a 6-unit window must not split the second one.
        assert_eq!(split_text("🇵🇱🇺🇦", 6), vec!["🇵🇱", "🇺🇦"]);
        // "e" + combining acute accent stays whole.
        assert_eq!(split_text("abe\u{301}", 3), vec!["ab", "e\u{301}"]);
    }

    #[test]
    fn a_paragraph_break_in_the_first_half_of_a_window_loses_to_a_later_space() {
        let text = format!("Hi.\n\n{}", "word ".repeat(10));
        let parts = split_text(&text, 20);
        assert_eq!(parts[0], "Hi.\n\nword word word", "{parts:?}");
    }
}
