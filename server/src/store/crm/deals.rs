//! Pipelines with their stages, and deals.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use shared::Id;

use crate::store::schema::{deals, pipelines, stages};
use crate::store::{now, write_transaction, DbConn, StoreError};

#[derive(Debug, Clone, PartialEq)]
pub struct PipelineRecord {
    pub id: Id,
    pub name: String,
    pub is_default: bool,
    /// `(id, name)` in order.
    pub stages: Vec<(Id, String)>,
}

pub fn list_pipelines(conn: &mut DbConn) -> Result<Vec<PipelineRecord>, StoreError> {
    let rows: Vec<(Id, String, bool)> = pipelines::table
        .order(pipelines::id)
        .select((pipelines::id, pipelines::name, pipelines::is_default))
        .load(conn)?;
    let all_stages: Vec<(Id, Id, String)> = stages::table
        .order((stages::pipeline_id, stages::position))
        .select((stages::pipeline_id, stages::id, stages::name))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, is_default)| PipelineRecord {
            id,
            name,
            is_default,
            stages: all_stages
                .iter()
                .filter(|s| s.0 == id)
                .map(|s| (s.1, s.2.clone()))
                .collect(),
        })
        .collect())
}

pub fn find_pipeline(conn: &mut DbConn, id: Id) -> Result<PipelineRecord, StoreError> {
    list_pipelines(conn)?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(StoreError::NotFound)
}

pub fn default_pipeline_id(conn: &mut DbConn) -> Result<Id, StoreError> {
    Ok(pipelines::table
        .order((pipelines::is_default.desc(), pipelines::id))
        .select(pipelines::id)
        .first(conn)?)
}

pub fn insert_pipeline(
    conn: &mut DbConn,
    name: &str,
    stage_names: &[String],
) -> Result<PipelineRecord, StoreError> {
    write_transaction(conn, |conn| {
        let id: Id = diesel::insert_into(pipelines::table)
            .values((
                pipelines::name.eq(name),
                pipelines::is_default.eq(false),
                pipelines::created_at.eq(now()),
            ))
            .returning(pipelines::id)
            .get_result(conn)?;
        for (position, stage) in (0i32..).zip(stage_names) {
            diesel::insert_into(stages::table)
                .values((
                    stages::pipeline_id.eq(id),
                    stages::name.eq(stage),
                    stages::position.eq(position),
                ))
                .execute(conn)?;
        }
        find_pipeline(conn, id)
    })
}

#[derive(Debug, Clone, PartialEq)]
pub struct DealRecord {
    pub id: Id,
    pub title: String,
    pub pipeline_id: Id,
    pub stage_id: Id,
    pub stage_name: String,
    /// `None` once the contact was erased.
    pub contact_id: Option<Id>,
    pub chat_id: Option<Id>,
    pub amount: Option<f64>,
    pub created_at: NaiveDateTime,
}

type DealRow = (
    Id,
    String,
    Id,
    Id,
    String,
    Option<Id>,
    Option<Id>,
    Option<f64>,
    NaiveDateTime,
);

type DealColumns = (
    deals::id,
    deals::title,
    deals::pipeline_id,
    deals::stage_id,
    stages::name,
    deals::contact_id,
    deals::chat_id,
    deals::amount,
    deals::created_at,
);
type DealQuery =
    diesel::dsl::Select<diesel::dsl::InnerJoin<deals::table, stages::table>, DealColumns>;

fn deal_query() -> DealQuery {
    deals::table.inner_join(stages::table).select((
        deals::id,
        deals::title,
        deals::pipeline_id,
        deals::stage_id,
        stages::name,
        deals::contact_id,
        deals::chat_id,
        deals::amount,
        deals::created_at,
    ))
}

fn to_deal(row: DealRow) -> DealRecord {
    DealRecord {
        id: row.0,
        title: row.1,
        pipeline_id: row.2,
        stage_id: row.3,
        stage_name: row.4,
        contact_id: row.5,
        chat_id: row.6,
        amount: row.7,
        created_at: row.8,
    }
}

/// A new deal in the pipeline's first stage.
pub fn insert_deal(
    conn: &mut DbConn,
    pipeline_id: Id,
    contact_id: Id,
    chat_id: Option<Id>,
    title: &str,
) -> Result<DealRecord, StoreError> {
    let first_stage: Id = stages::table
        .filter(stages::pipeline_id.eq(pipeline_id))
        .order(stages::position)
        .select(stages::id)
        .first(conn)?;
    let id: Id = diesel::insert_into(deals::table)
        .values((
            deals::pipeline_id.eq(pipeline_id),
            deals::stage_id.eq(first_stage),
            deals::contact_id.eq(contact_id),
            deals::chat_id.eq(chat_id),
            deals::title.eq(title),
            deals::created_at.eq(now()),
        ))
        .returning(deals::id)
        .get_result(conn)?;
    find_deal(conn, id)
}

pub fn find_deal(conn: &mut DbConn, id: Id) -> Result<DealRecord, StoreError> {
    Ok(to_deal(deal_query().filter(deals::id.eq(id)).first(conn)?))
}

pub fn list_deals(
    conn: &mut DbConn,
    pipeline_id: Option<Id>,
) -> Result<Vec<DealRecord>, StoreError> {
    let mut query = deal_query().into_boxed();
    if let Some(pipeline_id) = pipeline_id {
        query = query.filter(deals::pipeline_id.eq(pipeline_id));
    }
    Ok(query
        .order(deals::id.desc())
        .limit(500)
        .load::<DealRow>(conn)?
        .into_iter()
        .map(to_deal)
        .collect())
}

pub fn chat_deals(conn: &mut DbConn, chat_id: Id) -> Result<Vec<DealRecord>, StoreError> {
    Ok(deal_query()
        .filter(deals::chat_id.eq(chat_id))
        .order(deals::id)
        .load::<DealRow>(conn)?
        .into_iter()
        .map(to_deal)
        .collect())
}

pub struct DealChanges {
    pub title: Option<String>,
    pub stage_id: Option<Id>,
    pub amount: Option<f64>,
}

pub fn update_deal(
    conn: &mut DbConn,
    id: Id,
    changes: DealChanges,
) -> Result<DealRecord, StoreError> {
    write_transaction(conn, |conn| {
        let deal = find_deal(conn, id)?;
        if let Some(stage_id) = changes.stage_id {
            let in_pipeline: i64 = stages::table
                .filter(stages::id.eq(stage_id))
                .filter(stages::pipeline_id.eq(deal.pipeline_id))
                .count()
                .get_result(conn)?;
            if in_pipeline == 0 {
                return Err(StoreError::Conflict(
                    "the stage is not in the deal's pipeline".into(),
                ));
            }
            diesel::update(deals::table.find(id))
                .set(deals::stage_id.eq(stage_id))
                .execute(conn)?;
        }
        if let Some(title) = changes.title {
            diesel::update(deals::table.find(id))
                .set(deals::title.eq(title))
                .execute(conn)?;
        }
        if let Some(amount) = changes.amount {
            diesel::update(deals::table.find(id))
                .set(deals::amount.eq(amount))
                .execute(conn)?;
        }
        find_deal(conn, id)
    })
}
