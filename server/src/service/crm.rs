//! CRM use cases outside a chat: pipelines, deals, tasks, projects, contacts.

use shared::api::crm::{Contact, Deal, Pipeline, Project, Task, UpdateDeal};
use shared::Id;

use super::{views, Context, ServiceError};
use crate::domain::account::User;
use crate::domain::policy::{chat_scope, decide, Action, ChatScope};
use crate::store::{crm, StoreError};
use crate::texts::Says;

pub async fn pipelines(ctx: &Context, caller: &User) -> Result<Vec<Pipeline>, ServiceError> {
    ServiceError::check(decide(caller.role, Action::ListPipelines), "pipeline")?;
    let all = ctx.store.run(crm::list_pipelines).await?;
    Ok(all.into_iter().map(views::pipeline).collect())
}

pub async fn create_pipeline(
    ctx: &Context,
    caller: &User,
    name: String,
    stages: Vec<String>,
) -> Result<Pipeline, ServiceError> {
    ServiceError::check(decide(caller.role, Action::ManagePipelines), "pipeline")?;
    let name = name.trim().to_owned();
    let stages: Vec<String> = stages.iter().map(|s| s.trim().to_owned()).collect();
    if name.is_empty() {
        return Err(ServiceError::Invalid(Says::NameEmpty));
    }
    if stages.is_empty() || stages.iter().any(String::is_empty) {
        return Err(ServiceError::Invalid(Says::PipelineNeedsStage));
    }
    let pipeline = ctx
        .store
        .run(move |conn| crm::insert_pipeline(conn, &name, &stages))
        .await?;
    Ok(views::pipeline(pipeline))
}

pub async fn deals(
    ctx: &Context,
    caller: &User,
    pipeline_id: Option<Id>,
) -> Result<Vec<Deal>, ServiceError> {
    ServiceError::check(decide(caller.role, Action::ListDeals), "deal")?;
    let all = ctx
        .store
        .run(move |conn| crm::list_deals(conn, pipeline_id))
        .await?;
    Ok(all.into_iter().map(views::deal).collect())
}

pub async fn update_deal(
    ctx: &Context,
    caller: &User,
    id: Id,
    changes: UpdateDeal,
) -> Result<Deal, ServiceError> {
    ServiceError::check(decide(caller.role, Action::EditDeal), "deal")?;
    let title = match changes.title.map(|t| t.trim().to_owned()) {
        Some(t) if t.is_empty() => return Err(ServiceError::Invalid(Says::TitleEmpty)),
        other => other,
    };
    if changes.amount.is_some_and(|a| !a.is_finite() || a < 0.0) {
        return Err(ServiceError::Invalid(Says::AmountNegative));
    }
    let deal = ctx
        .store
        .run(move |conn| {
            crm::update_deal(
                conn,
                id,
                crm::DealChanges {
                    title,
                    stage_id: changes.stage_id,
                    amount: changes.amount,
                },
            )
        })
        .await
        .map_err(|err| match err {
            StoreError::NotFound => ServiceError::NotFound("deal"),
            StoreError::Conflict(_) => ServiceError::Invalid(Says::StageNotInPipeline),
            other => other.into(),
        })?;
    Ok(views::deal(deal))
}

pub async fn tasks(ctx: &Context, caller: &User) -> Result<Vec<Task>, ServiceError> {
    ServiceError::check(decide(caller.role, Action::ListTasksAndProjects), "task")?;
    let all = ctx.store.run(crm::list_tasks).await?;
    Ok(all.into_iter().map(views::task).collect())
}

pub async fn create_task(
    ctx: &Context,
    caller: &User,
    title: String,
) -> Result<Task, ServiceError> {
    ServiceError::check(decide(caller.role, Action::CreateTasksAndProjects), "task")?;
    let title = crate::domain::text::check_text(&title, 500)?;
    let by = caller.id;
    let task = ctx
        .store
        .run(move |conn| crm::insert_task(conn, &title, by))
        .await?;
    Ok(views::task(task))
}

pub async fn projects(ctx: &Context, caller: &User) -> Result<Vec<Project>, ServiceError> {
    ServiceError::check(decide(caller.role, Action::ListTasksAndProjects), "project")?;
    let all = ctx.store.run(crm::list_projects).await?;
    Ok(all.into_iter().map(views::project).collect())
}

pub async fn create_project(
    ctx: &Context,
    caller: &User,
    name: String,
) -> Result<Project, ServiceError> {
    ServiceError::check(
        decide(caller.role, Action::CreateTasksAndProjects),
        "project",
    )?;
    let name = crate::domain::text::check_text(&name, 500)?;
    let by = caller.id;
    let project = ctx
        .store
        .run(move |conn| crm::insert_project(conn, &name, by))
        .await?;
    Ok(views::project(project))
}

/// A contact is visible to whoever may see one of its chats.
pub async fn contact(ctx: &Context, caller: &User, id: Id) -> Result<Contact, ServiceError> {
    let scope = chat_scope(caller.role, caller.id);
    let found = ctx
        .store
        .run(move |conn| {
            let contact = match crm::find_contact(conn, id) {
                Ok(contact) => contact,
                Err(StoreError::NotFound) => return Ok(None),
                Err(other) => return Err(other),
            };
            if let ChatScope::FollowedBy(user) = scope {
                if !crm::is_contact_followed_by(conn, id, user)? {
                    return Ok(None);
                }
            }
            Ok(Some(contact))
        })
        .await?;
    found
        .map(views::contact)
        .ok_or(ServiceError::NotFound("contact"))
}
