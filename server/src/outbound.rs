//! Where Plumb may send requests of its own: provider endpoints, discovery documents, icons and
//! webhook endpoints are URLs an admin or a backend typed, so every outbound call is checked
//! against server-side request forgery (SSRF).
//!
//! The rules: https only, except plain http to a loopback address in development mode; never a
//! link-local, unspecified, multicast or cloud-metadata address, whatever the URL says or the
//! name resolves to; loopback only in development mode. Checking the URL catches IP literals
//! (which a client never resolves); [`GuardedResolver`] checks every address a host name
//! resolves to, at connection time, so a name that later points elsewhere (DNS rebinding) is
//! still refused. Private networks stay reachable: a self-hosted Plumb often talks to an
//! identity provider on the same network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// The outbound rules of one Plumb process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Outbound {
    /// `PLUMB_DEVELOPMENT_MODE`: allow loopback destinations, over http too.
    pub allow_loopback: bool,
}

impl Outbound {
    pub fn development() -> Self {
        Self { allow_loopback: true }
    }

    /// Checks a URL an admin or backend typed; the message names `label` and says what to do.
    pub fn check_url(&self, label: &str, value: &str) -> Result<url::Url, String> {
        if value.is_empty() {
            return Err(format!("Enter the {label}."));
        }
        if value.len() > 2048 {
            return Err(format!("The {label} is too long."));
        }
        let url = url::Url::parse(value).map_err(|_| format!("Enter the full {label}, starting with https://"))?;
        let ip = match url.host() {
            Some(url::Host::Domain(d)) => {
                let d = d.trim_end_matches('.');
                if d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost") {
                    Some(IpAddr::V4(Ipv4Addr::LOCALHOST))
                } else {
                    None
                }
            }
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            None => return Err(format!("The {label} needs a host name.")),
        };
        let loopback = ip.is_some_and(|ip| canonical(ip).is_loopback());
        match url.scheme() {
            "https" => {}
            "http" if loopback && self.allow_loopback => {}
            "http" if loopback => {
                return Err(format!(
                    "The {label} must use https://. Plain http to this machine is allowed only in development \
                     mode (PLUMB_DEVELOPMENT_MODE=1)."
                ))
            }
            "http" => return Err(format!("The {label} must use https://.")),
            _ => return Err(format!("The {label} must be an https:// URL.")),
        }
        if let Some(ip) = ip {
            self.check_ip(ip).map_err(|why| format!("The {label} points to {why}."))?;
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!("The {label} must not contain a user name or password."));
        }
        if url.fragment().is_some() {
            return Err(format!("The {label} must not contain a #fragment."));
        }
        Ok(url)
    }

    /// Whether Plumb may connect to `ip`; the error says what kind of address it is.
    pub fn check_ip(&self, ip: IpAddr) -> Result<(), &'static str> {
        let ip = canonical(ip);
        if is_metadata(ip) {
            return Err("a cloud metadata address, which Plumb never calls");
        }
        if ip.is_unspecified() {
            return Err("an unspecified address (0.0.0.0 or ::)");
        }
        if ip.is_multicast() || ip == IpAddr::V4(Ipv4Addr::BROADCAST) {
            return Err("a multicast or broadcast address");
        }
        if is_link_local(ip) {
            return Err("a link-local address, which Plumb never calls");
        }
        if ip.is_loopback() && !self.allow_loopback {
            return Err("this machine (loopback), which is allowed only in development mode");
        }
        Ok(())
    }
}

/// An IPv4 address written inside an IPv6 one is judged as the IPv4 address: IPv4-mapped
/// (`::ffff:169.254.169.254`), IPv4-compatible (`::a9fe:a9fe`, `::127.0.0.1`), NAT64
/// (`64:ff9b::/96` and the local-use `64:ff9b:1::/48`, which a NAT64 gateway turns into the IPv4
/// address) and 6to4 (`2002:a9fe:a9fe::/48`, relayed to the IPv4 address it embeds).
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => embedded_v4(v6).map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

fn embedded_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = v6.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = v6.segments();
    let low = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        // IPv4-compatible, except :: and ::1, which are IPv6's own unspecified and loopback.
        [0, 0, 0, 0, 0, 0, hi, lo] if hi != 0 || lo > 1 => Some(low),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low),
        [0x64, 0xff9b, 1, ..] => Some(low),
        [0x2002, a, b, ..] => Some(Ipv4Addr::new((a >> 8) as u8, a as u8, (b >> 8) as u8, b as u8)),
        _ => None,
    }
}

