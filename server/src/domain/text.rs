//! Text rules: reply limits, previews, tags.

/// Longest reply a manager may send (characters); longer is 422.
pub const MAX_REPLY_CHARS: usize = 32_000;
/// Longest comment.
pub const MAX_COMMENT_CHARS: usize = 10_000;
/// Characters of the last message shown in the inbox list.
pub const PREVIEW_CHARS: usize = 120;
pub const MAX_TAG_CHARS: usize = 40;
pub const MAX_TAGS: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("the text is empty")]
    Empty,
    #[error("the text is longer than {0} characters")]
    TooLong(usize),
    #[error("tags must be 1 to {MAX_TAG_CHARS} characters, at most {MAX_TAGS} of them")]
    BadTags,
}

/// Trims and checks a manager's text.
pub fn check_text(text: &str, max_chars: usize) -> Result<String, TextError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        Err(TextError::Empty)
    } else if trimmed.chars().count() > max_chars {
        Err(TextError::TooLong(max_chars))
    } else {
        Ok(trimmed.to_owned())
    }
}

/// One line, at most [`PREVIEW_CHARS`] characters, with an ellipsis when cut.
pub fn preview(text: &str) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= PREVIEW_CHARS {
        one_line
    } else {
        let cut: String = one_line.chars().take(PREVIEW_CHARS - 1).collect();
        format!("{}…", cut.trim_end())
    }
}

/// Normalises tags: trimmed, lower-cased, unique, sorted.
pub fn normalize_tags(tags: &[String]) -> Result<Vec<String>, TextError> {
    let mut out: Vec<String> = tags.iter().map(|t| t.trim().to_lowercase()).collect();
    out.sort();
    out.dedup();
    if out.len() > MAX_TAGS
        || out
            .iter()
            .any(|t| t.is_empty() || t.chars().count() > MAX_TAG_CHARS)
    {
        return Err(TextError::BadTags);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_huge_texts_are_refused() {
        assert_eq!(check_text("   ", 10), Err(TextError::Empty));
        assert_eq!(check_text("12345678901", 10), Err(TextError::TooLong(10)));
        assert_eq!(check_text(" hi ", 10), Ok("hi".into()));
    }

    #[test]
    fn previews_are_one_short_line() {
        assert_eq!(preview("a\n\nb   c"), "a b c");
        let long = "x".repeat(500);
        let p = preview(&long);
        assert_eq!(p.chars().count(), PREVIEW_CHARS);
        assert!(p.ends_with('…'));
    }

    #[test]
    fn tags_are_normalised() {
        assert_eq!(
            normalize_tags(&[" VIP ".into(), "vip".into(), "lead".into()]),
            Ok(vec!["lead".into(), "vip".into()])
        );
        assert_eq!(normalize_tags(&["".into()]), Err(TextError::BadTags));
    }
}
