//! The Graph API over HTTP: `{base}/{object}` with `Authorization: Bearer
//! {token}`. Failures are classified by Graph's `error.code`, not the HTTP
//! status (a rate limit, 130429, arrives as HTTP 400): rate limits and
//! temporary errors are retried, a closed window (131047) or an undeliverable
//! message (131026) fail for good with Meta's reason, a refused token (190)
//! is a bad token. Codes: <https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes>.
//! The token is marked sensitive and never logged.

use std::time::Duration;

use reqwest::header::HeaderValue;
use reqwest::{RequestBuilder, StatusCode};
use serde_json::Value;

use crate::channels::{transport_error, ChannelError};

pub(super) struct GraphClient {
    base: String,
    http: reqwest::Client,
    pub(super) timeout: Duration,
}

/// The bearer header for a token.
pub(super) fn bearer(token: &str) -> Result<HeaderValue, ChannelError> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
        ChannelError::BadToken("the token contains characters access tokens never have".into())
    })?;
    value.set_sensitive(true);
    Ok(value)
}

impl GraphClient {
    pub(super) fn new(api_url: &url::Url, http: reqwest::Client, timeout: Duration) -> GraphClient {
        GraphClient {
            base: api_url.as_str().trim_end_matches('/').to_owned(),
            http,
            timeout,
        }
    }

    pub(super) fn endpoint(&self, path: &str) -> String {
        format!("{}/{}", self.base, path.trim_start_matches('/'))
    }

    pub(super) async fn get(&self, token: &str, path: &str) -> Result<Value, ChannelError> {
        let request = self.http.get(self.endpoint(path));
        self.call(token, path, request).await
    }

    pub(super) async fn post(
        &self,
        token: &str,
        path: &str,
        body: &Value,
    ) -> Result<Value, ChannelError> {
        let request = self.http.post(self.endpoint(path)).json(body);
        self.call(token, path, request).await
    }

    pub(super) async fn post_form(
        &self,
        token: &str,
        path: &str,
        form: reqwest::multipart::Form,
    ) -> Result<Value, ChannelError> {
        let request = self.http.post(self.endpoint(path)).multipart(form);
        self.call(token, path, request).await
    }

    async fn call(
        &self,
        token: &str,
        path: &str,
        request: RequestBuilder,
    ) -> Result<Value, ChannelError> {
        // Ids only: the path never holds a secret.
        let what = format!("WhatsApp {}", path.rsplit('/').next().unwrap_or(path));
        let response = request
            .header(reqwest::header::AUTHORIZATION, bearer(token)?)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|err| transport_error(&what, err))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|err| transport_error(&what, err))?;
        let body: Option<Value> = serde_json::from_slice(&bytes).ok();
        if status.is_success() {
            return body.ok_or_else(|| {
                ChannelError::retryable(format!("{what} answered with something that is not JSON"))
            });
        }
        let error = classify(status, body.as_ref().and_then(|body| body.get("error")));
        tracing::debug!(%status, %error, "the Graph API refused a call");
        Err(error)
    }
}

/// What Graph's `error.code` means for us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// Try again later (rate limits, temporary trouble).
    Retry,
    /// The access token is invalid or expired.
    BadToken,
    /// Trying again cannot help.
    Permanent,
}

/// Codes retried with back-off: throttling (4, 80007, 130429, 131048,
/// 131056) and Meta's temporary trouble (1, 2, 131000, 131016, 133004).
const RETRIED: [i64; 10] = [
    1, 2, 4, 80007, 130429, 131000, 131016, 131048, 131056, 133004,
];

pub(super) fn verdict(code: Option<i64>, status: StatusCode) -> Verdict {
    match code {
        Some(190) => Verdict::BadToken,
        Some(code) if RETRIED.contains(&code) => Verdict::Retry,
        Some(_) => Verdict::Permanent,
        None if status.is_server_error()
            || status == StatusCode::TOO_MANY_REQUESTS
            || status == StatusCode::REQUEST_TIMEOUT =>
        {
            Verdict::Retry
        }
        None => Verdict::Permanent,
    }
}

/// The error for a failed call, from its HTTP status and Graph's `error` object.
pub(super) fn classify(status: StatusCode, error: Option<&Value>) -> ChannelError {
    let code = error
        .and_then(|error| error.get("code"))
        .and_then(Value::as_i64);
    let reason = reason(status, code, error);
    match verdict(code, status) {
        Verdict::Retry => ChannelError::retryable(reason),
        Verdict::BadToken => ChannelError::BadToken(reason),
        Verdict::Permanent => ChannelError::permanent(reason),
    }
}

