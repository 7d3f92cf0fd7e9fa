//! The durable outbound queue: messages waiting to be delivered, with retries.
//! Jobs of one chat go out strictly in order: only the oldest unsent job of a
//! chat is ever due.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::api::chats::DeliveryState;
use shared::Id;

use super::pacing::Paced;
use super::schema::{
    attachments, chats, customer_identities, integrations, outbound_parts, outbound_queue,
    timeline_items,
};
use super::timeline::{AttachmentRecord, ReceiptChange, ATTACHMENT_COLUMNS};
use super::{now, timeline, write_transaction, DbConn, StoreError};
use crate::domain::reason::Reason;
use crate::store::OnBackend;

/// A message ready to be sent.
#[derive(Debug, Clone)]
pub struct Job {
    /// Its row in the queue, as it was claimed.
    pub queued: DueJob,
    pub text: String,
    /// The customer's id on the chat's messenger.
    pub recipient: String,
    /// The manager's file sent with the text, if any.
    pub file: Option<AttachmentRecord>,
    /// The messenger's ids of the parts earlier attempts delivered, in order.
    pub parts_delivered: Vec<String>,
    /// The messenger's id of the message this one quotes (when it reached
    /// the messenger).
    pub reply_to_external_id: Option<String>,
    /// A WhatsApp template to send (the text is its rendering).
    pub template: Option<crate::channels::OutboundTemplate>,
    /// A greeting, auto-reply or away text.
    pub auto: bool,
    /// Telegram Business: the connection the reply goes out through.
    pub business_connection_id: Option<String>,
}

pub fn enqueue(
    conn: &mut DbConn,
    integration_id: Id,
    chat_id: Id,
    item_id: Id,
) -> Result<Id, StoreError> {
    let at = now();
    Ok(diesel::insert_into(outbound_queue::table)
        .values((
            outbound_queue::integration_id.eq(integration_id),
            outbound_queue::chat_id.eq(chat_id),
            outbound_queue::item_id.eq(item_id),
            outbound_queue::status.eq("pending"),
            outbound_queue::attempts.eq(0),
            outbound_queue::next_attempt_at.eq(at),
            outbound_queue::created_at.eq(at),
        ))
        .returning(outbound_queue::id)
        .get_result_on(conn)?)
}

/// A pending row of the queue, as the scheduler reads it: enough to choose
/// whose turn it is and to claim it. What to send is read once it is claimed
/// ([`Claim::Taken`]): behind a bot at its pace (30 messages a second on
/// Telegram) most due jobs are read again and again before one may go.
#[derive(Debug, Clone, Copy, Queryable, Selectable)]
#[diesel(table_name = outbound_queue)]
pub struct DueJob {
    pub id: Id,
    pub integration_id: Id,
    pub chat_id: Id,
    pub item_id: Id,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
}

/// The jobs due now, at most `limit`: of each chat only its oldest pending job
/// (a chat's messages leave in order), taken in turns across bots. Each bot's
/// due chats are read by themselves, so neither a bot whose jobs wait in
/// back-off nor one with a thousand due chats hides another bot's replies (a
/// single window of the oldest rows did both).
pub fn due_jobs(conn: &mut DbConn, limit: i64) -> Result<Vec<DueJob>, StoreError> {
    let at = now();
    // Asked per bot: one index entry each. `DISTINCT` over the due jobs read
    // every one of them, each time the worker looks (each time a reply is
    // queued), however long the queue behind a paced bot had grown.
    let bots: Vec<Id> = integrations::table
        .filter(diesel::dsl::exists(
            outbound_queue::table
                .filter(outbound_queue::integration_id.eq(integrations::id))
                .filter(outbound_queue::status.eq("pending"))
                .filter(outbound_queue::next_attempt_at.le(at)),
        ))
        .order(integrations::id)
        .select(integrations::id)
        .load_on(conn)?;
    let older = diesel::alias!(outbound_queue as older);
    let mut per_bot = Vec::with_capacity(bots.len());
    for bot in bots {
        let heads: Vec<DueJob> = outbound_queue::table
            .filter(outbound_queue::integration_id.eq(bot))
            .filter(outbound_queue::status.eq("pending"))
            .filter(outbound_queue::next_attempt_at.le(at))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                older
                    .filter(
                        older
                            .field(outbound_queue::chat_id)
                            .eq(outbound_queue::chat_id),
                    )
                    .filter(older.field(outbound_queue::status).eq("pending"))
                    .filter(older.field(outbound_queue::id).lt(outbound_queue::id)),
            )))
            .order((outbound_queue::next_attempt_at, outbound_queue::id))
            .limit(limit)
            .select(DueJob::as_select())
            .load(conn)?;
        per_bot.push(std::collections::VecDeque::from(heads));
    }
    Ok(take_turns(per_bot, usize::try_from(limit).unwrap_or(0)))
}

