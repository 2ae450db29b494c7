//! The catalog of built-in providers: enabling one asks only for a description, credentials
//! (the admin's own OAuth app, or the instance's shared one) and scopes for an OAuth entry, and
//! the values of its configuration fields; an entry users connect to with a key, Basic
//! credentials or client credentials asks for no OAuth app. Also where the operator registers
//! shared OAuth apps. The page lists every entry as rendered on the server; once hydrated, a
//! search box and a category filter hide the cards that do not match.

use super::field_rows::{FieldRows, PinnedValues};
use super::shell::{field_error, Shell};
use crate::components::{form_error_message, Copyable, Field, Notice, Select};
use crate::error::AppError;
use crate::methods::{AuthMethod, ConfigField};
use crate::model::{CatalogEntryView, CatalogInput, CatalogScope, CatalogView, ProviderView, SharedCredentialsInput};
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

#[server(prefix = "/api", endpoint = "catalog", client = crate::csrf::CsrfClient)]
pub async fn load_catalog() -> Result<CatalogView, AppError> {
    crate::service::service()?.catalog(&crate::service::env()?).await
}

#[server(prefix = "/api", endpoint = "catalog/enable", client = crate::csrf::CsrfClient)]
pub async fn enable_catalog_provider(input: CatalogInput) -> Result<ProviderView, AppError> {
    crate::service::service()?.enable_catalog_provider(&crate::service::env()?, input).await
}

#[server(prefix = "/api", endpoint = "catalog/shared-credentials", client = crate::csrf::CsrfClient)]
pub async fn save_shared_credentials(input: SharedCredentialsInput) -> Result<(), AppError> {
    crate::service::service()?.save_shared_credentials(input).await
}

#[server(prefix = "/api", endpoint = "providers/update-catalog", client = crate::csrf::CsrfClient)]
pub async fn update_catalog_provider(slug: String, input: CatalogInput) -> Result<ProviderView, AppError> {
    crate::service::service()?.update_catalog_provider(&crate::service::env()?, &slug, input).await
}

#[component]
pub fn CatalogPage() -> impl IntoView {
    let save = ServerAction::<SaveSharedCredentials>::new();
    let catalog = Resource::new(move || save.version().get(), |_| load_catalog());
    // Held by the page, not the list, so a filter survives the reload after saving credentials.
    let filter = CatalogFilter { query: RwSignal::new(String::new()), category: RwSignal::new(String::new()) };
    view! {
        <Shell title="Catalog" current="catalog">
            <h1>"Catalog"</h1>
            <p class="muted">
                "Built-in providers: Plumb knows their endpoints and quirks, so enabling one takes only \
                 your OAuth app's credentials and the scopes you need."
            </p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match catalog.await {
                        Ok(view) => view! {
                            <CatalogBrowser entries=view.entries.clone() categories=view.categories filter/>
                            <SharedCredentialsForm entries=view.entries save/>
                        }.into_any(),
                        Err(e) => view! { <Notice text=e.message error=true/> }.into_any(),
                    }
                })}
            </Transition>
        </Shell>
    }
}

/// What the catalog page is filtered by: words typed into the search box, and a category slug
/// (empty for all).
#[derive(Clone, Copy)]
struct CatalogFilter {
    query: RwSignal<String>,
    category: RwSignal<String>,
}

/// The text the search box looks in: name, slug and description, lowercased once.
fn search_text(entry: &CatalogEntryView) -> String {
    format!("{}\n{}\n{}", entry.name, entry.slug, entry.description).to_lowercase()
}

/// Whether an entry (its [`search_text`] and category) is shown for a search and a category
/// (empty for all). The search is case-insensitive and ignores surrounding spaces.
fn shown(text: &str, category: &str, query: &str, chosen: &str) -> bool {
    (chosen.is_empty() || category == chosen) && text.contains(query.trim().to_lowercase().as_str())
}

