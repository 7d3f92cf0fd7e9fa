//! Fills a fresh demo database: the team (an admin, two employees, a
//! follower), a sales pipeline, a Telegram, a Viber and a WhatsApp
//! integration created through the ordinary use case (so the token and number
//! checks and webhook registration run against the simulator), tasks and
//! projects, and a few hundred past conversations ([`super::history`]). WhatsApp
//! has no webhook API: the seeder does what an admin does in Meta's dashboard,
//! handing the integration's callback URL and verify token to the simulated
//! Meta, which verifies them. On later starts [`reconnect`] points the
//! simulator at the webhooks again.

use shared::api::integrations::{CreateIntegration, Delivery};
use shared::api::users::Role;
use shared::api::Channel;
use shared::Id;

use super::corpus;
use super::history::{self, Cast};
use super::simulator::state::{
    TELEGRAM_TOKEN, VIBER_TOKEN, WHATSAPP_APP_SECRET, WHATSAPP_BUSINESS_ACCOUNT_ID,
    WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_TOKEN,
};
use super::simulator::{whatsapp, Sim};
use crate::domain::account::User;
use crate::service::accounts::{self, NewAccount};
use crate::service::{crm, health, integrations, Context, ServiceError};
use crate::store::StoreError;

/// A demo account, printed at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoLogin {
    pub role: Role,
    pub name: &'static str,
    pub email: &'static str,
    pub password: &'static str,
}

/// Admin first, then the two employees (the integrations' queue), then the
/// follower.
pub const LOGINS: [DemoLogin; 4] = [
    DemoLogin {
        role: Role::Admin,
        name: "Alex Morgan",
        email: "admin@demo.tidings",
        password: "demo-admin",
    },
    DemoLogin {
        role: Role::Employee,
        name: "Anna Smirnova",
        email: "anna@demo.tidings",
        password: "demo-anna",
    },
    DemoLogin {
        role: Role::Employee,
        name: "Diego Fernández",
        email: "diego@demo.tidings",
        password: "demo-diego",
    },
    DemoLogin {
        role: Role::Follower,
        name: "Sam Taylor",
        email: "sam@demo.tidings",
        password: "demo-sam",
    },
];

pub const STAGES: [&str; 6] = [
    "New lead",
    "Qualified",
    "Proposal sent",
    "Negotiation",
    "Won",
    "Lost",
];

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A body the seeder built was refused by the channel's own parser.
    #[error("the {0} parser refused a seeded update: {1}")]
    Parse(&'static str, String),
    #[error("the demo database has no {0}")]
    Missing(&'static str),
    /// The simulated Meta could not verify the WhatsApp callback URL.
    #[error("the simulated WhatsApp refused the callback URL: {0}")]
    WhatsAppWebhook(String),
}

impl From<diesel::result::Error> for SeedError {
    fn from(err: diesel::result::Error) -> Self {
        SeedError::Store(err.into())
    }
}

/// What seeding made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seeded {
    pub users: usize,
    pub chats: usize,
    pub integrations: Vec<Id>,
}

