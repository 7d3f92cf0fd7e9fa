//! Task rules (CONTRACT.md "CRM", Task): what a change may set and what it
//! changed, for the `task_changed` event. Pure: the assignee's existence is
//! checked by the service.

use chrono::{DateTime, NaiveDateTime, SecondsFormat};
use serde_json::{json, Value};
use shared::api::crm::UpdateTask;
use shared::api::timeline::FieldChanges;
use shared::Id;

pub const MAX_TITLE_CHARS: usize = 500;

/// A task's editable facts, as they are now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFacts {
    pub title: String,
    pub done: bool,
    pub due_at: Option<NaiveDateTime>,
    pub assignee_id: Option<Id>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskError {
    #[error("title must not be empty")]
    TitleEmpty,
    #[error("title is too long")]
    TitleTooLong,
    #[error("due_at {0:?} is not an RFC 3339 time")]
    BadDueAt(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TaskEdit {
    pub after: TaskFacts,
    /// `{field: [old, new]}` of the fields that changed; empty: nothing did.
    pub changes: FieldChanges,
}

/// A due date as the API shows it (RFC 3339, UTC).
pub fn due_text(at: NaiveDateTime) -> String {
    at.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Applies a PATCH to a task; values equal to the current ones change nothing.
pub fn edit(before: &TaskFacts, patch: &UpdateTask) -> Result<TaskEdit, TaskError> {
    let mut after = before.clone();
    if let Some(title) = &patch.title {
        let title = title.trim();
        if title.is_empty() {
            return Err(TaskError::TitleEmpty);
        }
        if title.chars().count() > MAX_TITLE_CHARS {
            return Err(TaskError::TitleTooLong);
        }
        after.title = title.to_owned();
    }
    if let Some(done) = patch.done {
        after.done = done;
    }
    if let Some(due_at) = &patch.due_at {
        after.due_at = match due_at.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(
                DateTime::parse_from_rfc3339(text)
                    .map_err(|_| TaskError::BadDueAt(text.to_owned()))?
                    .naive_utc(),
            ),
        };
    }
    if let Some(assignee_id) = patch.assignee_id {
        after.assignee_id = assignee_id;
    }

    let mut changes = FieldChanges::new();
    let mut note = |field: &str, old: Value, new: Value| {
        if old != new {
            changes.insert(field.to_owned(), (old, new));
        }
    };
    note("title", json!(before.title), json!(after.title));
    note("done", json!(before.done), json!(after.done));
    note(
        "due_at",
        json!(before.due_at.map(due_text)),
        json!(after.due_at.map(due_text)),
    );
    note(
        "assignee_id",
        json!(before.assignee_id),
        json!(after.assignee_id),
    );
    Ok(TaskEdit { after, changes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task() -> TaskFacts {
        TaskFacts {
            title: "Call back".into(),
            done: false,
            due_at: None,
            assignee_id: None,
        }
    }

    #[test]
    fn a_change_records_each_changed_field_old_and_new() {
        let patch = UpdateTask {
            done: Some(true),
            due_at: Some(Some("2026-12-08T10:00:00+01:00".into())),
            assignee_id: Some(Some(7)),
            title: Some(" Call back ".into()),
        };
        let edit = edit(&task(), &patch).expect("valid");
        assert!(edit.after.done);
        assert_eq!(
            edit.changes.keys().collect::<Vec<_>>(),
            ["assignee_id", "done", "due_at"]
        );
        assert_eq!(
            edit.changes["due_at"],
            (json!(null), json!("2026-12-08T09:00:00Z"))
        );
        assert_eq!(edit.changes["done"], (json!(false), json!(true)));
    }

    #[test]
    fn null_clears_and_bad_values_are_refused() {
        let mut before = task();
        before.assignee_id = Some(3);
        let cleared = edit(
            &before,
            &UpdateTask {
                assignee_id: Some(None),
                ..UpdateTask::default()
            },
        )
        .expect("valid");
        assert_eq!(cleared.after.assignee_id, None);
        assert_eq!(
            edit(
                &before,
                &UpdateTask {
                    due_at: Some(Some("tomorrow".into())),
                    ..UpdateTask::default()
                }
            ),
            Err(TaskError::BadDueAt("tomorrow".into()))
        );
        assert_eq!(
            edit(
                &before,
                &UpdateTask {
                    title: Some("  ".into()),
                    ..UpdateTask::default()
                }
            ),
            Err(TaskError::TitleEmpty)
        );
    }
}