/// The search box, the category filter and the cards. Every card is rendered, so the page
/// works in full before hydration; filtering only hides cards.
#[component]
fn CatalogBrowser(
    entries: Vec<CatalogEntryView>,
    categories: Vec<(String, String)>,
    filter: CatalogFilter,
) -> impl IntoView {
    let CatalogFilter { query, category } = filter;
    let keys: Vec<(String, String)> = entries.iter().map(|e| (search_text(e), e.category.clone())).collect();
    let visible = Memo::new(move |_| {
        let (q, c) = (query.read(), category.read());
        keys.iter().filter(|(text, cat)| shown(text, cat, &q, &c)).count()
    });
    let total = entries.len();
    let options = categories
        .into_iter()
        .map(|(slug, label)| {
            let count = entries.iter().filter(|e| e.category == slug).count();
            view! { <option value=slug>{format!("{label} ({count})")}</option> }
        })
        .collect_view();
    view! {
        <div class="filters" role="search">
            <div>
                <label for="catalog-search">"Search"</label>
                <input id="catalog-search" type="search" placeholder="Name or description" autocomplete="off"
                    prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev))/>
            </div>
            <div>
                <label for="catalog-category">"Category"</label>
                <select id="catalog-category" prop:value=move || category.get()
                    on:change=move |ev| category.set(event_target_value(&ev))>
                    <option value="">{format!("All ({total})")}</option>
                    {options}
                </select>
            </div>
        </div>
        <ul class="catalog">
            {entries.into_iter().map(|e| {
                let (text, cat) = (search_text(&e), e.category.clone());
                let hidden = Signal::derive(move || !shown(&text, &cat, &query.read(), &category.read()));
                view! { <CatalogCard entry=e hidden/> }
            }).collect_view()}
        </ul>
        {move || (visible.get() == 0).then(|| view! {
            <p class="empty">"No provider in the catalog matches this search."</p>
        })}
    }
}

#[component]
fn CatalogCard(entry: CatalogEntryView, hidden: Signal<bool>) -> impl IntoView {
    let action = if entry.enabled {
        view! { <a class="button" href=format!("/dashboard/providers/{}", entry.slug)>"Enabled: settings"</a> }
            .into_any()
    } else {
        view! {
            <a class="button primary" href=format!("/dashboard/catalog/{}", entry.slug)
                aria-label=format!("Enable {}", entry.name)>"Enable"</a>
        }
        .into_any()
    };
    let methods = entry.auth_methods.iter().map(|m| view! { <span class="badge">{m.label()}</span> }).collect_view();
    let docs =
        if entry.auth_methods.contains(&AuthMethod::Oauth) { "Create the OAuth app" } else { "Provider documentation" };
    view! {
        <li class="catalog-card" hidden=hidden>
            <div class="catalog-card-head">
                // The name is beside it, so the logo says nothing more.
                {(!entry.icon.is_empty()).then(|| view! { <img src=entry.icon.clone() alt="" width="32" height="32" loading="lazy"/> })}
                <div>
                    <h2>{entry.name.clone()}</h2>
                    <span class="muted small">{entry.category_label.clone()}</span>
                </div>
            </div>
            <p class="muted">{entry.description}</p>
            <p class="methods"><span class="visually-hidden">"Connects with: "</span>{methods}</p>
            {entry.shared_app_name.map(|app| view! { <p class="hint">{format!("Shared credentials available ({app}).")}</p> })}
            <div class="actions">
                {action}
                <a href=entry.docs_url target="_blank" rel="noopener noreferrer">{docs}</a>
            </div>
        </li>
    }
}

