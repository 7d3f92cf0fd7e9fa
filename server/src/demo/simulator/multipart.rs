//! Just enough `multipart/form-data` for the simulated APIs: teloxide sends
//! `setWebhook` (and uploads) that way, and WhatsApp media arrive as one file
//! part. Malformed input yields fewer fields, never a panic.

use serde_json::{Map, Value};

/// One part of a multipart body: its headers and its content.
struct Part<'a> {
    head: String,
    content: &'a [u8],
}

impl Part<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
    }
}

fn parts<'a>(boundary: &str, body: &'a [u8]) -> Vec<Part<'a>> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
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
        parts.push(Part {
            head: String::from_utf8_lossy(head).into_owned(),
            content: content.get(4..).unwrap_or_default(),
        });
    }
    parts
}

/// The text fields of a multipart body with this `boundary`.
pub fn text_fields(boundary: &str, body: &[u8]) -> Map<String, Value> {
    let mut fields = Map::new();
    for part in parts(boundary, body) {
        let Some(disposition) = part.header("content-disposition") else {
            continue;
        };
        if value_of(disposition, "filename").is_some() {
            continue;
        }
        if let Some(name) = value_of(disposition, "name") {
            fields.insert(
                name,
                Value::String(String::from_utf8_lossy(part.content).into_owned()),
            );
        }
    }
    fields
}

/// The first file part of a multipart body: its content type and bytes.
pub fn first_file(boundary: &str, body: &[u8]) -> Option<(Option<String>, Vec<u8>)> {
    parts(boundary, body).into_iter().find_map(|part| {
        let disposition = part.header("content-disposition")?;
        value_of(disposition, "filename")?;
        let mime = part.header("content-type").map(str::to_owned);
        Some((mime, part.content.to_vec()))
    })
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
    fn the_first_file_part_is_read_with_its_type() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"type\"\r\n\r\nimage/png\r\n--XyZ\r\ncontent-disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\r\nrest\r\n--XyZ--\r\n";
        let (mime, bytes) = first_file("XyZ", body).expect("a file part");
        assert_eq!(mime.as_deref(), Some("image/png"));
        assert_eq!(bytes, b"\x89PNG\r\n\r\nrest");
        assert_eq!(
            text_fields("XyZ", body).get("type"),
            Some(&Value::String("image/png".into()))
        );
    }

    #[test]
    fn garbage_gives_no_fields() {
        assert!(text_fields("b", b"--b\r\nno headers").is_empty());
        assert!(text_fields("", b"anything").is_empty());
        assert!(first_file("b", b"--b\r\nno headers").is_none());
    }
}
