//! Persistence for SQLite and PostgreSQL behind one type, one file per group of tables with each
//! row type beside its queries. Queries are written once, in the SQL both databases accept (`$n`
//! parameters, `ON CONFLICT`, `RETURNING`), and run through sqlx's `Any` driver; each database
//! has its own migration tree under `migrations/`. The store converts between columns and domain
//! types: flags are `BIGINT` 0 or 1, closed sets are stored by name, an absent organization is
//! `''`.

mod admins;
mod api_keys;
mod authorizations;
mod connections;
mod database;
mod environments;
mod events;
mod held;
mod idempotency;
mod organizations;
mod providers;
mod relay;
pub mod sealed;
mod webhooks;
mod widget_themes;

pub use admins::{AdminRecord, InviteRecord, InviteUse, NewSession, SessionRecord, ThrottleRecord};
pub use api_keys::ApiKeyRecord;
pub use authorizations::{AuthorizationLink, OAuthState, Taken};
pub use connections::{RevocationRecord, TokenLookup, MAX_PER_OWNER};
pub use database::{Backend, Store};
pub use environments::{Environment, SANDBOX};
pub use events::{EventQuery, NewEvent, StoredEvent};
pub use held::HeldConnection;
pub use idempotency::StoredAnswer;
pub use organizations::OrganizationSettings;
pub use providers::{InsertProviderError, SharedCredentials};
pub use relay::{Counts, RelayLookup, RelayUsage, UsageDelta};
pub use webhooks::{DeliveryOutcome, DeliveryRow, DeliveryStatus, DueDelivery, WebhookEndpoint};