fn is_link_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_link_local(),
        // fe80::/10
        IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) == 0xfe80,
    }
}

/// Instance metadata services outside the link-local range: AWS's and Google Cloud's IPv6
/// endpoints and Alibaba Cloud's. (169.254.169.254, used by most clouds, is link-local.)
fn is_metadata(ip: IpAddr) -> bool {
    const AWS_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254);
    const GCP_V6: Ipv6Addr = Ipv6Addr::new(0xfd20, 0xce, 0, 0, 0, 0, 0, 0x254);
    ip == IpAddr::V6(AWS_V6) || ip == IpAddr::V6(GCP_V6) || ip == IpAddr::V4(Ipv4Addr::new(100, 100, 100, 200))
}

/// Resolves host names for outbound clients and drops addresses [`Outbound::check_ip`] refuses;
/// a name with no acceptable address fails to connect with the reason.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    rules: Outbound,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let rules = self.rules;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let resolved: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let allowed: Vec<SocketAddr> = resolved
                .into_iter()
                .filter(|a| match rules.check_ip(a.ip()) {
                    Ok(()) => true,
                    Err(why) => {
                        refused = Some(why);
                        false
                    }
                })
                .collect();
            if allowed.is_empty() {
                let why = refused.unwrap_or("no address");
                return Err(format!("{host} resolves to {why}").into());
            }
            let addrs: reqwest::dns::Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// An HTTP client for calls to providers and webhook endpoints that applies the rules: every URL
/// is checked before a request is built, every resolved address when connecting. No redirects
/// are followed (a token request must not be forwarded anywhere, and a redirect could lead past
/// the rules), and timeouts keep a stuck server from holding a request forever.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    rules: Outbound,
}

impl Client {
    pub fn new(timeout: Duration, rules: Outbound) -> Self {
        let http = reqwest::Client::builder()
            // No HTTPS_PROXY or ALL_PROXY: through a proxy, only the proxy's address would be
            // checked, and the target's name would go to it unchecked (CONNECT
            // metadata.google.internal:443 was seen).
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5).min(timeout))
            .timeout(timeout)
            .dns_resolver(Arc::new(GuardedResolver { rules }))
            .user_agent(concat!("plumb/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the TLS backend initialises");
        Self { http, rules }
    }

    /// A client for relayed calls, under the same rules: no overall timeout, since a streamed
    /// answer may run for minutes, but `connect` to open a connection and `idle` at most
    /// between two reads. The caller bounds the wait for headers and the whole call.
    pub fn streaming((connect, idle): (Duration, Duration), rules: Outbound) -> Self {
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(connect)
            .read_timeout(idle)
            .tcp_nodelay(true)
            // Relayed bodies pass through as they are: no decompression on the way.
            .no_gzip()
            .pool_max_idle_per_host(256)
            .dns_resolver(Arc::new(GuardedResolver { rules }))
            .build()
            .expect("the TLS backend initialises");
        Self { http, rules }
    }

    /// The underlying client, for a request whose URL was checked already.
    pub fn unchecked(&self) -> &reqwest::Client {
        &self.http
    }

    pub fn rules(&self) -> Outbound {
        self.rules
    }

    pub fn get(&self, url: &str) -> Result<reqwest::RequestBuilder, String> {
        Ok(self.http.get(self.rules.check_url("URL", url)?))
    }

    pub fn post(&self, url: &str) -> Result<reqwest::RequestBuilder, String> {
        Ok(self.http.post(self.rules.check_url("URL", url)?))
    }

    pub fn request(&self, method: reqwest::Method, url: &str) -> Result<reqwest::RequestBuilder, String> {
        Ok(self.http.request(method, self.rules.check_url("URL", url)?))
    }
}

