//! Rules for a manager's file upload: what the bytes are (recognised from
//! their first bytes, never from the name or the declared type, which the
//! uploader chooses), what the file is called (metadata only, never a path),
//! and which timeline kind it becomes.

/// Largest file a manager may send (Telegram's cloud Bot API downloads and
/// Viber's media fetches are held to the same).
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

/// Largest reply form: the file plus room for its caption (32 000
/// characters of up to four bytes) and the form's own framing.
pub const MAX_FORM_BYTES: usize = MAX_UPLOAD_BYTES + 256 * 1024;

/// Longest file name kept.
const MAX_NAME_CHARS: usize = 255;

/// The media type of the bytes when we recognise it.
pub fn sniff_mime(bytes: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && starts(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else if starts(b"%PDF-") {
        Some("application/pdf")
    } else {
        None
    }
}

/// The timeline kind of a file: pictures are photos, the rest documents.
pub fn attachment_kind(mime: Option<&str>) -> &'static str {
    match mime {
        Some(mime) if mime.starts_with("image/") => "photo",
        _ => "document",
    }
}

/// The uploader's file name without any directory part or control
/// characters, at most 255 characters; `file` when nothing is left.
pub fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME_CHARS)
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    if cleaned.is_empty() {
        "file".to_owned()
    } else {
        cleaned.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_and_pdfs_are_recognised_by_their_first_bytes() {
        assert_eq!(sniff_mime(&[0xFF, 0xD8, 0xFF, 0xE0, 0]), Some("image/jpeg"));
        assert_eq!(sniff_mime(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff_mime(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff_mime(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff_mime(b"<svg onload=alert(1)>"), None);
        assert_eq!(sniff_mime(b""), None);
    }

    #[test]
    fn pictures_are_photos_and_the_rest_documents() {
        assert_eq!(attachment_kind(Some("image/png")), "photo");
        assert_eq!(attachment_kind(Some("application/pdf")), "document");
        assert_eq!(attachment_kind(None), "document");
    }

    #[test]
    fn file_names_lose_directories_and_control_characters() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(
            safe_file_name("C:\\Users\\a\\price list.pdf"),
            "price list.pdf"
        );
        assert_eq!(safe_file_name("in\nvoice\0.pdf"), "invoice.pdf");
        assert_eq!(safe_file_name(".."), "file");
        assert_eq!(safe_file_name(""), "file");
        assert_eq!(safe_file_name(&"a".repeat(300)).chars().count(), 255);
    }
}
