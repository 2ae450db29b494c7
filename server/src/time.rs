//! Wall-clock time as Unix milliseconds, the unit every timestamp column uses.

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// ISO-8601 in UTC with milliseconds, as the WorkOS API writes timestamps.
pub fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// "45 seconds", "3 minutes": a wait in words.
pub fn describe_wait(seconds: u64) -> String {
    match seconds {
        0..=1 => "a second".into(),
        2..=89 => format!("{seconds} seconds"),
        _ => format!("{} minutes", seconds.div_ceil(60)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso_is_utc_with_millis() {
        assert_eq!(super::iso(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::iso(1_767_225_600_123), "2026-01-01T00:00:00.123Z");
    }
}
