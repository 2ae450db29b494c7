//! Event names: SDK 12's (`pipes.account_connection.*`), under which events are stored, and SDK
//! 11's (`pipes.connected_account.*`), which endpoints subscribed to them still receive
//! (`docs/workos-api.md` §6). Apart from the rest of [`crate::events`] so the store can map
//! names without importing the domain.

/// Events are stored under SDK 12's names (`pipes.account_connection.*`).
pub const CONNECTED: &str = "pipes.account_connection.connected";
pub const DISCONNECTED: &str = "pipes.account_connection.disconnected";
pub const REAUTHORIZATION_NEEDED: &str = "pipes.account_connection.reauthorization_needed";
pub const CONNECTION_FAILED: &str = "pipes.account_connection.connection_failed";
/// A `connection_intent: add` that failed.
pub const ADD_FAILED: &str = "pipes.account_connection.add_failed";

/// SDK 11's names for the same events: a webhook endpoint subscribed to one of these receives
/// the event under it, and `GET /events` filtered by it finds it.
pub const LEGACY_CONNECTED: &str = "pipes.connected_account.connected";
pub const LEGACY_DISCONNECTED: &str = "pipes.connected_account.disconnected";
pub const LEGACY_REAUTHORIZATION_NEEDED: &str = "pipes.connected_account.reauthorization_needed";
pub const LEGACY_CONNECTION_FAILED: &str = "pipes.connected_account.connection_failed";

/// Every event name an endpoint may subscribe to: SDK 12's five and SDK 11's four.
pub const ALL: [&str; 9] = [
    CONNECTED,
    DISCONNECTED,
    REAUTHORIZATION_NEEDED,
    CONNECTION_FAILED,
    ADD_FAILED,
    LEGACY_CONNECTED,
    LEGACY_DISCONNECTED,
    LEGACY_REAUTHORIZATION_NEEDED,
    LEGACY_CONNECTION_FAILED,
];

/// SDK 11's name for an event stored under SDK 12's (a failed add was a failed connection).
pub fn legacy_name(stored: &str) -> Option<&'static str> {
    match stored {
        CONNECTED => Some(LEGACY_CONNECTED),
        DISCONNECTED => Some(LEGACY_DISCONNECTED),
        REAUTHORIZATION_NEEDED => Some(LEGACY_REAUTHORIZATION_NEEDED),
        CONNECTION_FAILED | ADD_FAILED => Some(LEGACY_CONNECTION_FAILED),
        _ => None,
    }
}

/// The names events are stored under.
const STORED: [&str; 5] = [CONNECTED, DISCONNECTED, REAUTHORIZATION_NEEDED, CONNECTION_FAILED, ADD_FAILED];

/// The stored names a requested name covers: itself for SDK 12's, the SDK 12 twins for SDK 11's
/// (the inverse of [`legacy_name`]).
pub fn stored_names(requested: &str) -> Vec<&str> {
    let twins: Vec<&str> = STORED.into_iter().filter(|n| legacy_name(n) == Some(requested)).collect();
    if twins.is_empty() {
        vec![requested]
    } else {
        twins
    }
}

/// The name to deliver a stored event under to an endpoint subscribed to `subscribed`: SDK 12's
/// when it subscribed to that, else SDK 11's when it subscribed to that, else none.
pub fn delivered_name<'a>(stored: &'a str, subscribed: &[&str]) -> Option<&'a str> {
    if subscribed.contains(&stored) {
        return Some(stored);
    }
    legacy_name(stored).filter(|legacy| subscribed.contains(legacy))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subscription_decides_the_name() {
        assert_eq!(delivered_name(CONNECTED, &[CONNECTED, LEGACY_CONNECTED]), Some(CONNECTED));
        assert_eq!(delivered_name(CONNECTED, &[LEGACY_CONNECTED]), Some(LEGACY_CONNECTED));
        assert_eq!(delivered_name(ADD_FAILED, &[LEGACY_CONNECTION_FAILED]), Some(LEGACY_CONNECTION_FAILED));
        assert_eq!(delivered_name(ADD_FAILED, &[CONNECTION_FAILED]), None, "a failed add is its own SDK 12 event");
        assert_eq!(delivered_name(DISCONNECTED, &[LEGACY_CONNECTED]), None);
        assert_eq!(stored_names(LEGACY_CONNECTION_FAILED), [CONNECTION_FAILED, ADD_FAILED]);
        assert_eq!(stored_names(CONNECTED), [CONNECTED]);
    }
}