/// Why a request failed, in words fit for an admin: a timeout, an address the rules refuse, or a
/// connection that could not be made.
pub fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        return "timed out".into();
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if text.contains(" resolves to ") {
            return format!("refused: {text}");
        }
        source = s.source();
    }
    if e.is_connect() {
        "could not connect".into()
    } else {
        "the request failed".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROD: Outbound = Outbound { allow_loopback: false };
    const DEV: Outbound = Outbound { allow_loopback: true };

    #[test]
    fn https_urls_to_public_hosts_pass() {
        assert!(PROD.check_url("Token URL", "https://a.example/t").is_ok());
        assert!(PROD.check_url("Token URL", "https://10.0.0.1/t").is_ok(), "private networks stay reachable");
    }

    #[test]
    fn loopback_only_in_development_mode() {
        for url in ["http://127.0.0.1:9000/t", "http://localhost/t", "http://[::1]:8080/t", "https://127.0.0.1/t"] {
            assert!(DEV.check_url("Token URL", url).is_ok(), "{url}");
            let err = PROD.check_url("Token URL", url).unwrap_err();
            assert!(err.contains("development mode"), "{url}: {err}");
        }
    }

    #[test]
    fn link_local_and_metadata_are_always_refused() {
        for url in [
            "https://169.254.169.254/latest/meta-data",
            "http://169.254.169.254/",
            "https://[fe80::1]/t",
            "https://[::ffff:169.254.169.254]/t",
            "https://[fd00:ec2::254]/t",
            "https://[fd20:ce::254]/t",
            "https://[::a9fe:a9fe]/t",
            "https://[64:ff9b::a9fe:a9fe]/t",
            "https://[64:ff9b:1::a9fe:a9fe]/t",
            "https://[2002:a9fe:a9fe::]/t",
            "https://100.100.100.200/t",
            "https://0.0.0.0/t",
            "https://224.0.0.1/t",
        ] {
            assert!(DEV.check_url("Token URL", url).is_err(), "{url}");
        }
    }

    #[test]
    fn loopback_written_inside_ipv6_needs_development_mode() {
        for url in ["https://[::127.0.0.1]/t", "https://[64:ff9b::7f00:1]/t", "https://[2002:7f00:1::]/t"] {
            assert!(PROD.check_url("Token URL", url).unwrap_err().contains("development mode"), "{url}");
        }
        assert!(PROD.check_url("Token URL", "https://[2001:db8::1]/t").is_ok(), "plain IPv6 is judged as such");
        assert!(PROD.check_ip("::1".parse().unwrap()).is_err());
        assert!(PROD.check_ip("::".parse().unwrap()).is_err());
    }

    /// Run by [`proxies_from_the_environment_are_not_used`] in a child process, where the proxy
    /// variables are set: calls a name that only a proxy could reach.
    #[tokio::test]
    #[ignore = "run by proxies_from_the_environment_are_not_used"]
    async fn call_through_environment_proxy() {
        let client = Client::new(Duration::from_secs(3), PROD);
        let _ = client.get("https://metadata.google.internal/computeMetadata/v1/").unwrap().send().await;
        let _ = client.get("https://api.example.com/").unwrap().send().await;
    }

    #[test]
    fn proxies_from_the_environment_are_not_used() {
        let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        proxy.set_nonblocking(true).unwrap();
        let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "outbound::tests::call_through_environment_proxy", "--ignored", "--quiet"])
            .env("HTTPS_PROXY", &proxy_url)
            .env("https_proxy", &proxy_url)
            .env("ALL_PROXY", &proxy_url)
            .env("HTTP_PROXY", &proxy_url)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "the child test ran");
        match proxy.accept() {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            other => panic!("a request went to the environment's proxy: {other:?}"),
        }
    }

    #[test]
    fn other_schemes_and_shapes_are_refused() {
        assert!(DEV.check_url("Token URL", "http://10.0.0.1/t").unwrap_err().contains("https"));
        assert!(DEV.check_url("Token URL", "ftp://a.example/t").is_err());
        assert!(DEV.check_url("Token URL", "https://user:pw@a.example/t").is_err());
        assert!(DEV.check_url("Token URL", "https://a.example/t#x").is_err());
        assert!(DEV.check_url("Token URL", "/relative").is_err());
        assert!(DEV.check_url("Token URL", "").is_err());
    }

    #[tokio::test]
    async fn names_resolving_to_refused_addresses_cannot_be_called() {
        use reqwest::dns::Resolve;
        let resolver = GuardedResolver { rules: PROD };
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        let err = resolver.resolve(name).await.err().unwrap().to_string();
        assert!(err.contains("loopback"), "{err}");
        let dev = GuardedResolver { rules: DEV };
        assert!(dev.resolve("localhost".parse().unwrap()).await.is_ok());
    }
}
