//! Hostile input for what reads webhook requests: the Telegram and Viber
//! parsers and the webhook checks get arbitrary bytes, and real fixtures with
//! one value swapped for arbitrary JSON or cut short. Each answers a typed
//! result; none panics. CI runs 256 cases per property; for a longer run:
//! `PROPTEST_CASES=100000 cargo test -p tidings --lib channels::fuzz_tests`.

use std::collections::HashMap;
use std::sync::Arc;

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Map, Value};

use super::telegram::TelegramChannel;
use super::viber::{sign, ViberChannel, SIGNATURE_HEADER};
use super::{Bot, Channel, ChannelError, Headers};

const CASES: u32 = 256;

fn telegram() -> TelegramChannel {
    TelegramChannel::new("http://127.0.0.1:9".parse().expect("a URL"))
}

fn viber() -> ViberChannel {
    ViberChannel::new(
        "http://127.0.0.1:9".parse().expect("a URL"),
        reqwest::Client::new(),
    )
}

fn bot(token: &str, webhook_secret: &str) -> Bot {
    Bot {
        integration_id: 1,
        token: crate::config::Secret(token.to_owned()),
        webhook_secret: webhook_secret.to_owned(),
        name: "bot".into(),
        whatsapp: None,
    }
}

fn headers(pairs: &[(&str, &str)]) -> Headers {
    Headers(
        pairs
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), (*value).to_owned()))
            .collect::<HashMap<_, _>>(),
    )
}

/// The webhook bodies the messengers' own SDKs produce (tests/fixtures/).
fn fixtures(messenger: &str) -> Vec<Arc<Value>> {
    let dir = format!(
        "{}/../tests/fixtures/{messenger}",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut bodies: Vec<Arc<Value>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("{dir}: {err}"))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "json").then(|| std::fs::read(&path).ok())?
        })
        .filter_map(|bytes| serde_json::from_slice(&bytes).ok().map(Arc::new))
        .collect();
    assert!(bodies.len() > 5, "fixtures in {dir}");
    bodies.sort_by_key(|body| body.to_string());
    bodies
}

/// Any JSON value, a few levels deep, with extreme numbers among the leaves.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop_oneof![Just(i64::MIN), Just(-1), Just(0), Just(i64::MAX)].prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((any::<String>(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Every value's location in `value`, as JSON pointers (the root included).
fn pointers(value: &Value, at: String, into: &mut Vec<String>) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                let escaped = name.replace('~', "~0").replace('/', "~1");
                pointers(field, format!("{at}/{escaped}"), into);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                pointers(item, format!("{at}/{index}"), into);
            }
        }
        _ => {}
    }
    into.push(at);
}

/// A fixture with one of its values (chosen by `which`) replaced or removed.
fn mutated(fixture: &Value, which: Index, replacement: Option<Value>) -> Value {
    let mut body = fixture.clone();
    let mut all = Vec::new();
    pointers(&body, String::new(), &mut all);
    let pointer = which.get(&all).clone();
    match replacement {
        Some(replacement) => {
            if let Some(slot) = body.pointer_mut(&pointer) {
                *slot = replacement;
            }
        }
        None => {
            let (parent, name) = pointer.rsplit_once('/').unwrap_or(("", ""));
            if let Some(Value::Object(fields)) = body.pointer_mut(parent) {
                fields.remove(&name.replace("~1", "/").replace("~0", "~"));
            }
        }
    }
    body
}

/// Structured hostile bodies: mutated fixtures, fixtures cut short, raw bytes.
fn hostile_bodies(messenger: &str) -> impl Strategy<Value = Vec<u8>> {
    let fixtures = fixtures(messenger);
    let mutated_fixture = (
        proptest::sample::select(fixtures.clone()),
        any::<Index>(),
        proptest::option::weighted(0.9, any_json()),
    )
        .prop_map(|(fixture, which, replacement)| {
            serde_json::to_vec(&mutated(&fixture, which, replacement)).expect("serializes")
        });
    let truncated_fixture =
        (proptest::sample::select(fixtures), any::<Index>()).prop_map(|(fixture, cut)| {
            let bytes = serde_json::to_vec(&*fixture).expect("serializes");
            bytes[..cut.index(bytes.len() + 1)].to_vec()
        });
    prop_oneof![
        4 => mutated_fixture,
        1 => truncated_fixture,
        1 => proptest::collection::vec(any::<u8>(), 0..2048),
        1 => any_json().prop_map(|value| serde_json::to_vec(&value).expect("serializes")),
    ]
}

