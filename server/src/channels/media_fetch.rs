//! Fetching a messenger's media under its [`MediaHosts`]: the link is checked
//! before the request, every redirect hop is checked again, and host names go
//! through our resolver, which drops private and local addresses (unless the
//! name is the API base's), so the check applies to the address actually
//! connected rather than to a second lookup that could answer differently.

use std::error::Error;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect::Policy;
use url::Url;

use super::media_hosts::{is_public_address, MediaHosts, MediaRefused};
use super::{ChannelError, Reason};

/// Hops followed before a download is refused.
pub const MAX_REDIRECTS: usize = 5;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// An HTTP client that only reaches one messenger's media hosts.
pub struct MediaClient {
    hosts: Arc<MediaHosts>,
    http: reqwest::Client,
}

impl MediaClient {
    pub fn new(hosts: MediaHosts) -> MediaClient {
        let hosts = Arc::new(hosts);
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(redirect_policy(Arc::clone(&hosts)))
            .dns_resolver(Arc::new(PublicResolver {
                hosts: Arc::clone(&hosts),
            }))
            // A proxy would resolve names itself, past our resolver.
            .no_proxy()
            .build()
            .expect("a reqwest client with rustls and fixed settings always builds");
        MediaClient { hosts, http }
    }

    /// A GET of `link`, if the link may be fetched at all.
    pub fn get(&self, link: &str) -> Result<reqwest::RequestBuilder, MediaRefused> {
        let url = Url::parse(link).map_err(|_| MediaRefused(Reason::MediaLinkNotUrl))?;
        self.hosts.check(&url)?;
        Ok(self.http.get(url))
    }
}

/// Sends a media request and reads its body, refusing more than `max_bytes`
/// (announced or actual). Refusals by the host checks are final; other
/// failures may be retried.
pub async fn download(
    request: reqwest::RequestBuilder,
    max_bytes: u64,
) -> Result<Vec<u8>, ChannelError> {
    let failed = |err: reqwest::Error| match refusal(&err) {
        Some(refused) => ChannelError::from(refused),
        None if err.is_timeout() => ChannelError::retryable(Reason::DownloadTooSlow),
        None => ChannelError::retryable(Reason::DownloadFailed),
    };
    let mut response = request.send().await.map_err(failed)?;
    let status = response.status();
    if !status.is_success() {
        let reason = Reason::DownloadStatus {
            status: status.as_u16(),
        };
        return Err(if status.is_client_error() {
            ChannelError::permanent(reason)
        } else {
            ChannelError::retryable(reason)
        });
    }
    let too_large = || ChannelError::permanent(Reason::MediaTooLarge { max_bytes });
    if response
        .content_length()
        .is_some_and(|length| length > max_bytes)
    {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(failed)? {
        if u64::try_from(bytes.len() + chunk.len()).unwrap_or(u64::MAX) > max_bytes {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// Follows at most [`MAX_REDIRECTS`] hops, each to a host `hosts` allows.
pub fn redirect_policy(hosts: Arc<MediaHosts>) -> Policy {
    Policy::custom(move |attempt| {
        // `previous` holds the first URL too: its length is this hop's number.
        if attempt.previous().len() > MAX_REDIRECTS {
            return attempt.error(MediaRefused(Reason::TooManyRedirects {
                max: MAX_REDIRECTS,
            }));
        }
        match hosts.check(attempt.url()) {
            Ok(()) => attempt.follow(),
            Err(MediaRefused(why)) => attempt.error(MediaRefused(Reason::Redirected {
                cause: Box::new(why),
            })),
        }
    })
}

/// The refusal behind a failed request, when a check refused it.
pub fn refusal(err: &reqwest::Error) -> Option<MediaRefused> {
    let mut cause: Option<&(dyn Error + 'static)> = Some(err);
    while let Some(current) = cause {
        if let Some(refused) = current.downcast_ref::<MediaRefused>() {
            return Some(refused.clone());
        }
        cause = current.source();
    }
    None
}

/// Reads a media answer's body, refusing more than `max_bytes` (announced or
/// streamed); `failed` says what a broken stream means.
pub async fn read_limited(
    mut response: reqwest::Response,
    max_bytes: u64,
    failed: impl Fn(reqwest::Error) -> ChannelError,
) -> Result<Vec<u8>, ChannelError> {
    let too_large = || ChannelError::permanent(Reason::MediaTooLarge { max_bytes });
    let announced = response.content_length();
    if announced.is_some_and(|length| length > max_bytes) {
        return Err(too_large());
    }
    let capacity = announced.unwrap_or(0).min(max_bytes).min(16 << 20);
    let mut bytes = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(&failed)? {
        let total = u64::try_from(bytes.len() + chunk.len()).unwrap_or(u64::MAX);
        if total > max_bytes {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// A refused download is final: asking again reaches the same host.
impl From<MediaRefused> for ChannelError {
    fn from(refused: MediaRefused) -> ChannelError {
        ChannelError::permanent(refused.0)
    }
}

/// The system resolver, keeping only public addresses for names other than
/// the API base's.
struct PublicResolver {
    hosts: Arc<MediaHosts>,
}

impl Resolve for PublicResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let hosts = Arc::clone(&self.hosts);
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            if hosts.is_api_host_name(&name) {
                return Ok(Box::new(found.into_iter()) as Addrs);
            }
            let public: Vec<SocketAddr> = found
                .into_iter()
                .filter(|address| is_public_address(address.ip()))
                .collect();
            if public.is_empty() {
                return Err(hosts.only_private_addresses(&name).into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolver(api_base: &str) -> PublicResolver {
        let api_base = Url::parse(api_base).expect("a URL");
        PublicResolver {
            hosts: Arc::new(MediaHosts::viber(&api_base)),
        }
    }

    fn name(text: &str) -> Name {
        text.parse().expect("a host name")
    }

    #[tokio::test]
    async fn a_name_resolving_to_loopback_is_refused() {
        let result = resolver("https://chatapi.viber.com/pa")
            .resolve(name("localhost"))
            .await;
        let Err(error) = result else {
            panic!("localhost resolved to an allowed address");
        };
        let refused = error
            .downcast_ref::<MediaRefused>()
            .expect("a refusal, not a lookup failure");
        assert!(
            refused.to_string().contains("private or local"),
            "{refused}"
        );
    }

    #[tokio::test]
    async fn the_api_base_name_may_resolve_to_loopback() {
        let addresses: Vec<SocketAddr> = resolver("http://localhost:8081/pa")
            .resolve(name("localhost"))
            .await
            .expect("the API base resolves")
            .collect();
        assert!(addresses.iter().any(|address| address.ip().is_loopback()));
    }

    #[tokio::test]
    async fn a_refusal_is_found_behind_the_request_error() {
        let client = MediaClient::new(MediaHosts::viber(
            &Url::parse("http://127.0.0.1:9/pa").expect("a URL"),
        ));
        // The URL check would refuse `localhost` first; the inner client
        // shows that the resolver's refusal survives reqwest's wrapping.
        let error = client
            .http
            .get("https://localhost:9/x")
            .send()
            .await
            .expect_err("nothing may be fetched from localhost");
        let refused = refusal(&error).expect("the resolver's refusal");
        assert!(refused.to_string().contains("localhost"), "{refused}");
    }
}
