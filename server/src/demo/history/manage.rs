//! What managers do in a seeded story besides writing: tags, comments,
//! deals, links, followers, closing and unassigning, recorded with the rows
//! and timeline events the chat use cases write.

use chrono::{DateTime, Utc};
use shared::api::crm::LinkKind;
use shared::api::timeline::{DealCreated, FollowersChanged, Link, TagsChanged, TimelineEvent};
use shared::Id;

use super::{SeedError, Step, Story, Who};
use crate::domain::chat as rules;
use crate::domain::text;
use crate::store::demo as demo_store;
use crate::store::{chats, conversation, crm, timeline, DbConn};

impl Story<'_> {
    /// What managers do besides writing, as the chat use cases record it.
    pub(super) fn manage(
        &mut self,
        conn: &mut DbConn,
        chat_id: Id,
        at: DateTime<Utc>,
        step: &Step,
    ) -> Result<(), SeedError> {
        let actor = self.who(Who::Assignee);
        match step {
            Step::Tags(tags) => {
                let tags = text::normalize_tags(tags).unwrap_or_default();
                let before = chats::tags(conn, chat_id)?;
                if before != tags {
                    chats::set_tags(conn, chat_id, &tags)?;
                    timeline::insert_event(
                        conn,
                        chat_id,
                        Some(actor),
                        &TimelineEvent::TagsChanged(TagsChanged {
                            tags,
                            previous: before,
                        }),
                    )?;
                }
            }
            Step::Comment(who, body) => {
                let comment = crm::insert_comment(conn, chat_id, self.who(*who), body, &[])?;
                demo_store::set_comment_at(conn, comment.id, at.naive_utc())?;
            }
            Step::Deal {
                stage,
                amount,
                title,
            } => {
                if let Some(deal) = crm::chat_deals(conn, chat_id)?.first() {
                    let patch = shared::api::crm::UpdateDeal {
                        title: title.clone(),
                        stage_id: self.cast.stages.get(*stage).copied(),
                        amount: amount.map(Some),
                        ..Default::default()
                    };
                    if let Ok(edit) = crate::domain::deal::edit(&deal.facts, &patch, at.naive_utc())
                    {
                        crm::set_deal(conn, deal.id, &edit.after, at.naive_utc())?;
                    }
                }
            }
            Step::ExtraDeal(title) => {
                let contact_id = chats::find_chat(conn, chat_id)?.contact_id;
                let deal = crm::insert_deal(
                    conn,
                    self.integration.pipeline_id,
                    contact_id,
                    Some(chat_id),
                    title,
                )?;
                demo_store::set_deal_created_at(conn, deal.id, at.naive_utc())?;
                timeline::insert_event(
                    conn,
                    chat_id,
                    Some(actor),
                    &TimelineEvent::DealCreated(DealCreated {
                        deal_id: deal.id,
                        title: deal.facts.title,
                    }),
                )?;
            }
            Step::Link(kind, index) => {
                let targets = match kind {
                    LinkKind::Task => &self.cast.tasks,
                    LinkKind::Project => &self.cast.projects,
                };
                if let Some(target) = targets.get(*index).copied() {
                    if crm::insert_link(conn, chat_id, *kind, target)? {
                        timeline::insert_event(
                            conn,
                            chat_id,
                            Some(actor),
                            &TimelineEvent::Linked(Link {
                                kind: *kind,
                                id: target,
                            }),
                        )?;
                        demo_store::set_links_created_at(conn, chat_id, at.naive_utc())?;
                    }
                }
            }
            Step::FollowersAdd(who) => {
                let before = chats::followers(conn, chat_id)?;
                let mut wanted = before.clone();
                wanted.extend(who.iter().map(|who| self.who(*who)));
                wanted.sort_unstable();
                wanted.dedup();
                if wanted != before {
                    let added: Vec<Id> = wanted
                        .iter()
                        .copied()
                        .filter(|id| !before.contains(id))
                        .collect();
                    chats::set_followers(conn, chat_id, &wanted)?;
                    timeline::insert_event(
                        conn,
                        chat_id,
                        Some(actor),
                        &TimelineEvent::FollowersChanged(FollowersChanged {
                            follower_ids: wanted,
                            added,
                            removed: Vec::new(),
                        }),
                    )?;
                }
            }
            Step::Close => {
                let before = chats::find_chat(conn, chat_id)?.state();
                if let Ok(transition) = rules::close(before) {
                    conversation::apply(
                        conn,
                        chat_id,
                        Some(actor),
                        before,
                        &transition,
                        at.naive_utc(),
                    )?;
                    self.closed_at = Some(at.naive_utc());
                    chats::mark_read(conn, chat_id, actor, None)?;
                    chats::mark_read(conn, chat_id, self.cast.admin, None)?;
                }
            }
            Step::Unassign => {
                let before = chats::find_chat(conn, chat_id)?.state();
                if let Some(transition) = rules::assign(before, None) {
                    conversation::apply(
                        conn,
                        chat_id,
                        Some(self.cast.admin),
                        before,
                        &transition,
                        at.naive_utc(),
                    )?;
                }
            }
            Step::Open(_) | Step::Customer(_) | Step::Manager(..) | Step::Reachable(_) => {}
        }
        self.retime(conn, at)?;
        Ok(())
    }
}
