//! CRM use cases outside a chat: pipelines, deals, tasks, projects, contacts.

use shared::api::crm::{
    CurrencyTotal, Deal, DealStatus, Pipeline, Project, StageTotals, Task, UpdateDeal,
    UpdatePipeline,
};
use shared::api::timeline::{DealChanged, TimelineEvent};
use shared::ws::ServerMsg;
use shared::Id;

use super::{live, views, Context, ServiceError};
use crate::domain::account::User;
use crate::domain::deal as deal_rules;
use crate::domain::policy::{
    chat_scope, decide, decide_on_deal, may_hold_chats, Action, ChatFacts, ChatScope,
};
use crate::realtime;
use crate::store::chats as chat_store;
use crate::store::crm::DealRecord;
use crate::store::{crm, now, timeline, users, DbConn, StoreError};
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

pub async fn pipeline(ctx: &Context, caller: &User, id: Id) -> Result<Pipeline, ServiceError> {
    ServiceError::check(decide(caller.role, Action::ListPipelines), "pipeline")?;
    let found = ctx
        .store
        .run(move |conn| crm::find_pipeline(conn, id))
        .await
        .map_err(ServiceError::not_found_as("pipeline"))?;
    Ok(views::pipeline(found))
}

/// Renames a funnel and/or sets its stages: the given order is the new one,
/// stages without `id` are added, stages left out removed — refused while
/// one holds deals (the way out: move them first).
pub async fn update_pipeline(
    ctx: &Context,
    caller: &User,
    id: Id,
    change: UpdatePipeline,
) -> Result<Pipeline, ServiceError> {
    ServiceError::check(decide(caller.role, Action::ManagePipelines), "pipeline")?;
    let name = match change.name.map(|n| n.trim().to_owned()) {
        Some(name) if name.is_empty() => return Err(ServiceError::Invalid(Says::NameEmpty)),
        other => other,
    };
    let stages: Option<Vec<(Option<Id>, String)>> = change.stages.map(|stages| {
        stages
            .into_iter()
            .map(|stage| (stage.id, stage.name.trim().to_owned()))
            .collect()
    });
    if let Some(stages) = &stages {
        if stages.is_empty() || stages.iter().any(|(_, name)| name.is_empty()) {
            return Err(ServiceError::Invalid(Says::PipelineNeedsStage));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(twice) = stages
            .iter()
            .filter_map(|(id, _)| *id)
            .find(|id| !seen.insert(*id))
        {
            return Err(ServiceError::Invalid(Says::StageTwice { id: twice }));
        }
    }
    let pipeline = ctx
        .store
        .run(move |conn| {
            Ok(crate::store::write_transaction(conn, |conn| {
                let current =
                    crm::find_pipeline(conn, id).map_err(ServiceError::not_found_as("pipeline"))?;
                if let Some(stages) = &stages {
                    if let Some(stranger) = stages
                        .iter()
                        .filter_map(|(id, _)| *id)
                        .find(|given| !current.stages.iter().any(|(own, _)| own == given))
                    {
                        return Err(ServiceError::Invalid(Says::StageMissing { id: stranger }));
                    }
                    let held = crm::deals_per_stage(conn, id)?;
                    for (stage_id, stage_name) in &current.stages {
                        let removed = !stages.iter().any(|(given, _)| *given == Some(*stage_id));
                        let deals = held
                            .iter()
                            .find(|(held_by, _)| held_by == stage_id)
                            .map_or(0, |(_, n)| *n);
                        if removed && deals > 0 {
                            return Err(ServiceError::StageNotEmpty(Says::StageNotEmpty {
                                stage: stage_name.clone(),
                                deals,
                            }));
                        }
                    }
                    crm::set_stages(conn, id, stages)?;
                }
                if let Some(name) = &name {
                    crm::rename_pipeline(conn, id, name)?;
                }
                Ok(crm::find_pipeline(conn, id)?)
            }))
        })
        .await??;
    Ok(views::pipeline(pipeline))
}

/// Deletes a funnel that holds no deals and feeds no integration; the
/// default funnel stays.
pub async fn delete_pipeline(ctx: &Context, caller: &User, id: Id) -> Result<(), ServiceError> {
    ServiceError::check(decide(caller.role, Action::ManagePipelines), "pipeline")?;
    ctx.store
        .run(move |conn| {
            Ok(crate::store::write_transaction(conn, |conn| {
                let pipeline =
                    crm::find_pipeline(conn, id).map_err(ServiceError::not_found_as("pipeline"))?;
                if pipeline.is_default {
                    return Err(ServiceError::PipelineInUse(Says::DefaultPipelineStays));
                }
                let (deals, integrations) = crm::pipeline_use(conn, id)?;
                if deals > 0 || integrations > 0 {
                    return Err(ServiceError::PipelineInUse(Says::PipelineInUse {
                        deals,
                        integrations,
                    }));
                }
                let fallback = crm::default_pipeline_id(conn)?;
                crm::delete_pipeline(conn, id, fallback)?;
                Ok(())
            }))
        })
        .await?
}

/// `GET /api/v1/deals` filters.
#[derive(Debug, Clone, Default)]
pub struct DealsRequest {
    pub pipeline_id: Option<Id>,
    pub stage_id: Option<Id>,
    pub status: Option<String>,
    pub responsible_id: Option<Id>,
    pub contact_id: Option<Id>,
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

pub const MAX_PAGE: i64 = 100;
pub const DEFAULT_PAGE: i64 = 50;

pub(super) fn page_size(limit: Option<i64>) -> Result<i64, ServiceError> {
    match limit.unwrap_or(DEFAULT_PAGE) {
        limit if limit < 1 => Err(ServiceError::Invalid(Says::LimitTooSmall)),
        limit => Ok(limit.min(MAX_PAGE)),
    }
}

fn parse_status(value: Option<&str>) -> Result<Option<DealStatus>, ServiceError> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| {
            DealStatus::parse(v).ok_or_else(|| {
                ServiceError::Invalid(Says::BadDealStatus {
                    value: v.to_owned(),
                })
            })
        })
        .transpose()
}