/// What to send for a job just claimed; `None` when the customer has no
/// account on the chat's messenger.
fn what_to_send(conn: &mut DbConn, due: &DueJob) -> Result<Option<Job>, StoreError> {
    let (chat_id, item_id) = (due.chat_id, due.item_id);
    let (text, reply_to_id, data): (Option<String>, Option<Id>, Option<String>) =
        timeline_items::table
            .find(item_id)
            .select((
                timeline_items::text,
                timeline_items::reply_to_id,
                timeline_items::data,
            ))
            .first_on(conn)?;
    let data = data.and_then(|data| serde_json::from_str::<serde_json::Value>(&data).ok());
    // Auto-messages are stored with `{"auto": "greeting" | …}`.
    let auto = data.as_ref().is_some_and(|data| data.get("auto").is_some());
    let reply_to_external_id: Option<String> = match reply_to_id {
        Some(quoted) => timeline_items::table
            .find(quoted)
            .select(timeline_items::external_id)
            .first::<Option<String>>(conn)
            .optional()?
            .flatten(),
        None => None,
    };
    let template = data
        .and_then(|mut data| data.get_mut("template").map(serde_json::Value::take))
        .and_then(|template| serde_json::from_value(template).ok());
    let Some(recipient) = recipient(conn, chat_id)? else {
        return Ok(None);
    };
    let business_connection_id: Option<String> = chats::table
        .find(chat_id)
        .select(chats::business_connection_id)
        .first_on(conn)?;
    let file = attachments::table
        .filter(attachments::item_id.eq(item_id))
        .order(attachments::id)
        .select(ATTACHMENT_COLUMNS)
        .first_on(conn)
        .optional()?;
    let parts_delivered = outbound_parts::table
        .filter(outbound_parts::item_id.eq(item_id))
        .order(outbound_parts::position)
        .select(outbound_parts::external_id)
        .load_on(conn)?;
    Ok(Some(Job {
        queued: *due,
        text: text.unwrap_or_default(),
        recipient,
        file,
        parts_delivered,
        reply_to_external_id,
        template,
        auto,
        business_connection_id,
    }))
}

/// The customer's id on the chat's messenger, if they have one (a Telegram
/// Business chat: its Telegram chat id).
pub fn recipient(conn: &mut DbConn, chat_id: Id) -> Result<Option<String>, StoreError> {
    let business: Option<Option<String>> = chats::table
        .find(chat_id)
        .select(chats::business_chat_id)
        .first_on(conn)
        .optional()?;
    if let Some(Some(chat_key)) = business {
        return Ok(Some(chat_key));
    }
    Ok(chats::table
        .inner_join(integrations::table)
        .inner_join(
            customer_identities::table.on(customer_identities::customer_id
                .eq(chats::customer_id)
                .and(customer_identities::channel.eq(integrations::kind))),
        )
        .filter(chats::id.eq(chat_id))
        .select(customer_identities::external_id)
        .first_on(conn)
        .optional()?)
}

/// One from each list in turn, until `limit` or all are empty.
fn take_turns<T>(mut lists: Vec<std::collections::VecDeque<T>>, limit: usize) -> Vec<T> {
    let mut taken = Vec::new();
    while taken.len() < limit && lists.iter().any(|list| !list.is_empty()) {
        for list in &mut lists {
            if taken.len() == limit {
                break;
            }
            if let Some(item) = list.pop_front() {
                taken.push(item);
            }
        }
    }
    taken
}

