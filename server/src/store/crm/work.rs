//! Tasks and projects, and the links between them and chats.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::api::crm::LinkKind;
use shared::Id;

use crate::store::schema::{chat_links, projects, tasks};
use crate::store::OnBackend;
use crate::store::{now, DbConn, StoreError};

#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct TaskRecord {
    pub id: Id,
    pub title: String,
    pub done: bool,
    pub created_at: NaiveDateTime,
    pub due_at: Option<NaiveDateTime>,
    pub assignee_id: Option<Id>,
}

/// The columns of a [`TaskRecord`], in its order.
macro_rules! task_columns {
    () => {
        (
            tasks::id,
            tasks::title,
            tasks::done,
            tasks::created_at,
            tasks::due_at,
            tasks::assignee_id,
        )
    };
}
pub(super) use task_columns;

#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct ProjectRecord {
    pub id: Id,
    pub name: String,
    pub created_at: NaiveDateTime,
}

pub fn insert_task(conn: &mut DbConn, title: &str, by: Id) -> Result<TaskRecord, StoreError> {
    let id: Id = diesel::insert_into(tasks::table)
        .values((
            tasks::title.eq(title),
            tasks::done.eq(false),
            tasks::created_by.eq(by),
            tasks::created_at.eq(now()),
        ))
        .returning(tasks::id)
        .get_result_on(conn)?;
    Ok(tasks::table
        .find(id)
        .select(task_columns!())
        .first_on(conn)?)
}

pub fn insert_project(conn: &mut DbConn, name: &str, by: Id) -> Result<ProjectRecord, StoreError> {
    let id: Id = diesel::insert_into(projects::table)
        .values((
            projects::name.eq(name),
            projects::created_by.eq(by),
            projects::created_at.eq(now()),
        ))
        .returning(projects::id)
        .get_result_on(conn)?;
    Ok(projects::table
        .find(id)
        .select((projects::id, projects::name, projects::created_at))
        .first_on(conn)?)
}

pub fn list_projects(conn: &mut DbConn) -> Result<Vec<ProjectRecord>, StoreError> {
    Ok(projects::table
        .order(projects::id.desc())
        .limit(500)
        .select((projects::id, projects::name, projects::created_at))
        .load_on(conn)?)
}

pub fn link_target_exists(conn: &mut DbConn, kind: LinkKind, id: Id) -> Result<bool, StoreError> {
    let n: i64 = match kind {
        LinkKind::Task => tasks::table
            .filter(tasks::id.eq(id))
            .count()
            .get_result_on(conn)?,
        LinkKind::Project => projects::table
            .filter(projects::id.eq(id))
            .count()
            .get_result_on(conn)?,
    };
    Ok(n > 0)
}

/// Links a chat to a task or project; `false` if it already was.
pub fn insert_link(
    conn: &mut DbConn,
    chat_id: Id,
    kind: LinkKind,
    target_id: Id,
) -> Result<bool, StoreError> {
    let exists: i64 = chat_links::table
        .filter(chat_links::chat_id.eq(chat_id))
        .filter(chat_links::kind.eq(kind.as_str()))
        .filter(chat_links::target_id.eq(target_id))
        .count()
        .get_result_on(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    diesel::insert_into(chat_links::table)
        .values((
            chat_links::chat_id.eq(chat_id),
            chat_links::kind.eq(kind.as_str()),
            chat_links::target_id.eq(target_id),
            chat_links::created_at.eq(now()),
        ))
        .execute_on(conn)?;
    Ok(true)
}

/// `false` if there was no such link.
pub fn delete_link(
    conn: &mut DbConn,
    chat_id: Id,
    kind: LinkKind,
    target_id: Id,
) -> Result<bool, StoreError> {
    let deleted = diesel::delete(
        chat_links::table
            .filter(chat_links::chat_id.eq(chat_id))
            .filter(chat_links::kind.eq(kind.as_str()))
            .filter(chat_links::target_id.eq(target_id)),
    )
    .execute_on(conn)?;
    Ok(deleted > 0)
}

pub fn chat_tasks(conn: &mut DbConn, chat_id: Id) -> Result<Vec<TaskRecord>, StoreError> {
    Ok(tasks::table
        .filter(
            tasks::id.eq_any(
                chat_links::table
                    .filter(chat_links::chat_id.eq(chat_id))
                    .filter(chat_links::kind.eq("task"))
                    .select(chat_links::target_id),
            ),
        )
        .order(tasks::id)
        .select(task_columns!())
        .load_on(conn)?)
}

pub fn chat_projects(conn: &mut DbConn, chat_id: Id) -> Result<Vec<ProjectRecord>, StoreError> {
    Ok(projects::table
        .filter(
            projects::id.eq_any(
                chat_links::table
                    .filter(chat_links::chat_id.eq(chat_id))
                    .filter(chat_links::kind.eq("project"))
                    .select(chat_links::target_id),
            ),
        )
        .order(projects::id)
        .select((projects::id, projects::name, projects::created_at))
        .load_on(conn)?)
}
