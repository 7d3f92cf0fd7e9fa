//! Sales funnels and their stages: the list, and creating one.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::crm::CreatePipeline;

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
                let stages = pipeline
                    .stages
                    .into_iter()
                    .map(|stage| view! { <li class="stage" data-test="stage">{stage.name}</li> })
                    .collect_view();
                view! {
                    <li class="pipeline" data-test="pipeline" data-pipeline-id=pipeline.id>
                        <strong>{pipeline.name}</strong>
                        <ol class="stages">{stages}</ol>
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
