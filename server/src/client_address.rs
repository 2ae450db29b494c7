//! Which address a request came from. Plumb sees the peer of its TCP connection; behind a
//! reverse proxy that peer is the proxy, and the client is in `X-Forwarded-For`. The header is
//! believed only from proxies the operator names (`PLUMB_TRUSTED_PROXIES`): anyone else could
//! write any address there and dodge a per-address limit.

use std::net::IpAddr;

/// The proxies whose `X-Forwarded-For` Plumb believes: addresses and CIDR ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    ranges: Vec<(IpAddr, u8)>,
}

impl TrustedProxies {
    /// Parses a comma- or space-separated list like `10.0.0.0/8, 192.0.2.7, ::1`.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut ranges = Vec::new();
        for item in list.split([',', ' ', '\n']).map(str::trim).filter(|s| !s.is_empty()) {
            let (addr, bits) = match item.split_once('/') {
                Some((addr, bits)) => (addr, Some(bits)),
                None => (item, None),
            };
            let addr: IpAddr = addr.parse().map_err(|_| format!("{item:?} is not an IP address or CIDR range"))?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                None => max,
                Some(b) => b.parse::<u8>().ok().filter(|b| *b <= max).ok_or_else(|| format!("{item:?}: bad prefix"))?,
            };
            ranges.push((addr, bits));
        }
        Ok(Self { ranges })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.ranges.iter().any(|(net, bits)| in_range(ip, canonical(*net), *bits))
    }

    /// The client's address: the peer, unless the peer is a trusted proxy, in which case the
    /// right-most address in `X-Forwarded-For` that is not itself a trusted proxy (entries to
    /// its left were written by whoever sent the request and prove nothing).
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        let peer = canonical(peer);
        if !self.contains(peer) {
            return peer;
        }
        let mut client = peer;
        for hop in forwarded_for.iter().rev().flat_map(|h| h.rsplit(',')) {
            let Ok(ip) = hop.trim().parse::<IpAddr>() else { break };
            client = canonical(ip);
            if !self.contains(client) {
                break;
            }
        }
        client
    }
}

/// IPv4-mapped IPv6 (`::ffff:a.b.c.d`) as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

fn in_range(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - bits) };
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - bits) };
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let none = TrustedProxies::default();
        assert_eq!(none.client(ip("203.0.113.9"), &["198.51.100.1"]), ip("203.0.113.9"));

        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").unwrap();
        assert_eq!(proxies.client(ip("10.1.2.3"), &["198.51.100.1"]), ip("198.51.100.1"));
        // A client's own entry to the left of the real one changes nothing.
        assert_eq!(proxies.client(ip("10.1.2.3"), &["1.2.3.4, 198.51.100.1"]), ip("198.51.100.1"));
        // Chained trusted proxies are skipped, across several headers too.
        assert_eq!(proxies.client(ip("10.1.2.3"), &["198.51.100.1, 192.0.2.7", "10.9.9.9"]), ip("198.51.100.1"));
        // An untrusted peer's header is ignored; a trusted one without a header is the client.
        assert_eq!(proxies.client(ip("198.51.100.5"), &["10.1.1.1"]), ip("198.51.100.5"));
        assert_eq!(proxies.client(ip("10.1.2.3"), &[]), ip("10.1.2.3"));
        assert_eq!(proxies.client(ip("::ffff:10.1.2.3"), &["198.51.100.1"]), ip("198.51.100.1"));
    }

    #[test]
    fn ranges_parse_strictly() {
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.internal").is_err());
        let v6 = TrustedProxies::parse("fd00::/8").unwrap();
        assert!(v6.contains(ip("fd12::1")));
        assert!(!v6.contains(ip("fe80::1")));
        assert_eq!(TrustedProxies::parse("").unwrap(), TrustedProxies::default());
    }
}
