//! `/api/v1/reports/{overview,managers,conversations}`: JSON, or `text/csv`
//! with `format=csv` (one header row, no byte-order mark).

use actix_web::web::Bytes;
use actix_web::{http::header, web, HttpResponse, HttpResponseBuilder};
use futures_util::{future, stream, StreamExt};
use serde::Deserialize;
use shared::api::reports::{ConversationRow, Durations, ManagerFigures, Overview};
use shared::api::Items;
use shared::error::ErrorBody;
use shared::Id;
use utoipa::IntoParams;

use super::error::AppError;
use super::extract::CurrentUser;
use super::AppState;
use crate::service::reports::{self, Params};
use crate::service::ServiceError;
use crate::texts::Says;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/reports/overview", web::get().to(overview))
        .route("/api/v1/reports/managers", web::get().to(managers))
        .route(
            "/api/v1/reports/conversations",
            web::get().to(conversations),
        );
}

#[derive(Deserialize, IntoParams)]
struct ReportQuery {
    /// First day (`YYYY-MM-DD` in `tz`); default: 29 days before `to`.
    from: Option<String>,
    /// Last day (`YYYY-MM-DD` in `tz`), at most 366 days after `from`; default: today.
    to: Option<String>,
    /// IANA time zone of the days; default `UTC`.
    tz: Option<String>,
    integration_id: Option<Id>,
    /// Only conversations this manager held at any time.
    assignee_id: Option<Id>,
    /// `true`: only time inside the integration's business hours counts.
    business_hours: Option<bool>,
    /// `csv` for `text/csv`; JSON otherwise.
    format: Option<String>,
}

impl ReportQuery {
    fn split(self) -> Result<(Params, bool), AppError> {
        let csv = match self.format.as_deref() {
            None | Some("") | Some("json") => false,
            Some("csv") => true,
            Some(other) => {
                return Err(ServiceError::Invalid(Says::ReportBadValue {
                    param: "format",
                    value: other.to_owned(),
                })
                .into())
            }
        };
        Ok((
            Params {
                from: self.from,
                to: self.to,
                tz: self.tz,
                integration_id: self.integration_id,
                assignee_id: self.assignee_id,
                business_hours: self.business_hours,
            },
            csv,
        ))
    }
}

fn csv_response(name: &str, header_row: &[&str], rows: Vec<Vec<String>>) -> HttpResponse {
    let mut body = String::with_capacity(64 * (rows.len() + 1));
    push_row(&mut body, header_row.iter().map(|s| s.to_string()));
    for row in rows {
        push_row(&mut body, row.into_iter());
    }
    csv_headers(HttpResponse::Ok(), name).body(body)
}

fn csv_headers(mut response: HttpResponseBuilder, name: &str) -> HttpResponseBuilder {
    response
        .insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}.csv\""),
        ));
    response
}

/// RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled.
fn push_row(out: &mut String, fields: impl Iterator<Item = String>) {
    for (n, field) in fields.enumerate() {
        if n > 0 {
            out.push(',');
        }
        if field.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&field.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&field);
        }
    }
    out.push_str("\r\n");
}

fn opt<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn durations(d: &Durations) -> [String; 3] {
    [opt(d.median), opt(d.p90), d.count.to_string()]
}

