//! Splitting a long text into parts Viber accepts (`text` ≤ 7000 characters,
//! shared/protocols/viber.md §4). Lengths are counted in UTF-16 code units, as
//! Viber's Java-based limit most likely does, which is never more lenient than
//! counting characters. Cuts prefer a paragraph break, then a line break, then
//! the end of a sentence, then a space; the whitespace at a cut is dropped.

/// Parts of at most `limit` UTF-16 units each; a text within the limit comes
/// back unchanged, an empty or all-whitespace text as no parts.
pub(super) fn split_text(text: &str, limit: usize) -> Vec<String> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    if utf16_len(text) <= limit {
        return vec![text.to_owned()];
    }
    let mut parts = Vec::new();
    let mut rest = text.trim_start();
    while utf16_len(rest) > limit {
        let hard = hard_cut(rest, limit);
        let (end, next) = soft_cut(&rest[..hard]).unwrap_or((hard, hard));
        let part = rest[..end].trim_end();
        if !part.is_empty() {
            parts.push(part.to_owned());
        }
        rest = rest[next..].trim_start();
    }
    let last = rest.trim_end();
    if !last.is_empty() {
        parts.push(last.to_owned());
    }
    parts
}

fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// The largest byte index keeping `text[..index]` within `limit`, moved back
/// so it neither splits a character nor separates a joiner or combining mark
/// from its base.
fn hard_cut(text: &str, limit: usize) -> usize {
    let mut units = 0;
    let mut cut = 0;
    for (index, ch) in text.char_indices() {
        units += ch.len_utf16();
        if units > limit {
            break;
        }
        cut = index + ch.len_utf8();
    }
    let mut adjusted = cut;
    while adjusted > 0 {
        let before = text[..adjusted].chars().next_back();
        let after = text[adjusted..].chars().next();
        if before.is_some_and(is_joiner) || after.is_some_and(is_attached) {
            adjusted -= before.map_or(1, char::len_utf8);
        } else {
            break;
        }
    }
    // A text made only of joined characters cannot be split nicely: cut anyway.
    if adjusted == 0 {
        cut.max(text.chars().next().map_or(0, char::len_utf8))
    } else {
        adjusted
    }
}

fn is_joiner(ch: char) -> bool {
    ch == '\u{200D}'
}

fn is_attached(ch: char) -> bool {
    matches!(ch,
        '\u{200D}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{1F3FB}'..='\u{1F3FF}'
        | '\u{E0020}'..='\u{E007F}')
}

/// Where to end this part and where the next one starts, at the best
/// boundary in the second half of `window` (earlier ones make tiny parts).
fn soft_cut(window: &str) -> Option<(usize, usize)> {
    let floor = window.len() / 2;
    let after_whitespace = |index: usize| {
        window[index..]
            .char_indices()
            .find(|(_, ch)| !ch.is_whitespace())
            .map_or(window.len(), |(offset, _)| index + offset)
    };
    if let Some(index) = window.rfind("\n\n").filter(|&index| index >= floor) {
        return Some((index, after_whitespace(index)));
    }
    if let Some(index) = window.rfind('\n').filter(|&index| index >= floor) {
        return Some((index, after_whitespace(index)));
    }
    let sentence_end = window
        .char_indices()
        .zip(window.chars().skip(1))
        .filter(|((index, ch), next)| {
            *index >= floor && matches!(ch, '.' | '!' | '?' | '…') && next.is_whitespace()
        })
        .map(|((index, ch), _)| index + ch.len_utf8())
        .last();
    if let Some(index) = sentence_end {
        return Some((index, after_whitespace(index)));
    }
    window
        .char_indices()
        .rev()
        .find(|(index, ch)| *index >= floor && ch.is_whitespace())
        .map(|(index, _)| (index, after_whitespace(index)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn squeeze(text: &str) -> String {
        text.chars().filter(|ch| !ch.is_whitespace()).collect()
    }

    fn assert_within(parts: &[String], limit: usize) {
        for part in parts {
            assert!(utf16_len(part) <= limit, "{} > {limit}", utf16_len(part));
            assert!(!part.trim().is_empty());
            assert_eq!(part.trim(), part, "no whitespace at the cut");
        }
    }

    #[test]
    fn a_short_text_is_one_unchanged_part() {
        assert_eq!(split_text("  hello\n", 10), vec!["  hello\n".to_owned()]);
    }

    #[test]
    fn a_text_of_exactly_the_limit_is_one_part() {
        let text = "a".repeat(7000);
        assert_eq!(split_text(&text, 7000), vec![text]);
    }

    #[test]
    fn an_empty_text_has_no_parts() {
        assert!(split_text("", 10).is_empty());
        assert!(split_text(" \n\t ", 10).is_empty());
    }

    #[test]
    fn a_long_text_splits_at_a_paragraph_break() {
        let first = "First paragraph. It has sentences.";
        let second = "Second paragraph\nwith a line.";
        let text = format!("{first}\n\n{second}");
        assert_eq!(
            split_text(&text, 40),
            vec![first.to_owned(), second.to_owned()]
        );
    }

    #[test]
    fn a_paragraph_break_is_preferred_over_a_later_line_break() {
        let text = "aaaa aaaa aaaa\n\nbbbb bbbb\nccc";
        assert_eq!(
            split_text(text, 26),
            vec!["aaaa aaaa aaaa".to_owned(), "bbbb bbbb\nccc".to_owned()]
        );
    }

    #[test]
    fn without_line_breaks_it_splits_after_a_sentence() {
        let text = "One sentence here. Another one follows! And the third one is long";
        let parts = split_text(text, 45);
        assert_eq!(parts[0], "One sentence here. Another one follows!");
        assert_eq!(parts[1], "And the third one is long");
    }

    #[test]
    fn without_sentences_it_splits_at_a_space() {
        let parts = split_text("alpha beta gamma delta epsilon", 12);
        assert_eq!(parts, vec!["alpha beta", "gamma delta", "epsilon"]);
    }

    #[test]
    fn an_unbroken_word_is_cut_hard() {
        let text = "x".repeat(25);
        let parts = split_text(&text, 10);
        assert_eq!(parts, vec!["x".repeat(10), "x".repeat(10), "x".repeat(5)]);
    }

    #[test]
    fn a_cut_never_splits_a_character_or_a_surrogate_pair() {
        // Each emoji is 2 UTF-16 units; a limit of 5 fits two of them.
        let text = "😀".repeat(7);
        let parts = split_text(&text, 5);
        assert_eq!(parts.concat(), text);
        assert_within(&parts, 5);
    }

    #[test]
    fn a_cut_keeps_a_joined_emoji_together() {
        // 👩‍💻 = U+1F469 U+200D U+1F4BB (5 UTF-16 units).
        let family = "👩\u{200D}💻";
        let text = format!("ab{family}{family}");
        let parts = split_text(&text, 9);
        assert_eq!(parts, vec![format!("ab{family}"), family.to_owned()]);
    }

    #[test]
    fn a_realistic_long_reply_keeps_every_word_within_the_limit() {
        let paragraph = "Дякуємо за замовлення! Ми відправимо його завтра. ".repeat(40);
        let text = [paragraph.as_str(); 8].join("\n\n");
        let parts = split_text(&text, 7000);
        assert!(parts.len() >= 2);
        assert_within(&parts, 7000);
        assert_eq!(squeeze(&parts.concat()), squeeze(&text));
    }
}
