//! Web Push rules: which endpoints a subscription may name, what its keys
//! must be, and how each notification kind is pushed (urgency, time to live,
//! topic, preview). Pure: the encryption and signing live in
//! `service::push`, through `web-push-native`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use shared::api::notifications::NotificationKind;
use shared::Id;
use url::Url;

/// The browsers' push services, used when `TIDINGS_PUSH_HOSTS` is empty.
pub const DEFAULT_HOSTS: [&str; 4] = [
    "fcm.googleapis.com",
    "updates.push.services.mozilla.com",
    "*.notify.windows.com",
    "*.push.apple.com",
];

/// Longest preview in a push's body, in characters.
pub const MAX_PREVIEW_CHARS: usize = 120;
/// Longest endpoint URL kept.
pub const MAX_ENDPOINT_CHARS: usize = 2048;

/// Why a subscription is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushError {
    EndpointNotUrl,
    /// Not `https` (plain `http` only on a loopback `host:port` listed).
    EndpointNotHttps,
    /// The host is not one of `TIDINGS_PUSH_HOSTS`.
    HostNotAllowed(String),
    /// `keys.p256dh` is not an uncompressed P-256 point.
    BadP256dh,
    /// `keys.auth` is not 16 bytes.
    BadAuth,
}

/// Checks a subscription's endpoint against the allowed hosts (`allowed`, or
/// [`DEFAULT_HOSTS`] when empty). An entry `*.example.com` admits any
/// subdomain of it; `host:port` admits that port only, and on a loopback
/// address plain `http` too.
pub fn check_endpoint(endpoint: &str, allowed: &[String]) -> Result<Url, PushError> {
    if endpoint.chars().count() > MAX_ENDPOINT_CHARS {
        return Err(PushError::EndpointNotUrl);
    }
    let url = Url::parse(endpoint).map_err(|_| PushError::EndpointNotUrl)?;
    let host = url
        .host_str()
        .ok_or(PushError::EndpointNotUrl)?
        .to_ascii_lowercase();
    if !url.username().is_empty() || url.password().is_some() {
        return Err(PushError::EndpointNotUrl);
    }
    let port = url.port_or_known_default();
    let defaults: Vec<String>;
    let entries = if allowed.is_empty() {
        defaults = DEFAULT_HOSTS.iter().map(|h| (*h).to_owned()).collect();
        &defaults
    } else {
        allowed
    };
    let entry = entries
        .iter()
        .find(|entry| entry_admits(entry, &host, port))
        .ok_or_else(|| PushError::HostNotAllowed(host.clone()))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if entry.contains(':') && is_loopback(&host) => Ok(url),
        _ => Err(PushError::EndpointNotHttps),
    }
}

