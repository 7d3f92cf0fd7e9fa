//! "Notifications on this device" in the user menu: subscribing this browser
//! to Web Push (permission, service worker, the server's key), a test push,
//! and the user's devices with "Remove". The browser side is `crate::push`.

use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::api::push::PushDevice;
use shared::Id;

use crate::api::http;
use crate::format;
use crate::i18n::{use_i18n, Key};
use crate::push::{self, SubscribeError};

/// What the last action said.
#[derive(Debug, Clone, PartialEq)]
enum Status {
    None,
    Working,
    Enabled,
    Denied,
    Unsupported,
    Failed(String),
    TestQueued(i64),
}

#[component]
pub fn PushSection() -> impl IntoView {
    let i18n = use_i18n();
    let status = RwSignal::new(Status::None);
    let devices = RwSignal::new(Vec::<PushDevice>::new());
    let reload = move || {
        spawn_local(async move {
            if let Ok(list) = http::push_devices().await {
                devices.set(list);
            }
        });
    };
    reload();

    let enable = move |_| {
        if !push::supported() {
            status.set(Status::Unsupported);
            return;
        }
        status.set(Status::Working);
        spawn_local(async move {
            let outcome = async {
                let key = http::push_key()
                    .await
                    .map_err(|error| Status::Failed(error.message))?;
                let subscription = push::subscribe(&key).await.map_err(|error| match error {
                    SubscribeError::Unsupported => Status::Unsupported,
                    SubscribeError::Denied => Status::Denied,
                    SubscribeError::Browser(message) => Status::Failed(message),
                })?;
                http::subscribe_push(&subscription)
                    .await
                    .map_err(|error| Status::Failed(error.message))?;
                Ok::<_, Status>(())
            }
            .await;
            status.set(match outcome {
                Ok(()) => Status::Enabled,
                Err(status) => status,
            });
            reload();
        });
    };
    let test = move |_| {
        spawn_local(async move {
            status.set(match http::test_push().await {
                Ok(count) => Status::TestQueued(count),
                Err(error) => Status::Failed(error.message),
            });
        });
    };
    let remove = move |id: Id| {
        spawn_local(async move {
            match http::remove_push_device(id).await {
                Ok(()) => devices.update(|list| list.retain(|d| d.id != id)),
                Err(error) => status.set(Status::Failed(error.message)),
            }
        });
    };
    let message = move || match status.get() {
        Status::None => None,
        Status::Working => Some(i18n.tr(Key::PushEnabling).to_owned()),
        Status::Enabled => Some(i18n.tr(Key::PushEnabled).to_owned()),
        Status::Denied => Some(i18n.tr(Key::PushDenied).to_owned()),
        Status::Unsupported => Some(i18n.tr(Key::PushUnsupported).to_owned()),
        Status::Failed(detail) => Some(i18n.fill(Key::PushFailed, &[("detail", detail)])),
        Status::TestQueued(count) => {
            Some(i18n.fill(Key::PushTestQueued, &[("count", count.to_string())]))
        }
    };

    view! {
        <section class="menu-section push-section" data-test="push-section">
            <div class="menu-row">
                <button type="button" class="button button-small" data-test="push-enable"
                    disabled=move || status.get() == Status::Working
                    on:click=enable>
                    {move || i18n.tr(Key::PushEnable)}
                </button>
                <button type="button" class="button button-small button-quiet" data-test="push-test"
                    on:click=test>
                    {move || i18n.tr(Key::PushSendTest)}
                </button>
            </div>
            {move || message().map(|text| view! {
                <p class="muted push-status" role="status" data-test="push-status">{text}</p>
            })}
            <h4 class="menu-heading">{move || i18n.tr(Key::PushDevices)}</h4>
            <ul class="push-devices" data-test="push-devices">
                {move || {
                    let list = devices.get();
                    if list.is_empty() {
                        return view! {
                            <li class="muted" data-test="push-no-devices">{i18n.tr(Key::PushNoDevices)}</li>
                        }.into_any();
                    }
                    list.into_iter().map(|device| {
                        let id = device.id;
                        let name = device.user_agent.clone().map_or_else(
                            || device.endpoint_host.clone(),
                            |agent| short_agent(&agent),
                        );
                        let last = device.last_success_at.clone();
                        view! {
                            <li class="push-device" data-test="push-device" data-id=id.to_string()
                                title=device.endpoint_host.clone()>
                                <span class="push-device-name">{name}</span>
                                <span class="muted push-device-last">{move || match &last {
                                    Some(at) => i18n.fill(Key::PushLastSuccess, &[("time", format::short(i18n.lang(), at))]),
                                    None => i18n.tr(Key::PushNeverDelivered).to_owned(),
                                }}</span>
                                <button type="button" class="link-button" data-test="push-device-remove"
                                    on:click=move |_| remove(id)>
                                    {move || i18n.tr(Key::PushRemoveDevice)}
                                </button>
                            </li>
                        }
                    }).collect_view().into_any()
                }}
            </ul>
        </section>
    }
}

/// A browser's name from its user agent: the last product token that says
/// which browser it is, with the platform in brackets.
fn short_agent(agent: &str) -> String {
    let browser = ["Edg/", "Firefox/", "Chrome/", "Safari/"]
        .into_iter()
        .find(|token| agent.contains(token))
        .map(|token| token.trim_end_matches('/'))
        .map(|name| if name == "Edg" { "Edge" } else { name });
    let platform = ["Android", "iPhone", "iPad", "Windows", "Mac OS", "Linux"]
        .into_iter()
        .find(|p| agent.contains(p));
    match (browser, platform) {
        (Some(browser), Some(platform)) => format!("{browser} ({platform})"),
        (Some(browser), None) => browser.to_owned(),
        _ => agent.chars().take(40).collect(),
    }
}
