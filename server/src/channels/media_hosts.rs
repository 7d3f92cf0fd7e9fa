//! Where a messenger's media may be fetched from: the configured API base
//! (its exact scheme, host and port, which may be plain `http` for tests and
//! local bridges) and, over https on the standard port, the messenger's CDN
//! domains. Any other host, an IP address that is not the API base, or a name
//! that resolves only to private or local addresses is refused. A pure
//! decision over URLs and addresses; `media_fetch` applies it to every
//! redirect hop and to every address a name resolves to. No I/O here.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use crate::domain::reason::{MediaRefusal, Reason};

/// Viber serves inbound media from `*.viber.com` and `*.cdn.viber.com`.
pub const VIBER_CDN_DOMAINS: &[&str] = &["viber.com", "cdn.viber.com"];
/// The Graph API's media URLs point at these domains.
pub const WHATSAPP_CDN_DOMAINS: &[&str] = &["fbsbx.com", "fbcdn.net", "whatsapp.net"];

/// Why a media URL or address may not be fetched (kept as the attachment's
/// error, said in the reader's language).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MediaRefused(pub Reason);

/// One messenger's media hosts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaHosts {
    /// The messenger's name, for refusals ("Viber").
    messenger: &'static str,
    api_scheme: String,
    api_host: Option<Host<String>>,
    api_port: Option<u16>,
    /// Subdomains of these (on a dot boundary, never the bare domain) are
    /// the messenger's CDN.
    cdn_domains: &'static [&'static str],
    /// Any https host on a public address may serve media (the Channel API,
    /// whose integrators host files anywhere).
    any_public_https: bool,
}

impl MediaHosts {
    pub fn new(
        messenger: &'static str,
        api_base: &Url,
        cdn_domains: &'static [&'static str],
    ) -> MediaHosts {
        MediaHosts {
            messenger,
            api_scheme: api_base.scheme().to_owned(),
            api_host: api_base.host().map(|host| host.to_owned()),
            api_port: api_base.port_or_known_default(),
            cdn_domains,
            any_public_https: false,
        }
    }

    /// The Channel API: https on a public address, or exactly the scheme,
    /// host and port of the integration's callback URL.
    pub fn channel_api(callback_url: &Url) -> MediaHosts {
        MediaHosts {
            any_public_https: true,
            ..MediaHosts::new("the integrator", callback_url, &[])
        }
    }

    pub fn viber(api_base: &Url) -> MediaHosts {
        MediaHosts::new("Viber", api_base, VIBER_CDN_DOMAINS)
    }

    pub fn whatsapp(api_base: &Url) -> MediaHosts {
        MediaHosts::new("WhatsApp", api_base, WHATSAPP_CDN_DOMAINS)
    }

    /// Telegram serves files only from the Bot API server itself.
    pub fn telegram(api_base: &Url) -> MediaHosts {
        MediaHosts::new("Telegram", api_base, &[])
    }

    /// Whether `url` may be fetched (before any address is known).
    pub fn check(&self, url: &Url) -> Result<(), MediaRefused> {
        if self.is_api_base(url) {
            return Ok(());
        }
        let messenger = self.messenger;
        let Some(host) = url.host() else {
            return Err(MediaRefused(Reason::MediaLinkWithoutHost));
        };
        let shown = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        let refuse = |why: MediaRefusal| {
            Err(MediaRefused(Reason::MediaHostRefused {
                host: shown.clone(),
                why,
            }))
        };
        let messenger = messenger.to_owned();
        if self.any_public_https {
            if url.scheme() != "https" {
                return refuse(MediaRefusal::HttpsLinksOnly);
            }
            return match host {
                Host::Domain(_) => Ok(()),
                Host::Ipv4(ip) if is_public_address(IpAddr::V4(ip)) => Ok(()),
                Host::Ipv6(ip) if is_public_address(IpAddr::V6(ip)) => Ok(()),
                _ => refuse(MediaRefusal::PrivateAddress),
            };
        }
        let Host::Domain(domain) = host else {
            return refuse(MediaRefusal::IpAddressOf { messenger });
        };
        if !self.is_cdn_domain(domain) {
            return refuse(MediaRefusal::NotHostOf { messenger });
        }
        if url.scheme() != "https" {
            return refuse(MediaRefusal::HttpsOnlyFor { messenger });
        }
        if url.port_or_known_default() != Some(443) {
            return refuse(MediaRefusal::Port443OnlyFor { messenger });
        }
        Ok(())
    }

    /// Whether `name` is the API base's host name: it may resolve to any
    /// address (a bridge on the local network, a fake in tests).
    pub fn is_api_host_name(&self, name: &str) -> bool {
        matches!(&self.api_host, Some(Host::Domain(domain)) if domain.eq_ignore_ascii_case(name))
    }

    /// The refusal for a name that resolved to no public address.
    pub fn only_private_addresses(&self, name: &str) -> MediaRefused {
        MediaRefused(Reason::MediaHostRefused {
            host: name.to_owned(),
            why: MediaRefusal::ResolvesOnlyToPrivate,
        })
    }

    fn is_api_base(&self, url: &Url) -> bool {
        url.scheme() == self.api_scheme
            && url.host().map(|host| host.to_owned()) == self.api_host
            && url.port_or_known_default() == self.api_port
    }

    fn is_cdn_domain(&self, domain: &str) -> bool {
        let domain = domain.to_ascii_lowercase();
        self.cdn_domains.iter().any(|cdn| {
            domain
                .strip_suffix(cdn)
                .and_then(|rest| rest.strip_suffix('.'))
                .is_some_and(|subdomain| !subdomain.is_empty())
        })
    }
}

