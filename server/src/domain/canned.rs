//! Canned replies (CONTRACT.md "Everyday inbox"): what a shortcut may be, how a
//! reply's variables are filled in for one chat and caller, and which replies
//! match what a manager is typing after "/". Pure: the store loads the
//! replies and the names, the service applies the result.

use std::cmp::Ordering;

/// Longest shortcut (characters), without the leading "/".
pub const MAX_SHORTCUT_CHARS: usize = 32;
/// Longest canned reply text (as long as a reply may be).
pub const MAX_CANNED_CHARS: usize = super::text::MAX_REPLY_CHARS;

/// Who sees a canned reply: everyone (`Team`) or only its author (`Personal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Team,
    Personal,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Team => "team",
            Scope::Personal => "personal",
        }
    }

    pub fn parse(value: &str) -> Option<Scope> {
        match value {
            "team" => Some(Scope::Team),
            "personal" => Some(Scope::Personal),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CannedError {
    #[error(
        "the shortcut must be 1 to {MAX_SHORTCUT_CHARS} letters, digits, '-', '_' or '.', without spaces"
    )]
    BadShortcut,
}

/// Normalises a shortcut: without surrounding spaces or a leading "/",
/// lower-cased (so "/Hello" and "/hello" are the same shortcut), then checked.
pub fn normalize_shortcut(shortcut: &str) -> Result<String, CannedError> {
    let shortcut = shortcut.trim();
    let shortcut = shortcut
        .strip_prefix('/')
        .unwrap_or(shortcut)
        .to_lowercase();
    let count = shortcut.chars().count();
    let allowed = |c: char| c.is_alphanumeric() || c == '-' || c == '_' || c == '.';
    if count == 0 || count > MAX_SHORTCUT_CHARS || !shortcut.chars().all(allowed) {
        return Err(CannedError::BadShortcut);
    }
    Ok(shortcut)
}

/// The values a canned reply may use, for one chat and caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Variables<'a> {
    pub contact_name: &'a str,
    pub manager_name: &'a str,
    pub integration_name: &'a str,
}

impl Variables<'_> {
    /// The value of a known variable, `None` for any other name.
    fn value(&self, name: &str) -> Option<&str> {
        match name {
            "contact.name" => Some(self.contact_name.trim()),
            "contact.first_name" => Some(first_name(self.contact_name)),
            "manager.name" => Some(self.manager_name.trim()),
            "manager.first_name" => Some(first_name(self.manager_name)),
            "integration.name" => Some(self.integration_name.trim()),
            _ => None,
        }
    }
}

/// The first word of a name ("" for an empty name).
pub fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or("")
}

/// A canned reply's text with its variables filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub text: String,
    /// Placeholders that name no known variable, as typed (e.g. `{{contact.phone}}`),
    /// each once, in order of appearance. They stay in `text` unchanged.
    pub unknown: Vec<String>,
}

/// Fills in `{{variable}}` placeholders (spaces inside the braces allowed).
/// Unknown names and unclosed braces are left exactly as typed.
pub fn render(template: &str, vars: &Variables<'_>) -> Rendered {
    let mut text = String::with_capacity(template.len());
    let mut unknown: Vec<String> = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        text.push_str(&rest[..start]);
        let after_open = &rest[start + 2..];
        let Some(end) = after_open.find("}}") else {
            text.push_str(&rest[start..]);
            return Rendered { text, unknown };
        };
        let inner = &after_open[..end];
        let typed = &rest[start..start + 2 + end + 2];
        // A brace inside means this "{{" does not open a placeholder: keep it
        // and look again from the next character.
        if inner.contains('{') {
            text.push('{');
            rest = &rest[start + 1..];
            continue;
        }
        match vars.value(inner.trim()) {
            Some(value) => text.push_str(value),
            None => {
                text.push_str(typed);
                if !unknown.iter().any(|u| u == typed) {
                    unknown.push(typed.to_owned());
                }
            }
        }
        rest = &after_open[end + 2..];
    }
    text.push_str(rest);
    Rendered { text, unknown }
}

/// How well a reply matches what is typed after "/": the shortcut starting
/// with it, then containing it, then the text containing it; `None` when
/// it does not match at all. An empty query matches everything equally.
pub fn match_rank(query: &str, shortcut: &str, text: &str) -> Option<u8> {
    let query = query.trim();
    let query = query.strip_prefix('/').unwrap_or(query).to_lowercase();
    if query.is_empty() {
        return Some(0);
    }
    if shortcut.starts_with(&query) {
        Some(0)
    } else if shortcut.contains(&query) {
        Some(1)
    } else if contains_ignoring_case(text, &query) {
        Some(2)
    } else {
        None
    }
}

fn contains_ignoring_case(text: &str, lowered_query: &str) -> bool {
    if text.is_ascii() && lowered_query.is_ascii() {
        let (text, query) = (text.as_bytes(), lowered_query.as_bytes());
        return query.len() <= text.len()
            && text
                .windows(query.len())
                .any(|w| w.eq_ignore_ascii_case(query));
    }
    text.to_lowercase().contains(lowered_query)
}

