//! Back navigation on phones, where the inbox list, the chat and its info panel are screens of
//! their own: a "Back" button that returns to the parent screen the way the browser's back
//! button would when that is where the user came from, and a trail of the pages visited to
//! know it. Screen state follows the URL, so the browser's own back button works as well.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::NavigateOptions;

use crate::i18n::{use_i18n, Key};

/// Widest viewport laid out as one screen at a time (the CSS breakpoint of the phone layout).
const PHONE_MAX_WIDTH: f64 = 720.0;

/// Whether the viewport shows one screen at a time.
pub fn is_phone() -> bool {
    web_sys::window()
        .and_then(|window| window.inner_width().ok())
        .and_then(|width| width.as_f64())
        .is_some_and(|width| width <= PHONE_MAX_WIDTH)
}

/// The paths visited in this tab, most recent last; going back pops.
#[derive(Clone, Copy)]
pub struct Trail(StoredValue<Vec<String>>);

impl Trail {
    /// Provides the trail and keeps it in step with the URL (inside the router).
    pub fn provide() {
        let trail = Trail(StoredValue::new(Vec::new()));
        let pathname = use_location().pathname;
        Effect::new(move |_| {
            let path = pathname.get();
            trail.0.update_value(|paths| visit(paths, path));
        });
        provide_context(trail);
    }

    /// Whether the page before this one was `path`.
    fn came_from(&self, path: &str) -> bool {
        self.0.with_value(|paths| {
            paths.len() >= 2 && paths.get(paths.len() - 2).is_some_and(|p| p == path)
        })
    }
}

/// Records a visit: returning to the previous page is a step back, anything else a step on.
fn visit(paths: &mut Vec<String>, path: String) {
    if paths.last() == Some(&path) {
        return;
    }
    if paths.len() >= 2 && paths[paths.len() - 2] == path {
        paths.pop();
    } else {
        paths.push(path);
    }
}

/// "← Back" to `href`: a history step when the user came from there (so the browser's
/// forward button and the history stay natural), a navigation otherwise (a deep link).
#[component]
pub fn BackButton(
    href: String,
    /// What the button leads back to, for screen readers.
    label: Key,
    #[prop(into)] class: String,
    data_test: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let trail = use_context::<Trail>();
    let navigate = use_navigate();
    let target = href.clone();
    let go_back = move |event: leptos::ev::MouseEvent| {
        event.prevent_default();
        let history = web_sys::window().and_then(|window| window.history().ok());
        match history {
            Some(history) if trail.is_some_and(|trail| trail.came_from(&target)) => {
                if history.back().is_err() {
                    navigate(&target, NavigateOptions::default());
                }
            }
            _ => navigate(&target, NavigateOptions::default()),
        }
    };
    view! {
        <a href=href class=format!("back-button {class}") data-test=data_test
            aria-label=move || i18n.tr(label) on:click=go_back>
            <span aria-hidden="true">"←"</span>
            <span class="back-text" aria-hidden="true">{move || i18n.tr(Key::Back)}</span>
        </a>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(steps: &[&str]) -> Vec<String> {
        let mut paths = Vec::new();
        for step in steps {
            visit(&mut paths, (*step).to_owned());
        }
        paths
    }

    #[test]
    fn opening_screens_extends_the_trail() {
        assert_eq!(
            walk(&["/", "/chats/1", "/chats/1/info"]),
            ["/", "/chats/1", "/chats/1/info"]
        );
    }

    #[test]
    fn returning_to_the_previous_screen_is_a_step_back() {
        assert_eq!(
            walk(&["/", "/chats/1", "/chats/1/info", "/chats/1"]),
            ["/", "/chats/1"]
        );
        assert_eq!(walk(&["/", "/chats/1", "/"]), ["/"]);
    }

    #[test]
    fn the_same_path_twice_is_one_visit() {
        assert_eq!(walk(&["/", "/", "/chats/2"]), ["/", "/chats/2"]);
    }
}