/// A parse result is an event or a typed "malformed" error, nothing else.
fn is_typed(result: &Result<super::Inbound, ChannelError>) -> bool {
    matches!(result, Ok(_) | Err(ChannelError::Malformed(_)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn telegram_parse_survives_hostile_bodies(body in hostile_bodies("telegram")) {
        prop_assert!(is_typed(&telegram().parse(&body)));
    }

    #[test]
    fn viber_parse_survives_hostile_bodies(body in hostile_bodies("viber")) {
        prop_assert!(is_typed(&viber().parse(&body)));
    }

    /// Only the exact HMAC of these bytes under this token verifies.
    #[test]
    fn viber_signature_accepts_only_the_exact_hmac(
        token in any::<String>(),
        body in proptest::collection::vec(any::<u8>(), 0..1024),
        claimed in any::<String>(),
        flip in any::<Index>(),
    ) {
        let viber = viber();
        let bot = bot(&token, "");
        let right = sign(&token, &body);
        let signed = headers(&[(SIGNATURE_HEADER, &right)]);
        prop_assert_eq!(viber.verify(&bot, &signed, &body), Ok(()));

        let forged = headers(&[(SIGNATURE_HEADER, &claimed)]);
        let verdict = viber.verify(&bot, &forged, &body);
        prop_assert_eq!(verdict.is_ok(), claimed.trim().eq_ignore_ascii_case(&right));

        let mut tampered = body.clone();
        if tampered.is_empty() {
            tampered.push(0);
        } else {
            let at = flip.index(tampered.len());
            tampered[at] ^= 0x01;
        }
        prop_assert_eq!(viber.verify(&bot, &signed, &tampered), Err(ChannelError::BadSignature));
        prop_assert_eq!(viber.verify(&bot, &Headers::default(), &body), Err(ChannelError::BadSignature));
    }

    /// Telegram's secret header verifies only when it equals the secret.
    #[test]
    fn telegram_secret_accepts_only_the_exact_secret(
        secret in any::<String>(),
        claimed in any::<String>(),
        body in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        let telegram = telegram();
        let bot = bot("123:token", &secret);
        let given = headers(&[("X-Telegram-Bot-Api-Secret-Token", &claimed)]);
        let verdict = telegram.verify(&bot, &given, &body);
        prop_assert_eq!(verdict.is_ok(), !secret.is_empty() && claimed == secret);
    }
}

/// Deeper than serde_json's recursion limit: a typed error, not a stack overflow.
#[test]
fn deep_nesting_is_malformed_not_a_crash() {
    for body in [
        "[".repeat(100_000).into_bytes(),
        format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
        "{\"a\":".repeat(100_000).into_bytes(),
        format!(
            "{{\"update_id\":1,\"message\":{}{}}}",
            "{\"a\":".repeat(50_000),
            "}".repeat(50_000)
        )
        .into_bytes(),
    ] {
        assert!(matches!(
            telegram().parse(&body),
            Err(ChannelError::Malformed(_))
        ));
        assert!(matches!(
            viber().parse(&body),
            Err(ChannelError::Malformed(_))
        ));
    }
}

#[test]
fn huge_and_negative_numbers_are_typed_results() {
    for number in [
        "99999999999999999999999999999",
        "-99999999999999999999999999999",
        "1e999",
        "-1",
        "18446744073709551616",
        "1.5",
    ] {
        let update = format!(
            r#"{{"update_id":{number},"message":{{"message_id":{number},"date":{number},
            "chat":{{"id":{number},"type":"private"}},"from":{{"id":{number},"is_bot":false,
            "first_name":"A"}},"text":"hi"}}}}"#
        );
        assert!(is_typed(&telegram().parse(update.as_bytes())), "{number}");
        let callback = format!(
            r#"{{"event":"message","timestamp":{number},"message_token":{number},
            "sender":{{"id":"x","name":"A"}},"message":{{"type":"text","text":"hi"}}}}"#
        );
        assert!(is_typed(&viber().parse(callback.as_bytes())), "{number}");
    }
}