pub async fn seed(ctx: &Context, sim: &std::sync::Arc<Sim>) -> Result<Seeded, SeedError> {
    let mut team = Vec::with_capacity(LOGINS.len());
    for login in LOGINS {
        let user = accounts::create_user(
            &ctx.store,
            NewAccount {
                email: login.email.into(),
                name: login.name.into(),
                password: login.password.into(),
                role: login.role,
            },
        )
        .await?;
        team.push(user);
    }
    let [admin, anna, diego, sam] =
        <[User; 4]>::try_from(team).map_err(|_| SeedError::Missing("team of four"))?;
    let pipeline = crm::create_pipeline(
        ctx,
        &admin,
        "Sales".into(),
        STAGES.iter().map(|stage| (*stage).to_owned()).collect(),
    )
    .await?;
    let mut integration_ids = Vec::with_capacity(3);
    for (kind, name, token) in [
        (Channel::Telegram, "Demo Shop · Telegram", TELEGRAM_TOKEN),
        (Channel::Viber, "Demo Shop · Viber", VIBER_TOKEN),
        (Channel::Whatsapp, "Demo Shop · WhatsApp", WHATSAPP_TOKEN),
    ] {
        let is_whatsapp = kind == Channel::Whatsapp;
        let created = integrations::create(
            ctx,
            &admin,
            CreateIntegration {
                kind,
                name: name.into(),
                token: token.into(),
                queue: vec![anna.id, diego.id],
                pipeline_id: Some(pipeline.id),
                greeting_text: Some(corpus::GREETING.into()),
                auto_reply_text: Some(corpus::AUTO_REPLY.into()),
                // The demo's public URL is plain http, which would mean
                // polling; the simulator takes webhooks on any URL.
                delivery: (kind == Channel::Telegram).then_some(Delivery::Webhook),
                assign_only_online: None,
                reassign_after_s: None,
                business_hours: None,
                away_text: Some(corpus::AWAY_TEXT.into()),
                phone_number_id: is_whatsapp.then(|| WHATSAPP_PHONE_NUMBER_ID.into()),
                business_account_id: is_whatsapp.then(|| WHATSAPP_BUSINESS_ACCOUNT_ID.into()),
                app_secret: is_whatsapp.then(|| WHATSAPP_APP_SECRET.into()),
                callback_url: None,
            },
        )
        .await?;
        if is_whatsapp {
            let verify_token = created.verify_token.as_deref().unwrap_or_default();
            whatsapp::subscribe(sim, &created.webhook_url, verify_token)
                .await
                .map_err(SeedError::WhatsAppWebhook)?;
        }
        integration_ids.push(created.id);
    }
    let mut tasks = Vec::new();
    for (index, title) in corpus::TASKS.iter().enumerate() {
        let by = if index % 2 == 0 { &anna } else { &diego };
        tasks.push(crm::create_task(ctx, by, (*title).to_owned()).await?.id);
    }
    let mut projects = Vec::new();
    for name in corpus::PROJECTS {
        projects.push(
            crm::create_project(ctx, &admin, (*name).to_owned())
                .await?
                .id,
        );
    }
    let cast = Cast {
        admin: admin.id,
        employees: [anna.id, diego.id],
        follower: sam.id,
        tasks,
        projects,
        stages: pipeline.stages.iter().map(|stage| stage.id).collect(),
        telegram: integration_ids[0],
        viber: integration_ids[1],
        whatsapp: integration_ids[2],
    };
    let chats = history::seed_chats(ctx, sim, cast).await?;
    Ok(Seeded {
        users: LOGINS.len(),
        chats,
        integrations: integration_ids,
    })
}

/// An existing demo database: the simulator forgot the webhooks (and the
/// server's address may have changed), so every integration registers again
/// through the ordinary use case, and the WhatsApp callback URL is verified
/// with the simulated Meta again.
pub async fn reconnect(ctx: &Context, sim: &Sim) -> Result<(), SeedError> {
    let admin = ctx
        .store
        .run(crate::store::users::list_users)
        .await?
        .into_iter()
        .find(|user| user.role == Role::Admin && user.active)
        .ok_or(SeedError::Missing("active admin"))?;
    for integration in integrations::list(ctx, &admin).await? {
        if let Err(err) = health::reconnect(ctx, &admin, integration.id).await {
            tracing::warn!(integration_id = integration.id, %err, "a demo integration could not register its webhook again");
        }
        if integration.kind == Channel::Whatsapp {
            let verify_token = integration.verify_token.as_deref().unwrap_or_default();
            if let Err(err) = whatsapp::subscribe(sim, &integration.webhook_url, verify_token).await
            {
                tracing::warn!(integration_id = integration.id, %err, "the simulated WhatsApp could not verify the callback URL again");
            }
        }
    }
    Ok(())
}