/// The replies matching `query`, best first (by rank, then shortcut); `key`
/// gives each reply's shortcut and text.
pub fn filter_by_query<T>(items: Vec<T>, query: &str, key: impl Fn(&T) -> (&str, &str)) -> Vec<T> {
    let mut ranked: Vec<(u8, T)> = items
        .into_iter()
        .filter_map(|item| {
            let (shortcut, text) = key(&item);
            match_rank(query, shortcut, text).map(|rank| (rank, item))
        })
        .collect();
    ranked.sort_by(|(ra, a), (rb, b)| match ra.cmp(rb) {
        Ordering::Equal => key(a).0.cmp(key(b).0),
        other => other,
    });
    ranked.into_iter().map(|(_, item)| item).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const VARS: Variables<'static> = Variables {
        contact_name: "Ana María López",
        manager_name: "Bob Stone",
        integration_name: "Shop bot",
    };

    #[test]
    fn every_known_variable_is_filled_in() {
        let r = render(
            "Hi {{contact.first_name}} ({{contact.name}}), {{manager.name}} aka \
             {{manager.first_name}} of {{integration.name}} here",
            &VARS,
        );
        assert_eq!(
            r.text,
            "Hi Ana (Ana María López), Bob Stone aka Bob of Shop bot here"
        );
        assert!(r.unknown.is_empty());
    }

    #[test]
    fn spaces_inside_the_braces_are_allowed() {
        assert_eq!(
            render("Hi {{ contact.first_name }}!", &VARS).text,
            "Hi Ana!"
        );
    }

    #[test]
    fn unknown_variables_stay_as_typed_and_are_listed_once() {
        let r = render(
            "Call {{contact.phone}} or {{ nope }}; again {{contact.phone}}",
            &VARS,
        );
        assert_eq!(
            r.text,
            "Call {{contact.phone}} or {{ nope }}; again {{contact.phone}}"
        );
        assert_eq!(r.unknown, vec!["{{contact.phone}}", "{{ nope }}"]);
    }

    #[test]
    fn unclosed_or_stray_braces_are_kept() {
        assert_eq!(render("a {{contact.name", &VARS).text, "a {{contact.name");
        assert_eq!(render("}} {x} {", &VARS).text, "}} {x} {");
        assert_eq!(
            render("{{{contact.first_name}}}", &VARS).text,
            "{Ana}",
            "the innermost pair is the placeholder"
        );
    }

    #[test]
    fn variables_are_case_sensitive() {
        let r = render("{{Contact.Name}}", &VARS);
        assert_eq!(r.text, "{{Contact.Name}}");
        assert_eq!(r.unknown, vec!["{{Contact.Name}}"]);
    }

    #[test]
    fn first_name_is_the_first_word() {
        assert_eq!(first_name("  Ana María "), "Ana");
        assert_eq!(first_name("Bob"), "Bob");
        assert_eq!(first_name(""), "");
    }

    #[test]
    fn text_without_placeholders_is_unchanged() {
        let r = render("Thanks, see you — ¡gracias!", &VARS);
        assert_eq!(r.text, "Thanks, see you — ¡gracias!");
    }

    #[test]
    fn shortcuts_are_trimmed_lower_cased_and_lose_the_slash() {
        assert_eq!(normalize_shortcut(" /Hello ").as_deref(), Ok("hello"));
        assert_eq!(
            normalize_shortcut("ship-eta_2").as_deref(),
            Ok("ship-eta_2")
        );
        assert_eq!(normalize_shortcut("gracias").as_deref(), Ok("gracias"));
    }

    #[test]
    fn bad_shortcuts_are_refused() {
        for bad in [
            "",
            "/",
            "two words",
            "a/b",
            &"x".repeat(MAX_SHORTCUT_CHARS + 1),
        ] {
            assert_eq!(
                normalize_shortcut(bad),
                Err(CannedError::BadShortcut),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn matches_rank_shortcut_prefix_then_shortcut_then_text() {
        assert_eq!(match_rank("he", "hello", "x"), Some(0));
        assert_eq!(match_rank("/He", "hello", "x"), Some(0));
        assert_eq!(match_rank("ll", "hello", "x"), Some(1));
        assert_eq!(
            match_rank("refund", "money", "Your REFUND is on its way"),
            Some(2)
        );
        assert_eq!(match_rank("zzz", "hello", "text"), None);
        assert_eq!(match_rank("", "hello", "text"), Some(0));
        assert_eq!(match_rank("ÁRBOL", "x", "un árbol"), Some(2));
    }

    #[test]
    fn filtering_orders_by_rank_then_shortcut() {
        let items = vec![
            ("zeta", "hi there"),
            ("hi", "x"),
            ("ahi", "y"),
            ("bye", "z"),
            ("hello", "q"),
        ];
        let got = filter_by_query(items, "h", |(s, t)| (s, t));
        let shortcuts: Vec<_> = got.iter().map(|(s, _)| *s).collect();
        assert_eq!(shortcuts, vec!["hello", "hi", "ahi", "zeta"]);
    }
}
