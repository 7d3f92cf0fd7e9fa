//! Mentions in comments: "@" in the comment box opens a people picker (those
//! who can see the chat, filtered by what follows the "@"); arrow keys move,
//! Enter, Tab or a click puts "@Name" in the text, and the chosen people's ids
//! go with the comment. A comment shows its mentions highlighted.

use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use shared::api::chats::Chat;
use shared::api::users::{Role, User};
use shared::Id;

use crate::i18n::{use_i18n, Key};
use crate::state::directory::use_directory;
use crate::state::session::use_session;

/// Longest text after an "@" still taken as a name being typed.
const MAX_QUERY: usize = 40;

/// The "@" being typed at the end of `text`: its byte position and what
/// follows it. An "@" counts at the start or after whitespace (not in an
/// e-mail address), and only until a line break.
pub fn mention_query(text: &str) -> Option<(usize, &str)> {
    let at = text.rfind('@')?;
    let before_ok = text[..at]
        .chars()
        .next_back()
        .is_none_or(char::is_whitespace);
    let query = &text[at + 1..];
    (before_ok && !query.contains('\n') && query.chars().count() <= MAX_QUERY)
        .then_some((at, query))
}

/// The text cut into plain and mentioned parts (`true`), "@Name" for each of `names`.
pub fn mention_segments(text: &str, names: &[String]) -> Vec<(String, bool)> {
    let mut tags: Vec<String> = names
        .iter()
        .filter(|name| !name.is_empty())
        .map(|name| format!("@{name}"))
        .collect();
    // The longest first, so "@Ana María" wins over "@Ana".
    tags.sort_by_key(|tag| std::cmp::Reverse(tag.len()));
    let mut segments: Vec<(String, bool)> = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(tag) = tags.iter().find(|tag| rest.starts_with(tag.as_str())) {
            if !plain.is_empty() {
                segments.push((std::mem::take(&mut plain), false));
            }
            segments.push((tag.clone(), true));
            rest = &rest[tag.len()..];
        } else {
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                plain.push(c);
            }
            rest = chars.as_str();
        }
    }
    if !plain.is_empty() {
        segments.push((plain, false));
    }
    segments
}

/// Whether `user` may be mentioned in `chat`: active, and a follower only if
/// they follow it (the server checks the same).
fn mentionable(user: &User, chat: &Chat, me: Option<Id>) -> bool {
    user.active
        && Some(user.id) != me
        && (user.role != Role::Follower || chat.follower_ids.contains(&user.id))
}

/// The picker's state, shared by the comment box (keys, text) and the list.
#[derive(Clone, Copy)]
pub struct MentionMenu {
    text: RwSignal<String>,
    /// People picked so far (id, name); sent if their "@Name" is still in the text.
    chosen: RwSignal<Vec<(Id, String)>>,
    /// The "@" position Esc (or a pick) closed the picker for.
    dismissed_at: RwSignal<Option<usize>>,
    highlighted: RwSignal<usize>,
    candidates: Memo<Vec<User>>,
    query: Memo<Option<(usize, String)>>,
}

impl MentionMenu {
    pub fn new(chat: RwSignal<Chat>, text: RwSignal<String>) -> Self {
        let directory = use_directory();
        let session = use_session();
        let query = Memo::new(move |_| {
            text.with(|text| mention_query(text).map(|(at, q)| (at, q.to_owned())))
        });
        let candidates = Memo::new(move |_| {
            let Some((_, q)) = query.get() else {
                return Vec::new();
            };
            let q = q.to_lowercase();
            let me = session.user_id_untracked();
            chat.with(|chat| {
                directory.users.with(|users| {
                    users
                        .iter()
                        .filter(|user| mentionable(user, chat, me))
                        .filter(|user| user.name.to_lowercase().contains(&q))
                        .cloned()
                        .collect()
                })
            })
        });
        MentionMenu {
            text,
            chosen: RwSignal::new(Vec::new()),
            dismissed_at: RwSignal::new(None),
            highlighted: RwSignal::new(0),
            candidates,
            query,
        }
    }

    fn open_at(&self) -> Option<usize> {
        let (at, _) = self.query.get()?;
        (self.dismissed_at.get() != Some(at)).then_some(at)
    }

    pub fn is_open(&self) -> bool {
        self.open_at().is_some()
    }

    /// Handles a key of the comment box; `true` when the picker took it.
    pub fn on_key(&self, event: &KeyboardEvent) -> bool {
        if self.open_at_untracked().is_none() {
            return false;
        }
        let count = self.candidates.with_untracked(Vec::len);
        match event.key().as_str() {
            "ArrowDown" if count > 0 => self.highlighted.update(|at| *at = (*at + 1) % count),
            "ArrowUp" if count > 0 => self
                .highlighted
                .update(|at| *at = (*at + count - 1) % count),
            "Enter" | "Tab" if count > 0 && !event.shift_key() => {
                let at = self.highlighted.get_untracked().min(count - 1);
                if let Some(user) = self.candidates.with_untracked(|list| list.get(at).cloned()) {
                    self.pick(user.id, user.name);
                }
            }
            "Escape" => self.dismissed_at.set(self.open_at_untracked()),
            _ => return false,
        }
        event.prevent_default();
        true
    }

