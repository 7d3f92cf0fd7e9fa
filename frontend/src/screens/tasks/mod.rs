//! "My tasks": the tasks assigned to the signed-in user, not done first, overdue first, then
//! by due date (the server's order), each tickable, editable and linked to its chat.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::crm::Task;

use crate::api::http::{self, ApiError};
use crate::components::error_line::ErrorLine;
use crate::components::task_row::TaskRow;
use crate::i18n::{use_i18n, Key};
use crate::state::session::use_session;

#[component]
pub fn MyTasksScreen() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let tasks = RwSignal::new(Vec::<Task>::new());
    let next = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<ApiError>);
    let loaded = RwSignal::new(false);
    let show_done = RwSignal::new(false);

    let load = move |more: bool| {
        let Some(me) = session.user_id_untracked() else {
            return;
        };
        let mut filters = vec![("assignee_id", me.to_string())];
        if !show_done.get_untracked() {
            filters.push(("done", "false".to_owned()));
        }
        let cursor = if more { next.get_untracked() } else { None };
        spawn_local(async move {
            match http::task_page(&filters, cursor.as_deref()).await {
                Ok(page) => {
                    error.set(None);
                    loaded.set(true);
                    next.set(page.next_cursor);
                    if more {
                        tasks.update(|list| list.extend(page.items));
                    } else {
                        tasks.set(page.items);
                    }
                }
                Err(failure) => {
                    session.note(&failure);
                    error.set(Some(failure));
                }
            }
        });
    };
    Effect::new(move |_| {
        show_done.track();
        load(false);
    });
    // A ticked task stays in place (struck through) until the list is read again.
    let saved = move |task: Task| {
        tasks.update(|list| {
            if let Some(slot) = list.iter_mut().find(|t| t.id == task.id) {
                *slot = task;
            }
        });
    };

    view! {
        <section class="page my-tasks" data-test="my-tasks">
            <header class="page-header">
                <h1>{move || i18n.tr(Key::MyTasks)}</h1>
                <label class="checkbox">
                    <input type="checkbox" data-test="show-done-tasks"
                        on:change=move |event| show_done.set(event_target_checked(&event))/>
                    <span>{move || i18n.tr(Key::ShowDoneTasks)}</span>
                </label>
            </header>
            <ErrorLine error/>
            <ul class="task-list" data-test="task-list">
                <For each=move || tasks.get() key=|task| (task.id, task.done, task.title.clone(), task.due_at.clone(), task.assignee_id) let:task>
                    <TaskRow task on_saved=saved show_chat_link=true/>
                </For>
            </ul>
            <Show when=move || loaded.get() && tasks.with(Vec::is_empty)>
                <p class="muted">{move || i18n.tr(Key::NoMyTasks)}</p>
            </Show>
            <Show when=move || next.with(Option::is_some)>
                <button type="button" class="button" on:click=move |_| load(true)>
                    {move || i18n.tr(Key::LoadMore)}
                </button>
            </Show>
        </section>
    }
}
