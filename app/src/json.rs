//! The codec of the widget's resource, the data a server-rendered page hands to the browser:
//! JSON through serde_json like Leptos' default codec, but decoded from bytes as server function
//! results are. The wasm bundle then carries one JSON deserializer per type instead of two
//! (serde_json generates a copy for `&str` input and another for `&[u8]`).

use leptos::server::codee::{Decoder, Encoder};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub struct JsonBytes;

impl<T: Serialize> Encoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, Self::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for JsonBytes {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<T, Self::Error> {
        serde_json::from_slice(encoded.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ConnectionState, WidgetAccount, WidgetProvider, WidgetView};

    #[test]
    fn round_trips_what_the_widget_loads() {
        let view: Result<WidgetView, crate::error::AppError> = Ok(WidgetView {
            user_id: "u".into(),
            organization_id: None,
            providers: vec![WidgetProvider {
                slug: "acme".into(),
                name: "Acme «α»".into(),
                description: "d".into(),
                icon_url: String::new(),
                state: Some(ConnectionState::NeedsReauthorization),
                accounts: vec![WidgetAccount {
                    id: "conn_1".into(),
                    name: "Work «β»".into(),
                    label: "Work «β»".into(),
                    state: ConnectionState::NeedsReauthorization,
                    connected_on: "2026-12-03".into(),
                }],
                multiple: true,
                shared: false,
                can_manage: true,
                methods: vec![crate::methods::AuthMethod::Oauth, crate::methods::AuthMethod::ApiKey],
                fields: vec![crate::methods::ConfigField {
                    key: "shop".into(),
                    label: "Shop «γ»".into(),
                    pattern: "[a-z0-9-]+".into(),
                    ..Default::default()
                }],
                basic: Default::default(),
            }],
            words: crate::i18n::Words(vec!["Comptes connectés".into(), "接続".into()]),
            notice: Some("Impossible de connecter « Acme »".into()),
            hosts: vec!["https://app.example".into()],
            token: "t.o.k".into(),
            version: "0123456789abcdef".into(),
        });
        let encoded = <JsonBytes as Encoder<_>>::encode(&view).unwrap();
        let decoded: Result<WidgetView, crate::error::AppError> = JsonBytes::decode(&encoded).unwrap();
        assert_eq!(decoded, view);
    }
}
