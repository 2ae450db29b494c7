//! The current environment's settings page: where authorization links may send users back to,
//! which sites may embed the widget, and whose pages may call the widget API. (The switcher between environments is in the top bar,
//! [`super::shell`].)

use super::shell::{field_error, load_environments, Shell};
use crate::components::{form_error_message, Notice};
use crate::csrf::CsrfField;
use crate::error::AppError;
use crate::model::EnvironmentView;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "environments/settings", client = crate::csrf::CsrfClient)]
pub async fn save_environment_settings(
    return_to_origins: String,
    frame_ancestors: String,
    // Absent from forms rendered before the field existed: none.
    #[server(default)] widget_origins: String,
) -> Result<EnvironmentView, AppError> {
    crate::service::service()?
        .save_environment_settings(&crate::service::env()?, &return_to_origins, &frame_ancestors, &widget_origins)
        .await
}

fn lines(list: &[String]) -> String {
    list.join("\n")
}

#[component]
pub fn EnvironmentPage() -> impl IntoView {
    let save = ServerAction::<SaveEnvironmentSettings>::new();
    let environments = Resource::new(move || save.version().get(), |_| load_environments());
    let result = Signal::derive(move || save.value().get());
    view! {
        <Shell title="Environment" current="environment">
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match environments.await {
                        Err(e) => view! { <Notice text=e.message error=true/> }.into_any(),
                        Ok(view) => {
                            let env = view.current;
                            let prefix = if env.live { "sk_live_" } else { "sk_test_" };
                            view! {
                                <div class="page-head">
                                    <h1>{format!("{} environment", env.name)}</h1>
                                </div>
                                <p class="muted">
                                    {format!(
                                        "{} has its own providers, connected accounts, API keys ({prefix}…), webhooks and events. \
                                         Switch environments in the top bar.",
                                        env.name
                                    )}
                                </p>
                                {move || match result.get() {
                                    Some(Ok(saved)) => Some(view! { <Notice text=format!("Saved the {} settings.", saved.name)/> }.into_any()),
                                    Some(Err(e)) => Some(view! { <Notice text=form_error_message(&e) error=true/> }.into_any()),
                                    None => None,
                                }}
                                <ActionForm action=save attr:novalidate="" attr:class="card">
                                    <CsrfField/>
                                    <OriginList
                                        name="return_to_origins"
                                        label="Return-to origins"
                                        hint="Where authorization links may send users back to (return_to), one origin per line, like https://app.example.com. Plumb's own origin is always allowed."
                                        value=lines(&env.return_to_origins)
                                        error=field_error(result, "return_to_origins")
                                    />
                                    <OriginList
                                        name="frame_ancestors"
                                        label="Sites that may embed the widget"
                                        hint="Origins allowed to show the widget in an iframe, one per line. Nobody else can frame it. New widget tokens pick up a change."
                                        value=lines(&env.frame_ancestors)
                                        error=field_error(result, "frame_ancestors")
                                    />
                                    <OriginList
                                        name="widget_origins"
                                        label="Origins allowed to call the widget API"
                                        hint="Pages on these origins may render the official WorkOS widgets (<Pipes/>, <PipesAdmin/>) against Plumb: they call /_widgets/… with a widget token. One origin per line."
                                        value=lines(&env.widget_origins)
                                        error=field_error(result, "widget_origins")
                                    />
                                    <button type="submit" class="primary" disabled=move || save.pending().get()>"Save settings"</button>
                                </ActionForm>
                                <super::widget_look::WidgetLook/>
                            }.into_any()
                        }
                    }
                })}
            </Transition>
        </Shell>
    }
}

#[component]
fn OriginList(
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    value: String,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let id = format!("field-{name}");
    let hint_id = format!("{id}-hint");
    let error_id = format!("{id}-error");
    view! {
        <div class="field" class:invalid=move || error.read().is_some()>
            <label for=id.clone()>{label}</label>
            <textarea id=id name=name rows="3" aria-describedby=format!("{hint_id} {error_id}")
                aria-invalid=move || if error.read().is_some() { "true" } else { "false" }>
                {value}
            </textarea>
            <p class="hint" id=hint_id>{hint}</p>
            <p class="field-error" id=error_id>{move || error.get()}</p>
        </div>
    }
}
