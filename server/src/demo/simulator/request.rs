//! Reading a request to a simulated messenger API the way the real services
//! accept it: parameters in the query, a JSON body, a URL-encoded form, or a
//! `multipart/form-data` form with files (teloxide uploads that way, and
//! WhatsApp's media endpoint takes its file so). The demo's simulated APIs and
//! the test suite's fake messengers read requests with this one reader.
//! Malformed input yields fewer parameters, never a panic.

use actix_multipart::Multipart;
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use actix_web::HttpRequest;
use futures_util::StreamExt;
use serde_json::{Map, Value};

/// A request's parameters and uploaded files.
#[derive(Debug, Default)]
pub struct Params {
    pub fields: Map<String, Value>,
    pub files: Vec<Upload>,
}

/// One file part of a multipart form.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The form field it came in (`photo`, `document`, `file`…).
    pub field: String,
    pub file_name: Option<String>,
    /// The part's own `Content-Type`.
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

impl Params {
    /// A parameter as text: JSON numbers and booleans as written.
    pub fn str(&self, name: &str) -> Option<String> {
        match self.fields.get(name)? {
            Value::String(text) => Some(text.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// A whole-number parameter, given as a JSON number or as text.
    pub fn i64(&self, name: &str) -> Option<i64> {
        match self.fields.get(name)? {
            Value::Number(number) => number.as_i64(),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        }
    }

    /// A JSON-valued parameter: JSON bodies carry it as is, forms and
    /// multipart as JSON text.
    pub fn json(&self, name: &str) -> Option<Value> {
        match self.fields.get(name)? {
            Value::String(text) => serde_json::from_str(text).ok(),
            other => Some(other.clone()),
        }
    }
}

/// The parameters of the query string and of `body`, read by its
/// `Content-Type`; body parameters win over query ones of the same name.
pub async fn read_params(request: &HttpRequest, body: Bytes) -> Params {
    let mut params = Params {
        fields: form_fields(request.query_string().as_bytes()),
        files: Vec::new(),
    };
    let content_type = request
        .headers()
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if content_type.starts_with("application/json") {
        if let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&body) {
            params.fields.extend(fields);
        }
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        params.fields.extend(form_fields(&body));
    } else if content_type.starts_with("multipart/form-data") {
        read_multipart(request, body, &mut params).await;
    }
    params
}

fn form_fields(form: &[u8]) -> Map<String, Value> {
    url::form_urlencoded::parse(form)
        .map(|(name, value)| (name.into_owned(), Value::String(value.into_owned())))
        .collect()
}

/// Text parts become fields, parts with a file name files; reading stops at
/// the first malformed part.
async fn read_multipart(request: &HttpRequest, body: Bytes, params: &mut Params) {
    let whole = futures_util::stream::once(async move { Ok::<_, PayloadError>(body) });
    let mut form = Multipart::new(request.headers(), whole);
    while let Some(Ok(mut part)) = form.next().await {
        let Some(disposition) = part.content_disposition().cloned() else {
            continue;
        };
        let Some(name) = disposition.get_name().map(str::to_owned) else {
            continue;
        };
        let content_type = part.content_type().map(ToString::to_string);
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            match chunk {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(_) => return,
            }
        }
        match disposition.get_filename() {
            Some(file_name) => params.files.push(Upload {
                field: name,
                file_name: Some(file_name.to_owned()),
                content_type,
                bytes,
            }),
            None => {
                params.fields.insert(
                    name,
                    Value::String(String::from_utf8_lossy(&bytes).into_owned()),
                );
            }
        }
    }
}

/// Decodes `%XX` escapes in a path segment (teloxide encodes `/` in file
/// paths and `:` in tokens); anything malformed is kept as is.
pub fn percent_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[tokio::test]
    async fn multipart_fields_and_files_are_read() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n42\r\n--XyZ\r\nContent-Disposition: form-data; name=\"document\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\nworld\r\n--XyZ--\r\n";
        let request = TestRequest::post()
            .uri("/bot1:a/sendDocument?caption=hi")
            .insert_header(("content-type", "multipart/form-data; boundary=XyZ"))
            .to_http_request();
        let params = read_params(&request, Bytes::from_static(body.as_bytes())).await;
        assert_eq!(params.i64("chat_id"), Some(42));
        assert_eq!(params.str("caption").as_deref(), Some("hi"));
        assert_eq!(params.files.len(), 1);
        let file = &params.files[0];
        assert_eq!(file.field, "document");
        assert_eq!(file.file_name.as_deref(), Some("a.txt"));
        assert_eq!(file.content_type.as_deref(), Some("text/plain"));
        assert_eq!(file.bytes, b"hello\r\nworld");
    }

    #[tokio::test]
    async fn a_broken_multipart_body_gives_what_came_before_it() {
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"chat_id\"\r\n\r\n42\r\n--XyZ\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nno closing boundary";
        let request = TestRequest::post()
            .insert_header(("content-type", "multipart/form-data; boundary=XyZ"))
            .to_http_request();
        let params = read_params(&request, Bytes::from_static(body.as_bytes())).await;
        assert_eq!(params.i64("chat_id"), Some(42));
        assert_eq!(params.str("text"), None);
    }

    #[tokio::test]
    async fn json_and_url_encoded_bodies_are_read() {
        let request = TestRequest::post()
            .insert_header(("content-type", "application/json"))
            .to_http_request();
        let params = read_params(
            &request,
            Bytes::from_static(br#"{"chat_id":5,"reaction":[{"type":"emoji"}]}"#),
        )
        .await;
        assert_eq!(params.i64("chat_id"), Some(5));
        assert_eq!(
            params.json("reaction").map(|r| r[0]["type"].clone()),
            Some("emoji".into())
        );
        let request = TestRequest::post()
            .insert_header(("content-type", "application/x-www-form-urlencoded"))
            .to_http_request();
        let params = read_params(&request, Bytes::from_static(b"chat_id=5&text=hi+there%21")).await;
        assert_eq!(params.str("text").as_deref(), Some("hi there!"));
    }

    #[test]
    fn percent_escapes_are_decoded_and_broken_ones_kept() {
        assert_eq!(
            percent_decode("photos%2Fsim-photo-1.png"),
            "photos/sim-photo-1.png"
        );
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
