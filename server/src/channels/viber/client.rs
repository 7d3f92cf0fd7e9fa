//! The Viber REST API over HTTP: `POST {base}/{method}` with a JSON body and
//! the token in `X-Viber-Auth-Token` (shared/protocols/viber.md §1). Viber
//! answers failures with HTTP 200 and `status != 0`; both those and transport
//! failures become [`ChannelError`]s that say whether to retry. The token is
//! marked sensitive on the request and never logged.

use std::time::Duration;

use reqwest::header::HeaderValue;
use reqwest::StatusCode;
use serde_json::{Map, Value};

use super::status;
use crate::channels::{transport_error, ChannelError};

const AUTH_HEADER: &str = "X-Viber-Auth-Token";

pub(super) struct ApiClient {
    base: String,
    http: reqwest::Client,
    pub(super) timeout: Duration,
}

impl ApiClient {
    pub(super) fn new(api_url: &url::Url, http: reqwest::Client, timeout: Duration) -> ApiClient {
        ApiClient {
            base: api_url.as_str().trim_end_matches('/').to_owned(),
            http,
            timeout,
        }
    }

    fn endpoint(&self, method: &str) -> String {
        format!("{}/{method}", self.base)
    }

    /// Calls one method; `Ok` only for `status: 0`, with the whole answer.
    pub(super) async fn call(
        &self,
        token: &str,
        method: &str,
        body: &Value,
    ) -> Result<Map<String, Value>, ChannelError> {
        let mut auth = HeaderValue::from_str(token).map_err(|_| {
            ChannelError::BadToken("the token contains characters Viber tokens never have".into())
        })?;
        auth.set_sensitive(true);
        let response = self
            .http
            .post(self.endpoint(method))
            .header(AUTH_HEADER, auth)
            .timeout(self.timeout)
            .json(body)
            .send()
            .await
            .map_err(|err| transport_error(method, err))?;
        let http_status = response.status();
        if !http_status.is_success() {
            tracing::debug!(method, %http_status, "Viber answered with an HTTP error");
            return Err(http_error(&format!("Viber {method}"), http_status));
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|err| transport_error(method, err))?;
        let Ok(Value::Object(answer)) = serde_json::from_slice::<Value>(&bytes) else {
            return Err(ChannelError::retryable(format!(
                "Viber answered {method} with something that is not a JSON object"
            )));
        };
        let Some(code) = answer.get("status").and_then(Value::as_i64) else {
            return Err(ChannelError::retryable(format!(
                "Viber answered {method} without a status"
            )));
        };
        let status = status::describe(code);
        if status.is_ok() {
            return Ok(answer);
        }
        let status_message = answer
            .get("status_message")
            .and_then(|value| value.as_str());
        tracing::debug!(method, code, status_message, "Viber refused the call");
        Err(status.to_error())
    }
}

/// A non-2xx HTTP answer: server trouble and rate limits pass, the rest stays.
pub(super) fn http_error(what: &str, status: StatusCode) -> ChannelError {
    let reason = format!("{what} answered HTTP {status}");
    if status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
    {
        ChannelError::retryable(reason)
    } else {
        ChannelError::permanent(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_retryable(error: &ChannelError) -> bool {
        matches!(
            error,
            ChannelError::Provider {
                retryable: true,
                ..
            }
        )
    }

    #[test]
    fn server_errors_and_rate_limits_are_retryable() {
        for code in [500, 502, 503, 504, 429, 408] {
            let status = StatusCode::from_u16(code).expect("a valid code");
            assert!(
                is_retryable(&http_error("Viber send_message", status)),
                "{code}"
            );
        }
    }

    #[test]
    fn other_http_errors_are_permanent() {
        for code in [400, 401, 403, 404, 413] {
            let status = StatusCode::from_u16(code).expect("a valid code");
            let error = http_error("Viber send_message", status);
            assert!(!is_retryable(&error), "{code}");
            assert!(error.to_string().contains(&code.to_string()));
        }
    }

    #[test]
    fn the_endpoint_is_the_base_then_the_method() {
        for base in [
            "https://chatapi.viber.com/pa",
            "https://chatapi.viber.com/pa/",
        ] {
            let client = ApiClient::new(
                &url::Url::parse(base).expect("a URL"),
                reqwest::Client::new(),
                Duration::from_secs(1),
            );
            assert_eq!(
                client.endpoint("send_message"),
                "https://chatapi.viber.com/pa/send_message"
            );
        }
    }
}
