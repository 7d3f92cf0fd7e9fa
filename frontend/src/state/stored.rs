//! Small values kept in the browser's `localStorage`: reply drafts per chat, the chosen
//! language, whether notification permission was already asked. Failing storage (private
//! mode, quota) degrades to "nothing remembered"; it never breaks a screen.

use shared::Id;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

pub fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

pub fn set(key: &str, value: &str) {
    if let Some(storage) = storage() {
        // A full or disabled storage only means the value is not remembered.
        let _ = storage.set_item(key, value);
    }
}

pub fn remove(key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(key);
    }
}

fn draft_key(chat_id: Id) -> String {
    format!("tidings.draft.{chat_id}")
}

/// The half-written reply of a chat (survives reloads and an expired session).
pub fn draft(chat_id: Id) -> String {
    get(&draft_key(chat_id)).unwrap_or_default()
}

pub fn save_draft(chat_id: Id, text: &str) {
    if text.is_empty() {
        remove(&draft_key(chat_id));
    } else {
        set(&draft_key(chat_id), text);
    }
}
