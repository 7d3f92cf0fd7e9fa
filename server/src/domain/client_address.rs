//! Who is on the other end of a request: the client address behind trusted
//! reverse proxies (`TIDINGS_TRUSTED_PROXIES`), and the key per-address limits
//! count under.
//!
//! Every https deployment sits behind a proxy, so the TCP peer alone would make
//! the whole team one address. `X-Forwarded-For` is believed only from a
//! trusted peer, and read from the right: each proxy appends the address it
//! saw, so the right-most entry that is not one of our proxies is the first
//! address nobody we trust could have forged.

use std::net::{IpAddr, Ipv6Addr};
use std::str::FromStr;

use ipnet::IpNet;

/// The reverse proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// Parses comma-separated addresses or CIDRs (`10.0.0.1, 192.168.0.0/16, ::1`).
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        list.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                IpNet::from_str(entry)
                    .or_else(|_| IpAddr::from_str(entry).map(IpNet::from))
                    .map_err(|_| format!("{entry:?} is not an address or a CIDR like 10.0.0.0/8"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(TrustedProxies)
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        let address = canonical(address);
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client's address: the peer itself unless the peer is a trusted
    /// proxy, then the right-most `X-Forwarded-For` entry that is not trusted
    /// (the peer when the header is missing, unreadable or all trusted).
    pub fn client_address(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        let peer = canonical(peer);
        if !self.contains(peer) {
            return peer;
        }
        let Some(header) = forwarded_for else {
            return peer;
        };
        for entry in header.rsplit(',') {
            let Some(address) = parse_forwarded_entry(entry) else {
                // An entry we cannot read: nothing left of it can be trusted.
                return peer;
            };
            if !self.contains(address) {
                return address;
            }
        }
        peer
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port
/// (`1.2.3.4:5678`, `[2001:db8::1]:443`).
fn parse_forwarded_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(address) = IpAddr::from_str(entry) {
        return Some(canonical(address));
    }
    if let Some(rest) = entry.strip_prefix('[') {
        let (inside, _) = rest.split_once(']')?;
        return Ipv6Addr::from_str(inside)
            .ok()
            .map(|a| canonical(IpAddr::V6(a)));
    }
    let (host, port) = entry.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    std::net::Ipv4Addr::from_str(host).ok().map(IpAddr::V4)
}

/// IPv4 clients reached over an IPv6 socket are IPv4 clients.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// What per-address limits count under: an IPv4 address, or an IPv6 client's
/// /64 (one household or server gets a whole /64 and may pick any address in it).
pub fn throttle_key(address: IpAddr) -> String {
    match canonical(address) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 64) - 1);
            format!("{}/64", Ipv6Addr::from(network))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("a test address")
    }

    fn proxies(list: &str) -> TrustedProxies {
        TrustedProxies::parse(list).expect("a valid list")
    }

    #[test]
    fn lists_of_addresses_and_cidrs_are_read_and_bad_entries_named() {
        let trusted = proxies(" 10.0.0.1 , 192.168.0.0/16,::1,fd00::/8 ");
        assert!(trusted.contains(ip("10.0.0.1")));
        assert!(!trusted.contains(ip("10.0.0.2")));
        assert!(trusted.contains(ip("192.168.44.5")));
        assert!(trusted.contains(ip("::1")));
        assert!(trusted.contains(ip("fd12::7")));
        assert!(trusted.contains(ip("::ffff:10.0.0.1")), "IPv4-mapped");
        assert_eq!(proxies(""), TrustedProxies::default());
        let err = TrustedProxies::parse("10.0.0.1, proxy.local").expect_err("a host name");
        assert!(err.contains("proxy.local"), "{err}");
    }

    #[test]
    fn client_address_follows_the_rules_of_the_table() {
        let trusted = proxies("10.0.0.1, 10.0.0.2");
        let cases: &[(&str, Option<&str>, &str)] = &[
            // Untrusted peer: the header is ignored, whatever it says.
            ("203.0.113.9", Some("198.51.100.1"), "203.0.113.9"),
            ("203.0.113.9", None, "203.0.113.9"),
            // Trusted peer: the right-most untrusted entry.
            ("10.0.0.1", Some("198.51.100.1"), "198.51.100.1"),
            ("10.0.0.1", Some("6.6.6.6, 198.51.100.1"), "198.51.100.1"),
            ("10.0.0.1", Some("198.51.100.1, 10.0.0.2"), "198.51.100.1"),
            (
                "10.0.0.1",
                Some(" 198.51.100.1:4711 ,10.0.0.2"),
                "198.51.100.1",
            ),
            ("10.0.0.1", Some("[2001:db8::5]:443"), "2001:db8::5"),
            // Missing, all trusted, or unreadable: the peer.
            ("10.0.0.1", None, "10.0.0.1"),
            ("10.0.0.1", Some("10.0.0.2, 10.0.0.1"), "10.0.0.1"),
            ("10.0.0.1", Some("198.51.100.1, not-an-address"), "10.0.0.1"),
            ("10.0.0.1", Some(""), "10.0.0.1"),
            // A trusted peer seen over IPv6 as an IPv4-mapped address.
            ("::ffff:10.0.0.1", Some("198.51.100.1"), "198.51.100.1"),
        ];
        for (peer, header, expected) in cases {
            assert_eq!(
                trusted.client_address(ip(peer), *header),
                ip(expected),
                "peer {peer}, X-Forwarded-For {header:?}"
            );
        }
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_and_ipv4_by_address() {
        assert_eq!(throttle_key(ip("198.51.100.7")), "198.51.100.7");
        assert_eq!(throttle_key(ip("::ffff:198.51.100.7")), "198.51.100.7");
        assert_eq!(
            throttle_key(ip("2001:db8:1:2:aaaa::1")),
            throttle_key(ip("2001:db8:1:2:ffff:ffff:ffff:ffff"))
        );
        assert_eq!(throttle_key(ip("2001:db8:1:2::9")), "2001:db8:1:2::/64");
        assert_ne!(
            throttle_key(ip("2001:db8:1:2::1")),
            throttle_key(ip("2001:db8:1:3::1"))
        );
    }
}
