//! The Clients inbox: every chat the app knows, one signal per chat (so one chat update
//! re-renders one row), and per group an ordered list of ids (newest activity first), its
//! cursor and its counts. REST pages fill it; socket events keep it live; a chat moves
//! between groups by `shared::ws::group_of`. Knows no DOM.

use std::collections::HashMap;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::chats::{Chat, ChatGroup, GroupCount, Item};
use shared::ws::group_of;
use shared::Id;

use crate::api::http::{self, ApiError};
use crate::state::session::SessionContext;

pub const GROUPS: [ChatGroup; 5] = [
    ChatGroup::Mine,
    ChatGroup::Unassigned,
    ChatGroup::Others,
    ChatGroup::Closed,
    ChatGroup::Snoozed,
];

/// The archive's filters the inbox groups take too, in URL order.
pub const INBOX_FILTERS: [&str; 4] = ["q", "channel", "integration_id", "tag"];

/// Filter values by name, as in the URL (empty: not filtered).
pub type Filters = Vec<(&'static str, String)>;

fn index(group: ChatGroup) -> usize {
    match group {
        ChatGroup::Mine => 0,
        ChatGroup::Unassigned => 1,
        ChatGroup::Others => 2,
        ChatGroup::Closed => 3,
        ChatGroup::Snoozed => 4,
    }
}

/// One group's loaded part of the list.
#[derive(Clone, Copy)]
pub struct GroupList {
    pub group: ChatGroup,
    pub ids: RwSignal<Vec<Id>>,
    /// Where the next page starts; `None` once the end was reached.
    pub cursor: RwSignal<Option<String>>,
    /// The first page arrived.
    pub loaded: RwSignal<bool>,
    pub loading: RwSignal<bool>,
    pub error: RwSignal<Option<ApiError>>,
    /// Chats and unread messages in the whole group (from the server).
    pub chats: RwSignal<i64>,
    pub unread: RwSignal<i64>,
    /// Chats waiting for an eligible manager (Unassigned only).
    pub waiting: RwSignal<i64>,
}

impl GroupList {
    fn new(group: ChatGroup) -> Self {
        GroupList {
            group,
            ids: RwSignal::new(Vec::new()),
            cursor: RwSignal::new(None),
            loaded: RwSignal::new(false),
            loading: RwSignal::new(false),
            error: RwSignal::new(None),
            chats: RwSignal::new(0),
            unread: RwSignal::new(0),
            waiting: RwSignal::new(0),
        }
    }

    fn reset(&self) {
        self.ids.set(Vec::new());
        self.cursor.set(None);
        self.loaded.set(false);
        self.loading.set(false);
        self.error.set(None);
    }
}

#[derive(Clone, Copy)]
pub struct Inbox {
    me: StoredValue<Option<Id>>,
    chats: StoredValue<HashMap<Id, ArcRwSignal<Chat>>>,
    groups: [GroupList; 5],
    /// The group shown in the list.
    pub selected: RwSignal<ChatGroup>,
    /// The caller's notification setting per chat, where known (from the chat's detail).
    notify: StoredValue<HashMap<Id, bool>>,
    counts_timer: StoredValue<Option<TimeoutHandle>>,
    session: StoredValue<Option<SessionContext>>,
    /// What narrows every group's list ([`INBOX_FILTERS`], kept in the URL by the list).
    pub filters: RwSignal<Filters>,
    /// Bumped when the filters change, so pages asked for earlier are dropped.
    filter_generation: StoredValue<u32>,
}

impl Inbox {
    pub fn new() -> Self {
        Inbox {
            me: StoredValue::new(None),
            chats: StoredValue::new(HashMap::new()),
            groups: GROUPS.map(GroupList::new),
            selected: RwSignal::new(ChatGroup::Mine),
            notify: StoredValue::new(HashMap::new()),
            counts_timer: StoredValue::new(None),
            session: StoredValue::new(None),
            filters: RwSignal::new(Vec::new()),
            filter_generation: StoredValue::new(0),
        }
    }

    /// Forgets everything and starts over for `me`.
    pub fn reset(&self, me: Option<Id>, session: SessionContext) {
        self.me.set_value(me);
        self.session.set_value(Some(session));
        self.chats.update_value(HashMap::clear);
        self.notify.update_value(HashMap::clear);
        for list in self.groups {
            list.reset();
            list.chats.set(0);
            list.unread.set(0);
        }
    }

    pub fn group(&self, group: ChatGroup) -> GroupList {
        self.groups[index(group)]
    }

    /// The live signal of a chat, if the app knows it.
    pub fn chat(&self, id: Id) -> Option<ArcRwSignal<Chat>> {
        self.chats.with_value(|chats| chats.get(&id).cloned())
    }

    fn note(&self, error: &ApiError) {
        if let Some(session) = self.session.get_value() {
            session.note(error);
        }
    }

    /// Loads the first page of a group unless it is loaded or loading.
    pub fn ensure_loaded(&self, group: ChatGroup) {
        let list = self.group(group);
        if !list.loaded.get_untracked() && !list.loading.get_untracked() {
            self.load_page(group, None);
        }
    }

    /// Loads the next page, if there is one.
    pub fn load_more(&self, group: ChatGroup) {
        let list = self.group(group);
        if list.loading.get_untracked() || !list.loaded.get_untracked() {
            return;
        }
        if let Some(cursor) = list.cursor.get_untracked() {
            self.load_page(group, Some(cursor));
        }
    }

    fn load_page(&self, group: ChatGroup, cursor: Option<String>) {
        let list = self.group(group);
        let inbox = *self;
        let filters = self.filters.get_untracked();
        let generation = self.filter_generation.get_value();
        list.loading.set(true);
        list.error.set(None);
        spawn_local(async move {
            let answer = http::chats(group, &filters, cursor.as_deref()).await;
            if inbox.filter_generation.get_value() != generation {
                return;
            }
            list.loading.set(false);
            match answer {
                Ok(page) => {
                    let first = cursor.is_none();
                    let mut ids = Vec::with_capacity(page.items.len());
                    for chat in page.items {
                        ids.push(chat.id);
                        inbox.store(chat, false);
                    }
                    list.ids.update(|list_ids| {
                        if first {
                            // Live updates that came in meanwhile keep their place.
                            list_ids.retain(|id| !ids.contains(id));
                            let mut merged = ids;
                            merged.append(list_ids);
                            *list_ids = merged;
                        } else {
                            for id in ids {
                                if !list_ids.contains(&id) {
                                    list_ids.push(id);
                                }
                            }
                        }
                    });
                    inbox.sort(group);
                    list.cursor.set(page.next_cursor);
                    list.loaded.set(true);
                }
                Err(error) => {
                    inbox.note(&error);
                    list.error.set(Some(error));
                }
            }
        });
    }

    /// Narrows every group to `filters` (values by name; empty ones ignored): the lists start
    /// over, the shown group loads again. Counts stay those of the whole groups.
    pub fn set_filters(&self, filters: Filters) {
        let filters: Filters = filters
            .into_iter()
            .filter(|(_, value)| !value.trim().is_empty())
            .collect();
        if self.filters.with_untracked(|current| *current == filters) {
            return;
        }
        self.filters.set(filters);
        self.filter_generation.update_value(|run| *run += 1);
        for list in self.groups {
            list.reset();
        }
        self.ensure_loaded(self.selected.get_untracked());
    }

    /// Whether a chat may enter a filtered list live. Text matches only the server can tell
    /// (it searches messages), so with `q` set only chats already listed move.
    fn admits(&self, chat: &Chat, listed: bool) -> bool {
        self.filters.with_untracked(|filters| {
            filters.iter().all(|(name, value)| match *name {
                "channel" => chat.channel.as_str() == value,
                "integration_id" => chat.integration_id.to_string() == *value,
                "tag" => chat
                    .tags
                    .iter()
                    .any(|tag| tag == &value.trim().to_lowercase()),
                _ => listed,
            })
        })
    }

    /// Refetches everything loaded (after a resync or a reconnect that could not resume).
    pub fn refresh(&self) {
        for list in self.groups {
            let was_loaded = list.loaded.get_untracked();
            list.reset();
            if was_loaded || list.group == self.selected.get_untracked() {
                self.load_page(list.group, None);
            }
        }
        self.refresh_counts_now();
    }

    /// Asks the server for the counts soon (several events in a row cause one request).
    pub fn refresh_counts(&self) {
        let inbox = *self;
        if let Some(handle) = self.counts_timer.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || inbox.refresh_counts_now(),
            Duration::from_millis(300),
        )
        .ok();
        self.counts_timer.set_value(handle);
    }

    pub fn refresh_counts_now(&self) {
        let inbox = *self;
        spawn_local(async move {
            match http::counts().await {
                Ok(counts) => inbox.set_counts(&counts),
                Err(error) => inbox.note(&error),
            }
        });
    }

    pub fn set_counts(&self, counts: &[GroupCount]) {
        for count in counts {
            let list = self.group(count.group);
            list.chats.set(count.chats);
            list.unread.set(count.unread);
            list.waiting.set(count.waiting);
        }
    }

    /// Puts the chat in the store (not in a list). `keep_unread`: the server's number is not
    /// the caller's (socket `chat_updated`), so the one we have stays.
    fn store(&self, mut chat: Chat, keep_unread: bool) -> Option<Chat> {
        let existing = self.chat(chat.id);
        match existing {
            Some(signal) => {
                let previous = signal.get_untracked();
                if keep_unread {
                    chat.unread_count = previous.unread_count;
                }
                if previous != chat {
                    signal.set(chat);
                }
                Some(previous)
            }
            None => {
                if keep_unread {
                    chat.unread_count = 0;
                }
                let id = chat.id;
                self.chats
                    .update_value(|chats| _ = chats.insert(id, ArcRwSignal::new(chat)));
                None
            }
        }
    }

    /// Keeps a chat listed elsewhere (the archive) live, without placing it in a group list.
    pub fn remember(&self, chat: Chat) -> Option<ArcRwSignal<Chat>> {
        let id = chat.id;
        self.store(chat, false);
        self.chat(id)
    }

    /// A chat arrived or changed: store it and move it to its group and place.
    pub fn upsert(&self, chat: Chat, keep_unread: bool) {
        let id = chat.id;
        self.store(chat, keep_unread);
        self.place(id);
    }

    /// Changes a known chat in place, then re-places it.
    pub fn modify(&self, id: Id, change: impl FnOnce(&mut Chat)) {
        if let Some(signal) = self.chat(id) {
            signal.update(change);
            self.place(id);
        }
    }

    /// Moves the chat's id into the list of its group (sorted) and out of the others.
    fn place(&self, id: Id) {
        let (Some(me), Some(signal)) = (self.me.get_value(), self.chat(id)) else {
            return;
        };
        let target = group_of(&signal.get_untracked(), me);
        let mut listed = false;
        for list in self.groups {
            if list.ids.with_untracked(|ids| ids.contains(&id)) {
                listed = true;
                if list.group != target {
                    list.ids.update(|ids| ids.retain(|other| *other != id));
                }
            }
        }
        let list = self.group(target);
        if !list.loaded.get_untracked() {
            return;
        }
        if !signal.with_untracked(|chat| self.admits(chat, listed)) {
            list.ids.update(|ids| ids.retain(|other| *other != id));
            return;
        }
        let key = self.sort_key(id);
        let at_end_of_partial = list.ids.with_untracked(|ids| {
            let position = self.position(ids, &key, id);
            let others = ids.iter().filter(|other| **other != id).count();
            others > 0 && position == others && list.cursor.with_untracked(Option::is_some)
        });
        list.ids.update(|ids| {
            ids.retain(|other| *other != id);
            // Past the loaded part: it will come with a later page.
            if !at_end_of_partial {
                let position = self.position(ids, &key, id);
                ids.insert(position, id);
            }
        });
    }

    fn sort_key(&self, id: Id) -> (String, Id) {
        self.chat(id)
            .map(|signal| {
                (
                    signal.with_untracked(|chat| chat.last_message_at.clone()),
                    id,
                )
            })
            .unwrap_or_default()
    }

    /// Where `key` goes in `ids` (newest first), ignoring `id` itself.
    fn position(&self, ids: &[Id], key: &(String, Id), id: Id) -> usize {
        ids.iter()
            .filter(|other| **other != id)
            .take_while(|other| self.sort_key(**other) > *key)
            .count()
    }

    fn sort(&self, group: ChatGroup) {
        let list = self.group(group);
        let sorted = list.ids.with_untracked(|ids| {
            let mut keyed: Vec<_> = ids.iter().map(|id| self.sort_key(*id)).collect();
            keyed.sort_by(|a, b| b.cmp(a));
            keyed.dedup();
            keyed.into_iter().map(|(_, id)| id).collect::<Vec<_>>()
        });
        if list.ids.with_untracked(|ids| *ids != sorted) {
            list.ids.set(sorted);
        }
    }

    pub fn remove(&self, id: Id) {
        for list in self.groups {
            if list.ids.with_untracked(|ids| ids.contains(&id)) {
                list.ids.update(|ids| ids.retain(|other| *other != id));
            }
        }
        self.chats.update_value(|chats| _ = chats.remove(&id));
        self.refresh_counts();
    }

    /// A message was added to a chat: its time and preview change, and it moves up.
    pub fn message_added(&self, item: &Item, unread: bool) {
        let preview = item.message().and_then(|message| {
            message
                .text
                .clone()
                .filter(|text| !text.is_empty())
                .or_else(|| {
                    let kind = message
                        .attachments
                        .first()
                        .map_or(&message.content_kind, |attachment| &attachment.kind);
                    Some(format!("[{kind}]"))
                })
        });
        self.modify(item.chat_id, |chat| {
            if item.at > chat.last_message_at {
                chat.last_message_at = item.at.clone();
            }
            if preview.is_some() {
                chat.last_message_preview = preview;
            }
            if unread {
                chat.unread_count += 1;
            }
        });
        if unread {
            self.refresh_counts();
        }
    }

    /// The caller read the chat (here or on another device).
    pub fn mark_read_locally(&self, id: Id) {
        if let Some(signal) = self.chat(id) {
            if signal.with_untracked(|chat| chat.unread_count != 0) {
                signal.update(|chat| chat.unread_count = 0);
            }
        }
        self.refresh_counts();
    }

    /// Whether a new customer message in this chat should ring: the caller's own setting
    /// where known, else chats that are theirs, unassigned or followed.
    pub fn notifications_on(&self, id: Id) -> bool {
        if let Some(on) = self.notify.with_value(|map| map.get(&id).copied()) {
            return on;
        }
        let (Some(me), Some(signal)) = (self.me.get_value(), self.chat(id)) else {
            return false;
        };
        signal.with_untracked(|chat| {
            chat.assignee_id.is_none_or(|assignee| assignee == me)
                || chat.follower_ids.contains(&me)
        })
    }

    pub fn set_notifications(&self, id: Id, on: bool) {
        self.notify.update_value(|map| _ = map.insert(id, on));
    }
}