/// Headline figures, deals and figures per day.
#[utoipa::path(get, path = "/api/v1/reports/overview", tag = "reports", params(ReportQuery),
    responses((status = 200, description = "JSON, or with `format=csv` one CSV row of the flattened top-level figures",
                content((Overview = "application/json"), (String = "text/csv"))),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn overview(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let (params, csv) = query.into_inner().split()?;
    let filters = params.check(chrono::Utc::now())?;
    let overview = reports::overview(&state, &user.0, filters).await?;
    if !csv {
        return Ok(HttpResponse::Ok().json(overview));
    }
    let o = &overview;
    let mut row = vec![
        o.conversations.started.to_string(),
        o.conversations.reopened.to_string(),
        o.conversations.closed.to_string(),
        o.messages.inbound.to_string(),
        o.messages.out.to_string(),
        o.messages.auto.to_string(),
    ];
    row.extend(durations(&o.first_response_s));
    row.extend(durations(&o.resolution_s));
    row.extend([
        o.deals.created.to_string(),
        o.deals.won.to_string(),
        o.deals.lost.to_string(),
        o.deals.won_amount.to_string(),
    ]);
    Ok(csv_response("overview", &OVERVIEW_COLUMNS, vec![row]))
}

const OVERVIEW_COLUMNS: [&str; 16] = [
    "conversations_started",
    "conversations_reopened",
    "conversations_closed",
    "messages_in",
    "messages_out",
    "messages_auto",
    "first_response_s_median",
    "first_response_s_p90",
    "first_response_s_count",
    "resolution_s_median",
    "resolution_s_p90",
    "resolution_s_count",
    "deals_created",
    "deals_won",
    "deals_lost",
    "deals_won_amount",
];

const MANAGER_COLUMNS: [&str; 10] = [
    "user_id",
    "assigned",
    "closed",
    "replies",
    "first_response_s_median",
    "first_response_s_p90",
    "first_response_s_count",
    "resolution_s_median",
    "resolution_s_count",
    "open_now",
];

/// One row per manager.
#[utoipa::path(get, path = "/api/v1/reports/managers", tag = "reports", params(ReportQuery),
    responses((status = 200, description = "JSON, or with `format=csv` one CSV row per manager",
                content((Items<ManagerFigures> = "application/json"), (String = "text/csv"))),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn managers(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let (params, csv) = query.into_inner().split()?;
    let filters = params.check(chrono::Utc::now())?;
    let items = reports::managers(&state, &user.0, filters).await?;
    if !csv {
        return Ok(HttpResponse::Ok().json(Items { items }));
    }
    let rows = items
        .iter()
        .map(|m| {
            let mut row = vec![
                m.user_id.to_string(),
                m.assigned.to_string(),
                m.closed.to_string(),
                m.replies.to_string(),
            ];
            row.extend(durations(&m.first_response_s));
            row.extend([
                opt(m.resolution_s.median),
                m.resolution_s.count.to_string(),
                m.open_now.to_string(),
            ]);
            row
        })
        .collect();
    Ok(csv_response("managers", &MANAGER_COLUMNS, rows))
}

const CONVERSATION_COLUMNS: [&str; 10] = [
    "chat_id",
    "integration",
    "channel",
    "contact",
    "assignee",
    "started_at",
    "first_response_at",
    "closed_at",
    "messages_in",
    "messages_out",
];

/// One row per conversation that started in the range.
#[utoipa::path(get, path = "/api/v1/reports/conversations", tag = "reports", params(ReportQuery),
    responses((status = 200, description = "JSON, or with `format=csv` one CSV row per conversation",
                content((Items<ConversationRow> = "application/json"), (String = "text/csv"))),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn conversations(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let (params, csv) = query.into_inner().split()?;
    let filters = params.check(chrono::Utc::now())?;
    if !csv {
        let items = reports::conversations(&state, &user.0, filters).await?;
        return Ok(HttpResponse::Ok().json(Items { items }));
    }
    let chunks = reports::conversations_in_chunks(&state, &user.0, filters).await?;
    let mut header_row = String::new();
    push_row(
        &mut header_row,
        CONVERSATION_COLUMNS.iter().map(|s| s.to_string()),
    );
    let rows = chunks.map(|chunk| match chunk {
        Ok(rows) => {
            let mut text = String::with_capacity(128 * rows.len());
            for c in rows {
                push_row(&mut text, conversation_fields(c).into_iter());
            }
            Ok(Bytes::from(text))
        }
        // The status line is gone: the download ends short, and the log says why.
        Err(err) => {
            tracing::error!(error = %err, "the conversations report stopped part way");
            Err(std::io::Error::other(
                "the report could not be read to the end",
            ))
        }
    });
    let body = stream::once(future::ready(Ok(Bytes::from(header_row)))).chain(rows);
    Ok(csv_headers(HttpResponse::Ok(), "conversations").streaming(body))
}

fn conversation_fields(c: ConversationRow) -> [String; 10] {
    [
        c.chat_id.to_string(),
        c.integration,
        c.channel,
        c.contact,
        c.assignee,
        c.started_at,
        c.first_response_at.unwrap_or_default(),
        c.closed_at.unwrap_or_default(),
        c.messages_in.to_string(),
        c.messages_out.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        let mut out = String::new();
        push_row(
            &mut out,
            ["plain", "a,b", "say \"hi\"", "two\nlines", ""]
                .into_iter()
                .map(str::to_owned),
        );
        assert_eq!(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
    }
}
