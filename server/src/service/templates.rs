//! WhatsApp message templates: the approved ones an integration may send
//! (read from the Graph API, kept briefly by the channel), for the composer
//! and for checking a template reply before anything is stored.

use shared::api::integrations::MessageTemplate;
use shared::api::Channel as ChannelKind;
use shared::Id;

use super::integrations::{bot, channel, find_live};
use super::{Context, ServiceError};
use crate::channels::Template;
use crate::domain::account::User;
use crate::domain::integration::Integration;
use crate::domain::policy::{decide, Action};
use crate::texts::Says;

/// The integration's approved templates (admins and employees); other
/// messengers have none.
pub async fn list(
    ctx: &Context,
    caller: &User,
    integration_id: Id,
) -> Result<Vec<MessageTemplate>, ServiceError> {
    ServiceError::check(decide(caller.role, Action::ListTemplates), "integration")?;
    let integration = find_live(ctx, integration_id).await?;
    if integration.kind != ChannelKind::Whatsapp {
        return Ok(Vec::new());
    }
    Ok(approved(ctx, &integration)
        .await?
        .into_iter()
        .map(|template| MessageTemplate {
            name: template.name,
            language: template.language,
            category: template.category,
            text: template.text,
            parameters: i64::try_from(template.parameters).unwrap_or(i64::MAX),
        })
        .collect())
}

/// The approved template of this name and language.
pub async fn find(
    ctx: &Context,
    integration: &Integration,
    name: &str,
    language: &str,
) -> Result<Template, ServiceError> {
    let unknown = || {
        ServiceError::Invalid(Says::TemplateUnknown {
            name: name.to_owned(),
            language: language.to_owned(),
        })
    };
    if integration.kind != ChannelKind::Whatsapp {
        return Err(unknown());
    }
    approved(ctx, integration)
        .await?
        .into_iter()
        .find(|template| template.name == name && template.language == language)
        .ok_or_else(unknown)
}

async fn approved(ctx: &Context, integration: &Integration) -> Result<Vec<Template>, ServiceError> {
    channel(ctx, integration.kind)?
        .templates(&bot(integration))
        .await
        .map_err(|err| {
            ServiceError::Upstream(Says::MessengerUnreachable {
                reason: super::reasons::said(&err),
            })
        })
}