/// Deals newest first, one page; a follower's hold the deals of the chats
/// they follow.
pub async fn deals(
    ctx: &Context,
    caller: &User,
    request: DealsRequest,
) -> Result<(Vec<Deal>, Option<String>), ServiceError> {
    ServiceError::check(decide(caller.role, Action::ListDeals), "deal")?;
    let limit = page_size(request.limit)?;
    let before = request
        .cursor
        .as_deref()
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.parse::<Id>()
                .map_err(|_| ServiceError::Invalid(Says::BadCursor))
        })
        .transpose()?;
    let filter = crm::DealFilter {
        pipeline_id: request.pipeline_id,
        stage_id: request.stage_id,
        status: parse_status(request.status.as_deref())?,
        responsible_id: request.responsible_id,
        contact_id: request.contact_id,
        q: request.q,
        followed_by: followed_by(caller),
    };
    let (page, next) = ctx
        .store
        .run(move |conn| crm::list_deals(conn, &filter, before, limit))
        .await?;
    Ok((
        page.into_iter().map(views::deal).collect(),
        next.map(|id| id.to_string()),
    ))
}

pub(super) fn followed_by(caller: &User) -> Option<Id> {
    match chat_scope(caller.role, caller.id) {
        ChatScope::All => None,
        ChatScope::FollowedBy(user) => Some(user),
    }
}

/// Loads a deal and checks that the caller may do `action` on it.
fn authorize_deal(
    conn: &mut DbConn,
    caller: &User,
    id: Id,
    action: Action,
) -> Result<DealRecord, ServiceError> {
    let deal = crm::find_deal(conn, id).map_err(ServiceError::not_found_as("deal"))?;
    let caller_follows = match deal.chat_id {
        Some(chat_id) => chat_store::is_follower(conn, chat_id, caller.id)?,
        None => false,
    };
    ServiceError::check(
        decide_on_deal(caller.role, action, ChatFacts { caller_follows }),
        "deal",
    )?;
    Ok(deal)
}

pub async fn deal(ctx: &Context, caller: &User, id: Id) -> Result<Deal, ServiceError> {
    let caller = caller.clone();
    let deal = ctx
        .store
        .run(move |conn| Ok(authorize_deal(conn, &caller, id, Action::ListDeals)))
        .await??;
    Ok(views::deal(deal))
}