fn entry_admits(entry: &str, host: &str, port: Option<u16>) -> bool {
    let (entry_host, entry_port) = match entry.rsplit_once(':') {
        Some((h, p)) => match p.parse::<u16>() {
            Ok(p) => (h, Some(p)),
            Err(_) => (entry, None),
        },
        None => (entry, None),
    };
    if entry_port.is_some() && entry_port != port {
        return false;
    }
    match entry_host.strip_prefix("*.") {
        Some(domain) => host
            .strip_suffix(domain)
            .is_some_and(|rest| rest.len() > 1 && rest.ends_with('.')),
        None => entry_host == host,
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare == "localhost"
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Decodes and checks a subscription's keys: `p256dh` an uncompressed P-256
/// point (65 bytes), `auth` 16 bytes; both base64url (padding allowed).
pub fn check_keys(p256dh: &str, auth: &str) -> Result<(), PushError> {
    let point = decode(p256dh).ok_or(PushError::BadP256dh)?;
    if point.len() != 65
        || point[0] != 4
        || web_push_native::p256::PublicKey::from_sec1_bytes(&point).is_err()
    {
        return Err(PushError::BadP256dh);
    }
    match decode(auth) {
        Some(secret) if secret.len() == 16 => Ok(()),
        _ => Err(PushError::BadAuth),
    }
}

/// base64url with or without padding.
pub fn decode(value: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(value.trim_end_matches('=')).ok()
}

/// How soon the push service should deliver (RFC 8030 `Urgency`).
pub fn urgency(kind: NotificationKind) -> &'static str {
    match kind {
        NotificationKind::CustomerMessage
        | NotificationKind::Mention
        | NotificationKind::Assigned => "high",
        NotificationKind::Waiting => "normal",
    }
}

/// How long the push service keeps an undelivered push (`TTL`, seconds): a
/// day, after which the notification centre is the better place.
pub fn ttl_s(_kind: NotificationKind) -> i32 {
    86_400
}

/// The `Topic` of a chat's pushes: a newer one replaces an undelivered older
/// one, so a phone shows one entry per chat (URL-safe base64 alphabet, at
/// most 32 characters).
pub fn topic(chat_id: Id) -> String {
    format!("chat-{chat_id}")
}

/// The first [`MAX_PREVIEW_CHARS`] characters of `text` on one line, with an
/// ellipsis when cut.
pub fn preview(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= MAX_PREVIEW_CHARS {
        return line;
    }
    let mut cut: String = line.chars().take(MAX_PREVIEW_CHARS - 1).collect();
    cut = cut.trim_end().to_owned();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(list: &[&str]) -> Vec<String> {
        list.iter().map(|h| (*h).to_owned()).collect()
    }

    #[test]
    fn endpoints_are_checked_against_the_allowed_hosts() {
        let defaults = hosts(&[]);
        let local = hosts(&["127.0.0.1:9000", "push.example.com"]);
        let cases: [(&str, &[String], Result<(), PushError>); 11] = [
            ("https://fcm.googleapis.com/fcm/send/abc", &defaults, Ok(())),
            (
                "https://wns2-by3p.notify.windows.com/w/?token=x",
                &defaults,
                Ok(()),
            ),
            ("https://web.push.apple.com/QGx", &defaults, Ok(())),
            (
                "https://push.apple.com/QGx",
                &defaults,
                Err(PushError::HostNotAllowed("push.apple.com".into())),
            ),
            (
                "https://evilpush.apple.com.attacker.net/x",
                &defaults,
                Err(PushError::HostNotAllowed(
                    "evilpush.apple.com.attacker.net".into(),
                )),
            ),
            (
                "http://fcm.googleapis.com/fcm/send/abc",
                &defaults,
                Err(PushError::EndpointNotHttps),
            ),
            ("not a url", &defaults, Err(PushError::EndpointNotUrl)),
            ("http://127.0.0.1:9000/push/1", &local, Ok(())),
            (
                "http://127.0.0.1:9001/push/1",
                &local,
                Err(PushError::HostNotAllowed("127.0.0.1".into())),
            ),
            (
                "http://push.example.com/x",
                &local,
                Err(PushError::EndpointNotHttps),
            ),
            (
                "https://fcm.googleapis.com/x",
                &local,
                Err(PushError::HostNotAllowed("fcm.googleapis.com".into())),
            ),
        ];
        for (endpoint, allowed, expected) in cases {
            assert_eq!(
                check_endpoint(endpoint, allowed).map(|_| ()),
                expected,
                "{endpoint}"
            );
        }
    }

    #[test]
    fn keys_must_be_a_point_and_a_sixteen_byte_secret() {
        let secret = web_push_native::p256::SecretKey::random(&mut rand::rngs::OsRng);
        let point = web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint::to_encoded_point(
            &secret.public_key(),
            false,
        );
        let p256dh = URL_SAFE_NO_PAD.encode(point.as_bytes());
        let auth = URL_SAFE_NO_PAD.encode([7u8; 16]);
        assert_eq!(check_keys(&p256dh, &auth), Ok(()));
        assert_eq!(
            check_keys(&format!("{p256dh}="), &format!("{auth}==")),
            Ok(())
        );
        assert_eq!(check_keys("AAAA", &auth), Err(PushError::BadP256dh));
        let mut off_curve = point.as_bytes().to_vec();
        off_curve[64] ^= 1;
        assert_eq!(
            check_keys(&URL_SAFE_NO_PAD.encode(off_curve), &auth),
            Err(PushError::BadP256dh)
        );
        assert_eq!(
            check_keys(&p256dh, &URL_SAFE_NO_PAD.encode([7u8; 15])),
            Err(PushError::BadAuth)
        );
        assert_eq!(check_keys(&p256dh, "not base64!"), Err(PushError::BadAuth));
    }

    #[test]
    fn messages_mentions_and_assignments_are_urgent_and_waiting_is_normal() {
        assert_eq!(urgency(NotificationKind::CustomerMessage), "high");
        assert_eq!(urgency(NotificationKind::Mention), "high");
        assert_eq!(urgency(NotificationKind::Assigned), "high");
        assert_eq!(urgency(NotificationKind::Waiting), "normal");
    }

    #[test]
    fn a_topic_is_short_and_url_safe() {
        let topic = topic(i64::MAX);
        assert!(topic.len() <= 32, "{topic}");
        assert!(topic
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }

    #[test]
    fn a_preview_is_one_line_of_at_most_120_characters() {
        assert_eq!(preview("Hello\n  there"), "Hello there");
        let long = "ñ".repeat(300);
        let cut = preview(&long);
        assert_eq!(cut.chars().count(), MAX_PREVIEW_CHARS);
        assert!(cut.ends_with('…'));
    }
}
