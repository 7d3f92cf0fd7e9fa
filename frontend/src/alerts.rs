//! Telling the user about a new customer message when they are not looking: a browser
//! notification (permission asked once, on a user gesture) and a short beep made with
//! WebAudio (no sound file). Decides nothing about *which* messages ring: `api::ws` does.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    AudioContext, Notification, NotificationOptions, NotificationPermission, OscillatorType,
};

use crate::state::stored;

const ASKED_KEY: &str = "tidings.notifications.asked";

/// The page's audio context, provided once by `app.rs`. One per page: browsers limit how
/// many exist, and it must be created (or resumed) during a user gesture to be allowed to play.
#[derive(Clone, Copy)]
pub struct Alerts {
    audio: StoredValue<Option<AudioContext>, LocalStorage>,
}

/// Whether notifications may be shown.
pub fn permission_granted() -> bool {
    Notification::permission() == NotificationPermission::Granted
}

/// Whether the browser still has to ask.
pub fn permission_undecided() -> bool {
    Notification::permission() == NotificationPermission::Default
}

/// Asks for permission (call from a click). Remembers that it asked.
pub fn ask_permission() {
    stored::set(ASKED_KEY, "1");
    if permission_undecided() {
        // The promise's answer is read later through `Notification::permission()`.
        let _ = Notification::request_permission();
    }
}

impl Alerts {
    pub fn new() -> Self {
        Alerts {
            audio: StoredValue::new_local(None),
        }
    }

    /// On a click after sign-in: ask for notification permission once per browser, and
    /// unlock audio for the beep.
    pub fn on_gesture(&self) {
        if stored::get(ASKED_KEY).is_none() {
            ask_permission();
        }
        self.audio.update_value(|audio| {
            if audio.is_none() {
                *audio = AudioContext::new().ok();
            }
            if let Some(context) = audio.as_ref() {
                let _ = context.resume();
            }
        });
    }

    /// A short two-tone beep; silent when audio is not unlocked yet.
    pub fn beep(&self) {
        self.audio.with_value(|audio| {
            if let Some(context) = audio {
                // Sound is a courtesy: a failure here must not disturb the app.
                let _ = play(context);
            }
        });
    }
}

fn play(context: &AudioContext) -> Result<(), JsValue> {
    let now = context.current_time();
    let gain = context.create_gain()?;
    gain.gain().set_value_at_time(0.0001, now)?;
    gain.gain()
        .exponential_ramp_to_value_at_time(0.15, now + 0.02)?;
    gain.gain()
        .exponential_ramp_to_value_at_time(0.0001, now + 0.28)?;
    gain.connect_with_audio_node(&context.destination())?;
    for (frequency, start) in [(880.0, 0.0), (1320.0, 0.1)] {
        let oscillator = context.create_oscillator()?;
        oscillator.set_type(OscillatorType::Sine);
        oscillator.frequency().set_value(frequency);
        oscillator.connect_with_audio_node(&gain)?;
        oscillator.start_with_when(now + start)?;
        oscillator.stop_with_when(now + start + 0.18)?;
    }
    Ok(())
}

/// Shows a notification; `on_click` runs when the user clicks it.
pub fn notify(title: &str, body: &str, tag: &str, on_click: impl FnOnce() + 'static) {
    if !permission_granted() {
        return;
    }
    let options = NotificationOptions::new();
    options.set_body(body);
    options.set_tag(tag);
    if let Ok(notification) = Notification::new_with_options(title, &options) {
        let target = notification.clone();
        let handler = Closure::once_into_js(move || {
            if let Some(window) = web_sys::window() {
                let _ = window.focus();
            }
            target.close();
            on_click();
        });
        notification.set_onclick(Some(handler.unchecked_ref()));
    }
}