/// Meta's own words: the error's title or message, with its details.
fn reason(status: StatusCode, code: Option<i64>, error: Option<&Value>) -> String {
    let text = |key: &str| {
        error
            .and_then(|error| error.get(key))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|text| !text.is_empty())
    };
    let details = error
        .and_then(|error| error.pointer("/error_data/details"))
        .and_then(Value::as_str)
        .filter(|details| !details.is_empty());
    let headline = text("error_user_title")
        .or_else(|| text("title"))
        .or_else(|| text("message"));
    let mut reason = match (headline, details) {
        (Some(headline), Some(details)) if headline != details => format!("{headline}: {details}"),
        (Some(headline), _) => headline.to_owned(),
        (None, Some(details)) => details.to_owned(),
        (None, None) => format!("HTTP {status}"),
    };
    if let Some(code) = code {
        reason = format!("WhatsApp error {code}: {reason}");
    } else {
        reason = format!("WhatsApp: {reason}");
    }
    reason
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn graph_error(code: i64, message: &str, details: &str) -> Value {
        json!({
            "message": message,
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details},
            "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam"
        })
    }

    #[test]
    fn a_rate_limit_is_retried_although_it_arrives_as_http_400() {
        let error = classify(
            StatusCode::BAD_REQUEST,
            Some(&graph_error(
                130429,
                "(#130429) Rate limit hit",
                "Cloud API message throughput has been reached.",
            )),
        );
        assert!(
            matches!(
                error,
                ChannelError::Provider {
                    retryable: true,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(error.to_string().contains("130429"), "{error}");
    }

    #[test]
    fn a_closed_window_fails_for_good_with_metas_reason() {
        let error = classify(
            StatusCode::BAD_REQUEST,
            Some(&graph_error(
                131047,
                "(#131047) Re-engagement message",
                "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
            )),
        );
        assert!(
            matches!(
                error,
                ChannelError::Provider {
                    retryable: false,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(error.to_string().contains("more than 24 hours"), "{error}");
    }

    #[test]
    fn an_undeliverable_message_fails_for_good() {
        let error = classify(
            StatusCode::BAD_REQUEST,
            Some(&graph_error(131026, "Message undeliverable", "")),
        );
        assert_eq!(
            error,
            ChannelError::permanent("WhatsApp error 131026: Message undeliverable")
        );
    }

    #[test]
    fn an_expired_token_is_a_bad_token() {
        let error = classify(
            StatusCode::UNAUTHORIZED,
            Some(
                &json!({"message": "Error validating access token: Session has expired", "type": "OAuthException", "code": 190, "error_subcode": 463}),
            ),
        );
        assert!(matches!(error, ChannelError::BadToken(_)), "{error:?}");
    }

    #[test]
    fn without_a_graph_code_the_http_status_decides() {
        assert!(matches!(
            classify(StatusCode::BAD_GATEWAY, None),
            ChannelError::Provider {
                retryable: true,
                ..
            }
        ));
        assert!(matches!(
            classify(StatusCode::NOT_FOUND, None),
            ChannelError::Provider {
                retryable: false,
                ..
            }
        ));
    }

    #[test]
    fn temporary_trouble_codes_are_retried_and_parameter_errors_are_not() {
        for code in [1, 2, 4, 80007, 131000, 131016, 131048, 131056, 133004] {
            assert_eq!(
                verdict(Some(code), StatusCode::BAD_REQUEST),
                Verdict::Retry,
                "{code}"
            );
        }
        for code in [100, 131009, 131051, 132000, 132001, 133010] {
            assert_eq!(
                verdict(Some(code), StatusCode::BAD_REQUEST),
                Verdict::Permanent,
                "{code}"
            );
        }
        // A 5xx with a permanent code is still what the code says.
        assert_eq!(
            verdict(Some(131026), StatusCode::INTERNAL_SERVER_ERROR),
            Verdict::Permanent
        );
    }

    #[test]
    fn the_endpoint_is_the_base_then_the_object() {
        let client = GraphClient::new(
            &url::Url::parse("https://graph.facebook.com/v21.0/").expect("a URL"),
            reqwest::Client::new(),
            Duration::from_secs(1),
        );
        assert_eq!(
            client.endpoint("1234/messages"),
            "https://graph.facebook.com/v21.0/1234/messages"
        );
    }
}
