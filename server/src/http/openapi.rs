//! `GET /api/v1/openapi.json`, generated from the handlers' annotations.

use actix_web::{web, HttpResponse};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tidings API",
        description = "REST API of the Tidings customer communications server."
    ),
    paths(
        super::health::healthz,
        super::info::info,
        super::auth::login,
        super::auth::logout,
        super::auth::me,
        super::auth::set_presence,
        super::users::list,
        super::users::create,
        super::users::update,
        super::integrations::list,
        super::integrations::create,
        super::integrations::get,
        super::integrations::update,
        super::integrations::delete,
        super::integrations::queue,
        super::integrations::health,
        super::integrations::reconnect,
        super::integrations::failed_updates,
        super::integrations::retry_failed_updates,
        super::integrations::test_message,
        super::integrations::pipelines,
        super::integrations::create_pipeline,
        super::integrations::pipeline,
        super::integrations::update_pipeline,
        super::integrations::delete_pipeline,
        super::chats::list,
        super::chats::archive,
        super::chats::counts,
        super::chats::detail,
        super::chats::timeline,
        super::chats::search,
        super::chats::reply,
        super::chats::retry,
        super::chats::assign,
        super::chats::followers,
        super::chats::tags,
        super::chats::close,
        super::chats::reopen,
        super::chats::notifications,
        super::chats::read,
        super::chats::comments,
        super::chats::comment,
        super::chats::create_deal,
        super::chats::link,
        super::chats::unlink,
        super::chats::snooze,
        super::chats::unsnooze,
        super::chats::bulk,
        super::crm::deals,
        super::crm::deal,
        super::crm::update_deal,
        super::crm::board,
        super::crm::create_task,
        super::crm::projects,
        super::crm::create_project,
        super::crm::erase_contact,
        super::crm::attachment,
        super::media::media,
        super::reports::overview,
        super::reports::managers,
        super::reports::conversations,
        super::webhooks::telegram,
        super::webhooks::viber_callback,
        super::canned::list,
        super::canned::create,
        super::canned::update,
        super::canned::delete,
        super::canned::render,
        super::chats::reaction,
        super::notifications::list,
        super::notifications::read,
        super::webhooks::whatsapp_verification,
        super::webhooks::whatsapp_notification,
        super::integrations::templates,
        super::contacts::list,
        super::contacts::contact,
        super::contacts::update,
        super::contacts::duplicates,
        super::contacts::merge,
        super::contacts::task_list,
        super::contacts::update_task,
        super::channel_api::hook,
        super::channel_api::rotate_secret,
        super::channel_api::test_event,
        super::push::key,
        super::push::list,
        super::push::subscribe,
        super::push::unsubscribe,
        super::push::remove,
        super::push::test,
        super::integrations::business_connections,
        super::integrations::link_business_connection,
    ),
    components(schemas(shared::error::ErrorCode))
)]
pub struct ApiDoc;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/api/v1/openapi.json", web::get().to(openapi_json));
}

