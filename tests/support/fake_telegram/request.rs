//! Reading a Bot API request as teloxide sends it: query, JSON, url-encoded
//! or multipart parameters.

use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::web::Bytes;
use actix_web::HttpRequest;
use serde_json::{Map, Value};

/// A request's parameters and uploaded files.
pub(super) struct Params {
    pub(super) fields: Map<String, Value>,
    pub(super) files: Vec<Upload>,
}

pub(super) struct Upload {
    pub(super) field: String,
    pub(super) file_name: Option<String>,
    pub(super) bytes: Vec<u8>,
}

impl Params {
    pub(super) fn str(&self, name: &str) -> Option<String> {
        match self.fields.get(name)? {
            Value::String(text) => Some(text.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    pub(super) fn i64(&self, name: &str) -> Option<i64> {
        match self.fields.get(name)? {
            Value::Number(number) => number.as_i64(),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        }
    }

    /// A JSON-valued parameter: JSON bodies carry it as is, forms and
    /// multipart as JSON text.
    pub(super) fn json(&self, name: &str) -> Option<Value> {
        match self.fields.get(name)? {
            Value::String(text) => serde_json::from_str(text).ok(),
            other => Some(other.clone()),
        }
    }
}

pub(super) fn read_params(request: &HttpRequest, body: &[u8]) -> Params {
    let mut params = Params {
        fields: parse_urlencoded(request.query_string()),
        files: Vec::new(),
    };
    let content_type = request
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if content_type.starts_with("application/json") {
        if let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) {
            params.fields.extend(fields);
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        params
            .fields
            .extend(parse_urlencoded(&String::from_utf8_lossy(body)));
    } else if content_type.starts_with("multipart/form-data") {
        if let Some(boundary) = content_type
            .split(';')
            .find_map(|part| part.trim().strip_prefix("boundary="))
        {
            parse_multipart(boundary.trim_matches('"'), body, &mut params);
        }
    }
    params
}

fn parse_urlencoded(text: &str) -> Map<String, Value> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                percent_decode(&name.replace('+', " ")),
                Value::String(percent_decode(&value.replace('+', " "))),
            )
        })
        .collect()
}

fn parse_multipart(boundary: &str, body: &[u8], params: &mut Params) {
    let delimiter = format!("--{boundary}");
    for part in split_bytes(body, delimiter.as_bytes()).into_iter().skip(1) {
        if part.starts_with(b"--") {
            break; // The closing delimiter.
        }
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let Some(split) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let headers = String::from_utf8_lossy(&part[..split]).to_string();
        let content = &part[split + 4..];
        let disposition = headers
            .lines()
            .find(|line| line.to_ascii_lowercase().starts_with("content-disposition"))
            .unwrap_or_default();
        let Some(name) = disposition_value(disposition, "name") else {
            continue;
        };
        match disposition_value(disposition, "filename") {
            Some(file_name) => params.files.push(Upload {
                field: name,
                file_name: Some(file_name),
                bytes: content.to_vec(),
            }),
            None => {
                params.fields.insert(
                    name,
                    Value::String(String::from_utf8_lossy(content).into_owned()),
                );
            }
        }
    }
}

/// `name="value"` from a Content-Disposition header.
fn disposition_value(header: &str, key: &str) -> Option<String> {
    header.split(';').find_map(|piece| {
        let (name, value) = piece.trim().split_once('=')?;
        (name.trim() == key).then(|| value.trim().trim_matches('"').to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

fn split_bytes<'a>(mut body: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    while let Some(at) = find(body, delimiter) {
        parts.push(&body[..at]);
        body = &body[at + delimiter.len()..];
    }
    parts.push(body);
    parts
}

pub(super) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let hex = |at: usize| {
            bytes
                .get(at)
                .copied()
                .and_then(|byte| (byte as char).to_digit(16))
        };
        match (bytes[index], hex(index + 1), hex(index + 2)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                index += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A body that fails as soon as it is polled: the client sees the status
/// line and headers, then a dropped connection.
pub(super) struct DroppedBody;

impl MessageBody for DroppedBody {
    type Error = std::io::Error;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "the fake Telegram drops this connection",
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::super::server::canonical;
    use super::*;

    #[test]
    fn multipart_fields_and_files_are_read() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n42\r\n--XyZ\r\nContent-Disposition: form-data; name=\"document\"; filename=\"a.txt\"\r\nContent-Type: application/octet-stream\r\n\r\nhello\r\nworld\r\n--XyZ--\r\n";
        let mut params = Params {
            fields: Map::new(),
            files: Vec::new(),
        };
        parse_multipart("XyZ", body, &mut params);
        assert_eq!(params.i64("chat_id"), Some(42));
        assert_eq!(params.files.len(), 1);
        assert_eq!(params.files[0].field, "document");
        assert_eq!(params.files[0].file_name.as_deref(), Some("a.txt"));
        assert_eq!(params.files[0].bytes, b"hello\r\nworld");
    }

    #[test]
    fn percent_encoded_paths_and_forms_are_decoded() {
        assert_eq!(
            percent_decode("documents%2Ffile_1.bin"),
            "documents/file_1.bin"
        );
        assert_eq!(percent_decode("100%"), "100%");
        let fields = parse_urlencoded("chat_id=5&text=hi+there%21");
        assert_eq!(fields["text"], "hi there!");
    }

    #[test]
    fn method_names_match_ignoring_case() {
        assert_eq!(canonical("SendMessage"), "sendMessage");
        assert_eq!(canonical("GETME"), "getMe");
        assert_eq!(canonical("unknownThing"), "unknownThing");
    }
}