/// Changes a deal: one `deal_changed` event in its chat when anything
/// changed, live to everyone who sees the deal. The rule is
/// `domain::deal::edit`; the stage and the responsible are checked here.
pub async fn update_deal(
    ctx: &Context,
    caller: &User,
    id: Id,
    patch: UpdateDeal,
) -> Result<Deal, ServiceError> {
    let caller = caller.clone();
    let deal = ctx
        .store
        .run(move |conn| {
            Ok(crate::store::write_transaction(conn, |conn| {
                crm::lock_deal(conn, id)?;
                let deal = authorize_deal(conn, &caller, id, Action::EditDeal)?;
                let at = now();
                let edit = deal_rules::edit(&deal.facts, &patch, at)
                    .map_err(|err| ServiceError::Invalid(Says::Deal(err)))?;
                if edit.changes.is_empty() {
                    return Ok(deal);
                }
                if edit.changes.contains_key("stage_id")
                    && !crm::is_stage_of(conn, edit.after.stage_id, deal.facts.pipeline_id)?
                {
                    return Err(ServiceError::Invalid(Says::StageOfAnotherPipeline {
                        stage_id: edit.after.stage_id,
                    }));
                }
                if let (true, Some(user_id)) = (
                    edit.changes.contains_key("responsible_id"),
                    edit.after.responsible_id,
                ) {
                    check_responsible(conn, user_id)?;
                }
                crm::set_deal(conn, id, &edit.after, at)?;
                let updated = crm::find_deal(conn, id)?;
                let msg = ServerMsg::DealUpdated {
                    deal: views::deal(updated.clone()),
                };
                match deal.chat_id {
                    Some(chat_id) => {
                        let item = timeline::insert_event(
                            conn,
                            chat_id,
                            Some(caller.id),
                            &TimelineEvent::DealChanged(DealChanged {
                                deal_id: id,
                                changes: edit.changes,
                            }),
                        )?;
                        live::items_then_chat_changed(conn, chat_id, vec![item])?;
                        realtime::record_for_chat(conn, chat_id, msg)?;
                    }
                    None => realtime::record_for_staff(conn, msg)?,
                }
                Ok(updated)
            }))
        })
        .await??;
    ctx.hub.wake();
    Ok(views::deal(deal))
}

/// A deal's responsible must be able to hold chats: an active admin or employee.
pub(super) fn check_responsible(conn: &mut DbConn, user_id: Id) -> Result<(), ServiceError> {
    let user = users::find_user(conn, user_id)
        .map_err(|_| ServiceError::Invalid(Says::UserMissing { id: user_id }))?;
    if !user.active {
        return Err(ServiceError::Invalid(Says::UserDeactivated { id: user_id }));
    }
    if !may_hold_chats(user.role) {
        return Err(ServiceError::NotAssignable(Says::FollowerNotAssignable {
            name: user.name,
        }));
    }
    Ok(())
}

/// Per stage of a funnel: the number of deals and their totals per currency,
/// with the board's filters (a follower's count only deals they may see).
pub async fn board(
    ctx: &Context,
    caller: &User,
    pipeline_id: Id,
    status: Option<String>,
    responsible_id: Option<Id>,
) -> Result<Vec<StageTotals>, ServiceError> {
    ServiceError::check(decide(caller.role, Action::ListDeals), "deal")?;
    let status = parse_status(status.as_deref())?;
    let followed = followed_by(caller);
    let (pipeline, rows) = ctx
        .store
        .run(move |conn| {
            let pipeline = match crm::find_pipeline(conn, pipeline_id) {
                Ok(pipeline) => pipeline,
                Err(StoreError::NotFound) => return Ok(None),
                Err(other) => return Err(other),
            };
            let rows = crm::stage_totals(conn, pipeline_id, status, responsible_id, followed)?;
            Ok(Some((pipeline, rows)))
        })
        .await?
        .ok_or(ServiceError::NotFound("pipeline"))?;
    Ok(pipeline
        .stages
        .iter()
        .map(|(stage_id, _)| {
            let mine: Vec<_> = rows.iter().filter(|row| row.0 == *stage_id).collect();
            StageTotals {
                stage_id: *stage_id,
                count: mine.iter().map(|row| row.2).sum(),
                totals: mine
                    .iter()
                    .filter_map(|row| {
                        row.3.map(|amount| CurrencyTotal {
                            currency: row.1.clone(),
                            amount,
                        })
                    })
                    .collect(),
            }
        })
        .collect())
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
    Ok(views::task((task, Vec::new())))
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
