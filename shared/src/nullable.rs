//! PATCH fields where `null` means "clear" and an absent field means "keep":
//! `Option<Option<T>>` with `#[serde(default, deserialize_with = "nullable::deserialize")]`.

use serde::{Deserialize, Deserializer};

/// Present (null or a value) becomes `Some`; absence is left to `#[serde(default)]`.
pub fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Patch {
        #[serde(default, deserialize_with = "super::deserialize")]
        cap: Option<Option<i64>>,
    }

    #[test]
    fn absent_keeps_null_clears_and_a_value_sets() {
        let parse = |json: &str| serde_json::from_str::<Patch>(json).map(|p| p.cap).ok();
        assert_eq!(parse("{}"), Some(None));
        assert_eq!(parse(r#"{"cap": null}"#), Some(Some(None)));
        assert_eq!(parse(r#"{"cap": 3}"#), Some(Some(Some(3))));
    }
}
