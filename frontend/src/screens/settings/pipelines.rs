//! Sales funnels and their stages: the list, creating one, and the funnel editor (rename,
//! reorder, add and remove stages, delete the funnel). The server refuses removing a stage
//! that holds deals, or deleting a funnel in use, and says the way out; that is shown as is.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::crm::{CreatePipeline, Pipeline, StageEdit, UpdatePipeline};

use crate::api::http::{self, ApiError};
use crate::components::error_line::ErrorLine;
use crate::i18n::{use_i18n, Key};
use crate::state::directory::use_directory;
use crate::state::session::use_session;

#[component]
pub fn PipelinesSettings() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let directory = use_directory();
    directory.load_pipelines(session);

    let name = RwSignal::new(String::new());
    let stages = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let saving = RwSignal::new(false);

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let body = CreatePipeline {
            name: name.get_untracked().trim().to_owned(),
            stages: stages
                .get_untracked()
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(str::to_owned)
                .collect(),
        };
        saving.set(true);
        spawn_local(async move {
            let answer = http::create_pipeline(&body).await;
            saving.set(false);
            match answer {
                Ok(pipeline) => {
                    error.set(None);
                    directory.pipelines.update(|list| list.push(pipeline));
                    name.set(String::new());
                    stages.set(String::new());
                }
                Err(failure) => {
                    session.note(&failure);
                    error.set(Some(failure));
                }
            }
        });
    };

    let list = move || {
        directory
            .pipelines
            .get()
            .into_iter()
            .map(|pipeline| {
                let whole = pipeline.clone();
                let stages = pipeline
                    .stages
                    .into_iter()
                    .map(|stage| view! { <li class="stage" data-test="stage">{stage.name}</li> })
                    .collect_view();
                let editing = RwSignal::new(false);
                view! {
                    <li class="pipeline" data-test="pipeline" data-pipeline-id=pipeline.id>
                        <strong>{pipeline.name}</strong>
                        <button type="button" class="button button-quiet button-small" data-test="pipeline-edit"
                            on:click=move |_| editing.update(|on| *on = !*on)>
                            {move || i18n.tr(Key::EditPipeline)}
                        </button>
                        <Show when=move || !editing.get()>
                            <ol class="stages">{stages.clone()}</ol>
                        </Show>
                        <Show when=move || editing.get()>
                            <PipelineEditor pipeline=whole.clone() done=editing/>
                        </Show>
                    </li>
                }
            })
            .collect_view()
    };

    view! {
        <div class="settings-section" data-test="settings-pipelines">
            <h2>{move || i18n.tr(Key::Pipelines)}</h2>
            <ul class="pipelines">{list}</ul>
            <form class="inline-card" data-test="pipeline-create" on:submit=submit>
                <h3>{move || i18n.tr(Key::AddPipeline)}</h3>
                <label class="field">
                    <span>{move || i18n.tr(Key::Name)}</span>
                    <input type="text" required data-test="pipeline-name" bind:value=name/>
                </label>
                <label class="field">
                    <span>{move || i18n.tr(Key::StagesOnePerLine)}</span>
                    <textarea rows="4" required data-test="pipeline-stages" bind:value=stages></textarea>
                </label>
                <ErrorLine error/>
                <button type="submit" class="button button-primary" data-test="pipeline-submit" disabled=move || saving.get()>
                    {move || i18n.tr(Key::AddPipeline)}
                </button>
            </form>
        </div>
    }
}