/// Takes a job for `lease_until`, unless another worker (on any node) took it
/// first: the updates only match the `next_attempt_at` we saw. The attempt's
/// start is recorded until its outcome is; finding it still set means an
/// earlier attempt was cut off (the server died) after it may have reached the
/// messenger, so this one is counted as a possible repeat.
///
/// A send that would take the bot or the chat over its pace, counting what
/// every node sent, is not claimed ([`Claim::Paced`]); a claimed one is
/// counted at once, in the same transaction.
pub fn claim(
    conn: &mut DbConn,
    job: &DueJob,
    lease_until: NaiveDateTime,
) -> Result<Claim, StoreError> {
    let this_job = || {
        outbound_queue::table
            .filter(outbound_queue::id.eq(job.id))
            .filter(outbound_queue::status.eq("pending"))
            .filter(outbound_queue::next_attempt_at.eq(job.next_attempt_at))
    };
    write_transaction(conn, |conn| {
        let at = now();
        if let Some(paced) = super::pacing::must_wait(conn, job.integration_id, job.chat_id, at)? {
            return Ok(Claim::Paced(paced));
        }
        let interrupted =
            diesel::update(this_job().filter(outbound_queue::attempt_started_at.is_not_null()))
                .set(outbound_queue::interrupted_sends.eq(outbound_queue::interrupted_sends + 1))
                .execute_on(conn)?;
        if interrupted > 0 {
            tracing::warn!(
                job_id = job.id,
                item_id = job.item_id,
                "an earlier attempt was cut off before its outcome was recorded; \
                 sending again (the customer may receive this message twice)"
            );
        }
        let changed = diesel::update(this_job())
            .set((
                outbound_queue::next_attempt_at.eq(lease_until),
                outbound_queue::attempt_started_at.eq(at),
            ))
            .execute_on(conn)?;
        if changed != 1 {
            return Ok(Claim::Gone);
        }
        let Some(to_send) = what_to_send(conn, job)? else {
            let reason = Reason::CustomerWithoutAccount.stored();
            mark_failed(conn, job.id, job.item_id, &reason)?;
            return Ok(Claim::Gone);
        };
        super::pacing::record_send(conn, job.integration_id, job.chat_id, at)?;
        Ok(Claim::Taken(Box::new(to_send)))
    })
}

/// What came of trying to take a job.
#[derive(Debug)]
pub enum Claim {
    /// Claimed until the lease ends: what to send.
    Taken(Box<Job>),
    /// Another worker took it, it changed meanwhile, or it cannot be sent
    /// (the customer has no account on the messenger: marked failed).
    Gone,
    /// Sending now would exceed the bot's or the chat's pace.
    Paced(Paced),
}

/// Makes the jobs whose attempt was cut off by a crash due now. Only for a
/// database one server owns (SQLite): elsewhere another node may be sending
/// them, and their claims run out by themselves.
pub fn release_interrupted(conn: &mut DbConn) -> Result<usize, StoreError> {
    Ok(diesel::update(
        outbound_queue::table
            .filter(outbound_queue::status.eq("pending"))
            .filter(outbound_queue::attempt_started_at.is_not_null()),
    )
    .set(outbound_queue::next_attempt_at.eq(now()))
    .execute_on(conn)?)
}

/// Notes the parts this attempt delivered, after those of earlier attempts,
/// so that a retry resumes after them. The first part's id is the message's
/// own (replies and receipts point at it).
pub fn record_parts(
    conn: &mut DbConn,
    job: &Job,
    external_ids: &[String],
) -> Result<(), StoreError> {
    if external_ids.is_empty() {
        return Ok(());
    }
    write_transaction(conn, |conn| {
        let at = now();
        let first = job.parts_delivered.len();
        for (offset, external_id) in external_ids.iter().enumerate() {
            let position = i32::try_from(first + offset).unwrap_or(i32::MAX);
            diesel::insert_into(outbound_parts::table)
                .values((
                    outbound_parts::item_id.eq(job.queued.item_id),
                    outbound_parts::position.eq(position),
                    outbound_parts::external_id.eq(external_id),
                    outbound_parts::sent_at.eq(at),
                ))
                .execute_on(conn)?;
        }
        if first == 0 {
            diesel::update(timeline_items::table.find(job.queued.item_id))
                .set(timeline_items::external_id.eq(&external_ids[0]))
                .execute_on(conn)?;
        }
        Ok(())
    })
}

