//! What every handler is given: the core service and Leptos's options.

use crate::plumb::Plumb;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use std::sync::Arc;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub plumb: Arc<Plumb>,
    pub leptos_options: LeptosOptions,
}

pub fn leptos_options(plumb: &Plumb) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(app::OUTPUT_NAME)
        .site_root(plumb.config().site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(plumb.config().addr)
        .build()
}