/// One funnel being edited: its name and its stages (rename, move, add, remove), saved at once.
#[component]
fn PipelineEditor(pipeline: Pipeline, done: RwSignal<bool>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let directory = use_directory();
    let id = pipeline.id;
    let name = RwSignal::new(pipeline.name.clone());
    // (stage id or None for a new one, name, a key for the list)
    let next_key = StoredValue::new(pipeline.stages.len());
    let stages = RwSignal::new(
        pipeline
            .stages
            .iter()
            .enumerate()
            .map(|(key, stage)| (Some(stage.id), stage.name.clone(), key))
            .collect::<Vec<_>>(),
    );
    let error = RwSignal::new(None::<ApiError>);
    let saving = RwSignal::new(false);

    let save = move |_| {
        let body = UpdatePipeline {
            name: Some(name.get_untracked()),
            stages: Some(
                stages
                    .get_untracked()
                    .into_iter()
                    .map(|(id, name, _)| StageEdit { id, name })
                    .collect(),
            ),
        };
        saving.set(true);
        spawn_local(async move {
            let answer = http::update_pipeline(id, &body).await;
            saving.set(false);
            match answer {
                Ok(updated) => {
                    error.set(None);
                    directory.pipelines.update(|list| {
                        if let Some(shown) = list.iter_mut().find(|p| p.id == id) {
                            *shown = updated;
                        }
                    });
                    done.set(false);
                }
                Err(failure) => {
                    session.note(&failure);
                    error.set(Some(failure));
                }
            }
        });
    };
    let delete = move |_| {
        let question = i18n.fill(
            Key::ConfirmDeletePipeline,
            &[("name", name.get_untracked())],
        );
        let sure = window().confirm_with_message(&question).unwrap_or(false);
        if !sure {
            return;
        }
        spawn_local(async move {
            match http::delete_pipeline(id).await {
                Ok(()) => {
                    error.set(None);
                    directory
                        .pipelines
                        .update(|list| list.retain(|p| p.id != id));
                }
                Err(failure) => {
                    session.note(&failure);
                    error.set(Some(failure));
                }
            }
        });
    };
    let shift = move |index: usize, up: bool| {
        stages.update(|list| {
            let other = if up {
                index.checked_sub(1)
            } else {
                Some(index + 1)
            };
            if let Some(other) = other.filter(|other| *other < list.len()) {
                list.swap(index, other);
            }
        });
    };

    view! {
        <div class="inline-card pipeline-editor" data-test="pipeline-editor">
            <label class="field">
                <span>{move || i18n.tr(Key::RenamePipeline)}</span>
                <input type="text" data-test="pipeline-rename" bind:value=name/>
            </label>
            <ol class="stage-editor">
                {move || stages.get().into_iter().enumerate().map(|(index, (_, stage_name, key))| {
                    view! {
                        <li data-test="stage-row">
                            <input type="text" data-test="stage-name" aria-label=move || i18n.tr(Key::StageName)
                                value=stage_name
                                on:change=move |event| {
                                    let value = event_target_value(&event);
                                    stages.update(|list| {
                                        if let Some(row) = list.iter_mut().find(|row| row.2 == key) {
                                            row.1 = value;
                                        }
                                    });
                                }/>
                            <button type="button" class="button button-quiet button-small" data-test="stage-up"
                                aria-label=move || i18n.tr(Key::MoveUp) on:click=move |_| shift(index, true)>"↑"</button>
                            <button type="button" class="button button-quiet button-small" data-test="stage-down"
                                aria-label=move || i18n.tr(Key::MoveDown) on:click=move |_| shift(index, false)>"↓"</button>
                            <button type="button" class="button button-quiet button-small" data-test="stage-remove"
                                on:click=move |_| stages.update(|list| list.retain(|row| row.2 != key))>
                                {move || i18n.tr(Key::RemoveStage)}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ol>
            <button type="button" class="button button-small" data-test="stage-add"
                on:click=move |_| {
                    let key = next_key.get_value();
                    next_key.set_value(key + 1);
                    stages.update(|list| list.push((None, String::new(), key)));
                }>
                {move || i18n.tr(Key::AddStage)}
            </button>
            <ErrorLine error/>
            <div class="form-actions">
                <button type="button" class="button button-primary" data-test="pipeline-save"
                    disabled=move || saving.get() on:click=save>
                    {move || i18n.tr(Key::SavePipeline)}
                </button>
                <button type="button" class="button button-danger" data-test="pipeline-delete" on:click=delete>
                    {move || i18n.tr(Key::DeletePipeline)}
                </button>
            </div>
        </div>
    }
}