async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn the_document_describes_the_push_endpoints() {
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("the document is JSON");
        for (path, method) in [
            ("/api/v1/push/key", "get"),
            ("/api/v1/push/subscriptions", "get"),
            ("/api/v1/push/subscriptions", "post"),
            ("/api/v1/push/subscriptions", "delete"),
            ("/api/v1/push/subscriptions/{id}", "delete"),
            ("/api/v1/push/test", "post"),
        ] {
            assert!(doc["paths"][path].get(method).is_some(), "{method} {path}");
        }
        let schemas = &doc["components"]["schemas"];
        assert!(schemas["Subscribe"]["properties"].get("keys").is_some());
        assert!(schemas["PushDevice"]["properties"]
            .get("endpoint_host")
            .is_some());
    }

    #[test]
    fn the_document_describes_quotes_reactions_and_the_reaction_endpoint() {
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("the document is JSON");
        let schemas = &doc["components"]["schemas"];
        let message = &schemas["Message"]["properties"];
        assert!(message.get("reply_to").is_some(), "{message}");
        assert!(message.get("reactions").is_some(), "{message}");
        assert!(schemas["SendReply"]["properties"]
            .get("reply_to_item_id")
            .is_some());
        assert!(schemas.get("Reaction").is_some() && schemas.get("Quote").is_some());
        let path = &doc["paths"]["/api/v1/chats/{id}/messages/{item_id}/reaction"];
        assert!(path.get("put").is_some(), "{path}");
    }

    /// Every event of CONTRACT.md, with its data schema, reachable from the
    /// timeline's items.
    #[test]
    fn the_document_describes_every_timeline_event_and_its_data() {
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("the document is JSON");
        let schemas = &doc["components"]["schemas"];
        let variants = schemas["TimelineEvent"]["oneOf"]
            .as_array()
            .expect("TimelineEvent is a oneOf");
        let events: Vec<(&str, &str)> = variants
            .iter()
            .map(|variant| {
                let name = variant["properties"]["event"]["enum"][0].as_str();
                let data = variant["properties"]["data"]["$ref"].as_str();
                (name.unwrap_or_default(), data.unwrap_or_default())
            })
            .collect();
        let names: Vec<&str> = events.iter().map(|(name, _)| *name).collect();
        assert_eq!(
            names,
            [
                "opened",
                "assigned",
                "unassigned",
                "closed",
                "reopened",
                "followers_changed",
                "tags_changed",
                "deal_created",
                "linked",
                "unlinked",
                "blocked",
                "unblocked",
                "subscribed",
                "unsubscribed",
                "snoozed",
                "unsnoozed",
                "deal_changed",
                "contacts_merged",
                "task_changed",
                "window_closed"
            ]
        );
        for (name, data) in events {
            let schema = data.trim_start_matches("#/components/schemas/");
            assert!(
                schemas[schema].is_object(),
                "the data of {name:?} ({data:?}) is described"
            );
        }
        let reasons = &schemas["AssignmentReason"]["enum"];
        assert_eq!(reasons.as_array().map(Vec::len), Some(10), "{reasons}");
        assert_eq!(
            schemas["Assigned"]["required"],
            serde_json::json!(["user_id", "reason"])
        );
        let item = serde_json::to_string(&schemas["Item"]).expect("JSON");
        assert!(item.contains("ItemBody"), "{item}");
        let event_item = serde_json::to_string(&schemas["EventItem"]).expect("JSON");
        assert!(event_item.contains("TimelineEvent"), "{event_item}");
        assert!(matches!(
            schemas["Message"]["properties"]["delivery"],
            Value::Object(_)
        ));
    }

    #[test]
    fn the_document_describes_contacts_and_tasks() {
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("the document is JSON");
        let paths = &doc["paths"];
        for (path, method) in [
            ("/api/v1/contacts", "get"),
            ("/api/v1/contacts/{id}", "get"),
            ("/api/v1/contacts/{id}", "patch"),
            ("/api/v1/contacts/{id}", "delete"),
            ("/api/v1/contacts/{id}/duplicates", "get"),
            ("/api/v1/contacts/{id}/merge", "post"),
            ("/api/v1/tasks", "get"),
            ("/api/v1/tasks/{id}", "patch"),
        ] {
            assert!(paths[path][method].is_object(), "{method} {path}");
        }
        let schemas = &doc["components"]["schemas"];
        for field in [
            "identities",
            "chat_ids",
            "deal_ids",
            "email",
            "company",
            "notes",
        ] {
            assert!(
                schemas["Contact"]["properties"][field].is_object(),
                "Contact.{field}"
            );
        }
        for field in ["due_at", "assignee_id"] {
            assert!(
                schemas["Task"]["properties"][field].is_object(),
                "Task.{field}"
            );
        }
        assert!(schemas["ContactsMerged"]["properties"]["merged_name"].is_object());
    }
}
