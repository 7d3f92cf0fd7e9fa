//! Relations of the chat to tasks and projects: link an existing one, create one and link
//! it, unlink.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::chats::Chat;
use shared::api::crm::LinkKind;
use shared::Id;

use super::failed;
use crate::api::http::{self, ApiError};
use crate::components::error_line::ErrorLine;
use crate::components::task_row::TaskRow;
use crate::i18n::{use_i18n, Key};
use crate::state::open_chat::use_open_chat;
use crate::state::session::use_session;

#[component]
pub fn Relations(chat: RwSignal<Chat>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let open_chat = use_open_chat();
    let id = chat.with_untracked(|chat| chat.id);
    let error = RwSignal::new(None);
    let busy = RwSignal::new(false);
    // Every task and project, for "link existing" (loaded when the panel opens).
    let all_tasks = RwSignal::new(Vec::new());
    let all_projects = RwSignal::new(Vec::new());
    let reload_all = move || {
        spawn_local(async move {
            if let Ok(tasks) = http::tasks().await {
                all_tasks.set(tasks);
            }
            if let Ok(projects) = http::projects().await {
                all_projects.set(projects);
            }
        });
    };
    Effect::new(move |_| {
        if session.can_write() {
            reload_all();
        }
    });

    let run =
        move |job: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ApiError>>>>| {
            busy.set(true);
            spawn_local(async move {
                let answer = job.await;
                busy.set(false);
                match answer {
                    Ok(()) => {
                        error.set(None);
                        open_chat.reload_detail();
                        reload_all();
                    }
                    Err(failure) => failed(session, error, failure),
                }
            });
        };

    let link = move |kind: LinkKind, target: Id| run(Box::pin(http::link(id, kind, target)));
    let unlink = move |kind: LinkKind, target: Id| run(Box::pin(http::unlink(id, kind, target)));
    let create_and_link = move |kind: LinkKind, name: String| {
        run(Box::pin(async move {
            let target = match kind {
                LinkKind::Task => http::create_task(name).await?.id,
                LinkKind::Project => http::create_project(name).await?.id,
            };
            http::link(id, kind, target).await
        }))
    };

    let linked = move |kind: LinkKind| -> Vec<(Id, String)> {
        open_chat.extras.with(|extras| {
            extras
                .as_ref()
                .map(|extras| match kind {
                    LinkKind::Task => extras
                        .tasks
                        .iter()
                        .map(|t| (t.id, t.title.clone()))
                        .collect(),
                    LinkKind::Project => extras
                        .projects
                        .iter()
                        .map(|p| (p.id, p.name.clone()))
                        .collect(),
                })
                .unwrap_or_default()
        })
    };
    let linked_tasks = move || -> Vec<shared::api::crm::Task> {
        open_chat.extras.with(|extras| {
            extras
                .as_ref()
                .map(|extras| extras.tasks.clone())
                .unwrap_or_default()
        })
    };
    let candidates = move |kind: LinkKind| -> Vec<(Id, String)> {
        let taken: Vec<Id> = linked(kind).into_iter().map(|(id, _)| id).collect();
        match kind {
            LinkKind::Task => all_tasks.with(|all: &Vec<shared::api::crm::Task>| {
                all.iter()
                    .filter(|t| !taken.contains(&t.id))
                    .map(|t| (t.id, t.title.clone()))
                    .collect()
            }),
            LinkKind::Project => all_projects.with(|all: &Vec<shared::api::crm::Project>| {
                all.iter()
                    .filter(|p| !taken.contains(&p.id))
                    .map(|p| (p.id, p.name.clone()))
                    .collect()
            }),
        }
    };

    let group = move |kind: LinkKind| {
        let (title, empty, create_label) = match kind {
            LinkKind::Task => (Key::Tasks, Key::NoTasks, Key::NewTask),
            LinkKind::Project => (Key::Projects, Key::NoProjects, Key::NewProject),
        };
        let pick = RwSignal::new(String::new());
        let name = RwSignal::new(String::new());
        let kind_name = kind.as_str();
        view! {
            <div class="relation-group" data-test=format!("relations-{kind_name}")>
                <h3>{move || i18n.tr(title)}</h3>
                <ul class="relation-list">
                    {move || (kind == LinkKind::Task).then(|| linked_tasks().into_iter().map(|task| {
                        let target = task.id;
                        view! {
                            <TaskRow task on_saved=move |_| open_chat.reload_detail()
                                on_unlink=Callback::new(move |()| unlink(LinkKind::Task, target))/>
                        }
                    }).collect_view())}
                    {move || if kind == LinkKind::Project { linked(kind) } else { Vec::new() }.into_iter().map(|(target, label)| view! {
                        <li data-test="relation" data-kind=kind_name data-id=target>
                            <span>{label}</span>
                            <Show when=move || session.can_write()>
                                <button type="button" class="link-button" data-test="unlink"
                                    disabled=move || busy.get()
                                    on:click=move |_| unlink(kind, target)>
                                    {move || i18n.tr(Key::Unlink)}
                                </button>
                            </Show>
                        </li>
                    }).collect_view()}
                </ul>
                <Show when=move || linked(kind).is_empty()>
                    <p class="muted">{move || i18n.tr(empty)}</p>
                </Show>
                <Show when=move || session.can_write()>
                    <form class="inline-form" on:submit=move |event| {
                        event.prevent_default();
                        if let Ok(target) = pick.get_untracked().parse::<Id>() {
                            link(kind, target);
                            pick.set(String::new());
                        }
                    }>
                        <select data-test=format!("link-{kind_name}-select") bind:value=pick
                            aria-label=move || i18n.tr(Key::LinkExisting)>
                            <option value="">{move || i18n.tr(Key::LinkExisting)}</option>
                            {move || candidates(kind).into_iter().map(|(target, label)| view! {
                                <option value=target.to_string()>{label}</option>
                            }).collect_view()}
                        </select>
                        <button type="submit" class="button button-small" data-test=format!("link-{kind_name}")
                            disabled=move || busy.get() || pick.with(String::is_empty)>
                            {move || i18n.tr(Key::Link)}
                        </button>
                    </form>
                    <form class="inline-form" on:submit=move |event| {
                        event.prevent_default();
                        let text = name.get_untracked().trim().to_owned();
                        if !text.is_empty() {
                            create_and_link(kind, text);
                            name.set(String::new());
                        }
                    }>
                        <input type="text" data-test=format!("new-{kind_name}-input") bind:value=name
                            aria-label=move || i18n.tr(create_label) placeholder=move || i18n.tr(create_label)/>
                        <button type="submit" class="button button-small" data-test=format!("new-{kind_name}-submit")
                            disabled=move || busy.get() || name.with(|n| n.trim().is_empty())>
                            {move || i18n.tr(Key::CreateAndLink)}
                        </button>
                    </form>
                </Show>
            </div>
        }
    };

    view! {
        <section class="panel-section" data-test="relations">
            <h2>{move || i18n.tr(Key::Relations)}</h2>
            {group(LinkKind::Task)}
            {group(LinkKind::Project)}
            <ErrorLine error/>
        </section>
    }
}
