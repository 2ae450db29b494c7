//! One page of a list, as the API's list parameters ask for it: how many, in which order, and
//! past which cursor (an id, exclusive).

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// 1 to 100.
    pub limit: i64,
    /// Newest first (the default).
    pub descending: bool,
    /// Items after this one, in list order.
    pub after: Option<String>,
    /// Items before this one, in list order.
    pub before: Option<String>,
}