/// `/dashboard/catalog/{slug}`.
#[component]
pub fn EnableCatalogPage() -> impl IntoView {
    let params = use_params_map();
    let catalog = Resource::new(|| (), |_| load_catalog());
    view! {
        <Shell title="Enable provider" current="catalog">
            <p class="crumbs"><a href="/dashboard/catalog">"Catalog"</a></p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    let slug = params.read_untracked().get("slug").unwrap_or_default();
                    let view = match catalog.await {
                        Ok(v) => v,
                        Err(e) => return view! { <Notice text=e.message error=true/> }.into_any(),
                    };
                    let Some(entry) = view.entries.into_iter().find(|e| e.slug == slug) else {
                        return view! { <h1>"Not in the catalog"</h1><p>{format!("There is no built-in provider {slug:?}.")}</p> }.into_any();
                    };
                    let initial = CatalogInput {
                        catalog: entry.slug.clone(),
                        description: entry.description.clone(),
                        use_shared_credentials: false,
                        scopes: entry.default_scopes.join(" "),
                        ..Default::default()
                    };
                    let intro = if entry.auth_methods.contains(&AuthMethod::Oauth) {
                        view! {
                            <p class="muted">
                                "Create an OAuth app at the provider ("
                                <a href=entry.docs_url.clone() target="_blank" rel="noopener noreferrer">"how"</a>
                                "), register the redirect URI below, and enter its credentials."
                            </p>
                        }
                        .into_any()
                    } else {
                        view! {
                            <p class="muted">
                                "Users give their own credentials when they connect ("
                                <a href=entry.docs_url.clone() target="_blank" rel="noopener noreferrer">"where they find them"</a>
                                "): there is no OAuth app to register."
                            </p>
                        }
                        .into_any()
                    };
                    view! {
                        <h1>{format!("Enable {}", entry.name)}</h1>
                        {intro}
                        <CatalogForm initial scopes=entry.scopes redirect_uri=view.redirect_uri
                            shared_app_name=entry.shared_app_name edit_slug=None has_secret=false
                            methods=entry.auth_methods fields=entry.config_fields
                            on_saved=Callback::new(|_: String| {})/>
                    }
                    .into_any()
                })}
            </Transition>
        </Shell>
    }
}

