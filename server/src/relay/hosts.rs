//! The hosts a provider's credential may be sent to: the relay refuses every other before a
//! connection is opened. An entry is a host name or address, `*.name` for any subdomain of
//! `name` (not `name` itself), and `:port` when the port is not the scheme's default; an entry
//! without a port matches only the default port, so a credential for `api.example.com` never
//! reaches `api.example.com:8443`. Without entries, the API base URL's host is the list.

use crate::providers::Provider;

/// The most entries a provider may list.
pub const MAX_HOSTS: usize = 20;

/// Whether `entry` is a usable host pattern; the message says what is wrong.
pub fn check_pattern(entry: &str) -> Result<(), String> {
    let (host, port) = split_port(entry).ok_or_else(|| format!("{entry:?} has a port that is not a number."))?;
    if let Some(p) = port {
        if p == 0 {
            return Err(format!("{entry:?} has port 0."));
        }
    }
    let name = host.strip_prefix("*.").unwrap_or(host);
    if name.is_empty() || name.len() > 253 {
        return Err(format!("{entry:?} is not a host name."));
    }
    if name.starts_with('[') {
        return match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
            Some(v6) if v6.parse::<std::net::Ipv6Addr>().is_ok() && !host.starts_with("*.") => Ok(()),
            _ => Err(format!("{entry:?} is not an IPv6 address in brackets.")),
        };
    }
    let labels: Vec<&str> = name.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    if !labels.iter().all(label_ok) {
        return Err(format!(
            "{entry:?} is not a host name: use lowercase letters, digits, hyphens and dots, like api.example.com."
        ));
    }
    if host.starts_with("*.") && labels.len() < 2 {
        return Err(format!("{entry:?} would match every name under a top-level domain: name the domain too."));
    }
    Ok(())
}

/// `host[:port]` split; `None` when the port is not a number.
fn split_port(entry: &str) -> Option<(&str, Option<u16>)> {
    // An IPv6 literal keeps its colons inside brackets.
    let colon = match entry.rfind(']') {
        Some(close) => entry[close..].find(':').map(|i| close + i),
        None => entry.rfind(':'),
    };
    match colon {
        None => Some((entry, None)),
        Some(i) => entry[i + 1..].parse::<u16>().ok().map(|p| (&entry[..i], Some(p))),
    }
}

/// The hosts `provider` (its templates filled for one connection) may be called on.
pub fn allowed(provider: &Provider) -> Vec<String> {
    if !provider.access.api_hosts.is_empty() {
        return provider.access.api_hosts.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    }
    let Ok(base) = url::Url::parse(&provider.access.api_base_url) else { return Vec::new() };
    let Some(host) = base.host_str() else { return Vec::new() };
    match base.port() {
        Some(port) => vec![format!("{host}:{port}")],
        None => vec![host.to_string()],
    }
}

/// Whether `url` is on one of the `allowed` hosts.
pub fn permits(allowed: &[String], url: &url::Url) -> bool {
    let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else { return false };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let default_port = match url.scheme() {
        "https" => 443,
        "http" => 80,
        _ => return false,
    };
    allowed.iter().any(|entry| {
        let Some((pattern, entry_port)) = split_port(entry) else { return false };
        if entry_port.unwrap_or(default_port) != port {
            return false;
        }
        match pattern.strip_prefix("*.") {
            Some(domain) => {
                host.len() > domain.len() + 1 && host.ends_with(domain) && {
                    let cut = host.len() - domain.len();
                    host.as_bytes()[cut - 1] == b'.'
                }
            }
            None => host == pattern,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    fn list(entries: &[&str]) -> Vec<String> {
        entries.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn exact_hosts_match_on_the_default_port_only() {
        let allowed = list(&["api.example.com"]);
        assert!(permits(&allowed, &url("https://api.example.com/v1/me")));
        assert!(permits(&allowed, &url("https://API.example.com./v1")));
        assert!(!permits(&allowed, &url("https://api.example.com:8443/v1")));
        assert!(!permits(&allowed, &url("https://evil.example.com/")));
        assert!(!permits(&allowed, &url("https://api.example.com.evil.net/")));
        assert!(!permits(&allowed, &url("https://example.com/")));
    }

    #[test]
    fn wildcards_match_subdomains_not_the_domain_or_lookalikes() {
        let allowed = list(&["*.myshopify.com"]);
        assert!(permits(&allowed, &url("https://acme.myshopify.com/admin")));
        assert!(permits(&allowed, &url("https://a.b.myshopify.com/")));
        assert!(!permits(&allowed, &url("https://myshopify.com/")));
        assert!(!permits(&allowed, &url("https://evilmyshopify.com/")));
    }

    #[test]
    fn ports_and_addresses() {
        let allowed = list(&["127.0.0.1:4000", "[::1]:4000"]);
        assert!(permits(&allowed, &url("http://127.0.0.1:4000/me")));
        assert!(!permits(&allowed, &url("http://127.0.0.1:4001/me")));
        assert!(permits(&allowed, &url("http://[::1]:4000/me")));
        assert!(!permits(&list(&["127.0.0.1"]), &url("http://127.0.0.1:4000/me")));
    }

    #[test]
    fn patterns_are_checked() {
        for good in ["api.example.com", "*.example.com", "127.0.0.1:8080", "[::1]", "a-b.example.com:443"] {
            assert!(check_pattern(good).is_ok(), "{good}");
        }
        for bad in [
            "*.com",
            "*",
            "https://api.example.com",
            "api.example.com/v1",
            "Api.Example.com",
            "a..b",
            ":1",
            "h:x",
            "h:0",
            "-a.com",
        ] {
            assert!(check_pattern(bad).is_err(), "{bad}");
        }
    }
}
