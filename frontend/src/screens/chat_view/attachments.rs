//! What a message carries besides its text: attachments (image previews, players, file
//! downloads), location, venue, shared contact, forward origin, and Telegram formatting.
//! Everything from the customer is rendered as text nodes or attribute values, never HTML.

use leptos::prelude::*;
use serde_json::Value;
use shared::api::chats::Attachment;

use super::event_text::str_field;
use crate::format;
use crate::i18n::{use_i18n, Key};

#[component]
pub fn AttachmentView(attachment: Attachment) -> impl IntoView {
    let i18n = use_i18n();
    let Attachment {
        kind,
        name,
        url,
        size,
        mime,
        error,
    } = attachment;
    let mime = mime.unwrap_or_default();
    let label = match size {
        Some(size) => format!("{name} · {}", format::file_size(size)),
        None => name.clone(),
    };
    let Some(url) = url else {
        return view! {
            <div class="att att-file att-missing" data-test="attachment" data-kind=kind>
                <span aria-hidden="true">"📎"</span>
                <span>{label}</span>
                <span class="muted" data-test="attachment-error">
                    {error.unwrap_or_else(|| i18n.tr(Key::AttachmentUnavailable).to_owned())}
                </span>
            </div>
        }
        .into_any();
    };
    let is_image = matches!(kind.as_str(), "photo" | "sticker" | "image")
        || (mime.starts_with("image/") && kind != "document");
    let is_audio = matches!(kind.as_str(), "voice" | "audio");
    let is_video =
        matches!(kind.as_str(), "video" | "video_note" | "animation") || mime.starts_with("video/");
    if is_image {
        let href = url.clone();
        view! {
            <a class="att att-image" href=href target="_blank" rel="noopener" data-test="attachment" data-kind=kind>
                <img src=url alt=name loading="lazy"/>
            </a>
        }
        .into_any()
    } else if is_audio {
        view! {
            <div class="att att-audio" data-test="attachment" data-kind=kind>
                <audio controls preload="none" src=url aria-label=name></audio>
            </div>
        }
        .into_any()
    } else if is_video {
        view! {
            <div class="att att-video" data-test="attachment" data-kind=kind>
                <video controls preload="none" src=url aria-label=name></video>
            </div>
        }
        .into_any()
    } else {
        view! {
            <a class="att att-file" href=url download=name.clone() data-test="attachment" data-kind=kind>
                <span aria-hidden="true">"📄"</span>
                <span>{label}</span>
            </a>
        }
        .into_any()
    }
}

/// Location, venue, shared contact and link details of a message.
#[component]
pub fn Details(data: Value) -> impl IntoView {
    let i18n = use_i18n();
    let location = data
        .get("venue")
        .and_then(|venue| venue.get("location"))
        .or_else(|| data.get("location"))
        .and_then(|location| {
            let lat = location
                .get("latitude")
                .or_else(|| location.get("lat"))
                .and_then(Value::as_f64)?;
            let lon = location
                .get("longitude")
                .or_else(|| location.get("lon"))
                .and_then(Value::as_f64)?;
            Some((lat, lon))
        })
        .map(|(lat, lon)| {
            let venue = data.get("venue");
            let title = venue
                .and_then(|venue| str_field(venue, "title"))
                .map(str::to_owned);
            let address = venue
                .and_then(|venue| str_field(venue, "address"))
                .map(str::to_owned);
            let href = format!(
                "https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=16/{lat}/{lon}"
            );
            view! {
                <a class="att att-location" href=href target="_blank" rel="noopener" data-test="location">
                    <span aria-hidden="true">"📍"</span>
                    <span>
                        <strong>{title.unwrap_or_else(|| i18n.tr(Key::Location).to_owned())}</strong>
                        <span class="muted">{address.unwrap_or_else(|| format!("{lat:.5}, {lon:.5}"))}</span>
                    </span>
                </a>
            }
        });
    let contact = data.get("contact").map(|contact| {
        let name = str_field(contact, "name")
            .map(str::to_owned)
            .unwrap_or_else(|| {
                [
                    str_field(contact, "first_name"),
                    str_field(contact, "last_name"),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ")
            });
        let phone = str_field(contact, "phone_number")
            .unwrap_or_default()
            .to_owned();
        let tel = format!("tel:{}", phone.replace(' ', ""));
        view! {
            <div class="att att-contact" data-test="shared-contact">
                <span aria-hidden="true">"👤"</span>
                <span>
                    <strong>{name}</strong>
                    " "
                    <a href=tel>{phone}</a>
                </span>
            </div>
        }
    });
    let forwarded = str_field(&data, "forwarded_from").map(|from| {
        let from = from.to_owned();
        view! { <div class="msg-forwarded muted">{move || i18n.fill(Key::ForwardedFrom, &[("name", from.clone())])}</div> }
    });
    view! { {forwarded} {location} {contact} }
}

/// Telegram formatting (bold, italic, code, links) over plain text nodes; offsets are UTF-16
/// code units. Nested or overlapping entities keep only the outer one.
pub fn formatted(text: &str, entities: &[Value]) -> AnyView {
    let units: Vec<u16> = text.encode_utf16().collect();
    let mut spans: Vec<(usize, usize, String, Option<String>)> = entities
        .iter()
        .filter_map(|entity| {
            let kind = entity.get("type").and_then(Value::as_str)?.to_owned();
            let offset = entity.get("offset").and_then(Value::as_u64)? as usize;
            let length = entity.get("length").and_then(Value::as_u64)? as usize;
            let url = entity.get("url").and_then(Value::as_str).map(str::to_owned);
            (offset + length <= units.len() && length > 0).then_some((
                offset,
                offset + length,
                kind,
                url,
            ))
        })
        .collect();
    if spans.is_empty() {
        return text.to_owned().into_any();
    }
    spans.sort_by_key(|span| span.0);
    let mut parts = Vec::new();
    let mut cursor = 0;
    for (start, end, kind, url) in spans {
        if start < cursor {
            continue;
        }
        if start > cursor {
            parts.push(String::from_utf16_lossy(&units[cursor..start]).into_any());
        }
        let piece = String::from_utf16_lossy(&units[start..end]);
        let safe_link = |href: &str| href.starts_with("https://") || href.starts_with("http://");
        let node = match kind.as_str() {
            "bold" => view! { <strong>{piece}</strong> }.into_any(),
            "italic" => view! { <em>{piece}</em> }.into_any(),
            "underline" => view! { <u>{piece}</u> }.into_any(),
            "strikethrough" => view! { <s>{piece}</s> }.into_any(),
            "code" | "pre" => view! { <code>{piece}</code> }.into_any(),
            "text_link" if url.as_deref().is_some_and(safe_link) => {
                view! { <a href=url target="_blank" rel="noopener noreferrer">{piece}</a> }
                    .into_any()
            }
            "url" if safe_link(&piece) => {
                let href = piece.clone();
                view! { <a href=href target="_blank" rel="noopener noreferrer">{piece}</a> }
                    .into_any()
            }
            _ => piece.into_any(),
        };
        parts.push(node);
        cursor = end;
    }
    if cursor < units.len() {
        parts.push(String::from_utf16_lossy(&units[cursor..]).into_any());
    }
    parts.into_any()
}
