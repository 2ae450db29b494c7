//! Plumb's integration tests, in one binary (one link instead of one per file): each module is
//! an area, and most tests run once per database through [`on_both_backends!`], as
//! `<area>::sqlite::<name>` and `<area>::postgres::<name>`.

#[macro_use]
mod support;

mod admin_auth;
mod api_keys;
mod architecture;
mod catalog;
mod connect_binding;
mod connect_flow;
mod connected_accounts;
mod credentials;
mod dashboard_methods;
mod data_integrations;
mod environments;
mod events;
mod hardening;
mod keys;
mod openapi;
mod operations;
mod postgres_tls;
mod refresh;
mod relay;
mod security;
mod shutdown;
mod static_files;
mod store;
mod token_api;
mod widget_look;
mod widgets_api;
