//! The admin dashboard: the configured providers, the custom-provider wizard, a page per
//! provider (edit, enable, delete), and the catalog of built-in providers, with webhooks, API
//! keys, the environment's settings and admins. Writes go through `ServerAction` + `ActionForm`,
//! so forms also submit before the wasm bundle has loaded.

pub mod admins;
pub mod api_keys;
pub mod catalog;
pub mod connections;
pub mod environment;
pub mod field_rows;
pub mod provider_access;
pub mod provider_form;
pub mod provider_page;
pub mod provider_summary;
pub mod providers;
pub mod shell;
pub mod webhooks;
pub mod widget_look;
