//! Tasks as people work them: one task, its changes, the chats it is linked
//! to, and the to-do list (not done first, the most overdue first, then by
//! due date; tasks without a date last).

use diesel::prelude::*;
use shared::Id;

use super::work::task_columns;
use super::TaskRecord;
use crate::domain::task::TaskFacts;
use crate::store::schema::{chat_links, tasks};
use crate::store::OnBackend;
use crate::store::{DbConn, StoreError};

pub fn find_task(conn: &mut DbConn, id: Id) -> Result<TaskRecord, StoreError> {
    Ok(tasks::table
        .find(id)
        .select(task_columns!())
        .first_on(conn)?)
}

impl TaskRecord {
    pub fn facts(&self) -> TaskFacts {
        TaskFacts {
            title: self.title.clone(),
            done: self.done,
            due_at: self.due_at,
            assignee_id: self.assignee_id,
        }
    }
}

pub fn set_task(conn: &mut DbConn, id: Id, facts: &TaskFacts) -> Result<(), StoreError> {
    diesel::update(tasks::table.find(id))
        .set((
            tasks::title.eq(&facts.title),
            tasks::done.eq(facts.done),
            tasks::due_at.eq(facts.due_at),
            tasks::assignee_id.eq(facts.assignee_id),
        ))
        .execute_on(conn)?;
    Ok(())
}

/// The chats a task is linked to.
pub fn task_chat_ids(conn: &mut DbConn, id: Id) -> Result<Vec<Id>, StoreError> {
    Ok(chat_links::table
        .filter(chat_links::kind.eq("task"))
        .filter(chat_links::target_id.eq(id))
        .order(chat_links::chat_id)
        .select(chat_links::chat_id)
        .load_on(conn)?)
}

/// `GET /api/v1/tasks` filters.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub assignee_id: Option<Id>,
    pub done: Option<bool>,
}

/// A task with the chats it is linked to.
pub type ListedTask = (TaskRecord, Vec<Id>);

/// One page of the to-do list from `offset`, and the offset of the next page.
/// The order moves as tasks are ticked off, so the cursor is a position.
pub fn list_task_page(
    conn: &mut DbConn,
    filter: &TaskFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<ListedTask>, Option<i64>), StoreError> {
    let mut query = tasks::table.select(task_columns!()).into_boxed();
    if let Some(user) = filter.assignee_id {
        query = query.filter(tasks::assignee_id.eq(user));
    }
    if let Some(done) = filter.done {
        query = query.filter(tasks::done.eq(done));
    }
    let mut page: Vec<TaskRecord> = query
        .order((
            tasks::done.asc(),
            tasks::due_at.is_null().asc(),
            tasks::due_at.asc(),
            tasks::id.asc(),
        ))
        .offset(offset)
        .limit(limit + 1)
        .load(conn)?;
    let next = (page.len() as i64 > limit).then(|| {
        page.truncate(limit as usize);
        offset + limit
    });
    Ok((with_chats(conn, page)?, next))
}

/// Tasks with the chats each is linked to, in one query.
pub fn with_chats(
    conn: &mut DbConn,
    tasks: Vec<TaskRecord>,
) -> Result<Vec<ListedTask>, StoreError> {
    let ids: Vec<Id> = tasks.iter().map(|t| t.id).collect();
    let links: Vec<(Id, Id)> = chat_links::table
        .filter(chat_links::kind.eq("task"))
        .filter(chat_links::target_id.eq_any(&ids))
        .order(chat_links::chat_id)
        .select((chat_links::target_id, chat_links::chat_id))
        .load_on(conn)?;
    Ok(tasks
        .into_iter()
        .map(|task| {
            let chats = links
                .iter()
                .filter(|(task_id, _)| *task_id == task.id)
                .map(|(_, chat_id)| *chat_id)
                .collect();
            (task, chats)
        })
        .collect())
}
