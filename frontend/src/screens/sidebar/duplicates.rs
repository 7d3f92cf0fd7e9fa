//! "Possible duplicate: …" on the chat's contact card: other contacts with the same phone or
//! e-mail, each with "Merge", which opens the contact page where the merge is previewed and
//! confirmed.

use leptos::prelude::*;
use shared::Id;

use crate::api::http;
use crate::i18n::{use_i18n, Key};

#[component]
pub fn DuplicateHint(contact_id: Id) -> impl IntoView {
    let i18n = use_i18n();
    let duplicates = LocalResource::new(move || http::contact_duplicates(contact_id));
    move || {
        duplicates
            .get()
            .and_then(Result::ok)
            .unwrap_or_default()
            .into_iter()
            .map(|other| {
                let name = other.name.clone();
                view! {
                    <p class="duplicate-hint" data-test="duplicate-hint">
                        <span>{move || i18n.fill(Key::PossibleDuplicate, &[("name", name.clone())])}</span>
                        " — "
                        <a href=format!("/contacts/{contact_id}") data-test="duplicate-merge">
                            {move || i18n.tr(Key::Merge)}
                        </a>
                    </p>
                }
            })
            .collect_view()
    }
}
