//! One task as people work it: a box to tick it done, its title, due date (overdue ones
//! stand out) and assignee, and an editor for those three. Saves at once over REST and hands
//! the server's answer to the caller; the chat sidebar and "My tasks" both show it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::crm::{Task, UpdateTask};
use shared::api::users::Role;
use shared::Id;

use crate::api::http::{self, ApiError};
use crate::components::error_line::ErrorLine;
use crate::format;
use crate::i18n::{use_i18n, Key};
use crate::state::directory::use_directory;
use crate::state::session::use_session;

/// Whether a task is past its due date and not done.
pub fn is_overdue(task: &Task) -> bool {
    !task.done
        && task
            .due_at
            .as_deref()
            .map(js_sys::Date::parse)
            .is_some_and(|due| due.is_finite() && due < js_sys::Date::now())
}

/// RFC 3339 as a `datetime-local` value in the browser's time zone.
fn local_input_value(at: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(at));
    if !date.get_time().is_finite() {
        return String::new();
    }
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    )
}

/// A `datetime-local` value (the browser's time zone) as RFC 3339 UTC.
fn rfc3339_from_local(value: &str) -> Option<String> {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(value));
    date.get_time()
        .is_finite()
        .then(|| String::from(date.to_iso_string()))
}

#[component]
pub fn TaskRow(
    task: Task,
    /// Called with the task as the server now has it.
    on_saved: impl Fn(Task) + Copy + Send + Sync + 'static,
    /// A link to the task's first chat.
    #[prop(default = false)]
    show_chat_link: bool,
    /// Offered as "Unlink" (in a chat's sidebar).
    #[prop(optional)]
    on_unlink: Option<Callback<()>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let directory = use_directory();
    let id: Id = task.id;
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let editing = RwSignal::new(false);
    let title = RwSignal::new(task.title.clone());
    let due = RwSignal::new(
        task.due_at
            .as_deref()
            .map(local_input_value)
            .unwrap_or_default(),
    );
    let assignee = RwSignal::new(
        task.assignee_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
    );

    let save = move |change: UpdateTask| {
        busy.set(true);
        spawn_local(async move {
            let answer = http::update_task(id, &change).await;
            busy.set(false);
            match answer {
                Ok(task) => {
                    error.set(None);
                    editing.set(false);
                    on_saved(task);
                }
                Err(failure) => {
                    session.note(&failure);
                    error.set(Some(failure));
                }
            }
        });
    };
    let submit_edit = move || {
        let due_text = due.get_untracked();
        let assignee_text = assignee.get_untracked();
        save(UpdateTask {
            title: Some(title.get_untracked()),
            due_at: Some(if due_text.is_empty() {
                None
            } else {
                rfc3339_from_local(&due_text)
            }),
            assignee_id: Some(assignee_text.parse::<Id>().ok()),
            done: None,
        });
    };

    let done = task.done;
    let overdue = is_overdue(&task);
    let label = task.title.clone();
    let due_text = task
        .due_at
        .as_deref()
        .map(|at| format::day_time(i18n.lang(), at));
    let assignee_name = task.assignee_id.map(|user| directory.user_name(user));
    let chat_link = task
        .chat_ids
        .first()
        .copied()
        .filter(|_| show_chat_link)
        .map(|chat_id| {
            view! {
                <a href=format!("/chats/{chat_id}") class="task-chat" data-test="task-chat">
                    {move || i18n.fill(Key::OpenChat, &[("id", chat_id.to_string())])}
                </a>
            }
        });
    let users = move || {
        directory
            .users
            .get()
            .into_iter()
            .filter(|user| user.active && user.role != Role::Follower)
            .map(|user| {
                let value = user.id.to_string();
                let chosen = value.clone();
                view! {
                    <option value=value selected=move || assignee.with(|a| *a == chosen)>
                        {user.name}
                    </option>
                }
            })
            .collect_view()
    };

    view! {
        <li class="task-row" class:task-done=done class:task-overdue=overdue
            data-test="task" data-id=id>
            <label class="task-check">
                <input type="checkbox" data-test="task-done" checked=done
                    disabled=move || busy.get() || !session.can_write()
                    aria-label=move || i18n.fill(Key::MarkTaskDone, &[("title", label.clone())])
                    on:change=move |event| save(UpdateTask {
                        done: Some(event_target_checked(&event)),
                        ..UpdateTask::default()
                    })/>
                <span class="task-title" data-test="task-title">{task.title.clone()}</span>
            </label>
            <span class="task-meta muted">
                {overdue.then(|| view! {
                    <span class="task-overdue-badge" data-test="task-overdue">
                        {move || i18n.tr(Key::Overdue)}
                    </span>
                })}
                {due_text.map(|text| view! { <span data-test="task-due">{text}</span> })}
                {assignee_name.map(|name| view! { <span data-test="task-assignee">{name}</span> })}
                {chat_link}
            </span>
            <Show when=move || session.can_write() && !editing.get()>
                <button type="button" class="link-button" data-test="task-edit"
                    on:click=move |_| editing.set(true)>
                    {move || i18n.tr(Key::EditTask)}
                </button>
                {on_unlink.map(|unlink| view! {
                    <button type="button" class="link-button" data-test="unlink"
                        disabled=move || busy.get()
                        on:click=move |_| unlink.run(())>
                        {move || i18n.tr(Key::Unlink)}
                    </button>
                })}
            </Show>
            <Show when=move || editing.get()>
                <form class="task-editor" data-test="task-editor" on:submit=move |event| {
                    event.prevent_default();
                    submit_edit();
                }>
                    <label>
                        <span>{move || i18n.tr(Key::TaskTitle)}</span>
                        <input type="text" data-test="task-title-input" bind:value=title/>
                    </label>
                    <label>
                        <span>{move || i18n.tr(Key::DueDate)}</span>
                        <input type="datetime-local" data-test="task-due-input" bind:value=due/>
                    </label>
                    <label>
                        <span>{move || i18n.tr(Key::Assignee)}</span>
                        <select data-test="task-assignee-select" bind:value=assignee>
                            <option value="">{move || i18n.tr(Key::Nobody)}</option>
                            {users}
                        </select>
                    </label>
                    <div class="form-actions">
                        <button type="submit" class="button button-small" data-test="task-save"
                            disabled=move || busy.get()>
                            {move || i18n.tr(Key::Save)}
                        </button>
                        <button type="button" class="link-button"
                            on:click=move |_| editing.set(false)>
                            {move || i18n.tr(Key::Cancel)}
                        </button>
                    </div>
                </form>
            </Show>
            <ErrorLine error/>
        </li>
    }
}