    fn open_at_untracked(&self) -> Option<usize> {
        let (at, _) = self.query.get_untracked()?;
        (self.dismissed_at.get_untracked() != Some(at)).then_some(at)
    }

    /// Replaces the "@…" being typed with "@Name ".
    fn pick(&self, id: Id, name: String) {
        let Some(at) = self.open_at_untracked() else {
            return;
        };
        self.text.update(|text| {
            text.truncate(at);
            text.push('@');
            text.push_str(&name);
            text.push(' ');
        });
        self.dismissed_at.set(Some(at));
        self.highlighted.set(0);
        self.chosen.update(|chosen| {
            if !chosen.iter().any(|(known, _)| *known == id) {
                chosen.push((id, name));
            }
        });
    }

    /// The ids of the people picked whose "@Name" is still in the text.
    pub fn mention_ids(&self) -> Vec<Id> {
        let text = self.text.get_untracked();
        self.chosen.with_untracked(|chosen| {
            chosen
                .iter()
                .filter(|(_, name)| text.contains(&format!("@{name}")))
                .map(|(id, _)| *id)
                .collect()
        })
    }

    /// After sending: nobody picked any more.
    pub fn reset(&self) {
        self.chosen.set(Vec::new());
        self.dismissed_at.set(None);
    }
}

#[component]
pub fn MentionPicker(menu: MentionMenu) -> impl IntoView {
    let i18n = use_i18n();
    let options = move || {
        let highlighted = menu.highlighted.get();
        menu.candidates
            .get()
            .into_iter()
            .enumerate()
            .map(|(index, user)| {
                let (id, name) = (user.id, user.name.clone());
                view! {
                    <li class="mention-option" class:highlighted=index == highlighted
                        role="option" aria-selected=(index == highlighted).to_string()
                        data-test="mention-option"
                        // Before the box loses focus, so the click lands.
                        on:mousedown=move |event| {
                            event.prevent_default();
                            menu.pick(id, name.clone());
                        }
                        on:mouseenter=move |_| menu.highlighted.set(index)>
                        {user.name.clone()}
                    </li>
                }
            })
            .collect_view()
    };
    view! {
        <Show when=move || menu.is_open()>
            <div class="mention-picker" data-test="mention-picker">
                <span class="muted">{move || i18n.tr(Key::MentionPeople)}</span>
                <Show when=move || !menu.candidates.with(Vec::is_empty)
                    fallback=move || view! {
                        <p class="muted">{move || i18n.tr(Key::MentionNoMatch)}</p>
                    }>
                    <ul role="listbox" aria-label=move || i18n.tr(Key::MentionPeople)>{options}</ul>
                </Show>
            </div>
        </Show>
    }
}

/// A comment's text with its mentions highlighted.
#[component]
pub fn CommentText(text: String, mention_ids: Vec<Id>) -> impl IntoView {
    let directory = use_directory();
    move || {
        let names: Vec<String> = mention_ids
            .iter()
            .map(|id| directory.user_name(*id))
            .collect();
        mention_segments(&text, &names)
            .into_iter()
            .map(|(part, mention)| {
                if mention {
                    view! { <span class="mention" data-test="mention">{part}</span> }.into_any()
                } else {
                    part.into_any()
                }
            })
            .collect_view()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_at_sign_after_a_space_starts_a_mention() {
        assert_eq!(mention_query("@"), Some((0, "")));
        assert_eq!(mention_query("ask @An"), Some((4, "An")));
        assert_eq!(mention_query("ask @Ana Ma"), Some((4, "Ana Ma")));
        assert_eq!(mention_query("mail ana@example.com"), None);
        assert_eq!(mention_query("@Ana\nthanks"), None);
        assert_eq!(mention_query("no mention"), None);
    }

    #[test]
    fn mentions_are_cut_out_of_the_text_longest_name_first() {
        let names = vec!["Ana".to_owned(), "Ana María".to_owned()];
        assert_eq!(
            mention_segments("hi @Ana María and @Ana!", &names),
            vec![
                ("hi ".to_owned(), false),
                ("@Ana María".to_owned(), true),
                (" and ".to_owned(), false),
                ("@Ana".to_owned(), true),
                ("!".to_owned(), false),
            ]
        );
        assert_eq!(
            mention_segments("plain", &[]),
            vec![("plain".to_owned(), false)]
        );
    }
}