/// Description, credentials, scopes and configuration values of a catalog provider: enabling
/// one (`edit_slug` None) or editing it. OAuth credentials are asked only of an entry that takes
/// OAuth, scopes only of one that requests tokens (OAuth or client credentials).
#[component]
pub fn CatalogForm(
    initial: CatalogInput,
    scopes: Vec<CatalogScope>,
    redirect_uri: String,
    /// The shared OAuth app's name, when the instance has one for this provider.
    shared_app_name: Option<String>,
    edit_slug: Option<String>,
    has_secret: bool,
    /// How the entry is connected.
    methods: Vec<AuthMethod>,
    /// The entry's configuration fields, whose values the form pins.
    fields: Vec<ConfigField>,
    /// The secret fields that have a value stored (editing).
    #[prop(optional)]
    stored_secrets: Vec<String>,
    on_saved: Callback<String>,
) -> impl IntoView {
    let enable = ServerAction::<EnableCatalogProvider>::new();
    let update = ServerAction::<UpdateCatalogProvider>::new();
    let editing = edit_slug.is_some();
    // Both actions report into one place, so the form shows whichever ran.
    let result: RwSignal<Option<Result<ProviderView, AppError>>> = RwSignal::new(None);
    Effect::new(move |_| {
        if let Some(r) = enable.value().get() {
            result.set(Some(r));
        }
    });
    Effect::new(move |_| {
        if let Some(r) = update.value().get() {
            result.set(Some(r));
        }
    });
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(p)) = result.get() {
            if editing {
                on_saved.run(format!("Saved {}.", p.name));
            } else {
                navigate(&format!("/dashboard/providers/{}?created=1", p.slug), Default::default());
            }
        }
    });
    let err = move |f: &'static str| field_error(result.into(), f);
    let failure = Signal::derive(move || {
        result.with(|r| match r {
            Some(Err(e)) => Some(e.clone()),
            _ => None,
        })
    });
    let oauth = methods.contains(&AuthMethod::Oauth);
    let tokens = oauth || methods.contains(&AuthMethod::ClientCredentials);
    let rows = (!fields.is_empty()).then(|| FieldRows::of_fields(&fields, &initial.config, stored_secrets));
    let description = RwSignal::new(initial.description.clone());
    let client_id = RwSignal::new(initial.client_id.clone());
    let client_secret = RwSignal::new(String::new());
    let scope_text = RwSignal::new(initial.scopes.clone());
    let shared = RwSignal::new(initial.use_shared_credentials);
    let pending = move || enable.pending().get() || update.pending().get();
    let selected = move |name: &str| scope_text.read().split([' ', ',']).any(|s| s == name);
    let toggle_scope = move |name: String, on: bool| {
        scope_text.update(|text| {
            let mut list: Vec<String> =
                text.split([' ', ',']).filter(|s| !s.is_empty() && *s != name).map(str::to_owned).collect();
            if on {
                list.push(name);
            }
            *text = list.join(" ");
        })
    };
    let shared_choice = shared_app_name.clone().filter(|_| oauth).map(|app| {
        view! {
            <div class="field">
                <span class="label">"Credentials"</span>
                <label class="radio">
                    <input type="radio" name="input[use_shared_credentials]" value="false"
                        checked=!initial.use_shared_credentials on:change=move |_| shared.set(false)/>
                    "Use my own OAuth app (custom credentials)"
                </label>
                <label class="radio">
                    <input type="radio" name="input[use_shared_credentials]" value="true"
                        checked=initial.use_shared_credentials on:change=move |_| shared.set(true)/>
                    "Use this instance's shared credentials"
                </label>
                <p class="hint">{format!("With shared credentials, users see {app}'s name on the provider's consent screen.")}</p>
                <p class="field-error" id="field-use_shared_credentials-error">{move || err("use_shared_credentials").get()}</p>
            </div>
        }
    });
    let body = view! {
        {edit_slug.clone().map(|slug| view! { <input type="hidden" name="slug" value=slug/> })}
        <input type="hidden" name="input[catalog]" value=initial.catalog.clone()/>
        {move || match result.get() {
            Some(Err(e)) => Some(view! { <Notice text=form_error_message(&e) error=true/> }),
            _ => None,
        }}
        <p class="methods">
            "Users connect with: "
            {methods.iter().map(|m| view! { <span class="badge">{m.label()}</span>" " }).collect_view()}
        </p>
        <Field label="Description" name="description" kind="textarea" error=err("description") value=description
            hint="Shown to your users in the widget: say what the connection is used for."/>
        {shared_choice}
        {oauth.then(|| view! {
            <div hidden=move || shared.get()>
                <Copyable label="Redirect URI" text=redirect_uri/>
                <Field label="Client ID" name="client_id" error=err("client_id") value=client_id/>
                <Field label="Client secret" name="client_secret" kind="password" error=err("client_secret") value=client_secret
                    placeholder=if editing && has_secret { "•••••••• (unchanged)" } else { "" }
                    hint=if editing && has_secret { "Leave empty to keep the stored secret." } else { "Stored encrypted. It is never shown again." }/>
            </div>
        })}
        {(!oauth).then(|| view! {
            <p class="hint">
                {if tokens {
                    "Each user or organization gives its own client ID and secret when connecting: no OAuth app to enter here."
                } else {
                    "Each user gives their own credentials when connecting, and the provider checks them before they are stored."
                }}
            </p>
        })}
        {rows.map(|rows| view! {
            <fieldset class="config-values">
                <legend>"Configuration"</legend>
                <p class="hint">
                    "The values the provider's URLs depend on. Set-on-the-provider fields need one here; a field \
                     asked when a user connects is no longer asked once it has a value here. A connection keeps the \
                     values it was made with: a change reaches it when it reconnects."
                </p>
                <PinnedValues rows failure/>
            </fieldset>
        })}
        {tokens.then(|| view! {
            <Field label="Scopes" name="scopes" error=err("scopes") value=scope_text
                hint="Separated by spaces or commas. Tick common scopes below to add or remove them."/>
        })}
        {(tokens && !scopes.is_empty()).then(|| view! {
            <fieldset class="scope-list">
                <legend>"Common scopes"</legend>
                {scopes.into_iter().map(|s| {
                    let name = s.name.clone();
                    let id = format!("scope-{}", s.name.replace(|c: char| !c.is_ascii_alphanumeric(), "-"));
                    view! {
                        <div class="checkbox">
                            <input type="checkbox" id=id.clone() checked=selected(&s.name) prop:checked=move || selected(&name)
                                on:change={
                                    let name = s.name.clone();
                                    move |ev| toggle_scope(name.clone(), event_target_checked(&ev))
                                }/>
                            <label for=id><code>{s.name.clone()}</code>" — "{s.description}</label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
        })}
        <div class="form-actions">
            <button type="submit" class="primary" disabled=pending>
                {move || match (pending(), editing) {
                    (true, _) => "Saving…",
                    (false, true) => "Save changes",
                    (false, false) => "Enable provider",
                }}
            </button>
        </div>
    };
    if editing {
        view! { <ActionForm action=update attr:novalidate=""><crate::csrf::CsrfField/>{body}</ActionForm> }.into_any()
    } else {
        view! { <ActionForm action=enable attr:novalidate=""><crate::csrf::CsrfField/>{body}</ActionForm> }.into_any()
    }
}

/// The operator's OAuth apps, one per catalog provider, that providers may share.
#[component]
fn SharedCredentialsForm(entries: Vec<CatalogEntryView>, save: ServerAction<SaveSharedCredentials>) -> impl IntoView {
    let result = Signal::derive(move || save.value().get());
    let err = move |f: &'static str| field_error(result, f);
    let catalog = RwSignal::new(entries.first().map(|e| e.slug.clone()).unwrap_or_default());
    let registered: Vec<String> =
        entries.iter().filter_map(|e| e.shared_app_name.as_ref().map(|app| format!("{} ({app})", e.name))).collect();
    let options: Vec<(String, String)> = entries.iter().map(|e| (e.slug.clone(), e.name.clone())).collect();
    view! {
        <section class="card" aria-labelledby="shared">
            <h2 id="shared">"Shared credentials"</h2>
            <p class="muted">
                "Register an OAuth app once for this Plumb instance; providers enabled with \"shared credentials\" \
                 use it, and their users see that app's name on the consent screen."
            </p>
            <p>{if registered.is_empty() { "None registered yet.".to_string() } else { format!("Registered: {}.", registered.join(", ")) }}</p>
            {move || match result.get() {
                Some(Ok(())) => Some(view! { <Notice text="Shared credentials saved."/> }.into_any()),
                Some(Err(e)) => Some(view! { <Notice text=form_error_message(&e) error=true/> }.into_any()),
                None => None,
            }}
            <ActionForm action=save attr:novalidate="">
                <crate::csrf::CsrfField/>
                <Select label="Provider" name="catalog" error=err("catalog") value=catalog options/>
                <Field label="App name" name="app_name" error=err("app_name") hint="What users see on the consent screen."/>
                <Field label="Client ID" name="client_id" error=err("client_id")/>
                <Field label="Client secret" name="client_secret" kind="password" error=err("client_secret")/>
                <button type="submit" disabled=move || save.pending().get()>"Save shared credentials"</button>
            </ActionForm>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(slug: &str, name: &str, description: &str, category: &str) -> CatalogEntryView {
        CatalogEntryView {
            slug: slug.into(),
            name: name.into(),
            description: description.into(),
            docs_url: String::new(),
            icon: String::new(),
            category: category.into(),
            category_label: String::new(),
            auth_methods: Vec::new(),
            config_fields: Vec::new(),
            default_scopes: Vec::new(),
            scopes: Vec::new(),
            shared_app_name: None,
            enabled: false,
        }
    }

    #[test]
    fn search_looks_in_name_slug_and_description_whatever_the_case() {
        let zendesk = entry("zendesk", "Zendesk", "Tickets and users.", "support");
        let text = search_text(&zendesk);
        for query in ["", "zen", "ZEN", "  Zendesk ", "tickets", "desk"] {
            assert!(shown(&text, "support", query, ""), "{query:?}");
        }
        let x = entry("x", "X (Twitter)", "Posts.", "social");
        assert!(shown(&search_text(&x), "social", "twitter", ""));
        assert!(shown(&search_text(&x), "social", "x", ""), "found by its slug");
        assert!(!shown(&text, "support", "github", ""));
    }

    #[test]
    fn a_category_narrows_the_search() {
        let openai = search_text(&entry("openai", "OpenAI", "Models.", "ai"));
        assert!(shown(&openai, "ai", "", "ai"));
        assert!(shown(&openai, "ai", "open", "ai"));
        assert!(!shown(&openai, "ai", "", "developer-tools"));
        assert!(!shown(&openai, "ai", "anthropic", "ai"));
    }
}
