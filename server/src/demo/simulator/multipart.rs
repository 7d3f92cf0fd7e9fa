//! Just enough `multipart/form-data` for the simulated Bot API: teloxide
//! sends `setWebhook` (and uploads) that way. Text fields are read; file
//! parts are skipped. Malformed input yields fewer fields, never a panic.

use serde_json::{Map, Value};

/// The text fields of a multipart body with this `boundary`.
pub fn text_fields(boundary: &str, body: &[u8]) -> Map<String, Value> {
    let mut fields = Map::new();
    let delimiter = format!("--{boundary}");
    for part in split(body, delimiter.as_bytes()).into_iter().skip(1) {
        if part.starts_with(b"--") {
            break; // The closing delimiter.
        }
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let Some(split_at) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let (head, content) = part.split_at(split_at);
        let content = content.get(4..).unwrap_or_default();
        let head = String::from_utf8_lossy(head);
        let Some(disposition) = head
            .lines()
            .find(|line| line.to_ascii_lowercase().starts_with("content-disposition"))
        else {
            continue;
        };
        if value_of(disposition, "filename").is_some() {
            continue;
        }
        if let Some(name) = value_of(disposition, "name") {
            fields.insert(
                name,
                Value::String(String::from_utf8_lossy(content).into_owned()),
            );
        }
    }
    fields
}

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<&str> {
    if !content_type.starts_with("multipart/form-data") {
        return None;
    }
    content_type
        .split(';')
        .find_map(|part| part.trim().strip_prefix("boundary="))
        .map(|boundary| boundary.trim_matches('"'))
}

/// `key="value"` from a Content-Disposition header.
fn value_of(header: &str, key: &str) -> Option<String> {
    header.split(';').find_map(|piece| {
        let (name, value) = piece.trim().split_once('=')?;
        (name.trim() == key).then(|| value.trim().trim_matches('"').to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn split<'a>(mut body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(at) = find(body, delimiter) {
        parts.push(&body[..at]);
        body = &body[at + delimiter.len()..];
    }
    parts.push(body);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_fields_are_read_and_files_skipped() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"url\"\r\n\r\nhttp://a/b\r\n--XyZ\r\nContent-Disposition: form-data; name=\"certificate\"; filename=\"c.pem\"\r\n\r\nbytes\r\n--XyZ\r\nContent-Disposition: form-data; name=\"secret_token\"\r\n\r\ns3cret\r\n--XyZ--\r\n";
        let fields = text_fields("XyZ", body);
        assert_eq!(fields.get("url"), Some(&Value::String("http://a/b".into())));
        assert_eq!(
            fields.get("secret_token"),
            Some(&Value::String("s3cret".into()))
        );
        assert!(!fields.contains_key("certificate"));
        assert_eq!(
            boundary("multipart/form-data; boundary=\"XyZ\""),
            Some("XyZ")
        );
    }

    #[test]
    fn garbage_gives_no_fields() {
        assert!(text_fields("b", b"--b\r\nno headers").is_empty());
        assert!(text_fields("", b"anything").is_empty());
    }
}