/// Whether `ip` is a public unicast address (not loopback, private,
/// link-local, unique-local, shared, unspecified, multicast or reserved);
/// IPv4 addresses inside IPv6 ones are judged as IPv4.
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [first, second, ..] = ip.octets();
    let is_shared = first == 100 && (64..128).contains(&second);
    let is_this_network = first == 0;
    let is_reserved = first >= 240;
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || is_shared
        || is_this_network
        || is_reserved)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let is_site_local = ip.segments()[0] & 0xffc0 == 0xfec0;
    let is_documentation = ip.segments()[0] == 0x2001 && ip.segments()[1] == 0x0db8;
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_unique_local()
        || ip.is_unicast_link_local()
        || is_site_local
        || is_documentation)
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible
/// (`::a.b.c.d`) or NAT64 (`64:ff9b::a.b.c.d`) address; such an address
/// reaches that IPv4 host.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return Some(v4);
    }
    let segments = ip.segments();
    let is_compatible = segments[..6] == [0; 6] && !ip.is_loopback() && !ip.is_unspecified();
    let is_nat64 = segments[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    if is_compatible || is_nat64 {
        let [.., a, b] = segments;
        let [a1, a2] = a.to_be_bytes();
        let [b1, b2] = b.to_be_bytes();
        return Some(Ipv4Addr::new(a1, a2, b1, b2));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).expect("a valid URL")
    }

    fn viber() -> MediaHosts {
        MediaHosts::viber(&url("https://chatapi.viber.com/pa"))
    }

    fn local_viber() -> MediaHosts {
        MediaHosts::viber(&url("http://127.0.0.1:8081/pa/"))
    }

    fn allowed(hosts: &MediaHosts, link: &str) -> bool {
        hosts.check(&url(link)).is_ok()
    }

    #[test]
    fn viber_cdn_subdomains_are_allowed_over_https() {
        let hosts = viber();
        assert!(allowed(
            &hosts,
            "https://dl-media.viber.com/5/share/2/x.jpg"
        ));
        assert!(allowed(
            &hosts,
            "https://media-direct.cdn.viber.com/download_photo?x=1"
        ));
        assert!(allowed(&hosts, "https://DL-Media.Viber.COM/x.jpg"));
        assert!(allowed(&hosts, "https://a.b.viber.com:443/x"));
    }

    #[test]
    fn look_alike_domains_are_refused() {
        let hosts = viber();
        for link in [
            "https://evil-viber.com/x.jpg",
            "https://viber.com.evil.example/x.jpg",
            "https://viber.com/x.jpg",
            "https://cdn.viber.co/x.jpg",
            "https://xviber.com/x.jpg",
            "https://viber.com.@evil.example/x.jpg",
            "https://evil.example/dl-media.viber.com/x.jpg",
        ] {
            assert!(!allowed(&hosts, link), "{link}");
        }
    }

    #[test]
    fn cdn_hosts_need_https_on_the_standard_port() {
        let hosts = viber();
        let refusal = hosts
            .check(&url("http://dl-media.viber.com/x.jpg"))
            .expect_err("plain http");
        assert!(refusal.to_string().contains("https only"), "{refusal}");
        assert!(!allowed(&hosts, "https://dl-media.viber.com:8443/x.jpg"));
        assert!(!allowed(&hosts, "ftp://dl-media.viber.com/x.jpg"));
    }

    #[test]
    fn the_api_base_is_allowed_with_its_own_scheme_host_and_port_only() {
        let hosts = local_viber();
        assert!(allowed(&hosts, "http://127.0.0.1:8081/media/x.jpg"));
        assert!(!allowed(&hosts, "http://127.0.0.1:8082/media/x.jpg"));
        assert!(!allowed(&hosts, "https://127.0.0.1:8081/media/x.jpg"));
        assert!(!allowed(&hosts, "http://localhost:8081/media/x.jpg"));
        let default_port = MediaHosts::viber(&url("https://bridge.example"));
        assert!(allowed(&default_port, "https://bridge.example:443/x"));
        assert!(!allowed(&default_port, "https://bridge.example:444/x"));
        assert!(!allowed(&default_port, "http://bridge.example/x"));
    }

    #[test]
    fn ip_addresses_other_than_the_api_base_are_refused() {
        let hosts = local_viber();
        for link in [
            "http://127.0.0.1/x",
            "https://127.0.0.1/x",
            "http://10.0.0.5:8081/x",
            "https://[::1]/x",
            "https://[::ffff:127.0.0.1]:8081/x",
            "https://93.184.216.34/x",
            "https://2130706433/x",
        ] {
            let refusal = hosts.check(&url(link)).expect_err(link);
            assert!(
                refusal.to_string().contains("IP address"),
                "{link}: {refusal}"
            );
        }
        let ipv6_base = MediaHosts::viber(&url("http://[::1]:9000/pa"));
        assert!(allowed(&ipv6_base, "http://[0:0:0:0:0:0:0:1]:9000/media/x"));
        assert!(!allowed(&ipv6_base, "http://[::1]:9001/media/x"));
    }

    #[test]
    fn telegram_allows_only_its_bot_api_server() {
        let hosts = MediaHosts::telegram(&url("https://api.telegram.org"));
        assert!(allowed(
            &hosts,
            "https://api.telegram.org/file/bot1:a/photos/x.jpg"
        ));
        assert!(!allowed(&hosts, "https://cdn.telegram.org/x.jpg"));
        assert!(!allowed(&hosts, "https://dl-media.viber.com/x.jpg"));
    }

    #[test]
    fn whatsapp_allows_the_graph_media_domains() {
        let hosts = MediaHosts::whatsapp(&url("https://graph.facebook.com/v21.0"));
        assert!(allowed(
            &hosts,
            "https://lookaside.fbsbx.com/whatsapp_business/x"
        ));
        assert!(allowed(&hosts, "https://scontent.xx.fbcdn.net/x"));
        assert!(allowed(&hosts, "https://mmg.whatsapp.net/x"));
        assert!(!allowed(&hosts, "https://dl-media.viber.com/x"));
        assert!(!allowed(&hosts, "https://notfbsbx.com/x"));
    }

    #[test]
    fn only_the_api_base_name_may_resolve_anywhere() {
        let hosts = MediaHosts::viber(&url("http://viber-bridge.local:8080/pa"));
        assert!(hosts.is_api_host_name("viber-bridge.local"));
        assert!(hosts.is_api_host_name("Viber-Bridge.LOCAL"));
        assert!(!hosts.is_api_host_name("dl-media.viber.com"));
        assert!(!local_viber().is_api_host_name("127.0.0.1"));
    }

    #[test]
    fn private_and_local_addresses_are_not_public() {
        for text in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::10.0.0.1",
            "2001:db8::1",
        ] {
            let ip: IpAddr = text.parse().expect("an address");
            assert!(!is_public_address(ip), "{text}");
        }
    }

    #[test]
    fn public_addresses_are_public() {
        for text in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2a00:1450:4001:80b::200e",
            "::ffff:93.184.216.34",
            "64:ff9b::8.8.8.8",
        ] {
            let ip: IpAddr = text.parse().expect("an address");
            assert!(is_public_address(ip), "{text}");
        }
    }

    #[test]
    fn the_channel_api_fetches_https_on_public_addresses_and_its_callback_host() {
        let hosts = MediaHosts::channel_api(&url("http://127.0.0.1:8088/tidings"));
        assert_eq!(hosts.check(&url("https://files.example.com/a.jpg")), Ok(()));
        assert_eq!(
            hosts.check(&url("https://93.184.216.34:8443/a.jpg")),
            Ok(())
        );
        assert_eq!(
            hosts.check(&url("http://127.0.0.1:8088/files/a.jpg")),
            Ok(())
        );
        for refused in [
            "http://files.example.com/a.jpg",
            "https://127.0.0.1:8088/a.jpg",
            "http://127.0.0.1:8089/a.jpg",
            "https://10.0.0.7/a.jpg",
            "https://[::1]/a.jpg",
        ] {
            assert!(hosts.check(&url(refused)).is_err(), "{refused}");
        }
    }
}
