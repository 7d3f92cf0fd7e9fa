//! The multipart form of a manager's reply (`text`, one `file`), read as it
//! streams: the whole body is held to [`MAX_FORM_BYTES`] and the file to
//! [`MAX_UPLOAD_BYTES`], answering 413 as soon as either is passed (a
//! declared `Content-Length` over the cap is refused before reading), and the
//! file goes to a staging file rather than memory. Whatever was staged is
//! removed when reading fails.

use std::path::Path;

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::error::PayloadError;
use actix_web::web::{self, Bytes};
use actix_web::HttpRequest;
use futures_util::{Stream, StreamExt};
use shared::error::ErrorCode;

use super::error::AppError;
use crate::domain::text::MAX_REPLY_CHARS;
use crate::domain::upload::{MAX_FORM_BYTES, MAX_UPLOAD_BYTES};
use crate::service::uploads::Upload;

/// A caption's limit in bytes (UTF-8 takes at most four per character).
const MAX_TEXT_BYTES: usize = MAX_REPLY_CHARS * 4;

/// The reply form, its file staged on disk.
pub struct ReplyForm {
    pub text: String,
    pub file: Upload,
}

/// Reads the form of `request` from `payload`, staging the file under `data_dir`.
pub async fn read_reply_form(
    request: &HttpRequest,
    payload: web::Payload,
    data_dir: &Path,
) -> Result<ReplyForm, AppError> {
    if declared_length(request).is_some_and(|length| length > MAX_FORM_BYTES as u64) {
        return Err(form_too_large());
    }
    let mut form = Multipart::new(request.headers(), capped(payload, MAX_FORM_BYTES));
    let mut text = String::new();
    let mut file = None;
    while let Some(field) = form.next().await {
        let mut field = field.map_err(form_error)?;
        match field.name() {
            Some("text") => {
                let bytes = field
                    .bytes(MAX_TEXT_BYTES)
                    .await
                    .map_err(|_| {
                        too_large(format!("the text is longer than {MAX_TEXT_BYTES} bytes"))
                    })?
                    .map_err(form_error)?;
                text = String::from_utf8(bytes.to_vec())
                    .map_err(|_| AppError::new(ErrorCode::Invalid, "the text is not UTF-8"))?;
            }
            Some("file") if file.is_some() => {
                return Err(AppError::new(
                    ErrorCode::Invalid,
                    "send one file per message",
                ));
            }
            Some("file") => {
                let name = field
                    .content_disposition()
                    .and_then(|disposition| disposition.get_filename())
                    .unwrap_or_default()
                    .to_owned();
                file = Some(stage_file(&mut field, data_dir, name).await?);
            }
            // Other fields are skipped (the next field drains this one).
            _ => {}
        }
    }
    let file =
        file.ok_or_else(|| AppError::new(ErrorCode::Invalid, "the form has no `file` field"))?;
    Ok(ReplyForm { text, file })
}

async fn stage_file(field: &mut Field, data_dir: &Path, name: String) -> Result<Upload, AppError> {
    let mut writer = Upload::start(data_dir, name).await?;
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(form_error)?;
        if writer.size() + chunk.len() as u64 > MAX_UPLOAD_BYTES as u64 {
            return Err(too_large(format!(
                "the file is larger than {MAX_UPLOAD_BYTES} bytes"
            )));
        }
        writer.write(&chunk).await?;
    }
    Ok(writer.finish().await?)
}

fn declared_length(request: &HttpRequest) -> Option<u64> {
    request
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse().ok())
}

/// The body's chunks, failing with `Overflow` once more than `limit` bytes came.
fn capped(
    payload: web::Payload,
    limit: usize,
) -> impl Stream<Item = Result<Bytes, PayloadError>> + 'static {
    let mut seen = 0usize;
    payload.map(move |chunk| {
        let chunk = chunk?;
        seen = seen.saturating_add(chunk.len());
        if seen > limit {
            Err(PayloadError::Overflow)
        } else {
            Ok(chunk)
        }
    })
}

fn form_error(err: MultipartError) -> AppError {
    match err {
        MultipartError::Payload(PayloadError::Overflow) => form_too_large(),
        err => AppError::new(ErrorCode::Malformed, format!("unreadable form: {err}")),
    }
}

fn form_too_large() -> AppError {
    too_large(format!("the form is larger than {MAX_FORM_BYTES} bytes"))
}

fn too_large(message: String) -> AppError {
    AppError::new(ErrorCode::PayloadTooLarge, message)
}
