//! The languages Tidings speaks, shared by the web app (its interface) and the
//! server (its messages to people).

/// A language of the interface and of the server's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Es,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    /// The BCP 47 code (also used for dates and numbers).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The language's own name, for the switch.
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::Es => "Español",
        }
    }

    /// From a code such as `es` or `es-AR`.
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.split(['-', '_']).next()?.trim().to_ascii_lowercase();
        Lang::ALL.into_iter().find(|lang| lang.code() == primary)
    }

    /// The first language of an `Accept-Language` value that we speak, by
    /// quality (`de-DE,de;q=0.9,es;q=0.8` → Spanish); English otherwise.
    pub fn from_accept_language(header: Option<&str>) -> Lang {
        let mut choices: Vec<(&str, f32)> = header
            .unwrap_or_default()
            .split(',')
            .filter_map(|part| {
                let mut pieces = part.split(';');
                let tag = pieces.next()?.trim();
                let quality = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                (!tag.is_empty() && quality > 0.0).then_some((tag, quality))
            })
            .collect();
        // Stable: equal qualities keep the order they were given in.
        choices.sort_by(|a, b| b.1.total_cmp(&a.1));
        choices
            .into_iter()
            .find_map(|(tag, _)| Lang::parse(tag))
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regional_codes_pick_their_language() {
        assert_eq!(Lang::parse("es-AR"), Some(Lang::Es));
        assert_eq!(Lang::parse("en_GB"), Some(Lang::En));
        assert_eq!(Lang::parse("de"), None);
    }

    #[test]
    fn accept_language_picks_the_first_language_we_speak() {
        let cases = [
            (None, Lang::En),
            (Some(""), Lang::En),
            (Some("es"), Lang::Es),
            (Some("es-AR,es;q=0.9,en;q=0.8"), Lang::Es),
            (Some("de-DE,de;q=0.9,es;q=0.8,en;q=0.7"), Lang::Es),
            (Some("en-GB,es;q=0.5"), Lang::En),
            (Some("fr;q=1, en;q=0.2, es;q=0.9"), Lang::Es),
            (Some("es;q=0, en"), Lang::En),
            (Some("ES_es"), Lang::Es),
            (Some("zz, *"), Lang::En),
        ];
        for (header, expected) in cases {
            assert_eq!(Lang::from_accept_language(header), expected, "{header:?}");
        }
    }
}
