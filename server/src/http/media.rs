//! `GET /media/{token}`: our outbound files at unguessable, expiring public
//! links, for messengers that fetch media themselves (Viber). No sign-in: the
//! token is the credential.

use actix_web::body::SizedStream;
use actix_web::{web, HttpResponse};
use shared::error::ErrorBody;
use tokio_util::io::ReaderStream;

use super::error::AppError;
use super::AppState;
use crate::service::attachments;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/media/{token}", web::get().to(media));
}

/// A file sent to a customer, while its link is valid; unknown or expired → 404.
#[utoipa::path(get, path = "/media/{token}", tag = "chats", params(("token" = String, Path)),
    responses((status = 200, content_type = "application/octet-stream"), (status = 404, body = ErrorBody)))]
async fn media(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let file = attachments::read_linked(&state, &token).await?;
    // Pictures we recognised keep their type; anything else is a download.
    let mime = match file.mime.as_deref() {
        Some(mime @ ("image/jpeg" | "image/png" | "image/gif" | "image/webp")) => mime,
        Some("application/pdf") => "application/pdf",
        _ => "application/octet-stream",
    };
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Type", mime))
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"{}\"",
                attachments::header_safe_name(&file.name)
            ),
        ))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Content-Security-Policy", "sandbox"))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(streamed(file)))
}

/// The file's bytes as they are read from disk, never all in memory.
pub(super) fn streamed(
    file: attachments::AttachmentFile,
) -> SizedStream<ReaderStream<tokio::fs::File>> {
    SizedStream::new(file.size, ReaderStream::new(file.file))
}
