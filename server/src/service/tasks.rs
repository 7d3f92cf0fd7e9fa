//! Task use cases: the to-do list and changing a task. Each change of a task
//! linked to chats adds one `task_changed` event to each of them, live. The
//! rule is `domain::task`; the assignee is checked here.

use shared::api::crm::{Task, UpdateTask};
use shared::api::timeline::{TaskChanged, TimelineEvent};
use shared::Id;

use super::crm::{check_responsible, page_size};
use super::{live, views, Context, ServiceError};
use crate::domain::account::User;
use crate::domain::policy::{decide, decide_on_task, Action, ChatFacts};
use crate::domain::task as task_rules;
use crate::store::chats as chat_store;
use crate::store::crm::{self, TaskFilter};
use crate::store::{timeline, DbConn};
use crate::texts::Says;

/// `GET /api/v1/tasks` filters.
#[derive(Debug, Clone, Default)]
pub struct TasksRequest {
    pub assignee_id: Option<Id>,
    pub done: Option<bool>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// The to-do list, one page: not done first, overdue first, then by due date.
pub async fn tasks(
    ctx: &Context,
    caller: &User,
    request: TasksRequest,
) -> Result<(Vec<Task>, Option<String>), ServiceError> {
    ServiceError::check(decide(caller.role, Action::ListTasksAndProjects), "task")?;
    let limit = page_size(request.limit)?;
    let offset = request
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| match c.parse::<i64>() {
            Ok(offset) if offset >= 0 => Ok(offset),
            _ => Err(ServiceError::Invalid(Says::BadCursor)),
        })
        .transpose()?
        .unwrap_or(0);
    let filter = TaskFilter {
        assignee_id: request.assignee_id,
        done: request.done,
    };
    let (page, next) = ctx
        .store
        .run(move |conn| crm::list_task_page(conn, &filter, offset, limit))
        .await?;
    Ok((
        page.into_iter().map(views::task).collect(),
        next.map(|offset| offset.to_string()),
    ))
}

/// Checks that the caller may change a task: a follower sees the tasks of
/// the chats they follow (and may change none), no other.
fn authorize_task(conn: &mut DbConn, caller: &User, chat_ids: &[Id]) -> Result<(), ServiceError> {
    let mut caller_follows = false;
    for chat_id in chat_ids {
        if chat_store::is_follower(conn, *chat_id, caller.id)? {
            caller_follows = true;
            break;
        }
    }
    ServiceError::check(
        decide_on_task(caller.role, Action::EditTasks, ChatFacts { caller_follows }),
        "task",
    )
}

/// Changes a task's title, done, due date or assignee.
pub async fn update_task(
    ctx: &Context,
    caller: &User,
    id: Id,
    patch: UpdateTask,
) -> Result<Task, ServiceError> {
    let caller = caller.clone();
    let task = ctx
        .store
        .run(move |conn| {
            Ok(crate::store::write_transaction(
                conn,
                |conn| -> Result<_, ServiceError> {
                    let task =
                        crm::find_task(conn, id).map_err(ServiceError::not_found_as("task"))?;
                    let chat_ids = crm::task_chat_ids(conn, id)?;
                    authorize_task(conn, &caller, &chat_ids)?;
                    let edit = task_rules::edit(&task.facts(), &patch)
                        .map_err(|err| ServiceError::Invalid(Says::Task(err)))?;
                    if edit.changes.is_empty() {
                        return Ok((task, chat_ids));
                    }
                    if let (true, Some(user_id)) = (
                        edit.changes.contains_key("assignee_id"),
                        edit.after.assignee_id,
                    ) {
                        check_responsible(conn, user_id)?;
                    }
                    crm::set_task(conn, id, &edit.after)?;
                    let event = TimelineEvent::TaskChanged(TaskChanged {
                        task_id: id,
                        changes: edit.changes,
                    });
                    for chat_id in &chat_ids {
                        let item = timeline::insert_event(conn, *chat_id, Some(caller.id), &event)?;
                        live::items_then_chat_changed(conn, *chat_id, vec![item])?;
                    }
                    Ok((crm::find_task(conn, id)?, chat_ids))
                },
            ))
        })
        .await??;
    ctx.hub.wake();
    Ok(views::task(task))
}