/// Marks the job sent, then applies receipts that arrived for its parts
/// before this was recorded; returns the changes those receipts made.
pub fn mark_sent(
    conn: &mut DbConn,
    job: &Job,
    external_ids: &[String],
) -> Result<Vec<ReceiptChange>, StoreError> {
    write_transaction(conn, |conn| {
        diesel::update(outbound_queue::table.find(job.queued.id))
            .set((
                outbound_queue::status.eq("sent"),
                outbound_queue::attempt_started_at.eq(None::<NaiveDateTime>),
                outbound_queue::attempts.eq(job.queued.attempts + 1),
                outbound_queue::sent_at.eq(now()),
                outbound_queue::last_error.eq(None::<String>),
            ))
            .execute_on(conn)?;
        timeline::set_delivery(
            conn,
            job.queued.item_id,
            DeliveryState::Sent,
            None,
            external_ids.first().map(String::as_str),
        )?;
        timeline::apply_pending_receipts(conn, job.queued.integration_id, external_ids)
    })
}

pub fn mark_retry(
    conn: &mut DbConn,
    job: &Job,
    next_attempt_at: NaiveDateTime,
    error: &str,
) -> Result<(), StoreError> {
    diesel::update(outbound_queue::table.find(job.queued.id))
        .set((
            outbound_queue::attempts.eq(job.queued.attempts + 1),
            outbound_queue::attempt_started_at.eq(None::<NaiveDateTime>),
            outbound_queue::next_attempt_at.eq(next_attempt_at),
            outbound_queue::last_error.eq(error),
        ))
        .execute_on(conn)?;
    Ok(())
}

pub fn mark_failed(
    conn: &mut DbConn,
    job_id: Id,
    item_id: Id,
    error: &str,
) -> Result<(), StoreError> {
    write_transaction(conn, |conn| {
        diesel::update(outbound_queue::table.find(job_id))
            .set((
                outbound_queue::status.eq("failed"),
                outbound_queue::attempt_started_at.eq(None::<NaiveDateTime>),
                outbound_queue::last_error.eq(error),
            ))
            .execute_on(conn)?;
        timeline::set_delivery(conn, item_id, DeliveryState::Failed, Some(error), None)
    })
}

/// Puts a failed message back in the queue (a manager pressed "retry").
pub fn retry_failed(conn: &mut DbConn, item_id: Id) -> Result<bool, StoreError> {
    write_transaction(conn, |conn| {
        let changed = diesel::update(
            outbound_queue::table
                .filter(outbound_queue::item_id.eq(item_id))
                .filter(outbound_queue::status.eq("failed")),
        )
        .set((
            outbound_queue::status.eq("pending"),
            outbound_queue::next_attempt_at.eq(now()),
        ))
        .execute_on(conn)?;
        if changed > 0 {
            timeline::set_delivery(conn, item_id, DeliveryState::Pending, None, None)?;
        }
        Ok(changed > 0)
    })
}

/// Unsent messages of an integration (for channel health).
pub fn queue_length(conn: &mut DbConn, integration_id: Id) -> Result<i64, StoreError> {
    Ok(outbound_queue::table
        .filter(outbound_queue::integration_id.eq(integration_id))
        .filter(outbound_queue::status.eq("pending"))
        .count()
        .get_result_on(conn)?)
}

/// Unsent messages of every integration.
pub fn count_pending(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(outbound_queue::table
        .filter(outbound_queue::status.eq("pending"))
        .count()
        .get_result_on(conn)?)
}

/// The most recent send error of an integration, with its time.
pub fn last_error(
    conn: &mut DbConn,
    integration_id: Id,
) -> Result<Option<(String, NaiveDateTime)>, StoreError> {
    Ok(outbound_queue::table
        .filter(outbound_queue::integration_id.eq(integration_id))
        .filter(outbound_queue::last_error.is_not_null())
        .order(outbound_queue::id.desc())
        .select((
            outbound_queue::last_error.assume_not_null(),
            outbound_queue::created_at,
        ))
        .first_on(conn)
        .optional()?)
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::take_turns;

    #[test]
    fn bots_take_turns_so_a_long_backlog_never_hides_a_short_one() {
        let busy: VecDeque<&str> = (0..100).map(|_| "busy").collect();
        let quiet = VecDeque::from(["quiet-1", "quiet-2"]);
        let taken = take_turns(vec![busy, quiet], 5);
        assert_eq!(taken, vec!["busy", "quiet-1", "busy", "quiet-2", "busy"]);
        assert_eq!(take_turns(vec![VecDeque::from([1, 2])], 10), vec![1, 2]);
        assert!(take_turns::<u8>(Vec::new(), 10).is_empty());
    }
}
