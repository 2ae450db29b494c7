//! The widget inside another site's page (in the browser only): what it tells the framing page,
//! and how it notices a connect that finished in another tab.
//!
//! Messages to the framing page go through `postMessage` with an explicit target origin, once for
//! each origin allowed to frame the widget (the token's list): the browser delivers a message
//! only when the frame's parent has that origin, so nothing reaches a page that is not allowed
//! to frame the widget, and the widget need not know which one it is in. The shapes (README,
//! "Embedding the widget"):
//!
//! - `{"type":"plumb:resize","height":<CSS pixels>}`: the widget's height, whenever it changes,
//!   so the host can size the frame to fit;
//! - `{"type":"plumb:connections","providers":[{"provider":"<slug>","state":"connected" |
//!   "needs_reauthorization" | null,"accounts":<n>}],"changed":["<slug>"]}`: on every load,
//!   which is also after every change (each change redraws the page); `changed` names the
//!   providers whose state differs from the frame's previous load.
//!
//! From the framing page the widget accepts `{"type":"plumb:refresh"}`, from an allowed origin
//! and from its parent only, and redraws itself.
//!
//! Connect in a frame opens a new tab. From then on the frame asks `GET /widget/version` every
//! two seconds (for at most ten minutes) and redraws itself as soon as what it shows changed.

use crate::model::{ConnectionState, WidgetView};
use leptos::prelude::*;
use std::time::Duration;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// How often, and how many times, a frame that started a connect looks for its result.
const POLL_EVERY: Duration = Duration::from_secs(2);
const POLLS: u32 = 300;

/// Starts what the frame does for its host: `framed` is set once the page knows it is in
/// another page's frame, and `pending` by a Connect submitted from it.
pub(crate) fn start(view: &WidgetView, framed: RwSignal<bool>, pending: RwSignal<bool>) {
    let hosts = view.hosts.clone();
    let summary = summary(view);
    let version_url = format!("/widget/version?token={}", String::from(js_sys::encode_uri_component(&view.token)));
    let version = view.version.clone();
    // After hydration: the connect forms' `target` follows `framed`.
    Effect::new(move |_| {
        let Some(window) = web_sys::window() else { return };
        let Some(parent) = window.parent().ok().flatten() else { return };
        if AsRef::<JsValue>::as_ref(&parent) == AsRef::<JsValue>::as_ref(&window) {
            return;
        }
        framed.set(true);
        let post = {
            let hosts = hosts.clone();
            move |json: &str| {
                if let Ok(message) = js_sys::JSON::parse(json) {
                    for origin in &hosts {
                        let _ = parent.post_message(&message, origin);
                    }
                }
            }
        };
        post(&connections_message(&window, &summary));
        watch_height(post.clone());
        listen_for_refresh(&window, hosts.clone());
    });
    // A connect started from the frame: look for its result until it shows.
    let (version_url, version) = (version_url.clone(), version.clone());
    Effect::new(move |started: Option<bool>| {
        let now = pending.get();
        if now && started != Some(true) {
            poll(version_url.clone(), version.clone());
        }
        now
    });
}

/// Each provider's slug, state and number of accounts, as the messages name them.
fn summary(view: &WidgetView) -> Vec<(String, &'static str, usize)> {
    view.providers
        .iter()
        .map(|p| {
            let state = match p.state {
                None => "null",
                Some(ConnectionState::Connected) => "\"connected\"",
                Some(ConnectionState::NeedsReauthorization) => "\"needs_reauthorization\"",
            };
            (p.slug.clone(), state, p.accounts.len())
        })
        .collect()
}

/// `plumb:connections`, with the providers whose state changed since this frame's last load
/// (kept in the frame's session storage; none named where storage is refused).
fn connections_message(window: &web_sys::Window, summary: &[(String, &'static str, usize)]) -> String {
    // Slugs are lower-case letters, digits and hyphens: nothing to escape in JSON.
    let states: String = summary.iter().map(|(slug, state, _)| format!("{slug}={state};")).collect();
    let storage = window.session_storage().ok().flatten();
    let before = storage.as_ref().and_then(|s| s.get_item("plumb-widget-states").ok().flatten());
    if let Some(s) = &storage {
        let _ = s.set_item("plumb-widget-states", &states);
    }
    let changed: Vec<String> = match &before {
        Some(before) => summary
            .iter()
            .filter(|(slug, state, _)| !before.split(';').any(|b| b == format!("{slug}={state}")))
            .map(|(slug, _, _)| format!("\"{slug}\""))
            .collect(),
        None => Vec::new(),
    };
    let providers: Vec<String> = summary
        .iter()
        .map(|(slug, state, n)| format!("{{\"provider\":\"{slug}\",\"state\":{state},\"accounts\":{n}}}"))
        .collect();
    format!(
        "{{\"type\":\"plumb:connections\",\"providers\":[{}],\"changed\":[{}]}}",
        providers.join(","),
        changed.join(",")
    )
}

/// Tells the host the page's height now and whenever it changes.
fn watch_height(post: impl Fn(&str) + 'static) {
    let Some(body) = document().body() else { return };
    let last = std::cell::Cell::new(0);
    let measured = body.clone();
    let changed = Closure::<dyn Fn()>::new(move || {
        let height = measured.scroll_height();
        if height != last.replace(height) {
            post(&format!("{{\"type\":\"plumb:resize\",\"height\":{height}}}"));
        }
    });
    if let Ok(observer) = web_sys::ResizeObserver::new(changed.as_ref().unchecked_ref()) {
        observer.observe(&body);
    }
    // Lives as long as the page.
    changed.forget();
}

/// Redraws the widget when an allowed framing page asks.
fn listen_for_refresh(own: &web_sys::Window, hosts: Vec<String>) {
    let parent = own.parent().ok().flatten();
    let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let from_parent = match (event.source(), &parent) {
            (Some(source), Some(parent)) => AsRef::<JsValue>::as_ref(&source) == AsRef::<JsValue>::as_ref(parent),
            _ => false,
        };
        let asks = js_sys::Reflect::get(&event.data(), &JsValue::from_str("type"))
            .ok()
            .and_then(|t| t.as_string())
            .is_some_and(|t| t == "plumb:refresh");
        if from_parent && asks && hosts.contains(&event.origin()) {
            let _ = window().location().reload();
        }
    });
    let _ = own.add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    on_message.forget();
}

/// Asks for the list's version every [`POLL_EVERY`] and redraws the page once it differs.
fn poll(url: String, version: String) {
    let polls = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let handle = std::rc::Rc::new(std::cell::Cell::new(None::<IntervalHandle>));
    let stop = handle.clone();
    let tick = move || {
        if polls.replace(polls.get() + 1) >= POLLS {
            if let Some(h) = stop.take() {
                h.clear();
            }
            return;
        }
        let (url, version) = (url.clone(), version.clone());
        leptos::task::spawn_local(async move {
            if current_version(&url).await.is_some_and(|now| now != version) {
                let _ = window().location().reload();
            }
        });
    };
    handle.set(set_interval_with_handle(tick, POLL_EVERY).ok());
}

async fn current_version(url: &str) -> Option<String> {
    let response = wasm_bindgen_futures::JsFuture::from(window().fetch_with_str(url)).await.ok()?;
    let response: web_sys::Response = response.dyn_into().ok()?;
    if !response.ok() {
        return None;
    }
    wasm_bindgen_futures::JsFuture::from(response.text().ok()?).await.ok()?.as_string()
}
