//! The environment's widget look: accent colour, corner radius, font and colour scheme, which
//! every widget token minted from then on carries (a token may override each value: `theme` in
//! `POST /widgets/token`). Part of the environment page.

use super::shell::field_error;
use crate::components::{form_error_message, Field, Notice, Select};
use crate::csrf::CsrfField;
use crate::error::AppError;
use crate::model::WidgetThemeView;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "environments/widget-theme")]
pub async fn load_widget_theme() -> Result<WidgetThemeView, AppError> {
    crate::service::service()?.widget_theme(&crate::service::env()?).await
}

#[server(prefix = "/api", endpoint = "environments/widget-theme/save", client = crate::csrf::CsrfClient)]
pub async fn save_widget_theme(input: WidgetThemeView) -> Result<WidgetThemeView, AppError> {
    crate::service::service()?.save_widget_theme(&crate::service::env()?, input).await
}

#[component]
pub fn WidgetLook() -> impl IntoView {
    let save = ServerAction::<SaveWidgetTheme>::new();
    let theme = Resource::new(move || save.version().get(), |_| load_widget_theme());
    let result = Signal::derive(move || save.value().get());
    let schemes = [("light", "Light"), ("dark", "Dark"), ("auto", "Follow the viewer's setting")]
        .map(|(v, l)| (v.to_string(), l.to_string()))
        .to_vec();
    view! {
        <Transition fallback=|| ()>
            {move || {
              let schemes = schemes.clone();
              Suspend::new(async move {
                match theme.await {
                    Err(e) => view! { <Notice text=e.message error=true/> }.into_any(),
                    Ok(t) => view! {
                        <section class="card" aria-labelledby="widget-look">
                            <h2 id="widget-look">"Widget look"</h2>
                            <p class="muted">
                                "How the connections widget looks inside your app. Empty keeps Plumb's default; a widget \
                                 token can override each value (theme in POST /widgets/token). New widget tokens pick up a change."
                            </p>
                            {move || match result.get() {
                                Some(Ok(_)) => Some(view! { <Notice text="Saved the widget look."/> }.into_any()),
                                Some(Err(e)) => Some(view! { <Notice text=form_error_message(&e) error=true/> }.into_any()),
                                None => None,
                            }}
                            <ActionForm action=save attr:novalidate="">
                                <CsrfField/>
                                <Field label="Accent colour" name="accent" placeholder="#3b5bdb"
                                    hint="Buttons and links, as #rrggbb. Text on it and with it is kept readable (WCAG AA)."
                                    value=RwSignal::new(t.accent) error=field_error(result, "theme.accent")/>
                                <Field label="Corner radius" name="radius" placeholder="8" hint="In pixels, 0 to 24."
                                    value=RwSignal::new(t.radius) error=field_error(result, "theme.radius")/>
                                <Field label="Font" name="font" placeholder="Inter, system-ui, sans-serif"
                                    hint="Font families separated by commas; the app's page must load any web font itself."
                                    value=RwSignal::new(t.font) error=field_error(result, "theme.font")/>
                                <Select label="Colour scheme" name="scheme" options=schemes.clone()
                                    value=RwSignal::new(if t.scheme.is_empty() { "light".to_string() } else { t.scheme })
                                    error=field_error(result, "theme.scheme")/>
                                <button type="submit" class="primary" disabled=move || save.pending().get()>"Save widget look"</button>
                            </ActionForm>
                        </section>
                    }.into_any(),
                }
              })
            }}
        </Transition>
    }
}