pub fn use_inbox() -> Inbox {
    expect_context::<Inbox>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::api::chats::ChatStatus;

    fn chat(id: Id, at: &str, assignee: Option<Id>) -> Chat {
        serde_json::from_value(serde_json::json!({
            "id": id, "status": "open", "assignee_id": assignee, "integration_id": 1,
            "integration_name": "Bot", "channel": "telegram", "contact_id": id,
            "contact_name": "Customer", "started_at": at, "last_message_at": at,
            "last_message_preview": null, "follower_ids": [], "tags": [], "deal_ids": [],
            "unread_count": 0, "referral": null, "unreachable_reason": null
        }))
        .expect("a minimal chat parses")
    }

    fn inbox_for(me: Id) -> Inbox {
        let inbox = Inbox::new();
        inbox.me.set_value(Some(me));
        for group in GROUPS {
            inbox.group(group).loaded.set(true);
        }
        inbox
    }

    fn ids(inbox: &Inbox, group: ChatGroup) -> Vec<Id> {
        inbox.group(group).ids.get_untracked()
    }

    #[test]
    fn newest_activity_comes_first_and_a_new_message_moves_a_chat_to_the_top() {
        let inbox = inbox_for(1);
        inbox.upsert(chat(1, "2026-01-01T10:00:00Z", Some(1)), false);
        inbox.upsert(chat(2, "2026-01-01T11:00:00Z", Some(1)), false);
        inbox.upsert(chat(3, "2026-01-01T09:00:00Z", Some(1)), false);
        assert_eq!(ids(&inbox, ChatGroup::Mine), vec![2, 1, 3]);

        inbox.modify(3, |chat| {
            chat.last_message_at = "2026-01-01T12:00:00Z".into()
        });
        assert_eq!(ids(&inbox, ChatGroup::Mine), vec![3, 2, 1]);
    }

    #[test]
    fn assigning_and_closing_move_a_chat_between_groups() {
        let inbox = inbox_for(1);
        inbox.upsert(chat(7, "2026-01-01T10:00:00Z", None), false);
        assert_eq!(ids(&inbox, ChatGroup::Unassigned), vec![7]);

        inbox.modify(7, |chat| chat.assignee_id = Some(2));
        assert!(ids(&inbox, ChatGroup::Unassigned).is_empty());
        assert_eq!(ids(&inbox, ChatGroup::Others), vec![7]);

        inbox.modify(7, |chat| chat.status = ChatStatus::Closed);
        assert!(ids(&inbox, ChatGroup::Others).is_empty());
        assert_eq!(ids(&inbox, ChatGroup::Closed), vec![7]);
    }

    #[test]
    fn a_chat_older_than_a_partly_loaded_list_waits_for_its_page() {
        let inbox = inbox_for(1);
        inbox
            .group(ChatGroup::Mine)
            .cursor
            .set(Some("next-page".into()));
        inbox.upsert(chat(1, "2026-01-02T10:00:00Z", Some(1)), false);
        inbox.upsert(chat(2, "2026-01-01T10:00:00Z", Some(1)), false);
        assert_eq!(ids(&inbox, ChatGroup::Mine), vec![1]);
    }

    #[test]
    fn a_filtered_list_takes_only_matching_chats_live() {
        let inbox = inbox_for(1);
        inbox.filters.set(vec![("channel", "viber".into())]);
        inbox.upsert(chat(1, "2026-01-01T10:00:00Z", Some(1)), false);
        assert!(ids(&inbox, ChatGroup::Mine).is_empty(), "a Telegram chat");
        let mut viber = chat(2, "2026-01-01T10:00:00Z", Some(1));
        viber.channel = shared::api::Channel::Viber;
        inbox.upsert(viber, false);
        assert_eq!(ids(&inbox, ChatGroup::Mine), vec![2]);

        inbox.filters.set(vec![("q", "pizza".into())]);
        inbox.upsert(chat(3, "2026-01-01T11:00:00Z", Some(1)), false);
        assert_eq!(
            ids(&inbox, ChatGroup::Mine),
            vec![2],
            "text only the server matches"
        );
        inbox.modify(2, |chat| {
            chat.last_message_at = "2026-01-01T12:00:00Z".into()
        });
        assert_eq!(ids(&inbox, ChatGroup::Mine), vec![2], "a listed chat stays");
    }

    #[test]
    fn socket_updates_keep_the_callers_own_unread_count() {
        let inbox = inbox_for(1);
        let mut first = chat(4, "2026-01-01T10:00:00Z", Some(1));
        first.unread_count = 3;
        inbox.upsert(first, false);
        inbox.upsert(chat(4, "2026-01-01T10:05:00Z", Some(1)), true);
        let unread = inbox.chat(4).map(|chat| chat.get_untracked().unread_count);
        assert_eq!(unread, Some(3));
    }
}
